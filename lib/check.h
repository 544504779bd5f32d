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

const cg_policy *cg_check_policy(const cg_check *c);
const cg_changes *cg_check_changes(const cg_check *c);
git_repository *cg_check_repository(const cg_check *c);
void cg_check_free(cg_check *c);

#endif
