#include "walk.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "update.h"

/* Why history could not be read, with the command that fixes it: in a
 * shallow clone what is missing is most likely beyond its boundary. */
static int history_missing(git_repository *repo, const char *what)
{
	const git_error *e = git_error_last();
	const char *why = e && e->message ? e->message : "unknown error";

	if (git_repository_is_shallow(repo) == 1)
		return cg_error_set(CG_ERROR, "%s: the repository is shallow (%s); "
		                    "fetch the rest with: git fetch --unshallow", what, why);
	return cg_error_set(CG_ERROR, "%s: %s; check the repository with: git fsck", what, why);
}

/* The tree of `commit`, through the walk's memo. */
static int commit_tree(git_tree **out, git_repository *repo, cg_memo *memo, git_commit *commit)
{
	return cg_memo_lookup((git_object **)out, memo, repo, git_commit_tree_id(commit),
	                      GIT_OBJECT_TREE);
}

/* The trees of a commit's parents, or one empty side for a root commit. */
static int parent_snapshots(cg_snapshot ***out, git_tree ***trees, size_t *n,
                            git_repository *repo, cg_memo *memo, git_commit *commit)
{
	unsigned int np = git_commit_parentcount(commit), k;
	int error = 0;

	*n = np ? np : 1;
	*out = cg_calloc(*n, sizeof(**out));
	*trees = cg_calloc(*n, sizeof(**trees));
	for (k = 0; k < np && !error; k++) {
		git_commit *parent = NULL;
		if (cg_memo_lookup((git_object **)&parent, memo, repo, git_commit_parent_id(commit, k),
		                   GIT_OBJECT_COMMIT) < 0 ||
		    commit_tree(&(*trees)[k], repo, memo, parent) < 0)
			error = history_missing(repo, "cannot read a parent commit");
		git_commit_free(parent);
	}
	for (k = 0; k < *n; k++) {
		cg_snapshot_from_tree(&(*out)[k], repo, (*trees)[k]);
		cg_snapshot_use_memo((*out)[k], memo);
	}
	return error;
}

/* A merge commit is judged on what it brings to its first parent's branch,
 * the signed changes of its other parents counting as its own. */
static int merge_input(cg_rules_input *in, cg_update_merge *sides, git_oid **ids,
                       cg_changes **first, git_repository *repo, const cg_policy *policy,
                       git_commit *commit, const cg_walk_commit_opts *opts, git_tree *tree,
                       git_tree **trees)
{
	unsigned int np = git_commit_parentcount(commit), k;
	int error;

	if ((error = cg_changes_trees_memo(first, repo, opts->memo, tree, trees, 1)) < 0)
		return error;
	sides->opts.repo = repo;
	sides->opts.policy = policy;
	sides->opts.pusher = opts->pusher;
	sides->opts.memo = opts->memo;
	sides->opts.stop_us = opts->stop_us;
	sides->opts.merge_depth = opts->merge_depth + 1;
	*ids = cg_calloc(np, sizeof(**ids));
	for (k = 0; k < np; k++)
		git_oid_cpy(&(*ids)[k], git_commit_parent_id(commit, k));
	sides->base = &(*ids)[0];
	sides->tips = &(*ids)[1];
	sides->ntips = np - 1;
	in->first_parent = *first;
	in->merge_authorized = cg_update_merge_signed;
	in->merge_payload = sides;
	return 0;
}

