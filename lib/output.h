/*
 * output.h: everything a user reads from a hook, in git's tone: a
 * `changeguard:` headline, one line per finding, `hint:` lines, no raw control bytes.
 */
#ifndef CG_OUTPUT_H
#define CG_OUTPUT_H

#include <stdio.h>
#include "buf.h"
#include "rules.h"

/* Terminal colours, for output that the caller decided may have them. */
#define CG_COLOR_BOLD "\033[1m"
#define CG_COLOR_RED "\033[31m"
#define CG_COLOR_YELLOW "\033[33m"
#define CG_COLOR_RESET "\033[m"

typedef struct {
	FILE *fp;
	int color;          /* only on a terminal, never with NO_COLOR or TERM=dumb */
	const char *prefix; /* put before every line, e.g. "GL-HOOK-ERR: " */
} cg_output;

void cg_output_init(cg_output *o, FILE *fp);

/* Appends `s` with control bytes, backslashes and invalid UTF-8 escaped
 * C-style; with `quote`, wraps it in double quotes when anything needed
 * escaping (as git's quote_c_style does for paths). */
void cg_output_escape(cg_buf *out, const char *s, int quote);

/* Prints "changeguard: <msg>" (escaped) then each hint line as "hint: ...". */
void cg_output_message(const cg_output *o, const char *msg, const char *hints);

/* Prints the last error (cg_error_last) with its own hints, or with
 * `otherwise` when it has none. */
void cg_output_error(const cg_output *o, const char *otherwise);

/* Prints a result: headline, findings and their hints (each hint once). */
void cg_output_result(const cg_output *o, const cg_result *r, const char *subject);

#endif
