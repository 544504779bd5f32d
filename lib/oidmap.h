/*
 * oidmap.h: object ids to numbers, a hash table for walks over many refs and
 * commits, so that "seen already?" costs the same at the 5,000th as at the first.
 */
#ifndef CG_OIDMAP_H
#define CG_OIDMAP_H

#include <git2.h>
#include <stddef.h>

typedef struct cg_oidmap cg_oidmap;

cg_oidmap *cg_oidmap_new(void);
void cg_oidmap_free(cg_oidmap *map);

/* Sets `oid`'s number (a new id or a new value for a known one): an index
 * or a count, below UINT32_MAX (a larger one aborts). */
void cg_oidmap_put(cg_oidmap *map, const git_oid *oid, size_t value);

/* 1 with *value set when `oid` is in the map (value may be NULL), else 0. */
int cg_oidmap_get(const cg_oidmap *map, const git_oid *oid, size_t *value);

size_t cg_oidmap_count(const cg_oidmap *map);

#endif
