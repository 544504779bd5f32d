#include "report.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "changes.h"
#include "check.h"
#include "error.h"
#include "json.h"
#include "output.h"
#include "parallel.h"
#include "rules.h"
#include "render.h"
#include "timestamp.h"
#include "witness.h"

/* More timeline buckets than this are folded into months, then years. */
#define MAX_BUCKETS 92

/*
 * Options.
 */

int cg_report_format_parse(cg_report_format *out, const char *name)
{
	static const struct {
		const char *name;
		cg_report_format format;
	} names[] = {
		{ "text", CG_REPORT_TEXT }, { "json", CG_REPORT_JSON }, { "csv", CG_REPORT_CSV },
		{ "markdown", CG_REPORT_MARKDOWN }, { "md", CG_REPORT_MARKDOWN },
		{ "html", CG_REPORT_HTML },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(name, names[i].name)) {
			*out = names[i].format;
			return 0;
		}
	return cg_error_set(CG_EUSAGE,
	                    "unknown format '%s'; use text, json, csv, markdown or html",
	                    name);
}

int cg_report_parse_time(int64_t *out_ms, const char *value, int until)
{
	size_t len = strlen(value);
	char midnight[32];
	cg_ts_status st;

	if (len == 10) {
		snprintf(midnight, sizeof(midnight), "%sT00:00:00Z", value);
		if ((st = cg_timestamp_parse(midnight, 20, out_ms)) == CG_TS_OK) {
			*out_ms += until ? CG_MS_PER_DAY : 0;
			return 0;
		}
	} else if ((st = cg_timestamp_parse(value, len, out_ms)) == CG_TS_OK) {
		return 0;
	}
	if (st == CG_TS_NOT_UTC)
		return cg_error_set(CG_EUSAGE, "'%s' must be UTC, ending in Z", value);
	return cg_error_set(CG_EUSAGE, "'%s' is neither a UTC time (RFC 3339, such as "
	                    "2026-11-24T03:00:00Z) nor a date (YYYY-MM-DD)", value);
}

/*
 * Timelines: counts per period, folded into longer periods when too many.
 */

typedef struct {
	cg_render_bucket *v;
	size_t n, alloc;
} buckets;

/* Adds to the last bucket when it has the same label (the first `len`
 * characters of `label`), else appends one. */
static void buckets_add(buckets *b, const char *label, size_t len, int64_t total, int64_t bad)
{
	cg_render_bucket *last = b->n ? &b->v[b->n - 1] : NULL;

	if (len >= sizeof(last->label))
		len = sizeof(last->label) - 1;
	if (!last || strlen(last->label) != len || strncmp(last->label, label, len)) {
		b->v = cg_array_grow(b->v, &b->alloc, b->n + 1, sizeof(*b->v));
		last = &b->v[b->n++];
		memcpy(last->label, label, len);
		last->label[len] = '\0';
		last->total = last->bad = 0;
	}
	last->total += total;
	last->bad += bad;
}

/* Days into months, then months into years, until few enough remain.
 * Labels are ISO dates, so a prefix is the longer period. */
static void buckets_fold(buckets *b)
{
	static const size_t lengths[] = { 7, 4 };
	size_t k, i, n;

	for (k = 0; k < ARRAY_SIZE(lengths) && b->n > MAX_BUCKETS; k++) {
		n = b->n;
		b->n = 0;
		for (i = 0; i < n; i++) {
			cg_render_bucket one = b->v[i];
			buckets_add(b, one.label, lengths[k], one.total, one.bad);
		}
	}
}

/*
 * The audit report.
 */

static const cg_render_column audit_param_cols[] = {
	CG_COL("database", "Database", CG_COL_TEXT, 0),
	CG_COL("since", "Since", CG_COL_TIME, 0),
	CG_COL("until", "Until", CG_COL_TIME, 0),
	CG_COL("hook", "Hook", CG_COL_TEXT, 0),
	CG_COL("verdict", "Verdict", CG_COL_TEXT, 0),
	CG_COL("rule", "Rule", CG_COL_TEXT, 0),
	CG_COL("author", "Author", CG_COL_TEXT, 0),
	CG_COL("ref", "Ref", CG_COL_TEXT, 0),
	CG_COL("limit", "Rows per list", CG_COL_INT, 0),
};

