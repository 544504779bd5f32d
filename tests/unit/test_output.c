#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "output.h"

static void check_escape(const char *in, int quote, const char *want)
{
	cg_buf out = CG_BUF_INIT;
	cg_output_escape(&out, in, quote);
	assert_string_equal(out.ptr, want);
	cg_buf_dispose(&out);
}

static void test_plain_paths_are_unchanged(void **state)
{
	(void)state;
	check_escape("src/net/conn.c", 1, "src/net/conn.c");
	check_escape("with space.c", 1, "with space.c");
	check_escape("\xE5\xA4\x89\xE6\x9B\xB4.c", 1, "\xE5\xA4\x89\xE6\x9B\xB4.c"); /* CJK */
}

static void test_control_characters_are_escaped_and_quoted(void **state)
{
	(void)state;
	check_escape("a\nb.c", 1, "\"a\\nb.c\"");
	check_escape("tab\there", 1, "\"tab\\there\"");
	check_escape("\033[31mred", 1, "\"\\033[31mred\"");
	check_escape("del\177", 1, "\"del\\177\"");
	check_escape("say \"hi\"", 1, "\"say \\\"hi\\\"\"");
	check_escape("back\\slash", 1, "\"back\\\\slash\"");
}

static void test_invalid_utf8_is_escaped(void **state)
{
	(void)state;
	check_escape("caf\351.c", 1, "\"caf\\351.c\"");
	check_escape("\xC0\xAF", 1, "\"\\300\\257\"");          /* overlong '/' */
	check_escape("\xED\xA0\x80", 1, "\"\\355\\240\\200\""); /* a surrogate */
	check_escape("\xC2\x9B" "1m", 1, "\"\\302\\2331m\"");   /* C1 CSI */
	check_escape("cut\xE5\xA4", 1, "\"cut\\345\\244\"");
}

static void test_unquoted_text_keeps_quotes(void **state)
{
	(void)state;
	/* Details and hints: control bytes escaped, quotes and backslashes kept. */
	check_escape("run: git add 'a b'", 0, "run: git add 'a b'");
	check_escape("x\ny \"z\" \\", 0, "x\\ny \"z\" \\");
}

static void test_result_output(void **state)
{
	cg_result *r = cg_calloc(1, sizeof(*r));
	cg_output o;
	char *text = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&text, &len);

	(void)state;
	cg_output_init(&o, fp);
	assert_false(o.color); /* not a terminal */
	o.prefix = "GL-HOOK-ERR: ";
	r->verdict = CG_VERDICT_BLOCKED;
	cg_result_add_finding(r, "changelog", "a\nb/CHANGELOG.md", "needs a new entry",
	                      "git add x\nor this", "Changelog-Skip");
	r->findings[0].needs_entry = 1;
	cg_result_add_finding(r, "protect:mcp", ".mcp.json", "changed", "git add x", NULL);
	cg_output_result(&o, r, "commit");
	fclose(fp);
	assert_string_equal(text,
		"GL-HOOK-ERR: changeguard: commit refused: 2 problems\n"
		"GL-HOOK-ERR:   changelog: \"a\\nb/CHANGELOG.md\": needs a new entry\n"
		"GL-HOOK-ERR:   protect:mcp: .mcp.json: changed\n"
		"GL-HOOK-ERR: hint: git add x\n"
		"GL-HOOK-ERR: hint: or this\n"
		"GL-HOOK-ERR: hint: git add x\n"
		"GL-HOOK-ERR: hint: or, when no entry is needed: git commit --trailer 'Changelog-Skip: <why>'\n");
	free(text);
	cg_result_free(r);
}

/* The last error's own hints, each on a line of its own, else the caller's. */
static void test_error_output(void **state)
{
	static const struct {
		int hints;        /* how many cg_error_hint lines */
		const char *otherwise;
		const char *want;
	} cases[] = {
		{ 0, NULL, "changeguard: it broke: \"x\\ny\"\n" },
		{ 0, "ask the admin", "changeguard: it broke: \"x\\ny\"\nhint: ask the admin\n" },
		{ 1, "ask the admin", "changeguard: it broke: \"x\\ny\"\nhint: run 1\n" },
		{ 2, NULL, "changeguard: it broke: \"x\\ny\"\nhint: run 1\nhint: run 2\n" },
	};
	size_t i;
	int k;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		char *text = NULL;
		size_t len = 0;
		FILE *fp = open_memstream(&text, &len);
		cg_output o;

		cg_error_hint(0, "a hint of an earlier error");
		/* a newline in the message is the message's, not a hint */
		assert_int_equal(cg_error_set(CG_ERROR, "it broke: \"x\ny\""), CG_ERROR);
		for (k = 1; k <= cases[i].hints; k++)
			assert_int_equal(cg_error_hint(CG_ERROR, "run %d", k), CG_ERROR);
		cg_output_init(&o, fp);
		cg_output_error(&o, cases[i].otherwise);
		fclose(fp);
		assert_string_equal(text, cases[i].want);
		free(text);
	}
	cg_error_clear();
	assert_null(cg_error_hints());
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_paths_are_unchanged),
		cmocka_unit_test(test_control_characters_are_escaped_and_quoted),
		cmocka_unit_test(test_invalid_utf8_is_escaped),
		cmocka_unit_test(test_unquoted_text_keeps_quotes),
		cmocka_unit_test(test_result_output),
		cmocka_unit_test(test_error_output),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
