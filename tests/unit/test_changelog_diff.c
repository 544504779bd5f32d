/* cg_changelog_diff must give exactly what parsing both sides whole and
 * comparing gives, whatever the edit: checked on the fixtures and, when it
 * is there, the corpus's real changelogs, with edits at the top, the
 * bottom, the middle, and ones that open fences. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "changelog.h"
#include "entry_pattern.h"
#include "fixtures.h"

static int by_text(const void *pa, const void *pb)
{
	const cg_changelog_line *a = *(const cg_changelog_line *const *)pa;
	const cg_changelog_line *b = *(const cg_changelog_line *const *)pb;
	int c = memcmp(a->text, b->text, a->len < b->len ? a->len : b->len);

	return c ? c : (a->len > b->len) - (a->len < b->len);
}

/* The delta's lines as text, sorted. Line numbers and file order are left
 * out: of two identical lines, either may be the one reported. */
static void render(cg_buf *out, const cg_changelog_line *const *v, size_t n)
{
	const cg_changelog_line **sorted = calloc(n ? n : 1, sizeof(*sorted));
	size_t i;

	assert_non_null(sorted);
	if (n)
		memcpy(sorted, v, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), by_text);
	for (i = 0; i < n; i++)
		cg_buf_printf(out, "%.*s\n", (int)sorted[i]->len, sorted[i]->text);
	free(sorted);
}

/* The fast delta has the full parse's lines; both are disposed. */
static void assert_same_delta(cg_changelog_delta *full, cg_changelog_delta *fast)
{
	cg_buf want = CG_BUF_INIT, got = CG_BUF_INIT;

	render(&want, full->added, full->nadded);
	cg_buf_puts(&want, "--\n");
	render(&want, full->removed, full->nremoved);
	render(&got, fast->added, fast->nadded);
	cg_buf_puts(&got, "--\n");
	render(&got, fast->removed, fast->nremoved);
	assert_string_equal(got.ptr, want.ptr);
	cg_changelog_delta_dispose(full);
	cg_changelog_delta_dispose(fast);
	cg_buf_dispose(&want);
	cg_buf_dispose(&got);
}

static void same_as_full_parse(const char *before, size_t blen, const char *now, size_t nlen)
{
	cg_changelog *b = NULL, *n = NULL;
	cg_changelog_delta full, fast;
	cg_changelog_text tn = { now, nlen }, tb = { before, blen };
	const cg_changelog *bs[1];

	assert_int_equal(cg_changelog_parse(&b, before, blen, entry), 0);
	assert_int_equal(cg_changelog_parse(&n, now, nlen, entry), 0);
	bs[0] = b;
	assert_int_equal(cg_changelog_compare(&full, n, bs, 1), 0);
	cg_changelog_drop_copies(&full, &tb, 1);
	assert_int_equal(cg_changelog_diff(&fast, &tn, &tb, 1, entry), 0);
	assert_same_delta(&full, &fast);
	cg_changelog_free(b);
	cg_changelog_free(n);
}

/* `base` with `insert` put at byte offset `at` (moved to a line start)
 * and, when `drop` is set, the line after it removed. */
static void edit(cg_buf *out, const char *base, size_t len, size_t at, const char *insert, int drop)
{
	const char *nl;

	while (at > 0 && at < len && base[at - 1] != '\n')
		at--;
	cg_buf_clear(out);
	cg_buf_put(out, base, at);
	cg_buf_puts(out, insert);
	if (drop && (nl = memchr(base + at, '\n', len - at)) != NULL)
		at = (size_t)(nl + 1 - base);
	cg_buf_put(out, base + at, len - at);
}

/* A merge whose version is one of its two parents': the same as parsing
 * all three whole and comparing. */
static void merge_same_as_full_parse(const char *other, size_t olen, const char *now, size_t nlen)
{
	cg_changelog *p[3] = { NULL, NULL, NULL };
	cg_changelog_text t[3] = { { now, nlen }, { now, nlen }, { other, olen } };
	cg_changelog_delta full, fast;
	size_t k, first;

	for (first = 1; first <= 2; first++) {
		/* the parents in both orders: t[first] is the merge's own version */
		cg_changelog_text parents[2] = { t[first], t[3 - first] };

		for (k = 0; k < 3; k++)
			assert_int_equal(cg_changelog_parse(&p[k], k ? parents[k - 1].data : now,
			                                    k ? parents[k - 1].len : nlen, entry), 0);
		assert_int_equal(cg_changelog_compare(&full, p[0], (const cg_changelog *const *)p + 1, 2), 0);
		cg_changelog_drop_copies(&full, parents, 2);
		assert_int_equal(cg_changelog_diff(&fast, &t[0], parents, 2, entry), 0);
		assert_same_delta(&full, &fast);
		for (k = 0; k < 3; k++)
			cg_changelog_free(p[k]);
	}
}

