/* Unit tests of the reports (lib/report.c, lib/report_history.c, lib/render.c,
 * and the report queries of lib/audit_query.c) on a real audit database and a
 * real repository in scratch directories; every format's output is read
 * back as data. sqlite3 is used directly only to tamper with the database as
 * an attacker would. */
#define _XOPEN_SOURCE 700

#include <ftw.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <sqlite3.h>

#include <git2.h>

#include "audit.h"
#include "buf.h"
#include "error.h"
#include "json.h"
#include "policy.h"
#include "policy_find.h"
#include "report.h"
#include "timestamp.h"
#include "scratch.h"

#define DAY 86400000LL
#define NOV20 1795132800000LL /* 2026-11-20T00:00:00Z */
#define OID_A "0123456789abcdef0123456789abcdef01234567"

typedef struct {
	char dir[256];
	char db[320];
} scratch;

static int setup(void **state)
{
	scratch *s = calloc(1, sizeof(*s));

	if (scratch_make(s->dir, sizeof(s->dir), "report") < 0)
		return -1;
	snprintf(s->db, sizeof(s->db), "%s/audit.db", s->dir);
	git_libgit2_init();
	*state = s;
	return 0;
}

static int teardown(void **state)
{
	scratch *s = *state;

	scratch_remove(s->dir);
	free(s);
	git_libgit2_shutdown();
	return 0;
}

/* --- a known audit database ------------------------------------------- */

static const cg_audit_finding blocked_findings[] = {
	{ "changelog", "src/CHANGELOG.md", "needs a new entry (for src/a.c)" },
	{ "protect:mcp", ".mcp.json", "protected path changed without sign-off" },
};
static const cg_audit_waiver skip_waiver[] = {
	{ "changelog", "trailer", "Changelog-Skip", "typo, \"quoted\"\nsecond line", NULL },
};
static const cg_audit_waiver signoff[] = {
	{ "protect:mcp", "trailer", "MCP-Authorized-By", ".mcp.json", "Alice <alice@example.com>" },
};
static const cg_audit_finding error_finding[] = { { "error", NULL, "disk full" } };

/* Five runs over three days: allowed, blocked (two findings), waived,
 * allowed with a sign-off (pushed by carol), error. */
static void make_db(const scratch *s)
{
	cg_audit_run runs[5];
	cg_audit *db = NULL;

	runs[0] = (cg_audit_run){ NOV20 + 10 * 3600000, "pre-commit", "/srv/repo", NULL, NULL,
	                          NULL, "staged", "Ann <ann@example.com>", NULL, NULL, "allowed" };
	runs[1] = (cg_audit_run){ NOV20 + 11 * 3600000, "commit-msg", "/srv/repo", NULL, NULL,
	                          NULL, "staged", "Bob <bob@example.com>", NULL, NULL, "blocked",
	                          blocked_findings, 2 };
	runs[2] = (cg_audit_run){ NOV20 + DAY + 9 * 3600000, "commit-msg", "/srv/repo", NULL,
	                          NULL, NULL, "staged", "Ann <ann@example.com>", NULL, NULL,
	                          "waived", NULL, 0, skip_waiver, 1 };
	runs[3] = (cg_audit_run){ NOV20 + DAY + 12 * 3600000, "pre-receive", "/srv/repo",
	                          "refs/heads/main", OID_A, OID_A, OID_A, "Ann <ann@example.com>",
	                          NULL, "carol", "allowed", NULL, 0, signoff, 1 };
	runs[4] = (cg_audit_run){ NOV20 + 2 * DAY, "pre-receive", "/srv/repo", "refs/heads/main",
	                          NULL, NULL, NULL, NULL, NULL, "carol", "error", error_finding, 1 };
	assert_int_equal(cg_audit_open(&db, s->db), 0);
	assert_int_equal(cg_audit_record(db, runs, 5), 0);
	cg_audit_close(db);
}

/* Runs a report into memory; returns the text (free it) and the result. */
typedef int (*report_fn)(cg_audit *db, const cg_report_opts *opts);

static char *render(int *rc, const scratch *s, report_fn fn, cg_report_opts *opts)
{
	cg_audit *db = NULL;
	char *text = NULL;
	size_t len = 0;

	opts->out = open_memstream(&text, &len);
	opts->generated_ms = NOV20;
	opts->source = s->db;
	assert_int_equal(cg_audit_open_readonly(&db, s->db), 0);
	*rc = fn(db, opts);
	cg_audit_close(db);
	fclose(opts->out);
	return text;
}

static cg_json *render_json(const scratch *s, report_fn fn, cg_report_opts *opts)
{
	cg_json *doc = NULL;
	char *text;
	int rc;

	opts->format = CG_REPORT_JSON;
	text = render(&rc, s, fn, opts);
	assert_int_equal(rc, 0);
	if (cg_json_parse(&doc, text, strlen(text)) < 0)
		fail_msg("not JSON (%s):\n%s", cg_error_last(), text);
	free(text);
	return doc;
}

static int64_t num(const cg_json *obj, const char *key)
{
	int64_t v = -1;

	if (!cg_json_get(obj, key) || cg_json_int(&v, cg_json_get(obj, key)) < 0)
		fail_msg("no integer '%s'", key);
	return v;
}

