#include "render.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "json.h"
#include "output.h"
#include "timestamp.h"

/* Text output fits a classic terminal. */
#define TEXT_WIDTH 80
#define TEXT_GAP 2
#define BELOW_INDENT 4

void cg_render_init(cg_render *w, const cg_report_opts *opts, FILE *out)
{
	memset(w, 0, sizeof(*w));
	w->format = opts->format;
	w->out = out;
	w->color = opts->color && opts->format == CG_REPORT_TEXT;
	w->last = (cg_buf)CG_BUF_INIT;
	w->truncated = (cg_buf)CG_BUF_INIT;
	w->limit = opts->limit;
}

void cg_render_dispose(cg_render *w)
{
	free(w->csv_names);
	free(w->csv_map);
	cg_buf_dispose(&w->last);
	cg_buf_dispose(&w->truncated);
}

static void put(cg_render *w, const char *s)
{
	fputs(s, w->out);
}

static void put_buf(cg_render *w, const cg_buf *b)
{
	fwrite(b->ptr, 1, b->size, w->out);
}

static int is_number(cg_render_col_type t)
{
	return t == CG_COL_INT || t == CG_COL_RATE;
}

/* A fraction with at most four decimals and no trailing zeros. */
static void put_fraction(cg_buf *out, int64_t n, int64_t d)
{
	char text[32];
	size_t len;

	snprintf(text, sizeof(text), "%.4f", (double)n / (double)d);
	len = strlen(text);
	while (text[len - 1] == '0')
		len--;
	if (text[len - 1] == '.')
		len--;
	cg_buf_put(out, text, len);
}

/* The value for machines (CSV, JSON numbers, HTML sort keys); nothing for null. */
static void machine_value(cg_buf *out, const cg_render_column *c, const cg_render_cell *v)
{
	if (v->null)
		return;
	switch (c->type) {
	case CG_COL_INT:
		cg_buf_printf(out, "%" PRId64, v->n);
		break;
	case CG_COL_RATE:
		put_fraction(out, v->n, v->d);
		break;
	case CG_COL_BOOL:
		cg_buf_puts(out, v->n ? "true" : "false");
		break;
	default:
		cg_buf_puts(out, v->s);
	}
}

/* The value for people, before the format's escaping; "" for null. */
static void human_value(cg_buf *out, const cg_render_column *c, const cg_render_cell *v,
                        cg_report_format f)
{
	size_t len;

	if (v->null)
		return;
	switch (c->type) {
	case CG_COL_RATE:
		cg_buf_printf(out, "%.1f%%", 100.0 * (double)v->n / (double)v->d);
		return;
	case CG_COL_BOOL:
		cg_buf_puts(out, v->n ? "yes" : "no");
		return;
	case CG_COL_TIME:
		len = strlen(v->s);
		if (f == CG_REPORT_TEXT && len >= 16) {
			cg_buf_put(out, v->s, 16);
			if (out->ptr[out->size - 6] == 'T')
				out->ptr[out->size - 6] = ' ';
			return;
		}
		break;
	case CG_COL_OID:
		len = strlen(v->s);
		if (len == 40 || len == 64) {
			cg_buf_put(out, v->s, f == CG_REPORT_TEXT ? 10 : 12);
			return;
		}
		break;
	default:
		break;
	}
	machine_value(out, c, v);
}

/*
 * Text: aligned columns within 80 characters, long values below the row.
 */

/* Characters, not bytes: escaped text holds only valid UTF-8. */
static size_t text_width(const char *s, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		n += ((unsigned char)s[i] & 0xC0) != 0x80;
	return n;
}

/* Byte length of the first `chars` characters of s. */
static size_t text_prefix(const char *s, size_t chars)
{
	size_t i = 0;

	while (s[i] && chars) {
		i++;
		while (((unsigned char)s[i] & 0xC0) == 0x80)
			i++;
		chars--;
	}
	return i;
}

/* Appends `n` spaces: a report of thousands of rows pads each cell. */
static void pad(cg_buf *out, size_t n)
{
	static const char spaces[] = "                                ";

	for (; n >= sizeof(spaces) - 1; n -= sizeof(spaces) - 1)
		cg_buf_put(out, spaces, sizeof(spaces) - 1);
	cg_buf_put(out, spaces, n);
}

