#include "report.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "changes.h"
#include "check.h"
#include "error.h"
#include "json.h"
#include "output.h"
#include "parallel.h"
#include "rules.h"
#include "timestamp.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MS_PER_DAY 86400000LL
/* Text output fits a classic terminal. */
#define TEXT_WIDTH 80
#define TEXT_GAP 2
#define BELOW_INDENT 4
/* More timeline buckets than this are folded into months, then years. */
#define MAX_BUCKETS 92

#define BOLD "\033[1m"
#define RED "\033[31m"
#define RESET "\033[m"

/*
 * A report is a sequence of tables with fixed columns. Each format renders
 * the same tables, so that every format carries the same data.
 */

typedef enum {
	COL_TEXT,
	COL_INT,
	COL_RATE, /* a fraction n/d: 0.6667 for machines, 66.7% for people */
	COL_BOOL,
	COL_TIME, /* RFC 3339; text shows "YYYY-MM-DD HH:MM" */
	COL_OID   /* text, markdown and HTML show an abbreviation */
} col_type;

/* Text layout of a column: a width, or one of these. */
enum {
	TEXT_BELOW = 0,  /* on an indented line below the row, joined by ": " */
	TEXT_HIDDEN = -1 /* not in text; the other formats have it */
};

typedef struct {
	const char *name;   /* JSON member, CSV column */
	const char *title;  /* text, markdown and HTML header */
	col_type type;
	int width;          /* text: characters, TEXT_BELOW or TEXT_HIDDEN */
	int alert;          /* red (text) or marked (HTML) when non-zero */
} column;

typedef struct {
	const char *name;   /* JSON member, CSV section, HTML id */
	const char *title;
	const column *cols;
	size_t ncols;
	int record;         /* exactly one row: an object in JSON, key/value lines elsewhere */
	int group;          /* text: a row whose columns repeat the previous row's
	                     * shows only its lines below (findings of one run) */
} table;

#define TABLE(name, title, cols, record, group) \
	{ name, title, cols, ARRAY_SIZE(cols), record, group }

typedef struct {
	const char *s;   /* COL_TEXT, COL_TIME, COL_OID */
	int64_t n, d;    /* COL_INT and COL_BOOL: n; COL_RATE: n / d */
	int null;
} cell;

static cell text_cell(const char *s)
{
	return (cell){ s, 0, 0, s == NULL };
}

static cell int_cell(int64_t n)
{
	return (cell){ NULL, n, 0, 0 };
}

static cell rate_cell(int64_t n, int64_t d)
{
	return (cell){ NULL, n, d, d == 0 };
}

static const cell null_cell = { NULL, 0, 0, 1 };

/* A bar of the HTML chart: a period, its total and how many violated. */
typedef struct {
	char label[16];
	int64_t total, bad;
} bucket;

typedef struct {
	cg_report_format format;
	FILE *out;
	int color;
	size_t rows;             /* of the current table */
	const table *const *tables; /* all of the document's (writer_tables) */
	size_t ntables;
	const char **csv_names;  /* CSV: the columns after "section" */
	size_t ncsv;
	int *csv_map;            /* CSV: [table * ncsv + name] = its column, or -1 */
	cg_buf last;             /* text: the previous row, for table.group */
	cg_buf truncated;        /* JSON: the tables cut by --limit */
	size_t limit;            /* --limit, for the note on a cut table */
} writer;

static void writer_init(writer *w, const cg_report_opts *opts, FILE *out)
{
	memset(w, 0, sizeof(*w));
	w->format = opts->format;
	w->out = out;
	w->color = opts->color && opts->format == CG_REPORT_TEXT;
	w->last = (cg_buf)CG_BUF_INIT;
	w->truncated = (cg_buf)CG_BUF_INIT;
	w->limit = opts->limit;
}

static void writer_dispose(writer *w)
{
	free(w->csv_names);
	free(w->csv_map);
	cg_buf_dispose(&w->last);
	cg_buf_dispose(&w->truncated);
}

static void put(writer *w, const char *s)
{
	fputs(s, w->out);
}

static void put_buf(writer *w, const cg_buf *b)
{
	fwrite(b->ptr, 1, b->size, w->out);
}

