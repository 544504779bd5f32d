/*
 * recfile.h: records of a long walk kept in an unnamed temporary file, not
 * in memory, and read back by their place: memory stays flat in the walk's length.
 */
#ifndef CG_RECFILE_H
#define CG_RECFILE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

typedef struct cg_recfile cg_recfile;

/* A new, empty file, gone when freed or when the process ends. CG_ERROR
 * when no temporary file can be made. */
int cg_recfile_new(cg_recfile **out);
void cg_recfile_free(cg_recfile *f);

/* Appends `len` bytes of `data` as one record; *at is its place. */
int cg_recfile_put(cg_recfile *f, uint64_t *at, const void *data, size_t len);

/* Replaces `out`'s content with the record at `at`. CG_ERROR when no
 * record starts there or it cannot be read. */
int cg_recfile_get(cg_recfile *f, uint64_t at, cg_buf *out);

#endif
