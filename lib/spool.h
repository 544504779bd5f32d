/*
 * spool.h: an append-only file of lines that processes share (the audit
 * database's fallback file): appends under a lock and synced to disk.
 */
#ifndef CG_SPOOL_H
#define CG_SPOOL_H

#include <stddef.h>

/* An append in progress: the file locked, its lines written in pieces, so
 * that a long record is never held whole. */
typedef struct cg_spool cg_spool;

/* Opens `path` (creating it) and takes an exclusive flock, waiting at most
 * `timeout_ms`. A line left without its newline by an earlier failure is
 * ended first, so it spoils only itself. CG_ERROR on failure. */
int cg_spool_open(cg_spool **out, const char *path, int timeout_ms);

/* Appends `len` bytes of `data`. CG_ERROR on failure. */
int cg_spool_write(cg_spool *s, const char *data, size_t len);

/* With `error` 0, syncs what was appended (and a new file's directory) and
 * returns 0 or CG_ERROR; with an error, or when the sync fails, cuts the
 * file back to where the append began, for the same reason as above, and
 * returns that error. Unlocks and frees `s` either way. */
int cg_spool_close(cg_spool *s, int error);

/* cg_spool_open, cg_spool_write of `data`, cg_spool_close. */
int cg_spool_append(const char *path, const char *data, size_t len, int timeout_ms);

/* A new 32-character hex id, unique per line, so that a reader can tell
 * which lines it has taken. */
void cg_spool_new_id(char out[33]);

#endif
