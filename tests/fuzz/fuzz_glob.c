/*
 * fuzz_glob: libFuzzer target for the glob compiler and matcher. Input:
 * a flags byte, then lines; every line but the last is a pattern, the last the path.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "glob.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Matching a path against a set is matching it against each pattern alone. */
static void check_match(const cg_globset *set, unsigned flags, const char *path)
{
	int any = 0, whole = cg_globset_match(set, path);

	for (size_t i = 0; i < cg_globset_count(set); i++) {
		cg_globset *one = NULL;
		cg_globset_new(&one, flags);
		if (cg_globset_add(one, cg_globset_pattern(set, i)) < 0)
			abort();
		any |= cg_globset_match(one, path);
		cg_globset_free(one);
	}
	if (whole != any)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cg_globset *set = NULL;
	unsigned flags;
	char *text, *line, *nl;
	size_t added = 0;
	int error;

	if (size == 0)
		return 0;
	flags = data[0] & 1 ? CG_GLOB_CASEFOLD : 0;
	text = cg_strndup((const char *)data + 1, size - 1);
	cg_globset_new(&set, flags);
	for (line = text; (nl = strchr(line, '\n')) != NULL; line = nl + 1) {
		*nl = '\0';
		if ((error = cg_globset_add(set, line)) == 0)
			added++;
		else if (error != CG_EPOLICY)
			abort();
	}
	if (cg_globset_count(set) != added)
		abort();
	check_match(set, flags, line);
	cg_globset_free(set);
	free(text);
	return 0;
}
