#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "changelog.h"
#include "error.h"
#include "entry_pattern.h"
#include "fixtures.h"

static cg_changelog *parse(const char *text)
{
	cg_changelog *cl = NULL;
	assert_int_equal(cg_changelog_parse(&cl, text, strlen(text), entry), 0);
	return cl;
}

static void test_entries_and_near_misses(void **state)
{
	cg_changelog *cl = parse(
		"# Changelog\n"
		"\n"
		"- 2026-01-31T12:00:00Z alice: valid\n"
		"* 2026-01-31T12:00:00.250Z bob: fraction\n"
		"## 2026-02-01T00:00:00Z\n"
		"- 2026-02-30T10:00:00Z x: no such day\n"
		"- 2026-01-31T12:00:00+02:00 x: offset\n"
		"- 2026-01-31 12:00:00 x: naive\n"
		"- 2026-01-31 x: a date alone is not an entry\n"
		"Released 2026-01-31T12:00:00Z (not at the start)\n");
	const cg_changelog_line *l;

	(void)state;
	assert_int_equal(cg_changelog_count(cl), 6);
	l = cg_changelog_get(cl, 0);
	assert_int_equal(l->line, 3);
	assert_int_equal(l->kind, CG_LINE_ENTRY);
	assert_int_equal(l->status, CG_TS_OK);
	assert_int_equal(l->len, strlen("- 2026-01-31T12:00:00Z alice: valid"));
	assert_int_equal(cg_changelog_get(cl, 1)->status, CG_TS_OK);
	assert_int_equal(cg_changelog_get(cl, 1)->ts_ms % 1000, 250);
	assert_int_equal(cg_changelog_get(cl, 2)->kind, CG_LINE_ENTRY);
	assert_int_equal(cg_changelog_get(cl, 3)->status, CG_TS_BAD_DATE);
	l = cg_changelog_get(cl, 4);
	assert_int_equal(l->kind, CG_LINE_NEAR_MISS);
	assert_int_equal(l->status, CG_TS_NOT_UTC);
	l = cg_changelog_get(cl, 5);
	assert_int_equal(l->kind, CG_LINE_NEAR_MISS);
	assert_int_equal(l->status, CG_TS_NOT_UTC);
	assert_null(cg_changelog_get(cl, 6));
	cg_changelog_free(cl);
}

static void test_fences_and_comments_hide_entries(void **state)
{
	cg_changelog *cl = parse(
		"```\n- 2026-01-31T12:00:00Z in: fence\n```\n"
		"~~~~\n- 2026-01-31T12:00:00Z in: tilde fence\n~~~\nstill inside\n~~~~\n"
		"<!--\n- 2026-01-31T12:00:00Z in: comment\n-->\n"
		"<!-- - 2026-01-31T12:00:00Z one-line comment -->\n"
		"- 2026-01-31T12:00:01Z out: visible\n");

	(void)state;
	assert_int_equal(cg_changelog_count(cl), 1);
	assert_int_equal(cg_changelog_get(cl, 0)->line, 13);
	cg_changelog_free(cl);
}

static void test_bom_and_crlf(void **state)
{
	cg_changelog *cl = parse("\xEF\xBB\xBF- 2026-01-31T12:00:00Z a: first\r\n- 2026-01-31T12:00:01Z b\r\n");
	const cg_changelog_line *l;

	(void)state;
	assert_int_equal(cg_changelog_count(cl), 2);
	l = cg_changelog_get(cl, 0);
	assert_int_equal(l->line, 1);
	assert_memory_equal(l->text, "- 2026", 6);
	assert_int_equal(l->text[l->len - 1], 't'); /* no CR kept */
	cg_changelog_free(cl);
}

/* Lines a rendered view shows as code, hides, or collapses are no entries
 * (CommonMark's indented code blocks and raw HTML blocks). */
