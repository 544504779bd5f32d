/*
 * dynlib.h: loads a shared library when a run first needs it, so that the
 * runs that never do (most commits) do not pay the dynamic loader for it.
 */
#ifndef CG_DYNLIB_H
#define CG_DYNLIB_H

#include <stddef.h>

/*
 * A library and the functions taken from it: `slots[i]` receives the
 * address of `names[i]`. A module lists its functions once, as an X-macro
 * FN(X), and defines its table with
 *     static struct { FN(CG_DYNLIB_POINTER) } t;
 *     static const char *const names[] = { FN(CG_DYNLIB_NAME) };
 *     #define SLOT(name) CG_DYNLIB_SLOT(t, name)
 *     static void **const slots[] = { FN(SLOT) };
 *     static cg_dynlib lib = CG_DYNLIB_INIT("libfoo.so.1", names, slots);
 */
typedef struct {
	const char *soname;
	const char *const *names;
	void **const *slots;
	size_t n;
	int state;        /* 0 not tried, 1 loaded, -1 failed */
	char why[512];    /* why it failed: the dynamic loader's words */
} cg_dynlib;

#define CG_DYNLIB_POINTER(name) __typeof__(name) *name;
#define CG_DYNLIB_NAME(name) #name,
#define CG_DYNLIB_SLOT(table, name) (void **)&table.name,
#define CG_DYNLIB_INIT(soname, names, slots) \
	{ soname, names, slots, sizeof(names) / sizeof((names)[0]), 0, "" }

/* NULL once the library is loaded and every function found (the first
 * call does the work), else why not, which the next calls repeat. Sets no
 * error: the caller says what needed the library and how to install it. */
const char *cg_dynlib_load(cg_dynlib *lib);

/* Names another file for a library not yet loaded (tests: a missing one). */
void cg_dynlib_rename(cg_dynlib *lib, const char *soname);

#endif
