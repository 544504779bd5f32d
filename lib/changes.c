#include "changes.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "index.h"

struct cg_changes {
	cg_change *items;
	size_t len, alloc;
};

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

/* The entries in which two trees differ, in tree order: an index of each
 * side, NO_ENTRY where the name (with its type) is on one side only. */
#define NO_ENTRY ((size_t)-1)

typedef struct {
	size_t (*at)[2];
	size_t len, alloc;
} tree_merge;

static void merge_push(tree_merge *m, size_t i, size_t j)
{
	m->at = cg_array_grow(m->at, &m->alloc, m->len + 1, sizeof(*m->at));
	m->at[m->len][0] = i;
	m->at[m->len++][1] = j;
}

/* Whether two entries of one name differ: in mode or in object. */
static int entry_differs(const git_tree_entry *ea, uint32_t ma, const git_tree_entry *eb,
                         uint32_t mb)
{
	return ma != mb || !git_oid_equal(git_tree_entry_id(ea), git_tree_entry_id(eb));
}

/* Most entries of two versions of a directory are the same name at the
 * same place: one strcmp and the ids settle those, and git_tree_entry_cmp
 * (where a file sorts before a directory) only the rest. */
static void merge_entries(tree_merge *m, const git_tree *a, const git_tree *b)
{
	size_t na = a ? git_tree_entrycount(a) : 0, nb = b ? git_tree_entrycount(b) : 0;
	size_t i = 0, j = 0;

	while (i < na && j < nb) {
		const git_tree_entry *ea = git_tree_entry_byindex(a, i);
		const git_tree_entry *eb = git_tree_entry_byindex(b, j);
		uint32_t ma = git_tree_entry_filemode(ea), mb = git_tree_entry_filemode(eb);
		int cmp = strcmp(git_tree_entry_name(ea), git_tree_entry_name(eb));

		if (cmp == 0)
			cmp = (ma == GIT_FILEMODE_TREE) - (mb == GIT_FILEMODE_TREE);
		else
			cmp = git_tree_entry_cmp(ea, eb);
		if (cmp < 0) {
			merge_push(m, i++, NO_ENTRY);
		} else if (cmp > 0) {
			merge_push(m, NO_ENTRY, j++);
		} else {
			if (entry_differs(ea, ma, eb, mb))
				merge_push(m, i, j);
			i++;
			j++;
		}
	}
	for (; i < na; i++)
		merge_push(m, i, NO_ENTRY);
	for (; j < nb; j++)
		merge_push(m, NO_ENTRY, j);
}

/* cg_tree_check of `t`, side `side` (0 old, 1 new) of the merge, when the
 * other side passed it: only where the two differ. */
static int check_against(const tree_reader *rd, const git_tree *t, const tree_merge *m,
                         int side, const char *path)
{
	size_t *only = cg_calloc(m->len + 1, sizeof(*only)), n = 0, k;
	int error;

	for (k = 0; k < m->len; k++)
		if (m->at[k][!side] == NO_ENTRY)
			only[n++] = m->at[k][side];
	if ((error = cg_tree_check_added(t, only, n, path)) == 0)
		cg_memo_set_checked(rd->memo, (const git_object *)t);
	free(only);
	return error;
}

/* cg_tree_check of both sides, each once while the walk's memo keeps it;
 * along a walk each tree is one commit's new side and the next one's old
 * side (or the other way round), and then only the entries of the other
 * side are looked at, the first's having passed. The old side first. */
static int check_sides(const tree_reader *rd, const git_tree *a, const git_tree *b,
                       const tree_merge *m, const char *path)
{
	int a_ok = !a || cg_memo_checked(rd->memo, (const git_object *)a);
	int b_ok = !b || cg_memo_checked(rd->memo, (const git_object *)b);
	int error = 0;

	if (!a || !b)
		return a ? cg_tree_check_once(rd->memo, a, path) : cg_tree_check_once(rd->memo, b, path);
	if (!a_ok && b_ok)
		return check_against(rd, a, m, 0, path);
	if (!a_ok)
		error = cg_tree_check_once(rd->memo, a, path);
	if (!error && !b_ok)
		error = check_against(rd, b, m, 1, path);
	return error;
}

