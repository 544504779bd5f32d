#include "recfile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

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
