/*
 * spool.h: an append-only file of lines that processes share (the audit
 * database's fallback file): appends under a lock and synced to disk.
 */
#ifndef CG_SPOOL_H
#define CG_SPOOL_H

#include <stddef.h>

/* Appends `data` under an exclusive flock, waiting at most `timeout_ms`,
 * and syncs. A line left without its newline by an earlier failure is ended
 * first, so it spoils only itself; a failed write is cut off again for the
 * same reason. A new file's directory is synced too. CG_ERROR on failure. */
int cg_spool_append(const char *path, const char *data, size_t len, int timeout_ms);

/* A new 32-character hex id, unique per line, so that a reader can tell
 * which lines it has taken. */
void cg_spool_new_id(char out[33]);

#endif
