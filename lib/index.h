/*
 * index.h: the index file read in place (gitformat-index(5)), semi-private:
 * for lib/snapshot.c and the staged walk of lib/changes.c, which read its entries and cache-tree.
 */
#ifndef CG_INDEX_H
#define CG_INDEX_H

#include "git2compat.h"
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"

/*
 * The index file, read directly (gitformat-index(5)). Loading a git_index
 * costs an allocation, a hash-map insertion and a path validation per
 * entry plus a SHA-1 over the whole file: 80% of a hook's time on a
 * 100,000-file repository, twice what git diff --cached takes in all
 * (docs/benchmarks.md). A check needs far less: the entries in order,
 * found by binary search, and the cache-tree. The checksum is not
 * verified: git verifies it whenever it reads the index, so a damaged
 * index is never committed, and git commit did so before its hooks ran.
 */
typedef struct cg_index__tree cg_index__tree;

/* The TREE extension: for each directory, how many index entries it spans
 * and, until an update below it invalidates it, the id of the tree those
 * entries make. git diff --cached skips a directory whose id equals HEAD's
 * subtree, and git commit writes those very ids into the commit, so
 * trusting them checks exactly what will be committed. */
struct cg_index__tree {
	const char *name;  /* in the mapped file, not NUL-terminated */
	size_t namelen;
	long entries;      /* index entries spanned; negative: invalidated */
	git_oid id;        /* when entries >= 0 */
	cg_index__tree *sub;   /* sorted by name */
	size_t nsub;
};

/* Offsets, not pointers: a large index has many entries, and the array is
 * written once per run, so its size is time (memory on some virtual
 * machines costs a microsecond a page). */
typedef struct {
	uint32_t raw;   /* of the stat data, mode, id and flags, in the file */
	uint32_t path;  /* of the NUL-terminated path in path_base */
} cg_index__entry;

typedef struct cg_index__file {
	char *file;                /* its path */
	void *map;
	size_t size;
	cg_index__entry *entries;
	size_t count;
	const char *path_base;     /* the map, or `paths` for version 4 */
	cg_buf paths;              /* version 4: the prefix-compressed paths, spelt out */
	cg_index__tree root;           /* entries -1 and no subtrees when there is none */
	int conflicted;            /* has entries of stages 1 to 3 */
} cg_index__file;

/* Where an entry's mode and id lie in its bytes. */
#define CG_INDEX__ENTRY_MODE 24
#define CG_INDEX__ENTRY_ID 40

static inline const unsigned char *cg_index__entry_raw(const cg_index__file *f, size_t i)
{
	return (const unsigned char *)f->map + f->entries[i].raw;
}

static inline const char *cg_index__entry_path(const cg_index__file *f, size_t i)
{
	return f->path_base + f->entries[i].path;
}

static inline uint32_t cg_index__entry_mode(const cg_index__file *f, size_t i)
{
	return cg_buf_be32(cg_index__entry_raw(f, i) + CG_INDEX__ENTRY_MODE);
}

static inline int cg_index__entry_id_is(const cg_index__file *f, size_t i, const git_oid *id)
{
	return !memcmp(cg_index__entry_raw(f, i) + CG_INDEX__ENTRY_ID, id->id, GIT_OID_SHA1_SIZE);
}

static inline void cg_index__entry_id(git_oid *out, const cg_index__file *f, size_t i)
{
	git_oid_fromraw(out, cg_index__entry_raw(f, i) + CG_INDEX__ENTRY_ID);
}

/* Maps and reads `path` into `f`, which cg_index__dispose releases even on
 * error; a missing file is an empty index, as for git. */
int cg_index__read(cg_index__file *f, const char *path);
void cg_index__dispose(cg_index__file *f);

/* 1 when entry `i` is a conflict's stage 1 to 3, not a staged file. */
int cg_index__entry_conflicted(const cg_index__file *f, size_t i);

/* The stage-0 entry for `path` in *at, or CG_ENOTFOUND. */
int cg_index__find(size_t *at, const cg_index__file *f, const char *path);

/* The cache-tree node of `t` (may be NULL) named name[0..len), or NULL. */
const cg_index__tree *cg_index__subtree(const cg_index__tree *t, const char *name, size_t len);

#endif
