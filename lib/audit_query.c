#include "audit_db.h"

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "error.h"
#include "timestamp.h"

/*
 * Rows read back, from the database or a fallback line, with the memory
 * behind their pointers.
 */

static const char *keep(loaded_row *l, const unsigned char *s)
{
	if (!s)
		return NULL;
	l->strings = cg_array_grow(l->strings, &l->strings_alloc, l->nstrings + 1,
	                           sizeof(*l->strings));
	return l->strings[l->nstrings++] = cg_strdup((const char *)s);
}

void cg_audit__loaded_clear(loaded_row *l)
{
	while (l->nstrings)
		free(l->strings[--l->nstrings]);
	memset(&l->r, 0, sizeof(l->r));
}

void cg_audit__loaded_dispose(loaded_row *l)
{
	size_t k;

	cg_audit__loaded_clear(l);
	free(l->strings);
	for (k = 0; k < ARRAY_SIZE(kinds); k++)
		free(l->items[k]);
}

/* Room for item `i` of kind `k`, zeroed, with the run pointing at the array. */
void *cg_audit__loaded_item(loaded_row *l, size_t k, size_t i)
{
	char *run = (char *)&l->r.run;
	size_t count = i + 1;
	void *item;

	l->items[k] = cg_array_grow(l->items[k], &l->alloc[k], count, kinds[k].size);
	item = (char *)l->items[k] + i * kinds[k].size;
	memset(item, 0, kinds[k].size);
	memcpy(run + kinds[k].array, &l->items[k], sizeof(l->items[k]));
	memcpy(run + kinds[k].count, &count, sizeof(count));
	return item;
}

static const char *column(loaded_row *l, sqlite3_stmt *st, int i)
{
	return SQ.sqlite3_column_type(st, i) == SQLITE_NULL ? NULL :
		keep(l, SQ.sqlite3_column_text(st, i));
}

static int load_items(loaded_row *l, cg_audit *db, size_t k)
{
	const item_kind *kind = &kinds[k];
	sqlite3_stmt *st = NULL;
	size_t i, j;
	int error, rc;

	if ((error = cg_audit__stmt(&st, db, kind->select)) < 0)
		return error;
	SQ.sqlite3_bind_int64(st, 1, l->r.id);
	for (i = 0; (rc = SQ.sqlite3_step(st)) == SQLITE_ROW; i++) {
		void *item = cg_audit__loaded_item(l, k, i);

		for (j = 0; j < kind->nfields; j++)
			set_text(item, &kind->fields[j], column(l, st, (int)j));
	}
	if (rc != SQLITE_DONE)
		error = cg_audit__fail(db);
	SQ.sqlite3_reset(st);
	return error;
}

/* The RUN_COLUMNS at the start of a result row, without findings and waivers. */
static void load_columns(loaded_row *l, sqlite3_stmt *st)
{
	size_t i;

	cg_audit__loaded_clear(l);
	l->r.id = SQ.sqlite3_column_int64(st, 0);
	for (i = 0; i < ARRAY_SIZE(run_fields); i++)
		set_text(&l->r, &run_fields[i], column(l, st, 1 + (int)i));
	if (!l->r.time || cg_timestamp_parse(l->r.time, strlen(l->r.time),
	                                     &l->r.run.time_ms) != CG_TS_OK)
		l->r.run.time_ms = 0;
	l->r.run.duration_us = SQ.sqlite3_column_int64(st, 14);
	l->r.prev_hash = column(l, st, 15);
	l->r.hash = column(l, st, 16);
	l->r.hash_version = SQ.sqlite3_column_int(st, 17);
}

static int load_row(loaded_row *l, cg_audit *db, sqlite3_stmt *st)
{
	size_t i;
	int error = 0;

	load_columns(l, st);
	for (i = 0; error == 0 && i < ARRAY_SIZE(kinds); i++)
		error = load_items(l, db, i);
	return error;
}

/* The filters that are conditions on run_keys: a member of
 * cg_audit_filter, its SQL, its parameter. */