static void test_code_and_html_blocks_hide_entries(void **state)
{
	static const struct { const char *text; size_t entries; } cases[] = {
		{ "# C\n\n    - 2026-01-01T00:00:00Z code\n", 0 },
		{ "# C\n\n\t- 2026-01-01T00:00:00Z code\n", 0 },
		{ "    - 2026-01-01T00:00:00Z first line, code\n", 0 },
		{ "# C\n\n    x\n\n    - 2026-01-01T00:00:00Z still code\n", 0 },
		{ "- 2026-01-02T00:00:00Z a\n\n    - 2026-01-01T00:00:00Z nested item\n", 2 },
		{ "- 2026-01-02T00:00:00Z a\n  - 2026-01-01T00:00:00Z nested\n", 2 },
		{ "- 2026-01-02T00:00:00Z a\n\npara\n\n    - 2026-01-01T00:00:00Z code\n", 1 },
		{ "<script>\n- 2026-01-01T00:00:00Z a\n</script>\n- 2026-01-02T00:00:00Z b\n", 1 },
		{ "<details>\n\n- 2026-01-01T00:00:00Z a\n\n</details>\n", 0 },
		{ "<DETAILS open>\n<details>\n</details>\n- 2026-01-01T00:00:00Z a\n</details>\n", 0 },
		{ "<style>\n- 2026-01-01T00:00:00Z a\n</style>\n", 0 },
		{ "<template>\n- 2026-01-01T00:00:00Z a\n</template>\n", 0 },
		{ "<textarea>\n- 2026-01-01T00:00:00Z a\n</textarea>\n", 0 },
		{ "<pre>\n- 2026-01-01T00:00:00Z a\n</pre>\n", 0 },
		{ "<detailsx>\n- 2026-01-01T00:00:00Z a\n", 1 },
		{ "<details>x</details>\n- 2026-01-01T00:00:00Z a\n", 1 },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cg_changelog *cl = parse(cases[i].text);
		size_t n = 0;

		for (size_t k = 0; k < cg_changelog_count(cl); k++)
			n += cg_changelog_get(cl, k)->kind == CG_LINE_ENTRY;
		if (n != cases[i].entries)
			fail_msg("case %zu: %zu entries, want %zu", i, n, cases[i].entries);
		cg_changelog_free(cl);
	}
}

/* git's conflict markers are lines of their own kind; a Markdown heading's
 * underline, a quote or text that only starts like one is not. */
static void test_conflict_markers(void **state)
{
	static const struct { const char *text; size_t markers; size_t first_line; } cases[] = {
		{ "<<<<<<< ours\n- 2026-01-02T00:00:00Z a\n=======\n- 2026-01-03T00:00:00Z b\n"
		  ">>>>>>> theirs\n", 2, 1 },
		{ "<<<<<<< HEAD\n||||||| base\n=======\n>>>>>>> b1\n", 3, 1 },
		{ "# C\n\n<<<<<<< ours\n- 2026-12-05T16:56:08Z dev: b1\n||||||| base\n- 2026-12-05T16:55:08Z A: x\n=======\n", 2, 3 },
		{ "# C\n\n<<<<<<<\n>>>>>>>\r\n", 2, 3 },
		{ "Changes\n=======\n", 0, 0 },
		{ "<<<<<<<< eight\n>>>>>>>x\n<<<<<< six\n", 0, 0 },
		{ "```\n<<<<<<< in a fence\n```\n", 0, 0 },
		{ "> quoted\n>>>>>>>> deep quote\n", 0, 0 },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cg_changelog *cl = parse(cases[i].text);
		size_t n = 0, first = 0;

		for (size_t k = 0; k < cg_changelog_count(cl); k++) {
			const cg_changelog_line *l = cg_changelog_get(cl, k);
			if (l->kind != CG_LINE_CONFLICT)
				continue;
			if (!n++)
				first = l->line;
			if (l->ts || l->status == CG_TS_OK)
				fail_msg("case %zu: a marker carries a timestamp", i);
		}
		if (n != cases[i].markers || first != cases[i].first_line)
			fail_msg("case %zu: %zu markers from line %zu, want %zu from %zu", i, n, first,
			         cases[i].markers, cases[i].first_line);
		cg_changelog_free(cl);
	}
}

