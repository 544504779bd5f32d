/*
 * changes.h: the change set being checked (staged index against HEAD, or a
 * commit against its parents) and read access to either side of it.
 */
#ifndef CG_CHANGES_H
#define CG_CHANGES_H

#include <git2.h>
#include <stddef.h>

/* Objects kept along a walk over history for the commits after: a
 * commit's parent and its root tree are what the previous commit read, its
 * parent's version of a changed directory and CHANGELOG what an earlier
 * commit there read. Without libgit2's object cache (off on long walks, see
 * lib/receive.c) they would be read and inflated again. Bounded in count
 * and bytes, whatever the walk's length. */
typedef struct cg_memo cg_memo;

cg_memo *cg_memo_new(void);
void cg_memo_free(cg_memo *memo);

/* git_object_lookup through `memo` (may be NULL): the caller frees `out`. */
int cg_memo_lookup(git_object **out, cg_memo *memo, git_repository *repo,
                   const git_oid *oid, git_object_t type);

/* For a caller that must see an object's header before reading it: the
 * object when the memo has it (*out NULL otherwise), and keeping one read. */
void cg_memo_find(git_object **out, cg_memo *memo, const git_oid *oid);
void cg_memo_keep(cg_memo *memo, git_object *obj);

/* 0 when `tree` is as git writes it, else an error that names the tree
 * (`path`: where it lies, "" for the root) and what is wrong: entries out
 * of order or with one name twice (libgit2 finds entries by binary search,
 * so it would miss some, or read another copy than git shows), or a name
 * git refuses ('', '.', '..', '.git' as any file system may spell it, a
 * name with '/'). Every tree the checks read goes through here. */
int cg_tree_check(const git_tree *tree, const char *path);

/* Trees deeper than this are refused, as git's core.maxTreeDepth does. */
#define CG_TREE_MAX_DEPTH 4096

/* One side of a change: an index file, a tree, or nothing (the empty tree). */
typedef struct cg_snapshot cg_snapshot;

/* The index file at `path` (NULL: the repository's own), read directly
 * rather than loaded as a git_index: on a large index a tenth of the cost,
 * since only what a check needs is decoded. A missing file is an empty
 * index; a damaged one, or one with a split or sparse index, an error. */
int cg_snapshot_from_index_file(cg_snapshot **out, git_repository *repo, const char *path);
/* `tree` may be NULL for the empty tree; the snapshot does not own it. */
int cg_snapshot_from_tree(cg_snapshot **out, git_repository *repo, git_tree *tree);
/* Reads the snapshot's subtrees through `memo`, which must outlive it. */
void cg_snapshot_use_memo(cg_snapshot *snap, cg_memo *memo);

/* Finds `path` (a file, symlink or gitlink, never a directory). Returns 0,
 * or CG_ENOTFOUND when the side has no such entry. */
int cg_snapshot_lookup(const cg_snapshot *snap, const char *path,
                       git_oid *oid, uint32_t *mode);

git_repository *cg_snapshot_repository(const cg_snapshot *snap);
void cg_snapshot_free(cg_snapshot *snap);

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
 * deletion and an addition, which is all the rules need (SPEC §3). */
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
