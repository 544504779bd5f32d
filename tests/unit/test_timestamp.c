#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "error.h"
#include "timestamp.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DAY INT64_C(86400000)

static cg_ts_status parse(const char *s, int64_t *ms)
{
	return cg_timestamp_parse(s, strlen(s), ms);
}

struct status_case {
	const char *s;
	cg_ts_status want;
};

static void check_statuses(const struct status_case *c, size_t n)
{
	int failed = 0;

	for (size_t i = 0; i < n; i++) {
		int64_t ms = 42;
		cg_ts_status st = parse(c[i].s, &ms);
		if (st == c[i].want && (st == CG_TS_OK || ms == 42))
			continue;
		print_error("'%s': got %d, want %d\n", c[i].s, (int)st, (int)c[i].want);
		failed = 1;
	}
	assert_false(failed);
}

#define CHECK(table) check_statuses(table, sizeof(table) / sizeof(table[0]))

static void expect_ms(const char *s, int64_t want)
{
	int64_t ms = 0;

	if (parse(s, &ms) != CG_TS_OK)
		fail_msg("'%s' rejected", s);
	if (ms != want)
		fail_msg("'%s': %" PRId64 " ms, want %" PRId64, s, ms, want);
}

static void test_known_instants(void **state)
{
	(void)state;
	expect_ms("1970-01-01T00:00:00Z", 0);
	expect_ms("1970-01-01T00:00:01Z", 1000);
	expect_ms("1969-12-31T23:59:59.999Z", -1);
	expect_ms("2000-01-01T00:00:00Z", INT64_C(946684800000));
	expect_ms("2000-02-29T12:34:56Z", INT64_C(951827696000));
	expect_ms("2024-02-29T00:00:00Z", INT64_C(1709164800000));
	expect_ms("2038-01-19T03:14:08Z", INT64_C(2147483648000));
	expect_ms("2026-11-24T03:00:00Z", INT64_C(1795489200000));
	expect_ms("0000-01-01T00:00:00Z", INT64_C(-62167219200000));
	expect_ms("1900-03-01T00:00:00Z", INT64_C(-2203891200000));
	expect_ms("9999-12-31T23:59:59.999Z", INT64_C(253402300799999));
}

static void test_fractions(void **state)
{
	(void)state;
	expect_ms("1970-01-01T00:00:00.1Z", 100);
	expect_ms("1970-01-01T00:00:00.12Z", 120);
	expect_ms("1970-01-01T00:00:00.123Z", 123);
	expect_ms("1970-01-01T00:00:00.1239Z", 123);
	expect_ms("1970-01-01T00:00:00.999999999999999999999999Z", 999);
	expect_ms("1970-01-01T00:00:00.000000001Z", 0);
	expect_ms("1970-01-01T00:00:00.0Z", 0);
	expect_ms("1969-12-31T23:59:59.5Z", -500);
}

static void test_leap_second(void **state)
{
	static const struct status_case c[] = {
		{ "2016-12-31T23:59:60Z", CG_TS_OK },
		{ "2016-12-31T12:00:60Z", CG_TS_BAD_DATE },
		{ "2016-12-31T23:58:60Z", CG_TS_BAD_DATE },
		{ "2016-12-31T23:59:61Z", CG_TS_BAD_DATE },
		{ "2016-12-31T22:59:60Z", CG_TS_BAD_DATE },
		/* with an offset, the leap second falls on another local minute */
		{ "2016-12-31T15:59:60-08:00", CG_TS_NOT_UTC },
		{ "2017-01-01T05:29:60+05:30", CG_TS_NOT_UTC },
		{ "2016-12-31T23:59:60+01:00", CG_TS_BAD_DATE },
		{ "2016-12-31T23:59:60", CG_TS_NOT_UTC },
	};
	(void)state;
	CHECK(c);
	expect_ms("2016-12-31T23:59:60Z", INT64_C(1483228799999));
	expect_ms("2016-12-31T23:59:60.5Z", INT64_C(1483228799999));
	expect_ms("2016-12-31T23:59:59.999Z", INT64_C(1483228799999));
}

