#include "dynlib.h"

#include <dlfcn.h>
#include <stdio.h>

const char *cg_dynlib_load(cg_dynlib *lib)
{
	void *handle;
	const char *e;
	size_t i;

	if (lib->state)
		return lib->state > 0 ? NULL : lib->why;
	lib->state = -1;
	if ((handle = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		e = dlerror();
		snprintf(lib->why, sizeof(lib->why), "%s", e ? e : lib->soname);
		return lib->why;
	}
	for (i = 0; i < lib->n; i++)
		if ((*lib->slots[i] = dlsym(handle, lib->names[i])) == NULL) {
			snprintf(lib->why, sizeof(lib->why), "%s has no %s", lib->soname, lib->names[i]);
			return lib->why;
		}
	lib->state = 1;
	return NULL;
}

void cg_dynlib_rename(cg_dynlib *lib, const char *soname)
{
	lib->soname = soname;
	lib->state = 0;
}