static const char *str(const cg_json *obj, const char *key)
{
	const cg_json *v = cg_json_get(obj, key);

	if (!v)
		fail_msg("no member '%s'", key);
	return cg_json_string(v);
}

static const cg_json *member(const cg_json *obj, const char *key)
{
	const cg_json *v = cg_json_get(obj, key);

	if (!v)
		fail_msg("no member '%s'", key);
	return v;
}

/* --- options -------------------------------------------------------------- */

static void test_format_names(void **state)
{
	cg_report_format f;

	(void)state;
	assert_int_equal(cg_report_format_parse(&f, "html"), 0);
	assert_int_equal(f, CG_REPORT_HTML);
	assert_int_equal(cg_report_format_parse(&f, "md"), 0);
	assert_int_equal(f, CG_REPORT_MARKDOWN);
	assert_int_equal(cg_report_format_parse(&f, "markdown"), 0);
	assert_int_equal(cg_report_format_parse(&f, "csv"), 0);
	assert_int_equal(f, CG_REPORT_CSV);
	assert_int_equal(cg_report_format_parse(&f, "xml"), CG_EUSAGE);
	assert_non_null(strstr(cg_error_last(), "'xml'"));
	assert_int_equal(cg_report_format_parse(&f, "JSON"), CG_EUSAGE);
}

static void test_times(void **state)
{
	int64_t ms = 0;

	(void)state;
	assert_int_equal(cg_report_parse_time(&ms, "2026-11-20", 0), 0);
	assert_int_equal(ms, NOV20);
	assert_int_equal(cg_report_parse_time(&ms, "2026-11-20", 1), 0);
	assert_int_equal(ms, NOV20 + DAY);
	assert_int_equal(cg_report_parse_time(&ms, "2026-11-20T01:02:03Z", 1), 0);
	assert_int_equal(ms, NOV20 + 3723000);
	assert_int_equal(cg_report_parse_time(&ms, "2026-11-20T01:02:03.5Z", 0), 0);
	assert_int_equal(ms, NOV20 + 3723500);
	assert_int_equal(cg_report_parse_time(&ms, "2026-11-20T01:02:03+01:00", 0), CG_EUSAGE);
	assert_non_null(strstr(cg_error_last(), "must be UTC, ending in Z"));
	assert_int_equal(cg_report_parse_time(&ms, "2026-02-30", 0), CG_EUSAGE);
	assert_int_equal(cg_report_parse_time(&ms, "yesterday", 0), CG_EUSAGE);
	assert_non_null(strstr(cg_error_last(), "'yesterday'"));
	assert_int_equal(cg_report_parse_time(&ms, "", 0), CG_EUSAGE);
}

/* --- the audit queries ------------------------------------------------------ */

typedef struct {
	char keys[8][32];
	int64_t runs[8], blocked[8], findings[8], waivers[8];
	size_t n;
} groups;

static int keep_group(const cg_audit_group *g, void *payload)
{
	groups *gs = payload;

	assert_true(gs->n < 8);
	snprintf(gs->keys[gs->n], sizeof(gs->keys[0]), "%s", g->key);
	gs->runs[gs->n] = g->runs;
	gs->blocked[gs->n] = g->blocked;
	gs->findings[gs->n] = g->findings;
	gs->waivers[gs->n++] = g->waivers;
	return 0;
}

static void test_summary_queries(void **state)
{
	const scratch *s = *state;
	cg_audit_filter f = { 0 };
	cg_audit *db = NULL;
	groups g;

	make_db(s);
	assert_int_equal(cg_audit_open_readonly(&db, s->db), 0);

	memset(&g, 0, sizeof(g));
	assert_int_equal(cg_audit_summary(db, NULL, CG_AUDIT_BY_VERDICT, keep_group, &g), 0);
	assert_int_equal(g.n, 4);
	assert_string_equal(g.keys[0], "allowed");
	assert_int_equal(g.runs[0], 2);
	assert_string_equal(g.keys[1], "blocked");
	assert_int_equal(g.blocked[1], 1);
	assert_string_equal(g.keys[3], "waived");

	memset(&g, 0, sizeof(g));
	assert_int_equal(cg_audit_summary(db, NULL, CG_AUDIT_BY_DAY, keep_group, &g), 0);
	assert_int_equal(g.n, 3);
	assert_string_equal(g.keys[0], "2026-11-20");
	assert_int_equal(g.runs[0], 2);
	assert_int_equal(g.blocked[0], 1);
	assert_string_equal(g.keys[2], "2026-11-22");
	assert_int_equal(g.runs[2], 1);

	memset(&g, 0, sizeof(g));
	assert_int_equal(cg_audit_summary(db, NULL, CG_AUDIT_BY_RULE, keep_group, &g), 0);
	assert_int_equal(g.n, 3);
	assert_string_equal(g.keys[0], "changelog");
	assert_int_equal(g.runs[0], 1);
	assert_int_equal(g.findings[0], 1);
	assert_int_equal(g.waivers[0], 1);
	assert_string_equal(g.keys[2], "protect:mcp");
	assert_int_equal(g.waivers[2], 1);

	/* The same groupings under conditions take the other SQL paths. */
	f.author = "Ann";
	memset(&g, 0, sizeof(g));
	assert_int_equal(cg_audit_summary(db, &f, CG_AUDIT_BY_DAY, keep_group, &g), 0);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.runs[0], 1);
	assert_int_equal(g.blocked[0], 0);
	memset(&g, 0, sizeof(g));
	assert_int_equal(cg_audit_summary(db, &f, CG_AUDIT_BY_RULE, keep_group, &g), 0);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.keys[0], "changelog");
	assert_int_equal(g.findings[0], 0);
	assert_int_equal(g.waivers[0], 1);

	f = (cg_audit_filter){ .since_ms = NOV20 + DAY, .hook = "pre-receive" };
	memset(&g, 0, sizeof(g));
	assert_int_equal(cg_audit_summary(db, &f, CG_AUDIT_BY_VERDICT, keep_group, &g), 0);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.keys[0], "allowed");
	assert_string_equal(g.keys[1], "error");
	memset(&g, 0, sizeof(g));
	assert_int_equal(cg_audit_summary(db, &f, CG_AUDIT_BY_DAY, keep_group, &g), 0);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.keys[0], "2026-11-21");
	cg_audit_close(db);
}

