#include "result.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"

static char *dup_or_null(const char *s)
{
	return s ? cg_strdup(s) : NULL;
}

void cg_result_add_finding(cg_result *r, const char *rule, const char *path,
                           const char *detail, const char *hint, const char *waiver)
{
	cg_finding *f;

	r->findings = cg_array_grow(r->findings, &r->afindings, r->nfindings + 1,
	                            sizeof(*r->findings));
	f = &r->findings[r->nfindings++];
	f->rule = cg_strdup(rule);
	f->path = dup_or_null(path);
	f->detail = cg_strdup(detail);
	f->hint = dup_or_null(hint);
	f->waiver = dup_or_null(waiver);
	f->needs_entry = 0;
}

void cg_result_add_note(cg_result *r, const char *rule, const char *path, const char *detail)
{
	cg_finding *f;

	for (size_t i = 0; i < r->nnotes; i++)
		if (!strcmp(r->notes[i].rule, rule) && !strcmp(r->notes[i].path, path) &&
		    !strcmp(r->notes[i].detail, detail))
			return;
	r->notes = cg_array_grow(r->notes, &r->anotes, r->nnotes + 1, sizeof(*r->notes));
	f = &r->notes[r->nnotes++];
	memset(f, 0, sizeof(*f));
	f->rule = cg_strdup(rule);
	f->path = cg_strdup(path);
	f->detail = cg_strdup(detail);
}

void cg_result_finding_dispose(cg_finding *f)
{
	free(f->rule);
	free(f->path);
	free(f->detail);
	free(f->hint);
	free(f->waiver);
}

static void free_waiver(cg_waiver *w)
{
	free(w->rule);
	free(w->source);
	free(w->name);
	free(w->reason);
	free(w->authorizer);
}

void cg_result_add_waiver(cg_result *r, const char *rule, const char *source,
                          const char *name, const char *reason, const char *authorizer)
{
	cg_waiver *w;

	r->waivers = cg_array_grow(r->waivers, &r->awaivers, r->nwaivers + 1,
	                           sizeof(*r->waivers));
	w = &r->waivers[r->nwaivers++];
	w->rule = cg_strdup(rule);
	w->source = cg_strdup(source);
	w->name = cg_strdup(name);
	w->reason = dup_or_null(reason);
	w->authorizer = dup_or_null(authorizer);
}

const char *cg_verdict_name(cg_verdict v)
{
	switch (v) {
	case CG_VERDICT_ALLOWED: return "allowed";
	case CG_VERDICT_WAIVED: return "waived";
	case CG_VERDICT_DEFERRED: return "deferred";
	case CG_VERDICT_BLOCKED: return "blocked";
	}
	return "error";
}

void cg_result_free(cg_result *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->nfindings; i++)
		cg_result_finding_dispose(&r->findings[i]);
	for (i = 0; i < r->nwaivers; i++)
		free_waiver(&r->waivers[i]);
	for (i = 0; i < r->nnotes; i++)
		cg_result_finding_dispose(&r->notes[i]);
	free(r->notes);
	free(r->findings);
	free(r->waivers);
	free(r);
}

void cg_result_encode(cg_buf *out, const cg_result *r)
{
	size_t i;

	cg_buf_put_u32(out, (uint32_t)r->verdict);
	cg_buf_put_u32(out, (uint32_t)r->nfindings);
	for (i = 0; i < r->nfindings; i++) {
		const cg_finding *f = &r->findings[i];
		cg_buf_put_field(out, f->rule);
		cg_buf_put_field(out, f->path);
		cg_buf_put_field(out, f->detail);
		cg_buf_put_field(out, f->hint);
		cg_buf_put_field(out, f->waiver);
		cg_buf_put_u32(out, (uint32_t)f->needs_entry);
	}
	cg_buf_put_u32(out, (uint32_t)r->nwaivers);
	for (i = 0; i < r->nwaivers; i++) {
		const cg_waiver *w = &r->waivers[i];
		cg_buf_put_field(out, w->rule);
		cg_buf_put_field(out, w->source);
		cg_buf_put_field(out, w->name);
		cg_buf_put_field(out, w->reason);
		cg_buf_put_field(out, w->authorizer);
	}
	cg_buf_put_u32(out, (uint32_t)r->nnotes);
	for (i = 0; i < r->nnotes; i++) {
		cg_buf_put_field(out, r->notes[i].rule);
		cg_buf_put_field(out, r->notes[i].path);
		cg_buf_put_field(out, r->notes[i].detail);
	}
}

