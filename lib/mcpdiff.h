/*
 * mcpdiff.h: what changed in the MCP servers between two versions of a
 * configuration, one line per fact, never showing an env value.
 */
#ifndef CG_MCPDIFF_H
#define CG_MCPDIFF_H

#include <git2.h>
#include <stddef.h>

#include "mcpconfig.h"

typedef enum {
	CG_MCPDIFF_ADDED,
	CG_MCPDIFF_REMOVED,
	CG_MCPDIFF_RENAMED,
	CG_MCPDIFF_CHANGED,   /* command, args, url, transport, env, inputs */
	CG_MCPDIFF_DISABLED,
	CG_MCPDIFF_ENABLED,
	CG_MCPDIFF_NOTE       /* an opaque change, a repeated key, an unreadable old side */
} cg_mcpdiff_kind;

typedef struct {
	cg_mcpdiff_kind kind;
	char *text;           /* "server 'github': env key 'TOKEN' added", printable */
} cg_mcpdiff_line;

typedef struct cg_mcpdiff cg_mcpdiff;

/* Compares two read versions; NULL stands for a side where the file is
 * absent (every server added, or removed). */
cg_mcpdiff *cg_mcpdiff_compare(const cg_mcp_config *old, const cg_mcp_config *new_);

/* Reads the blobs `old_oid` and `new_oid` of `path` (a zero id: absent)
 * and compares them. *out is NULL when neither side is an MCP configuration:
 * only .json, .jsonc, .yaml and .yml files are read; one whose name says
 * "mcp" always is one, another one when either side reads as a known
 * shape. A new side that does not parse is no error: it is
 * cg_mcpdiff_unparsable when the old side had servers (the change takes
 * them away), a note otherwise. Returns 0 or CG_ERROR
 * when a blob cannot be read. */
int cg_mcpdiff_blobs(cg_mcpdiff **out, git_repository *repo, const char *path,
                     const git_oid *old_oid, const git_oid *new_oid);

size_t cg_mcpdiff_count(const cg_mcpdiff *d);
const cg_mcpdiff_line *cg_mcpdiff_get(const cg_mcpdiff *d, size_t i);

/* 1 when a server is removed or disabled (a rename removes nothing). */
int cg_mcpdiff_removes(const cg_mcpdiff *d);

/* Why the new version of a configuration that worked cannot be read, or NULL. */
const char *cg_mcpdiff_unparsable(const cg_mcpdiff *d);

void cg_mcpdiff_free(cg_mcpdiff *d);

#endif
