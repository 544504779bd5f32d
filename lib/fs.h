/*
 * fs.h: the few file operations several modules need, done safely: a file
 * is replaced by writing beside it and renaming, so no reader sees half of it.
 */
#ifndef CG_FS_H
#define CG_FS_H

#include <stddef.h>
#include <sys/types.h>

/* Writes `data` to `path` through a temporary file in the same directory
 * and a rename. `mode` 0 creates with 0666 less the umask; otherwise the
 * file gets exactly `mode` (e.g. 0755 for a hook, or an old file's mode). */
int cg_fs_write_atomic(const char *path, const void *data, size_t len, mode_t mode);

#endif
