/*
 * coverage.h: CHANGELOG coverage of a tree: which CHANGELOGs the policy's mode
 * needs and lacks, each one's entries, and those whose code changed after their newest entry.
 */
#ifndef CG_COVERAGE_H
#define CG_COVERAGE_H

#include <git2.h>
#include "report.h"

/*
 * The coverage report over the tree of `rev` (a revision; NULL: HEAD),
 * under the policy committed there, in opts->format. For every
 * CHANGELOG a file of the tree needs (changelog.mode: every-directory,
 * nearest, root) and every one that exists: the files it covers, its
 * entries and newest entry, and the newest commit that changed the code it
 * covers. It is `missing` when it does not exist, `stale` when that commit
 * came after its newest entry and did not itself add to it, else
 * `current`. History is walked newest first only until every CHANGELOG's
 * state is known. *incomplete is 1 when one is missing or stale.
 */
int cg_coverage_report(int *incomplete, git_repository *repo, const char *rev,
                       const cg_report_opts *opts);

#endif