static void test_leap_years(void **state)
{
	static const struct status_case c[] = {
		{ "1900-02-29T00:00:00Z", CG_TS_BAD_DATE },
		{ "2000-02-29T00:00:00Z", CG_TS_OK },
		{ "2100-02-29T00:00:00Z", CG_TS_BAD_DATE },
		{ "2400-02-29T00:00:00Z", CG_TS_OK },
		{ "2024-02-29T00:00:00Z", CG_TS_OK },
		{ "2023-02-29T00:00:00Z", CG_TS_BAD_DATE },
		{ "2024-02-30T00:00:00Z", CG_TS_BAD_DATE },
		{ "2000-02-30T00:00:00Z", CG_TS_BAD_DATE },
		{ "1600-02-29T00:00:00Z", CG_TS_OK },
		{ "1700-02-29T00:00:00Z", CG_TS_BAD_DATE },
		{ "0000-02-29T00:00:00Z", CG_TS_OK },
		{ "0004-02-29T00:00:00Z", CG_TS_OK },
		{ "0100-02-29T00:00:00Z", CG_TS_BAD_DATE },
		{ "9996-02-29T00:00:00Z", CG_TS_OK },
		{ "9999-02-29T00:00:00Z", CG_TS_BAD_DATE },
	};
	(void)state;
	CHECK(c);
}

static void test_fields_out_of_range(void **state)
{
	static const struct status_case c[] = {
		{ "2024-00-10T00:00:00Z", CG_TS_BAD_DATE },
		{ "2024-13-10T00:00:00Z", CG_TS_BAD_DATE },
		{ "2024-99-10T00:00:00Z", CG_TS_BAD_DATE },
		{ "2024-01-00T00:00:00Z", CG_TS_BAD_DATE },
		{ "2024-01-32T00:00:00Z", CG_TS_BAD_DATE },
		{ "2024-04-31T00:00:00Z", CG_TS_BAD_DATE },
		{ "2024-06-31T00:00:00Z", CG_TS_BAD_DATE },
		{ "2024-09-31T00:00:00Z", CG_TS_BAD_DATE },
		{ "2024-11-31T00:00:00Z", CG_TS_BAD_DATE },
		{ "2024-12-31T00:00:00Z", CG_TS_OK },
		{ "2024-01-01T24:00:00Z", CG_TS_BAD_DATE },
		{ "2024-01-01T25:00:00Z", CG_TS_BAD_DATE },
		{ "2024-01-01T23:60:00Z", CG_TS_BAD_DATE },
		{ "2024-01-01T23:59:59Z", CG_TS_OK },
		{ "2024-01-01T00:00:99Z", CG_TS_BAD_DATE },
		{ "2024-01-01T00:00:00+24:00", CG_TS_BAD_DATE },
		{ "2024-01-01T00:00:00+05:60", CG_TS_BAD_DATE },
		/* no such date outranks the missing Z: it is the deeper mistake */
		{ "2023-02-29T00:00:00+01:00", CG_TS_BAD_DATE },
		{ "2023-02-29 00:00:00", CG_TS_BAD_DATE },
	};
	(void)state;
	CHECK(c);
}

static void test_not_utc(void **state)
{
	static const struct status_case c[] = {
		{ "2024-01-01T00:00:00+00:00", CG_TS_NOT_UTC },
		{ "2024-01-01T00:00:00-00:00", CG_TS_NOT_UTC },
		{ "2024-01-01T00:00:00+05:30", CG_TS_NOT_UTC },
		{ "2024-01-01T00:00:00-08:00", CG_TS_NOT_UTC },
		{ "2024-01-01T00:00:00+23:59", CG_TS_NOT_UTC },
		{ "2024-01-01T00:00:00.5+01:00", CG_TS_NOT_UTC },
		{ "2024-01-01T00:00:00", CG_TS_NOT_UTC },
		{ "2024-01-01T00:00:00.123", CG_TS_NOT_UTC },
		{ "2024-01-01T00:00:00z", CG_TS_NOT_UTC },
		{ "2024-01-01t00:00:00Z", CG_TS_NOT_UTC },
		{ "2024-01-01t00:00:00z", CG_TS_NOT_UTC },
		{ "2024-01-01 00:00:00Z", CG_TS_NOT_UTC },
		{ "2024-01-01 00:00:00", CG_TS_NOT_UTC },
		{ "2024-01-01 00:00:00+02:00", CG_TS_NOT_UTC },
	};
	(void)state;
	CHECK(c);
}