/* Appends `s` escaped, cut with "..." or padded to `width` characters. */
static void text_fit(cg_buf *out, const char *s, size_t width, int right, const char *color)
{
	cg_buf esc = CG_BUF_INIT;
	size_t len, n;
	int cut;

	cg_output_escape(&esc, s, 0);
	len = esc.size;
	n = text_width(esc.ptr, len);
	if ((cut = n > width) != 0) {
		len = text_prefix(esc.ptr, width - 3);
		n = width;
	}
	if (right)
		pad(out, width - n);
	if (color)
		cg_buf_puts(out, color);
	cg_buf_put(out, esc.ptr, len);
	if (cut)
		cg_buf_puts(out, "...");
	if (color)
		cg_buf_puts(out, CG_COLOR_RESET);
	if (!right)
		pad(out, width - n);
	cg_buf_dispose(&esc);
}

static void rtrim(cg_buf *b)
{
	while (b->size && b->ptr[b->size - 1] == ' ')
		b->ptr[--b->size] = '\0';
}

/* Prints `first` (ASCII) then `text` wrapped at spaces to TEXT_WIDTH,
 * continuing on lines indented by `indent`, each piece in `color` when given. */
static void text_wrap(cg_render *w, const char *first, size_t indent, const char *text,
                      const char *color)
{
	cg_buf line = CG_BUF_INIT;
	const char *s = text;

	while (*s) {
		size_t room = TEXT_WIDTH - (s == text ? strlen(first) : indent);
		size_t len = text_prefix(s, room), cut = len;

		if (s[len]) {
			while (cut > 0 && s[cut] != ' ')
				cut--;
			if (cut == 0)
				cut = len;
		}
		cg_buf_clear(&line);
		if (s == text)
			cg_buf_puts(&line, first);
		else
			pad(&line, indent);
		if (color)
			cg_buf_puts(&line, color);
		cg_buf_put(&line, s, cut);
		if (color)
			cg_buf_puts(&line, CG_COLOR_RESET);
		cg_buf_putc(&line, '\n');
		fwrite(line.ptr, 1, line.size, w->out);
		s += cut;
		while (*s == ' ')
			s++;
	}
	cg_buf_dispose(&line);
}

static const char *alert_color(const cg_render *w, const cg_render_column *c,
                               const cg_render_cell *v)
{
	if (!w->color || !c->alert || v->null)
		return NULL;
	return (c->type == CG_COL_TEXT ? 1 : v->n != 0) ? CG_COLOR_RED : NULL;
}

static void text_heading(cg_render *w, const char *title)
{
	fprintf(w->out, "\n%s%s%s\n", w->color ? CG_COLOR_BOLD : "", title, w->color ? CG_COLOR_RESET : "");
}

static void text_table_begin(cg_render *w, const cg_render_table *t)
{
	cg_buf line = CG_BUF_INIT;
	size_t i, dashes = 0;

	text_heading(w, t->title);
	if (t->record)
		return;
	for (i = 0; i < t->ncols; i++) {
		const cg_render_column *c = &t->cols[i];
		if (c->width <= 0)
			continue;
		if (line.size)
			pad(&line, TEXT_GAP);
		text_fit(&line, c->title, (size_t)c->width, is_number(c->type), NULL);
		dashes += (size_t)c->width + (dashes ? TEXT_GAP : 0);
	}
	rtrim(&line);
	fprintf(w->out, "%s\n", line.ptr);
	while (dashes--)
		fputc('-', w->out);
	fputc('\n', w->out);
	cg_buf_dispose(&line);
}

/* Key/value lines; a long value continues below itself. */
static void text_record(cg_render *w, const cg_render_table *t, const cg_render_cell *cells)
{
	cg_buf value = CG_BUF_INIT, esc = CG_BUF_INIT, key = CG_BUF_INIT;
	size_t i, width = 0;

	for (i = 0; i < t->ncols; i++)
		if (!cells[i].null && strlen(t->cols[i].title) > width)
			width = strlen(t->cols[i].title);
	for (i = 0; i < t->ncols; i++) {
		if (cells[i].null)
			continue;
		cg_buf_clear(&value);
		cg_buf_clear(&esc);
		cg_buf_clear(&key);
		human_value(&value, &t->cols[i], &cells[i], CG_REPORT_TEXT);
		cg_output_escape(&esc, value.ptr, 0);
		cg_buf_printf(&key, "  %-*s  ", (int)width, t->cols[i].title);
		text_wrap(w, key.ptr, key.size, esc.ptr, alert_color(w, &t->cols[i], &cells[i]));
	}
	cg_buf_dispose(&value);
	cg_buf_dispose(&esc);
	cg_buf_dispose(&key);
}