static const cg_render_column audit_summary_cols[] = {
	CG_COL("runs", "Runs", CG_COL_INT, 0),
	CG_COL("allowed", "Allowed", CG_COL_INT, 0),
	CG_COL("waived", "Waived", CG_COL_INT, 0),
	CG_ALERT("blocked", "Blocked", CG_COL_INT, 0),
	CG_ALERT("error", "Error", CG_COL_INT, 0),
};

static const cg_render_column audit_timeline_cols[] = {
	CG_COL("period", "Period", CG_COL_TEXT, 10),
	CG_COL("runs", "Runs", CG_COL_INT, 10),
	CG_ALERT("blocked", "Blocked", CG_COL_INT, 10),
};

static const cg_render_column audit_rule_cols[] = {
	CG_COL("rule", "Rule", CG_COL_TEXT, 34),
	CG_COL("runs", "Runs", CG_COL_INT, 10),
	CG_COL("findings", "Findings", CG_COL_INT, 10),
	CG_COL("waivers", "Waivers", CG_COL_INT, 10),
};

/* Every listing starts with the run. */
#define RUN_COLS(hook_width, commit_width, author_width, pusher_width) \
	CG_COL("id", "Run", CG_COL_INT, 6), \
	CG_COL("time", "Time (UTC)", CG_COL_TIME, 16), \
	CG_COL("hook", "Hook", CG_COL_TEXT, hook_width), \
	CG_COL("ref", "Ref", CG_COL_TEXT, CG_TEXT_HIDDEN), \
	CG_COL("commit", "Commit", CG_COL_OID, commit_width), \
	CG_COL("author", "Author", CG_COL_TEXT, author_width), \
	CG_COL("pusher", "Pusher", CG_COL_TEXT, pusher_width), \
	CG_COL("verdict", "Verdict", CG_COL_TEXT, CG_TEXT_HIDDEN), \
	CG_COL("push", "Push", CG_COL_TEXT, CG_TEXT_BELOW)
#define RUN_COLUMNS 9

static const cg_render_column audit_blocked_cols[] = {
	RUN_COLS(18, 10, 22, CG_TEXT_HIDDEN),
	CG_COL("rule", "Rule", CG_COL_TEXT, CG_TEXT_BELOW),
	CG_COL("path", "Path", CG_COL_TEXT, CG_TEXT_BELOW),
	CG_COL("detail", "Finding", CG_COL_TEXT, CG_TEXT_BELOW),
};

static const cg_render_column audit_waiver_cols[] = {
	RUN_COLS(CG_TEXT_HIDDEN, 10, 22, CG_TEXT_HIDDEN),
	CG_COL("rule", "Rule", CG_COL_TEXT, CG_TEXT_BELOW),
	CG_COL("source", "Source", CG_COL_TEXT, CG_TEXT_HIDDEN),
	CG_COL("name", "Trailer or option", CG_COL_TEXT, CG_TEXT_BELOW),
	CG_COL("reason", "Reason", CG_COL_TEXT, CG_TEXT_BELOW),
	CG_COL("authorizer", "Given by", CG_COL_TEXT, 18),
};

static const cg_render_column audit_protected_cols[] = {
	RUN_COLS(CG_TEXT_HIDDEN, CG_TEXT_HIDDEN, CG_TEXT_HIDDEN, 14),
	CG_COL("rule", "Rule", CG_COL_TEXT, CG_TEXT_BELOW),
	CG_COL("path", "Paths", CG_COL_TEXT, CG_TEXT_BELOW),
	CG_COL("signed_off", "Signed off", CG_COL_BOOL, 10),
	CG_COL("authorizer", "Authorizer", CG_COL_TEXT, 26),
	CG_COL("detail", "Finding", CG_COL_TEXT, CG_TEXT_BELOW),
};

static const cg_render_column audit_mcp_cols[] = {
	RUN_COLS(CG_TEXT_HIDDEN, 10, 22, CG_TEXT_HIDDEN),
	CG_COL("approved_by", "Approved by", CG_COL_TEXT, 18),
	CG_COL("rule", "Rule", CG_COL_TEXT, CG_TEXT_BELOW),
	CG_COL("path", "Path", CG_COL_TEXT, CG_TEXT_BELOW),
	CG_COL("detail", "Change", CG_COL_TEXT, CG_TEXT_BELOW),
};

