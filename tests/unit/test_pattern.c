#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "buf.h"
#include "error.h"
#include "pattern.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Only to ask whether this PCRE2 build has a JIT, so that the limit tests
 * say which engine they exercised; no PCRE2 type leaks into lib/ headers. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

/* SPEC §2's default entry_pattern. */
static const char entry_pattern[] =
	"^\\s*(?:[-*]|#{2,4})\\s+(?<ts>\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(?:\\.\\d+)?Z)\\b";

static cg_pattern *compile(const char *regex, unsigned flags)
{
	cg_pattern *p = NULL;

	if (cg_pattern_compile(&p, regex, flags) != 0)
		fail_msg("'%s' rejected: %s", regex, cg_error_last());
	return p;
}

static int match(const cg_pattern *p, const char *subject)
{
	return cg_pattern_match(p, subject, strlen(subject), NULL, NULL, NULL);
}

static void test_basic_match(void **state)
{
	cg_pattern *p = compile("^fo+$", 0);

	(void)state;
	assert_string_equal(cg_pattern_source(p), "^fo+$");
	assert_int_equal(match(p, "foo"), 1);
	assert_int_equal(match(p, "fooo"), 1);
	assert_int_equal(match(p, "FOO"), 0);
	assert_int_equal(match(p, "bar"), 0);
	assert_int_equal(match(p, ""), 0);
	/* only `len` bytes are the subject */
	assert_int_equal(cg_pattern_match(p, "foox", 3, NULL, NULL, NULL), 1);
	assert_int_equal(cg_pattern_match(p, "f", 0, NULL, NULL, NULL), 0);
	/* reusing the pattern (and its match data) gives the same answers */
	for (int i = 0; i < 100; i++)
		assert_int_equal(match(p, i % 2 ? "foo" : "fo!"), i % 2);
	cg_pattern_free(p);
	cg_pattern_free(NULL);
}

static void test_caseless(void **state)
{
	cg_pattern *p = compile("^changelog\\.md$", CG_PATTERN_CASELESS);

	(void)state;
	assert_int_equal(match(p, "CHANGELOG.md"), 1);
	assert_int_equal(match(p, "ChangeLog.MD"), 1);
	assert_int_equal(match(p, "CHANGELOG_md"), 0);
	cg_pattern_free(p);
}

/* Changelogs may hold any bytes: no UTF-8 check, NULs are ordinary. */
static void test_bytes(void **state)
{
	static const char subject[] = "a\0b\xff\xfe";
	cg_pattern *p = compile("b\\xff", 0), *q = compile("a\\x00b", 0);

	(void)state;
	assert_int_equal(cg_pattern_match(p, subject, sizeof(subject) - 1, NULL, NULL, NULL), 1);
	assert_int_equal(cg_pattern_match(q, subject, sizeof(subject) - 1, NULL, NULL, NULL), 1);
	assert_int_equal(cg_pattern_match(q, subject, 2, NULL, NULL, NULL), 0);
	assert_int_equal(cg_pattern_match(p, NULL, 0, NULL, NULL, NULL), 0);
	cg_pattern_free(p);
	cg_pattern_free(q);
}

static void expect_ts(const cg_pattern *p, const char *line, const char *want)
{
	size_t start = 0, len = 0;
	int rc = cg_pattern_match(p, line, strlen(line), "ts", &start, &len);

	if (!want) {
		if (rc != 0)
			fail_msg("'%s' should not match", line);
		return;
	}
	if (rc != 1)
		fail_msg("'%s' should match: %d", line, rc);
	assert_int_equal(len, strlen(want));
	assert_memory_equal(line + start, want, len);
}

