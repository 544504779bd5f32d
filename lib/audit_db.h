/*
 * audit_db.h: what the audit database's modules (audit.c, audit_query.c,
 * audit_json.c) share and nobody else includes: the handle, a stored row,
 * its fields and item kinds, and the statement plumbing.
 */
#ifndef CG_AUDIT_DB_H
#define CG_AUDIT_DB_H

#include <sqlite3.h>
#include <stddef.h>
#include <string.h>
#include "audit.h"
#include "buf.h"
#include "dynlib.h"
#include "json.h"

/*
 * SQLite, loaded when a run first opens an audit database (cg_audit__load):
 * linked into every hook, it cost each start 26 page faults of the dynamic
 * loader's (with the libm it needs), paid by prepare-commit-msg and
 * `changeguard check` too, which record nothing (docs/benchmarks.md,
 * start-up). Called as SQ.sqlite3_step(...). The package still depends on
 * it (install/packaging.cmake).
 */
#define SQ_FUNCTIONS(X) \
	X(sqlite3_bind_int) X(sqlite3_bind_int64) X(sqlite3_bind_parameter_index) \
	X(sqlite3_bind_text) X(sqlite3_busy_handler) X(sqlite3_clear_bindings) X(sqlite3_close) \
	X(sqlite3_column_int) X(sqlite3_column_int64) X(sqlite3_column_text) \
	X(sqlite3_column_type) X(sqlite3_config) X(sqlite3_db_config) X(sqlite3_errmsg) \
	X(sqlite3_exec) X(sqlite3_finalize) X(sqlite3_get_autocommit) X(sqlite3_open_v2) \
	X(sqlite3_prepare_v2) X(sqlite3_prepare_v3) X(sqlite3_reset) X(sqlite3_step) \
	X(sqlite3_wal_checkpoint_v2) X(sqlite3_wal_hook)

struct cg_audit__sqlite {
	SQ_FUNCTIONS(CG_DYNLIB_POINTER)
};
extern struct cg_audit__sqlite cg_audit__sq;
#define SQ cg_audit__sq

/* 0 once SQLite is loaded; else an error saying how to install it. */
int cg_audit__load(void);

/* 9999-12-31T23:59:59.999Z: beyond it times lose their fixed width, which
 * text comparison and the fallback reader rely on. */
#define MAX_TIME_MS 253402300799999LL

/* The canonical encoding new runs are hashed with (see cg_audit__row_hash). */
#define HASH_VERSION 3
#define ZERO_HASH "0000000000000000000000000000000000000000000000000000000000000000"

/* A run as stored: the caller's fields plus what recording adds. While it
 * is being recorded, run.time_ms is not used: time is what counts. */
typedef cg_audit_entry row;

/* A string member of a struct, by name (column and JSON member). */
typedef struct {
	const char *name;
	size_t offset;
	int since;  /* the first hash version that covers it; 0: all */
} field;

/* The text columns of runs between id and duration_us, in column order. */
static const field run_fields[] = {
	{ "time", offsetof(row, time) },
	{ "hook", offsetof(row, run.hook) },
	{ "repository", offsetof(row, run.repository) },
	{ "ref", offsetof(row, run.ref) },
	{ "old_oid", offsetof(row, run.old_oid) },
	{ "new_oid", offsetof(row, run.new_oid) },
	{ "commit_oid", offsetof(row, run.commit) },
	{ "author", offsetof(row, run.author) },
	{ "committer", offsetof(row, run.committer) },
	{ "pusher", offsetof(row, run.pusher) },
	{ "verdict", offsetof(row, run.verdict) },
	{ "policy_sha256", offsetof(row, run.policy_sha256) },
	{ "tool_version", offsetof(row, tool_version) },
};

static const field finding_fields[] = {
	{ "rule", offsetof(cg_audit_finding, rule) },
	{ "path", offsetof(cg_audit_finding, path) },
	{ "detail", offsetof(cg_audit_finding, detail) },
	{ "commit", offsetof(cg_audit_finding, commit), 2 },
};

static const field waiver_fields[] = {
	{ "rule", offsetof(cg_audit_waiver, rule) },
	{ "source", offsetof(cg_audit_waiver, source) },
	{ "name", offsetof(cg_audit_waiver, name) },
	{ "reason", offsetof(cg_audit_waiver, reason) },
	{ "authorizer", offsetof(cg_audit_waiver, authorizer) },
	{ "commit", offsetof(cg_audit_waiver, commit), 2 },
};