static void check_edits(const char *text, size_t len)
{
	static const char *inserts[] = {
		"- 2026-11-24T10:00:00Z new: an entry\n",
		"- 2026-11-24T10:00:00+02:00 tz: near miss\n",
		"```\n",
		"<!--\n",
		"-->\n- 2026-11-24T10:00:01Z after a comment end\n",
		"~~~~\n- 2026-11-24T10:00:02Z fenced\n",
		"",
	};
	size_t positions[] = { 0, len / 7, len / 3, len / 2, len - len / 5, len };
	cg_buf edited = CG_BUF_INIT;
	size_t i, j;
	int drop;

	cg_buf twice = CG_BUF_INIT;
	size_t k, at;

	for (i = 0; i < sizeof(positions) / sizeof(*positions); i++)
		for (j = 0; j < sizeof(inserts) / sizeof(*inserts); j++)
			for (drop = 0; drop <= 1; drop++) {
				edit(&edited, text, len, positions[i], inserts[j], drop);
				same_as_full_parse(text, len, edited.ptr, edited.size);
				same_as_full_parse(edited.ptr, edited.size, text, len);
				if (drop || (k = i + 1) == sizeof(positions) / sizeof(*positions))
					continue;
				merge_same_as_full_parse(text, len, edited.ptr, edited.size);
				/* and a second edit further down: an entry at the top
				 * and a link at the foot, as many changelogs take */
				at = positions[k] + edited.size;
				edit(&twice, edited.ptr, edited.size, at > len ? at - len : 0,
				     inserts[(j + 1) % (sizeof(inserts) / sizeof(*inserts))], 0);
				same_as_full_parse(text, len, twice.ptr, twice.size);
				same_as_full_parse(twice.ptr, twice.size, text, len);
			}
	cg_buf_dispose(&edited);
	cg_buf_dispose(&twice);
}

static void test_small_cases(void **state)
{
	const char *base =
		"# Changelog\n\n"
		"- 2026-01-02T00:00:00Z b: two\n"
		"```\n- 2026-01-01T12:00:00Z inside a fence\n```\n"
		"- 2026-01-01T00:00:00Z a: one\n"
		"- 2026-01-01T00:00:00Z a: one\n"
		"<!-- - 2026-01-01T00:00:00Z hidden -->\n"
		"tail line without newline";

	(void)state;
	check_edits(base, strlen(base));
	same_as_full_parse("", 0, base, strlen(base));
	same_as_full_parse(base, strlen(base), "", 0);
	same_as_full_parse("\xEF\xBB\xBF- 2026-01-01T00:00:00Z a\n", 28,
	                   "\xEF\xBB\xBF- 2026-01-02T00:00:00Z b\n- 2026-01-01T00:00:00Z a\n", 54);
	same_as_full_parse("- 2026-01-01T00:00:00Z a\r\n", 26,
	                   "- 2026-01-02T00:00:00Z b\r\n- 2026-01-01T00:00:00Z a\r\n", 52);
}

/* The fixtures, as written and with CR LF line ends and a BOM. */
static void test_fixture_edits(void **state)
{
	static const char *files[] = {
		"changelogs/ours.md", "changelogs/fences.md", "changelogs/comments.md",
		"changelogs/bare.md", "changelogs/releases.md",
	};
	cg_buf crlf = CG_BUF_INIT;
	size_t i, j, len;

	(void)state;
	for (i = 0; i < sizeof(files) / sizeof(*files); i++) {
		char *text = fixture_read(files[i], &len);

		assert_non_null(text);
		check_edits(text, len);
		cg_buf_clear(&crlf);
		cg_buf_puts(&crlf, "\xEF\xBB\xBF");
		for (j = 0; j < len; j++) {
			if (text[j] == '\n')
				cg_buf_putc(&crlf, '\r');
			cg_buf_putc(&crlf, text[j]);
		}
		check_edits(crlf.ptr, crlf.size);
		free(text);
	}
	cg_buf_dispose(&crlf);
}

/* A changelog of 1 MiB: the edits far from its ends. */
static void test_huge_edits(void **state)
{
	cg_buf big = CG_BUF_INIT;
	size_t len;
	char *text = fixture_read("changelogs/ours.md", &len);

	(void)state;
	assert_non_null(text);
	while (big.size < 1024 * 1024)
		cg_buf_put(&big, text, len);
	check_edits(big.ptr, big.size);
	cg_buf_dispose(&big);
	free(text);
}

static void test_corpus_edits(void **state)
{
	static const char *files[] = {
		"changelogs/laurent22__joplin__CHANGELOG.md",      /* ISO timestamps */
		"changelogs/olivierlacan__keep-a-changelog__CHANGELOG.md",
		"changelogs/Textualize__rich__CHANGELOG.md",
		"changelogs/casey__just__CHANGELOG.md",            /* code fences */
		"changelogs/NLog__NLog__CHANGELOG.md",
	};
	cg_buf path = CG_BUF_INIT;
	size_t i, len, done = 0;
	char *text;

	(void)state;
	for (i = 0; i < sizeof(files) / sizeof(*files); i++) {
		if (!corpus_path(&path, files[i]) || !(text = fixture_slurp(path.ptr, &len)))
			continue;
		check_edits(text, len);
		free(text);
		done++;
	}
	cg_buf_dispose(&path);
	if (!done)
		skip();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_small_cases),
		cmocka_unit_test(test_fixture_edits),
		cmocka_unit_test(test_huge_edits),
		cmocka_unit_test(test_corpus_edits),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
