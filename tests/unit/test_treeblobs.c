/* Unit tests of lib/treeblobs.c: the count of a tree's blobs, moved from
 * tree to tree in every order, equals the count read from the tree itself. */
#define _XOPEN_SOURCE 700

#include "scratch_fixture.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "memo.h"
#include "treeblobs.h"

/* A tree's files: "path=content", the path prefixed "x:" for an executable
 * file and "l:" for a symlink (which the count leaves out). */
#define MAX_FILES 8
typedef struct {
	const char *files[MAX_FILES];
} tree_spec;

static const tree_spec trees[] = {
	{ { "a.c=one", "d/b.c=two", "d/e/c.c=one", NULL } },
	{ { "d/b.c=two", "d/e/c.c=one", "d/e/f.c=three", NULL } },
	{ { "d/b.c=two", "x:run.sh=two", "l:link=two", NULL } },
	{ { "d/b.c=one", "l:run.sh=two", "e/d/b.c=one", "e/d/c.c=one", NULL } },
	{ { "z=four", NULL } },
};
#define NTREES (sizeof(trees) / sizeof(trees[0]))
static const char *const contents[] = { "one", "two", "three", "four", "five" };

typedef struct {
	scratch_fixture s;
	git_oid ids[NTREES];
} fixture;

static void add_file(git_index *idx, const char *spec)
{
	git_index_entry e;
	const char *eq = strchr(spec, '=');
	char path[64];

	memset(&e, 0, sizeof(e));
	e.mode = GIT_FILEMODE_BLOB;
	if (spec[1] == ':') {
		e.mode = spec[0] == 'x' ? GIT_FILEMODE_BLOB_EXECUTABLE : GIT_FILEMODE_LINK;
		spec += 2;
	}
	snprintf(path, sizeof(path), "%.*s", (int)(eq - spec), spec);
	e.path = path;
	assert_int_equal(git_index_add_from_buffer(idx, &e, eq + 1, strlen(eq + 1)), 0);
}

/* Writes a tree of `n` files "f<i>" holding "<first + i>", or of `spec`. */
static void write_tree(git_oid *out, fixture *f, const tree_spec *spec, size_t n, size_t first)
{
	git_index *idx = NULL;
	char file[64];
	size_t i;

	assert_int_equal(git_repository_index(&idx, f->s.repo), 0);
	assert_int_equal(git_index_clear(idx), 0);
	for (i = 0; spec && i < MAX_FILES && spec->files[i]; i++)
		add_file(idx, spec->files[i]);
	for (i = 0; i < n; i++) {
		snprintf(file, sizeof(file), "f%zu=%zu", i, first + i);
		add_file(idx, file);
	}
	assert_int_equal(git_index_write_tree(out, idx), 0);
	git_index_free(idx);
}

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	size_t i;

	if (!f || scratch_fixture_open(&f->s, "treeblobs", 0) < 0)
		return -1;
	for (i = 0; i < NTREES; i++)
		write_tree(&f->ids[i], f, &trees[i], 0, 0);
	*state = f;
	return 0;
}

static size_t expected(const tree_spec *spec, const char *content)
{
	size_t i, n = 0;

	for (i = 0; i < MAX_FILES && spec->files[i]; i++)
		n += strncmp(spec->files[i], "l:", 2) && !strcmp(strchr(spec->files[i], '=') + 1, content);
	return n;
}

static void move_to(cg_treeblobs *tb, fixture *f, cg_memo *memo, const git_oid *id)
{
	git_tree *tree = NULL;

	assert_int_equal(git_tree_lookup(&tree, f->s.repo, id), 0);
	assert_int_equal(cg_treeblobs_move(tb, f->s.repo, memo, tree), 0);
	git_tree_free(tree);
}

static size_t count_of(const cg_treeblobs *tb, const char *content)
{
	git_oid blob;

	assert_int_equal(git_odb_hash(&blob, content, strlen(content), GIT_OBJECT_BLOB), 0);
	return cg_treeblobs_count(tb, &blob);
}

static void test_moves(void **state)
{
	/* each walk: the trees visited, in order; -1 ends it */
	static const int walks[][10] = {
		{ 0, 1, 2, 3, 4, -1 },
		{ 4, 3, 2, 1, 0, -1 },
		{ 0, 2, 0, 3, 1, 3, 3, 4, 0, -1 },
	};
	fixture *f = *state;
	size_t w, k, c;

	for (w = 0; w < sizeof(walks) / sizeof(walks[0]); w++) {
		cg_memo *memo = w ? cg_memo_new() : NULL;
		cg_treeblobs *tb = cg_treeblobs_new();

		for (k = 0; walks[w][k] >= 0; k++) {
			move_to(tb, f, memo, &f->ids[walks[w][k]]);
			for (c = 0; c < sizeof(contents) / sizeof(contents[0]); c++)
				if (count_of(tb, contents[c]) != expected(&trees[walks[w][k]], contents[c]))
					fail_msg("walk %zu, step %zu (tree %d): %zu files hold '%s', counted %zu",
					         w, k, walks[w][k], expected(&trees[walks[w][k]], contents[c]),
					         contents[c], count_of(tb, contents[c]));
		}
		cg_treeblobs_free(tb);
		cg_memo_free(memo);
	}
}

