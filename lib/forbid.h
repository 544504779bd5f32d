/*
 * forbid.h: the forbid rule: backup files, stray copies and byte-identical
 * copies of tracked files are never added; one judgment for every hook and command.
 */
#ifndef CG_FORBID_H
#define CG_FORBID_H

#include "changes.h"
#include "policy.h"
#include "result.h"
#include "snapshot.h"

/* The rule prefix of the findings, "forbid:path" and "forbid:duplicate". */
#define CG_FORBID_RULE "forbid"

/*
 * Judges the additions of `changes` (a rename is one: a deletion and an
 * addition), which lead to `now`, under policy->forbid, adding to `r`:
 *  - a `forbid:path` finding for an added path that matches forbid.paths
 *    and not forbid.allow;
 *  - a `forbid:duplicate` finding for an added regular file of at least
 *    duplicate_min_size bytes, not matching duplicate_allow, whose blob is
 *    at another path of `now`; it names that path (an untouched file
 *    first, else the first added copy, which gets no finding itself).
 * Paths already in the parent are never judged: they were let in before.
 * The blobs' sizes are read, and `now` scanned once, only when an added
 * file can be a duplicate, so a change that adds nothing costs nothing;
 * along a walk (`now` reads through the walk's memo) the walk's count of
 * the tree's blobs (treeblobs.h) says first whether a scan can find one.
 * `before`: the only parent's side when `changes` are all its differences
 * from `now` (a walk's commit that is no merge), which that count follows;
 * NULL otherwise.
 */
int cg_forbid_judge(cg_result *r, const cg_policy *p, const cg_changes *changes,
                    const cg_snapshot *now, const cg_snapshot *before);

#endif
