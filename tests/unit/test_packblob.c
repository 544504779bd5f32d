/* Unit tests of lib/packblob.c: every version of a growing file, stored
 * whole and as deltas (OFS and REF) by git itself, reads the same through
 * the module and through libgit2; a damaged pack or index gives libgit2's
 * answer or a clean error; hostile entries and deltas never give bytes;
 * the indexes are mapped as lib/packmap.c can let them go. */
#define _XOPEN_SOURCE 700

#include "scratch.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <git2.h>

#include "buf.h"
#include "git2compat.h"
#include "packblob.h"

#define NVERSIONS 12

typedef struct {
	char root[4096];
	char dir[4200];
	git_repository *repo;
	cg_buf text[NVERSIONS + 1]; /* the versions, then the loose blob */
	git_oid id[NVERSIONS + 1];
} fixture;

static int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int run(const char *fmt, ...)
{
	cg_buf cmd = CG_BUF_INIT;
	va_list ap;
	int status;

	va_start(ap, fmt);
	cg_buf_vprintf(&cmd, fmt, ap);
	va_end(ap);
	cg_buf_puts(&cmd, " >/dev/null 2>&1");
	status = system(cmd.ptr);
	cg_buf_dispose(&cmd);
	return status == 0 ? 0 : -1;
}

/* Version k: a CHANGELOG with entries added at the top and, every fourth
 * version, a heading rewritten, as a project's grows. */
static void make_version(cg_buf *out, int k)
{
	int i;

	cg_buf_puts(out, "# Changelog\n\n");
	for (i = 40 * k + 300; i >= 0; i--) {
		if (i % 50 == 0)
			cg_buf_printf(out, "## %s 1.%d.0\n", (k / 4) % 2 ? "Release" : "Version", i / 50);
		cg_buf_printf(out, "- 2026-01-%02dT10:%02d:00Z entry %d: the change number %d, "
		              "described at some length\n", 1 + i % 28, i % 60, i, i * 7919 % 10007);
	}
}

static int write_file(const char *path, const cg_buf *b)
{
	FILE *fp = fopen(path, "wb");
	int ok = fp && fwrite(b->ptr, 1, b->size, fp) == b->size;

	return (fp && fclose(fp) == 0 && ok) ? 0 : -1;
}

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	cg_buf path = CG_BUF_INIT;
	int k, error = 0;

	*state = f;
	git_libgit2_init();
	if (scratch_make(f->root, sizeof(f->root), "packblob") < 0)
		return -1;
	scratch_git_env(f->root, NULL);
	if (scratch_repo(f->dir, sizeof(f->dir), f->root, "repo", "true") < 0)
		return -1;
	cg_buf_printf(&path, "%s/CHANGELOG.md", f->dir);
	for (k = 0; k < NVERSIONS && !error; k++) {
		f->text[k] = (cg_buf)CG_BUF_INIT;
		make_version(&f->text[k], k);
		error = write_file(path.ptr, &f->text[k]) ||
		        run("cd '%s' && git add CHANGELOG.md && git commit -qm v%d", f->dir, k) ||
		        git_odb_hash(&f->id[k], f->text[k].ptr, f->text[k].size, GIT_OBJECT_BLOB);
	}
	cg_buf_dispose(&path);
	f->text[NVERSIONS] = (cg_buf)CG_BUF_INIT;
	cg_buf_puts(&f->text[NVERSIONS], "a loose object, never packed\n");
	if (error || git_repository_open(&f->repo, f->dir) < 0 ||
	    git_blob_create_from_buffer(&f->id[NVERSIONS], f->repo, f->text[NVERSIONS].ptr,
	                                f->text[NVERSIONS].size) < 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	int k;

	for (k = 0; k <= NVERSIONS; k++)
		cg_buf_dispose(&f->text[k]);
	git_repository_free(f->repo);
	scratch_remove(f->root);
	free(f);
	git_libgit2_shutdown();
	return 0;
}

