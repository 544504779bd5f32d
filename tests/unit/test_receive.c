#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "receive.h"

#define ZERO40 "0000000000000000000000000000000000000000"
#define A40 "1111111111111111111111111111111111111111"
#define B40 "abcdef0123456789abcdef0123456789abcdef01"
#define A64 "1111111111111111111111111111111111111111111111111111111111111111"
#define B64 "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789"

static int setup(void **state)
{
	(void)state;
	git_libgit2_init();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	git_libgit2_shutdown();
	return 0;
}

static int parse(cg_receive_update *u, const char *line)
{
	return cg_receive_parse_line(u, line, strlen(line), 7);
}

/* The line must be refused, with a message naming line 7 and `why`. */
static void assert_malformed(const char *line, size_t len, const char *why)
{
	cg_receive_update u;

	cg_error_clear();
	if (cg_receive_parse_line(&u, line, len, 7) != CG_EUSAGE)
		fail_msg("accepted: '%s'", line);
	assert_null(u.ref);
	if (!strstr(cg_error_last(), "malformed input line 7") || !strstr(cg_error_last(), why))
		fail_msg("for '%s' want '%s' in: %s", line, why, cg_error_last());
}

#define MALFORMED(line, why) assert_malformed(line, strlen(line), why)

static void test_sha1_lines(void **state)
{
	cg_receive_update u;

	(void)state;
	assert_int_equal(parse(&u, ZERO40 " " B40 " refs/heads/main"), 0);
	assert_string_equal(u.old_oid, ZERO40);
	assert_string_equal(u.new_oid, B40);
	assert_string_equal(u.ref, "refs/heads/main");
	assert_true(cg_receive_oid_is_zero(u.old_oid));
	assert_false(cg_receive_oid_is_zero(u.new_oid));
	free(u.ref);

	assert_int_equal(parse(&u, B40 " " ZERO40 " refs/tags/v1.0"), 0);
	assert_true(cg_receive_oid_is_zero(u.new_oid));
	assert_string_equal(u.ref, "refs/tags/v1.0");
	free(u.ref);

	assert_int_equal(parse(&u, A40 " " B40 " refs/heads/feature/x-1"), 0);
	assert_string_equal(u.ref, "refs/heads/feature/x-1");
	free(u.ref);
}

static void test_sha256_lines(void **state)
{
	cg_receive_update u;

	(void)state;
	assert_int_equal(parse(&u, A64 " " B64 " refs/heads/main"), 0);
	assert_string_equal(u.old_oid, A64);
	assert_string_equal(u.new_oid, B64);
	assert_int_equal(strlen(u.new_oid), 64);
	free(u.ref);
}

static void test_malformed_fields(void **state)
{
	(void)state;
	MALFORMED("", "expected '<old-oid> <new-oid> <refname>'");
	MALFORMED(A40, "expected '<old-oid> <new-oid> <refname>'");
	MALFORMED(A40 " " B40, "expected '<old-oid> <new-oid> <refname>'");
	MALFORMED(A40 "  " B40 " refs/heads/main", "40 (SHA-1) or 64 (SHA-256)");
	MALFORMED(A40 "\t" B40 " refs/heads/main", "expected");
	MALFORMED("1111 " B40 " refs/heads/main", "40 (SHA-1) or 64 (SHA-256)");
	MALFORMED(A40 " " B64 " refs/heads/main", "40 (SHA-1) or 64 (SHA-256)");
	MALFORMED(A64 " " B40 " refs/heads/main", "40 (SHA-1) or 64 (SHA-256)");
	MALFORMED(A40 "1 " B40 "1 refs/heads/main", "40 (SHA-1) or 64 (SHA-256)");
	MALFORMED("ABCDEF0123456789ABCDEF0123456789ABCDEF01 " A40 " refs/heads/main",
	          "not lowercase hex");
	MALFORMED(A40 " " "g111111111111111111111111111111111111111 refs/heads/main",
	          "not lowercase hex");
	MALFORMED(ZERO40 " " ZERO40 " refs/heads/main", "both object ids are zero");
}

static void test_malformed_refnames(void **state)
{
	(void)state;
	MALFORMED(A40 " " B40 " ", "not a valid 'refs/...' name");
	MALFORMED(A40 " " B40 " main", "not a valid 'refs/...' name");
	MALFORMED(A40 " " B40 " HEAD", "not a valid 'refs/...' name");
	MALFORMED(A40 " " B40 " refs/heads/a..b", "not a valid");
	MALFORMED(A40 " " B40 " refs/heads/two words", "not a valid");
	MALFORMED(A40 " " B40 " refs/heads/main\r", "not a valid");
	MALFORMED(A40 " " B40 " refs/heads/x.lock", "not a valid");
	MALFORMED(A40 " " B40 " refs/heads/", "not a valid");
}

