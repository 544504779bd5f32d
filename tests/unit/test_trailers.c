/*
 * test_trailers.c: lib/trailers against git's own answers (the corpus under
 * tests/fixtures/trailers and, when it is there, the corpus under
 * $CG_CORPUS/trailers, both produced with git 2.39.5) and hand-written cases
 * for the message clean-up.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "fixtures.h"
#include "message.h"
#include "trailers.h"

/* ---- corpus --------------------------------------------------------------- */

#define MAX_COLUMNS 8
#define MAX_CONFIGURED 16

typedef struct {
	size_t passed;
	size_t failed;
	size_t skipped;
} tally;

/* The options one corpus row asks for, pointing into `text`. */
typedef struct {
	cg_trailer_opts opts;
	const char *configured[MAX_CONFIGURED + 1];
	size_t nconfigured;
	char *text;
} row_opts;

/* Undoes the corpus escaping (\n \r \t \\) into `out`. */
static void unescape(cg_buf *out, const char *s)
{
	cg_buf_clear(out);
	for (; *s; s++) {
		char c = *s;

		if (c == '\\' && s[1]) {
			c = *++s;
			c = c == 'n' ? '\n' : c == 'r' ? '\r' : c == 't' ? '\t' : c;
		}
		cg_buf_putc(out, c);
	}
}

/* Splits one TSV line in place; returns the number of columns. */
static size_t split_columns(char *line, char **col)
{
	size_t n = 0;

	col[n++] = line;
	while (n < MAX_COLUMNS && (line = strchr(line, '\t'))) {
		*line++ = '\0';
		col[n++] = line;
	}
	return n;
}

static void add_configured(row_opts *ro, const char *name)
{
	if (ro->nconfigured < MAX_CONFIGURED)
		ro->configured[ro->nconfigured++] = name;
}

/* Applies one `-c key=value` (NUL-terminated, in ro->text). Returns NULL, or
 * why the row cannot be run. */
static const char *apply_config(row_opts *ro, char *item)
{
	char *value = strchr(item, '='), *var;

	if (!value)
		return "config without a value";
	*value++ = '\0';
	if (!strcmp(item, "trailer.separators")) {
		ro->opts.separators = value;
	} else if (!strcmp(item, "core.commentChar")) {
		if (strlen(value) != 1)
			return "core.commentChar is not one character";
		ro->opts.comment_char = value[0];
	} else if (!strncmp(item, "trailer.", 8) && (var = strrchr(item, '.')) > item + 8) {
		/* trailer.<name>.<var>: <name>, and a key, are configured trailers */
		*var++ = '\0';
		add_configured(ro, item + 8);
		if (!strcmp(var, "key"))
			add_configured(ro, value);
	} else {
		return "unsupported config";
	}
	return NULL;
}

/* Parses a git_options cell ("-c a=b -c c=d --no-divider"); NULL or why not. */
static const char *parse_row_opts(row_opts *ro, const char *cell)
{
	char *p;
	const char *why = NULL;

	memset(ro, 0, sizeof(*ro));
	ro->opts = (cg_trailer_opts)CG_TRAILER_OPTS_INIT;
	ro->opts.configured = ro->configured;
	ro->text = cg_strdup(cell);
	for (p = ro->text; *p && !why;) {
		char *end;

		if (!strncmp(p, "--no-divider", 12)) {
			ro->opts.no_divider = 1;
			p += 12;
		} else if (!strncmp(p, "-c ", 3)) {
			p += 3;
			/* a value may hold spaces ("Bug #"), so an item ends
			 * only where the next option starts */
			end = strstr(p, " -");
			if (end)
				*end = '\0';
			why = apply_config(ro, p);
			p = end ? end + 1 : p + strlen(p);
		} else {
			why = "unsupported option";
		}
		while (*p == ' ')
			p++;
	}
	return why;
}

/* The parse as the corpus writes it: "Key=value | Key=value". */
static void format_parse(cg_buf *out, const char *msg, size_t len, const cg_trailer_opts *opts)
{
	cg_trailers *t = NULL;
	size_t i;

	cg_buf_clear(out);
	assert_int_equal(cg_trailers_parse(&t, msg, len, opts), 0);
	for (i = 0; i < cg_trailers_count(t); i++) {
		const cg_trailer *tr = cg_trailers_get(t, i);
		cg_buf_printf(out, "%s%s=%s", i ? " | " : "", tr->key, tr->value);
	}
	cg_trailers_free(t);
}