int cg_walk_commit_ext(cg_result **out, git_repository *repo, const cg_policy *policy,
                        git_commit *commit, const cg_walk_commit_opts *opts)
{
	cg_update_merge sides = { { 0 }, NULL, NULL, 0 };
	cg_changes *first = NULL;
	git_oid *side_ids = NULL;
	cg_trailer_opts topts = CG_TRAILER_OPTS_INIT;
	cg_rules_input in = { 0 };
	cg_snapshot **before = NULL, *now = NULL;
	git_tree **trees = NULL, *tree = NULL;
	cg_changes *changes = NULL;
	cg_trailers *trailers = NULL;
	const char *msg = git_commit_message_raw(commit);
	size_t nbefore = 0, k;
	int error;

	*out = NULL;
	if (opts->changes)
		*opts->changes = NULL;
	if ((error = parent_snapshots(&before, &trees, &nbefore, repo, opts->memo, commit)) < 0)
		goto done;
	if (commit_tree(&tree, repo, opts->memo, commit) < 0) {
		error = cg_error_from_git("cannot read the commit's tree");
		goto done;
	}
	/* The trees just read, not cg_changes_commit: it would read them again. */
	if ((error = cg_changes_trees_memo(&changes, repo, opts->memo, tree, trees,
	                                   git_commit_parentcount(commit))) < 0 ||
	    (error = cg_trailers_parse(&trailers, msg, strlen(msg), &topts)) < 0)
		goto done;
	cg_snapshot_from_tree(&now, repo, tree);
	cg_snapshot_use_memo(now, opts->memo);
	in.policy = policy;
	in.changes = changes;
	in.now = now;
	in.before = (const cg_snapshot *const *)before;
	in.nbefore = nbefore;
	in.commit_time_ms = (int64_t)git_commit_time(commit) * 1000;
	in.trailers = trailers;
	in.pusher = opts->pusher;
	in.push_skip_reason = opts->push_skip_reason;
	in.memo = opts->memo;
	if (nbefore > 1 && (error = merge_input(&in, &sides, &side_ids, &first, repo, policy,
	                                        commit, opts, tree, trees)) < 0)
		goto done;
	if ((error = cg_rules_evaluate(out, &in)) == 0 && opts->changes) {
		*opts->changes = changes;
		changes = NULL;
	}
done:
	for (k = 0; k < nbefore; k++) {
		cg_snapshot_free(before[k]);
		git_tree_free(trees[k]);
	}
	free(before);
	free(trees);
	cg_snapshot_free(now);
	git_tree_free(tree);
	cg_changes_free(changes);
	cg_changes_free(first);
	free(side_ids);
	cg_trailers_free(trailers);
	return error;
}

int cg_walk_commit(cg_result **out, git_repository *repo, const cg_policy *policy,
                    git_commit *commit, const char *pusher, const char *push_skip_reason)
{
	cg_walk_commit_opts opts = CG_WALK_COMMIT_OPTS_INIT;

	opts.pusher = pusher;
	opts.push_skip_reason = push_skip_reason;
	return cg_walk_commit_ext(out, repo, policy, commit, &opts);
}

static int peel_oid(git_oid *out, const git_object *obj, const char *arg)
{
	git_object *commit = NULL;

	if (git_object_peel(&commit, obj, GIT_OBJECT_COMMIT) < 0)
		return cg_error_set(CG_EUSAGE, "'%s' is not a commit", arg);
	git_oid_cpy(out, git_object_id(commit));
	git_object_free(commit);
	return 0;
}

static void note_base(git_oid *base, int *has_base, const git_oid *oid)
{
	if (base && !*has_base) {
		git_oid_cpy(base, oid);
		*has_base = 1;
	}
}

