/* Unit tests of lib/record.c: results in, runs read back from a real SQLite
 * database through the audit module. */
#define _XOPEN_SOURCE 700
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "scratch_fixture.h"

#include <git2.h>
#include <string.h>

#include "audit.h"
#include "buf.h"
#include "error.h"
#include "policy.h"
#include "record.h"
#include "rules.h"

#define OID_A "1111111111111111111111111111111111111111"
#define OID_B "2222222222222222222222222222222222222222"

static cg_finding missing_entry[] = { { .rule = "changelog", .path = "a.c",
                                         .detail = "no new entry in CHANGELOG.md" } };
static cg_waiver skipped[] = { { .rule = "changelog", .source = "trailer",
                                 .name = "Changelog-Skip", .reason = "typo" } };

static cg_result allowed = { NULL, 0, 0, NULL, 0, 0, CG_VERDICT_ALLOWED };
static cg_result deferred = { missing_entry, 1, 1, NULL, 0, 0, CG_VERDICT_DEFERRED };
static cg_result blocked = { missing_entry, 1, 1, NULL, 0, 0, CG_VERDICT_BLOCKED };
static cg_result waived = { NULL, 0, 0, skipped, 1, 1, CG_VERDICT_WAIVED };

/* One case: what a hook gives the record, and what the audit reads back. */
typedef struct {
	const char *name;
	const char *hook;
	const cg_result *staged;       /* a local hook's; NULL: a push */
	const cg_result *commits[2];   /* a push's, oids OID_A then OID_B */
	int nrefs;                     /* ref updates: refs/heads/main, refs/heads/b */
	const char *pusher;
	const char *failure;
	/* read back */
	const char *verdict;
	const char *commit;            /* the run's own column; NULL when none */
	const char *ref;
	const char *author;
	size_t nfindings, nwaivers, ncommits;
	const char *last_finding_rule;
	const char *last_finding_commit;
} record_case;

static const record_case cases[] = {
	{ "staged, allowed", "pre-commit", &allowed, { 0 }, 0, NULL, NULL,
	  "allowed", "staged", NULL, "Ann <ann@example.com>", 0, 0, 0, NULL, NULL },
	{ "staged, deferred to commit-msg", "pre-commit", &deferred, { 0 }, 0, NULL, NULL,
	  "allowed", "staged", NULL, "Ann <ann@example.com>", 1, 0, 0, "changelog", NULL },
	{ "staged, blocked", "commit-msg", &blocked, { 0 }, 0, NULL, NULL,
	  "blocked", "staged", NULL, "Ann <ann@example.com>", 1, 0, 0, "changelog", NULL },
	{ "staged, waived", "commit-msg", &waived, { 0 }, 0, NULL, NULL,
	  "waived", "staged", NULL, "Ann <ann@example.com>", 0, 1, 0, NULL, NULL },
	{ "staged, failed before a result", "pre-commit", NULL, { 0 }, 0, NULL, "boom",
	  "error", "staged", NULL, "Ann <ann@example.com>", 1, 0, 0, "error", NULL },
	{ "push of one commit on one ref", "pre-receive", NULL, { &waived }, 1, "bob", NULL,
	  "waived", OID_A, "refs/heads/main", "A <a@example.com>", 0, 1, 1, NULL, NULL },
	{ "push of two commits, one blocked", "pre-receive", NULL, { &waived, &blocked }, 2, "", NULL,
	  "blocked", NULL, NULL, NULL, 1, 1, 2, "changelog", OID_B },
	{ "push that failed after a check", "pre-receive", NULL, { &allowed }, 1, "bob", "too slow",
	  "error", OID_A, "refs/heads/main", "A <a@example.com>", 1, 0, 1, "error", NULL },
	{ "push of nothing", "pre-receive", NULL, { 0 }, 1, NULL, NULL,
	  "allowed", NULL, "refs/heads/main", NULL, 0, 0, 0, NULL, NULL },
};

