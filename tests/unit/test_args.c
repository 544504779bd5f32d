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

/* A command's options struct: each option sets its own member. */
typedef struct {
	const char *db, *format, *force, *hidden;
} opts;

enum { O_DB, O_FORMAT, O_FORCE, O_HIDDEN };

/* Listed in another order than the struct's: the binding is by name. */
static const cg_args_option options[] = {
	[O_DB] = { "--db", "PATH", "the database", CG_ARGS_FIELD(opts, db) },
	[O_FORMAT] = { "--format", "FORMAT", "text or json", CG_ARGS_FIELD(opts, format) },
	[O_FORCE] = { "--force", NULL, "a flag", CG_ARGS_FIELD(opts, force) },
	[O_HIDDEN] = { "--hidden", "X", "not accepted here", CG_ARGS_FIELD(opts, hidden) },
	{ 0 },
};

static const cg_args_spec spec = {
	options, 1u << O_DB | 1u << O_FORMAT | 1u << O_FORCE, 0, 2
};

/* Parses the words of `line` (at most 16, split on spaces) into `o`. */
static int parse_into(cg_args *out, const cg_args_spec *s, opts *o, char *line)
{
	char *argv[16];
	int argc = 0;
	char *word;

	for (word = strtok(line, " "); word && argc < 16; word = strtok(NULL, " "))
		argv[argc++] = word;
	return cg_args_parse(out, s, o, argc, argv);
}

static int parse_line(cg_args *out, const cg_args_spec *s, char *line)
{
	opts o = { 0 };

	return parse_into(out, s, &o, line);
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

/* Each row: a command line, and the members and arguments it gives. */
static const struct {
	const char *line;
	opts want;
	int nargs;
	const char *args[3];
} binding_cases[] = {
	{ "one --db a.db --format=json --force - -- --two", { "a.db", "json", "", NULL }, 3,
	  { "one", "-", "--two" } },
	{ "--force", { NULL, NULL, "", NULL }, 0, { NULL } },
	{ "--format text --format=csv x", { NULL, "csv", NULL, NULL }, 1, { "x" } },
	{ "--db= y", { "", NULL, NULL, NULL }, 1, { "y" } },
	{ "-- --db x", { NULL, NULL, NULL, NULL }, 2, { "--db", "x" } },
	{ "", { NULL, NULL, NULL, NULL }, 0, { NULL } },
};

static void assert_member(const char *want, const char *got, const char *line)
{
	if (want ? !got || strcmp(want, got) : got != NULL)
		fail_msg("'%s': want '%s', got '%s'", line, want ? want : "(null)", got ? got : "(null)");
}

static void test_named_fields(void **state)
{
	size_t i;
	int k;

	(void)state;
	for (i = 0; i < sizeof(binding_cases) / sizeof(binding_cases[0]); i++) {
		char line[128];
		opts o = { 0 };
		cg_args a;

		snprintf(line, sizeof(line), "%s", binding_cases[i].line);
		assert_int_equal(parse_into(&a, &(cg_args_spec){ options, spec.accepts, 0, -1 }, &o,
		                            line), 0);
		assert_member(binding_cases[i].want.db, o.db, binding_cases[i].line);
		assert_member(binding_cases[i].want.format, o.format, binding_cases[i].line);
		assert_member(binding_cases[i].want.force, o.force, binding_cases[i].line);
		assert_null(o.hidden);
		assert_int_equal(a.nargs, binding_cases[i].nargs);
		for (k = 0; k < a.nargs; k++)
			assert_string_equal(a.args[k], binding_cases[i].args[k]);
		cg_args_dispose(&a);
	}
}

/* What a command held before parsing stays where no option was given. */
static void test_members_not_given_are_kept(void **state)
{
	char line[] = "--force";
	opts o = { "default.db", "text", NULL, NULL };
	cg_args a;

	(void)state;
	assert_int_equal(parse_into(&a, &spec, &o, line), 0);
	assert_string_equal(o.db, "default.db");
	assert_string_equal(o.format, "text");
	assert_string_equal(o.force, "");
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
		cmocka_unit_test(test_named_fields),
		cmocka_unit_test(test_members_not_given_are_kept),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_too_few_and_help),
		cmocka_unit_test(test_print_options),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
