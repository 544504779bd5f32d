#include "changelog.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "error.h"

struct cg_changelog {
	cg_changelog_line *lines;
	size_t len, alloc;
};

/*
 * A line that starts like an entry and carries a date and a time, whatever
 * its zone: what someone meant as an entry but got wrong, so that it is
 * reported ("must be UTC, ending in Z") instead of silently not counting.
 */
static const char near_miss_regex[] =
	"^\\s*(?:[-*+]|#{1,6})\\s+\\[?(?<ts>\\d{4}-\\d{2}-\\d{2}[Tt ]\\d{2}:\\d{2}"
	"(?::\\d{2})?(?:[.,]\\d+)?(?:[Zz]|[+-]\\d{2}(?::?\\d{2})?)?)";

/* Compiled on first use and kept for the life of the process: every hook
 * parses a handful of changelogs and the regex never changes. */
static cg_pattern *near_miss_pattern(void)
{
	static cg_pattern *p;
	if (!p && cg_pattern_compile(&p, near_miss_regex, 0) < 0)
		p = NULL;
	return p;
}

/* What the lines so far leave open, as CommonMark reads them: a line
 * inside a fence, an HTML comment, an indented code block or a raw HTML
 * block is shown as text, or not at all, never as an entry. */
typedef struct {
	int in_fence;
	char fence_char;
	size_t fence_len;
	int in_comment;
	int in_code;         /* an indented code block */
	int prev_text;       /* the line before is not blank */
	int in_list;         /* inside a list item, whose content starts at list_indent */
	size_t list_indent;
	int html_depth;      /* inside a raw HTML block of html_tags[html_tag] */
	size_t html_tag;
} md_state;

/* Raw HTML whose content a rendered view hides, shows collapsed, or shows
 * as text: what they wrap is not an entry, so wrapping one removes it. */
static const char *const html_tags[] = {
	"script", "style", "textarea", "template", "details", "pre", "noscript",
	"xmp", "iframe", "object", "svg", "math", "select", "title", "dialog",
};

static size_t run_of(const char *s, size_t len, char c)
{
	size_t i = 0;
	while (i < len && s[i] == c)
		i++;
	return i;
}

static size_t blanks(const char *s, size_t len)
{
	size_t i = 0;
	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	return i;
}

static const char *find_str(const char *s, size_t len, const char *needle)
{
	size_t n = strlen(needle);
	const char *end = s + len;

	while ((size_t)(end - s) >= n && (s = memchr(s, needle[0], (size_t)(end - s) - n + 1))) {
		if (!memcmp(s, needle, n))
			return s;
		s++;
	}
	return NULL;
}

/* The column where the text of the line starts, tabs stopping every 4. */
static size_t indent_width(const char *s, size_t len, size_t *bytes)
{
	size_t i = 0, w = 0;

	for (; i < len && (s[i] == ' ' || s[i] == '\t'); i++)
		w = s[i] == '\t' ? (w / 4 + 1) * 4 : w + 1;
	*bytes = i;
	return w;
}

/* How many times `<tag` (closing: `</tag`) opens in s[0..len), any case,
 * followed by something that ends a tag name. */
static int count_tag(const char *s, size_t len, const char *tag, int closing)
{
	size_t n = strlen(tag), lead = closing ? 2 : 1, i;
	int count = 0;

	for (i = 0; i + lead + n <= len; i++) {
		char after = i + lead + n < len ? s[i + lead + n] : '>';

		if (s[i] == '<' && (!closing || s[i + 1] == '/') &&
		    !strncasecmp(s + i + lead, tag, n) &&
		    (after == '>' || after == ' ' || after == '\t' || after == '/'))
			count++;
	}
	return count;
}

/* Opens a raw HTML block when the line starts with one of html_tags. */
static int html_opens(md_state *st, const char *s, size_t len)
{
	for (size_t t = 0; t < sizeof(html_tags) / sizeof(html_tags[0]); t++) {
		size_t n = strlen(html_tags[t]);

		/* the line's own start: count_tag of the name and one more byte */
		if (!count_tag(s, n + 2 < len ? n + 2 : len, html_tags[t], 0))
			continue;
		st->html_tag = t;
		st->html_depth = count_tag(s, len, html_tags[t], 0) - count_tag(s, len, html_tags[t], 1);
		if (st->html_depth < 0)
			st->html_depth = 0;
		return 1;
	}
	return 0;
}

