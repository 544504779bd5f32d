#include "changes.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "error.h"
#include "git2compat.h"
#include "glob.h"

#ifndef MAP_POPULATE
#define MAP_POPULATE 0  /* Linux only; elsewhere pages fault in as read */
#endif

/*
 * The index file, read directly (gitformat-index(5)). Loading a git_index
 * costs an allocation, a hash-map insertion and a path validation per
 * entry plus a SHA-1 over the whole file: 80% of a hook's time on a
 * 100,000-file repository, twice what git diff --cached takes in all
 * (docs/benchmarks.md). A check needs far less: the entries in order,
 * found by binary search, and the cache-tree. The checksum is not
 * verified: git verifies it whenever it reads the index, so a damaged
 * index is never committed, and git commit did so before its hooks ran.
 */
typedef struct cache_tree cache_tree;

/* The TREE extension: for each directory, how many index entries it spans
 * and, until an update below it invalidates it, the id of the tree those
 * entries make. git diff --cached skips a directory whose id equals HEAD's
 * subtree, and git commit writes those very ids into the commit, so
 * trusting them checks exactly what will be committed. */
struct cache_tree {
	const char *name;  /* in the mapped file, not NUL-terminated */
	size_t namelen;
	long entries;      /* index entries spanned; negative: invalidated */
	git_oid id;        /* when entries >= 0 */
	cache_tree *sub;   /* sorted by name */
	size_t nsub;
};

/* Offsets, not pointers: a large index has many entries, and the array is
 * written once per run, so its size is time (memory on some virtual
 * machines costs a microsecond a page). */
typedef struct {
	uint32_t raw;   /* of the stat data, mode, id and flags, in the file */
	uint32_t path;  /* of the NUL-terminated path in path_base */
} file_entry;

typedef struct {
	char *file;                /* its path */
	void *map;
	size_t size;
	file_entry *entries;
	size_t count;
	const char *path_base;     /* the map, or `paths` for version 4 */
	cg_buf paths;              /* version 4: the prefix-compressed paths, spelt out */
	cache_tree root;           /* entries -1 and no subtrees when there is none */
	int conflicted;            /* has entries of stages 1 to 3 */
} index_file;

