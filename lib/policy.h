/*
 * policy.h: the effective policy, loaded from `.changeguard.yml` with libyaml
 * (strictly: unknown keys, wrong types, bad globs or regexes are errors) or built in.
 */
#ifndef CG_POLICY_H
#define CG_POLICY_H

#include <stddef.h>
#include <stdint.h>
#include "buf.h"
#include "glob.h"
#include "pattern.h"

typedef enum {
	CG_CHANGELOG_NEAREST,
	CG_CHANGELOG_EVERY_DIRECTORY,
	CG_CHANGELOG_ROOT
} cg_changelog_mode;

typedef enum { CG_VERIFY_PUSHER, CG_VERIFY_TRAILER, CG_VERIFY_SIGNATURE } cg_verify_mode;

typedef struct {
	char *name;
	cg_globset *paths;       /* compiled with CG_GLOB_CASEFOLD when case_insensitive */
	int case_insensitive;
	char *trailer;           /* "" = no sign-off possible: every change is refused */
	char **authorizers;      /* emails or names; empty = any named sign-off */
	size_t authorizers_len;
	cg_verify_mode verify;
	char **removal_authorizers; /* removing or disabling an MCP server also needs a
	                               sign-off from one of these; empty = no extra rule */
	size_t removal_authorizers_len;
} cg_protect_group;

typedef struct {
	int version;
	struct {
		cg_changelog_mode mode;
		char *file;
		cg_globset *require_for;
		cg_globset *ignore;
		cg_pattern *entry_pattern; /* has a named group "ts" */
		int64_t max_age_ms;
		int64_t max_skew_ms;
		int append_only;
		char *skip_trailer;        /* "" disables waivers */
		char *amend_trailer;       /* "" disables corrections of existing entries */
		int amend_removes;         /* the amend trailer also allows removing entries */
		int non_utf8_warn;         /* a changed CHANGELOG that is not UTF-8 is only a
		                              warning (recorded as a policy waiver), not refused */
	} changelog;
	cg_protect_group *protect;
	size_t protect_len;
	struct {
		cg_globset *paths;         /* compiled with CG_GLOB_CASEFOLD when case_insensitive */
		cg_globset *allow;         /* likewise */
		int case_insensitive;
		int duplicates;
		int duplicate_min_size;    /* bytes */
		cg_globset *duplicate_allow;
		char *skip_trailer;        /* "" disables waivers */
	} forbid;
	struct {
		char *path;                /* "" = <git common dir>/changeguard/audit.db */
		int on_error_warn;
		char *witness;             /* "" = none; a file of chain heads */
		char *syslog;              /* "" = none; a Unix datagram socket, e.g. /dev/log */
		char *url;                 /* "" = SQLite; else a libpq URI or "service=NAME" */
		char *repository_id;       /* "" = the repository's path: its chain in PostgreSQL */
	} audit;
	struct {
		char *policy;
		cg_globset *refs;
		char **pusher_env;
		size_t pusher_env_len;
		int push_option_waivers;
		int deadline;              /* seconds, 0 = off */
		char **forbid_waivers;     /* the forbid findings (path, duplicate) a trailer may waive */
		size_t forbid_waivers_len;
	} server;
	char *source;                  /* where it came from: a path, "(built-in defaults)" */
	int builtin;                   /* the built-in defaults, not loaded from a policy */
	char sha256[65];               /* of the YAML text; of the defaults' text when built in */
} cg_policy;

/* The committed policy's name, at the root of a work tree or a tree. */
#define CG_POLICY_FILE ".changeguard.yml"

/* The server's own policy file, in $GIT_DIR. */
#define CG_POLICY_SERVER_FILE "changeguard.yml"

/* The largest policy text accepted, from a file or a blob. */
#define CG_POLICY_MAX_SIZE (1024 * 1024)

/* The built-in defaults (docs/reference.md, The policy file). */
int cg_policy_default(cg_policy **out);

/* Parses YAML text (not necessarily NUL-terminated, at most CG_POLICY_MAX_SIZE
 * bytes); `label` names it in messages ("FILE:LINE:COL: message", lines and
 * columns 1-based) and becomes `source`. Keys left out keep their defaults; a
 * `protect` list replaces the built-in one. Every error is CG_EPOLICY. */
int cg_policy_load_buffer(cg_policy **out, const char *data, size_t len, const char *label);

/* Reads and parses a file, labelled with `path`; a missing file is
 * CG_ENOTFOUND, an unreadable or too large one CG_EPOLICY. */
int cg_policy_load_file(cg_policy **out, const char *path);

/* The effective policy as YAML with every key filled in (`policy show`);
 * loading the output gives the same policy. */
void cg_policy_format(cg_buf *out, const cg_policy *policy);

/* Gives `p` the server-only settings (audit.*, server.*) of `server`, and
 * `server` those `p` had: on the server they come only from the server.
 * Returns 1 when the two differed, 0 when they were the same. */
int cg_policy_swap_server_settings(cg_policy *p, cg_policy *server);

/* Makes every protect group that covers the policy file and lists no
 * authorizers refuse every change (trailer ""): on the server, "any named
 * sign-off" would let anyone rewrite the rules. Returns how many it changed. */
size_t cg_policy_require_authorizers(cg_policy *p);

/* libyaml is wrapped here alone; other modules read a YAML document as
 * events, with the same safety rules as a policy (no anchors, aliases or
 * tags, no control characters in values). A scalar's `text` is lent for the
 * call; a plain null or boolean comes with text NULL and `boolean` 0 (null),
 * 1 (true) or -1 (false). A negative return from `fn` stops the walk and is
 * returned. Errors are CG_EPOLICY with "LABEL:LINE:COL: message". */
typedef enum {
	CG_YAML_MAP_START,
	CG_YAML_MAP_END,
	CG_YAML_LIST_START,
	CG_YAML_LIST_END,
	CG_YAML_SCALAR
} cg_yaml_event;

typedef int (*cg_policy_yaml_fn)(cg_yaml_event ev, const char *text, size_t len, int boolean,
                                 void *payload);

int cg_policy_yaml_walk(const char *data, size_t len, const char *label, cg_policy_yaml_fn fn,
                        void *payload);

void cg_policy_free(cg_policy *policy);

/* The default YAML text with a comment on every key (`changeguard init`). */
extern const char cg_policy_default_yaml[];

#endif
