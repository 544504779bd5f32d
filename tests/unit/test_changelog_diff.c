/* cg_changelog_diff must give exactly what parsing both sides whole and
 * comparing gives, whatever the edit: checked on real changelogs with
 * edits at the top, the bottom, the middle, and ones that open fences. */
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

static const char default_pattern[] =
	"^\\s*(?:[-*]|#{2,4})\\s+(?<ts>\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(?:\\.\\d+)?Z)\\b";

static cg_pattern *entry;

/* The delta's lines as text, in file order. Line numbers are left out:
 * of two identical lines, either may be the one reported. */
static void render(cg_buf *out, const cg_changelog_line *const *v, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++)
		cg_buf_printf(out, "%.*s\n", (int)v[i]->len, v[i]->text);
}

static void same_as_full_parse(const char *before, size_t blen, const char *now, size_t nlen)
{
	cg_changelog *b = NULL, *n = NULL;
	cg_changelog_delta full, fast;
	cg_changelog_text tn = { now, nlen }, tb = { before, blen };
	cg_buf want = CG_BUF_INIT, got = CG_BUF_INIT;
	const cg_changelog *bs[1];

	assert_int_equal(cg_changelog_parse(&b, before, blen, entry), 0);
	assert_int_equal(cg_changelog_parse(&n, now, nlen, entry), 0);
	bs[0] = b;
	assert_int_equal(cg_changelog_compare(&full, n, bs, 1), 0);
	cg_changelog_drop_copies(&full, &tb, 1);
	assert_int_equal(cg_changelog_diff(&fast, &tn, &tb, 1, entry), 0);
	render(&want, full.added, full.nadded);
	cg_buf_puts(&want, "--\n");
	render(&want, full.removed, full.nremoved);
	render(&got, fast.added, fast.nadded);
	cg_buf_puts(&got, "--\n");
	render(&got, fast.removed, fast.nremoved);
	assert_string_equal(got.ptr, want.ptr);
	cg_changelog_delta_dispose(&full);
	cg_changelog_delta_dispose(&fast);
	cg_changelog_free(b);
	cg_changelog_free(n);
	cg_buf_dispose(&want);
	cg_buf_dispose(&got);
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

	for (i = 0; i < sizeof(positions) / sizeof(*positions); i++)
		for (j = 0; j < sizeof(inserts) / sizeof(*inserts); j++)
			for (drop = 0; drop <= 1; drop++) {
				edit(&edited, text, len, positions[i], inserts[j], drop);
				same_as_full_parse(text, len, edited.ptr, edited.size);
				same_as_full_parse(edited.ptr, edited.size, text, len);
			}
	cg_buf_dispose(&edited);
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

static char *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	cg_buf b = CG_BUF_INIT;
	char chunk[65536];
	size_t n;

	if (!fp)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		cg_buf_put(&b, chunk, n);
	fclose(fp);
	*len = b.size;
	return cg_buf_detach(&b);
}

static void test_corpus_edits(void **state)
{
	static const char *files[] = {
		"laurent22__joplin__CHANGELOG.md",      /* ISO timestamps */
		"olivierlacan__keep-a-changelog__CHANGELOG.md",
		"Textualize__rich__CHANGELOG.md",
		"casey__just__CHANGELOG.md",            /* code fences */
		"NLog__NLog__CHANGELOG.md",
	};
	const char *corpus = getenv("CG_CORPUS");
	cg_buf path = CG_BUF_INIT;
	size_t i, len, done = 0;
	char *text;

	(void)state;
	if (!corpus)
		skip();
	for (i = 0; i < sizeof(files) / sizeof(*files); i++) {
		cg_buf_clear(&path);
		cg_buf_printf(&path, "%s/changelogs/%s", corpus, files[i]);
		if (!(text = slurp(path.ptr, &len)))
			continue;
		check_edits(text, len);
		free(text);
		done++;
	}
	cg_buf_dispose(&path);
	if (!done)
		skip();
}

static int setup(void **state)
{
	(void)state;
	return cg_pattern_compile(&entry, default_pattern, 0);
}

static int teardown(void **state)
{
	(void)state;
	cg_pattern_free(entry);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_small_cases),
		cmocka_unit_test(test_corpus_edits),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
