/* Unit tests of lib/changes.c on real repositories built with the git CLI:
 * every way of computing the staged change from the index file (the
 * cache-tree walk, the full walk, libgit2's diff) must give what
 * `git diff --cached --raw --no-renames` gives, entry for entry. */
#define _GNU_SOURCE /* memmem */

#include <ftw.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "git2compat.h"

#include "buf.h"
#include "changes.h"
#include "error.h"
#include "scratch.h"

/* What a scenario expects beyond "every method agrees with git". */
enum {
	LIBGIT2_DIFFERS = 1, /* libgit2's diff is known to disagree with git */
	NO_ORACLE = 2,       /* git diff --cached cannot say (conflicts): the methods must agree */
	MERGING = 4          /* compare against HEAD and MERGE_HEAD, as a merge commit */
};

static char root[256];

static int setup(void **state)
{
	(void)state;
	if (scratch_make(root, sizeof(root), "changes") < 0)
		return -1;
	scratch_git_env(root, NULL);
	git_libgit2_init();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	cg_changes__set_method(CG_CHANGES__AUTO);
	git_libgit2_shutdown();
	return scratch_remove(root);
}

/* Runs `script` with sh in a new repository `name`; returns its path. */
static const char *repo_with(const char *name, const char *script)
{
	static char dir[512];

	if (scratch_repo(dir, sizeof(dir), root, name, script) < 0)
		fail_msg("scenario '%s' failed to build: %s", name, script);
	return dir;
}

static void describe(cg_buf *out, const cg_changes *c)
{
	char old_hex[GIT_OID_SHA1_HEXSIZE + 1], new_hex[GIT_OID_SHA1_HEXSIZE + 1];
	size_t i;

	for (i = 0; i < cg_changes_count(c); i++) {
		const cg_change *ch = cg_changes_get(c, i);

		git_oid_tostr(old_hex, sizeof(old_hex), &ch->old_oid);
		git_oid_tostr(new_hex, sizeof(new_hex), &ch->new_oid);
		cg_buf_printf(out, "%c %06o %06o %s %s %s\n", (char)ch->status, ch->old_mode,
		              ch->new_mode, old_hex, new_hex, ch->path);
	}
}

/* git diff --cached --raw -z, in describe()'s format. */
static void oracle(cg_buf *out, const char *dir)
{
	cg_buf cmd = CG_BUF_INIT, raw = CG_BUF_INIT;
	char chunk[4096], status;
	unsigned old_mode, new_mode;
	char old_hex[41], new_hex[41];
	const char *p, *end;
	size_t n;
	FILE *fp;

	cg_buf_printf(&cmd, "cd '%s' && git diff --cached --raw --no-renames --no-abbrev -z", dir);
	assert_non_null(fp = popen(cmd.ptr, "r"));
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		cg_buf_put(&raw, chunk, n);
	assert_int_equal(pclose(fp), 0);
	for (p = raw.ptr, end = raw.ptr + raw.size; p < end; p += strlen(p) + 1) {
		assert_int_equal(sscanf(p, ":%o %o %40s %40s %c", &old_mode, &new_mode, old_hex,
		                        new_hex, &status), 5);
		p += strlen(p) + 1;
		assert_true(p < end);
		cg_buf_printf(out, "%c %06o %06o %s %s %s\n", status, old_mode, new_mode,
		              old_hex, new_hex, p);
	}
	cg_buf_dispose(&cmd);
	cg_buf_dispose(&raw);
}

static void tree_of(git_tree **out, git_repository *repo, const char *rev)
{
	git_object *obj = NULL;

	*out = NULL;
	if (git_revparse_single(&obj, repo, rev) == 0)
		*out = (git_tree *)obj;
}

typedef struct {
	git_repository *repo;
	git_tree *parents[2];
	size_t nparents;
} side;

