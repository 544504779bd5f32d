#include "json.h"

#include <stdlib.h>
#include <string.h>
#include "error.h"

#define MAX_DEPTH 32

/* Length of the valid UTF-8 sequence at `s`, 0 when the bytes there are not
 * one (overlong forms, surrogates and code points past U+10FFFF included).
 * `s` is NUL-terminated, and NUL is never a continuation byte. */
static size_t utf8_len(const unsigned char *s)
{
	unsigned int cp, min;
	size_t n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f, min = 0x80;
	else if ((s[0] & 0xf0) == 0xe0)
		n = 3, cp = s[0] & 0x0f, min = 0x800;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07, min = 0x10000;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/* Bytes at `s` that go out unescaped: printable ASCII other than the quote
 * and backslash, or one valid multi-byte character. */
static size_t plain_len(const unsigned char *s)
{
	if (*s >= 0x80)
		return utf8_len(s);
	return *s >= 0x20 && *s != 0x7f && *s != '"' && *s != '\\';
}

static void put_escape(cg_buf *out, unsigned char c)
{
	switch (c) {
	case '"':  cg_buf_puts(out, "\\\""); break;
	case '\\': cg_buf_puts(out, "\\\\"); break;
	case '\b': cg_buf_puts(out, "\\b"); break;
	case '\f': cg_buf_puts(out, "\\f"); break;
	case '\n': cg_buf_puts(out, "\\n"); break;
	case '\r': cg_buf_puts(out, "\\r"); break;
	case '\t': cg_buf_puts(out, "\\t"); break;
	default:   cg_buf_printf(out, "\\u%04x", c); break;
	}
}

void cg_json_put_string(cg_buf *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	if (!s) {
		cg_buf_puts(out, "null");
		return;
	}
	cg_buf_putc(out, '"');
	while (*p) {
		const unsigned char *start = p;
		size_t n;

		while ((n = plain_len(p)) > 0)
			p += n;
		cg_buf_put(out, start, (size_t)(p - start));
		if (*p)
			put_escape(out, *p++);
	}
	cg_buf_putc(out, '"');
}

struct cg_json {
	cg_json_type type;
	int64_t num;     /* CG_JSON_INT and CG_JSON_BOOL */
	char *str;       /* CG_JSON_STRING */
	char **keys;     /* CG_JSON_OBJECT: member names, parallel to items */
	cg_json **items; /* CG_JSON_ARRAY and CG_JSON_OBJECT */
	size_t n, alloc, keys_alloc;
};

typedef struct {
	const char *start, *p, *end;
	int depth;
} parser;

static int fail(const parser *ps, const char *what)
{
	return cg_error_set(CG_ERROR, "invalid JSON at byte %zu: %s",
	                    (size_t)(ps->p - ps->start), what);
}

static void skip_space(parser *ps)
{
	while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' ||
	                           *ps->p == '\r' || *ps->p == '\n'))
		ps->p++;
}

static int hex4(const parser *ps, unsigned int *out)
{
	int i;

	*out = 0;
	if (ps->end - ps->p < 4)
		return fail(ps, "short \\u escape");
	for (i = 0; i < 4; i++) {
		char c = ps->p[i];
		unsigned int d;

		if (c >= '0' && c <= '9')
			d = (unsigned int)(c - '0');
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			d = (unsigned int)((c | 0x20) - 'a' + 10);
		else
			return fail(ps, "bad hex digit in \\u escape");
		*out = *out << 4 | d;
	}
	return 0;
}

/* \uXXXX after the "\u": U+0080-U+00FF are single bytes (see json.h), the
 * rest of the BMP is encoded as UTF-8. */
