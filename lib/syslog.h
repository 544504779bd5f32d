/*
 * syslog.h: one RFC 5424 line per hook run, with the run's facts as
 * structured data, sent to a local syslog socket (/dev/log) for a SIEM.
 */
#ifndef CG_SYSLOG_H
#define CG_SYSLOG_H

#include <stdint.h>
#include "buf.h"

/* The structured data element's id: a name and a private enterprise
 * number, as RFC 5424 requires of names it does not register. */
#define CG_SYSLOG_SD_ID "changeguard@32473"

/* What a line says about one run; NULL strings are left out. */
typedef struct {
	int64_t time_ms;
	const char *hook;
	const char *repository;
	const char *verdict;     /* "allowed", "waived", "blocked", "error" */
	const char *rules;       /* the rules found, comma-separated */
	const char *waived;      /* the rules waived or signed off, comma-separated */
	const char *pusher;
	int64_t run_id;          /* 0: not in the database (the fallback file has it) */
	const char *hash;        /* the run's chain hash */
} cg_syslog_event;

/* Appends `value` as an RFC 5424 PARAM-VALUE (without the quotes): '"',
 * '\' and ']' escaped with '\'; control bytes and bytes that are not
 * UTF-8 each become '?', so a value never ends the line or the element. */
void cg_syslog_escape(cg_buf *out, const char *value);

/* The line, without a newline: "<PRI>1 TIME HOST changeguard PID HOOK
 * [changeguard@32473 ...] MSG", facility 13 (log audit), severity info for
 * allowed, notice for waived, warning for blocked, err for error. */
void cg_syslog_format(cg_buf *out, const cg_syslog_event *e, const char *hostname, long pid);

/* Sends the line for `e` to the Unix datagram socket at `socket_path`
 * without blocking; CG_ERROR naming the socket when it cannot. */
int cg_syslog_send(const char *socket_path, const cg_syslog_event *e);

#endif
