#define _GNU_SOURCE /* nftw, for scratch.h */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <git2.h>

#include "changes.h"
#include "error.h"
#include "policy.h"
#include "rules.h"
#include "scratch.h"
#include "trailers.h"

/* A result with every kind of field: NULL and empty strings, bytes that
 * are not UTF-8, a newline, a waiver with and without an authorizer. */
static cg_result *sample(void)
{
	cg_result *r = calloc(1, sizeof(*r));

	cg_result_add_finding(r, "changelog", "sub dir/CHANGELOG.md", "needs a new entry",
	                      "changeguard entry \"...\"\ngit add CHANGELOG.md", "Changelog-Skip");
	r->findings[0].needs_entry = 1;
	cg_result_add_finding(r, "protect:mcp", "\xff\xfe.mcp.json", "", NULL, NULL);
	r->waivers = calloc(2, sizeof(*r->waivers));
	r->waivers[0] = (cg_waiver){ strdup("protect:mcp"), strdup("trailer"),
	                             strdup("MCP-Authorized-By"), strdup(".mcp.json"),
	                             strdup("Alice <alice@example.com>") };
	r->waivers[1] = (cg_waiver){ strdup("changelog"), strdup("push-option"),
	                             strdup("changeguard.skip"), strdup("typo"), NULL };
	r->nwaivers = r->awaivers = 2;
	r->verdict = CG_VERDICT_BLOCKED;
	return r;
}

static void assert_same_or_null(const char *a, const char *b)
{
	if (!a || !b)
		assert_ptr_equal(a, b);
	else
		assert_string_equal(a, b);
}

static void assert_same_result(const cg_result *a, const cg_result *b)
{
	size_t i;

	assert_int_equal(a->verdict, b->verdict);
	assert_int_equal(a->nfindings, b->nfindings);
	for (i = 0; i < a->nfindings; i++) {
		assert_string_equal(a->findings[i].rule, b->findings[i].rule);
		assert_same_or_null(a->findings[i].path, b->findings[i].path);
		assert_string_equal(a->findings[i].detail, b->findings[i].detail);
		assert_same_or_null(a->findings[i].hint, b->findings[i].hint);
		assert_same_or_null(a->findings[i].waiver, b->findings[i].waiver);
		assert_int_equal(a->findings[i].needs_entry, b->findings[i].needs_entry);
	}
	assert_int_equal(a->nwaivers, b->nwaivers);
	for (i = 0; i < a->nwaivers; i++) {
		assert_string_equal(a->waivers[i].rule, b->waivers[i].rule);
		assert_string_equal(a->waivers[i].source, b->waivers[i].source);
		assert_string_equal(a->waivers[i].name, b->waivers[i].name);
		assert_same_or_null(a->waivers[i].reason, b->waivers[i].reason);
		assert_same_or_null(a->waivers[i].authorizer, b->waivers[i].authorizer);
	}
}

static void test_a_result_survives_encoding(void **state)
{
	cg_result *r = sample(), *back = NULL, *empty = calloc(1, sizeof(*empty)), *back2 = NULL;
	cg_buf rec = CG_BUF_INIT;
	cg_buf_reader in;

	(void)state;
	cg_result_encode(&rec, r);
	cg_result_encode(&rec, empty);
	in.p = rec.ptr;
	in.left = rec.size;
	assert_int_equal(cg_result_decode(&back, &in), 0);
	assert_same_result(r, back);
	assert_int_equal(cg_result_decode(&back2, &in), 0);
	assert_same_result(empty, back2);
	assert_int_equal(in.left, 0);
	cg_result_free(r);
	cg_result_free(back);
	cg_result_free(empty);
	cg_result_free(back2);
	cg_buf_dispose(&rec);
}

/* Every cut of the record, however short, is refused, never misread. */
static void test_a_truncated_record_is_refused(void **state)
{
	cg_result *r = sample(), *back = NULL;
	cg_buf rec = CG_BUF_INIT;
	size_t cut;

	(void)state;
	cg_result_encode(&rec, r);
	for (cut = 0; cut < rec.size; cut++) {
		cg_buf_reader in = { rec.ptr, cut };
		assert_int_equal(cg_result_decode(&back, &in), CG_ERROR);
		assert_null(back);
		assert_non_null(strstr(cg_error_last(), "damaged"));
	}
	cg_result_free(r);
	cg_buf_dispose(&rec);
}