static void text_row(cg_render *w, const cg_render_table *t, const cg_render_cell *cells)
{
	cg_buf line = CG_BUF_INIT, below = CG_BUF_INIT, value = CG_BUF_INIT;
	size_t i;

	for (i = 0; i < t->ncols; i++) {
		const cg_render_column *c = &t->cols[i];
		cg_buf_clear(&value);
		human_value(&value, c, &cells[i], CG_REPORT_TEXT);
		if (c->width > 0) {
			if (line.size)
				pad(&line, TEXT_GAP);
			text_fit(&line, cells[i].null ? "-" : value.ptr, (size_t)c->width,
			         is_number(c->type), alert_color(w, c, &cells[i]));
		} else if (c->width == CG_TEXT_BELOW && !cells[i].null) {
			if (below.size)
				cg_buf_puts(&below, ": ");
			cg_output_escape(&below, value.ptr, 0);
		}
	}
	rtrim(&line);
	if (!t->group || strcmp(line.ptr, w->last.ptr)) {
		fprintf(w->out, "%s\n", line.ptr);
		cg_buf_clear(&w->last);
		cg_buf_puts(&w->last, line.ptr);
	}
	/* a hanging indent shows where each finding starts */
	text_wrap(w, "    ", BELOW_INDENT + 2, below.ptr, NULL);
	cg_buf_dispose(&line);
	cg_buf_dispose(&below);
	cg_buf_dispose(&value);
}

/*
 * Markdown: GitHub/GitLab tables. Cells are escaped so that no value can
 * end a cell, start markup or inject HTML.
 */

/* Escapes for markup: HTML's special characters always, and with
 * `markdown`, whatever could end a table cell or start Markdown syntax. */
static void markup_escape(cg_buf *out, const char *s, int markdown)
{
	cg_buf esc = CG_BUF_INIT;
	const char *p;

	cg_output_escape(&esc, s, 0);
	for (p = esc.ptr; *p; p++) {
		if (*p == '<')
			cg_buf_puts(out, "&lt;");
		else if (*p == '>')
			cg_buf_puts(out, "&gt;");
		else if (*p == '&')
			cg_buf_puts(out, "&amp;");
		else if (!markdown && *p == '"')
			cg_buf_puts(out, "&quot;");
		else if (!markdown && *p == '\'')
			cg_buf_puts(out, "&#39;");
		else if (markdown && strchr("|\\`*_[]#~", *p)) {
			cg_buf_putc(out, '\\');
			cg_buf_putc(out, *p);
		} else
			cg_buf_putc(out, *p);
	}
	cg_buf_dispose(&esc);
}

static void md_escape(cg_buf *out, const char *s)
{
	markup_escape(out, s, 1);
}

static void md_table_begin(cg_render *w, const cg_render_table *t)
{
	cg_buf line = CG_BUF_INIT;
	size_t i;

	fprintf(w->out, "\n## %s\n\n", t->title);
	if (t->record) {
		put(w, "| Field | Value |\n|---|---|\n");
		return;
	}
	for (i = 0; i < t->ncols; i++) {
		cg_buf_puts(&line, "| ");
		md_escape(&line, t->cols[i].title);
		cg_buf_putc(&line, ' ');
	}
	cg_buf_puts(&line, "|\n");
	for (i = 0; i < t->ncols; i++)
		cg_buf_puts(&line, is_number(t->cols[i].type) ? "|---:" : "|---");
	cg_buf_puts(&line, "|\n");
	put_buf(w, &line);
	cg_buf_dispose(&line);
}

static void md_row(cg_render *w, const cg_render_table *t, const cg_render_cell *cells)
{
	cg_buf line = CG_BUF_INIT, value = CG_BUF_INIT;
	size_t i;

	for (i = 0; i < t->ncols; i++) {
		cg_buf_clear(&value);
		human_value(&value, &t->cols[i], &cells[i], CG_REPORT_MARKDOWN);
		if (t->record) {
			if (cells[i].null)
				continue;
			cg_buf_puts(&line, "| ");
			md_escape(&line, t->cols[i].title);
			cg_buf_puts(&line, " | ");
			md_escape(&line, value.ptr);
			cg_buf_puts(&line, " |\n");
		} else {
			cg_buf_puts(&line, "| ");
			md_escape(&line, value.ptr);
			cg_buf_putc(&line, ' ');
		}
	}
	if (!t->record)
		cg_buf_puts(&line, "|\n");
	put_buf(w, &line);
	cg_buf_dispose(&line);
	cg_buf_dispose(&value);
}

