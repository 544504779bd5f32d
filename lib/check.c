#include "check.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <git2/sys/repository.h>

#include "audit.h"
#include "buf.h"
#include "error.h"
#include "policy_find.h"
#include "timestamp.h"


struct cg_check {
	git_repository *repo;
	char *index_file;       /* GIT_INDEX_FILE; NULL: the repository's own index */
	int index_set;          /* the repository's index is index_file's */
	git_tree **parents;     /* HEAD's tree (NULL when unborn), then MERGE_HEADs' */
	size_t nparents;
	cg_policy *policy;
	cg_policy *base_policy; /* HEAD's, when the staged one differs (see rules.h) */
	cg_changes *changes;
	cg_snapshot *now, **before;
	char *separators;
	char comment_char;
};

int64_t cg_check_clock_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/*
 * git names the index in GIT_INDEX_FILE for every commit hook, and libgit2
 * loads all of it when it opens a repository with it set: on a large index
 * most of a hook's time, for a file the check reads itself, faster
 * (cg_snapshot_from_index_file). So the variable is unset for the open
 * and put back, and its value kept in `index_file` (NULL when unset or
 * empty: the repository's own index).
 */
static int open_from_env(git_repository **out, char **index_file)
{
	const char *env = getenv("GIT_INDEX_FILE");
	char *saved = env ? cg_strdup(env) : NULL;
	int error;

	if (saved)
		unsetenv("GIT_INDEX_FILE");
	error = git_repository_open_ext(out, NULL, GIT_REPOSITORY_OPEN_FROM_ENV, NULL);
	if (saved)
		setenv("GIT_INDEX_FILE", saved, 1);
	if (saved && !*saved) {
		free(saved);
		saved = NULL;
	}
	*index_file = saved;
	if (error == GIT_ENOTFOUND)
		return cg_error_set(CG_ERROR, "not in a git repository");
	if (error < 0)
		return cg_error_from_git("cannot open the repository");
	return 0;
}

/* HEAD's tree; NULL (the empty tree) when HEAD is unborn. Detached HEAD is
 * fine. Read step by step: libgit2 1.5's "HEAD^{tree}" leaks when the
 * commit is missing. */
static int head_tree(git_tree **out, git_repository *repo)
{
	git_commit *commit = NULL;
	git_oid oid;
	int error = 0;

	*out = NULL;
	if (git_repository_head_unborn(repo) == 1)
		return 0;
	if (git_reference_name_to_id(&oid, repo, "HEAD") < 0 ||
	    git_commit_lookup(&commit, repo, &oid) < 0 ||
	    git_commit_tree(out, commit) < 0)
		error = cg_error_from_git("cannot read HEAD");
	git_commit_free(commit);
	return error;
}

static int add_merge_head(const git_oid *oid, void *payload)
{
	cg_check *c = payload;
	git_commit *commit = NULL;
	int error;

	if (git_commit_lookup(&commit, c->repo, oid) < 0)
		return cg_error_from_git("cannot read MERGE_HEAD");
	c->parents = cg_realloc(c->parents, (c->nparents + 1) * sizeof(*c->parents));
	error = git_commit_tree(&c->parents[c->nparents], commit);
	git_commit_free(commit);
	if (error < 0)
		return cg_error_from_git("cannot read MERGE_HEAD");
	c->nparents++;
	return 0;
}

/* The commit's parents: HEAD, and while a merge is being concluded, the
 * commits in MERGE_HEAD, so that a merge is checked as a merge commit is. */
static int staged_parents(cg_check *c)
{
	int error;

	c->parents = cg_calloc(1, sizeof(*c->parents));
	c->nparents = 1;
	if ((error = head_tree(&c->parents[0], c->repo)) < 0)
		return error;
	if (git_repository_state(c->repo) != GIT_REPOSITORY_STATE_MERGE)
		return 0;
	error = git_repository_mergehead_foreach(c->repo, add_merge_head, c);
	return error == GIT_ENOTFOUND ? 0 : error < 0 ? CG_ERROR : 0;
}

int cg_check_open_staged(cg_check **out)
{
	cg_check *c = cg_calloc(1, sizeof(*c));
	size_t k;
	int error;

	*out = NULL;
	if ((error = open_from_env(&c->repo, &c->index_file)) < 0 ||
	    (error = staged_parents(c)) < 0 ||
	    (error = cg_snapshot_from_index_file(&c->now, c->repo, c->index_file)) < 0 ||
	    (error = cg_changes_staged_snapshot(&c->changes, c->now, c->parents,
	                                        c->nparents)) < 0)
		goto fail;
	c->before = cg_calloc(c->nparents, sizeof(*c->before));
	for (k = 0; k < c->nparents; k++)
		cg_snapshot_from_tree(&c->before[k], c->repo, c->parents[k]);
	*out = c;
	return 0;
fail:
	cg_check_free(c);
	return error;
}