static void test_a_bad_verdict_is_refused(void **state)
{
	cg_result *back = NULL;
	cg_buf rec = CG_BUF_INIT;
	cg_buf_reader in;

	(void)state;
	cg_buf_put_u32(&rec, 99);
	cg_buf_put_u32(&rec, 0);
	cg_buf_put_u32(&rec, 0);
	in.p = rec.ptr;
	in.left = rec.size;
	assert_int_equal(cg_result_decode(&back, &in), CG_ERROR);
	cg_buf_dispose(&rec);
}

/* ---- cg_rules_evaluate on real commits ------------------------------- */

static char root[256];

/* The commit under test is made at this time; entries are dated from it. */
#define NOW "2026-12-01T12:00:00Z"
#define LOG "printf '# Changelog\\n\\n- 2026-12-01T10:00:00Z a: first\\n' >CHANGELOG.md && "
/* A stale entry is a finding, and the change still needs a good one. */
#define TWICE "changelog CHANGELOG.md\nchangelog CHANGELOG.md\n"
#define ENTRY(ts) "sed -i '3i - " ts " t: new' CHANGELOG.md && "

/* One commit judged: `base` builds the parent (committed as "base"),
 * `change` the work tree of the commit under test, whose message is
 * `message` (the harness commits what `change` leaves, merges included).
 * `findings` lists "rule path" per finding, in order, and `detail` is a
 * piece of the first finding's text; `waivers` lists "rule name authorizer". */
typedef struct {
	const char *name;
	const char *policy;   /* YAML text; NULL: the defaults */
	const char *base;
	const char *change;
	const char *message;
	const char *pusher;   /* NULL: a local check */
	int unwritten;        /* 1: pre-commit, no message yet */
	cg_verdict verdict;
	const char *findings;
	const char *detail;
	const char *waivers;
} rules_case;

