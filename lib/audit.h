/*
 * audit.h: the audit trail, one SQLite database per repository whose run rows
 * form a SHA-256 hash chain, with a JSON-lines fallback so no record is lost.
 */
#ifndef CG_AUDIT_H
#define CG_AUDIT_H

#include <stddef.h>
#include <stdint.h>
#include "buf.h"

typedef struct cg_audit cg_audit;

typedef struct {
	const char *rule;   /* "changelog", "protect:mcp", "policy", ... */
	const char *path;   /* may be NULL */
	const char *detail;
	const char *commit; /* in a push's run, the commit it is about; may be NULL */
} cg_audit_finding;

typedef struct {
	const char *rule;       /* the rule waived or authorized ("changelog", "protect:mcp") */
	const char *source;     /* "trailer" or "push-option" */
	const char *name;       /* trailer key or push option name */
	const char *reason;     /* the waiver's reason, or the sign-off value */
	const char *authorizer; /* who signed, may be NULL */
	const char *commit;     /* in a push's run, the commit it is about; may be NULL */
} cg_audit_waiver;

/* A commit a push brought, with its own verdict; its findings and waivers
 * name it in their `commit`. */
typedef struct {
	const char *commit;     /* the oid */
	const char *verdict;    /* "allowed", "blocked", "waived", "error" */
	const char *ref;        /* the ref update that brought it first */
	const char *author;
	const char *committer;
} cg_audit_commit;

/* A ref update of a push. */
typedef struct {
	const char *ref;
	const char *old_oid;
	const char *new_oid;
	const char *outcome;    /* "accepted" (the hook let the ref move), "refused",
	                         * or NULL (recorded before schema version 4) */
} cg_audit_ref;

typedef struct {
	const char *value;      /* as given to git push -o */
} cg_audit_push_option;

/* A run's kinds of items, in the order its encoding, the database and
 * the export give them. */
typedef enum {
	CG_AUDIT_FINDINGS,      /* cg_audit_finding */
	CG_AUDIT_WAIVERS,       /* cg_audit_waiver */
	CG_AUDIT_COMMITS,       /* cg_audit_commit */
	CG_AUDIT_REFS,          /* cg_audit_ref */
	CG_AUDIT_PUSH_OPTIONS   /* cg_audit_push_option */
} cg_audit_kind;

/* One item of the type its kind names, lent for the one call. A non-zero
 * return stops the reading, which returns it. */
typedef int (*cg_audit_item_fn)(const void *item, void *payload);

/* A run's items read one at a time instead of held in arrays: a push of
 * many thousand commits, from where the hook keeps them, so that memory
 * stays flat in the push's length. `each` calls `fn` with every item of
 * `kind` in order and returns 0, a negative error (cg_error_set), or
 * `fn`'s non-zero return. Recording calls it several times per kind
 * (validating, hashing, storing), and it must give the same items each
 * time; a reading that gives another number of items fails the record. */
typedef struct {
	int (*each)(void *self, cg_audit_kind kind, cg_audit_item_fn fn, void *payload);
	void *self;
} cg_audit_reader;

/* One hook decision. Strings may be NULL where they do not apply. A push is
 * one run: its ref updates, push options and the commits it brought (each
 * with its verdict) are arrays, or come from `reader`; ref, old_oid,
 * new_oid are set when it updated one ref, commit and author when it
 * brought one commit. */
typedef struct {
	int64_t time_ms;          /* 0: now */
	const char *hook;         /* "pre-commit", "commit-msg", "pre-receive", ... */
	const char *repository;   /* path of the repository */
	const char *ref;
	const char *old_oid;
	const char *new_oid;
	const char *commit;       /* commit oid or "staged" */
	const char *author;
	const char *committer;
	const char *pusher;
	const char *verdict;      /* "allowed", "blocked", "waived", "error" */
	const cg_audit_finding *findings;
	size_t nfindings;
	const cg_audit_waiver *waivers;
	size_t nwaivers;
	const cg_audit_commit *commits;
	size_t ncommits;
	const cg_audit_ref *refs;
	size_t nrefs;
	const cg_audit_push_option *push_options;
	size_t npush_options;
	const char *policy_sha256;
	int64_t duration_us;
	/* When set, every kind's items come from it: the arrays above are not
	 * read, and recording sets the counts to what it gives. */
	const cg_audit_reader *reader;
} cg_audit_run;

/* Calls `fn` with each item of `kind` of `run`, from its array or its
 * reader; returns as cg_audit_reader's `each` does. */
int cg_audit_run_each(const cg_audit_run *run, cg_audit_kind kind, cg_audit_item_fn fn,
                      void *payload);