static const field commit_fields[] = {
	{ "commit", offsetof(cg_audit_commit, commit) },
	{ "verdict", offsetof(cg_audit_commit, verdict) },
	{ "ref", offsetof(cg_audit_commit, ref) },
	{ "author", offsetof(cg_audit_commit, author) },
	{ "committer", offsetof(cg_audit_commit, committer) },
};

static const field ref_fields[] = {
	{ "ref", offsetof(cg_audit_ref, ref) },
	{ "old_oid", offsetof(cg_audit_ref, old_oid) },
	{ "new_oid", offsetof(cg_audit_ref, new_oid) },
	{ "outcome", offsetof(cg_audit_ref, outcome), 3 },
};

static const field option_fields[] = {
	{ "value", offsetof(cg_audit_push_option, value) },
};

/* The daily rows of the runs in scope(run_id, key_id, day). */
#define DAILY_OF_SCOPE \
	"SELECT key_id, day, rule, sum(runs), sum(findings), sum(waivers) FROM (" \
	" SELECT key_id, day, '' AS rule, count(*) AS runs, 0 AS findings, 0 AS waivers" \
	"  FROM scope GROUP BY key_id, day" \
	" UNION ALL SELECT key_id, day, f.rule, count(DISTINCT f.run_id), count(*), 0" \
	"  FROM scope JOIN findings AS f USING (run_id) GROUP BY key_id, day, f.rule" \
	" UNION ALL SELECT key_id, day, w.rule, 0, 0, count(*)" \
	"  FROM scope JOIN waivers AS w USING (run_id) GROUP BY key_id, day, w.rule)" \
	" WHERE 1 GROUP BY key_id, day, rule"

enum {
	ST_TAIL, ST_INSERT_RUN, ST_INSERT_FINDING, ST_INSERT_WAIVER, ST_INSERT_COMMIT,
	ST_INSERT_REF, ST_INSERT_OPTION, ST_IMPORTED, ST_INSERT_IMPORTED, ST_FINDINGS,
	ST_WAIVERS, ST_COMMITS, ST_REFS, ST_OPTIONS, ST_COMMIT_OF, ST_USER_VERSION,
	ST_INDEXED, ST_INDEX_KEYS, ST_INDEX_RUNS, ST_INDEX_DAILY, ST_HASH_OF, ST__COUNT
};

#define RUN_COLUMNS "id, time, hook, repository, ref, old_oid, new_oid, commit_oid," \
	" author, committer, pusher, verdict, policy_sha256, tool_version," \
	" duration_us, prev_hash, hash, hash_version"
/* Columns of a result row after the RUN_COLUMNS. */
#define RUN_COLUMN_COUNT 18


/* Findings, waivers, a push's commits, refs and options: arrays of structs
 * in cg_audit_run, child tables in the database, arrays of objects in
 * JSON, all handled by the same code. */
typedef struct {
	const char *name;     /* JSON member */
	const field *fields;  /* the first `required` may not be NULL */
	size_t nfields, required;
	size_t size;          /* of one struct */
	size_t array, count;  /* offsets in cg_audit_run */
	int select, insert;   /* statements */
	int since;            /* the first hash version that covers it; 0: all */
} item_kind;

#define KIND(name, fields, required, type, array, count, select, insert, since) \
	{ name, fields, ARRAY_SIZE(fields), required, sizeof(type), \
	  offsetof(cg_audit_run, array), offsetof(cg_audit_run, count), select, insert, since }

static const item_kind kinds[] = {
	KIND("findings", finding_fields, 1, cg_audit_finding, findings, nfindings,
	     ST_FINDINGS, ST_INSERT_FINDING, 0),
	KIND("waivers", waiver_fields, 2, cg_audit_waiver, waivers, nwaivers,
	     ST_WAIVERS, ST_INSERT_WAIVER, 0),
	KIND("commits", commit_fields, 2, cg_audit_commit, commits, ncommits,
	     ST_COMMITS, ST_INSERT_COMMIT, 2),
	KIND("refs", ref_fields, 1, cg_audit_ref, refs, nrefs, ST_REFS, ST_INSERT_REF, 2),
	KIND("push_options", option_fields, 1, cg_audit_push_option, push_options,
	     npush_options, ST_OPTIONS, ST_INSERT_OPTION, 2),
};
#define KIND_COMMITS 2
#define KIND_REFS 3

