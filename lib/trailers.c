/*
 * A port of the parts of git's trailer.c and commit.c (ignore_non_trailer)
 * that `git interpret-trailers --parse` runs, as of git 2.39 with the later
 * fix for a scissors line after the "---" divider (message.c has the rest of
 * what `git commit` does to a message). The helpers keep
 * git's names so the two can be read side by side; unlike git, every scan is
 * bounded by a length, since our input need not be NUL-terminated.
 */
#include "trailers.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "message.h"

struct cg_trailers {
	cg_trailer *items;
	size_t count;
	size_t alloc;
};

/* A message being parsed and the settings that change how it reads. */
typedef struct {
	const char *buf;
	size_t len;
	const char *separators;
	char comment;
	const char *const *configured;
} message;

/* Lines starting with these make a block qualify, like configured trailers. */
static const char *const git_generated_prefixes[] = {
	"Signed-off-by: ",
	"(cherry picked from commit ",
	NULL
};

static int is_alnum(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static char ascii_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* strncasecmp(a, b, n) == 0 without the locale: keys are ASCII and a
 * Turkish locale must not change which trailer is found. */
static int ascii_caseeq(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (ascii_lower(*a) != ascii_lower(*b))
			return 0;
		if (!*a)
			break;
	}
	return 1;
}

/* The start of the last line of buf[0..len), -1 when len is 0. A final
 * newline belongs to the last line rather than starting an empty one. */
static ptrdiff_t last_line(const char *buf, size_t len)
{
	size_t i;

	if (len == 0)
		return -1;
	for (i = len - 1; i > 0; i--)
		if (buf[i - 1] == '\n')
			return (ptrdiff_t)i;
	return 0;
}

static int is_blank_line(const char *s, const char *end)
{
	while (s < end && *s != '\n' && cg_message__is_space(*s))
		s++;
	return s == end || *s == '\n';
}

/* The offset of the separator in "<token><optional blanks><separator>...",
 * 0 when the line starts with one, -1 when the line has no such form. The
 * blanks allow "Bug #42" with '#' as separator; a key never holds a space. */
static ptrdiff_t find_separator(const char *line, const char *end, const char *separators)
{
	int whitespace_found = 0;
	const char *c;

	for (c = line; c < end; c++) {
		if (strchr(separators, *c))
			return c - line;
		if (!whitespace_found && (is_alnum(*c) || *c == '-'))
			continue;
		if (c != line && (*c == ' ' || *c == '\t')) {
			whitespace_found = 1;
			continue;
		}
		break;
	}
	return -1;
}

/* Where a "---" line starts (the patch `git format-patch` appends), or len. */
static size_t find_patch_start(const char *buf, size_t len)
{
	size_t s;

	for (s = 0; s < len; s = cg_message__next_line(buf, len, s))
		if (len - s > 3 && cg_message__starts_with(buf + s, len - s, "---") &&
		    cg_message__is_space(buf[s + 3]))
			return s;
	return len;
}

/* git's ignore_non_trailer(): the end of buf[0..len) without the trailing
 * comment and blank lines, the "Conflicts:" block old git appended on
 * merges, and anything from the scissors line on. */
static size_t find_trailer_end(const message *m, size_t len)
{
	size_t boc = 0, bol;
	int in_old_conflicts_block = 0;
	size_t cutoff = cg_message__locate_scissors(m->buf, m->len, len, m->comment);

	for (bol = 0; bol < cutoff; bol = cg_message__next_line(m->buf, len, bol)) {
		const char *s = m->buf + bol;

		if (*s == m->comment || *s == '\n') {
			/* 0 doubles as "none" in git too, so a run starting
			 * at the very first line is only noticed from its
			 * second line on */
			if (!boc)
				boc = bol;
		} else if (cg_message__starts_with(s, len - bol, "Conflicts:\n")) {
			in_old_conflicts_block = 1;
			if (!boc)
				boc = bol;
		} else if (in_old_conflicts_block && *s == '\t') {
			continue; /* a path in the conflicts block */
		} else if (boc) {
			boc = 0;
			in_old_conflicts_block = 0;
		}
	}
	return boc ? boc : cutoff;
}