/* How many versions the pack stores as deltas, by git's own account. */
static int count_deltas(const fixture *f)
{
	char cmd[8192], line[256];
	FILE *fp;
	int n = 0, k;

	snprintf(cmd, sizeof(cmd), "cd '%s' && for id in", f->dir);
	for (k = 0; k < NVERSIONS; k++) {
		char hex[GIT_OID_SHA1_HEXSIZE + 1];
		git_oid_tostr(hex, sizeof(hex), &f->id[k]);
		strcat(strcat(cmd, " "), hex);
	}
	strcat(cmd, "; do echo $id; done | git cat-file --batch-check='%(deltabase)'");
	assert_non_null(fp = popen(cmd, "r"));
	while (fgets(line, sizeof(line), fp))
		n += strncmp(line, "0000000000000000000000000000000000000000", 40) != 0;
	assert_int_equal(pclose(fp), 0);
	return n;
}

/* Reads blob k through the module; checks it against its text and, when
 * `packed` is 0 or 1, where it came from. */
static void check_read(const fixture *f, cg_packblob *pb, int k, int packed)
{
	cg_packblob_ref *ref = NULL;
	git_blob *blob = NULL;

	assert_int_equal(cg_packblob_read(&ref, pb, &f->id[k]), 0);
	assert_int_equal(cg_packblob_ref_size(ref), f->text[k].size);
	assert_memory_equal(cg_packblob_ref_data(ref), f->text[k].ptr, f->text[k].size);
	assert_int_equal(git_blob_lookup(&blob, f->repo, &f->id[k]), 0);
	assert_int_equal((size_t)git_blob_rawsize(blob), cg_packblob_ref_size(ref));
	assert_memory_equal(git_blob_rawcontent(blob), cg_packblob_ref_data(ref),
	                    cg_packblob_ref_size(ref));
	if (packed >= 0)
		assert_int_equal(cg_packblob_ref_packed(ref), packed);
	git_blob_free(blob);
	cg_packblob_ref_free(ref);
}

/* The orders a walk reads versions in: newest first (each older one a
 * delta of the one just read), oldest first (every chain from its start),
 * and each twice (the second from the cache). */
static const int orders[][2 * NVERSIONS] = {
	{ 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0, -1 },
	{ 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, -1 },
	{ 11, 11, 5, 5, 0, 0, 10, 10, 3, 3, -1 },
};

static const struct {
	const char *name, *repack;
} packings[] = {
	{ "deltas by offset", "git repack -adfq" },
	{ "deltas by id", "git -c repack.useDeltaBaseOffset=false repack -adfq" },
	{ "deltas by offset, positions by offset in a .rev file",
	  "git -c pack.writeReverseIndex=true repack -adfq && ls .git/objects/pack/*.rev" },
};

static void test_versions_read_as_libgit2_reads_them(void **state)
{
	fixture *f = *state;
	size_t i, o;

	for (i = 0; i < ARRAY_SIZE(packings); i++) {
		print_message("%s\n", packings[i].name);
		assert_int_equal(run("cd '%s' && %s", f->dir, packings[i].repack), 0);
		assert_true(count_deltas(f) >= NVERSIONS / 2);
		for (o = 0; o < ARRAY_SIZE(orders); o++) {
			cg_packblob *pb = NULL;
			const int *k;
			assert_int_equal(cg_packblob_open(&pb, f->repo), 0);
			for (k = orders[o]; *k >= 0; k++)
				check_read(f, pb, *k, 1);
			check_read(f, pb, NVERSIONS, 0); /* loose: libgit2's */
			cg_packblob_close(pb);
		}
	}
}

/* --- a damaged pack or index ------------------------------------------ */

typedef struct {
	char pack[4400], idx[4400];
	uint64_t offset[NVERSIONS], packed[NVERSIONS];
	int depth[NVERSIONS];
} pack_files;