/* Both trees are checked before an entry of either is entered; `depth`
 * counts the directories of `prefix`, bounded as git bounds it, so that a
 * deep tree costs neither the time nor the stack of reading it. */
static int diff_trees(cg_changes *c, const tree_reader *rd, cg_buf *prefix,
                      git_tree *a, git_tree *b, size_t depth)
{
	tree_merge m = { 0 };
	size_t k;
	int error = 0;

	if (depth > CG_TREE_MAX_DEPTH)
		return cg_error_set(CG_ELIMIT, "tree %s at '%.64s...' is deeper than %d levels "
		                    "(git's core.maxTreeDepth)", git_oid_tostr_s(git_tree_id(a ? a : b)),
		                    prefix->ptr, CG_TREE_MAX_DEPTH);
	/* An unchecked side is merged before it is checked: the merge stays in
	 * bounds whatever the order of its entries. */
	merge_entries(&m, a, b);
	error = check_sides(rd, a, b, &m, prefix->ptr);
	for (k = 0; k < m.len && !error; k++) {
		size_t i = m.at[k][0], j = m.at[k][1];

		error = entry_changed(c, rd, prefix, i == NO_ENTRY ? NULL : git_tree_entry_byindex(a, i),
		                      j == NO_ENTRY ? NULL : git_tree_entry_byindex(b, j), depth);
	}
	free(m.at);
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
	const cg_index__file *f;
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
	it->name = cg_index__entry_path(w->f, j) + w->dir.size;
	slash = strchr(it->name, '/');
	it->is_dir = slash != NULL;
	it->len = slash ? (size_t)(slash - it->name) : strlen(it->name);
}

/* The end of the run of entries from `lo` that lie under w->dir: the
 * index is sorted, so they are contiguous. */
static size_t dir_end(const walk *w, size_t lo, size_t hi)
{
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strncmp(cg_index__entry_path(w->f, mid), w->dir.ptr, w->dir.size) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void record_entry(walk *w, const git_tree_entry *te, size_t at)
{
	const char *path = cg_index__entry_path(w->f, at);
	git_oid id;

	cg_index__entry_id(&id, w->f, at);
	record(w->c, path, strlen(path),
	       te ? git_tree_entry_filemode(te) : 0, te ? git_tree_entry_id(te) : NULL,
	       cg_index__entry_mode(w->f, at), &id);
}

/* A file of the index against the same name in the tree (or none), with
 * libgit2's rule: unchanged when the modes and a non-zero id are equal. */
static void walk_file(walk *w, const git_tree_entry *te, size_t at)
{
	if (te && git_tree_entry_filemode(te) == cg_index__entry_mode(w->f, at) &&
	    cg_index__entry_id_is(w->f, at, git_tree_entry_id(te)) && !git_oid_is_zero(git_tree_entry_id(te)))
		return;
	record_entry(w, te, at);
}

static int walk_dir(walk *w, git_tree *tree, const cg_index__tree *ct, size_t lo, size_t hi);

/* A subdirectory of the index, entries [*j, end), against the tree's
 * subdirectory of the same name (or none: every entry is added). */
static int walk_subdir(walk *w, const git_tree_entry *te, const cg_index__tree *ct,
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
		error = walk_dir(w, sub, cg_index__subtree(ct, it->name, it->len), *j, end);
	git_tree_free(sub);
	*j = end;
	w->dir.size = saved;
	w->dir.ptr[saved] = '\0';
	return error;
}

/* `tree` (NULL: empty) against the index entries [lo, hi), all of them
 * under w->dir; `ct` is the directory's cache-tree node, if any. */
static int walk_dir(walk *w, git_tree *tree, const cg_index__tree *ct, size_t lo, size_t hi)
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
			cmp = j == hi ? -1 : cg_tree_order(git_tree_entry_name(te),
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
	const cg_index__file *file;
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
	const cg_index__file *file = cg_snapshot__index(staged);
	staged_side s = { file, NULL };
	tree_reader rd = { cg_snapshot_repository(staged), NULL };
	int error;

	*out = NULL;
	if (!file)
		return cg_error_set(CG_ERROR, "the staged side is not an index");
	if (staged_method == CG_CHANGES__LIBGIT2 || file->conflicted) {
		if (git_index_open(&s.index, file->file) < 0)
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