static int has_git_generated_prefix(const char *bol, const char *end)
{
	const char *const *p;

	for (p = git_generated_prefixes; *p; p++)
		if (cg_message__starts_with(bol, (size_t)(end - bol), *p))
			return 1;
	return 0;
}

/* git compares only the line's token length, so a token that is a prefix of
 * a configured name ("My" for "my-trailer") matches too; kept for fidelity. */
static int is_configured(const message *m, const char *bol, size_t token_len)
{
	const char *const *name;

	for (name = m->configured; name && *name; name++)
		if (ascii_caseeq(bol, *name, token_len))
			return 1;
	return 0;
}

/* Counts of the lines of the paragraph being read, from the bottom up. */
typedef struct {
	size_t trailer_lines;
	size_t non_trailer_lines;
	/* indented lines not yet known to continue a trailer (they do when a
	 * trailer line turns up above them) */
	size_t possible_continuation_lines;
	int recognized_prefix;
} block_count;

static void count_line(block_count *c, const message *m, const char *bol, const char *end)
{
	ptrdiff_t separator_pos;

	if (has_git_generated_prefix(bol, end)) {
		c->trailer_lines++;
		c->possible_continuation_lines = 0;
		c->recognized_prefix = 1;
		return;
	}
	separator_pos = find_separator(bol, end, m->separators);
	if (separator_pos >= 1 && !cg_message__is_space(*bol)) {
		c->trailer_lines++;
		c->possible_continuation_lines = 0;
		if (!c->recognized_prefix)
			c->recognized_prefix = is_configured(m, bol, (size_t)separator_pos);
	} else if (cg_message__is_space(*bol)) {
		c->possible_continuation_lines++;
	} else {
		c->non_trailer_lines += 1 + c->possible_continuation_lines;
		c->possible_continuation_lines = 0;
	}
}

/* The end of the subject paragraph: the first blank line that is not a
 * comment, or len. The subject is never a trailer block. */
static size_t find_end_of_title(const message *m, size_t len)
{
	size_t s;

	for (s = 0; s < len; s = cg_message__next_line(m->buf, len, s))
		if (m->buf[s] != m->comment && is_blank_line(m->buf + s, m->buf + len))
			break;
	return s;
}

/* The start of the trailer block in buf[0..len), or len when the last
 * paragraph is not one: it must be all trailers, or hold a git-generated or
 * configured trailer and be at least 25% trailers. */
static size_t find_trailer_start(const message *m, size_t len)
{
	const char *end = m->buf + len;
	ptrdiff_t end_of_title = (ptrdiff_t)find_end_of_title(m, len), l;
	block_count c = { 0, 0, 0, 0 };
	int only_spaces = 1;

	for (l = last_line(m->buf, len); l >= end_of_title; l = last_line(m->buf, (size_t)l)) {
		const char *bol = m->buf + l;

		if (*bol == m->comment) {
			c.non_trailer_lines += c.possible_continuation_lines;
			c.possible_continuation_lines = 0;
		} else if (!is_blank_line(bol, end)) {
			only_spaces = 0;
			count_line(&c, m, bol, end);
		} else if (!only_spaces) {
			c.non_trailer_lines += c.possible_continuation_lines;
			if ((c.recognized_prefix && c.trailer_lines * 3 >= c.non_trailer_lines) ||
			    (c.trailer_lines && !c.non_trailer_lines))
				return cg_message__next_line(m->buf, len, (size_t)l);
			return len;
		}
	}
	return len;
}

static void trim(const char **s, const char **end)
{
	while (*s < *end && cg_message__is_space(**s))
		(*s)++;
	while (*end > *s && cg_message__is_space((*end)[-1]))
		(*end)--;
}

/* Copies v[0..n) with each newline and the blanks after it turned into one
 * space. v is trimmed, so the result needs no trimming. */