/* The copy's pack and index, and where each version's entry is. */
static void find_entries(const fixture *f, const char *copy, pack_files *pf)
{
	char cmd[9000], line[512], hex[GIT_OID_SHA1_HEXSIZE + 1];
	FILE *fp;
	int k;

	snprintf(cmd, sizeof(cmd), "ls '%s'/.git/objects/pack/*.pack", copy);
	assert_non_null(fp = popen(cmd, "r"));
	assert_non_null(fgets(pf->pack, sizeof(pf->pack), fp));
	pclose(fp);
	pf->pack[strcspn(pf->pack, "\n")] = '\0';
	snprintf(pf->idx, sizeof(pf->idx), "%.*s.idx", (int)strlen(pf->pack) - 5, pf->pack);
	memset(pf->depth, 0xff, sizeof(pf->depth));
	snprintf(cmd, sizeof(cmd), "git verify-pack -v '%s'", pf->idx);
	assert_non_null(fp = popen(cmd, "r"));
	while (fgets(line, sizeof(line), fp)) {
		char id[64], type[16];
		unsigned long long size, packed, offset;
		int depth = 0, n = sscanf(line, "%63s %15s %llu %llu %llu %d", id, type, &size, &packed,
		                          &offset, &depth);
		for (k = 0; n >= 5 && k < NVERSIONS; k++)
			if (!strcmp(id, git_oid_tostr(hex, sizeof(hex), &f->id[k]))) {
				pf->offset[k] = offset;
				pf->packed[k] = packed;
				pf->depth[k] = n == 6 ? depth : 0;
			}
	}
	pclose(fp);
	for (k = 0; k < NVERSIONS; k++)
		assert_true(pf->depth[k] >= 0);
}

/* A version stored whole (want_delta 0) or as a delta (1). */
static int pick_version(const pack_files *pf, int want_delta)
{
	int k;

	for (k = NVERSIONS - 1; k >= 0; k--)
		if ((pf->depth[k] > 0) == want_delta)
			return k;
	fail_msg("no version stored %s", want_delta ? "as a delta" : "whole");
	return -1;
}

static long file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

/* Where version k's CRC (crc 1) or offset (crc 0) is in the index. */
static long idx_field(const fixture *f, const pack_files *pf, int k, int crc)
{
	char *idx = scratch_read(pf->idx);
	uint32_t n, pos;

	assert_non_null(idx);
	n = cg_buf_be32((unsigned char *)idx + 8 + 255 * 4);
	for (pos = 0; pos < n; pos++)
		if (!memcmp(idx + 1032 + (size_t)pos * 20, f->id[k].id, 20))
			break;
	free(idx);
	assert_true(pos < n);
	return 1032 + (long)n * 20 + (crc ? 0 : (long)n * 4) + (long)pos * 4;
}

static void flip(const char *path, long at, unsigned char mask)
{
	FILE *fp = fopen(path, "r+b");
	int c;

	assert_non_null(fp);
	assert_int_equal(fseek(fp, at, SEEK_SET), 0);
	assert_true((c = fgetc(fp)) != EOF);
	assert_int_equal(fseek(fp, at, SEEK_SET), 0);
	assert_int_equal(fputc(c ^ mask, fp), c ^ mask);
	assert_int_equal(fclose(fp), 0);
}

enum damage { IDX_CRC, IDX_OFFSET, IDX_MAGIC, DATA, ADLER, SIZE_HEADER, TRUNCATED };
enum outcome { ANY, PACKED, FALLBACK, ERROR };

static const struct {
	const char *name;
	enum damage damage;
	int delta;             /* the version damaged: one stored as a delta, or whole */
	enum outcome expect;   /* for it; every other read only gives the right bytes */
} damages[] = {
	{ "the index's CRC of a whole version", IDX_CRC, 0, FALLBACK },
	{ "the index's CRC of a delta", IDX_CRC, 1, FALLBACK },
	{ "the index's offset of a whole version", IDX_OFFSET, 0, ERROR },
	{ "the index's offset of a delta", IDX_OFFSET, 1, ERROR },
	{ "the index's magic", IDX_MAGIC, 0, ANY },
	{ "a whole version's deflate data", DATA, 0, ERROR },
	{ "a delta's deflate data", DATA, 1, ERROR },
	{ "a whole version's adler32", ADLER, 0, ERROR },
	{ "a delta's adler32", ADLER, 1, ERROR },
	{ "a whole version's size", SIZE_HEADER, 0, ERROR },
	{ "a delta's size", SIZE_HEADER, 1, ERROR },
	{ "the pack cut in half", TRUNCATED, 0, ANY },
};

