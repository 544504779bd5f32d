#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "rules.h"

/* A result with every kind of field: NULL and empty strings, bytes that
 * are not UTF-8, a newline, a waiver with and without an authorizer. */
static cg_result *sample(void)
{
	cg_result *r = calloc(1, sizeof(*r));

	cg_result_add_finding(r, "changelog", "sub dir/CHANGELOG.md", "needs a new entry",
	                      "changeguard entry \"...\"\ngit add CHANGELOG.md", "Changelog-Skip");
	r->findings[0].needs_entry = 1;
	cg_result_add_finding(r, "protect:mcp", "\xff\xfe.mcp.json", "", NULL, NULL);
	r->waivers = calloc(2, sizeof(*r->waivers));
	r->waivers[0] = (cg_waiver){ strdup("protect:mcp"), strdup("trailer"),
	                             strdup("MCP-Authorized-By"), strdup(".mcp.json"),
	                             strdup("Alice <alice@example.com>") };
	r->waivers[1] = (cg_waiver){ strdup("changelog"), strdup("push-option"),
	                             strdup("changeguard.skip"), strdup("typo"), NULL };
	r->nwaivers = r->awaivers = 2;
	r->verdict = CG_VERDICT_BLOCKED;
	return r;
}

static void assert_same_or_null(const char *a, const char *b)
{
	if (!a || !b)
		assert_ptr_equal(a, b);
	else
		assert_string_equal(a, b);
}

static void assert_same_result(const cg_result *a, const cg_result *b)
{
	size_t i;

	assert_int_equal(a->verdict, b->verdict);
	assert_int_equal(a->nfindings, b->nfindings);
	for (i = 0; i < a->nfindings; i++) {
		assert_string_equal(a->findings[i].rule, b->findings[i].rule);
		assert_same_or_null(a->findings[i].path, b->findings[i].path);
		assert_string_equal(a->findings[i].detail, b->findings[i].detail);
		assert_same_or_null(a->findings[i].hint, b->findings[i].hint);
		assert_same_or_null(a->findings[i].waiver, b->findings[i].waiver);
		assert_int_equal(a->findings[i].needs_entry, b->findings[i].needs_entry);
	}
	assert_int_equal(a->nwaivers, b->nwaivers);
	for (i = 0; i < a->nwaivers; i++) {
		assert_string_equal(a->waivers[i].rule, b->waivers[i].rule);
		assert_string_equal(a->waivers[i].source, b->waivers[i].source);
		assert_string_equal(a->waivers[i].name, b->waivers[i].name);
		assert_same_or_null(a->waivers[i].reason, b->waivers[i].reason);
		assert_same_or_null(a->waivers[i].authorizer, b->waivers[i].authorizer);
	}
}

static void test_a_result_survives_encoding(void **state)
{
	cg_result *r = sample(), *back = NULL, *empty = calloc(1, sizeof(*empty)), *back2 = NULL;
	cg_buf rec = CG_BUF_INIT;
	cg_buf_reader in;

	(void)state;
	cg_result_encode(&rec, r);
	cg_result_encode(&rec, empty);
	in.p = rec.ptr;
	in.left = rec.size;
	assert_int_equal(cg_result_decode(&back, &in), 0);
	assert_same_result(r, back);
	assert_int_equal(cg_result_decode(&back2, &in), 0);
	assert_same_result(empty, back2);
	assert_int_equal(in.left, 0);
	cg_result_free(r);
	cg_result_free(back);
	cg_result_free(empty);
	cg_result_free(back2);
	cg_buf_dispose(&rec);
}

/* Every cut of the record, however short, is refused, never misread. */
static void test_a_truncated_record_is_refused(void **state)
{
	cg_result *r = sample(), *back = NULL;
	cg_buf rec = CG_BUF_INIT;
	size_t cut;

	(void)state;
	cg_result_encode(&rec, r);
	for (cut = 0; cut < rec.size; cut++) {
		cg_buf_reader in = { rec.ptr, cut };
		assert_int_equal(cg_result_decode(&back, &in), CG_ERROR);
		assert_null(back);
		assert_non_null(strstr(cg_error_last(), "damaged"));
	}
	cg_result_free(r);
	cg_buf_dispose(&rec);
}

static void test_a_bad_verdict_is_refused(void **state)
{
	cg_result *back = NULL;
	cg_buf rec = CG_BUF_INIT;
	cg_buf_reader in;

	(void)state;
	cg_buf_put_u32(&rec, 99);
	cg_buf_put_u32(&rec, 0);
	cg_buf_put_u32(&rec, 0);
	in.p = rec.ptr;
	in.left = rec.size;
	assert_int_equal(cg_result_decode(&back, &in), CG_ERROR);
	cg_buf_dispose(&rec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_result_survives_encoding),
		cmocka_unit_test(test_a_truncated_record_is_refused),
		cmocka_unit_test(test_a_bad_verdict_is_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
