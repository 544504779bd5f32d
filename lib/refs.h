/*
 * refs.h: which ref a pushed name moves, as git's receive-pack decides it:
 * inside GIT_NAMESPACE and through symbolic refs.
 */
#ifndef CG_REFS_H
#define CG_REFS_H

#include <git2.h>

#include "buf.h"

/* What GIT_NAMESPACE puts before every ref ("a/b": "refs/namespaces/a/
 * refs/namespaces/b/"), as git's expand_namespace does; "" without one. */
void cg_refs_namespace_prefix(cg_buf *out);

/* Replaces *name (a pushed ref, freed) by the ref an update of it moves:
 * the name in the namespace `prefix`, followed through symbolic refs, then
 * without the namespace again; a ref outside the namespace keeps its full
 * name. Returns 0, or CG_ERROR for an unreadable ref or a symref chain
 * longer than git follows. */
int cg_refs_resolve(char **name, git_repository *repo, const char *prefix);

#endif