static void damage(const fixture *f, const pack_files *pf, size_t i, int k)
{
	switch (damages[i].damage) {
	case IDX_CRC:
		flip(pf->idx, idx_field(f, pf, k, 1), 0x01);
		break;
	case IDX_OFFSET: /* onto the next version's entry */
		flip(pf->idx, idx_field(f, pf, k, 0) + 3,
		     (unsigned char)((pf->offset[k] ^ pf->offset[k ? k - 1 : k + 1]) & 0xff));
		break;
	case IDX_MAGIC:
		flip(pf->idx, 1, 0x20);
		break;
	case DATA:
		flip(pf->pack, (long)(pf->offset[k] + pf->packed[k] / 2), 0x10);
		break;
	case ADLER:
		flip(pf->pack, (long)(pf->offset[k] + pf->packed[k] - 1), 0x01);
		break;
	case SIZE_HEADER:
		flip(pf->pack, (long)pf->offset[k], 0x01);
		break;
	case TRUNCATED:
		assert_int_equal(truncate(pf->pack, file_size(pf->pack) / 2), 0);
		break;
	}
}

/* Reads every version of the damaged copy: right bytes or an error, and
 * for the damaged one the outcome the table says. */
static void check_damaged(const fixture *f, const char *copy, size_t i, int damaged)
{
	git_repository *repo = NULL;
	cg_packblob *pb = NULL;
	int k;

	assert_int_equal(git_repository_open(&repo, copy), 0);
	assert_int_equal(cg_packblob_open(&pb, repo), 0);
	for (k = NVERSIONS - 1; k >= 0; k--) {
		cg_packblob_ref *ref = NULL;
		int rc = cg_packblob_read(&ref, pb, &f->id[k]);
		if (rc == 0) {
			assert_int_equal(cg_packblob_ref_size(ref), f->text[k].size);
			assert_memory_equal(cg_packblob_ref_data(ref), f->text[k].ptr, f->text[k].size);
		}
		if (k == damaged && damages[i].expect == FALLBACK)
			assert_true(rc == 0 && !cg_packblob_ref_packed(ref));
		if (k == damaged && damages[i].expect == ERROR)
			assert_true(rc < 0 && !ref);
		cg_packblob_ref_free(ref);
	}
	cg_packblob_close(pb);
	git_repository_free(repo);
}

static void test_damaged_pack_gives_libgit2s_answer(void **state)
{
	fixture *f = *state;
	char copy[4300], pack[4400], idx[4400];
	pack_files pf;
	size_t i;

	snprintf(copy, sizeof(copy), "%s/damaged", f->root);
	assert_int_equal(run("cd '%s' && git repack -adfq", f->dir), 0);
	find_entries(f, f->dir, &pf);
	strcpy(pack, pf.pack);
	strcpy(idx, pf.idx);
	snprintf(pf.pack, sizeof(pf.pack), "%s/.git/objects/pack/%s", copy, strrchr(pack, '/') + 1);
	snprintf(pf.idx, sizeof(pf.idx), "%s/.git/objects/pack/%s", copy, strrchr(idx, '/') + 1);
	for (i = 0; i < ARRAY_SIZE(damages); i++) {
		int k = pick_version(&pf, damages[i].delta);
		print_message("%s\n", damages[i].name);
		assert_int_equal(run("rm -rf '%s' && cp -R '%s' '%s' && chmod -R u+w '%s'", copy,
		                     f->dir, copy, copy), 0);
		damage(f, &pf, i, k);
		check_damaged(f, copy, i, k);
	}
}

/* --- hostile entries and deltas, in a pack written here ----------------- */

static uint32_t crc32_of(const unsigned char *p, size_t n)
{
	uint32_t crc = 0xffffffffu;
	int bit;

	while (n--)
		for (crc ^= *p++, bit = 0; bit < 8; bit++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1)));
	return ~crc;
}

