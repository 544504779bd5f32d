/*
 * message.h: a commit message as `git commit` stores it (comment lines and
 * the scissors line dropped, blank lines collapsed), and its comment character.
 */
#ifndef CG_MESSAGE_H
#define CG_MESSAGE_H

#include <stddef.h>
#include <string.h>
#include "buf.h"
#include "trailers.h"

/* Replaces the contents of `out` with the message as `git commit` stores it
 * under the default cleanup=strip: everything from the scissors line on
 * dropped, comment lines dropped, trailing whitespace stripped, runs of blank
 * lines collapsed to one, leading and trailing blank lines removed, and a
 * final newline. With comment_char 0 (core.commentChar=auto) the character
 * is read back from git's own comment lines ("Please enter ...", "On branch",
 * the scissors line); when there are none (no editor) it is the one git
 * picks, the first of "#;@!$%^&|:" that starts no line. NULL opts means the
 * defaults. */
void cg_message_clean(cg_buf *out, const char *msg, size_t len,
                      const cg_trailer_opts *opts);

/* The comment character of a message being edited: `configured` when set,
 * else (core.commentChar=auto) the one detected as cg_message_clean does. */
char cg_message_comment_char(const char *msg, size_t len, char configured);

/* For trailers.c, which reads messages the same way (git's helpers). */

/* git's own ctype: ASCII only, and \v and \f are not spaces, so a non-ASCII
 * byte never belongs to a key and a form feed never starts a continuation. */
static inline int cg_message__is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static inline int cg_message__starts_with(const char *s, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);
	return len >= n && !memcmp(s, prefix, n);
}

/* The offset just past the line that starts at `pos` in buf[0..len). */
static inline size_t cg_message__next_line(const char *buf, size_t len, size_t pos)
{
	const char *nl = memchr(buf + pos, '\n', len - pos);
	return nl ? (size_t)(nl - buf) + 1 : len;
}

/* Where the scissors line of `git commit -v` starts in buf[0..len), if it
 * starts before `limit`; otherwise limit. Only a whole line counts, ended by
 * a newline, and only the first one (git's strstr). */
size_t cg_message__locate_scissors(const char *buf, size_t len, size_t limit, char comment);

#endif
