/*
 * treeblobs.h: how many files of a tree hold each blob, carried along a walk
 * over history from one tree to the next by their difference.
 */
#ifndef CG_TREEBLOBS_H
#define CG_TREEBLOBS_H

#include <git2.h>
#include <stddef.h>

#include "changes.h"
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

/* Follows a walk's commit from `from` (its only parent's tree) to `to`
 * (its own), `changes` being all their differences: when `tb` counts
 * `from` it then counts `to`, by those changes alone; when it counts `to`
 * it keeps them, so that the commit after in a walk from the newest on
 * (the parent, which leads to `from`) moves it back by them. Either way
 * a move to the next commit's tree then finds it counted, where
 * cg_treeblobs_move would diff the trees counted last and now again,
 * across every commit between them. Else it does nothing. */
int cg_treeblobs_step(cg_treeblobs *tb, git_tree *from, git_tree *to, const cg_changes *changes);

/* How many regular files of the tree counted hold `oid`. */
size_t cg_treeblobs_count(const cg_treeblobs *tb, const git_oid *oid);

#endif
