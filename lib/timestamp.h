/*
 * timestamp.h: RFC 3339 UTC timestamps and policy durations, parsed and
 * validated by hand, since none of our dependencies offers a strict parser.
 */
#ifndef CG_TIMESTAMP_H
#define CG_TIMESTAMP_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
	CG_TS_OK = 0,      /* YYYY-MM-DDTHH:MM:SS[.frac]Z, a real calendar instant */
	CG_TS_NOT_UTC,     /* well formed but with an offset, no zone, or lowercase z */
	CG_TS_BAD_DATE,    /* well formed, but no such date or time (Feb 30, 24:00) */
	CG_TS_MALFORMED    /* not an RFC 3339 date-time at all */
} cg_ts_status;

/* Parses exactly `len` bytes. On CG_TS_OK fills *out_ms with milliseconds
 * since the epoch (fraction truncated to ms). A leap second 23:59:60 is
 * accepted and counted as 23:59:59.999. Years 0000-9999. */
cg_ts_status cg_timestamp_parse(const char *s, size_t len, int64_t *out_ms);

/* A short English reason for a non-OK status, for findings. */
const char *cg_timestamp_status_message(cg_ts_status st);

/* Formats as "YYYY-MM-DDTHH:MM:SSZ" or, with millis, "...SS.mmmZ".
 * `out` needs 32 bytes. */
void cg_timestamp_format(char *out, int64_t ms, int with_millis);

/* Milliseconds since the epoch from the system clock. */
int64_t cg_timestamp_now_ms(void);

/* Parses a policy duration: one or more <integer><unit> groups with units
 * w, d, h, m, s, ms ("24h", "1h30m", "90s"); a bare integer is seconds.
 * At most CG_DURATION_MAX_MS, so that a time plus or minus a duration
 * cannot overflow. Returns 0, or CG_EPOLICY with a message. */
#define CG_DURATION_MAX_MS (INT64_C(36525) * 86400000)
int cg_duration_parse(const char *s, int64_t *out_ms);

/* Formats a duration back in the largest exact units ("1d", "1h30m"). */
void cg_duration_format(char *out, size_t outlen, int64_t ms);

/* Days are exactly this long in UTC (no leap seconds). */
#define CG_MS_PER_DAY INT64_C(86400000)

#endif