typedef struct {
	int64_t ids[8];
	int waiver[8];
	size_t n;
} items;

static int keep_item(const cg_audit_item *item, void *payload)
{
	items *it = payload;

	assert_true((item->finding != NULL) != (item->waiver != NULL));
	assert_int_equal(item->entry->run.nfindings, 0);
	it->ids[it->n] = item->entry->id;
	it->waiver[it->n++] = item->waiver != NULL;
	return it->n == 8;
}

static int keep_entry(const cg_audit_entry *e, void *payload)
{
	items *it = payload;

	it->ids[it->n++] = e->id;
	return 0;
}

static void test_item_queries(void **state)
{
	const scratch *s = *state;
	cg_audit_filter f = { 0 };
	cg_audit *db = NULL;
	items it = { 0 };

	make_db(s);
	assert_int_equal(cg_audit_open_readonly(&db, s->db), 0);
	assert_int_equal(cg_audit_items(db, NULL, CG_AUDIT_ITEMS_PROTECTED, 0, keep_item, &it), 0);
	assert_int_equal(it.n, 2);
	assert_int_equal(it.ids[0], 4);
	assert_true(it.waiver[0]);
	assert_int_equal(it.ids[1], 2);
	assert_false(it.waiver[1]);

	memset(&it, 0, sizeof(it));
	assert_int_equal(cg_audit_items(db, NULL, CG_AUDIT_ITEMS_PROTECTED, 1, keep_item, &it), 0);
	assert_int_equal(it.n, 1);

	memset(&it, 0, sizeof(it));
	assert_int_equal(cg_audit_items(db, NULL, CG_AUDIT_ITEMS_WAIVERS, 0, keep_item, &it), 0);
	assert_int_equal(it.n, 1);
	assert_int_equal(it.ids[0], 3);

	memset(&it, 0, sizeof(it));
	f.until_ms = NOV20 + DAY;
	assert_int_equal(cg_audit_items(db, &f, CG_AUDIT_ITEMS_PROTECTED, 0, keep_item, &it), 0);
	assert_int_equal(it.n, 1);
	assert_int_equal(it.ids[0], 2);

	memset(&it, 0, sizeof(it));
	assert_int_equal(cg_audit_recent(db, NULL, 2, keep_entry, &it), 0);
	assert_int_equal(it.n, 2);
	assert_int_equal(it.ids[0], 5);
	assert_int_equal(it.ids[1], 4);
	memset(&it, 0, sizeof(it));
	assert_int_equal(cg_audit_recent(db, NULL, 0, keep_entry, &it), 0);
	assert_int_equal(it.n, 5);
	cg_audit_close(db);
}

/* --- the audit report ------------------------------------------------------- */