typedef scratch_fixture fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));

	if (!f || scratch_fixture_open(f, "record", 0) < 0)
		return -1;
	setenv("GIT_AUTHOR_NAME", "Ann", 1);
	setenv("GIT_AUTHOR_EMAIL", "ann@example.com", 1);
	setenv("GIT_COMMITTER_NAME", "Cy", 1);
	setenv("GIT_COMMITTER_EMAIL", "cy@example.com", 1);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;

	scratch_fixture_close(f);
	free(f);
	return 0;
}

static const char *const commit_oids[] = { OID_A, OID_B };
static const char *const refs[] = { "refs/heads/main", "refs/heads/b" };

/* The case's commits, as a push hands them over one at a time. */
static int each_commit(void *self, cg_audit_kind kind, cg_record_commit_fn fn, void *payload)
{
	const record_case *c = self;
	size_t i;
	int error = 0;

	(void)kind;
	for (i = 0; error == 0 && i < 2 && c->commits[i]; i++) {
		cg_record_commit commit = { commit_oids[i], refs[0],
		                            i ? "B <b@example.com>" : "A <a@example.com>",
		                            "C <c@example.com>", c->commits[i] };

		error = fn(&commit, payload);
	}
	return error;
}

static cg_record *build(const fixture *f, const record_case *c)
{
	cg_record *rec = cg_record_new(c->hook, f->repo, "/the/repository", f->policy);
	size_t i;

	if (!strcmp(c->hook, "pre-receive")) {
		cg_record_push_commits(rec, each_commit, (void *)c);
		for (i = 0; i < (size_t)c->nrefs; i++)
			cg_record_add_ref(rec, refs[i], OID_A, OID_B);
		cg_record_add_push_option(rec, "ci.skip");
		cg_record_set_pusher(rec, c->pusher);
	} else {
		cg_record_staged(rec, c->staged);
	}
	if (c->failure)
		cg_record_fail(rec, c->failure);
	return rec;
}

static void assert_str(const char *want, const char *got, const char *what, const char *name)
{
	if (want ? !got || strcmp(want, got) : got != NULL)
		fail_msg("%s: %s: want '%s', got '%s'", name, what, want ? want : "(null)",
		         got ? got : "(null)");
}

static int check_entry(const cg_audit_entry *e, void *payload)
{
	const record_case *c = payload;
	const cg_audit_run *run = &e->run;

	assert_str(c->hook, run->hook, "hook", c->name);
	assert_str("/the/repository", run->repository, "repository", c->name);
	assert_str(c->verdict, run->verdict, "verdict", c->name);
	assert_str(c->commit, run->commit, "commit", c->name);
	assert_str(c->ref, run->ref, "ref", c->name);
	assert_str(c->author, run->author, "author", c->name);
	assert_str(c->pusher && c->pusher[0] ? c->pusher : NULL, run->pusher, "pusher", c->name);
	assert_int_equal(run->nfindings, c->nfindings);
	assert_int_equal(run->nwaivers, c->nwaivers);
	assert_int_equal(run->ncommits, c->ncommits);
	assert_int_equal(run->nrefs, (size_t)c->nrefs);
	assert_int_equal(run->npush_options, c->staged || !strcmp(c->hook, "commit-msg") ||
	                 !strcmp(c->hook, "pre-commit") ? 0 : 1);
	assert_int_equal(run->duration_us, 1234);
	if (c->nfindings) {
		assert_str(c->last_finding_rule, run->findings[c->nfindings - 1].rule, "finding", c->name);
		assert_str(c->last_finding_commit, run->findings[c->nfindings - 1].commit,
		           "finding's commit", c->name);
	}
	if (c->ncommits == 2)
		assert_str("blocked", run->commits[1].verdict, "second commit", c->name);
	return 0;
}

/* Each case is written into the repository's own database, then read back
 * as the newest run through the audit module. */
static void test_runs_read_back(void **state)
{
	const fixture *f = *state;
	char *path = cg_record_audit_path(f->repo, f->policy);
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cg_record *rec = build(f, &cases[i]);
		cg_audit *db = NULL;

		if (cg_record_write(rec, 1234) < 0)
			fail_msg("%s: %s", cases[i].name, cg_error_last());
		cg_record_free(rec);
		assert_int_equal(cg_audit_open_readonly(&db, path), 0);
		assert_int_equal(cg_audit_recent(db, NULL, 1, check_entry, (void *)&cases[i]), 0);
		cg_audit_close(db);
	}
	free(path);
}

