/*
 * checklist.h: what `changeguard check` judges, the staged change or each commit
 * of a range, kept in order and reported as text or as JSON for CI.
 */
#ifndef CG_CHECKLIST_H
#define CG_CHECKLIST_H

#include <git2.h>
#include <stdio.h>
#include "check.h"
#include "policy.h"

typedef struct cg_checklist cg_checklist;

cg_checklist *cg_checklist_new(void);

/* Judges the staged change of `c` as a final decision: with the trailers of
 * the message in `message_file` (as git will store it) when given, else with
 * none to follow, as in CI. */
int cg_checklist_staged(cg_checklist *list, cg_check *c, const char *message_file);

/* Judges each commit of `walk` as the server does, under `policy`, which
 * must live as long as `list`; with a progress line on standard error
 * when `progress` is set and that is a terminal. */
int cg_checklist_commits(cg_checklist *list, git_repository *repo, const cg_policy *policy,
                         git_revwalk *walk, int progress);

/* Judges every tracked file of `commit` as if it were added, with the
 * rule that reports files already there (forbid: backups, stray and
 * duplicate copies), under `policy`, which must live as long as `list`. */
int cg_checklist_tree(cg_checklist *list, git_repository *repo, const cg_policy *policy,
                     git_commit *commit);

/* How many of the changes judged are refused. */
size_t cg_checklist_blocked(const cg_checklist *list);

/* Each change's findings, then a summary line. */
void cg_checklist_print_text(const cg_checklist *list, FILE *fp);

/* The whole list as one JSON document (docs/cli.md); `target` is "staged"
 * or "range". */
void cg_checklist_print_json(const cg_checklist *list, FILE *fp, const char *target);

void cg_checklist_free(cg_checklist *list);

#endif
