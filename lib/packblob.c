#include "packblob.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "buf.h"
#include "error.h"
#include "git2compat.h"
#include "objdirs.h"

/*
 * The pack format (git's Documentation/gitformat-pack.txt): an .idx of
 * version 2 holds a fan-out table of 256 counts, the sorted object ids,
 * a CRC32 of each object's packed bytes, 31-bit offsets whose top bit
 * points into a table of 64-bit ones, and two checksums. A .pack entry is
 * a type and size header, for a delta the base (a distance back, or an
 * id), then zlib data. Every offset, size and delta instruction read from
 * either file is checked before use: what fails a check is left to libgit2.
 */

#define OID_SIZE GIT_OID_SHA1_SIZE
#define IDX_FANOUT 8
#define IDX_OIDS (IDX_FANOUT + 256 * 4)
#define IDX_TRAILER (2 * OID_SIZE)
#define PACK_HEADER 12
#define PACK_TRAILER OID_SIZE
#define MAX_BYTES (256u << 20)  /* a larger blob or delta is left to libgit2 */
#define MAX_DEPTH 256           /* git's deepest chains are 4,095: left to libgit2 */
#define CHUNK (128u * 1024)     /* the pack is read this much at a time */
/* Decoded versions kept: a walk over history reads a CHANGELOG's versions
 * newest first, and after `git gc` each older one is a delta of one read
 * shortly before it; but git also makes one version the base of many (on
 * vagrant, of up to ten), and a merge's sides interleave. With 8 slots,
 * vagrant's 0.23 MB versions were decoded from their chain's start again
 * and again, and reading cost more than through libgit2 (which keeps
 * 16 MiB of bases). 64 slots under 16 MiB hold about 60 of those, 28 of
 * rubocop's 0.5 MB, 12 of rootlog's 1.2 MB; 32 MiB counted the same
 * instructions on all three and added 16 MB to rubocop's peak RSS. */
#define CACHE_SLOTS 64
#define CACHE_BYTES (16u << 20)

enum { OBJ_BLOB = 3, OBJ_OFS_DELTA = 6, OBJ_REF_DELTA = 7 };

typedef struct {
	int fd;
	uint64_t end;              /* where the entries end: the size less the trailer */
	unsigned char *idx;        /* the .idx, mapped */
	size_t idx_len;
	uint32_t count, large;     /* objects; 64-bit offsets */
	unsigned char *rev_file;   /* the .rev git wrote (positions by offset), mapped */
	size_t rev_len;
	uint32_t *rev;             /* or those positions sorted here, on first need */
} pack;

struct cg_packblob_ref {
	unsigned refs;
	git_blob *blob;            /* read by libgit2; else the bytes are `data` */
	unsigned char *data;
	size_t size, cap;
	size_t pack;               /* where a decoded version came from, for the cache */
	uint64_t offset;
};

struct cg_packblob {
	git_repository *repo;
	pack *packs;
	size_t npacks, apacks;
	cg_packblob_ref *cache[CACHE_SLOTS]; /* the most recent first */
	size_t cached_bytes;
	unsigned char *spare;      /* an evicted version's buffer, for the next */
	size_t spare_cap;
	unsigned char *delta;      /* the delta being applied */
	size_t delta_cap;
	z_stream z;
	unsigned char in[CHUNK];   /* the pack's bytes being read */
};

/* --- the .idx ---------------------------------------------------------- */

static uint32_t fanout(const pack *p, int byte)
{
	return byte < 0 ? 0 : cg_buf_be32(p->idx + IDX_FANOUT + 4 * (size_t)byte);
}

static const unsigned char *oid_at(const pack *p, uint32_t pos)
{
	return p->idx + IDX_OIDS + (size_t)pos * OID_SIZE;
}

static uint32_t crc_at(const pack *p, uint32_t pos)
{
	return cg_buf_be32(p->idx + IDX_OIDS + (size_t)p->count * OID_SIZE + (size_t)pos * 4);
}