static const cg_render_table audit_params = CG_TABLE("parameters", "Parameters", audit_param_cols,
                                                     1, 0);
static const cg_render_table audit_summary = CG_TABLE("summary", "Runs per verdict",
                                                      audit_summary_cols, 1, 0);
static const cg_render_table audit_timeline = CG_TABLE("timeline", "Runs per period",
                                                       audit_timeline_cols, 0, 0);
static const cg_render_table audit_rules = CG_TABLE("rules", "Findings and waivers per rule",
                                                    audit_rule_cols, 0, 0);
static const cg_render_table audit_blocked = CG_TABLE("blocked", "Blocked runs", audit_blocked_cols,
                                                      0, 1);
static const cg_render_table audit_waivers = CG_TABLE("waivers", "Waivers", audit_waiver_cols, 0,
                                                      0);
static const cg_render_table audit_protected = CG_TABLE("protected", "Changes to protected paths",
                                                        audit_protected_cols, 0, 1);

static const cg_render_table audit_mcp = CG_TABLE("mcp_changes", "MCP server changes",
                                                  audit_mcp_cols, 0, 1);

static const cg_render_table *const audit_tables[] = {
	&audit_params, &audit_summary, &audit_timeline, &audit_rules,
	&audit_blocked, &audit_waivers, &audit_protected, &audit_mcp,
};

/* Whether the push let `ref` move, "accepted" or "refused" (a push's refs
 * share one outcome); NULL for a local hook's run, or one recorded before
 * schema version 4. */
static const char *push_outcome(const cg_audit_entry *e, const char *ref)
{
	size_t i;

	for (i = 0; ref && i < e->run.nrefs; i++)
		if (!strcmp(e->run.refs[i].ref, ref))
			return e->run.refs[i].outcome;
	return e->run.nrefs ? e->run.refs[0].outcome : NULL;
}

/* The first RUN_COLUMNS cells of a listing row: of the run, or of one
 * commit of a push's run (`pushed`, may be NULL). A waiver or sign-off of a refused push did not take
 * effect, and its row says so: in text on the line below, where "push"
 * names the value. */
static void run_cells(cg_render_cell *c, const cg_render *w, const cg_audit_entry *e,
                      const cg_audit_commit *pushed)
{
	const char *outcome = push_outcome(e, pushed ? pushed->ref : e->run.ref);

	if (outcome && w->format == CG_REPORT_TEXT)
		outcome = !strcmp(outcome, "accepted") ? "push accepted" :
		          !strcmp(outcome, "refused") ? "push refused" : outcome;
	c[0] = cg_render_int(e->id);
	c[1] = cg_render_text(e->time);
	c[2] = cg_render_text(e->run.hook);
	c[3] = cg_render_text(pushed ? pushed->ref : e->run.ref);
	c[4] = cg_render_text(pushed ? pushed->commit : e->run.commit);
	c[5] = cg_render_text(pushed ? pushed->author : e->run.author);
	c[6] = cg_render_text(e->run.pusher);
	c[7] = cg_render_text(pushed ? pushed->verdict : e->run.verdict);
	c[8] = cg_render_text(outcome);
}

static void audit_parameters(cg_render *w, const cg_report_opts *opts)
{
	const cg_audit_filter *f = &opts->filter;
	char since[32], until[32];
	cg_render_cell c[ARRAY_SIZE(audit_param_cols)];

	c[0] = cg_render_text(opts->source);
	c[1] = cg_render_text(cg_render_bound(since, f->since_ms));
	c[2] = cg_render_text(cg_render_bound(until, f->until_ms));
	c[3] = cg_render_text(f->hook);
	c[4] = cg_render_text(f->verdict);
	c[5] = cg_render_text(f->rule);
	c[6] = cg_render_text(f->author);
	c[7] = cg_render_text(f->ref);
	c[8] = opts->limit ? cg_render_int((int64_t)opts->limit) : cg_render_null;
	cg_render_one_row(w, &audit_params, c);
}

