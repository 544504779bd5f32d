#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "buf.h"
#include "error.h"
#include "glob.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

/* One pattern, one path: the verdict of a fresh set. */
static int matches(const char *pattern, unsigned flags, const char *path)
{
	cg_globset *set;
	int hit;

	assert_int_equal(cg_globset_new(&set, flags), 0);
	if (cg_globset_add(set, pattern) != 0)
		fail_msg("pattern '%s' rejected: %s", pattern, cg_error_last());
	hit = cg_globset_match(set, path);
	cg_globset_free(set);
	return hit;
}

struct verdict {
	const char *pattern;
	const char *path;
	int want;
};

static void check_verdicts(const struct verdict *v, size_t n, unsigned flags)
{
	int failed = 0;

	for (size_t i = 0; i < n; i++) {
		if (matches(v[i].pattern, flags, v[i].path) == v[i].want)
			continue;
		print_error("'%s' vs '%s': want %d\n", v[i].pattern, v[i].path, v[i].want);
		failed = 1;
	}
	assert_false(failed);
}

#define CHECK(table, flags) check_verdicts(table, sizeof(table) / sizeof(table[0]), flags)

static void test_star(void **state)
{
	static const struct verdict v[] = {
		{ "*.c", "a.c", 1 },          { "*.c", "src/net/a.c", 1 },
		{ "*.c", "a.h", 0 },          { "*.c", ".c", 1 },
		{ "*.c", "a.c/readme", 1 },   { "*.c", "a.cc", 0 },
		{ "src/*.c", "src/a.c", 1 },  { "src/*.c", "src/x/a.c", 0 },
		{ "src/*.c", "lib/src/a.c", 0 }, { "*", "a", 1 },
		{ "*", "a/b/c", 1 },          { "a*", "abc", 1 },
		{ "a*", "x/abc", 1 },         { "a*", "ba", 0 },
		{ "a*b", "ab", 1 },           { "a*b", "a/b", 0 },
		{ "a/*/b", "a/x/b", 1 },      { "a/*/b", "a/b", 0 },
		{ "a/*/b", "a/x/y/b", 0 },    { "*/b", "a/b", 1 },
		{ "*/b", "b", 0 },            { "*/b", "x/a/b", 0 },
		{ "*a*a*b", "aab", 1 },       { "*a*a*b", "ab", 0 },
	};
	(void)state;
	CHECK(v, 0);
}

static void test_double_star(void **state)
{
	static const struct verdict v[] = {
		{ "**", "a", 1 },               { "**", "a/b/c", 1 },
		{ "/**", "a/b", 1 },            { "**/foo", "foo", 1 },
		{ "**/foo", "a/foo", 1 },       { "**/foo", "a/b/foo", 1 },
		{ "**/foo", "a/foo/x", 1 },     { "**/foo", "xfoo", 0 },
		{ "**/foo", "a/xfoo", 0 },      { "a/**/b", "a/b", 1 },
		{ "a/**/b", "a/x/b", 1 },       { "a/**/b", "a/x/y/b", 1 },
		{ "a/**/b", "a/b/c", 1 },       { "a/**/b", "ab", 0 },
		{ "a/**/b", "a/xb", 0 },        { "a/**/b", "x/a/b", 0 },
		{ "a/**/b", "a/bx", 0 },        { "docs/**", "docs/x", 1 },
		{ "docs/**", "docs/x/y", 1 },   { "docs/**", "docs", 0 },
		{ "docs/**", "docsx/y", 0 },    { "docs/**", "x/docs/y", 0 },
		{ "**/x/**", "x/y", 1 },        { "**/x/**", "a/b/x/y", 1 },
		{ "**/x/**", "a/x", 0 },        { "**/**/x", "x", 1 },
		{ "**/**/x", "a/b/x", 1 },      { "a/**/**/b", "a/b", 1 },
		{ "a/**/b/**/c", "a/b/c", 1 },  { "a/**/b/**/c", "a/x/b/y/z/c", 1 },
		{ "a/**/b/**/c", "a/c", 0 },
		/* as in git, a `**` not between slashes is a plain `*` */
		{ "a**b", "axb", 1 },           { "a**b", "x/ab", 1 },
		{ "a**b", "a/b", 0 },           { "**foo", "x/afoo", 1 },
		{ "foo**", "foobar", 1 },       { "x/a**/b", "x/a/b", 1 },
		{ "x/a**/b", "x/ab/b", 1 },     { "x/a**/b", "x/a/y/b", 0 },
	};
	(void)state;
	CHECK(v, 0);
}