static const struct {
	size_t offset;
	const char *sql, *param;
} key_filters[] = {
	{ offsetof(cg_audit_filter, hook), " AND hook = :hook", ":hook" },
	{ offsetof(cg_audit_filter, verdict), " AND verdict = :verdict", ":verdict" },
	{ offsetof(cg_audit_filter, ref),
	  " AND EXISTS (SELECT 1 FROM json_each(refs) WHERE value = :ref)", ":ref" },
	{ offsetof(cg_audit_filter, author),
	  " AND EXISTS (SELECT 1 FROM json_each(authors) WHERE instr(value, :author) > 0)",
	  ":author" },
	{ offsetof(cg_audit_filter, rule),
	  " AND (EXISTS (SELECT 1 FROM json_each(finding_rules) WHERE value = :rule)"
	  " OR EXISTS (SELECT 1 FROM json_each(waiver_rules) WHERE value = :rule))", ":rule" },
};

static const char *filter_text(const cg_audit_filter *f, size_t i)
{
	const char *value = NULL;

	memcpy(&value, (const char *)f + key_filters[i].offset, sizeof(value));
	return value;
}

static int selects_all(const cg_audit_filter *f)
{
	size_t i;

	for (i = 0; f && i < ARRAY_SIZE(key_filters); i++)
		if (filter_text(f, i))
			return 0;
	return !f || (!f->since_ms && !f->until_ms);
}

/* The ids of the keys `f` (NULL: none) selects that also meet `extra`,
 * a condition on run_keys (" AND ...", or ""). */
static void keys_sql(cg_buf *sql, const cg_audit_filter *f, const char *extra)
{
	size_t i;

	cg_buf_puts(sql, "SELECT id FROM run_keys WHERE 1");
	for (i = 0; f && i < ARRAY_SIZE(key_filters); i++)
		if (filter_text(f, i))
			cg_buf_puts(sql, key_filters[i].sql);
	cg_buf_puts(sql, extra);
}

/* The ids of the runs `f` selects whose key meets `extra`; with `newest`,
 * only the :limit newest. */
static void selection_sql(cg_buf *sql, const cg_audit_filter *f, const char *extra, int newest)
{
	cg_buf_puts(sql, "SELECT run_id FROM keyed_runs WHERE key_id IN (");
	keys_sql(sql, f, extra);
	cg_buf_puts(sql, ") AND time >= :since AND time < :until");
	if (newest)
		cg_buf_puts(sql, " ORDER BY run_id DESC LIMIT :limit");
}

/* The start of the UTC day of `ms`, before 1970 too. */
static int64_t day_start(int64_t ms)
{
	return (ms >= 0 ? ms : ms - CG_MS_PER_DAY + 1) / CG_MS_PER_DAY * CG_MS_PER_DAY;
}

static void format_day(char out[32], int64_t ms)
{
	cg_timestamp_format(out, ms, 1);
	out[10] = '\0';
}

void cg_audit__window_of(cg_audit__window *w, const cg_audit_filter *f)
{
	int64_t since = f->since_ms < MAX_TIME_MS ? f->since_ms : MAX_TIME_MS;
	int64_t until = f->until_ms < MAX_TIME_MS ? f->until_ms : MAX_TIME_MS;
	int64_t first = day_start(since) < since ? day_start(since) + CG_MS_PER_DAY : since;

	strcpy(w->since, "");
	strcpy(w->until, "~");
	strcpy(w->first_day, "");
	strcpy(w->end_day, "~");
	if (f->since_ms) {
		cg_timestamp_format(w->since, since, 1);
		if (first <= MAX_TIME_MS)
			format_day(w->first_day, first);
		else
			strcpy(w->first_day, "~");
	}
	if (f->until_ms) {
		cg_timestamp_format(w->until, until, 1);
		format_day(w->end_day, day_start(until));
	}
	if (strcmp(w->first_day, w->end_day) >= 0) {
		strcpy(w->first_day, w->until);
		strcpy(w->end_day, w->until);
	}
}

/* Prepares `sql`, binding the window, the filters' parameters and :limit
 * (`limit` 0: no limit). A parameter the SQL lacks has index 0: binding
 * it is a no-op error. */