/* HEAD's policy, or the defaults when it has none or one that does not
 * parse (committed past the hooks): the rules in force before this commit.
 * One that cannot be read at all, or is not a file, is an error. */
static int load_base_policy(cg_check *c, const git_oid *staged)
{
	git_tree_entry *te = NULL;
	git_filemode_t mode;
	int error = 0;

	if (c->parents[0] && git_tree_entry_bypath(&te, c->parents[0], CG_POLICY_FILE) == 0 &&
	    staged && git_oid_equal(git_tree_entry_id(te), staged)) {
		git_tree_entry_free(te);
		return 0; /* the same policy: nothing more to hold */
	}
	mode = te ? git_tree_entry_filemode(te) : GIT_FILEMODE_UNREADABLE;
	if (te)
		error = cg_policy_find_entry(&c->base_policy, c->repo, git_tree_entry_id(te),
		                             (uint32_t)mode, "HEAD:" CG_POLICY_FILE);
	if (error == CG_EPOLICY && (mode == GIT_FILEMODE_BLOB || mode == GIT_FILEMODE_BLOB_EXECUTABLE))
		error = cg_policy_default(&c->base_policy);
	else if (!te && staged)
		error = cg_policy_default(&c->base_policy);
	/* else no policy on either side: the defaults are both */
	git_tree_entry_free(te);
	return error;
}

int cg_check_load_policy(cg_check *c)
{
	uint32_t mode;
	git_oid id;
	int error, found;

	cg_policy_free(c->policy);
	cg_policy_free(c->base_policy);
	c->policy = c->base_policy = NULL;
	found = cg_snapshot_lookup(c->now, CG_POLICY_FILE, &id, &mode) != CG_ENOTFOUND;
	if ((error = load_base_policy(c, found ? &id : NULL)) < 0)
		return error;
	if (!found)
		return cg_policy_default(&c->policy);
	return cg_policy_find_entry(&c->policy, c->repo, &id, mode, CG_POLICY_FILE);
}

void cg_check_trailer_opts(cg_check *c, cg_trailer_opts *opts)
{
	git_config *cfg = NULL;
	git_buf value = GIT_BUF_INIT;

	*opts = (cg_trailer_opts)CG_TRAILER_OPTS_INIT;
	if (git_repository_config_snapshot(&cfg, c->repo) < 0)
		return;
	if (!c->comment_char) {
		c->comment_char = '#';
		if (git_config_get_string_buf(&value, cfg, "core.commentChar") == 0)
			c->comment_char = !strcmp(value.ptr, "auto") ? 0 : value.ptr[0];
		git_buf_dispose(&value);
	}
	if (!c->separators && git_config_get_string_buf(&value, cfg, "trailer.separators") == 0)
		c->separators = cg_strdup(value.ptr);
	git_buf_dispose(&value);
	git_config_free(cfg);
	opts->comment_char = c->comment_char;
	if (c->separators)
		opts->separators = c->separators;
}

int cg_check_index(git_index **out, cg_check *c)
{
	git_index *index = NULL;

	*out = NULL;
	if (c->index_file && !c->index_set) {
		if (git_index_open(&index, c->index_file) < 0)
			return cg_error_from_git("cannot read the index");
		git_repository_set_index(c->repo, index);
		git_index_free(index);
		c->index_set = 1;
	}
	if (git_repository_index(out, c->repo) < 0)
		return cg_error_from_git("cannot read the index");
	return 0;
}

static int asks_for_entry(const cg_result *r)
{
	size_t i;

	for (i = 0; i < r->nfindings; i++)
		if (r->findings[i].needs_entry)
			return 1;
	return 0;
}

/* The rules look at the work tree only for the hint of a changelog that
 * needs an entry, through the repository's index, which on a large index
 * costs more than the whole check: it is loaded, and the rules run again
 * with the work tree, only for a result with such a finding. */
