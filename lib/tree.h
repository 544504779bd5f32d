/*
 * tree.h: what a tree must be for the checks to trust it (as git writes it,
 * no name git refuses, bounded depth), and git's order of tree entries.
 */
#ifndef CG_TREE_H
#define CG_TREE_H

#include <git2.h>
#include <stddef.h>

#include "memo.h"

/* 0 when `tree` is as git writes it, else an error that names the tree
 * (`path`: where it lies, "" for the root) and what is wrong: entries out
 * of order or with one name twice (libgit2 finds entries by binary search,
 * so it would miss some, or read another copy than git shows), or a name
 * git refuses ('', '.', '..', '.git' as any file system may spell it, a
 * name with '/'). Every tree the checks read goes through here. */
int cg_tree_check(const git_tree *tree, const char *path);

/* cg_tree_check of `tree` where it differs from a tree that passed it
 * (along a walk: the parent commit's version of the same directory), at
 * less cost: only the entries of `tree` whose name and type the other
 * tree lacks (`added`, indexes in ascending order; each other entry of
 * `tree`, in order, is one of the other tree's) and their neighbours are
 * looked at. Any doubt and the whole check runs, for its message. */
int cg_tree_check_added(const git_tree *tree, const size_t *added, size_t nadded,
                        const char *path);

/* cg_tree_check once per tree while `memo` (may be NULL) keeps it. */
int cg_tree_check_once(cg_memo *memo, const git_tree *tree, const char *path);

/* Trees deeper than this are refused, as git's core.maxTreeDepth does. */
#define CG_TREE_MAX_DEPTH 4096

/* git's base_name_compare: tree order, in which a directory (`adir`,
 * `bdir` set) sorts as if its name ended in '/'. */
int cg_tree_order(const char *a, size_t alen, int adir, const char *b, size_t blen, int bdir);

#endif
