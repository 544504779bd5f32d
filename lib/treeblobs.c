#include "treeblobs.h"

#include <stdlib.h>

#include "buf.h"
#include "changes.h"
#include "error.h"
#include "oidmap.h"

/* One path's change, both sides (0 old, 1 new); mode 0: no file. */
typedef struct {
	git_oid oid[2];
	uint32_t mode[2];
} blob_change;

struct cg_treeblobs {
	cg_oidmap *counts; /* blob id -> regular files holding it */
	size_t stale;      /* ids whose count is 0 */
	git_tree *tree;    /* the tree counted; NULL: none yet */
	git_tree *back;    /* cg_treeblobs_step: a parent tree of `tree`, NULL: none */
	blob_change *undo; /* and the changes from it to `tree` */
	size_t nundo, aundo;
};

cg_treeblobs *cg_treeblobs_new(void)
{
	return cg_calloc(1, sizeof(cg_treeblobs));
}

void cg_treeblobs_free(cg_treeblobs *tb)
{
	if (!tb)
		return;
	cg_oidmap_free(tb->counts);
	git_tree_free(tb->tree);
	git_tree_free(tb->back);
	free(tb->undo);
	free(tb);
}

static void add(cg_treeblobs *tb, const git_oid *oid, uint32_t mode, int up)
{
	size_t n = 0;
	int known;

	if (mode != GIT_FILEMODE_BLOB && mode != GIT_FILEMODE_BLOB_EXECUTABLE)
		return;
	known = cg_oidmap_get(tb->counts, oid, &n);
	if (up) {
		tb->stale -= known && !n;
		cg_oidmap_put(tb->counts, oid, n + 1);
	} else if (n) {
		tb->stale += n == 1;
		cg_oidmap_put(tb->counts, oid, n - 1);
	}
}

/* A file changed from (old_mode, old) to (new_mode, new). */
static void shift(cg_treeblobs *tb, const git_oid *old, uint32_t old_mode, const git_oid *new,
                  uint32_t new_mode)
{
	add(tb, old, old_mode, 0);
	add(tb, new, new_mode, 1);
}

static void shift_all(cg_treeblobs *tb, const cg_changes *changes)
{
	size_t i, n = cg_changes_count(changes);

	for (i = 0; i < n; i++) {
		const cg_change *c = cg_changes_get(changes, i);
		shift(tb, &c->old_oid, c->old_mode, &c->new_oid, c->new_mode);
	}
}

static int count_entry(const char *root, const git_tree_entry *e, void *payload)
{
	(void)root;
	add(payload, git_tree_entry_id(e), (uint32_t)git_tree_entry_filemode(e), 1);
	return 0;
}

/* The whole tree, read as the forbid rule's scan reads it (git_tree_walk). */
static int count_all(cg_treeblobs *tb, git_tree *tree)
{
	cg_oidmap_free(tb->counts);
	tb->counts = cg_oidmap_new();
	tb->stale = 0;
	if (git_tree_walk(tree, GIT_TREEWALK_PRE, count_entry, tb) < 0)
		return cg_error_from_git("cannot read tree");
	return 0;
}

static int count_difference(cg_treeblobs *tb, git_repository *repo, cg_memo *memo,
                            git_tree *tree)
{
	cg_changes *changes = NULL;
	int error;

	if ((error = cg_changes_trees_memo(&changes, repo, memo, tree, &tb->tree, 1)) < 0)
		return error;
	shift_all(tb, changes);
	cg_changes_free(changes);
	return 0;
}

static void forget_undo(cg_treeblobs *tb)
{
	git_tree_free(tb->back);
	tb->back = NULL;
	tb->nundo = 0;
}

/* Makes `tb` count `tree` (a new reference) in place of the tree before. */
static int now_counts(cg_treeblobs *tb, git_tree *tree)
{
	git_tree_free(tb->tree);
	tb->tree = NULL;
	if (git_object_dup((git_object **)&tb->tree, (git_object *)tree) < 0)
		return cg_error_from_git("cannot keep a tree");
	return 0;
}

int cg_treeblobs_move(cg_treeblobs *tb, git_repository *repo, cg_memo *memo, git_tree *tree)
{
	int error;

	if (tb->tree && git_oid_equal(git_tree_id(tb->tree), git_tree_id(tree)))
		return 0;
	/* Ids counted down to 0 stay until they outnumber the others: then
	 * the tree is read whole, a cost the changes since have paid for. */
	forget_undo(tb);
	if (tb->tree && tb->stale <= cg_oidmap_count(tb->counts) - tb->stale)
		error = count_difference(tb, repo, memo, tree);
	else
		error = count_all(tb, tree);
	if (error < 0) {
		git_tree_free(tb->tree);
		tb->tree = NULL;
		return error;
	}
	return now_counts(tb, tree);
}

static int same_tree(const git_tree *a, const git_tree *b)
{
	return a && b && git_oid_equal(git_tree_id(a), git_tree_id(b));
}

/* Back from `tree` to `back` by the kept changes, undone. */
static void step_back(cg_treeblobs *tb)
{
	git_tree *back = tb->back;
	size_t i;

	for (i = 0; i < tb->nundo; i++) {
		const blob_change *c = &tb->undo[i];
		shift(tb, &c->oid[1], c->mode[1], &c->oid[0], c->mode[0]);
	}
	tb->back = NULL;
	tb->nundo = 0;
	git_tree_free(tb->tree);
	tb->tree = back; /* the reference moves */
}

static void keep_undo(cg_treeblobs *tb, const cg_changes *changes)
{
	size_t i, n = cg_changes_count(changes);

	tb->undo = cg_array_grow(tb->undo, &tb->aundo, n ? n : 1, sizeof(*tb->undo));
	for (i = 0; i < n; i++) {
		const cg_change *c = cg_changes_get(changes, i);
		git_oid_cpy(&tb->undo[i].oid[0], &c->old_oid);
		git_oid_cpy(&tb->undo[i].oid[1], &c->new_oid);
		tb->undo[i].mode[0] = c->old_mode;
		tb->undo[i].mode[1] = c->new_mode;
	}
	tb->nundo = n;
}

int cg_treeblobs_step(cg_treeblobs *tb, git_tree *from, git_tree *to, const cg_changes *changes)
{
	/* the walk goes from child to parent: the child's changes, undone */
	if (tb->back && same_tree(tb->back, to))
		step_back(tb);
	forget_undo(tb);
	if (same_tree(tb->tree, from)) {
		shift_all(tb, changes);
		return now_counts(tb, to);
	}
	if (same_tree(tb->tree, to)) {
		keep_undo(tb, changes);
		if (git_object_dup((git_object **)&tb->back, (git_object *)from) < 0) {
			tb->back = NULL;
			return cg_error_from_git("cannot keep a tree");
		}
	}
	return 0;
}

size_t cg_treeblobs_count(const cg_treeblobs *tb, const git_oid *oid)
{
	size_t n = 0;

	if (tb->counts)
		cg_oidmap_get(tb->counts, oid, &n);
	return n;
}