static void check_row(tally *tl, const char *name, const char *msg_cell,
                      const char *expected_cell, const char *opts_cell)
{
	cg_buf msg = CG_BUF_INIT, expected = CG_BUF_INIT, got = CG_BUF_INIT;
	row_opts ro;
	const char *why = parse_row_opts(&ro, opts_cell);

	if (why) {
		tl->skipped++;
		print_message("skip %s: %s (%s)\n", name, why, opts_cell);
		goto done;
	}
	unescape(&msg, msg_cell);
	unescape(&expected, expected_cell);
	format_parse(&got, msg.ptr, msg.size, &ro.opts);
	if (strcmp(got.ptr, expected.ptr)) {
		tl->failed++;
		print_message("FAIL %s\n  want: %s\n  got:  %s\n", name, expected.ptr, got.ptr);
	} else {
		tl->passed++;
	}
done:
	free(ro.text);
	cg_buf_dispose(&msg);
	cg_buf_dispose(&expected);
	cg_buf_dispose(&got);
}

/* Runs every row of the table in `text` (its first line is the header);
 * columns give the name, message, expected parse and options (-1: none). */
static tally run_table(char *text, int name_col, int msg_col, int want_col, int opts_col)
{
	char *line, *next;
	tally tl = { 0, 0, 0 };

	for (line = strchr(text, '\n'); line && *++line; line = next) {
		char *col[MAX_COLUMNS];
		size_t n;

		if ((next = strchr(line, '\n')))
			*next = '\0';
		n = split_columns(line, col);
		assert_true(n > (size_t)want_col && n > (size_t)msg_col);
		check_row(&tl, col[name_col], col[msg_col], col[want_col],
		          opts_col >= 0 && n > (size_t)opts_col ? col[opts_col] : "");
		if (!next)
			break;
	}
	return tl;
}

/* The corpus table $CG_CORPUS/<file>, when there is a corpus. */
static void run_corpus(const char *file, int name_col, int msg_col, int want_col, int opts_col)
{
	cg_buf path = CG_BUF_INIT;
	char *text = corpus_path(&path, file) ? fixture_slurp(path.ptr, NULL) : NULL;
	tally tl;

	cg_buf_dispose(&path);
	if (!text)
		skip();
	tl = run_table(text, name_col, msg_col, want_col, opts_col);
	free(text);
	print_message("%s: %zu passed, %zu failed, %zu skipped\n", file, tl.passed, tl.failed, tl.skipped);
	assert_int_equal(tl.failed, 0);
	assert_true(tl.passed > 0);
}

/* tests/fixtures/trailers/cases.tsv: case_name, input_message,
 * expected_trailers (git 2.39.5's `interpret-trailers --parse`), git_options.
 * The corner cases of the corpus in messages of our own; none may be skipped. */
static void test_fixture_cases(void **state)
{
	char *text = fixture_read("trailers/cases.tsv", NULL);
	tally tl;

	(void)state;
	assert_non_null(text);
	tl = run_table(text, 0, 1, 2, 3);
	free(text);
	print_message("fixtures: %zu passed, %zu failed, %zu skipped\n", tl.passed, tl.failed, tl.skipped);
	assert_int_equal(tl.failed, 0);
	assert_int_equal(tl.skipped, 0);
	assert_true(tl.passed >= 30);
}

/* cases.tsv: case_name, input_message, expected_trailers, source_test, git_options */
static void test_corpus_git_cases(void **state)
{
	(void)state;
	run_corpus("trailers/cases.tsv", 0, 1, 2, 4);
}

/* real-commits.tsv: category, repo, commit, message, parse_default */
static void test_corpus_real_commits(void **state)
{
	(void)state;
	run_corpus("trailers/real-commits.tsv", 2, 3, 4, -1);
}

/* ---- parse ---------------------------------------------------------------- */

static void assert_parse(const char *msg, const char *want)
{
	cg_buf got = CG_BUF_INIT;

	format_parse(&got, msg, strlen(msg), NULL);
	assert_string_equal(got.ptr, want);
	cg_buf_dispose(&got);
}

static void test_parse_continuation_lines(void **state)
{
	(void)state;
	assert_parse("s\n\nKey: one\n two\n\t three\nOther: x\n", "Key=one two three | Other=x");
	/* a continuation of a non-trailer is no trailer */
	assert_parse("s\n\nKey: v\nnot a trailer\n  Fake: x\nSigned-off-by: a\n", "Key=v | Signed-off-by=a");
	/* CR of CRLF lines is trimmed from values; the blank "\r\n" ends the paragraph */
	assert_parse("s\r\n\r\nKey: v\r\n  more\r\nB: c\r\n", "Key=v\r more | B=c");
	/* an indented line that continues nothing counts against the block */
	assert_parse("s\n\n  Indented: x\nKey: v\n", "");
	assert_parse("s\n\n  Indented: x\nKey: v\nSigned-off-by: a\n", "Key=v | Signed-off-by=a");
}

