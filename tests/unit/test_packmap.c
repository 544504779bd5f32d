/* Unit tests of lib/packmap.c: which lines of /proc/self/maps are read-only
 * shared file mappings, from a table; that dropping them lets their pages go
 * and keeps their bytes, and leaves a private mapping as it was; that a
 * tick drops only past the bound, and only every CG_PACKMAP_EVERY calls. */
#define _XOPEN_SOURCE 700

#include "scratch.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <limits.h>
#include <sys/mman.h>

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
		/* A pack, read-only and shared as libgit2 maps it; its index,
		 * which grows with it, its reverse index, the commit-graph, in
		 * the repository, the quarantine or an alternate: any file. */
		{ "7f2a40000000-7f2a80000000 r--s 00000000 08:01 1234   " REPO "/pack/pack-1.pack\n",
		  1, 0x7f2a40000000, 0x40000000 },
		{ "7f2a3e000000-7f2a3e200000 r--s 00000000 08:01 1235   " REPO "/pack/pack-1.idx\n",
		  1, 0x7f2a3e000000, 0x200000 },
		{ "1000-2000 r--s 00000000 08:01 1235   " REPO "/pack/pack-1.rev\n", 1, 0x1000, 0x1000 },
		{ "1000-2000 r--s 00000000 08:01 1235   " REPO "/info/commit-graph\n", 1, 0x1000, 0x1000 },
		/* A window further into the pack. */
		{ "7f2a40000000-7f2a40100000 r--s 40000000 08:01 1234   " REPO "/pack/pack-1.pack\n",
		  1, 0x7f2a40000000, 0x100000 },
		{ "1000-3000 r--s 00000000 fd:00 9   " REPO "/incoming-Ab12Cd/pack/pack-2.pack\n",
		  1, 0x1000, 0x2000 },
		/* An alternate named in objects/info/alternates; one whose path
		 * has spaces and no final newline. */
		{ "1000-2000 r--s 00000000 fd:00 9   /srv/git/pool.git/objects/pack/pack-3.pack\n",
		  1, 0x1000, 0x1000 },
		{ "1000-2000 r--s 00000000 fd:00 9   /srv/alt objects/pack/pack-3.idx", 1, 0x1000, 0x1000 },
		/* A pack removed while mapped. */
		{ "1000-2000 r--s 00000000 fd:00 9   " REPO "/pack/pack-4.pack (deleted)\n", 1, 0x1000, 0x1000 },
		/* Private, writable or executable: never dropped (a private
		 * mapping may hold the process's own copies of pages). */
		{ "1000-2000 r--p 00000000 fd:00 9   " REPO "/pack/pack-1.pack\n", 0, 0, 0 },
		{ "1000-2000 rw-s 00000000 fd:00 9   " REPO "/pack/pack-1.pack\n", 0, 0, 0 },
		{ "1000-2000 r-xs 00000000 fd:00 9   " REPO "/pack/pack-1.pack\n", 0, 0, 0 },
		{ "1000-2000 ---s 00000000 fd:00 9   " REPO "/pack/pack-1.pack\n", 0, 0, 0 },
		/* Libraries and the locale are mapped privately. */
		{ "1000-2000 r--p 00000000 fd:00 9   /usr/lib/x86_64-linux-gnu/libgit2.so.1.5\n", 0, 0, 0 },
		{ "1000-2000 r-xp 00001000 fd:00 9   /usr/lib/x86_64-linux-gnu/libgit2.so.1.5\n", 0, 0, 0 },
		{ "1000-2000 r--p 00000000 fd:00 9   /usr/lib/locale/locale-archive\n", 0, 0, 0 },
		/* Shared memory read-only: its pages stay in its shmem object. */
		{ "1000-2000 r--s 00000000 00:01 7   /dev/zero (deleted)\n", 1, 0x1000, 0x1000 },
		{ "1000-2000 r--s 00000000 00:01 7   /memfd:cache (deleted)\n", 1, 0x1000, 0x1000 },
		{ "1000-2000 r--s 00000000 00:01 7   /SYSV00000000 (deleted)\n", 1, 0x1000, 0x1000 },
		/* Memory without a path, writable shared memory, the heap. */
		{ "1000-2000 r--s 00000000 00:00 0 \n", 0, 0, 0 },
		{ "1000-2000 rw-s 00000000 00:01 7   /dev/zero (deleted)\n", 0, 0, 0 },
		{ "1000-2000 r--p 00000000 00:00 0   [vvar]\n", 0, 0, 0 },
		{ "1000-2000 rw-p 00000000 00:00 0   [heap]\n", 0, 0, 0 },
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
	size_t i, len;
	uintptr_t start;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int got;

		start = 0;
		len = 0;
		got = cg_packmap_select(cases[i].line, &start, &len);
		if (got != cases[i].want || (got && (start != cases[i].start || len != cases[i].len)))
			fail_msg("case %zu (%s): %d %#lx+%#zx", i, cases[i].line, got,
			         (unsigned long)start, len);
	}
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

