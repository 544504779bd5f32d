#include "changes.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"

struct cg_snapshot {
	git_repository *repo;
	git_index *index; /* exactly one of index and tree, or neither (empty) */
	git_tree *tree;
};

struct cg_changes {
	cg_change *items;
	size_t len, alloc;
};

int cg_snapshot_from_index(cg_snapshot **out, git_repository *repo, git_index *index)
{
	cg_snapshot *s = cg_calloc(1, sizeof(*s));
	s->repo = repo;
	s->index = index;
	*out = s;
	return 0;
}

int cg_snapshot_from_tree(cg_snapshot **out, git_repository *repo, git_tree *tree)
{
	cg_snapshot *s = cg_calloc(1, sizeof(*s));
	s->repo = repo;
	s->tree = tree;
	*out = s;
	return 0;
}

int cg_snapshot_lookup(const cg_snapshot *snap, const char *path,
                       git_oid *oid, uint32_t *mode)
{
	if (snap->index) {
		const git_index_entry *e = git_index_get_bypath(snap->index, path, 0);
		if (!e)
			return CG_ENOTFOUND;
		git_oid_cpy(oid, &e->id);
		*mode = e->mode;
		return 0;
	}
	if (snap->tree) {
		git_tree_entry *e = NULL;
		int error = git_tree_entry_bypath(&e, snap->tree, path);
		if (error == GIT_ENOTFOUND)
			return CG_ENOTFOUND;
		if (error < 0)
			return cg_error_from_git("cannot read tree");
		if (git_tree_entry_type(e) == GIT_OBJECT_TREE) {
			git_tree_entry_free(e);
			return CG_ENOTFOUND;
		}
		git_oid_cpy(oid, git_tree_entry_id(e));
		*mode = git_tree_entry_filemode(e);
		git_tree_entry_free(e);
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

static int staged_against(cg_changes **out, git_repository *repo, git_index *index,
                          git_tree *tree)
{
	git_diff_options opts = GIT_DIFF_OPTIONS_INIT;
	git_diff *diff = NULL;
	cg_changes *c = cg_calloc(1, sizeof(*c));
	int error;

	/* Names and ids only: no content is loaded, no similarity is computed. */
	opts.flags = GIT_DIFF_INCLUDE_TYPECHANGE | GIT_DIFF_SKIP_BINARY_CHECK;
	if ((error = git_diff_tree_to_index(&diff, repo, tree, index, &opts)) < 0 ||
	    (error = git_diff_foreach(diff, diff_file_cb, NULL, NULL, NULL, c)) < 0) {
		error = cg_error_from_git("cannot compare the index with HEAD");
		cg_changes_free(c);
		c = NULL;
	}
	git_diff_free(diff);
	*out = c;
	return error;
}

/*
 * Compares two trees the way git's diff-tree does: entries are merged in
 * tree order and a subtree is only entered when its id differs, so the
 * cost follows the size of the change, not the size of the repository.
 */
static int diff_trees(cg_changes *c, git_repository *repo, cg_buf *prefix,
                      git_tree *a, git_tree *b);

static int add_subtree(cg_changes *c, git_repository *repo, cg_buf *prefix,
                       const git_tree_entry *e, int side_is_new)
{
	git_tree *t = NULL;
	int error;

	if (git_tree_lookup(&t, repo, git_tree_entry_id(e)) < 0)
		return cg_error_from_git("cannot read tree");
	error = side_is_new ? diff_trees(c, repo, prefix, NULL, t)
	                    : diff_trees(c, repo, prefix, t, NULL);
	git_tree_free(t);
	return error;
}

static int entry_changed(cg_changes *c, git_repository *repo, cg_buf *prefix,
                         const git_tree_entry *ea, const git_tree_entry *eb)
{
	size_t saved = prefix->size;
	const git_tree_entry *e = ea ? ea : eb;
	int error = 0;

	cg_buf_puts(prefix, git_tree_entry_name(e));
	if (git_tree_entry_type(e) == GIT_OBJECT_TREE) {
		cg_buf_putc(prefix, '/');
		if (ea && eb) {
			git_tree *ta = NULL, *tb = NULL;
			if (git_tree_lookup(&ta, repo, git_tree_entry_id(ea)) < 0 ||
			    git_tree_lookup(&tb, repo, git_tree_entry_id(eb)) < 0)
				error = cg_error_from_git("cannot read tree");
			else
				error = diff_trees(c, repo, prefix, ta, tb);
			git_tree_free(ta);
			git_tree_free(tb);
		} else {
			error = add_subtree(c, repo, prefix, e, eb != NULL);
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

static int diff_trees(cg_changes *c, git_repository *repo, cg_buf *prefix,
                      git_tree *a, git_tree *b)
{
	size_t na = a ? git_tree_entrycount(a) : 0, nb = b ? git_tree_entrycount(b) : 0;
	size_t i = 0, j = 0;
	int error = 0;

	while (!error && (i < na || j < nb)) {
		const git_tree_entry *ea = i < na ? git_tree_entry_byindex(a, i) : NULL;
		const git_tree_entry *eb = j < nb ? git_tree_entry_byindex(b, j) : NULL;
		int cmp = !ea ? 1 : !eb ? -1 : git_tree_entry_cmp(ea, eb);

		if (cmp < 0) {
			error = entry_changed(c, repo, prefix, ea, NULL);
			i++;
		} else if (cmp > 0) {
			error = entry_changed(c, repo, prefix, NULL, eb);
			j++;
		} else {
			if (git_tree_entry_filemode(ea) != git_tree_entry_filemode(eb) ||
			    !git_oid_equal(git_tree_entry_id(ea), git_tree_entry_id(eb)))
				error = entry_changed(c, repo, prefix, ea, eb);
			i++;
			j++;
		}
	}
	return error;
}

static int changes_between(cg_changes **out, git_repository *repo,
                           git_tree *old_tree, git_tree *new_tree)
{
	cg_changes *c = cg_calloc(1, sizeof(*c));
	cg_buf prefix = CG_BUF_INIT;
	int error = diff_trees(c, repo, &prefix, old_tree, new_tree);

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

static int tree_of_parent(git_tree **out, git_commit *commit, unsigned int n)
{
	git_commit *parent = NULL;
	int error = git_commit_parent(&parent, commit, n);

	if (!error)
		error = git_commit_tree(out, parent);
	git_commit_free(parent);
	return error < 0 ? cg_error_from_git("cannot read parent commit") : 0;
}

/* Diffs `now` (a tree, or the index when `index` is set) against every
 * parent tree and keeps the paths that differ from all of them. */
static int against_parents(cg_changes **out, git_repository *repo, git_index *index,
                           git_tree *now, git_tree *const *parents, size_t n)
{
	cg_changes **each = cg_calloc(n, sizeof(*each));
	size_t k;
	int error = 0;

	*out = NULL;
	for (k = 0; k < n && !error; k++) {
		error = index ? staged_against(&each[k], repo, index, parents[k])
		              : changes_between(&each[k], repo, parents[k], now);
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

int cg_changes_staged(cg_changes **out, git_repository *repo, git_index *index,
                      git_tree *const *parents, size_t nparents)
{
	return against_parents(out, repo, index, NULL, parents, nparents);
}

int cg_changes_commit(cg_changes **out, git_repository *repo, git_commit *commit)
{
	unsigned int n = git_commit_parentcount(commit), k;
	git_tree **parents = cg_calloc(n ? n : 1, sizeof(*parents)), *tree = NULL;
	int error = 0;

	*out = NULL;
	if (git_commit_tree(&tree, commit) < 0)
		error = cg_error_from_git("cannot read commit tree");
	for (k = 0; k < n && !error; k++)
		error = tree_of_parent(&parents[k], commit, k);
	if (!error)
		error = against_parents(out, repo, NULL, tree, parents, n ? n : 1);
	for (k = 0; k < n; k++)
		git_tree_free(parents[k]);
	free(parents);
	git_tree_free(tree);
	return error;
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
