#include "coverage.h"

#include <stdlib.h>
#include <string.h>

#include "git2compat.h"
#include "buf.h"
#include "changelog.h"
#include "changes.h"
#include "error.h"
#include "memo.h"
#include "policy_find.h"
#include "render.h"
#include "rules.h"
#include "snapshot.h"
#include "timestamp.h"

/* One CHANGELOG, needed or present. */
typedef struct {
	char *path;
	int exists;
	size_t files;          /* tracked files that need their entries here */
	size_t entries;
	int64_t newest_ms;     /* of its newest valid entry; when entries > 0 */
	int resolved;          /* the newest change to its code is known */
	int64_t change_ms;     /* that commit's committer time */
	git_oid change;
	int with_entry;        /* that commit changed the CHANGELOG too */
} log_state;

typedef struct {
	const cg_policy *policy;
	const cg_snapshot *now;
	log_state *v;
	size_t n, alloc;
	cg_buf needed, lastdir;  /* the previous file's directory and its CHANGELOG */
} coverage;

static log_state *find_or_add(coverage *cv, const char *path)
{
	int found;
	size_t at = cg_array_find(cv->v, cv->n, sizeof(*cv->v), offsetof(log_state, path), path,
	                          &found);

	if (!found) {
		cv->v = cg_array_insert(cv->v, &cv->n, &cv->alloc, at, sizeof(*cv->v));
		memset(&cv->v[at], 0, sizeof(*cv->v));
		cv->v[at].path = cg_strdup(path);
	}
	return &cv->v[at];
}

static log_state *find(coverage *cv, const char *path)
{
	int found;
	size_t at = cg_array_find(cv->v, cv->n, sizeof(*cv->v), offsetof(log_state, path), path,
	                          &found);
	return found ? &cv->v[at] : NULL;
}

static const char *basename_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

/* The CHANGELOG `path` needs, in cv->needed; neighbours share a directory. */
static const char *needed_for(coverage *cv, const char *path)
{
	size_t dirlen = (size_t)(basename_of(path) - path);

	if (!cv->needed.size || cv->lastdir.size != dirlen || memcmp(cv->lastdir.ptr, path, dirlen)) {
		cg_rules_needed_changelog(&cv->needed, cv->policy, cv->now, path);
		cg_buf_clear(&cv->lastdir);
		cg_buf_put(&cv->lastdir, path, dirlen);
	}
	return cv->needed.ptr;
}

static int see_file(const char *path, const git_oid *oid, uint32_t mode, void *payload)
{
	coverage *cv = payload;

	(void)oid;
	if (!strcmp(basename_of(path), cv->policy->changelog.file))
		find_or_add(cv, path)->exists = mode == GIT_FILEMODE_BLOB ||
		                                 mode == GIT_FILEMODE_BLOB_EXECUTABLE;
	else if (cg_rules_needs_entry(cv->policy, path))
		find_or_add(cv, needed_for(cv, path))->files++;
	return 0;
}

static int count_entries(coverage *cv, log_state *ls)
{
	git_blob *blob = NULL;
	cg_changelog *cl = NULL;
	git_oid oid;
	uint32_t mode;
	int error;

	if (cg_snapshot_lookup(cv->now, ls->path, &oid, &mode) < 0 ||
	    git_blob_lookup(&blob, cg_snapshot_repository(cv->now), &oid) < 0)
		return cg_error_prefix(cg_error_from_git("cannot read"), "%s", ls->path);
	error = cg_changelog_parse(&cl, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob),
	                           cv->policy->changelog.entry_pattern);
	for (size_t i = 0; !error && i < cg_changelog_count(cl); i++) {
		const cg_changelog_line *l = cg_changelog_get(cl, i);
		if (l->kind != CG_LINE_ENTRY || l->status != CG_TS_OK)
			continue;
		if (!ls->entries++ || l->ts_ms > ls->newest_ms)
			ls->newest_ms = l->ts_ms;
	}
	cg_changelog_free(cl);
	git_blob_free(blob);
	return error < 0 ? cg_error_prefix(error, "%s", ls->path) : 0;
}

/* --- the newest change to each CHANGELOG's code -------------------------- */

/* An unresolved CHANGELOG that a commit older than `before_ms` may still
 * make stale: a change older than its newest entry cannot. */
static int open_questions(const coverage *cv, int64_t before_ms)
{
	for (size_t i = 0; i < cv->n; i++) {
		const log_state *ls = &cv->v[i];
		if (ls->exists && !ls->resolved && ls->files && (!ls->entries || ls->newest_ms < before_ms))
			return 1;
	}
	return 0;
}

static int changes_path(const cg_changes *changes, const char *path)
{
	for (size_t i = 0; i < cg_changes_count(changes); i++)
		if (!strcmp(cg_changes_get(changes, i)->path, path))
			return 1;
	return 0;
}