static int prepare_filtered(sqlite3_stmt **out, cg_audit *db, const char *sql,
                            const cg_audit_filter *f, size_t limit)
{
	static const cg_audit_filter none = { 0 };
	cg_audit__window w;
	size_t i;

	f = f ? f : &none;
	cg_audit__window_of(&w, f);
	if (SQ.sqlite3_prepare_v2(db->db, sql, -1, out, NULL) != SQLITE_OK)
		return cg_audit__fail(db);
	SQ.sqlite3_bind_text(*out, SQ.sqlite3_bind_parameter_index(*out, ":since"), w.since, -1,
	                  SQLITE_TRANSIENT);
	SQ.sqlite3_bind_text(*out, SQ.sqlite3_bind_parameter_index(*out, ":until"), w.until, -1,
	                  SQLITE_TRANSIENT);
	SQ.sqlite3_bind_text(*out, SQ.sqlite3_bind_parameter_index(*out, ":first_day"), w.first_day, -1,
	                  SQLITE_TRANSIENT);
	SQ.sqlite3_bind_text(*out, SQ.sqlite3_bind_parameter_index(*out, ":end_day"), w.end_day, -1,
	                  SQLITE_TRANSIENT);
	for (i = 0; i < ARRAY_SIZE(key_filters); i++)
		SQ.sqlite3_bind_text(*out, SQ.sqlite3_bind_parameter_index(*out, key_filters[i].param),
		                  filter_text(f, i), -1, SQLITE_TRANSIENT);
	SQ.sqlite3_bind_int64(*out, SQ.sqlite3_bind_parameter_index(*out, ":limit"),
	                   limit ? (sqlite3_int64)limit : -1);
	return 0;
}

/* The runs a filter selects, in id order, or newest first when `limit`
 * is given (at most that many). */
static int prepare_filter(sqlite3_stmt **out, cg_audit *db, const cg_audit_filter *f,
                          size_t limit)
{
	cg_buf sql = CG_BUF_INIT;
	int error;

	cg_buf_puts(&sql, "SELECT " RUN_COLUMNS " FROM runs");
	if (!selects_all(f)) {
		cg_buf_puts(&sql, " WHERE id IN (");
		selection_sql(&sql, f, "", limit != 0);
		cg_buf_puts(&sql, ")");
	}
	cg_buf_puts(&sql, limit ? " ORDER BY id DESC LIMIT :limit" : " ORDER BY id");
	error = prepare_filtered(out, db, sql.ptr, f, limit);
	cg_buf_dispose(&sql);
	return error;
}

/* Steps `st` to its end, calling `each` per row; a non-zero return stops. */
static int step_all(cg_audit *db, sqlite3_stmt *st,
                    int (*each)(cg_audit *db, sqlite3_stmt *st, void *payload), void *payload)
{
	int error = 0, rc;

	while (error == 0 && (rc = SQ.sqlite3_step(st)) == SQLITE_ROW)
		error = each(db, st, payload);
	if (error == 0 && rc != SQLITE_DONE)
		error = cg_audit__fail(db);
	return error;
}

/* Steps `st` in one read transaction, so that the walk sees one snapshot
 * while hooks keep writing, calling `each` for every row. A non-zero return
 * of `each` stops the walk and is returned. `st` is finalized. */
static int walk_rows(cg_audit *db, sqlite3_stmt *st,
                     int (*each)(cg_audit *db, sqlite3_stmt *st, void *payload),
                     void *payload)
{
	int error = step_all(db, st, each, payload), end;

	SQ.sqlite3_finalize(st);
	end = cg_audit__finish(db, error < 0 ? error : 0);
	return end < 0 ? end : error;
}

/* Runs `sql` (prepare_filtered's parameters bound) in a read transaction. */
static int walk_filtered(cg_audit *db, const char *sql, const cg_audit_filter *f,
                         size_t limit,
                         int (*each)(cg_audit *db, sqlite3_stmt *st, void *payload),
                         void *payload)
{
	sqlite3_stmt *st = NULL;
	int error;

	if ((error = cg_audit__exec(db, "BEGIN")) < 0)
		return error;
	if ((error = prepare_filtered(&st, db, sql, f, limit)) < 0)
		return cg_audit__finish(db, error);
	return walk_rows(db, st, each, payload);
}

typedef struct {
	loaded_row l;
	cg_audit_entry_cb cb;
	void *payload;
} row_walk;

static int each_row(cg_audit *db, sqlite3_stmt *st, void *payload)
{
	row_walk *w = payload;
	int error = load_row(&w->l, db, st);

	return error ? error : w->cb(&w->l.r, w->payload);
}

/* Calls `cb` for every selected run in id order (newest first with a
 * `limit`), from one snapshot. */