static int evaluate_with_hints(cg_result **out, cg_check *c, cg_rules_input *in)
{
	git_index *index = NULL;
	int error;

	in->worktree = NULL;
	if ((error = cg_rules_evaluate(out, in)) < 0 || !asks_for_entry(*out))
		return error;
	cg_result_free(*out);
	*out = NULL;
	if ((error = cg_check_index(&index, c)) < 0)
		return error;
	git_index_free(index);
	in->worktree = c->repo;
	return cg_rules_evaluate(out, in);
}

int cg_check_evaluate(cg_result **out, cg_check *c, const char *message, size_t len)
{
	cg_rules_input in = { 0 };
	cg_trailers *trailers = NULL;
	cg_trailer_opts opts;
	int error;

	if (message) {
		cg_check_trailer_opts(c, &opts);
		if ((error = cg_trailers_parse(&trailers, message, len, &opts)) < 0)
			return error;
	}
	in.policy = c->policy;
	in.base_policy = c->base_policy;
	in.changes = c->changes;
	in.now = c->now;
	in.before = (const cg_snapshot *const *)c->before;
	in.nbefore = c->nparents;
	in.commit_time_ms = cg_timestamp_now_ms();
	in.trailers = trailers;
	error = evaluate_with_hints(out, c, &in);
	cg_trailers_free(trailers);
	return error;
}

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

int cg_check_commit_ext(cg_result **out, git_repository *repo, const cg_policy *policy,
                        git_commit *commit, const cg_check_commit_opts *opts)
{
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
	cg_trailers_free(trailers);
	return error;
}

int cg_check_commit(cg_result **out, git_repository *repo, const cg_policy *policy,
                    git_commit *commit, const char *pusher, const char *push_skip_reason)
{
	cg_check_commit_opts opts = CG_CHECK_COMMIT_OPTS_INIT;

	opts.pusher = pusher;
	opts.push_skip_reason = push_skip_reason;
	return cg_check_commit_ext(out, repo, policy, commit, &opts);
}

