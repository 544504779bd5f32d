/* Unit tests of lib/packmap.c: which lines of /proc/self/maps are the packs
 * of the repository, from a table; that dropping them lets their pages go
 * and keeps their bytes, and leaves every other mapping as it was. */
#define _XOPEN_SOURCE 700

#include "scratch.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <git2.h>
#include <limits.h>
#include <sys/mman.h>

#include "error.h"
#include "packmap.h"

#define REPO "/srv/git/a.git/objects"

static void test_select(void **state)
{
	static const struct {
		const char *line;
		int want;
		uintptr_t start;
		size_t len;
	} cases[] = {
		/* The repository's pack, read-only and shared as libgit2 maps it;
		 * not its index, read on every lookup, nor another file. */
		{ "7f2a40000000-7f2a80000000 r--s 00000000 08:01 1234   " REPO "/pack/pack-1.pack\n",
		  1, 0x7f2a40000000, 0x40000000 },
		{ "7f2a3e000000-7f2a3e200000 r--s 00000000 08:01 1235   " REPO "/pack/pack-1.idx\n", 0, 0, 0 },
		{ "1000-2000 r--s 00000000 08:01 1235   " REPO "/pack/pack-1.rev\n", 0, 0, 0 },
		{ "1000-2000 r--s 00000000 08:01 1235   " REPO "/info/commit-graph\n", 0, 0, 0 },
		{ "1000-2000 r--s 00000000 08:01 1235   " REPO "/pack/pack-1.pack.idx\n", 0, 0, 0 },
		{ "1000-2000 r--s 00000000 08:01 1235   " REPO "/pack/.pack\n", 1, 0x1000, 0x1000 },
		/* A window further into the pack. */
		{ "7f2a40000000-7f2a40100000 r--s 40000000 08:01 1234   " REPO "/pack/pack-1.pack\n",
		  1, 0x7f2a40000000, 0x100000 },
		/* The pushed pack in the quarantine, under the objects directory. */
		{ "1000-3000 r--s 00000000 fd:00 9   " REPO "/incoming-Ab12Cd/pack/pack-2.pack\n",
		  1, 0x1000, 0x2000 },
		/* An alternate, and a path with spaces; no final newline. */
		{ "1000-2000 r--s 00000000 fd:00 9   /srv/alt objects/pack/pack-3.pack", 1, 0x1000, 0x1000 },
		{ "1000-2000 r--s 00000000 fd:00 9   /srv/alt objects/pack/pack-3.idx", 0, 0, 0 },
		/* A pack removed while mapped is still the repository's. */
		{ "1000-2000 r--s 00000000 fd:00 9   " REPO "/pack/pack-4.pack (deleted)\n", 1, 0x1000, 0x1000 },
		/* Private, writable or executable: never dropped. */
		{ "1000-2000 r--p 00000000 fd:00 9   " REPO "/pack/pack-1.pack\n", 0, 0, 0 },
		{ "1000-2000 rw-s 00000000 fd:00 9   " REPO "/pack/pack-1.pack\n", 0, 0, 0 },
		{ "1000-2000 r-xs 00000000 fd:00 9   " REPO "/pack/pack-1.pack\n", 0, 0, 0 },
		{ "1000-2000 ---s 00000000 fd:00 9   " REPO "/pack/pack-1.pack\n", 0, 0, 0 },
		/* Other files: libraries, another repository, a name that only
		 * begins like the directory's, the directory itself. */
		{ "1000-2000 r--s 00000000 fd:00 9   /usr/lib/x86_64-linux-gnu/libgit2.so.1.5\n", 0, 0, 0 },
		{ "1000-2000 r--s 00000000 fd:00 9   /srv/git/b.git/objects/pack/pack-1.pack\n", 0, 0, 0 },
		{ "1000-2000 r--s 00000000 fd:00 9   " REPO "2/pack/pack-1.pack\n", 0, 0, 0 },
		{ "1000-2000 r--s 00000000 fd:00 9   " REPO "\n", 0, 0, 0 },
		{ "1000-2000 r--s 00000000 fd:00 9   srv/git/a.git/objects/pack/pack-1.pack\n", 0, 0, 0 },
		/* Anonymous memory, the heap, shared memory. */
		{ "1000-2000 r--s 00000000 00:00 0 \n", 0, 0, 0 },
		{ "1000-2000 rw-p 00000000 00:00 0   [heap]\n", 0, 0, 0 },
		{ "1000-2000 r--s 00000000 00:01 7   /dev/zero (deleted)\n", 0, 0, 0 },
		/* Lines that do not parse. */
		{ "", 0, 0, 0 },
		{ "\n", 0, 0, 0 },
		{ "zz-2000 r--s 00000000 fd:00 9   " REPO "/pack/pack-1.pack\n", 0, 0, 0 },
		{ "1000 r--s 00000000 fd:00 9   " REPO "/pack/pack-1.pack\n", 0, 0, 0 },
		{ "1000--2000 r--s 00000000 fd:00 9   " REPO "/pack/pack-1.pack\n", 0, 0, 0 },
		{ "2000-1000 r--s 00000000 fd:00 9   " REPO "/pack/pack-1.pack\n", 0, 0, 0 },
		{ "1000-2000 r--s\n", 0, 0, 0 },
		{ "1000-2000 r--s 00000000 fd:00\n", 0, 0, 0 },
		{ "1000-2000 r--s 00000000 fd:00 9\n", 0, 0, 0 },
		{ "1000-2000  r--s 00000000 fd:00 9   " REPO "/pack/pack-1.pack\n", 0, 0, 0 },
	};
	cg_packmap *pm = NULL;
	size_t i, len;
	uintptr_t start;

	(void)state;
	assert_int_equal(cg_packmap_new(&pm, NULL), 0);
	cg_packmap_watch(pm, REPO "/");
	cg_packmap_watch(pm, "/srv/alt objects");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int got;

		start = 0;
		len = 0;
		got = cg_packmap_select(pm, cases[i].line, &start, &len);
		if (got != cases[i].want || (got && (start != cases[i].start || len != cases[i].len)))
			fail_msg("case %zu (%s): %d %#lx+%#zx", i, cases[i].line, got,
			         (unsigned long)start, len);
	}
	cg_packmap_free(pm);
}