static void test_spec_entry_pattern(void **state)
{
	cg_pattern *p = compile(entry_pattern, 0);

	(void)state;
	assert_true(cg_pattern_has_group(p, "ts"));
	assert_false(cg_pattern_has_group(p, "tz"));
	assert_false(cg_pattern_has_group(p, ""));
	expect_ts(p, "- 2026-11-24T03:00:00Z prims: glob", "2026-11-24T03:00:00Z");
	expect_ts(p, "  * 2026-11-24T03:00:00.123Z x", "2026-11-24T03:00:00.123Z");
	expect_ts(p, "## 2026-11-24T03:00:00Z", "2026-11-24T03:00:00Z");
	expect_ts(p, "#### 2026-11-24T03:00:00Z", "2026-11-24T03:00:00Z");
	expect_ts(p, "##### 2026-11-24T03:00:00Z", NULL);
	expect_ts(p, "# 2026-11-24T03:00:00Z", NULL);
	expect_ts(p, "-2026-11-24T03:00:00Z", NULL);
	expect_ts(p, "- 2026-11-24T03:00:00+00:00", NULL);
	expect_ts(p, "- 2026-11-24T03:00:00Zulu", NULL);
	expect_ts(p, "- 2026-11-24 03:00:00Z", NULL);
	cg_pattern_free(p);
}

static void test_group_spans(void **state)
{
	cg_pattern *p = compile("(?<a>x)|(?<b>y)", 0);
	cg_pattern *dup = compile("(?J)(?<n>a)|(?<n>b)", 0);
	size_t start = 7, len = 7;

	(void)state;
	assert_int_equal(cg_pattern_match(p, "zy", 2, "a", &start, &len), 1);
	assert_int_equal(start, (size_t)-1);
	assert_int_equal(len, 0);
	assert_int_equal(cg_pattern_match(p, "zy", 2, "b", &start, &len), 1);
	assert_int_equal(start, 1);
	assert_int_equal(len, 1);
	/* no group: the whole match */
	assert_int_equal(cg_pattern_match(p, "zzx", 3, NULL, &start, &len), 1);
	assert_int_equal(start, 2);
	assert_int_equal(len, 1);
	/* duplicate names: the one that took part */
	assert_true(cg_pattern_has_group(dup, "n"));
	assert_int_equal(cg_pattern_match(dup, "b", 1, "n", &start, &len), 1);
	assert_int_equal(start, 0);
	assert_int_equal(len, 1);
	/* a name the pattern lacks is the caller's mistake */
	assert_int_equal(cg_pattern_match(p, "x", 1, "nope", &start, &len), CG_ERROR);
	assert_non_null(strstr(cg_error_last(), "no group named 'nope'"));
	cg_pattern_free(p);
	cg_pattern_free(dup);
}

static void expect_bad(const char *regex, const char *want)
{
	cg_pattern *p = (cg_pattern *)&p;

	cg_error_clear();
	assert_int_equal(cg_pattern_compile(&p, regex, 0), CG_EPOLICY);
	assert_null(p);
	if (strcmp(cg_error_last(), want))
		fail_msg("'%s': got '%s', want '%s'", regex, cg_error_last(), want);
}

