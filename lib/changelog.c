/* memmem */
#define _GNU_SOURCE
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

/* A line git writes around a conflict it could not merge: seven '<', '|'
 * or '>', alone or before a space. Seven '=' are left out: that is also
 * the underline of a Markdown heading, and the other markers come with it. */
static int is_conflict_marker(const char *s, size_t len)
{
	static const char seven[][8] = { "<<<<<<<", "|||||||", ">>>>>>>" };
	size_t i;

	if (len < 7 || (len > 7 && s[7] != ' '))
		return 0;
	for (i = 0; i < sizeof(seven) / sizeof(seven[0]); i++)
		if (!memcmp(s, seven[i], 7))
			return 1;
	return 0;
}

static cg_changelog_line *add_line(cg_changelog *cl, size_t lineno, const char *s, size_t len,
                                   cg_line_kind kind)
{
	cg_changelog_line *l;

	cl->lines = cg_array_grow(cl->lines, &cl->alloc, cl->len + 1, sizeof(*cl->lines));
	l = &cl->lines[cl->len++];
	memset(l, 0, sizeof(*l));
	l->line = lineno;
	l->text = s;
	l->len = len;
	l->kind = kind;
	l->status = CG_TS_MALFORMED;
	return l;
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
	if (is_conflict_marker(s, len)) {
		add_line(cl, lineno, s, len, CG_LINE_CONFLICT);
		return 0;
	}
	m = cg_pattern_match(entry, s, len, "ts", &start, &glen);
	if (m == 0) {
		kind = CG_LINE_NEAR_MISS;
		m = cg_pattern_match(near, s, len, "ts", &start, &glen);
	}
	if (m <= 0)
		return m;

	l = add_line(cl, lineno, s, len, kind);
	if (start == (size_t)-1)
		return 0;
	l->ts = s + start;
	l->ts_len = glen;
	l->status = cg_timestamp_parse(l->ts, glen, &l->ts_ms);
	return 0;
}

/* The line at data[*pos..end) without its line end (nor a CR before it);
 * *pos moves past it. */
static const char *next_line(const char *data, size_t *pos, size_t end, size_t *len)
{
	const char *s = data + *pos, *nl = memchr(s, '\n', end - *pos);
	size_t n = nl ? (size_t)(nl - s) : end - *pos;

	*pos += n + (nl != NULL);
	if (n && s[n - 1] == '\r')
		n--;
	*len = n;
	return s;
}

/* Classifies the lines of data[start..end), which begins a line; `st` is the
 * Markdown state there and is left as it is at `end`, `*lineno` counts the
 * lines before `start` and is left counting those before `end`. */