/* `data` as a zlib stream of one stored block, with its adler32. */
static void put_zlib(cg_buf *b, const char *data, size_t n)
{
	uint32_t s1 = 1, s2 = 0;
	size_t i;
	unsigned char head[7] = { 0x78, 0x01, 0x01, (unsigned char)n, (unsigned char)(n >> 8),
	                          (unsigned char)~n, (unsigned char)(~n >> 8) };

	cg_buf_put(b, head, sizeof(head));
	cg_buf_put(b, data, n);
	for (i = 0; i < n; i++) {
		s1 = (s1 + (unsigned char)data[i]) % 65521;
		s2 = (s2 + s1) % 65521;
	}
	cg_buf_putc(b, (char)(s2 >> 8));
	cg_buf_putc(b, (char)s2);
	cg_buf_putc(b, (char)(s1 >> 8));
	cg_buf_putc(b, (char)s1);
}

static void put_type_size(cg_buf *b, int type, uint64_t size)
{
	unsigned char c = (unsigned char)(type << 4 | (size & 15));

	for (size >>= 4; size; size >>= 7) {
		cg_buf_putc(b, (char)(c | 0x80));
		c = size & 0x7f;
	}
	cg_buf_putc(b, (char)c);
}

/* git's distance back to an OFS_DELTA's base. */
static void put_ofs(cg_buf *b, uint64_t back)
{
	unsigned char out[16];
	size_t i = sizeof(out);

	out[--i] = back & 0x7f;
	while (back >>= 7)
		out[--i] = 0x80 | (--back & 0x7f);
	cg_buf_put(b, out + i, sizeof(out) - i);
}

static void put_be32(cg_buf *b, uint32_t v)
{
	unsigned char p[4] = { (unsigned char)(v >> 24), (unsigned char)(v >> 16),
	                       (unsigned char)(v >> 8), (unsigned char)v };
	cg_buf_put(b, p, 4);
}

#define BASE "0123456789abcdef"
#define RESULT "4567wxyz"
#define D(s) s, sizeof(s) - 1

enum link { OFS, OFS_PAST_START, OFS_INTO_ENTRY, REF, REF_UNKNOWN, WHOLE_BLOB, WHOLE_COMMIT };
enum index_damage { NONE, WRONG_CRC, BAD_LARGE_OFFSET };

/* The target's entry (id: RESULT's) after the base's (BASE): a delta of
 * it, or a whole object, with what it declares and what it holds. */