static void test_parse_keys(void **state)
{
	(void)state;
	assert_parse("s\n\nTwo words: x\n", "");
	assert_parse("s\n\nKey : spaced\nA-1:tight\n", "Key=spaced | A-1=tight");
	/* non-ASCII bytes are not token characters for git */
	assert_parse("s\n\nGr\xc3\xb6\xc3\x9f" "e: x\n", "");
	assert_parse("s\n\n: no key\n", "");
}

static void test_parse_bounds(void **state)
{
	static const char slice[] = "s\n\nKey: value\nMore: cut off here";
	static const char with_nul[] = "s\n\nKey: v\n\0\n\nHidden: x\n";
	cg_trailers *t = NULL;
	const cg_trailer *tr;

	(void)state;
	/* only len bytes are read: the message ends after "Key: value\n" */
	assert_int_equal(cg_trailers_parse(&t, slice, 14, NULL), 0);
	assert_int_equal(cg_trailers_count(t), 1);
	tr = cg_trailers_get(t, 0);
	assert_string_equal(tr->key, "Key");
	assert_string_equal(tr->value, "value");
	assert_null(cg_trailers_get(t, 1));
	cg_trailers_free(t);

	/* like git, the message ends at a NUL byte */
	assert_int_equal(cg_trailers_parse(&t, with_nul, sizeof(with_nul) - 1, NULL), 0);
	assert_int_equal(cg_trailers_count(t), 1);
	assert_string_equal(cg_trailers_get(t, 0)->key, "Key");
	cg_trailers_free(t);

	assert_int_equal(cg_trailers_parse(&t, NULL, 0, NULL), 0);
	assert_int_equal(cg_trailers_count(t), 0);
	cg_trailers_free(t);
	cg_trailers_free(NULL);
}

static void test_find(void **state)
{
	static const char msg[] = "s\n\nSigned-off-by: a\nmcp-authorized-by: Alice\n"
	                          "Reviewed-by: r\nMCP-Authorized-By: Bob\n";
	cg_trailers *t = NULL;
	size_t pos = 0;
	const cg_trailer *tr;

	(void)state;
	assert_int_equal(cg_trailers_parse(&t, msg, sizeof(msg) - 1, NULL), 0);
	tr = cg_trailers_find(t, "MCP-Authorized-By", &pos);
	assert_non_null(tr);
	assert_string_equal(tr->value, "Alice");
	assert_int_equal(pos, 2);
	tr = cg_trailers_find(t, "MCP-Authorized-By", &pos);
	assert_non_null(tr);
	assert_string_equal(tr->value, "Bob");
	assert_int_equal(pos, 4);
	assert_null(cg_trailers_find(t, "MCP-Authorized-By", &pos));
	assert_int_equal(pos, 4);
	assert_null(cg_trailers_find(t, "MCP-Authorized", NULL));
	assert_string_equal(cg_trailers_find(t, "reviewed-BY", NULL)->value, "r");
	cg_trailers_free(t);
}

/* ---- clean ---------------------------------------------------------------- */

static void assert_clean(const char *msg, char comment_char, const char *want)
{
	cg_trailer_opts opts = CG_TRAILER_OPTS_INIT;
	cg_buf got = CG_BUF_INIT;

	opts.comment_char = comment_char;
	cg_message_clean(&got, msg, strlen(msg), &opts);
	assert_string_equal(got.ptr, want);
	cg_buf_dispose(&got);
}

static void test_clean_stripspace(void **state)
{
	(void)state;
	assert_clean("\n\n  \nsubject  \t\n\n\n\nbody\r\n\n \n", '#', "subject\n\nbody\n");
	/* a dropped comment line leaves no blank line behind */
	assert_clean("subject\n# comment\nbody", '#', "subject\nbody\n");
	assert_clean("subject\n\n# a\n\n# b\n\nbody\n", '#', "subject\n\nbody\n");
	assert_clean("# only\n# comments\n", '#', "");
	assert_clean("", '#', "");
	/* an indented '#' is text */
	assert_clean("s\n\n #1 stays\n", '#', "s\n\n #1 stays\n");
	assert_clean("s\n\n#1 goes\n;1 stays\n", '#', "s\n\n;1 stays\n");
	assert_clean("s\n\n#1 stays\n;1 goes\n", ';', "s\n\n#1 stays\n");
}

