/*
 * rules.h: the policy's rules (changelog, protect, forbid) applied to one change set,
 * giving findings with hints, the waivers and sign-offs used, and a verdict.
 */
#ifndef CG_RULES_H
#define CG_RULES_H

#include <git2.h>
#include <stddef.h>
#include <stdint.h>
#include "buf.h"
#include "changelog.h"
#include "changes.h"
#include "policy.h"
#include "result.h"
#include "trailers.h"

/* For a merge: sets *authorized when the change `c` it brings to its first
 * parent is one the merged side made with a sign-off for `g`. A negative
 * code (the search could not finish) fails the whole evaluation. */
typedef int (*cg_rules_merge_fn)(int *authorized, const cg_protect_group *g,
                                 const cg_change *c, void *payload);

typedef struct {
	const cg_policy *policy;
	const cg_policy *base_policy;       /* local: HEAD's, when the staged one differs;
	                                       its protect groups hold too. May be NULL */
	const cg_changes *changes;
	const cg_snapshot *now;             /* what the commit contains */
	const cg_snapshot *const *before;   /* its parent(s); one empty snapshot for a root */
	size_t nbefore;
	int64_t commit_time_ms;
	const cg_trailers *trailers;        /* NULL: the message is not written yet */
	const char *pusher;                 /* server side; NULL locally */
	const char *push_skip_reason;       /* server side: changeguard.skip push option */
	git_repository *worktree;           /* local: look at the work tree for hints */
	cg_memo *memo;                      /* a walk's CHANGELOG blobs to reuse; may be NULL */
	const cg_changes *first_parent;     /* a merge's change against before[0], what it brings
	                                       to the branch it lands on: protected paths and
	                                       dropped entries are judged on it. NULL otherwise */
	cg_rules_merge_fn merge_authorized; /* may be NULL: a merge's protected change then
	                                       needs its own sign-off */
	void *merge_payload;
	const char *prefix;                 /* local: where the user ran git ("" or "dir/"),
	                                       from which hints name paths; NULL: the top */
	int commit_all;                     /* local: `git commit -a` (its index is index.lock):
	                                       the hint's `changeguard entry` must stage the
	                                       tracked files too, or it sees none of them */
} cg_rules_input;

int cg_rules_evaluate(cg_result **out, const cg_rules_input *in);

/* What is wrong with an unsigned change `c` under group `g`, or NULL when
 * the group does not cover it. A symlink or submodule stands for the files
 * git shows through it, which no change of this repository shows. */
const char *cg_rules_protected_change(const cg_protect_group *g, const cg_change *c);

/* The CHANGELOG a change to `path` needs an entry in, under the policy's
 * mode, into `out`: in nearest mode the closest one that exists in `now`
 * (the root's when none does). */
void cg_rules_needed_changelog(cg_buf *out, const cg_policy *p, const cg_snapshot *now,
                               const char *path);

/* 1 when a change to `path` needs an entry (require_for, not ignore, not
 * a CHANGELOG itself). */
int cg_rules_needs_entry(const cg_policy *p, const char *path);

/* Appends hint lines that sign off a change of group `g` (which has a
 * trailer) by running `command` (e.g. "git commit") with a --trailer: with
 * authorizers, a line naming them, then the command naming the first;
 * without, the command naming the committer as git config knows them. */
void cg_rules_signoff_hint(cg_buf *out, const cg_protect_group *g, const char *command);

/* The group that protects `path` and can be signed off (has a trailer),
 * or NULL. */
const cg_protect_group *cg_rules_signoff_group(const cg_policy *p, const char *path);

/* A CHANGELOG blob's text, lent from the blob; "" for NULL (an absent side
 * compares as an empty file). */
cg_changelog_text cg_rules_blob_text(const git_blob *blob);

#endif