/* The staged change by `method`, from the index file, as the hooks read it. */
static void staged(cg_buf *out, const side *s, cg_changes__method method)
{
	cg_snapshot *snap = NULL;
	cg_changes *c = NULL;

	cg_changes__set_method(method);
	assert_int_equal(cg_snapshot_from_index_file(&snap, s->repo, NULL), 0);
	if (cg_changes_staged_snapshot(&c, snap, s->parents, s->nparents) < 0)
		fail_msg("%s", cg_error_last());
	describe(out, c);
	cg_changes_free(c);
	cg_snapshot_free(snap);
	cg_changes__set_method(CG_CHANGES__AUTO);
}

static char *find_bytes(char *hay, size_t haylen, const char *needle, size_t len)
{
	size_t i;

	for (i = 0; i + len <= haylen; i++)
		if (!memcmp(hay + i, needle, len))
			return hay + i;
	return NULL;
}

static void assert_same(const char *what, const char *name, const cg_buf *want, const cg_buf *got)
{
	if (strcmp(want->ptr, got->ptr))
		fail_msg("%s: %s differs\n--- want\n%s--- got\n%s", name, what, want->ptr, got->ptr);
}

/* Builds the scenario and checks every method against git (and each other). */
static void check(const char *name, const char *script, int flags)
{
	static const struct {
		cg_changes__method method;
		const char *what;
	} methods[] = {
		{ CG_CHANGES__AUTO, "cache-tree walk of the index file" },
		{ CG_CHANGES__NO_CACHE_TREE, "full walk of the index file" },
		{ CG_CHANGES__LIBGIT2, "libgit2 diff of the index file" },
	};
	const char *dir = repo_with(name, script);
	cg_buf want = CG_BUF_INIT, got = CG_BUF_INIT;
	side s = { NULL, { NULL, NULL }, 1 };
	size_t i;

	if (!(flags & NO_ORACLE))
		oracle(&want, dir);
	assert_int_equal(git_repository_open(&s.repo, dir), 0);
	tree_of(&s.parents[0], s.repo, "HEAD^{tree}");
	if (flags & MERGING) {
		tree_of(&s.parents[1], s.repo, "MERGE_HEAD^{tree}");
		assert_non_null(s.parents[1]);
		s.nparents = 2;
	}
	if (flags & NO_ORACLE)
		staged(&want, &s, CG_CHANGES__LIBGIT2);
	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		if ((flags & LIBGIT2_DIFFERS) && methods[i].method == CG_CHANGES__LIBGIT2)
			continue;
		cg_buf_clear(&got);
		staged(&got, &s, methods[i].method);
		assert_same(methods[i].what, name, &want, &got);
	}
	git_tree_free(s.parents[0]);
	git_tree_free(s.parents[1]);
	git_repository_free(s.repo);
	cg_buf_dispose(&want);
	cg_buf_dispose(&got);
}

/* A committed tree with files at several depths, directories that sort
 * around each other ("a", "a-b", "a.c", "a/", "a0") and a CHANGELOG. */
#define BASE \
	"mkdir -p a/b/c a/d e/f/g h && " \
	"for p in a/x a/b/y a/b/c/z a/d/w e/f/g/v h/u a-b a.c a0 top CHANGELOG.md; do " \
	"  echo \"$p\" >$p; done && " \
	"git add -A && git commit -q -m base && "

static void test_unborn_and_empty(void **state)
{
	(void)state;
	check("unborn", "mkdir -p s/t && echo 1 >s/t/f && echo 2 >g && git add -A", 0);
	check("unborn-empty", ":", 0);
	check("nothing-staged", BASE ":", 0);
}

static void test_adds_deletes_modifications(void **state)
{
	(void)state;
	check("modify-deep", BASE "echo more >>a/b/c/z && echo more >>h/u && git add -A", 0);
	check("add-new-dirs", BASE "mkdir -p n/o/p a/b/q && echo 1 >n/o/p/f && echo 2 >a/b/q/f && "
	      "echo 3 >a/b/new && git add -A", 0);
	check("delete-dirs", BASE "git rm -q -r e a/b/c a0", 0);
	check("all-kinds", BASE "echo m >>a/x && git rm -q a/d/w && mkdir -p a/d && echo n >a/d/new && "
	      "echo t >>top && git add -A", 0);
	check("delete-everything", BASE "git rm -q -r .", 0);
}

