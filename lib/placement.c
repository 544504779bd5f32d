#include "placement.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "error.h"

/* keep-a-changelog's subsections, in the order its files list them. */
static const char *const kinds[] = { "Added", "Changed", "Deprecated", "Removed", "Fixed",
                                     "Security" };
#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))

typedef struct {
	const char *data;
	size_t len;
	cg_changelog_mark *m;
	size_t n;
	size_t end;   /* where the trailing link definitions start, else n */
	const cg_changelog *cl;
} doc;

/* Where the entry goes: before line `line` (n: at the very end), or after
 * the entry on that line and its continuation lines; with the headings to
 * create first. */
typedef struct {
	size_t line;
	int after_entry;
	int new_unreleased;  /* "## [Unreleased]", at level `level` */
	const char *new_kind;/* its subsection, at level `level` + 1 */
	int level;
	long section;        /* the heading the entry lands under, -1 for none */
} spot;

/* --- reading the outline --------------------------------------------------- */

static void heading_text(const doc *d, size_t i, const char **s, size_t *len)
{
	const char *p = d->data + d->m[i].off, *e = p + d->m[i].len;

	while (p < e && (*p == ' ' || *p == '\t' || *p == '#'))
		p++;
	while (e > p && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '#'))
		e--;
	*s = p;
	*len = (size_t)(e - p);
}

static int heading_contains(const doc *d, size_t i, const char *word)
{
	size_t len, n = strlen(word), k;
	const char *s;

	heading_text(d, i, &s, &len);
	for (k = 0; k + n <= len; k++)
		if (!strncasecmp(s + k, word, n))
			return 1;
	return 0;
}

/* The end of heading h's section: the next heading of its level or above. */
static size_t section_end(const doc *d, size_t h)
{
	size_t i;

	for (i = h + 1; i < d->end; i++)
		if (d->m[i].heading && d->m[i].heading <= d->m[h].heading)
			return i;
	return d->end;
}

static long find_heading(const doc *d, size_t from, size_t to, int min_level, const char *word,
                         int exact)
{
	size_t i, len;
	const char *s;

	for (i = from; i < to; i++) {
		if (!d->m[i].heading || d->m[i].heading < min_level)
			continue;
		heading_text(d, i, &s, &len);
		if (exact ? len == strlen(word) && !strncasecmp(s, word, len)
		          : heading_contains(d, i, word))
			return (long)i;
	}
	return -1;
}

static int has_digit(const doc *d, size_t i)
{
	size_t len, k;
	const char *s;

	heading_text(d, i, &s, &len);
	for (k = 0; k < len; k++)
		if (isdigit((unsigned char)s[k]))
			return 1;
	return 0;
}

/* The first heading of a release: the first one with a version or a date
 * in it ("## [1.2.0] - 2024-05-01", "# v11.3.6"), else the first after a
 * title (level 1, no digits: "Changelog"), else -1. */
static long first_release(const doc *d)
{
	long first = find_heading(d, 0, d->end, 1, "", 0), i;

	for (i = first; i >= 0 && (size_t)i < d->end; i++)
		if (d->m[i].heading && has_digit(d, (size_t)i))
			return i;
	if (first < 0 || d->m[first].heading != 1)
		return first;
	return find_heading(d, (size_t)first + 1, d->end, 1, "", 0);
}

static size_t trailing_links(const cg_changelog_mark *m, size_t n)
{
	size_t i = n, start = n;

	while (i > 0 && (m[i - 1].blank || m[i - 1].link_def)) {
		i--;
		if (m[i].link_def)
			start = i;
	}
	/* the blank lines before the definitions stay with the list above */
	while (start < n && m[start].blank)
		start++;
	return start;
}

/* The first and last entry (0-based lines) in [from, to); 0 when none. */
static int entries_in(const doc *d, size_t from, size_t to, size_t *first, size_t *last)
{
	size_t i, found = 0;

	for (i = 0; i < cg_changelog_count(d->cl); i++) {
		const cg_changelog_line *l = cg_changelog_get(d->cl, i);
		if (l->kind != CG_LINE_ENTRY || l->line - 1 < from || l->line - 1 >= to)
			continue;
		if (!found++)
			*first = l->line - 1;
		*last = l->line - 1;
	}
	return found != 0;
}