static void test_malformed(void **state)
{
	static const struct status_case c[] = {
		{ "", CG_TS_MALFORMED },
		{ "garbage", CG_TS_MALFORMED },
		{ "2024-01-01", CG_TS_MALFORMED },
		{ "2024-01-01T", CG_TS_MALFORMED },
		{ "2024-01-01T12:00Z", CG_TS_MALFORMED },
		{ "2024-01-01T12Z", CG_TS_MALFORMED },
		{ "2024-1-01T00:00:00Z", CG_TS_MALFORMED },
		{ "2024-01-1T00:00:00Z", CG_TS_MALFORMED },
		{ "24-01-01T00:00:00Z", CG_TS_MALFORMED },
		{ "02024-01-01T00:00:00Z", CG_TS_MALFORMED },
		{ "+2024-01-01T00:00:00Z", CG_TS_MALFORMED },
		{ "-0001-01-01T00:00:00Z", CG_TS_MALFORMED },
		{ "2024/01/01T00:00:00Z", CG_TS_MALFORMED },
		{ "20240101T000000Z", CG_TS_MALFORMED },
		{ "2024-01-01X00:00:00Z", CG_TS_MALFORMED },
		{ "2024-01-01T00-00-00Z", CG_TS_MALFORMED },
		{ "2024-01-01T0:00:00Z", CG_TS_MALFORMED },
		{ "2024-01-01T0a:00:00Z", CG_TS_MALFORMED },
		{ "2024-01-01T00:00:00.Z", CG_TS_MALFORMED },
		{ "2024-01-01T00:00:00,5Z", CG_TS_MALFORMED },
		{ "2024-01-01T00:00:00.5.5Z", CG_TS_MALFORMED },
		{ "2024-01-01T00:00:00ZZ", CG_TS_MALFORMED },
		{ "2024-01-01T00:00:00Z ", CG_TS_MALFORMED },
		{ " 2024-01-01T00:00:00Z", CG_TS_MALFORMED },
		{ "2024-01-01T00:00:00UTC", CG_TS_MALFORMED },
		{ "2024-01-01T00:00:00GMT", CG_TS_MALFORMED },
		{ "2024-01-01T00:00:00+0100", CG_TS_MALFORMED },
		{ "2024-01-01T00:00:00+01", CG_TS_MALFORMED },
		{ "2024-01-01T00:00:00+1:00", CG_TS_MALFORMED },
		{ "2024-01-01T00:00:00+01:00Z", CG_TS_MALFORMED },
		{ "2024-01-01T00:00:00 +01:00", CG_TS_MALFORMED },
		{ "2024-01-01T00:00:00Z+01:00", CG_TS_MALFORMED },
		{ "2024-01-01T00:00:00-", CG_TS_MALFORMED },
		{ "2024-01-01T00:00:00.-1Z", CG_TS_MALFORMED },
		{ "\xef\xbc\x92" "024-01-01T00:00:00Z", CG_TS_MALFORMED },
		{ "2024-01-01T00:00:00\xc2\xa0Z", CG_TS_MALFORMED },
		{ "2024-02-30", CG_TS_MALFORMED },
	};
	(void)state;
	CHECK(c);
}

/* Exactly `len` bytes count: what follows is not read, a NUL inside is not
 * an end. */
static void test_length_is_exact(void **state)
{
	static const char s[] = "2024-01-01T00:00:00Zjunk";
	static const char nul[] = "2024-01-01T00:00:00\0Z";
	int64_t ms = 0;

	(void)state;
	assert_int_equal(cg_timestamp_parse(s, 20, &ms), CG_TS_OK);
	assert_int_equal(ms, INT64_C(1704067200000));
	assert_int_equal(cg_timestamp_parse(s, 19, &ms), CG_TS_NOT_UTC);
	assert_int_equal(cg_timestamp_parse(s, 21, &ms), CG_TS_MALFORMED);
	assert_int_equal(cg_timestamp_parse(s, 4, &ms), CG_TS_MALFORMED);
	assert_int_equal(cg_timestamp_parse(s, 0, &ms), CG_TS_MALFORMED);
	assert_int_equal(cg_timestamp_parse(nul, sizeof(nul) - 1, &ms), CG_TS_MALFORMED);
}

static int textbook_leap(int y)
{
	return y % 400 == 0 || (y % 4 == 0 && y % 100 != 0);
}

static void put_digits(char *at, int v, int n)
{
	while (n--) {
		at[n] = (char)('0' + v % 10);
		v /= 10;
	}
}

/* Every day of years 0000-9999, counted one by one rather than computed:
 * each must parse to the previous day plus 86400000 ms and format back to
 * the same text; every day past a month's end must be BAD_DATE. */
