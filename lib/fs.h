/*
 * fs.h: the few file operations several modules need, done safely: a file
 * is read up to a cap and never past it, and replaced by writing beside it
 * and renaming, so no reader sees half of it.
 */
#ifndef CG_FS_H
#define CG_FS_H

#include <stddef.h>
#include <sys/types.h>
#include "buf.h"

/* Writes `data` to `path` through a temporary file in the same directory
 * and a rename. `mode` 0 creates with 0666 less the umask; otherwise the
 * file gets exactly `mode` (e.g. 0755 for a hook, or an old file's mode). */
int cg_fs_write_atomic(const char *path, const void *data, size_t len, mode_t mode);

/* Appends the file at `path` to `out`, which then holds at most `cap` more
 * bytes. A longer file is CG_ELIMIT ("'<path>' is larger than <cap>"); a
 * missing one CG_ENOTFOUND; any other failure to open or read it (a
 * directory, no permission, an I/O error) CG_ERROR. Messages name the file. */
int cg_fs_read(cg_buf *out, const char *path, size_t cap);

/* As cg_fs_read, but a longer file gives its first `cap` bytes. */
int cg_fs_read_head(cg_buf *out, const char *path, size_t cap);

/* mkdir -p: creates `dir` and whatever of its parents is missing (mode 0777
 * less the umask). An existing directory is fine; anything else in the way
 * is CG_ERROR, "cannot create directory '<the one>'[ <why>]: <reason>". */
int cg_fs_mkdir_p(const char *dir, const char *why);

/* Where the user ran git, relative to the work tree `workdir`, as "" or
 * "dir/sub/": GIT_PREFIX when git set it (hooks run at the top of the work
 * tree, git says where the user was), else the current directory's place
 * in the work tree ("" outside it). Hints name paths from there. */
void cg_fs_git_prefix(cg_buf *out, const char *workdir);

/* `path` (relative to the work tree; "" is its top) as seen from the
 * directory `prefix` (as cg_fs_git_prefix gives it): "../CHANGELOG.md",
 * "..", "."; appended to `out`. */
void cg_fs_relative(cg_buf *out, const char *prefix, const char *path);

#endif
