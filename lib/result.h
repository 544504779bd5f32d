/*
 * result.h: what a check found: findings with hints, the waivers and
 * sign-offs used, and a verdict; encoded for a record and decoded back.
 */
#ifndef CG_RESULT_H
#define CG_RESULT_H

#include <stddef.h>
#include "buf.h"

typedef struct {
	char *rule;          /* "changelog", "protect:<group>" */
	char *path;          /* the file it is about: a CHANGELOG or a protected path */
	char *detail;        /* what is wrong, one line, without the path */
	char *hint;          /* commands that fix it, one per line; may be NULL */
	char *waiver;        /* the trailer that can settle it; NULL when none can */
	int needs_entry;     /* `path` is a CHANGELOG that needs a new entry */
} cg_finding;

typedef struct {
	char *rule;       /* what was waived or signed off */
	char *source;     /* "trailer" or "push-option" */
	char *name;       /* the trailer key or push option */
	char *reason;     /* the reason given, or the paths signed off */
	char *authorizer; /* who signed; NULL for a plain waiver */
} cg_waiver;

typedef enum {
	CG_VERDICT_ALLOWED,
	CG_VERDICT_WAIVED,   /* allowed because a waiver applied */
	CG_VERDICT_DEFERRED, /* pre-commit: only findings a trailer can still settle */
	CG_VERDICT_BLOCKED
} cg_verdict;

typedef struct {
	cg_finding *findings;
	size_t nfindings, afindings;
	cg_waiver *waivers;
	size_t nwaivers, awaivers;
	cg_verdict verdict;
	cg_finding *notes;   /* what the change did, blocking nothing: the MCP
	                        server changes ("mcp:<group>"); rule, path, detail */
	size_t nnotes, anotes;
} cg_result;

/* Adds a finding (copies the strings); used by callers for their own checks. */
void cg_result_add_finding(cg_result *r, const char *rule, const char *path,
                           const char *detail, const char *hint, const char *waiver);

/* Adds a waiver or sign-off (copies the strings; reason and authorizer may be NULL). */
void cg_result_add_waiver(cg_result *r, const char *rule, const char *source,
                          const char *name, const char *reason, const char *authorizer);

/* Adds a note (copies the strings), unless the same one is there already. */
void cg_result_add_note(cg_result *r, const char *rule, const char *path, const char *detail);

/* Frees a finding's strings, not the finding. */
void cg_result_finding_dispose(cg_finding *f);

const char *cg_verdict_name(cg_verdict v);

/* A result as the fields of a record, and back: pre-receive checks a long
 * push in several processes. Decoding fails (CG_ERROR) on a damaged record. */
void cg_result_encode(cg_buf *out, const cg_result *r);
int cg_result_decode(cg_result **out, cg_buf_reader *in);

void cg_result_free(cg_result *r);

#endif
