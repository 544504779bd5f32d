/* Unit tests of lib/args.c: the option parser both commands use. */
#define _GNU_SOURCE

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "args.h"
#include "error.h"

enum { O_DB, O_FORMAT, O_FORCE, O_HIDDEN };

static const cg_args_option options[] = {
	[O_DB] = { "--db", "PATH", "the database" },
	[O_FORMAT] = { "--format", "FORMAT", "text or json" },
	[O_FORCE] = { "--force", NULL, "a flag" },
	[O_HIDDEN] = { "--hidden", "X", "not accepted here" },
	{ 0 },
};

static const cg_args_spec spec = {
	options, 1u << O_DB | 1u << O_FORMAT | 1u << O_FORCE, 0, 2
};

/* Parses the words of `line` (at most 16, split on spaces). */
static int parse_line(cg_args *out, const cg_args_spec *s, char *line)
{
	char *argv[16];
	int argc = 0;
	char *word;

	for (word = strtok(line, " "); word && argc < 16; word = strtok(NULL, " "))
		argv[argc++] = word;
	return cg_args_parse(out, s, argc, argv);
}

static void expect_error(const char *text, const char *message)
{
	char line[128];
	cg_args a;

	snprintf(line, sizeof(line), "%s", text);
	assert_int_equal(parse_line(&a, &spec, line), CG_EUSAGE);
	assert_string_equal(cg_error_last(), message);
	cg_args_dispose(&a);
}

static void test_values_flags_and_arguments(void **state)
{
	char line[] = "one --db a.db --format=json --force - -- --two";
	cg_args a;

	(void)state;
	assert_int_equal(parse_line(&a, &(cg_args_spec){ options, spec.accepts, 0, -1 }, line), 0);
	assert_string_equal(a.values[O_DB], "a.db");
	assert_string_equal(a.values[O_FORMAT], "json");
	assert_string_equal(a.values[O_FORCE], "");
	assert_null(a.values[O_HIDDEN]);
	assert_int_equal(a.nargs, 3);
	assert_string_equal(a.args[0], "one");
	assert_string_equal(a.args[1], "-");
	assert_string_equal(a.args[2], "--two");
	cg_args_dispose(&a);
}

static void test_errors(void **state)
{
	(void)state;
	expect_error("--bogus", "unknown option '--bogus'");
	expect_error("--hidden x", "unknown option '--hidden'");
	expect_error("--db", "option '--db' needs a value");
	expect_error("--force=yes", "option '--force' takes no value");
	expect_error("a b c", "unexpected argument 'c'");
	expect_error("--dbx y", "unknown option '--dbx'");
}

static void test_too_few_and_help(void **state)
{
	char few[] = "--force", help[] = "--bogus-later -h";
	cg_args a;

	(void)state;
	assert_int_equal(parse_line(&a, &(cg_args_spec){ options, ~0u, 1, 1 }, few), CG_EUSAGE);
	assert_string_equal(cg_error_last(), "too few arguments");
	cg_args_dispose(&a);
	/* an unknown option before -h is the error */
	assert_int_equal(parse_line(&a, &spec, help), CG_EUSAGE);
	cg_args_dispose(&a);
	snprintf(help, sizeof(help), "a --help");
	assert_int_equal(parse_line(&a, &spec, help), CG_ARGS_HELP);
	cg_args_dispose(&a);
}

static void test_print_options(void **state)
{
	char *text = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&text, &len);

	(void)state;
	cg_args_print_options(fp, &spec, 14);
	fclose(fp);
	assert_string_equal(text,
	                    "    --db PATH      the database\n"
	                    "    --format FORMAT text or json\n"
	                    "    --force        a flag\n"
	                    "    -h, --help     show this help\n");
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values_flags_and_arguments),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_too_few_and_help),
		cmocka_unit_test(test_print_options),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
