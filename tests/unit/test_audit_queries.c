/* The report queries of lib/audit_query.c against an oracle: random runs (local
 * and pushed, several a day, rules found and waived, refs and authors)
 * recorded in a real database, then for random filters every summary, the
 * newest runs and both item lists compared with what a plain loop over the
 * same runs in C gives. The report tables (run_keys, keyed_runs, daily)
 * must answer exactly as the runs themselves would. */
#define _XOPEN_SOURCE 700

#include <ftw.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "audit.h"
#include "error.h"
#include "timestamp.h"
#include "scratch.h"

#define DAY 86400000LL
#define T0 1795132800000LL /* 2026-11-20T00:00:00Z */
#define RUNS 400
#define FILTERS 300
#define MAX_ITEMS 3
#define MAX_ROWS 64

static const char *const hooks[] = { "pre-commit", "commit-msg", "pre-receive" };
/* in the order reports list them */
static const char *const verdicts[] = { "allowed", "blocked", "error", "waived" };
static const char *const authors[] = { "Ada <ada@example.com>", "Alan <alan@example.com>",
                                       "Grace <grace@example.org>" };
static const char *const refs[] = { "refs/heads/main", "refs/heads/dev", "refs/tags/v1" };
static const char *const rules[] = { "changelog", "protect:mcp", "protect:policy" };
/* --author texts: whole names, parts, one that matches nothing */
static const char *const author_texts[] = { "Ada", "example.com", "a", "grace@", "nobody" };

#define PICK(a) ((a)[next(s) % (sizeof(a) / sizeof((a)[0]))])
#define MAYBE(a) (next(s) % 4 ? PICK(a) : NULL)

typedef struct {
	char dir[256], db[320];
	uint64_t rng;
	cg_audit_run runs[RUNS];
	cg_audit_finding findings[RUNS][MAX_ITEMS];
	cg_audit_waiver waivers[RUNS][MAX_ITEMS];
	cg_audit_commit commits[RUNS][MAX_ITEMS];
	cg_audit_ref refs[RUNS][MAX_ITEMS];
} world;

static uint64_t next(world *s)
{
	s->rng ^= s->rng << 13;
	s->rng ^= s->rng >> 7;
	s->rng ^= s->rng << 17;
	return s->rng;
}

static int setup(void **state)
{
	world *s = calloc(1, sizeof(*s));

	if (scratch_make(s->dir, sizeof(s->dir), "queries") < 0)
		return -1;
	snprintf(s->db, sizeof(s->db), "%s/audit.db", s->dir);
	s->rng = 0x9e3779b97f4a7c15ULL;
	*state = s;
	return 0;
}

static int teardown(void **state)
{
	world *s = *state;

	scratch_remove(s->dir);
	free(s);
	return 0;
}

/* A push brings commits and updates refs; a local run has one author. */
static void random_run(world *s, size_t i)
{
	cg_audit_run *r = &s->runs[i];
	size_t k;

	memset(r, 0, sizeof(*r));
	/* about 30 runs a day over two weeks, in time order as recorded */
	r->time_ms = T0 + (int64_t)i * (DAY / 30) + (int64_t)(next(s) % 1000);
	r->hook = PICK(hooks);
	r->verdict = PICK(verdicts);
	r->author = MAYBE(authors);
	r->ref = MAYBE(refs);
	r->commit = "staged";
	r->nfindings = next(s) % (MAX_ITEMS + 1);
	for (k = 0; k < r->nfindings; k++)
		s->findings[i][k] = (cg_audit_finding){ PICK(rules), "path", "detail", NULL };
	r->findings = s->findings[i];
	r->nwaivers = next(s) % (MAX_ITEMS + 1);
	for (k = 0; k < r->nwaivers; k++)
		s->waivers[i][k] = (cg_audit_waiver){ PICK(rules), "trailer", "Key", "why",
		                                      NULL, NULL };
	r->waivers = s->waivers[i];
	if (strcmp(r->hook, "pre-receive"))
		return;
	r->ncommits = next(s) % (MAX_ITEMS + 1);
	for (k = 0; k < r->ncommits; k++)
		s->commits[i][k] = (cg_audit_commit){ "c0ffee", PICK(verdicts), PICK(refs),
		                                      MAYBE(authors), NULL };
	r->commits = s->commits[i];
	r->nrefs = next(s) % MAX_ITEMS;
	for (k = 0; k < r->nrefs; k++)
		s->refs[i][k] = (cg_audit_ref){ PICK(refs), "0", "1" };
	r->refs = s->refs[i];
}

