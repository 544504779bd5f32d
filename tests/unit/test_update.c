/* Unit tests of lib/update.c on a real bare repository in a scratch directory:
 * each way of moving a ref, judged by its tree before and after. */
#define _XOPEN_SOURCE 700

#include "scratch_fixture.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "error.h"
#include "policy.h"
#include "update.h"
#include "walk.h"

#define SIGNED "\n\nMCP-Authorized-By: Alice <alice@example.com>\n"
#define E1 "- 2026-01-01T00:00:00Z a: first\n"
#define E2 "- 2026-01-02T00:00:00Z a: second\n"

typedef struct {
	scratch_fixture s;
	git_oid a, b, c, m, n, u, d, e; /* see setup */
} fixture;

/* A commit of root files (`files`: name, content, ..., NULL) on `parents`. */
static void commit(git_oid *out, fixture *f, const char *msg, const git_oid *parents, size_t n,
                   const char *const *files)
{
	git_treebuilder *tb = NULL;
	git_signature *sig = NULL;
	const git_commit *pc[2] = { NULL, NULL };
	git_commit *owned[2] = { NULL, NULL };
	git_tree *tree = NULL;
	git_oid blob, tree_id;
	size_t k;

	assert_int_equal(git_treebuilder_new(&tb, f->s.repo, NULL), 0);
	for (; *files; files += 2) {
		assert_int_equal(git_blob_create_from_buffer(&blob, f->s.repo, files[1], strlen(files[1])), 0);
		assert_int_equal(git_treebuilder_insert(NULL, tb, files[0], &blob, GIT_FILEMODE_BLOB), 0);
	}
	assert_int_equal(git_treebuilder_write(&tree_id, tb), 0);
	assert_int_equal(git_tree_lookup(&tree, f->s.repo, &tree_id), 0);
	for (k = 0; k < n; k++) {
		assert_int_equal(git_commit_lookup(&owned[k], f->s.repo, &parents[k]), 0);
		pc[k] = owned[k];
	}
	assert_int_equal(git_signature_new(&sig, "Dev", "dev@example.com", 1767225600, 0), 0);
	assert_int_equal(git_commit_create(out, f->s.repo, NULL, sig, sig, NULL, msg, tree, n, pc), 0);
	for (k = 0; k < n; k++)
		git_commit_free(owned[k]);
	git_signature_free(sig);
	git_tree_free(tree);
	git_treebuilder_free(tb);
}

/*
 * a: the first CHANGELOG entry and .mcp.json v1
 * b (a): a second entry, .mcp.json v2, signed
 * c (a): an old branch's own work, v1
 * m (c, b): `git merge -s ours` of b into c: c's tree
 * n (c, b): a merge of b into c that takes b's signed change
 * u (b): .mcp.json v3, unsigned
 * d (b): the second entry dropped
 * e (b): no change at all
 */
static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	const char *fa[] = { "CHANGELOG.md", E1, ".mcp.json", "v1", NULL };
	const char *fb[] = { "CHANGELOG.md", E2 E1, ".mcp.json", "v2", NULL };
	const char *fc[] = { "CHANGELOG.md", E1, ".mcp.json", "v1", "a.c", "x", NULL };
	const char *fu[] = { "CHANGELOG.md", E2 E1, ".mcp.json", "v3", NULL };
	const char *fd[] = { "CHANGELOG.md", E1, ".mcp.json", "v2", NULL };
	const char *fn[] = { "CHANGELOG.md", E2 E1, ".mcp.json", "v2", "a.c", "x", NULL };
	git_oid parents[2];

	assert_int_equal(scratch_fixture_open(&f->s, "update", 1), 0);
	commit(&f->a, f, "a", NULL, 0, fa);
	commit(&f->b, f, "b" SIGNED, &f->a, 1, fb);
	commit(&f->c, f, "c", &f->a, 1, fc);
	parents[0] = f->c;
	parents[1] = f->b;
	commit(&f->m, f, "m", parents, 2, fc);
	commit(&f->n, f, "n", parents, 2, fn);
	commit(&f->u, f, "u", &f->b, 1, fu);
	commit(&f->d, f, "d", &f->b, 1, fd);
	commit(&f->e, f, "e", &f->b, 1, fb);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;

	scratch_fixture_close(&f->s);
	free(f);
	return 0;
}

