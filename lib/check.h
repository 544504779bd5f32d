/*
 * check.h: one evaluation of the policy on the change a local hook or command
 * is asked about: the repository as git's environment gives it, its staged policy and change.
 */
#ifndef CG_CHECK_H
#define CG_CHECK_H

#include <git2.h>
#include <stdint.h>
#include "policy.h"
#include "rules.h"
#include "trailers.h"

typedef struct cg_check cg_check;

/* Opens the repository the way git's environment describes it (GIT_DIR,
 * GIT_WORK_TREE, GIT_INDEX_FILE, GIT_OBJECT_DIRECTORY, ...), as hooks run,
 * and the staged change: the index against HEAD, or against the empty tree
 * on an unborn branch. The index is read from its file (GIT_INDEX_FILE's:
 * git names a temporary one for every commit hook), not as a git_index. */
int cg_check_open_staged(cg_check **out);

/* The index the change was read from as a git_index, loaded on first use
 * and made the repository's, so that libgit2 (work tree status, staging)
 * sees and writes the index git commits, GIT_INDEX_FILE's included. The
 * caller frees it with git_index_free. */
int cg_check_index(git_index **out, cg_check *c);

/* Loads the staged `.changeguard.yml` (built-in defaults when there is
 * none); CG_EPOLICY on a bad policy. */
int cg_check_load_policy(cg_check *c);

/* The trailer options from the repository's configuration
 * (core.commentChar, trailer.separators); strings lent from `c`. */
void cg_check_trailer_opts(cg_check *c, cg_trailer_opts *opts);

/* Evaluates the rules. `message` (cleaned) may be NULL before it is written. */
int cg_check_evaluate(cg_result **out, cg_check *c, const char *message, size_t len);

/* Records the run in the audit database. `r` may be NULL for a run that
 * failed before it had a result (verdict "error", with `error` as its finding).
 * Returns CG_ERROR when the database could not be written. */
int cg_check_record(cg_check *c, const char *hook, const cg_result *r,
                    const char *error, int64_t duration_us);

/* Evaluates one existing commit as the server and history reports do: its
 * change against its parents, its committer time, its own message's
 * trailers. `pusher` and `push_skip_reason` may be NULL. */
int cg_check_commit(cg_result **out, git_repository *repo, const cg_policy *policy,
                    git_commit *commit, const char *pusher, const char *push_skip_reason);

/* What a walk over many commits gives cg_check_commit_ext. */
typedef struct {
	const char *pusher;            /* may be NULL */
	const char *push_skip_reason;  /* may be NULL */
	cg_memo *memo;                 /* objects reused from commit to commit; may be NULL */
	cg_changes **changes;          /* when set, receives the commit's change set, which
	                                * the caller frees: computing it again would read
	                                * the same trees twice */
} cg_check_commit_opts;

#define CG_CHECK_COMMIT_OPTS_INIT { NULL, NULL, NULL, NULL }

int cg_check_commit_ext(cg_result **out, git_repository *repo, const cg_policy *policy,
                        git_commit *commit, const cg_check_commit_opts *opts);

/* Where runs are recorded: the policy's audit.path, or
 * <git common dir>/changeguard/audit.db. The caller frees the string. */
char *cg_check_audit_path(git_repository *repo, const cg_policy *policy);

/* Adds one argument to `walk` as git rev-list reads it: REV, ^REV, A..B or
 * A...B. The first excluded commit is stored in `base` (may be NULL), whose
 * policy judges a range. A bad revision is CG_EPOLICY. */
int cg_check_push_rev(git_revwalk *walk, git_repository *repo, const char *arg,
                      git_oid *base, int *has_base);

/* Calls `fn` with each commit of `walk`, in the walk's order, until it
 * returns non-zero (which is returned). A walk that stops early, on a
 * missing object or at the boundary of a shallow clone, is an error that
 * says so: a gate must never pass commits it did not see. */
int cg_check_walk(git_revwalk *walk, git_repository *repo,
                  int (*fn)(git_commit *commit, void *payload), void *payload);

/* The same walk, handing `fn` the ids of up to `batch` commits at a time:
 * for a caller that checks them in several processes (cg_parallel_run). */
int cg_check_walk_ids(git_revwalk *walk, git_repository *repo, size_t batch,
                      int (*fn)(const git_oid *ids, size_t n, void *payload), void *payload);

/* The error for a walked commit that cannot be read, saying how to get
 * the history in a shallow clone. */
int cg_check_missing(git_repository *repo, const git_oid *oid);

const cg_policy *cg_check_policy(const cg_check *c);
git_repository *cg_check_repository(const cg_check *c);
void cg_check_free(cg_check *c);

/* Microseconds from a monotonic clock, for durations. */
int64_t cg_check_clock_us(void);

#endif
