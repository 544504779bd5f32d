#include "index.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"

#ifndef MAP_POPULATE
#define MAP_POPULATE 0  /* Linux only; elsewhere pages fault in as read */
#endif

#define INDEX_HEADER 12
#define ENTRY_FLAGS 60
#define ENTRY_FIXED 62
#define FLAG_EXTENDED 0x4000
#define FLAG_STAGE 0x3000
/* Deeper than any path git accepts; a deeper tree is damage. */
#define MAX_CACHE_TREE_DEPTH 4096

static unsigned be16(const unsigned char *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

static int bad_index(const cg_index__file *f, const char *why)
{
	return cg_error_set(CG_ERROR, "cannot read the index '%s': %s", f->file, why);
}

/* git's varint for the bytes a version 4 path drops from the previous one. */
static int read_varint(size_t *out, const unsigned char **p, const unsigned char *end)
{
	size_t v;
	unsigned char c;

	if (*p >= end)
		return -1;
	c = *(*p)++;
	for (v = c & 127; c & 128; v = (v << 7) + (c & 127)) {
		if (*p >= end || ++v > SIZE_MAX >> 7)
			return -1;
		c = *(*p)++;
	}
	*out = v;
	return 0;
}

/* Version 4: the previous path (in `last`) minus `strip` bytes, then the
 * NUL-terminated rest; spelt out at the end of f->paths. */
static int spell_path(cg_index__file *f, cg_index__entry *e, cg_buf *last,
                      const unsigned char **p, const unsigned char *end)
{
	const unsigned char *nul;
	size_t strip;

	if (read_varint(&strip, p, end) < 0 || strip > last->size ||
	    !(nul = memchr(*p, '\0', (size_t)(end - *p))) || f->paths.size > UINT32_MAX)
		return -1;
	last->size -= strip;
	cg_buf_put(last, *p, (size_t)(nul - *p));
	e->path = (uint32_t)f->paths.size;
	cg_buf_put(&f->paths, last->ptr, last->size + 1);
	*p = nul + 1;
	return 0;
}

/* One entry at `*off`; versions 2 and 3 pad each entry to 8 bytes. */
static int read_entry(cg_index__file *f, size_t i, size_t *off, size_t end, uint32_t version,
                      cg_buf *last)
{
	const unsigned char *data = f->map, *p, *nul;
	cg_index__entry *e = &f->entries[i];
	size_t fixed = ENTRY_FIXED;
	unsigned flags;

	if (end - *off < fixed)
		return -1;
	e->raw = (uint32_t)*off;
	flags = be16(data + *off + ENTRY_FLAGS);
	if (version >= 3 && (flags & FLAG_EXTENDED) && end - *off < (fixed += 2))
		return -1;
	f->conflicted |= (flags & FLAG_STAGE) != 0;
	p = data + *off + fixed;
	if (version == 4) {
		if (spell_path(f, e, last, &p, data + end) < 0)
			return -1;
		*off = (size_t)(p - data);
		return 0;
	}
	if (!(nul = memchr(p, '\0', end - (size_t)(p - data))))
		return -1;
	e->path = (uint32_t)(p - data);
	*off += (fixed + (size_t)(nul - p) + 8) & ~(size_t)7;
	return *off <= end ? 0 : -1;
}

/* A decimal number ended by `stop`, as the TREE extension writes it. */
static int parse_number(long *out, const char **p, const char *end, char stop)
{
	const char *s = *p;
	int negative = s < end && *s == '-';
	long v = 0;

	s += negative;
	if (s == end || *s < '0' || *s > '9')
		return -1;
	for (; s < end && *s >= '0' && *s <= '9'; s++) {
		if (v > (LONG_MAX - 9) / 10)
			return -1;
		v = v * 10 + (*s - '0');
	}
	if (s == end || *s != stop)
		return -1;
	*out = negative ? -v : v;
	*p = s + 1;
	return 0;
}

static int compare_node(const void *a, const void *b)
{
	const cg_index__tree *x = a, *y = b;
	int cmp = memcmp(x->name, y->name, x->namelen < y->namelen ? x->namelen : y->namelen);

	return cmp ? cmp : (x->namelen > y->namelen) - (x->namelen < y->namelen);
}

static void free_nodes(cg_index__tree *t)
{
	size_t i;

	for (i = 0; i < t->nsub; i++)
		free_nodes(&t->sub[i]);
	free(t->sub);
	t->sub = NULL;
	t->nsub = 0;
}

/* One node and its subtrees, depth first as the extension lists them. */
static int parse_node(cg_index__tree *t, const char **p, const char *end, int depth)
{
	const char *nul = memchr(*p, '\0', (size_t)(end - *p));
	long nsub;
	size_t i;

	if (!nul || depth > MAX_CACHE_TREE_DEPTH)
		return -1;
	t->name = *p;
	t->namelen = (size_t)(nul - *p);
	*p = nul + 1;
	/* every subtree takes at least four bytes: a bound for the allocation */
	if (parse_number(&t->entries, p, end, ' ') < 0 ||
	    parse_number(&nsub, p, end, '\n') < 0 || nsub < 0 || nsub > (end - *p) / 4)
		return -1;
	if (t->entries >= 0) {
		if (end - *p < GIT_OID_SHA1_SIZE)
			return -1;
		git_oid_fromraw(&t->id, (const unsigned char *)*p);
		*p += GIT_OID_SHA1_SIZE;
	}
	if (!nsub)
		return 0;
	t->sub = cg_calloc((size_t)nsub, sizeof(*t->sub));
	t->nsub = (size_t)nsub;
	for (i = 0; i < t->nsub; i++)
		if (parse_node(&t->sub[i], p, end, depth + 1) < 0)
			return -1;
	qsort(t->sub, t->nsub, sizeof(*t->sub), compare_node);
	return 0;
}

const cg_index__tree *cg_index__subtree(const cg_index__tree *t, const char *name, size_t len)
{
	cg_index__tree key = { 0 };

	if (!t || !t->nsub)
		return NULL;
	key.name = name;
	key.namelen = len;
	return bsearch(&key, t->sub, t->nsub, sizeof(*t->sub), compare_node);
}

/* A damaged cache-tree only costs speed: every directory is compared.
 * Of two (git never writes them), the last counts, as in git. */
static void read_cache_tree(cg_index__file *f, const unsigned char *data, size_t len)
{
	const char *p = (const char *)data;

	free_nodes(&f->root);
	memset(&f->root, 0, sizeof(f->root));
	if (parse_node(&f->root, &p, p + len, 0) < 0) {
		free_nodes(&f->root);
		f->root.entries = -1;
	}
}

/* The extensions after the entries: the cache-tree is the one we use;
 * one that must be understood (lowercase, as a split index's "link") and
 * is not, makes the index unreadable, as it does for git and libgit2. */
static int read_extensions(cg_index__file *f, size_t off, size_t end)
{
	const unsigned char *data = f->map;

	while (end - off >= 8) {
		const unsigned char *sig = data + off;
		size_t len = cg_buf_be32(sig + 4);

		if (len > end - off - 8)
			return bad_index(f, "truncated extension");
		if (sig[0] < 'A' || sig[0] > 'Z')
			return bad_index(f, "unsupported mandatory extension (split or sparse index)");
		if (!memcmp(sig, "TREE", 4))
			read_cache_tree(f, sig + 8, len);
		off += 8 + len;
	}
	return 0;
}

static int parse_index(cg_index__file *f)
{
	const unsigned char *data = f->map;
	size_t end = f->size - GIT_OID_SHA1_SIZE, off = INDEX_HEADER, i;
	cg_buf last = CG_BUF_INIT;
	uint32_t version;
	int error = 0;

	if (f->size < INDEX_HEADER + GIT_OID_SHA1_SIZE || memcmp(data, "DIRC", 4))
		return bad_index(f, "not an index file");
	version = cg_buf_be32(data + 4);
	f->count = cg_buf_be32(data + 8);
	if (version < 2 || version > 4)
		return bad_index(f, "unsupported version");
	if (f->count > (end - off) / ENTRY_FIXED)
		return bad_index(f, "more entries than the file holds");
	f->entries = cg_malloc((f->count ? f->count : 1) * sizeof(*f->entries));
	for (i = 0; i < f->count && !error; i++)
		if (read_entry(f, i, &off, end, version, &last) < 0)
			error = bad_index(f, "truncated entry");
	cg_buf_dispose(&last);
	f->path_base = version == 4 ? f->paths.ptr : (const char *)data;
	return error ? error : read_extensions(f, off, end);
}

int cg_index__read(cg_index__file *f, const char *path)
{
	struct stat st;
	int fd, error = 0;

	memset(f, 0, sizeof(*f));
	f->file = cg_strdup(path);
	f->paths = (cg_buf)CG_BUF_INIT;
	f->root.entries = -1;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return errno == ENOENT ? 0 : bad_index(f, strerror(errno));
	if (fstat(fd, &st) < 0) {
		error = bad_index(f, strerror(errno));
	} else if ((uint64_t)st.st_size > UINT32_MAX) {
		error = bad_index(f, "larger than 4 GiB");
	} else {
		f->size = (size_t)st.st_size;
		/* populated at once: every page is read, and one call maps them
		 * for a fraction of what a fault per page costs */
		f->map = mmap(NULL, f->size ? f->size : 1, PROT_READ, MAP_PRIVATE | MAP_POPULATE,
		              fd, 0);
		if (f->map == MAP_FAILED) {
			f->map = NULL;
			error = bad_index(f, strerror(errno));
		}
	}
	close(fd);
	return error ? error : parse_index(f);
}

void cg_index__dispose(cg_index__file *f)
{
	free_nodes(&f->root);
	if (f->map)
		munmap(f->map, f->size ? f->size : 1);
	free(f->entries);
	cg_buf_dispose(&f->paths);
	free(f->file);
}

int cg_index__entry_conflicted(const cg_index__file *f, size_t i)
{
	return (be16(cg_index__entry_raw(f, i) + ENTRY_FLAGS) & FLAG_STAGE) != 0;
}

/* The index is sorted by path, then stage. */
int cg_index__find(size_t *at, const cg_index__file *f, const char *path)
{
	size_t lo = 0, hi = f->count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int cmp = strcmp(cg_index__entry_path(f, mid), path);

		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == f->count || strcmp(cg_index__entry_path(f, lo), path) ||
	    cg_index__entry_conflicted(f, lo))
		return CG_ENOTFOUND;
	*at = lo;
	return 0;
}