/* A list item's marker ("-", "*", "+", "1." or "1)") and the spaces after
 * it: where its content starts, or 0 when the line is no list item. */
static size_t list_marker(const char *s, size_t len)
{
	size_t i = 0, sp;

	if (len && (s[0] == '-' || s[0] == '*' || s[0] == '+'))
		i = 1;
	else {
		while (i < len && i < 9 && s[i] >= '0' && s[i] <= '9')
			i++;
		if (!i || i >= len || (s[i] != '.' && s[i] != ')'))
			return 0;
		i++;
	}
	sp = blanks(s + i, len - i);
	if (i + sp < len && !sp)
		return 0;
	return i + (sp ? (sp > 4 ? 1 : sp) : 1);
}

/* `ind` bytes of indentation; `indented`: they reach column 4, where no
 * fence opens or closes (a tab is one byte but four columns). */
static int fence_or_comment(md_state *st, const char *s, size_t len, size_t ind, int indented)
{
	const char *open;

	if (st->in_fence) {
		/* as in CommonMark, only a bare run closes: "```js" inside the
		 * block is content, so the lines after it are still hidden */
		size_t run = run_of(s + ind, len - ind, st->fence_char);
		size_t end = ind + run + blanks(s + ind + run, len - ind - run);
		if (!indented && run >= st->fence_len && end == len)
			st->in_fence = 0;
		return 1;
	}
	if (st->in_comment) {
		if (find_str(s, len, "-->"))
			st->in_comment = 0;
		return 1;
	}
	if (!indented && len > ind && (s[ind] == '`' || s[ind] == '~')) {
		size_t run = run_of(s + ind, len - ind, s[ind]);
		if (run >= 3) {
			st->in_fence = 1;
			st->fence_char = s[ind];
			st->fence_len = run;
			return 1;
		}
	}
	if ((open = find_str(s, len, "<!--")) != NULL) {
		size_t rest = len - (size_t)(open - s);
		if (!find_str(open + 4, rest - 4, "-->"))
			st->in_comment = 1;
		return open == s + ind;
	}
	return -1;
}

static int md_hidden(md_state *st, const char *s, size_t len, int blank)
{
	size_t bytes, width = indent_width(s, len, &bytes), marker;
	int hidden;

	if (st->html_depth) {
		const char *tag = html_tags[st->html_tag];
		st->html_depth += count_tag(s, len, tag, 0) - count_tag(s, len, tag, 1);
		if (st->html_depth < 0)
			st->html_depth = 0;
		return 1;
	}
	if (!st->in_fence && !st->in_comment && !blank && width >= 4 &&
	    (st->in_code || !st->prev_text) && (!st->in_list || width >= st->list_indent + 4)) {
		st->in_code = 1;
		return 1;
	}
	if (!blank)
		st->in_code = 0;
	if ((hidden = fence_or_comment(st, s, len, bytes, width >= 4)) >= 0)
		return hidden;
	if (blank || st->in_code)
		return st->in_code;
	if (width < 4 && s[bytes] == '<' && html_opens(st, s + bytes, len - bytes))
		return 1;
	if ((marker = list_marker(s + bytes, len - bytes)) != 0) {
		st->in_list = 1;
		st->list_indent = width + marker;
	} else if (s[bytes] == '#' || (width == 0 && !st->prev_text)) {
		st->in_list = 0; /* a heading, or a paragraph after a blank line, ends the list */
	}
	return 0;
}

/* Returns 1 when the line is Markdown structure that can hold no entry:
 * a code fence line or its content, an HTML comment, an indented code
 * block, a raw HTML block (md_state). */
static int is_hidden(md_state *st, const char *s, size_t len)
{
	int blank = blanks(s, len) == len;
	int hidden = md_hidden(st, s, len, blank);

	st->prev_text = !blank;
	return hidden;
}

