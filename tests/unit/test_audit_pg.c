/* test_audit_pg.c: what needs no server: telling a URL from a file, and
 * showing one without its password (tests/e2e/t0970 runs a real server). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "audit_pg.h"
#include "buf.h"

static void test_is_url(void **state)
{
	static const struct {
		const char *db;
		int url;
	} cases[] = {
		{ "postgresql://audit@db.example/changeguard", 1 },
		{ "postgres:///cg?host=/run/pg", 1 },
		{ "service=audit", 1 },
		{ "host=/run/pg dbname=cg", 1 },
		{ "dbname = cg", 1 },
		{ "audit.db", 0 },
		{ "/var/lib/cg/a=b.db", 0 },
		{ "./x=y", 0 },
		{ "Service=x", 0 },
		{ "", 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(cg_audit_pg_is_url(cases[i].db), cases[i].url);
}

static void test_redact(void **state)
{
	static const struct {
		const char *url, *shown;
	} cases[] = {
		{ "postgresql://audit@db/cg", "postgresql://audit@db/cg" },
		{ "postgresql://audit:pw@db:5432/cg", "postgresql://audit:***@db:5432/cg" },
		{ "postgresql://audit:p%40w@db/cg?sslmode=verify-full",
		  "postgresql://audit:***@db/cg?sslmode=verify-full" },
		{ "postgresql:///cg?host=/run/pg&password=pw&user=a",
		  "postgresql:///cg?host=/run/pg&password=***&user=a" },
		{ "postgres://u:pw@h/d?sslpassword=k#x", "postgres://u:***@h/d?sslpassword=***#x" },
		{ "postgresql://h/d?a=b@c", "postgresql://h/d?a=b@c" },
		{ "host=/run/pg password=pw dbname=cg", "host=/run/pg password=*** dbname=cg" },
		{ "password = 'p w\\'x' user=a", "password = *** user=a" },
		{ "sslpassword=k", "sslpassword=***" },
		{ "dbname=postgresql://u:pw@h/d", "dbname=postgresql://u:***@h/d" },
		{ "service=audit", "service=audit" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cg_buf b = CG_BUF_INIT;

		cg_audit_pg_redact(&b, cases[i].url);
		assert_string_equal(b.ptr, cases[i].shown);
		cg_buf_dispose(&b);
	}
}

/* libpq decodes a percent-encoded password: its decoded form is hidden too. */
static void test_sanitize(void **state)
{
	static const struct {
		const char *message, *url, *clean;
	} cases[] = {
		{ "cannot reach postgresql://a:s%65c@h/d", "postgresql://a:s%65c@h/d",
		  "cannot reach postgresql://a:***@h/d" },
		{ "password sec refused", "postgresql://a:s%65c@h/d", "password *** refused" },
		{ "'x' and x", "host=h password='x'", "*** and ***" },
		{ "nothing secret", "service=audit", "nothing secret" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cg_buf b = CG_BUF_INIT;

		cg_audit_pg_sanitize(&b, cases[i].message, cases[i].url);
		assert_string_equal(b.ptr, cases[i].clean);
		cg_buf_dispose(&b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_is_url),
		cmocka_unit_test(test_redact),
		cmocka_unit_test(test_sanitize),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
