/*
 * mcpconfig.h: an MCP client configuration (Claude, Cursor, VS Code, Zed, YAML
 * server lists) read with json-c or the YAML reader into its servers, never keeping env values.
 */
#ifndef CG_MCPCONFIG_H
#define CG_MCPCONFIG_H

#include <stddef.h>

/* The largest configuration read, and how deep its values may nest. */
#define CG_MCPCONFIG_MAX_BYTES (1024 * 1024)
#define CG_MCPCONFIG_MAX_DEPTH 32

typedef struct {
	char *key;
	char digest[65];  /* SHA-256 of the value: tells a change, never shown */
	int looks_secret; /* the value is a literal that looks like a credential */
} cg_mcp_env;

typedef struct {
	char *name;
	char *command;     /* NULL when not given */
	char **args;
	size_t nargs;
	char *url;         /* NULL when not given */
	char *transport;   /* "type" or "transport"; NULL when not given */
	cg_mcp_env *env;   /* sorted by key */
	size_t nenv;
	int disabled;      /* "disabled": true or "enabled": false */
} cg_mcp_server;

typedef struct cg_mcp_config cg_mcp_config;

/* Loads json-c, which reads every configuration (JSON and YAML), at the
 * first call: runs that read none do not pay for loading it. CG_ERROR,
 * with a hint, when it is missing; cg_mcpconfig_parse fails the same way. */
int cg_mcpconfig_load(void);

/* The json-c library's file name, before it is loaded (for the tests). */
void cg_mcpconfig__library(const char *soname);

/* Reads `data` (JSON with comments and trailing commas, as VS Code writes
 * it; YAML when `label` ends in .yaml or .yml). A document of no known
 * shape loads as opaque. Returns 0, CG_ERROR when the text does not parse
 * (the message names `label` and the place), or CG_ELIMIT when it is too
 * large or too deep. Free with cg_mcpconfig_free. */
int cg_mcpconfig_parse(cg_mcp_config **out, const char *data, size_t len, const char *label);

/* "mcpServers", "servers", "context_servers", "list" (a list of servers
 * with names), "empty" ({}), or NULL: not a shape this module knows (opaque). */
const char *cg_mcpconfig_shape(const cg_mcp_config *c);

/* The servers, sorted by name (a name given twice: the last one counts). */
size_t cg_mcpconfig_count(const cg_mcp_config *c);
const cg_mcp_server *cg_mcpconfig_get(const cg_mcp_config *c, size_t i);
const cg_mcp_server *cg_mcpconfig_find(const cg_mcp_config *c, const char *name);

/* VS Code's "inputs": the ids of the values it prompts for. */
size_t cg_mcpconfig_input_count(const cg_mcp_config *c);
const char *cg_mcpconfig_input(const cg_mcp_config *c, size_t i);

/* What the reader decided on its own, e.g. "key 'x' appears more than
 * once; the last one counts"; NULL when nothing. */
const char *cg_mcpconfig_note(const cg_mcp_config *c);

/* 1 when `value` (of env key `key`, which may be NULL) is a literal that
 * looks like a credential rather than a reference such as ${input:token}. */
int cg_mcpconfig_looks_secret(const char *key, const char *value);

void cg_mcpconfig_free(cg_mcp_config *c);

#endif
