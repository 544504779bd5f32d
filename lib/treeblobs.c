#include "treeblobs.h"

#include <stdlib.h>

#include "buf.h"
#include "changes.h"
#include "error.h"
#include "oidmap.h"

struct cg_treeblobs {
	cg_oidmap *counts; /* blob id -> regular files holding it */
	size_t stale;      /* ids whose count is 0 */
	git_tree *tree;    /* the tree counted; NULL: none yet */
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
	size_t i, n;
	int error;

	if ((error = cg_changes_trees_memo(&changes, repo, memo, tree, &tb->tree, 1)) < 0)
		return error;
	n = cg_changes_count(changes);
	for (i = 0; i < n; i++) {
		const cg_change *c = cg_changes_get(changes, i);
		add(tb, &c->old_oid, c->old_mode, 0);
		add(tb, &c->new_oid, c->new_mode, 1);
	}
	cg_changes_free(changes);
	return 0;
}

int cg_treeblobs_move(cg_treeblobs *tb, git_repository *repo, cg_memo *memo, git_tree *tree)
{
	int error;

	if (tb->tree && git_oid_equal(git_tree_id(tb->tree), git_tree_id(tree)))
		return 0;
	/* Ids counted down to 0 stay until they outnumber the others: then
	 * the tree is read whole, a cost the changes since have paid for. */
	if (tb->tree && tb->stale <= cg_oidmap_count(tb->counts) - tb->stale)
		error = count_difference(tb, repo, memo, tree);
	else
		error = count_all(tb, tree);
	git_tree_free(tb->tree);
	tb->tree = NULL;
	if (error < 0)
		return error;
	if (git_object_dup((git_object **)&tb->tree, (git_object *)tree) < 0)
		return cg_error_from_git("cannot keep a tree");
	return 0;
}

size_t cg_treeblobs_count(const cg_treeblobs *tb, const git_oid *oid)
{
	size_t n = 0;

	if (tb->counts)
		cg_oidmap_get(tb->counts, oid, &n);
	return n;
}