static const struct {
	const char *name;
	enum link link;
	const char *data;      /* the delta (its two sizes first), or the object */
	size_t len;
	int size_off;          /* added to the entry header's size */
	enum index_damage idx;
	enum outcome expect;
} crafted[] = {
	{ "a delta by offset", OFS, D("\x10\x08\x91\x04\x04\x04wxyz"), 0, NONE, PACKED },
	{ "a delta by id", REF, D("\x10\x08\x91\x04\x04\x04wxyz"), 0, NONE, PACKED },
	{ "a blob whole", WHOLE_BLOB, D(RESULT), 0, NONE, PACKED },
	{ "a wrong CRC", OFS, D("\x10\x08\x91\x04\x04\x04wxyz"), 0, WRONG_CRC, FALLBACK },
	{ "a 64-bit offset past its table", OFS, D("\x10\x08\x91\x04\x04\x04wxyz"), 0,
	  BAD_LARGE_OFFSET, ERROR },
	{ "a copy past the base's end", OFS, D("\x10\x08\x91\x0e\x04\x04wxyz"), 0, NONE, ERROR },
	{ "a copy from offset 2^32-1", OFS, D("\x10\x08\x9f\xff\xff\xff\xff\x04\x04wxyz"), 0,
	  NONE, ERROR },
	{ "a copy past the result's end", OFS, D("\x10\x04\x91\x00\x08"), 0, NONE, ERROR },
	{ "an insert past the result's end", OFS, D("\x10\x04\x08wxyzwxyz"), 0, NONE, ERROR },
	{ "the reserved command 0", OFS, D("\x10\x08\x91\x04\x04\x00\x04wxyz"), 0, NONE, ERROR },
	{ "a result shorter than declared", OFS, D("\x10\x0a\x91\x04\x04\x04wxyz"), 0, NONE,
	  ERROR },
	{ "a base size that is not the base's", OFS, D("\x0f\x08\x91\x04\x04\x04wxyz"), 0, NONE,
	  ERROR },
	{ "a copy's arguments cut off", OFS, D("\x10\x08\x04wxyz\x91\x04"), 0, NONE, ERROR },
	{ "an insert cut off", OFS, D("\x10\x08\x91\x04\x04\x08wxyz"), 0, NONE, ERROR },
	{ "a result of 2^35 bytes", OFS, D("\x10\x80\x80\x80\x80\x80\x01"), 0, NONE, ERROR },
	{ "a size of more than 64 bits", OFS,
	  D("\x10\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"), 0, NONE, ERROR },
	{ "a base before the pack's start", OFS_PAST_START, D("\x10\x08\x91\x04\x04\x04wxyz"),
	  0, NONE, ERROR },
	{ "a base inside an entry", OFS_INTO_ENTRY, D("\x10\x08\x91\x04\x04\x04wxyz"), 0, NONE,
	  ERROR },
	{ "a base not in the pack", REF_UNKNOWN, D("\x10\x08\x91\x04\x04\x04wxyz"), 0, NONE,
	  ERROR },
	{ "an entry larger than its data", WHOLE_BLOB, D(RESULT), 1, NONE, ERROR },
	{ "an entry smaller than its data", WHOLE_BLOB, D(RESULT), -1, NONE, ERROR },
	{ "a delta larger than its data", OFS, D("\x10\x08\x91\x04\x04\x04wxyz"), 1, NONE, ERROR },
	{ "a commit, not a blob", WHOLE_COMMIT, D(RESULT), 0, NONE, ERROR },
};

typedef struct {
	git_oid id[2];         /* the base's, the target's */
	uint64_t offset[2];
	uint32_t crc[2];
} written;

static void put_target(cg_buf *pack, size_t i, const written *w)
{
	static const unsigned char unknown[20] = { 0x42 };
	enum link link = crafted[i].link;
	int type = link == WHOLE_BLOB ? 3 : link == WHOLE_COMMIT ? 1 : link >= REF ? 7 : 6;

	put_type_size(pack, type, crafted[i].len + (size_t)crafted[i].size_off);
	if (link == OFS || link == OFS_PAST_START || link == OFS_INTO_ENTRY)
		put_ofs(pack, w->offset[1] - w->offset[0] + (link == OFS_PAST_START ? 100 : 0) -
		              (link == OFS_INTO_ENTRY ? 2 : 0));
	if (link == REF || link == REF_UNKNOWN)
		cg_buf_put(pack, link == REF ? w->id[0].id : unknown, 20);
	put_zlib(pack, crafted[i].data, crafted[i].len);
}

