/*
 * packmap.h: the pages of the files a long check keeps mapped (packs and their indexes), let
 * go as it reads on, so that its resident memory follows what it reads now, not all it has read.
 */
#ifndef CG_PACKMAP_H
#define CG_PACKMAP_H

#include <stddef.h>
#include <stdint.h>

/*
 * libgit2 maps a pack in windows of up to 1 GiB, and its index whole, and
 * keeps them; every page a walk reads stays in the process's resident
 * memory to its end, though the kernel keeps those pages in its page cache
 * for any process. Dropping the page-table entries of a read-only shared
 * file mapping (madvise MADV_DONTNEED) unmaps nothing and loses nothing:
 * the mappings stay valid, and reading a page again is a minor fault from
 * the page cache.
 */
typedef struct cg_packmap cg_packmap;

/* A process's drops past `bound` bytes of resident mapped files (the
 * hook gives CG_PACKMAP_BOUND); the caller frees `out` with
 * cg_packmap_free, which accepts NULL. */
int cg_packmap_new(cg_packmap **out, size_t bound);
void cg_packmap_free(cg_packmap *pm);

/* Whether `line`, one line of /proc/self/maps, is a read-only shared
 * mapping of a file (shared memory included): 1 with its range in *start
 * and *len; else 0 (private, writable or executable mappings, mappings
 * without a path, lines that do not parse). In a checking process those
 * are the packs, their indexes and the commit-graphs libgit2 and
 * packblob.c map, wherever the repository's objects are (its own, the
 * quarantine, any alternate). */
int cg_packmap_select(const char *line, uintptr_t *start, size_t *len);

/* Drops the page-table entries of every selected mapping of this process.
 * CG_ERROR when /proc/self/maps cannot be read or a drop fails: memory
 * then stays as it was, which is never a reason to fail a check. */
int cg_packmap_drop(void);

/* A tick reads the process's resident mapped files this often (a read of
 * /proc/self/statm) and drops past the bound, libraries included. The
 * bound is fixed, so past it the peak does not follow the history's
 * length: on pushes of 80,000 and 160,000 generated commits the hook
 * peaked at 125 and 136 MiB (git's receiving side at 394 and 792), its
 * CPU within the noise (2.5% more run by hand); 64 MiB dropped every few
 * hundred commits and cost a fifth more (docs/benchmarks.md). */
#define CG_PACKMAP_EVERY 64
#define CG_PACKMAP_BOUND ((size_t)96 << 20)

/* Called once per commit checked, in each process that checks: drops as
 * above. Errors as cg_packmap_drop. */
int cg_packmap_tick(cg_packmap *pm);

#endif