/* A file's shared mapping lets its pages go and reads the same bytes
 * after; its private mapping keeps them. */
static void test_drop(void **state)
{
	char dir[512], pack[700];
	unsigned char *shared, *private;
	unsigned sum, private_sum;

	(void)state;
	assert_int_equal(scratch_make(dir, sizeof(dir), "packmap"), 0);
	snprintf(pack, sizeof(pack), "%s/pack-1.pack", dir);
	write_file(pack);
	shared = map_read(pack, MAP_SHARED, &sum);
	private = map_read(pack, MAP_PRIVATE, &private_sum);
	/* What the test needs: every page resident before. */
	assert_int_equal(resident_kib(shared), FILE_SIZE / 1024);

	assert_int_equal(cg_packmap_drop(), 0);
	assert_int_equal(resident_kib(shared), 0);
	assert_int_equal(resident_kib(private), FILE_SIZE / 1024);
	assert_int_equal(sum_of(shared), sum);

	munmap(shared, FILE_SIZE);
	munmap(private, FILE_SIZE);
	scratch_remove(dir);
}

/* `path`, `size` bytes of a sparse file, mapped shared, every page read:
 * resident without writing the file's bytes. */
static unsigned char *map_sparse(const char *path, size_t size)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	unsigned char *p;
	volatile unsigned sum = 0;
	size_t i;

	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)size), 0);
	p = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	assert_true(p != MAP_FAILED);
	close(fd);
	for (i = 0; i < size; i += 4096)
		sum += p[i];
	(void)sum;
	return p;
}

/* This process's resident pages of mapped files, in bytes. */
static size_t resident_files(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	unsigned long size, resident, shared;

	assert_non_null(f);
	assert_int_equal(fscanf(f, "%lu %lu %lu", &size, &resident, &shared), 3);
	fclose(f);
	return (size_t)shared * (size_t)sysconf(_SC_PAGESIZE);
}

/* Below the bound nothing is dropped; past it, only at a call that looks
 * (the first, then every CG_PACKMAP_EVERY), and then every shared file.
 * The bound is 4 MiB above what the process has mapped now: a 1 MiB file
 * stays below it, an 8 MiB one goes past. */
static void test_tick(void **state)
{
	char dir[512], small[600], big[600];
	size_t big_size = (size_t)8 << 20;
	unsigned char *s, *b;
	cg_packmap *pm = NULL;
	int i;

	(void)state;
	assert_int_equal(scratch_make(dir, sizeof(dir), "packmap-tick"), 0);
	snprintf(small, sizeof(small), "%s/small.pack", dir);
	snprintf(big, sizeof(big), "%s/big.pack", dir);
	assert_int_equal(cg_packmap_new(&pm, resident_files() + ((size_t)4 << 20)), 0);

	s = map_sparse(small, (size_t)1 << 20);
	assert_int_equal(cg_packmap_tick(pm), 0);
	assert_int_equal(resident_kib(s), 1024);

	b = map_sparse(big, big_size);
	for (i = 1; i < CG_PACKMAP_EVERY; i++)
		assert_int_equal(cg_packmap_tick(pm), 0);
	assert_int_equal(resident_kib(b), (long)(big_size / 1024));
	assert_int_equal(cg_packmap_tick(pm), 0);
	assert_int_equal(resident_kib(b), 0);
	assert_int_equal(resident_kib(s), 0);

	munmap(s, (size_t)1 << 20);
	munmap(b, big_size);
	cg_packmap_free(pm);
	scratch_remove(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_select),
		cmocka_unit_test(test_drop),
		cmocka_unit_test(test_tick),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
