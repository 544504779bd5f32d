#include "heap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "changelog.h"

#define THP_MODE "/sys/kernel/mm/transparent_hugepage/enabled"
#define TUNABLES "GLIBC_TUNABLES"
#define HUGETLB "glibc.malloc.hugetlb"

/* Pages kept in the heap are reused, where each mapped block would fault
 * in anew: 40% fewer page faults and a sixth less CPU for history on a
 * 1 MB root CHANGELOG (docs/benchmarks.md). The peak stays what it was. */
void cg_heap_keep_freed(void)
{
#ifdef __GLIBC__
	mallopt(M_MMAP_THRESHOLD, (int)CG_CHANGELOG_MAX_BYTES);
	mallopt(M_TRIM_THRESHOLD, (int)(2 * CG_CHANGELOG_MAX_BYTES));
	mallopt(M_MXFAST, 0);
#endif
}

/* Whether the colon-separated `tunables` set `name`, to any value. */
static int sets(const char *tunables, const char *name)
{
	size_t len = strlen(name);
	const char *p = tunables;

	while (p && *p) {
		if (!strncmp(p, name, len) && p[len] == '=')
			return 1;
		p = strchr(p, ':');
		p = p ? p + 1 : NULL;
	}
	return 0;
}

int cg_heap_huge_tunables(cg_buf *out, const char *thp, const char *tunables)
{
	/* "[madvise]": huge pages only where a program asks, as glibc does
	 * for its heap with the tunable; "[always]" needs no asking. */
	if (!thp || !strstr(thp, "[madvise]") || sets(tunables, HUGETLB))
		return 0;
	cg_buf_clear(out);
	if (tunables && *tunables)
		cg_buf_printf(out, "%s:", tunables);
	cg_buf_puts(out, HUGETLB "=1");
	return 1;
}

#ifdef __GLIBC__
/* Restarts with the tunables when they gain anything: glibc's alone. */
static void restart_if_gaining(char *const argv[])
{
	cg_buf tunables = CG_BUF_INIT;
	const char *before = getenv(TUNABLES);
	char *kept = before ? strdup(before) : NULL;
	char mode[128];
	FILE *f = fopen(THP_MODE, "r");
	int gains = f && fgets(mode, sizeof(mode), f) &&
	            cg_heap_huge_tunables(&tunables, mode, before);

	if (f)
		fclose(f);
	if (gains && (!before || kept) && setenv(TUNABLES, tunables.ptr, 1) == 0) {
		execv("/proc/self/exe", argv);
		/* Not restarted (no /proc): on as it is, and so are the
		 * programs it starts. */
		if (kept)
			setenv(TUNABLES, kept, 1);
		else
			unsetenv(TUNABLES);
	}
	free(kept);
	cg_buf_dispose(&tunables);
}
#endif

void cg_heap_restart_huge(char *const argv[])
{
#ifdef __GLIBC__
	restart_if_gaining(argv);
#else
	(void)argv;
#endif
}