int cg_walk_push_rev(git_revwalk *walk, git_repository *repo, const char *arg,
                      git_oid *base, int *has_base)
{
	git_revspec spec = { 0 };
	git_oid from, to, mb;
	int error, rc, hide = arg[0] == '^';

	if (git_revparse(&spec, repo, arg + hide) < 0)
		return git_repository_is_shallow(repo) == 1
		       ? cg_error_set(CG_EUSAGE, "bad revision '%s' (the repository is shallow: "
		                      "fetch the rest with: git fetch --unshallow)", arg)
		       : cg_error_set(CG_EUSAGE, "bad revision '%s'", arg);
	if ((error = peel_oid(&from, spec.from, arg)) < 0 ||
	    (spec.to && (error = peel_oid(&to, spec.to, arg)) < 0))
		goto done;
	if (spec.flags & GIT_REVSPEC_SINGLE) {
		rc = hide ? git_revwalk_hide(walk, &from) : git_revwalk_push(walk, &from);
		if (hide)
			note_base(base, has_base, &from);
	} else if (spec.flags & GIT_REVSPEC_MERGE_BASE) {
		if (git_merge_base(&mb, repo, &from, &to) < 0) {
			error = cg_error_set(CG_EUSAGE, "'%s': no merge base", arg);
			goto done;
		}
		if ((rc = git_revwalk_push(walk, &from)) == 0 &&
		    (rc = git_revwalk_push(walk, &to)) == 0)
			rc = git_revwalk_hide(walk, &mb);
		note_base(base, has_base, &mb);
	} else {
		if ((rc = git_revwalk_push(walk, &to)) == 0)
			rc = git_revwalk_hide(walk, &from);
		note_base(base, has_base, &from);
	}
	if (rc < 0)
		error = cg_error_from_git(arg);
done:
	git_object_free(spec.from);
	git_object_free(spec.to);
	return error;
}

/* history_missing for `what`, followed by the commit it is about, if any. */
static int missing_at(git_repository *repo, const char *what, const git_oid *oid)
{
	cg_buf msg = CG_BUF_INIT;
	int error;

	cg_buf_puts(&msg, what);
	if (oid)
		cg_buf_printf(&msg, " %s", git_oid_tostr_s(oid));
	error = history_missing(repo, msg.ptr);
	cg_buf_dispose(&msg);
	return error;
}

static int walk_failed(git_repository *repo, const git_oid *last)
{
	return missing_at(repo, last ? "cannot walk the history past" : "cannot walk the history",
	                  last);
}

int cg_walk_ids(git_revwalk *walk, git_repository *repo, size_t batch,
                      int (*fn)(const git_oid *ids, size_t n, void *payload), void *payload)
{
	git_oid *ids = NULL, last;
	size_t n = 0, alloc = 0;
	int error = 0, rc, seen = 0;

	/* grown as needed: a batch of SIZE_MAX holds the whole walk */
	while (!error && (ids = cg_array_grow(ids, &alloc, n + 1, sizeof(*ids)),
	                  rc = git_revwalk_next(&ids[n], walk)) == 0) {
		git_oid_cpy(&last, &ids[n]);
		seen = 1;
		if (++n == batch) {
			error = fn(ids, n, payload);
			n = 0;
		}
	}
	if (!error && rc != GIT_ITEROVER)
		error = walk_failed(repo, seen ? &last : NULL);
	if (!error && n)
		error = fn(ids, n, payload);
	free(ids);
	return error;
}

struct each_commit {
	git_repository *repo;
	cg_progress *progress;
	int (*fn)(git_commit *commit, void *payload);
	void *payload;
};

static int each_commit(const git_oid *ids, size_t n, void *payload)
{
	struct each_commit *e = payload;
	size_t i;
	int error = 0;

	cg_progress_total(e->progress, n);
	for (i = 0; i < n && !error; i++) {
		git_commit *commit = NULL;
		if (git_commit_lookup(&commit, e->repo, &ids[i]) < 0)
			return cg_walk_missing(e->repo, &ids[i]);
		error = e->fn(commit, e->payload);
		git_commit_free(commit);
		cg_progress_update(e->progress, i + 1);
	}
	return error;
}

int cg_walk_commits(git_revwalk *walk, git_repository *repo, cg_progress *progress,
                    int (*fn)(git_commit *commit, void *payload), void *payload)
{
	struct each_commit e = { repo, progress, fn, payload };

	/* With a progress line, the whole walk at once for its total: a
	 * topological walk has read every commit before it gives the first. */
	return cg_walk_ids(walk, repo, progress ? SIZE_MAX : 256, each_commit, &e);
}

int cg_walk_missing(git_repository *repo, const git_oid *oid)
{
	return missing_at(repo, "cannot read commit", oid);
}
