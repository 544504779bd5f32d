/* Unit tests of lib/audit.c and lib/json.c on real SQLite files in scratch
 * directories. sqlite3 is used here directly only to tamper with and inspect
 * the database the way an attacker or an auditor would. */
#define _XOPEN_SOURCE 700

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "audit.h"
#include "error.h"
#include "hash.h"
#include "json.h"
#include "report.h"
#include "timestamp.h"
#include "scratch.h"

#define T0 1795489200123LL /* 2026-11-24T03:00:00.123Z */

typedef struct {
	char dir[256];
	char db[320];
	char fallback[352];
} scratch;

static int setup(void **state)
{
	scratch *s = calloc(1, sizeof(*s));

	if (scratch_make(s->dir, sizeof(s->dir), "audit") < 0)
		return -1;
	snprintf(s->db, sizeof(s->db), "%s/repo.git/changeguard/audit.db", s->dir);
	snprintf(s->fallback, sizeof(s->fallback), "%s.fallback.jsonl", s->db);
	*state = s;
	return 0;
}

static int teardown(void **state)
{
	scratch *s = *state;

	scratch_remove(s->dir);
	free(s);
	cg_audit__set_busy_timeout(10000);
	return 0;
}

/*
 * Raw SQL, as a second party would use it.
 */

static void sql(const char *db, const char *fmt, ...)
{
	char *text, *err = NULL;
	sqlite3 *h;
	va_list ap;

	va_start(ap, fmt);
	text = sqlite3_vmprintf(fmt, ap);
	va_end(ap);
	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	sqlite3_busy_timeout(h, 10000);
	if (sqlite3_exec(h, text, NULL, NULL, &err) != SQLITE_OK)
		fail_msg("%s: %s", text, err);
	sqlite3_close(h);
	sqlite3_free(text);
}