/* The default path is in the common directory; a relative audit.path is
 * taken from the work tree's root. */
static void test_audit_path(void **state)
{
	const fixture *f = *state;
	cg_policy *p = NULL;
	cg_buf want = CG_BUF_INIT;
	char *path;

	path = cg_record_audit_path(f->repo, f->policy);
	cg_buf_printf(&want, "%schangeguard/audit.db", git_repository_commondir(f->repo));
	assert_string_equal(path, want.ptr);
	free(path);
	assert_int_equal(cg_policy_load_buffer(&p, "version: 1\naudit:\n  path: logs/a.db\n", 35,
	                                       "t.yml"), 0);
	path = cg_record_audit_path(f->repo, p);
	cg_buf_clear(&want);
	cg_buf_printf(&want, "%slogs/a.db", git_repository_workdir(f->repo));
	assert_string_equal(path, want.ptr);
	free(path);
	cg_policy_free(p);
	cg_buf_dispose(&want);
}

/* A database that cannot be written refuses, unless on_error: warn, with the hint
 * naming the policy file and the subject. */
static void test_write_or_warn(void **state)
{
	static const struct {
		const char *yaml;
		int want;
		const char *hint;
	} rows[] = {
		{ "version: 1\naudit:\n  path: blocker/a.db\n", CG_ERROR,
		  "hint: make the audit database writable, or set audit.on_error: warn in X.yml" },
		{ "version: 1\naudit:\n  path: blocker/a.db\n  on_error: warn\n", 0,
		  "hint: on_error is 'warn': the thing goes ahead" },
	};
	const fixture *f = *state;
	cg_buf blocker = CG_BUF_INIT;
	size_t i;

	/* A file where the database's directory should be. */
	cg_buf_printf(&blocker, "%sblocker", git_repository_workdir(f->repo));
	fclose(fopen(blocker.ptr, "w"));
	cg_buf_dispose(&blocker);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char buf[4096] = { 0 };
		FILE *err = fmemopen(buf, sizeof(buf) - 1, "w");
		cg_policy *p = NULL;
		cg_record *rec;
		cg_output o;

		assert_int_equal(cg_policy_load_buffer(&p, rows[i].yaml, strlen(rows[i].yaml), "X.yml"), 0);
		cg_output_init(&o, err);
		rec = cg_record_new("pre-commit", f->repo, "/r", p);
		cg_record_staged(rec, &allowed);
		assert_int_equal(cg_record_write_or_warn(rec, 1, &o, "the thing", "X.yml"), rows[i].want);
		fclose(err);
		if (!strstr(buf, rows[i].hint))
			fail_msg("row %zu: want '%s' in:\n%s", i, rows[i].hint, buf);
		cg_record_free(rec);
		cg_policy_free(p);
	}
}

/* on_error: warn lets runtime and audit failures go ahead, never a bad
 * policy or bad usage, and nothing without a policy. */
static void test_error_goes_ahead(void **state)
{
	static const struct {
		const char *yaml; /* NULL: no policy loaded */
		int error, want;
	} rows[] = {
		{ "audit:\n  on_error: warn\n", CG_ERROR, 1 },
		{ "audit:\n  on_error: warn\n", CG_EPOLICY, 0 },
		{ "audit:\n  on_error: warn\n", CG_EUSAGE, 0 },
		{ "audit:\n  on_error: block\n", CG_ERROR, 0 },
		{ NULL, CG_ERROR, 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		cg_policy *p = NULL;

		if (rows[i].yaml)
			assert_int_equal(cg_policy_load_buffer(&p, rows[i].yaml, strlen(rows[i].yaml), "X.yml"), 0);
		if (cg_record_error_goes_ahead(p, rows[i].error) != rows[i].want)
			fail_msg("row %zu: want %d", i, rows[i].want);
		cg_policy_free(p);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_runs_read_back),
		cmocka_unit_test(test_audit_path),
		cmocka_unit_test(test_write_or_warn),
		cmocka_unit_test(test_error_goes_ahead),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
