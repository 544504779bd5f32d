#include "output.h"

#include "error.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void cg_output_init(cg_output *o, FILE *fp)
{
	const char *no_color = getenv("NO_COLOR"), *term = getenv("TERM");

	o->fp = fp;
	o->prefix = "";
	o->color = isatty(fileno(fp)) && !(no_color && no_color[0]) &&
	           !(term && !strcmp(term, "dumb"));
}

/* Length of the valid UTF-8 sequence at s, or 0 when it is not one. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n, i;
	unsigned int cp;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xE0) == 0xC0)
		n = 2, cp = s[0] & 0x1F;
	else if ((s[0] & 0xF0) == 0xE0)
		n = 3, cp = s[0] & 0x0F;
	else if ((s[0] & 0xF8) == 0xF0)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	/* Overlong forms, surrogates and C1 controls are escaped too. */
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) || (cp >= 0x80 && cp < 0xA0))
		return 0;
	return n;
}

/* A control byte, or a quote or backslash being quoted: never plain. */
static void escape_char(cg_buf *out, unsigned char c)
{
	static const char from[] = "\a\b\f\n\r\t\v\"\\", to[] = "abfnrtv\"\\";
	const char *p = c ? strchr(from, c) : NULL;

	if (p) {
		cg_buf_putc(out, '\\');
		cg_buf_putc(out, to[p - from]);
	} else {
		cg_buf_printf(out, "\\%03o", c);
	}
}

/* Printable ASCII that is copied as it is: most of every text. */
static int plain(unsigned char c, int escape_quotes)
{
	return c >= 0x20 && c < 0x7F && !(escape_quotes && (c == '"' || c == '\\'));
}

static int escape_into(cg_buf *out, const char *s, int escape_quotes)
{
	const unsigned char *p = (const unsigned char *)s;
	int escaped = 0;

	while (*p) {
		const unsigned char *run = p;
		size_t n;

		while (plain(*p, escape_quotes))
			p++;
		cg_buf_put(out, run, (size_t)(p - run));
		if (!*p)
			break;
		n = utf8_len(p);
		if (n == 1) {
			escape_char(out, *p++);
			escaped = 1;
		} else if (n == 0) {
			cg_buf_printf(out, "\\%03o", *p++);
			escaped = 1;
		} else {
			cg_buf_put(out, p, n);
			p += n;
		}
	}
	return escaped;
}

void cg_output_escape(cg_buf *out, const char *s, int quote)
{
	cg_buf tmp = CG_BUF_INIT;

	if (!quote) {
		escape_into(out, s, 0);
		return;
	}
	if (!escape_into(&tmp, s, 1)) {
		cg_buf_puts(out, s);
	} else {
		cg_buf_putc(out, '"');
		cg_buf_put(out, tmp.ptr, tmp.size);
		cg_buf_putc(out, '"');
	}
	cg_buf_dispose(&tmp);
}

static void print_line(const cg_output *o, const char *color, const char *label,
                       const char *text)
{
	cg_buf line = CG_BUF_INIT;

	cg_output_escape(&line, text, 0);
	if (o->color && color)
		fprintf(o->fp, "%s%s%s%s%s\n", o->prefix, color, label, CG_COLOR_RESET, line.ptr);
	else
		fprintf(o->fp, "%s%s%s\n", o->prefix, label, line.ptr);
	cg_buf_dispose(&line);
}

static void print_hints(const cg_output *o, const char *hints)
{
	const char *s = hints;

	while (s && *s) {
		const char *nl = strchr(s, '\n');
		size_t n = nl ? (size_t)(nl - s) : strlen(s);
		char *one = cg_strndup(s, n);
		print_line(o, CG_COLOR_YELLOW, "hint: ", one);
		free(one);
		s += n + (nl != NULL);
	}
}

void cg_output_message(const cg_output *o, const char *msg, const char *hints)
{
	print_line(o, CG_COLOR_RED, "changeguard: ", msg);
	print_hints(o, hints);
}

void cg_output_error(const cg_output *o, const char *otherwise)
{
	const char *hints = cg_error_hints();

	cg_output_message(o, cg_error_last(), hints ? hints : otherwise);
}

static void print_finding(const cg_output *o, const cg_finding *f)
{
	cg_buf line = CG_BUF_INIT;

	cg_buf_printf(&line, "  %s: ", f->rule);
	if (f->path) {
		cg_output_escape(&line, f->path, 1);
		cg_buf_puts(&line, ": ");
	}
	cg_output_escape(&line, f->detail, 0);
	fprintf(o->fp, "%s%s\n", o->prefix, line.ptr);
	cg_buf_dispose(&line);
}

static int hint_seen(const cg_result *r, size_t upto, const char *hint)
{
	size_t i;
	for (i = 0; i < upto; i++)
		if (r->findings[i].hint && !strcmp(r->findings[i].hint, hint))
			return 1;
	return 0;
}

/* The trailer that waives the changelog findings, when one can. */
static const char *changelog_waiver(const cg_result *r)
{
	size_t i;
	/* a missing or stale entry's, not a rewrite's (the amend trailer's
	 * findings carry their own hint) */
	for (i = 0; i < r->nfindings; i++)
		if (r->findings[i].waiver && !strcmp(r->findings[i].rule, "changelog") &&
		    (r->findings[i].needs_entry || !r->findings[i].hint))
			return r->findings[i].waiver;
	return NULL;
}

void cg_output_result(const cg_output *o, const cg_result *r, const char *subject)
{
	cg_buf head = CG_BUF_INIT;
	const char *skip;
	size_t i;

	/* what the policy lets through but wants said: non_utf8: warn */
	for (i = 0; i < r->nwaivers; i++)
		if (!strcmp(r->waivers[i].source, "policy"))
			print_line(o, CG_COLOR_YELLOW, "changeguard: warning: ", r->waivers[i].reason);
	if (!r->nfindings)
		return;
	cg_buf_printf(&head, "%s refused: %zu problem%s", subject, r->nfindings,
	              r->nfindings == 1 ? "" : "s");
	print_line(o, CG_COLOR_RED, "changeguard: ", head.ptr);
	for (i = 0; i < r->nfindings; i++)
		print_finding(o, &r->findings[i]);
	if (r->nnotes)
		print_line(o, NULL, "changeguard: ", "what the change does to the MCP servers:");
	for (i = 0; i < r->nnotes; i++)
		print_finding(o, &r->notes[i]);
	for (i = 0; i < r->nfindings; i++) {
		const cg_finding *f = &r->findings[i];
		if (f->hint && !hint_seen(r, i, f->hint))
			print_hints(o, f->hint);
	}
	if ((skip = changelog_waiver(r)) != NULL)
		fprintf(o->fp, "%shint: or, when no entry is needed: git commit --trailer '%s: <why>'\n",
		        o->prefix, skip);
	cg_buf_dispose(&head);
}