int cg_audit__for_each_row(cg_audit *db, const cg_audit_filter *filter, size_t limit,
                           cg_audit_entry_cb cb, void *payload)
{
	row_walk w = { .cb = cb, .payload = payload };
	sqlite3_stmt *st = NULL;
	int error;

	if ((error = cg_audit__exec(db, "BEGIN")) < 0)
		return error;
	if ((error = prepare_filter(&st, db, filter, limit)) < 0)
		error = cg_audit__finish(db, error);
	else
		error = walk_rows(db, st, each_row, &w);
	cg_audit__loaded_dispose(&w.l);
	return error;
}

int cg_audit_query(cg_audit *db, const cg_audit_filter *filter,
                   cg_audit_entry_cb cb, void *payload)
{
	return cg_audit__for_each_row(db, filter, 0, cb, payload);
}

int cg_audit_recent(cg_audit *db, const cg_audit_filter *filter, size_t limit,
                    cg_audit_entry_cb cb, void *payload)
{
	/* without a limit, the newest first are still all of them */
	return cg_audit__for_each_row(db, filter, limit ? limit : SIZE_MAX / 2, cb, payload);
}

/*
 * Reports: counts from the report tables and item lists of the newest
 * selected runs, so that a report on a million runs reads neither every
 * run nor every finding.
 */

/* src(key_id, day, rule, runs, findings, waivers): daily over the whole
 * days, counted from the runs for the part-days at either end. "%s" is
 * the selected keys. */
static const char summary_source_sql[] =
	"WITH sel(id) AS MATERIALIZED (%s),"
	" scope(run_id, key_id, day) AS ("
	"  SELECT run_id, key_id, substr(time, 1, 10) FROM keyed_runs"
	"   WHERE key_id IN sel AND time >= :since AND time < :first_day"
	"  UNION ALL SELECT run_id, key_id, substr(time, 1, 10) FROM keyed_runs"
	"   WHERE key_id IN sel AND time >= :end_day AND time < :until),"
	" src(key_id, day, rule, runs, findings, waivers) AS ("
	"  SELECT key_id, day, rule, runs, findings, waivers FROM daily"
	"   WHERE key_id IN sel AND day >= :first_day AND day < :end_day"
	"  UNION ALL " DAILY_OF_SCOPE ") ";

/* The group key is column 0, then runs, blocked, findings, waivers. */
static const char *const summary_select_sql[] = {
	[CG_AUDIT_BY_VERDICT] = "SELECT k.verdict, sum(runs),"
		" CASE k.verdict WHEN 'blocked' THEN sum(runs) ELSE 0 END, 0, 0"
		" FROM src JOIN run_keys AS k ON k.id = src.key_id WHERE rule = ''"
		" GROUP BY k.verdict ORDER BY k.verdict",
	[CG_AUDIT_BY_RULE] = "SELECT rule, sum(runs), 0, sum(findings), sum(waivers)"
		" FROM src WHERE rule <> '' GROUP BY rule ORDER BY rule",
	[CG_AUDIT_BY_DAY] = "SELECT day, sum(runs),"
		" sum(CASE k.verdict WHEN 'blocked' THEN runs ELSE 0 END), 0, 0"
		" FROM src JOIN run_keys AS k ON k.id = src.key_id WHERE rule = ''"
		" GROUP BY day ORDER BY day",
};

/* Appends `tmpl` with each "%s" replaced by `text`: not printf, since the
 * templates are not literals at the call. */
static void expand(cg_buf *out, const char *tmpl, const char *text)
{
	const char *at;

	while ((at = strstr(tmpl, "%s")) != NULL) {
		cg_buf_put(out, tmpl, (size_t)(at - tmpl));
		cg_buf_puts(out, text);
		tmpl = at + 2;
	}
	cg_buf_puts(out, tmpl);
}

typedef struct {
	cg_audit_group_cb cb;
	void *payload;
} group_walk;

static int each_group(cg_audit *db, sqlite3_stmt *st, void *payload)
{
	group_walk *w = payload;
	cg_audit_group g;

	(void)db;
	g.key = (const char *)SQ.sqlite3_column_text(st, 0);
	g.runs = SQ.sqlite3_column_int64(st, 1);
	g.blocked = SQ.sqlite3_column_int64(st, 2);
	g.findings = SQ.sqlite3_column_int64(st, 3);
	g.waivers = SQ.sqlite3_column_int64(st, 4);
	return g.key ? w->cb(&g, w->payload) : 0;
}

struct cg_audit__groups {
	cg_audit_group *v;
	size_t n, alloc;
};

void cg_audit__summary_begin(cg_audit *db)
{
	cg_audit__summary_free(db);
	db->summary = cg_calloc(CG_AUDIT_BY_DAY + 1, sizeof(*db->summary));
}