static void test_renames_and_modes(void **state)
{
	(void)state;
	check("rename", BASE "git mv a/b/c/z a/b/z2 && git mv e e2", 0);
	check("mode", BASE "git update-index --chmod=+x a/b/y h/u", 0);
	check("mode-and-content", BASE "echo x >>a/x && git add a/x && "
	      "git update-index --chmod=+x a/x", 0);
}

static void test_symlinks_and_gitlinks(void **state)
{
	(void)state;
	check("symlinks", BASE "ln -s ../top a/link && rm h/u && ln -s ../a/x h/u && "
	      "git add -A", 0);
	check("gitlinks", BASE "c=$(git rev-parse HEAD) && "
	      "git update-index --add --cacheinfo 160000,$c,a/sub && "
	      "git commit -q -m sub && git update-index --cacheinfo 160000,$(git rev-parse HEAD),a/sub && "
	      "git rm -q --cached top && git update-index --add --cacheinfo 160000,$c,top", 0);
	check("gitlink-to-file", BASE "c=$(git rev-parse HEAD) && "
	      "git update-index --add --cacheinfo 160000,$c,g && git commit -q -m sub && "
	      "git rm -q --cached g && echo file >g && git add g", 0);
}

static void test_directory_file_swaps(void **state)
{
	(void)state;
	check("file-to-dir", BASE "git rm -q a0 a.c && mkdir a0 a.c && echo 1 >a0/f && "
	      "echo 2 >a.c/g && git add -A", 0);
	check("dir-to-file", BASE "git rm -q -r a/b e && echo 1 >e && mkdir -p a && "
	      "echo 2 >a/b && git add -A", 0);
	check("names-around-dirs", BASE "echo 1 >a- && echo 2 >'a b' && echo 3 >a/b.c && "
	      "echo 4 >a/b0 && echo 5 >'h/ spaced name' && echo 6 >\"$(printf 'h/caf\\303\\251')\" && "
	      "git add -A", 0);
}

/* The cache-tree in every state git leaves it in. */
static void test_cache_tree_states(void **state)
{
	(void)state;
	check("invalidated-by-add", BASE "echo 1 >>e/f/g/v && git add e && echo 2 >>a/x && "
	      "git add a/x", 0);
	check("add-unchanged", BASE "touch a/x h/u && git add a h", 0);
	check("soft-reset", BASE "echo 1 >>a/x && git commit -q -am two && echo 2 >>e/f/g/v && "
	      "git commit -q -am three && git reset -q --soft HEAD~2", 0);
	check("read-tree-other", BASE "git rm -q -r e && git commit -q -m gone && "
	      "git read-tree HEAD~1", 0);
	check("no-cache-tree", BASE "rm .git/index && git read-tree --empty && git add -A && "
	      "echo 1 >>a/x && git add a/x", 0);
	check("version-4", BASE "git update-index --index-version 4 && echo 1 >>a/b/y && "
	      "mkdir -p a/b/c/d && echo 2 >a/b/c/d/deep && git rm -q a.c && git add -A", 0);
	check("version-3-skip-worktree", BASE "git update-index --skip-worktree a/d/w && "
	      "echo 1 >>h/u && git add h/u", 0);
	check("after-commit", BASE "echo 1 >>a/x && git commit -q -am two", 0);
}

/* A cache-tree that claims a directory is unchanged is trusted, as git
 * commit trusts it when it writes the tree: change an entry's id behind
 * its back and only the walk without the cache-tree notices. */
