/*
 * objdirs.h: the alternate object directories git's environment names for a
 * hook (GIT_ALTERNATE_OBJECT_DIRECTORIES), read as git writes the variable.
 */
#ifndef CG_OBJDIRS_H
#define CG_OBJDIRS_H

/*
 * Calls `fn` with each directory of GIT_ALTERNATE_OBJECT_DIRECTORIES, in
 * order, and whether git C-quoted it (it does for a path holding ':' or
 * starting with '"'), until `fn` returns non-zero, which is returned. A
 * quoted entry that does not parse is CG_ERROR, naming the variable.
 */
int cg_objdirs_each_alternate(int (*fn)(const char *dir, int quoted, void *payload),
                              void *payload);

#endif