static int add_verdict(const cg_audit_group *g, void *payload)
{
	static const char *const verdicts[] = { "allowed", "waived", "blocked", "error" };
	int64_t *counts = payload;
	size_t i;

	counts[0] += g->runs;
	for (i = 0; i < ARRAY_SIZE(verdicts); i++)
		if (!strcmp(g->key, verdicts[i]))
			counts[i + 1] += g->runs;
	return 0;
}

static int audit_summary_table(cg_render *w, cg_audit *db, const cg_audit_filter *f)
{
	int64_t counts[5] = { 0 };
	cg_render_cell c[ARRAY_SIZE(audit_summary_cols)];
	size_t i;
	int error;

	if ((error = cg_audit_summary(db, f, CG_AUDIT_BY_VERDICT, add_verdict, counts)) < 0)
		return error;
	for (i = 0; i < ARRAY_SIZE(counts); i++)
		c[i] = cg_render_int(counts[i]);
	cg_render_one_row(w, &audit_summary, c);
	return 0;
}

static int add_day(const cg_audit_group *g, void *payload)
{
	buckets_add(payload, g->key, strlen(g->key), g->runs, g->blocked);
	return 0;
}

static int audit_timeline_table(cg_render *w, cg_audit *db, const cg_audit_filter *f)
{
	buckets b = { 0 };
	size_t i;
	int error;

	if ((error = cg_audit_summary(db, f, CG_AUDIT_BY_DAY, add_day, &b)) == 0) {
		buckets_fold(&b);
		cg_render_chart(w, "Runs and blocked runs over time", b.v, b.n, "runs", "blocked");
		cg_render_table_begin(w, &audit_timeline);
		for (i = 0; i < b.n; i++) {
			cg_render_cell c[] = { cg_render_text(b.v[i].label),
			                       cg_render_int(b.v[i].total),
			                       cg_render_int(b.v[i].bad) };
			cg_render_row(w, &audit_timeline, c);
		}
		cg_render_table_end(w, &audit_timeline, 0);
	}
	free(b.v);
	return error;
}

static int rule_row(const cg_audit_group *g, void *payload)
{
	cg_render_cell c[] = { cg_render_text(g->key), cg_render_int(g->runs),
	                       cg_render_int(g->findings), cg_render_int(g->waivers) };

	cg_render_row(payload, &audit_rules, c);
	return 0;
}

static int audit_rules_table(cg_render *w, cg_audit *db, const cg_audit_filter *f)
{
	int error;

	cg_render_table_begin(w, &audit_rules);
	error = cg_audit_summary(db, f, CG_AUDIT_BY_RULE, rule_row, w);
	cg_render_table_end(w, &audit_rules, 0);
	return error;
}

/* A listing cut at opts->limit: one more is asked for, to know if more exist. */
typedef struct {
	cg_render *w;
	const cg_render_table *t;
	size_t limit, seen;
	int truncated;
	/* a listing of items: its cells after the run's */
	void (*cells)(cg_render_cell *c, const cg_audit_item *item);
} listing;

static size_t ask_for(const listing *l)
{
	return l->limit ? l->limit + 1 : 0;
}

/* 1 (stop) when the limit is reached; counts the row otherwise. */
static int listing_full(listing *l)
{
	if (l->limit && l->seen == l->limit) {
		l->truncated = 1;
		return 1;
	}
	l->seen++;
	return 0;
}

/* The rows of a blocked run, or of one blocked commit of a push
 * (`pushed`): a row per finding about it, or one without a finding. */
static void blocked_rows(listing *l, const cg_audit_entry *e, const cg_audit_commit *pushed)
{
	cg_render_cell c[ARRAY_SIZE(audit_blocked_cols)];
	size_t i, rows = 0;

	run_cells(c, l->w, e, pushed);
	for (i = 0; i <= e->run.nfindings; i++) {
		const cg_audit_finding *f = i < e->run.nfindings ? &e->run.findings[i] : NULL;
		if (f ? pushed && (!f->commit || strcmp(f->commit, pushed->commit)) : rows > 0)
			continue;
		c[RUN_COLUMNS] = cg_render_text(f ? f->rule : NULL);
		c[RUN_COLUMNS + 1] = cg_render_text(f ? f->path : NULL);
		c[RUN_COLUMNS + 2] = cg_render_text(f ? f->detail : NULL);
		cg_render_row(l->w, l->t, c);
		rows++;
	}
}