static size_t count_rule(const cg_result *r, const char *prefix)
{
	size_t i, n = 0;

	for (i = 0; i < r->nfindings; i++)
		n += !strncmp(r->findings[i].rule, prefix, strlen(prefix));
	return n;
}

static void test_judge(void **state)
{
	fixture *f = *state;
	const struct {
		const char *what;
		const git_oid *old, *new;
		size_t protect, changelog;
	} cases[] = {
		{ "signed change, fast-forward", &f->a, &f->b, 0, 0 },
		{ "merge -s ours as a fast-forward", &f->b, &f->m, 1, 1 },
		{ "unsigned change", &f->b, &f->u, 1, 0 },
		{ "entry dropped", &f->b, &f->d, 0, 1 },
		{ "back to the parent", &f->b, &f->a, 1, 1 },
		{ "onto another branch's older tip", &f->b, &f->c, 1, 1 },
		{ "same tree", &f->b, &f->e, 0, 0 },
	};
	cg_update_opts o = { f->s.repo, f->s.policy, NULL, NULL, 0, 0 };
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cg_result *r = NULL;
		print_message("%s\n", cases[i].what);
		assert_int_equal(cg_update_judge(&r, &o, "refs/heads/main", cases[i].old, cases[i].new), 0);
		assert_int_equal(count_rule(r, "protect:mcp"), cases[i].protect);
		assert_int_equal(count_rule(r, "changelog"), cases[i].changelog);
		assert_int_equal(r->verdict, r->nfindings ? CG_VERDICT_BLOCKED : CG_VERDICT_ALLOWED);
		cg_result_free(r);
	}
}

static void test_rewind_allowed(void **state)
{
	fixture *f = *state;
	cg_update_opts o = { f->s.repo, f->s.policy, NULL, NULL, 0, 0 };
	git_config *cfg = NULL;
	cg_result *r = NULL;

	assert_int_equal(git_repository_config(&cfg, f->s.repo), 0);
	assert_int_equal(git_config_set_multivar(cfg, "changeguard.allowRewind", "^$", "refs/heads/m*"), 0);
	assert_int_equal(cg_update_judge(&r, &o, "refs/heads/main", &f->b, &f->a), 0);
	assert_int_equal(r->nfindings, 0);
	cg_result_free(r);
	assert_int_equal(cg_update_judge(&r, &o, "refs/heads/other", &f->b, &f->a), 0);
	assert_int_equal(r->nfindings, 2);
	cg_result_free(r);
	assert_int_equal(git_config_delete_multivar(cfg, "changeguard.allowRewind", ".*"), 0);
	git_config_free(cfg);
}

/* A merge's search of its sides for the signed change keeps the walk's
 * deadline, and stops at a depth of nested merges. */
static void test_merge_search_limits(void **state)
{
	fixture *f = *state;
	const struct {
		const char *what;
		int64_t stop_us;
		unsigned depth;
		int want;
	} cases[] = {
		{ "no limit reached", 0, 0, 0 },
		{ "deadline passed", 1, 0, CG_ELIMIT },
		{ "nested too deep", 0, CG_UPDATE_MAX_MERGE_DEPTH, CG_ELIMIT },
	};
	git_commit *n = NULL;
	size_t i;

	assert_int_equal(git_commit_lookup(&n, f->s.repo, &f->n), 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cg_walk_commit_opts opts = CG_WALK_COMMIT_OPTS_INIT;
		cg_result *r = NULL;

		print_message("%s\n", cases[i].what);
		opts.stop_us = cases[i].stop_us;
		opts.merge_depth = cases[i].depth;
		assert_int_equal(cg_walk_commit_ext(&r, f->s.repo, f->s.policy, n, &opts), cases[i].want);
		if (!cases[i].want)
			assert_int_equal(r->nfindings, 0);
		cg_result_free(r);
	}
	git_commit_free(n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_judge),
		cmocka_unit_test(test_rewind_allowed),
		cmocka_unit_test(test_merge_search_limits),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