/* The first column of the first row, as text ("" for none), in `out`. */
static const char *sql_text(char *out, size_t size, const char *db, const char *query)
{
	sqlite3_stmt *st;
	sqlite3 *h;

	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	if (sqlite3_prepare_v2(h, query, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", query, sqlite3_errmsg(h));
	out[0] = '\0';
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		snprintf(out, size, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(h);
	return out;
}

static long long sql_int(const char *db, const char *query)
{
	char text[64];

	return strtoll(sql_text(text, sizeof(text), db, query), NULL, 10);
}

/*
 * Runs and helpers.
 */

static const cg_audit_finding sample_findings[] = {
	{ "changelog", "src/net/http.c", "no new entry in src/CHANGELOG.md" },
	{ "protect:mcp", ".mcp.json", NULL },
};

static const cg_audit_waiver sample_waivers[] = {
	{ "changelog", "trailer", "Changelog-Skip", "typo fix", NULL },
	{ "protect:mcp", "push-option", "changeguard.skip", "", "Alice <alice@example.com>" },
};

static cg_audit_run sample_run(int64_t time_ms, const char *commit)
{
	cg_audit_run run = { 0 };

	run.time_ms = time_ms;
	run.hook = "pre-receive";
	run.repository = "/srv/git/repo.git";
	run.ref = "refs/heads/main";
	run.old_oid = "1111111111111111111111111111111111111111";
	run.new_oid = "2222222222222222222222222222222222222222";
	run.commit = commit;
	run.author = "Bob \"the builder\" <bob@example.com>";
	run.committer = "Bob <bob@example.com>";
	run.pusher = NULL;
	run.verdict = "waived";
	run.findings = sample_findings;
	run.nfindings = 2;
	run.waivers = sample_waivers;
	run.nwaivers = 2;
	run.policy_sha256 = "ab12";
	run.duration_us = 1234;
	return run;
}

static void write_ok(const char *db, const cg_audit_run *runs, size_t n)
{
	int fell_back = -1;

	if (cg_audit_write(db, runs, n, &fell_back) != 0)
		fail_msg("cg_audit_write: %s", cg_error_last());
	assert_int_equal(fell_back, 0);
}

/* Writes `n` runs one by one, commits "c1", "c2", ... */
static void write_numbered(const char *db, int from, int n)
{
	char commit[32];
	int i;

	for (i = from; i < from + n; i++) {
		cg_audit_run run = sample_run(T0 + i, commit);

		snprintf(commit, sizeof(commit), "c%d", i);
		write_ok(db, &run, 1);
	}
}

static void write_falls_back(const char *db, const cg_audit_run *run, const char *problem)
{
	int fell_back = -1;

	assert_int_equal(cg_audit_write(db, run, 1, &fell_back), CG_ERROR);
	assert_int_equal(fell_back, 1);
	if (!strstr(cg_error_last(), problem) || !strstr(cg_error_last(), ".fallback.jsonl'"))
		fail_msg("unexpected message: %s", cg_error_last());
}

/* 0 intact, 1 broken; *bad and *checked as cg_audit_verify gives them. */
static int verify(const char *db, int64_t *bad, size_t *checked)
{
	cg_audit *a;
	int ret;

	if (cg_audit_open_readonly(&a, db) < 0)
		fail_msg("open_readonly: %s", cg_error_last());
	ret = cg_audit_verify(a, bad, checked);
	cg_audit_close(a);
	assert_true(ret == 0 || ret == 1);
	return ret;
}

static void assert_intact(const char *db, size_t rows)
{
	int64_t bad = -1;
	size_t checked = 0;

	if (verify(db, &bad, &checked) != 0)
		fail_msg("chain broken at %lld: %s", (long long)bad, cg_error_last());
	assert_int_equal(bad, 0);
	assert_int_equal(checked, rows);
}

static void assert_broken_at(const char *db, int64_t id, size_t intact, const char *why)
{
	int64_t bad = -1;
	size_t checked = 0;

	assert_int_equal(verify(db, &bad, &checked), 1);
	assert_int_equal(bad, id);
	assert_int_equal(checked, intact);
	if (!strstr(cg_error_last(), why))
		fail_msg("unexpected message: %s", cg_error_last());
}

static size_t file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (size_t)st.st_size : 0;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	size_t n = file_size(path);
	char *data = calloc(1, n + 1);

	assert_non_null(f);
	assert_int_equal(fread(data, 1, n, f), n);
	fclose(f);
	return data;
}

static void spew(const char *path, const char *mode, const char *data, size_t len)
{
	FILE *f = fopen(path, mode);

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

typedef struct {
	char lines[8][4096];
	size_t n;
} collected;

static int collect(const char *line, size_t len, void *payload)
{
	collected *c = payload;

	assert_true(c->n < 8 && len < sizeof(c->lines[0]));
	assert_int_equal(line[len - 1], '\n');
	memcpy(c->lines[c->n++], line, len);
	return 0;
}

/* Every run as `changelog-audit export --format json` writes it. */
static int export_lines(cg_audit *a, collected *c)
{
	cg_report_opts opts = CG_REPORT_OPTS_INIT;
	char line[4096];
	FILE *f = tmpfile();
	int error;

	assert_non_null(f);
	opts.format = CG_REPORT_JSON;
	opts.out = f;
	if ((error = cg_report_export(a, &opts)) == 0) {
		rewind(f);
		while (fgets(line, sizeof(line), f))
			collect(line, strlen(line), c);
	}
	fclose(f);
	return error;
}

static const char *member(const cg_json *obj, const char *key)
{
	const cg_json *v = cg_json_get(obj, key);

	assert_non_null(v);
	return cg_json_string(v);
}

/*
 * JSON.
 */

static void assert_json_string(const char *in, const char *expected)
{
	cg_buf b = CG_BUF_INIT;

	cg_json_put_string(&b, in);
	assert_string_equal(b.ptr, expected);
	cg_buf_dispose(&b);
}

static void test_json_escape(void **state)
{
	(void)state;
	assert_json_string(NULL, "null");
	assert_json_string("", "\"\"");
	assert_json_string("a\"b\\c/d", "\"a\\\"b\\\\c/d\"");
	assert_json_string("\n\r\t\b\f\x01\x1f\x7f", "\"\\n\\r\\t\\b\\f\\u0001\\u001f\\u007f\"");
	/* valid UTF-8, C1 control U+0085 and U+2028 included, passes unchanged */
	assert_json_string("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xc2\x85 \xe2\x80\xa8",
	                   "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xc2\x85 \xe2\x80\xa8\"");
	/* invalid: stray byte, overlong '/', surrogate, truncated, past U+10FFFF */
	assert_json_string("\xff", "\"\\u00ff\"");
	assert_json_string("\xc0\xaf", "\"\\u00c0\\u00af\"");
	assert_json_string("\xed\xa0\x80", "\"\\u00ed\\u00a0\\u0080\"");
	assert_json_string("\xe2\x82", "\"\\u00e2\\u0082\"");
	assert_json_string("\xf4\x90\x80\x80x", "\"\\u00f4\\u0090\\u0080\\u0080x\"");
}

static void test_json_round_trip(void **state)
{
	static const char *const samples[] = {
		"plain", "", "quote\" back\\ nl\n tab\t del\x7f",
		"latin1 \xe9t\xe9 and utf8 \xc3\xa9t\xc3\xa9", "\xff\xfe\x80", "\xe2\x82",
		"emoji \xf0\x9f\x98\x80", "\x01\x02\x03",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		cg_buf b = CG_BUF_INIT;
		cg_json *v;

		cg_json_put_string(&b, samples[i]);
		if (cg_json_parse(&v, b.ptr, b.size) < 0)
			fail_msg("%s: %s", b.ptr, cg_error_last());
		assert_int_equal(cg_json_type_of(v), CG_JSON_STRING);
		assert_string_equal(cg_json_string(v), samples[i]);
		cg_json_free(v);
		cg_buf_dispose(&b);
	}
}

static void test_json_parse(void **state)
{
	static const char text[] = " {\"a\": [1, -2, 9223372036854775807, -9223372036854775808],"
		" \"b\": {\"c\": null, \"d\": true, \"e\": \"x\\u00e9\\u20ac\\/\"}, \"f\": []} ";
	const cg_json *a, *b;
	cg_json *v;
	int64_t n;

	(void)state;
	assert_int_equal(cg_json_parse(&v, text, strlen(text)), 0);
	assert_int_equal(cg_json_size(v), 3);
	a = cg_json_get(v, "a");
	assert_int_equal(cg_json_size(a), 4);
	assert_int_equal(cg_json_int(&n, cg_json_at(a, 1)), 0);
	assert_int_equal(n, -2);
	assert_int_equal(cg_json_int(&n, cg_json_at(a, 2)), 0);
	assert_true(n == INT64_MAX);
	assert_int_equal(cg_json_int(&n, cg_json_at(a, 3)), 0);
	assert_true(n == INT64_MIN);
	assert_null(cg_json_at(a, 4));
	b = cg_json_get(v, "b");
	assert_int_equal(cg_json_type_of(cg_json_get(b, "c")), CG_JSON_NULL);
	assert_int_equal(cg_json_int(&n, cg_json_get(b, "d")), 0);
	assert_int_equal(n, 1);
	/* \u00e9 is the byte 0xe9 (see json.h), \u20ac is UTF-8 */
	assert_string_equal(cg_json_string(cg_json_get(b, "e")), "x\xe9\xe2\x82\xac/");
	assert_int_equal(cg_json_size(cg_json_get(v, "f")), 0);
	assert_null(cg_json_get(v, "missing"));
	assert_int_equal(cg_json_int(&n, cg_json_get(b, "e")), CG_ERROR);
	cg_json_free(v);
}

static void test_json_rejects(void **state)
{
	static const char *const bad[] = {
		"", "{", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "{\"a\":1,\"a\":2}", "01", "1.5",
		"1e3", "9223372036854775808", "-9223372036854775809", "\"abc", "\"a\nb\"",
		"\"\\u0000\"", "\"\\ud800\"", "\"\\x\"", "\"\\u12\"", "nul", "[1] 2", "{1:2}",
		"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cg_json *v = (cg_json *)&v;

		if (cg_json_parse(&v, bad[i], strlen(bad[i])) != CG_ERROR)
			fail_msg("accepted: %s", bad[i]);
		assert_null(v);
		assert_non_null(strstr(cg_error_last(), "invalid JSON at byte"));
	}
}

/*
 * Recording and reading back.
 */

static void assert_schema_current(const char *db);

/* Without SQLite the audit is not opened, with an error that says what to
 * install, and nothing is created; with it back the same path opens. */
static void test_sqlite_missing(void **state)
{
	scratch *s = *state;
	cg_audit *a = NULL;

	cg_audit__library("libsqlite3-missing.so.0");
	assert_int_equal(cg_audit_open(&a, s->db), CG_ERROR);
	assert_null(a);
	assert_non_null(strstr(cg_error_last(), "cannot open the audit database: SQLite cannot be "
	                                        "loaded: libsqlite3-missing.so.0: cannot open"));
	assert_string_equal(cg_error_hints(), "apt-get install libsqlite3-0");
	assert_int_equal(access(s->db, F_OK), -1);
	assert_int_equal(cg_audit_open_readonly(&a, s->db), CG_ENOTFOUND);
	cg_audit__library("libsqlite3.so.0");
	assert_int_equal(cg_audit_open(&a, s->db), 0);
	cg_audit_close(a);
}

static void test_record_and_export(void **state)
{
	scratch *s = *state;
	cg_audit_run runs[2] = { sample_run(T0, "staged"), sample_run(T0 + 1000, "abc") };
	collected c = { .n = 0 };
	char text[128];
	cg_audit *a;
	cg_json *first, *second;
	const cg_json *items;

	runs[1].verdict = "blocked";
	runs[1].nwaivers = 0;
	runs[1].ref = "";
	assert_int_equal(cg_audit_open(&a, s->db), 0);
	assert_int_equal(cg_audit_record(a, runs, 2), 0);
	assert_int_equal(export_lines(a, &c), 0);
	cg_audit_close(a);

	assert_int_equal(c.n, 2);
	assert_int_equal(cg_json_parse(&first, c.lines[0], strlen(c.lines[0])), 0);
	assert_int_equal(cg_json_parse(&second, c.lines[1], strlen(c.lines[1])), 0);
	assert_string_equal(member(first, "time"), "2026-11-24T03:00:00.123Z");
	assert_string_equal(member(second, "time"), "2026-11-24T03:00:01.123Z");
	assert_string_equal(member(first, "hook"), "pre-receive");
	assert_string_equal(member(first, "commit_oid"), "staged");
	assert_string_equal(member(first, "author"), "Bob \"the builder\" <bob@example.com>");
	assert_null(member(first, "pusher"));
	assert_string_equal(member(second, "ref"), "");
	assert_string_equal(member(second, "verdict"), "blocked");
	assert_string_equal(member(first, "tool_version"), CG_VERSION);
	assert_string_equal(member(first, "prev_hash"),
	                    "0000000000000000000000000000000000000000000000000000000000000000");
	assert_string_equal(member(second, "prev_hash"), member(first, "hash"));
	items = cg_json_get(first, "findings");
	assert_int_equal(cg_json_size(items), 2);
	assert_string_equal(member(cg_json_at(items, 0), "path"), "src/net/http.c");
	assert_null(member(cg_json_at(items, 1), "detail"));
	items = cg_json_get(first, "waivers");
	assert_int_equal(cg_json_size(items), 2);
	assert_string_equal(member(cg_json_at(items, 1), "authorizer"), "Alice <alice@example.com>");
	assert_string_equal(member(cg_json_at(items, 1), "source"), "push-option");
	assert_int_equal(cg_json_size(cg_json_get(second, "waivers")), 0);
	cg_json_free(first);
	cg_json_free(second);

	/* the database itself, as a report would query it */
	assert_string_equal(sql_text(text, sizeof(text), s->db, "PRAGMA journal_mode"), "wal");
	assert_int_equal(sql_int(s->db, "PRAGMA user_version"), 4);
	assert_int_equal(sql_int(s->db, "SELECT count(*) FROM findings"), 4);
	assert_int_equal(sql_int(s->db, "SELECT count(*) FROM waivers WHERE run_id = 1"), 2);
	assert_int_equal(sql_int(s->db, "SELECT duration_us FROM runs WHERE id = 2"), 1234);
	assert_int_equal(sql_int(s->db, "SELECT count(*) FROM sqlite_master WHERE type = 'index'"
	                         " AND name NOT LIKE 'sqlite_autoindex_%'"), 1);
	assert_int_equal(sql_int(s->db, "SELECT count(*) FROM run_keys"), 2);
	assert_int_equal(sql_int(s->db, "SELECT sum(runs) FROM daily WHERE rule = ''"), 2);
	assert_intact(s->db, 2);
}

typedef struct {
	char ids[256];
	int64_t time_ms;
} query_result;

static int collect_ids(const cg_audit_entry *e, void *payload)
{
	query_result *q = payload;
	size_t len = strlen(q->ids);

	snprintf(q->ids + len, sizeof(q->ids) - len, "%s%lld", len ? "," : "",
	         (long long)e->id);
	q->time_ms = e->run.time_ms;
	assert_int_equal(e->run.nfindings, e->id == 3 ? 1 : 0);
	return 0;
}

static const char *query(cg_audit *a, const cg_audit_filter *filter, query_result *q)
{
	memset(q, 0, sizeof(*q));
	if (cg_audit_query(a, filter, collect_ids, q) < 0)
		fail_msg("query: %s", cg_error_last());
	return q->ids;
}

static void test_query_filters(void **state)
{
	scratch *s = *state;
	static const cg_audit_finding mcp = { "protect:mcp", ".mcp.json", "no sign-off" };
	static const cg_audit_waiver skip = { "changelog", "trailer", "Changelog-Skip", "x", NULL };
	cg_audit_run runs[5];
	cg_audit_filter f;
	query_result q;
	cg_audit *a;
	int i;

	for (i = 0; i < 5; i++) {
		runs[i] = sample_run(T0 + i * 3600000LL, "c");
		runs[i].nfindings = runs[i].nwaivers = 0;
	}
	runs[1].hook = "pre-commit";
	runs[1].author = "Alice <alice@example.com>";
	runs[2].verdict = "blocked";
	runs[2].findings = &mcp;
	runs[2].nfindings = 1;
	runs[3].ref = "refs/heads/dev";
	runs[3].waivers = &skip;
	runs[3].nwaivers = 1;
	runs[4].author = NULL;
	assert_int_equal(cg_audit_open(&a, s->db), 0);
	assert_int_equal(cg_audit_record(a, runs, 5), 0);

	assert_string_equal(query(a, NULL, &q), "1,2,3,4,5");
	assert_true(q.time_ms == T0 + 4 * 3600000LL);
	f = (cg_audit_filter){ .since_ms = T0 + 3600000LL, .until_ms = T0 + 4 * 3600000LL };
	assert_string_equal(query(a, &f, &q), "2,3,4");
	f = (cg_audit_filter){ .hook = "pre-commit" };
	assert_string_equal(query(a, &f, &q), "2");
	f = (cg_audit_filter){ .verdict = "blocked" };
	assert_string_equal(query(a, &f, &q), "3");
	f = (cg_audit_filter){ .rule = "protect:mcp" };
	assert_string_equal(query(a, &f, &q), "3");
	f = (cg_audit_filter){ .rule = "changelog" };
	assert_string_equal(query(a, &f, &q), "4");
	f = (cg_audit_filter){ .author = "alice@" };
	assert_string_equal(query(a, &f, &q), "2");
	f = (cg_audit_filter){ .author = "bob@", .since_ms = T0 + 1 };
	assert_string_equal(query(a, &f, &q), "3,4");
	f = (cg_audit_filter){ .ref = "refs/heads/dev", .verdict = "waived" };
	assert_string_equal(query(a, &f, &q), "4");
	f = (cg_audit_filter){ .ref = "refs/heads/dev", .verdict = "blocked" };
	assert_string_equal(query(a, &f, &q), "");
	/* a quote in a value is data, not SQL */
	f = (cg_audit_filter){ .hook = "x' OR '1'='1" };
	assert_string_equal(query(a, &f, &q), "");
	cg_audit_close(a);
}

/* The canonical encoding is a contract with auditors: pin it. */
static void test_hash_encoding(void **state)
{
	scratch *s = *state;
	cg_audit_finding finding = { "changelog", NULL, "" };
	cg_audit_run run = { 0 };
	char expected[CG_SHA256_HEX_LEN + 1], stored[128];
	cg_buf b = CG_BUF_INIT;

	run.time_ms = T0;
	run.hook = "commit-msg";
	run.ref = "";
	run.verdict = "allowed";
	run.findings = &finding;
	run.nfindings = 1;
	run.duration_us = 7;
	write_ok(s->db, &run, 1);
	cg_buf_puts(&b, "cg-audit-v3\n"
	            "64:0000000000000000000000000000000000000000000000000000000000000000\n"
	            "1:1\n24:2026-11-24T03:00:00.123Z\n10:commit-msg\n"
	            "-\n0:\n-\n-\n-\n-\n-\n-\n" /* repository ref old new commit author committer pusher */
	            "7:allowed\n-\n");
	cg_buf_printf(&b, "%zu:%s\n", strlen(CG_VERSION), CG_VERSION);
	/* duration; one finding (rule, path, detail, commit); no waivers,
	 * commits, refs or push options */
	cg_buf_puts(&b, "1:7\n1:1\n9:changelog\n-\n0:\n-\n1:0\n1:0\n1:0\n1:0\n");
	cg_hash_sha256_hex(expected, b.ptr, b.size);
	cg_buf_dispose(&b);
	assert_string_equal(sql_text(stored, sizeof(stored), s->db,
	                             "SELECT hash FROM runs WHERE id = 1"), expected);
}

/*
 * Tampering, through a second connection.
 */

/* A push: one run with the commits it brought, its refs and options. */
static const cg_audit_commit push_commits[] = {
	{ "c1", "allowed", "refs/heads/main", "Ann <ann@example.com>", "Ann <ann@example.com>" },
	{ "c2", "blocked", "refs/heads/main", "Dan <dan@example.com>", "Dan <dan@example.com>" },
	{ "c3", "waived", "refs/heads/dev", "Eve <eve@example.com>", "Eve <eve@example.com>" },
};
static const cg_audit_ref push_refs[] = {
	{ "refs/heads/main", "1111111111111111111111111111111111111111",
	  "2222222222222222222222222222222222222222", "accepted" },
	{ "refs/heads/dev", "0000000000000000000000000000000000000000",
	  "3333333333333333333333333333333333333333", "accepted" },
};
static const cg_audit_push_option push_opts[] = { { "changeguard.skip=typo" }, { "ci.skip" } };
static const cg_audit_finding push_findings[] = {
	{ "changelog", "CHANGELOG.md", "no new entry", "c2" },
};
static const cg_audit_waiver push_waivers[] = {
	{ "protect:mcp", "trailer", "Approved-By", ".mcp.json", "Alice <alice@example.com>", "c3" },
};

static cg_audit_run push_run(void)
{
	cg_audit_run run = { 0 };

	run.time_ms = T0;
	run.hook = "pre-receive";
	run.repository = "/srv/git/repo.git";
	run.pusher = "carol";
	run.verdict = "blocked";
	run.findings = push_findings;
	run.nfindings = 1;
	run.waivers = push_waivers;
	run.nwaivers = 1;
	run.commits = push_commits;
	run.ncommits = 3;
	run.refs = push_refs;
	run.nrefs = 2;
	run.push_options = push_opts;
	run.npush_options = 2;
	run.duration_us = 99;
	return run;
}

static int collect_push(const cg_audit_entry *e, void *payload)
{
	char *out = payload;
	size_t i, len;

	for (i = 0; i < e->run.ncommits; i++) {
		len = strlen(out);
		snprintf(out + len, 256 - len, "%s%s=%s", len ? "," : "", e->run.commits[i].commit,
		         e->run.commits[i].verdict);
	}
	assert_int_equal(e->hash_version, 3);
	return 0;
}

static int collect_item(const cg_audit_item *item, void *payload)
{
	char *out = payload;
	size_t len = strlen(out);

	assert_non_null(item->commit);
	snprintf(out + len, 256 - len, "%s%s:%s:%s", len ? "," : "",
	         item->finding ? item->finding->commit : item->waiver->commit,
	         item->commit->author, item->commit->verdict);
	return 0;
}

static void test_push_run(void **state)
{
	scratch *s = *state;
	cg_audit_run run = push_run();
	cg_audit_filter f = { 0 };
	collected c = { .n = 0 };
	char seen[256] = "";
	cg_json *line;
	cg_audit *a;

	write_ok(s->db, &run, 1);
	assert_int_equal(sql_int(s->db, "SELECT count(*) FROM runs"), 1);
	assert_int_equal(sql_int(s->db, "SELECT count(*) FROM push_commits"), 3);
	assert_int_equal(sql_int(s->db, "SELECT count(*) FROM push_refs"), 2);
	assert_int_equal(sql_int(s->db, "SELECT count(*) FROM push_options"), 2);
	assert_int_equal(sql_int(s->db, "SELECT hash_version FROM runs"), 3);
	assert_intact(s->db, 1);

	assert_int_equal(cg_audit_open_readonly(&a, s->db), 0);
	assert_int_equal(cg_audit_query(a, NULL, collect_push, seen), 0);
	assert_string_equal(seen, "c1=allowed,c2=blocked,c3=waived");
	/* a pushed commit's author and a pushed ref select the push */
	seen[0] = '\0';
	f.author = "dan@";
	assert_int_equal(cg_audit_query(a, &f, collect_push, seen), 0);
	assert_string_equal(seen, "c1=allowed,c2=blocked,c3=waived");
	seen[0] = '\0';
	f = (cg_audit_filter){ .ref = "refs/heads/dev" };
	assert_int_equal(cg_audit_query(a, &f, collect_push, seen), 0);
	assert_string_equal(seen, "c1=allowed,c2=blocked,c3=waived");
	seen[0] = '\0';
	f = (cg_audit_filter){ .author = "zed@" };
	assert_int_equal(cg_audit_query(a, &f, collect_push, seen), 0);
	assert_string_equal(seen, "");
	/* a finding or waiver comes with the commit it is about */
	assert_int_equal(cg_audit_items(a, NULL, CG_AUDIT_ITEMS_PROTECTED, 0, collect_item, seen), 0);
	assert_string_equal(seen, "c3:Eve <eve@example.com>:waived");
	assert_int_equal(export_lines(a, &c), 0);
	cg_audit_close(a);

	assert_int_equal(c.n, 1);
	assert_int_equal(cg_json_parse(&line, c.lines[0], strlen(c.lines[0])), 0);
	assert_int_equal(cg_json_size(cg_json_get(line, "commits")), 3);
	assert_string_equal(member(cg_json_at(cg_json_get(line, "commits"), 1), "verdict"), "blocked");
	assert_string_equal(member(cg_json_at(cg_json_get(line, "refs"), 1), "ref"), "refs/heads/dev");
	assert_string_equal(member(cg_json_at(cg_json_get(line, "push_options"), 0), "value"),
	                    "changeguard.skip=typo");
	assert_string_equal(member(cg_json_at(cg_json_get(line, "findings"), 0), "commit"), "c2");
	cg_json_free(line);
}

/* A commit's verdict and which commit a finding is about are in the hash. */
static void test_verify_edited_push(void **state)
{
	scratch *s = *state;
	cg_audit_run run = push_run();

	write_numbered(s->db, 1, 2);
	write_ok(s->db, &run, 1);
	write_numbered(s->db, 4, 1);
	assert_intact(s->db, 4);
	sql(s->db, "UPDATE push_commits SET verdict = 'allowed' WHERE run_id = 3 AND seq = 2");
	assert_broken_at(s->db, 3, 2, "content does not match its hash");
	sql(s->db, "UPDATE push_commits SET verdict = 'blocked' WHERE run_id = 3 AND seq = 2");
	assert_intact(s->db, 4);
	sql(s->db, "UPDATE findings SET commit_oid = 'c1' WHERE run_id = 3");
	assert_broken_at(s->db, 3, 2, "content does not match its hash");
	sql(s->db, "UPDATE findings SET commit_oid = 'c2' WHERE run_id = 3;"
	    " DELETE FROM push_options WHERE run_id = 3 AND seq = 2");
	assert_broken_at(s->db, 3, 2, "content does not match its hash");
}

/* Run `id` and its findings and waivers, gone, as by hand. */
static void delete_run(const char *db, int id)
{
	sql(db, "DELETE FROM findings WHERE run_id = %d; DELETE FROM waivers WHERE run_id = %d;"
	    " DELETE FROM runs WHERE id = %d", id, id, id);
}

/* Whether a ref moved is in the chain (hash version 3). */
static void test_verify_edited_outcome(void **state)
{
	scratch *s = *state;
	cg_audit_run run = push_run();

	write_ok(s->db, &run, 1);
	assert_int_equal(sql_int(s->db, "SELECT count(*) FROM push_refs WHERE outcome = 'accepted'"), 2);
	sql(s->db, "UPDATE push_refs SET outcome = 'refused' WHERE run_id = 1 AND seq = 1");
	assert_broken_at(s->db, 1, 0, "content does not match its hash");
}

/* Deleting the newest run leaves a valid chain; the summaries still count
 * it, and verify says runs may have been deleted, never that the runs are
 * intact, and suggests no rebuild, which would erase the trace. */
static void test_verify_deleted_newest(void **state)
{
	scratch *s = *state;

	write_numbered(s->db, 1, 5);
	delete_run(s->db, 5);
	assert_broken_at(s->db, 5, 4, "run 5 is in the report summaries but not among the runs: "
	                 "runs may have been deleted");
	if (strstr(cg_error_last(), "intact") || strstr(cg_error_last(), "DELETE FROM"))
		fail_msg("claims intact or suggests a rebuild: %s", cg_error_last());
	sql(s->db, "DELETE FROM keyed_runs WHERE run_id = 5");
	assert_broken_at(s->db, 0, 4, "the report summaries count 1 run more than the database "
	                 "holds: runs may have been deleted");
	if (strstr(cg_error_last(), "DELETE FROM"))
		fail_msg("suggests a rebuild: %s", cg_error_last());
}

/* A database of schema version 1, as changeguard wrote it before runs had
 * commits: migrated on the next write, its run still verifies under the
 * version 1 encoding, chained to the new runs. */
static void test_migrate_v1_keeps_verifying(void **state)
{
	scratch *s = *state;
	cg_audit_run run = push_run();
	char hash[CG_SHA256_HEX_LEN + 1], text[128];
	cg_buf b = CG_BUF_INIT;
	char db[400];

	cg_buf_puts(&b, "cg-audit-v1\n"
	            "64:0000000000000000000000000000000000000000000000000000000000000000\n"
	            "1:1\n24:2026-11-24T03:00:00.123Z\n10:commit-msg\n"
	            "-\n0:\n-\n-\n-\n-\n-\n-\n7:allowed\n-\n5:0.0.1\n"
	            "1:7\n1:1\n9:changelog\n-\n0:\n1:0\n");
	cg_hash_sha256_hex(hash, b.ptr, b.size);
	cg_buf_dispose(&b);
	snprintf(db, sizeof(db), "%s/audit.db", s->dir);
	sql(db, "CREATE TABLE runs (id INTEGER PRIMARY KEY, time TEXT NOT NULL,"
	    " hook TEXT NOT NULL, repository TEXT, ref TEXT, old_oid TEXT, new_oid TEXT,"
	    " commit_oid TEXT, author TEXT, committer TEXT, pusher TEXT, verdict TEXT NOT NULL,"
	    " policy_sha256 TEXT, tool_version TEXT NOT NULL, duration_us INTEGER NOT NULL,"
	    " prev_hash TEXT NOT NULL, hash TEXT NOT NULL);"
	    "CREATE TABLE findings (run_id INTEGER NOT NULL, seq INTEGER NOT NULL,"
	    " rule TEXT NOT NULL, path TEXT, detail TEXT, PRIMARY KEY (run_id, seq)) WITHOUT ROWID;"
	    "CREATE TABLE waivers (run_id INTEGER NOT NULL, seq INTEGER NOT NULL,"
	    " rule TEXT NOT NULL, source TEXT NOT NULL, name TEXT, reason TEXT, authorizer TEXT,"
	    " PRIMARY KEY (run_id, seq)) WITHOUT ROWID;"
	    "CREATE TABLE fallback_imports (fallback_id TEXT PRIMARY KEY,"
	    " run_id INTEGER NOT NULL) WITHOUT ROWID;"
	    "INSERT INTO runs VALUES (1, '2026-11-24T03:00:00.123Z', 'commit-msg', NULL, '',"
	    " NULL, NULL, NULL, NULL, NULL, NULL, 'allowed', NULL, '0.0.1', 7, '%s', '%s');"
	    "INSERT INTO findings VALUES (1, 1, 'changelog', NULL, '');"
	    "PRAGMA user_version = 1", "0000000000000000000000000000000000000000000000000000000000000000", hash);
	write_ok(db, &run, 1);
	assert_schema_current(db);
	assert_string_equal(sql_text(text, sizeof(text), db,
	                             "SELECT group_concat(hash_version) FROM runs ORDER BY id"), "1,3");
	assert_intact(db, 2);
	sql(db, "UPDATE findings SET detail = 'x' WHERE run_id = 1");
	assert_broken_at(db, 1, 0, "content does not match its hash");
}

static void test_verify_edited_run(void **state)
{
	scratch *s = *state;

	write_numbered(s->db, 1, 10);
	assert_intact(s->db, 10);
	sql(s->db, "UPDATE runs SET author = 'Mallory <m@example.com>' WHERE id = 4");
	assert_broken_at(s->db, 4, 3, "content does not match its hash");
}

static void test_verify_edited_finding(void **state)
{
	scratch *s = *state;

	write_numbered(s->db, 1, 10);
	sql(s->db, "UPDATE findings SET detail = 'nothing to see' WHERE run_id = 6 AND seq = 2");
	assert_broken_at(s->db, 6, 5, "content does not match its hash");
}

static void test_verify_deleted_run(void **state)
{
	scratch *s = *state;

	write_numbered(s->db, 1, 10);
	delete_run(s->db, 5);
	assert_broken_at(s->db, 6, 4, "prev_hash is not the hash of the run before it");
}

static void test_verify_deleted_first_run(void **state)
{
	scratch *s = *state;

	write_numbered(s->db, 1, 3);
	sql(s->db, "DELETE FROM runs WHERE id = 1");
	assert_broken_at(s->db, 2, 0, "prev_hash");
}

static void test_verify_swapped_runs(void **state)
{
	scratch *s = *state;

	write_numbered(s->db, 1, 10);
	/* every column but the id, and the children with them */
	sql(s->db, "UPDATE runs SET id = -1 WHERE id = 3; UPDATE runs SET id = 3 WHERE id = 7;"
	    " UPDATE runs SET id = 7 WHERE id = -1;"
	    " UPDATE findings SET run_id = -1 WHERE run_id = 3;"
	    " UPDATE findings SET run_id = 3 WHERE run_id = 7;"
	    " UPDATE findings SET run_id = 7 WHERE run_id = -1");
	assert_broken_at(s->db, 3, 2, "prev_hash");
}

/* The report tables are not in the chain; verify recomputes them, and the
 * rebuild its message gives restores them. */
static void test_verify_edited_summaries(void **state)
{
	scratch *s = *state;

	write_numbered(s->db, 1, 10);
	sql(s->db, "UPDATE run_keys SET verdict = 'allowed'");
	assert_broken_at(s->db, 1, 10, "run 1: its report summary does not match it");
	sql(s->db, "UPDATE run_keys SET verdict = 'waived'");
	assert_intact(s->db, 10);

	sql(s->db, "DELETE FROM keyed_runs WHERE run_id = 4");
	assert_broken_at(s->db, 4, 10, "run 4: its report summary");
	sql(s->db, "DELETE FROM daily; DELETE FROM keyed_runs; DELETE FROM run_keys");
	write_numbered(s->db, 11, 1);
	assert_intact(s->db, 11);
	assert_int_equal(sql_int(s->db, "SELECT sum(runs) FROM daily WHERE rule = ''"), 11);

	sql(s->db, "UPDATE daily SET waivers = waivers + 1 WHERE rule = 'changelog'");
	assert_broken_at(s->db, 0, 11, "the report counts of 2026-11-24 do not match its runs");
	if (!strstr(cg_error_last(), "DELETE FROM daily; DELETE FROM keyed_runs; DELETE FROM run_keys") ||
	    !strstr(cg_error_last(), ".evidence'"))
		fail_msg("no rebuild hint keeping the evidence: %s", cg_error_last());
}

/* A value written by hand as a BLOB is indexed as text, rather than
 * failing every later record. */
static void test_blob_still_indexed(void **state)
{
	scratch *s = *state;

	write_numbered(s->db, 1, 2);
	sql(s->db, "UPDATE runs SET author = CAST('Bob' AS BLOB) WHERE id = 1;"
	    " BEGIN; DELETE FROM daily; DELETE FROM keyed_runs; DELETE FROM run_keys; COMMIT");
	write_numbered(s->db, 3, 1);
	assert_int_equal(sql_int(s->db, "SELECT count(*) FROM keyed_runs"), 3);
	assert_broken_at(s->db, 1, 0, "content does not match its hash");
}

static void test_readonly(void **state)
{
	scratch *s = *state;
	cg_audit_run run = sample_run(T0, "c");
	collected c = { .n = 0 };
	cg_audit *a = (cg_audit *)&a;

	assert_int_equal(cg_audit_open_readonly(&a, s->db), CG_ENOTFOUND);
	assert_null(a);
	write_ok(s->db, &run, 1);
	assert_int_equal(cg_audit_open_readonly(&a, s->db), 0);
	assert_int_equal(cg_audit_record(a, &run, 1), CG_ERROR);
	assert_non_null(strstr(cg_error_last(), "read-only"));
	assert_int_equal(export_lines(a, &c), 0);
	assert_int_equal(c.n, 1);
	cg_audit_close(a);
	assert_int_equal(sql_int(s->db, "SELECT count(*) FROM runs"), 1);
}

static void test_invalid_runs_refused(void **state)
{
	scratch *s = *state;
	cg_audit_finding no_rule = { NULL, "p", "d" };
	cg_audit_waiver no_source = { "changelog", NULL, "Changelog-Skip", "why", NULL };
	cg_audit_waiver empty_rule = { "", "trailer", "Changelog-Skip", "why", NULL };
	cg_audit_run runs[5];
	int fell_back, i;

	for (i = 0; i < 5; i++)
		runs[i] = sample_run(T0, "c");
	runs[0].verdict = "maybe";
	runs[1].hook = NULL;
	runs[2].findings = &no_rule;
	runs[2].nfindings = 1;
	runs[3].waivers = &no_source;
	runs[3].nwaivers = 1;
	runs[4].waivers = &empty_rule;
	runs[4].nwaivers = 1;
	for (i = 0; i < 5; i++) {
		fell_back = -1;
		assert_int_equal(cg_audit_write(s->db, &runs[i], 1, &fell_back), CG_ERROR);
		assert_int_equal(fell_back, 0);
		assert_non_null(strstr(cg_error_last(), "invalid audit run"));
	}
	/* nothing was written anywhere, not even the directory */
	assert_int_equal(access(s->fallback, F_OK), -1);
	assert_int_equal(access(s->db, F_OK), -1);
}

/*
 * Failures and the fallback file.
 */

/* Count of lines, each a complete JSON line. */
static size_t fallback_lines(const char *path)
{
	char *data;
	size_t n = 0, i;

	if (access(path, F_OK) < 0)
		return 0;
	data = slurp(path);
	for (i = 0; data[i]; i++)
		n += data[i] == '\n';
	free(data);
	return n;
}

/* Makes the database unwritable: read-only permissions where they bind, a
 * directory in its place where they do not (root). Returns what to undo. */
static int make_unwritable(scratch *s, char *aside, size_t size)
{
	int fd;

	snprintf(aside, size, "%s.aside", s->db);
	assert_int_equal(chmod(s->db, 0444), 0);
	if ((fd = open(s->db, O_WRONLY)) < 0)
		return 0;
	close(fd);
	assert_int_equal(chmod(s->db, 0644), 0);
	assert_int_equal(rename(s->db, aside), 0);
	assert_int_equal(mkdir(s->db, 0755), 0);
	return 1;
}

static void make_writable_again(scratch *s, const char *aside, int moved)
{
	if (moved) {
		assert_int_equal(rmdir(s->db), 0);
		assert_int_equal(rename(aside, s->db), 0);
	} else {
		/* as an administrator would: SQLite gave the -wal and -shm files
		 * the database's read-only mode */
		static const char *const suffixes[] = { "", "-wal", "-shm" };
		char path[400];
		size_t i;

		for (i = 0; i < 3; i++) {
			snprintf(path, sizeof(path), "%s%s", s->db, suffixes[i]);
			assert_true(chmod(path, 0644) == 0 || errno == ENOENT);
		}
	}
}

/* A reader over a run's own arrays, as the pre-receive hook's reads a
 * push's commits from its record file; from the `grow_at`-th reading of
 * the commits on (0: never), one commit more, as a reader whose items
 * change between readings. */
typedef struct {
	cg_audit_run arrays;
	int readings, grow_at;
} array_reader;

static int read_arrays(void *self, cg_audit_kind kind, cg_audit_item_fn fn, void *payload)
{
	array_reader *r = self;
	const cg_audit_commit extra = { "c0", "allowed", "refs/heads/main", "Zed <z@example.com>",
	                                "Zed <z@example.com>" };
	int error = cg_audit_run_each(&r->arrays, kind, fn, payload);

	if (error == 0 && kind == CG_AUDIT_COMMITS && r->grow_at && ++r->readings >= r->grow_at)
		error = fn(&extra, payload);
	return error;
}

/* A push of `n` commits, with long identities, so that its encoding and
 * its fallback line span several blocks. */
static cg_audit_commit *many_commits(size_t n)
{
	cg_audit_commit *c = calloc(n, sizeof(*c));
	char text[200];
	size_t i;

	for (i = 0; i < n; i++) {
		snprintf(text, sizeof(text), "%040zx", i);
		c[i].commit = strdup(text);
		c[i].verdict = i % 7 ? "allowed" : "blocked";
		c[i].ref = "refs/heads/main";
		snprintf(text, sizeof(text), "Author Number %zu With A Long Name <author-%zu@example.com>",
		         i % 97, i % 97);
		c[i].author = c[i].committer = strdup(text);
	}
	return c;
}

static void free_commits(cg_audit_commit *c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free((char *)c[i].commit);
		free((char *)c[i].author);
	}
	free(c);
}

static void hash_of_first(char out[65], const char *db)
{
	sql_text(out, 65, db, "SELECT hash FROM runs WHERE id = 1");
}

/* A run read through a reader is stored, hashed and spooled exactly as
 * the same run from arrays; a reader whose items change fails the run. */
static void test_reader_run(void **state)
{
	static const struct {
		const char *name;
		size_t ncommits;  /* 0: push_run()'s three */
		int grow_at;
	} cases[] = {
		{ "a push's items", 0, 0 },
		{ "a push longer than a block", 3000, 0 },
		{ "items that change between readings", 0, 2 },
	};
	scratch *s = *state;
	char arrays_db[400], reader_db[400], want[65], got[65], aside[400];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		cg_audit_run run = push_run(), other = sample_run(T0 + 1000, "after");
		cg_audit_commit *commits = NULL;
		array_reader r = { .grow_at = cases[i].grow_at };
		cg_audit_reader reader = { read_arrays, &r };
		int fell_back = -1, moved;
		cg_audit *a;

		if (cases[i].ncommits) {
			run.commits = commits = many_commits(cases[i].ncommits);
			run.ncommits = cases[i].ncommits;
		}
		r.arrays = run;
		snprintf(arrays_db, sizeof(arrays_db), "%s/arrays-%zu.db", s->dir, i);
		snprintf(reader_db, sizeof(reader_db), "%s/reader-%zu.db", s->dir, i);
		write_ok(arrays_db, &run, 1);
		hash_of_first(want, arrays_db);
		run = (cg_audit_run){ .time_ms = T0, .hook = "pre-receive",
		                      .repository = "/srv/git/repo.git", .pusher = "carol",
		                      .verdict = "blocked", .duration_us = 99, .reader = &reader };
		if (cases[i].grow_at) {
			assert_int_equal(cg_audit_write(reader_db, &run, 1, &fell_back), CG_ERROR);
			if (!strstr(cg_error_last(), "commits changed while it was recorded"))
				fail_msg("%s: %s", cases[i].name, cg_error_last());
			assert_int_equal(sql_int(reader_db, "SELECT count(*) FROM runs"), 0);
			free_commits(commits, cases[i].ncommits);
			continue;
		}
		write_ok(reader_db, &run, 1);
		hash_of_first(got, reader_db);
		if (strcmp(want, got))
			fail_msg("%s: hash %s from a reader, %s from arrays", cases[i].name, got, want);
		assert_intact(reader_db, 1);

		/* the fallback file's line, imported, is the same run */
		assert_int_equal(cg_audit_open(&a, s->db), 0);
		cg_audit_close(a);
		moved = make_unwritable(s, aside, sizeof(aside));
		write_falls_back(s->db, &run, s->db);
		make_writable_again(s, aside, moved);
		write_ok(s->db, &other, 1);
		hash_of_first(got, s->db);
		if (strcmp(want, got))
			fail_msg("%s: hash %s through the fallback file, %s from arrays", cases[i].name,
			         got, want);
		free_commits(commits, cases[i].ncommits);
		assert_int_equal(remove(s->db), 0);
	}
}

static void test_unwritable_falls_back_then_imports(void **state)
{
	scratch *s = *state;
	cg_audit_run run = sample_run(T0, "first");
	char aside[400], text[64];
	int64_t before, after, ms;
	int moved;

	write_ok(s->db, &run, 1);
	moved = make_unwritable(s, aside, sizeof(aside));
	run = sample_run(0, "fell-back");
	before = cg_timestamp_now_ms();
	write_falls_back(s->db, &run, s->db);
	after = cg_timestamp_now_ms();
	assert_int_equal(fallback_lines(s->fallback), 1);
	write_falls_back(s->db, &run, s->db);
	assert_int_equal(fallback_lines(s->fallback), 2);

	make_writable_again(s, aside, moved);
	run = sample_run(T0 + 5000, "after");
	write_ok(s->db, &run, 1);
	assert_int_equal(file_size(s->fallback), 0);
	assert_int_equal(sql_int(s->db, "SELECT count(*) FROM runs"), 4);
	assert_string_equal(sql_text(text, sizeof(text), s->db,
	                             "SELECT group_concat(commit_oid) FROM runs ORDER BY id"),
	                    "first,fell-back,fell-back,after");
	/* the fallen-back run keeps the time it was made, not the import's */
	sql_text(text, sizeof(text), s->db, "SELECT time FROM runs WHERE id = 2");
	assert_int_equal(cg_timestamp_parse(text, strlen(text), &ms), CG_TS_OK);
	assert_true(ms >= before - 1 && ms <= after);
	assert_int_equal(sql_int(s->db, "SELECT count(*) FROM findings WHERE run_id = 2"), 2);
	assert_intact(s->db, 4);
	assert_int_equal(access(s->fallback, W_OK), 0);
}

static void test_fallback_fails_too(void **state)
{
	scratch *s = *state;
	cg_audit_run run = sample_run(T0, "lost");
	char file[300], db[400];
	int fell_back = -1;

	/* a path below a regular file defeats root as well */
	snprintf(file, sizeof(file), "%s/file", s->dir);
	spew(file, "w", "x", 1);
	snprintf(db, sizeof(db), "%s/audit.db", file);
	assert_int_equal(cg_audit_write(db, &run, 1, &fell_back), CG_ERROR);
	assert_int_equal(fell_back, 0);
	assert_non_null(strstr(cg_error_last(), "cannot create directory"));
	assert_non_null(strstr(cg_error_last(), "the fallback failed too"));
}

static void test_readonly_directory(void **state)
{
	scratch *s = *state;
	cg_audit_run run = sample_run(T0, "c");
	char probe[400];
	int fd, fell_back = -1;

	snprintf(probe, sizeof(probe), "%s/probe", s->dir);
	assert_int_equal(chmod(s->dir, 0555), 0);
	if ((fd = open(probe, O_WRONLY | O_CREAT, 0644)) >= 0) {
		close(fd);
		skip(); /* root: covered by the two tests above */
	}
	assert_int_equal(cg_audit_write(s->db, &run, 1, &fell_back), CG_ERROR);
	assert_int_equal(fell_back, 0);
	assert_non_null(strstr(cg_error_last(), "the fallback failed too"));
	assert_int_equal(chmod(s->dir, 0755), 0);
	write_ok(s->db, &run, 1);
	assert_intact(s->db, 1);
}

static void test_corrupt_database(void **state)
{
	scratch *s = *state;
	cg_audit_run run = sample_run(T0, "c");
	char garbage[8192], aside[400];

	write_numbered(s->db, 1, 2);
	memset(garbage, 'x', sizeof(garbage));
	spew(s->db, "wb", garbage, sizeof(garbage));
	write_falls_back(s->db, &run, "file is not a database");
	assert_int_equal(fallback_lines(s->fallback), 1);

	/* what an administrator does: move the damaged file aside */
	snprintf(aside, sizeof(aside), "%s.corrupt", s->db);
	assert_int_equal(rename(s->db, aside), 0);
	write_numbered(s->db, 3, 1);
	assert_int_equal(sql_int(s->db, "SELECT count(*) FROM runs"), 2);
	assert_int_equal(file_size(s->fallback), 0);
	assert_intact(s->db, 2);
}

static void test_locked_beyond_timeout(void **state)
{
	scratch *s = *state;
	cg_audit_run run = sample_run(T0, "c");
	sqlite3 *h;

	write_numbered(s->db, 1, 1);
	cg_audit__set_busy_timeout(200);
	assert_int_equal(sqlite3_open(s->db, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	write_falls_back(s->db, &run, "database is locked");
	assert_int_equal(sqlite3_exec(h, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
	write_numbered(s->db, 2, 1);
	assert_int_equal(sql_int(s->db, "SELECT count(*) FROM runs"), 3);
	assert_intact(s->db, 3);
}

static void make_db_dir(scratch *s)
{
	char dir[400];

	snprintf(dir, sizeof(dir), "%s/repo.git", s->dir);
	assert_int_equal(mkdir(dir, 0755), 0);
	snprintf(dir, sizeof(dir), "%s/repo.git/changeguard", s->dir);
	assert_int_equal(mkdir(dir, 0755), 0);
}

/* A directory where the database belongs: every write falls back. */
static void block(scratch *s)
{
	make_db_dir(s);
	assert_int_equal(mkdir(s->db, 0755), 0);
}

static void test_malformed_lines_rejected(void **state)
{
	scratch *s = *state;
	cg_audit_run run = sample_run(T0, "a");
	char rejected[400], text[64], *kept;

	block(s);
	write_falls_back(s->db, &run, "unable to open");
	spew(s->fallback, "a", "not json\n\n{\"fallback_id\":\"x\"}\n", 30); /* blank line skipped */
	run.commit = "b";
	write_falls_back(s->db, &run, "unable to open");
	/* a line cut short by a full disk: the next append must not extend it */
	spew(s->fallback, "a", "{\"fallback_id\":\"cut", 19);
	run.commit = "c";
	write_falls_back(s->db, &run, "unable to open");
	assert_int_equal(rmdir(s->db), 0);

	run.commit = "d";
	write_ok(s->db, &run, 1);
	assert_string_equal(sql_text(text, sizeof(text), s->db,
	                             "SELECT group_concat(commit_oid) FROM runs ORDER BY id"),
	                    "a,b,c,d");
	assert_int_equal(file_size(s->fallback), 0);
	snprintf(rejected, sizeof(rejected), "%s.rejected", s->fallback);
	kept = slurp(rejected);
	assert_string_equal(kept, "not json\n{\"fallback_id\":\"x\"}\n{\"fallback_id\":\"cut\n");
	free(kept);
	assert_intact(s->db, 4);
}

/* A crash after the import's commit but before the file is emptied leaves
 * the lines in place; the next run must not import them again. */
static void test_fallback_imported_once(void **state)
{
	scratch *s = *state;
	cg_audit_run run = sample_run(T0, "a");
	char *saved;

	block(s);
	write_falls_back(s->db, &run, "unable to open");
	run.commit = "b";
	write_falls_back(s->db, &run, "unable to open");
	saved = slurp(s->fallback);
	assert_int_equal(rmdir(s->db), 0);
	write_numbered(s->db, 1, 1);
	assert_int_equal(sql_int(s->db, "SELECT count(*) FROM runs"), 3);
	spew(s->fallback, "w", saved, strlen(saved));
	free(saved);
	write_numbered(s->db, 2, 1);
	assert_int_equal(sql_int(s->db, "SELECT count(*) FROM runs"), 4);
	assert_int_equal(sql_int(s->db, "SELECT count(*) FROM fallback_imports"), 2);
	assert_int_equal(file_size(s->fallback), 0);
	assert_intact(s->db, 4);
}

/*
 * Schema versions.
 */

static void assert_schema_current(const char *db)
{
	assert_int_equal(sql_int(db, "PRAGMA user_version"), 4);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
	                         " AND name IN ('runs', 'findings', 'waivers', 'fallback_imports',"
	                         " 'push_commits', 'push_refs', 'push_options', 'run_keys',"
	                         " 'keyed_runs', 'daily')"), 10);
	/* the report tables hold every run */
	assert_int_equal(sql_int(db, "SELECT count(*) FROM keyed_runs"),
	                 sql_int(db, "SELECT count(*) FROM runs"));
}

static void test_migrate_empty_file(void **state)
{
	scratch *s = *state;
	cg_audit *a;
	char db[400];

	snprintf(db, sizeof(db), "%s/audit.db", s->dir);
	spew(db, "w", "", 0);
	assert_int_equal(cg_audit_open_readonly(&a, db), CG_ERROR);
	assert_non_null(strstr(cg_error_last(), "schema version 0"));
	assert_int_equal(cg_audit_open(&a, db), 0);
	cg_audit_close(a);
	assert_schema_current(db);
	write_numbered(db, 1, 2);
	assert_intact(db, 2);
}

static void test_migrate_v0_database(void **state)
{
	scratch *s = *state;
	char db[400];

	snprintf(db, sizeof(db), "%s/audit.db", s->dir);
	sql(db, "CREATE TABLE notes (x); INSERT INTO notes VALUES ('kept')");
	write_numbered(db, 1, 1);
	assert_schema_current(db);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM notes"), 1);
	assert_intact(db, 1);
}

static void test_newer_schema_refused(void **state)
{
	scratch *s = *state;
	cg_audit_run run = sample_run(T0, "c");
	cg_audit *a;

	write_numbered(s->db, 1, 1);
	sql(s->db, "PRAGMA user_version = 99");
	assert_int_equal(cg_audit_open(&a, s->db), CG_ERROR);
	assert_non_null(strstr(cg_error_last(), "schema version 99"));
	assert_int_equal(cg_audit_open_readonly(&a, s->db), CG_ERROR);
	write_falls_back(s->db, &run, "schema version 99");
}

/*
 * Concurrency and crashes.
 */

#define WRITERS 8
#define RUNS_EACH 200

#define KILLS 50
#define PLANTED 100

/* PLANTED fallback lines, each a run whose repository is "planted-<i>". */
static char *planted_lines(scratch *s)
{
	cg_audit_run runs[PLANTED];
	char names[PLANTED][32], db[400], fallback[420];
	int i, fell_back;
	char *lines;

	snprintf(db, sizeof(db), "%s/blocked.db", s->dir);
	snprintf(fallback, sizeof(fallback), "%s.fallback.jsonl", db);
	assert_int_equal(mkdir(db, 0755), 0);
	for (i = 0; i < PLANTED; i++) {
		runs[i] = sample_run(0, "planted");
		snprintf(names[i], sizeof(names[i]), "planted-%d", i);
		runs[i].repository = names[i];
	}
	assert_int_equal(cg_audit_write(db, runs, PLANTED, &fell_back), CG_ERROR);
	assert_int_equal(fell_back, 1);
	lines = slurp(fallback);
	assert_int_equal(fallback_lines(fallback), PLANTED);
	return lines;
}


static void writer(const char *db, int id, int count)
{
	char commit[64];
	int i, fell_back;

	for (i = 0; count < 0 || i < count; i++) {
		cg_audit_run run = sample_run(0, commit);

		snprintf(commit, sizeof(commit), "w%d-%d", id, i);
		if (cg_audit_write(db, &run, 1, &fell_back) < 0) {
			fprintf(stderr, "writer %d: %s\n", id, cg_error_last());
			_exit(1);
		}
	}
	_exit(0);
}

/* Eight processes at once, with fallback lines waiting to be imported:
 * no run is lost or doubled, and the chain holds. */
static void test_concurrent_writers(void **state)
{
	scratch *s = *state;
	char *planted = planted_lines(s);
	pid_t pids[WRITERS];
	int i, status;

	make_db_dir(s);
	spew(s->fallback, "w", planted, strlen(planted));
	free(planted);
	for (i = 0; i < WRITERS; i++) {
		assert_true((pids[i] = fork()) >= 0);
		if (pids[i] == 0)
			writer(s->db, i, RUNS_EACH);
	}
	for (i = 0; i < WRITERS; i++) {
		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	assert_int_equal(sql_int(s->db, "SELECT count(DISTINCT commit_oid) FROM runs"
	                         " WHERE commit_oid LIKE 'w%'"), WRITERS * RUNS_EACH);
	assert_int_equal(sql_int(s->db, "SELECT count(DISTINCT repository) FROM runs"
	                         " WHERE repository LIKE 'planted-%'"), PLANTED);
	assert_int_equal(sql_int(s->db, "SELECT count(*) FROM findings"),
	                 2 * (WRITERS * RUNS_EACH + PLANTED));
	assert_intact(s->db, WRITERS * RUNS_EACH + PLANTED);
	assert_int_equal(fallback_lines(s->fallback), 0);
}

static void assert_sound(const char *db)
{
	char text[64];

	assert_string_equal(sql_text(text, sizeof(text), db, "PRAGMA integrity_check"), "ok");
	assert_intact(db, (size_t)sql_int(db, "SELECT count(*) FROM runs"));
}

/* SIGKILL a writer at random points, some while it imports fallback lines:
 * the database stays sound, the chain intact, and every planted line ends up
 * imported exactly once. */
static void test_killed_writer(void **state)
{
	scratch *s = *state;
	char *planted = planted_lines(s), *next = planted, rejected[420];
	unsigned int seed = (unsigned int)time(NULL);
	int i, status;

	print_message("kill test seed %u\n", seed);
	srand(seed);
	write_numbered(s->db, 1, 1);
	for (i = 0; i < KILLS; i++) {
		struct timespec pause = { 0, (rand() % 15000) * 1000L };
		pid_t pid;

		if (i % 5 == 0) {
			char *end = next;
			int lines;

			for (lines = 0; lines < PLANTED / (KILLS / 5) && *end; end++)
				lines += *end == '\n';
			spew(s->fallback, "a", next, (size_t)(end - next));
			next = end;
		}
		assert_true((pid = fork()) >= 0);
		if (pid == 0)
			writer(s->db, i, -1);
		nanosleep(&pause, NULL);
		assert_int_equal(kill(pid, SIGKILL), 0);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		if (!WIFSIGNALED(status))
			fail_msg("writer exited with %d", WEXITSTATUS(status));
		assert_sound(s->db);
	}
	free(planted);
	write_numbered(s->db, 2, 1);
	assert_sound(s->db);
	assert_int_equal(sql_int(s->db, "SELECT count(DISTINCT repository) FROM runs"
	                         " WHERE repository LIKE 'planted-%'"), PLANTED);
	assert_int_equal(sql_int(s->db, "SELECT count(*) FROM runs"
	                         " WHERE repository LIKE 'planted-%'"), PLANTED);
	snprintf(rejected, sizeof(rejected), "%s.rejected", s->fallback);
	assert_int_equal(access(rejected, F_OK), -1);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_escape),
		cmocka_unit_test(test_json_round_trip),
		cmocka_unit_test(test_json_parse),
		cmocka_unit_test(test_json_rejects),
		T(test_sqlite_missing),
		T(test_record_and_export),
		T(test_query_filters),
		T(test_hash_encoding),
		T(test_verify_edited_run),
		T(test_verify_edited_finding),
		T(test_push_run),
		T(test_reader_run),
		T(test_verify_edited_push),
		T(test_verify_edited_outcome),
		T(test_verify_deleted_newest),
		T(test_migrate_v1_keeps_verifying),
		T(test_verify_deleted_run),
		T(test_verify_deleted_first_run),
		T(test_verify_swapped_runs),
		T(test_verify_edited_summaries),
		T(test_blob_still_indexed),
		T(test_readonly),
		T(test_invalid_runs_refused),
		T(test_unwritable_falls_back_then_imports),
		T(test_fallback_fails_too),
		T(test_readonly_directory),
		T(test_corrupt_database),
		T(test_locked_beyond_timeout),
		T(test_malformed_lines_rejected),
		T(test_fallback_imported_once),
		T(test_migrate_empty_file),
		T(test_migrate_v0_database),
		T(test_newer_schema_refused),
		T(test_concurrent_writers),
		T(test_killed_writer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