static void test_cache_tree_is_trusted(void **state)
{
	const char *dir = repo_with("trusted", BASE "git update-index --index-version 2");
	char path[600];
	git_repository *repo = NULL;
	side s = { NULL, { NULL, NULL }, 1 };
	cg_buf with = CG_BUF_INIT, without = CG_BUF_INIT, file = CG_BUF_INIT;
	static const char name[] = "e/f/g/v";
	char *at;
	FILE *fp;
	size_t n;
	char chunk[4096];

	(void)state;
	snprintf(path, sizeof(path), "%s/.git/index", dir);
	assert_non_null(fp = fopen(path, "rb"));
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		cg_buf_put(&file, chunk, n);
	fclose(fp);
	assert_non_null(at = find_bytes(file.ptr, file.size, name, sizeof(name)));
	at[-22 + 5] ^= 1; /* a byte of the entry's object id */
	assert_non_null(fp = fopen(path, "wb"));
	assert_int_equal(fwrite(file.ptr, 1, file.size, fp), file.size);
	fclose(fp);

	assert_int_equal(git_repository_open(&repo, dir), 0);
	s.repo = repo;
	tree_of(&s.parents[0], repo, "HEAD^{tree}");
	staged(&with, &s, CG_CHANGES__AUTO);
	staged(&without, &s, CG_CHANGES__NO_CACHE_TREE);
	assert_string_equal(with.ptr, "");
	assert_non_null(strstr(without.ptr, " e/f/g/v\n"));
	git_tree_free(s.parents[0]);
	git_repository_free(repo);
	cg_buf_dispose(&with);
	cg_buf_dispose(&without);
	cg_buf_dispose(&file);
}

static void test_unusual_index_states(void **state)
{
	(void)state;
	/* libgit2 leaves out an added entry marked assume-unchanged; git
	 * commits it, so the walk reports it. */
	check("assume-unchanged-add", BASE "echo 1 >a/b/new && git add a/b/new && "
	      "git update-index --assume-unchanged a/b/new top && echo 2 >>a/x && git add a/x",
	      LIBGIT2_DIFFERS);
	/* git leaves intent-to-add entries out of the commit and of diff
	 * --cached; libgit2 reports them as added empty files, and so does
	 * the walk, as before. */
	check("intent-to-add", BASE "echo 1 >a/b/later && git add -N a/b/later && echo 2 >>h/u && "
	      "git add h/u", NO_ORACLE);
	/* conflicts go to libgit2's diff, whatever the method */
	check("conflict", BASE "git checkout -q -b other && echo theirs >a/x && git commit -q -am o && "
	      "git checkout -q main && echo ours >a/x && echo 1 >>h/u && git commit -q -am m && "
	      "! git merge -q other", NO_ORACLE | MERGING);
	check("merge-resolved", BASE "git checkout -q -b other && echo theirs >>e/f/g/v && "
	      "echo new >a/b/o && git commit -q -am o && git checkout -q main && echo 1 >>h/u && "
	      "git commit -q -am m && git merge -q --no-commit other && echo mine >>a/b/o && "
	      "git add a/b/o", MERGING | NO_ORACLE);
}

/* A many-file repository, where skipping matters: the walk must still see
 * each of a few changes spread over it. */
static void test_wide_repository(void **state)
{
	(void)state;
	check("wide", "for m in 0 1 2 3 4 5 6 7; do for d in 0 1 2 3 4 5 6 7; do "
	      "mkdir -p m$m/d$d && for f in 0 1 2 3 4 5 6 7; do echo $m$d$f >m$m/d$d/f$f; done; "
	      "done; done && git add -A && git commit -q -m wide && "
	      "echo x >>m3/d4/f5 && git rm -q m6/d0/f1 && echo y >m7/d7/new && "
	      "git update-index --chmod=+x m0/d0/f0 && git add -A", 0);
}

