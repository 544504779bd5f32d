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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_put_get),
		cmocka_unit_test(test_bad_place),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