static void test_one_char(void **state)
{
	static const struct verdict v[] = {
		{ "?.c", "a.c", 1 },           { "?.c", "ab.c", 0 },
		{ "a?b", "a/b", 0 },           { "[abc].c", "b.c", 1 },
		{ "[abc].c", "d.c", 0 },       { "[!abc].c", "d.c", 1 },
		{ "[!abc].c", "a.c", 0 },      { "[^abc].c", "d.c", 1 },
		{ "[a-c]x", "bx", 1 },         { "[a-c]x", "dx", 0 },
		{ "[]]x", "]x", 1 },           { "[!]]x", "]x", 0 },
		{ "[!]]x", "ax", 1 },          { "[a-]x", "-x", 1 },
		{ "[a-]x", "bx", 0 },          { "[[:digit:]]x", "7x", 1 },
		{ "[[:digit:]]x", "ax", 0 },   { "[[:alpha:]_]x", "_x", 1 },
		{ "[[:space:]]", "a b/ ", 1 }, { "[[]x", "[x", 1 },
		{ "[[x]", "x", 1 },            { "[\\]]x", "]x", 1 },
		{ "[a\\-c]", "-", 1 },         { "[a\\-c]", "b", 0 },
		{ "[z-a]", "m", 0 },           { "[z-a]", "z", 1 },           { "a[/]b", "a/b", 0 },
		{ "a[!x]b", "a/b", 0 },        { "\\*x", "*x", 1 },
		{ "\\*x", "ax", 0 },           { "\\?", "?", 1 },
		{ "\\?", "a", 0 },             { "\\[a]", "[a]", 1 },
		{ "\\{a,b\\}", "{a,b}", 1 },   { "a,b", "a,b", 1 },
		{ "\xc3\xa9*", "\xc3\xa9t\xc3\xa9", 1 }, { "\xc3\xa9*", "e", 0 },
	};
	(void)state;
	CHECK(v, 0);
}

static void test_braces(void **state)
{
	static const struct verdict v[] = {
		{ "*.{c,h}", "a.c", 1 },          { "*.{c,h}", "x/a.h", 1 },
		{ "*.{c,h}", "a.o", 0 },          { "{a,{b,c}}d", "cd", 1 },
		{ "{a,{b,c}}d", "ad", 1 },        { "{a,{b,c}}d", "dd", 0 },
		{ "foo{,.bak}", "foo", 1 },       { "foo{,.bak}", "foo.bak", 1 },
		{ "foo{,.bak}", "foo.ba", 0 },    { "{a}", "a", 1 },
		{ "{src,lib}/**", "lib/x/y", 1 }, { "{src,lib}/**", "x/lib/y", 0 },
		{ "{/src,lib}", "x/lib", 1 },     { "{/src,lib}", "x/src", 0 },
		{ "[{]x", "{x", 1 },              { "{[,]x,y}", ",x", 1 },
		{ "{a\\,b,c}", "a,b", 1 },        { "{a\\,b,c}", "b", 0 },
		{ "{*.md,docs/}", "docs/a", 1 },  { "{*.md,docs/}", "docs", 0 },
		{ "{**/,}x", "a/b/x", 1 },
	};
	(void)state;
	CHECK(v, 0);
}

static void test_anchoring_and_parents(void **state)
{
	static const struct verdict v[] = {
		{ "/foo", "foo", 1 },          { "/foo", "foo/x", 1 },
		{ "/foo", "a/foo", 0 },        { "foo", "a/foo", 1 },
		{ "foo", "a/foo/b", 1 },       { "foo", "afoo", 0 },
		{ "foo/bar", "foo/bar", 1 },   { "foo/bar", "x/foo/bar", 0 },
		{ "foo/bar", "foo/bar/baz", 1 }, { "foo/bar", "foo/barx", 0 },
		{ "docs", "docs/a/b.md", 1 },  { "docs/", "docs/a/b.md", 1 },
		{ "docs/", "x/docs/a", 1 },    { "docs/", "docs", 0 },
		{ "docs/", "x/docs", 0 },      { "a/b/", "a/b/c", 1 },
		{ "a/b/", "x/a/b/c", 0 },      { "a/b/", "a/b", 0 },
		{ "*.md", "a.md/x", 1 },       { "**/", "a/b", 1 },
		{ "**/", "a", 0 },             { "/a/", "a/b", 1 },
	};
	(void)state;
	CHECK(v, 0);
}

