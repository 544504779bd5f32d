#include "error.h"

#include <git2.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Room for a FILE:LINE:COL prefix plus a quoted path and a sentence. */
static _Thread_local char last_message[2048];
static _Thread_local char last_hints[1024];

static void vset(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

static void vset(const char *fmt, va_list ap)
{
	vsnprintf(last_message, sizeof(last_message), fmt, ap);
	last_hints[0] = '\0';
}

int cg_error_set(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vset(fmt, ap);
	va_end(ap);
	return code;
}

int cg_error_hint(int code, const char *fmt, ...)
{
	size_t used = strlen(last_hints);
	va_list ap;

	if (used && used + 1 < sizeof(last_hints))
		last_hints[used++] = '\n';
	va_start(ap, fmt);
	vsnprintf(last_hints + used, sizeof(last_hints) - used, fmt, ap);
	va_end(ap);
	return code;
}

const char *cg_error_hints(void)
{
	return last_hints[0] ? last_hints : NULL;
}

int cg_error_from_git(const char *what)
{
	const git_error *e = git_error_last();
	return cg_error_set(CG_ERROR, "%s: %s", what,
	                    e && e->message ? e->message : "unknown libgit2 error");
}

int cg_error_prefix(int code, const char *fmt, ...)
{
	char prefix[512];
	size_t plen, olen = strlen(last_message), cap = sizeof(last_message) - 1;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(prefix, sizeof(prefix) - 2, fmt, ap);
	va_end(ap);
	plen = n < 0 ? 0 : strlen(prefix);
	memcpy(prefix + plen, ": ", 2);
	plen += 2;
	/* Shift the old message right, cutting its end if it no longer fits. */
	if (plen + olen > cap)
		olen = cap - plen;
	memmove(last_message + plen, last_message, olen);
	memcpy(last_message, prefix, plen);
	last_message[plen + olen] = '\0';
	return code;
}

const char *cg_error_last(void)
{
	return last_message[0] ? last_message : "unknown error";
}

void cg_error_clear(void)
{
	last_message[0] = '\0';
	last_hints[0] = '\0';
}

int cg_error_exit_code(int code)
{
	if (code >= 0)
		return CG_EXIT_OK;
	return code == CG_EPOLICY || code == CG_EUSAGE ? CG_EXIT_USAGE : CG_EXIT_RUNTIME;
}
