#include "audit_db.h"

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "error.h"
#include "timestamp.h"

/*
 * JSON: the export and the fallback file share one encoding.
 */

static void json_fields(cg_buf *b, const void *base, const field *f, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		cg_buf_printf(b, "%s\"%s\":", i ? "," : "", f[i].name);
		cg_json_put_string(b, get_text(base, &f[i]));
	}
}

typedef struct {
	cg_audit__sink *sink;
	const item_kind *k;
	size_t i;
} json_items;

static int json_item(const void *item, void *payload)
{
	json_items *j = payload;
	cg_buf *b = j->sink->out;

	cg_buf_puts(b, j->i++ ? ",{" : "{");
	json_fields(b, item, j->k->fields, j->k->nfields);
	cg_buf_putc(b, '}');
	return cg_audit__sink_block(j->sink);
}

int cg_audit__row_json(cg_audit__sink *s, const row *r, const char *fallback_id)
{
	cg_buf *b = s->out;
	size_t k;
	int error = 0;

	if (fallback_id)
		cg_buf_printf(b, "{\"fallback_id\":\"%s\",", fallback_id);
	else
		cg_buf_printf(b, "{\"id\":%" PRId64 ",", r->id);
	json_fields(b, r, run_fields, ARRAY_SIZE(run_fields));

	cg_buf_printf(b, ",\"duration_us\":%" PRId64, r->run.duration_us);
	for (k = 0; error == 0 && k < ARRAY_SIZE(kinds); k++) {
		json_items j = { s, &kinds[k], 0 };

		cg_buf_printf(b, ",\"%s\":[", kinds[k].name);
		error = cg_audit__each(&r->run, k, json_item, &j);
		cg_buf_putc(b, ']');
	}
	if (!fallback_id) {
		cg_buf_puts(b, ",\"prev_hash\":");
		cg_json_put_string(b, r->prev_hash);
		cg_buf_puts(b, ",\"hash\":");
		cg_json_put_string(b, r->hash);
		cg_buf_printf(b, ",\"hash_version\":%d", r->hash_version);
	}
	cg_buf_puts(b, "}\n");
	return error;
}

void cg_audit_entry_json(cg_buf *out, const cg_audit_entry *entry)
{
	cg_audit__sink whole = { out, NULL, NULL };

	cg_audit__row_json(&whole, entry, NULL);
}

static int json_text(const char **out, const cg_json *obj, const char *key)
{
	const cg_json *v = cg_json_get(obj, key);

	if (!v || (cg_json_type_of(v) != CG_JSON_NULL && cg_json_type_of(v) != CG_JSON_STRING))
		return cg_error_set(CG_ERROR, "member '%s' is missing or not a string", key);
	*out = cg_json_string(v);
	return 0;
}

/* Exactly the members `f` names, strings or null, into `base`; a line
 * of an older build lacks the members newer hash versions added. */
static int json_struct(void *base, const cg_json *obj, const field *f, size_t n, size_t extra)
{
	const char *value = NULL;
	size_t i, found = extra;
	int error = 0;

	if (cg_json_type_of(obj) != CG_JSON_OBJECT)
		return cg_error_set(CG_ERROR, "not an object with the expected members");
	for (i = 0; error == 0 && i < n; i++) {
		if (f[i].since && !cg_json_get(obj, f[i].name))
			continue;
		if ((error = json_text(&value, obj, f[i].name)) == 0)
			set_text(base, &f[i], value);
		found++;
	}
	if (!error && cg_json_size(obj) != found)
		return cg_error_set(CG_ERROR, "not an object with the expected members");
	return error;
}

/* An array of kind `k`; one that a line of an older build lacks is empty. */
static int json_items_in(loaded_row *l, const cg_json *obj, size_t k)
{
	const cg_json *array = cg_json_get(obj, kinds[k].name);
	size_t i, n = cg_json_size(array);
	int error = 0;

	if (!array && kinds[k].since)
		return 0;
	if (!array || cg_json_type_of(array) != CG_JSON_ARRAY)
		return cg_error_set(CG_ERROR, "member '%s' is not an array", kinds[k].name);
	for (i = 0; error == 0 && i < n; i++)
		error = json_struct(cg_audit__loaded_item(l, k, i), cg_json_at(array, i),
		                    kinds[k].fields, kinds[k].nfields, 0);
	return error;
}

static int json_items_in_all(loaded_row *l, const cg_json *obj)
{
	size_t k;
	int error = 0;

	for (k = 0; error == 0 && k < ARRAY_SIZE(kinds); k++)
		error = json_items_in(l, obj, k);
	return error;
}

/* How many of the item arrays a fallback line has: an older build's
 * lacks the newer ones. */
static size_t kinds_in(const cg_json *obj)
{
	size_t k, n = 0;

	for (k = 0; k < ARRAY_SIZE(kinds); k++)
		n += cg_json_get(obj, kinds[k].name) != NULL;
	return n;
}

/* A fallback line as written by row_json; its strings stay in `json`. */
int cg_audit__row_from_json(loaded_row *l, const char **fallback_id, cg_json **json,
                            const char *line, size_t len)
{
	int64_t ms;
	int error;

	cg_audit__loaded_clear(l);
	if ((error = cg_json_parse(json, line, len)) < 0 ||
	    (error = json_struct(&l->r, *json, run_fields, ARRAY_SIZE(run_fields),
	                         2 + kinds_in(*json))) < 0 ||
	    (error = json_text(fallback_id, *json, "fallback_id")) < 0 ||
	    (error = json_items_in_all(l, *json)) < 0)
		return error;
	if (!*fallback_id || !l->r.tool_version ||
	    cg_json_int(&l->r.run.duration_us, cg_json_get(*json, "duration_us")) < 0)
		return cg_error_set(CG_ERROR, "fallback_id, tool_version or duration_us missing");
	if (!l->r.time || strlen(l->r.time) != 24 ||
	    cg_timestamp_parse(l->r.time, 24, &ms) != CG_TS_OK)
		return cg_audit__invalid("time", l->r.time);
	return cg_audit__validate_run(&l->r.run);
}