static void test_casefold(void **state)
{
	static const struct verdict folded[] = {
		{ "**/.mcp.json", "Sub/.Mcp.Json", 1 }, { "*.JSON", "a.json", 1 },
		{ "[a-c]x", "BX", 1 },                  { "[!a]", "A", 0 },
		{ "[[:upper:]]", "q", 1 },              { "\\A", "a", 1 },
		{ "/Docs", "DOCS/x", 1 },
		/* accents are folded away on purpose (cg_glob_fs_key) */
		{ "\xc3\xa9", "\xc3\x89", 1 },
	};
	static const struct verdict exact[] = {
		{ "**/.mcp.json", "Sub/.Mcp.Json", 0 }, { "*.JSON", "a.json", 0 },
		{ "[a-c]x", "BX", 0 },                  { "[[:upper:]]", "q", 0 },
	};
	(void)state;
	CHECK(folded, CG_GLOB_CASEFOLD);
	CHECK(exact, 0);
}

/* A case-folding set matches names as case-insensitive, HFS+ and NTFS
 * file systems open them (SPEC: protected names); an exact set does not. */
static void test_file_system_names(void **state)
{
	static const struct verdict folded[] = {
		{ ".mcp.json", ".mcp.j\xc5\xbfon", 1 },           /* U+017F long s */
		{ "claude_desktop_config.json", "claude_desktop_conf\xc4\xb1g.json", 1 }, /* dotless i */
		{ ".mcp.json", ".m\xe2\x80\x8c" "cp.json", 1 },     /* U+200C, HFS+ ignores it */
		{ ".mcp.json", "\xef\xbb\xbf.mcp.json", 1 },     /* U+FEFF */
		{ ".mcp.json", ".mcp.json.", 1 },                 { ".mcp.json", ".mcp.json ", 1 },
		{ ".mcp.json", ".mcp.json. . ", 1 },              { ".mcp.json", ".mcp.json::$DATA", 1 },
		{ ".cursor/mcp.json", ".cursor./mcp.json", 1 },   { ".cursor/mcp.json", ".CURSOR /MCP.JSON", 1 },
		{ "**/.mcp.json", "a/.mcp.json.", 1 },
		{ "kube/**", "\xe2\x84\xaaube/x", 1 },           /* U+212A Kelvin sign */
		{ "caf\xc3\xa9.json", "cafe\xcc\x81.json", 1 },  /* NFC pattern, NFD path */
		{ "cafe\xcc\x81.json", "caf\xc3\xa9.json", 1 },  /* NFD pattern, NFC path */
		{ ".mcp.json", ".mcp.jsonx", 0 },                 { ".mcp.json", ".mcp.json.x", 0 },
		{ ".mcp.json", "x.mcp.json", 0 },                 { ".mcp.json", ".m\xe2\x80\x8b" "cp.json", 0 },
	};
	static const struct verdict exact[] = {
		{ ".mcp.json", ".mcp.j\xc5\xbfon", 0 },           { ".mcp.json", ".mcp.json.", 0 },
		{ ".mcp.json", ".m\xe2\x80\x8c" "cp.json", 0 },
	};
	(void)state;
	CHECK(folded, CG_GLOB_CASEFOLD);
	CHECK(exact, 0);
}

