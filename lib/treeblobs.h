/*
 * treeblobs.h: how many files of a tree hold each blob, carried along a walk
 * over history from one tree to the next by their difference.
 */
#ifndef CG_TREEBLOBS_H
#define CG_TREEBLOBS_H

#include <git2.h>
#include <stddef.h>

#include "memo.h"

/* The blob ids of one tree's regular files, counted: whether an added
 * file's blob is at another path (the forbid rule's duplicate check) is
 * then a lookup. Moved to the next tree of a walk by the two trees'
 * difference, it costs what the commits change, where a scan per commit
 * costs the whole tree; it holds one tree's ids whatever the walk's length. */
typedef struct cg_treeblobs cg_treeblobs;

cg_treeblobs *cg_treeblobs_new(void);
void cg_treeblobs_free(cg_treeblobs *tb);

/* Makes `tb` count the files of `tree`: by its difference from the tree
 * counted before, whose subtrees are read through `memo` (may be NULL) and
 * checked as the walk's diffs check them; the first time, and when ids no
 * longer in the tree would outnumber those in it, by reading all of `tree`. */
int cg_treeblobs_move(cg_treeblobs *tb, git_repository *repo, cg_memo *memo, git_tree *tree);

/* How many regular files of the tree counted hold `oid`. */
size_t cg_treeblobs_count(const cg_treeblobs *tb, const git_oid *oid);

#endif
