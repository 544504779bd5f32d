/*
 * report.h: changelog-audit's reports (what the audit database recorded, how
 * the history complies), rendered as text, JSON, CSV, markdown or one HTML file.
 */
#ifndef CG_REPORT_H
#define CG_REPORT_H

#include <git2.h>
#include <stdint.h>
#include <stdio.h>
#include "audit.h"
#include "policy.h"

/* The JSON documents' "format" member; a change of shape bumps the number. */
#define CG_REPORT_JSON_FORMAT "changeguard-report/1"

typedef enum {
	CG_REPORT_TEXT,
	CG_REPORT_JSON,
	CG_REPORT_CSV,
	CG_REPORT_MARKDOWN,
	CG_REPORT_HTML
} cg_report_format;

/* "text", "json", "csv", "markdown" (or "md"), "html"; CG_EUSAGE otherwise. */
int cg_report_format_parse(cg_report_format *out, const char *name);

/* A --since or --until value: an RFC 3339 UTC instant, or a date
 * YYYY-MM-DD meaning its start (since) or the start of the next day
 * (until, whose bound is exclusive), so that "--until 2026-11-20"
 * includes that day. Anything else, other offsets included, is CG_EUSAGE. */
int cg_report_parse_time(int64_t *out_ms, const char *value, int until);

typedef struct {
	cg_report_format format;
	FILE *out;
	int color;               /* text only: the caller decides (a tty, no NO_COLOR) */
	int64_t generated_ms;    /* the document's "generated" time */
	size_t limit;            /* audit report: rows per list, 0 for all */
	cg_audit_filter filter;  /* audit report and export: the runs; history:
	                          * since/until (committer time) and author only */
	const char *source;      /* what the report is about: the database path, the repository */
	const char *witness;     /* verify: the witness file to compare with, or NULL */
	int quiet;               /* history: no progress line on a terminal's standard error */
} cg_report_opts;

#define CG_REPORT_OPTS_INIT { CG_REPORT_TEXT, NULL, 0, 0, 1000, { 0 }, NULL, 0 }

/* The audit report: totals per verdict and per rule, runs and blocked runs
 * per day, the newest blocked runs with their findings, waivers with their
 * reasons, and changes to protected paths with their sign-off and pusher. */
int cg_report_audit(cg_audit *db, const cg_report_opts *opts);

/* The hash chain check as a report, and with opts->witness the check
 * against that witness; *broken is 1 when either fails. */
int cg_report_verify(cg_audit *db, const cg_report_opts *opts, int *broken);

/* Every run the filter selects, oldest first: JSON lines (as
 * cg_audit_entry_json writes them) for CG_REPORT_JSON, else one table row each. */
int cg_report_export(cg_audit *db, const cg_report_opts *opts);

/* Evaluates `policy` over the commits that `revs` (as git rev-list reads
 * them: REV, ^REV, A..B, A...B; none: HEAD) select, in topological and
 * time order, one at a time: compliance overall, per directory (by the
 * CHANGELOG a commit changed or lacked), per author, per month and per
 * rule, and every violating commit with its findings. Memory does not grow
 * with the number of commits: violations are spooled to a temporary file.
 * *violations counts the violating commits. A bad revision is CG_EUSAGE. */
int cg_report_history(size_t *violations, git_repository *repo, const cg_policy *policy,
                      char *const *revs, size_t nrevs, const cg_report_opts *opts);

#endif