static void test_damaged_index(void **state)
{
	const char *dir = repo_with("damaged", BASE ":");
	char path[600];
	git_repository *repo = NULL;
	cg_snapshot *snap = NULL;
	FILE *fp;

	(void)state;
	snprintf(path, sizeof(path), "%s/.git/index", dir);
	assert_int_equal(truncate(path, 100), 0);
	assert_int_equal(git_repository_open(&repo, dir), 0);
	assert_int_equal(cg_snapshot_from_index_file(&snap, repo, NULL), CG_ERROR);
	assert_non_null(strstr(cg_error_last(), "cannot read the index"));
	assert_null(snap);
	assert_non_null(fp = fopen(path, "wb"));
	fputs("not an index at all, just text", fp);
	fclose(fp);
	assert_int_equal(cg_snapshot_from_index_file(&snap, repo, NULL), CG_ERROR);
	assert_non_null(strstr(cg_error_last(), "not an index file"));
	git_repository_free(repo);
}

/* git writes one TREE extension; a second (fuzz_index found it) replaces
 * the first, as in git, and leaks nothing (the ASan build checks). */
static void test_two_cache_trees(void **state)
{
	const char *dir = repo_with("twotrees", BASE ":");
	char path[600];
	git_repository *repo = NULL;
	cg_snapshot *snap = NULL;
	cg_changes *changes = NULL;
	git_tree *head = NULL;
	git_object *obj = NULL;
	unsigned char *data, *tree, *out;
	size_t size, len, before;
	FILE *fp;

	(void)state;
	snprintf(path, sizeof(path), "%s/.git/index", dir);
	assert_non_null(fp = fopen(path, "rb"));
	fseek(fp, 0, SEEK_END);
	size = (size_t)ftell(fp);
	rewind(fp);
	data = malloc(size);
	assert_int_equal(fread(data, 1, size, fp), size);
	fclose(fp);
	assert_non_null(tree = memmem(data, size, "TREE", 4));
	len = 8 + ((size_t)tree[4] << 24 | (size_t)tree[5] << 16 | (size_t)tree[6] << 8 | tree[7]);
	before = (size_t)(tree - data) + len;
	out = malloc(size + len);
	memcpy(out, data, before);
	memcpy(out + before, tree, len);
	memcpy(out + before + len, data + before, size - before);
	assert_non_null(fp = fopen(path, "wb"));
	assert_int_equal(fwrite(out, 1, size + len, fp), size + len);
	fclose(fp);
	free(data);
	free(out);

	assert_int_equal(git_repository_open(&repo, dir), 0);
	assert_int_equal(git_revparse_single(&obj, repo, "HEAD^{tree}"), 0);
	head = (git_tree *)obj;
	assert_int_equal(cg_snapshot_from_index_file(&snap, repo, NULL), 0);
	assert_int_equal(cg_changes_staged_snapshot(&changes, snap, &head, 1), 0);
	assert_int_equal(cg_changes_count(changes), 0);
	cg_changes_free(changes);
	cg_snapshot_free(snap);
	git_tree_free(head);
	git_repository_free(repo);
}

/* The snapshot answers lookups like the index does, from another path too. */
static void test_snapshot_lookup(void **state)
{
	const char *dir = repo_with("lookup", BASE "echo 1 >>a/x && git add a/x && "
	                            "git update-index --index-version 4");
	char path[600];
	git_repository *repo = NULL;
	git_index *index = NULL;
	cg_snapshot *snap = NULL;
	static const char *const paths[] = { "a/x", "a/b/c/z", "a-b", "a0", "top", "CHANGELOG.md" };
	git_oid id;
	uint32_t mode;
	size_t i;

	(void)state;
	assert_int_equal(git_repository_open(&repo, dir), 0);
	assert_int_equal(git_repository_index(&index, repo), 0);
	snprintf(path, sizeof(path), "%s/.git/index", dir);
	assert_int_equal(cg_snapshot_from_index_file(&snap, repo, path), 0);
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		const git_index_entry *e = git_index_get_bypath(index, paths[i], 0);

		assert_non_null(e);
		assert_int_equal(cg_snapshot_lookup(snap, paths[i], &id, &mode), 0);
		assert_true(git_oid_equal(&id, &e->id));
		assert_int_equal(mode, e->mode);
	}
	assert_int_equal(cg_snapshot_lookup(snap, "a", &id, &mode), CG_ENOTFOUND);
	assert_int_equal(cg_snapshot_lookup(snap, "a/b", &id, &mode), CG_ENOTFOUND);
	assert_int_equal(cg_snapshot_lookup(snap, "zz", &id, &mode), CG_ENOTFOUND);
	assert_int_equal(cg_snapshot_lookup(snap, "", &id, &mode), CG_ENOTFOUND);
	cg_snapshot_free(snap);
	snprintf(path, sizeof(path), "%s/.git/no-such-index", dir);
	assert_int_equal(cg_snapshot_from_index_file(&snap, repo, path), 0);
	assert_int_equal(cg_snapshot_lookup(snap, "a/x", &id, &mode), CG_ENOTFOUND);
	cg_snapshot_free(snap);
	git_index_free(index);
	git_repository_free(repo);
}