static void test_every_day_of_every_year(void **state)
{
	static const int len[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int64_t expect = INT64_C(-62167219200000), ms;
	char s[] = "YYYY-MM-DDT00:00:00Z", back[32];

	(void)state;
	for (int y = 0; y <= 9999; y++) {
		put_digits(s, y, 4);
		for (int m = 1; m <= 12; m++) {
			int last = len[m - 1] + (m == 2 && textbook_leap(y));
			put_digits(s + 5, m, 2);
			for (int d = 1; d <= 31; d++) {
				put_digits(s + 8, d, 2);
				if (d > last) {
					if (parse(s, &ms) != CG_TS_BAD_DATE)
						fail_msg("'%s' accepted", s);
					continue;
				}
				if (parse(s, &ms) != CG_TS_OK || ms != expect)
					fail_msg("'%s' rejected or wrong", s);
				cg_timestamp_format(back, ms, 0);
				if (strcmp(back, s))
					fail_msg("'%s' formats back as '%s'", s, back);
				expect += DAY;
			}
		}
	}
	assert_int_equal(expect, INT64_C(253402300800000));
}

static void test_independent_of_tz(void **state)
{
	int64_t a, b;

	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	assert_int_equal(parse("2024-07-01T12:00:00Z", &a), CG_TS_OK);
	setenv("TZ", "America/Los_Angeles", 1);
	tzset();
	assert_int_equal(parse("2024-07-01T12:00:00Z", &b), CG_TS_OK);
	assert_int_equal(a, b);
	assert_int_equal(a, INT64_C(1719835200000));
}

static void test_format(void **state)
{
	char out[32];

	(void)state;
	cg_timestamp_format(out, 0, 0);
	assert_string_equal(out, "1970-01-01T00:00:00Z");
	cg_timestamp_format(out, 0, 1);
	assert_string_equal(out, "1970-01-01T00:00:00.000Z");
	cg_timestamp_format(out, -1, 1);
	assert_string_equal(out, "1969-12-31T23:59:59.999Z");
	cg_timestamp_format(out, -1, 0);
	assert_string_equal(out, "1969-12-31T23:59:59Z");
	cg_timestamp_format(out, INT64_C(1795489200123), 1);
	assert_string_equal(out, "2026-11-24T03:00:00.123Z");
	cg_timestamp_format(out, INT64_C(253402300799999), 1);
	assert_string_equal(out, "9999-12-31T23:59:59.999Z");
	cg_timestamp_format(out, INT64_C(-62167219200000), 0);
	assert_string_equal(out, "0000-01-01T00:00:00Z");
	/* far outside 0000-9999: still NUL-terminated within 32 bytes */
	cg_timestamp_format(out, INT64_MIN, 1);
	assert_true(strlen(out) < sizeof(out));
	cg_timestamp_format(out, INT64_MAX, 1);
	assert_true(strlen(out) < sizeof(out));
}

static void test_format_parse_round_trip(void **state)
{
	char out[32];
	int64_t ms;

	(void)state;
	/* a prime stride visits every time of day and every millisecond digit */
	for (int64_t t = INT64_C(-62167219200000); t < INT64_C(253402300800000);
	     t += INT64_C(9999999967)) {
		cg_timestamp_format(out, t, 1);
		if (parse(out, &ms) != CG_TS_OK || ms != t)
			fail_msg("%" PRId64 " -> '%s' does not parse back", t, out);
	}
}

static void test_now(void **state)
{
	int64_t now = cg_timestamp_now_ms();
	int64_t sys = (int64_t)time(NULL) * 1000;

	(void)state;
	assert_true(now > INT64_C(1577836800000)); /* after 2020 */
	assert_true(now - sys > -5000 && now - sys < 5000);
}

static void test_status_messages(void **state)
{
	(void)state;
	assert_string_equal(cg_timestamp_status_message(CG_TS_NOT_UTC), "must be UTC, ending in Z");
	assert_non_null(strstr(cg_timestamp_status_message(CG_TS_BAD_DATE), "no such date"));
	assert_non_null(strstr(cg_timestamp_status_message(CG_TS_MALFORMED), "RFC 3339"));
	assert_non_null(cg_timestamp_status_message(CG_TS_OK));
}

static void expect_duration(const char *s, int64_t want)
{
	int64_t ms = -1;

	if (cg_duration_parse(s, &ms) != 0)
		fail_msg("'%s' rejected: %s", s, cg_error_last());
	if (ms != want)
		fail_msg("'%s': %" PRId64 " ms, want %" PRId64, s, ms, want);
}

static void test_duration_parse(void **state)
{
	(void)state;
	expect_duration("24h", 24 * INT64_C(3600000));
	expect_duration("10m", 600000);
	expect_duration("1h30m", 5400000);
	expect_duration("90s", 90000);
	expect_duration("90", 90000);
	expect_duration("0", 0);
	expect_duration("0s", 0);
	expect_duration("007s", 7000);
	expect_duration("1w", 7 * DAY);
	expect_duration("2d", 2 * DAY);
	expect_duration("1ms", 1);
	expect_duration("1s500ms", 1500);
	expect_duration("1w2d3h4m5s6ms", 9 * DAY + 3 * 3600000 + 4 * 60000 + 5000 + 6);
	expect_duration("36525d", CG_DURATION_MAX_MS);
	expect_duration("3155760000000ms", CG_DURATION_MAX_MS);
}

static void test_duration_rejects(void **state)
{
	static const struct {
		const char *s;
		const char *problem;
	} bad[] = {
		{ "", "expected" },      { "h", "expected" },       { "24H", "expected" },
		{ "1.5h", "expected" },  { "-1h", "expected" },     { "+1h", "expected" },
		{ "1h30", "expected" },  { "1h 30m", "expected" },  { " 1h", "expected" },
		{ "1h ", "expected" },   { "1x", "expected" },      { "1y", "expected" },
		{ "1mss", "expected" },  { "m30", "expected" },     { "1hm", "expected" },
		{ "1h1h", "largest" },   { "30m1h", "largest" },    { "1ms1s", "largest" },
		{ "9223372036854775808", "too large" },
		{ "9223372036854775807", "too large" },
		{ "9223372036854775808ms", "too large" },
		{ "9223372036854776s", "too large" },
		{ "106751991167w", "too large" },
		{ "9223372036854775s808ms", "too large" },
		{ "36526d", "at most 36525d" },     { "5218w2d", "at most 36525d" },
		{ "9223372036854775807ms", "too large" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int64_t ms = 42;
		cg_error_clear();
		if (cg_duration_parse(bad[i].s, &ms) != CG_EPOLICY || ms != 42)
			fail_msg("'%s' accepted", bad[i].s);
		if (!strstr(cg_error_last(), bad[i].problem) || !strstr(cg_error_last(), "bad duration '"))
			fail_msg("'%s': message '%s'", bad[i].s, cg_error_last());
	}
}

static void expect_format(int64_t ms, const char *want)
{
	char out[64];

	cg_duration_format(out, sizeof(out), ms);
	assert_string_equal(out, want);
}

static void test_duration_format(void **state)
{
	char small[4];

	(void)state;
	expect_format(0, "0s");
	expect_format(DAY, "1d");
	expect_format(24 * INT64_C(3600000), "1d");
	expect_format(5400000, "1h30m");
	expect_format(90000, "1m30s");
	expect_format(1500, "1s500ms");
	expect_format(1, "1ms");
	expect_format(7 * DAY, "1w");
	expect_format(8 * DAY, "1w1d");
	expect_format(14 * DAY + 1, "2w1ms");
	expect_format(-60000, "-1m");
	expect_format(INT64_MAX, "15250284452w3d7h12m55s807ms");
	expect_format(INT64_MIN, "-15250284452w3d7h12m55s808ms");
	cg_duration_format(small, sizeof(small), 5400000);
	assert_string_equal(small, "1h3");
	cg_duration_format(small, 1, 5400000);
	assert_string_equal(small, "");
}

static void test_duration_round_trip(void **state)
{
	char out[64];
	int64_t ms;

	(void)state;
	for (int64_t v = 0; v < 400 * DAY; v += 999983) {
		cg_duration_format(out, sizeof(out), v);
		if (cg_duration_parse(out, &ms) != 0 || ms != v)
			fail_msg("%" PRId64 " -> '%s' does not parse back", v, out);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_instants),
		cmocka_unit_test(test_fractions),
		cmocka_unit_test(test_leap_second),
		cmocka_unit_test(test_leap_years),
		cmocka_unit_test(test_fields_out_of_range),
		cmocka_unit_test(test_not_utc),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_length_is_exact),
		cmocka_unit_test(test_every_day_of_every_year),
		cmocka_unit_test(test_independent_of_tz),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_format_parse_round_trip),
		cmocka_unit_test(test_now),
		cmocka_unit_test(test_status_messages),
		cmocka_unit_test(test_duration_parse),
		cmocka_unit_test(test_duration_rejects),
		cmocka_unit_test(test_duration_format),
		cmocka_unit_test(test_duration_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
