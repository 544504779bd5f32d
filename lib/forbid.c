#include "forbid.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "glob.h"
#include "oidmap.h"
#include "treeblobs.h"

/* An added file that may be a copy: its blob, and where else it is. */
typedef struct {
	const char *path;     /* lent from the change */
	git_oid oid;
	size_t next;          /* the next candidate with the same blob, or SIZE_MAX */
	char *existing;       /* chain head: the first untouched path with this blob */
} candidate;

typedef struct {
	candidate *v;
	size_t n, alloc;
	cg_oidmap *heads;     /* blob id -> its first candidate */
} candidates;

static int is_addition(const cg_change *c)
{
	return c->new_mode && !c->old_mode;
}

static int is_regular(uint32_t mode)
{
	return mode == GIT_FILEMODE_BLOB || mode == GIT_FILEMODE_BLOB_EXECUTABLE;
}

/* The trailer that may waive a finding of `group`, or NULL: none when the
 * policy names no trailer or the server takes no waiver for the group. */
static const char *waiver_for(const cg_policy *p, const char *group)
{
	size_t i;

	if (!p->forbid.skip_trailer[0])
		return NULL;
	for (i = 0; i < p->server.forbid_waivers_len; i++)
		if (!strcmp(p->server.forbid_waivers[i], group))
			return p->forbid.skip_trailer;
	return NULL;
}

static void add_finding(cg_result *r, const cg_policy *p, const char *group, const char *path,
                        const char *what)
{
	const char *waiver = waiver_for(p, group);
	cg_buf rule = CG_BUF_INIT, detail = CG_BUF_INIT, hint = CG_BUF_INIT;

	cg_buf_printf(&rule, CG_FORBID_RULE ":%s", group);
	cg_buf_puts(&detail, what);
	if (p->forbid.skip_trailer[0] && !waiver)
		cg_buf_puts(&detail, "; the server takes no waiver for it");
	cg_buf_puts(&hint, "git rm --cached ");
	cg_buf_put_shell_quoted(&hint, path);
	cg_buf_printf(&hint, "\nor, when it belongs in the repository, list it in forbid.%s of "
	              CG_POLICY_FILE, strcmp(group, "path") ? "duplicate_allow" : "allow");
	if (waiver)
		cg_buf_printf(&hint, "\nor: git commit --trailer '%s: why it belongs'", waiver);
	cg_result_add_finding(r, rule.ptr, path, detail.ptr, hint.ptr, waiver);
	cg_buf_dispose(&rule);
	cg_buf_dispose(&detail);
	cg_buf_dispose(&hint);
}

static int is_forbidden_path(const cg_policy *p, const char *path)
{
	return cg_globset_match(p->forbid.paths, path) && !cg_globset_match(p->forbid.allow, path);
}

/* An added file that is large enough, and not allowed, to be a copy. */
static int may_be_copy(const cg_policy *p, git_odb *odb, const cg_change *c)
{
	size_t size;
	git_object_t type;

	if (!is_regular(c->new_mode) || cg_globset_match(p->forbid.duplicate_allow, c->path))
		return 0;
	/* The header alone tells the size: no blob is inflated. An unreadable
	 * one is not judged here: reading the commit reports it. */
	return git_odb_read_header(&size, &type, odb, &c->new_oid) == 0 &&
	       size >= (size_t)p->forbid.duplicate_min_size;
}

static void add_candidate(candidates *cs, const cg_change *c)
{
	size_t at = cs->n, head;
	candidate *k;

	cs->v = cg_array_grow(cs->v, &cs->alloc, cs->n + 1, sizeof(*cs->v));
	k = &cs->v[cs->n++];
	k->path = c->path;
	git_oid_cpy(&k->oid, &c->new_oid);
	k->next = SIZE_MAX;
	k->existing = NULL;
	if (!cs->heads)
		cs->heads = cg_oidmap_new();
	if (!cg_oidmap_get(cs->heads, &c->new_oid, &head)) {
		cg_oidmap_put(cs->heads, &c->new_oid, at);
		return;
	}
	while (cs->v[head].next != SIZE_MAX)
		head = cs->v[head].next;
	cs->v[head].next = at;
}

/* One pass over `now`: for each candidate blob, the first path holding it
 * that is not itself an added candidate. */
