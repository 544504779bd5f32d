#include "pattern.h"

#include "buf.h"
#include "error.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdint.h>
#include <stdlib.h>

/* Far more than a sane regex needs on a changelog line, yet a catastrophic
 * backtrack gives up within milliseconds. Both limits also bind the JIT,
 * which counts match steps the same way and checks depth through its stack. */
#define MATCH_LIMIT 1000000
#define DEPTH_LIMIT 100000
#define JIT_STACK_START ((size_t)32 * 1024)
#define JIT_STACK_MAX ((size_t)1024 * 1024)

/* The JIT, compiled at the first match: a pattern that a run never uses
 * (the entry pattern of a commit that reads no CHANGELOG) costs no JIT
 * compile, executable mapping and stack (docs/benchmarks.md, start-up). */
typedef struct {
	int tried;
	pcre2_jit_stack *stack; /* NULL when JIT is unavailable */
} jit_state;

struct cg_pattern {
	char *source;
	pcre2_code *code;
	pcre2_match_context *mctx;
	/* Reused by every match, so a pattern serves one thread at a time. */
	pcre2_match_data *md;
	jit_state *jit;
};

static void message(int code, PCRE2_UCHAR *msg, size_t size)
{
	if (pcre2_get_error_message(code, msg, size) < 0)
		msg[0] = '\0';
}

static int compile_failure(const char *regex, int code, PCRE2_SIZE offset)
{
	PCRE2_UCHAR msg[256];

	message(code, msg, sizeof(msg));
	return cg_error_set(CG_EPOLICY, "bad regex '%s': %s at offset %zu", regex,
	                    (const char *)msg, (size_t)offset);
}

static int match_failure(const cg_pattern *p, int code, size_t len)
{
	PCRE2_UCHAR msg[256];
	int limit = code == PCRE2_ERROR_MATCHLIMIT || code == PCRE2_ERROR_DEPTHLIMIT ||
	            code == PCRE2_ERROR_HEAPLIMIT || code == PCRE2_ERROR_JIT_STACKLIMIT;

	message(code, msg, sizeof(msg));
	return cg_error_set(limit ? CG_ELIMIT : CG_ERROR, "regex '%s' %s on a %zu-byte subject: %s",
	                    p->source, limit ? "gave up" : "failed", len, (const char *)msg);
}

/* The JIT is an optimisation: when it is missing or refuses the pattern,
 * the interpreter gives the same answers under the same limits. */
static void try_jit(const cg_pattern *p)
{
	if (p->jit->tried)
		return;
	p->jit->tried = 1;
	if (pcre2_jit_compile(p->code, PCRE2_JIT_COMPLETE) != 0)
		return;
	p->jit->stack = pcre2_jit_stack_create(JIT_STACK_START, JIT_STACK_MAX, NULL);
	if (p->jit->stack)
		pcre2_jit_stack_assign(p->mctx, NULL, p->jit->stack);
}

int cg_pattern_compile(cg_pattern **out, const char *regex, unsigned flags)
{
	/* NEVER_UTF: a (*UTF) in the policy must not make bytes that are not
	 * UTF-8 an error at match time. */
	uint32_t options = PCRE2_NEVER_UTF;
	cg_pattern *p = cg_calloc(1, sizeof(*p));
	PCRE2_SIZE erroffset;
	int errcode, error = 0;

	*out = NULL;
	if (flags & CG_PATTERN_CASELESS)
		options |= PCRE2_CASELESS;
	p->source = cg_strdup(regex);
	p->code = pcre2_compile((PCRE2_SPTR)regex, PCRE2_ZERO_TERMINATED, options, &errcode,
	                        &erroffset, NULL);
	if (!p->code) {
		error = compile_failure(regex, errcode, erroffset);
		goto done;
	}
	p->mctx = pcre2_match_context_create(NULL);
	p->md = pcre2_match_data_create_from_pattern(p->code, NULL);
	if (!p->mctx || !p->md) {
		error = cg_error_set(CG_ERROR, "out of memory compiling regex '%s'", regex);
		goto done;
	}
	pcre2_set_match_limit(p->mctx, MATCH_LIMIT);
	pcre2_set_depth_limit(p->mctx, DEPTH_LIMIT);
	p->jit = cg_calloc(1, sizeof(*p->jit));
	*out = p;
	p = NULL;
done:
	cg_pattern_free(p);
	return error;
}

/* The entries of the name table for `name`: several when (?J) allows
 * duplicates. Returns the entry size, or < 0 when there is no such group. */
static int name_entries(const cg_pattern *p, const char *name, PCRE2_SPTR *first,
                        PCRE2_SPTR *last)
{
	return pcre2_substring_nametable_scan(p->code, (PCRE2_SPTR)name, first, last);
}

int cg_pattern_has_group(const cg_pattern *p, const char *name)
{
	PCRE2_SPTR first, last;

	return name_entries(p, name, &first, &last) > 0;
}

/* The span of the first group called `group` that took part in the match,
 * or of the whole match when `group` is NULL. */
static int group_span(const cg_pattern *p, const char *group, size_t *start, size_t *glen)
{
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(p->md);
	PCRE2_SPTR first, last;
	int size;

	*start = (size_t)-1;
	*glen = 0;
	if (!group) {
		*start = ov[0];
		*glen = ov[1] - ov[0];
		return 1;
	}
	if ((size = name_entries(p, group, &first, &last)) <= 0)
		return cg_error_set(CG_ERROR, "regex '%s' has no group named '%s'", p->source, group);
	for (; first <= last; first += size) {
		size_t n = (size_t)first[0] << 8 | first[1];
		if (ov[2 * n] != PCRE2_UNSET) {
			*start = ov[2 * n];
			*glen = ov[2 * n + 1] - ov[2 * n];
			break;
		}
	}
	return 1;
}

int cg_pattern_match(const cg_pattern *p, const char *subject, size_t len,
                     const char *group, size_t *start, size_t *glen)
{
	int rc;

	try_jit(p);
	rc = pcre2_match(p->code, (PCRE2_SPTR)(subject ? subject : ""), len, 0, 0, p->md, p->mctx);

	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	if (rc < 0)
		return match_failure(p, rc, len);
	if (start && glen)
		return group_span(p, group, start, glen);
	return 1;
}

const char *cg_pattern_source(const cg_pattern *p)
{
	return p->source;
}

int cg_pattern__jitted(const cg_pattern *p)
{
	size_t size = 0;

	return pcre2_pattern_info(p->code, PCRE2_INFO_JITSIZE, &size) == 0 && size > 0;
}

void cg_pattern_free(cg_pattern *p)
{
	if (!p)
		return;
	pcre2_match_data_free(p->md);
	if (p->jit)
		pcre2_jit_stack_free(p->jit->stack);
	free(p->jit);
	pcre2_match_context_free(p->mctx);
	pcre2_code_free(p->code);
	free(p->source);
	free(p);
}
