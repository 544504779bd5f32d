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
		int cmp = cg_tree_order(other, strlen(other), git_tree_entry_type(e) == GIT_OBJECT_TREE,
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