static int see_entry(const char *path, const git_oid *oid, uint32_t mode, void *payload)
{
	candidates *cs = payload;
	size_t head, k;

	if (!is_regular(mode) || !cg_oidmap_get(cs->heads, oid, &head) || cs->v[head].existing)
		return 0;
	for (k = head; k != SIZE_MAX; k = cs->v[k].next)
		if (!strcmp(cs->v[k].path, path))
			return 0;
	cs->v[head].existing = cg_strdup(path);
	return 0;
}

/* Whether `now` must be scanned for where the candidates' blobs are: along
 * a walk (a tree read through the walk's memo) only when the walk's count
 * of the tree's blobs shows one at a path that is no candidate's, which is
 * rare, where a scan would read every tree of every commit that adds a file. */
static int need_scan(int *out, const candidates *cs, const cg_snapshot *now)
{
	cg_memo *memo = cg_snapshot_memo(now);
	git_tree *tree = cg_snapshot_tree(now);
	cg_treeblobs *tb;
	size_t i, k, head, copies;
	int error;

	*out = 1;
	if (!memo || !tree)
		return 0;
	tb = cg_memo_treeblobs(memo);
	if ((error = cg_treeblobs_move(tb, cg_snapshot_repository(now), memo, tree)) < 0)
		return error;
	*out = 0;
	for (i = 0; i < cs->n && !*out; i++) {
		if (!cg_oidmap_get(cs->heads, &cs->v[i].oid, &head) || head != i)
			continue;
		for (copies = 0, k = head; k != SIZE_MAX; k = cs->v[k].next)
			copies++;
		*out = cg_treeblobs_count(tb, &cs->v[i].oid) > copies;
	}
	return 0;
}

static void report_copies(cg_result *r, const cg_policy *p, const candidates *cs)
{
	cg_buf what = CG_BUF_INIT;
	size_t i;

	for (i = 0; i < cs->n; i++) {
		const candidate *k = &cs->v[i];
		size_t head;
		const char *original;

		cg_oidmap_get(cs->heads, &k->oid, &head);
		original = cs->v[head].existing ? cs->v[head].existing
		                                : head != i ? cs->v[head].path : NULL;
		if (!original)
			continue;
		cg_buf_clear(&what);
		cg_buf_printf(&what, "byte-identical to %s: a duplicate copy (forbid.duplicates)", original);
		add_finding(r, p, "duplicate", k->path, what.ptr);
	}
	cg_buf_dispose(&what);
}

static void free_candidates(candidates *cs)
{
	for (size_t i = 0; i < cs->n; i++)
		free(cs->v[i].existing);
	free(cs->v);
	cg_oidmap_free(cs->heads);
}

/* Along a walk, the count of the tree's blobs follows every commit by its
 * own changes, whether or not it adds a file: the next commit that does
 * finds it counted, where a move would diff the trees again across all
 * the commits since (2% of history's instructions on rubocop). */
static int follow_walk(const cg_changes *changes, const cg_snapshot *now,
                       const cg_snapshot *before)
{
	cg_memo *memo = cg_snapshot_memo(now);
	git_tree *from = before ? cg_snapshot_tree(before) : NULL, *to = cg_snapshot_tree(now);

	if (!memo || !from || !to)
		return 0;
	return cg_treeblobs_step(cg_memo_treeblobs(memo), from, to, changes);
}

int cg_forbid_judge(cg_result *r, const cg_policy *p, const cg_changes *changes,
                    const cg_snapshot *now, const cg_snapshot *before)
{
	candidates cs = { NULL, 0, 0, NULL };
	size_t i, n = cg_changes_count(changes);
	git_odb *odb = NULL;
	int error = 0, scan;

	if (p->forbid.duplicates && (error = follow_walk(changes, now, before)) < 0)
		return error;
	for (i = 0; i < n; i++) {
		const cg_change *c = cg_changes_get(changes, i);
		if (!is_addition(c))
			continue;
		if (is_forbidden_path(p, c->path))
			add_finding(r, p, "path", c->path,
			            "a backup file or stray copy (forbid.paths): it is never added");
		else if (p->forbid.duplicates &&
		         (odb || git_repository_odb(&odb, cg_snapshot_repository(now)) == 0) &&
		         may_be_copy(p, odb, c))
			add_candidate(&cs, c);
	}
	if (cs.n && (error = need_scan(&scan, &cs, now)) == 0 &&
	    (!scan || (error = cg_snapshot_foreach(now, see_entry, &cs)) == 0))
		report_copies(r, p, &cs);
	free_candidates(&cs);
	git_odb_free(odb);
	return error;
}