/* A stored run, as queries hand it out (lent to the callback for one call). */
typedef struct {
	int64_t id;
	const char *time;         /* RFC 3339 UTC with milliseconds */
	const char *tool_version; /* CG_VERSION of the build that made the run */
	cg_audit_run run;         /* run.time_ms is parsed from time */
	const char *prev_hash;    /* hex SHA-256; 64 zeros for the first run */
	const char *hash;
	int hash_version;         /* of the canonical encoding its hash covers: 1 to 3 */
} cg_audit_entry;

/* What cg_audit_query selects; zero and NULL members select everything. */
typedef struct {
	int64_t since_ms;        /* runs at or after this instant */
	int64_t until_ms;        /* runs before this instant */
	const char *hook;
	const char *verdict;
	const char *rule;        /* runs with a finding or a waiver for this rule */
	const char *author;      /* runs whose author, or a pushed commit's, contains this text */
	const char *ref;         /* runs of this ref, or of a push that updated it */
} cg_audit_filter;

/* A non-zero return stops the walk, which then returns that value. */
typedef int (*cg_audit_entry_cb)(const cg_audit_entry *entry, void *payload);

/* Opens (creating it and its directory when missing) the database at `path`,
 * in WAL mode with a busy timeout, migrating an older schema forward.
 * A schema newer than this build knows is an error. Close with cg_audit_close. */
int cg_audit_open(cg_audit **out, const char *path);

/* Opens an existing database for reading only (reports, verify, export); it
 * is never created or migrated. A missing file is CG_ENOTFOUND; a schema
 * version other than this build's is CG_ERROR. */
int cg_audit_open_readonly(cg_audit **out, const char *path);

/* The schema version of the existing database at `path` into *version, and
 * this build's into *current: an older one waits for the next
 * cg_audit_open, which migrates it; cg_audit_open_readonly refuses it. */
int cg_audit_schema(const char *path, int *version, int *current);

/* Records `n` runs in one BEGIN IMMEDIATE transaction, chained after the
 * newest row. The same transaction first imports the records of the
 * fallback file `<path>.fallback.jsonl` (in file order, each once: every
 * line carries an id that the database remembers), unless another process
 * holds that file; the file is emptied after the commit. A line that cannot
 * be read back is moved to `<path>.fallback.jsonl.rejected` for a human.
 * Invalid runs (no hook, a verdict other than the four, a finding without a
 * rule, a waiver without rule or source) are refused before anything is
 * written. */
int cg_audit_record(cg_audit *db, const cg_audit_run *runs, size_t n);

/* Opens, records the runs (importing pending fallback records), closes.
 * Runs with time_ms 0 are stamped once, so a fallen-back record carries the
 * same time it would have had in the database. When the database cannot be
 * written (unwritable, not a database, locked past the busy timeout, disk
 * full), appends the runs to the fallback file `<path>.fallback.jsonl`
 * (flock-ed, fsync-ed) and returns CG_ERROR with a message naming the
 * database problem and the fallback path (*fell_back = 1). Returns CG_ERROR
 * with *fell_back = 0 when a run is invalid (a caller bug, as for
 * cg_audit_record) or when even the fallback failed. */
int cg_audit_write(const char *path, const cg_audit_run *runs, size_t n, int *fell_back);

/* A run of the chain by its id and hash: what an outside witness keeps. */
typedef struct {
	int64_t id;
	char hash[65];  /* hex SHA-256 */
} cg_audit_head;

/* cg_audit_write, and on success (*fell_back 0) `*recorded` is the last of
 * `runs` as the database chained it; {0, ""} otherwise. */
int cg_audit_write_head(const char *path, const cg_audit_run *runs, size_t n, int *fell_back,
                        cg_audit_head *recorded);

/* The newest run of the database ({0, ""} when it has none). */
int cg_audit_newest(cg_audit *db, cg_audit_head *out);

/* The run `id`'s hash into out->hash, out->id = id; CG_ENOTFOUND when no
 * run has that id. */
int cg_audit_run_hash(cg_audit *db, int64_t id, cg_audit_head *out);

/* Walks the chain in id order, recomputing each run's hash, then, when it
 * holds, recomputes the report tables from the runs. Returns 0 when
 * intact, 1 when broken (and sets the message saying how: content edited,
 * or a run deleted, inserted or reordered, which shows at the first run
 * whose prev_hash no longer matches; or runs the report tables count that
 * the database lacks, which may have been deleted; or a summary that does
 * not match its run, with a rebuild that first copies the database aside),
 * or a negative error. *first_bad_id is the first broken run's id (0 when
 * intact, or when only counts are wrong); *rows_checked counts the runs
 * found intact before it. Removing the newest runs with their summaries
 * leaves a shorter valid chain: only an outside witness (lib/witness.h)
 * detects that. */
