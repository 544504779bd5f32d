#include "memo.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "git2compat.h"
#include "packblob.h"
#include "treeblobs.h"

/*
 * The walk's memo: a ring of objects, oldest out first, with buckets by
 * the id's first bytes so that a lookup costs a few comparisons.
 */
#define MEMO_BYTES (32u * 1024 * 1024)
#define MEMO_HEADERS 16
#define MEMO_UTF8 64

typedef struct {
	git_oid oid;
	size_t size;
	git_object_t type;
} header;

struct cg_memo {
	size_t slots;
	git_object **obj;
	git_oid *ids;              /* each object's id, read without reaching the object */
	size_t *weight;
	int *chain;                /* the next slot in the same bucket, -1: none */
	unsigned char *checked;    /* cg_memo_set_checked */
	int *bucket;               /* the first slot, -1: none */
	size_t buckets;            /* a power of two, twice the slots or more */
	size_t next, bytes;        /* `next`: the slot to fill, the oldest once full */
	header headers[MEMO_HEADERS]; /* cg_memo_header, a ring */
	size_t nheaders, next_header;
	git_oid utf8[MEMO_UTF8];   /* cg_memo_utf8_mark, a ring */
	size_t nutf8, next_utf8;
	cg_treeblobs *blobs;       /* cg_memo_treeblobs */
	cg_packblob *packs;        /* cg_memo_packblob */
};

cg_memo *cg_memo_new_sized(size_t slots)
{
	cg_memo *m = cg_calloc(1, sizeof(*m));

	m->slots = slots ? slots : 1;
	for (m->buckets = 2; m->buckets < 2 * m->slots; m->buckets *= 2)
		;
	m->obj = cg_calloc(m->slots, sizeof(*m->obj));
	m->ids = cg_calloc(m->slots, sizeof(*m->ids));
	m->weight = cg_calloc(m->slots, sizeof(*m->weight));
	m->chain = cg_calloc(m->slots, sizeof(*m->chain));
	m->checked = cg_calloc(m->slots, sizeof(*m->checked));
	m->bucket = cg_calloc(m->buckets, sizeof(*m->bucket));
	memset(m->chain, 0xff, m->slots * sizeof(*m->chain));
	memset(m->bucket, 0xff, m->buckets * sizeof(*m->bucket));
	return m;
}

cg_memo *cg_memo_new(void)
{
	return cg_memo_new_sized(CG_MEMO_SLOTS);
}

static size_t bucket_of(const cg_memo *m, const git_oid *oid)
{
	return ((size_t)oid->id[0] | (size_t)oid->id[1] << 8) & (m->buckets - 1);
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
	for (p = &m->bucket[bucket_of(m, &m->ids[i])]; *p != (int)i; p = &m->chain[*p])
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
	for (i = 0; i < memo->slots; i++)
		git_object_free(memo->obj[i]);
	cg_treeblobs_free(memo->blobs);
	cg_packblob_close(memo->packs);
	free(memo->obj);
	free(memo->ids);
	free(memo->weight);
	free(memo->chain);
	free(memo->checked);
	free(memo->bucket);
	free(memo);
}

/* The slot holding `oid`, or -1. The ids are compared in the memo's own
 * array: reaching each object's id, in objects spread over the heap,
 * missed the cache on most steps of a chain (memo_drop and slot_of were
 * 2.3% of history's time on rubocop). */
static int slot_of(const cg_memo *memo, const git_oid *oid)
{
	int i;

	for (i = memo ? memo->bucket[bucket_of(memo, oid)] : -1; i >= 0; i = memo->chain[i])
		if (!memcmp(memo->ids[i].id, oid->id, GIT_OID_SHA1_SIZE))
			return i;
	return -1;
}

void cg_memo_find(git_object **out, cg_memo *memo, const git_oid *oid)
{
	int i = slot_of(memo, oid);

	*out = NULL;
	if (i >= 0)
		git_object_dup(out, memo->obj[i]);
}

int cg_memo_checked(const cg_memo *memo, const git_object *obj)
{
	int i = slot_of(memo, git_object_id(obj));

	return i >= 0 && memo->checked[i];
}

void cg_memo_set_checked(cg_memo *memo, const git_object *obj)
{
	int i = slot_of(memo, git_object_id(obj));

	if (i >= 0)
		memo->checked[i] = 1;
}

cg_treeblobs *cg_memo_treeblobs(cg_memo *memo)
{
	if (!memo->blobs)
		memo->blobs = cg_treeblobs_new();
	return memo->blobs;
}

void cg_memo_keep(cg_memo *memo, git_object *obj)
{
	size_t w, i, b;

	if (!memo || (w = weight_of(obj)) > MEMO_BYTES / 4)
		return;
	memo_drop(memo, memo->next);
	for (i = 1; memo->bytes + w > MEMO_BYTES && i < memo->slots; i++)
		memo_drop(memo, (memo->next + i) % memo->slots);
	if (git_object_dup(&memo->obj[memo->next], obj) < 0) {
		memo->obj[memo->next] = NULL;
		return;
	}
	git_oid_cpy(&memo->ids[memo->next], git_object_id(obj));
	b = bucket_of(memo, &memo->ids[memo->next]);
	memo->weight[memo->next] = w;
	memo->checked[memo->next] = 0;
	memo->bytes += w;
	memo->chain[memo->next] = memo->bucket[b];
	memo->bucket[b] = (int)memo->next;
	memo->next = (memo->next + 1) % memo->slots;
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

int cg_memo_header(size_t *size, git_object_t *type, cg_memo *memo, git_repository *repo,
                   const git_oid *oid)
{
	git_odb *odb = NULL;
	header *h;
	size_t i;
	int error;

	for (i = 0; memo && i < memo->nheaders; i++)
		if (git_oid_equal(&memo->headers[i].oid, oid)) {
			*size = memo->headers[i].size;
			*type = memo->headers[i].type;
			return 0;
		}
	if ((error = git_repository_odb(&odb, repo)) == 0)
		error = git_odb_read_header(size, type, odb, oid);
	git_odb_free(odb);
	if (error < 0 || !memo)
		return error;
	h = &memo->headers[memo->next_header];
	git_oid_cpy(&h->oid, oid);
	h->size = *size;
	h->type = *type;
	memo->next_header = (memo->next_header + 1) % MEMO_HEADERS;
	if (memo->nheaders < MEMO_HEADERS)
		memo->nheaders++;
	return 0;
}

int cg_memo_utf8_known(const cg_memo *memo, const git_oid *oid)
{
	size_t i;

	for (i = 0; memo && i < memo->nutf8; i++)
		if (git_oid_equal(&memo->utf8[i], oid))
			return 1;
	return 0;
}

void cg_memo_utf8_mark(cg_memo *memo, const git_oid *oid)
{
	if (!memo || cg_memo_utf8_known(memo, oid))
		return;
	git_oid_cpy(&memo->utf8[memo->next_utf8], oid);
	memo->next_utf8 = (memo->next_utf8 + 1) % MEMO_UTF8;
	if (memo->nutf8 < MEMO_UTF8)
		memo->nutf8++;
}

cg_packblob *cg_memo_packblob(cg_memo *memo, git_repository *repo)
{
	if (!memo->packs && cg_packblob_open(&memo->packs, repo) < 0)
		return NULL;
	return memo->packs;
}