/* The entry's offset, 0 when the .idx gives none inside the pack. */
static uint64_t offset_at(const pack *p, uint32_t pos)
{
	const unsigned char *off32 = p->idx + IDX_OIDS + (size_t)p->count * (OID_SIZE + 4);
	uint32_t v = cg_buf_be32(off32 + (size_t)pos * 4);
	uint64_t off = v;

	if (v & 0x80000000u) {
		const unsigned char *off64 = off32 + (size_t)p->count * 4 + 8 * (size_t)(v & 0x7fffffffu);
		if ((v & 0x7fffffffu) >= p->large)
			return 0;
		off = (uint64_t)cg_buf_be32(off64) << 32 | cg_buf_be32(off64 + 4);
	}
	return off >= PACK_HEADER && off < p->end ? off : 0;
}

static int find_oid(const pack *p, const unsigned char *id, uint32_t *pos)
{
	uint32_t lo = fanout(p, id[0] - 1), hi = fanout(p, id[0]);

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		int cmp = memcmp(id, oid_at(p, mid), OID_SIZE);
		if (!cmp) {
			*pos = mid;
			return 1;
		}
		if (cmp < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return 0;
}

/* One pass of a radix sort by a byte of the offsets `key`. */
static void sort_pass(uint64_t *key, uint32_t *pos, uint64_t *key_to, uint32_t *pos_to,
                      size_t n, unsigned shift)
{
	size_t start[256] = { 0 }, i;

	for (i = 0; i < n; i++)
		start[(key[i] >> shift) & 255]++;
	for (i = 1; i < 256; i++)
		start[i] += start[i - 1];
	for (i = n; i-- > 0;) {
		size_t to = --start[(key[i] >> shift) & 255];
		key_to[to] = key[i];
		pos_to[to] = pos[i];
	}
}

/* p->rev: the positions sorted by offset, for a pack without a .rev file
 * (git writes one since 2.41). Sorting the offsets themselves, not
 * positions by offsets read again from the .idx, took a third the time. */
static void build_rev(pack *p)
{
	size_t n = p->count, i;
	uint64_t *key = cg_malloc(n * 8), *key2 = cg_malloc(n * 8), *tk;
	uint32_t *pos = cg_malloc(n * 4), *pos2 = cg_malloc(n * 4), *tp;
	unsigned shift;

	for (i = 0; i < n; i++) {
		key[i] = offset_at(p, (uint32_t)i);
		pos[i] = (uint32_t)i;
	}
	for (shift = 0; shift < 64 && (p->end >> shift); shift += 8) {
		sort_pass(key, pos, key2, pos2, n, shift);
		tk = key, key = key2, key2 = tk;
		tp = pos, pos = pos2, pos2 = tp;
	}
	free(key);
	free(key2);
	free(pos2);
	p->rev = pos;
}

/* The position of the i-th entry by offset; p->count when out of range. */
static uint32_t rev_at(pack *p, uint32_t i)
{
	uint32_t pos;

	if (!p->rev_file && !p->rev)
		build_rev(p);
	pos = p->rev ? p->rev[i] : cg_buf_be32(p->rev_file + 12 + 4 * (size_t)i);
	return pos < p->count ? pos : p->count;
}

static int find_offset(pack *p, uint64_t off, uint32_t *pos)
{
	uint32_t lo = 0, hi = p->count;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2, at_pos = rev_at(p, mid);
		uint64_t at = at_pos < p->count ? offset_at(p, at_pos) : 0;
		if (at == off) {
			*pos = at_pos;
			return 1;
		}
		if (off < at)
			hi = mid;
		else
			lo = mid + 1;
	}
	return 0;
}

