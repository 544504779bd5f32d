/*
 * update.h: judges one ref update by what it does to the content: the ref's
 * tree before and after, for protected paths and CHANGELOG entries.
 */
#ifndef CG_UPDATE_H
#define CG_UPDATE_H

#include <git2.h>
#include <stdint.h>

#include "changes.h"
#include "policy.h"
#include "rules.h"

typedef struct {
	git_repository *repo;
	const cg_policy *policy;
	const char *pusher;   /* for the sign-offs of the range's commits; may be NULL */
	cg_memo *memo;        /* may be NULL */
	int64_t stop_us;      /* cg_clock_now_us() past which the search gives up; 0: never */
	unsigned merge_depth; /* merges whose sides are being searched around this one */
} cg_update_opts;

/* Merges nested in each other's sides deeper than this are not searched
 * (CG_ELIMIT): each level is a walk of its own, and the stack is finite. */
#define CG_UPDATE_MAX_MERGE_DEPTH 64

/*
 * Judges moving `ref` from the commit `old_tip` to the commit `new_tip`
 * (both exist: a created or deleted ref has nothing to compare):
 *  - an entry of a CHANGELOG in the old tree and not in the new one is a
 *    `changelog` finding (under changelog.append_only), whatever the
 *    commits in between look like;
 *  - a protected path whose content differs must be justified by commits
 *    of old_tip..new_tip that each change it, against their first parent,
 *    with a valid sign-off for its group, forming a chain from the old
 *    content (or none) to the new one; without one, a `protect:<group>`
 *    finding on the update;
 *  - an update that is not a fast-forward and changes either is refused
 *    outright, unless `git config changeguard.allowRewind` of the server
 *    repository has a pattern that matches `ref`.
 * *out (freed with cg_result_free) is blocked when it has findings. Past
 * opts->stop_us it returns CG_ELIMIT.
 */
int cg_update_judge(cg_result **out, const cg_update_opts *opts, const char *ref,
                    const git_oid *old_tip, const git_oid *new_tip);

/* Sets *found when commits reachable from `tips` and not from `base`
 * change `c->path` from its old content (c->old_*) to its new one
 * (c->new_*) through changes signed off for `g`, each against its first
 * parent: a merge's change to its first parent (`base`) that its other
 * parents (`tips`) made with a sign-off needs none of its own. */
int cg_update_chain(int *found, const cg_update_opts *opts, const cg_protect_group *g,
                    const cg_change *c, const git_oid *base, const git_oid *tips, size_t ntips);

/* A merge's first parent and its other parents, where a signed change it
 * brings may come from: the payload of cg_update_merge_signed. */
typedef struct {
	cg_update_opts opts;
	const git_oid *base, *tips;
	size_t ntips;
} cg_update_merge;

/* A cg_rules_merge_fn: cg_update_chain over the merge's sides. */
int cg_update_merge_signed(int *authorized, const cg_protect_group *g, const cg_change *c,
                           void *payload);

#endif
