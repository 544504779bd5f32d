/*
 * objdirs.h: the object directories a repository reads from, as git's
 * environment names them for a hook (GIT_OBJECT_DIRECTORY, GIT_ALTERNATE_OBJECT_DIRECTORIES).
 */
#ifndef CG_OBJDIRS_H
#define CG_OBJDIRS_H

#include <git2.h>

/*
 * Calls `fn` with each directory of GIT_ALTERNATE_OBJECT_DIRECTORIES, in
 * order, and whether git C-quoted it (it does for a path holding ':' or
 * starting with '"'), until `fn` returns non-zero, which is returned. A
 * quoted entry that does not parse is CG_ERROR, naming the variable.
 */
int cg_objdirs_each_alternate(int (*fn)(const char *dir, int quoted, void *payload),
                              void *payload);

/*
 * Calls `fn` with each object directory of `repo`, resolved (realpath),
 * each once however many paths name it: GIT_OBJECT_DIRECTORY (in a
 * pre-receive hook the quarantine, where the pushed objects wait), the
 * repository's own objects, then GIT_ALTERNATE_OBJECT_DIRECTORIES'. A
 * directory that does not resolve is left out; so are
 * objects/info/alternates and the alternates after one whose quoting does
 * not parse, which libgit2 reads itself.
 */
void cg_objdirs_each(git_repository *repo, void (*fn)(const char *dir, void *payload),
                     void *payload);

#endif
