#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "syslog.h"

/* RFC 5424 PARAM-VALUE: '"', '\' and ']' escaped; what could end the
 * line or is not UTF-8 becomes '?'. */
static void test_escape(void **state)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "", "" },
		{ "/srv/git/app.git", "/srv/git/app.git" },
		{ "say \"hi\"", "say \\\"hi\\\"" },
		{ "back\\slash", "back\\\\slash" },
		{ "a]b", "a\\]b" },
		{ "[ok=1]", "[ok=1\\]" },
		{ "line\nbreak\r", "line?break?" },
		{ "tab\tdel\177", "tab?del?" },
		{ "\xE5\xA4\x89\xE6\x9B\xB4", "\xE5\xA4\x89\xE6\x9B\xB4" }, /* CJK stays */
		{ "caf\351", "caf?" },                                      /* Latin-1 */
		{ "\xC0\xAF", "??" },                                        /* overlong '/' */
		{ "\xED\xA0\x80", "???" },                                   /* a surrogate */
		{ "cut\xE5\xA4", "cut??" },
		{ "\xF0\x9F\x98\x80", "\xF0\x9F\x98\x80" },                 /* 4 bytes */
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cg_buf out = CG_BUF_INIT;

		cg_syslog_escape(&out, cases[i].in);
		if (strcmp(out.ptr ? out.ptr : "", cases[i].want))
			fail_msg("case %zu: got '%s', want '%s'", i, out.ptr ? out.ptr : "", cases[i].want);
		cg_buf_dispose(&out);
	}
}

/* 2026-11-24T03:00:00.123Z */
#define T0 1795489200123LL

static void test_format(void **state)
{
	static const struct {
		cg_syslog_event e;
		const char *host;
		const char *want;
	} cases[] = {
		{ { T0, "pre-receive", "/srv/a.git/", "blocked", "changelog,protect:mcp", NULL, "ops",
		    7, "ab12" }, "git1",
		  "<108>1 2026-11-24T03:00:00.123Z git1 changeguard 42 pre-receive"
		  " [changeguard@32473 hook=\"pre-receive\" repository=\"/srv/a.git/\""
		  " verdict=\"blocked\" rules=\"changelog,protect:mcp\" pusher=\"ops\" run=\"7\""
		  " hash=\"ab12\"] pre-receive blocked in /srv/a.git/" },
		/* a run saved to the fallback file has no id or hash; no repository, no host */
		{ { T0, "commit-msg", NULL, "waived", NULL, "changelog", NULL, 0, NULL }, "",
		  "<109>1 2026-11-24T03:00:00.123Z - changeguard 42 commit-msg"
		  " [changeguard@32473 hook=\"commit-msg\" verdict=\"waived\" waived=\"changelog\"]"
		  " commit-msg waived" },
		{ { T0, "pre-commit", "/w/\"x]", "allowed", NULL, NULL, NULL, 1, "h" }, "a host",
		  "<110>1 2026-11-24T03:00:00.123Z a_host changeguard 42 pre-commit"
		  " [changeguard@32473 hook=\"pre-commit\" repository=\"/w/\\\"x\\]\""
		  " verdict=\"allowed\" run=\"1\" hash=\"h\"] pre-commit allowed in /w/\\\"x\\]" },
		{ { T0, "pre-receive", NULL, "error", NULL, NULL, NULL, 0, NULL }, "h",
		  "<107>1 2026-11-24T03:00:00.123Z h changeguard 42 pre-receive"
		  " [changeguard@32473 hook=\"pre-receive\" verdict=\"error\"] pre-receive error" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cg_buf out = CG_BUF_INIT;

		cg_syslog_format(&out, &cases[i].e, cases[i].host, 42);
		if (strcmp(out.ptr, cases[i].want))
			fail_msg("case %zu:\n got %s\nwant %s", i, out.ptr, cases[i].want);
		cg_buf_dispose(&out);
	}
}

static void test_send_without_listener(void **state)
{
	cg_syslog_event e = { T0, "pre-receive", NULL, "allowed", NULL, NULL, NULL, 0, NULL };

	(void)state;
	assert_int_equal(cg_syslog_send("/nonexistent/cg-syslog.sock", &e), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_send_without_listener),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