/* Markers a merge left are added lines; the entries on both sides are not. */
static void test_conflict_markers_are_added(void **state)
{
	static const char before[] = "# C\n\n- 2026-01-01T00:00:00Z base\n";
	static const char now[] = "# C\n\n<<<<<<< ours\n- 2026-01-02T00:00:00Z a\n=======\n"
	                          "- 2026-01-03T00:00:00Z b\n>>>>>>> theirs\n- 2026-01-01T00:00:00Z base\n";
	cg_changelog_text t_now = { now, strlen(now) }, t_before = { before, strlen(before) };
	cg_changelog_delta d;
	size_t i, markers = 0;

	(void)state;
	assert_int_equal(cg_changelog_diff(&d, &t_now, &t_before, 1, entry), 0);
	assert_int_equal(d.nadded, 4);
	for (i = 0; i < d.nadded; i++)
		markers += d.added[i]->kind == CG_LINE_CONFLICT;
	assert_int_equal(markers, 2);
	assert_int_equal(d.nremoved, 0);
	cg_changelog_delta_dispose(&d);
}

/* A copy of a line the file already holds is no new entry. */
static void test_copies_are_not_added(void **state)
{
	static const struct { const char *before, *now; size_t added; } cases[] = {
		{ "- 2026-01-01T00:00:00Z a\n", "- 2026-01-01T00:00:00Z a\n- 2026-01-01T00:00:00Z a\n", 0 },
		{ "x\n- 2026-01-01T00:00:00Z a\r\n", "- 2026-01-01T00:00:00Z a\nx\n- 2026-01-01T00:00:00Z a\r\n", 0 },
		{ "<!--\n- 2026-01-01T00:00:00Z a\n-->\n", "- 2026-01-01T00:00:00Z a\n<!--\n- 2026-01-01T00:00:00Z a\n-->\n", 0 },
		{ "- 2026-01-01T00:00:00Z ab\n", "- 2026-01-01T00:00:00Z a\n- 2026-01-01T00:00:00Z ab\n", 1 },
		{ "", "- 2026-01-01T00:00:00Z a\n", 1 },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cg_changelog_text now = { cases[i].now, strlen(cases[i].now) };
		cg_changelog_text before = { cases[i].before, strlen(cases[i].before) };
		cg_changelog_delta d;

		assert_int_equal(cg_changelog_diff(&d, &now, &before, 1, entry), 0);
		if (d.nadded != cases[i].added)
			fail_msg("case %zu: %zu added, want %zu", i, d.nadded, cases[i].added);
		cg_changelog_delta_dispose(&d);
	}
}

static void test_binary_detection(void **state)
{
	(void)state;
	assert_true(cg_changelog_is_binary("a\0b", 3));
	assert_false(cg_changelog_is_binary("plain text\n", 11));
}

/* Compared with `before`, `now` shows `nadded` new lines and `nremoved` gone. */
static void assert_delta(const cg_changelog *now, const cg_changelog *before, size_t nadded,
                         size_t nremoved)
{
	const cg_changelog *bs[1] = { before };
	cg_changelog_delta delta;

	assert_int_equal(cg_changelog_compare(&delta, now, bs, 1), 0);
	assert_int_equal(delta.nadded, nadded);
	assert_int_equal(delta.nremoved, nremoved);
	cg_changelog_delta_dispose(&delta);
}

static void compare(const char *before, const char *now, size_t nadded, size_t nremoved)
{
	cg_changelog *b = parse(before), *n = parse(now);

	assert_delta(n, b, nadded, nremoved);
	cg_changelog_free(b);
	cg_changelog_free(n);
}

