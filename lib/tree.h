/*
 * tree.h: what a tree must be for the checks to trust it (as git writes it,
 * no name git refuses, bounded depth), and git's order of tree entries.
 */
#ifndef CG_TREE_H
#define CG_TREE_H

#include <git2.h>
#include <stddef.h>

/* 0 when `tree` is as git writes it, else an error that names the tree
 * (`path`: where it lies, "" for the root) and what is wrong: entries out
 * of order or with one name twice (libgit2 finds entries by binary search,
 * so it would miss some, or read another copy than git shows), or a name
 * git refuses ('', '.', '..', '.git' as any file system may spell it, a
 * name with '/'). Every tree the checks read goes through here. */
int cg_tree_check(const git_tree *tree, const char *path);

/* Trees deeper than this are refused, as git's core.maxTreeDepth does. */
#define CG_TREE_MAX_DEPTH 4096

/* git's base_name_compare: tree order, in which a directory (`adir`,
 * `bdir` set) sorts as if its name ended in '/'. */
int cg_tree_order(const char *a, size_t alen, int adir, const char *b, size_t blen, int bdir);

#endif
