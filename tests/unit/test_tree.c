/* Unit tests of lib/tree.c: the check of a tree a walk reaches, made only
 * where it differs from the other side of the tree diff, which passed
 * (cg_tree_check_added, old side or new), must say what the whole check
 * (cg_tree_check) says, word for word, for every tree git fsck refuses and
 * every one it takes. */
#define _XOPEN_SOURCE 700

#include "scratch_fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "buf.h"
#include "git2compat.h"
#include "changes.h"
#include "error.h"
#include "memo.h"
#include "tree.h"

static scratch_fixture fixture;
static git_repository *repo;

static int setup(void **state)
{
	(void)state;
	if (scratch_fixture_open(&fixture, "tree", 1) < 0)
		return -1;
	repo = fixture.repo;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	scratch_fixture_close(&fixture);
	return 0;
}

static void write_object(git_oid *out, const void *data, size_t len, git_object_t type)
{
	git_odb *odb = NULL;

	assert_int_equal(git_repository_odb(&odb, repo), 0);
	assert_int_equal(git_odb_write(out, odb, data, len, type), 0);
	git_odb_free(odb);
}

/* A tree with exactly these entries, in this order, as git's tree parser
 * reads them whatever they are: `spec` is names separated by '|'; a name
 * ending in '/' is a directory (holding one file), one ending in '*' a
 * file of other content than the rest. */
static git_tree *raw_tree(const char *spec)
{
	static const char blob_x[] = "x\n", blob_y[] = "y\n";
	git_oid x, y, sub, id;
	cg_buf raw = CG_BUF_INIT, body = CG_BUF_INIT;
	const char *at, *end;
	git_tree *tree = NULL;

	write_object(&x, blob_x, 2, GIT_OBJECT_BLOB);
	write_object(&y, blob_y, 2, GIT_OBJECT_BLOB);
	cg_buf_put(&body, "100644 f", 9);
	cg_buf_put(&body, (const char *)x.id, GIT_OID_SHA1_SIZE);
	write_object(&sub, body.ptr, body.size, GIT_OBJECT_TREE);
	for (at = spec; *spec; at = end + 1) {
		size_t len = (end = strchr(at, '|')) ? (size_t)(end - at) : strlen(at);
		int dir = len && at[len - 1] == '/', other = len && at[len - 1] == '*';
		const git_oid *oid = dir ? &sub : other ? &y : &x;

		cg_buf_puts(&raw, dir ? "40000 " : "100644 ");
		cg_buf_put(&raw, at, len - (size_t)(dir || other));
		cg_buf_put(&raw, "", 1);
		cg_buf_put(&raw, (const char *)oid->id, GIT_OID_SHA1_SIZE);
		if (!end)
			break;
	}
	write_object(&id, raw.ptr, raw.size, GIT_OBJECT_TREE);
	if (git_tree_lookup(&tree, repo, &id) < 0)
		fail_msg("tree '%s': %s", spec, git_error_last()->message);
	cg_buf_dispose(&raw);
	cg_buf_dispose(&body);
	return tree;
}

