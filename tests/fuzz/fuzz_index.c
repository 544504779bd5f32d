/*
 * fuzz_index: libFuzzer target for the hand-written index file reader
 * (cg_snapshot_from_index_file) and the cache-tree walk of cg_changes_staged_snapshot.
 *
 * The input is an index file, compared with a fixed HEAD tree: the seeds
 * were written by git for the same three files (see setup()), so their
 * cache-trees name its subtrees and mutated entry counts and ids reach the
 * fast path that trusts them.
 */
#include <git2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "changes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static git_repository *repo;
static git_tree *head;
static cg_buf index_path = CG_BUF_INIT;

/* One level of the fixed tree: files with their contents, then subtrees. */
static void build(git_oid *out, const char *const *files, const char *sub,
                  const git_oid *sub_id)
{
	git_treebuilder *tb = NULL;
	git_oid blob;

	if (git_treebuilder_new(&tb, repo, NULL) < 0)
		abort();
	for (; *files; files += 2) {
		if (git_blob_create_from_buffer(&blob, repo, files[1], strlen(files[1])) < 0 ||
		    git_treebuilder_insert(NULL, tb, files[0], &blob, GIT_FILEMODE_BLOB) < 0)
			abort();
	}
	if (sub && git_treebuilder_insert(NULL, tb, sub, sub_id, GIT_FILEMODE_TREE) < 0)
		abort();
	if (git_treebuilder_write(out, tb) < 0)
		abort();
	git_treebuilder_free(tb);
}

/* The tree of: a.c "a", dir/b.c "b", dir/sub/c.c "c" (each with a newline). */
static void setup(void)
{
	static const char *const top[] = { "a.c", "a\n", NULL };
	static const char *const mid[] = { "b.c", "b\n", NULL };
	static const char *const low[] = { "c.c", "c\n", NULL };
	char dir[] = "/tmp/cg-fuzz-index.XXXXXX";
	git_oid sub, d, root;

	git_libgit2_init();
	if (!mkdtemp(dir) || git_repository_init(&repo, dir, 1) < 0)
		abort();
	build(&sub, low, NULL, NULL);
	build(&d, mid, "sub", &sub);
	build(&root, top, "dir", &d);
	if (git_tree_lookup(&head, repo, &root) < 0)
		abort();
	cg_buf_printf(&index_path, "%s/fuzz-index", dir);
}

static void check(const cg_snapshot *s)
{
	static const char *const paths[] = { "a.c", "dir/b.c", "dir/sub/c.c", "zz", "" };
	git_tree *parents[2] = { head, NULL };
	cg_changes *changes = NULL;
	uint32_t mode;
	git_oid oid;

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		(void)cg_snapshot_lookup(s, paths[i], &oid, &mode);
	for (size_t k = 0; k < 2; k++) {
		if (cg_changes_staged_snapshot(&changes, s, &parents[k], 1) == 0)
			for (size_t i = 0; i < cg_changes_count(changes); i++)
				if (!cg_changes_get(changes, i)->path)
					abort();
		cg_changes_free(changes);
		changes = NULL;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cg_snapshot *s = NULL;
	FILE *f;

	if (!repo)
		setup();
	if (!(f = fopen(index_path.ptr, "wb")) || fwrite(data, 1, size, f) != size || fclose(f))
		abort();
	if (cg_snapshot_from_index_file(&s, repo, index_path.ptr) == 0)
		check(s);
	cg_snapshot_free(s);
	return 0;
}
