/*
 * json.h: JSON text for exports and reports (a string escaper), and a small
 * reader for the JSON lines changeguard writes itself (the audit fallback file).
 */
#ifndef CG_JSON_H
#define CG_JSON_H

#include <stddef.h>
#include <stdint.h>
#include "buf.h"

/* Appends `s` as a quoted JSON string, or `null` when `s` is NULL.
 * Quotes, backslashes and control characters (U+0000-U+001F, U+007F) are
 * escaped; valid UTF-8 is copied unchanged. Each byte that is not part of
 * valid UTF-8 (paths in git need not be UTF-8) becomes \u00XX, XX being the
 * byte's value: any JSON reader shows it as the Latin-1 character, and
 * cg_json_parse, knowing that this writer never escapes U+0080-U+00FF
 * otherwise, turns it back into the original byte. */
void cg_json_put_string(cg_buf *out, const char *s);

typedef struct cg_json cg_json;

typedef enum {
	CG_JSON_NULL,
	CG_JSON_BOOL,
	CG_JSON_INT,
	CG_JSON_STRING,
	CG_JSON_ARRAY,
	CG_JSON_OBJECT
} cg_json_type;

/* Parses exactly one value from text[0..len), whitespace around it allowed.
 * Deliberately narrower than JSON, since it reads only our own output:
 * numbers are integers that fit in int64_t, strings may not contain \u0000
 * or surrogates, and \u0080-\u00ff stand for single bytes (see above);
 * objects may not repeat a key; nesting stops at 32 levels. Returns 0, or
 * CG_ERROR with a message naming the byte offset. Free with cg_json_free. */
int cg_json_parse(cg_json **out, const char *text, size_t len);

void cg_json_free(cg_json *value);

cg_json_type cg_json_type_of(const cg_json *value);

/* The string, lent for the lifetime of `value`; NULL when not a string. */
const char *cg_json_string(const cg_json *value);

/* An integer or boolean (0/1); CG_ERROR, with no message, for other types. */
int cg_json_int(int64_t *out, const cg_json *value);

/* Elements of an array or members of an object; 0 for other types. */
size_t cg_json_size(const cg_json *value);

/* The i-th element of an array; NULL when out of range or not an array. */
const cg_json *cg_json_at(const cg_json *array, size_t i);

/* The member `key` of an object; NULL when missing or not an object. */
const cg_json *cg_json_get(const cg_json *object, const char *key);

#endif