/* A push's run lists each commit it blocked, each counted to the limit. */
static int blocked_row(const cg_audit_entry *e, void *payload)
{
	listing *l = payload;
	size_t i;

	if (!e->run.ncommits) {
		if (listing_full(l))
			return 1;
		blocked_rows(l, e, NULL);
	}
	for (i = 0; i < e->run.ncommits; i++) {
		if (strcmp(e->run.commits[i].verdict, "blocked"))
			continue;
		if (listing_full(l))
			return 1;
		blocked_rows(l, e, &e->run.commits[i]);
	}
	return 0;
}

static int audit_blocked_table(cg_render *w, cg_audit *db, const cg_audit_filter *f, size_t limit)
{
	listing l = { w, &audit_blocked, limit, 0, 0, NULL };
	cg_audit_filter blocked = *f;
	int error = 0;

	blocked.verdict = "blocked";
	cg_render_table_begin(w, &audit_blocked);
	/* Another --verdict selects no blocked run. */
	if (!f->verdict || !strcmp(f->verdict, "blocked"))
		error = cg_audit_recent(db, &blocked, ask_for(&l), blocked_row, &l);
	cg_render_table_end(w, &audit_blocked, l.truncated);
	return error < 0 ? error : 0;
}

/*
 * The listings of items (cg_audit_items): a row per item, the run's cells
 * then the table's own, from one of these.
 */

static void waiver_cells(cg_render_cell *c, const cg_audit_item *item)
{
	const cg_audit_waiver *v = item->waiver;

	c[0] = cg_render_text(v->rule);
	c[1] = cg_render_text(v->source);
	c[2] = cg_render_text(v->name);
	c[3] = cg_render_text(v->reason);
	c[4] = cg_render_text(v->authorizer);
}

/* A sign-off lists the paths it covers as its reason; a finding is one path. */
static void protected_cells(cg_render_cell *c, const cg_audit_item *item)
{
	const cg_audit_waiver *v = item->waiver;
	const cg_audit_finding *f = item->finding;

	c[0] = cg_render_text(v ? v->rule : f->rule);
	c[1] = cg_render_text(v ? v->reason : f->path);
	c[2] = cg_render_int(v != NULL);
	c[3] = cg_render_text(v ? v->authorizer : NULL);
	c[4] = cg_render_text(v ? NULL : f->detail);
}

/* What a change did to an MCP server, and who signed off its group. */
static void mcp_cells(cg_render_cell *c, const cg_audit_item *item)
{
	const cg_audit_finding *f = item->finding;

	c[0] = cg_render_text(item->waiver ? item->waiver->authorizer : NULL);
	c[1] = cg_render_text(f->rule);
	c[2] = cg_render_text(f->path);
	c[3] = cg_render_text(f->detail);
}

typedef struct {
	const cg_render_table *t;
	cg_audit_item_kind kind;
	void (*cells)(cg_render_cell *c, const cg_audit_item *item);
} item_listing;

static const item_listing item_listings[] = {
	{ &audit_waivers, CG_AUDIT_ITEMS_WAIVERS, waiver_cells },
	{ &audit_protected, CG_AUDIT_ITEMS_PROTECTED, protected_cells },
	{ &audit_mcp, CG_AUDIT_ITEMS_MCP, mcp_cells },
};

/* Cells enough for the widest of them. */
#define ITEM_COLUMNS (RUN_COLUMNS + 5)
_Static_assert(ARRAY_SIZE(audit_waiver_cols) <= ITEM_COLUMNS &&
               ARRAY_SIZE(audit_protected_cols) <= ITEM_COLUMNS &&
               ARRAY_SIZE(audit_mcp_cols) <= ITEM_COLUMNS, "ITEM_COLUMNS fits every listing");

static int item_row(const cg_audit_item *item, void *payload)
{
	listing *l = payload;
	cg_render_cell c[ITEM_COLUMNS];

	if (listing_full(l))
		return 1;
	run_cells(c, l->w, item->entry, item->commit);
	l->cells(c + RUN_COLUMNS, item);
	cg_render_row(l->w, l->t, c);
	return 0;
}