static void test_fs_key(void **state)
{
	static const struct { const char *path; int ntfs; const char *key; } cases[] = {
		{ ".GIT", 1, ".git" },                 { ".git. ", 1, ".git" },
		{ ".g\xe2\x80\x8dit", 1, ".git" },      { "a./b ", 1, "a/b" },
		{ ".", 1, "." },                       { "..", 1, ".." },
		{ "a.", 0, "a." },                     { "x:y/z", 1, "x/z" },
		{ "\xc5\xbf\xc4\xb1", 0, "si" },       { "\xff\xfe", 0, "\xff\xfe" },
		/* a leading '/' ends an empty component: nothing to trim */
		{ "/b", 1, "/b" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cg_buf key = CG_BUF_INIT;

		cg_glob_fs_key(&key, cases[i].path, cases[i].ntfs);
		assert_string_equal(key.ptr ? key.ptr : "", cases[i].key);
		cg_buf_dispose(&key);
	}
}

/* Matching first looks for the longest literal run of a pattern in the
 * path; these are the cases where that run is easy to get wrong. */
static void test_literal_prefilter(void **state)
{
	static const struct verdict folded[] = {
		{ "**/*MCP*.Json", "a/b/my-mcp-x.JSON", 1 }, { "**/*MCP*.Json", "a/b/my-mpc.json", 0 },
		{ "Docs/**/README", "docs/a/b/readme", 1 },  { "x[Y]z", "XYZ", 1 },
		{ "MCP-long-name", "mcp-long-nam", 0 },
	};
	static const struct verdict exact[] = {
		/* the '/' after a leading `**` may be skipped with it */
		{ "**/.mcp.json", ".mcp.json", 1 },          { "a/**/b.c", "a/b.c", 1 },
		{ "**/x/**/y.txt", "x/y.txt", 1 },           { "**/x/**/y.txt", "q/x/z/y.txt", 1 },
		/* a longer uppercase run after a shorter one: compared exactly */
		{ "ab*README", "abREADME", 1 },              { "ab*README", "abreadme", 0 },
		{ "*.pem", "keys/deep/server.pem", 1 },      { "*.pem", "keys/pem", 0 },
		{ "docs", "docs/a/b.md", 1 },                { "build/", "x/build/y", 1 },
		{ "long-literal-run", "long-literal-ru", 0 }, { "a?c", "abc", 1 },
	};
	(void)state;
	CHECK(folded, CG_GLOB_CASEFOLD);
	CHECK(exact, 0);
}

/* The built-in `mcp` protect group of SPEC §2, case-insensitive. */
static void test_spec_mcp_defaults(void **state)
{
	static const char *globs[] = {
		".mcp.json", "**/.mcp.json", "mcp.json", "**/mcp.json", ".cursor/mcp.json",
		".vscode/mcp.json", "**/claude_desktop_config.json", ".mcp/**", "mcp/**",
		"**/mcp-servers/**", "**/mcp_servers/**", "**/*mcp*.{json,yaml,yml,toml}",
		"scripts/mcp/**", "**/*mcp*wrapper*",
	};
	static const char *hit[] = {
		".mcp.json", "Sub/.Mcp.Json", "mcp.json", "a/b/MCP.json", ".cursor/mcp.json",
		".Cursor/MCP.JSON", ".vscode/mcp.json", "x/claude_desktop_config.json",
		".mcp/servers.json", "mcp/run.sh", "tools/mcp-servers/a.js",
		"a/MCP_Servers/b", "config/my-mcp-config.yaml", "MCP.TOML", "x/mcp.yml",
		"scripts/mcp/run.sh", "bin/mcp-wrapper.sh", "bin/MyMcpWrapper",
	};
	static const char *miss[] = {
		"src/main.c", "docs/mcp.md", "README.md", "mcpx/readme", "src/mcp.c",
		"x/mcp/run.sh", "mcp-servers", "config/mcp.json5", "a/scripts/mcp/x",
	};
	cg_globset *set;

	(void)state;
	assert_int_equal(cg_globset_new(&set, CG_GLOB_CASEFOLD), 0);
	for (size_t i = 0; i < sizeof(globs) / sizeof(globs[0]); i++)
		assert_int_equal(cg_globset_add(set, globs[i]), 0);
	assert_int_equal(cg_globset_count(set), sizeof(globs) / sizeof(globs[0]));
	for (size_t i = 0; i < sizeof(hit) / sizeof(hit[0]); i++)
		if (!cg_globset_match(set, hit[i]))
			fail_msg("'%s' should be protected", hit[i]);
	for (size_t i = 0; i < sizeof(miss) / sizeof(miss[0]); i++)
		if (cg_globset_match(set, miss[i]))
			fail_msg("'%s' should not be protected", miss[i]);
	cg_globset_free(set);
}

/* One pattern, one directory: could something below it match, because
 * of what the pattern says of the directory itself? */
static int below(const char *pattern, unsigned flags, const char *dir)
{
	cg_globset *set;
	int hit;

	assert_int_equal(cg_globset_new(&set, flags), 0);
	assert_int_equal(cg_globset_add(set, pattern), 0);
	hit = cg_globset_match_below(set, dir);
	cg_globset_free(set);
	return hit;
}

static void test_match_below(void **state)
{
	static const struct verdict v[] = {
		{ ".cursor/mcp.json", ".cursor", 1 }, { ".cursor/mcp.json", ".vscode", 0 },
		{ ".cursor/mcp.json", ".cursor/x", 0 }, { "mcp/**", "mcp", 1 },
		{ "mcp/**", "mcp/sub", 1 },           { "mcp/**", "mcpx", 0 },
		{ "mcp/", "mcp", 1 },                 { "mcp/", "a/mcp", 1 },
		{ "mcp", "a/mcp", 1 },                { "mcp.json", "config", 0 },
		{ "scripts/mcp/**", "scripts", 1 },   { "scripts/mcp/**", "src", 0 },
		{ "**/mcp-servers/**", "a/mcp-servers", 1 }, { "**/mcp-servers/**", "a", 0 },
		{ "**/*mcp*.json", "config", 0 },     { "**/*mcp*.json", "a/mcpstuff", 0 },
		{ "**/mcp.json", "anything", 0 },     { "*/mcp.json", "top", 0 },
		{ "**/*/mcp.json", "lib", 0 },        { "*/.cursor/mcp.json", "a/.cursor", 1 },
		{ "?/mcp.json", "a", 1 },             { "a/**/b", "a", 1 },
		{ "a/**/b", "x", 0 },                 { "**", "x", 1 },
		{ ".mcp/**", ".MCP", 0 },             { "/docs/*.md", "docs", 1 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (below(v[i].pattern, 0, v[i].path) != v[i].want)
			fail_msg("'%s' below '%s': want %d", v[i].pattern, v[i].path, v[i].want);
	assert_true(below(".mcp/**", CG_GLOB_CASEFOLD, ".MCP"));
}

static void test_bad_patterns(void **state)
{
	static const struct {
		const char *pattern;
		const char *problem;
	} bad[] = {
		{ "", "empty pattern" },          { "/", "empty pattern" },
		{ "{a,}", "empty pattern" },      { "{a,b", "unbalanced '{'" },
		{ "{a,{b}", "unbalanced '{'" },   { "a}", "unbalanced '}'" },
		{ "[abc", "unbalanced '['" },     { "[]", "unbalanced '['" },
		{ "[!]", "unbalanced '['" },      { "{[}]", "unbalanced '{'" },
		{ "***", "'***'" },               { "a/***/b", "'***'" },
		{ "{*,**}*", "'***'" },           { "a\\", "trailing '\\'" },
		{ "a\\/", "trailing '\\'" },      { "[[:word:]]", "unknown character class" },
		{ "!keep.md", "negation" },
		{ "{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}", "more than 256" },
		{ "{{0,1,2,3,4,5,6,7,8,9}{0,1,2,3,4,5,6,7,8,9}{0,1,2},x}", "more than 256" },
	};
	cg_globset *set;

	(void)state;
	assert_int_equal(cg_globset_new(&set, 0), 0);
	assert_int_equal(cg_globset_add(set, "keep"), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cg_error_clear();
		assert_int_equal(cg_globset_add(set, bad[i].pattern), CG_EPOLICY);
		if (!strstr(cg_error_last(), bad[i].problem) || strncmp(cg_error_last(), "bad glob '", 10))
			fail_msg("'%s': message '%s' lacks '%s'", bad[i].pattern, cg_error_last(),
			         bad[i].problem);
	}
	/* nothing of a rejected pattern stays in the set */
	assert_int_equal(cg_globset_count(set), 1);
	assert_false(cg_globset_match(set, "a"));
	assert_false(cg_globset_match(set, "b"));
	assert_true(cg_globset_match(set, "x/keep"));
	cg_globset_free(set);
}

/* The limits themselves are allowed: 256 alternatives, 1024 bytes. */
static void test_limits_accepted(void **state)
{
	char longest[1026];
	cg_globset *set;

	(void)state;
	assert_true(matches("{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}", 0, "abababab"));
	assert_true(matches("{{{{{{{{x}}}}}}}}", 0, "x"));
	memset(longest, 'a', sizeof(longest) - 2);
	longest[sizeof(longest) - 2] = '\0';
	assert_true(matches(longest, 0, longest));
	longest[sizeof(longest) - 2] = 'a';
	longest[sizeof(longest) - 1] = '\0';
	assert_int_equal(cg_globset_new(&set, 0), 0);
	assert_int_equal(cg_globset_add(set, longest), CG_EPOLICY);
	assert_non_null(strstr(cg_error_last(), "longer than 1024 bytes"));
	cg_globset_free(set);
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* A backtracking matcher needs exponential time on these; ours must not. */
static void test_hostile_patterns(void **state)
{
	cg_buf path = CG_BUF_INIT;
	struct timespec t0;
	cg_globset *set;

	(void)state;
	for (int i = 0; i < 200; i++)
		cg_buf_puts(&path, "aaaaaaaaaaaaaaaaaaaaaaaa/");
	cg_buf_puts(&path, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	assert_int_equal(cg_globset_new(&set, CG_GLOB_CASEFOLD), 0);
	assert_int_equal(cg_globset_add(set, "**/**/**/**/*a*a*a*a*b"), 0);
	assert_int_equal(cg_globset_add(set, "*a*a*a*a*a*a*a*a*a*a*a*a*b"), 0);
	assert_int_equal(cg_globset_add(set, "**/a*/**/a*/**/a*/**/a*/**/b"), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < 20; i++)
		assert_false(cg_globset_match(set, path.ptr));
	cg_buf_putc(&path, 'b');
	assert_true(cg_globset_match(set, path.ptr));
	assert_true(seconds_since(&t0) < 2.0);
	cg_globset_free(set);
	cg_buf_dispose(&path);
}

static void test_accessors(void **state)
{
	cg_globset *set;

	(void)state;
	assert_int_equal(cg_globset_new(&set, CG_GLOB_CASEFOLD), 0);
	assert_int_equal(cg_globset_count(set), 0);
	assert_false(cg_globset_match(set, "a"));
	assert_int_equal(cg_globset_add(set, "*.{c,h}"), 0);
	assert_int_equal(cg_globset_add(set, "docs/"), 0);
	assert_int_equal(cg_globset_count(set), 2);
	assert_string_equal(cg_globset_pattern(set, 0), "*.{c,h}");
	assert_string_equal(cg_globset_pattern(set, 1), "docs/");
	assert_null(cg_globset_pattern(set, 2));
	assert_int_equal(cg_globset_flags(set), CG_GLOB_CASEFOLD);
	assert_false(cg_globset_match(set, ""));
	cg_globset_free(set);
	cg_globset_free(NULL);
}

/* ---- agreement with git check-ignore ---- */

/* Brace-free, since gitignore has no braces; no negation or trailing
 * spaces, which we do not support. Nor a `**` glued to a literal directory
 * prefix, as in "x/a**" + "/b": git documents it as a plain `*`, but once
 * its prefix optimisation strips "x/a" the `**` crosses directories; we
 * keep the documented meaning. */
static const char *git_patterns[] = {
	"*.c", "src/*.c", "*", "**", "/**", "**/foo", "a/**/b", "docs/**", "a**b", "**foo",
	"foo**", "?.c", "[abc].c", "[!abc].c", "[^a]x", "[a-c]x", "[]]x", "[!]]x", "[a-]x",
	"[[:digit:]]x", "[[:alpha:]_]x", "[[x]", "\\*x", "/foo", "foo", "foo/bar", "docs/",
	"a/b/", "docs", "**/*.md", ".github/**", "**/.mcp.json", "mcp/**",
	"**/mcp-servers/**", "**/*mcp*wrapper*", ".cursor/mcp.json", "a/*/b", "*/b", "a/**",
	"**/", "a/**/b/**/c", "**/**/x", "a[/]b", "x/**/**/y", "*.tar.gz", "/a/", "a/b",
	"*a**/b", "*a*a*b", "**/x/**", "[z-a]", "a?b", "[!a-c]x", "a/**/", "**/b/", "foo/",
	"*/", "*.md/", "\\?", "[[:upper:]]x", "**/a/**/b", "/x/*", "a/b/**/*", "[a\\-c]x",
};

static const char *git_paths[] = {
	"a.c", "src/a.c", "src/x/a.c", "a/src/a.c", "foo", "a/foo", "a/b/foo", "foo/x",
	"xfoo", "foox", "foo/bar", "x/foo/bar", "foo/bar/baz", "a/b", "a/x/b", "a/x/y/b",
	"a/b/c", "ab", "a/xb", "x/a/b", "docs", "docs/x", "docs/x/y", "docsx/y", "x/docs/y",
	"x/docs", "axb", "ax/yb", "b.c", "d.c", "]x", "-x", "1x", "_x", "[x", "*x", "bx",
	"dx", "README.md", "docs/a.md", "a.md/x", ".github/workflows/ci.yml",
	"x/.mcp.json", ".mcp.json", "mcp/server.json", "x/mcp/server.json",
	"tools/mcp-servers/a.js", "bin/mcp-wrapper.sh", "a/x/b/y/c", "a/b/c/d", "x/y",
	"x/a/y", "x/b/y", ".cursor/mcp.json", "a.tar.gz", "x/x/x", "a/b/x", "x/ab/b",
	"x/a/b/y", "aab", "m", "a?b", "a/a/b/b", "Ax", "?", "a/x/a/b", "x/a/x/b/z",
	"a/b/c/e/f", "a/b/c", "x/x", "x/y/z",
};

/* A scratch repository where only our .gitignore counts: no global or
 * system excludes, no GIT_DIR inherited from a hook that runs the tests. */
static int git_setup(char *dir)
{
	char cmd[256];

	if (system("git --version >/dev/null 2>&1") != 0)
		return -1;
	assert_non_null(mkdtemp(dir));
	setenv("HOME", dir, 1);
	setenv("XDG_CONFIG_HOME", dir, 1);
	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
	unsetenv("GIT_DIR");
	unsetenv("GIT_WORK_TREE");
	unsetenv("GIT_INDEX_FILE");
	snprintf(cmd, sizeof(cmd), "git init -q '%s' && git -C '%s' config core.ignorecase false",
	         dir, dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static void write_file(const char *dir, const char *name, const void *data, size_t len)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_non_null(f = fopen(path, "wb"));
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* The paths that git ignores with `pattern` as the whole .gitignore. */
static void git_ignored(const char *dir, const char *pattern, cg_buf *out)
{
	char cmd[512], chunk[4096];
	cg_buf line = CG_BUF_INIT;
	size_t n;
	FILE *p;
	int status;

	cg_buf_printf(&line, "%s\n", pattern);
	write_file(dir, ".gitignore", line.ptr, line.size);
	cg_buf_dispose(&line);
	snprintf(cmd, sizeof(cmd),
	         "git -C '%s' check-ignore --no-index --stdin -z < '%s/paths'", dir, dir);
	assert_non_null(p = popen(cmd, "r"));
	cg_buf_clear(out);
	while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0)
		cg_buf_put(out, chunk, n);
	status = pclose(p);
	/* 0: some path ignored, 1: none; anything else is a git failure */
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) <= 1);
}

static int listed(const cg_buf *list, const char *path)
{
	for (size_t at = 0; at < list->size; at += strlen(list->ptr + at) + 1)
		if (!strcmp(list->ptr + at, path))
			return 1;
	return 0;
}

static void test_agrees_with_git_check_ignore(void **state)
{
	char dir[] = "/tmp/cg-test-glob-XXXXXX", cmd[256];
	cg_buf paths = CG_BUF_INIT, ignored = CG_BUF_INIT;
	int failed = 0;

	(void)state;
	if (git_setup(dir) < 0) {
		skip();
		return;
	}
	for (size_t i = 0; i < sizeof(git_paths) / sizeof(git_paths[0]); i++)
		cg_buf_put(&paths, git_paths[i], strlen(git_paths[i]) + 1);
	write_file(dir, "paths", paths.ptr, paths.size);
	for (size_t i = 0; i < sizeof(git_patterns) / sizeof(git_patterns[0]); i++) {
		cg_globset *set;
		assert_int_equal(cg_globset_new(&set, 0), 0);
		assert_int_equal(cg_globset_add(set, git_patterns[i]), 0);
		git_ignored(dir, git_patterns[i], &ignored);
		for (size_t j = 0; j < sizeof(git_paths) / sizeof(git_paths[0]); j++) {
			int ours = cg_globset_match(set, git_paths[j]);
			int gits = listed(&ignored, git_paths[j]);
			if (ours == gits)
				continue;
			print_error("'%s' vs '%s': git says %d, we say %d\n", git_patterns[i],
			            git_paths[j], gits, ours);
			failed = 1;
		}
		cg_globset_free(set);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	cg_buf_dispose(&paths);
	cg_buf_dispose(&ignored);
	assert_false(failed);
}

/* Answers are remembered by path: each path of the table is asked in
 * every round, between rounds thousands of others take the memo's slots
 * (each answer checked too), and a pattern added afterwards changes the
 * answers it should. */
static void test_answers_remembered(void **state)
{
	static const struct verdict v[] = {
		{ "docs/**", "docs/guide.txt", 1 }, { "*.md", "README.md", 1 },
		{ "*.md", "lib/a.c", 0 },           { "docs/**", "lib/docs.c", 0 },
		{ "*.md", "a/b/c/NOTES.md", 1 },    { "src/**", "src/b.c", 1 },
	};
	char path[64];
	cg_globset *set;
	int round, i;

	(void)state;
	assert_int_equal(cg_globset_new(&set, 0), 0);
	assert_int_equal(cg_globset_add(set, "docs/**"), 0);
	assert_int_equal(cg_globset_add(set, "*.md"), 0);
	/* enough patterns for the set to remember (MEMO_MIN_GLOBS) */
	assert_int_equal(cg_globset_add(set, "*.rst"), 0);
	assert_int_equal(cg_globset_add(set, "tools/**"), 0);
	for (round = 0; round < 3; round++) {
		for (size_t k = 0; k < sizeof(v) / sizeof(v[0]); k++)
			if (strcmp(v[k].pattern, "src/**") &&
			    cg_globset_match(set, v[k].path) != v[k].want)
				fail_msg("round %d: '%s': want %d", round, v[k].path, v[k].want);
		for (i = 0; i < 5000; i++) {
			snprintf(path, sizeof(path), "d%d/f%d.%s", i, round, i % 2 ? "md" : "c");
			if (cg_globset_match(set, path) != i % 2)
				fail_msg("round %d: '%s': want %d", round, path, i % 2);
		}
	}
	assert_false(cg_globset_match(set, "src/b.c"));
	assert_int_equal(cg_globset_add(set, "src/**"), 0);
	for (size_t k = 0; k < sizeof(v) / sizeof(v[0]); k++)
		if (cg_globset_match(set, v[k].path) != v[k].want)
			fail_msg("after src/**: '%s': want %d", v[k].path, v[k].want);
	cg_globset_free(set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_star),
		cmocka_unit_test(test_double_star),
		cmocka_unit_test(test_one_char),
		cmocka_unit_test(test_braces),
		cmocka_unit_test(test_anchoring_and_parents),
		cmocka_unit_test(test_casefold),
		cmocka_unit_test(test_file_system_names),
		cmocka_unit_test(test_fs_key),
		cmocka_unit_test(test_literal_prefilter),
		cmocka_unit_test(test_spec_mcp_defaults),
		cmocka_unit_test(test_match_below),
		cmocka_unit_test(test_answers_remembered),
		cmocka_unit_test(test_bad_patterns),
		cmocka_unit_test(test_limits_accepted),
		cmocka_unit_test(test_hostile_patterns),
		cmocka_unit_test(test_accessors),
		cmocka_unit_test(test_agrees_with_git_check_ignore),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
