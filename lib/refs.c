#include "refs.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"

/* Symbolic refs followed before giving up, as git's own limit. */
#define SYMREF_DEPTH_MAX 5

/* What GIT_NAMESPACE puts before every ref ("a/b": "refs/namespaces/a/
 * refs/namespaces/b/"), as git's expand_namespace does; "" without one. */
void cg_refs_namespace_prefix(cg_buf *out)
{
	const char *ns = getenv("GIT_NAMESPACE"), *end;

	for (; ns && *ns; ns = *end ? end + 1 : end) {
		end = ns + strcspn(ns, "/");
		if (end > ns)
			cg_buf_printf(out, "refs/namespaces/%.*s/", (int)(end - ns), ns);
	}
}

/* `full` followed through symbolic refs: the ref an update of it moves. */
static int follow_symrefs(cg_buf *full, git_repository *repo)
{
	git_reference *ref = NULL;
	int depth, error = 0;

	for (depth = 0; depth <= SYMREF_DEPTH_MAX; depth++) {
		error = git_reference_lookup(&ref, repo, full->ptr);
		if (error == GIT_ENOTFOUND)
			return 0; /* a new ref, or a symref's unborn target */
		if (error < 0)
			return cg_error_prefix(cg_error_from_git("libgit2"), "cannot read '%s'", full->ptr);
		if (git_reference_type(ref) != GIT_REFERENCE_SYMBOLIC) {
			git_reference_free(ref);
			return 0;
		}
		cg_buf_clear(full);
		cg_buf_puts(full, git_reference_symbolic_target(ref));
		git_reference_free(ref);
	}
	return cg_error_set(CG_ERROR, "'%s': more than %d symbolic refs in a chain", full->ptr,
	                    SYMREF_DEPTH_MAX);
}

/*
 * Names the ref an update moves as git's receive-pack will: the pushed
 * name in the namespace, followed through symbolic refs (a push to a symref
 * moves its target), then without the namespace again, as server.refs and
 * the audit name refs. A ref outside the namespace keeps its full name.
 */
int cg_refs_resolve(char **name, git_repository *repo, const char *prefix)
{
	cg_buf full = CG_BUF_INIT;
	size_t len = strlen(prefix);
	int error;

	cg_buf_printf(&full, "%s%s", prefix, *name);
	if ((error = follow_symrefs(&full, repo)) == 0) {
		free(*name);
		*name = cg_strdup(strncmp(full.ptr, prefix, len) ? full.ptr : full.ptr + len);
	}
	cg_buf_dispose(&full);
	return error;
}