void cg_audit__summary_add(cg_audit *db, cg_audit_grouping by, const cg_audit_group *g)
{
	struct cg_audit__groups *s = &db->summary[by];

	s->v = cg_array_grow(s->v, &s->alloc, s->n + 1, sizeof(*s->v));
	s->v[s->n] = *g;
	s->v[s->n++].key = cg_strdup(g->key);
}

void cg_audit__summary_free(cg_audit *db)
{
	size_t by, i;

	for (by = 0; db->summary && by <= CG_AUDIT_BY_DAY; by++) {
		for (i = 0; i < db->summary[by].n; i++)
			free((char *)db->summary[by].v[i].key);
		free(db->summary[by].v);
	}
	free(db->summary);
	db->summary = NULL;
}

/* The summary made elsewhere, for the filter it was made for. */
static int walk_summary(const struct cg_audit__groups *s, cg_audit_group_cb cb, void *payload)
{
	size_t i;
	int error = 0;

	for (i = 0; error == 0 && i < s->n; i++)
		error = cb(&s->v[i], payload);
	return error;
}

int cg_audit_summary(cg_audit *db, const cg_audit_filter *filter, cg_audit_grouping by,
                     cg_audit_group_cb cb, void *payload)
{
	group_walk w = { cb, payload };
	cg_buf keys = CG_BUF_INIT, sql = CG_BUF_INIT;
	int error;

	if (db->summary)
		return walk_summary(&db->summary[by], cb, payload);
	keys_sql(&keys, filter, "");
	expand(&sql, summary_source_sql, keys.ptr);
	cg_buf_puts(&sql, summary_select_sql[by]);
	error = walk_filtered(db, sql.ptr, filter, 0, each_group, &w);
	cg_buf_dispose(&keys);
	cg_buf_dispose(&sql);
	return error;
}

#define QUALIFIED_RUN_COLUMNS "runs.id, time, hook, repository, ref, old_oid, new_oid," \
	" runs.commit_oid, author, committer, pusher, verdict, policy_sha256, tool_version," \
	" duration_us, prev_hash, hash, hash_version"

/*
 * Item lists: the items of the :limit newest selected runs that have one
 * (each such run gives at least one, so no older run can be among the
 * first :limit items), newest run first. After the run columns: 0 for a
 * finding (rule, path, detail) or 1 for a waiver (rule, source, name,
 * reason, authorizer), then those five, then the pushed commit it is
 * about. "%s" is the picked runs.
 */
static const struct {
	const char *has;  /* the keys of the runs that have such items */
	const char *sql;
} item_lists[] = {
	[CG_AUDIT_ITEMS_WAIVERS] = {
		" AND EXISTS (SELECT 1 FROM json_each(waiver_rules)"
		" WHERE NOT (value GLOB 'protect:*'))",
		"WITH picked(id) AS MATERIALIZED (%s)"
		" SELECT " QUALIFIED_RUN_COLUMNS ", 1, w.rule, w.source, w.name, w.reason,"
		" w.authorizer, w.commit_oid FROM waivers AS w JOIN runs ON runs.id = w.run_id"
		" WHERE w.run_id IN picked AND NOT (w.rule GLOB 'protect:*')"
		" ORDER BY w.run_id DESC, w.seq LIMIT :limit" },
	[CG_AUDIT_ITEMS_PROTECTED] = {
		" AND (EXISTS (SELECT 1 FROM json_each(finding_rules) WHERE value GLOB 'protect:*')"
		" OR EXISTS (SELECT 1 FROM json_each(waiver_rules) WHERE value GLOB 'protect:*'))",
		"WITH picked(id) AS MATERIALIZED (%s)"
		" SELECT " QUALIFIED_RUN_COLUMNS ", 0 AS kind, f.rule, f.path, f.detail, NULL, NULL,"
		" f.commit_oid, f.seq AS seq FROM findings AS f JOIN runs ON runs.id = f.run_id"
		" WHERE f.run_id IN picked AND f.rule GLOB 'protect:*'"
		" UNION ALL SELECT " QUALIFIED_RUN_COLUMNS ", 1, w.rule, w.source, w.name, w.reason,"
		" w.authorizer, w.commit_oid, w.seq FROM waivers AS w JOIN runs ON runs.id = w.run_id"
		" WHERE w.run_id IN picked AND w.rule GLOB 'protect:*'"
		" ORDER BY 1 DESC, kind, seq LIMIT :limit" },
	[CG_AUDIT_ITEMS_MCP] = {
		" AND EXISTS (SELECT 1 FROM json_each(finding_rules) WHERE value GLOB 'mcp:*')",
		"WITH picked(id) AS MATERIALIZED (%s)"
		" SELECT " QUALIFIED_RUN_COLUMNS ", 2, f.rule, f.path, f.detail, NULL,"
		" (SELECT group_concat(DISTINCT w.authorizer) FROM waivers AS w"
		" WHERE w.run_id = f.run_id AND w.rule = 'protect:' || substr(f.rule, 5)"
		" AND w.commit_oid IS f.commit_oid),"
		" f.commit_oid FROM findings AS f JOIN runs ON runs.id = f.run_id"
		" WHERE f.run_id IN picked AND f.rule GLOB 'mcp:*' AND runs.verdict <> 'blocked'"
		" ORDER BY f.run_id DESC, f.seq LIMIT :limit" },
};

