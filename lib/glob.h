/*
 * glob.h: gitignore-style path patterns compiled once and matched many times.
 * `*` stays inside one directory, `**` crosses them, `{a,b}` alternates.
 *
 * Semantics (as gitignore, applied to paths relative to the repository root):
 *  - a pattern with no slash except a trailing one matches a path whose
 *    basename, or the name of any of its parent directories, matches;
 *  - any other pattern is anchored at the root (a leading `/` only anchors);
 *  - a pattern that matches a parent directory matches everything below it
 *    ("docs" and "docs/" both cover "docs/a/b.md");
 *  - `?` and `[...]` / `[!...]` classes match one character other than `/`;
 *    classes take ranges and `[:alpha:]`-style names; `\` escapes the next
 *    character;
 *  - `**` crosses directories only as a whole path segment, between slashes
 *    or at either end of the pattern; elsewhere it is a `*`, as git documents.
 * There is no `!` negation: list only what to include.
 * Matching runs the patterns as automata, in time linear in the path.
 */
#ifndef CG_GLOB_H
#define CG_GLOB_H

#include <stddef.h>
#include "buf.h"

typedef struct cg_globset cg_globset;

/* Case-insensitive matching, and more: a set made with this flag matches a
 * path also as case-insensitive, HFS+ and NTFS file systems see it (see
 * cg_glob_fs_key), so that a name such a file system opens as a protected
 * file is protected too. */
#define CG_GLOB_CASEFOLD 1u

int cg_globset_new(cg_globset **out, unsigned flags);

/* Compiles one pattern into the set. A bad pattern (empty, unbalanced `{` or
 * `[`, brace expansion past 256 alternatives, `***`, a leading `!`, over 1024
 * bytes) returns CG_EPOLICY with a message that names the problem but not the
 * file location; the set is then unchanged. */
int cg_globset_add(cg_globset *set, const char *pattern);

/* 1 when any pattern of the set matches `path` (no leading "./" or "/").
 * The set remembers its answers for the paths it saw last (a walk over
 * history matches the same paths again and again), so it is not safe to
 * share between threads. */
int cg_globset_match(const cg_globset *set, const char *path);

/* 1 when a path below the directory `path` would match because of what a
 * pattern says of `path` itself: `.cursor/mcp.json` of ".cursor", `mcp/` or
 * everything in `mcp` of "mcp"; not a leading `**` then `*.json`, which
 * would match below any directory. A symlink or submodule at `path` puts files there that no
 * change of this repository shows, so it is protected as they would be. */
int cg_globset_match_below(const cg_globset *set, const char *path);

/* The patterns as written, for `policy show`; lent, valid while the set lives. */
size_t cg_globset_count(const cg_globset *set);
const char *cg_globset_pattern(const cg_globset *set, size_t i);
unsigned cg_globset_flags(const cg_globset *set);

void cg_globset_free(cg_globset *set);

/* Appends to `out` the key under which the file systems git guards `.git`
 * against (core.protectHFS, core.protectNTFS) open `path`: ASCII letters in
 * lower case; the code points HFS+ ignores (git's utf8.c list) dropped;
 * the long s, the dotless i and the Kelvin sign as s, i and k; Latin-1
 * letters with accents, and combining accents (NFD), as the base letter;
 * with `ntfs`, trailing dots and spaces of each component and an NTFS
 * stream suffix (`name:stream`) dropped. Two names with the same key may
 * open the same file somewhere; the key over-matches on purpose (accented
 * and unaccented letters meet), which for protected paths errs on the safe
 * side. 8.3 short names are not folded: they depend on the directory. */
void cg_glob_fs_key(cg_buf *out, const char *path, int ntfs);

#endif