static void test_compare(void **state)
{
	const char *one = "- 2026-01-01T00:00:00Z a: one\n";
	const char *two = "- 2026-01-02T00:00:00Z b: two\n- 2026-01-01T00:00:00Z a: one\n";
	const char *moved = "- 2026-01-01T00:00:00Z a: one\n- 2026-01-02T00:00:00Z b: two\n";
	const char *edited = "- 2026-01-02T00:00:00Z b: two\n- 2026-01-01T00:00:00Z a: one!\n";
	const char *dup = "- 2026-01-01T00:00:00Z a: one\n- 2026-01-01T00:00:00Z a: one\n";

	(void)state;
	compare(one, one, 0, 0);
	compare(one, two, 1, 0);
	compare(two, moved, 0, 0);
	compare(two, edited, 1, 1);
	compare(two, "", 0, 2);
	compare(one, dup, 1, 0);  /* a copy of an old line is new */
	compare(dup, one, 0, 1);
	compare("", "- 2026-01-01T00:00:00+01:00 tz\n", 1, 0); /* near misses are added lines */
	compare("- 2026-01-01T00:00:00+01:00 tz\n", "", 0, 0); /* but never removed entries */
}

static void test_compare_merge_reports_once(void **state)
{
	cg_changelog *p1 = parse("- 2026-01-01T00:00:00Z a: shared\n- 2026-01-02T00:00:00Z b: left\n");
	cg_changelog *p2 = parse("- 2026-01-01T00:00:00Z a: shared\n- 2026-01-03T00:00:00Z c: right\n");
	cg_changelog *n = parse("- 2026-01-02T00:00:00Z b: left\n- 2026-01-03T00:00:00Z c: right\n"
	                        "- 2026-01-04T00:00:00Z d: merge\n");
	const cg_changelog *bs[2] = { p1, p2 };
	cg_changelog_delta d;

	(void)state;
	assert_int_equal(cg_changelog_compare(&d, n, bs, 2), 0);
	assert_int_equal(d.nadded, 1); /* only the merge's own entry */
	assert_memory_equal(d.added[0]->text, "- 2026-01-04", 12);
	assert_int_equal(d.nremoved, 1); /* "shared", once although both parents had it */
	cg_changelog_delta_dispose(&d);
	cg_changelog_free(p1);
	cg_changelog_free(p2);
	cg_changelog_free(n);
}

/* One fixture of tests/fixtures/changelogs and what parsing it must give:
 * how many lines are entries or near misses, how many of them carry a valid
 * UTC timestamp, and the line numbers of the first and the last. */
typedef struct {
	const char *file;
	const char *pattern; /* NULL: the default */
	size_t count, ok, first, last;
} fixture_case;

static const fixture_case fixture_cases[] = {
	{ "changelogs/ours.md", NULL, 13, 9, 5, 20 },       /* non-ASCII, near misses */
	{ "changelogs/fences.md", NULL, 3, 3, 3, 32 },      /* entries in code blocks */
	{ "changelogs/comments.md", NULL, 4, 4, 4, 16 },    /* entries in HTML comments */
	{ "changelogs/bare.md", NULL, 2, 2, 1, 2 },         /* an entry on line 1 */
	{ "changelogs/releases.md", NULL, 0, 0, 0, 0 },     /* keep-a-changelog headings */
	{ "changelogs/releases.md", "^## \\[.*\\] - (?<ts>\\S+Z)$", 3, 3, 10, 21 },
};

/* `text` as another editor would save it: CR LF line ends, a UTF-8 BOM. */
static void reencode(cg_buf *out, const char *text, size_t len, int crlf, int bom)
{
	size_t i;

	cg_buf_clear(out);
	if (bom)
		cg_buf_puts(out, "\xEF\xBB\xBF");
	for (i = 0; i < len; i++) {
		if (crlf && text[i] == '\n')
			cg_buf_putc(out, '\r');
		cg_buf_putc(out, text[i]);
	}
}

