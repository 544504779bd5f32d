/* Unit tests of lib/fs.c in a scratch directory: the bounded reader
 * (cg_fs_read, cg_fs_read_head) and mkdir -p (cg_fs_mkdir_p), each driven
 * by a table of cases. */
#define _XOPEN_SOURCE 700

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "buf.h"
#include "error.h"
#include "fs.h"
#include "scratch.h"

#define MIB (1024 * 1024)

typedef struct {
	char dir[4096];
} scratch;

static int setup(void **state)
{
	scratch *s = calloc(1, sizeof(*s));

	if (!s || scratch_make(s->dir, sizeof(s->dir), "fs") < 0)
		return -1;
	*state = s;
	return 0;
}

static int teardown(void **state)
{
	scratch *s = *state;

	scratch_remove(s->dir);
	free(s);
	return 0;
}

/* The byte at offset i of every file written here. */
static char pattern_at(size_t i)
{
	return (char)('a' + i % 23);
}

static void write_file(const char *path, size_t size)
{
	FILE *f = fopen(path, "wb");
	size_t i;

	assert_non_null(f);
	for (i = 0; i < size; i++)
		assert_int_not_equal(fputc(pattern_at(i), f), EOF);
	assert_int_equal(fclose(f), 0);
}

typedef enum {
	A_FILE,       /* `size` bytes */
	NO_FILE,      /* nothing at the path */
	A_DIRECTORY,
	UNREADABLE,   /* mode 0000: only when not root, who reads it anyway */
	READ_FAILS    /* opens, then read(2) fails: /proc/self/mem at offset 0 */
} read_kind;

static const struct {
	const char *name;
	read_kind kind;
	size_t size, cap;
	int head;              /* cg_fs_read_head rather than cg_fs_read */
	int error;
	size_t kept;           /* bytes in the buffer afterwards */
	const char *message;   /* a part of the message; the path is checked too */
} read_cases[] = {
	{ "empty file", A_FILE, 0, 16, 0, 0, 0, NULL },
	{ "exactly the cap", A_FILE, 16, 16, 0, 0, 16, NULL },
	{ "one byte under the cap", A_FILE, 15, 16, 0, 0, 15, NULL },
	{ "cap + 1", A_FILE, 17, 16, 0, CG_ELIMIT, 16, "is larger than 16 bytes" },
	{ "cap + 1, head", A_FILE, 17, 16, 1, 0, 16, NULL },
	{ "cap 0, empty file", A_FILE, 0, 0, 0, 0, 0, NULL },
	{ "cap 0, one byte", A_FILE, 1, 0, 0, CG_ELIMIT, 0, "is larger than 0 bytes" },
	{ "several chunks, exactly the cap", A_FILE, 3 * 65536 + 7, 3 * 65536 + 7, 0, 0,
	  3 * 65536 + 7, NULL },
	{ "a MiB cap + 1", A_FILE, MIB + 1, MIB, 0, CG_ELIMIT, MIB, "is larger than 1 MiB" },
	{ "a KiB cap, far over it", A_FILE, 100000, 4096, 0, CG_ELIMIT, 4096,
	  "is larger than 4 KiB" },
	{ "a KiB cap, far over it, head", A_FILE, 100000, 4096, 1, 0, 4096, NULL },
	{ "missing file", NO_FILE, 0, 16, 0, CG_ENOTFOUND, 0, "cannot read" },
	{ "missing file, head", NO_FILE, 0, 16, 1, CG_ENOTFOUND, 0, "cannot read" },
	{ "a directory", A_DIRECTORY, 0, 16, 0, CG_ERROR, 0, "Is a directory" },
	{ "unreadable", UNREADABLE, 16, 64, 0, CG_ERROR, 0, "Permission denied" },
	{ "read error", READ_FAILS, 0, 16, 0, CG_ERROR, 0, "cannot read" },
};

static void test_bounded_read(void **state)
{
	scratch *s = *state;
	char path[4200];
	size_t i, k;

	for (i = 0; i < sizeof(read_cases) / sizeof(read_cases[0]); i++) {
		cg_buf out = CG_BUF_INIT;
		int error;

		if (read_cases[i].kind == UNREADABLE && geteuid() == 0) {
			print_message("skipped as root (it reads any file): %s\n", read_cases[i].name);
			continue;
		}
		snprintf(path, sizeof(path), "%s/case-%zu", s->dir, i);
		switch (read_cases[i].kind) {
		case A_FILE:
			write_file(path, read_cases[i].size);
			break;
		case NO_FILE:
			break;
		case A_DIRECTORY:
			assert_int_equal(mkdir(path, 0755), 0);
			break;
		case UNREADABLE:
			write_file(path, read_cases[i].size);
			assert_int_equal(chmod(path, 0), 0);
			break;
		case READ_FAILS:
			snprintf(path, sizeof(path), "/proc/self/mem");
			break;
		}
		cg_error_clear();
		error = read_cases[i].head ? cg_fs_read_head(&out, path, read_cases[i].cap)
		                           : cg_fs_read(&out, path, read_cases[i].cap);
		if (error != read_cases[i].error || out.size != read_cases[i].kept)
			fail_msg("%s: got %d with %zu bytes (%s), want %d with %zu", read_cases[i].name,
			         error, out.size, cg_error_last(), read_cases[i].error,
			         read_cases[i].kept);
		for (k = 0; k < out.size; k++)
			if (out.ptr[k] != pattern_at(k))
				fail_msg("%s: byte %zu differs", read_cases[i].name, k);
		if (read_cases[i].message &&
		    (!strstr(cg_error_last(), read_cases[i].message) ||
		     !strstr(cg_error_last(), path)))
			fail_msg("%s: the message '%s' lacks '%s' or the path", read_cases[i].name,
			         cg_error_last(), read_cases[i].message);
		cg_buf_dispose(&out);
	}
}