static const rules_case rules_cases[] = {
	{ "code with an entry", NULL, LOG "echo a >a.c", ENTRY(NOW) "echo b >a.c", "b",
	  NULL, 0, CG_VERDICT_ALLOWED, "", NULL, "" },
	{ "code without an entry", NULL, LOG "echo a >a.c", "echo b >a.c", "b",
	  NULL, 0, CG_VERDICT_BLOCKED, "changelog CHANGELOG.md\n", "needs a new entry (for a.c)", "" },
	{ "pre-commit defers what a trailer can settle", NULL, LOG "echo a >a.c", "echo b >a.c", "b",
	  NULL, 1, CG_VERDICT_DEFERRED, "changelog CHANGELOG.md\n", NULL, "" },
	{ "an ignored path needs nothing", NULL, LOG "mkdir docs && echo a >docs/x", "echo b >docs/x && echo n >README.md",
	  "docs", NULL, 0, CG_VERDICT_ALLOWED, "", NULL, "" },
	{ "require_for narrows what needs an entry",
	  "changelog:\n  require_for: [\"src/**\"]\n", LOG "echo a >a.c", "echo b >a.c", "b",
	  NULL, 0, CG_VERDICT_ALLOWED, "", NULL, "" },
	{ "require_for still catches its paths",
	  "changelog:\n  require_for: [\"src/**\"]\n", LOG "mkdir src && echo a >src/a.c", "echo b >src/a.c", "b",
	  NULL, 0, CG_VERDICT_BLOCKED, "changelog CHANGELOG.md\n", NULL, "" },
	{ "nearest: a directory's own CHANGELOG",
	  NULL, LOG "mkdir sub && cp CHANGELOG.md sub/ && echo a >sub/a.c", "cd sub && " ENTRY(NOW) "echo b >a.c", "b",
	  NULL, 0, CG_VERDICT_ALLOWED, "", NULL, "" },
	{ "nearest: the root's entry does not cover sub/",
	  NULL, LOG "mkdir sub && cp CHANGELOG.md sub/ && echo a >sub/a.c", ENTRY(NOW) "echo b >sub/a.c", "b",
	  NULL, 0, CG_VERDICT_BLOCKED, "changelog sub/CHANGELOG.md\n", NULL, "" },
	{ "root: only the top CHANGELOG counts",
	  "changelog:\n  mode: root\n", LOG "mkdir sub && cp CHANGELOG.md sub/ && echo a >sub/a.c",
	  ENTRY(NOW) "echo b >sub/a.c", "b", NULL, 0, CG_VERDICT_ALLOWED, "", NULL, "" },
	{ "every-directory: a directory without one still needs its own",
	  "changelog:\n  mode: every-directory\n", LOG "mkdir sub && echo a >sub/a.c",
	  ENTRY(NOW) "echo b >sub/a.c", "b", NULL, 0, CG_VERDICT_BLOCKED,
	  "changelog sub/CHANGELOG.md\n", NULL, "" },
	{ "nearest: the same change is covered by the root's",
	  NULL, LOG "mkdir sub && echo a >sub/a.c",
	  ENTRY(NOW) "echo b >sub/a.c", "b", NULL, 0, CG_VERDICT_ALLOWED, "", NULL, "" },
	{ "append-only: an edited entry", NULL, LOG "echo a >a.c",
	  ENTRY(NOW) "sed -i 's/a: first/a: edited/' CHANGELOG.md && echo b >a.c", "b",
	  NULL, 0, CG_VERDICT_BLOCKED, "changelog CHANGELOG.md\n",
	  "first -> now line 4: - 2026-12-01T10:00:00Z a: edited", "" },
	{ "Changelog-Amend allows the correction", NULL, LOG "echo a >a.c",
	  ENTRY(NOW) "sed -i 's/a: first/a: edited/' CHANGELOG.md && echo b >a.c",
	  "b\n\nChangelog-Amend: the name was wrong", NULL, 0, CG_VERDICT_WAIVED, "", NULL,
	  "changelog Changelog-Amend -\n" },
	{ "a correction is no new entry", NULL, LOG "echo a >a.c",
	  "sed -i 's/a: first/a: edited/' CHANGELOG.md && echo b >a.c",
	  "b\n\nChangelog-Amend: the name was wrong", NULL, 0, CG_VERDICT_BLOCKED,
	  "changelog CHANGELOG.md\n", "needs a new entry", "changelog Changelog-Amend -\n" },
	{ "Changelog-Amend without a reason settles nothing", NULL, LOG "echo a >a.c",
	  ENTRY(NOW) "sed -i 's/a: first/a: edited/' CHANGELOG.md && echo b >a.c",
	  "b\n\nChangelog-Amend:", NULL, 0, CG_VERDICT_BLOCKED, "changelog CHANGELOG.md\n",
	  NULL, "" },
	{ "Changelog-Amend does not allow a removal", NULL, LOG "echo a >a.c",
	  ENTRY(NOW) "sed -i '/a: first/d' CHANGELOG.md && echo b >a.c",
	  "b\n\nChangelog-Amend: wrong entry", NULL, 0, CG_VERDICT_BLOCKED,
	  "changelog CHANGELOG.md\n", NULL, "" },
	{ "amend_removes lets it remove one", "changelog:\n  amend_removes: true\n", LOG "echo a >a.c",
	  ENTRY(NOW) "sed -i '/a: first/d' CHANGELOG.md && echo b >a.c",
	  "b\n\nChangelog-Amend: wrong entry", NULL, 0, CG_VERDICT_WAIVED, "", NULL,
	  "changelog Changelog-Amend -\n" },
	{ "an empty amend_trailer: no correction path", "changelog:\n  amend_trailer: \"\"\n",
	  LOG "echo a >a.c", ENTRY(NOW) "sed -i 's/a: first/a: edited/' CHANGELOG.md && echo b >a.c",
	  "b\n\nChangelog-Amend: the name was wrong", NULL, 0, CG_VERDICT_BLOCKED,
	  "changelog CHANGELOG.md\n", "append_only", "" },
	{ "a CHANGELOG that is not UTF-8 is refused", NULL, LOG "echo a >a.c",
	  ENTRY(NOW) "printf 'caf\\351\\n' >>CHANGELOG.md && echo b >a.c", "b", NULL, 0,
	  CG_VERDICT_BLOCKED, "changelog CHANGELOG.md\n", "byte 78 (line 5)", "" },
	{ "non_utf8: warn lets it in, recorded", "changelog:\n  non_utf8: warn\n", LOG "echo a >a.c",
	  ENTRY(NOW) "printf 'caf\\351\\n' >>CHANGELOG.md && echo b >a.c", "b", NULL, 0,
	  CG_VERDICT_WAIVED, "", NULL, "changelog non_utf8 -\n" },
	{ "append-only: a removed entry", NULL, LOG "echo a >a.c",
	  ENTRY(NOW) "sed -i '/a: first/d' CHANGELOG.md && echo b >a.c", "b",
	  NULL, 0, CG_VERDICT_BLOCKED, "changelog CHANGELOG.md\n", NULL, "" },
	{ "append_only off allows the rewrite", "changelog:\n  append_only: false\n", LOG "echo a >a.c",
	  ENTRY(NOW) "sed -i '/a: first/d' CHANGELOG.md && echo b >a.c", "b",
	  NULL, 0, CG_VERDICT_ALLOWED, "", NULL, "" },
	{ "an entry older than max_age", NULL, LOG "echo a >a.c",
	  ENTRY("2026-11-29T12:00:00Z") "echo b >a.c", "b",
	  NULL, 0, CG_VERDICT_BLOCKED, TWICE, "max_age", "" },
	{ "a longer max_age accepts it", "changelog:\n  max_age: 7d\n", LOG "echo a >a.c",
	  ENTRY("2026-11-29T12:00:00Z") "echo b >a.c", "b", NULL, 0, CG_VERDICT_ALLOWED, "", NULL, "" },
	{ "an entry later than max_skew", NULL, LOG "echo a >a.c",
	  ENTRY("2026-12-01T12:30:00Z") "echo b >a.c", "b",
	  NULL, 0, CG_VERDICT_BLOCKED, TWICE, "max_skew", "" },
	{ "within max_skew", NULL, LOG "echo a >a.c",
	  ENTRY("2026-12-01T12:05:00Z") "echo b >a.c", "b", NULL, 0, CG_VERDICT_ALLOWED, "", NULL, "" },
	{ "Changelog-Skip waives the entry", NULL, LOG "echo a >a.c", "echo b >a.c",
	  "b\n\nChangelog-Skip: a typo", NULL, 0, CG_VERDICT_WAIVED, "", NULL,
	  "changelog Changelog-Skip -\n" },
	{ "an empty skip_trailer disables waivers", "changelog:\n  skip_trailer: \"\"\n", LOG "echo a >a.c",
	  "echo b >a.c", "b\n\nChangelog-Skip: a typo", NULL, 0, CG_VERDICT_BLOCKED,
	  "changelog CHANGELOG.md\n", NULL, "" },
	{ "a protected file without sign-off", NULL, LOG "echo a >a.c", ENTRY(NOW) "echo {} >.mcp.json",
	  "mcp", NULL, 0, CG_VERDICT_BLOCKED, "protect:mcp .mcp.json\n", NULL, "" },
	{ "case_insensitive protects .MCP.JSON", NULL, LOG "echo a >a.c", ENTRY(NOW) "echo {} >.MCP.JSON",
	  "mcp", NULL, 0, CG_VERDICT_BLOCKED, "protect:mcp .MCP.JSON\n", NULL, "" },
	{ "a protected file signed off", NULL, LOG "echo a >a.c", ENTRY(NOW) "echo {} >.mcp.json",
	  "mcp\n\nMCP-Authorized-By: Alice <alice@example.com>", NULL, 0, CG_VERDICT_ALLOWED, "", NULL,
	  "protect:mcp MCP-Authorized-By Alice <alice@example.com>\n" },
	{ "a sign-off by someone not an authorizer",
	  "protect:\n  - name: keys\n    paths: [\"keys/**\"]\n    trailer: Keys-By\n"
	  "    authorizers: [alice@example.com]\n",
	  LOG "echo a >a.c", ENTRY(NOW) "mkdir keys && echo k >keys/k", "k\n\nKeys-By: Bob <bob@example.com>",
	  NULL, 0, CG_VERDICT_BLOCKED, "protect:keys keys/k\n", "does not name an authorizer", "" },
	{ "a sign-off by an authorizer",
	  "protect:\n  - name: keys\n    paths: [\"keys/**\"]\n    trailer: Keys-By\n"
	  "    authorizers: [alice@example.com]\n",
	  LOG "echo a >a.c", ENTRY(NOW) "mkdir keys && echo k >keys/k", "k\n\nKeys-By: Alice <alice@example.com>",
	  NULL, 0, CG_VERDICT_ALLOWED, "", NULL, "protect:keys Keys-By Alice <alice@example.com>\n" },
	{ "server: the pusher must be an authorizer too",
	  "protect:\n  - name: keys\n    paths: [\"keys/**\"]\n    trailer: Keys-By\n"
	  "    authorizers: [alice@example.com]\n",
	  LOG "echo a >a.c", ENTRY(NOW) "mkdir keys && echo k >keys/k", "k\n\nKeys-By: Alice <alice@example.com>",
	  "mallory", 0, CG_VERDICT_BLOCKED, "protect:keys keys/k\n", "pusher", "" },
	{ "a case-sensitive group misses other cases",
	  "protect:\n  - name: keys\n    paths: [\"keys/**\"]\n    trailer: Keys-By\n",
	  LOG "echo a >a.c", ENTRY(NOW) "mkdir KEYS && echo k >KEYS/k", "k", NULL, 0, CG_VERDICT_ALLOWED,
	  "", NULL, "" },
	{ "a merge's merged-in entries are not new",
	  NULL, LOG "echo a >a.c",
	  "git checkout -q -b topic && " ENTRY(NOW) "echo t >t.c && git add -A && git commit -q -m t && "
	  "git checkout -q main && git merge -q --no-ff --no-commit topic", "merge topic",
	  NULL, 0, CG_VERDICT_ALLOWED, "", NULL, "" },
	{ "a merge that adds its own unrecorded change",
	  NULL, LOG "echo a >a.c",
	  "git checkout -q -b topic && " ENTRY(NOW) "echo t >t.c && git add -A && git commit -q -m t && "
	  "git checkout -q main && git merge -q --no-ff --no-commit topic && echo m >m.c", "merge topic",
	  NULL, 0, CG_VERDICT_BLOCKED, "changelog CHANGELOG.md\n", "m.c", "" },
	{ "forbid: a backup file added", NULL, LOG "echo a >a.c", ENTRY(NOW) "echo b >a.c.orig", "b",
	  NULL, 0, CG_VERDICT_BLOCKED, "forbid:path a.c.orig\n", "forbid.paths", "" },
	{ "forbid: a rename into a backup name", NULL, LOG "echo a >a.c", ENTRY(NOW) "git mv a.c a.c.bak",
	  "b", NULL, 0, CG_VERDICT_BLOCKED, "forbid:path a.c.bak\n", NULL, "" },
	{ "forbid: an existing backup may change", NULL, LOG "echo a >a.c.old",
	  ENTRY(NOW) "echo b >a.c.old", "b", NULL, 0, CG_VERDICT_ALLOWED, "", NULL, "" },
	{ "forbid: allow excepts a name", "forbid:\n  allow: [\"*.tmp\"]\n", LOG "echo a >a.c",
	  ENTRY(NOW) "echo b >x.tmp", "b", NULL, 0, CG_VERDICT_ALLOWED, "", NULL, "" },
	{ "forbid: pre-commit defers what Forbid-Skip can settle", NULL, LOG "echo a >a.c",
	  ENTRY(NOW) "echo b >x.tmp", "b", NULL, 1, CG_VERDICT_DEFERRED, "forbid:path x.tmp\n", NULL, "" },
	{ "forbid: Forbid-Skip waives it", NULL, LOG "echo a >a.c", ENTRY(NOW) "echo b >x.tmp",
	  "b\n\nForbid-Skip: a fixture", NULL, 0, CG_VERDICT_WAIVED, "", NULL, "forbid Forbid-Skip -\n" },
	{ "forbid: a server that takes no waiver for paths",
	  "server:\n  forbid_waivers: [duplicate]\n", LOG "echo a >a.c", ENTRY(NOW) "echo b >x.tmp",
	  "b\n\nForbid-Skip: a fixture", "pusher", 0, CG_VERDICT_BLOCKED, "forbid:path x.tmp\n",
	  "takes no waiver", "" },
	{ "forbid: a duplicate copy in another directory", NULL, LOG "seq 1 200 >a.c",
	  ENTRY(NOW) "mkdir sub && cp a.c sub/b.c", "b", NULL, 0, CG_VERDICT_BLOCKED,
	  "forbid:duplicate sub/b.c\n", "byte-identical to a.c", "" },
	{ "forbid: a copy under duplicate_min_size", NULL, LOG "echo a >a.c", ENTRY(NOW) "cp a.c b.c",
	  "b", NULL, 0, CG_VERDICT_ALLOWED, "", NULL, "" },
	{ "forbid: duplicate_min_size lowered", "forbid:\n  duplicate_min_size: 1\n", LOG "echo a >a.c",
	  ENTRY(NOW) "cp a.c b.c", "b", NULL, 0, CG_VERDICT_BLOCKED, "forbid:duplicate b.c\n", NULL, "" },
	{ "forbid: duplicates off", "forbid:\n  duplicates: false\n", LOG "seq 1 200 >a.c",
	  ENTRY(NOW) "cp a.c b.c", "b", NULL, 0, CG_VERDICT_ALLOWED, "", NULL, "" },
	{ "forbid: a licence copy is allowed", NULL, LOG "seq 1 200 >LICENSE",
	  ENTRY(NOW) "mkdir sub && cp LICENSE sub/LICENSE", "b", NULL, 0, CG_VERDICT_ALLOWED, "", NULL, "" },
};