static int decode_note(cg_result *r, cg_buf_reader *in)
{
	char *rule = NULL, *path = NULL, *detail = NULL;
	int ok = cg_buf_get_field(in, &rule) == 0 && cg_buf_get_field(in, &path) == 0 &&
	         cg_buf_get_field(in, &detail) == 0 && rule && path && detail;

	if (ok)
		cg_result_add_note(r, rule, path, detail);
	free(rule);
	free(path);
	free(detail);
	return ok ? 0 : -1;
}

/* The fields are read in order, up to the first that is missing. */
static int decode_finding(cg_result *r, cg_buf_reader *in)
{
	cg_finding f = { 0 };
	uint32_t needs_entry = 0;
	int ok = cg_buf_get_field(in, &f.rule) == 0 && cg_buf_get_field(in, &f.path) == 0 &&
	         cg_buf_get_field(in, &f.detail) == 0 && cg_buf_get_field(in, &f.hint) == 0 &&
	         cg_buf_get_field(in, &f.waiver) == 0 && cg_buf_get_u32(in, &needs_entry) == 0 &&
	         f.rule && f.detail;

	if (ok) {
		f.needs_entry = needs_entry != 0;
		r->findings = cg_array_grow(r->findings, &r->afindings, r->nfindings + 1,
		                            sizeof(*r->findings));
		r->findings[r->nfindings++] = f;
		return 0;
	}
	cg_result_finding_dispose(&f);
	return -1;
}

static int decode_waiver(cg_result *r, cg_buf_reader *in)
{
	cg_waiver w = { 0 };
	int ok = cg_buf_get_field(in, &w.rule) == 0 && cg_buf_get_field(in, &w.source) == 0 &&
	         cg_buf_get_field(in, &w.name) == 0 && cg_buf_get_field(in, &w.reason) == 0 &&
	         cg_buf_get_field(in, &w.authorizer) == 0 && w.rule && w.source && w.name;

	if (ok) {
		r->waivers = cg_array_grow(r->waivers, &r->awaivers, r->nwaivers + 1,
		                           sizeof(*r->waivers));
		r->waivers[r->nwaivers++] = w;
		return 0;
	}
	free_waiver(&w);
	return -1;
}

int cg_result_decode(cg_result **out, cg_buf_reader *in)
{
	cg_result *r = cg_calloc(1, sizeof(*r));
	uint32_t verdict, n, i;
	int error = cg_buf_get_u32(in, &verdict) < 0 || verdict > CG_VERDICT_BLOCKED ||
	            cg_buf_get_u32(in, &n) < 0;

	for (i = 0; !error && i < n; i++)
		error = decode_finding(r, in) < 0;
	if (!error)
		error = cg_buf_get_u32(in, &n) < 0;
	for (i = 0; !error && i < n; i++)
		error = decode_waiver(r, in) < 0;
	if (!error)
		error = cg_buf_get_u32(in, &n) < 0;
	for (i = 0; !error && i < n; i++)
		error = decode_note(r, in) < 0;
	if (error) {
		cg_result_free(r);
		*out = NULL;
		return cg_error_set(CG_ERROR, "a checked commit's result is damaged");
	}
	r->verdict = (cg_verdict)verdict;
	*out = r;
	return 0;
}