/* The resident size of this process's mapping at `at`, in KiB, from
 * /proc/self/smaps; -1 when it is not found. */
static long resident_kib(const void *at)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[PATH_MAX + 128];
	int in = 0;
	long kib = -1;

	while (f && kib < 0 && fgets(line, sizeof(line), f)) {
		unsigned long from;
		if (strchr(line, '-') && sscanf(line, "%lx-", &from) == 1 && strchr(line, ' ') > strchr(line, '-'))
			in = from == (unsigned long)(uintptr_t)at;
		else if (in && !strncmp(line, "Rss:", 4))
			kib = strtol(line + 4, NULL, 10);
	}
	if (f)
		fclose(f);
	return kib;
}

#define FILE_SIZE (256 * 4096)

/* A sum of the bytes of `p`, which reads every page. */
static unsigned sum_of(const unsigned char *p)
{
	unsigned sum = 0;
	size_t i;

	for (i = 0; i < FILE_SIZE; i += 512)
		sum += p[i];
	return sum;
}

/* `path`'s file mapped read-only, every page read. */
static unsigned char *map_read(const char *path, int flags, unsigned *sum)
{
	int fd = open(path, O_RDONLY);
	unsigned char *p = mmap(NULL, FILE_SIZE, PROT_READ, flags, fd, 0);

	assert_true(fd >= 0 && p != MAP_FAILED);
	close(fd);
	*sum = sum_of(p);
	return p;
}

static void write_file(const char *path)
{
	FILE *f = fopen(path, "wb");
	size_t i;

	assert_non_null(f);
	for (i = 0; i < FILE_SIZE; i++)
		fputc((int)(i * 7 % 251), f);
	assert_int_equal(fclose(f), 0);
}

/* A watched file's shared mapping lets its pages go and reads the same
 * bytes after; its private mapping, and a file outside, keep theirs. */
static void test_drop(void **state)
{
	char dir[512], objects[600], pack[700], other[700];
	unsigned char *shared, *private, *outside;
	unsigned sum, other_sum;
	cg_packmap *pm = NULL;
	char *real;

	(void)state;
	assert_int_equal(scratch_make(dir, sizeof(dir), "packmap"), 0);
	snprintf(objects, sizeof(objects), "%s/objects", dir);
	snprintf(pack, sizeof(pack), "%s/pack-1.pack", objects);
	snprintf(other, sizeof(other), "%s/other.pack", dir);
	assert_int_equal(mkdir(objects, 0755), 0);
	write_file(pack);
	write_file(other);
	shared = map_read(pack, MAP_SHARED, &sum);
	private = map_read(pack, MAP_PRIVATE, &other_sum);
	outside = map_read(other, MAP_SHARED, &other_sum);
	/* What the test needs: every page resident before. */
	assert_int_equal(resident_kib(shared), FILE_SIZE / 1024);

	assert_int_equal(cg_packmap_new(&pm, NULL), 0);
	assert_non_null(real = realpath(objects, NULL));
	cg_packmap_watch(pm, real);
	assert_int_equal(cg_packmap_drop(pm), 0);
	assert_int_equal(resident_kib(shared), 0);
	assert_int_equal(resident_kib(private), FILE_SIZE / 1024);
	assert_int_equal(resident_kib(outside), FILE_SIZE / 1024);
	assert_int_equal(sum_of(shared), sum);

	munmap(shared, FILE_SIZE);
	munmap(private, FILE_SIZE);
	munmap(outside, FILE_SIZE);
	free(real);
	cg_packmap_free(pm);
	scratch_remove(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_select),
		cmocka_unit_test(test_drop),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
