/*
 * pattern.h: the one wrapper around PCRE2. Regexes are compiled once (JIT
 * where available, at the first match) and run under match and depth limits so none can hang a hook.
 */
#ifndef CG_PATTERN_H
#define CG_PATTERN_H

#include <stddef.h>

typedef struct cg_pattern cg_pattern;

#define CG_PATTERN_CASELESS 1u

/* Compiles `regex` (UTF-8 mode off: changelogs may hold any bytes).
 * A bad regex returns CG_EPOLICY with PCRE2's message and the offset. */
int cg_pattern_compile(cg_pattern **out, const char *regex, unsigned flags);

/* 1 when the pattern has a named group `name`. */
int cg_pattern_has_group(const cg_pattern *p, const char *name);

/* Matches `subject[0..len)`. Returns 1 on a match, 0 on none, CG_ELIMIT when
 * the match or depth limit is hit (with a message), CG_ERROR otherwise.
 * When `group` is non-NULL and it matched, *start and *glen give its span;
 * a group that did not take part gives *start = (size_t)-1. With a NULL
 * `group` and non-NULL start and glen they give the whole match's span.
 * Match data lives in the pattern: use one pattern from one thread at a time. */
int cg_pattern_match(const cg_pattern *p, const char *subject, size_t len,
                     const char *group, size_t *start, size_t *glen);

/* The source text, lent. */
const char *cg_pattern_source(const cg_pattern *p);

/* 1 once the JIT has compiled the pattern, which it does at the first
 * match where PCRE2 has a JIT (for the tests). */
int cg_pattern__jitted(const cg_pattern *p);

void cg_pattern_free(cg_pattern *p);

#endif
