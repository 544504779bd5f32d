#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "oidmap.h"

/* An id whose first bytes are `n`, so that ids collide in the low bits
 * when `collide` is set (the map hashes the first bytes). */
static void make_oid(git_oid *oid, size_t n, int collide)
{
	memset(oid, 0, sizeof(*oid));
	if (collide) {
		oid->id[19] = (unsigned char)n;
		oid->id[18] = (unsigned char)(n >> 8);
	} else {
		memcpy(oid->id, &n, sizeof(n));
	}
}

static void test_put_get(void **state)
{
	/* values from `base`: the largest a map keeps is UINT32_MAX - 1 */
	static const struct { size_t count; int collide; size_t base; } cases[] = {
		{ 0, 0, 0 }, { 1, 0, 0 }, { 33, 0, 0 }, { 5000, 0, 0 }, { 700, 1, 0 },
		{ 1, 0, UINT32_MAX - 1 }, { 3, 1, UINT32_MAX - 7 },
	};
	size_t c, i, v;

	(void)state;
	for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		cg_oidmap *map = cg_oidmap_new();
		git_oid oid;

		for (i = 0; i < cases[c].count; i++) {
			make_oid(&oid, i, cases[c].collide);
			cg_oidmap_put(map, &oid, i * 3 + cases[c].base);
		}
		assert_int_equal(cg_oidmap_count(map), cases[c].count);
		for (i = 0; i < cases[c].count; i++) {
			make_oid(&oid, i, cases[c].collide);
			assert_int_equal(cg_oidmap_get(map, &oid, &v), 1);
			assert_int_equal(v, i * 3 + cases[c].base);
		}
		make_oid(&oid, cases[c].count, cases[c].collide);
		assert_int_equal(cg_oidmap_get(map, &oid, NULL), 0);
		cg_oidmap_free(map);
	}
}

static void test_put_again_replaces(void **state)
{
	cg_oidmap *map = cg_oidmap_new();
	git_oid oid;
	size_t v = 0;

	(void)state;
	make_oid(&oid, 7, 0);
	cg_oidmap_put(map, &oid, 1);
	cg_oidmap_put(map, &oid, 2);
	assert_int_equal(cg_oidmap_count(map), 1);
	assert_int_equal(cg_oidmap_get(map, &oid, &v), 1);
	assert_int_equal(v, 2);
	cg_oidmap_free(map);
	cg_oidmap_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_put_get),
		cmocka_unit_test(test_put_again_replaces),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