/*
 * HTML: one self-contained file. Sortable tables need a few lines of
 * script; everything else is plain HTML and CSS, printable as it is.
 */

static void html_escape(cg_buf *out, const char *s)
{
	markup_escape(out, s, 0);
}

static const char html_style[] =
	"body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;color:#1d232b;"
	"margin:2em 0;padding:0 1.5em}"
	"h1{font-size:1.5em;margin-bottom:.2em}h2{font-size:1.15em;margin:1.8em 0 .5em;"
	"border-bottom:1px solid #d5dae0;padding-bottom:.2em}"
	"table{border-collapse:collapse;width:100%;margin:.3em 0}"
	"th,td{text-align:left;padding:.25em .6em;border-bottom:1px solid #e4e7eb;"
	"vertical-align:top;overflow-wrap:break-word}td.wrap{overflow-wrap:anywhere}"
	"td[data-name=time],td[data-name=hook],td[data-name=rule],td[data-name=verdict],"
	"td[data-name=commit]{white-space:nowrap}"
	"section{overflow-x:auto}"
	"th{background:#f3f5f7;font-weight:600}td.num,th.num{text-align:right;"
	"font-variant-numeric:tabular-nums}"
	"table.record{width:auto}table.record th{background:none;font-weight:normal;color:#555}"
	"table.sortable thead th{cursor:pointer;user-select:none}"
	"th[aria-sort=ascending]::after{content:' \\25B2'}"
	"th[aria-sort=descending]::after{content:' \\25BC'}"
	"td.alert{color:#b3261e;font-weight:600}code{font-size:.92em}"
	".note{color:#555;font-style:italic}"
	"svg.chart{width:100%;height:auto;max-width:60em}"
	".chart .total{fill:#8fa9cc}.chart .bad{fill:#c0392b}"
	".chart text{font-size:11px;fill:#444}.chart line{stroke:#999}"
	"@media print{body{margin:0;max-width:none;font-size:10pt}section{overflow:visible}"
	"table.sortable thead th{cursor:auto}tr,svg{break-inside:avoid}"
	"th[aria-sort]::after{content:''}h2{break-after:avoid}}";

/* Sorts a table by the clicked column (numbers by data-value), and marks
 * each table it prepared, so that a test can see the script ran. */
static const char html_script[] =
	"(function(){\n"
	"function key(td,num){var v=td.getAttribute('data-value');if(v===null)v=td.textContent;\n"
	"return num?(v===''?-Infinity:parseFloat(v)):v.toLowerCase();}\n"
	"document.querySelectorAll('table.sortable').forEach(function(t){\n"
	"var heads=t.querySelectorAll('thead th');\n"
	"heads.forEach(function(th,i){\n"
	"function sort(){var num=th.classList.contains('num'),"
	"asc=th.getAttribute('aria-sort')!=='ascending';\n"
	"heads.forEach(function(o){o.removeAttribute('aria-sort');});\n"
	"th.setAttribute('aria-sort',asc?'ascending':'descending');\n"
	"var body=t.tBodies[0],rows=Array.prototype.slice.call(body.rows);\n"
	"rows.sort(function(a,b){var x=key(a.cells[i],num),y=key(b.cells[i],num);\n"
	"return (x<y?-1:x>y?1:0)*(asc?1:-1);});\n"
	"rows.forEach(function(r){body.appendChild(r);});}\n"
	"th.tabIndex=0;th.addEventListener('click',sort);\n"
	"th.addEventListener('keydown',function(e){if(e.key==='Enter'||e.key===' ')"
	"{e.preventDefault();sort();}});});\n"
	"t.setAttribute('data-sortable','ready');});\n"
	"})();\n";

static void html_begin(cg_render *w, const char *title, const char *generated)
{
	cg_buf b = CG_BUF_INIT;

	cg_buf_puts(&b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	            "<meta name=\"generator\" content=\"changelog-audit " CG_VERSION "\">\n<title>");
	html_escape(&b, title);
	cg_buf_printf(&b, "</title>\n<style>%s</style>\n</head>\n<body>\n<h1>", html_style);
	html_escape(&b, title);
	cg_buf_printf(&b, "</h1>\n<p class=\"note\">Generated %s by changelog-audit %s.</p>\n",
	              generated, CG_VERSION);
	put_buf(w, &b);
	cg_buf_dispose(&b);
}