/* A tree snapshot answers as git_tree_entry_bypath does, whichever
 * directory it looked in last, with and without a walk's memo. */
static void test_tree_snapshot_lookup(void **state)
{
	const char *dir = repo_with("treelookup", BASE "true");
	static const char *const paths[] = { "a/x", "a/b/c/z", "a/x", "a-b", "a/b/c/z", "top",
	                                     "a/x/y", "no/such/file", "a/b", "a", "", "a/" };
	git_repository *repo = NULL;
	cg_memo *memo = cg_memo_new();
	git_tree *tree = NULL;
	cg_snapshot *snap = NULL;
	git_tree_entry *e = NULL;
	git_oid id;
	uint32_t mode;
	size_t i, round;

	(void)state;
	assert_int_equal(git_repository_open(&repo, dir), 0);
	tree_of(&tree, repo, "HEAD^{tree}");
	assert_non_null(tree);
	for (round = 0; round < 2; round++) {
		cg_snapshot_from_tree(&snap, repo, tree);
		if (round)
			cg_snapshot_use_memo(snap, memo);
		for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
			int want = paths[i][0] && git_tree_entry_bypath(&e, tree, paths[i]) == 0 &&
			           git_tree_entry_type(e) != GIT_OBJECT_TREE;
			int got = cg_snapshot_lookup(snap, paths[i], &id, &mode);

			if (want) {
				assert_int_equal(got, 0);
				assert_true(git_oid_equal(&id, git_tree_entry_id(e)));
				assert_int_equal(mode, git_tree_entry_filemode(e));
			} else if (got != CG_ENOTFOUND) {
				fail_msg("'%s': %d, expected CG_ENOTFOUND", paths[i], got);
			}
			git_tree_entry_free(e);
			e = NULL;
		}
		cg_snapshot_free(snap);
	}
	git_tree_free(tree);
	cg_memo_free(memo);
	git_repository_free(repo);
}

/* A header asked for through the memo is kept: it is still known when
 * the object is gone (its loose file removed), and only then; and so is
 * a text marked valid UTF-8. */
static void test_memo_header(cg_memo *memo, git_repository *repo, const git_oid *oid)
{
	cg_buf loose = CG_BUF_INIT;
	git_object_t type;
	size_t size = 0;
	char hex[GIT_OID_SHA1_HEXSIZE + 1];

	git_oid_tostr(hex, sizeof(hex), oid);
	cg_buf_printf(&loose, "%sobjects/%.2s/%s", git_repository_path(repo), hex, hex + 2);
	assert_int_equal(cg_memo_header(&size, &type, memo, repo, oid), 0);
	assert_int_equal(size, 2); /* "1\n" */
	assert_int_equal(type, GIT_OBJECT_BLOB);
	assert_int_equal(unlink(loose.ptr), 0);
	size = 0;
	assert_int_equal(cg_memo_header(&size, &type, memo, repo, oid), 0);
	assert_int_equal(size, 2);
	assert_true(cg_memo_header(&size, &type, NULL, repo, oid) < 0);
	assert_false(cg_memo_utf8_known(memo, oid));
	cg_memo_utf8_mark(memo, oid);
	assert_true(cg_memo_utf8_known(memo, oid));
	cg_memo_utf8_mark(NULL, oid);
	assert_false(cg_memo_utf8_known(NULL, oid));
	cg_buf_dispose(&loose);
}

