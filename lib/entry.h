/*
 * entry.h: writes changelog entries in the policy's format where the staged change
 * needs them (`changeguard entry`), and the starter files of `changeguard init`.
 */
#ifndef CG_ENTRY_H
#define CG_ENTRY_H

#include <git2.h>
#include <stddef.h>
#include <stdint.h>
#include "buf.h"
#include "check.h"
#include "pattern.h"

typedef struct {
	const char *dir;  /* write this directory's changelog (relative to the current
	                     directory); NULL: each one the staged change needs */
	int force;        /* also write into a changelog with unstaged changes,
	                     which are then staged along with the entry */
	int64_t now_ms;   /* the entry's time; 0: now */
	const char *kind; /* keep-a-changelog subsection of "Unreleased" ("fixed");
	                     NULL: none (see cg_placement_insert) */
} cg_entry_opts;

#define CG_ENTRY_OPTS_INIT { NULL, 0, 0, NULL }

typedef struct {
	char **paths;     /* the changelogs written, relative to the work tree */
	int *created;     /* 1 where the file did not exist before */
	size_t n;
} cg_entry_written;

/* Adds "- <UTC time> <author>: <message>" to each changelog `c`'s staged
 * change needs (from the changelog findings of cg_check_evaluate; `c` has
 * its policy loaded), or to `opts->dir`'s, creating a missing file with a
 * "# Changelog" heading, and stages them. The entry goes where the file's
 * format puts it (cg_placement_insert). A file that is not UTF-8 is not
 * written to (CG_EUSAGE, with the offset of the first bad byte).
 * Nothing is written when any of the files has unstaged changes and
 * `force` is off (CG_EUSAGE) or when the message is not one line
 * (CG_EUSAGE); when the change needs no entry, out->n is 0. Dispose of
 * `out` with cg_entry_written_dispose. */
int cg_entry_add(cg_entry_written *out, cg_check *c, const char *message,
                 const cg_entry_opts *opts);

void cg_entry_written_dispose(cg_entry_written *w);

/* `changeguard entry --all`: stages the changes of every tracked file in the
 * repository git's environment names, as `git commit -a` does before its
 * hooks run, so that an entry then sees what that commit will contain. */
int cg_entry_stage_all(void);

typedef struct {
	int wrote_policy;     /* .changeguard.yml was missing and is now written */
	int wrote_changelog;  /* likewise the changelog */
	char *changelog;      /* its name (the policy's changelog.file) */
	cg_changelog_mode mode; /* the policy's changelog.mode */
} cg_init_result;

/* `changeguard init`: writes `dir`/.changeguard.yml (the commented
 * defaults) and `dir`'s changelog with a first entry, each only when
 * missing. An existing policy is read for the changelog's name and format
 * (CG_EPOLICY when it is invalid). `repo` (may be NULL) names the author.
 * Free `out->changelog`. */
int cg_entry_init(cg_init_result *out, const char *dir, git_repository *repo);

/* `changeguard init --every-directory`: writes a changelog (the "# Changelog"
 * heading and a first entry) into every directory of the index that holds
 * a file needing entries and has none, as every-directory mode asks; the
 * policy is the work tree's .changeguard.yml, else the defaults. out lists
 * what was written (dispose of it with cg_entry_written_dispose). */
int cg_entry_init_directories(cg_entry_written *out, git_repository *repo);

/* For `changeguard init` where `dir`'s changelog exists: what its entries
 * will look like and where `changeguard entry` puts them, as two lines
 * ("CHANGELOG.md: entries will look like: - <time> <author>: what changed",
 * "CHANGELOG.md: and go under '## [Unreleased]', newest first"). */
int cg_entry_describe(cg_buf *out, const char *dir, git_repository *repo);

#endif