static void html_table_begin(cg_render *w, const cg_render_table *t)
{
	cg_buf b = CG_BUF_INIT;
	size_t i;

	cg_buf_printf(&b, "<section id=\"%s\">\n<h2>", t->name);
	html_escape(&b, t->title);
	cg_buf_puts(&b, "</h2>\n");
	if (t->record) {
		cg_buf_printf(&b, "<table class=\"record\" id=\"t-%s\"><tbody>\n", t->name);
	} else {
		cg_buf_printf(&b, "<table class=\"sortable\" id=\"t-%s\">\n<thead><tr>", t->name);
		for (i = 0; i < t->ncols; i++) {
			cg_buf_printf(&b, "<th scope=\"col\" data-name=\"%s\"%s>", t->cols[i].name,
			              is_number(t->cols[i].type) ? " class=\"num\"" : "");
			html_escape(&b, t->cols[i].title);
			cg_buf_puts(&b, "</th>");
		}
		cg_buf_puts(&b, "</tr></thead>\n<tbody>\n");
	}
	put_buf(w, &b);
	cg_buf_dispose(&b);
}

/* Words up to this many bytes never break, so that names and short paths
 * stay whole; a longer one (an id, a deep path) breaks anywhere (td.wrap),
 * so that no table is wider than the window. */
#define HTML_LONG_WORD 16

static int has_long_word(const char *s)
{
	size_t run = 0;

	for (; *s; s++)
		if ((run = *s == ' ' ? 0 : run + 1) > HTML_LONG_WORD)
			return 1;
	return 0;
}

static void html_cell(cg_buf *b, const cg_render_column *c, const cg_render_cell *v, int alert)
{
	cg_buf value = CG_BUF_INIT, machine = CG_BUF_INIT, classes = CG_BUF_INIT;

	human_value(&value, c, v, CG_REPORT_HTML);
	machine_value(&machine, c, v);
	cg_buf_printf(b, "<td data-name=\"%s\"", c->name);
	if (is_number(c->type))
		cg_buf_puts(&classes, " num");
	if (alert)
		cg_buf_puts(&classes, " alert");
	if (has_long_word(value.ptr))
		cg_buf_puts(&classes, " wrap");
	if (classes.size)
		cg_buf_printf(b, " class=\"%s\"", classes.ptr + 1);
	/* The full value where the cell shows less, or a sort key for numbers. */
	if (!v->null && (strcmp(value.ptr, machine.ptr) || is_number(c->type))) {
		cg_buf_puts(b, c->type == CG_COL_OID ? " title=\"" : " data-value=\"");
		html_escape(b, machine.ptr);
		cg_buf_putc(b, '"');
	}
	cg_buf_putc(b, '>');
	if (c->type == CG_COL_OID && !v->null)
		cg_buf_puts(b, "<code>");
	html_escape(b, value.ptr);
	if (c->type == CG_COL_OID && !v->null)
		cg_buf_puts(b, "</code>");
	cg_buf_puts(b, "</td>");
	cg_buf_dispose(&value);
	cg_buf_dispose(&machine);
	cg_buf_dispose(&classes);
}

static void html_row(cg_render *w, const cg_render_table *t, const cg_render_cell *cells)
{
	cg_buf b = CG_BUF_INIT;
	size_t i;

	for (i = 0; i < t->ncols; i++) {
		const cg_render_column *c = &t->cols[i];
		int alert = c->alert && !cells[i].null && (c->type == CG_COL_TEXT || cells[i].n != 0);
		if (t->record) {
			if (cells[i].null)
				continue;
			cg_buf_printf(&b, "<tr><th scope=\"row\">");
			html_escape(&b, c->title);
			cg_buf_puts(&b, "</th>");
			html_cell(&b, c, &cells[i], alert);
			cg_buf_puts(&b, "</tr>\n");
		} else {
			if (!i)
				cg_buf_puts(&b, "<tr>");
			html_cell(&b, c, &cells[i], alert);
		}
	}
	if (!t->record)
		cg_buf_puts(&b, "</tr>\n");
	put_buf(w, &b);
	cg_buf_dispose(&b);
}

/* Every kth label on the x axis, so that at most 12 show. */
static size_t label_step(size_t n)
{
	return n <= 12 ? 1 : (n + 11) / 12;
}

/* A bar chart of totals with the violating part in red: one <g> per
 * bucket, whose data-* attributes hold the numbers. */