static void test_audit_json(void **state)
{
	const scratch *s = *state;
	cg_report_opts opts = CG_REPORT_OPTS_INIT;
	const cg_json *a, *row;
	cg_json *doc;

	make_db(s);
	doc = render_json(s, cg_report_audit, &opts);
	assert_string_equal(str(doc, "format"), "changeguard-report/1");
	assert_string_equal(str(doc, "report"), "audit");
	assert_string_equal(str(doc, "generated"), "2026-11-20T00:00:00Z");
	assert_string_equal(str(member(doc, "parameters"), "database"), s->db);
	assert_int_equal(cg_json_type_of(member(member(doc, "parameters"), "since")), CG_JSON_NULL);

	a = member(doc, "summary");
	assert_int_equal(num(a, "runs"), 5);
	assert_int_equal(num(a, "allowed"), 2);
	assert_int_equal(num(a, "waived"), 1);
	assert_int_equal(num(a, "blocked"), 1);
	assert_int_equal(num(a, "error"), 1);

	a = member(doc, "timeline");
	assert_int_equal(cg_json_size(a), 3);
	assert_string_equal(str(cg_json_at(a, 1), "period"), "2026-11-21");
	assert_int_equal(num(cg_json_at(a, 0), "blocked"), 1);

	a = member(doc, "rules");
	assert_int_equal(cg_json_size(a), 3);
	assert_string_equal(str(cg_json_at(a, 1), "rule"), "error");

	a = member(doc, "blocked");
	assert_int_equal(cg_json_size(a), 2);
	row = cg_json_at(a, 0);
	assert_int_equal(num(row, "id"), 2);
	assert_string_equal(str(row, "author"), "Bob <bob@example.com>");
	assert_string_equal(str(row, "path"), "src/CHANGELOG.md");
	assert_string_equal(str(cg_json_at(a, 1), "rule"), "protect:mcp");

	a = member(doc, "waivers");
	assert_int_equal(cg_json_size(a), 1);
	assert_string_equal(str(cg_json_at(a, 0), "reason"), "typo, \"quoted\"\nsecond line");
	assert_string_equal(str(cg_json_at(a, 0), "name"), "Changelog-Skip");

	a = member(doc, "protected");
	assert_int_equal(cg_json_size(a), 2);
	row = cg_json_at(a, 0);
	assert_int_equal(num(row, "signed_off"), 1);
	assert_string_equal(str(row, "authorizer"), "Alice <alice@example.com>");
	assert_string_equal(str(row, "pusher"), "carol");
	assert_string_equal(str(row, "path"), ".mcp.json");
	row = cg_json_at(a, 1);
	assert_int_equal(num(row, "signed_off"), 0);
	assert_int_equal(cg_json_type_of(member(row, "authorizer")), CG_JSON_NULL);
	assert_string_equal(str(row, "detail"), "protected path changed without sign-off");
	assert_int_equal(cg_json_size(member(doc, "truncated")), 0);
	cg_json_free(doc);
}

static void test_audit_filters_and_limit(void **state)
{
	const scratch *s = *state;
	cg_report_opts opts = CG_REPORT_OPTS_INIT;
	cg_json *doc;

	make_db(s);
	opts.filter.since_ms = NOV20 + DAY;
	doc = render_json(s, cg_report_audit, &opts);
	assert_int_equal(num(member(doc, "summary"), "runs"), 3);
	assert_int_equal(cg_json_size(member(doc, "blocked")), 0);
	assert_string_equal(str(member(doc, "parameters"), "since"), "2026-11-21T00:00:00Z");
	cg_json_free(doc);

	opts = (cg_report_opts)CG_REPORT_OPTS_INIT;
	opts.filter.verdict = "allowed";
	doc = render_json(s, cg_report_audit, &opts);
	assert_int_equal(num(member(doc, "summary"), "runs"), 2);
	assert_int_equal(cg_json_size(member(doc, "blocked")), 0);
	assert_int_equal(cg_json_size(member(doc, "protected")), 1);
	cg_json_free(doc);

	opts = (cg_report_opts)CG_REPORT_OPTS_INIT;
	opts.filter.rule = "protect:mcp";
	doc = render_json(s, cg_report_audit, &opts);
	assert_int_equal(num(member(doc, "summary"), "runs"), 2);
	assert_int_equal(cg_json_size(member(doc, "waivers")), 0);
	cg_json_free(doc);

	opts = (cg_report_opts)CG_REPORT_OPTS_INIT;
	opts.limit = 1;
	doc = render_json(s, cg_report_audit, &opts);
	/* one blocked run, shown with both its findings */
	assert_int_equal(cg_json_size(member(doc, "blocked")), 2);
	assert_int_equal(cg_json_size(member(doc, "protected")), 1);
	assert_int_equal(cg_json_size(member(doc, "truncated")), 1);
	assert_string_equal(cg_json_string(cg_json_at(member(doc, "truncated"), 0)), "protected");
	cg_json_free(doc);
}

/* A minimal RFC 4180 reader: rows of fields, quotes undone. */
typedef struct {
	char *fields[64][32];
	size_t nfields[64], nrows;
} csv;

static void csv_read(csv *c, const char *s)
{
	cg_buf field = CG_BUF_INIT;
	int quoted = 0;

	memset(c, 0, sizeof(*c));
	while (*s) {
		if (quoted) {
			if (*s == '"' && s[1] == '"')
				cg_buf_putc(&field, '"'), s++;
			else if (*s == '"')
				quoted = 0;
			else
				cg_buf_putc(&field, *s);
			s++;
			continue;
		}
		if (*s == '"') {
			assert_int_equal(field.size, 0);
			quoted = 1;
		} else if (*s == ',' || *s == '\r') {
			assert_true(*s != '\r' || s[1] == '\n');
			c->fields[c->nrows][c->nfields[c->nrows]++] = cg_buf_detach(&field);
			if (*s == '\r') {
				c->nrows++;
				s++;
			}
		} else {
			assert_true(*s != '\n');
			cg_buf_putc(&field, *s);
		}
		s++;
	}
	assert_false(quoted);
	assert_int_equal(field.size, 0);
	cg_buf_dispose(&field);
}

