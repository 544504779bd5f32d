/*
 * fuzz_mcpconfig: libFuzzer target for the MCP configuration reader (json-c
 * with comments, YAML through the policy reader) and the comparison.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "mcpconfig.h"
#include "mcpdiff.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Lines go to terminals: never a control character. */
static void check_lines(const cg_mcpdiff *d)
{
	for (size_t i = 0; i < cg_mcpdiff_count(d); i++)
		for (const char *s = cg_mcpdiff_get(d, i)->text; *s; s++)
			if ((unsigned char)*s < 0x20 || *s == 0x7f)
				abort();
}

/* A configuration compared with itself changes nothing (a note of the
 * reader's aside), and against no file adds every server it has. */
static void compare(const cg_mcp_config *c)
{
	cg_mcpdiff *same = cg_mcpdiff_compare(c, c), *added = cg_mcpdiff_compare(NULL, c);
	size_t i, servers = 0;

	for (i = 0; i < cg_mcpdiff_count(same); i++)
		if (cg_mcpdiff_get(same, i)->kind != CG_MCPDIFF_NOTE)
			abort();
	for (i = 0; i < cg_mcpdiff_count(added); i++)
		servers += cg_mcpdiff_get(added, i)->kind == CG_MCPDIFF_ADDED;
	if (cg_mcpconfig_shape(c) && servers != cg_mcpconfig_count(c))
		abort();
	if (cg_mcpdiff_removes(added))
		abort();
	check_lines(same);
	check_lines(added);
	cg_mcpdiff_free(same);
	cg_mcpdiff_free(added);
}

/* The first byte picks the reader: odd for YAML. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *label = size && (data[0] & 1) ? "fuzz.yaml" : "fuzz.json";
	cg_mcp_config *c = NULL;
	int error;

	if (size) {
		data++;
		size--;
	}
	error = cg_mcpconfig_parse(&c, (const char *)data, size, label);
	if (error < 0) {
		if ((error != CG_ERROR && error != CG_ELIMIT) || c || !strstr(cg_error_last(), label))
			abort();
		return 0;
	}
	compare(c);
	cg_mcpconfig_free(c);
	return 0;
}