typedef struct {
	loaded_row l;
	cg_audit_item_cb cb;
	void *payload;
} item_walk;

/* The pushed commit `oid` of the run `l` holds, into `out`; 0 when found,
 * 1 when the run has no such commit. */
static int commit_of(cg_audit_commit *out, loaded_row *l, cg_audit *db, const char *oid)
{
	sqlite3_stmt *st = NULL;
	size_t j;
	int error, rc;

	if ((error = cg_audit__stmt(&st, db, ST_COMMIT_OF)) < 0)
		return error;
	SQ.sqlite3_bind_int64(st, 1, l->r.id);
	cg_audit__bind_text(st, 2, oid);
	if ((rc = SQ.sqlite3_step(st)) == SQLITE_ROW)
		for (j = 0; j < ARRAY_SIZE(commit_fields); j++)
			set_text(out, &commit_fields[j], column(l, st, (int)j));
	error = rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : cg_audit__fail(db);
	SQ.sqlite3_reset(st);
	return error;
}

static int each_item(cg_audit *db, sqlite3_stmt *st, void *payload)
{
	item_walk *w = payload;
	cg_audit_finding f;
	cg_audit_waiver v;
	cg_audit_commit pushed;
	cg_audit_item item = { &w->l.r, NULL, NULL, NULL };
	const int c = RUN_COLUMN_COUNT;
	const char *commit;
	int error;

	load_columns(&w->l, st);
	/* a push's refs say whether the push was accepted */
	if ((error = load_items(&w->l, db, KIND_REFS)) < 0)
		return error;
	commit = column(&w->l, st, c + 6);
	if (SQ.sqlite3_column_int(st, c) != 1) {
		f = (cg_audit_finding){ column(&w->l, st, c + 1), column(&w->l, st, c + 2),
		                        column(&w->l, st, c + 3), commit };
		item.finding = &f;
		/* an MCP change: who signed off its group */
		v = (cg_audit_waiver){ NULL, NULL, NULL, NULL, column(&w->l, st, c + 5), commit };
		if (SQ.sqlite3_column_int(st, c) == 2 && v.authorizer)
			item.waiver = &v;
	} else {
		v = (cg_audit_waiver){ column(&w->l, st, c + 1), column(&w->l, st, c + 2),
		                       column(&w->l, st, c + 3), column(&w->l, st, c + 4),
		                       column(&w->l, st, c + 5), commit };
		item.waiver = &v;
	}
	if (commit && (error = commit_of(&pushed, &w->l, db, commit)) <= 0) {
		if (error < 0)
			return error;
		item.commit = &pushed;
	}
	return w->cb(&item, w->payload);
}

int cg_audit_items(cg_audit *db, const cg_audit_filter *filter, cg_audit_item_kind kind,
                   size_t limit, cg_audit_item_cb cb, void *payload)
{
	item_walk w = { .cb = cb, .payload = payload };
	cg_buf picked = CG_BUF_INIT, sql = CG_BUF_INIT;
	int error;

	selection_sql(&picked, filter, item_lists[kind].has, 1);
	expand(&sql, item_lists[kind].sql, picked.ptr);
	error = walk_filtered(db, sql.ptr, filter, limit, each_item, &w);
	cg_audit__loaded_dispose(&w.l);
	cg_buf_dispose(&picked);
	cg_buf_dispose(&sql);
	return error;
}

