/*
 * rules.h: the policy's rules (changelog, protect) applied to one change set,
 * giving findings with hints, the waivers and sign-offs used, and a verdict.
 */
#ifndef CG_RULES_H
#define CG_RULES_H

#include <git2.h>
#include <stddef.h>
#include <stdint.h>
#include "buf.h"
#include "changes.h"
#include "policy.h"
#include "result.h"
#include "trailers.h"

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
} cg_rules_input;

int cg_rules_evaluate(cg_result **out, const cg_rules_input *in);


#endif
