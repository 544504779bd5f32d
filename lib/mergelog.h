/*
 * mergelog.h: git's merge driver for append-only changelogs: the base's lines plus each
 * side's new entries, once, where the file puts them; a text merge with conflict markers otherwise.
 */
#ifndef CG_MERGELOG_H
#define CG_MERGELOG_H

#include <git2.h>
#include "buf.h"
#include "changelog.h"
#include "pattern.h"
#include "policy.h"

/* The driver's name in .gitattributes (merge=...) and in git's config
 * (merge.<name>.driver). Not "union": where the driver is not configured,
 * git then merges the file as text and shows a conflict, instead of
 * silently concatenating both sides (docs/merging.md). */
#define CG_MERGELOG_DRIVER "changeguard-changelog"

/* The conflict markers of the text merge, as git's merge.conflictStyle. */
typedef enum {
	CG_MERGELOG_STYLE_MERGE,  /* ours and theirs */
	CG_MERGELOG_STYLE_DIFF3,  /* and the base between them */
	CG_MERGELOG_STYLE_ZDIFF3  /* diff3, lines common to both sides moved out */
} cg_mergelog_style;

/* The style `repo`'s merge.conflictStyle asks for (the default when unset,
 * unknown, or `repo` is NULL). */
cg_mergelog_style cg_mergelog_style_of(git_repository *repo);

typedef struct {
	cg_buf merged;  /* the file to leave in git's %A */
	int conflict;   /* 1: a text merge, with conflict markers when the sides clash */
	cg_buf why;     /* when conflict: why the entries could not be merged one by one */
} cg_mergelog_result;

/* Merges `ours` and `theirs`, both descended from `base`. When each side
 * only added entry lines (lines `entry` matches, outside code blocks and
 * comments), the result is the base with every added entry once: entries
 * both sides added at the same place are ordered as the file runs (newest
 * or oldest first, by their timestamps; ours first on a tie), each other
 * one stays where its side put it. Otherwise (a side rewrote, removed or
 * moved a line, added a line that is no entry, an undated entry, or the
 * file is binary) the result is libgit2's text merge and `conflict` is 1.
 * When one side is unchanged, or both are the same, the result is the
 * other side. `style` shapes the text merge's markers. Returns 0, or
 * CG_ERROR when the text merge cannot run. Dispose of `out` with
 * cg_mergelog_result_dispose. */
int cg_mergelog_merge(cg_mergelog_result *out, const cg_changelog_text *base,
                      const cg_changelog_text *ours, const cg_changelog_text *theirs,
                      const cg_pattern *entry, cg_mergelog_style style);

void cg_mergelog_result_dispose(cg_mergelog_result *r);

/* The driver as git runs it (`changeguard merge-changelog %O %A %B %P`):
 * reads the three files, writes the result over `ours_path`, and sets
 * `*conflict` as cg_mergelog_merge does. `ours_path` is left as it was on
 * an error (a file unreadable or over CG_CHANGELOG_MAX_BYTES), which git
 * then reports as a conflict too. */
int cg_mergelog_files(cg_mergelog_result *out, const char *base_path, const char *ours_path,
                      const char *theirs_path, const cg_pattern *entry, cg_mergelog_style style);

/* Sets merge.<CG_MERGELOG_DRIVER>.name and .driver in the repository's own
 * configuration, the driver running `program` (an absolute path).
 * `*changed` is 1 when the configuration was not already so. */
int cg_mergelog_configure(int *changed, git_repository *repo, const char *program);

/* Removes what cg_mergelog_configure set; a missing entry is fine. */
int cg_mergelog_unconfigure(git_repository *repo);

/* The .gitattributes line naming the driver for the policy's changelogs:
 * every directory's for the nearest and every-directory modes, the root's
 * only for the root mode. */
void cg_mergelog_attributes_line(cg_buf *out, const char *changelog, cg_changelog_mode mode);

/* Adds that line to `dir`/.gitattributes (creating it) unless it is there;
 * `*added` says whether it was written. */
int cg_mergelog_write_attributes(int *added, const char *dir, const char *changelog,
                                 cg_changelog_mode mode);

/* For `doctor`: whether `path`'s merge attribute names the driver, and
 * whether the repository's configuration defines it. */
int cg_mergelog_status(int *named, int *configured, git_repository *repo, const char *path);

#endif