struct cg_audit {
	sqlite3 *db;
	char *path;
	int readonly;
	int wal_frames;  /* in the WAL after the last commit */
	int64_t busy_since_ms;  /* when the current wait for a lock began */
	cg_audit_head recorded; /* the last run the last cg_audit_record chained */
	sqlite3_stmt *stmts[ST__COUNT];
	/* A copy of a PostgreSQL chain (audit_pg.c): the hash its chain-head
	 * row names, which the newest run must have; "" for SQLite. */
	char head_hash[65];
	sqlite3_stmt *copy;     /* cg_audit__copy_values's, for copy_table */
	const char *copy_table;
	/* A report's summaries made elsewhere (PostgreSQL computes them from
	 * its own report tables: audit_pg.c), indexed by cg_audit_grouping,
	 * which cg_audit_summary then serves; NULL: from the tables here. */
	struct cg_audit__groups *summary;
};

/* Makes `db` serve a summary (empty until added to) instead of its tables;
 * cg_audit__summary_add adds `g` (its key copied) to one grouping, in key
 * order. The summary answers for the filter it was made for, whatever
 * filter cg_audit_summary is then given. */
void cg_audit__summary_begin(cg_audit *db);
void cg_audit__summary_add(cg_audit *db, cg_audit_grouping by, const cg_audit_group *g);
void cg_audit__summary_free(cg_audit *db);

/*
 * The time window of a filter as text to compare stored times with (one
 * fixed format, so text order is time order; '' and '~' sort before and
 * after them all), and within it the whole UTC days, [first_day, end_day),
 * which daily counts. A date sorts before every time of its day. Without
 * a whole day, first_day and end_day are both `until`: the part-days at
 * either end, [since, first_day) and [end_day, until), are then the whole
 * window.
 */
typedef struct {
	char since[32], until[32], first_day[32], end_day[32];
} cg_audit__window;

void cg_audit__window_of(cg_audit__window *w, const cg_audit_filter *f);


static inline const char *get_text(const void *base, const field *f)
{
	return *(const char *const *)((const char *)base + f->offset);
}

static inline void set_text(void *base, const field *f, const char *value)
{
	*(const char **)((char *)base + f->offset) = value;
}

/* memcpy, since the array members are typed pointers, not void *. */
static inline const void *items_of(const cg_audit_run *run, const item_kind *k, size_t *n)
{
	const void *items;

	memcpy(n, (const char *)run + k->count, sizeof(*n));
	memcpy(&items, (const char *)run + k->array, sizeof(items));
	return items;
}

static inline const void *item_at(const void *items, const item_kind *k, size_t i)
{
	return (const char *)items + i * k->size;
}

/* A row read back, from the database or a fallback line, with the memory
 * behind its pointers. */
typedef struct {
	row r;
	void *items[ARRAY_SIZE(kinds)];
	size_t alloc[ARRAY_SIZE(kinds)];
	char **strings;
	size_t nstrings, strings_alloc;
} loaded_row;
/* Sets the error from SQLite's message; returns CG_ERROR. */
int cg_audit__fail(cg_audit *db);
int cg_audit__exec(cg_audit *db, const char *sql);
/* Commits when `error` is 0, otherwise (or when the commit fails) rolls
 * back without touching the message of the first failure. */
int cg_audit__finish(cg_audit *db, int error);
/* The cached statement `which` (ST_*), prepared on first use. */
int cg_audit__stmt(sqlite3_stmt **out, cg_audit *db, int which);
void cg_audit__bind_text(sqlite3_stmt *st, int i, const char *s);
/* CG_ERROR naming the member and its bad value. */
int cg_audit__invalid(const char *what, const char *value);
/* Validates `run`'s members and items; with a reader, sets its counts to
 * the items it gives. */
int cg_audit__validate_run(cg_audit_run *run);
/* cg_audit_run_each for kind k of a validated run: a reader that gives
 * another number of items than validation counted fails it. */
int cg_audit__each(const cg_audit_run *run, size_t k, cg_audit_item_fn fn, void *payload);

