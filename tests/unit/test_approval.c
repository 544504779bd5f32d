/*
 * test_approval.c: the approval statement's encoding (table-driven: sides,
 * sorting, escaping, no two change sets alike) and the trailer's value.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "approval.h"
#include "error.h"

#define A "1111111111111111111111111111111111111111"
#define B "2222222222222222222222222222222222222222"

typedef struct {
	const char *path;
	uint32_t old_mode, new_mode;
	const char *old_hex, *new_hex;
} change_row;

typedef struct {
	const char *name;
	const char *group;
	change_row changes[3];
	const char *want;
} statement_case;

static const statement_case statements[] = {
	{ "modified", "mcp", { { ".mcp.json", 0100644, 0100644, A, B } },
	  "changeguard-approval v1\ngroup mcp\nchange 100644:" A " 100644:" B " .mcp.json\n" },
	{ "added and deleted sides are none", "mcp",
	  { { "a.json", 0, 0100644, A, B }, { "b.json", 0100644, 0, A, B } },
	  "changeguard-approval v1\ngroup mcp\nchange none 100644:" B " a.json\n"
	  "change 100644:" A " none b.json\n" },
	{ "sorted by path bytes", "mcp",
	  { { "b", 0100644, 0100755, A, A }, { "B", 0100644, 0100644, A, B }, { "a", 0, 0120000, A, B } },
	  "changeguard-approval v1\ngroup mcp\nchange 100644:" A " 100644:" B " B\n"
	  "change none 120000:" B " a\nchange 100644:" A " 100755:" A " b\n" },
	{ "spaces, newlines and % escaped", "my group",
	  { { "a b\n%.json", 0100644, 0100644, A, B } },
	  "changeguard-approval v1\ngroup my%20group\nchange 100644:" A " 100644:" B " a%20b%0A%25.json\n" },
	{ "no changes", "policy", { { NULL } }, "changeguard-approval v1\ngroup policy\n" },
};

static size_t make_changes(cg_change *out, const cg_change **ptrs, const change_row *rows)
{
	size_t n = 0;

	for (; n < 3 && rows[n].path; n++) {
		memset(&out[n], 0, sizeof(out[n]));
		out[n].path = (char *)rows[n].path;
		out[n].old_mode = rows[n].old_mode;
		out[n].new_mode = rows[n].new_mode;
		git_oid_fromstr(&out[n].old_oid, rows[n].old_hex);
		git_oid_fromstr(&out[n].new_oid, rows[n].new_hex);
		ptrs[n] = &out[n];
	}
	return n;
}

static void test_statement_encoding(void **state)
{
	cg_buf out = CG_BUF_INIT;
	cg_change changes[3];
	const cg_change *ptrs[3];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(statements) / sizeof(statements[0]); i++) {
		size_t n = make_changes(changes, ptrs, statements[i].changes);
		cg_approval_statement(&out, statements[i].group, ptrs, n);
		if (strcmp(out.ptr, statements[i].want))
			fail_msg("%s: got\n%s", statements[i].name, out.ptr);
	}
	cg_buf_dispose(&out);
}

/* Change sets that a careless encoding (no escaping, no "none") would merge. */
static const struct {
	const char *group_a;
	change_row a[2];
	const char *group_b;
	change_row b[2];
} distinct[] = {
	{ "mcp", { { "a b", 0100644, 0100644, A, B } },
	  "mcp", { { "a", 0100644, 0100644, A, B }, { "b", 0100644, 0100644, A, B } } },
	{ "mcp", { { ".mcp.json", 0100644, 0100644, A, B } },
	  "mcp", { { ".cursor/mcp.json", 0100644, 0100644, A, B } } },
	{ "mcp", { { ".mcp.json", 0100644, 0100644, A, B } },
	  "policy", { { ".mcp.json", 0100644, 0100644, A, B } } },
	{ "mcp", { { "x", 0, 0100644, A, B } }, "mcp", { { "x", 0100644, 0100644, A, B } } },
	{ "g\nchange 100644:" A " 100644:" B " x", { { NULL } },
	  "g", { { "x", 0100644, 0100644, A, B } } },
};

static void test_statements_distinct(void **state)
{
	cg_buf a = CG_BUF_INIT, b = CG_BUF_INIT;
	cg_change ca[3], cb[3];
	const cg_change *pa[3], *pb[3];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(distinct) / sizeof(distinct[0]); i++) {
		change_row ra[3] = { distinct[i].a[0], distinct[i].a[1], { NULL } };
		change_row rb[3] = { distinct[i].b[0], distinct[i].b[1], { NULL } };
		cg_approval_statement(&a, distinct[i].group_a, pa, make_changes(ca, pa, ra));
		cg_approval_statement(&b, distinct[i].group_b, pb, make_changes(cb, pb, rb));
		if (!strcmp(a.ptr, b.ptr))
			fail_msg("case %zu encodes alike:\n%s", i, a.ptr);
	}
	cg_buf_dispose(&a);
	cg_buf_dispose(&b);
}

#define ARMORED "-----BEGIN SSH SIGNATURE-----\nU1NI\nU0lH\n-----END SSH SIGNATURE-----\n"

static void test_trailer_round_trip(void **state)
{
	static const char *const groups[] = { "mcp", "my group", "50%", "a\tb" };
	cg_buf value = CG_BUF_INIT, group = CG_BUF_INIT, armored = CG_BUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
		cg_approval_trailer_value(&value, groups[i], ARMORED);
		assert_null(strchr(value.ptr, '\n'));
		assert_int_equal(cg_approval_trailer_parse(&group, &armored, value.ptr), 0);
		assert_string_equal(group.ptr, groups[i]);
		assert_string_equal(armored.ptr,
		                    "-----BEGIN SSH SIGNATURE-----\nU1NIU0lH\n-----END SSH SIGNATURE-----\n");
	}
	cg_approval_trailer_value(&value, "mcp", ARMORED);
	assert_string_equal(value.ptr, "mcp U1NIU0lH");
	cg_buf_dispose(&value);
	cg_buf_dispose(&group);
	cg_buf_dispose(&armored);
}

static void test_trailer_parse_errors(void **state)
{
	static const char *const bad[] = {
		"", "U1NIU0lH", " U1NIU0lH", "mcp ", "mcp U1N$IU0lH", "mcp U1NI-U0lH",
		"m%2 U1NI", "m%41 U1NI", "m%zz U1NI", "mcp\n U1NI",
	};
	cg_buf group = CG_BUF_INIT, armored = CG_BUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (cg_approval_trailer_parse(&group, &armored, bad[i]) != CG_EUSAGE)
			fail_msg("accepted: '%s'", bad[i]);
	cg_buf_dispose(&group);
	cg_buf_dispose(&armored);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_statement_encoding),
		cmocka_unit_test(test_statements_distinct),
		cmocka_unit_test(test_trailer_round_trip),
		cmocka_unit_test(test_trailer_parse_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
