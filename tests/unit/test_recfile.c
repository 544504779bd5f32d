#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "error.h"
#include "recfile.h"

/* Record `n`'s bytes: its length, and bytes that differ from every other record's. */
static size_t fill(char *out, size_t n)
{
	static const size_t sizes[] = { 0, 1, 4095, 4096, 70000, 3 };
	size_t i, len = sizes[n % ARRAY_SIZE(sizes)];

	for (i = 0; i < len; i++)
		out[i] = (char)(n * 31 + i);
	return len;
}

/* Records read back in any order, and appended between reads, are the
 * records written: each case writes `count` records, reading back the
 * record `back` places before after each write, then all newest first. */
static void test_put_get(void **state)
{
	static const struct { size_t count, back; } cases[] = {
		{ 1, 0 }, { 6, 0 }, { 6, 1 }, { 12, 5 }, { 200, 3 },
	};
	static char want[70000];
	cg_buf got = CG_BUF_INIT;
	uint64_t at[200];
	size_t c, i, len;

	(void)state;
	for (c = 0; c < ARRAY_SIZE(cases); c++) {
		cg_recfile *f = NULL;

		assert_int_equal(cg_recfile_new(&f), 0);
		for (i = 0; i < cases[c].count; i++) {
			len = fill(want, i);
			assert_int_equal(cg_recfile_put(f, &at[i], want, len), 0);
			if (i < cases[c].back)
				continue;
			len = fill(want, i - cases[c].back);
			assert_int_equal(cg_recfile_get(f, at[i - cases[c].back], &got), 0);
			assert_int_equal(got.size, len);
			assert_memory_equal(got.ptr, want, len);
		}
		for (i = cases[c].count; i-- > 0;) {
			len = fill(want, i);
			assert_int_equal(cg_recfile_get(f, at[i], &got), 0);
			assert_int_equal(got.size, len);
			assert_memory_equal(got.ptr, want, len);
		}
		cg_recfile_free(f);
	}
	cg_buf_dispose(&got);
}

/* A place no record starts at, past the end or inside the last record's
 * length, is an error, not a read of whatever is there. */
static void test_bad_place(void **state)
{
	static const uint64_t places[] = { 1, 9, 10, 4000, UINT64_MAX - 2 };
	cg_buf got = CG_BUF_INIT;
	cg_recfile *f = NULL;
	uint64_t at;
	size_t i;

	(void)state;
	assert_int_equal(cg_recfile_new(&f), 0);
	assert_int_equal(cg_recfile_put(f, &at, "hello", 5), 0);
	assert_int_equal(at, 0);
	for (i = 0; i < ARRAY_SIZE(places); i++)
		assert_int_equal(cg_recfile_get(f, places[i], &got), CG_ERROR);
	cg_recfile_free(f);
	cg_recfile_free(NULL);
	cg_buf_dispose(&got);
}

/* Record `i` of test_array as written `round` times: bytes that differ
 * from every other record's and round's. */
static void array_fill(unsigned char *out, size_t size, size_t i, size_t round)
{
	size_t k;

	for (k = 0; k < size; k++)
		out[k] = (unsigned char)(i * 7 + round * 131 + k);
}

/* Each case appends `count` records of `size` bytes, rewrites every
 * `stride`-th from the back (a reversal's and a compaction's pattern
 * crosses blocks), writes them to the file, keeps `kept`, appends one:
 * every record read back, first to last and last to first, is the last
 * written there. */
static void test_array(void **state)
{
	static const struct { size_t size, count, stride, kept; } cases[] = {
		{ 40, 1, 1, 1 }, { 40, 1023, 2, 1000 }, { 40, 1024, 1, 1024 }, { 40, 1025, 1, 3 },
		{ 1, 5000, 3, 2049 }, { 24, 3000, 1024, 0 }, { 40, 2048, 7, 2047 },
	};
	unsigned char want[64], got[64];
	size_t c, i, *round;

	(void)state;
	for (c = 0; c < ARRAY_SIZE(cases); c++) {
		size_t size = cases[c].size, count = cases[c].count;
		cg_recarray *a = NULL;

		round = test_calloc(count + 1, sizeof(*round));
		assert_int_equal(cg_recarray_new(&a, size), 0);
		for (i = 0; i < count; i++) {
			array_fill(want, size, i, 0);
			assert_int_equal(cg_recarray_set(a, i, want), 0);
		}
		for (i = count; i-- > 0;)
			if ((count - 1 - i) % cases[c].stride == 0) {
				array_fill(want, size, i, ++round[i]);
				assert_int_equal(cg_recarray_set(a, i, want), 0);
			}
		assert_int_equal(cg_recarray_sync(a), 0);
		cg_recarray_truncate(a, cases[c].kept);
		array_fill(want, size, cases[c].kept, round[cases[c].kept] = 9);
		assert_int_equal(cg_recarray_set(a, cases[c].kept, want), 0);
		assert_int_equal(cg_recarray_count(a), cases[c].kept + 1);
		for (i = 0; i <= cases[c].kept; i++) {
			array_fill(want, size, i, round[i]);
			assert_int_equal(cg_recarray_get(a, i, got), 0);
			assert_memory_equal(got, want, size);
		}
		for (i = cases[c].kept + 1; i-- > 0;) {
			array_fill(want, size, i, round[i]);
			assert_int_equal(cg_recarray_get(a, i, got), 0);
			assert_memory_equal(got, want, size);
		}
		cg_recarray_free(a);
		test_free(round);
	}
}

/* An index past the records is an error, not a read of what is there. */
static void test_array_bounds(void **state)
{
	static const struct { size_t count, get, set; } cases[] = {
		{ 0, 0, 1 }, { 1, 1, 2 }, { 1024, 1024, 1025 }, { 1025, 5000, 2048 },
	};
	unsigned char rec[8] = { 0 };
	size_t c, i;

	(void)state;
	for (c = 0; c < ARRAY_SIZE(cases); c++) {
		cg_recarray *a = NULL;

		assert_int_equal(cg_recarray_new(&a, sizeof(rec)), 0);
		for (i = 0; i < cases[c].count; i++)
			assert_int_equal(cg_recarray_set(a, i, rec), 0);
		assert_int_equal(cg_recarray_get(a, cases[c].get, rec), CG_ERROR);
		assert_int_equal(cg_recarray_set(a, cases[c].set, rec), CG_ERROR);
		assert_int_equal(cg_recarray_count(a), cases[c].count);
		cg_recarray_free(a);
	}
	cg_recarray_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_put_get),
		cmocka_unit_test(test_bad_place),
		cmocka_unit_test(test_array),
		cmocka_unit_test(test_array_bounds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
