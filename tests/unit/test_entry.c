/*
 * test_entry.c: lib/entry on real repositories made with git: where
 * `changeguard entry` puts the line (newest first, oldest first, after a
 * continuation, in a new file, CR LF kept), the line's format, what it
 * refuses, and `changeguard init`'s starter files.
 */
#define _GNU_SOURCE /* nftw, for scratch.h */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <git2.h>

#include "buf.h"
#include "check.h"
#include "entry.h"
#include "error.h"
#include "scratch.h"

static char root[256];

/* 2026-12-01T12:00:00Z, the time every entry is written at. */
#define NOW_MS INT64_C(1796126400000)
#define LINE "- 2026-12-01T12:00:00Z A U Thor: the change"

/* `changelog` (NULL: no file) is committed with a.c and optionally a
 * policy; then a.c changes and is staged, and the entry "the change" is
 * added to what needs one (or to `dir`'s changelog). */
typedef struct {
	const char *name;
	const char *policy;
	const char *changelog;
	const char *dir;
	const char *message;
	int error;             /* 0, or the error cg_entry_add returns */
	const char *want;      /* the CHANGELOG.md afterwards; NULL: untouched */
} entry_case;

#define HEAD "# Changelog\n\n"
#define NEWER "- 2026-11-30T10:00:00Z b: newer\n"
#define OLDER "- 2026-11-29T10:00:00Z a: older\n"

static const entry_case entry_cases[] = {
	{ "newest first: on top", NULL, HEAD NEWER OLDER, NULL, "the change", 0,
	  HEAD LINE "\n" NEWER OLDER },
	{ "oldest first: at the bottom", NULL, HEAD OLDER NEWER "\nfooter\n", NULL, "the change", 0,
	  HEAD OLDER NEWER LINE "\n\nfooter\n" },
	{ "oldest first: after the last entry's continuation", NULL,
	  HEAD OLDER NEWER "  more about it\n", NULL, "the change", 0,
	  HEAD OLDER NEWER "  more about it\n" LINE "\n" },
	{ "one entry is newest first", NULL, HEAD OLDER, NULL, "the change", 0, HEAD LINE "\n" OLDER },
	{ "no entries yet: after a blank line", NULL, "# Changelog\n", NULL, "the change", 0,
	  "# Changelog\n\n" LINE "\n" },
	{ "no file: created with a heading", NULL, NULL, NULL, "the change", 0, HEAD LINE "\n" },
	{ "CR LF line ends are kept", NULL, "# Changelog\r\n\r\n" OLDER, NULL, "the change", 0, NULL },
	{ "--dir writes there", NULL, HEAD OLDER, ".", "the change", 0, HEAD LINE "\n" OLDER },
	{ "a message of two lines is refused", NULL, HEAD OLDER, NULL, "two\nlines", CG_EUSAGE, NULL },
	{ "a pattern that would not accept the line",
	  "changelog:\n  entry_pattern: '^## (?<ts>\\S+Z)$'\n", HEAD, NULL, "the change", CG_EUSAGE, NULL },
};

static int setup(void **state)
{
	(void)state;
	if (scratch_make(root, sizeof(root), "entry") < 0)
		return -1;
	scratch_git_env(root, NULL);
	unsetenv("GIT_WORK_TREE");
	git_libgit2_init();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	git_libgit2_shutdown();
	return scratch_remove(root);
}

/* Writes `text` (may be NULL: nothing) to `path`. */
static void write_text(const char *path, const char *text)
{
	FILE *fp;

	if (!text)
		return;
	assert_non_null(fp = fopen(path, "wb"));
	fputs(text, fp);
	fclose(fp);
}

static void run_entry_case(const entry_case *ec, size_t n)
{
	char dir[512], name[32], cwd[1024];
	cg_buf path = CG_BUF_INIT;
	cg_entry_opts opts = CG_ENTRY_OPTS_INIT;
	cg_entry_written written = { NULL, NULL, 0 };
	cg_check *c = NULL;
	char *after;
	int rc;

	snprintf(name, sizeof(name), "entry%zu", n);
	assert_int_equal(scratch_repo(dir, sizeof(dir), root, name, "echo a >a.c"), 0);
	cg_buf_printf(&path, "%s/CHANGELOG.md", dir);
	write_text(path.ptr, ec->changelog);
	cg_buf_clear(&path);
	cg_buf_printf(&path, "%s/.changeguard.yml", dir);
	write_text(path.ptr, ec->policy);
	cg_buf_clear(&path);
	cg_buf_printf(&path, "cd '%s' && git add -A && git commit -q -m base && echo b >a.c && "
	              "git add a.c", dir);
	assert_int_equal(system(path.ptr), 0);
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(dir), 0);
	opts.dir = ec->dir;
	opts.now_ms = NOW_MS;
	assert_int_equal(cg_check_open_staged(&c), 0);
	assert_int_equal(cg_check_load_policy(c), 0);
	rc = cg_entry_add(&written, c, ec->message, &opts);
	cg_check_free(c);
	assert_int_equal(chdir(cwd), 0);
	if (rc != ec->error)
		fail_msg("'%s': cg_entry_add returned %d, want %d", ec->name, rc, ec->error);
	cg_buf_clear(&path);
	cg_buf_printf(&path, "%s/CHANGELOG.md", dir);
	after = scratch_read(path.ptr);
	if (ec->error) {
		assert_int_equal(written.n, 0);
		if (ec->changelog)
			assert_string_equal(after, ec->changelog);
	} else {
		assert_int_equal(written.n, 1);
		assert_string_equal(written.paths[0], "CHANGELOG.md");
		assert_int_equal(written.created[0], ec->changelog == NULL);
		if (ec->want && strcmp(after, ec->want))
			fail_msg("'%s': the file is\n%s\nwant\n%s", ec->name, after, ec->want);
		if (!ec->want)
			assert_string_equal(after, "# Changelog\r\n\r\n" LINE "\r\n" OLDER);
	}
	free(after);
	cg_entry_written_dispose(&written);
	cg_buf_dispose(&path);
}

static void test_entry_placement(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(entry_cases) / sizeof(*entry_cases); i++)
		run_entry_case(&entry_cases[i], i);
}

/* init writes the policy and a changelog with one entry, each only when it
 * is missing; a second run changes nothing. */
static void test_init(void **state)
{
	char dir[512];
	cg_init_result first = { 0 }, again = { 0 };
	cg_buf path = CG_BUF_INIT;
	char *policy, *log;

	(void)state;
	assert_int_equal(scratch_repo(dir, sizeof(dir), root, "init", "true"), 0);
	assert_int_equal(cg_entry_init(&first, dir, NULL), 0);
	assert_true(first.wrote_policy);
	assert_true(first.wrote_changelog);
	assert_string_equal(first.changelog, "CHANGELOG.md");
	cg_buf_printf(&path, "%s/CHANGELOG.md", dir);
	log = scratch_read(path.ptr);
	assert_non_null(strstr(log, "# Changelog\n\n- 20"));
	assert_non_null(strstr(log, "Z A U Thor: "));
	cg_buf_clear(&path);
	cg_buf_printf(&path, "%s/.changeguard.yml", dir);
	policy = scratch_read(path.ptr);
	assert_non_null(strstr(policy, "changelog:"));
	assert_int_equal(cg_entry_init(&again, dir, NULL), 0);
	assert_false(again.wrote_policy);
	assert_false(again.wrote_changelog);
	free(policy);
	free(log);
	free(first.changelog);
	free(again.changelog);
	cg_buf_dispose(&path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_entry_placement),
		cmocka_unit_test(test_init),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