/* Recorded in batches of varying size, as hooks and imports add them. */
static void record_world(world *s)
{
	cg_audit *db = NULL;
	size_t i, n;

	for (i = 0; i < RUNS; i++)
		random_run(s, i);
	assert_int_equal(cg_audit_open(&db, s->db), 0);
	for (i = 0; i < RUNS; i += n) {
		n = 1 + next(s) % 7;
		n = n < RUNS - i ? n : RUNS - i;
		assert_int_equal(cg_audit_record(db, &s->runs[i], n), 0);
	}
	cg_audit_close(db);
}

/* --- the oracle ------------------------------------------------------------ */

static int has_text(const char *s, const char *text)
{
	return s && strstr(s, text);
}

static int has_rule(const cg_audit_run *r, const char *rule)
{
	size_t k;

	for (k = 0; k < r->nfindings; k++)
		if (!strcmp(r->findings[k].rule, rule))
			return 1;
	for (k = 0; k < r->nwaivers; k++)
		if (!strcmp(r->waivers[k].rule, rule))
			return 1;
	return 0;
}

static int selected(const cg_audit_run *r, const cg_audit_filter *f)
{
	size_t k;
	int ref = !f->ref || (r->ref && !strcmp(r->ref, f->ref));
	int author = !f->author || has_text(r->author, f->author);

	for (k = 0; k < r->nrefs; k++)
		ref |= !strcmp(r->refs[k].ref, f->ref ? f->ref : "");
	for (k = 0; k < r->ncommits; k++)
		author |= f->author && has_text(r->commits[k].author, f->author);
	return ref && author &&
	       (!f->since_ms || r->time_ms >= f->since_ms) &&
	       (!f->until_ms || r->time_ms < f->until_ms) &&
	       (!f->hook || !strcmp(r->hook, f->hook)) &&
	       (!f->verdict || !strcmp(r->verdict, f->verdict)) &&
	       (!f->rule || has_rule(r, f->rule));
}

/* What a query answered, a line per row or item, compared as text. A
 * summary's rows are "key runs blocked findings waivers", in key order. */
typedef struct {
	char v[MAX_ROWS][96];
	size_t n, limit;
} lines;

static void add_row(lines *t, const char *key, int64_t runs, int64_t blocked,
                    int64_t findings, int64_t waivers)
{
	assert_true(t->n < MAX_ROWS);
	snprintf(t->v[t->n++], sizeof(t->v[0]), "%s %lld %lld %lld %lld", key,
	         (long long)runs, (long long)blocked, (long long)findings, (long long)waivers);
}

static void expect_verdicts(lines *t, const world *s, const cg_audit_filter *f)
{
	size_t v, i;

	for (v = 0; v < 4; v++) {
		int64_t n = 0;

		for (i = 0; i < RUNS; i++)
			n += selected(&s->runs[i], f) && !strcmp(s->runs[i].verdict, verdicts[v]);
		if (n)
			add_row(t, verdicts[v], n, strcmp(verdicts[v], "blocked") ? 0 : n, 0, 0);
	}
}

static void expect_days(lines *t, const world *s, const cg_audit_filter *f)
{
	char day[32], last[32] = "";
	int64_t runs = 0, blocked = 0;
	size_t i;

	/* the runs are in time order, so a day's runs are together */
	for (i = 0; i <= RUNS; i++) {
		if (i < RUNS && !selected(&s->runs[i], f))
			continue;
		if (i < RUNS) {
			cg_timestamp_format(day, s->runs[i].time_ms, 0);
			day[10] = '\0';
		}
		if (*last && (i == RUNS || strcmp(day, last))) {
			add_row(t, last, runs, blocked, 0, 0);
			runs = blocked = 0;
		}
		if (i < RUNS) {
			strcpy(last, day);
			runs++;
			blocked += !strcmp(s->runs[i].verdict, "blocked");
		}
	}
}