static int classify(cg_changelog *cl, size_t lineno, const char *s, size_t len,
                    const cg_pattern *entry)
{
	cg_pattern *near = near_miss_pattern();
	cg_changelog_line *l;
	cg_line_kind kind = CG_LINE_ENTRY;
	size_t start = 0, glen = 0;
	int m;

	if (!near)
		return cg_error_set(CG_ERROR, "cannot compile the built-in entry detector");
	m = cg_pattern_match(entry, s, len, "ts", &start, &glen);
	if (m == 0) {
		kind = CG_LINE_NEAR_MISS;
		m = cg_pattern_match(near, s, len, "ts", &start, &glen);
	}
	if (m <= 0)
		return m;

	cl->lines = cg_array_grow(cl->lines, &cl->alloc, cl->len + 1, sizeof(*cl->lines));
	l = &cl->lines[cl->len++];
	memset(l, 0, sizeof(*l));
	l->line = lineno;
	l->text = s;
	l->len = len;
	l->kind = kind;
	if (start == (size_t)-1) {
		l->status = CG_TS_MALFORMED;
		return 0;
	}
	l->ts = s + start;
	l->ts_len = glen;
	l->status = cg_timestamp_parse(l->ts, glen, &l->ts_ms);
	return 0;
}

/* Classifies the lines of data[start..end), which begins a line; `st` is the
 * Markdown state there and is left as it is at `end`, `lineno` counts the
 * lines before `start`. */
static int parse_region(cg_changelog *cl, const char *data, size_t start, size_t end,
                        md_state *st, size_t lineno, const cg_pattern *entry)
{
	size_t pos = start;
	int error = 0;

	while (pos < end && !error) {
		const char *s = data + pos, *nl = memchr(s, '\n', end - pos);
		size_t n = nl ? (size_t)(nl - s) : end - pos;

		pos += n + (nl != NULL);
		lineno++;
		if (n && s[n - 1] == '\r')
			n--;
		if (!is_hidden(st, s, n))
			error = classify(cl, lineno, s, n, entry);
	}
	return error < 0 ? cg_error_prefix(error, "line %zu", lineno) : 0;
}

static size_t bom_length(const char *data, size_t len)
{
	return len >= 3 && !memcmp(data, "\xEF\xBB\xBF", 3) ? 3 : 0;
}

int cg_changelog_parse(cg_changelog **out, const char *data, size_t len,
                       const cg_pattern *entry_pattern)
{
	cg_changelog *cl = cg_calloc(1, sizeof(*cl));
	md_state st = { 0 };
	int error = parse_region(cl, data, bom_length(data, len), len, &st, 0, entry_pattern);

	if (error < 0) {
		cg_changelog_free(cl);
		cl = NULL;
	}
	*out = cl;
	return error;
}

size_t cg_changelog_count(const cg_changelog *cl)
{
	return cl->len;
}

const cg_changelog_line *cg_changelog_get(const cg_changelog *cl, size_t i)
{
	return i < cl->len ? &cl->lines[i] : NULL;
}

int cg_changelog_oldest_first(const cg_changelog *cl)
{
	size_t i, up = 0, down = 0, seen = 0;
	int64_t prev = 0;

	for (i = 0; i < cg_changelog_count(cl); i++) {
		const cg_changelog_line *l = cg_changelog_get(cl, i);
		if (l->kind != CG_LINE_ENTRY || l->status != CG_TS_OK)
			continue;
		if (seen++) {
			up += l->ts_ms > prev;
			down += l->ts_ms < prev;
		}
		prev = l->ts_ms;
	}
	return up > down;
}

void cg_changelog_free(cg_changelog *cl)
{
	if (!cl)
		return;
	free(cl->lines);
	free(cl);
}

int cg_changelog_is_binary(const char *data, size_t len)
{
	return memchr(data, '\0', len < 8000 ? len : 8000) != NULL;
}

void cg_changelog_archive_name(cg_buf *out, const char *path)
{
	const char *slash = strrchr(path, '/'), *dot = strrchr(slash ? slash : path, '.');

	cg_buf_clear(out);
	cg_buf_put(out, path, dot && dot != (slash ? slash + 1 : path) ? (size_t)(dot - path)
	                                                              : strlen(path));
	cg_buf_printf(out, "-old%s", dot && dot != (slash ? slash + 1 : path) ? dot : "");
}

/* How many continuation bytes follow lead byte c, and the smallest value
 * the sequence may encode (anything less is an overlong form); -1: no lead. */
static int utf8_lead(unsigned char c, unsigned long *min)
{
	if (c < 0x80)
		return *min = 0, 0;
	if (c >= 0xC2 && c <= 0xDF)
		return *min = 0x80, 1;
	if (c >= 0xE0 && c <= 0xEF)
		return *min = 0x800, 2;
	if (c >= 0xF0 && c <= 0xF4)
		return *min = 0x10000, 3;
	return -1;
}

