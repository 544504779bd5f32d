/*
 * changelog.h: reads a CHANGELOG blob into its entry lines and tells which
 * entries a change added (with their timestamps) and which it removed or altered.
 */
#ifndef CG_CHANGELOG_H
#define CG_CHANGELOG_H

#include <stddef.h>
#include <stdint.h>
#include "buf.h"
#include "pattern.h"
#include "timestamp.h"

/* Blobs larger than this are not read: a finding says so instead. */
#define CG_CHANGELOG_MAX_BYTES (32u * 1024 * 1024)

typedef enum {
	CG_LINE_ENTRY,     /* matches entry_pattern; `status` says if its ts is valid */
	CG_LINE_NEAR_MISS, /* looks like a dated entry but does not match entry_pattern */
	CG_LINE_CONFLICT   /* a merge conflict marker git left: the merge is unfinished */
} cg_line_kind;

typedef struct {
	size_t line;         /* 1-based line number in its file */
	const char *text;    /* lent from the parsed data; no CR/LF */
	size_t len;
	cg_line_kind kind;
	cg_ts_status status; /* of the timestamp it carries */
	int64_t ts_ms;       /* valid when status == CG_TS_OK */
	const char *ts;      /* the timestamp text as written, lent */
	size_t ts_len;
} cg_changelog_line;

typedef struct cg_changelog cg_changelog;

/* Parses `data` (not copied: it must outlive the result). A UTF-8 BOM and CR
 * line ends are tolerated; lines inside fenced code blocks and HTML comments
 * are not entries. Returns CG_ELIMIT when the regex budget runs out. */
int cg_changelog_parse(cg_changelog **out, const char *data, size_t len,
                       const cg_pattern *entry_pattern);

size_t cg_changelog_count(const cg_changelog *cl);
const cg_changelog_line *cg_changelog_get(const cg_changelog *cl, size_t i);

/* What a change did to a changelog: `added` are lines of `now` that occur
 * more often than in any of `before` (entries and near misses); `removed`
 * are entry lines of some `before` that occur less often in `now`. Lines are
 * compared as text, so moving an entry is neither. The arrays are lent from
 * the delta and point into the parsed files. */
typedef struct {
	const cg_changelog_line **added;
	size_t nadded;
	const cg_changelog_line **removed;
	size_t nremoved;
	cg_changelog **owned; /* parsed by cg_changelog_diff; freed with the delta */
	size_t nowned;
} cg_changelog_delta;

int cg_changelog_compare(cg_changelog_delta *out, const cg_changelog *now,
                         const cg_changelog *const *before, size_t nbefore);
void cg_changelog_delta_dispose(cg_changelog_delta *delta);

typedef struct {
	const char *data; /* must outlive the delta; "" for an absent file */
	size_t len;
} cg_changelog_text;

/* Drops from `delta->added` the lines that some `before` text already holds
 * as a whole line, anywhere, shown or hidden: a copy of an existing entry
 * is no new entry (it would satisfy the rule with nothing new). */
void cg_changelog_drop_copies(cg_changelog_delta *delta, const cg_changelog_text *before,
                              size_t nbefore);

/* The same delta as parsing every side and comparing, then
 * cg_changelog_drop_copies, from the texts: with one `before`, the common
 * prefix and suffix are skipped without running a regex, so the cost
 * follows the size of the edit, not of the file. */
int cg_changelog_diff(cg_changelog_delta *out, const cg_changelog_text *now,
                      const cg_changelog_text *before, size_t nbefore,
                      const cg_pattern *entry);

/* Whether the entries run oldest first: more of them later than the one
 * before than earlier. A tie (one entry, none) means newest first. */
int cg_changelog_oldest_first(const cg_changelog *cl);

void cg_changelog_free(cg_changelog *cl);

/* One line of a changelog as Markdown structure: where entries can go. */
typedef struct {
	size_t off, len;    /* the line in the data, without its line end */
	size_t next;        /* where the next line starts */
	int heading;        /* 1-6 on an ATX heading or a setext heading's text, else 0 */
	int underline;      /* the === or --- line under a setext heading */
	int blank;          /* nothing but blanks */
	int hidden;         /* in a code block, an HTML comment or block, front matter */
	int link_def;       /* a link reference definition: "[name]: url" */
	int item;           /* starts a list item that is not inside another one */
} cg_changelog_mark;

/* Every line of `data` as a mark, in *out (free() it), their count in *n.
 * A UTF-8 BOM comes before the first line. */
void cg_changelog_outline(cg_changelog_mark **out, size_t *n, const char *data, size_t len);

/* The name a changelog over CG_CHANGELOG_MAX_BYTES moves to, so that a new
 * one can start: "dir/CHANGELOG.md" gives "dir/CHANGELOG-old.md". */
void cg_changelog_archive_name(cg_buf *out, const char *path);

/* 0 when data is valid UTF-8; else 1, with the offset of the first byte
 * that is not in *offset (an encoding such as Latin-1 or UTF-16). */
int cg_changelog_utf8_error(const char *data, size_t len, size_t *offset);

/* cg_changelog_utf8_error of `data`, knowing that `valid` has none: only
 * where the two differ is read (the common start and end are compared,
 * not decoded), with the same answer and offset. Along a walk each
 * CHANGELOG version is then decoded where it differs from the next one. */
int cg_changelog_utf8_error_beside(const char *data, size_t len, const char *valid,
                                   size_t vlen, size_t *offset);

/* 1 when data holds a NUL byte in its first 8000 bytes, as git decides. */
int cg_changelog_is_binary(const char *data, size_t len);

#endif
