/*
 * error.h: error codes and the last error message of the calling thread.
 * Library functions return 0 or a CG_E* code and set the message once, where it fails.
 */
#ifndef CG_ERROR_H
#define CG_ERROR_H

#include <stddef.h>

enum {
	CG_OK = 0,
	CG_ERROR = -1,     /* runtime failure: repository, database, I/O (exit 3) */
	CG_ENOTFOUND = -3, /* the thing looked up does not exist */
	CG_EPOLICY = -4,   /* the policy is bad: it does not load or cannot be read (exit 2) */
	CG_ELIMIT = -5,    /* a safety limit was hit (size, regex budget) */
	CG_EUSAGE = -6     /* bad usage: options, arguments, hook input (exit 2) */
};

/* Exit codes shared by every executable (docs/reference.md, Exit codes). */
enum {
	CG_EXIT_OK = 0,
	CG_EXIT_BLOCKED = 1,
	CG_EXIT_USAGE = 2,
	CG_EXIT_RUNTIME = 3
};

/* Sets the message (printf-style) and returns `code`, so callers can write
 * `return cg_error_set(CG_EPOLICY, "...")`. */
int cg_error_set(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Adds a line to the current message's hints: what the user can do about
 * it, a command that works when pasted. cg_error_set starts without hints.
 * Returns `code`. */
int cg_error_hint(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The current message's hint lines ("\n" between them), or NULL. */
const char *cg_error_hints(void);

/* Copies libgit2's last error into ours, prefixed with `what`; returns CG_ERROR. */
int cg_error_from_git(const char *what);

/* Prefixes the current message ("prefix: old message"); returns `code`. */
int cg_error_prefix(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The last message; never NULL ("unknown error" when none was set). */
const char *cg_error_last(void);

void cg_error_clear(void);

/* Maps a CG_E* code to the process exit code. */
int cg_error_exit_code(int code);

#endif