static void html_chart(cg_render *w, const char *title, const cg_render_bucket *b, size_t n,
                       const char *total_name, const char *bad_name)
{
	const double width = 760, height = 240, left = 52, right = 12, top = 14, bottom = 36;
	const double plot_w = width - left - right, plot_h = height - top - bottom;
	cg_buf s = CG_BUF_INIT;
	int64_t max = 1;
	size_t i, step = label_step(n);
	double slot = n ? plot_w / (double)n : plot_w, bar = slot * 0.8 > 48 ? 48 : slot * 0.8;

	for (i = 0; i < n; i++)
		max = b[i].total > max ? b[i].total : max;
	cg_buf_puts(&s, "<section id=\"chart\">\n<h2>");
	html_escape(&s, title);
	cg_buf_printf(&s, "</h2>\n<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" "
	              "viewBox=\"0 0 %.0f %.0f\" role=\"img\" aria-label=\"", width, height);
	html_escape(&s, title);
	cg_buf_printf(&s, "\" data-buckets=\"%zu\" data-max=\"%" PRId64 "\">\n", n, max);
	cg_buf_printf(&s, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
	              "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n",
	              left, top, left, top + plot_h, left, top + plot_h, left + plot_w,
	              top + plot_h);
	cg_buf_printf(&s, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%" PRId64 "</text>"
	              "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">0</text>\n",
	              left - 6, top + 4, max, left - 6, top + plot_h + 4);
	for (i = 0; i < n; i++) {
		double x = left + slot * (double)i + (slot - bar) / 2;
		double th = plot_h * (double)b[i].total / (double)max;
		double bh = plot_h * (double)b[i].bad / (double)max;

		cg_buf_printf(&s, "<g class=\"bucket\" data-label=\"%s\" data-%s=\"%" PRId64 "\" "
		              "data-%s=\"%" PRId64 "\"><title>%s: %" PRId64 " %s, %" PRId64 " %s</title>",
		              b[i].label, total_name, b[i].total, bad_name, b[i].bad, b[i].label,
		              b[i].total, total_name, b[i].bad, bad_name);
		cg_buf_printf(&s, "<rect class=\"total\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" "
		              "height=\"%.2f\"/><rect class=\"bad\" x=\"%.2f\" y=\"%.2f\" "
		              "width=\"%.2f\" height=\"%.2f\"/>", x, top + plot_h - th, bar, th,
		              x, top + plot_h - bh, bar, bh);
		if (i % step == 0)
			cg_buf_printf(&s,
			              "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>",
			              x + bar / 2, top + plot_h + 16, b[i].label);
		cg_buf_puts(&s, "</g>\n");
	}
	cg_buf_printf(&s, "<rect class=\"total\" x=\"%.1f\" y=\"%.1f\" width=\"10\" height=\"10\"/>"
	              "<text x=\"%.1f\" y=\"%.1f\">%s</text>"
	              "<rect class=\"bad\" x=\"%.1f\" y=\"%.1f\" width=\"10\" height=\"10\"/>"
	              "<text x=\"%.1f\" y=\"%.1f\">%s</text>\n</svg>\n",
	              left, height - 12, left + 14, height - 3, total_name,
	              left + 110, height - 12, left + 124, height - 3, bad_name);
	if (!n)
		cg_buf_puts(&s, "<p class=\"note\">Nothing in this period.</p>\n");
	cg_buf_puts(&s, "</section>\n");
	put_buf(w, &s);
	cg_buf_dispose(&s);
}

/*
 * CSV (RFC 4180): one header row, the union of every table's columns
 * after a "section" column that names the table of each row.
 */

static void csv_field(cg_buf *out, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		cg_buf_puts(out, s);
		return;
	}
	cg_buf_putc(out, '"');
	for (; *s; s++) {
		if (*s == '"')
			cg_buf_putc(out, '"');
		cg_buf_putc(out, *s);
	}
	cg_buf_putc(out, '"');
}

/* The document's tables and, for CSV, their columns: every distinct name
 * in order of appearance, and per table where each name is (-1: absent),
 * so that a row costs no lookups. */
