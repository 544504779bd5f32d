/*
 * record.h: a hook's run as the audit keeps it, built from the check's results
 * (a local hook's staged change, or a push's commits, refs and options) and written.
 */
#ifndef CG_RECORD_H
#define CG_RECORD_H

#include <git2.h>
#include <stdint.h>
#include "audit.h"
#include "output.h"
#include "policy.h"
#include "rules.h"

typedef struct cg_record cg_record;

/* A run of `hook` ("pre-commit", "pre-receive", ...) on the repository the
 * audit names `repository`, judged by `policy` (NULL when none loaded), to be
 * recorded where cg_record_audit_path says. Every string and result given
 * to a cg_record is lent: it must live until cg_record_free. */
cg_record *cg_record_new(const char *hook, git_repository *repo, const char *repository,
                         const cg_policy *policy);

/* The staged change a local hook judged (`r`), as the run's own commit
 * "staged", by the author and committer git will write: GIT_AUTHOR_NAME and
 * GIT_AUTHOR_EMAIL (GIT_COMMITTER_...), else the configured identity. */
void cg_record_staged(cg_record *rec, const cg_result *r);

/* A commit a push brought, lent for one call: `oid` in hex, the ref
 * update that brought it first, its identities and result. */
typedef struct {
	const char *oid, *ref, *author, *committer;
	const cg_result *result;
} cg_record_commit;

typedef int (*cg_record_commit_fn)(const cg_record_commit *c, void *payload);

/* Calls `fn` with each commit the push brought, in order, the same each
 * time, and returns 0, a negative error or `fn`'s non-zero return. For
 * `kind` CG_AUDIT_FINDINGS (CG_AUDIT_WAIVERS) it may leave out the commits
 * whose result has no findings or notes (no waivers). */
typedef int (*cg_record_commits_fn)(void *self, cg_audit_kind kind, cg_record_commit_fn fn,
                                    void *payload);

/* The commits a push brought, read through `each` when the run is
 * written, several times, one commit at a time: the record holds none of
 * them, so its memory stays flat in the push's length. Their findings and
 * waivers name them. */
void cg_record_push_commits(cg_record *rec, cg_record_commits_fn each, void *self);

void cg_record_add_ref(cg_record *rec, const char *ref, const char *old_oid,
                       const char *new_oid);
void cg_record_add_push_option(cg_record *rec, const char *value);

/* Who pushed; NULL or "" when unknown. */
void cg_record_set_pusher(cg_record *rec, const char *pusher);

/* Whether the hook lets the push's refs move (its exit status is 0): each
 * ref's outcome, "accepted" or "refused", in the audit. */
void cg_record_set_accepted(cg_record *rec, int accepted);

/* The hook failed with `message` (copied): the run's verdict is "error",
 * with the message as a finding after the results' own. */
void cg_record_fail(cg_record *rec, const char *message);

/* Writes the run, `duration_us` long, into the audit database: 0, or
 * CG_ERROR when it could not be written (see cg_audit_write). Then, as the
 * policy's audit.witness and audit.syslog say, appends the run's id and
 * hash to the witness file and sends its line to syslog; their failures
 * are kept as warnings, which cg_record_write_or_warn prints. One run per
 * hook run: a push's commits are its items, and a run of one ref update or
 * one commit also has it in the run's own columns. CG_ERROR too when the
 * push's commits cannot be read. */
int cg_record_write(cg_record *rec, int64_t duration_us);

/* Whether audit.on_error: warn lets a failure with `error` go ahead under
 * `policy` (NULL: no policy loaded, so no). A bad policy or bad usage never
 * does: fixing it is the way on. The one place on_error is read. */
int cg_record_error_goes_ahead(const cg_policy *policy, int error);

/* The audit trail is part of the decision: writes the run and, when it
 * cannot, prints why on `o` and returns CG_ERROR, unless the policy says
 * audit.on_error: warn, when it says that `subject` ("the commit", "the
 * push") goes ahead and returns 0. `policy_file` names where on_error is
 * set, for the hint. */
int cg_record_write_or_warn(cg_record *rec, int64_t duration_us, const cg_output *o,
                            const char *subject, const char *policy_file);

void cg_record_free(cg_record *rec);

/* `path` as the audit settings mean it: absolute, or relative to the work
 * tree's root (the repository in a bare one). The caller frees it. */
char *cg_record_resolve_path(git_repository *repo, const char *path);

/* With audit.url, runs wait in this file beside the SQLite path while the
 * PostgreSQL database is away. */
#define CG_RECORD_PG_SPOOL_SUFFIX ".pg-spool.jsonl"

/* Where runs are recorded: the policy's audit.path, or
 * <git common dir>/changeguard/audit.db. The caller frees the string. */
char *cg_record_audit_path(git_repository *repo, const cg_policy *policy);

#endif