static void test_bad_regex(void **state)
{
	(void)state;
	expect_bad("(abc", "bad regex '(abc': missing closing parenthesis at offset 4");
	expect_bad("a{2,1}", "bad regex 'a{2,1}': numbers out of order in {} quantifier at offset 5");
	expect_bad("[z-a]", "bad regex '[z-a]': range out of order in character class at offset 3");
	expect_bad("(?<ts>a)(?<ts>b)",
	           "bad regex '(?<ts>a)(?<ts>b)': two named subpatterns have the same name "
	           "(PCRE2_DUPNAMES not set) at offset 14");
	/* UTF mode stays off even when the pattern asks for it */
	expect_bad("(*UTF)a", "bad regex '(*UTF)a': using UTF is disabled by the application at offset 6");
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static void expect_limit(const char *regex, const char *subject, size_t len)
{
	cg_pattern *p = compile(regex, 0);
	struct timespec t0;
	int rc;

	cg_error_clear();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = cg_pattern_match(p, subject, len, NULL, NULL, NULL);
	if (rc != CG_ELIMIT)
		fail_msg("'%s': %d, not CG_ELIMIT", regex, rc);
	if (seconds_since(&t0) > 2.0)
		fail_msg("'%s' took %.1f s to give up", regex, seconds_since(&t0));
	assert_non_null(strstr(cg_error_last(), "gave up on a"));
	assert_non_null(strstr(cg_error_last(), regex));
	assert_non_null(strstr(cg_error_last(), "limit"));
	cg_pattern_free(p);
}

/* Exponential backtracking must end at the match limit, with the JIT
 * (the default when PCRE2 has one) and with the interpreter. */
static void test_catastrophic_backtracking(void **state)
{
	static const char evil[] = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab";
	static const char words[] = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!";
	uint32_t jit = 0;

	(void)state;
	pcre2_config(PCRE2_CONFIG_JIT, &jit);
	print_message("PCRE2 JIT %s\n", jit ? "available: both engines tested" : "unavailable");
	expect_limit("^(a+)+$", evil, strlen(evil));
	expect_limit("(*NO_JIT)^(a+)+$", evil, strlen(evil));
	expect_limit("^(a|aa)+$", evil, strlen(evil));
	expect_limit("^(\\w+\\s?)*$", words, strlen(words));
	/* 2^20 steps: within PCRE2's default limit of ten million, past ours,
	 * so this fails only if our limit binds the engine */
	expect_limit("^(a+)+$", "aaaaaaaaaaaaaaaaaaaab", 21);
	expect_limit("(*NO_JIT)^(a+)+$", "aaaaaaaaaaaaaaaaaaaab", 21);
	/* 2^16 steps: a slow pattern that still finishes gets its answer */
	{
		cg_pattern *p = compile("^(a+)+$", 0);
		assert_int_equal(match(p, "aaaaaaaaaaaaaaaab"), 0);
		cg_pattern_free(p);
	}
	/* a pattern cannot raise the limits set for it */
	expect_limit("(*LIMIT_MATCH=4000000000)^(a+)+$", evil, strlen(evil));
	expect_limit("(*NO_JIT)(*LIMIT_MATCH=4000000000)^(a+)+$", evil, strlen(evil));
}

/* The interpreter's depth limit stops a backtrack stack that grows with
 * the subject, even where the match limit would allow it. */
static void test_depth_limit(void **state)
{
	cg_buf subject = CG_BUF_INIT;
	cg_pattern *p;

	(void)state;
	for (int i = 0; i < 200000; i++)
		cg_buf_putc(&subject, 'a');
	cg_buf_putc(&subject, 'c');
	expect_limit("(*NO_JIT)^(?:a|b)*$", subject.ptr, subject.size);
	assert_non_null(strstr(cg_error_last(), "depth limit"));
	/* an ordinary pattern on the same long line finishes */
	p = compile(entry_pattern, 0);
	assert_int_equal(cg_pattern_match(p, subject.ptr, subject.size, "ts", &(size_t){ 0 },
	                                  &(size_t){ 0 }),
	                 0);
	cg_pattern_free(p);
	cg_buf_dispose(&subject);
}

/* The JIT compiles at a pattern's first match, not when the policy is
 * read: a run that matches nothing (a commit without a CHANGELOG) pays for
 * no JIT; a (*NO_JIT) pattern never gets one. Answers are the same. */
static void test_jit_at_first_match(void **state)
{
	static const struct {
		const char *regex;
		int jits; /* 1 when a JIT-capable PCRE2 compiles it */
	} cases[] = {
		{ entry_pattern, 1 },
		{ "^fo+$", 1 },
		{ "(*NO_JIT)^fo+$", 0 },
	};
	uint32_t jit = 0;
	size_t i;

	(void)state;
	pcre2_config(PCRE2_CONFIG_JIT, &jit);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cg_pattern *p = compile(cases[i].regex, 0);

		assert_int_equal(cg_pattern__jitted(p), 0);
		assert_int_equal(match(p, "- 2024-01-02T03:04:05Z x"), i == 0);
		assert_int_equal(cg_pattern__jitted(p), jit && cases[i].jits);
		assert_int_equal(match(p, "foo"), i > 0);
		cg_pattern_free(p);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic_match),
		cmocka_unit_test(test_caseless),
		cmocka_unit_test(test_bytes),
		cmocka_unit_test(test_spec_entry_pattern),
		cmocka_unit_test(test_group_spans),
		cmocka_unit_test(test_bad_regex),
		cmocka_unit_test(test_catastrophic_backtracking),
		cmocka_unit_test(test_depth_limit),
		cmocka_unit_test(test_jit_at_first_match),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
