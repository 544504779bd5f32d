/*
 * buf.h: a growable, always NUL-terminated byte buffer, and the allocation
 * helpers every module uses. Out of memory aborts: a hook that dies fails closed.
 */
#ifndef CG_BUF_H
#define CG_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
	char *ptr;    /* NUL-terminated; "" for an empty buffer */
	size_t size;  /* bytes used, not counting the terminator */
	size_t asize; /* bytes allocated; 0 while ptr points at a static "" */
} cg_buf;

#define CG_BUF_INIT { (char *)cg_buf__empty, 0, 0 }
extern const char cg_buf__empty[1];

void cg_buf_put(cg_buf *buf, const void *data, size_t len);
void cg_buf_puts(cg_buf *buf, const char *s);
void cg_buf_putc(cg_buf *buf, char c);
void cg_buf_printf(cg_buf *buf, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void cg_buf_vprintf(cg_buf *buf, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
/* Appends `s` in single quotes, as sh reads it back as one word. */
void cg_buf_put_shell_quoted(cg_buf *buf, const char *s);
void cg_buf_clear(cg_buf *buf);
/* Keeps the first `len` bytes (no more than there are). */
void cg_buf_truncate(cg_buf *buf, size_t len);
/* Hands the memory to the caller (free() it); the buffer is reset. */
char *cg_buf_detach(cg_buf *buf);
void cg_buf_dispose(cg_buf *buf);

/* Fields of a record handed from one process to another: numbers, and
 * strings that may be NULL, each with its length. Reading returns -1 when
 * the record ends before the field does. */
void cg_buf_put_u32(cg_buf *buf, uint32_t v);
void cg_buf_put_u64(cg_buf *buf, uint64_t v);
void cg_buf_put_field(cg_buf *buf, const char *s);

typedef struct {
	const char *p;
	size_t left;
} cg_buf_reader;

int cg_buf_get_u32(cg_buf_reader *r, uint32_t *v);
int cg_buf_get_u64(cg_buf_reader *r, uint64_t *v);
/* *out is a copy (free() it), or NULL for a NULL string. */
int cg_buf_get_field(cg_buf_reader *r, char **out);

/* A big-endian 32-bit number, as git's index and pack files store them. */
static inline uint32_t cg_buf_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

void *cg_malloc(size_t n);
void *cg_calloc(size_t n, size_t size);
void *cg_realloc(void *p, size_t n);
/* Grows an array of `elem` bytes to hold at least `need` items. */
void *cg_array_grow(void *p, size_t *alloc, size_t need, size_t elem);
/* A sorted array of `elem`-byte items, each with a `char *` key at
 * `key_offset`: the index of the item whose key is `key`, with *found set;
 * else, with *found 0, the index where it belongs. */
size_t cg_array_find(const void *items, size_t n, size_t elem, size_t key_offset,
                     const char *key, int *found);
/* Opens a zeroed item at index `at` of an array of *n items (grown as
 * cg_array_grow does); returns the array, which may have moved. */
void *cg_array_insert(void *p, size_t *n, size_t *alloc, size_t at, size_t elem);
/* The number of items of an array (not of a pointer). */
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
char *cg_strdup(const char *s);
char *cg_strndup(const char *s, size_t n);

#endif