/* Reads the blobs of `tree` from its entry `from` on through `memo`. */
static void read_blobs(cg_memo *memo, git_repository *repo, git_tree *tree, size_t from)
{
	git_object *obj = NULL;
	size_t i;

	for (i = from; i < git_tree_entrycount(tree); i++) {
		assert_int_equal(cg_memo_lookup(&obj, memo, repo,
		                                git_tree_entry_id(git_tree_entry_byindex(tree, i)),
		                                GIT_OBJECT_BLOB), 0);
		git_object_free(obj);
	}
}

/* The memo hands out what it keeps, checks the type asked for, and keeps
 * at most its bound: the oldest go first. */
static void test_memo(void **state)
{
	const char *dir = repo_with("memo", "for i in $(seq 1 1500); do echo $i >f$i; done && "
	                            "git add . && git commit -q -m many");
	git_repository *repo = NULL;
	cg_memo *memo = cg_memo_new();
	git_object *obj = NULL, *first = NULL;
	git_tree *tree = NULL;
	size_t n;

	(void)state;
	assert_int_equal(git_repository_open(&repo, dir), 0);
	tree_of(&tree, repo, "HEAD^{tree}");
	n = git_tree_entrycount(tree);
	assert_int_equal(n, 1500);
	assert_int_equal(cg_memo_lookup(&first, memo, repo, git_tree_entry_id(git_tree_entry_byindex(tree, 0)),
	                                GIT_OBJECT_BLOB), 0);
	cg_memo_find(&obj, memo, git_object_id(first));
	assert_ptr_equal(obj, first);
	git_object_free(obj);
	/* a blob asked for as a tree fails as libgit2 fails, memo or not */
	assert_true(cg_memo_lookup(&obj, memo, repo, git_object_id(first), GIT_OBJECT_TREE) < 0);
	assert_null(obj);
	read_blobs(memo, repo, tree, 1);
	cg_memo_find(&obj, memo, git_object_id(first));
	assert_null(obj);
	cg_memo_find(&obj, memo, git_tree_entry_id(git_tree_entry_byindex(tree, n - 1)));
	assert_non_null(obj);
	git_object_free(obj);
	/* a NULL memo only reads */
	assert_int_equal(cg_memo_lookup(&obj, NULL, repo, git_object_id(first), GIT_OBJECT_BLOB), 0);
	git_object_free(obj);
	/* a larger memo keeps them all */
	cg_memo_free(memo);
	memo = cg_memo_new_sized(CG_MEMO_SLOTS_HISTORY);
	read_blobs(memo, repo, tree, 0);
	cg_memo_find(&obj, memo, git_object_id(first));
	assert_ptr_not_equal(obj, NULL);
	git_object_free(obj);
	test_memo_header(memo, repo, git_object_id(first));
	git_object_free(first);
	git_tree_free(tree);
	cg_memo_free(memo);
	git_repository_free(repo);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unborn_and_empty),
		cmocka_unit_test(test_adds_deletes_modifications),
		cmocka_unit_test(test_renames_and_modes),
		cmocka_unit_test(test_symlinks_and_gitlinks),
		cmocka_unit_test(test_directory_file_swaps),
		cmocka_unit_test(test_cache_tree_states),
		cmocka_unit_test(test_cache_tree_is_trusted),
		cmocka_unit_test(test_unusual_index_states),
		cmocka_unit_test(test_wide_repository),
		cmocka_unit_test(test_damaged_index),
		cmocka_unit_test(test_two_cache_trees),
		cmocka_unit_test(test_snapshot_lookup),
		cmocka_unit_test(test_tree_snapshot_lookup),
		cmocka_unit_test(test_memo),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