/* Whether the mapped .idx is one of version 2 that fits its pack's count. */
static int idx_valid(pack *p, uint32_t pack_count)
{
	static const unsigned char magic[] = { 0xff, 't', 'O', 'c', 0, 0, 0, 2 };
	size_t fixed;
	int i;

	if (p->idx_len < IDX_OIDS + IDX_TRAILER || memcmp(p->idx, magic, sizeof(magic)))
		return 0;
	for (i = 1; i < 256; i++)
		if (fanout(p, i) < fanout(p, i - 1))
			return 0;
	p->count = fanout(p, 255);
	fixed = IDX_OIDS + (size_t)p->count * (OID_SIZE + 8) + IDX_TRAILER;
	if (p->count != pack_count || p->count == 0 || p->idx_len < fixed ||
	    (p->idx_len - fixed) % 8 || (p->idx_len - fixed) / 8 > UINT32_MAX)
		return 0;
	p->large = (uint32_t)((p->idx_len - fixed) / 8);
	return 1;
}

/* --- opening the packs ------------------------------------------------- */

static void pack_close(pack *p)
{
	if (p->idx)
		munmap(p->idx, p->idx_len);
	if (p->rev_file)
		munmap(p->rev_file, p->rev_len);
	if (p->fd >= 0)
		close(p->fd);
	free(p->rev);
}

/* The object count of the .pack open on `fd`, 0 when it is no pack we read. */
static uint32_t pack_count(int fd, uint64_t *end)
{
	unsigned char h[PACK_HEADER];
	struct stat st;
	uint32_t version;

	if (fstat(fd, &st) < 0 || st.st_size < PACK_HEADER + PACK_TRAILER ||
	    pread(fd, h, sizeof(h), 0) != (ssize_t)sizeof(h) || memcmp(h, "PACK", 4))
		return 0;
	version = cg_buf_be32(h + 4);
	*end = (uint64_t)st.st_size - PACK_TRAILER;
	return version == 2 || version == 3 ? cg_buf_be32(h + 8) : 0;
}

static int map_file(const char *path, unsigned char **out, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	void *map = MAP_FAILED;

	if (fd >= 0 && fstat(fd, &st) == 0 && st.st_size > 0 && (uint64_t)st.st_size <= SIZE_MAX)
		/* Shared, as libgit2 maps them: the page cache's pages, which
		 * packmap.c lets go of along a long check. */
		map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	if (fd >= 0)
		close(fd);
	if (map == MAP_FAILED)
		return 0;
	*out = map;
	*len = (size_t)st.st_size;
	return 1;
}

/* The pack's .rev when it is one of version 1 for its `count` objects. */
static void map_rev(pack *p, cg_buf *path)
{
	static const unsigned char magic[] = { 'R', 'I', 'D', 'X', 0, 0, 0, 1, 0, 0, 0, 1 };

	cg_buf_truncate(path, path->size - 4);
	cg_buf_puts(path, "rev");
	if (map_file(path->ptr, &p->rev_file, &p->rev_len) &&
	    (p->rev_len != sizeof(magic) + 4 * (size_t)p->count + 2 * OID_SIZE ||
	     memcmp(p->rev_file, magic, sizeof(magic)))) {
		munmap(p->rev_file, p->rev_len);
		p->rev_file = NULL;
	}
}

/* Adds the pack whose index is `idx_path` (".idx"), when it is one we read. */
static void add_pack(cg_packblob *pb, cg_buf *idx_path)
{
	pack p = { -1, 0, NULL, 0, 0, 0, NULL, 0, NULL };
	uint32_t count = 0;

	if (map_file(idx_path->ptr, &p.idx, &p.idx_len)) {
		cg_buf_truncate(idx_path, idx_path->size - 3);
		cg_buf_puts(idx_path, "pack");
		if ((p.fd = open(idx_path->ptr, O_RDONLY | O_CLOEXEC)) >= 0)
			count = pack_count(p.fd, &p.end);
	}
	if (!count || !idx_valid(&p, count)) {
		pack_close(&p);
		return;
	}
	map_rev(&p, idx_path);
	pb->packs = cg_array_grow(pb->packs, &pb->apacks, pb->npacks + 1, sizeof(*pb->packs));
	pb->packs[pb->npacks++] = p;
}