/* Line after heading h (and its underline), past the blank lines. */
static size_t section_top(const doc *d, size_t h)
{
	size_t i = h + 1;

	if (i < d->n && d->m[i].underline)
		i++;
	while (i < d->end && d->m[i].blank)
		i++;
	return i;
}

/* Inside section h's range [from, to): among its entries, else at its top. */
static spot among_entries(const doc *d, long h, size_t from, size_t to)
{
	spot sp = { 0 };
	size_t first, last;

	sp.section = h;
	if (entries_in(d, from, to, &first, &last)) {
		sp.after_entry = cg_changelog_oldest_first(d->cl);
		sp.line = sp.after_entry ? last : first;
	} else {
		sp.line = h >= 0 ? section_top(d, (size_t)h) : from;
	}
	return sp;
}

static int kind_rank(const char *kind)
{
	size_t i;

	for (i = 0; i < NKINDS; i++)
		if (!strcasecmp(kinds[i], kind))
			return (int)i;
	return (int)NKINDS;
}

/* A new subsection `kind` of section u: before the first one that comes
 * after it in keep-a-changelog's order, else at the section's end. */
static size_t kind_slot(const doc *d, size_t u, size_t end, const char *kind)
{
	size_t i, len;
	const char *s;

	for (i = u + 1; i < end; i++) {
		char name[32];
		if (d->m[i].heading != d->m[u].heading + 1)
			continue;
		heading_text(d, i, &s, &len);
		if (len >= sizeof(name))
			continue;
		memcpy(name, s, len);
		name[len] = '\0';
		/* other names ("New features") keep their place before it */
		if (kind_rank(name) < (int)NKINDS && kind_rank(name) > kind_rank(kind))
			return i;
	}
	return end;
}

/* Under subsection `kind` of the Unreleased section u, made when missing. */
static spot in_kind(const doc *d, size_t u, const char *kind)
{
	size_t end = section_end(d, u);
	long k = find_heading(d, u + 1, end, d->m[u].heading + 1, kind, 1);
	spot sp = { 0 };

	if (k >= 0)
		return among_entries(d, k, (size_t)k + 1, section_end(d, (size_t)k));
	sp.new_kind = kind;
	sp.level = d->m[u].heading;
	sp.section = -1;
	sp.line = kind_slot(d, u, end, kind);
	return sp;
}

static int mentions_keep_a_changelog(const doc *d)
{
	static const char *const names[] = { "keep a changelog", "keepachangelog" };
	size_t i, k;

	for (k = 0; k < 2; k++)
		for (i = 0; i + strlen(names[k]) <= d->len; i++)
			if (!strncasecmp(d->data + i, names[k], strlen(names[k])))
				return 1;
	return 0;
}

/* With neither an Unreleased section nor a kind: among the entries, else
 * before the first release heading, else the first list item. */
static spot plain_spot(const doc *d, long r)
{
	size_t first, last, i;
	spot sp = { 0 };

	if (entries_in(d, 0, d->end, &first, &last))
		return among_entries(d, -1, 0, d->end);
	sp.section = -1;
	sp.line = r >= 0 ? (size_t)r : d->end;
	for (i = 0; r < 0 && i < d->end; i++)
		if (d->m[i].item) {
			sp.line = i;
			break;
		}
	return sp;
}

static spot find_spot(const doc *d, const char *kind)
{
	long u = find_heading(d, 0, d->end, 1, "unreleased", 0), r = first_release(d);
	size_t first, last;
	spot sp;

	if (u >= 0)
		return kind ? in_kind(d, (size_t)u, kind)
		            : among_entries(d, u, (size_t)u + 1, section_end(d, (size_t)u));
	sp = plain_spot(d, r);
	if (kind || (r >= 0 && !entries_in(d, 0, d->end, &first, &last) &&
	             mentions_keep_a_changelog(d))) {
		/* a new section, where the list starts when no release heading does */
		sp.new_unreleased = 1;
		sp.new_kind = kind;
		sp.level = r >= 0 ? d->m[r].heading : 2;
		sp.section = -1;
		if (r >= 0) {
			sp.line = (size_t)r;
			sp.after_entry = 0;
		}
	}
	return sp;
}

/* --- writing ------------------------------------------------------------ */

static const char *line_end(const char *data, size_t len)
{
	const char *nl = memchr(data, '\n', len);
	return nl && nl > data && nl[-1] == '\r' ? "\r\n" : "\n";
}

