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

/* An array of records of one size in an unnamed temporary file of its
 * own, two blocks of them in memory (the two ends of a reversal, or the
 * reading and the writing end of a compaction): read and written by
 * index, cheapest in order. */
typedef struct cg_recarray cg_recarray;

/* A new, empty array of `size`-byte records. CG_ERROR when no temporary
 * file can be made. */
int cg_recarray_new(cg_recarray **out, size_t size);
void cg_recarray_free(cg_recarray *a);

size_t cg_recarray_count(const cg_recarray *a);

/* Copies record `i` (below the count) into `out`. */
int cg_recarray_get(cg_recarray *a, size_t i, void *out);

/* Replaces record `i` with `rec`; `i` equal to the count appends it. */
int cg_recarray_set(cg_recarray *a, size_t i, const void *rec);

/* Keeps the first `n` records (no more than there are). */
void cg_recarray_truncate(cg_recarray *a, size_t n);

/* Writes the records held in memory to the file: a process forked after
 * it reads every record (with cg_recarray_get only: its writes would be
 * lost, and could overwrite the parent's). */
int cg_recarray_sync(cg_recarray *a);

#endif
