/*
 * test_placement.c: lib/placement over the changelog shapes of
 * tests/fixtures/placement (modelled on real projects' files: keep-a-changelog,
 * dated release headings, setext headings, trailing link lists, an HTML
 * comment header, front matter), each also with CR LF line ends and a BOM.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "changelog.h"
#include "error.h"
#include "fixtures.h"
#include "placement.h"
#include "policy.h"

#define LINE "- 2026-01-02T03:04:05Z T: new"

/* A shape, where the line goes in it without a kind, and the kinds (--kind)
 * it is also tried with: placement/<shape>.md, then placement/<shape>.want.md
 * and placement/<shape>.<kind>.want.md (the kind in lower case, '-' for ' '). */
typedef struct {
	const char *shape;
	const char *where;
	const char *kinds[3];
} placement_case;

static const placement_case cases[] = {
	{ "kacl-unreleased", "under '## [Unreleased]', newest first", { "fixed" } },
	{ "kacl-sections", "under '## [Unreleased]', newest first", { "fixed", "Added" } },
	{ "kacl-no-unreleased", "under a new '## [Unreleased]' heading, newest first", { "changed" } },
	{ "master-unreleased", "under '## master (unreleased)', newest first",
	  { "new features", "fixed" } },
	{ "newest-first", "before line 3 ('- 2026-01-03T09:00:00Z bob: the third change'), newest first",
	  { "fixed" } },
	{ "oldest-first", "after line 6 ('* 2026-01-01T08:00:00Z dana: fixed the parser'), oldest first",
	  { "fixed" } },
	{ "release-dates", "before line 5 ('## 1.2.0 (2024-05-01)'), newest first", { NULL } },
	{ "setext", "before line 4 ('2.1.0 (2024-07-15)'), newest first", { NULL } },
	{ "plain-list", "before line 5 ('- Support for a second config file.'), newest first", { NULL } },
	{ "html-comment", "before line 13 ('## 8.7.0'), newest first", { NULL } },
	{ "front-matter", "before line 8 ('## 6.6.1'), newest first", { NULL } },
	{ "h1-releases", "before line 1 ('# v11.3.6 (Fri Nov 14 2025)'), newest first", { NULL } },
	{ "title-only", "at the end of the file, newest first", { "added" } },
};

/* The text with every LF made CR LF, or with a UTF-8 BOM in front. */
enum { AS_IS, CRLF, BOM };

static char *variant(const char *text, int how)
{
	cg_buf b = CG_BUF_INIT;

	if (how == BOM)
		cg_buf_puts(&b, "\xEF\xBB\xBF");
	for (; *text; text++) {
		if (how == CRLF && *text == '\n')
			cg_buf_putc(&b, '\r');
		cg_buf_putc(&b, *text);
	}
	return cg_buf_detach(&b);
}

static char *read_shape(const char *name, const char *suffix)
{
	cg_buf path = CG_BUF_INIT;
	char *data;

	cg_buf_printf(&path, "placement/%s%s", name, suffix);
	data = fixture_read(path.ptr, NULL);
	cg_buf_dispose(&path);
	assert_non_null(data);
	return data;
}

/* What placement/<shape>[.<kind>].want.md holds. */
static char *read_want(const placement_case *pc, const char *kind)
{
	cg_buf suffix = CG_BUF_INIT;
	char *data;

	if (kind)
		cg_buf_putc(&suffix, '.');
	for (; kind && *kind; kind++)
		cg_buf_putc(&suffix, *kind == ' ' ? '-' : (char)tolower((unsigned char)*kind));
	cg_buf_puts(&suffix, ".want.md");
	data = read_shape(pc->shape, suffix.ptr);
	cg_buf_dispose(&suffix);
	return data;
}

/* Calls `check` for every case without a kind, then with each of its kinds. */
static void each_case(void (*check)(const placement_case *pc, const char *kind, const cg_policy *p))
{
	cg_policy *p = NULL;
	size_t i, k;

	assert_int_equal(cg_policy_default(&p), 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		check(&cases[i], NULL, p);
		for (k = 0; k < sizeof(cases[i].kinds) / sizeof(cases[i].kinds[0]) && cases[i].kinds[k]; k++)
			check(&cases[i], cases[i].kinds[k], p);
	}
	cg_policy_free(p);
}

static void run_case(const placement_case *pc, const char *kind, const cg_policy *p, int how)
{
	char *raw = read_shape(pc->shape, ".md"), *want_raw = read_want(pc, kind);
	char *in = variant(raw, how), *want = variant(want_raw, how);
	cg_changelog *cl = NULL;
	cg_buf out = CG_BUF_INIT;

	assert_int_equal(cg_changelog_parse(&cl, in, strlen(in), p->changelog.entry_pattern), 0);
	assert_int_equal(cg_placement_insert(&out, in, strlen(in), cl, LINE, kind), 0);
	if (strcmp(out.ptr, want)) {
		fprintf(stderr, "'%s' --kind %s (variant %d):\n%s\nwant:\n%s\n", pc->shape,
		        kind ? kind : "(none)", how, out.ptr, want);
		fail();
	}
	if (!kind) {
		cg_placement_describe(&out, in, strlen(in), cl);
		assert_string_equal(out.ptr, pc->where);
	}
	cg_changelog_free(cl);
	cg_buf_dispose(&out);
	free(raw);
	free(want_raw);
	free(in);
	free(want);
}