static void expect_rules(lines *t, const world *s, const cg_audit_filter *f)
{
	size_t r, i, k;

	for (r = 0; r < 3; r++) {
		int64_t runs = 0, findings = 0, waivers = 0;

		for (i = 0; i < RUNS; i++) {
			const cg_audit_run *run = &s->runs[i];
			int found = 0;

			if (!selected(run, f))
				continue;
			for (k = 0; k < run->nfindings; k++)
				found += !strcmp(run->findings[k].rule, rules[r]);
			for (k = 0; k < run->nwaivers; k++)
				waivers += !strcmp(run->waivers[k].rule, rules[r]);
			findings += found;
			runs += found > 0;
		}
		if (findings || waivers)
			add_row(t, rules[r], runs, 0, findings, waivers);
	}
}

/* A list's items, newest first, at most l->limit: "id" for a run; "id:f"
 * or "id:w" then the rule for a finding or a waiver (`kind` "f" or "w"; a
 * run's items differ only in their rules). */
static int list_add(lines *l, long long id, const char *kind, const char *rule)
{
	if (l->n == l->limit)
		return 1;
	if (kind)
		snprintf(l->v[l->n++], sizeof(l->v[0]), "%lld:%s:%s", id, kind, rule);
	else
		snprintf(l->v[l->n++], sizeof(l->v[0]), "%lld", id);
	return 0;
}

static int is_protect(const char *rule)
{
	return !strncmp(rule, "protect:", 8);
}

static void expect_list(lines *l, const world *s, const cg_audit_filter *f, int which)
{
	size_t i, k;
	int full = 0;

	for (i = RUNS; i-- > 0 && !full;) {
		const cg_audit_run *r = &s->runs[i];

		if (!selected(r, f))
			continue;
		if (which == 0)
			full = list_add(l, (long long)i + 1, NULL, NULL);
		for (k = 0; which == 1 && !full && k < r->nwaivers; k++)
			if (!is_protect(r->waivers[k].rule))
				full = list_add(l, (long long)i + 1, "w",
				                r->waivers[k].rule);
		for (k = 0; which == 2 && !full && k < r->nfindings; k++)
			if (is_protect(r->findings[k].rule))
				full = list_add(l, (long long)i + 1, "f",
				                r->findings[k].rule);
		for (k = 0; which == 2 && !full && k < r->nwaivers; k++)
			if (is_protect(r->waivers[k].rule))
				full = list_add(l, (long long)i + 1, "w",
				                r->waivers[k].rule);
	}
}

/* --- what the database says ------------------------------------------------ */

static int keep_group(const cg_audit_group *g, void *payload)
{
	add_row(payload, g->key, g->runs, g->blocked, g->findings, g->waivers);
	return 0;
}

static int keep_run(const cg_audit_entry *e, void *payload)
{
	return list_add(payload, (long long)e->id, NULL, NULL);
}

static int keep_item(const cg_audit_item *item, void *payload)
{
	return list_add(payload, (long long)item->entry->id,
	                item->finding ? "f" : "w",
	                item->finding ? item->finding->rule : item->waiver->rule);
}

/* --- the comparison -------------------------------------------------------- */

static int64_t random_instant(world *s)
{
	switch (next(s) % 4) {
	case 0:
		return 0; /* no bound */
	case 1:
		return T0 + (int64_t)(next(s) % 16) * DAY; /* a midnight */
	default:
		return T0 - DAY + (int64_t)(next(s) % (17 * DAY)); /* any millisecond */
	}
}

