/*
 * policy_find.h: where the policy in force is found, in one lookup order for
 * every hook and command: the server's own files, a committed policy, the defaults.
 */
#ifndef CG_POLICY_FIND_H
#define CG_POLICY_FIND_H

#include <git2.h>
#include <stdint.h>
#include "policy.h"

/* The policy a tree entry holds (`id` and `mode` as the tree or the index
 * lists them), labelled `label`. A tree, a symlink or a submodule at the
 * policy's path is CG_EPOLICY and a blob that cannot be read CG_ERROR:
 * never the defaults, which would let the change pass unjudged. */
int cg_policy_find_entry(cg_policy **out, git_repository *repo, const git_oid *id,
                         uint32_t mode, const char *label);

/* The policy committed in `tree`, labelled "<where>:.changeguard.yml";
 * CG_ENOTFOUND when the tree has none; otherwise as cg_policy_find_entry. */
int cg_policy_find_tree(cg_policy **out, git_repository *repo, const git_tree *tree,
                        const char *where);

/* The policy committed in `commit` (a commit, or a tag that leads to one),
 * labelled with `where`; the defaults when it has none. */
int cg_policy_find_commit(cg_policy **out, git_repository *repo, const git_oid *commit,
                          const char *where);

/* HEAD's committed policy, else the defaults (also on an unborn HEAD). */
int cg_policy_find_head(cg_policy **out, git_repository *repo);

/* The server's own policy: the file `git config changeguard.policy` names
 * (relative to $GIT_DIR), else $GIT_DIR/changeguard.yml; CG_ENOTFOUND
 * when the server has neither. `*source` (may be NULL) gets a path the
 * caller frees, set also when that path names no file. */
int cg_policy_find_server_own(cg_policy **out, git_repository *repo, char **source);

/* What the server judges a ref update by. */
typedef struct {
	const git_oid *old;      /* the ref's tip before the push; NULL for a new ref */
	const char *refname;     /* the ref that moves, for messages */
	const char *head;        /* the HEAD whose branch a new ref takes its policy
	                          * from: "HEAD", or a namespace's HEAD */
	int ignored_settings;    /* out: the committed policy set audit.* or server.*
	                          * differently from the server, which kept its own */
	int from_server;         /* out: the server's own policy, the same for every ref */
} cg_policy_server_opts;

/*
 * The policy on the server for one ref update: the server's own policy;
 * else the one committed on the ref before the push (the pushed commits
 * cannot vote on their own rules); else the one on HEAD's branch; else the
 * defaults. A committed policy keeps the server's audit.* and server.*
 * settings, which only the server may set. A protect group that covers the
 * policy file without listing authorizers refuses every change to it
 * (cg_policy_require_authorizers).
 */
int cg_policy_find_server(cg_policy **out, git_repository *repo, cg_policy_server_opts *opts);

#endif