/* The packs of an object directory (a cg_objdirs_each callback). */
static void add_pack_dir(const char *objects, void *payload)
{
	cg_packblob *pb = payload;
	cg_buf path = CG_BUF_INIT;
	DIR *dir;
	struct dirent *d;
	size_t len;

	cg_buf_printf(&path, "%s/pack/", objects);
	len = path.size;
	if (!(dir = opendir(path.ptr))) {
		cg_buf_dispose(&path);
		return;
	}
	while ((d = readdir(dir))) {
		size_t n = strlen(d->d_name);
		if (n <= 4 || strcmp(d->d_name + n - 4, ".idx"))
			continue;
		cg_buf_truncate(&path, len);
		cg_buf_puts(&path, d->d_name);
		add_pack(pb, &path);
	}
	closedir(dir);
	cg_buf_dispose(&path);
}

int cg_packblob_open(cg_packblob **out, git_repository *repo)
{
	cg_packblob *pb = cg_calloc(1, sizeof(*pb));

	*out = NULL;
	/* Raw deflate: the 2-byte zlib header is checked here, and zlib's
	 * adler32 of every inflated byte (a quarter of reading a 1 MB
	 * CHANGELOG) is left out for the idx's CRC32 of the packed bytes. */
	if (inflateInit2(&pb->z, -MAX_WBITS) != Z_OK) {
		free(pb);
		return cg_error_set(CG_ERROR, "cannot start zlib: out of memory");
	}
	pb->repo = repo;
	/* In a pre-receive hook, the pushed objects wait in the quarantine. */
	cg_objdirs_each(repo, add_pack_dir, pb);
	*out = pb;
	return 0;
}

/* --- refs and the cache ------------------------------------------------ */

void cg_packblob_ref_free(cg_packblob_ref *ref)
{
	if (!ref || --ref->refs)
		return;
	git_blob_free(ref->blob);
	free(ref->data);
	free(ref);
}

/* A decoded version of `size` bytes, in the spare buffer when it fits:
 * a walk's versions are about the same size, so one buffer serves many. */
static cg_packblob_ref *new_version(cg_packblob *pb, size_t size)
{
	cg_packblob_ref *r = cg_calloc(1, sizeof(*r));

	r->refs = 1;
	r->size = size;
	if (pb->spare && pb->spare_cap >= size + 1) {
		r->data = pb->spare;
		r->cap = pb->spare_cap;
		pb->spare = NULL;
		pb->spare_cap = 0; /* else no evicted buffer of that size is kept again */
	} else {
		r->cap = size + size / 8 + 1; /* room for the next, larger version */
		r->data = cg_malloc(r->cap);
	}
	return r;
}

/* Drops the cache's hold on slot `i`; its buffer becomes the spare when no
 * one else holds it. */
static void cache_drop(cg_packblob *pb, size_t i)
{
	cg_packblob_ref *r = pb->cache[i];

	pb->cache[i] = NULL;
	pb->cached_bytes -= r->cap;
	if (r->refs == 1 && r->cap > pb->spare_cap) {
		free(pb->spare);
		pb->spare = r->data;
		pb->spare_cap = r->cap;
		r->data = NULL;
	}
	cg_packblob_ref_free(r);
}

static void cache_add(cg_packblob *pb, cg_packblob_ref *r)
{
	size_t n = CACHE_SLOTS;

	if (pb->cache[CACHE_SLOTS - 1])
		cache_drop(pb, CACHE_SLOTS - 1);
	memmove(pb->cache + 1, pb->cache, (CACHE_SLOTS - 1) * sizeof(*pb->cache));
	pb->cache[0] = r;
	r->refs++;
	pb->cached_bytes += r->cap;
	while (pb->cached_bytes > CACHE_BYTES && --n > 0)
		if (pb->cache[n])
			cache_drop(pb, n);
}