static int unicode_escape(parser *ps, cg_buf *out)
{
	unsigned int cp;
	int error;

	if ((error = hex4(ps, &cp)) < 0)
		return error;
	if (cp == 0 || (cp >= 0xd800 && cp <= 0xdfff))
		return fail(ps, "\\u0000 or a surrogate");
	ps->p += 4;
	if (cp < 0x100) {
		cg_buf_putc(out, (char)cp);
	} else if (cp < 0x800) {
		cg_buf_putc(out, (char)(0xc0 | cp >> 6));
		cg_buf_putc(out, (char)(0x80 | (cp & 0x3f)));
	} else {
		cg_buf_putc(out, (char)(0xe0 | cp >> 12));
		cg_buf_putc(out, (char)(0x80 | (cp >> 6 & 0x3f)));
		cg_buf_putc(out, (char)(0x80 | (cp & 0x3f)));
	}
	return 0;
}

static int escape(parser *ps, cg_buf *out)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *hit;

	if (ps->p >= ps->end)
		return fail(ps, "unterminated string");
	if (*ps->p == 'u') {
		ps->p++;
		return unicode_escape(ps, out);
	}
	if (!*ps->p || !(hit = strchr(from, *ps->p)))
		return fail(ps, "unknown escape");
	cg_buf_putc(out, to[hit - from]);
	ps->p++;
	return 0;
}

/* At the opening quote. */
static int parse_string(parser *ps, char **out)
{
	cg_buf b = CG_BUF_INIT;
	int error = 0;

	for (ps->p++; error == 0; ) {
		if (ps->p >= ps->end) {
			error = fail(ps, "unterminated string");
		} else if (*ps->p == '"') {
			ps->p++;
			break;
		} else if ((unsigned char)*ps->p < 0x20) {
			error = fail(ps, "control character in string");
		} else if (*ps->p == '\\') {
			ps->p++;
			error = escape(ps, &b);
		} else {
			cg_buf_putc(&b, *ps->p++);
		}
	}
	if (error < 0) {
		cg_buf_dispose(&b);
		return error;
	}
	*out = cg_buf_detach(&b);
	return 0;
}

static int parse_int(parser *ps, int64_t *out)
{
	uint64_t v = 0, limit = INT64_MAX;
	int neg = 0;

	if (ps->p < ps->end && *ps->p == '-')
		neg = 1, limit = (uint64_t)INT64_MAX + 1, ps->p++;
	if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9')
		return fail(ps, "expected a digit");
	if (*ps->p == '0' && ps->end - ps->p > 1 && ps->p[1] >= '0' && ps->p[1] <= '9')
		return fail(ps, "leading zero");
	for (; ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9'; ps->p++) {
		unsigned int d = (unsigned int)(*ps->p - '0');

		if (v > (limit - d) / 10)
			return fail(ps, "integer out of range");
		v = v * 10 + d;
	}
	if (ps->p < ps->end && *ps->p && strchr(".eE", *ps->p))
		return fail(ps, "only integers are supported");
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return 0;
}

static int literal(parser *ps, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n))
		return fail(ps, "unexpected character");
	ps->p += n;
	return 0;
}

static int parse_value(parser *ps, cg_json **out);

static void append(cg_json *v, cg_json *item)
{
	v->items = cg_array_grow(v->items, &v->alloc, v->n + 1, sizeof(*v->items));
	if (v->type == CG_JSON_OBJECT)
		v->keys = cg_array_grow(v->keys, &v->keys_alloc, v->n + 1, sizeof(*v->keys));
	v->items[v->n++] = item;
}

/* One object member, `"key": value`, at the key's quote. */
static int parse_member(parser *ps, cg_json *obj)
{
	cg_json *item = NULL;
	char *key = NULL;
	int error;

	if (ps->p >= ps->end || *ps->p != '"')
		return fail(ps, "expected a member name");
	if ((error = parse_string(ps, &key)) < 0)
		return error;
	if (cg_json_get(obj, key)) {
		error = fail(ps, "duplicate member name");
		goto done;
	}
	skip_space(ps);
	if (ps->p >= ps->end || *ps->p != ':') {
		error = fail(ps, "expected ':'");
		goto done;
	}
	ps->p++;
	if ((error = parse_value(ps, &item)) < 0)
		goto done;
	append(obj, item);
	obj->keys[obj->n - 1] = key;
	key = NULL;
done:
	free(key);
	return error;
}

