/*
 * render.h: the reports' model (tables of typed columns) and its five formats,
 * text, JSON, CSV, markdown and one HTML file, so that every format carries the same data.
 */
#ifndef CG_RENDER_H
#define CG_RENDER_H

#include <stdint.h>
#include <stdio.h>
#include "buf.h"
#include "report.h"

/*
 * A report is a sequence of tables with fixed columns. Each format renders
 * the same tables, so that every format carries the same data.
 */

typedef enum {
	CG_COL_TEXT,
	CG_COL_INT,
	CG_COL_RATE, /* a fraction n/d: 0.6667 for machines, 66.7% for people */
	CG_COL_BOOL,
	CG_COL_TIME, /* RFC 3339; text shows "YYYY-MM-DD HH:MM" */
	CG_COL_OID   /* text, markdown and HTML show an abbreviation */
} cg_render_col_type;

/* Text layout of a column: a width, or one of these. */
enum {
	CG_TEXT_BELOW = 0,  /* on an indented line below the row, joined by ": " */
	CG_TEXT_HIDDEN = -1 /* not in text; the other formats have it */
};

typedef struct {
	const char *name;   /* JSON member, CSV column */
	const char *title;  /* text, markdown and HTML header */
	cg_render_col_type type;
	int width;          /* text: characters, TEXT_BELOW or TEXT_HIDDEN */
	int alert;          /* red (text) or marked (HTML) when non-zero */
} cg_render_column;

typedef struct {
	const char *name;   /* JSON member, CSV section, HTML id */
	const char *title;
	const cg_render_column *cols;
	size_t ncols;
	int record;         /* exactly one row: an object in JSON, key/value lines elsewhere */
	int group;          /* text: a row whose columns repeat the previous row's
	                     * shows only its lines below (findings of one run) */
} cg_render_table;

#define CG_COL(name, title, type, width) { name, title, type, width, 0 }
#define CG_ALERT(name, title, type, width) { name, title, type, width, 1 }
#define CG_TABLE(name, title, cols, record, group) \
	{ name, title, cols, ARRAY_SIZE(cols), record, group }

typedef struct {
	const char *s;   /* CG_COL_TEXT, CG_COL_TIME, CG_COL_OID */
	int64_t n, d;    /* CG_COL_INT, CG_COL_BOOL: n; CG_COL_RATE: n / d */
	int null;
} cg_render_cell;

static inline cg_render_cell cg_render_text(const char *s)
{
	return (cg_render_cell){ s, 0, 0, s == NULL };
}

static inline cg_render_cell cg_render_int(int64_t n)
{
	return (cg_render_cell){ NULL, n, 0, 0 };
}

static inline cg_render_cell cg_render_rate(int64_t n, int64_t d)
{
	return (cg_render_cell){ NULL, n, d, d == 0 };
}

static const cg_render_cell cg_render_null = { NULL, 0, 0, 1 };

/* A bar of the HTML chart: a period, its total and how many violated. */
typedef struct {
	char label[16];
	int64_t total, bad;
} cg_render_bucket;

/* A document being written; the caller owns it (cg_render_init, cg_render_dispose). */
typedef struct {
	cg_report_format format;
	FILE *out;
	int color;
	size_t rows;             /* of the current table */
	const cg_render_table *const *tables; /* all of the document's (cg_render_tables) */
	size_t ntables;
	const char **csv_names;  /* CSV: the columns after "section" */
	size_t ncsv;
	int *csv_map;            /* CSV: [table * ncsv + name] = its column, or -1 */
	cg_buf last;             /* text: the previous row, for table.group */
	cg_buf truncated;        /* JSON: the tables cut by --limit */
	size_t limit;            /* --limit, for the note on a cut table */
} cg_render;

void cg_render_init(cg_render *w, const cg_report_opts *opts, FILE *out);
void cg_render_dispose(cg_render *w);

/* Declares every table of the document (CSV's columns are their union);
 * cg_render_doc_begin does it, a spool of rows does it alone. */
void cg_render_tables(cg_render *w, const cg_render_table *const *tables, size_t n);

/* `kind` is the JSON document's "report"; `generated_ms` 0 means now. */
void cg_render_doc_begin(cg_render *w, const char *kind, const char *title, int64_t generated_ms,
                         const cg_render_table *const *tables, size_t ntables);
void cg_render_table_begin(cg_render *w, const cg_render_table *t);
void cg_render_row(cg_render *w, const cg_render_table *t, const cg_render_cell *cells);
/* `truncated`: the table stopped at --limit rows. */
void cg_render_table_end(cg_render *w, const cg_render_table *t, int truncated);
void cg_render_doc_end(cg_render *w);

/* A table of the single row `cells`. */
void cg_render_one_row(cg_render *w, const cg_render_table *t, const cg_render_cell *cells);

/* The chart is HTML's; the other formats have the table it is drawn from. */
void cg_render_chart(cg_render *w, const char *title, const cg_render_bucket *b, size_t n,
                     const char *total_name, const char *bad_name);

/* The rows `spool` wrote (in the same format) become the current table's. */
int cg_render_splice(cg_render *w, cg_render *spool);

/* Flushes; a write error is CG_ERROR. */
int cg_render_finish(cg_render *w);

/* Formats a filter bound for a parameters table into buf; NULL when unset. */
const char *cg_render_bound(char buf[32], int64_t ms);

#endif
