#include "policy_find.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "changes.h"
#include "error.h"
#include "git2compat.h"

static const char *kind_of(uint32_t mode)
{
	switch (mode) {
	case GIT_FILEMODE_TREE: return "a directory";
	case GIT_FILEMODE_LINK: return "a symlink";
	case GIT_FILEMODE_COMMIT: return "a submodule";
	default: return NULL;
	}
}

int cg_policy_find_entry(cg_policy **out, git_repository *repo, const git_oid *id,
                         uint32_t mode, const char *label)
{
	git_blob *blob = NULL;
	const char *kind = kind_of(mode);
	int error;

	*out = NULL;
	if (kind)
		return cg_error_set(CG_EPOLICY, "%s is %s, not a file: the policy cannot be read "
		                    "from it", label, kind);
	if (git_blob_lookup(&blob, repo, id) < 0)
		return cg_error_prefix(cg_error_from_git("libgit2"), "cannot read %s", label);
	error = cg_policy_load_buffer(out, git_blob_rawcontent(blob),
	                              (size_t)git_blob_rawsize(blob), label);
	git_blob_free(blob);
	return error;
}

int cg_policy_find_tree(cg_policy **out, git_repository *repo, const git_tree *tree,
                        const char *where)
{
	git_tree_entry *te = NULL;
	cg_buf label = CG_BUF_INIT;
	int error;

	*out = NULL;
	/* An unsorted tree could hide the policy from the lookup by name. */
	if ((error = cg_tree_check(tree, "")) < 0)
		return error;
	error = git_tree_entry_bypath(&te, tree, CG_POLICY_FILE);
	if (error == GIT_ENOTFOUND)
		return CG_ENOTFOUND;
	if (error < 0)
		return cg_error_prefix(cg_error_from_git("libgit2"), "cannot look up %s:" CG_POLICY_FILE,
		                       where);
	cg_buf_printf(&label, "%s:" CG_POLICY_FILE, where);
	error = cg_policy_find_entry(out, repo, git_tree_entry_id(te),
	                             (uint32_t)git_tree_entry_filemode(te), label.ptr);
	cg_buf_dispose(&label);
	git_tree_entry_free(te);
	return error;
}

int cg_policy_find_commit(cg_policy **out, git_repository *repo, const git_oid *commit,
                          const char *where)
{
	git_object *obj = NULL, *tree = NULL;
	int error;

	*out = NULL;
	if (git_object_lookup(&obj, repo, commit, GIT_OBJECT_ANY) < 0 ||
	    git_object_peel(&tree, obj, GIT_OBJECT_TREE) < 0)
		error = cg_error_prefix(cg_error_from_git("libgit2"), "cannot read the tree of %s", where);
	else if ((error = cg_policy_find_tree(out, repo, (git_tree *)tree, where)) == CG_ENOTFOUND)
		error = cg_policy_default(out);
	git_object_free(tree);
	git_object_free(obj);
	return error;
}

/* The commit `head` leads to, by name ("refs/heads/main" for "HEAD");
 * CG_ENOTFOUND when it is unborn. */
static int resolve_head(git_oid *id, cg_buf *name, git_repository *repo, const char *head)
{
	git_reference *ref = NULL, *resolved = NULL;
	int error = git_reference_lookup(&ref, repo, head);

	if (!error)
		error = git_reference_resolve(&resolved, ref);
	if (error == GIT_ENOTFOUND) {
		error = CG_ENOTFOUND;
	} else if (error < 0) {
		error = cg_error_prefix(cg_error_from_git("libgit2"), "cannot resolve %s", head);
	} else {
		git_oid_cpy(id, git_reference_target(resolved));
		cg_buf_clear(name);
		cg_buf_puts(name, git_reference_name(resolved));
	}
	git_reference_free(resolved);
	git_reference_free(ref);
	return error;
}

