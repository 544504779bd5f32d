/*
 * packmap.h: the pages of the packs a long check keeps mapped, let go as it
 * reads on, so that its resident memory follows what it reads now, not all it has read.
 */
#ifndef CG_PACKMAP_H
#define CG_PACKMAP_H

#include <git2.h>
#include <stddef.h>
#include <stdint.h>

/*
 * libgit2 maps a pack in windows of up to 1 GiB and keeps them; every page
 * a walk reads stays in the process's resident memory to its end, though
 * the kernel keeps those pages in its page cache for any process. Dropping
 * the page-table entries of a read-only shared file mapping (madvise
 * MADV_DONTNEED) unmaps nothing: the windows stay valid, and reading a page
 * again is a minor fault from the page cache.
 */
typedef struct cg_packmap cg_packmap;

/* Watches the mappings of files under `repo`'s object directories
 * (cg_objdirs_each); with `repo` NULL, none until cg_packmap_watch. */
int cg_packmap_new(cg_packmap **out, git_repository *repo);
void cg_packmap_free(cg_packmap *pm);

/* Watches the files under `dir`, an absolute path as /proc/self/maps
 * shows it (symbolic links resolved). */
void cg_packmap_watch(cg_packmap *pm, const char *dir);

/* Whether `line`, one line of /proc/self/maps, is a read-only shared
 * mapping of a pack (a .pack file) under a watched directory: 1 with its
 * range in *start and *len; else 0 (indexes, other mappings, lines that
 * do not parse). */
int cg_packmap_select(const cg_packmap *pm, const char *line, uintptr_t *start, size_t *len);

/* Drops the page-table entries of every selected mapping of this process.
 * CG_ERROR when /proc/self/maps cannot be read or a drop fails: memory
 * then stays as it was, which is never a reason to fail a check. */
int cg_packmap_drop(cg_packmap *pm);

/* A tick reads the process's resident mapped files this often (a read of
 * /proc/self/statm) and drops past the bound, which starts at 64 MiB
 * (libraries and indexes included) and doubles when a drop comes within
 * SPACING calls of the last: dropping that often re-reads more than it
 * saves. A push of 160,000 generated commits: the hook's peak 793 to 296
 * MiB, its checking process's 565 to 166, CPU within the noise
 * (docs/benchmarks.md). */
#define CG_PACKMAP_EVERY 64
#define CG_PACKMAP_BOUND ((size_t)64 << 20)
#define CG_PACKMAP_SPACING 4096

/* Called once per commit checked, in each process that checks: drops as
 * above. Errors as cg_packmap_drop. */
int cg_packmap_tick(cg_packmap *pm);

#endif