static void test_message_escapes_the_line(void **state)
{
	static const char line[] = A40 " " B40 " refs/heads/a\033[31mred\0x";

	(void)state;
	assert_malformed(line, sizeof(line) - 1, "NUL byte");
	assert_null(strchr(cg_error_last(), '\033'));
	MALFORMED(A40 " " B40 " refs/heads/\033[2J", "\\033[2J");
}

static void test_long_line_is_cut_in_message(void **state)
{
	cg_buf line = CG_BUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < 500; i++)
		cg_buf_putc(&line, 'x');
	assert_malformed(line.ptr, line.size, "expected");
	assert_non_null(strstr(cg_error_last(), "xxx...'"));
	assert_true(strlen(cg_error_last()) < 400);
	cg_buf_dispose(&line);
}

/* cg_receive_read on a real stream holding `text`. */
static int read_text(cg_receive_update **u, size_t *n, const char *text, size_t len)
{
	FILE *fp = fmemopen((void *)text, len, "r");
	int error;

	assert_non_null(fp);
	error = cg_receive_read(u, n, fp);
	fclose(fp);
	return error;
}

#define READ(u, n, text) read_text(u, n, text, sizeof(text) - 1)

static void test_read_lines(void **state)
{
	cg_receive_update *u = NULL;
	size_t n = 9;

	(void)state;
	assert_int_equal(READ(&u, &n,
	                      ZERO40 " " A40 " refs/heads/a\n"
	                      A40 " " B40 " refs/heads/b\n"
	                      B40 " " ZERO40 " refs/tags/c"), 0);
	assert_int_equal(n, 3);
	assert_string_equal(u[0].ref, "refs/heads/a");
	assert_string_equal(u[1].old_oid, A40);
	assert_string_equal(u[2].ref, "refs/tags/c");
	cg_receive_updates_free(u, n);
}

static void test_read_nothing(void **state)
{
	cg_receive_update *u = NULL;
	size_t n = 9;

	(void)state;
	assert_int_equal(read_text(&u, &n, "", 0), 0);
	assert_int_equal(n, 0);
	cg_receive_updates_free(u, n);
}

/* Refused input: nothing is returned, and the message names the line. */
static void test_read_refused(void **state)
{
	static const struct {
		const char *text, *says;
	} cases[] = {
		{ ZERO40 " " A40 " refs/heads/a\n" A40 " " B40 " refs/heads/b\n"
		  "garbage\n" A40 " " B40 " refs/heads/d\n", "malformed input line 3 'garbage'" },
		{ ZERO40 " " A40 " refs/heads/a\n\n", "line 2" },
		{ ZERO40 " " A40 " refs/heads/a\r\n", "refs/heads/a\\r" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cg_receive_update *u = (void *)1;
		size_t n = 9;

		assert_int_equal(read_text(&u, &n, cases[i].text, strlen(cases[i].text)), CG_EUSAGE);
		assert_null(u);
		assert_int_equal(n, 0);
		assert_non_null(strstr(cg_error_last(), cases[i].says));
	}
}

static void test_read_too_long_line(void **state)
{
	cg_receive_update *u = NULL;
	cg_buf text = CG_BUF_INIT;
	size_t n = 0;

	(void)state;
	cg_buf_puts(&text, ZERO40 " " A40 " refs/heads/");
	while (text.size <= CG_RECEIVE_LINE_MAX)
		cg_buf_putc(&text, 'a');
	cg_buf_putc(&text, '\n');
	assert_int_equal(read_text(&u, &n, text.ptr, text.size), CG_EUSAGE);
	assert_non_null(strstr(cg_error_last(), "input line 1 is longer than"));
	cg_buf_dispose(&text);
}

static void test_oid_is_zero(void **state)
{
	(void)state;
	assert_true(cg_receive_oid_is_zero(ZERO40));
	assert_true(cg_receive_oid_is_zero(ZERO40 ZERO40 "000000000000000000000000"));
	assert_false(cg_receive_oid_is_zero(A40));
	assert_false(cg_receive_oid_is_zero("0000000000000000000000000000000000000001"));
	assert_false(cg_receive_oid_is_zero(""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha1_lines),
		cmocka_unit_test(test_sha256_lines),
		cmocka_unit_test(test_malformed_fields),
		cmocka_unit_test(test_malformed_refnames),
		cmocka_unit_test(test_message_escapes_the_line),
		cmocka_unit_test(test_long_line_is_cut_in_message),
		cmocka_unit_test(test_read_lines),
		cmocka_unit_test(test_read_nothing),
		cmocka_unit_test(test_read_refused),
		cmocka_unit_test(test_read_too_long_line),
		cmocka_unit_test(test_oid_is_zero),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
