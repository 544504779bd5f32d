#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include <git2.h>

#include "buf.h"
#include "mergelog.h"

static const char default_pattern[] =
	"^\\s*(?:[-*]|#{2,4})\\s+(?<ts>\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(?:\\.\\d+)?Z)\\b";

static cg_pattern *entry;

static int setup(void **state)
{
	(void)state;
	git_libgit2_init();
	return cg_pattern_compile(&entry, default_pattern, 0);
}

static int teardown(void **state)
{
	(void)state;
	cg_pattern_free(entry);
	git_libgit2_shutdown();
	return 0;
}

#define H "# Changelog\n\n"
#define E1 "- 2026-01-01T00:00:00Z a: one\n"
#define E2 "- 2026-01-02T00:00:00Z a: two\n"
#define E3 "- 2026-01-03T00:00:00Z b: three\n"
#define E4 "- 2026-01-04T00:00:00Z c: four\n"
#define E5 "- 2026-01-05T00:00:00Z c: five\n"
#define CRLF(ts, who) "- 2026-01-0" ts "T00:00:00Z " who "\r\n"

typedef struct {
	const char *name;
	const char *base, *ours, *theirs;
	const char *merged;   /* the whole result of a clean merge */
	const char *why;      /* a conflict: a part of the reason (the result is git's text merge) */
} merge_case;

static const merge_case cases[] = {
	{ "newest first, both add at the top",
	  H E2 E1, H E3 E2 E1, H E4 E2 E1, H E4 E3 E2 E1, NULL },
	{ "newest first, theirs older than ours",
	  H E2 E1, H E4 E2 E1, H E3 E2 E1, H E4 E3 E2 E1, NULL },
	{ "newest first, several each, interleaved by time",
	  H E1, H E5 E3 E1, H E4 E2 E1, H E5 E4 E3 E2 E1, NULL },
	{ "oldest first, both add at the end",
	  H E1 E2, H E1 E2 E4, H E1 E2 E3, H E1 E2 E3 E4, NULL },
	{ "the same entry added by both sides is kept once",
	  H E1, H E3 E1, H E4 E3 E1, H E4 E3 E1, NULL },
	{ "sections: each entry stays under its own",
	  "# Changelog\n## [Unreleased]\n### Added\n" E1 "### Fixed\n" E2 "## [1.0.0]\n\n[1.0.0]: x\n",
	  "# Changelog\n## [Unreleased]\n### Added\n" E3 E1 "### Fixed\n" E2 "## [1.0.0]\n\n[1.0.0]: x\n",
	  "# Changelog\n## [Unreleased]\n### Added\n" E1 "### Fixed\n" E4 E2 "## [1.0.0]\n\n[1.0.0]: x\n",
	  "# Changelog\n## [Unreleased]\n### Added\n" E3 E1 "### Fixed\n" E4 E2 "## [1.0.0]\n\n[1.0.0]: x\n",
	  NULL },
	{ "CRLF line ends are kept",
	  "# Changelog\r\n\r\n" CRLF("1", "a: one"),
	  "# Changelog\r\n\r\n" CRLF("3", "b: three") CRLF("1", "a: one"),
	  "# Changelog\r\n\r\n" CRLF("4", "c: four") CRLF("1", "a: one"),
	  "# Changelog\r\n\r\n" CRLF("4", "c: four") CRLF("3", "b: three") CRLF("1", "a: one"), NULL },
	{ "a UTF-8 BOM and non-ASCII text are kept byte for byte",
	  "\xEF\xBB\xBF# Chang\xC3\xA9log\n\n" E1,
	  "\xEF\xBB\xBF# Chang\xC3\xA9log\n\n- 2026-01-03T00:00:00Z b: caf\xC3\xA9\n" E1,
	  "\xEF\xBB\xBF# Chang\xC3\xA9log\n\n" E4 E1,
	  "\xEF\xBB\xBF# Chang\xC3\xA9log\n\n" E4 "- 2026-01-03T00:00:00Z b: caf\xC3\xA9\n" E1, NULL },
	{ "a last line without its line end gains one when entries follow it",
	  H "- 2026-01-01T00:00:00Z a: one", H "- 2026-01-01T00:00:00Z a: one\n" E2,
	  H "- 2026-01-01T00:00:00Z a: one\n" E3, H E1 E2 E3, NULL },
	{ "one side unchanged: the other side, whatever it did",
	  H E2 E1, H E2 E1, H E2, H E2, NULL },
	{ "ours rewrites an old entry",
	  H E2 E1, H E2 "- 2026-01-01T00:00:00Z a: ONE\n", H E3 E2 E1, NULL,
	  "ours rewrites or removes line 4 of the base: '- 2026-01-01T00:00:00Z a: one'" },
	{ "theirs removes an entry",
	  H E2 E1, H E3 E2 E1, H E2, NULL, "theirs rewrites or removes line 4 of the base" },
	{ "theirs adds a line that is no entry",
	  H E1, H E3 E1, H "Some prose.\n" E1, NULL,
	  "theirs has line 3, which is neither the base's nor a new entry: 'Some prose.'" },
	{ "an entry inside a code block is not one",
	  H "```\n```\n" E1, H "```\n" E3 "```\n" E1, H E4 "```\n```\n" E1, NULL,
	  "ours has line 4, which is neither" },
	{ "a side changes the line ends",
	  H E1, "# Changelog\r\n\r\n- 2026-01-01T00:00:00Z a: one\r\n", H E3 E1, NULL,
	  "ours has line 1" },
	{ "an undated entry is no entry to place",
	  H E1, H "- 2026-13-45T00:00:00Z b: bad\n" E1, H E3 E1, NULL, "ours has line 3" },
	{ "binary", "a\0bb", "a\0bc", "a\0bd", NULL, "base is binary" },
};