static int is_number(col_type t)
{
	return t == COL_INT || t == COL_RATE;
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
static void machine_value(cg_buf *out, const column *c, const cell *v)
{
	if (v->null)
		return;
	switch (c->type) {
	case COL_INT:
		cg_buf_printf(out, "%" PRId64, v->n);
		break;
	case COL_RATE:
		put_fraction(out, v->n, v->d);
		break;
	case COL_BOOL:
		cg_buf_puts(out, v->n ? "true" : "false");
		break;
	default:
		cg_buf_puts(out, v->s);
	}
}

/* The value for people, before the format's escaping; "" for null. */
static void human_value(cg_buf *out, const column *c, const cell *v, cg_report_format f)
{
	size_t len;

	if (v->null)
		return;
	switch (c->type) {
	case COL_RATE:
		cg_buf_printf(out, "%.1f%%", 100.0 * (double)v->n / (double)v->d);
		return;
	case COL_BOOL:
		cg_buf_puts(out, v->n ? "yes" : "no");
		return;
	case COL_TIME:
		len = strlen(v->s);
		if (f == CG_REPORT_TEXT && len >= 16) {
			cg_buf_put(out, v->s, 16);
			if (out->ptr[out->size - 6] == 'T')
				out->ptr[out->size - 6] = ' ';
			return;
		}
		break;
	case COL_OID:
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
		cg_buf_printf(out, "%*s", (int)(width - n), "");
	if (color)
		cg_buf_puts(out, color);
	cg_buf_put(out, esc.ptr, len);
	if (cut)
		cg_buf_puts(out, "...");
	if (color)
		cg_buf_puts(out, RESET);
	if (!right)
		cg_buf_printf(out, "%*s", (int)(width - n), "");
	cg_buf_dispose(&esc);
}

static void rtrim(cg_buf *b)
{
	while (b->size && b->ptr[b->size - 1] == ' ')
		b->ptr[--b->size] = '\0';
}

/* Prints `first` (ASCII) then `text` wrapped at spaces to TEXT_WIDTH,
 * continuing on lines indented by `indent`, each piece in `color` when given. */
static void text_wrap(writer *w, const char *first, size_t indent, const char *text,
                      const char *color)
{
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
		if (s == text)
			fputs(first, w->out);
		else
			fprintf(w->out, "%*s", (int)indent, "");
		fprintf(w->out, "%s%.*s%s\n", color ? color : "", (int)cut, s, color ? RESET : "");
		s += cut;
		while (*s == ' ')
			s++;
	}
}

static const char *alert_color(const writer *w, const column *c, const cell *v)
{
	if (!w->color || !c->alert || v->null)
		return NULL;
	return (c->type == COL_TEXT ? 1 : v->n != 0) ? RED : NULL;
}

static void text_heading(writer *w, const char *title)
{
	fprintf(w->out, "\n%s%s%s\n", w->color ? BOLD : "", title, w->color ? RESET : "");
}

static void text_table_begin(writer *w, const table *t)
{
	cg_buf line = CG_BUF_INIT;
	size_t i, dashes = 0;

	text_heading(w, t->title);
	if (t->record)
		return;
	for (i = 0; i < t->ncols; i++) {
		const column *c = &t->cols[i];
		if (c->width <= 0)
			continue;
		if (line.size)
			cg_buf_printf(&line, "%*s", TEXT_GAP, "");
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
static void text_record(writer *w, const table *t, const cell *cells)
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

static void text_row(writer *w, const table *t, const cell *cells)
{
	cg_buf line = CG_BUF_INIT, below = CG_BUF_INIT, value = CG_BUF_INIT;
	size_t i;

	for (i = 0; i < t->ncols; i++) {
		const column *c = &t->cols[i];
		cg_buf_clear(&value);
		human_value(&value, c, &cells[i], CG_REPORT_TEXT);
		if (c->width > 0) {
			if (line.size)
				cg_buf_printf(&line, "%*s", TEXT_GAP, "");
			text_fit(&line, cells[i].null ? "-" : value.ptr, (size_t)c->width,
			         is_number(c->type), alert_color(w, c, &cells[i]));
		} else if (c->width == TEXT_BELOW && !cells[i].null) {
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

static void md_table_begin(writer *w, const table *t)
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

static void md_row(writer *w, const table *t, const cell *cells)
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
	"margin:2em auto;max-width:100em;padding:0 1em}"
	"h1{font-size:1.5em;margin-bottom:.2em}h2{font-size:1.15em;margin:1.8em 0 .5em;"
	"border-bottom:1px solid #d5dae0;padding-bottom:.2em}"
	"table{border-collapse:collapse;width:100%;margin:.3em 0}"
	"th,td{text-align:left;padding:.25em .6em;border-bottom:1px solid #e4e7eb;"
	"vertical-align:top;overflow-wrap:break-word}"
	"td[data-name=time],td[data-name=hook],td[data-name=rule],td[data-name=verdict],"
	"td[data-name=commit]{white-space:nowrap}"
	"section{overflow-x:auto}"
	"th{background:#f3f5f7;font-weight:600;white-space:nowrap}td.num,th.num{text-align:right;"
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

static void html_begin(writer *w, const char *title, const char *generated)
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

static void html_table_begin(writer *w, const table *t)
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

static void html_cell(cg_buf *b, const column *c, const cell *v, int alert)
{
	cg_buf value = CG_BUF_INIT, machine = CG_BUF_INIT;

	human_value(&value, c, v, CG_REPORT_HTML);
	machine_value(&machine, c, v);
	cg_buf_printf(b, "<td data-name=\"%s\"", c->name);
	if (is_number(c->type) || alert)
		cg_buf_printf(b, " class=\"%s%s\"", is_number(c->type) ? "num" : "",
		              alert ? (is_number(c->type) ? " alert" : "alert") : "");
	/* The full value where the cell shows less, or a sort key for numbers. */
	if (!v->null && (strcmp(value.ptr, machine.ptr) || is_number(c->type))) {
		cg_buf_puts(b, c->type == COL_OID ? " title=\"" : " data-value=\"");
		html_escape(b, machine.ptr);
		cg_buf_putc(b, '"');
	}
	cg_buf_putc(b, '>');
	if (c->type == COL_OID && !v->null)
		cg_buf_puts(b, "<code>");
	html_escape(b, value.ptr);
	if (c->type == COL_OID && !v->null)
		cg_buf_puts(b, "</code>");
	cg_buf_puts(b, "</td>");
	cg_buf_dispose(&value);
	cg_buf_dispose(&machine);
}

static void html_row(writer *w, const table *t, const cell *cells)
{
	cg_buf b = CG_BUF_INIT;
	size_t i;

	for (i = 0; i < t->ncols; i++) {
		const column *c = &t->cols[i];
		int alert = c->alert && !cells[i].null && (c->type == COL_TEXT || cells[i].n != 0);
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
static void html_chart(writer *w, const char *title, const bucket *b, size_t n,
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
	              left, top, left, top + plot_h, left, top + plot_h, left + plot_w, top + plot_h);
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
			cg_buf_printf(&s, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>",
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
static void writer_tables(writer *w, const table *const *tables, size_t n)
{
	size_t t, c, u;

	w->tables = tables;
	w->ntables = n;
	for (t = 0; t < n; t++)
		for (c = 0; c < tables[t]->ncols; c++) {
			for (u = 0; u < w->ncsv && strcmp(w->csv_names[u], tables[t]->cols[c].name); u++)
				;
			if (u == w->ncsv) {
				w->csv_names = cg_realloc(w->csv_names, (u + 1) * sizeof(*w->csv_names));
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

static void csv_header(writer *w)
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

static void csv_row(writer *w, const table *t, const cell *cells)
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

static void json_row(writer *w, const table *t, const cell *cells)
{
	cg_buf b = CG_BUF_INIT, value = CG_BUF_INIT;
	size_t i;

	cg_buf_puts(&b, t->record ? "{" : w->rows ? ",\n {" : "\n {");
	for (i = 0; i < t->ncols; i++) {
		const column *c = &t->cols[i];
		cg_buf_printf(&b, "%s\"%s\":", i ? "," : "", c->name);
		cg_buf_clear(&value);
		machine_value(&value, c, &cells[i]);
		if (cells[i].null)
			cg_buf_puts(&b, "null");
		else if (is_number(c->type) || c->type == COL_BOOL)
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

static void doc_begin(writer *w, const char *kind, const char *title, int64_t generated_ms,
                      const table *const *tables, size_t ntables)
{
	char generated[32];

	writer_tables(w, tables, ntables);
	cg_timestamp_format(generated, generated_ms ? generated_ms : cg_timestamp_now_ms(), 0);
	switch (w->format) {
	case CG_REPORT_TEXT:
		fprintf(w->out, "%s%s%s (%s)\n", w->color ? BOLD : "", title,
		        w->color ? RESET : "", generated);
		break;
	case CG_REPORT_JSON:
		fprintf(w->out, "{\"format\":\"%s\",\"report\":\"%s\",\"generated\":\"%s\","
		        "\"tool_version\":\"%s\"", CG_REPORT_JSON_FORMAT, kind, generated, CG_VERSION);
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

static void table_begin(writer *w, const table *t)
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

static void table_row(writer *w, const table *t, const cell *cells)
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
static void table_end(writer *w, const table *t, int truncated)
{
	cg_buf note = CG_BUF_INIT;

	if (!w->rows && !t->record)
		cg_buf_puts(&note, "none");
	else if (truncated)
		cg_buf_printf(&note, "only the newest %zu are shown; --limit 0 shows all", w->limit);
	switch (w->format) {
	case CG_REPORT_TEXT:
		if (note.size)
			fprintf(w->out, "  (%s)\n", note.ptr);
		break;
	case CG_REPORT_JSON:
		if (truncated)
			cg_buf_printf(&w->truncated, "%s\"%s\"", w->truncated.size ? "," : "", t->name);
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

static void doc_end(writer *w)
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

static void one_row_table(writer *w, const table *t, const cell *cells)
{
	table_begin(w, t);
	table_row(w, t, cells);
	table_end(w, t, 0);
}

/* The chart is HTML's; the other formats have the table it is drawn from. */
static void chart(writer *w, const char *title, const bucket *b, size_t n,
                  const char *total_name, const char *bad_name)
{
	if (w->format == CG_REPORT_HTML)
		html_chart(w, title, b, n, total_name, bad_name);
}

static int finish_output(writer *w)
{
	if (fflush(w->out) != 0 || ferror(w->out))
		return cg_error_set(CG_ERROR, "cannot write the report: %s", strerror(errno));
	return 0;
}

/*
 * Options.
 */

int cg_report_format_parse(cg_report_format *out, const char *name)
{
	static const struct {
		const char *name;
		cg_report_format format;
	} names[] = {
		{ "text", CG_REPORT_TEXT }, { "json", CG_REPORT_JSON }, { "csv", CG_REPORT_CSV },
		{ "markdown", CG_REPORT_MARKDOWN }, { "md", CG_REPORT_MARKDOWN },
		{ "html", CG_REPORT_HTML },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(name, names[i].name)) {
			*out = names[i].format;
			return 0;
		}
	return cg_error_set(CG_EUSAGE, "unknown format '%s'; use text, json, csv, markdown or html",
	                    name);
}

int cg_report_parse_time(int64_t *out_ms, const char *value, int until)
{
	size_t len = strlen(value);
	char midnight[32];
	cg_ts_status st;

	if (len == 10) {
		snprintf(midnight, sizeof(midnight), "%sT00:00:00Z", value);
		if ((st = cg_timestamp_parse(midnight, 20, out_ms)) == CG_TS_OK) {
			*out_ms += until ? MS_PER_DAY : 0;
			return 0;
		}
	} else if ((st = cg_timestamp_parse(value, len, out_ms)) == CG_TS_OK) {
		return 0;
	}
	if (st == CG_TS_NOT_UTC)
		return cg_error_set(CG_EUSAGE, "'%s' must be UTC, ending in Z", value);
	return cg_error_set(CG_EUSAGE, "'%s' is neither a UTC time (RFC 3339, such as "
	                    "2026-11-24T03:00:00Z) nor a date (YYYY-MM-DD)", value);
}

/* Formats a filter bound for the parameters table; NULL when unset. */
static const char *bound(char buf[32], int64_t ms)
{
	if (!ms)
		return NULL;
	cg_timestamp_format(buf, ms, 0);
	return buf;
}

/*
 * Timelines: counts per period, folded into longer periods when too many.
 */

typedef struct {
	bucket *v;
	size_t n, alloc;
} buckets;

/* Adds to the last bucket when it has the same label (the first `len`
 * characters of `label`), else appends one. */
static void buckets_add(buckets *b, const char *label, size_t len, int64_t total, int64_t bad)
{
	bucket *last = b->n ? &b->v[b->n - 1] : NULL;

	if (len >= sizeof(last->label))
		len = sizeof(last->label) - 1;
	if (!last || strlen(last->label) != len || strncmp(last->label, label, len)) {
		b->v = cg_array_grow(b->v, &b->alloc, b->n + 1, sizeof(*b->v));
		last = &b->v[b->n++];
		memcpy(last->label, label, len);
		last->label[len] = '\0';
		last->total = last->bad = 0;
	}
	last->total += total;
	last->bad += bad;
}

/* Days into months, then months into years, until few enough remain.
 * Labels are ISO dates, so a prefix is the longer period. */
static void buckets_fold(buckets *b)
{
	static const size_t lengths[] = { 7, 4 };
	size_t k, i, n;

	for (k = 0; k < ARRAY_SIZE(lengths) && b->n > MAX_BUCKETS; k++) {
		n = b->n;
		b->n = 0;
		for (i = 0; i < n; i++) {
			bucket one = b->v[i];
			buckets_add(b, one.label, lengths[k], one.total, one.bad);
		}
	}
}

/*
 * The audit report.
 */

#define COL(name, title, type, width) { name, title, type, width, 0 }
#define ALERT(name, title, type, width) { name, title, type, width, 1 }

static const column audit_param_cols[] = {
	COL("database", "Database", COL_TEXT, 0),
	COL("since", "Since", COL_TIME, 0),
	COL("until", "Until", COL_TIME, 0),
	COL("hook", "Hook", COL_TEXT, 0),
	COL("verdict", "Verdict", COL_TEXT, 0),
	COL("rule", "Rule", COL_TEXT, 0),
	COL("author", "Author", COL_TEXT, 0),
	COL("ref", "Ref", COL_TEXT, 0),
	COL("limit", "Rows per list", COL_INT, 0),
};

static const column audit_summary_cols[] = {
	COL("runs", "Runs", COL_INT, 0),
	COL("allowed", "Allowed", COL_INT, 0),
	COL("waived", "Waived", COL_INT, 0),
	ALERT("blocked", "Blocked", COL_INT, 0),
	ALERT("error", "Error", COL_INT, 0),
};

static const column audit_timeline_cols[] = {
	COL("period", "Period", COL_TEXT, 10),
	COL("runs", "Runs", COL_INT, 10),
	ALERT("blocked", "Blocked", COL_INT, 10),
};

static const column audit_rule_cols[] = {
	COL("rule", "Rule", COL_TEXT, 34),
	COL("runs", "Runs", COL_INT, 10),
	COL("findings", "Findings", COL_INT, 10),
	COL("waivers", "Waivers", COL_INT, 10),
};

/* Every listing starts with the run. */
#define RUN_COLS(hook_width, commit_width, author_width, pusher_width) \
	COL("id", "Run", COL_INT, 6), \
	COL("time", "Time (UTC)", COL_TIME, 16), \
	COL("hook", "Hook", COL_TEXT, hook_width), \
	COL("ref", "Ref", COL_TEXT, TEXT_HIDDEN), \
	COL("commit", "Commit", COL_OID, commit_width), \
	COL("author", "Author", COL_TEXT, author_width), \
	COL("pusher", "Pusher", COL_TEXT, pusher_width), \
	COL("verdict", "Verdict", COL_TEXT, TEXT_HIDDEN)
#define RUN_COLUMNS 8

static const column audit_blocked_cols[] = {
	RUN_COLS(18, 10, 22, TEXT_HIDDEN),
	COL("rule", "Rule", COL_TEXT, TEXT_BELOW),
	COL("path", "Path", COL_TEXT, TEXT_BELOW),
	COL("detail", "Finding", COL_TEXT, TEXT_BELOW),
};

static const column audit_waiver_cols[] = {
	RUN_COLS(TEXT_HIDDEN, 10, 22, TEXT_HIDDEN),
	COL("rule", "Rule", COL_TEXT, TEXT_BELOW),
	COL("source", "Source", COL_TEXT, TEXT_HIDDEN),
	COL("name", "Trailer or option", COL_TEXT, TEXT_BELOW),
	COL("reason", "Reason", COL_TEXT, TEXT_BELOW),
	COL("authorizer", "Given by", COL_TEXT, 18),
};

static const column audit_protected_cols[] = {
	RUN_COLS(TEXT_HIDDEN, TEXT_HIDDEN, TEXT_HIDDEN, 14),
	COL("rule", "Rule", COL_TEXT, TEXT_BELOW),
	COL("path", "Paths", COL_TEXT, TEXT_BELOW),
	COL("signed_off", "Signed off", COL_BOOL, 10),
	COL("authorizer", "Authorizer", COL_TEXT, 26),
	COL("detail", "Finding", COL_TEXT, TEXT_BELOW),
};

static const table audit_params = TABLE("parameters", "Parameters", audit_param_cols, 1, 0);
static const table audit_summary = TABLE("summary", "Runs per verdict", audit_summary_cols, 1, 0);
static const table audit_timeline = TABLE("timeline", "Runs per period", audit_timeline_cols, 0, 0);
static const table audit_rules = TABLE("rules", "Findings and waivers per rule", audit_rule_cols, 0, 0);
static const table audit_blocked = TABLE("blocked", "Blocked runs", audit_blocked_cols, 0, 1);
static const table audit_waivers = TABLE("waivers", "Waivers", audit_waiver_cols, 0, 0);
static const table audit_protected = TABLE("protected", "Changes to protected paths",
                                           audit_protected_cols, 0, 1);

static const table *const audit_tables[] = {
	&audit_params, &audit_summary, &audit_timeline, &audit_rules,
	&audit_blocked, &audit_waivers, &audit_protected,
};

/* The first RUN_COLUMNS cells of a listing row: of the run, or of one
 * commit of a push's run (`pushed`, may be NULL). */
static void run_cells(cell *c, const cg_audit_entry *e, const cg_audit_commit *pushed)
{
	c[0] = int_cell(e->id);
	c[1] = text_cell(e->time);
	c[2] = text_cell(e->run.hook);
	c[3] = text_cell(pushed ? pushed->ref : e->run.ref);
	c[4] = text_cell(pushed ? pushed->commit : e->run.commit);
	c[5] = text_cell(pushed ? pushed->author : e->run.author);
	c[6] = text_cell(e->run.pusher);
	c[7] = text_cell(pushed ? pushed->verdict : e->run.verdict);
}

static void audit_parameters(writer *w, const cg_report_opts *opts)
{
	const cg_audit_filter *f = &opts->filter;
	char since[32], until[32];
	cell c[ARRAY_SIZE(audit_param_cols)];

	c[0] = text_cell(opts->source);
	c[1] = text_cell(bound(since, f->since_ms));
	c[2] = text_cell(bound(until, f->until_ms));
	c[3] = text_cell(f->hook);
	c[4] = text_cell(f->verdict);
	c[5] = text_cell(f->rule);
	c[6] = text_cell(f->author);
	c[7] = text_cell(f->ref);
	c[8] = opts->limit ? int_cell((int64_t)opts->limit) : null_cell;
	one_row_table(w, &audit_params, c);
}

static int add_verdict(const cg_audit_group *g, void *payload)
{
	static const char *const verdicts[] = { "allowed", "waived", "blocked", "error" };
	int64_t *counts = payload;
	size_t i;

	counts[0] += g->runs;
	for (i = 0; i < ARRAY_SIZE(verdicts); i++)
		if (!strcmp(g->key, verdicts[i]))
			counts[i + 1] += g->runs;
	return 0;
}

static int audit_summary_table(writer *w, cg_audit *db, const cg_audit_filter *f)
{
	int64_t counts[5] = { 0 };
	cell c[ARRAY_SIZE(audit_summary_cols)];
	size_t i;
	int error;

	if ((error = cg_audit_summary(db, f, CG_AUDIT_BY_VERDICT, add_verdict, counts)) < 0)
		return error;
	for (i = 0; i < ARRAY_SIZE(counts); i++)
		c[i] = int_cell(counts[i]);
	one_row_table(w, &audit_summary, c);
	return 0;
}

static int add_day(const cg_audit_group *g, void *payload)
{
	buckets_add(payload, g->key, strlen(g->key), g->runs, g->blocked);
	return 0;
}

static int audit_timeline_table(writer *w, cg_audit *db, const cg_audit_filter *f)
{
	buckets b = { 0 };
	size_t i;
	int error;

	if ((error = cg_audit_summary(db, f, CG_AUDIT_BY_DAY, add_day, &b)) == 0) {
		buckets_fold(&b);
		chart(w, "Runs and blocked runs over time", b.v, b.n, "runs", "blocked");
		table_begin(w, &audit_timeline);
		for (i = 0; i < b.n; i++) {
			cell c[] = { text_cell(b.v[i].label), int_cell(b.v[i].total),
			             int_cell(b.v[i].bad) };
			table_row(w, &audit_timeline, c);
		}
		table_end(w, &audit_timeline, 0);
	}
	free(b.v);
	return error;
}

static int rule_row(const cg_audit_group *g, void *payload)
{
	cell c[] = { text_cell(g->key), int_cell(g->runs), int_cell(g->findings),
	             int_cell(g->waivers) };

	table_row(payload, &audit_rules, c);
	return 0;
}

static int audit_rules_table(writer *w, cg_audit *db, const cg_audit_filter *f)
{
	int error;

	table_begin(w, &audit_rules);
	error = cg_audit_summary(db, f, CG_AUDIT_BY_RULE, rule_row, w);
	table_end(w, &audit_rules, 0);
	return error;
}

/* A listing cut at opts->limit: one more is asked for, to know if more exist. */
typedef struct {
	writer *w;
	const table *t;
	size_t limit, seen;
	int truncated;
} listing;

static size_t ask_for(const listing *l)
{
	return l->limit ? l->limit + 1 : 0;
}

/* 1 (stop) when the limit is reached; counts the row otherwise. */
static int listing_full(listing *l)
{
	if (l->limit && l->seen == l->limit) {
		l->truncated = 1;
		return 1;
	}
	l->seen++;
	return 0;
}

/* The rows of a blocked run, or of one blocked commit of a push
 * (`pushed`): a row per finding about it, or one without a finding. */
static void blocked_rows(listing *l, const cg_audit_entry *e, const cg_audit_commit *pushed)
{
	cell c[ARRAY_SIZE(audit_blocked_cols)];
	size_t i, rows = 0;

	run_cells(c, e, pushed);
	for (i = 0; i <= e->run.nfindings; i++) {
		const cg_audit_finding *f = i < e->run.nfindings ? &e->run.findings[i] : NULL;
		if (f ? pushed && (!f->commit || strcmp(f->commit, pushed->commit)) : rows > 0)
			continue;
		c[RUN_COLUMNS] = text_cell(f ? f->rule : NULL);
		c[RUN_COLUMNS + 1] = text_cell(f ? f->path : NULL);
		c[RUN_COLUMNS + 2] = text_cell(f ? f->detail : NULL);
		table_row(l->w, l->t, c);
		rows++;
	}
}

/* A push's run lists each commit it blocked, each counted to the limit. */
static int blocked_row(const cg_audit_entry *e, void *payload)
{
	listing *l = payload;
	size_t i;

	if (!e->run.ncommits) {
		if (listing_full(l))
			return 1;
		blocked_rows(l, e, NULL);
	}
	for (i = 0; i < e->run.ncommits; i++) {
		if (strcmp(e->run.commits[i].verdict, "blocked"))
			continue;
		if (listing_full(l))
			return 1;
		blocked_rows(l, e, &e->run.commits[i]);
	}
	return 0;
}

static int audit_blocked_table(writer *w, cg_audit *db, const cg_audit_filter *f, size_t limit)
{
	listing l = { w, &audit_blocked, limit, 0, 0 };
	cg_audit_filter blocked = *f;
	int error = 0;

	blocked.verdict = "blocked";
	table_begin(w, &audit_blocked);
	/* Another --verdict selects no blocked run. */
	if (!f->verdict || !strcmp(f->verdict, "blocked"))
		error = cg_audit_recent(db, &blocked, ask_for(&l), blocked_row, &l);
	table_end(w, &audit_blocked, l.truncated);
	return error < 0 ? error : 0;
}

static int waiver_row(const cg_audit_item *item, void *payload)
{
	listing *l = payload;
	const cg_audit_waiver *v = item->waiver;
	cell c[ARRAY_SIZE(audit_waiver_cols)];

	if (listing_full(l))
		return 1;
	run_cells(c, item->entry, item->commit);
	c[RUN_COLUMNS] = text_cell(v->rule);
	c[RUN_COLUMNS + 1] = text_cell(v->source);
	c[RUN_COLUMNS + 2] = text_cell(v->name);
	c[RUN_COLUMNS + 3] = text_cell(v->reason);
	c[RUN_COLUMNS + 4] = text_cell(v->authorizer);
	table_row(l->w, l->t, c);
	return 0;
}

/* A sign-off lists the paths it covers as its reason; a finding is one path. */
static int protected_row(const cg_audit_item *item, void *payload)
{
	listing *l = payload;
	const cg_audit_waiver *v = item->waiver;
	const cg_audit_finding *f = item->finding;
	cell c[ARRAY_SIZE(audit_protected_cols)];

	if (listing_full(l))
		return 1;
	run_cells(c, item->entry, item->commit);
	c[RUN_COLUMNS] = text_cell(v ? v->rule : f->rule);
	c[RUN_COLUMNS + 1] = text_cell(v ? v->reason : f->path);
	c[RUN_COLUMNS + 2] = int_cell(v != NULL);
	c[RUN_COLUMNS + 3] = text_cell(v ? v->authorizer : NULL);
	c[RUN_COLUMNS + 4] = text_cell(v ? NULL : f->detail);
	table_row(l->w, l->t, c);
	return 0;
}

static int audit_items_table(writer *w, cg_audit *db, const cg_audit_filter *f, size_t limit,
                             const table *t, cg_audit_item_kind kind, cg_audit_item_cb row)
{
	listing l = { w, t, limit, 0, 0 };
	int error;

	table_begin(w, t);
	error = cg_audit_items(db, f, kind, ask_for(&l), row, &l);
	table_end(w, t, l.truncated);
	return error < 0 ? error : 0;
}

int cg_report_audit(cg_audit *db, const cg_report_opts *opts)
{
	const cg_audit_filter *f = &opts->filter;
	writer w;
	int error;

	writer_init(&w, opts, opts->out);
	doc_begin(&w, "audit", "changeguard audit report", opts->generated_ms, audit_tables,
	          ARRAY_SIZE(audit_tables));
	audit_parameters(&w, opts);
	if ((error = audit_summary_table(&w, db, f)) == 0 &&
	    (error = audit_timeline_table(&w, db, f)) == 0 &&
	    (error = audit_rules_table(&w, db, f)) == 0 &&
	    (error = audit_blocked_table(&w, db, f, opts->limit)) == 0 &&
	    (error = audit_items_table(&w, db, f, opts->limit, &audit_waivers,
	                               CG_AUDIT_ITEMS_WAIVERS, waiver_row)) == 0 &&
	    (error = audit_items_table(&w, db, f, opts->limit, &audit_protected,
	                               CG_AUDIT_ITEMS_PROTECTED, protected_row)) == 0) {
		doc_end(&w);
		error = finish_output(&w);
	}
	writer_dispose(&w);
	return error;
}

/*
 * verify and export.
 */

static const column verify_cols[] = {
	COL("database", "Database", COL_TEXT, 0),
	COL("intact", "Intact", COL_BOOL, 0),
	COL("runs_checked", "Runs intact", COL_INT, 0),
	ALERT("first_bad_id", "First broken run", COL_INT, 0),
	ALERT("problem", "Problem", COL_TEXT, 0),
};
static const table verify_table = TABLE("chain", "Hash chain", verify_cols, 1, 0);
static const table *const verify_tables[] = { &verify_table };

int cg_report_verify(cg_audit *db, const cg_report_opts *opts, int *broken)
{
	int64_t bad = 0;
	size_t rows = 0;
	cell c[ARRAY_SIZE(verify_cols)];
	writer w;
	int error;

	*broken = 0;
	if ((error = cg_audit_verify(db, &bad, &rows)) < 0)
		return error;
	*broken = error == 1;
	writer_init(&w, opts, opts->out);
	doc_begin(&w, "verify", "changeguard audit chain", opts->generated_ms, verify_tables, 1);
	c[0] = text_cell(opts->source);
	c[1] = int_cell(!*broken);
	c[2] = int_cell((int64_t)rows);
	c[3] = *broken && bad ? int_cell(bad) : null_cell;
	c[4] = text_cell(*broken ? cg_error_last() : NULL);
	one_row_table(&w, &verify_table, c);
	doc_end(&w);
	error = finish_output(&w);
	writer_dispose(&w);
	return error;
}

static const column export_cols[] = {
	COL("id", "Run", COL_INT, 6),
	COL("time", "Time (UTC)", COL_TIME, 16),
	COL("hook", "Hook", COL_TEXT, 18),
	COL("repository", "Repository", COL_TEXT, TEXT_HIDDEN),
	COL("ref", "Ref", COL_TEXT, TEXT_HIDDEN),
	COL("old_oid", "Old", COL_OID, TEXT_HIDDEN),
	COL("new_oid", "New", COL_OID, TEXT_HIDDEN),
	COL("commit", "Commit", COL_OID, TEXT_HIDDEN),
	COL("author", "Author", COL_TEXT, 20),
	COL("committer", "Committer", COL_TEXT, TEXT_HIDDEN),
	COL("pusher", "Pusher", COL_TEXT, TEXT_HIDDEN),
	COL("verdict", "Verdict", COL_TEXT, 7),
	ALERT("findings", "Findings", COL_INT, 8),
	COL("waivers", "Waivers", COL_INT, TEXT_HIDDEN),
	COL("policy_sha256", "Policy SHA-256", COL_TEXT, TEXT_HIDDEN),
	COL("tool_version", "Version", COL_TEXT, TEXT_HIDDEN),
	COL("duration_us", "Duration (us)", COL_INT, TEXT_HIDDEN),
	COL("hash", "Hash", COL_TEXT, TEXT_HIDDEN),
};
static const table export_table = TABLE("runs", "Runs", export_cols, 0, 0);
static const table *const export_tables[] = { &export_table };

static int export_row(const cg_audit_entry *e, void *payload)
{
	const cg_audit_run *r = &e->run;
	cell c[] = {
		int_cell(e->id), text_cell(e->time), text_cell(r->hook), text_cell(r->repository),
		text_cell(r->ref), text_cell(r->old_oid), text_cell(r->new_oid), text_cell(r->commit),
		text_cell(r->author), text_cell(r->committer), text_cell(r->pusher),
		text_cell(r->verdict), int_cell((int64_t)r->nfindings), int_cell((int64_t)r->nwaivers),
		text_cell(r->policy_sha256), text_cell(e->tool_version), int_cell(r->duration_us),
		text_cell(e->hash),
	};

	table_row(payload, &export_table, c);
	return 0;
}

static int export_line(const cg_audit_entry *e, void *payload)
{
	writer *w = payload;
	cg_buf line = CG_BUF_INIT;

	cg_audit_entry_json(&line, e);
	put_buf(w, &line);
	cg_buf_dispose(&line);
	return 0;
}

int cg_report_export(cg_audit *db, const cg_report_opts *opts)
{
	writer w;
	int error;

	writer_init(&w, opts, opts->out);
	if (opts->format == CG_REPORT_JSON) {
		error = cg_audit_query(db, &opts->filter, export_line, &w);
	} else {
		doc_begin(&w, "export", "changeguard audit export", opts->generated_ms,
		          export_tables, 1);
		table_begin(&w, &export_table);
		if ((error = cg_audit_query(db, &opts->filter, export_row, &w)) == 0) {
			table_end(&w, &export_table, 0);
			doc_end(&w);
		}
	}
	if (error == 0)
		error = finish_output(&w);
	writer_dispose(&w);
	return error;
}

/*
 * History: the policy over existing commits, one at a time.
 */

static const column history_param_cols[] = {
	COL("repository", "Repository", COL_TEXT, 0),
	COL("range", "Range", COL_TEXT, 0),
	COL("since", "Since", COL_TIME, 0),
	COL("until", "Until", COL_TIME, 0),
	COL("author", "Author", COL_TEXT, 0),
	COL("policy", "Policy", COL_TEXT, 0),
	COL("policy_sha256", "Policy SHA-256", COL_TEXT, 0),
};

static const column history_summary_cols[] = {
	COL("commits", "Commits", COL_INT, 0),
	COL("compliant", "Compliant", COL_INT, 0),
	COL("waived", "Of which waived", COL_INT, 0),
	ALERT("violating", "Violating", COL_INT, 0),
	COL("compliance", "Compliance", COL_RATE, 0),
};

/* A breakdown: its key column, then the counts. */
#define TALLY_COLS(key, title, width) \
	COL(key, title, COL_TEXT, width), \
	COL("commits", "Commits", COL_INT, 10), \
	ALERT("violating", "Violating", COL_INT, 10), \
	COL("compliance", "Compliance", COL_RATE, 10)

static const column history_dir_cols[] = {
	TALLY_COLS("directory", "Directory", 40),
	COL("changelog", "CHANGELOG", COL_TEXT, TEXT_HIDDEN),
};
static const column history_author_cols[] = { TALLY_COLS("author", "Author", 40) };
static const column history_month_cols[] = { TALLY_COLS("month", "Month", 10) };

static const column history_rule_cols[] = {
	COL("rule", "Rule", COL_TEXT, 40),
	COL("commits", "Commits", COL_INT, 10),
	COL("findings", "Findings", COL_INT, 10),
};

static const column history_violation_cols[] = {
	COL("commit", "Commit", COL_OID, 10),
	COL("time", "Committed (UTC)", COL_TIME, 16),
	COL("author", "Author", COL_TEXT, 20),
	COL("subject", "Subject", COL_TEXT, 28),
	COL("rule", "Rule", COL_TEXT, TEXT_BELOW),
	COL("path", "Path", COL_TEXT, TEXT_BELOW),
	COL("detail", "Finding", COL_TEXT, TEXT_BELOW),
};

static const table history_params = TABLE("parameters", "Parameters", history_param_cols, 1, 0);
static const table history_summary = TABLE("summary", "Compliance", history_summary_cols, 1, 0);
static const table history_months = TABLE("months", "Per month", history_month_cols, 0, 0);
static const table history_dirs = TABLE("directories", "Per directory (by its CHANGELOG)",
                                        history_dir_cols, 0, 0);
static const table history_authors = TABLE("authors", "Per author", history_author_cols, 0, 0);
static const table history_rules = TABLE("rules", "Findings per rule", history_rule_cols, 0, 0);
static const table history_violations = TABLE("violations", "Violating commits",
                                              history_violation_cols, 0, 1);

static const table *const history_tables[] = {
	&history_params, &history_summary, &history_months, &history_dirs,
	&history_authors, &history_rules, &history_violations,
};

/* Counts under one key (a directory, author, month or rule). */
typedef struct {
	char *key;
	char *extra;  /* directories: the CHANGELOG */
	int64_t commits, violating, findings;
} tally;

/* Sorted by key: memory grows with the keys, not with the commits. */
typedef struct {
	tally *v;
	size_t n, alloc;
} tallies;

static tally *tally_at(tallies *t, const char *key)
{
	size_t lo = 0, hi = t->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(t->v[mid].key, key);
		if (!c)
			return &t->v[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	t->v = cg_array_grow(t->v, &t->alloc, t->n + 1, sizeof(*t->v));
	memmove(&t->v[lo + 1], &t->v[lo], (t->n - lo) * sizeof(*t->v));
	t->n++;
	memset(&t->v[lo], 0, sizeof(*t->v));
	t->v[lo].key = cg_strdup(key);
	return &t->v[lo];
}

static void tallies_dispose(tallies *t)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		free(t->v[i].key);
		free(t->v[i].extra);
	}
	free(t->v);
}

static void tally_table(writer *w, const table *t, const tallies *ts)
{
	size_t i;

	table_begin(w, t);
	for (i = 0; i < ts->n; i++) {
		const tally *y = &ts->v[i];
		cell c[] = { text_cell(y->key), int_cell(y->commits), int_cell(y->violating),
		             rate_cell(y->commits - y->violating, y->commits), text_cell(y->extra) };
		table_row(w, t, c);
	}
	table_end(w, t, 0);
}

typedef struct {
	const cg_policy *policy;
	const cg_report_opts *opts;
	writer spool;          /* the violations table's rows, until the end */
	int64_t commits, violating, waived;
	tallies dirs, authors, months, rules;
	cg_buf author, scratch;
	char **logs;           /* the current commit's CHANGELOGs */
	size_t nlogs, alogs;
	cg_memo *memo;         /* objects reused along the walk */
} history;

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

static void add_log(history *h, const char *path)
{
	size_t i;

	for (i = 0; i < h->nlogs; i++)
		if (!strcmp(h->logs[i], path))
			return;
	h->logs = cg_array_grow(h->logs, &h->alogs, h->nlogs + 1, sizeof(*h->logs));
	h->logs[h->nlogs++] = cg_strdup(path);
}

static void clear_logs(history *h)
{
	size_t i;

	for (i = 0; i < h->nlogs; i++)
		free(h->logs[i]);
	h->nlogs = 0;
}

static int lacks_entry(const cg_result *r, const char *changelog)
{
	size_t i;

	for (i = 0; i < r->nfindings; i++)
		if (!strcmp(r->findings[i].rule, "changelog") && r->findings[i].path &&
		    !strcmp(r->findings[i].path, changelog))
			return 1;
	return 0;
}

/* A commit belongs to the directory of each CHANGELOG it changed (in
 * h->logs already) or was found lacking, and violates there when a
 * changelog finding names it. */
static void count_directories(history *h, const cg_result *r)
{
	size_t i;

	for (i = 0; i < r->nfindings; i++)
		if (!strcmp(r->findings[i].rule, "changelog") && r->findings[i].path)
			add_log(h, r->findings[i].path);
	for (i = 0; i < h->nlogs; i++) {
		const char *log = h->logs[i], *base = base_name(log);
		tally *t;

		cg_buf_clear(&h->scratch);
		if (base == log)
			cg_buf_putc(&h->scratch, '.');
		else
			cg_buf_put(&h->scratch, log, (size_t)(base - log) - 1);
		t = tally_at(&h->dirs, h->scratch.ptr);
		if (!t->extra)
			t->extra = cg_strdup(log);
		t->commits++;
		t->violating += lacks_entry(r, log);
	}
}

static void count_rules(history *h, const cg_result *r)
{
	size_t i, j;

	for (i = 0; i < r->nfindings; i++) {
		tally *t = tally_at(&h->rules, r->findings[i].rule);
		for (j = 0; j < i && strcmp(r->findings[j].rule, r->findings[i].rule); j++)
			;
		t->commits += j == i;
		t->findings++;
	}
}

static void count(tally *t, int violating)
{
	t->commits++;
	t->violating += violating;
}

static void spool_violations(history *h, const char *oid, const char *time,
                             const char *summary, const cg_result *r)
{
	size_t i;

	for (i = 0; i < r->nfindings; i++) {
		const cg_finding *f = &r->findings[i];
		cell c[] = { text_cell(oid), text_cell(time), text_cell(h->author.ptr),
		             text_cell(summary), text_cell(f->rule),
		             text_cell(f->path), text_cell(f->detail) };
		table_row(&h->spool, &history_violations, c);
	}
}

/* 1 when the commit is outside --since, --until or --author. */
static int filtered_out(const history *h, int64_t when)
{
	const cg_audit_filter *f = &h->opts->filter;

	return (f->since_ms && when < f->since_ms) || (f->until_ms && when >= f->until_ms) ||
	       (f->author && !strstr(h->author.ptr, f->author));
}

/*
 * The walk's commits are checked in batches, as jobs of cg_parallel_run
 * (several processes on a long history), and counted here in walk order.
 * A job's record: the tag 0 for a commit the filters leave out; or the tag
 * 1, the author, the time, the result, the CHANGELOGs the commit changed
 * (then a NULL field), and its subject when it violates.
 */
#define HISTORY_BATCH 4096

typedef struct {
	history *h;
	git_repository *repo;
	const git_oid *ids;
} history_jobs;

static void put_changed_logs(cg_buf *out, const history *h, const cg_changes *changes)
{
	size_t i, n = cg_changes_count(changes);

	for (i = 0; i < n; i++) {
		const char *path = cg_changes_get(changes, i)->path;
		if (!strcmp(base_name(path), h->policy->changelog.file))
			cg_buf_put_field(out, path);
	}
	cg_buf_put_field(out, NULL);
}

/* The CHANGELOGs put_changed_logs wrote, into h->logs. */
static int get_changed_logs(history *h, cg_buf_reader *in)
{
	char *log;

	while (cg_buf_get_field(in, &log) == 0) {
		if (!log)
			return 0;
		add_log(h, log);
		free(log);
	}
	return -1;
}

static int check_history_commit(cg_buf *out, history *h, git_repository *repo, git_commit *commit)
{
	const git_signature *a = git_commit_author(commit);
	int64_t when = (int64_t)git_commit_time(commit) * 1000;
	cg_check_commit_opts opts = CG_CHECK_COMMIT_OPTS_INIT;
	cg_changes *changes = NULL;
	cg_result *r = NULL;
	int error;

	cg_buf_clear(&h->author);
	cg_buf_printf(&h->author, "%s <%s>", a->name, a->email);
	if (filtered_out(h, when)) {
		cg_buf_put_u32(out, 0);
		return 0;
	}
	opts.memo = h->memo;
	opts.changes = &changes;
	if ((error = cg_check_commit_ext(&r, repo, h->policy, commit, &opts)) == 0) {
		cg_buf_put_u32(out, 1);
		cg_buf_put_field(out, h->author.ptr);
		cg_buf_put_u64(out, (uint64_t)when);
		cg_result_encode(out, r);
		put_changed_logs(out, h, changes);
		cg_buf_put_field(out, r->verdict == CG_VERDICT_BLOCKED ? git_commit_summary(commit) : NULL);
	}
	cg_result_free(r);
	cg_changes_free(changes);
	return error;
}

static int run_history(size_t i, cg_buf *out, void *payload)
{
	history_jobs *j = payload;
	git_commit *commit = NULL;
	int error;

	if (git_commit_lookup(&commit, j->repo, &j->ids[i]) < 0)
		return cg_check_missing(j->repo, &j->ids[i]);
	if ((error = check_history_commit(out, j->h, j->repo, commit)) < 0)
		cg_error_prefix(error, "commit %s", git_oid_tostr_s(&j->ids[i]));
	git_commit_free(commit);
	return error;
}

static void count_commit(history *h, const git_oid *oid, int64_t when, const cg_result *r,
                         const char *summary)
{
	char time[32];
	int bad = r->verdict == CG_VERDICT_BLOCKED;

	cg_timestamp_format(time, when, 0);
	h->commits++;
	h->violating += bad;
	h->waived += r->verdict == CG_VERDICT_WAIVED;
	count(tally_at(&h->authors, h->author.ptr), bad);
	time[7] = '\0';
	count(tally_at(&h->months, time), bad);
	time[7] = '-';
	count_directories(h, r);
	count_rules(h, r);
	if (bad)
		spool_violations(h, git_oid_tostr_s(oid), time, summary ? summary : "", r);
}

static int take_history(size_t i, cg_buf_reader *in, void *payload)
{
	history_jobs *j = payload;
	history *h = j->h;
	cg_result *r = NULL;
	char *author = NULL, *summary = NULL;
	uint32_t checked;
	uint64_t when;
	int ok;

	if (cg_buf_get_u32(in, &checked) < 0)
		return cg_error_set(CG_ERROR, "a checked commit's record is damaged");
	if (!checked)
		return 0;
	ok = cg_buf_get_field(in, &author) == 0 && author && cg_buf_get_u64(in, &when) == 0 &&
	     cg_result_decode(&r, in) == 0 && get_changed_logs(h, in) == 0 &&
	     cg_buf_get_field(in, &summary) == 0;
	if (ok) {
		cg_buf_clear(&h->author);
		cg_buf_puts(&h->author, author);
		count_commit(h, &j->ids[i], (int64_t)when, r, summary);
	}
	clear_logs(h);
	cg_result_free(r);
	free(author);
	free(summary);
	return ok ? 0 : cg_error_set(CG_ERROR, "a checked commit's record is damaged");
}

static int history_batch(const git_oid *ids, size_t n, void *payload)
{
	history_jobs *j = payload;
	cg_parallel_jobs jobs = { run_history, take_history, j };

	j->ids = ids;
	return cg_parallel_run(&jobs, n);
}

static int history_walk(history *h, git_repository *repo, char *const *revs, size_t nrevs)
{
	history_jobs jobs = { h, repo, NULL };
	git_revwalk *walk = NULL;
	size_t i;
	int error = 0;

	if (git_revwalk_new(&walk, repo) < 0)
		return cg_error_from_git("cannot walk the history");
	git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL | GIT_SORT_TIME);
	for (i = 0; i < nrevs && !error; i++)
		error = cg_check_push_rev(walk, repo, revs[i], NULL, NULL);
	/* No revisions: HEAD, of which an unborn branch has no commits. */
	if (!nrevs && git_repository_head_unborn(repo) != 1 && git_revwalk_push_head(walk) < 0)
		error = cg_error_from_git("cannot read HEAD");
	if (!error)
		error = cg_check_walk_ids(walk, repo, HISTORY_BATCH, history_batch, &jobs);
	git_revwalk_free(walk);
	return error;
}

static void history_parameters(writer *w, const history *h, git_repository *repo,
                               char *const *revs, size_t nrevs)
{
	const cg_audit_filter *f = &h->opts->filter;
	const char *workdir = git_repository_workdir(repo);
	cell c[ARRAY_SIZE(history_param_cols)];
	char since[32], until[32];
	cg_buf range = CG_BUF_INIT;
	size_t i;

	for (i = 0; i < nrevs; i++)
		cg_buf_printf(&range, "%s%s", i ? " " : "", revs[i]);
	c[0] = text_cell(h->opts->source ? h->opts->source :
	                 workdir ? workdir : git_repository_path(repo));
	c[1] = text_cell(nrevs ? range.ptr : "HEAD");
	c[2] = text_cell(bound(since, f->since_ms));
	c[3] = text_cell(bound(until, f->until_ms));
	c[4] = text_cell(f->author);
	c[5] = text_cell(h->policy->source);
	c[6] = text_cell(h->policy->sha256);
	one_row_table(w, &history_params, c);
	cg_buf_dispose(&range);
}

static void history_months_chart(writer *w, const tallies *months)
{
	bucket *b = cg_calloc(months->n + 1, sizeof(*b));
	size_t i;

	for (i = 0; i < months->n; i++) {
		snprintf(b[i].label, sizeof(b[i].label), "%s", months->v[i].key);
		b[i].total = months->v[i].commits;
		b[i].bad = months->v[i].violating;
	}
	chart(w, "Commits and violating commits per month", b, months->n, "commits", "violating");
	free(b);
}

/* The rows `spool` wrote (in the same format) become the current table's. */
static int splice_rows(writer *w, writer *spool)
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

static void rules_table(writer *w, const tallies *rules)
{
	size_t i;

	table_begin(w, &history_rules);
	for (i = 0; i < rules->n; i++) {
		cell c[] = { text_cell(rules->v[i].key), int_cell(rules->v[i].commits),
		             int_cell(rules->v[i].findings) };
		table_row(w, &history_rules, c);
	}
	table_end(w, &history_rules, 0);
}

static int history_document(writer *w, history *h, git_repository *repo, char *const *revs,
                            size_t nrevs)
{
	cell sum[] = { int_cell(h->commits), int_cell(h->commits - h->violating),
	               int_cell(h->waived), int_cell(h->violating),
	               rate_cell(h->commits - h->violating, h->commits) };
	int error;

	doc_begin(w, "history", "changeguard history report", h->opts->generated_ms,
	          history_tables, ARRAY_SIZE(history_tables));
	history_parameters(w, h, repo, revs, nrevs);
	one_row_table(w, &history_summary, sum);
	history_months_chart(w, &h->months);
	tally_table(w, &history_months, &h->months);
	tally_table(w, &history_dirs, &h->dirs);
	tally_table(w, &history_authors, &h->authors);
	rules_table(w, &h->rules);
	table_begin(w, &history_violations);
	if ((error = splice_rows(w, &h->spool)) < 0)
		return error;
	table_end(w, &history_violations, 0);
	doc_end(w);
	return finish_output(w);
}

int cg_report_history(size_t *violations, git_repository *repo, const cg_policy *policy,
                      char *const *revs, size_t nrevs, const cg_report_opts *opts)
{
	history h = { 0 };
	FILE *spool = tmpfile();
	writer w;
	int error;

	*violations = 0;
	if (!spool)
		return cg_error_set(CG_ERROR, "cannot create a temporary file: %s", strerror(errno));
	h.policy = policy;
	h.opts = opts;
	h.author = (cg_buf)CG_BUF_INIT;
	h.scratch = (cg_buf)CG_BUF_INIT;
	h.memo = cg_memo_new();
	writer_init(&h.spool, opts, spool);
	writer_tables(&h.spool, history_tables, ARRAY_SIZE(history_tables));
	writer_init(&w, opts, opts->out);
	if ((error = history_walk(&h, repo, revs, nrevs)) == 0 &&
	    (error = finish_output(&h.spool)) == 0)
		error = history_document(&w, &h, repo, revs, nrevs);
	*violations = (size_t)h.violating;
	writer_dispose(&w);
	writer_dispose(&h.spool);
	fclose(spool);
	tallies_dispose(&h.dirs);
	tallies_dispose(&h.authors);
	tallies_dispose(&h.months);
	tallies_dispose(&h.rules);
	cg_buf_dispose(&h.author);
	cg_buf_dispose(&h.scratch);
	free(h.logs);
	cg_memo_free(h.memo);
	return error;
}