/* Arrays and objects: at the opening bracket; members separated by commas. */
static int parse_container(parser *ps, cg_json *v)
{
	char close = v->type == CG_JSON_ARRAY ? ']' : '}';
	int error = 0;

	if (++ps->depth > MAX_DEPTH)
		return fail(ps, "nested too deeply");
	ps->p++;
	skip_space(ps);
	if (ps->p < ps->end && *ps->p == close) {
		ps->p++;
		ps->depth--;
		return 0;
	}
	for (;;) {
		cg_json *item;

		if (v->type == CG_JSON_OBJECT)
			error = parse_member(ps, v);
		else if ((error = parse_value(ps, &item)) == 0)
			append(v, item);
		if (error < 0)
			return error;
		skip_space(ps);
		if (ps->p < ps->end && *ps->p == ',') {
			ps->p++;
			skip_space(ps);
		} else if (ps->p < ps->end && *ps->p == close) {
			ps->p++;
			ps->depth--;
			return 0;
		} else {
			return fail(ps, "expected ',' or a closing bracket");
		}
	}
}

static int parse_value(parser *ps, cg_json **out)
{
	cg_json *v = cg_calloc(1, sizeof(*v));
	int error;

	skip_space(ps);
	if (ps->p >= ps->end) {
		error = fail(ps, "unexpected end");
	} else if (*ps->p == '{' || *ps->p == '[') {
		v->type = *ps->p == '{' ? CG_JSON_OBJECT : CG_JSON_ARRAY;
		error = parse_container(ps, v);
	} else if (*ps->p == '"') {
		v->type = CG_JSON_STRING;
		error = parse_string(ps, &v->str);
	} else if (*ps->p == 'n') {
		error = literal(ps, "null");
	} else if (*ps->p == 't' || *ps->p == 'f') {
		v->type = CG_JSON_BOOL;
		v->num = *ps->p == 't';
		error = literal(ps, v->num ? "true" : "false");
	} else {
		v->type = CG_JSON_INT;
		error = parse_int(ps, &v->num);
	}
	if (error < 0) {
		cg_json_free(v);
		return error;
	}
	*out = v;
	return 0;
}

int cg_json_parse(cg_json **out, const char *text, size_t len)
{
	parser ps = { text, text, text + len, 0 };
	cg_json *v = NULL;
	int error;

	*out = NULL;
	if ((error = parse_value(&ps, &v)) < 0)
		return error;
	skip_space(&ps);
	if (ps.p != ps.end) {
		cg_json_free(v);
		return fail(&ps, "text after the value");
	}
	*out = v;
	return 0;
}

void cg_json_free(cg_json *v)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; i < v->n; i++) {
		cg_json_free(v->items[i]);
		if (v->keys)
			free(v->keys[i]);
	}
	free(v->items);
	free(v->keys);
	free(v->str);
	free(v);
}

cg_json_type cg_json_type_of(const cg_json *v) { return v->type; }

const char *cg_json_string(const cg_json *v)
{
	return v && v->type == CG_JSON_STRING ? v->str : NULL;
}

int cg_json_int(int64_t *out, const cg_json *v)
{
	if (!v || (v->type != CG_JSON_INT && v->type != CG_JSON_BOOL))
		return CG_ERROR;
	*out = v->num;
	return 0;
}

size_t cg_json_size(const cg_json *v)
{
	return v && (v->type == CG_JSON_ARRAY || v->type == CG_JSON_OBJECT) ? v->n : 0;
}

const cg_json *cg_json_at(const cg_json *v, size_t i)
{
	return v && v->type == CG_JSON_ARRAY && i < v->n ? v->items[i] : NULL;
}

const cg_json *cg_json_get(const cg_json *v, const char *key)
{
	size_t i;

	if (!v || v->type != CG_JSON_OBJECT)
		return NULL;
	for (i = 0; i < v->n; i++)
		if (!strcmp(v->keys[i], key))
			return v->items[i];
	return NULL;
}
