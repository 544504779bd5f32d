#include "tree.h"

#include <string.h>

#include "buf.h"
#include "error.h"
#include "glob.h"

int cg_tree_order(const char *a, size_t alen, int adir, const char *b, size_t blen, int bdir)
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

static int is_dir(const git_tree_entry *e)
{
	return git_tree_entry_type(e) == GIT_OBJECT_TREE;
}

/* Whether an entry `name` (a directory when `dir`) is among the first `n`
 * entries of `tree`, which are in tree order: a file "a" and a directory
 * "a" are not neighbours when "a.b" sorts between them. */
static int has_entry(const git_tree *tree, size_t n, const char *name, size_t len, int dir)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const git_tree_entry *e = git_tree_entry_byindex(tree, mid);
		const char *other = git_tree_entry_name(e);
		int cmp = cg_tree_order(other, strlen(other), is_dir(e), name, len, dir);

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
		else if (!cmp || (is_dir(e) && has_entry(tree, i, name, strlen(name), 0)))
			why = "duplicate entry";
		prev = e;
	}
	if (!why)
		return 0;
	return cg_error_set(CG_ELIMIT, "tree %s at '%s' is not as git writes it: %s '%s'; "
	                    "git fsck refuses it (receive.fsckObjects keeps such trees out)",
	                    git_oid_tostr_s(git_tree_id(tree)), *path ? path : "/", why, name);
}

/* Entry `j` of `tree` (of `n`) has a name git takes and lies strictly
 * between its neighbours. */
static int fits_between_neighbours(const git_tree *tree, size_t j, size_t n)
{
	const git_tree_entry *e = git_tree_entry_byindex(tree, j);

	return !forbidden_name(git_tree_entry_name(e)) &&
	       (j == 0 || git_tree_entry_cmp(git_tree_entry_byindex(tree, j - 1), e) < 0) &&
	       (j + 1 == n || git_tree_entry_cmp(e, git_tree_entry_byindex(tree, j + 1)) < 0);
}

int cg_tree_check_added(const git_tree *tree, const size_t *added, size_t nadded,
                        const char *path)
{
	size_t n = git_tree_entrycount(tree), k;

	/* The other entries are the base's, in the base's order, so with these
	 * the whole tree is in strict order and binary search may be trusted. */
	for (k = 0; k < nadded; k++)
		if (!fits_between_neighbours(tree, added[k], n))
			return cg_tree_check(tree, path);
	/* A file and a directory of one name: the base has no such pair, so one
	 * of them is added. */
	for (k = 0; k < nadded; k++) {
		const git_tree_entry *e = git_tree_entry_byindex(tree, added[k]);
		const char *name = git_tree_entry_name(e);

		if (has_entry(tree, n, name, strlen(name), !is_dir(e)))
			return cg_tree_check(tree, path);
	}
	return 0;
}

int cg_tree_check_once(cg_memo *memo, const git_tree *tree, const char *path)
{
	int error;

	if (cg_memo_checked(memo, (const git_object *)tree))
		return 0;
	if ((error = cg_tree_check(tree, path)) == 0)
		cg_memo_set_checked(memo, (const git_object *)tree);
	return error;
}