static int audit_items_table(cg_render *w, cg_audit *db, const cg_audit_filter *f, size_t limit,
                             const item_listing *of)
{
	listing l = { w, of->t, limit, 0, 0, of->cells };
	int error;

	cg_render_table_begin(w, of->t);
	error = cg_audit_items(db, f, of->kind, ask_for(&l), item_row, &l);
	cg_render_table_end(w, of->t, l.truncated);
	return error < 0 ? error : 0;
}

int cg_report_audit(cg_audit *db, const cg_report_opts *opts)
{
	const cg_audit_filter *f = &opts->filter;
	cg_render w;
	size_t i;
	int error;

	cg_render_init(&w, opts, opts->out);
	cg_render_doc_begin(&w, "audit", "changeguard audit report", opts->generated_ms,
	                    audit_tables,
	                    ARRAY_SIZE(audit_tables));
	audit_parameters(&w, opts);
	if ((error = audit_summary_table(&w, db, f)) == 0 &&
	    (error = audit_timeline_table(&w, db, f)) == 0 &&
	    (error = audit_rules_table(&w, db, f)) == 0 &&
	    (error = audit_blocked_table(&w, db, f, opts->limit)) == 0)
		for (i = 0; i < ARRAY_SIZE(item_listings) && !error; i++)
			error = audit_items_table(&w, db, f, opts->limit, &item_listings[i]);
	if (!error) {
		cg_render_doc_end(&w);
		error = cg_render_finish(&w);
	}
	cg_render_dispose(&w);
	return error;
}

/*
 * verify and export.
 */

static const cg_render_column verify_cols[] = {
	CG_COL("database", "Database", CG_COL_TEXT, 0),
	CG_COL("intact", "Intact", CG_COL_BOOL, 0),
	CG_COL("runs_checked", "Runs intact", CG_COL_INT, 0),
	CG_ALERT("first_bad_id", "First broken run", CG_COL_INT, 0),
	CG_COL("witness", "Witness", CG_COL_TEXT, 0),
	CG_COL("witnessed", "Runs witnessed", CG_COL_INT, 0),
	CG_ALERT("problem", "Problem", CG_COL_TEXT, 0),
};
static const cg_render_table verify_table = CG_TABLE("chain", "Hash chain", verify_cols, 1, 0);
static const cg_render_table *const verify_tables[] = { &verify_table };

/* The witness after the chain: both problems are said, the chain's first. */
static int verify_witness(const cg_report_opts *opts, cg_audit *db, cg_buf *problem,
                          int64_t *bad, cg_witness_result *seen)
{
	int error = cg_witness_check(seen, db, opts->witness);

	if (error == 1) {
		cg_buf_printf(problem, "%s%s", problem->size ? "; " : "", cg_error_last());
		if (seen->first_bad && (!*bad || seen->first_bad < *bad))
			*bad = seen->first_bad;
	}
	return error;
}

int cg_report_verify(cg_audit *db, const cg_report_opts *opts, int *broken)
{
	int64_t bad = 0;
	size_t rows = 0;
	cg_render_cell c[ARRAY_SIZE(verify_cols)];
	cg_witness_result seen = { 0 };
	cg_buf problem = CG_BUF_INIT;
	cg_render w;
	int error;

	*broken = 0;
	if ((error = cg_audit_verify(db, &bad, &rows)) < 0)
		return error;
	if (error == 1)
		cg_buf_puts(&problem, cg_error_last());
	*broken = error == 1;
	if (opts->witness && (error = verify_witness(opts, db, &problem, &bad, &seen)) < 0) {
		cg_buf_dispose(&problem);
		return error;
	}
	*broken |= error == 1;
	cg_render_init(&w, opts, opts->out);
	cg_render_doc_begin(&w, "verify", "changeguard audit chain", opts->generated_ms,
	                    verify_tables, 1);
	c[0] = cg_render_text(opts->source);
	c[1] = cg_render_int(!*broken);
	c[2] = cg_render_int((int64_t)rows);
	c[3] = *broken && bad ? cg_render_int(bad) : cg_render_null;
	c[4] = cg_render_text(opts->witness);
	c[5] = opts->witness ? cg_render_int((int64_t)seen.agreed) : cg_render_null;
	c[6] = cg_render_text(*broken ? problem.ptr : NULL);
	cg_render_one_row(&w, &verify_table, c);
	cg_render_doc_end(&w);
	error = cg_render_finish(&w);
	cg_render_dispose(&w);
	cg_buf_dispose(&problem);
	return error;
}

