#include "syslog.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "error.h"
#include "timestamp.h"

#define FACILITY_LOG_AUDIT 13
/* RFC 5424's limits on the header fields */
#define MAX_HOSTNAME 255
#define MAX_MSGID 32

/* The length of the UTF-8 sequence at `s` (at most `n` bytes), or 0 when
 * it is not one: no overlong forms, surrogates or code points past U+10FFFF. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

void cg_syslog_escape(cg_buf *out, const char *value)
{
	const unsigned char *s = (const unsigned char *)value;
	size_t n = strlen(value), len;

	while (n) {
		if (*s == '"' || *s == '\\' || *s == ']') {
			cg_buf_putc(out, '\\');
			cg_buf_putc(out, (char)*s);
			len = 1;
		} else if (*s < 0x20 || *s == 0x7f || !(len = utf8_len(s, n))) {
			cg_buf_putc(out, '?');
			len = 1;
		} else {
			cg_buf_put(out, s, len);
		}
		s += len;
		n -= len;
	}
}

/* A header field: printable US-ASCII without spaces, at most `max`, or "-". */
static void put_header_field(cg_buf *out, const char *s, size_t max)
{
	size_t i;

	if (!s || !*s) {
		cg_buf_puts(out, "-");
		return;
	}
	for (i = 0; s[i] && i < max; i++)
		cg_buf_putc(out, s[i] > ' ' && s[i] < 0x7f ? s[i] : '_');
}

static int severity(const char *verdict)
{
	static const struct {
		const char *verdict;
		int severity;
	} map[] = { { "allowed", 6 }, { "waived", 5 }, { "blocked", 4 } };
	size_t i;

	for (i = 0; verdict && i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(verdict, map[i].verdict))
			return map[i].severity;
	return 3;
}

static void put_param(cg_buf *out, const char *name, const char *value)
{
	if (!value)
		return;
	cg_buf_printf(out, " %s=\"", name);
	cg_syslog_escape(out, value);
	cg_buf_putc(out, '"');
}

void cg_syslog_format(cg_buf *out, const cg_syslog_event *e, const char *hostname, long pid)
{
	char stamp[32], run[24];

	cg_timestamp_format(stamp, e->time_ms ? e->time_ms : cg_timestamp_now_ms(), 1);
	cg_buf_printf(out, "<%d>1 %s ", FACILITY_LOG_AUDIT * 8 + severity(e->verdict), stamp);
	put_header_field(out, hostname, MAX_HOSTNAME);
	cg_buf_printf(out, " changeguard %ld ", pid);
	put_header_field(out, e->hook, MAX_MSGID);
	cg_buf_puts(out, " [" CG_SYSLOG_SD_ID);
	put_param(out, "hook", e->hook);
	put_param(out, "repository", e->repository);
	put_param(out, "verdict", e->verdict);
	put_param(out, "rules", e->rules);
	put_param(out, "waived", e->waived);
	put_param(out, "pusher", e->pusher);
	snprintf(run, sizeof(run), "%" PRId64, e->run_id);
	put_param(out, "run", e->run_id ? run : NULL);
	put_param(out, "hash", e->hash);
	cg_buf_puts(out, "] ");
	/* the message repeats the gist for readers that drop structured data */
	cg_syslog_escape(out, e->hook ? e->hook : "-");
	cg_buf_putc(out, ' ');
	cg_syslog_escape(out, e->verdict ? e->verdict : "-");
	if (e->repository) {
		cg_buf_puts(out, " in ");
		cg_syslog_escape(out, e->repository);
	}
}

int cg_syslog_send(const char *socket_path, const cg_syslog_event *e)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	char host[MAX_HOSTNAME + 1] = "";
	cg_buf line = CG_BUF_INIT;
	int fd, error = 0;

	if (strlen(socket_path) >= sizeof(addr.sun_path))
		return cg_error_set(CG_ERROR, "syslog socket '%s': the path is too long", socket_path);
	memcpy(addr.sun_path, socket_path, strlen(socket_path) + 1);
	if (gethostname(host, sizeof(host) - 1) < 0)
		host[0] = '\0';
	cg_syslog_format(&line, e, host, (long)getpid());
	/* never wait on a busy or stopped syslog daemon: a hook is waiting */
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0 ||
	    sendto(fd, line.ptr, line.size, MSG_DONTWAIT | MSG_NOSIGNAL,
	           (const struct sockaddr *)&addr, sizeof(addr)) < 0)
		error = cg_error_set(CG_ERROR, "cannot send the run to syslog at '%s': %s",
		                     socket_path, strerror(errno));
	if (fd >= 0)
		close(fd);
	cg_buf_dispose(&line);
	return error;
}