static void check_variants(const placement_case *pc, const char *kind, const cg_policy *p)
{
	int how;

	for (how = AS_IS; how <= BOM; how++)
		run_case(pc, kind, p, how);
}

static void test_shapes(void **state)
{
	(void)state;
	each_case(check_variants);
}

/* The new line is an entry the default pattern accepts, where it lands:
 * under a keep-a-changelog subsection as well as anywhere else. */
static void check_entry_seen(const placement_case *pc, const char *kind, const cg_policy *p)
{
	char *want = read_want(pc, kind);
	cg_changelog *cl = NULL;
	size_t k, found;

	assert_int_equal(cg_changelog_parse(&cl, want, strlen(want), p->changelog.entry_pattern), 0);
	for (k = found = 0; k < cg_changelog_count(cl); k++) {
		const cg_changelog_line *l = cg_changelog_get(cl, k);
		found += l->kind == CG_LINE_ENTRY && l->len == strlen(LINE) &&
		         !memcmp(l->text, LINE, l->len);
	}
	assert_int_equal(found, 1);
	cg_changelog_free(cl);
	free(want);
}

static void test_default_pattern_sees_it(void **state)
{
	(void)state;
	each_case(check_entry_seen);
}

static void test_bad_kind(void **state)
{
	static const char *const bad[] = { "", "two\nlines",
	                                   "a name far too long to be the name of a subsection of any changelog at all" };
	cg_changelog *cl = NULL;
	cg_policy *p = NULL;
	cg_buf out = CG_BUF_INIT;
	size_t i;

	(void)state;
	assert_int_equal(cg_policy_default(&p), 0);
	assert_int_equal(cg_changelog_parse(&cl, "# C\n", 4, p->changelog.entry_pattern), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(cg_placement_insert(&out, "# C\n", 4, cl, LINE, bad[i]), CG_EUSAGE);
	cg_changelog_free(cl);
	cg_policy_free(p);
	cg_buf_dispose(&out);
}

/* The 42 files of the external corpus: the entry is found once, with and
 * without a kind, and every byte of the file is kept around it. */
static void check_insertion(const char *name, const char *in, size_t len, const cg_policy *p,
                            const char *kind)
{
	cg_changelog *cl = NULL, *after = NULL;
	cg_buf out = CG_BUF_INIT;
	size_t k = 0, found = 0, i;

	assert_int_equal(cg_changelog_parse(&cl, in, len, p->changelog.entry_pattern), 0);
	assert_int_equal(cg_placement_insert(&out, in, len, cl, LINE, kind), 0);
	while (k < len && out.ptr[k] == in[k])
		k++;
	if (memcmp(out.ptr + out.size - (len - k), in + k, len - k)) {
		fprintf(stderr, "%s: bytes after offset %zu changed\n", name, k);
		fail();
	}
	assert_int_equal(cg_changelog_parse(&after, out.ptr, out.size, p->changelog.entry_pattern), 0);
	for (i = 0; i < cg_changelog_count(after); i++)
		found += !strncmp(cg_changelog_get(after, i)->text, LINE, strlen(LINE));
	if (found != 1) {
		fprintf(stderr, "%s: the entry is seen %zu times\n", name, found);
		fail();
	}
	cg_changelog_free(cl);
	cg_changelog_free(after);
	cg_buf_dispose(&out);
}

static void test_corpus(void **state)
{
	cg_buf path = CG_BUF_INIT, file = CG_BUF_INIT;
	char *index, *line, *next;
	cg_policy *p = NULL;

	(void)state;
	if (!corpus_path(&path, "changelogs/INDEX.tsv")) {
		cg_buf_dispose(&path);
		return;
	}
	assert_non_null(index = fixture_slurp(path.ptr, NULL));
	assert_int_equal(cg_policy_default(&p), 0);
	for (line = strchr(index, '\n'); line && *++line; line = next) {
		size_t len;
		char *data;

		next = strchr(line, '\n');
		cg_buf_clear(&file);
		cg_buf_printf(&file, "%.*s/changelogs/%.*s", (int)(strrchr(path.ptr, '/') - path.ptr) -
		              (int)strlen("/changelogs"), path.ptr, (int)strcspn(line, "\t"), line);
		assert_non_null(data = fixture_slurp(file.ptr, &len));
		check_insertion(file.ptr, data, len, p, NULL);
		check_insertion(file.ptr, data, len, p, "fixed");
		free(data);
	}
	free(index);
	cg_policy_free(p);
	cg_buf_dispose(&path);
	cg_buf_dispose(&file);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shapes),
		cmocka_unit_test(test_default_pattern_sees_it),
		cmocka_unit_test(test_bad_kind),
		cmocka_unit_test(test_corpus),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