static int peel_oid(git_oid *out, const git_object *obj, const char *arg)
{
	git_object *commit = NULL;

	if (git_object_peel(&commit, obj, GIT_OBJECT_COMMIT) < 0)
		return cg_error_set(CG_EPOLICY, "'%s' is not a commit", arg);
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

int cg_check_push_rev(git_revwalk *walk, git_repository *repo, const char *arg,
                      git_oid *base, int *has_base)
{
	git_revspec spec = { 0 };
	git_oid from, to, mb;
	int error, rc, hide = arg[0] == '^';

	if (git_revparse(&spec, repo, arg + hide) < 0)
		return git_repository_is_shallow(repo) == 1
		       ? cg_error_set(CG_EPOLICY, "bad revision '%s' (the repository is shallow: "
		                      "fetch the rest with: git fetch --unshallow)", arg)
		       : cg_error_set(CG_EPOLICY, "bad revision '%s'", arg);
	if ((error = peel_oid(&from, spec.from, arg)) < 0 ||
	    (spec.to && (error = peel_oid(&to, spec.to, arg)) < 0))
		goto done;
	if (spec.flags & GIT_REVSPEC_SINGLE) {
		rc = hide ? git_revwalk_hide(walk, &from) : git_revwalk_push(walk, &from);
		if (hide)
			note_base(base, has_base, &from);
	} else if (spec.flags & GIT_REVSPEC_MERGE_BASE) {
		if (git_merge_base(&mb, repo, &from, &to) < 0) {
			error = cg_error_set(CG_EPOLICY, "'%s': no merge base", arg);
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

int cg_check_walk_ids(git_revwalk *walk, git_repository *repo, size_t batch,
                      int (*fn)(const git_oid *ids, size_t n, void *payload), void *payload)
{
	git_oid *ids = cg_calloc(batch, sizeof(*ids)), last;
	size_t n = 0;
	int error = 0, rc, seen = 0;

	while (!error && (rc = git_revwalk_next(&ids[n], walk)) == 0) {
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
	int (*fn)(git_commit *commit, void *payload);
	void *payload;
};

static int each_commit(const git_oid *ids, size_t n, void *payload)
{
	struct each_commit *e = payload;
	size_t i;
	int error = 0;

	for (i = 0; i < n && !error; i++) {
		git_commit *commit = NULL;
		if (git_commit_lookup(&commit, e->repo, &ids[i]) < 0)
			return cg_check_missing(e->repo, &ids[i]);
		error = e->fn(commit, e->payload);
		git_commit_free(commit);
	}
	return error;
}

int cg_check_walk(git_revwalk *walk, git_repository *repo,
                  int (*fn)(git_commit *commit, void *payload), void *payload)
{
	struct each_commit e = { repo, fn, payload };

	return cg_check_walk_ids(walk, repo, 256, each_commit, &e);
}

int cg_check_missing(git_repository *repo, const git_oid *oid)
{
	return missing_at(repo, "cannot read commit", oid);
}

char *cg_check_audit_path(git_repository *repo, const cg_policy *policy)
{
	/* A relative audit.path is taken from where git runs hooks: the work
	 * tree's root, or the repository itself when it is bare. */
	const char *base = git_repository_workdir(repo);
	cg_buf path = CG_BUF_INIT;

	if (!base)
		base = git_repository_path(repo);
	if (policy && policy->audit.path[0] == '/')
		cg_buf_puts(&path, policy->audit.path);
	else if (policy && policy->audit.path[0])
		cg_buf_printf(&path, "%s%s", base, policy->audit.path);
	else
		cg_buf_printf(&path, "%schangeguard/audit.db", git_repository_commondir(repo));
	return cg_buf_detach(&path);
}

static void ident_from_env(cg_buf *out, const char *name_var, const char *email_var,
                           git_repository *repo)
{
	const char *name = getenv(name_var), *email = getenv(email_var);
	git_signature *sig = NULL;

	if (name && email) {
		cg_buf_printf(out, "%s <%s>", name, email);
	} else if (git_signature_default(&sig, repo) == 0) {
		cg_buf_printf(out, "%s <%s>", sig->name, sig->email);
		git_signature_free(sig);
	}
}

static const char *audit_verdict(const cg_result *r)
{
	return !r ? "error" : r->verdict == CG_VERDICT_DEFERRED ? "allowed" : cg_verdict_name(r->verdict);
}

int cg_check_record(cg_check *c, const char *hook, const cg_result *r,
                    const char *error, int64_t duration_us)
{
	cg_audit_run run = { 0 };
	cg_audit_finding *f = cg_calloc(r ? r->nfindings + 1 : 1, sizeof(*f));
	cg_audit_waiver *w = cg_calloc(r ? r->nwaivers + 1 : 1, sizeof(*w));
	cg_buf author = CG_BUF_INIT, committer = CG_BUF_INIT;
	char *path = cg_check_audit_path(c->repo, c->policy);
	const char *workdir = git_repository_workdir(c->repo);
	int fell_back = 0, rc;
	size_t i;

	ident_from_env(&author, "GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", c->repo);
	ident_from_env(&committer, "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", c->repo);
	for (i = 0; r && i < r->nfindings; i++)
		f[i] = (cg_audit_finding){ r->findings[i].rule, r->findings[i].path,
		                           r->findings[i].detail };
	for (i = 0; r && i < r->nwaivers; i++)
		w[i] = (cg_audit_waiver){ r->waivers[i].rule, r->waivers[i].source,
		                          r->waivers[i].name, r->waivers[i].reason,
		                          r->waivers[i].authorizer };
	if (!r)
		f[0] = (cg_audit_finding){ "error", NULL, error };
	run.hook = hook;
	run.repository = workdir ? workdir : git_repository_path(c->repo);
	run.commit = "staged";
	run.author = author.ptr;
	run.committer = committer.ptr;
	run.verdict = audit_verdict(r);
	run.findings = f;
	run.nfindings = r ? r->nfindings : 1;
	run.waivers = w;
	run.nwaivers = r ? r->nwaivers : 0;
	run.policy_sha256 = c->policy ? c->policy->sha256 : NULL;
	run.duration_us = duration_us;
	rc = cg_audit_write(path, &run, 1, &fell_back);
	free(path);
	free(f);
	free(w);
	cg_buf_dispose(&author);
	cg_buf_dispose(&committer);
	return rc;
}

const cg_policy *cg_check_policy(const cg_check *c)
{
	return c->policy;
}

git_repository *cg_check_repository(const cg_check *c)
{
	return c->repo;
}

void cg_check_free(cg_check *c)
{
	size_t k;

	if (!c)
		return;
	for (k = 0; k < c->nparents; k++) {
		cg_snapshot_free(c->before ? c->before[k] : NULL);
		git_tree_free(c->parents[k]);
	}
	free(c->before);
	free(c->parents);
	cg_snapshot_free(c->now);
	cg_changes_free(c->changes);
	cg_policy_free(c->policy);
	cg_policy_free(c->base_policy);
	git_repository_free(c->repo);
	free(c->index_file);
	free(c->separators);
	free(c);
}