static void csv_free(csv *c)
{
	size_t r, f;

	for (r = 0; r < c->nrows; r++)
		for (f = 0; f < c->nfields[r]; f++)
			free(c->fields[r][f]);
}

/* The field of `row` under the header `name`. */
static const char *csv_get(const csv *c, size_t row, const char *name)
{
	size_t f;

	for (f = 0; f < c->nfields[0]; f++)
		if (!strcmp(c->fields[0][f], name))
			return c->fields[row][f];
	fail_msg("no CSV column '%s'", name);
	return NULL;
}

static size_t csv_find(const csv *c, const char *section, size_t nth)
{
	size_t r;

	for (r = 1; r < c->nrows; r++)
		if (!strcmp(c->fields[r][0], section) && nth-- == 0)
			return r;
	fail_msg("no CSV row %s", section);
	return 0;
}

/* A field a CSV report must hold: column `name` of the `nth` row of `section`. */
typedef struct {
	const char *section;
	size_t nth;
	const char *name, *want;
} csv_want;

static void assert_csv(const csv *c, const csv_want *w, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const char *got = csv_get(c, csv_find(c, w[i].section, w[i].nth), w[i].name);
		if (!got || strcmp(got, w[i].want))
			fail_msg("CSV %s row %zu, %s: '%s', want '%s'", w[i].section, w[i].nth,
			         w[i].name, got ? got : "(none)", w[i].want);
	}
}

static void test_audit_csv(void **state)
{
	static const csv_want want[] = {
		{ "summary", 0, "blocked", "1" },
		{ "summary", 0, "runs", "5" },
		{ "timeline", 2, "period", "2026-11-22" },
		{ "waivers", 0, "reason", "typo, \"quoted\"\nsecond line" },
		{ "waivers", 0, "authorizer", "" },
		{ "protected", 0, "signed_off", "true" },
		{ "protected", 0, "pusher", "carol" },
		{ "blocked", 1, "rule", "protect:mcp" },
	};
	const scratch *s = *state;
	cg_report_opts opts = CG_REPORT_OPTS_INIT;
	size_t r;
	char *text;
	csv c;
	int rc;

	make_db(s);
	opts.format = CG_REPORT_CSV;
	text = render(&rc, s, cg_report_audit, &opts);
	assert_int_equal(rc, 0);
	csv_read(&c, text);
	for (r = 1; r < c.nrows; r++)
		assert_int_equal(c.nfields[r], c.nfields[0]);
	assert_string_equal(c.fields[0][0], "section");
	assert_csv(&c, want, ARRAY_SIZE(want));
	csv_free(&c);
	free(text);
}

/* Display width: UTF-8 characters. */
static size_t width_of(const char *s, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		n += ((unsigned char)s[i] & 0xC0) != 0x80;
	return n;
}

static void assert_fits(const char *text)
{
	const char *line = text, *nl;

	for (; *line; line = nl + 1) {
		nl = strchr(line, '\n');
		assert_non_null(nl);
		if (width_of(line, (size_t)(nl - line)) > 80)
			fail_msg("line wider than 80: '%.*s'", (int)(nl - line), line);
	}
}

static void test_audit_text(void **state)
{
	const scratch *s = *state;
	cg_report_opts opts = CG_REPORT_OPTS_INIT;
	cg_audit_run run = { NOV20, "commit-msg" };
	cg_audit_finding f = { "changelog", "dir/\033[31mevil\nname/CHANGELOG.md",
	                       "a very long detail that goes on and on past the width of any "
	                       "terminal so that it has to be wrapped onto several lines below" };
	cg_audit *db = NULL;
	char *text;
	int rc;

	make_db(s);
	run.verdict = "blocked";
	run.author = "Ünïcödé Authör With A Very Long Name <someone.with.a.long.address@example.com>";
	run.findings = &f;
	run.nfindings = 1;
	assert_int_equal(cg_audit_open(&db, s->db), 0);
	assert_int_equal(cg_audit_record(db, &run, 1), 0);
	cg_audit_close(db);

	text = render(&rc, s, cg_report_audit, &opts);
	assert_int_equal(rc, 0);
	assert_fits(text);
	assert_null(strchr(text, '\033'));
	assert_non_null(strstr(text, "dir/\\033[31mevil\\nname/CHANGELOG.md"));
	assert_non_null(strstr(text, "Ünïcödé Authör"));
	assert_non_null(strstr(text, "Runs per verdict"));
	assert_non_null(strstr(text, "  Blocked  2\n"));
	free(text);

	opts.color = 1;
	text = render(&rc, s, cg_report_audit, &opts);
	assert_non_null(strstr(text, "\033[1m"));
	assert_fits(text);
	free(text);
}