static cg_packblob_ref *cache_find(cg_packblob *pb, size_t k, uint64_t offset)
{
	size_t i;

	for (i = 0; i < CACHE_SLOTS && pb->cache[i]; i++) {
		cg_packblob_ref *r = pb->cache[i];
		if (r->pack == k && r->offset == offset) {
			memmove(pb->cache + 1, pb->cache, i * sizeof(*pb->cache));
			pb->cache[0] = r;
			r->refs++;
			return r;
		}
	}
	return NULL;
}

void cg_packblob_close(cg_packblob *pb)
{
	size_t i;

	if (!pb)
		return;
	for (i = 0; i < CACHE_SLOTS; i++)
		if (pb->cache[i])
			cache_drop(pb, i);
	for (i = 0; i < pb->npacks; i++)
		pack_close(&pb->packs[i]);
	free(pb->packs);
	free(pb->spare);
	free(pb->delta);
	inflateEnd(&pb->z);
	free(pb);
}

/* --- reading an entry -------------------------------------------------- */

/* The pack's bytes from `at` on, read a chunk at a time into pb->in, and
 * the CRC32 of those consumed (git's idx holds it for the whole entry). */
typedef struct {
	const pack *p;
	unsigned char *buf;
	uint64_t at;               /* the offset of buf[0] */
	size_t len, pos, mark;     /* read, consumed, summed */
	uLong crc;
} cursor;

static void cursor_sum(cursor *c)
{
	c->crc = crc32(c->crc, c->buf + c->mark, (uInt)(c->pos - c->mark));
	c->mark = c->pos;
}

/* Lets go of pb->in (the base of a delta is read into it next): the
 * cursor reads again from where it stopped. */
static void cursor_release(cursor *c)
{
	cursor_sum(c);
	c->at += c->pos;
	c->len = c->pos = c->mark = 0;
}

static int cursor_fill(cursor *c)
{
	size_t want = CHUNK;
	ssize_t n;

	cursor_release(c);
	if (c->at >= c->p->end)
		return -1;
	if (c->p->end - c->at < want)
		want = (size_t)(c->p->end - c->at);
	if ((n = pread(c->p->fd, c->buf, want, (off_t)c->at)) <= 0)
		return -1;
	c->len = (size_t)n;
	return 0;
}

static int take(cursor *c, unsigned char *b)
{
	if (c->pos == c->len && cursor_fill(c) < 0)
		return -1;
	*b = c->buf[c->pos++];
	return 0;
}

/* The entry's type and size (a base-128 number, four bits in the first byte). */
static int read_type_size(cursor *c, int *type, uint64_t *size)
{
	unsigned char b;
	unsigned shift = 4;

	if (take(c, &b) < 0)
		return -1;
	*type = (b >> 4) & 7;
	*size = b & 15;
	while (b & 0x80) {
		if (shift > 32 || take(c, &b) < 0) /* far past MAX_BYTES */
			return -1;
		*size |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
	}
	return *size <= MAX_BYTES ? 0 : -1;
}

/* An OFS_DELTA's base: a distance back from `offset`, in git's own
 * base-128 (each continuation adds one, so no number has two spellings). */
static int read_ofs_base(cursor *c, pack *p, uint64_t offset, uint32_t *pos)
{
	unsigned char b;
	uint64_t back;

	if (take(c, &b) < 0)
		return -1;
	back = b & 0x7f;
	while (b & 0x80) {
		if (back >= (UINT64_MAX >> 7) - 1 || take(c, &b) < 0)
			return -1;
		back = ((back + 1) << 7) | (b & 0x7f);
	}
	if (back == 0 || back > offset - PACK_HEADER)
		return -1;
	return find_offset(p, offset - back, pos) ? 0 : -1;
}

