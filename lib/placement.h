/*
 * placement.h: where a new entry goes in an existing changelog, as the file's
 * own format has it (a newest- or oldest-first list, a keep-a-changelog section).
 */
#ifndef CG_PLACEMENT_H
#define CG_PLACEMENT_H

#include <stddef.h>
#include "buf.h"
#include "changelog.h"

/* Writes into `out` the file `data` with the entry `line` (no line end)
 * inserted where the file's entries go, in its line ends:
 * - under an "Unreleased" heading when there is one ("## [Unreleased]",
 *   "## master (unreleased)"), and with `kind` ("fixed", "Added", ...) under
 *   that section's heading of that name, each created when missing (the
 *   Unreleased section before the first release heading, the kind's heading
 *   in keep-a-changelog's order: Added, Changed, Deprecated, Removed, Fixed,
 *   Security);
 * - among the entries `cl` (parsed from `data`) already has there: before the
 *   first when they run newest first, after the last when oldest first;
 * - with none, at the top of the list: before the first release heading,
 *   else before the first list item, else at the end, but never after a
 *   trailing list of link definitions.
 * `kind` may be NULL. CG_EUSAGE when `kind` is not one line of text. */
int cg_placement_insert(cg_buf *out, const char *data, size_t len, const cg_changelog *cl,
                        const char *line, const char *kind);

/* One sentence on where `cg_placement_insert` would put an entry without a
 * kind, for `changeguard init` ("at the top of the list, under
 * '## [Unreleased]'"); lent text valid until the next call. */
void cg_placement_describe(cg_buf *out, const char *data, size_t len, const cg_changelog *cl);

#endif
