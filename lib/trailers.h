/*
 * trailers.h: commit-message trailers parsed the way `git interpret-trailers
 * --parse` does, and the message clean-up git applies after commit-msg runs.
 */
#ifndef CG_TRAILERS_H
#define CG_TRAILERS_H

#include <stddef.h>
#include "buf.h"

typedef struct cg_trailers cg_trailers;

typedef struct {
	const char *key;   /* as written, trimmed */
	const char *value; /* continuation lines joined with one space, trimmed */
} cg_trailer;

typedef struct {
	const char *separators; /* trailer.separators; default ":" (NULL also means ":") */
	char comment_char;      /* core.commentChar; 0 = "auto" (detected) */
	int no_divider;         /* like --no-divider: a "---" line does not end the message */
	/* Names and keys of configured trailers (trailer.<name>.key and the
	 * <name> of any trailer.<name>.* setting), NULL-terminated; NULL for
	 * none. A paragraph holding one of them qualifies as a trailer block
	 * the way one holding "Signed-off-by: " does. */
	const char *const *configured;
} cg_trailer_opts;

#define CG_TRAILER_OPTS_INIT { ":", '#', 0, NULL }

/* Parses the trailers of a message exactly as `git interpret-trailers
 * --parse` does: only the last paragraph (the subject never counts), ended by
 * a "---" line unless no_divider and by the scissors line; comment lines
 * skipped (comment_char 0 means '#', as git does for "auto"); values
 * unfolded. Works on raw and on cleaned messages alike; the message ends at
 * its first NUL byte, as for git. NULL opts means the defaults. Always
 * returns 0 and sets *out, which the caller frees with cg_trailers_free(). */
int cg_trailers_parse(cg_trailers **out, const char *msg, size_t len,
                      const cg_trailer_opts *opts);

size_t cg_trailers_count(const cg_trailers *t);
/* The i-th trailer, in message order; NULL when i is out of range. The
 * strings live as long as `t`. */
const cg_trailer *cg_trailers_get(const cg_trailers *t, size_t i);

/* The next trailer at index >= *pos whose key equals `key` ignoring ASCII
 * case; *pos is left just past it. NULL (and *pos unchanged) when there is
 * none. A NULL pos searches from the start. */
const cg_trailer *cg_trailers_find(const cg_trailers *t, const char *key, size_t *pos);

void cg_trailers_free(cg_trailers *t);

#endif