static void test_clean_scissors(void **state)
{
	(void)state;
	assert_clean("subject\n\nbody\n"
	             "# Please enter the commit message for your changes.\n"
	             "# ------------------------ >8 ------------------------\n"
	             "# Do not modify or remove the line above.\n"
	             "diff --git a/f b/f\n+added\n",
	             '#', "subject\n\nbody\n");
	/* at the very start: nothing is left */
	assert_clean("# ------------------------ >8 ------------------------\nsubject\n", '#', "");
	/* only a whole line with the comment char and a newline counts */
	assert_clean("s\n\nbody\n# ------------------------ >8 ------------------------", '#', "s\n\nbody\n");
	assert_clean("s\n\n; ------------------------ >8 ------------------------\nkept\n", '#',
	             "s\n\n; ------------------------ >8 ------------------------\nkept\n");
	assert_clean("s\n # ------------------------ >8 ------------------------\nkept\n", '#',
	             "s\n # ------------------------ >8 ------------------------\nkept\n");
}

static void test_clean_auto_comment_char(void **state)
{
	(void)state;
	/* the user's lines start with '#', so git commented its own with ';' */
	assert_clean("Fix #12\n\n#12 was a crash\n\n"
	             "; Please enter the commit message for your changes. Lines starting\n"
	             "; with ';' will be ignored, and an empty message aborts the commit.\n"
	             ";\n; On branch main\n",
	             0, "Fix #12\n\n#12 was a crash\n");
	/* git commit -v: the scissors line alone tells */
	assert_clean("Fix\n\n#1 and @2\n"
	             "! ------------------------ >8 ------------------------\n"
	             "! Do not modify or remove the line above.\n"
	             "diff --git a/f b/f\n",
	             0, "Fix\n\n#1 and @2\n");
	/* the last of git's blocks wins over text the user wrote */
	assert_clean("Fix\n\n# On branch is a phrase here\n#1 too\n\n$ On branch main\n$\n", 0,
	             "Fix\n\n# On branch is a phrase here\n#1 too\n");
	/* git never writes a lone comment line: this one is the user's, so
	 * git picked ';' (and, without -v, cut nothing) */
	assert_clean("Fix\n\nKey: v\n# ------------------------ >8 ------------------------\nmore\n", 0,
	             "Fix\n\nKey: v\n# ------------------------ >8 ------------------------\nmore\n");
	/* no editor, no comment lines of git's: git's pick, a char no line starts with */
	assert_clean("Fix\n\n#1 stays\n;1 stays\n", 0, "Fix\n\n#1 stays\n;1 stays\n");
	assert_clean("Fix\n\n#1 stays\n;1 stays\n\n", 0, "Fix\n\n#1 stays\n;1 stays\n");
	assert_clean("Fix\n", 0, "Fix\n");
	/* every candidate starts a line: git gives up, we take '#' */
	assert_clean("#\n;\n@\n!\n$\n%\n^\n&\n|\n:\nend\n", 0, ";\n@\n!\n$\n%\n^\n&\n|\n:\nend\n");
	/* NULL opts means '#' */
	{
		cg_buf got = CG_BUF_INIT;
		cg_message_clean(&got, "a\n; b\n# c\n", 10, NULL);
		assert_string_equal(got.ptr, "a\n; b\n");
		cg_buf_dispose(&got);
	}
}

static void test_clean_then_parse(void **state)
{
	static const char raw[] =
		"Add the thing\n\nBody text.\n\n"
		"Signed-off-by: A <a@example.com>\n"
		"MCP-Authorized-By: Alice <alice@example.com>\n"
		"  (approved in review)\n"
		"; Please enter the commit message for your changes.\n"
		"; ------------------------ >8 ------------------------\n"
		"Trailer-In-Diff: no\n";
	cg_trailer_opts opts = CG_TRAILER_OPTS_INIT;
	cg_buf clean = CG_BUF_INIT, got = CG_BUF_INIT;

	(void)state;
	opts.comment_char = 0;
	cg_message_clean(&clean, raw, sizeof(raw) - 1, &opts);
	format_parse(&got, clean.ptr, clean.size, &opts);
	assert_string_equal(got.ptr, "Signed-off-by=A <a@example.com> | "
	                             "MCP-Authorized-By=Alice <alice@example.com> (approved in review)");
	cg_buf_dispose(&clean);
	cg_buf_dispose(&got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixture_cases),
		cmocka_unit_test(test_corpus_git_cases),
		cmocka_unit_test(test_corpus_real_commits),
		cmocka_unit_test(test_parse_continuation_lines),
		cmocka_unit_test(test_parse_keys),
		cmocka_unit_test(test_parse_bounds),
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_clean_stripspace),
		cmocka_unit_test(test_clean_scissors),
		cmocka_unit_test(test_clean_auto_comment_char),
		cmocka_unit_test(test_clean_then_parse),
	};

	return cmocka_run_group_tests_name("trailers", tests, NULL, NULL);
}