int cg_audit_verify(cg_audit *db, int64_t *first_bad_id, size_t *rows_checked);

/* Calls `cb` for each run `filter` selects (NULL: all), in id order, all
 * from one snapshot while hooks go on writing. Every filter is answered
 * from the report tables (lib/audit.c, "Report tables"). */
int cg_audit_query(cg_audit *db, const cg_audit_filter *filter,
                   cg_audit_entry_cb cb, void *payload);

/* Like cg_audit_query, newest first, at most `limit` runs (0: all). */
int cg_audit_recent(cg_audit *db, const cg_audit_filter *filter, size_t limit,
                    cg_audit_entry_cb cb, void *payload);

/* How cg_audit_summary groups the runs a filter selects. */
typedef enum {
	CG_AUDIT_BY_VERDICT, /* key: the verdict */
	CG_AUDIT_BY_RULE,    /* key: a rule that has findings or waivers in the runs */
	CG_AUDIT_BY_DAY      /* key: the UTC day of the run, YYYY-MM-DD */
} cg_audit_grouping;

/* One group, lent to the callback for one call. */
typedef struct {
	const char *key;
	int64_t runs;      /* BY_RULE: runs with a finding of the rule */
	int64_t blocked;   /* of `runs`, those blocked; 0 for BY_RULE */
	int64_t findings;  /* BY_RULE only: findings of the rule */
	int64_t waivers;   /* BY_RULE only: waivers of the rule */
} cg_audit_group;

typedef int (*cg_audit_group_cb)(const cg_audit_group *group, void *payload);

/* Counts the runs `filter` selects (NULL: all) per group, in key order,
 * from the report tables' daily counts: no run is loaded. */
int cg_audit_summary(cg_audit *db, const cg_audit_filter *filter, cg_audit_grouping by,
                     cg_audit_group_cb cb, void *payload);

/* What cg_audit_items lists. A protect group's sign-off is a waiver whose
 * rule is "protect:<group>"; a refused change to a protected path is a
 * finding of that rule. */
typedef enum {
	CG_AUDIT_ITEMS_WAIVERS,  /* waivers, except protect sign-offs */
	CG_AUDIT_ITEMS_PROTECTED, /* protect:* findings and protect:* sign-offs */
	CG_AUDIT_ITEMS_MCP        /* mcp:* findings (what a change did to MCP servers) of the
	                             runs that were not blocked, each
	                             with `waiver` too: the group's sign-offs in the same run and
	                             commit, of which only `authorizer` is set (their authorizers,
	                             comma-separated); or NULL */
} cg_audit_item_kind;

/* One finding or waiver with its run, lent to the callback for one call. */
typedef struct {
	const cg_audit_entry *entry;      /* the run and its refs, without its other items */
	const cg_audit_finding *finding;  /* exactly one of finding and waiver is set,
	                                     except for CG_AUDIT_ITEMS_MCP */
	const cg_audit_waiver *waiver;
	const cg_audit_commit *commit;    /* in a push's run, the commit it is about, or NULL */
} cg_audit_item;

typedef int (*cg_audit_item_cb)(const cg_audit_item *item, void *payload);

/* Calls `cb` for each item of `kind` in the runs `filter` selects, newest
 * run first (a run's items in their order, findings before waivers), at
 * most `limit` (0: all). A non-zero return of `cb` stops and is returned. */
int cg_audit_items(cg_audit *db, const cg_audit_filter *filter, cg_audit_item_kind kind,
                   size_t limit, cg_audit_item_cb cb, void *payload);

/* Appends `entry` as one JSON object and a newline: the columns of the run
 * (id, time, hook, repository, ref, old_oid, new_oid, commit_oid, author,
 * committer, pusher, verdict, policy_sha256, tool_version, duration_us),
 * "findings", "waivers", "commits", "refs" and "push_options" arrays of
 * objects, then prev_hash, hash and hash_version.
 * Strings are escaped by cg_json_put_string; NULL is null. */
void cg_audit_entry_json(cg_buf *out, const cg_audit_entry *entry);

void cg_audit_close(cg_audit *db);

/* For tests: the busy timeout of handles opened afterwards (10000 ms by
 * default), so "locked beyond the timeout" can be tested quickly. */
void cg_audit__set_busy_timeout(int ms);

/* For tests: the file SQLite is loaded from (a missing one). */
void cg_audit__library(const char *soname);

#endif