/* The counts of `tb` against those of tree `t`. */
static void check_counts(const cg_treeblobs *tb, int t, const char *what, size_t step)
{
	size_t c;

	for (c = 0; c < sizeof(contents) / sizeof(contents[0]); c++)
		if (count_of(tb, contents[c]) != expected(&trees[t], contents[c]))
			fail_msg("%s, commit %zu (tree %d): %zu files hold '%s', counted %zu", what, step,
			         t, expected(&trees[t], contents[c]), contents[c], count_of(tb, contents[c]));
}

/* One commit of a walk, from tree `from` (its parent's) to `to`: stepped,
 * then the counts are those of `to` without a move. */
static void step_commit(cg_treeblobs *tb, fixture *f, int from, int to, const char *what,
                        size_t k)
{
	git_tree *a = NULL, *b = NULL;
	cg_changes *changes = NULL;

	assert_int_equal(git_tree_lookup(&a, f->s.repo, &f->ids[from]), 0);
	assert_int_equal(git_tree_lookup(&b, f->s.repo, &f->ids[to]), 0);
	assert_int_equal(cg_changes_trees_memo(&changes, f->s.repo, NULL, b, &a, 1), 0);
	assert_int_equal(cg_treeblobs_step(tb, a, b, changes), 0);
	check_counts(tb, to, what, k);
	cg_changes_free(changes);
	git_tree_free(a);
	git_tree_free(b);
}

/* Histories of trees, oldest first, walked each way one commit at a time:
 * only the first commit's tree is counted by a move, every later count by
 * the commits' own changes (from the oldest on) or by the last commit's
 * undone (from the newest on). */
static void test_steps_follow_a_walk(void **state)
{
	static const struct {
		const char *what;
		int trees[10]; /* -1 ends it */
		int newest_first;
	} walks[] = {
		{ "oldest first", { 0, 1, 2, 3, 4, -1 }, 0 },
		{ "newest first", { 0, 1, 2, 3, 4, -1 }, 1 },
		{ "oldest first, back and forth", { 0, 2, 0, 3, 1, 3, 3, 4, 0, -1 }, 0 },
		{ "newest first, back and forth", { 0, 2, 0, 3, 1, 3, 3, 4, 0, -1 }, 1 },
	};
	fixture *f = *state;
	size_t w, n, k;

	for (w = 0; w < sizeof(walks) / sizeof(walks[0]); w++) {
		const int *t = walks[w].trees;
		cg_treeblobs *tb = cg_treeblobs_new();

		for (n = 0; t[n] >= 0; n++)
			;
		move_to(tb, f, NULL, &f->ids[walks[w].newest_first ? t[n - 1] : t[0]]);
		for (k = 1; k < n; k++) {
			size_t c = walks[w].newest_first ? n - k : k; /* the commit of t[c] */
			step_commit(tb, f, t[c - 1], t[c], walks[w].what, k);
		}
		cg_treeblobs_free(tb);
	}
}

/* A commit of another branch (neither of its trees counted) leaves the
 * count alone, and a move still finds it. */
static void test_step_elsewhere(void **state)
{
	fixture *f = *state;
	cg_treeblobs *tb = cg_treeblobs_new();
	git_tree *a = NULL, *b = NULL;
	cg_changes *changes = NULL;

	move_to(tb, f, NULL, &f->ids[0]);
	assert_int_equal(git_tree_lookup(&a, f->s.repo, &f->ids[2]), 0);
	assert_int_equal(git_tree_lookup(&b, f->s.repo, &f->ids[3]), 0);
	assert_int_equal(cg_changes_trees_memo(&changes, f->s.repo, NULL, b, &a, 1), 0);
	assert_int_equal(cg_treeblobs_step(tb, a, b, changes), 0);
	check_counts(tb, 0, "another branch", 0);
	move_to(tb, f, NULL, &f->ids[3]);
	check_counts(tb, 3, "moved after", 1);
	cg_changes_free(changes);
	git_tree_free(a);
	git_tree_free(b);
	cg_treeblobs_free(tb);
}

/* A large tree, a small one (the large one's ids now stale outnumber the
 * live ones, so the next move counts anew), another large one with none of
 * the first one's blobs, and the first again. */
static void test_stale_ids(void **state)
{
	static const size_t firsts[] = { 0, SIZE_MAX, 200, 0 };
	static const char *const probes[] = { "0", "199", "200", "399", "one" };
	fixture *f = *state;
	cg_treeblobs *tb = cg_treeblobs_new();
	git_oid big[2];
	size_t k, p, want;

	write_tree(&big[0], f, NULL, 200, 0);
	write_tree(&big[1], f, NULL, 200, 200);
	for (k = 0; k < 4; k++) {
		move_to(tb, f, NULL, firsts[k] == SIZE_MAX ? &f->ids[0] : &big[firsts[k] / 200]);
		for (p = 0; p < sizeof(probes) / sizeof(probes[0]); p++) {
			size_t v = (size_t)strtoul(probes[p], NULL, 10);
			if (firsts[k] == SIZE_MAX)
				want = expected(&trees[0], probes[p]);
			else
				want = strcmp(probes[p], "one") && v >= firsts[k] && v < firsts[k] + 200;
			assert_int_equal(count_of(tb, probes[p]), want);
		}
	}
	cg_treeblobs_free(tb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_moves),
		cmocka_unit_test(test_stale_ids),
		cmocka_unit_test(test_steps_follow_a_walk),
		cmocka_unit_test(test_step_elsewhere),
	};
	return cmocka_run_group_tests(tests, setup, scratch_fixture_teardown);
}
