/*
 * changes.h: the change set being checked (staged index against HEAD, or a
 * commit against its parents); either side is a snapshot (snapshot.h).
 */
#ifndef CG_CHANGES_H
#define CG_CHANGES_H

#include <git2.h>
#include <stddef.h>

#include "memo.h"
#include "snapshot.h"
#include "tree.h"

typedef enum {
	CG_CHANGE_ADDED = 'A',
	CG_CHANGE_DELETED = 'D',
	CG_CHANGE_MODIFIED = 'M',   /* content or mode */
	CG_CHANGE_TYPECHANGE = 'T'  /* file <-> symlink <-> gitlink */
} cg_change_status;

typedef struct {
	char *path;
	cg_change_status status;
	uint32_t old_mode, new_mode; /* 0 where the side has no entry */
	git_oid old_oid, new_oid;
} cg_change;

/* A list of changed paths. No rename detection is run: a rename is a
 * deletion and an addition, which is all the rules need (docs/reference.md, Rules). */
typedef struct cg_changes cg_changes;

/* What `git commit` will record: `staged`, a snapshot of an index file,
 * against the parents' trees (at least one: `parents[0]` is HEAD's, NULL
 * when unborn; more during a merge, when only paths that differ from every
 * parent count, as for a merge commit). Like git diff --cached, it skips
 * the directories that the index file's cache-tree shows unchanged. */
int cg_changes_staged_snapshot(cg_changes **out, const cg_snapshot *staged,
                               git_tree *const *parents, size_t nparents);

/* For tests: how cg_changes_staged_snapshot compares, all with the same
 * result. AUTO uses the cache-tree when the index file has one;
 * NO_CACHE_TREE walks every directory; LIBGIT2 runs git_diff_tree_to_index,
 * which AUTO also falls back to for conflicts. */
typedef enum {
	CG_CHANGES__AUTO,
	CG_CHANGES__NO_CACHE_TREE,
	CG_CHANGES__LIBGIT2
} cg_changes__method;

void cg_changes__set_method(cg_changes__method method);

/* What a commit whose tree is `tree` introduced: against its parents'
 * trees (`nparents` 0: a root commit, against the empty tree), and for a
 * merge only the paths that differ from every parent. The caller has the
 * trees already, so that they are not read twice: on a long history with
 * libgit2's object cache off, reading them is most of the cost. Subtrees
 * are read through `memo` (may be NULL). */
int cg_changes_trees_memo(cg_changes **out, git_repository *repo, cg_memo *memo,
                          git_tree *tree, git_tree *const *parents, size_t nparents);

size_t cg_changes_count(const cg_changes *changes);
const cg_change *cg_changes_get(const cg_changes *changes, size_t i);
void cg_changes_free(cg_changes *changes);

#endif