static cg_changelog_text text_of(const char *s, size_t len)
{
	cg_changelog_text t = { s, len };
	return t;
}

/* The test strings are NUL-free but for the binary row's, 4 bytes each. */
static size_t length(const merge_case *c, const char *s)
{
	return strcmp(c->name, "binary") ? strlen(s) : 4;
}

static void test_merge_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const merge_case *c = &cases[i];
		cg_changelog_text b = text_of(c->base, length(c, c->base));
		cg_changelog_text o = text_of(c->ours, length(c, c->ours));
		cg_changelog_text t = text_of(c->theirs, length(c, c->theirs));
		cg_mergelog_result r;

		print_message("case: %s\n", c->name);
		assert_int_equal(cg_mergelog_merge(&r, &b, &o, &t, entry, CG_MERGELOG_STYLE_MERGE), 0);
		assert_int_equal(r.conflict, c->why != NULL);
		if (c->merged) {
			assert_int_equal(r.merged.size, strlen(c->merged));
			assert_memory_equal(r.merged.ptr, c->merged, r.merged.size);
		} else {
			assert_non_null(strstr(r.why.ptr, c->why));
		}
		cg_mergelog_result_dispose(&r);
	}
}

/* A conflict leaves git's text merge: markers where the sides clash, and
 * every line of both sides. */
static void test_conflict_markers(void **state)
{
	static const char base[] = H E2 E1;
	static const char ours[] = H E3 "- 2026-01-02T00:00:00Z a: TWO\n" E1;
	static const char theirs[] = H E4 E2 E1;
	cg_changelog_text b = text_of(base, strlen(base)), o = text_of(ours, strlen(ours)),
	                  t = text_of(theirs, strlen(theirs));
	cg_mergelog_result r;

	(void)state;
	assert_int_equal(cg_mergelog_merge(&r, &b, &o, &t, entry, CG_MERGELOG_STYLE_MERGE), 0);
	assert_int_equal(r.conflict, 1);
	cg_buf_putc(&r.merged, '\0');
	assert_non_null(strstr(r.merged.ptr, "<<<<<<< ours\n"));
	assert_non_null(strstr(r.merged.ptr, ">>>>>>> theirs\n"));
	assert_non_null(strstr(r.merged.ptr, "a: TWO\n"));
	assert_non_null(strstr(r.merged.ptr, E4));
	assert_non_null(strstr(r.merged.ptr, E3));
	cg_mergelog_result_dispose(&r);
}

/* merge.conflictStyle: the base's lines between the sides' with diff3. */
static void test_conflict_styles(void **state)
{
	static const char base[] = H E2 E1;
	static const char ours[] = H "- 2026-01-02T00:00:00Z a: TWO\n" E1;
	static const char theirs[] = H "- 2026-01-02T00:00:00Z a: 2\n" E1;
	static const struct {
		cg_mergelog_style style;
		const char *marker; /* present in the result, or absent when NULL */
	} rows[] = {
		{ CG_MERGELOG_STYLE_MERGE, NULL },
		{ CG_MERGELOG_STYLE_DIFF3, "||||||| base\n" E2 "=======\n" },
		{ CG_MERGELOG_STYLE_ZDIFF3, "||||||| base\n" E2 "=======\n" },
	};
	cg_changelog_text b = text_of(base, strlen(base)), o = text_of(ours, strlen(ours)),
	                  t = text_of(theirs, strlen(theirs));
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		cg_mergelog_result r;
		assert_int_equal(cg_mergelog_merge(&r, &b, &o, &t, entry, rows[i].style), 0);
		assert_int_equal(r.conflict, 1);
		cg_buf_putc(&r.merged, '\0');
		if (rows[i].marker)
			assert_non_null(strstr(r.merged.ptr, rows[i].marker));
		else
			assert_null(strstr(r.merged.ptr, "|||||||"));
		cg_mergelog_result_dispose(&r);
	}
}

static void test_attributes_line(void **state)
{
	static const struct {
		const char *file;
		cg_changelog_mode mode;
		const char *line;
	} rows[] = {
		{ "CHANGELOG.md", CG_CHANGELOG_NEAREST, "CHANGELOG.md merge=changeguard-changelog" },
		{ "CHANGELOG.md", CG_CHANGELOG_EVERY_DIRECTORY, "CHANGELOG.md merge=changeguard-changelog" },
		{ "CHANGELOG.md", CG_CHANGELOG_ROOT, "/CHANGELOG.md merge=changeguard-changelog" },
		{ "NEWS", CG_CHANGELOG_ROOT, "/NEWS merge=changeguard-changelog" },
	};
	cg_buf out = CG_BUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		cg_mergelog_attributes_line(&out, rows[i].file, rows[i].mode);
		assert_string_equal(out.ptr, rows[i].line);
	}
	cg_buf_dispose(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_merge_table),
		cmocka_unit_test(test_conflict_markers),
		cmocka_unit_test(test_conflict_styles),
		cmocka_unit_test(test_attributes_line),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