static int rules_setup(void **state)
{
	(void)state;
	if (scratch_make(root, sizeof(root), "rules") < 0)
		return -1;
	scratch_git_env(root, NOW);
	git_libgit2_init();
	return 0;
}

static int rules_teardown(void **state)
{
	(void)state;
	git_libgit2_shutdown();
	return scratch_remove(root);
}

static void describe_result(cg_buf *findings, cg_buf *waivers, const cg_result *r)
{
	size_t i;

	for (i = 0; i < r->nfindings; i++)
		cg_buf_printf(findings, "%s %s\n", r->findings[i].rule, r->findings[i].path);
	for (i = 0; i < r->nwaivers; i++)
		cg_buf_printf(waivers, "%s %s %s\n", r->waivers[i].rule, r->waivers[i].name,
		              r->waivers[i].authorizer ? r->waivers[i].authorizer : "-");
}

/* The CHANGELOGs of a walk's previous commit (newer or older) known
 * valid UTF-8: the new version is then decoded only where it differs from
 * its parent's, with the same findings and offsets. */
static const rules_case utf8_known_cases[] = {
	{ "beside a known version: not UTF-8, at the same byte", NULL, LOG "echo a >a.c",
	  ENTRY(NOW) "printf 'caf\\351\\n' >>CHANGELOG.md && echo b >a.c", "b", NULL, 0,
	  CG_VERDICT_BLOCKED, "changelog CHANGELOG.md\n", "byte 78 (line 5)", "" },
	{ "beside a known version: a bad byte at the top", NULL, LOG "echo a >a.c",
	  ENTRY(NOW) "printf '\\377' | cat - CHANGELOG.md >t && mv t CHANGELOG.md && echo b >a.c",
	  "b", NULL, 0, CG_VERDICT_BLOCKED, "changelog CHANGELOG.md\n", "byte 0 (line 1)", "" },
	{ "beside a known version: valid", NULL, LOG "echo a >a.c", ENTRY(NOW) "echo b >a.c", "b",
	  NULL, 0, CG_VERDICT_ALLOWED, "", NULL, "" },
};

