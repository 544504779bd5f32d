#include "snapshot.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "index.h"
#include "tree.h"

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
	cg_index__file *file;  /* owned */
	dir_memo *memo;    /* with `tree` */
	cg_memo *objects;  /* the walk's, may be NULL */
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
	if ((error = cg_index__read(s->file, path)) < 0)
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

/* The root tree is checked once per snapshot, its lookups being many, and
 * not at all when the walk's tree diff checked it. */
static int check_root(const cg_snapshot *snap)
{
	int error = snap->memo->root_checked ? 0 : cg_tree_check_once(snap->objects, snap->tree, "");

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
		error = cg_tree_check_once(snap->objects, cur, dir);
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
		if (cg_index__find(&at, snap->file, path) < 0)
			return CG_ENOTFOUND;
		cg_index__entry_id(oid, snap->file, at);
		*mode = cg_index__entry_mode(snap->file, at);
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

typedef struct {
	cg_snapshot_entry_fn fn;
	void *payload;
	cg_buf path;
	int stopped;
} tree_walk;

static int walk_entry(const char *root, const git_tree_entry *e, void *payload)
{
	tree_walk *w = payload;

	if (git_tree_entry_type(e) == GIT_OBJECT_TREE)
		return 0;
	cg_buf_clear(&w->path);
	cg_buf_puts(&w->path, root);
	cg_buf_puts(&w->path, git_tree_entry_name(e));
	w->stopped = w->fn(w->path.ptr, git_tree_entry_id(e), git_tree_entry_filemode(e),
	                   w->payload);
	return w->stopped ? -1 : 0;
}

static int foreach_in_tree(git_tree *tree, cg_snapshot_entry_fn fn, void *payload)
{
	tree_walk w = { fn, payload, CG_BUF_INIT, 0 };
	int error = git_tree_walk(tree, GIT_TREEWALK_PRE, walk_entry, &w);

	cg_buf_dispose(&w.path);
	if (w.stopped)
		return w.stopped;
	return error < 0 ? cg_error_from_git("cannot read tree") : 0;
}

int cg_snapshot_foreach(const cg_snapshot *snap, cg_snapshot_entry_fn fn, void *payload)
{
	git_oid oid;
	size_t i;
	int stop;

	if (snap->tree)
		return foreach_in_tree(snap->tree, fn, payload);
	for (i = 0; snap->file && i < snap->file->count; i++) {
		if (cg_index__entry_conflicted(snap->file, i))
			continue;
		cg_index__entry_id(&oid, snap->file, i);
		if ((stop = fn(cg_index__entry_path(snap->file, i), &oid,
		               cg_index__entry_mode(snap->file, i), payload)) != 0)
			return stop;
	}
	return 0;
}

git_repository *cg_snapshot_repository(const cg_snapshot *snap)
{
	return snap->repo;
}

git_tree *cg_snapshot_tree(const cg_snapshot *snap)
{
	return snap->tree;
}

cg_memo *cg_snapshot_memo(const cg_snapshot *snap)
{
	return snap->objects;
}

void cg_snapshot_free(cg_snapshot *snap)
{
	if (!snap)
		return;
	if (snap->file)
		cg_index__dispose(snap->file);
	free(snap->file);
	if (snap->memo) {
		git_tree_free(snap->memo->tree);
		cg_buf_dispose(&snap->memo->dir);
		free(snap->memo);
	}
	free(snap);
}

const cg_index__file *cg_snapshot__index(const cg_snapshot *snap)
{
	return snap->file;
}