#define INDEX_HEADER 12
#define ENTRY_MODE 24
#define ENTRY_ID 40
#define ENTRY_FLAGS 60
#define ENTRY_FIXED 62
#define FLAG_EXTENDED 0x4000
#define FLAG_STAGE 0x3000
/* Deeper than any path git accepts; a deeper tree is damage. */
#define MAX_CACHE_TREE_DEPTH 4096

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static unsigned be16(const unsigned char *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

static const unsigned char *entry_raw(const index_file *f, size_t i)
{
	return (const unsigned char *)f->map + f->entries[i].raw;
}

static const char *entry_path(const index_file *f, size_t i)
{
	return f->path_base + f->entries[i].path;
}

static uint32_t entry_mode(const index_file *f, size_t i)
{
	return be32(entry_raw(f, i) + ENTRY_MODE);
}

static int entry_id_is(const index_file *f, size_t i, const git_oid *id)
{
	return !memcmp(entry_raw(f, i) + ENTRY_ID, id->id, GIT_OID_SHA1_SIZE);
}

static void entry_id(git_oid *out, const index_file *f, size_t i)
{
	git_oid_fromraw(out, entry_raw(f, i) + ENTRY_ID);
}

static int bad_index(const index_file *f, const char *why)
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
static int spell_path(index_file *f, file_entry *e, cg_buf *last,
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
static int read_entry(index_file *f, size_t i, size_t *off, size_t end, uint32_t version,
                      cg_buf *last)
{
	const unsigned char *data = f->map, *p, *nul;
	file_entry *e = &f->entries[i];
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
	const cache_tree *x = a, *y = b;
	int cmp = memcmp(x->name, y->name, x->namelen < y->namelen ? x->namelen : y->namelen);

	return cmp ? cmp : (x->namelen > y->namelen) - (x->namelen < y->namelen);
}

static void free_nodes(cache_tree *t)
{
	size_t i;

	for (i = 0; i < t->nsub; i++)
		free_nodes(&t->sub[i]);
	free(t->sub);
	t->sub = NULL;
	t->nsub = 0;
}

/* One node and its subtrees, depth first as the extension lists them. */
static int parse_node(cache_tree *t, const char **p, const char *end, int depth)
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

static const cache_tree *find_subtree(const cache_tree *t, const char *name, size_t len)
{
	cache_tree key = { 0 };

	if (!t || !t->nsub)
		return NULL;
	key.name = name;
	key.namelen = len;
	return bsearch(&key, t->sub, t->nsub, sizeof(*t->sub), compare_node);
}

/* A damaged cache-tree only costs speed: every directory is compared.
 * Of two (git never writes them), the last counts, as in git. */
static void read_cache_tree(index_file *f, const unsigned char *data, size_t len)
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
static int read_extensions(index_file *f, size_t off, size_t end)
{
	const unsigned char *data = f->map;

	while (end - off >= 8) {
		const unsigned char *sig = data + off;
		size_t len = be32(sig + 4);

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

static int parse_index(index_file *f)
{
	const unsigned char *data = f->map;
	size_t end = f->size - GIT_OID_SHA1_SIZE, off = INDEX_HEADER, i;
	cg_buf last = CG_BUF_INIT;
	uint32_t version;
	int error = 0;

	if (f->size < INDEX_HEADER + GIT_OID_SHA1_SIZE || memcmp(data, "DIRC", 4))
		return bad_index(f, "not an index file");
	version = be32(data + 4);
	f->count = be32(data + 8);
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

/* Maps and reads `path`; a missing file is an empty index, as for git. */
static int index_file_read(index_file *f, const char *path)
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

static void index_file_dispose(index_file *f)
{
	free_nodes(&f->root);
	if (f->map)
		munmap(f->map, f->size ? f->size : 1);
	free(f->entries);
	cg_buf_dispose(&f->paths);
	free(f->file);
}

/* The stage-0 entry for `path`: the index is sorted by path, then stage. */
static int index_file_find(size_t *at, const index_file *f, const char *path)
{
	size_t lo = 0, hi = f->count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int cmp = strcmp(entry_path(f, mid), path);

		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == f->count || strcmp(entry_path(f, lo), path) ||
	    (be16(entry_raw(f, lo) + ENTRY_FLAGS) & FLAG_STAGE))
		return CG_ENOTFOUND;
	*at = lo;
	return 0;
}

/*
 * The walk's memo: a ring of objects, oldest out first, with buckets by
 * the id's first bytes so that a lookup costs a few comparisons.
 */
#define MEMO_SLOTS 1024
#define MEMO_BUCKETS 2048 /* a power of two */
#define MEMO_BYTES (32u * 1024 * 1024)

struct cg_memo {
	git_object *obj[MEMO_SLOTS];
	size_t weight[MEMO_SLOTS];
	int chain[MEMO_SLOTS];     /* the next slot in the same bucket, -1: none */
	int bucket[MEMO_BUCKETS];  /* the first slot, -1: none */
	size_t next, bytes;        /* `next`: the slot to fill, the oldest once full */
};

cg_memo *cg_memo_new(void)
{
	cg_memo *m = cg_calloc(1, sizeof(*m));

	memset(m->chain, 0xff, sizeof(m->chain));
	memset(m->bucket, 0xff, sizeof(m->bucket));
	return m;
}

static size_t bucket_of(const git_oid *oid)
{
	return ((size_t)oid->id[0] | (size_t)oid->id[1] << 8) & (MEMO_BUCKETS - 1);
}

/* About what the object takes in memory, for the bound. */
static size_t weight_of(git_object *obj)
{
	switch (git_object_type(obj)) {
	case GIT_OBJECT_BLOB:
		return (size_t)git_blob_rawsize((git_blob *)obj);
	case GIT_OBJECT_TREE:
		return 64 * git_tree_entrycount((git_tree *)obj) + 64;
	case GIT_OBJECT_COMMIT:
		return strlen(git_commit_message_raw((git_commit *)obj)) + 512;
	default:
		return 512;
	}
}

static void memo_drop(cg_memo *m, size_t i)
{
	int *p;

	if (!m->obj[i])
		return;
	for (p = &m->bucket[bucket_of(git_object_id(m->obj[i]))]; *p != (int)i; p = &m->chain[*p])
		;
	*p = m->chain[i];
	m->bytes -= m->weight[i];
	git_object_free(m->obj[i]);
	m->obj[i] = NULL;
}

void cg_memo_free(cg_memo *memo)
{
	size_t i;

	if (!memo)
		return;
	for (i = 0; i < MEMO_SLOTS; i++)
		git_object_free(memo->obj[i]);
	free(memo);
}

void cg_memo_find(git_object **out, cg_memo *memo, const git_oid *oid)
{
	int i;

	*out = NULL;
	for (i = memo ? memo->bucket[bucket_of(oid)] : -1; i >= 0; i = memo->chain[i])
		if (git_oid_equal(git_object_id(memo->obj[i]), oid)) {
			git_object_dup(out, memo->obj[i]);
			return;
		}
}

void cg_memo_keep(cg_memo *memo, git_object *obj)
{
	size_t w, i, b;

	if (!memo || (w = weight_of(obj)) > MEMO_BYTES / 4)
		return;
	memo_drop(memo, memo->next);
	for (i = 1; memo->bytes + w > MEMO_BYTES && i < MEMO_SLOTS; i++)
		memo_drop(memo, (memo->next + i) % MEMO_SLOTS);
	if (git_object_dup(&memo->obj[memo->next], obj) < 0) {
		memo->obj[memo->next] = NULL;
		return;
	}
	b = bucket_of(git_object_id(obj));
	memo->weight[memo->next] = w;
	memo->bytes += w;
	memo->chain[memo->next] = memo->bucket[b];
	memo->bucket[b] = (int)memo->next;
	memo->next = (memo->next + 1) % MEMO_SLOTS;
}

int cg_memo_lookup(git_object **out, cg_memo *memo, git_repository *repo,
                   const git_oid *oid, git_object_t type)
{
	int error;

	cg_memo_find(out, memo, oid);
	if (*out && (type == GIT_OBJECT_ANY || git_object_type(*out) == type))
		return 0;
	git_object_free(*out);
	/* libgit2 1.8 leaves *out as it was when the type differs */
	*out = NULL;
	if ((error = git_object_lookup(out, repo, oid, type)) == 0)
		cg_memo_keep(memo, *out);
	return error;
}

/* The directory a tree snapshot looked in last. The rules ask about one
 * directory's CHANGELOG several times per commit, and without libgit2's
 * object cache (off on long walks) each git_tree_entry_bypath would read
 * every tree on the way again. */
typedef struct {
	cg_buf dir;
	git_tree *tree;  /* NULL: no such directory */
	int valid;
	int root_checked;  /* cg_tree_check passed on the snapshot's tree */
} dir_memo;

struct cg_snapshot {
	git_repository *repo;
	/* at most one of these; none is the empty tree */
	git_tree *tree;
	index_file *file;  /* owned */
	dir_memo *memo;    /* with `tree` */
	cg_memo *objects;  /* the walk's, may be NULL */
};

struct cg_changes {
	cg_change *items;
	size_t len, alloc;
};

int cg_snapshot_from_index_file(cg_snapshot **out, git_repository *repo, const char *path)
{
	cg_snapshot *s = cg_calloc(1, sizeof(*s));
	cg_buf own = CG_BUF_INIT;
	int error;

	*out = NULL;
	if (!path) {
		cg_buf_printf(&own, "%sindex", git_repository_path(repo));
		path = own.ptr;
	}
	s->repo = repo;
	s->file = cg_calloc(1, sizeof(*s->file));
	if ((error = index_file_read(s->file, path)) < 0)
		cg_snapshot_free(s);
	else
		*out = s;
	cg_buf_dispose(&own);
	return error;
}

int cg_snapshot_from_tree(cg_snapshot **out, git_repository *repo, git_tree *tree)
{
	cg_snapshot *s = cg_calloc(1, sizeof(*s));
	s->repo = repo;
	s->tree = tree;
	if (tree) {
		s->memo = cg_calloc(1, sizeof(*s->memo));
		s->memo->dir = (cg_buf)CG_BUF_INIT;
	}
	*out = s;
	return 0;
}

void cg_snapshot_use_memo(cg_snapshot *snap, cg_memo *memo)
{
	snap->objects = memo;
}

/* The root tree is checked once per snapshot: its lookups are many. */
static int check_root(const cg_snapshot *snap)
{
	int error = snap->memo->root_checked ? 0 : cg_tree_check(snap->tree, "");

	snap->memo->root_checked = !error;
	return error;
}

/* The subtree `dir` of `root` (*out NULL: none), checking every tree on
 * the way, where git_tree_entry_bypath would trust their order. */
static int subtree_bypath(git_tree **out, const cg_snapshot *snap, const char *dir)
{
	git_tree *cur = NULL;
	const char *at = dir;
	int error = check_root(snap);

	*out = NULL;
	while (!error) {
		const char *slash = strchr(at, '/');
		size_t len = slash ? (size_t)(slash - at) : strlen(at);
		char name[256];
		const git_tree_entry *e;
		git_tree *next = NULL;

		if (len >= sizeof(name))
			break;  /* no tree entry has a longer name: not found */
		memcpy(name, at, len);
		name[len] = '\0';
		e = git_tree_entry_byname(cur ? cur : snap->tree, name);
		if (!e || git_tree_entry_type(e) != GIT_OBJECT_TREE)
			break;
		if (cg_memo_lookup((git_object **)&next, snap->objects, snap->repo,
		                   git_tree_entry_id(e), GIT_OBJECT_TREE) < 0) {
			error = cg_error_from_git("cannot read tree");
			break;
		}
		git_tree_free(cur);
		cur = next;
		if (!slash) {
			*out = cur;
			return 0;
		}
		at = slash + 1;
		error = cg_tree_check(cur, dir);
	}
	git_tree_free(cur);
	return error;
}

/* The tree of directory path[0..len) of a tree snapshot, lent (memo). */
static int snapshot_dir(git_tree **out, const cg_snapshot *snap, const char *path, size_t len)
{
	dir_memo *m = snap->memo;
	int error;

	if (!m->valid || m->dir.size != len || memcmp(m->dir.ptr, path, len)) {
		git_tree_free(m->tree);
		m->tree = NULL;
		cg_buf_clear(&m->dir);
		cg_buf_put(&m->dir, path, len);
		error = subtree_bypath(&m->tree, snap, m->dir.ptr);
		m->valid = error == 0;
		if (error < 0)
			return error;
	}
	*out = m->tree;
	return m->tree ? 0 : CG_ENOTFOUND;
}

int cg_snapshot_lookup(const cg_snapshot *snap, const char *path,
                       git_oid *oid, uint32_t *mode)
{
	size_t at;

	if (snap->file) {
		if (index_file_find(&at, snap->file, path) < 0)
			return CG_ENOTFOUND;
		entry_id(oid, snap->file, at);
		*mode = entry_mode(snap->file, at);
		return 0;
	}
	if (snap->tree) {
		const char *slash = strrchr(path, '/');
		const git_tree_entry *e;
		git_tree *dir = snap->tree;
		int error;

		if (slash && (error = snapshot_dir(&dir, snap, path, (size_t)(slash - path))) < 0)
			return error;
		if (!slash && (error = check_root(snap)) < 0)
			return error;
		e = git_tree_entry_byname(dir, slash ? slash + 1 : path);
		if (!e || git_tree_entry_type(e) == GIT_OBJECT_TREE)
			return CG_ENOTFOUND;
		git_oid_cpy(oid, git_tree_entry_id(e));
		*mode = git_tree_entry_filemode(e);
		return 0;
	}
	return CG_ENOTFOUND;
}

git_repository *cg_snapshot_repository(const cg_snapshot *snap)
{
	return snap->repo;
}

void cg_snapshot_free(cg_snapshot *snap)
{
	if (!snap)
		return;
	if (snap->file)
		index_file_dispose(snap->file);
	free(snap->file);
	if (snap->memo) {
		git_tree_free(snap->memo->tree);
		cg_buf_dispose(&snap->memo->dir);
		free(snap->memo);
	}
	free(snap);
}

static cg_change *push_change(cg_changes *c, const char *path, size_t pathlen)
{
	cg_change *ch;

	c->items = cg_array_grow(c->items, &c->alloc, c->len + 1, sizeof(*c->items));
	ch = &c->items[c->len++];
	memset(ch, 0, sizeof(*ch));
	ch->path = cg_strndup(path, pathlen);
	return ch;
}

static int kind_of(uint32_t mode)
{
	return mode == GIT_FILEMODE_BLOB_EXECUTABLE ? GIT_FILEMODE_BLOB : (int)mode;
}

static cg_change_status status_of(uint32_t old_mode, uint32_t new_mode)
{
	if (!old_mode)
		return CG_CHANGE_ADDED;
	if (!new_mode)
		return CG_CHANGE_DELETED;
	return kind_of(old_mode) == kind_of(new_mode) ? CG_CHANGE_MODIFIED
	                                              : CG_CHANGE_TYPECHANGE;
}

static void record(cg_changes *c, const char *path, size_t pathlen,
                   uint32_t old_mode, const git_oid *old_oid,
                   uint32_t new_mode, const git_oid *new_oid)
{
	cg_change *ch = push_change(c, path, pathlen);

	ch->status = status_of(old_mode, new_mode);
	ch->old_mode = old_mode;
	ch->new_mode = new_mode;
	if (old_oid)
		git_oid_cpy(&ch->old_oid, old_oid);
	if (new_oid)
		git_oid_cpy(&ch->new_oid, new_oid);
}

static int diff_file_cb(const git_diff_delta *d, float progress, void *payload)
{
	cg_changes *c = payload;
	const char *path = d->new_file.path ? d->new_file.path : d->old_file.path;
	uint32_t old_mode = d->status == GIT_DELTA_ADDED ? 0 : d->old_file.mode;
	uint32_t new_mode = d->status == GIT_DELTA_DELETED ? 0 : d->new_file.mode;

	(void)progress;
	record(c, path, strlen(path), old_mode, &d->old_file.id, new_mode, &d->new_file.id);
	return 0;
}


/*
 * Compares two trees the way git's diff-tree does: entries are merged in
 * tree order and a subtree is only entered when its id differs, so the
 * cost follows the size of the change, not the size of the repository.
 */
typedef struct {
	git_repository *repo;
	cg_memo *memo;  /* may be NULL */
} tree_reader;

static int read_tree(git_tree **out, const tree_reader *rd, const git_tree_entry *e)
{
	return cg_memo_lookup((git_object **)out, rd->memo, rd->repo, git_tree_entry_id(e),
	                      GIT_OBJECT_TREE);
}

static int diff_trees(cg_changes *c, const tree_reader *rd, cg_buf *prefix,
                      git_tree *a, git_tree *b, size_t depth);

static int add_subtree(cg_changes *c, const tree_reader *rd, cg_buf *prefix,
                       const git_tree_entry *e, int side_is_new, size_t depth)
{
	git_tree *t = NULL;
	int error;

	if (read_tree(&t, rd, e) < 0)
		return cg_error_from_git("cannot read tree");
	error = side_is_new ? diff_trees(c, rd, prefix, NULL, t, depth)
	                    : diff_trees(c, rd, prefix, t, NULL, depth);
	git_tree_free(t);
	return error;
}

static int entry_changed(cg_changes *c, const tree_reader *rd, cg_buf *prefix,
                         const git_tree_entry *ea, const git_tree_entry *eb, size_t depth)
{
	size_t saved = prefix->size;
	const git_tree_entry *e = ea ? ea : eb;
	int error = 0;

	cg_buf_puts(prefix, git_tree_entry_name(e));
	if (git_tree_entry_type(e) == GIT_OBJECT_TREE) {
		cg_buf_putc(prefix, '/');
		if (ea && eb) {
			git_tree *ta = NULL, *tb = NULL;
			if (read_tree(&ta, rd, ea) < 0 || read_tree(&tb, rd, eb) < 0)
				error = cg_error_from_git("cannot read tree");
			else
				error = diff_trees(c, rd, prefix, ta, tb, depth + 1);
			git_tree_free(ta);
			git_tree_free(tb);
		} else {
			error = add_subtree(c, rd, prefix, e, eb != NULL, depth + 1);
		}
	} else {
		record(c, prefix->ptr, prefix->size,
		       ea ? git_tree_entry_filemode(ea) : 0, ea ? git_tree_entry_id(ea) : NULL,
		       eb ? git_tree_entry_filemode(eb) : 0, eb ? git_tree_entry_id(eb) : NULL);
	}
	prefix->size = saved;
	prefix->ptr[saved] = '\0';
	return error;
}

/* Both trees are checked as they are read (cg_tree_check); `depth` counts
 * the directories of `prefix`, bounded as git bounds it, so that a deep
 * tree costs neither the time nor the stack of reading it. */
static int diff_trees(cg_changes *c, const tree_reader *rd, cg_buf *prefix,
                      git_tree *a, git_tree *b, size_t depth)
{
	size_t na = a ? git_tree_entrycount(a) : 0, nb = b ? git_tree_entrycount(b) : 0;
	size_t i = 0, j = 0;
	int error = 0;

	if (depth > CG_TREE_MAX_DEPTH)
		return cg_error_set(CG_ELIMIT, "tree %s at '%.64s...' is deeper than %d levels "
		                    "(git's core.maxTreeDepth)", git_oid_tostr_s(git_tree_id(a ? a : b)),
		                    prefix->ptr, CG_TREE_MAX_DEPTH);
	if ((a && (error = cg_tree_check(a, prefix->ptr)) < 0) ||
	    (b && (error = cg_tree_check(b, prefix->ptr)) < 0))
		return error;

	while (!error && (i < na || j < nb)) {
		const git_tree_entry *ea = i < na ? git_tree_entry_byindex(a, i) : NULL;
		const git_tree_entry *eb = j < nb ? git_tree_entry_byindex(b, j) : NULL;
		int cmp = !ea ? 1 : !eb ? -1 : git_tree_entry_cmp(ea, eb);

		if (cmp < 0) {
			error = entry_changed(c, rd, prefix, ea, NULL, depth);
			i++;
		} else if (cmp > 0) {
			error = entry_changed(c, rd, prefix, NULL, eb, depth);
			j++;
		} else {
			if (git_tree_entry_filemode(ea) != git_tree_entry_filemode(eb) ||
			    !git_oid_equal(git_tree_entry_id(ea), git_tree_entry_id(eb)))
				error = entry_changed(c, rd, prefix, ea, eb, depth);
			i++;
			j++;
		}
	}
	return error;
}

static int staged_by_libgit2(cg_changes *c, git_repository *repo, git_index *index,
                             git_tree *tree)
{
	git_diff_options opts = GIT_DIFF_OPTIONS_INIT;
	git_diff *diff = NULL;
	int error = 0;

	/* Names and ids only: no content is loaded, no similarity is computed. */
	opts.flags = GIT_DIFF_INCLUDE_TYPECHANGE | GIT_DIFF_SKIP_BINARY_CHECK;
	if (git_diff_tree_to_index(&diff, repo, tree, index, &opts) < 0 ||
	    git_diff_foreach(diff, diff_file_cb, NULL, NULL, NULL, c) < 0)
		error = cg_error_from_git("cannot compare the index with HEAD");
	git_diff_free(diff);
	return error;
}

/*
 * The staged change by walking HEAD's tree and the index file side by
 * side, one directory at a time in git's tree order (a directory sorts as
 * if its name ended in '/'), which is also the order of the index's paths.
 * A directory whose cache-tree is valid and equal to HEAD's subtree is
 * skipped without reading its tree; an unchanged file costs a comparison.
 * Unlike libgit2's diff, an added entry marked assume-unchanged
 * (git update-index --assume-unchanged) is reported: git commits it.
 */
typedef struct {
	cg_changes *c;
	git_repository *repo;
	const index_file *f;
	cg_buf dir;  /* the directory being compared: "" or ending in '/' */
} walk;

/* What a directory of the index holds next: a file or a subdirectory. */
typedef struct {
	size_t at;         /* the entry */
	const char *name;  /* the part of its path inside the directory */
	size_t len;
	int is_dir;
} walk_item;

static void index_item(walk_item *it, const walk *w, size_t j)
{
	const char *slash;

	it->at = j;
	it->name = entry_path(w->f, j) + w->dir.size;
	slash = strchr(it->name, '/');
	it->is_dir = slash != NULL;
	it->len = slash ? (size_t)(slash - it->name) : strlen(it->name);
}

/* git's base_name_compare: tree order. */
static int tree_order(const char *a, size_t alen, int adir, const char *b, size_t blen, int bdir)
{
	size_t len = alen < blen ? alen : blen;
	int cmp = memcmp(a, b, len);
	unsigned char ca, cb;

	if (cmp)
		return cmp;
	ca = len < alen ? (unsigned char)a[len] : adir ? '/' : 0;
	cb = len < blen ? (unsigned char)b[len] : bdir ? '/' : 0;
	return (ca > cb) - (ca < cb);
}

/* Whether a file named `name` is among the first `n` entries of `tree`,
 * which are in tree order: a file "a" and a directory "a" are not
 * neighbours when "a.b" sorts between them. */
static int has_file_before(const git_tree *tree, size_t n, const char *name, size_t len)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const git_tree_entry *e = git_tree_entry_byindex(tree, mid);
		const char *other = git_tree_entry_name(e);
		int cmp = tree_order(other, strlen(other), git_tree_entry_type(e) == GIT_OBJECT_TREE,
		                     name, len, 0);

		if (!cmp)
			return 1;
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/* Why git refuses `name` in a tree (fsck's emptyName, fullPathname,
 * hasDot, hasDotdot, hasDotgit), or NULL. */
static const char *forbidden_name(const char *name)
{
	unsigned char first = (unsigned char)name[0];
	cg_buf key = CG_BUF_INIT;
	const char *why = NULL;

	if (!*name)
		return "an empty name";
	if (strchr(name, '/'))
		return "a forbidden name with '/'";
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return "a forbidden name";
	if (first != '.' && first != 'g' && first != 'G' && first < 0x80)
		return NULL;
	cg_glob_fs_key(&key, name, 1);
	if (!strcmp(key.ptr, ".git") || !strcmp(key.ptr, "git~1"))
		why = "a forbidden name (what a file system opens as .git)";
	cg_buf_dispose(&key);
	return why;
}

int cg_tree_check(const git_tree *tree, const char *path)
{
	size_t n = git_tree_entrycount(tree), i;
	const git_tree_entry *prev = NULL;
	const char *why = NULL, *name = "";

	for (i = 0; i < n && !why; i++) {
		const git_tree_entry *e = git_tree_entry_byindex(tree, i);
		int cmp = prev ? git_tree_entry_cmp(prev, e) : -1;

		name = git_tree_entry_name(e);
		if ((why = forbidden_name(name)) != NULL)
			break;
		if (cmp > 0)
			why = "entries not sorted, from";
		else if (!cmp || (git_tree_entry_type(e) == GIT_OBJECT_TREE &&
		                  has_file_before(tree, i, name, strlen(name))))
			why = "duplicate entry";
		prev = e;
	}
	if (!why)
		return 0;
	return cg_error_set(CG_ELIMIT, "tree %s at '%s' is not as git writes it: %s '%s'; "
	                    "git fsck refuses it (receive.fsckObjects keeps such trees out)",
	                    git_oid_tostr_s(git_tree_id(tree)), *path ? path : "/", why, name);
}

/* The end of the run of entries from `lo` that lie under w->dir: the
 * index is sorted, so they are contiguous. */
static size_t dir_end(const walk *w, size_t lo, size_t hi)
{
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strncmp(entry_path(w->f, mid), w->dir.ptr, w->dir.size) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void record_entry(walk *w, const git_tree_entry *te, size_t at)
{
	const char *path = entry_path(w->f, at);
	git_oid id;

	entry_id(&id, w->f, at);
	record(w->c, path, strlen(path),
	       te ? git_tree_entry_filemode(te) : 0, te ? git_tree_entry_id(te) : NULL,
	       entry_mode(w->f, at), &id);
}

/* A file of the index against the same name in the tree (or none), with
 * libgit2's rule: unchanged when the modes and a non-zero id are equal. */
static void walk_file(walk *w, const git_tree_entry *te, size_t at)
{
	if (te && git_tree_entry_filemode(te) == entry_mode(w->f, at) &&
	    entry_id_is(w->f, at, git_tree_entry_id(te)) && !git_oid_is_zero(git_tree_entry_id(te)))
		return;
	record_entry(w, te, at);
}

static int walk_dir(walk *w, git_tree *tree, const cache_tree *ct, size_t lo, size_t hi);

/* A subdirectory of the index, entries [*j, end), against the tree's
 * subdirectory of the same name (or none: every entry is added). */
static int walk_subdir(walk *w, const git_tree_entry *te, const cache_tree *ct,
                       const walk_item *it, size_t *j, size_t hi)
{
	size_t saved = w->dir.size, end, k;
	git_tree *sub = NULL;
	int error = 0;

	cg_buf_put(&w->dir, it->name, it->len);
	cg_buf_putc(&w->dir, '/');
	end = dir_end(w, *j, hi);
	if (!te)
		for (k = *j; k < end; k++)
			record_entry(w, NULL, k);
	else if (git_tree_lookup(&sub, w->repo, git_tree_entry_id(te)) < 0)
		error = cg_error_from_git("cannot read tree");
	else
		error = walk_dir(w, sub, find_subtree(ct, it->name, it->len), *j, end);
	git_tree_free(sub);
	*j = end;
	w->dir.size = saved;
	w->dir.ptr[saved] = '\0';
	return error;
}

/* `tree` (NULL: empty) against the index entries [lo, hi), all of them
 * under w->dir; `ct` is the directory's cache-tree node, if any. */
static int walk_dir(walk *w, git_tree *tree, const cache_tree *ct, size_t lo, size_t hi)
{
	size_t n = tree ? git_tree_entrycount(tree) : 0, i = 0, j = lo;
	int error = 0;

	if (tree && ct && ct->entries >= 0 && (size_t)ct->entries == hi - lo &&
	    git_oid_equal(&ct->id, git_tree_id(tree)))
		return 0;
	while (!error && (i < n || j < hi)) {
		const git_tree_entry *te = i < n ? git_tree_entry_byindex(tree, i) : NULL;
		walk_item it = { 0 };
		int cmp = 1;

		if (j < hi)
			index_item(&it, w, j);
		if (te)
			cmp = j == hi ? -1 : tree_order(git_tree_entry_name(te),
				strlen(git_tree_entry_name(te)),
				git_tree_entry_type(te) == GIT_OBJECT_TREE, it.name, it.len, it.is_dir);
		if (cmp < 0) {
			tree_reader rd = { w->repo, NULL };
			error = entry_changed(w->c, &rd, &w->dir, te, NULL, 0);
		} else if (it.is_dir) {
			error = walk_subdir(w, cmp ? NULL : te, ct, &it, &j, hi);
		} else {
			walk_file(w, cmp ? NULL : te, it.at);
			j++;
		}
		i += cmp <= 0;
	}
	return error;
}

/* For tests: how cg_changes_staged_snapshot compares the index with a tree. */
static cg_changes__method staged_method = CG_CHANGES__AUTO;

void cg_changes__set_method(cg_changes__method method)
{
	staged_method = method;
}

/* The staged side: the index file that is walked, or, for conflicts,
 * which libgit2's diff reports as it always did, the git_index that it
 * compares. */
typedef struct {
	const index_file *file;
	git_index *index;
} staged_side;

static int staged_against(cg_changes **out, git_repository *repo, const staged_side *s,
                          git_tree *tree)
{
	cg_changes *c = cg_calloc(1, sizeof(*c));
	walk w = { c, repo, s->file, CG_BUF_INIT };
	int error;

	if (!s->file)
		error = staged_by_libgit2(c, repo, s->index, tree);
	else
		error = walk_dir(&w, tree, staged_method == CG_CHANGES__AUTO ? &s->file->root : NULL,
		                 0, s->file->count);
	cg_buf_dispose(&w.dir);
	if (error < 0) {
		cg_changes_free(c);
		c = NULL;
	}
	*out = c;
	return error;
}

static int changes_between(cg_changes **out, const tree_reader *rd,
                           git_tree *old_tree, git_tree *new_tree)
{
	cg_changes *c = cg_calloc(1, sizeof(*c));
	cg_buf prefix = CG_BUF_INIT;
	int error = diff_trees(c, rd, &prefix, old_tree, new_tree, 0);

	cg_buf_dispose(&prefix);
	if (error < 0) {
		cg_changes_free(c);
		c = NULL;
	}
	*out = c;
	return error;
}

static int compare_change_path(const void *a, const void *b)
{
	return strcmp(((const cg_change *)a)->path, ((const cg_change *)b)->path);
}

static int has_path(const cg_changes *c, const char *path)
{
	cg_change key = { .path = (char *)path };
	if (!c->len)
		return 0;
	return bsearch(&key, c->items, c->len, sizeof(*c->items), compare_change_path) != NULL;
}

/* Keeps in `first` only the paths that every other parent's diff also has. */
static void keep_common(cg_changes *first, cg_changes *const *others, size_t n)
{
	size_t i, k, kept = 0;

	for (i = 0; i < first->len; i++) {
		int everywhere = 1;
		for (k = 0; k < n && everywhere; k++)
			everywhere = has_path(others[k], first->items[i].path);
		if (everywhere)
			first->items[kept++] = first->items[i];
		else
			free(first->items[i].path);
	}
	first->len = kept;
}

/* Diffs `now` (a tree, or the index when `staged` is set) against every
 * parent tree and keeps the paths that differ from all of them. */
static int against_parents(cg_changes **out, const tree_reader *rd, const staged_side *staged,
                           git_tree *now, git_tree *const *parents, size_t n)
{
	cg_changes **each = cg_calloc(n, sizeof(*each));
	size_t k;
	int error = 0;

	*out = NULL;
	for (k = 0; k < n && !error; k++) {
		error = staged ? staged_against(&each[k], rd->repo, staged, parents[k])
		               : changes_between(&each[k], rd, parents[k], now);
		if (!error && k > 0 && each[k]->len > 1)
			qsort(each[k]->items, each[k]->len, sizeof(cg_change), compare_change_path);
	}
	if (!error) {
		keep_common(each[0], each + 1, n - 1);
		*out = each[0];
		each[0] = NULL;
	}
	for (k = 0; k < n; k++)
		cg_changes_free(each[k]);
	free(each);
	return error;
}

int cg_changes_staged_snapshot(cg_changes **out, const cg_snapshot *staged,
                               git_tree *const *parents, size_t nparents)
{
	staged_side s = { staged->file, NULL };
	tree_reader rd = { staged->repo, NULL };
	int error;

	*out = NULL;
	if (!staged->file)
		return cg_error_set(CG_ERROR, "the staged side is not an index");
	if (staged_method == CG_CHANGES__LIBGIT2 || staged->file->conflicted) {
		if (git_index_open(&s.index, staged->file->file) < 0)
			return cg_error_from_git("cannot read the index");
		s.file = NULL;
	}
	error = against_parents(out, &rd, &s, NULL, parents, nparents);
	if (!s.file)
		git_index_free(s.index);
	return error;
}

int cg_changes_trees_memo(cg_changes **out, git_repository *repo, cg_memo *memo,
                          git_tree *tree, git_tree *const *parents, size_t nparents)
{
	tree_reader rd = { repo, memo };
	git_tree *none = NULL;

	return against_parents(out, &rd, NULL, tree, nparents ? parents : &none,
	                       nparents ? nparents : 1);
}

size_t cg_changes_count(const cg_changes *changes)
{
	return changes->len;
}

const cg_change *cg_changes_get(const cg_changes *changes, size_t i)
{
	return i < changes->len ? &changes->items[i] : NULL;
}

void cg_changes_free(cg_changes *changes)
{
	size_t i;

	if (!changes)
		return;
	for (i = 0; i < changes->len; i++)
		free(changes->items[i].path);
	free(changes->items);
	free(changes);
}