int cg_policy_find_head(cg_policy **out, git_repository *repo)
{
	cg_buf name = CG_BUF_INIT;
	git_oid id;
	int error = resolve_head(&id, &name, repo, "HEAD");

	*out = NULL;
	if (error == CG_ENOTFOUND)
		error = cg_policy_default(out);
	else if (!error)
		error = cg_policy_find_commit(out, repo, &id, "HEAD");
	cg_buf_dispose(&name);
	return error;
}

static int config_path(cg_buf *path, git_repository *repo)
{
	git_config *cfg = NULL;
	git_buf value = GIT_BUF_INIT;
	int error;

	if (cg_git2compat_config_snapshot(&cfg, repo) < 0)
		return cg_error_from_git("cannot read the repository's configuration");
	error = git_config_get_path(&value, cfg, "changeguard.policy");
	if (error == GIT_ENOTFOUND) {
		error = CG_ENOTFOUND;
	} else if (error < 0) {
		error = cg_error_from_git("cannot read changeguard.policy");
	} else {
		/* Relative to the repository, where git runs the hook. */
		if (value.ptr[0] != '/')
			cg_buf_puts(path, git_repository_path(repo));
		cg_buf_puts(path, value.ptr);
	}
	git_buf_dispose(&value);
	git_config_free(cfg);
	return error;
}

int cg_policy_find_server_own(cg_policy **out, git_repository *repo, char **source)
{
	cg_buf path = CG_BUF_INIT;
	int error = config_path(&path, repo), configured = error == 0;

	*out = NULL;
	if (error == CG_ENOTFOUND)
		cg_buf_printf(&path, "%s" CG_POLICY_SERVER_FILE, git_repository_path(repo));
	if (error == 0 || error == CG_ENOTFOUND)
		error = cg_policy_load_file(out, path.ptr);
	if (error == CG_ENOTFOUND && configured)
		error = cg_error_set(CG_EPOLICY, "changeguard.policy names '%s', which does not exist",
		                     path.ptr);
	if (source)
		*source = path.size ? cg_buf_detach(&path) : NULL;
	cg_buf_dispose(&path);
	return error;
}

/* The committed policy: the ref's before the push, else HEAD's branch's. */
static int find_committed(cg_policy **out, git_repository *repo, const cg_policy_server_opts *opts)
{
	git_object *obj = NULL, *tree = NULL;
	cg_buf name = CG_BUF_INIT;
	git_oid head;
	int error = CG_ENOTFOUND;

	if (opts->old) {
		if (git_object_lookup(&obj, repo, opts->old, GIT_OBJECT_ANY) < 0)
			error = cg_error_prefix(cg_error_from_git("libgit2"), "cannot read %s",
			                        opts->refname);
		else if (git_object_peel(&tree, obj, GIT_OBJECT_TREE) == 0)
			error = cg_policy_find_tree(out, repo, (git_tree *)tree, opts->refname);
		/* else a tag of a blob: no tree, no policy of its own */
	}
	if (error == CG_ENOTFOUND && (error = resolve_head(&head, &name, repo, opts->head)) == 0)
		error = cg_policy_find_commit(out, repo, &head, name.ptr);
	if (error == CG_ENOTFOUND)
		error = cg_policy_default(out);
	git_object_free(tree);
	git_object_free(obj);
	cg_buf_dispose(&name);
	return error;
}

int cg_policy_find_server(cg_policy **out, git_repository *repo, cg_policy_server_opts *opts)
{
	cg_policy *server = NULL;
	int error = cg_policy_find_server_own(out, repo, NULL);

	opts->from_server = error == 0;
	opts->ignored_settings = 0;
	if (error == CG_ENOTFOUND && (error = find_committed(out, repo, opts)) == 0 &&
	    (error = cg_policy_default(&server)) == 0)
		opts->ignored_settings = cg_policy_swap_server_settings(*out, server);
	if (!error)
		cg_policy_require_authorizers(*out);
	cg_policy_free(server);
	return error;
}