/* The reader appends: what the buffer held stays in front. */
static void test_bounded_read_appends(void **state)
{
	scratch *s = *state;
	cg_buf out = CG_BUF_INIT;
	char path[4200];

	snprintf(path, sizeof(path), "%s/three", s->dir);
	write_file(path, 3);
	cg_buf_puts(&out, "head:");
	assert_int_equal(cg_fs_read(&out, path, 3), 0);
	assert_string_equal(out.ptr, "head:abc");
	cg_buf_dispose(&out);
}

static const struct {
	const char *name;
	const char *existing_dirs;  /* made first, space-separated, relative */
	const char *existing_file;  /* made first, relative; may be NULL */
	const char *make;           /* the argument, relative */
	const char *why;
	int error;
	const char *message;        /* a part of the message */
} mkdir_cases[] = {
	{ "nested", "", NULL, "a/b/c", NULL, 0, NULL },
	{ "one level", "", NULL, "a", NULL, 0, NULL },
	{ "existing", "a a/b", NULL, "a/b", NULL, 0, NULL },
	{ "existing parent", "a", NULL, "a/b/c", NULL, 0, NULL },
	{ "trailing slash", "", NULL, "a/b/", NULL, 0, NULL },
	{ "doubled slash", "", NULL, "a//b", NULL, 0, NULL },
	{ "a file in the way", "", "f", "f/g", NULL, CG_ERROR, "/f': Not a directory" },
	{ "a file where the directory goes", "a", "a/f", "a/f", NULL, CG_ERROR,
	  "/a/f': Not a directory" },
	{ "the message says why", "", "f", "f/g/h", "for the hooks", CG_ERROR,
	  "/f' for the hooks: Not a directory" },
};

static void test_mkdir_p(void **state)
{
	scratch *s = *state;
	char root[4200], path[8400];
	struct stat st;
	size_t i;

	for (i = 0; i < sizeof(mkdir_cases) / sizeof(mkdir_cases[0]); i++) {
		char *dirs = strdup(mkdir_cases[i].existing_dirs), *one, *save = NULL;
		int error;

		snprintf(root, sizeof(root), "%s/mkdir-%zu", s->dir, i);
		assert_int_equal(mkdir(root, 0755), 0);
		for (one = strtok_r(dirs, " ", &save); one; one = strtok_r(NULL, " ", &save)) {
			snprintf(path, sizeof(path), "%s/%s", root, one);
			assert_int_equal(mkdir(path, 0755), 0);
		}
		free(dirs);
		if (mkdir_cases[i].existing_file) {
			snprintf(path, sizeof(path), "%s/%s", root, mkdir_cases[i].existing_file);
			write_file(path, 1);
		}
		snprintf(path, sizeof(path), "%s/%s", root, mkdir_cases[i].make);
		cg_error_clear();
		error = cg_fs_mkdir_p(path, mkdir_cases[i].why);
		if (error != mkdir_cases[i].error)
			fail_msg("%s: got %d (%s), want %d", mkdir_cases[i].name, error,
			         cg_error_last(), mkdir_cases[i].error);
		if (!error && (stat(path, &st) < 0 || !S_ISDIR(st.st_mode)))
			fail_msg("%s: '%s' is not a directory", mkdir_cases[i].name, path);
		if (mkdir_cases[i].message && !strstr(cg_error_last(), mkdir_cases[i].message))
			fail_msg("%s: the message '%s' lacks '%s'", mkdir_cases[i].name,
			         cg_error_last(), mkdir_cases[i].message);
	}
}

/* Hints name paths from where the user ran git (its GIT_PREFIX). */
static const struct {
	const char *prefix, *path, *want;
} relative_cases[] = {
	{ "", "CHANGELOG.md", "CHANGELOG.md" },
	{ "", "", "." },
	{ "internal/backend/local/", "internal/backend/CHANGELOG.md", "../CHANGELOG.md" },
	{ "internal/backend/local/", "internal/backend", ".." },
	{ "internal/backend/local/", "", "../../.." },
	{ "internal/backend/local/", "CHANGELOG.md", "../../../CHANGELOG.md" },
	{ "a/", "a", "." },
	{ "a/", "ab/CHANGELOG.md", "../ab/CHANGELOG.md" },
	{ "a/b/", "a/c/d/CHANGELOG.md", "../c/d/CHANGELOG.md" },
	{ "a/", "a/b/c", "b/c" },
};

static void test_relative(void **state)
{
	cg_buf out = CG_BUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(relative_cases) / sizeof(relative_cases[0]); i++) {
		cg_buf_clear(&out);
		cg_fs_relative(&out, relative_cases[i].prefix, relative_cases[i].path);
		if (strcmp(out.ptr, relative_cases[i].want))
			fail_msg("'%s' from '%s': got '%s', want '%s'", relative_cases[i].path,
			         relative_cases[i].prefix, out.ptr, relative_cases[i].want);
	}
	cg_buf_dispose(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_bounded_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bounded_read_appends, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mkdir_p, setup, teardown),
		cmocka_unit_test(test_relative),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
