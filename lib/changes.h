/*
 * changes.h: the change set being checked (staged index against HEAD, or a
 * commit against its parents) and read access to either side of it.
 */
#ifndef CG_CHANGES_H
#define CG_CHANGES_H

#include <git2.h>
#include <stddef.h>

/* One side of a change: the index, a tree, or nothing (the empty tree). */
typedef struct cg_snapshot cg_snapshot;

int cg_snapshot_from_index(cg_snapshot **out, git_repository *repo, git_index *index);
/* `tree` may be NULL for the empty tree; the snapshot does not own it. */
int cg_snapshot_from_tree(cg_snapshot **out, git_repository *repo, git_tree *tree);

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

/* What `git commit` will record: `index` against the parents' trees
 * (at least one: `parents[0]` is HEAD's, NULL when unborn; more during a
 * merge, when only paths that differ from every parent count, as for a
 * merge commit). */
int cg_changes_staged(cg_changes **out, git_repository *repo, git_index *index,
                      git_tree *const *parents, size_t nparents);

/* What `commit` introduced: against its parent, the empty tree for a root
 * commit, and for a merge only the paths that differ from every parent. */
int cg_changes_commit(cg_changes **out, git_repository *repo, git_commit *commit);

size_t cg_changes_count(const cg_changes *changes);
const cg_change *cg_changes_get(const cg_changes *changes, size_t i);
void cg_changes_free(cg_changes *changes);

#endif