static void judge_commit(coverage *cv, git_commit *commit, const cg_changes *changes)
{
	int64_t t = (int64_t)git_commit_time(commit) * 1000;

	for (size_t i = 0; i < cg_changes_count(changes); i++) {
		const char *path = cg_changes_get(changes, i)->path;
		log_state *ls;
		if (!cg_rules_needs_entry(cv->policy, path) || !(ls = find(cv, needed_for(cv, path))) ||
		    ls->resolved)
			continue;
		ls->resolved = 1;
		ls->change_ms = t;
		git_oid_cpy(&ls->change, git_commit_id(commit));
		ls->with_entry = changes_path(changes, ls->path);
	}
}

static int commit_changes(cg_changes **out, git_repository *repo, cg_memo *memo, git_commit *c)
{
	size_t k, n = git_commit_parentcount(c);
	git_tree *tree = NULL, **parents = cg_calloc(n ? n : 1, sizeof(*parents));
	int error = git_commit_tree(&tree, c) < 0 ? CG_ERROR : 0;

	for (k = 0; !error && k < n; k++) {
		git_commit *p = NULL;
		if (git_commit_parent(&p, c, (unsigned)k) < 0 || git_commit_tree(&parents[k], p) < 0)
			error = CG_ERROR;
		git_commit_free(p);
	}
	if (error)
		error = cg_error_from_git("cannot read a commit of the history");
	else
		error = cg_changes_trees_memo(out, repo, memo, tree, parents, n);
	for (k = 0; k < n; k++)
		git_tree_free(parents[k]);
	free(parents);
	git_tree_free(tree);
	return error;
}

static int find_changes(coverage *cv, git_repository *repo, const git_oid *tip)
{
	git_revwalk *walk = NULL;
	cg_memo *memo = cg_memo_new();
	git_oid oid;
	int error = 0;

	if (git_revwalk_new(&walk, repo) < 0 || git_revwalk_push(walk, tip) < 0)
		error = cg_error_from_git("cannot walk the history");
	if (!error)
		git_revwalk_sorting(walk, GIT_SORT_TIME);
	while (!error && git_revwalk_next(&oid, walk) == 0) {
		git_commit *commit = NULL;
		cg_changes *changes = NULL;
		if (git_commit_lookup(&commit, repo, &oid) < 0)
			error = cg_error_from_git("cannot read a commit of the history");
		else if (!open_questions(cv, (int64_t)git_commit_time(commit) * 1000 + 1))
			error = 1;
		else if ((error = commit_changes(&changes, repo, memo, commit)) == 0)
			judge_commit(cv, commit, changes);
		cg_changes_free(changes);
		git_commit_free(commit);
	}
	git_revwalk_free(walk);
	cg_memo_free(memo);
	return error < 0 ? error : 0;
}

/* --- the report -------------------------------------------------------- */

static const char *status_of(const log_state *ls)
{
	if (!ls->exists)
		return ls->files ? "missing" : "current";
	if (ls->resolved && !ls->with_entry && (!ls->entries || ls->change_ms > ls->newest_ms))
		return "stale";
	return "current";
}

static const cg_render_column summary_cols[] = {
	CG_COL("revision", "Revision", CG_COL_OID, 0),
	CG_COL("mode", "Mode", CG_COL_TEXT, 0),
	CG_COL("changelogs", "CHANGELOGs", CG_COL_INT, 0),
	CG_ALERT("missing", "Missing", CG_COL_INT, 0),
	CG_ALERT("stale", "Stale", CG_COL_INT, 0),
	CG_COL("current", "Current", CG_COL_INT, 0),
	CG_COL("complete", "Complete", CG_COL_BOOL, 0),
};
static const cg_render_column log_cols[] = {
	CG_COL("path", "CHANGELOG", CG_COL_TEXT, 32),
	CG_COL("status", "Status", CG_COL_TEXT, 7),
	CG_COL("files", "Files", CG_COL_INT, 6),
	CG_COL("entries", "Entries", CG_COL_INT, 7),
	CG_COL("newest_entry", "Newest entry", CG_COL_TIME, 16),
	CG_COL("last_change", "Code changed", CG_COL_TIME, 16),
	CG_COL("last_commit", "Commit", CG_COL_OID, 12),
};
static const cg_render_table summary_table =
	CG_TABLE("summary", "CHANGELOG coverage", summary_cols, 1, 0);
static const cg_render_table log_table = CG_TABLE("changelogs", "CHANGELOGs", log_cols, 0, 0);
static const cg_render_table *const coverage_tables[] = { &summary_table, &log_table };

static const char *const mode_names[] = { "nearest", "every-directory", "root" };

