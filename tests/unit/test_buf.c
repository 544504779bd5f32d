/*
 * test_buf.c: lib/buf, the growable buffer (growth, printf, truncation,
 * detaching) and the record fields one process hands to another.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "buf.h"

/* Appending pieces of every size keeps the bytes, the size and the NUL. */
static void test_growth(void **state)
{
	static const size_t pieces[] = { 0, 1, 7, 8, 9, 63, 64, 65, 4095, 4096, 100000 };
	cg_buf b = CG_BUF_INIT, want = CG_BUF_INIT;
	size_t i, j;

	(void)state;
	assert_string_equal(b.ptr, "");
	assert_int_equal(b.asize, 0);
	for (i = 0; i < sizeof(pieces) / sizeof(*pieces); i++) {
		char *piece = malloc(pieces[i] + 1);

		for (j = 0; j < pieces[i]; j++)
			piece[j] = (char)('a' + (i + j) % 26);
		cg_buf_put(&b, piece, pieces[i]);
		for (j = 0; j < pieces[i]; j++)
			cg_buf_putc(&want, piece[j]);
		assert_int_equal(b.size, want.size);
		assert_true(b.asize > b.size);
		assert_int_equal(b.ptr[b.size], '\0');
		assert_memory_equal(b.ptr, want.ptr, want.size);
		free(piece);
	}
	cg_buf_dispose(&b);
	cg_buf_dispose(&want);
}

/* `b` holds `want` after the ">" it started with; then it starts again. */
static void assert_appended(cg_buf *b, const char *want)
{
	assert_int_equal(b->ptr[0], '>');
	assert_string_equal(b->ptr + 1, want);
	assert_int_equal(b->size, 1 + strlen(want));
	cg_buf_clear(b);
	cg_buf_putc(b, '>');
}

/* printf appends, however long its output, and %s of "" changes nothing. */
static void test_printf(void **state)
{
	cg_buf b = CG_BUF_INIT;
	char *longer = malloc(10001);

	(void)state;
	cg_buf_putc(&b, '>');
	cg_buf_printf(&b, "%s", "");
	assert_appended(&b, "");
	cg_buf_printf(&b, "%s=%d", "x", 42);
	assert_appended(&b, "x=42");
	cg_buf_printf(&b, "[%-6s|%3d]", "ab", 7);
	assert_appended(&b, "[ab    |  7]");
	cg_buf_printf(&b, "%s %d%%", "ratio", 50);
	assert_appended(&b, "ratio 50%");
	memset(longer, 'z', 10000);
	longer[10000] = '\0';
	cg_buf_printf(&b, "%s:%s", longer, longer);
	assert_int_equal(b.size, 1 + 10000 + 1 + 10000);
	assert_int_equal(b.ptr[1 + 10000], ':');
	assert_int_equal(b.ptr[b.size], '\0');
	free(longer);
	cg_buf_dispose(&b);
}

/* Truncating never grows; clearing keeps the memory; detaching hands it over
 * and leaves an empty buffer. */
static void test_truncate_clear_detach(void **state)
{
	cg_buf b = CG_BUF_INIT;
	char *owned;

	(void)state;
	cg_buf_puts(&b, "abcdef");
	cg_buf_truncate(&b, 10);
	assert_string_equal(b.ptr, "abcdef");
	cg_buf_truncate(&b, 3);
	assert_string_equal(b.ptr, "abc");
	assert_int_equal(b.size, 3);
	cg_buf_clear(&b);
	assert_string_equal(b.ptr, "");
	assert_true(b.asize > 0);
	cg_buf_puts(&b, "kept");
	owned = cg_buf_detach(&b);
	assert_string_equal(owned, "kept");
	assert_string_equal(b.ptr, "");
	assert_int_equal(b.size, 0);
	free(owned);
	owned = cg_buf_detach(&b); /* an empty buffer still gives memory to free */
	assert_string_equal(owned, "");
	free(owned);
	cg_buf_dispose(&b);
	cg_buf_dispose(&b);        /* twice is harmless */
}

/* Growing an array doubles from 8 and never shrinks. */
static void test_array_grow(void **state)
{
	static const struct {
		size_t alloc, need, want;
	} cases[] = {
		{ 0, 1, 8 }, { 0, 8, 8 }, { 0, 9, 16 }, { 8, 8, 8 }, { 8, 3, 8 }, { 16, 100, 128 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		size_t alloc = cases[i].alloc;
		int *p = cg_array_grow(alloc ? cg_malloc(alloc * sizeof(int)) : NULL, &alloc,
		                       cases[i].need, sizeof(int));

		assert_int_equal(alloc, cases[i].want);
		p[alloc - 1] = 1; /* the whole array is usable */
		free(p);
	}
}

/* The fields of a record read back as written, NULL and "" kept apart. */
static void test_fields_round_trip(void **state)
{
	static const char *strings[] = { "", NULL, "one", "with\nnewline and \t tab", "ü" };
	static const uint64_t big[] = { 0, 1, UINT64_MAX, (uint64_t)1 << 40 };
	cg_buf rec = CG_BUF_INIT;
	cg_buf_reader r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(strings) / sizeof(*strings); i++) {
		cg_buf_put_u32(&rec, (uint32_t)i * 1000003u);
		cg_buf_put_field(&rec, strings[i]);
		cg_buf_put_u64(&rec, big[i % 4]);
	}
	r.p = rec.ptr;
	r.left = rec.size;
	for (i = 0; i < sizeof(strings) / sizeof(*strings); i++) {
		uint32_t u;
		uint64_t v;
		char *s = (char *)"unset";

		assert_int_equal(cg_buf_get_u32(&r, &u), 0);
		assert_int_equal(u, (uint32_t)i * 1000003u);
		assert_int_equal(cg_buf_get_field(&r, &s), 0);
		if (strings[i])
			assert_string_equal(s, strings[i]);
		else
			assert_null(s);
		free(s);
		assert_int_equal(cg_buf_get_u64(&r, &v), 0);
		assert_true(v == big[i % 4]);
	}
	assert_int_equal(r.left, 0);
	cg_buf_dispose(&rec);
}

/* A record cut anywhere fails to read, and never reads past its end. */
static void test_fields_truncated(void **state)
{
	cg_buf rec = CG_BUF_INIT;
	size_t cut;

	(void)state;
	cg_buf_put_field(&rec, "a field");
	cg_buf_put_u64(&rec, 7);
	for (cut = 0; cut < rec.size; cut++) {
		char *copy = cg_malloc(cut ? cut : 1), *s = NULL;
		cg_buf_reader r;
		uint64_t v;
		int failed;

		memcpy(copy, rec.ptr, cut);
		r.p = copy;
		r.left = cut;
		failed = cg_buf_get_field(&r, &s) < 0 || cg_buf_get_u64(&r, &v) < 0;
		assert_true(failed);
		free(s);
		free(copy);
	}
	cg_buf_dispose(&rec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_growth),
		cmocka_unit_test(test_printf),
		cmocka_unit_test(test_truncate_clear_detach),
		cmocka_unit_test(test_array_grow),
		cmocka_unit_test(test_fields_round_trip),
		cmocka_unit_test(test_fields_truncated),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
