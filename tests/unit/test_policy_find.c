#define _XOPEN_SOURCE 700
/* Unit tests of lib/policy_find.c on a real bare repository: every kind of
 * entry at the policy path, and what the server keeps of a committed policy. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "policy_find.h"
#include "scratch.h"

typedef struct {
	char dir[256];
	git_repository *repo;
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));

	git_libgit2_init();
	/* trees naming objects that do not exist: the unreadable cases */
	git_libgit2_opts(GIT_OPT_ENABLE_STRICT_OBJECT_CREATION, 0);
	if (!f || scratch_make(f->dir, sizeof(f->dir), "policy-find") < 0 ||
	    git_repository_init(&f->repo, f->dir, 1) < 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;

	git_repository_free(f->repo);
	scratch_remove(f->dir);
	free(f);
	git_libgit2_shutdown();
	return 0;
}

static void blob(git_oid *id, git_repository *repo, const char *text)
{
	assert_int_equal(git_blob_create_from_buffer(id, repo, text, strlen(text)), 0);
}

/* A root tree with one entry named `name`. */
static git_tree *tree_with(git_repository *repo, const char *name, const git_oid *id,
                           git_filemode_t mode)
{
	git_treebuilder *tb = NULL;
	git_tree *tree = NULL;
	git_oid tid;

	assert_int_equal(git_treebuilder_new(&tb, repo, NULL), 0);
	assert_int_equal(git_treebuilder_insert(NULL, tb, name, id, mode), 0);
	assert_int_equal(git_treebuilder_write(&tid, tb), 0);
	assert_int_equal(git_tree_lookup(&tree, repo, &tid), 0);
	git_treebuilder_free(tb);
	return tree;
}

static void test_tree_entries(void **state)
{
	static const struct {
		const char *what, *name, *text; /* text NULL: an object that does not exist */
		git_filemode_t mode;
		int code;
		const char *message;
	} cases[] = {
		{ "a policy", CG_POLICY_FILE, "changelog:\n  mode: root\n", GIT_FILEMODE_BLOB, 0, NULL },
		{ "an executable one", CG_POLICY_FILE, "version: 1\n", GIT_FILEMODE_BLOB_EXECUTABLE, 0, NULL },
		{ "a bad one", CG_POLICY_FILE, "nope: 1\n", GIT_FILEMODE_BLOB, CG_EPOLICY, "t:.changeguard.yml:1:1: unknown key" },
		{ "a directory", CG_POLICY_FILE, "x", GIT_FILEMODE_TREE, CG_EPOLICY, "t:.changeguard.yml is a directory, not a file" },
		{ "a symlink", CG_POLICY_FILE, "CHANGELOG.md", GIT_FILEMODE_LINK, CG_EPOLICY, "t:.changeguard.yml is a symlink, not a file" },
		{ "a submodule", CG_POLICY_FILE, "x", GIT_FILEMODE_COMMIT, CG_EPOLICY, "t:.changeguard.yml is a submodule, not a file" },
		{ "an unreadable blob", CG_POLICY_FILE, NULL, GIT_FILEMODE_BLOB, CG_ERROR, "cannot read t:.changeguard.yml" },
		{ "none", "other.yml", "version: 1\n", GIT_FILEMODE_BLOB, CG_ENOTFOUND, NULL },
	};
	fixture *f = *state;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cg_policy *p = NULL;
		git_tree *tree;
		git_oid id;
		int error;

		if (cases[i].text)
			blob(&id, f->repo, cases[i].text);
		else
			git_oid_fromstr(&id, "1234567890123456789012345678901234567890");
		tree = tree_with(f->repo, cases[i].name, &id, cases[i].mode);
		error = cg_policy_find_tree(&p, f->repo, tree, "t");
		if (error != cases[i].code)
			fail_msg("%s: %d, expected %d (%s)", cases[i].what, error, cases[i].code,
			         cg_error_last());
		if (cases[i].message && !strstr(cg_error_last(), cases[i].message))
			fail_msg("%s: '%s'", cases[i].what, cg_error_last());
		if (!error) {
			assert_string_equal(p->source, "t:" CG_POLICY_FILE);
			assert_false(p->builtin);
		}
		cg_policy_free(p);
		git_tree_free(tree);
	}
}

static void test_defaults_are_flagged(void **state)
{
	cg_policy *p = NULL;

	(void)state;
	assert_int_equal(cg_policy_default(&p), 0);
	assert_true(p->builtin);
	cg_policy_free(p);
	assert_int_equal(cg_policy_load_buffer(&p, "version: 1\n", 11, "x"), 0);
	assert_false(p->builtin);
	cg_policy_free(p);
}

/* A committed commit holding `text` as the policy; its id in `out`. */
static void commit_policy(git_oid *out, git_repository *repo, const char *text)
{
	git_signature *sig = NULL;
	git_tree *tree;
	git_oid id;

	blob(&id, repo, text);
	tree = tree_with(repo, CG_POLICY_FILE, &id, GIT_FILEMODE_BLOB);
	assert_int_equal(git_signature_new(&sig, "T", "t@example.com", 1700000000, 0), 0);
	assert_int_equal(git_commit_create(out, repo, NULL, sig, sig, NULL, "p", tree, 0, NULL), 0);
	git_signature_free(sig);
	git_tree_free(tree);
}

static void test_server_keeps_its_settings(void **state)
{
	static const struct {
		const char *committed;
		int ignored, locked;
	} cases[] = {
		{ "changelog:\n  mode: root\n", 0, 1 },
		{ "audit:\n  path: /tmp/mine.db\n", 1, 1 },
		{ "server:\n  refs: [\"refs/nothing/**\"]\n", 1, 1 },
		{ "protect:\n  - name: policy\n    paths: [\".changeguard.yml\"]\n"
		  "    trailer: Policy-Authorized-By\n    authorizers: [lead]\n", 0, 0 },
	};
	fixture *f = *state;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cg_policy_server_opts opts = { 0 };
		cg_policy *p = NULL;
		git_oid old;

		commit_policy(&old, f->repo, cases[i].committed);
		opts.old = &old;
		opts.refname = "refs/heads/main";
		opts.head = "HEAD";
		assert_int_equal(cg_policy_find_server(&p, f->repo, &opts), 0);
		assert_false(opts.from_server);
		assert_int_equal(opts.ignored_settings, cases[i].ignored);
		assert_string_equal(p->audit.path, "");
		assert_false(p->audit.on_error_warn);
		assert_true(cg_globset_match(p->server.refs, "refs/heads/main"));
		assert_int_equal(p->protect[p->protect_len - 1].trailer[0] == '\0', cases[i].locked);
		cg_policy_free(p);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_tree_entries, setup, teardown),
		cmocka_unit_test(test_defaults_are_flagged),
		cmocka_unit_test_setup_teardown(test_server_keeps_its_settings, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