static void render_summary(cg_render *w, const coverage *cv, const git_oid *tip, size_t *bad)
{
	size_t i, count[2] = { 0, 0 }; /* missing, stale */
	char oid[GIT_OID_SHA1_HEXSIZE + 1];
	cg_render_cell c[ARRAY_SIZE(summary_cols)];

	for (i = 0; i < cv->n; i++) {
		const char *s = status_of(&cv->v[i]);
		count[0] += !strcmp(s, "missing");
		count[1] += !strcmp(s, "stale");
	}
	git_oid_tostr(oid, sizeof(oid), tip);
	c[0] = cg_render_text(oid);
	c[1] = cg_render_text(mode_names[cv->policy->changelog.mode]);
	c[2] = cg_render_int((int64_t)cv->n);
	c[3] = cg_render_int((int64_t)count[0]);
	c[4] = cg_render_int((int64_t)count[1]);
	c[5] = cg_render_int((int64_t)(cv->n - count[0] - count[1]));
	c[6] = cg_render_int(!count[0] && !count[1]);
	cg_render_one_row(w, &summary_table, c);
	*bad = count[0] + count[1];
}

static void render_logs(cg_render *w, const coverage *cv)
{
	char newest[32], changed[32], oid[GIT_OID_SHA1_HEXSIZE + 1];
	cg_render_cell c[ARRAY_SIZE(log_cols)];

	cg_render_table_begin(w, &log_table);
	for (size_t i = 0; i < cv->n; i++) {
		const log_state *ls = &cv->v[i];
		cg_timestamp_format(newest, ls->newest_ms, 0);
		cg_timestamp_format(changed, ls->change_ms, 0);
		git_oid_tostr(oid, sizeof(oid), &ls->change);
		c[0] = cg_render_text(ls->path);
		c[1] = cg_render_text(status_of(ls));
		c[2] = cg_render_int((int64_t)ls->files);
		c[3] = ls->exists ? cg_render_int((int64_t)ls->entries) : cg_render_null;
		c[4] = cg_render_text(ls->entries ? newest : NULL);
		c[5] = cg_render_text(ls->resolved ? changed : NULL);
		c[6] = cg_render_text(ls->resolved ? oid : NULL);
		cg_render_row(w, &log_table, c);
	}
	cg_render_table_end(w, &log_table, 0);
}

static int render(const coverage *cv, const git_oid *tip, const cg_report_opts *opts,
                  int *incomplete)
{
	cg_render w;
	size_t bad;
	int error;

	cg_render_init(&w, opts, opts->out);
	cg_render_doc_begin(&w, "coverage", "changeguard CHANGELOG coverage", opts->generated_ms,
	                    coverage_tables, ARRAY_SIZE(coverage_tables));
	render_summary(&w, cv, tip, &bad);
	render_logs(&w, cv);
	cg_render_doc_end(&w);
	error = cg_render_finish(&w);
	cg_render_dispose(&w);
	*incomplete = bad > 0;
	return error;
}

static int resolve(git_commit **out, git_repository *repo, const char *rev)
{
	git_object *obj = NULL;
	int error = 0;

	if (git_revparse_single(&obj, repo, rev ? rev : "HEAD") < 0 ||
	    git_object_peel((git_object **)out, obj, GIT_OBJECT_COMMIT) < 0)
		error = cg_error_set(CG_EUSAGE, "'%s' is not a commit", rev ? rev : "HEAD");
	git_object_free(obj);
	return error;
}

int cg_coverage_report(int *incomplete, git_repository *repo, const char *rev,
                       const cg_report_opts *opts)
{
	coverage cv = { NULL, NULL, NULL, 0, 0, CG_BUF_INIT, CG_BUF_INIT };
	cg_policy *policy = NULL;
	git_commit *commit = NULL;
	git_tree *tree = NULL;
	cg_snapshot *now = NULL;
	int error;

	*incomplete = 0;
	if ((error = resolve(&commit, repo, rev)) < 0 ||
	    (error = cg_policy_find_commit(&policy, repo, git_commit_id(commit),
	                                   rev ? rev : "HEAD")) < 0) {
		git_commit_free(commit);
		return error;
	}
	cv.policy = policy;
	if (git_commit_tree(&tree, commit) < 0)
		error = cg_error_from_git("cannot read the commit's tree");
	if (!error && (error = cg_snapshot_from_tree(&now, repo, tree)) == 0) {
		cv.now = now;
		error = cg_snapshot_foreach(now, see_file, &cv);
	}
	for (size_t i = 0; !error && i < cv.n; i++)
		if (cv.v[i].exists)
			error = count_entries(&cv, &cv.v[i]);
	if (!error && (error = find_changes(&cv, repo, git_commit_id(commit))) == 0)
		error = render(&cv, git_commit_id(commit), opts, incomplete);
	for (size_t i = 0; i < cv.n; i++)
		free(cv.v[i].path);
	free(cv.v);
	cg_buf_dispose(&cv.needed);
	cg_buf_dispose(&cv.lastdir);
	cg_snapshot_free(now);
	git_tree_free(tree);
	git_commit_free(commit);
	cg_policy_free(policy);
	return error;
}