static int parse_region(cg_changelog *cl, const char *data, size_t start, size_t end,
                        md_state *st, size_t *lineno, const cg_pattern *entry)
{
	size_t pos = start, n;
	int error = 0;

	while (pos < end && !error) {
		const char *s = next_line(data, &pos, end, &n);

		++*lineno;
		if (!is_hidden(st, s, n))
			error = classify(cl, *lineno, s, n, entry);
	}
	return error < 0 ? cg_error_prefix(error, "line %zu", *lineno) : 0;
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
	size_t lineno = 0;
	int error = parse_region(cl, data, bom_length(data, len), len, &st, &lineno, entry_pattern);

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

/* Where the run of ASCII bytes from `i` ends, eight at a time: most of a
 * changelog is ASCII, and every version a history reads is checked whole. */
static size_t ascii_run(const unsigned char *s, size_t i, size_t len)
{
	uint64_t w;

	while (i + sizeof(w) <= len) {
		memcpy(&w, s + i, sizeof(w));
		if (w & 0x8080808080808080u)
			break;
		i += sizeof(w);
	}
	while (i < len && s[i] < 0x80)
		i++;
	return i;
}

int cg_changelog_utf8_error(const char *data, size_t len, size_t *offset)
{
	const unsigned char *s = (const unsigned char *)data;
	size_t i = 0;

	while ((i = ascii_run(s, i, len)) < len) {
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

/* Compared a block at a time with memcmp, then a smaller block, then byte
 * by byte: an entry added at the top leaves a suffix of nearly the whole
 * file, which large blocks compare in few calls (64-byte ones took 8,000
 * calls for rubocop's 500 KB, 5% of a history run). */
#define SAME_BLOCK 4096
#define SAME_STEP 64 /* each block size the one before divided by this */

static size_t same_start(const char *a, const char *b, size_t n)
{
	size_t i = 0, blk;

	for (blk = SAME_BLOCK; blk > 1; blk /= SAME_STEP)
		while (i + blk <= n && !memcmp(a + i, b + i, blk))
			i += blk;
	while (i < n && a[i] == b[i])
		i++;
	return i;
}

/* How many bytes before a_end and b_end are the same, at most n. */
static size_t same_end(const char *a_end, const char *b_end, size_t n)
{
	size_t s = 0, blk;

	for (blk = SAME_BLOCK; blk > 1; blk /= SAME_STEP)
		while (s + blk <= n && !memcmp(a_end - s - blk, b_end - s - blk, blk))
			s += blk;
	while (s < n && *(a_end - 1 - s) == *(b_end - 1 - s))
		s++;
	return s;
}

static int is_continuation(char c)
{
	return ((unsigned char)c & 0xC0) == 0x80;
}

int cg_changelog_utf8_error_beside(const char *data, size_t len, const char *valid,
                                   size_t vlen, size_t *offset)
{
	size_t n = len < vlen ? len : vlen, a = same_start(data, valid, n), s, b, vb;

	s = same_end(data + len, valid + vlen, n - a);
	b = len - s;
	vb = vlen - s;
	/* Widened to characters of `valid`: its bytes before `a` and from `vb`
	 * on are data's, each run whole characters, so valid as they are. */
	while (a > 0 && a < vlen && is_continuation(valid[a]))
		a--;
	while (vb < vlen && is_continuation(valid[vb])) {
		vb++;
		b++;
	}
	if (cg_changelog_utf8_error(data + a, b - a, offset)) {
		*offset += a;
		return 1;
	}
	*offset = len;
	return 0;
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

/* What md_hidden does to the state for the commonest lines of a changelog,
 * without its scans: outside a fence, a comment and raw HTML, a line that
 * starts with a letter, or with "- ", "* " or "+ " and then text, and holds
 * no '<' (so opens no comment), shows as text and starts no block; a
 * marker line starts a list item whose content is at column 2. Returns 0,
 * touching nothing, for any other line. */
static int plain_line(md_state *st, const char *s, size_t n)
{
	unsigned char c = n ? (unsigned char)s[0] : 0;
	int letter = (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
	int marker = n >= 3 && (c == '-' || c == '*' || c == '+') && s[1] == ' ' &&
	             s[2] != ' ' && s[2] != '\t';

	if (st->in_fence || st->in_comment || st->html_depth || !(letter || marker) ||
	    memchr(s, '<', n))
		return 0;
	if (marker) {
		st->in_list = 1;
		st->list_indent = 2;
	} else if (!st->prev_text) {
		st->in_list = 0;
	}
	st->in_code = 0;
	st->prev_text = 1;
	return 1;
}

/* Skips `len` bytes of lines, keeping the Markdown state and the line count:
 * no regex runs, so this is cheap even for a large file. */
static void skip_lines(const char *data, size_t start, size_t end, md_state *st,
                       size_t *lineno)
{
	size_t pos = start, n;

	while (pos < end) {
		const char *s = next_line(data, &pos, end, &n);

		(*lineno)++;
		if (!plain_line(st, s, n))
			is_hidden(st, s, n);
	}
}

static void own(cg_changelog_delta *d, cg_changelog *cl)
{
	d->owned = cg_realloc(d->owned, (d->nowned + 1) * sizeof(*d->owned));
	d->owned[d->nowned++] = cl;
}

/* One version of the file as diff_one reads it: the lines it classified,
 * the Markdown state and line count where it has read up to `pos`. */
typedef struct {
	cg_changelog *cl;
	const char *data;
	size_t pos, line;
	md_state st;
} side;

/* Classifies the next `len` bytes of one side only. */
static int read_own(side *sd, size_t len, const cg_pattern *entry)
{
	int error = parse_region(sd->cl, sd->data, sd->pos, sd->pos + len, &sd->st, &sd->line, entry);

	sd->pos += len;
	return error;
}

/* The next `len` bytes, which both sides share. A line both sides show has
 * the same text and so the same class on each: it would cancel out in the
 * comparison and is left out. Only a line one side shows and the other
 * hides is classified, on the side that shows it, until the states meet
 * again (usually within a line or two); from there the rest reads alike
 * and is skipped, keeping the state, unless `last` says nothing follows. */
static int read_shared(side *n, side *b, size_t len, int last, const cg_pattern *entry)
{
	size_t end = n->pos + len, ln;
	int error = 0;

	while (n->pos < end && !error && !same_state(&n->st, &b->st)) {
		const char *s = n->data + n->pos, *bs = b->data + b->pos;
		size_t at = n->pos;
		int nhid, bhid;

		next_line(n->data, &n->pos, end, &ln);
		b->pos += n->pos - at;
		n->line++;
		b->line++;
		nhid = is_hidden(&n->st, s, ln);
		bhid = is_hidden(&b->st, s, ln);
		if (nhid != bhid)
			error = nhid ? classify(b->cl, b->line, bs, ln, entry)
			             : classify(n->cl, n->line, s, ln, entry);
	}
	if (error < 0)
		return cg_error_prefix(error, "line %zu", n->line);
	if (!last && n->pos < end) {
		size_t lines = n->line;

		skip_lines(n->data, n->pos, end, &n->st, &n->line);
		b->st = n->st;
		b->line += n->line - lines;
		b->pos += end - n->pos;
		n->pos = end;
	}
	return 0;
}

/* Where `shorter` lies in `longer` starting a line, when the longer is the
 * shorter with lines put before and after it (an entry at the top and a
 * link at the foot, as many changelogs take): -1 otherwise. */
static long inside_of(const char *longer, size_t llen, const char *shorter, size_t slen)
{
	/* memmem of a short needle skips ahead (a long one costs a pass of
	 * preparation over all of it); each hit is then checked whole */
	size_t probe = slen < 64 ? slen : 64, from = 0;
	const char *at;

	if (!slen || slen >= llen)
		return -1;
	while ((at = memmem(longer + from, llen - slen + probe - from, shorter, probe)) != NULL) {
		from = (size_t)(at - longer) + 1;
		/* both ends on line boundaries in both */
		if (!memcmp(at, shorter, slen) && (at == longer || at[-1] == '\n') &&
		    (shorter[slen - 1] == '\n' || at + slen == longer + llen))
			return (long)(at - longer);
	}
	return -1;
}

/* `head` bytes of `longer` alone, `shared` bytes both have, `tail` bytes of
 * `longer` alone (read_shared keeps the sides' order of its arguments
 * irrelevant: it reads the same bytes on both). */
static int read_around(side *longer, side *other, size_t head, size_t shared, size_t tail,
                       const cg_pattern *entry)
{
	int error;

	if ((error = read_own(longer, head, entry)) == 0 &&
	    (error = read_shared(longer, other, shared, 0, entry)) == 0)
		error = read_own(longer, tail, entry);
	return error;
}

/* One before: parse only what lies between the common prefix and suffix,
 * and in there, when one side is the other with lines put around it, only
 * those lines. Identical lines on both sides cancel out in the comparison
 * anyway, so leaving them out changes nothing, as long as they are
 * classified alike: read_shared sees to that. */
static int diff_one(cg_changelog_delta *out, const cg_changelog_text *now,
                    const cg_changelog_text *before, const cg_pattern *entry)
{
	size_t base = bom_length(now->data, now->len), prefix, suffix, nmid, bmid;
	side n = { cg_calloc(1, sizeof(cg_changelog)), now->data, 0, 0, { 0 } };
	side b = { cg_calloc(1, sizeof(cg_changelog)), before->data, 0, 0, { 0 } };
	const cg_changelog *bs[1] = { b.cl };
	long x;
	int error;

	prefix = base + common_prefix(now->data + base, now->len - base,
	                              before->data + base, before->len - base);
	suffix = common_suffix(now->data, now->len, before->data, before->len, prefix);
	nmid = now->len - suffix - prefix;
	bmid = before->len - suffix - prefix;
	skip_lines(now->data, base, prefix, &n.st, &n.line);
	n.pos = b.pos = prefix;
	b.st = n.st;
	b.line = n.line;
	if ((x = inside_of(now->data + prefix, nmid, before->data + prefix, bmid)) >= 0)
		error = read_around(&n, &b, (size_t)x, bmid, nmid - bmid - (size_t)x, entry);
	else if ((x = inside_of(before->data + prefix, bmid, now->data + prefix, nmid)) >= 0)
		error = read_around(&b, &n, (size_t)x, nmid, bmid - nmid - (size_t)x, entry);
	else if ((error = read_own(&n, nmid, entry)) == 0)
		error = read_own(&b, bmid, entry);
	if (!error)
		error = read_shared(&n, &b, suffix, 1, entry);
	if (!error)
		error = cg_changelog_compare(out, n.cl, bs, 1);
	own(out, n.cl);
	own(out, b.cl);
	return error;
}

static int changelog_diff(cg_changelog_delta *out, const cg_changelog_text *now,
                          const cg_changelog_text *before, size_t nbefore,
                          const cg_pattern *entry);

/* Whether data holds line[0..n) as a whole line (a CR before its end too). */
static int has_line(const char *data, size_t len, const char *line, size_t n)
{
	const char *p = data, *end = data + len, *hit;

	/* memmem skips ahead by the line's length where memchr of its first
	 * byte (a '-' or '*' that starts every entry) stops at every line */
	while ((hit = memmem(p, (size_t)(end - p), line, n)) != NULL) {
		const char *after = hit + n;

		if ((hit == data || hit[-1] == '\n') &&
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

static int changelog_parse_all(cg_changelog_delta *out, const cg_changelog_text *now,
                               const cg_changelog_text *before, size_t nbefore,
                               const cg_pattern *entry);

static int same_bom(const cg_changelog_text *a, const cg_changelog_text *b)
{
	return bom_length(a->data, a->len) == bom_length(b->data, b->len);
}

static int same_text(const cg_changelog_text *a, const cg_changelog_text *b)
{
	return a->len == b->len && (a->data == b->data || !memcmp(a->data, b->data, a->len));
}

/* A merge whose version is one parent's, as most merges of a branch are:
 * that parent holds every line, so nothing is added, and the lines removed
 * are the other parent's entries the merge lacks (cg_changelog_compare's
 * answer for two parents), which diff_one finds reading only where the two
 * differ instead of three whole versions. */
static int merge_took_one(cg_changelog_delta *out, const cg_changelog_text *now,
                          const cg_changelog_text *before, const cg_pattern *entry)
{
	const cg_changelog_text *other = same_text(now, &before[0]) ? &before[1] : &before[0];
	int error;

	if (!same_bom(now, other))
		return changelog_parse_all(out, now, before, 2, entry);
	error = diff_one(out, now, other, entry);
	out->nadded = 0;
	return error;
}

static int changelog_diff(cg_changelog_delta *out, const cg_changelog_text *now,
                          const cg_changelog_text *before, size_t nbefore,
                          const cg_pattern *entry)
{
	memset(out, 0, sizeof(*out));
	if (nbefore == 1 && same_bom(now, before))
		return diff_one(out, now, before, entry);
	if (nbefore == 2 && (same_text(now, &before[0]) || same_text(now, &before[1])))
		return merge_took_one(out, now, before, entry);
	return changelog_parse_all(out, now, before, nbefore, entry);
}

/* Every version parsed whole and compared. */
static int changelog_parse_all(cg_changelog_delta *out, const cg_changelog_text *now,
                               const cg_changelog_text *before, size_t nbefore,
                               const cg_pattern *entry)
{
	cg_changelog **parsed;
	size_t k;
	int error = 0;

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