/* Every row of every table has as many unescaped pipes as its header. */
static void test_audit_markdown(void **state)
{
	const scratch *s = *state;
	cg_report_opts opts = CG_REPORT_OPTS_INIT;
	cg_audit_run run = { NOV20, "commit-msg" };
	cg_audit_waiver w = { "changelog", "trailer", "Changelog-Skip", "a | b <b>*x*</b>", NULL };
	cg_audit *db = NULL;
	const char *line, *nl, *p;
	size_t header = 0;
	char *text;
	int rc;

	make_db(s);
	run.verdict = "waived";
	run.waivers = &w;
	run.nwaivers = 1;
	assert_int_equal(cg_audit_open(&db, s->db), 0);
	assert_int_equal(cg_audit_record(db, &run, 1), 0);
	cg_audit_close(db);
	opts.format = CG_REPORT_MARKDOWN;
	text = render(&rc, s, cg_report_audit, &opts);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(text, "a \\| b &lt;b&gt;\\*x\\*&lt;/b&gt;"));
	assert_null(strstr(text, "<b>"));
	for (line = text; *line; line = nl + 1) {
		size_t pipes = 0;
		nl = strchr(line, '\n');
		if (*line != '|') {
			header = 0;
			continue;
		}
		for (p = line; p < nl; p++)
			if (*p == '|' && (p == line || p[-1] != '\\'))
				pipes++;
		if (!header)
			header = pipes;
		assert_int_equal(pipes, header);
	}
	free(text);
}

static void test_audit_html(void **state)
{
	const scratch *s = *state;
	cg_report_opts opts = CG_REPORT_OPTS_INIT;
	char *text;
	int rc;

	make_db(s);
	opts.format = CG_REPORT_HTML;
	text = render(&rc, s, cg_report_audit, &opts);
	assert_int_equal(rc, 0);
	assert_true(!strncmp(text, "<!DOCTYPE html>", 15));
	assert_non_null(strstr(text, "<svg class=\"chart\""));
	assert_non_null(strstr(text, "data-label=\"2026-11-20\" data-runs=\"2\" data-blocked=\"1\""));
	assert_non_null(strstr(text, "<table class=\"sortable\" id=\"t-blocked\">"));
	assert_non_null(strstr(text, "typo, &quot;quoted&quot;\\nsecond line"));
	assert_non_null(strstr(text, "@media print"));
	/* self-contained: nothing is fetched */
	assert_null(strstr(text, "src="));
	assert_null(strstr(text, "href="));
	assert_null(strstr(text, "url("));
	assert_non_null(strstr(text, "</html>\n"));
	free(text);
}

/* --- verify and export ------------------------------------------------------- */

static int verify_fn_broken;

static int verify_fn(cg_audit *db, const cg_report_opts *opts)
{
	return cg_report_verify(db, opts, &verify_fn_broken);
}

static void test_verify(void **state)
{
	const scratch *s = *state;
	cg_report_opts opts = CG_REPORT_OPTS_INIT;
	sqlite3 *raw = NULL;
	cg_json *doc;

	make_db(s);
	doc = render_json(s, verify_fn, &opts);
	assert_int_equal(verify_fn_broken, 0);
	assert_int_equal(num(member(doc, "chain"), "intact"), 1);
	assert_int_equal(num(member(doc, "chain"), "runs_checked"), 5);
	cg_json_free(doc);

	assert_int_equal(sqlite3_open(s->db, &raw), SQLITE_OK);
	assert_int_equal(sqlite3_exec(raw, "UPDATE runs SET author = 'Eve' WHERE id = 3", NULL,
	                              NULL, NULL), SQLITE_OK);
	sqlite3_close(raw);
	doc = render_json(s, verify_fn, &opts);
	assert_int_equal(verify_fn_broken, 1);
	assert_int_equal(num(member(doc, "chain"), "intact"), 0);
	assert_int_equal(num(member(doc, "chain"), "first_bad_id"), 3);
	assert_int_equal(num(member(doc, "chain"), "runs_checked"), 2);
	assert_non_null(strstr(str(member(doc, "chain"), "problem"), "run 3"));
	cg_json_free(doc);
}

static void test_export(void **state)
{
	const scratch *s = *state;
	cg_report_opts opts = CG_REPORT_OPTS_INIT;
	const char *line, *nl;
	size_t n = 0;
	char *text;
	csv c;
	int rc;

	make_db(s);
	opts.format = CG_REPORT_JSON;
	opts.filter.hook = "pre-receive";
	text = render(&rc, s, cg_report_export, &opts);
	assert_int_equal(rc, 0);
	for (line = text; *line; line = nl + 1, n++) {
		cg_json *doc = NULL;
		nl = strchr(line, '\n');
		assert_int_equal(cg_json_parse(&doc, line, (size_t)(nl - line)), 0);
		assert_string_equal(str(doc, "hook"), "pre-receive");
		assert_int_equal(num(doc, "id"), (int64_t)n + 4);
		cg_json_free(doc);
	}
	assert_int_equal(n, 2);
	free(text);

	opts = (cg_report_opts)CG_REPORT_OPTS_INIT;
	opts.format = CG_REPORT_CSV;
	text = render(&rc, s, cg_report_export, &opts);
	csv_read(&c, text);
	assert_int_equal(c.nrows, 6);
	assert_string_equal(csv_get(&c, 2, "findings"), "2");
	assert_string_equal(csv_get(&c, 4, "commit"), OID_A);
	csv_free(&c);
	free(text);
}

/* --- history ----------------------------------------------------------------- */