/* A memo in which each parent's CHANGELOG.md is marked valid UTF-8. */
static cg_memo *memo_knowing(git_tree *const *parents, size_t np)
{
	cg_memo *memo = cg_memo_new();
	size_t i;

	for (i = 0; i < np; i++) {
		git_tree_entry *e = NULL;

		assert_int_equal(git_tree_entry_bypath(&e, parents[i], "CHANGELOG.md"), 0);
		cg_memo_utf8_mark(memo, git_tree_entry_id(e));
		git_tree_entry_free(e);
	}
	return memo;
}

/* Makes the case's repository and evaluates its HEAD commit as a check of
 * that commit would: against its parents, with its message's trailers;
 * with `known_before`, through a memo that knows the parents' CHANGELOGs
 * valid UTF-8. */
static void run_rules_case(const rules_case *rc, size_t n, int known_before)
{
	char dir[512], name[32];
	cg_buf script = CG_BUF_INIT, findings = CG_BUF_INIT, waivers = CG_BUF_INIT;
	git_repository *repo = NULL;
	git_commit *commit = NULL;
	git_tree *tree = NULL, *parents[2] = { NULL, NULL };
	cg_snapshot *now = NULL, *before[2] = { NULL, NULL };
	cg_changes *changes = NULL;
	cg_trailers *trailers = NULL;
	cg_policy *policy = NULL;
	cg_result *r = NULL;
	cg_trailer_opts topts = CG_TRAILER_OPTS_INIT;
	cg_rules_input in = { 0 };
	git_oid head;
	const char *msg;
	size_t i, np;

	snprintf(name, sizeof(name), "case%zu", n);
	cg_buf_printf(&script, "%s && git add -A && git commit -q -m base && %s && git add -A && "
	              "printf '%%s\\n' '%s' >../%s.msg && git commit -q -F ../%s.msg",
	              rc->base, rc->change, rc->message, name, name);
	if (scratch_repo(dir, sizeof(dir), root, name, script.ptr) < 0)
		fail_msg("'%s': the repository could not be made: %s", rc->name, script.ptr);
	assert_int_equal(rc->policy ? cg_policy_load_buffer(&policy, rc->policy, strlen(rc->policy), "test")
	                            : cg_policy_default(&policy), 0);
	assert_int_equal(git_repository_open(&repo, dir), 0);
	assert_int_equal(git_reference_name_to_id(&head, repo, "HEAD"), 0);
	assert_int_equal(git_commit_lookup(&commit, repo, &head), 0);
	assert_int_equal(git_commit_tree(&tree, commit), 0);
	np = git_commit_parentcount(commit);
	assert_true(np >= 1 && np <= 2);
	for (i = 0; i < np; i++) {
		git_commit *parent = NULL;

		assert_int_equal(git_commit_parent(&parent, commit, (unsigned)i), 0);
		assert_int_equal(git_commit_tree(&parents[i], parent), 0);
		assert_int_equal(cg_snapshot_from_tree(&before[i], repo, parents[i]), 0);
		git_commit_free(parent);
	}
	assert_int_equal(cg_snapshot_from_tree(&now, repo, tree), 0);
	assert_int_equal(cg_changes_trees_memo(&changes, repo, NULL, tree, parents, np), 0);
	msg = git_commit_message_raw(commit);
	assert_int_equal(cg_trailers_parse(&trailers, msg, strlen(msg), &topts), 0);
	in.policy = policy;
	in.changes = changes;
	in.now = now;
	in.before = (const cg_snapshot *const *)before;
	in.nbefore = np;
	in.commit_time_ms = (int64_t)git_commit_time(commit) * 1000;
	in.trailers = rc->unwritten ? NULL : trailers;
	in.pusher = rc->pusher;
	in.memo = known_before ? memo_knowing(parents, np) : NULL;
	assert_int_equal(cg_rules_evaluate(&r, &in), 0);
	describe_result(&findings, &waivers, r);
	if (r->verdict != rc->verdict || strcmp(findings.ptr, rc->findings) ||
	    strcmp(waivers.ptr, rc->waivers) ||
	    (rc->detail && (!r->nfindings || !strstr(r->findings[0].detail, rc->detail))))
		fail_msg("'%s': verdict %s (want %s)\nfindings:\n%swant:\n%swaivers:\n%swant:\n%s"
		         "first detail: %s (want it to hold '%s')", rc->name, cg_verdict_name(r->verdict),
		         cg_verdict_name(rc->verdict), findings.ptr, rc->findings, waivers.ptr, rc->waivers,
		         r->nfindings ? r->findings[0].detail : "-", rc->detail ? rc->detail : "");
	cg_result_free(r);
	cg_memo_free(in.memo);
	for (i = 0; i < np; i++) {
		cg_snapshot_free(before[i]);
		git_tree_free(parents[i]);
	}
	cg_snapshot_free(now);
	cg_changes_free(changes);
	cg_trailers_free(trailers);
	cg_policy_free(policy);
	git_tree_free(tree);
	git_commit_free(commit);
	git_repository_free(repo);
	cg_buf_dispose(&script);
	cg_buf_dispose(&findings);
	cg_buf_dispose(&waivers);
}

static void test_rules_evaluate(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rules_cases) / sizeof(*rules_cases); i++)
		run_rules_case(&rules_cases[i], i, 0);
}

static void test_utf8_beside_a_known_version(void **state)
{
	size_t i, n = sizeof(rules_cases) / sizeof(*rules_cases);

	(void)state;
	for (i = 0; i < sizeof(utf8_known_cases) / sizeof(*utf8_known_cases); i++)
		run_rules_case(&utf8_known_cases[i], n + i, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_result_survives_encoding),
		cmocka_unit_test(test_a_truncated_record_is_refused),
		cmocka_unit_test(test_a_bad_verdict_is_refused),
		cmocka_unit_test_setup_teardown(test_rules_evaluate, rules_setup, rules_teardown),
		cmocka_unit_test_setup_teardown(test_utf8_beside_a_known_version, rules_setup,
		                                rules_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
