/*
 * fixtures.h: reads the test inputs kept in tests/fixtures (always there) and
 * those of the external corpus, an extra layer whose absence is said aloud.
 */
#ifndef CG_TEST_FIXTURES_H
#define CG_TEST_FIXTURES_H

#include <stdio.h>
#include <stdlib.h>

#include "buf.h"

/* The whole file into a new NUL-terminated buffer, its size in *len (when
 * len is not NULL); NULL when it cannot be opened. */
static char *fixture_slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	cg_buf b = CG_BUF_INIT;
	char chunk[65536];
	size_t n;

	if (!fp)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		cg_buf_put(&b, chunk, n);
	fclose(fp);
	if (len)
		*len = b.size;
	return cg_buf_detach(&b);
}

/* tests/fixtures/<name>, which must exist: CG_FIXTURE_DIR is set by CMake. */
static char *fixture_read(const char *name, size_t *len)
{
	cg_buf path = CG_BUF_INIT;
	char *data;

	cg_buf_printf(&path, "%s/%s", CG_FIXTURE_DIR, name);
	data = fixture_slurp(path.ptr, len);
	if (!data)
		fprintf(stderr, "fixture missing: %s\n", path.ptr);
	cg_buf_dispose(&path);
	return data;
}

/* $CG_CORPUS/<sub> into `out`, or 0 after a line that says which cases did
 * not run: a clone without the corpus still runs every fixture, and its
 * output says what it left out. */
static int corpus_path(cg_buf *out, const char *sub)
{
	const char *corpus = getenv("CG_CORPUS");
	FILE *probe;

	cg_buf_clear(out);
	cg_buf_printf(out, "%s/%s", corpus && *corpus ? corpus : "(CG_CORPUS unset)", sub);
	if (corpus && *corpus && (probe = fopen(out->ptr, "rb")) != NULL) {
		fclose(probe);
		return 1;
	}
	fprintf(stderr, "NOTE: external corpus not found: %s; its cases did NOT run "
	        "(the fixtures in tests/fixtures did)\n", out->ptr);
	return 0;
}

#endif