void cg_render_tables(cg_render *w, const cg_render_table *const *tables, size_t n)
{
	size_t t, c, u;

	w->tables = tables;
	w->ntables = n;
	for (t = 0; t < n; t++)
		for (c = 0; c < tables[t]->ncols; c++) {
			for (u = 0; u < w->ncsv && strcmp(w->csv_names[u],
			                                  tables[t]->cols[c].name); u++)
				;
			if (u == w->ncsv) {
				w->csv_names = cg_realloc(w->csv_names,
				                          (u + 1) * sizeof(*w->csv_names));
				w->csv_names[w->ncsv++] = tables[t]->cols[c].name;
			}
		}
	w->csv_map = cg_malloc(n * w->ncsv * sizeof(*w->csv_map));
	for (t = 0; t < n; t++)
		for (u = 0; u < w->ncsv; u++) {
			w->csv_map[t * w->ncsv + u] = -1;
			for (c = 0; c < tables[t]->ncols; c++)
				if (!strcmp(w->csv_names[u], tables[t]->cols[c].name))
					w->csv_map[t * w->ncsv + u] = (int)c;
		}
}

static void csv_header(cg_render *w)
{
	cg_buf line = CG_BUF_INIT;
	size_t u;

	cg_buf_puts(&line, "section");
	for (u = 0; u < w->ncsv; u++) {
		cg_buf_putc(&line, ',');
		csv_field(&line, w->csv_names[u]);
	}
	cg_buf_puts(&line, "\r\n");
	put_buf(w, &line);
	cg_buf_dispose(&line);
}

static void csv_row(cg_render *w, const cg_render_table *t, const cg_render_cell *cells)
{
	cg_buf line = CG_BUF_INIT, value = CG_BUF_INIT;
	const int *map;
	size_t k, u;

	for (k = 0; k < w->ntables && w->tables[k] != t; k++)
		;
	map = &w->csv_map[k * w->ncsv];
	csv_field(&line, t->name);
	for (u = 0; u < w->ncsv; u++) {
		cg_buf_putc(&line, ',');
		if (map[u] < 0)
			continue;
		cg_buf_clear(&value);
		machine_value(&value, &t->cols[map[u]], &cells[map[u]]);
		csv_field(&line, value.ptr);
	}
	cg_buf_puts(&line, "\r\n");
	put_buf(w, &line);
	cg_buf_dispose(&line);
	cg_buf_dispose(&value);
}

/*
 * JSON: one document; records are objects, other tables arrays of objects.
 */

static void json_row(cg_render *w, const cg_render_table *t, const cg_render_cell *cells)
{
	cg_buf b = CG_BUF_INIT, value = CG_BUF_INIT;
	size_t i;

	cg_buf_puts(&b, t->record ? "{" : w->rows ? ",\n {" : "\n {");
	for (i = 0; i < t->ncols; i++) {
		const cg_render_column *c = &t->cols[i];
		cg_buf_printf(&b, "%s\"%s\":", i ? "," : "", c->name);
		cg_buf_clear(&value);
		machine_value(&value, c, &cells[i]);
		if (cells[i].null)
			cg_buf_puts(&b, "null");
		else if (is_number(c->type) || c->type == CG_COL_BOOL)
			cg_buf_puts(&b, value.ptr);
		else
			cg_json_put_string(&b, cells[i].s);
	}
	cg_buf_putc(&b, '}');
	put_buf(w, &b);
	cg_buf_dispose(&b);
	cg_buf_dispose(&value);
}

/*
 * The document.
 */

void cg_render_doc_begin(cg_render *w, const char *kind, const char *title, int64_t generated_ms,
                         const cg_render_table *const *tables, size_t ntables)
{
	char generated[32];

	cg_render_tables(w, tables, ntables);
	cg_timestamp_format(generated, generated_ms ? generated_ms : cg_timestamp_now_ms(), 0);
	switch (w->format) {
	case CG_REPORT_TEXT:
		fprintf(w->out, "%s%s%s (%s)\n", w->color ? CG_COLOR_BOLD : "", title,
		        w->color ? CG_COLOR_RESET : "", generated);
		break;
	case CG_REPORT_JSON:
		fprintf(w->out, "{\"format\":\"%s\",\"report\":\"%s\",\"generated\":\"%s\","
		        "\"tool_version\":\"%s\"", CG_REPORT_JSON_FORMAT, kind, generated,
		        CG_VERSION);
		break;
	case CG_REPORT_CSV:
		csv_header(w);
		break;
	case CG_REPORT_MARKDOWN:
		fprintf(w->out, "# %s\n\nGenerated %s by changelog-audit %s.\n", title, generated,
		        CG_VERSION);
		break;
	case CG_REPORT_HTML:
		html_begin(w, title, generated);
		break;
	}
}