static const cg_render_column export_cols[] = {
	CG_COL("id", "Run", CG_COL_INT, 6),
	CG_COL("time", "Time (UTC)", CG_COL_TIME, 16),
	CG_COL("hook", "Hook", CG_COL_TEXT, 18),
	CG_COL("repository", "Repository", CG_COL_TEXT, CG_TEXT_HIDDEN),
	CG_COL("ref", "Ref", CG_COL_TEXT, CG_TEXT_HIDDEN),
	CG_COL("old_oid", "Old", CG_COL_OID, CG_TEXT_HIDDEN),
	CG_COL("new_oid", "New", CG_COL_OID, CG_TEXT_HIDDEN),
	CG_COL("commit", "Commit", CG_COL_OID, CG_TEXT_HIDDEN),
	CG_COL("author", "Author", CG_COL_TEXT, 20),
	CG_COL("committer", "Committer", CG_COL_TEXT, CG_TEXT_HIDDEN),
	CG_COL("pusher", "Pusher", CG_COL_TEXT, CG_TEXT_HIDDEN),
	CG_COL("verdict", "Verdict", CG_COL_TEXT, 7),
	CG_ALERT("findings", "Findings", CG_COL_INT, 8),
	CG_COL("waivers", "Waivers", CG_COL_INT, CG_TEXT_HIDDEN),
	CG_COL("policy_sha256", "Policy SHA-256", CG_COL_TEXT, CG_TEXT_HIDDEN),
	CG_COL("tool_version", "Version", CG_COL_TEXT, CG_TEXT_HIDDEN),
	CG_COL("duration_us", "Duration (us)", CG_COL_INT, CG_TEXT_HIDDEN),
	CG_COL("hash", "Hash", CG_COL_TEXT, CG_TEXT_HIDDEN),
};
static const cg_render_table export_table = CG_TABLE("runs", "Runs", export_cols, 0, 0);
static const cg_render_table *const export_tables[] = { &export_table };

static int export_row(const cg_audit_entry *e, void *payload)
{
	const cg_audit_run *r = &e->run;
	cg_render_cell c[] = {
		cg_render_int(e->id), cg_render_text(e->time), cg_render_text(r->hook),
		cg_render_text(r->repository),
		cg_render_text(r->ref), cg_render_text(r->old_oid), cg_render_text(r->new_oid),
		cg_render_text(r->commit),
		cg_render_text(r->author), cg_render_text(r->committer), cg_render_text(r->pusher),
		cg_render_text(r->verdict), cg_render_int((int64_t)r->nfindings),
		cg_render_int((int64_t)r->nwaivers),
		cg_render_text(r->policy_sha256), cg_render_text(e->tool_version),
		cg_render_int(r->duration_us),
		cg_render_text(e->hash),
	};

	cg_render_row(payload, &export_table, c);
	return 0;
}

static int export_line(const cg_audit_entry *e, void *payload)
{
	cg_render *w = payload;
	cg_buf line = CG_BUF_INIT;

	cg_audit_entry_json(&line, e);
	fwrite(line.ptr, 1, line.size, w->out);
	cg_buf_dispose(&line);
	return 0;
}

int cg_report_export(cg_audit *db, const cg_report_opts *opts)
{
	cg_render w;
	int error;

	cg_render_init(&w, opts, opts->out);
	if (opts->format == CG_REPORT_JSON) {
		error = cg_audit_query(db, &opts->filter, export_line, &w);
	} else {
		cg_render_doc_begin(&w, "export", "changeguard audit export", opts->generated_ms,
		                    export_tables, 1);
		cg_render_table_begin(&w, &export_table);
		if ((error = cg_audit_query(db, &opts->filter, export_row, &w)) == 0) {
			cg_render_table_end(&w, &export_table, 0);
			cg_render_doc_end(&w);
		}
	}
	if (error == 0)
		error = cg_render_finish(&w);
	cg_render_dispose(&w);
	return error;
}