static cg_audit_filter random_filter(world *s)
{
	cg_audit_filter f = { 0 };

	f.since_ms = random_instant(s);
	f.until_ms = random_instant(s);
	f.hook = next(s) % 3 ? NULL : PICK(hooks);
	f.verdict = next(s) % 3 ? NULL : PICK(verdicts);
	f.rule = next(s) % 3 ? NULL : PICK(rules);
	f.author = next(s) % 3 ? NULL : PICK(author_texts);
	f.ref = next(s) % 4 ? NULL : PICK(refs);
	return f;
}

static void describe(char *out, size_t size, const cg_audit_filter *f)
{
	snprintf(out, size, "since %lld until %lld hook %s verdict %s rule %s author %s ref %s",
	         (long long)f->since_ms, (long long)f->until_ms, f->hook ? f->hook : "-",
	         f->verdict ? f->verdict : "-", f->rule ? f->rule : "-",
	         f->author ? f->author : "-", f->ref ? f->ref : "-");
}

static void assert_same(const lines *want, const lines *got, const char *what,
                        const char *filter)
{
	size_t i;

	for (i = 0; i < want->n || i < got->n; i++)
		if (i >= want->n || i >= got->n || strcmp(want->v[i], got->v[i]))
			fail_msg("%s, line %zu: want '%s', got '%s' (%s)", what, i,
			         i < want->n ? want->v[i] : "(none)",
			         i < got->n ? got->v[i] : "(none)", filter);
}

/* `f` NULL: the database is asked with no filter, the oracle with an empty one. */
static void compare_summaries(cg_audit *db, const world *s, const cg_audit_filter *f,
                              const char *name)
{
	static const cg_audit_filter none = { 0 };
	static void (*const expect[])(lines *, const world *, const cg_audit_filter *) = {
		[CG_AUDIT_BY_VERDICT] = expect_verdicts,
		[CG_AUDIT_BY_RULE] = expect_rules,
		[CG_AUDIT_BY_DAY] = expect_days,
	};
	static const char *const what[] = { "by verdict", "by rule", "by day" };
	lines want, got;
	int by;

	for (by = CG_AUDIT_BY_VERDICT; by <= CG_AUDIT_BY_DAY; by++) {
		memset(&want, 0, sizeof(want));
		memset(&got, 0, sizeof(got));
		expect[by](&want, s, f ? f : &none);
		if (cg_audit_summary(db, f, (cg_audit_grouping)by, keep_group, &got) < 0)
			fail_msg("summary: %s", cg_error_last());
		assert_same(&want, &got, what[by], name);
	}
}

static void compare_lists(cg_audit *db, const world *s, const cg_audit_filter *f,
                          size_t limit, const char *name)
{
	static const char *const what[] = { "newest runs", "waivers", "protected" };
	lines want, got;
	int which, rc;

	for (which = 0; which < 3; which++) {
		memset(&want, 0, sizeof(want));
		memset(&got, 0, sizeof(got));
		want.limit = got.limit = limit;
		expect_list(&want, s, f, which);
		rc = which == 0 ? cg_audit_recent(db, f, limit, keep_run, &got) :
			cg_audit_items(db, f, which == 1 ? CG_AUDIT_ITEMS_WAIVERS :
			               CG_AUDIT_ITEMS_PROTECTED, limit, keep_item, &got);
		if (rc < 0)
			fail_msg("%s: %s", what[which], cg_error_last());
		assert_same(&want, &got, what[which], name);
	}
}

static void test_queries_match_the_runs(void **state)
{
	world *s = *state;
	cg_audit *db = NULL;
	int64_t bad = 0;
	size_t checked = 0, i;
	char name[256];

	record_world(s);
	assert_int_equal(cg_audit_open_readonly(&db, s->db), 0);
	assert_int_equal(cg_audit_verify(db, &bad, &checked), 0);
	assert_int_equal(checked, RUNS);
	for (i = 0; i < FILTERS; i++) {
		cg_audit_filter f = random_filter(s);

		describe(name, sizeof(name), &f);
		compare_summaries(db, s, &f, name);
		compare_lists(db, s, &f, 1 + next(s) % 20, name);
	}
	/* and with no filter at all */
	compare_summaries(db, s, NULL, "none");
	cg_audit_close(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_queries_match_the_runs, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