/* Commits `files` (path, content pairs) on HEAD at `when` (seconds). */
static void commit(git_repository *repo, const char *const *files, const char *author,
                   const char *message, int64_t when)
{
	git_index *index = NULL;
	git_signature *sig = NULL;
	git_commit *parent = NULL;
	git_tree *tree = NULL;
	git_oid blob, tree_id, id, head;
	char name[64], email[64];

	assert_int_equal(git_repository_index(&index, repo), 0);
	for (; *files; files += 2) {
		git_index_entry e;
		memset(&e, 0, sizeof(e));
		assert_int_equal(git_blob_create_from_buffer(&blob, repo, files[1], strlen(files[1])), 0);
		e.mode = GIT_FILEMODE_BLOB;
		e.id = blob;
		e.path = files[0];
		assert_int_equal(git_index_add(index, &e), 0);
	}
	assert_int_equal(git_index_write_tree(&tree_id, index), 0);
	assert_int_equal(git_index_write(index), 0);
	assert_int_equal(git_tree_lookup(&tree, repo, &tree_id), 0);
	sscanf(author, "%63[^<]<%63[^>]>", name, email);
	name[strlen(name) - 1] = '\0';
	assert_int_equal(git_signature_new(&sig, name, email, when, 0), 0);
	if (git_reference_name_to_id(&head, repo, "HEAD") == 0)
		assert_int_equal(git_commit_lookup(&parent, repo, &head), 0);
	assert_int_equal(git_commit_create_v(&id, repo, "HEAD", sig, sig, NULL, message, tree,
	                                     parent ? 1 : 0, parent), 0);
	git_commit_free(parent);
	git_tree_free(tree);
	git_signature_free(sig);
	git_index_free(index);
}

#define NOV1 1793527200LL /* 2026-11-01T10:00:00Z, seconds */

/* c1 compliant, c2 lacks an entry, c3 waived, c4 changes .mcp.json unsigned. */
static git_repository *make_repo(const scratch *s)
{
	const char *c1[] = { "CHANGELOG.md", "# Log\n\n- 2026-11-01T09:59:30Z ann: start\n",
	                     "a.c", "1\n", NULL };
	const char *c2[] = { "src/b.c", "2\n", NULL };
	const char *c3[] = { "a.c", "3\n", NULL };
	const char *c4[] = { ".mcp.json", "{}\n", "CHANGELOG.md",
	                     "# Log\n\n- 2026-12-02T09:59:00Z bob: mcp\n"
	                     "- 2026-11-01T09:59:30Z ann: start\n", NULL };
	git_repository *repo = NULL;
	char path[400];

	snprintf(path, sizeof(path), "%s/repo", s->dir);
	assert_int_equal(git_repository_init(&repo, path, 0), 0);
	commit(repo, c1, "Ann <ann@example.com>", "start\n", NOV1);
	commit(repo, c2, "Bob <bob@example.com>", "add b, \"no\" entry\n", NOV1 + 86400);
	commit(repo, c3, "Ann <ann@example.com>", "tweak\n\nChangelog-Skip: whitespace only\n",
	       NOV1 + 30 * 86400);
	commit(repo, c4, "Bob <bob@example.com>", "mcp\n", NOV1 + 31 * 86400);
	return repo;
}

static char *history(int *rc, size_t *violations, git_repository *repo, char **revs,
                     size_t nrevs, cg_report_opts *opts)
{
	cg_policy *policy = NULL;
	char *text = NULL;
	size_t len = 0;

	assert_int_equal(cg_policy_find_head(&policy, repo), 0);
	opts->out = open_memstream(&text, &len);
	opts->generated_ms = NOV20;
	*rc = cg_report_history(violations, repo, policy, revs, nrevs, opts);
	fclose(opts->out);
	cg_policy_free(policy);
	return text;
}

static void test_history_csv(void **state)
{
	static const csv_want want[] = {
		{ "summary", 0, "commits", "4" },
		{ "summary", 0, "compliant", "2" },
		{ "summary", 0, "waived", "1" },
		{ "summary", 0, "violating", "2" },
		{ "summary", 0, "compliance", "0.5" },
		{ "months", 1, "month", "2026-12" },
		{ "months", 1, "commits", "2" },
		{ "months", 1, "violating", "1" },
		/* c1 and c4 changed the root CHANGELOG, c2 lacked its entry; c3 was waived */
		{ "directories", 0, "directory", "." },
		{ "directories", 0, "changelog", "CHANGELOG.md" },
		{ "directories", 0, "commits", "3" },
		{ "directories", 0, "violating", "1" },
		{ "directories", 0, "compliance", "0.6667" },
		{ "authors", 1, "author", "Bob <bob@example.com>" },
		{ "authors", 1, "compliance", "0" },
		{ "violations", 0, "subject", "mcp" },
		{ "violations", 0, "rule", "protect:mcp" },
		{ "violations", 0, "time", "2026-12-02T10:00:00Z" },
		{ "violations", 1, "subject", "add b, \"no\" entry" },
		{ "violations", 1, "path", "CHANGELOG.md" },
	};
	const scratch *s = *state;
	git_repository *repo = make_repo(s);
	cg_report_opts opts = CG_REPORT_OPTS_INIT;
	size_t violations = 0;
	char *text;
	csv c;
	int rc;

	opts.format = CG_REPORT_CSV;
	text = history(&rc, &violations, repo, NULL, 0, &opts);
	assert_int_equal(rc, 0);
	assert_int_equal(violations, 2);
	csv_read(&c, text);
	assert_csv(&c, want, ARRAY_SIZE(want));
	assert_int_equal(strlen(csv_get(&c, csv_find(&c, "violations", 1), "commit")), 40);
	csv_free(&c);
	free(text);
	git_repository_free(repo);
}

