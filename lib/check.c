#include "check.h"

#include <stdlib.h>
#include <string.h>

#include <git2/sys/repository.h>

#include "buf.h"
#include "error.h"
#include "fs.h"
#include "git2compat.h"
#include "policy_find.h"
#include "timestamp.h"
#include "update.h"


struct cg_check {
	git_repository *repo;
	char *index_file;       /* GIT_INDEX_FILE; NULL: the repository's own index */
	int index_set;          /* the repository's index is index_file's */
	git_tree **parents;     /* HEAD's tree (NULL when unborn), then MERGE_HEADs' */
	size_t nparents;
	git_oid *parent_ids;    /* their commits, while a merge is concluded */
	cg_changes *first_parent; /* a merge's change against HEAD */
	cg_policy *policy;
	cg_policy *base_policy; /* HEAD's, when the staged one differs (see rules.h) */
	cg_changes *changes;
	cg_snapshot *now, **before;
	char *separators;
	char comment_char;
};

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
	c->parent_ids = cg_realloc(c->parent_ids, (c->nparents + 1) * sizeof(*c->parent_ids));
	git_oid_cpy(&c->parent_ids[c->nparents], oid);
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
	if (git_repository_state(c->repo) != GIT_REPOSITORY_STATE_MERGE || !c->parents[0])
		return 0;
	c->parent_ids = cg_calloc(1, sizeof(*c->parent_ids));
	if (git_reference_name_to_id(&c->parent_ids[0], c->repo, "HEAD") < 0)
		return cg_error_from_git("cannot read HEAD");
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
	                                        c->nparents)) < 0 ||
	    (c->nparents > 1 &&
	     (error = cg_changes_staged_snapshot(&c->first_parent, c->now, c->parents, 1)) < 0))
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

	/* An unsorted tree could hide the policy from the lookup by name. */
	if (c->parents[0] && (error = cg_tree_check(c->parents[0], "")) < 0)
		return error;
	if (c->parents[0] && (error = git_tree_entry_bypath(&te, c->parents[0], CG_POLICY_FILE)) < 0 &&
	    error != GIT_ENOTFOUND)
		return cg_error_from_git("cannot look up HEAD:" CG_POLICY_FILE);
	error = 0;
	if (te && staged && git_oid_equal(git_tree_entry_id(te), staged)) {
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
	if (cg_git2compat_config_snapshot(&cfg, c->repo) < 0)
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
	cg_buf prefix = CG_BUF_INIT;
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
	cg_fs_git_prefix(&prefix, git_repository_workdir(c->repo));
	in->prefix = prefix.ptr;
	error = cg_rules_evaluate(out, in);
	in->prefix = NULL;
	cg_buf_dispose(&prefix);
	return error;
}

/* git commit -a (and -i) stages into index.lock and names it to the hooks;
 * a plain commit names the index itself, one of paths a next-index-*.lock. */
static int is_commit_all_index(const char *index_file)
{
	size_t n = index_file ? strlen(index_file) : 0;

	return n >= 10 && !strcmp(index_file + n - 10, "index.lock") &&
	       (n == 10 || index_file[n - 11] == '/');
}

int cg_check_evaluate(cg_result **out, cg_check *c, const char *message, size_t len)
{
	cg_update_merge sides = { { 0 }, NULL, NULL, 0 };
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
	in.commit_all = is_commit_all_index(c->index_file);
	if (c->first_parent) {
		sides.opts.repo = c->repo;
		sides.opts.policy = c->policy;
		sides.base = &c->parent_ids[0];
		sides.tips = &c->parent_ids[1];
		sides.ntips = c->nparents - 1;
		in.first_parent = c->first_parent;
		in.merge_authorized = cg_update_merge_signed;
		in.merge_payload = &sides;
	}
	error = evaluate_with_hints(out, c, &in);
	cg_trailers_free(trailers);
	return error;
}

const cg_policy *cg_check_policy(const cg_check *c)
{
	return c->policy;
}

const cg_changes *cg_check_changes(const cg_check *c)
{
	return c->changes;
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
	free(c->parent_ids);
	cg_changes_free(c->first_parent);
	cg_snapshot_free(c->now);
	cg_changes_free(c->changes);
	cg_policy_free(c->policy);
	cg_policy_free(c->base_policy);
	git_repository_free(c->repo);
	free(c->index_file);
	free(c->separators);
	free(c);
}