static cg_changelog *parse_with(const cg_pattern *p, const char *data, size_t len)
{
	cg_changelog *cl = NULL;

	assert_int_equal(cg_changelog_parse(&cl, data, len, p), 0);
	return cl;
}

/* Parsing gives the expected lines; compared with itself the file shows no
 * change, and without its first entry line exactly that one removal. */
static void check_fixture(const fixture_case *fc, const cg_pattern *p, const char *data, size_t len)
{
	cg_changelog *a = parse_with(p, data, len), *b = parse_with(p, data, len), *c;
	size_t i, ok = 0, n = cg_changelog_count(a);
	const cg_changelog_line *first = cg_changelog_get(a, 0);
	cg_buf cut = CG_BUF_INIT;
	const char *eol;

	assert_int_equal(n, fc->count);
	for (i = 0; i < n; i++)
		ok += cg_changelog_get(a, i)->status == CG_TS_OK;
	assert_int_equal(ok, fc->ok);
	assert_delta(b, a, 0, 0);
	if (first) {
		assert_int_equal(first->line, fc->first);
		assert_int_equal(cg_changelog_get(a, n - 1)->line, fc->last);
		eol = memchr(first->text, '\n', len - (size_t)(first->text - data));
		cg_buf_put(&cut, data, (size_t)(first->text - data));
		cg_buf_puts(&cut, eol ? eol + 1 : "");
		c = parse_with(p, cut.ptr, cut.size);
		assert_delta(c, a, 0, 1);
		cg_changelog_free(c);
	}
	cg_buf_dispose(&cut);
	cg_changelog_free(a);
	cg_changelog_free(b);
}

/* Every fixture as written, with CR LF line ends, with a BOM, and both. */
static void test_fixtures(void **state)
{
	cg_buf text = CG_BUF_INIT;
	size_t i, len;
	int enc;

	(void)state;
	for (i = 0; i < sizeof(fixture_cases) / sizeof(*fixture_cases); i++) {
		const fixture_case *fc = &fixture_cases[i];
		char *data = fixture_read(fc->file, &len);
		cg_pattern *p = NULL;

		assert_non_null(data);
		if (fc->pattern)
			assert_int_equal(cg_pattern_compile(&p, fc->pattern, 0), 0);
		for (enc = 0; enc < 4; enc++) {
			reencode(&text, data, len, enc & 1, enc & 2);
			check_fixture(fc, p ? p : entry, text.ptr, text.size);
		}
		cg_pattern_free(p);
		free(data);
	}
	cg_buf_dispose(&text);
}

/* A changelog of 8 MiB (the fixture, over and over) parses whole. */
static void test_huge(void **state)
{
	cg_buf text = CG_BUF_INIT;
	size_t len, copies = 0;
	char *data = fixture_read(fixture_cases[0].file, &len);
	cg_changelog *a, *b;

	(void)state;
	assert_non_null(data);
	while (text.size < 8u * 1024 * 1024) {
		cg_buf_put(&text, data, len);
		copies++;
	}
	a = parse_with(entry, text.ptr, text.size);
	b = parse_with(entry, text.ptr, text.size);
	assert_int_equal(cg_changelog_count(a), fixture_cases[0].count * copies);
	assert_delta(b, a, 0, 0);
	cg_changelog_free(a);
	cg_changelog_free(b);
	cg_buf_dispose(&text);
	free(data);
}

/* Every real-world changelog of the corpus parses, and compared with itself
 * shows no change. */
