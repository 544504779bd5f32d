/*
 * The parts of git's strbuf.c (strbuf_stripspace), wt-status.c
 * (wt_status_locate_end) and commit.c (adjust_comment_line_char) that
 * `git commit` runs on a message, as of git 2.39; the helpers keep git's
 * names, and every scan is bounded by a length.
 */
#include "message.h"

#include <string.h>

static const char cut_line[] = "------------------------ >8 ------------------------";

size_t cg_message__locate_scissors(const char *buf, size_t len, size_t limit, char comment)
{
	char line[sizeof(cut_line) + 3];
	size_t s;

	line[0] = comment;
	line[1] = ' ';
	memcpy(line + 2, cut_line, sizeof(cut_line) - 1);
	line[sizeof(line) - 2] = '\n';
	line[sizeof(line) - 1] = '\0';

	for (s = 0; s < len && s < limit; s = cg_message__next_line(buf, len, s))
		if (cg_message__starts_with(buf + s, len - s, line))
			return s;
	return limit;
}

/* The candidates of git's adjust_comment_line_char(), in its order. */
static const char auto_candidates[] = "#;@!$%^&|:";

/* Whether `c` starts a line of msg; like git, a CR starts one too. */
static int starts_a_line(const char *msg, size_t len, char c)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (msg[i] == c && (i == 0 || msg[i - 1] == '\n' || msg[i - 1] == '\r'))
			return 1;
	return 0;
}

/* Whether the line at `s` opens one of git's blocks of comment lines:
 * "<c> <marker>" with c a candidate, followed by another line starting with
 * c, since git never writes just one (so a lone "# ---...>8---..." the user
 * typed does not count). */
static int is_git_marker_line(const char *msg, size_t len, size_t s)
{
	static const char *const markers[] = {
		"Please enter ", /* "... the commit message", "... a commit message" (merge) */
		cut_line,
		"On branch ",
		NULL
	};
	const char *const *marker;
	const char *line = msg + s;
	size_t next = cg_message__next_line(msg, len, s);

	if (len - s < 3 || !memchr(auto_candidates, line[0], sizeof(auto_candidates) - 1) ||
	    line[1] != ' ' || next >= len || msg[next] != line[0])
		return 0;
	for (marker = markers; *marker; marker++)
		if (cg_message__starts_with(line + 2, len - s - 2, *marker))
			return 1;
	return 0;
}

/* The comment character of git's own comment lines; the last block wins, as
 * git writes them after the user's text. Without any (no editor: -m, -F), git's
 * own pick for core.commentChar=auto: the first candidate that starts no
 * line, so that no line of the message is a comment. */
static char detect_comment_char(const char *msg, size_t len)
{
	const char *c;
	size_t s;
	char found = 0;

	for (s = 0; s < len; s = cg_message__next_line(msg, len, s))
		if (is_git_marker_line(msg, len, s))
			found = msg[s];
	for (c = auto_candidates; !found && *c; c++)
		if (!starts_a_line(msg, len, *c))
			found = *c;
	/* git gives up when every candidate starts a line */
	return found ? found : '#';
}

char cg_message_comment_char(const char *msg, size_t len, char configured)
{
	return configured ? configured : detect_comment_char(msg, len);
}

/* git's strbuf_stripspace() with comments skipped. */
static void strip_space(cg_buf *out, const char *buf, size_t len, char comment)
{
	size_t empties = 0, s, n;

	for (s = 0; s < len; s += n) {
		const char *line = buf + s;
		size_t keep;

		n = cg_message__next_line(buf, len, s) - s;
		if (*line == comment)
			continue;
		for (keep = n; keep && cg_message__is_space(line[keep - 1]); keep--)
			;
		if (!keep) {
			empties++;
			continue;
		}
		if (empties && out->size)
			cg_buf_putc(out, '\n');
		empties = 0;
		cg_buf_put(out, line, keep);
		cg_buf_putc(out, '\n');
	}
}

void cg_message_clean(cg_buf *out, const char *msg, size_t len,
                      const cg_trailer_opts *opts)
{
	char comment = opts ? opts->comment_char : '#';

	if (!comment)
		comment = detect_comment_char(msg, len);
	cg_buf_clear(out);
	strip_space(out, msg, cg_message__locate_scissors(msg, len, len, comment), comment);
}
