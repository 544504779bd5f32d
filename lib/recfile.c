#include "recfile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "error.h"

/*
 * Each record is its length (4 bytes, little-endian) then its bytes. The
 * writes go through stdio's buffer; a read first flushes it, and the next
 * append seeks back to the end, as C requires between reads and writes.
 */
struct cg_recfile {
	FILE *file;
	uint64_t end;  /* where the next record goes */
	int reading;   /* the file position is not at `end` */
};

int cg_recfile_new(cg_recfile **out)
{
	FILE *file = tmpfile();

	*out = NULL;
	if (!file)
		return cg_error_set(CG_ERROR, "cannot create a temporary file: %s", strerror(errno));
	*out = cg_calloc(1, sizeof(**out));
	(*out)->file = file;
	return 0;
}

void cg_recfile_free(cg_recfile *f)
{
	if (!f)
		return;
	fclose(f->file);
	free(f);
}

static int io_failed(const char *what)
{
	return cg_error_set(CG_ERROR, "cannot %s a temporary file: %s", what,
	                    errno ? strerror(errno) : "it ends early");
}

int cg_recfile_put(cg_recfile *f, uint64_t *at, const void *data, size_t len)
{
	unsigned char head[4] = { (unsigned char)len, (unsigned char)(len >> 8),
	                          (unsigned char)(len >> 16), (unsigned char)(len >> 24) };

	if (len > UINT32_MAX)
		return cg_error_set(CG_ELIMIT, "a record of %zu bytes is too long for a temporary file", len);
	errno = 0;
	if (f->reading && fseeko(f->file, (off_t)f->end, SEEK_SET) < 0)
		return io_failed("seek in");
	f->reading = 0;
	if (fwrite(head, 1, sizeof(head), f->file) != sizeof(head) ||
	    fwrite(data, 1, len, f->file) != len)
		return io_failed("write to");
	*at = f->end;
	f->end += sizeof(head) + len;
	return 0;
}

static int no_record(uint64_t at)
{
	return cg_error_set(CG_ERROR, "no record at %llu of a temporary file", (unsigned long long)at);
}

int cg_recfile_get(cg_recfile *f, uint64_t at, cg_buf *out)
{
	unsigned char head[4];
	char chunk[4096];
	size_t len, n;

	cg_buf_clear(out);
	if (at > f->end || f->end - at < sizeof(head))
		return no_record(at);
	errno = 0;
	f->reading = 1;
	if (fseeko(f->file, (off_t)at, SEEK_SET) < 0 || fread(head, 1, sizeof(head), f->file) != sizeof(head))
		return io_failed("read");
	len = (size_t)head[0] | (size_t)head[1] << 8 | (size_t)head[2] << 16 | (size_t)head[3] << 24;
	if (len > f->end - at - sizeof(head))
		return no_record(at);
	for (; len; len -= n) {
		n = len < sizeof(chunk) ? len : sizeof(chunk);
		if (fread(chunk, 1, n, f->file) != n)
			return io_failed("read");
		cg_buf_put(out, chunk, n);
	}
	return 0;
}

/*
 * The array's records go to the file at index * size, a block of them at
 * a time, with pread and pwrite: a forked process shares the descriptor
 * but not its position. A block is written back only when it changed.
 */
#define BLOCK_RECORDS 1024

typedef struct {
	unsigned char *data;
	size_t first;  /* its first record's index; SIZE_MAX: holds none */
	int dirty;
} block;

struct cg_recarray {
	FILE *file;
	size_t size, count;
	block blocks[2];
	unsigned last; /* the block used last; the other goes first */
};

int cg_recarray_new(cg_recarray **out, size_t size)
{
	FILE *file = tmpfile();
	unsigned b;

	*out = NULL;
	if (!file)
		return cg_error_set(CG_ERROR, "cannot create a temporary file: %s", strerror(errno));
	*out = cg_calloc(1, sizeof(**out));
	(*out)->file = file;
	(*out)->size = size ? size : 1;
	for (b = 0; b < 2; b++) {
		(*out)->blocks[b].data = cg_malloc(BLOCK_RECORDS * (*out)->size);
		(*out)->blocks[b].first = SIZE_MAX;
	}
	return 0;
}

void cg_recarray_free(cg_recarray *a)
{
	if (!a)
		return;
	fclose(a->file);
	free(a->blocks[0].data);
	free(a->blocks[1].data);
	free(a);
}

size_t cg_recarray_count(const cg_recarray *a)
{
	return a->count;
}

/* Block `b`'s records that exist, from its first. */
static size_t held(const cg_recarray *a, const block *b)
{
	size_t n = a->count - b->first;

	return n < BLOCK_RECORDS ? n : BLOCK_RECORDS;
}

static int write_back(cg_recarray *a, block *b)
{
	size_t len;

	if (!b->dirty || b->first >= a->count)
		return 0;
	len = held(a, b) * a->size;
	errno = 0;
	if (pwrite(fileno(a->file), b->data, len, (off_t)(b->first * a->size)) != (ssize_t)len)
		return io_failed("write to");
	b->dirty = 0;
	return 0;
}

/* The block that holds record `i` (below the count, or equal to it to
 * append), read in unless it is already. */
static int block_of(block **out, cg_recarray *a, size_t i)
{
	size_t first = i - i % BLOCK_RECORDS, len;
	unsigned k;
	block *b = NULL;
	int error;

	for (k = 0; k < 2; k++)
		if (a->blocks[k].first == first) {
			a->last = k;
			*out = &a->blocks[k];
			return 0;
		}
	a->last ^= 1;
	b = &a->blocks[a->last];
	if ((error = write_back(a, b)) < 0)
		return error;
	b->first = first;
	len = (first < a->count ? held(a, b) : 0) * a->size;
	errno = 0;
	if (len && pread(fileno(a->file), b->data, len, (off_t)(first * a->size)) != (ssize_t)len) {
		b->first = SIZE_MAX;
		return io_failed("read");
	}
	*out = b;
	return 0;
}

int cg_recarray_get(cg_recarray *a, size_t i, void *out)
{
	block *b = NULL;
	int error;

	if (i >= a->count)
		return cg_error_set(CG_ERROR, "no record %zu of %zu in a temporary file", i, a->count);
	if ((error = block_of(&b, a, i)) < 0)
		return error;
	memcpy(out, b->data + (i - b->first) * a->size, a->size);
	return 0;
}

int cg_recarray_set(cg_recarray *a, size_t i, const void *rec)
{
	block *b = NULL;
	int error;

	if (i > a->count)
		return cg_error_set(CG_ERROR, "no record %zu of %zu in a temporary file", i, a->count);
	if ((error = block_of(&b, a, i)) < 0)
		return error;
	memcpy(b->data + (i - b->first) * a->size, rec, a->size);
	b->dirty = 1;
	if (i == a->count)
		a->count++;
	return 0;
}

void cg_recarray_truncate(cg_recarray *a, size_t n)
{
	if (n < a->count)
		a->count = n;
}

int cg_recarray_sync(cg_recarray *a)
{
	int error = write_back(a, &a->blocks[0]);

	return error ? error : write_back(a, &a->blocks[1]);
}