/* Past the entry on line i and the indented lines that continue it. */
static size_t after_item(const doc *d, size_t i)
{
	const char *s;

	for (i++; i < d->n && !d->m[i].blank && !d->m[i].item && !d->m[i].heading; i++) {
		s = d->data + d->m[i].off;
		if (*s != ' ' && *s != '\t')
			break;
	}
	return i;
}

static void heading(cg_buf *out, int level, const char *text, const char *eol)
{
	cg_buf_printf(out, "%.*s %s%s%s", level, "######", text, eol, eol);
}

static void render(cg_buf *out, const doc *d, const spot *sp, const char *line, const char *kind)
{
	const char *eol = line_end(d->data, d->len);
	size_t at_line = sp->after_entry ? after_item(d, sp->line) : sp->line;
	size_t at = at_line < d->n ? d->m[at_line].off : d->len;
	int created = sp->new_unreleased || sp->new_kind;
	int into_list = !created && (sp->after_entry || (at_line < d->n && d->m[at_line].item));
	int prev_text = at_line > 0 && !d->m[at_line - 1].blank;
	char kind_name[64];

	cg_buf_clear(out);
	cg_buf_put(out, d->data, at);
	if (at == d->len && at && d->data[at - 1] != '\n')
		cg_buf_puts(out, eol); /* a last line without its line end */
	if (prev_text && !into_list)
		cg_buf_puts(out, eol);
	if (sp->new_unreleased)
		heading(out, sp->level, "[Unreleased]", eol);
	if (sp->new_kind) {
		int r = kind_rank(kind);
		snprintf(kind_name, sizeof(kind_name), "%s", r < (int)NKINDS ? kinds[r] : kind);
		heading(out, sp->level + 1, kind_name, eol);
	}
	cg_buf_printf(out, "%s%s", line, eol);
	if (at_line < d->n && !d->m[at_line].blank && (created || !d->m[at_line].item))
		cg_buf_puts(out, eol);
	cg_buf_put(out, d->data + at, d->len - at);
}

static void doc_init(doc *d, const char *data, size_t len, const cg_changelog *cl)
{
	d->data = data;
	d->len = len;
	d->cl = cl;
	cg_changelog_outline(&d->m, &d->n, data, len);
	d->end = trailing_links(d->m, d->n);
}

int cg_placement_insert(cg_buf *out, const char *data, size_t len, const cg_changelog *cl,
                        const char *line, const char *kind)
{
	doc d;
	spot sp;
	const char *k;

	for (k = kind; k && *k; k++)
		if ((unsigned char)*k < 0x20 || *k == 0x7f)
			break;
	if (kind && (!kind[0] || *k || strlen(kind) >= 64))
		return cg_error_set(CG_EUSAGE, "--kind '%s' is not a short one-line name; "
		                    "try --kind fixed (or added, changed, deprecated, removed, security)",
		                    kind);
	doc_init(&d, data, len, cl);
	sp = find_spot(&d, kind);
	render(out, &d, &sp, line, kind);
	free(d.m);
	return 0;
}

void cg_placement_describe(cg_buf *out, const char *data, size_t len, const cg_changelog *cl)
{
	doc d;
	spot sp;
	const char *order = cg_changelog_oldest_first(cl) ? "oldest first" : "newest first";

	doc_init(&d, data, len, cl);
	sp = find_spot(&d, NULL);
	cg_buf_clear(out);
	if (sp.new_unreleased)
		cg_buf_printf(out, "under a new '%.*s [Unreleased]' heading, %s", sp.level, "######",
		              order);
	else if (sp.section >= 0)
		cg_buf_printf(out, "under '%.*s', %s", (int)d.m[sp.section].len,
		              d.data + d.m[sp.section].off, order);
	else if (sp.line < d.end)
		cg_buf_printf(out, "%s line %zu ('%.*s'), %s", sp.after_entry ? "after" : "before",
		              sp.line + 1, (int)(d.m[sp.line].len > 60 ? 60 : d.m[sp.line].len),
		              d.data + d.m[sp.line].off, order);
	else
		cg_buf_printf(out, "at the end of the file%s, %s",
		              d.end < d.n ? ", before its link definitions" : "", order);
	free(d.m);
}
