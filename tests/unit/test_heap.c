/* Unit tests of lib/heap.c: which GLIBC_TUNABLES a restart for huge pages
 * would use, from a table of kernel modes and users' tunables. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "buf.h"
#include "heap.h"

static void test_huge_tunables(void **state)
{
	static const struct {
		const char *thp, *tunables;
		const char *want; /* NULL: no restart */
	} cases[] = {
		/* The kernel gives huge pages where a program asks. */
		{ "always [madvise] never\n", NULL, "glibc.malloc.hugetlb=1" },
		{ "always [madvise] never\n", "", "glibc.malloc.hugetlb=1" },
		{ "always [madvise] never\n", "glibc.malloc.arena_max=2",
		  "glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1" },
		{ "always [madvise] never\n", "glibc.malloc.tcache_count=0:glibc.malloc.arena_max=2",
		  "glibc.malloc.tcache_count=0:glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1" },
		/* A name that only begins like the tunable's is another one. */
		{ "always [madvise] never\n", "glibc.malloc.hugetlbx=0",
		  "glibc.malloc.hugetlbx=0:glibc.malloc.hugetlb=1" },
		/* The user's choice either way, and what a restart leaves. */
		{ "always [madvise] never\n", "glibc.malloc.hugetlb=0", NULL },
		{ "always [madvise] never\n", "glibc.malloc.hugetlb=1", NULL },
		{ "always [madvise] never\n", "glibc.malloc.arena_max=2:glibc.malloc.hugetlb=2", NULL },
		/* Every heap has them already, or none may. */
		{ "[always] madvise never\n", NULL, NULL },
		{ "always madvise [never]\n", NULL, NULL },
		{ NULL, NULL, NULL },
		{ "", NULL, NULL },
	};
	cg_buf out = CG_BUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int gains = cg_heap_huge_tunables(&out, cases[i].thp, cases[i].tunables);

		if (gains != (cases[i].want != NULL))
			fail_msg("case %zu (%s, %s): %d", i, cases[i].thp, cases[i].tunables, gains);
		if (cases[i].want && strcmp(out.ptr, cases[i].want))
			fail_msg("case %zu: '%s', not '%s'", i, out.ptr, cases[i].want);
	}
	cg_buf_dispose(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_huge_tunables),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