static const struct {
	const char *base, *tree;
	const char *why;  /* NULL: git takes the tree */
} cases[] = {
	{ "a|b|c", "a|b|c", NULL },
	{ "a|b|c", "a|b|c|d", NULL },
	{ "a|b|c", "0|a|b|c", NULL },
	{ "a|b|c", "a|b*|c", NULL },
	{ "a|b|c", "a|c", NULL },
	{ "a|b|c", "a|b/|c", NULL },
	{ "a|b", "a|a.b|a.c|b", NULL },
	{ "a|b/|c", "a|b|c", NULL },
	{ "a|b|c", "", NULL },
	/* names git refuses, added anywhere */
	{ "a|b|c", ".git|a|b|c", "forbidden name" },
	{ "a|b|c", ".GIT|a|b|c", "forbidden name" },
	{ "a|b|c", "a|b|c|git~1", "forbidden name" },
	{ "a|b|c", ".|a|b|c", "forbidden name" },
	{ "a|b|c", "..|a|b|c", "forbidden name" },
	{ "a|b|c", "a|b|c|e/f", "forbidden name with '/'" },
	{ "a|b|c", "a|b|c|.git/", "forbidden name" },
	/* out of order: an added entry before or after one it must follow */
	{ "a|b|c", "a|c|b", "not sorted" },
	{ "a|b|c", "b|a|c", "not sorted" },
	{ "a|b|c", "a|b|c|b", "not sorted" },
	{ "a|b|c", "c|a|b", "not sorted" },
	{ "a|b|c", "a|b/|b|c", "not sorted" },
	/* one name twice, side by side or a file and a directory apart */
	{ "a|b|c", "a|b|b|c", "duplicate entry 'b'" },
	{ "a|b|c", "a|b|b*|c", "duplicate entry 'b'" },
	{ "a|b|c", "a|b|b/|c", "duplicate entry 'b'" },
	{ "a|a.b|c", "a|a.b|a/|c", "duplicate entry 'a'" },
	{ "a.b|a/|c", "a|a.b|a/|c", "duplicate entry 'a'" },
	{ "d/", "d|d/", "duplicate entry 'd'" },
	{ "a|b|c", "a|a.b|a/|b|c", "duplicate entry 'a'" },
};

/* The error of `error` as text: "" for none. */
static char *error_text(int error)
{
	return cg_strdup(error < 0 ? cg_error_last() : "");
}

/* The diff of `old` and `new`, which checks both trees, must say what
 * the whole check of `tree` says. */
static void diff_says(cg_memo *memo, git_tree *old, git_tree *new, git_tree *tree,
                      const char *what)
{
	cg_changes *changes = NULL;
	int whole_error = cg_tree_check(tree, ""), along_error;
	char *whole = error_text(whole_error), *along;

	cg_error_clear();
	along_error = cg_changes_trees_memo(&changes, repo, memo, new, &old, 1);
	along = error_text(along_error);
	if (whole_error != along_error || strcmp(whole, along))
		fail_msg("%s: the whole check says %d '%s', the diff %d '%s'", what,
		         whole_error, whole, along_error, along);
	cg_changes_free(changes);
	free(whole);
	free(along);
}

static void test_check_along_a_walk_says_what_the_whole_check_says(void **state)
{
	char what[128];

	(void)state;
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		git_tree *base = raw_tree(cases[k].base), *tree = raw_tree(cases[k].tree), *kept = NULL;
		cg_memo *memo = cg_memo_new();
		int error = cg_tree_check(tree, "");

		if (cases[k].why ? error == 0 || !strstr(cg_error_last(), cases[k].why) : error != 0)
			fail_msg("'%s': expected %s, got '%s'", cases[k].tree,
			         cases[k].why ? cases[k].why : "no error", error ? cg_error_last() : "");
		/* neither side checked before; then the base checked, as the walk
		 * leaves a tree, on either side */
		snprintf(what, sizeof(what), "'%s' after '%s'", cases[k].tree, cases[k].base);
		diff_says(NULL, base, tree, tree, what);
		assert_int_equal(cg_memo_lookup((git_object **)&kept, memo, repo, git_tree_id(base),
		                                GIT_OBJECT_TREE), 0);
		assert_int_equal(cg_tree_check_once(memo, kept, ""), 0);
		assert_true(cg_memo_checked(memo, (git_object *)kept));
		diff_says(memo, kept, tree, tree, what);
		snprintf(what, sizeof(what), "'%s' before '%s'", cases[k].tree, cases[k].base);
		diff_says(memo, tree, kept, tree, what);
		git_tree_free(kept);
		cg_memo_free(memo);
		git_tree_free(base);
		git_tree_free(tree);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_along_a_walk_says_what_the_whole_check_says),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