static int read_ref_base(cursor *c, const pack *p, uint32_t *pos)
{
	unsigned char id[OID_SIZE];
	size_t i;

	for (i = 0; i < OID_SIZE; i++)
		if (take(c, &id[i]) < 0)
			return -1;
	return find_oid(p, id, pos) ? 0 : -1;
}

/* Inflates the entry's zlib data into exactly `size` bytes at `out`. */
static int inflate_entry(cg_packblob *pb, cursor *c, unsigned char *out, size_t size)
{
	unsigned char h[2], dummy, adler[4];
	size_t i;
	int rc = Z_OK;

	if (take(c, &h[0]) < 0 || take(c, &h[1]) < 0 || (h[0] & 0x0f) != Z_DEFLATED ||
	    (h[0] >> 4) > 7 || ((unsigned)h[0] << 8 | h[1]) % 31 || (h[1] & 0x20) ||
	    inflateReset(&pb->z) != Z_OK)
		return -1;
	pb->z.next_out = size ? out : &dummy; /* zlib refuses a NULL output */
	pb->z.avail_out = (uInt)size;
	while (rc == Z_OK) {
		if (c->pos == c->len && cursor_fill(c) < 0)
			return -1;
		pb->z.next_in = c->buf + c->pos;
		pb->z.avail_in = (uInt)(c->len - c->pos);
		rc = inflate(&pb->z, Z_NO_FLUSH);
		c->pos = (size_t)(pb->z.next_in - c->buf);
	}
	if (rc != Z_STREAM_END || pb->z.total_out != size)
		return -1;
	/* the adler32 trailer, unchecked: the CRC32 covers it */
	for (i = 0; i < sizeof(adler); i++)
		if (take(c, &adler[i]) < 0)
			return -1;
	return 0;
}

static int delta_size(const unsigned char **d, const unsigned char *end, uint64_t *out)
{
	unsigned shift = 0;
	unsigned char b;

	*out = 0;
	do {
		if (*d == end || shift > 63)
			return -1;
		b = *(*d)++;
		*out |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
	} while (b & 0x80);
	return 0;
}

/* A copy instruction's offset and length: the bytes its low bits name. */
static int copy_args(const unsigned char **d, const unsigned char *end, unsigned cmd,
                     uint64_t *off, uint64_t *len)
{
	unsigned i;

	*off = *len = 0;
	for (i = 0; i < 7; i++) {
		if (!(cmd & (1u << i)))
			continue;
		if (*d == end)
			return -1;
		if (i < 4)
			*off |= (uint64_t)*(*d)++ << (8 * i);
		else
			*len |= (uint64_t)*(*d)++ << (8 * (i - 4));
	}
	if (!*len)
		*len = 0x10000;
	return 0;
}

/* Applies the delta `d`..`end` (past its sizes) to `base`, into `out`. */
static int apply_delta(cg_packblob_ref *out, const cg_packblob_ref *base,
                       const unsigned char *d, const unsigned char *end)
{
	size_t at = 0;

	while (d < end) {
		unsigned cmd = *d++;
		uint64_t off, len;
		if (cmd & 0x80) {
			if (copy_args(&d, end, cmd, &off, &len) < 0 || off > base->size ||
			    len > base->size - off || len > out->size - at)
				return -1;
			memcpy(out->data + at, base->data + off, (size_t)len);
		} else {
			len = cmd;
			if (!cmd || len > (size_t)(end - d) || len > out->size - at)
				return -1;
			memcpy(out->data + at, d, (size_t)len);
			d += len;
		}
		at += (size_t)len;
	}
	return at == out->size ? 0 : -1;
}

static cg_packblob_ref *read_whole(cg_packblob *pb, cursor *c, size_t size)
{
	cg_packblob_ref *r = new_version(pb, size);

	if (inflate_entry(pb, c, r->data, size) == 0)
		return r;
	cg_packblob_ref_free(r);
	return NULL;
}