int cg_changelog_utf8_error(const char *data, size_t len, size_t *offset)
{
	const unsigned char *s = (const unsigned char *)data;
	size_t i = 0;

	while (i < len) {
		unsigned long min, cp;
		int more = utf8_lead(s[i], &min), k;

		if (more < 0 || i + (size_t)more >= len + (more == 0))
			break;
		cp = more ? s[i] & (0x3F >> more) : s[i];
		for (k = 1; k <= more && (s[i + k] & 0xC0) == 0x80; k++)
			cp = cp << 6 | (s[i + k] & 0x3F);
		if (k <= more || cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			break;
		i += (size_t)more + 1;
	}
	*offset = i;
	return i < len;
}

static int compare_text(const cg_changelog_line *a, const cg_changelog_line *b)
{
	size_t n = a->len < b->len ? a->len : b->len;
	int c = memcmp(a->text, b->text, n);
	if (c)
		return c;
	return a->len < b->len ? -1 : a->len > b->len;
}

static int compare_line_ptr(const void *pa, const void *pb)
{
	const cg_changelog_line *a = *(const cg_changelog_line *const *)pa;
	const cg_changelog_line *b = *(const cg_changelog_line *const *)pb;
	int c = compare_text(a, b);
	if (c)
		return c;
	return a->line < b->line ? -1 : a->line > b->line;
}

typedef struct {
	const cg_changelog_line **v;
	size_t n;
} sorted_lines;

static sorted_lines sort_lines(const cg_changelog *cl)
{
	sorted_lines s = { cg_calloc(cl->len, sizeof(*s.v)), cl->len };
	size_t i;

	for (i = 0; i < cl->len; i++)
		s.v[i] = &cl->lines[i];
	qsort(s.v, s.n, sizeof(*s.v), compare_line_ptr);
	return s;
}

/* How many lines of `s` have the text of `l` (binary search, then a scan). */
static size_t count_text(const sorted_lines *s, const cg_changelog_line *l)
{
	size_t lo = 0, hi = s->n, n = 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (compare_text(s->v[mid], l) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	while (lo + n < s->n && !compare_text(s->v[lo + n], l))
		n++;
	return n;
}

/* The end of the run of lines equal in text to the one at `i`. */
static size_t group_end(const sorted_lines *s, size_t i)
{
	size_t j = i + 1;
	while (j < s->n && !compare_text(s->v[j], s->v[i]))
		j++;
	return j;
}

static void push_line(const cg_changelog_line ***arr, size_t *len, size_t *alloc,
                      const cg_changelog_line *l)
{
	*arr = cg_array_grow(*arr, alloc, *len + 1, sizeof(**arr));
	(*arr)[(*len)++] = l;
}

static int compare_by_line(const void *pa, const void *pb)
{
	const cg_changelog_line *a = *(const cg_changelog_line *const *)pa;
	const cg_changelog_line *b = *(const cg_changelog_line *const *)pb;
	return a->line < b->line ? -1 : a->line > b->line;
}

int cg_changelog_compare(cg_changelog_delta *out, const cg_changelog *now,
                         const cg_changelog *const *before, size_t nbefore)
{
	sorted_lines snow = sort_lines(now);
	sorted_lines *sb = cg_calloc(nbefore ? nbefore : 1, sizeof(*sb));
	size_t added_alloc = 0, removed_alloc = 0, i, j, k;

	memset(out, 0, sizeof(*out));
	for (k = 0; k < nbefore; k++)
		sb[k] = sort_lines(before[k]);

	for (i = 0; i < snow.n; i = j) {
		size_t most_before = 0;
		j = group_end(&snow, i);
		for (k = 0; k < nbefore; k++) {
			size_t c = count_text(&sb[k], snow.v[i]);
			most_before = c > most_before ? c : most_before;
		}
		for (; most_before < j - i; most_before++)
			push_line(&out->added, &out->nadded, &added_alloc, snow.v[i + most_before]);
	}
	/* A line several parents share and `now` lacks is reported once. */
	for (k = 0; k < nbefore; k++) {
		for (i = 0; i < sb[k].n; i = j) {
			size_t kept = count_text(&snow, sb[k].v[i]), p;
			j = group_end(&sb[k], i);
			if (sb[k].v[i]->kind != CG_LINE_ENTRY)
				continue;
			for (p = 0; p < k; p++) {
				size_t c = count_text(&sb[p], sb[k].v[i]);
				kept = c > kept ? c : kept;
			}
			for (; kept < j - i; kept++)
				push_line(&out->removed, &out->nremoved, &removed_alloc, sb[k].v[i + kept]);
		}
	}
	for (k = 0; k < nbefore; k++)
		free(sb[k].v);
	/* qsort() must not see the NULL of an empty list, even with no items */
	if (out->nadded)
		qsort(out->added, out->nadded, sizeof(*out->added), compare_by_line);
	if (out->nremoved)
		qsort(out->removed, out->nremoved, sizeof(*out->removed), compare_by_line);
	free(sb);
	free(snow.v);
	return 0;
}

void cg_changelog_delta_dispose(cg_changelog_delta *delta)
{
	size_t k;

	for (k = 0; k < delta->nowned; k++)
		cg_changelog_free(delta->owned[k]);
	free(delta->owned);
	free(delta->added);
	free(delta->removed);
	memset(delta, 0, sizeof(*delta));
}

/* --- comparing texts: only the part a change touched ------------------- */

/* Compared a block at a time with memcmp before byte by byte: an entry
 * added at the top leaves a suffix of nearly the whole file. */
#define SAME_BLOCK 64

static size_t same_start(const char *a, const char *b, size_t n)
{
	size_t i = 0;

	while (i + SAME_BLOCK <= n && !memcmp(a + i, b + i, SAME_BLOCK))
		i += SAME_BLOCK;
	while (i < n && a[i] == b[i])
		i++;
	return i;
}

/* How many bytes before a_end and b_end are the same, at most n. */
static size_t same_end(const char *a_end, const char *b_end, size_t n)
{
	size_t s = 0;

	while (s + SAME_BLOCK <= n && !memcmp(a_end - s - SAME_BLOCK, b_end - s - SAME_BLOCK, SAME_BLOCK))
		s += SAME_BLOCK;
	while (s < n && *(a_end - 1 - s) == *(b_end - 1 - s))
		s++;
	return s;
}

/* Where the common start of a and b ends, moved back to a line start. */
static size_t common_prefix(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t i = same_start(a, b, alen < blen ? alen : blen);

	while (i > 0 && a[i - 1] != '\n')
		i--;
	return i;
}

/* The length of the common end of a and b that starts a line in both and
 * does not reach into the first `prefix` bytes of either. */
static size_t common_suffix(const char *a, size_t alen, const char *b, size_t blen,
                            size_t prefix)
{
	size_t s = same_end(a + alen, b + blen, (alen < blen ? alen : blen) - prefix);
	const char *nl;

	if (s == 0 || ((alen - s == prefix || a[alen - s - 1] == '\n') &&
	               (blen - s == prefix || b[blen - s - 1] == '\n')))
		return s;
	/* Start just after the suffix's first line end: a line start in both. */
	nl = memchr(a + alen - s, '\n', s);
	return nl ? (size_t)(a + alen - (nl + 1)) : 0;
}

static int same_state(const md_state *x, const md_state *y)
{
	return x->in_fence == y->in_fence && x->in_comment == y->in_comment &&
	       (!x->in_fence || (x->fence_char == y->fence_char && x->fence_len == y->fence_len)) &&
	       x->in_code == y->in_code && x->prev_text == y->prev_text &&
	       x->in_list == y->in_list && (!x->in_list || x->list_indent == y->list_indent) &&
	       x->html_depth == y->html_depth && (!x->html_depth || x->html_tag == y->html_tag);
}

/* Skips `len` bytes of lines, keeping the Markdown state and the line count:
 * no regex runs, so this is cheap even for a large file. */
static void skip_lines(const char *data, size_t start, size_t end, md_state *st,
                       size_t *lineno)
{
	size_t pos = start;

	while (pos < end) {
		const char *s = data + pos, *nl = memchr(s, '\n', end - pos);
		size_t n = nl ? (size_t)(nl - s) : end - pos;

		pos += n + (nl != NULL);
		(*lineno)++;
		if (n && s[n - 1] == '\r')
			n--;
		is_hidden(st, s, n);
	}
}

static void own(cg_changelog_delta *d, cg_changelog *cl)
{
	d->owned = cg_realloc(d->owned, (d->nowned + 1) * sizeof(*d->owned));
	d->owned[d->nowned++] = cl;
}

/* One before: parse only what lies between the common prefix and suffix.
 * Identical lines on both sides cancel out in the comparison anyway, so
 * leaving them out changes nothing, as long as they are classified alike:
 * the prefix is, and the suffix is when both middles end in the same
 * Markdown state; otherwise the suffixes are parsed too. */
static int diff_one(cg_changelog_delta *out, const cg_changelog_text *now,
                    const cg_changelog_text *before, const cg_pattern *entry)
{
	size_t base = bom_length(now->data, now->len), lineno = 0, prefix, suffix;
	cg_changelog *n = cg_calloc(1, sizeof(*n)), *b = cg_calloc(1, sizeof(*b));
	md_state st = { 0 }, nst, bst;
	const cg_changelog *bs[1] = { b };
	int error;

	prefix = base + common_prefix(now->data + base, now->len - base,
	                              before->data + base, before->len - base);
	suffix = common_suffix(now->data, now->len, before->data, before->len, prefix);
	skip_lines(now->data, base, prefix, &st, &lineno);
	nst = bst = st;
	if ((error = parse_region(n, now->data, prefix, now->len - suffix, &nst, lineno, entry)) == 0 &&
	    (error = parse_region(b, before->data, prefix, before->len - suffix, &bst, lineno, entry)) == 0 &&
	    !same_state(&nst, &bst)) {
		cg_changelog_free(n);
		cg_changelog_free(b);
		n = cg_calloc(1, sizeof(*n));
		b = cg_calloc(1, sizeof(*b));
		nst = bst = st;
		bs[0] = b;
		if ((error = parse_region(n, now->data, prefix, now->len, &nst, lineno, entry)) == 0)
			error = parse_region(b, before->data, prefix, before->len, &bst, lineno, entry);
	}
	if (!error)
		error = cg_changelog_compare(out, n, bs, 1);
	own(out, n);
	own(out, b);
	return error;
}

/* Whether data holds line[0..n) as a whole line (a CR before its end too). */
static int changelog_diff(cg_changelog_delta *out, const cg_changelog_text *now,
                          const cg_changelog_text *before, size_t nbefore,
                          const cg_pattern *entry);

static int has_line(const char *data, size_t len, const char *line, size_t n)
{
	const char *p = data, *end = data + len, *hit;

	while ((size_t)(end - p) >= n && (hit = memchr(p, line[0], (size_t)(end - p) - n + 1))) {
		const char *after = hit + n;

		if (!memcmp(hit, line, n) && (hit == data || hit[-1] == '\n') &&
		    (after == end || *after == '\n' ||
		     (*after == '\r' && (after + 1 == end || after[1] == '\n'))))
			return 1;
		p = hit + 1;
	}
	return 0;
}

void cg_changelog_drop_copies(cg_changelog_delta *out, const cg_changelog_text *before,
                              size_t nbefore)
{
	size_t i, k, kept = 0;

	for (i = 0; i < out->nadded; i++) {
		const cg_changelog_line *l = out->added[i];
		int copy = 0;

		for (k = 0; k < nbefore && !copy && l->len; k++)
			copy = has_line(before[k].data, before[k].len, l->text, l->len);
		if (!copy)
			out->added[kept++] = l;
	}
	out->nadded = kept;
}

int cg_changelog_diff(cg_changelog_delta *out, const cg_changelog_text *now,
                      const cg_changelog_text *before, size_t nbefore,
                      const cg_pattern *entry)
{
	int error = changelog_diff(out, now, before, nbefore, entry);

	if (!error)
		cg_changelog_drop_copies(out, before, nbefore);
	return error;
}

static int changelog_diff(cg_changelog_delta *out, const cg_changelog_text *now,
                          const cg_changelog_text *before, size_t nbefore,
                          const cg_pattern *entry)
{
	cg_changelog **parsed;
	size_t k;
	int error = 0;

	memset(out, 0, sizeof(*out));
	if (nbefore == 1 && bom_length(now->data, now->len) == bom_length(before->data, before->len))
		return diff_one(out, now, before, entry);
	parsed = cg_calloc(nbefore + 1, sizeof(*parsed));
	for (k = 0; k <= nbefore && !error; k++) {
		const cg_changelog_text *t = k ? &before[k - 1] : now;
		error = cg_changelog_parse(&parsed[k], t->data, t->len, entry);
	}
	if (!error)
		error = cg_changelog_compare(out, parsed[0], (const cg_changelog *const *)parsed + 1,
		                             nbefore);
	for (k = 0; k <= nbefore; k++)
		if (parsed[k])
			own(out, parsed[k]);
	free(parsed);
	return error;
}

/* --- the outline: headings, lists, link definitions ---------------------- */

static int is_atx_heading(const char *s, size_t len, size_t ind)
{
	size_t run = run_of(s + ind, len - ind, '#');

	return ind < 4 && run >= 1 && run <= 6 && (ind + run == len || s[ind + run] == ' ' ||
	                                           s[ind + run] == '\t') ? (int)run : 0;
}

/* "===" (1) or "---" (2) alone on the line, under a paragraph line. */
static int setext_level(const char *s, size_t len, size_t ind)
{
	size_t run;

	if (ind >= 4 || ind >= len || (s[ind] != '=' && s[ind] != '-'))
		return 0;
	run = run_of(s + ind, len - ind, s[ind]);
	if (ind + run + blanks(s + ind + run, len - ind - run) != len)
		return 0;
	return s[ind] == '=' ? 1 : 2;
}

/* "[label]: destination" with at most three spaces before it. */
static int is_link_def(const char *s, size_t len, size_t ind)
{
	const char *close;

	if (ind >= 4 || ind >= len || s[ind] != '[' || ind + 1 >= len || s[ind + 1] == ']')
		return 0;
	close = memchr(s + ind, ']', len - ind);
	return close && (size_t)(close - s) + 1 < len && close[1] == ':';
}

/* YAML front matter: a first line "---" up to the next "---". */
static size_t front_matter_lines(const cg_changelog_mark *m, size_t n, const char *data)
{
	size_t i;

	if (!n || m[0].len < 3 || strncmp(data + m[0].off, "---", 3) ||
	    blanks(data + m[0].off + 3, m[0].len - 3) != m[0].len - 3)
		return 0;
	for (i = 1; i < n; i++)
		if (m[i].len >= 3 && !strncmp(data + m[i].off, "---", 3))
			return i + 1;
	return 0;
}

static void mark_line(cg_changelog_mark *m, cg_changelog_mark *prev, md_state *st,
                      const char *s)
{
	size_t ind = blanks(s, m->len);
	int in_list = st->in_list;
	size_t list_indent = st->list_indent;
	int level;

	m->blank = ind == m->len;
	m->hidden = is_hidden(st, s, m->len);
	if (m->hidden || m->blank)
		return;
	if ((level = setext_level(s, m->len, ind)) != 0 && prev && !prev->blank &&
	    !prev->hidden && !prev->heading && !prev->item && !prev->link_def && !prev->underline &&
	    !in_list) {
		m->underline = 1;
		prev->heading = level;
		return;
	}
	m->heading = is_atx_heading(s, m->len, ind);
	m->link_def = !m->heading && is_link_def(s, m->len, ind);
	m->item = !m->heading && list_marker(s + ind, m->len - ind) &&
	          (!in_list || ind < list_indent);
}

void cg_changelog_outline(cg_changelog_mark **out, size_t *n, const char *data, size_t len)
{
	cg_changelog_mark *m = NULL;
	md_state st = { 0 };
	size_t alloc = 0, count = 0, pos = bom_length(data, len), skip, i;

	while (pos < len) {
		const char *nl = memchr(data + pos, '\n', len - pos);
		cg_changelog_mark *l;

		m = cg_array_grow(m, &alloc, count + 1, sizeof(*m));
		l = &m[count++];
		memset(l, 0, sizeof(*l));
		l->off = pos;
		l->len = nl ? (size_t)(nl - data) - pos : len - pos;
		l->next = nl ? (size_t)(nl - data) + 1 : len;
		if (l->len && data[l->off + l->len - 1] == '\r')
			l->len--;
		pos = l->next;
	}
	skip = front_matter_lines(m, count, data);
	for (i = 0; i < count; i++) {
		if (i < skip)
			m[i].hidden = 1;
		else
			mark_line(&m[i], i ? &m[i - 1] : NULL, &st, data + m[i].off);
	}
	*out = m;
	*n = count;
}