void cg_render_table_begin(cg_render *w, const cg_render_table *t)
{
	w->rows = 0;
	cg_buf_clear(&w->last);
	switch (w->format) {
	case CG_REPORT_TEXT:
		text_table_begin(w, t);
		break;
	case CG_REPORT_JSON:
		fprintf(w->out, ",\n\"%s\":%s", t->name, t->record ? "" : "[");
		break;
	case CG_REPORT_CSV:
		break;
	case CG_REPORT_MARKDOWN:
		md_table_begin(w, t);
		break;
	case CG_REPORT_HTML:
		html_table_begin(w, t);
		break;
	}
}

void cg_render_row(cg_render *w, const cg_render_table *t, const cg_render_cell *cells)
{
	switch (w->format) {
	case CG_REPORT_TEXT:
		if (t->record)
			text_record(w, t, cells);
		else
			text_row(w, t, cells);
		break;
	case CG_REPORT_JSON:
		json_row(w, t, cells);
		break;
	case CG_REPORT_CSV:
		csv_row(w, t, cells);
		break;
	case CG_REPORT_MARKDOWN:
		md_row(w, t, cells);
		break;
	case CG_REPORT_HTML:
		html_row(w, t, cells);
		break;
	}
	w->rows++;
}

/* `truncated`: the table stopped at --limit rows. */
void cg_render_table_end(cg_render *w, const cg_render_table *t, int truncated)
{
	cg_buf note = CG_BUF_INIT;

	if (!w->rows && !t->record)
		cg_buf_puts(&note, "none");
	else if (truncated)
		cg_buf_printf(&note, "only the newest %zu are shown; --limit 0 shows all",
		              w->limit);
	switch (w->format) {
	case CG_REPORT_TEXT:
		if (note.size)
			fprintf(w->out, "  (%s)\n", note.ptr);
		break;
	case CG_REPORT_JSON:
		if (truncated)
			cg_buf_printf(&w->truncated, "%s\"%s\"", w->truncated.size ? "," : "",
			              t->name);
		put(w, t->record ? (w->rows ? "" : "null") : "]");
		break;
	case CG_REPORT_CSV:
		break;
	case CG_REPORT_MARKDOWN:
		if (note.size)
			fprintf(w->out, "\n_%s_\n", note.ptr);
		break;
	case CG_REPORT_HTML:
		put(w, "</tbody></table>\n");
		if (note.size)
			fprintf(w->out, "<p class=\"note\">%s</p>\n", note.ptr);
		put(w, "</section>\n");
		break;
	}
	cg_buf_dispose(&note);
}

void cg_render_doc_end(cg_render *w)
{
	switch (w->format) {
	case CG_REPORT_JSON:
		fprintf(w->out, ",\n\"truncated\":[%s]}\n", w->truncated.ptr);
		break;
	case CG_REPORT_HTML:
		fprintf(w->out, "<script>\n%s</script>\n</body>\n</html>\n", html_script);
		break;
	default:
		break;
	}
}

void cg_render_one_row(cg_render *w, const cg_render_table *t, const cg_render_cell *cells)
{
	cg_render_table_begin(w, t);
	cg_render_row(w, t, cells);
	cg_render_table_end(w, t, 0);
}

/* The chart is HTML's; the other formats have the table it is drawn from. */
void cg_render_chart(cg_render *w, const char *title, const cg_render_bucket *b, size_t n,
                     const char *total_name, const char *bad_name)
{
	if (w->format == CG_REPORT_HTML)
		html_chart(w, title, b, n, total_name, bad_name);
}

int cg_render_finish(cg_render *w)
{
	if (fflush(w->out) != 0 || ferror(w->out))
		return cg_error_set(CG_ERROR, "cannot write the report: %s", strerror(errno));
	return 0;
}

/* Formats a filter bound for the parameters table; NULL when unset. */
const char *cg_render_bound(char buf[32], int64_t ms)
{
	if (!ms)
		return NULL;
	cg_timestamp_format(buf, ms, 0);
	return buf;
}

/* The rows `spool` wrote (in the same format) become the current table's. */
int cg_render_splice(cg_render *w, cg_render *spool)
{
	char chunk[65536];
	size_t n;

	if (fflush(spool->out) != 0 || fseek(spool->out, 0, SEEK_SET) != 0)
		return cg_error_set(CG_ERROR, "cannot read back the spooled violations: %s",
		                    strerror(errno));
	while ((n = fread(chunk, 1, sizeof(chunk), spool->out)) > 0)
		fwrite(chunk, 1, n, w->out);
	if (ferror(spool->out))
		return cg_error_set(CG_ERROR, "cannot read back the spooled violations");
	w->rows = spool->rows;
	return 0;
}