static cg_packblob_ref *read_delta(cg_packblob *pb, cursor *c, size_t size,
                                   const cg_packblob_ref *base)
{
	const unsigned char *d = pb->delta, *end = pb->delta + size;
	uint64_t base_size, result_size;
	cg_packblob_ref *r;

	if (pb->delta_cap < size + 1) {
		free(pb->delta);
		pb->delta_cap = size + size / 2 + 1;
		pb->delta = cg_malloc(pb->delta_cap);
		d = pb->delta, end = pb->delta + size;
	}
	if (inflate_entry(pb, c, pb->delta, size) < 0 || delta_size(&d, end, &base_size) < 0 ||
	    delta_size(&d, end, &result_size) < 0 || base_size != base->size ||
	    result_size > MAX_BYTES)
		return NULL;
	r = new_version(pb, (size_t)result_size);
	if (apply_delta(r, base, d, end) == 0)
		return r;
	cg_packblob_ref_free(r);
	return NULL;
}

/* The blob at position `pos` of pack `k`, decoded, or NULL: not a blob,
 * or anything read from the pack failed a check. */
static cg_packblob_ref *decode(cg_packblob *pb, size_t k, uint32_t pos, unsigned depth)
{
	pack *p = &pb->packs[k];
	uint64_t offset = offset_at(p, pos), size;
	cursor c = { p, pb->in, offset, 0, 0, 0, 0 };
	cg_packblob_ref *r = NULL, *base = NULL;
	uint32_t base_pos = 0;
	int type;

	if (!offset)
		return NULL;
	if ((r = cache_find(pb, k, offset)))
		return r;
	c.crc = crc32(0, NULL, 0);
	if (read_type_size(&c, &type, &size) < 0 ||
	    (type == OBJ_OFS_DELTA && read_ofs_base(&c, p, offset, &base_pos) < 0) ||
	    (type == OBJ_REF_DELTA && read_ref_base(&c, p, &base_pos) < 0))
		return NULL;
	cursor_release(&c);
	if (type == OBJ_BLOB)
		r = read_whole(pb, &c, (size_t)size);
	else if ((type == OBJ_OFS_DELTA || type == OBJ_REF_DELTA) && depth < MAX_DEPTH &&
	         (base = decode(pb, k, base_pos, depth + 1)))
		r = read_delta(pb, &c, (size_t)size, base);
	cg_packblob_ref_free(base);
	cursor_sum(&c);
	if (r && c.crc != crc_at(p, pos)) {
		cg_packblob_ref_free(r);
		r = NULL;
	}
	if (r) {
		r->pack = k;
		r->offset = offset;
		cache_add(pb, r);
	}
	return r;
}

/* --- reading a blob ---------------------------------------------------- */

void cg_packblob_ref_wrap(cg_packblob_ref **out, git_blob *blob)
{
	cg_packblob_ref *r = cg_calloc(1, sizeof(*r));

	r->refs = 1;
	r->blob = blob;
	*out = r;
}

int cg_packblob_read(cg_packblob_ref **out, cg_packblob *pb, const git_oid *oid)
{
	git_blob *blob;
	uint32_t pos;
	size_t k;

	*out = NULL;
	for (k = 0; k < pb->npacks && !*out; k++)
		if (find_oid(&pb->packs[k], oid->id, &pos))
			*out = decode(pb, k, pos, 0);
	if (*out)
		return 0;
	if (git_blob_lookup(&blob, pb->repo, oid) < 0)
		return cg_error_from_git("cannot read blob");
	cg_packblob_ref_wrap(out, blob);
	return 0;
}

const unsigned char *cg_packblob_ref_data(const cg_packblob_ref *ref)
{
	return ref->blob ? git_blob_rawcontent(ref->blob) : ref->data;
}

size_t cg_packblob_ref_size(const cg_packblob_ref *ref)
{
	return ref->blob ? (size_t)git_blob_rawsize(ref->blob) : ref->size;
}

int cg_packblob_ref_packed(const cg_packblob_ref *ref)
{
	return !ref->blob;
}
