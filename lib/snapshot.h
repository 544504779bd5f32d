/*
 * snapshot.h: one side of a change (an index file, a tree, or the empty
 * tree) and the lookup of a path in it, as the rules read it.
 */
#ifndef CG_SNAPSHOT_H
#define CG_SNAPSHOT_H

#include <git2.h>
#include <stdint.h>

#include "memo.h"

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

/* Calls `fn` with every file, symlink and gitlink of the snapshot (stage
 * 0 of an index), in path order, until it returns non-zero, which is
 * returned; an unreadable tree is an error. */
typedef int (*cg_snapshot_entry_fn)(const char *path, const git_oid *oid, uint32_t mode,
                                    void *payload);
int cg_snapshot_foreach(const cg_snapshot *snap, cg_snapshot_entry_fn fn, void *payload);

git_repository *cg_snapshot_repository(const cg_snapshot *snap);
/* A tree snapshot's tree (NULL for an index or the empty tree) and the
 * walk's memo it reads through (NULL: none), both lent. */
git_tree *cg_snapshot_tree(const cg_snapshot *snap);
cg_memo *cg_snapshot_memo(const cg_snapshot *snap);
void cg_snapshot_free(cg_snapshot *snap);

/* For lib/changes.c: the index file of a snapshot made by
 * cg_snapshot_from_index_file, else NULL; lent (lib/index.h). */
struct cg_index__file;
const struct cg_index__file *cg_snapshot__index(const cg_snapshot *snap);

#endif