/* Where a long encoding goes: kept whole in `out` (no `flush`), or handed
 * to `flush` a block at a time (the hash, the fallback file), so that a
 * push's run is never held whole. */
typedef struct {
	cg_buf *out;
	int (*flush)(const char *data, size_t len, void *payload);
	void *payload;
} cg_audit__sink;
/* Hands `out` to the flush once it holds a block. */
int cg_audit__sink_block(cg_audit__sink *s);
/* Hands the rest of `out` to the flush. */
int cg_audit__sink_end(cg_audit__sink *s);

void cg_audit__loaded_clear(loaded_row *l);
void cg_audit__loaded_dispose(loaded_row *l);
/* Item i of kind k, the array grown to hold it. */
void *cg_audit__loaded_item(loaded_row *l, size_t k, size_t i);
/* Calls `cb` for every selected run in id order (newest first with a
 * `limit`), from one snapshot. */
int cg_audit__for_each_row(cg_audit *db, const cg_audit_filter *filter, size_t limit,
                           cg_audit_entry_cb cb, void *payload);

/* A stored run for the export, or with `fallback_id` a run not yet stored
 * (no id or hashes) for the fallback file. One line, newline included;
 * without a flush, 0. */
int cg_audit__row_json(cg_audit__sink *s, const row *r, const char *fallback_id);
/* A fallback line as written by cg_audit__row_json; its strings stay in `json`. */
int cg_audit__row_from_json(loaded_row *l, const char **fallback_id, cg_json **json,
                            const char *line, size_t len);

/* The canonical encoding of `r` hashed: its hash under r->hash_version.
 * Fails only when a reader of the run's items does. */
int cg_audit__row_hash(char out[65], const row *r);
/* The stored form of a caller's run: its time formatted into `stamp`, this
 * build's version. */
void cg_audit__row_init(row *r, char stamp[32], const cg_audit_run *run);
/* Copies the runs into *out (freed by the caller), stamping those with
 * time_ms 0 with one time, now, and validates the copies (which sets the
 * counts of those with a reader). */
int cg_audit__stamp(cg_audit_run **out, const cg_audit_run *runs, size_t n);
/* The database could not take the runs (cg_error_last says why): appends
 * them to the spool file `spool` with their `ids` (NULL: new ones), and
 * returns CG_ERROR with a message naming the problem and the file. */
int cg_audit__fall_back(const char *spool, const cg_audit_run *runs, char (*ids)[33],
                        size_t n, int *fell_back);

/* A spool (fallback) file while its records are being imported: locked
 * until the transaction ends. */
typedef struct {
	int fd;           /* -1: nothing being imported */
	char *path;
	cg_buf rejected;  /* lines that could not be read back */
} cg_audit__pending;
#define CG_AUDIT__PENDING_INIT { -1, NULL, CG_BUF_INIT }

/* Called for each record of the spool in file order, with its id; the
 * store skips the ids it has already taken. */
typedef int (*cg_audit__spool_cb)(row *r, const char *spool_id, void *payload);
/* Calls `cb` with each of the runs in its stored form (cg_audit__row_init)
 * and its id in `ids` (NULL: none); a non-zero return stops. */
int cg_audit__each_row(const cg_audit_run *runs, char (*ids)[33], size_t n,
                       cg_audit__spool_cb cb, void *payload);
/* Locks the spool `spool` without waiting and calls `cb` for its records;
 * returns at once when the file is missing, empty or held by another. */
int cg_audit__spool_take(cg_audit__pending *p, const char *spool, cg_audit__spool_cb cb,
                         void *payload);
/* After the transaction: empties the spool when `committed`, then unlocks. */
void cg_audit__spool_release(cg_audit__pending *p, int committed);

/* A private temporary database (deleted on close), named `label` in
 * messages, with the current schema and one write transaction open, for
 * a copy of another store's chain. */
int cg_audit__open_copy(cg_audit **out, const char *label);
/* One row of `table` (`columns`, comma-separated, `n` of them) from text
 * values (NULL: NULL), converted by the columns' affinity. */
int cg_audit__copy_values(cg_audit *db, const char *table, const char *columns,
                          const char *const *values, size_t n);
/* Fills the report tables, commits, and leaves the copy read-only;
 * `head_hash` is what the newest run's hash must be. */
int cg_audit__copy_done(cg_audit *db, const char *head_hash);

#endif
