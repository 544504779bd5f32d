/*
 * walk.h: existing commits judged as the server and history reports judge them:
 * one commit against its parents, and walks over history that never skip a commit.
 */
#ifndef CG_WALK_H
#define CG_WALK_H

#include <git2.h>
#include <stdint.h>
#include "changes.h"
#include "policy.h"
#include "progress.h"
#include "rules.h"

/* Evaluates one existing commit as the server and history reports do: its
 * change against its parents, its committer time, its own message's
 * trailers. `pusher` and `push_skip_reason` may be NULL. */
int cg_walk_commit(cg_result **out, git_repository *repo, const cg_policy *policy,
                   git_commit *commit, const char *pusher, const char *push_skip_reason);

/* What a walk over many commits gives cg_walk_commit_ext. */
typedef struct {
	const char *pusher;            /* may be NULL */
	const char *push_skip_reason;  /* may be NULL */
	cg_memo *memo;                 /* objects reused from commit to commit; may be NULL */
	cg_changes **changes;          /* when set, receives the commit's change set, which
	                                * the caller frees: computing it again would read
	                                * the same trees twice */
	int64_t stop_us;               /* the deadline of a merge's chain search; 0: never */
	unsigned merge_depth;          /* merges being judged around this commit */
} cg_walk_commit_opts;

#define CG_WALK_COMMIT_OPTS_INIT { NULL, NULL, NULL, NULL, 0, 0 }

int cg_walk_commit_ext(cg_result **out, git_repository *repo, const cg_policy *policy,
                       git_commit *commit, const cg_walk_commit_opts *opts);

/* Adds one argument to `walk` as git rev-list reads it: REV, ^REV, A..B or
 * A...B. The first excluded commit is stored in `base` (may be NULL), whose
 * policy judges a range. A bad revision is CG_EUSAGE. */
int cg_walk_push_rev(git_revwalk *walk, git_repository *repo, const char *arg,
                     git_oid *base, int *has_base);

/* Calls `fn` with each commit of `walk`, in the walk's order, until it
 * returns non-zero (which is returned), counting them on `progress` (may
 * be NULL). A walk that stops early, on a missing object or at the
 * boundary of a shallow clone, is an error that says so: a gate must
 * never pass commits it did not see. */
int cg_walk_commits(git_revwalk *walk, git_repository *repo, cg_progress *progress,
                    int (*fn)(git_commit *commit, void *payload), void *payload);

/* The same walk, handing `fn` the ids of up to `batch` commits at a time
 * (SIZE_MAX: all of them in one call): for a caller that checks them in
 * several processes (cg_parallel_run). */
int cg_walk_ids(git_revwalk *walk, git_repository *repo, size_t batch,
                int (*fn)(const git_oid *ids, size_t n, void *payload), void *payload);

/* The error for a walked commit that cannot be read, saying how to get
 * the history in a shallow clone. */
int cg_walk_missing(git_repository *repo, const git_oid *oid);

#endif
