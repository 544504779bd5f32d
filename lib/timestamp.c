#include "timestamp.h"

#include "error.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

enum zone {
	ZONE_Z,      /* "Z": the one form entries may use */
	ZONE_OTHER,  /* "z", "+HH:MM", "-HH:MM" or none */
};

/* The fields of a date-time that has the right shape; not yet checked
 * against the calendar. */
struct fields {
	int year, month, day, hour, minute, second, millis;
	int offset;      /* minutes east of UTC */
	int offset_ok;   /* offset hours and minutes in range */
	int strict;      /* uppercase 'T' and 'Z' */
};

/* Reads exactly `n` digits at s[*pos]. */
static int digits(const char *s, size_t len, size_t *pos, size_t n, int *out)
{
	int v = 0;

	if (len - *pos < n)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[*pos + i];
		if (c < '0' || c > '9')
			return -1;
		v = v * 10 + (c - '0');
	}
	*pos += n;
	*out = v;
	return 0;
}

static int expect(const char *s, size_t len, size_t *pos, char c)
{
	if (*pos >= len || s[*pos] != c)
		return -1;
	(*pos)++;
	return 0;
}

/* Any number of fraction digits; the first three make the milliseconds. */
static int fraction(const char *s, size_t len, size_t *pos, int *millis)
{
	size_t start = *pos + 1;
	int scale = 100;

	if (*pos >= len || s[*pos] != '.')
		return 0;
	*pos = start;
	while (*pos < len && s[*pos] >= '0' && s[*pos] <= '9') {
		if (scale) {
			*millis += (s[*pos] - '0') * scale;
			scale /= 10;
		}
		(*pos)++;
	}
	return *pos > start ? 0 : -1;
}

/* "Z", "z", "+HH:MM", "-HH:MM" or nothing: the rest of the string. */
static int zone(const char *s, size_t len, size_t pos, struct fields *f, enum zone *z)
{
	int hh, mm, sign;

	*z = ZONE_OTHER;
	if (pos == len)
		return 0;
	if (len - pos == 1 && (s[pos] == 'Z' || s[pos] == 'z')) {
		*z = s[pos] == 'Z' ? ZONE_Z : ZONE_OTHER;
		return 0;
	}
	if (s[pos] != '+' && s[pos] != '-')
		return -1;
	sign = s[pos++] == '-' ? -1 : 1;
	if (digits(s, len, &pos, 2, &hh) < 0 || expect(s, len, &pos, ':') < 0 ||
	    digits(s, len, &pos, 2, &mm) < 0 || pos != len)
		return -1;
	f->offset = sign * (hh * 60 + mm);
	f->offset_ok = hh < 24 && mm < 60;
	return 0;
}

/* Checks the shape YYYY-MM-DD(T|t| )HH:MM:SS[.frac][zone]. */
static int scan(const char *s, size_t len, struct fields *f)
{
	size_t pos = 0;
	enum zone z;
	char sep;

	memset(f, 0, sizeof(*f));
	f->offset_ok = 1;
	if (digits(s, len, &pos, 4, &f->year) < 0 || expect(s, len, &pos, '-') < 0 ||
	    digits(s, len, &pos, 2, &f->month) < 0 || expect(s, len, &pos, '-') < 0 ||
	    digits(s, len, &pos, 2, &f->day) < 0 || pos >= len)
		return -1;
	sep = s[pos++];
	if ((sep != 'T' && sep != 't' && sep != ' ') ||
	    digits(s, len, &pos, 2, &f->hour) < 0 || expect(s, len, &pos, ':') < 0 ||
	    digits(s, len, &pos, 2, &f->minute) < 0 || expect(s, len, &pos, ':') < 0 ||
	    digits(s, len, &pos, 2, &f->second) < 0 ||
	    fraction(s, len, &pos, &f->millis) < 0 || zone(s, len, pos, f, &z) < 0)
		return -1;
	f->strict = sep == 'T' && z == ZONE_Z;
	return 0;
}

static int is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int64_t y, int m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/* A leap second is only ever inserted as the last second of a UTC day. */
static int real_instant(const struct fields *f)
{
	int utc_minute = ((f->hour * 60 + f->minute - f->offset) % 1440 + 1440) % 1440;

	return f->offset_ok && f->month >= 1 && f->month <= 12 && f->day >= 1 &&
	       f->day <= days_in_month(f->year, f->month) && f->hour < 24 &&
	       f->minute < 60 &&
	       (f->second < 60 || (f->second == 60 && utc_minute == 1439));
}

/* Days since 1970-01-01 in the proleptic Gregorian calendar (Howard
 * Hinnant's algorithm): unlike timegm(), it neither reads TZ nor depends on
 * the range of time_t. */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

cg_ts_status cg_timestamp_parse(const char *s, size_t len, int64_t *out_ms)
{
	struct fields f;
	int second, millis;

	if (scan(s, len, &f) < 0)
		return CG_TS_MALFORMED;
	if (!real_instant(&f))
		return CG_TS_BAD_DATE;
	if (!f.strict)
		return CG_TS_NOT_UTC;
	second = f.second == 60 ? 59 : f.second;
	millis = f.second == 60 ? 999 : f.millis;
	*out_ms = days_from_civil(f.year, f.month, f.day) * CG_MS_PER_DAY +
	          ((f.hour * 60 + f.minute) * 60 + second) * INT64_C(1000) + millis;
	return CG_TS_OK;
}