static void write_index(const char *path, size_t i, const written *w)
{
	cg_buf idx = CG_BUF_INIT;
	int first = memcmp(w->id[0].id, w->id[1].id, 20) < 0 ? 0 : 1, j, byte;
	FILE *fp;

	cg_buf_put(&idx, "\377tOc\0\0\0\2", 8);
	for (byte = 0; byte < 256; byte++)
		put_be32(&idx, (uint32_t)((w->id[0].id[0] <= byte) + (w->id[1].id[0] <= byte)));
	for (j = 0; j < 2; j++)
		cg_buf_put(&idx, w->id[j ^ first].id, 20);
	for (j = 0; j < 2; j++)
		put_be32(&idx, w->crc[j ^ first] ^ (crafted[i].idx == WRONG_CRC && (j ^ first) ? 1 : 0));
	for (j = 0; j < 2; j++)
		put_be32(&idx, crafted[i].idx == BAD_LARGE_OFFSET && (j ^ first) ? 0x80000005u
		                                                               : (uint32_t)w->offset[j ^ first]);
	cg_buf_put(&idx, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"
	                 "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 40);
	assert_non_null(fp = fopen(path, "wb"));
	assert_int_equal(fwrite(idx.ptr, 1, idx.size, fp), idx.size);
	assert_int_equal(fclose(fp), 0);
	cg_buf_dispose(&idx);
}

/* pack-<i>.pack and .idx in `objects`/pack: the base, then the target. */
static void write_crafted(const char *objects, size_t i, written *w)
{
	cg_buf pack = CG_BUF_INIT, path = CG_BUF_INIT;
	FILE *fp;

	assert_int_equal(git_odb_hash(&w->id[0], BASE, 16, GIT_OBJECT_BLOB), 0);
	assert_int_equal(git_odb_hash(&w->id[1], RESULT, 8, GIT_OBJECT_BLOB), 0);
	cg_buf_put(&pack, "PACK\0\0\0\2\0\0\0\2", 12);
	w->offset[0] = pack.size;
	put_type_size(&pack, 3, 16);
	put_zlib(&pack, BASE, 16);
	w->offset[1] = pack.size;
	put_target(&pack, i, w);
	w->crc[0] = crc32_of((unsigned char *)pack.ptr + w->offset[0], w->offset[1] - w->offset[0]);
	w->crc[1] = crc32_of((unsigned char *)pack.ptr + w->offset[1], pack.size - w->offset[1]);
	cg_buf_put(&pack, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 20);
	cg_buf_printf(&path, "%s/pack/pack-%zu.pack", objects, i);
	assert_non_null(fp = fopen(path.ptr, "wb"));
	assert_int_equal(fwrite(pack.ptr, 1, pack.size, fp), pack.size);
	assert_int_equal(fclose(fp), 0);
	cg_buf_truncate(&path, path.size - 4);
	cg_buf_puts(&path, "idx");
	write_index(path.ptr, i, w);
	cg_buf_dispose(&pack);
	cg_buf_dispose(&path);
}

static void test_hostile_entries_give_no_bytes(void **state)
{
	fixture *f = *state;
	char dir[4300], objects[4400];
	size_t i;

	snprintf(dir, sizeof(dir), "%s/crafted", f->root);
	snprintf(objects, sizeof(objects), "%s/objects", dir);
	assert_int_equal(run("git init -q --bare '%s'", dir), 0);
	for (i = 0; i < ARRAY_SIZE(crafted); i++) {
		git_repository *repo = NULL;
		cg_packblob *pb = NULL;
		cg_packblob_ref *ref = NULL;
		written w;
		int rc;
		print_message("%s\n", crafted[i].name);
		assert_int_equal(run("rm -f '%s'/objects/pack/*", dir), 0);
		write_crafted(objects, i, &w);
		assert_int_equal(git_repository_open(&repo, dir), 0);
		assert_int_equal(cg_packblob_open(&pb, repo), 0);
		rc = cg_packblob_read(&ref, pb, &w.id[1]);
		if (crafted[i].expect == ERROR) {
			assert_true(rc < 0 && !ref);
		} else {
			assert_int_equal(rc, 0);
			assert_int_equal(cg_packblob_ref_size(ref), 8);
			assert_memory_equal(cg_packblob_ref_data(ref), RESULT, 8);
			assert_int_equal(cg_packblob_ref_packed(ref), crafted[i].expect == PACKED);
		}
		cg_packblob_ref_free(ref);
		cg_packblob_close(pb);
		git_repository_free(repo);
	}
}

/* --- the quarantine's packs -------------------------------------------- */

/* In a pre-receive hook the pushed objects wait in a directory git names
 * in the environment, the repository's own objects as an alternate. */
static const struct {
	const char *variable;
	const char *before;    /* what the value holds before the other repository's objects */
	const char *after;
} environments[] = {
	{ "GIT_OBJECT_DIRECTORY", "", "" },
	{ "GIT_ALTERNATE_OBJECT_DIRECTORIES", "/nonexistent:", "" },
	/* as git writes a path with ':' in it */
	{ "GIT_ALTERNATE_OBJECT_DIRECTORIES", "/nonexistent:\"", "\":/nonexistent" },
};

static void test_packs_named_by_the_environment(void **state)
{
	fixture *f = *state;
	char other[4300], value[4500];
	cg_buf text = CG_BUF_INIT;
	git_oid id;
	size_t i;

	snprintf(other, sizeof(other), "%s/other", f->root);
	make_version(&text, NVERSIONS + 3);
	assert_int_equal(git_odb_hash(&id, text.ptr, text.size, GIT_OBJECT_BLOB), 0);
	assert_int_equal(run("git init -q '%s'", other), 0);
	assert_int_equal(write_file(strcat(strcpy(value, other), "/CHANGELOG.md"), &text), 0);
	assert_int_equal(run("cd '%s' && git add CHANGELOG.md && git commit -qm one && git repack -adq",
	                     other), 0);
	for (i = 0; i < ARRAY_SIZE(environments); i++) {
		cg_packblob *pb = NULL;
		cg_packblob_ref *ref = NULL;
		char objects[4400];
		print_message("%s\n", environments[i].variable);
		snprintf(objects, sizeof(objects), "%s/.git/objects", other);
		snprintf(value, sizeof(value), "%s%s%s", environments[i].before, objects,
		         environments[i].after);
		setenv(environments[i].variable, value, 1);
		assert_int_equal(cg_packblob_open(&pb, f->repo), 0);
		unsetenv(environments[i].variable);
		assert_int_equal(cg_packblob_read(&ref, pb, &id), 0);
		assert_int_equal(cg_packblob_ref_packed(ref), 1);
		assert_int_equal(cg_packblob_ref_size(ref), text.size);
		assert_memory_equal(cg_packblob_ref_data(ref), text.ptr, text.size);
		cg_packblob_ref_free(ref);
		cg_packblob_close(pb);
	}
	cg_buf_dispose(&text);
}

/* How many of this process's mappings name a file under `dir` whose name
 * ends in `suffix` ("" for any), and how many of those are read-only and
 * shared. */
static void count_mappings(const char *dir, const char *suffix, int *all, int *shared)
{
	FILE *maps = fopen("/proc/self/maps", "r");
	char line[8192];
	size_t n, len = strlen(suffix);

	assert_non_null(maps);
	*all = *shared = 0;
	while (fgets(line, sizeof(line), maps)) {
		n = strcspn(line, "\n");
		if (!strstr(line, dir) || n < len || strncmp(line + n - len, suffix, len))
			continue;
		(*all)++;
		*shared += strstr(line, " r--s ") != NULL;
	}
	fclose(maps);
}

/* The reader maps a pack's index and reverse index read-only and shared,
 * as libgit2 maps the pack: only such mappings hold nothing but the page
 * cache's pages, which lib/packmap.c lets go of along a long check. */
static void test_indexes_mapped_shared(void **state)
{
	fixture *f = *state;
	cg_packblob *pb = NULL;
	char *objects;
	cg_buf path = CG_BUF_INIT;
	int all, shared;

	assert_int_equal(run("cd '%s' && git -c pack.writeReverseIndex=true repack -adfq", f->dir), 0);
	cg_buf_printf(&path, "%s/.git/objects/pack", f->dir);
	assert_non_null(objects = realpath(path.ptr, NULL));
	assert_int_equal(cg_packblob_open(&pb, f->repo), 0);
	check_read(f, pb, NVERSIONS - 1, 1);
	/* Ours, the .idx and the .rev, among libgit2's; all shared. */
	count_mappings(objects, ".idx", &all, &shared);
	assert_true(all >= 1);
	count_mappings(objects, ".rev", &all, &shared);
	assert_true(all >= 1);
	count_mappings(objects, "", &all, &shared);
	assert_int_equal(shared, all);
	cg_packblob_close(pb);
	free(objects);
	cg_buf_dispose(&path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_versions_read_as_libgit2_reads_them),
		cmocka_unit_test(test_damaged_pack_gives_libgit2s_answer),
		cmocka_unit_test(test_hostile_entries_give_no_bytes),
		cmocka_unit_test(test_packs_named_by_the_environment),
		cmocka_unit_test(test_indexes_mapped_shared),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