static void unfold(char *out, const char *v, size_t n)
{
	size_t i = 0;

	while (i < n) {
		char c = v[i++];

		if (c == '\n') {
			while (i < n && cg_message__is_space(v[i]))
				i++;
			c = ' ';
		}
		*out++ = c;
	}
	*out = '\0';
}

static void add_trailer(cg_trailers *t, const message *m, const char *s, const char *end)
{
	ptrdiff_t separator_pos;
	const char *key = s, *key_end, *value, *value_end = end;
	cg_trailer *item;
	char *mem;

	if (*s == m->comment || (separator_pos = find_separator(s, end, m->separators)) < 1)
		return;
	key_end = s + separator_pos;
	value = key_end + 1;
	trim(&key, &key_end);
	trim(&value, &value_end);

	/* one allocation holds the key and the value; freeing the key frees both */
	mem = cg_malloc((size_t)(key_end - key) + (size_t)(value_end - value) + 2);
	memcpy(mem, key, (size_t)(key_end - key));
	mem[key_end - key] = '\0';
	unfold(mem + (key_end - key) + 1, value, (size_t)(value_end - value));

	t->items = cg_array_grow(t->items, &t->alloc, t->count + 1, sizeof(*t->items));
	item = &t->items[t->count++];
	item->key = mem;
	item->value = mem + (key_end - key) + 1;
}

/* Splits buf[start..end) into trailers: an indented line continues the line
 * above it when that one is a trailer, else it stands alone (and is no
 * trailer). Comment lines and lines without a separator are left out. */
static void parse_block(cg_trailers *t, const message *m, size_t start, size_t end)
{
	const char *buf = m->buf;
	size_t s = start, line;
	int continuable = 0;

	for (line = start; line < end; line = cg_message__next_line(buf, end, line)) {
		if (continuable && cg_message__is_space(buf[line]))
			continue;
		if (line > s)
			add_trailer(t, m, buf + s, buf + line);
		s = line;
		continuable = find_separator(buf + line, buf + cg_message__next_line(buf, end, line),
		                             m->separators) >= 1;
	}
	if (end > s)
		add_trailer(t, m, buf + s, buf + end);
}

static message message_init(const char *msg, size_t len, const cg_trailer_opts *opts)
{
	message m;
	const char *nul = len ? memchr(msg, '\0', len) : NULL;

	m.buf = len ? msg : "";
	m.len = nul ? (size_t)(nul - msg) : len;
	m.separators = opts && opts->separators ? opts->separators : ":";
	/* git interpret-trailers leaves '#' in place for core.commentChar=auto */
	m.comment = opts && opts->comment_char ? opts->comment_char : '#';
	m.configured = opts ? opts->configured : NULL;
	return m;
}

int cg_trailers_parse(cg_trailers **out, const char *msg, size_t len,
                      const cg_trailer_opts *opts)
{
	message m = message_init(msg, len, opts);
	size_t patch_start, end;

	patch_start = opts && opts->no_divider ? m.len : find_patch_start(m.buf, m.len);
	end = find_trailer_end(&m, patch_start);
	*out = cg_calloc(1, sizeof(**out));
	parse_block(*out, &m, find_trailer_start(&m, end), end);
	return 0;
}

size_t cg_trailers_count(const cg_trailers *t)
{
	return t ? t->count : 0;
}

const cg_trailer *cg_trailers_get(const cg_trailers *t, size_t i)
{
	return t && i < t->count ? &t->items[i] : NULL;
}

const cg_trailer *cg_trailers_find(const cg_trailers *t, const char *key, size_t *pos)
{
	size_t i;

	for (i = pos ? *pos : 0; i < cg_trailers_count(t); i++) {
		if (ascii_caseeq(t->items[i].key, key, SIZE_MAX)) {
			if (pos)
				*pos = i + 1;
			return &t->items[i];
		}
	}
	return NULL;
}

void cg_trailers_free(cg_trailers *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < t->count; i++)
		free((char *)t->items[i].key);
	free(t->items);
	free(t);
}