static void test_history_ranges_and_filters(void **state)
{
	const scratch *s = *state;
	git_repository *repo = make_repo(s);
	cg_report_opts opts = CG_REPORT_OPTS_INIT;
	char *range[] = { (char *)"HEAD~2..HEAD" }, *bad[] = { (char *)"nope" };
	char *sym[] = { (char *)"HEAD~3...HEAD~1" }, *hide[] = { (char *)"HEAD", (char *)"^HEAD~1" };
	size_t violations = 0;
	char *text;
	csv c;
	int rc;

	opts.format = CG_REPORT_CSV;
	text = history(&rc, &violations, repo, range, 1, &opts);
	csv_read(&c, text);
	assert_string_equal(csv_get(&c, csv_find(&c, "summary", 0), "commits"), "2");
	assert_string_equal(csv_get(&c, csv_find(&c, "parameters", 0), "range"), "HEAD~2..HEAD");
	assert_int_equal(violations, 1);
	csv_free(&c);
	free(text);

	text = history(&rc, &violations, repo, sym, 1, &opts);
	csv_read(&c, text);
	assert_string_equal(csv_get(&c, csv_find(&c, "summary", 0), "commits"), "2");
	csv_free(&c);
	free(text);

	text = history(&rc, &violations, repo, hide, 2, &opts);
	csv_read(&c, text);
	assert_string_equal(csv_get(&c, csv_find(&c, "summary", 0), "commits"), "1");
	csv_free(&c);
	free(text);

	opts.filter.since_ms = (NOV1 + 86400) * 1000;
	opts.filter.until_ms = (NOV1 + 31 * 86400) * 1000;
	opts.filter.author = "Bob";
	text = history(&rc, &violations, repo, NULL, 0, &opts);
	csv_read(&c, text);
	assert_string_equal(csv_get(&c, csv_find(&c, "summary", 0), "commits"), "1");
	assert_int_equal(violations, 1);
	csv_free(&c);
	free(text);

	text = history(&rc, &violations, repo, bad, 1, &opts);
	assert_int_equal(rc, CG_EUSAGE);
	assert_non_null(strstr(cg_error_last(), "'nope'"));
	free(text);
	git_repository_free(repo);
}

static void test_history_text_and_html(void **state)
{
	const scratch *s = *state;
	git_repository *repo = make_repo(s);
	cg_report_opts opts = CG_REPORT_OPTS_INIT;
	size_t violations = 0;
	char *text;
	int rc;

	text = history(&rc, &violations, repo, NULL, 0, &opts);
	assert_int_equal(rc, 0);
	assert_fits(text);
	assert_non_null(strstr(text, "  Compliance       50.0%\n"));
	assert_non_null(strstr(text, "    protect:mcp: .mcp.json: protected path changed"));
	free(text);

	opts.format = CG_REPORT_HTML;
	text = history(&rc, &violations, repo, NULL, 0, &opts);
	assert_non_null(strstr(text, "data-label=\"2026-11\" data-commits=\"2\" data-violating=\"1\""));
	assert_non_null(strstr(text, "<td data-name=\"subject\">add b, &quot;no&quot; entry</td>"));
	free(text);
	git_repository_free(repo);
}

static void test_history_unborn(void **state)
{
	const scratch *s = *state;
	cg_report_opts opts = CG_REPORT_OPTS_INIT;
	git_repository *repo = NULL;
	size_t violations = 1;
	char path[400], *text;
	int rc;

	snprintf(path, sizeof(path), "%s/empty", s->dir);
	assert_int_equal(git_repository_init(&repo, path, 0), 0);
	opts.format = CG_REPORT_MARKDOWN;
	text = history(&rc, &violations, repo, NULL, 0, &opts);
	assert_int_equal(rc, 0);
	assert_int_equal(violations, 0);
	assert_non_null(strstr(text, "| Commits | 0 |"));
	free(text);
	git_repository_free(repo);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_names),
		cmocka_unit_test(test_times),
		cmocka_unit_test_setup_teardown(test_summary_queries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_item_queries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_json, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_filters_and_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_csv, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_markdown, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_html, setup, teardown),
		cmocka_unit_test_setup_teardown(test_verify, setup, teardown),
		cmocka_unit_test_setup_teardown(test_export, setup, teardown),
		cmocka_unit_test_setup_teardown(test_history_csv, setup, teardown),
		cmocka_unit_test_setup_teardown(test_history_ranges_and_filters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_history_text_and_html, setup, teardown),
		cmocka_unit_test_setup_teardown(test_history_unborn, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