const char *cg_timestamp_status_message(cg_ts_status st)
{
	switch (st) {
	case CG_TS_OK:
		return "valid UTC timestamp";
	case CG_TS_NOT_UTC:
		return "must be UTC, ending in Z";
	case CG_TS_BAD_DATE:
		return "no such date or time";
	case CG_TS_MALFORMED:
		break;
	}
	return "not an RFC 3339 date-time (YYYY-MM-DDTHH:MM:SSZ)";
}

/* `n` decimal digits of `v` (>= 0) at `p`; the end. */
static char *put_digits(char *p, int64_t v, int n)
{
	for (int i = n - 1; i >= 0; i--, v /= 10)
		p[i] = (char)('0' + v % 10);
	return p + n;
}

/* Digits written by hand: a history report formats a time per commit,
 * and snprintf cost ten times as much. */
void cg_timestamp_format(char *out, int64_t ms, int with_millis)
{
	/* floor division, so instants before 1970 land on the right day */
	int before = ms % CG_MS_PER_DAY < 0;
	int64_t days = ms / CG_MS_PER_DAY - before;
	int64_t in_day = ms % CG_MS_PER_DAY + (before ? CG_MS_PER_DAY : 0), year;
	int month, day;
	char *p = out;

	civil_from_days(days, &year, &month, &day);
	if (year >= 0 && year <= 9999)
		p = put_digits(p, year, 4);
	else
		p += snprintf(p, 24, "%04" PRId64, year);
	*p++ = '-';
	p = put_digits(p, month, 2);
	*p++ = '-';
	p = put_digits(p, day, 2);
	*p++ = 'T';
	p = put_digits(p, in_day / 3600000, 2);
	*p++ = ':';
	p = put_digits(p, in_day / 60000 % 60, 2);
	*p++ = ':';
	p = put_digits(p, in_day / 1000 % 60, 2);
	if (with_millis) {
		*p++ = '.';
		p = put_digits(p, in_day % 1000, 3);
	}
	*p++ = 'Z';
	*p = '\0';
}

int64_t cg_timestamp_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const struct {
	const char *name;
	int64_t ms;
} units[] = {
	{ "w", 7 * CG_MS_PER_DAY }, { "d", CG_MS_PER_DAY }, { "h", 3600000 },
	{ "m", 60000 },          { "s", 1000 },        { "ms", 1 },
};

#define NUNITS (sizeof(units) / sizeof(units[0]))
#define UNIT_SECONDS 4

static int bad_duration(const char *s, const char *problem)
{
	return cg_error_set(CG_EPOLICY, "bad duration '%s': %s", s, problem);
}

/* Reads the integer at s[*pos]; -1 if there is none, -2 if it overflows. */
static int number(const char *s, size_t *pos, int64_t *out)
{
	size_t start = *pos;
	int64_t v = 0;

	for (; s[*pos] >= '0' && s[*pos] <= '9'; (*pos)++) {
		if (v > (INT64_MAX - (s[*pos] - '0')) / 10)
			return -2;
		v = v * 10 + (s[*pos] - '0');
	}
	*out = v;
	return *pos > start ? 0 : -1;
}

/* The index in `units` of the letters at s[*pos], or NUNITS. */
static size_t unit(const char *s, size_t *pos)
{
	size_t start = *pos;

	while (s[*pos] >= 'a' && s[*pos] <= 'z')
		(*pos)++;
	for (size_t k = 0; k < NUNITS; k++)
		if (strlen(units[k].name) == *pos - start &&
		    !memcmp(units[k].name, s + start, *pos - start))
			return k;
	return NUNITS;
}

int cg_duration_parse(const char *s, int64_t *out_ms)
{
	static const char shape[] =
		"expected <integer><unit> groups with units w, d, h, m, s, ms, as in 24h or 1h30m";
	size_t pos = 0, k, next_unit = 0;
	int64_t total = 0, n;

	do {
		int rc = number(s, &pos, &n);
		if (rc == -2)
			return bad_duration(s, "too large");
		if (rc < 0)
			return bad_duration(s, shape);
		if (next_unit == 0 && !s[pos]) {
			k = UNIT_SECONDS; /* a bare integer */
		} else if ((k = unit(s, &pos)) == NUNITS) {
			return bad_duration(s, shape);
		} else if (k < next_unit) {
			return bad_duration(s, "units must go from the largest to the smallest, each once");
		}
		if (n > (INT64_MAX - total) / units[k].ms)
			return bad_duration(s, "too large");
		total += n * units[k].ms;
		next_unit = k + 1;
	} while (s[pos]);
	if (total > CG_DURATION_MAX_MS)
		return bad_duration(s, "too large: at most 36525d (100 years)");
	*out_ms = total;
	return 0;
}

void cg_duration_format(char *out, size_t outlen, int64_t ms)
{
	uint64_t left = ms < 0 ? -(uint64_t)ms : (uint64_t)ms;
	size_t used = 0;

	if (outlen == 0)
		return;
	out[0] = '\0';
	if (ms < 0)
		used += (size_t)snprintf(out, outlen, "-");
	if (left == 0)
		snprintf(out + used, outlen - used, "0s");
	for (size_t k = 0; k < NUNITS && left && used < outlen; k++) {
		uint64_t q = left / (uint64_t)units[k].ms;
		if (!q)
			continue;
		left %= (uint64_t)units[k].ms;
		used += (size_t)snprintf(out + used, outlen - used, "%" PRIu64 "%s", q, units[k].name);
	}
}