static void test_corpus(void **state)
{
	cg_buf dir = CG_BUF_INIT, path = CG_BUF_INIT;
	struct dirent *de;
	size_t files = 0, len;
	DIR *d = corpus_path(&dir, "changelogs") ? opendir(dir.ptr) : NULL;

	(void)state;
	if (!d) {
		cg_buf_dispose(&dir);
		skip();
	}
	while ((de = readdir(d)) != NULL) {
		cg_changelog *a, *b;
		char *data;

		if (!strstr(de->d_name, "CHANGELOG.md"))
			continue;
		cg_buf_clear(&path);
		cg_buf_printf(&path, "%s/%s", dir.ptr, de->d_name);
		data = fixture_slurp(path.ptr, &len);
		assert_non_null(data);
		a = parse_with(entry, data, len);
		b = parse_with(entry, data, len);
		assert_delta(b, a, 0, 0);
		cg_changelog_free(a);
		cg_changelog_free(b);
		free(data);
		files++;
	}
	closedir(d);
	assert_true(files >= 40);
	cg_buf_dispose(&dir);
	cg_buf_dispose(&path);
}

/* joplin's changelog has 348 release headings with UTC timestamps; a
 * pattern written for it finds them all valid. */
static void test_corpus_custom_pattern(void **state)
{
	cg_pattern *p = NULL;
	cg_changelog *cl;
	cg_buf path = CG_BUF_INIT;
	size_t len, i;
	char *data = corpus_path(&path, "changelogs/laurent22__joplin__CHANGELOG.md")
	                     ? fixture_slurp(path.ptr, &len) : NULL;

	(void)state;
	cg_buf_dispose(&path);
	if (!data)
		skip();
	assert_int_equal(cg_pattern_compile(&p, "^## \\[.*\\) - (?<ts>\\S+Z)$", 0), 0);
	cl = parse_with(p, data, len);
	assert_int_equal(cg_changelog_count(cl), 348);
	for (i = 0; i < cg_changelog_count(cl); i++)
		assert_int_equal(cg_changelog_get(cl, i)->status, CG_TS_OK);
	cg_changelog_free(cl);
	cg_pattern_free(p);
	free(data);
}

/* Found by review for issue 9: a fence line with an info string does not
 * close the block, so the entry under it renders as code and must not count. */
static void test_only_a_bare_fence_closes(void **state)
{
	cg_changelog *cl = parse(
		"```\n```js\n- 2026-01-31T12:00:00Z in: still code\n```  \t\n"
		"- 2026-01-31T12:00:01Z out: visible\n");

	(void)state;
	assert_int_equal(cg_changelog_count(cl), 1);
	assert_int_equal(cg_changelog_get(cl, 0)->line, 5);
	cg_changelog_free(cl);
}

/* Found by fuzz_changelog: comparing files with nothing added or removed
 * handed qsort() a NULL array (undefined behaviour, caught by UBSan). */
/* The first byte that is not UTF-8, wherever it falls against the eight
 * bytes the ASCII run reads at a time: each case is put after 0 to 17
 * ASCII bytes and followed by ASCII, and must be found at the same place. */
static void test_utf8_error(void **state)
{
	static const struct {
		const char *bytes;
		int bad;        /* the expected result */
		size_t offset;  /* of the first bad byte, in `bytes` */
	} cases[] = {
		{ "", 0, 0 },
		{ "\xc3\xa9", 0, 0 },                 /* e acute */
		{ "\xe2\x82\xac", 0, 0 },            /* euro sign */
		{ "\xf0\x9f\x98\x80", 0, 0 },        /* four bytes */
		{ "\xe9t\xe9", 1, 0 },                /* Latin-1 */
		{ "a\xc3", 1, 1 },                    /* cut short: ASCII follows */
		{ "\xc0\xaf", 1, 0 },                 /* overlong */
		{ "\xed\xa0\x80", 1, 0 },            /* a surrogate */
		{ "\xf4\x90\x80\x80", 1, 0 },        /* above U+10FFFF */
		{ "ok\x80", 1, 2 },                   /* a lone continuation byte */
		{ "\xc3\xa9\xff", 1, 2 },
	};
	char buf[64];
	size_t i, lead, at;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		for (lead = 0; lead < 18; lead++) {
			size_t n = strlen(cases[i].bytes);
			memset(buf, 'x', sizeof(buf));
			memcpy(buf + lead, cases[i].bytes, n);
			assert_int_equal(cg_changelog_utf8_error(buf, sizeof(buf), &at), cases[i].bad);
			assert_int_equal(at, cases[i].bad ? lead + cases[i].offset : sizeof(buf));
			/* the same bytes at the very end of the data */
			assert_int_equal(cg_changelog_utf8_error(buf, lead + n, &at), cases[i].bad);
			assert_int_equal(at, cases[i].bad ? lead + cases[i].offset : lead + n);
		}
}

