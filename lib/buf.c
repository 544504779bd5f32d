#include "buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char cg_buf__empty[1] = "";

static void *check(void *p)
{
	if (!p) {
		fputs("changeguard: out of memory\n", stderr);
		abort();
	}
	return p;
}

void *cg_malloc(size_t n) { return check(malloc(n ? n : 1)); }
void *cg_calloc(size_t n, size_t size) { return check(calloc(n ? n : 1, size ? size : 1)); }
void *cg_realloc(void *p, size_t n) { return check(realloc(p, n ? n : 1)); }

void *cg_array_grow(void *p, size_t *alloc, size_t need, size_t elem)
{
	size_t n = *alloc ? *alloc : 8;

	if (need <= *alloc)
		return p;
	while (n < need)
		n *= 2;
	if (n > (size_t)-1 / elem)
		check(NULL);
	*alloc = n;
	return cg_realloc(p, n * elem);
}

size_t cg_array_find(const void *items, size_t n, size_t elem, size_t key_offset,
                     const char *key, int *found)
{
	size_t lo = 0, hi = n;

	*found = 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const char *at = *(const char *const *)((const char *)items + mid * elem + key_offset);
		int c = strcmp(at, key);
		if (!c) {
			*found = 1;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void *cg_array_insert(void *p, size_t *n, size_t *alloc, size_t at, size_t elem)
{
	char *items = cg_array_grow(p, alloc, *n + 1, elem);

	memmove(items + (at + 1) * elem, items + at * elem, (*n - at) * elem);
	memset(items + at * elem, 0, elem);
	(*n)++;
	return items;
}

char *cg_strdup(const char *s) { return cg_strndup(s, strlen(s)); }

char *cg_strndup(const char *s, size_t n)
{
	char *d = cg_malloc(n + 1);
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

static void grow(cg_buf *buf, size_t extra)
{
	size_t need = buf->size + extra + 1, n;

	if (need <= buf->asize)
		return;
	n = buf->asize ? buf->asize : 64;
	while (n < need)
		n *= 2;
	if (buf->asize)
		buf->ptr = cg_realloc(buf->ptr, n);
	else {
		buf->ptr = cg_malloc(n);
		buf->ptr[0] = '\0';
	}
	buf->asize = n;
}

void cg_buf_put(cg_buf *buf, const void *data, size_t len)
{
	grow(buf, len);
	if (len) /* `data` may be NULL for nothing, which memcpy must not be given */
		memcpy(buf->ptr + buf->size, data, len);
	buf->size += len;
	buf->ptr[buf->size] = '\0';
}

void cg_buf_puts(cg_buf *buf, const char *s) { cg_buf_put(buf, s, strlen(s)); }
void cg_buf_putc(cg_buf *buf, char c) { cg_buf_put(buf, &c, 1); }

void cg_buf_vprintf(cg_buf *buf, const char *fmt, va_list ap)
{
	va_list copy;
	int n;

	va_copy(copy, ap);
	n = vsnprintf(NULL, 0, fmt, copy);
	va_end(copy);
	if (n < 0)
		return;
	grow(buf, (size_t)n);
	vsnprintf(buf->ptr + buf->size, (size_t)n + 1, fmt, ap);
	buf->size += (size_t)n;
}

void cg_buf_printf(cg_buf *buf, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	cg_buf_vprintf(buf, fmt, ap);
	va_end(ap);
}

void cg_buf_put_shell_quoted(cg_buf *buf, const char *s)
{
	cg_buf_putc(buf, '\'');
	for (; *s; s++)
		if (*s == '\'')
			cg_buf_puts(buf, "'\\''");
		else
			cg_buf_putc(buf, *s);
	cg_buf_putc(buf, '\'');
}

void cg_buf_clear(cg_buf *buf)
{
	buf->size = 0;
	if (buf->asize)
		buf->ptr[0] = '\0';
}

void cg_buf_truncate(cg_buf *buf, size_t len)
{
	if (len >= buf->size)
		return;
	buf->size = len;
	buf->ptr[len] = '\0';
}

char *cg_buf_detach(cg_buf *buf)
{
	char *p = buf->asize ? buf->ptr : cg_strdup("");
	*buf = (cg_buf)CG_BUF_INIT;
	return p;
}

void cg_buf_dispose(cg_buf *buf)
{
	if (buf->asize)
		free(buf->ptr);
	*buf = (cg_buf)CG_BUF_INIT;
}

/* A NULL string is this length, which no real one has. */
#define FIELD_NULL UINT32_MAX

void cg_buf_put_u32(cg_buf *buf, uint32_t v)
{
	cg_buf_put(buf, &v, sizeof(v));
}

void cg_buf_put_u64(cg_buf *buf, uint64_t v)
{
	cg_buf_put(buf, &v, sizeof(v));
}

void cg_buf_put_field(cg_buf *buf, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	cg_buf_put_u32(buf, s && n < FIELD_NULL ? (uint32_t)n : FIELD_NULL);
	if (s && n < FIELD_NULL)
		cg_buf_put(buf, s, n);
}

/* The next n bytes of the record, in *at; -1 when it has fewer. */
static int take(cg_buf_reader *r, const char **at, size_t n)
{
	if (r->left < n)
		return -1;
	*at = r->p;
	r->p += n;
	r->left -= n;
	return 0;
}

static int get(cg_buf_reader *r, void *v, size_t n)
{
	const char *at;

	if (take(r, &at, n) < 0)
		return -1;
	memcpy(v, at, n);
	return 0;
}

int cg_buf_get_u32(cg_buf_reader *r, uint32_t *v)
{
	return get(r, v, sizeof(*v));
}

int cg_buf_get_u64(cg_buf_reader *r, uint64_t *v)
{
	return get(r, v, sizeof(*v));
}

int cg_buf_get_field(cg_buf_reader *r, char **out)
{
	const char *at;
	uint32_t n;

	*out = NULL;
	if (cg_buf_get_u32(r, &n) < 0)
		return -1;
	if (n == FIELD_NULL)
		return 0;
	if (take(r, &at, n) < 0)
		return -1;
	*out = cg_strndup(at, n);
	return 0;
}