/* Beside a valid text, the same answer and offset as the whole check,
 * wherever the edit cuts a character: in the common start, in the common
 * end, or leaving one cut short at the edit's end. */
static void test_utf8_error_beside(void **state)
{
	static const struct {
		const char *valid, *data;
	} cases[] = {
		{ "x\xc3\xa9y", "x\xc3\xa8y" },            /* the start ends inside a character */
		{ "a\xe2\x82\xac!", "a\xe2\x82\xad!" },
		{ "\xc3\xa9z", "\xc4\xa9z" },              /* the end starts inside one */
		{ "\xe2\x82\xacz", "\xe2\x83\xacz" },
		{ "abc\xc3\xa9" "def", "abc\xe9" "def" },     /* Latin-1 in the edit */
		{ "ab\xc3\xa9" "cd", "ab\xc3" "cd" },         /* cut short by the edit */
		{ "same \xc3\xa9", "same \xc3\xa9" },
		{ "abc", "abc\xff" },
		{ "abc\xc3\xa9", "abc" },
		{ "", "\xc3\xa9x" },
		{ "", "\xff" },
		{ "# T\n- a\n", "# T\n- \xc3\xa9\n- a\n" },      /* an entry put on top */
		{ "# T\n- \xc3\xa9\n- a\n", "# T\n- \xc3\n- a\n" },
	};
	size_t i, at, want_at;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *v = cases[i].valid, *d = cases[i].data;
		int want = cg_changelog_utf8_error(d, strlen(d), &want_at);

		assert_int_equal(cg_changelog_utf8_error(v, strlen(v), &at), 0);
		assert_int_equal(cg_changelog_utf8_error_beside(d, strlen(d), v, strlen(v), &at), want);
		assert_int_equal(at, want_at);
	}
}

static void test_compare_empty(void **state)
{
	cg_changelog *now = parse(""), *before = parse("no entries\n");
	const cg_changelog *const list[] = { before };
	cg_changelog_delta d;

	(void)state;
	assert_int_equal(cg_changelog_compare(&d, now, list, 1), 0);
	assert_int_equal(d.nadded, 0);
	assert_int_equal(d.nremoved, 0);
	cg_changelog_delta_dispose(&d);
	assert_int_equal(cg_changelog_compare(&d, now, NULL, 0), 0);
	assert_int_equal(d.nadded + d.nremoved, 0);
	cg_changelog_delta_dispose(&d);
	cg_changelog_free(now);
	cg_changelog_free(before);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_entries_and_near_misses),
		cmocka_unit_test(test_fences_and_comments_hide_entries),
		cmocka_unit_test(test_bom_and_crlf),
		cmocka_unit_test(test_code_and_html_blocks_hide_entries),
		cmocka_unit_test(test_conflict_markers),
		cmocka_unit_test(test_conflict_markers_are_added),
		cmocka_unit_test(test_copies_are_not_added),
		cmocka_unit_test(test_binary_detection),
		cmocka_unit_test(test_compare),
		cmocka_unit_test(test_compare_merge_reports_once),
		cmocka_unit_test(test_fixtures),
		cmocka_unit_test(test_huge),
		cmocka_unit_test(test_corpus),
		cmocka_unit_test(test_corpus_custom_pattern),
		cmocka_unit_test(test_only_a_bare_fence_closes),
		cmocka_unit_test(test_compare_empty),
		cmocka_unit_test(test_utf8_error),
		cmocka_unit_test(test_utf8_error_beside),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
