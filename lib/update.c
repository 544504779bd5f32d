#include "update.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "changelog.h"
#include "clock.h"
#include "git2compat.h"
#include "walk.h"
#include "error.h"
#include "glob.h"

#define REWIND_KEY "changeguard.allowRewind"

/* Dropped entries named one by one; past this, a count. */
#define DROPPED_SHOWN 3

/* What a path holds on one side: mode 0 when the side has no such entry. */
typedef struct {
	git_oid oid;
	uint32_t mode;
} content;

/* A protected path the update changes, and the authorized changes to it
 * found in the update's range: edges[2k] became edges[2k + 1]. */
typedef struct {
	const cg_protect_group *group;
	char *path;
	content from, to;
	content *edges;
	size_t nedges, aedges;
} protected_change;

typedef struct {
	const cg_update_opts *o;
	const char *ref;
	const git_oid *old_tip, *new_tip;
	const git_oid *tips;    /* the range searched: from these, hiding old_tip */
	size_t ntips;
	cg_result *result;
	protected_change *pending;
	size_t npending, apending;
	size_t dropped;         /* CHANGELOG entries the update drops */
	int amends;             /* -1 not looked yet; 1 a commit of the range has the
	                           amend trailer with a reason */
	char range[40];         /* "abc1234..def5678" */
	cg_buf scratch;
} judgement;

static int same(const content *a, const content *b)
{
	return a->mode == b->mode && (!a->mode || git_oid_equal(&a->oid, &b->oid));
}

static int past_deadline(const judgement *j)
{
	if (!j->o->stop_us || cg_clock_now_us() < j->o->stop_us)
		return 0;
	return cg_error_set(CG_ELIMIT, "push refused: judging the update of %s did not finish "
	                    "within server.deadline", j->ref);
}

static int tree_of(git_tree **out, const judgement *j, const git_oid *commit_id)
{
	git_commit *commit = NULL;
	int error = 0;

	if (cg_memo_lookup((git_object **)&commit, j->o->memo, j->o->repo, commit_id,
	                   GIT_OBJECT_COMMIT) < 0 ||
	    cg_memo_lookup((git_object **)out, j->o->memo, j->o->repo, git_commit_tree_id(commit),
	                   GIT_OBJECT_TREE) < 0)
		error = cg_error_prefix(cg_error_from_git("cannot read a tree"), "%s",
		                        git_oid_tostr_s(commit_id));
	git_commit_free(commit);
	return error;
}

/* --- CHANGELOG entries ------------------------------------------------- */

static int is_changelog(const cg_policy *p, const char *path)
{
	const char *slash = strrchr(path, '/');
	return !strcmp(slash ? slash + 1 : path, p->changelog.file);
}

/* A regular file's blob, or NULL: a side that is absent, a symlink or a
 * submodule holds no entries. Too large to read is CG_ELIMIT. */
static int read_text(git_blob **out, const judgement *j, const git_oid *oid, uint32_t mode)
{
	git_odb *odb = NULL;
	git_object_t type;
	size_t size;
	int error = 0;

	*out = NULL;
	if (mode != GIT_FILEMODE_BLOB && mode != GIT_FILEMODE_BLOB_EXECUTABLE)
		return 0;
	if (git_repository_odb(&odb, j->o->repo) < 0 || git_odb_read_header(&size, &type, odb, oid) < 0)
		error = cg_error_from_git("cannot read a changelog");
	else if (size > CG_CHANGELOG_MAX_BYTES)
		error = CG_ELIMIT;
	else if (git_blob_lookup(out, j->o->repo, oid) < 0)
		error = cg_error_from_git("cannot read a changelog");
	git_odb_free(odb);
	return error;
}

static int range_amends(judgement *j);

/* Whether the update's new text keeps the entry, corrected: a line with the
 * same timestamp text. Each commit's own check let that correction in only
 * with the amend trailer (or refused it), so one in the range suffices. */
static int corrected(judgement *j, const cg_changelog_delta *d, const cg_changelog_line *l)
{
	const cg_policy *p = j->o->policy;
	size_t i;

	if (!p->changelog.amend_trailer[0] || !l->ts)
		return 0;
	for (i = 0; i < d->nadded && !p->changelog.amend_removes; i++)
		if (d->added[i]->ts && d->added[i]->ts_len == l->ts_len &&
		    !memcmp(d->added[i]->ts, l->ts, l->ts_len))
			break;
	return (p->changelog.amend_removes || i < d->nadded) && range_amends(j) > 0;
}

static void report_dropped(judgement *j, const char *path, const cg_changelog_delta *d)
{
	size_t i, shown = 0;

	for (i = 0; i < d->nremoved && shown < DROPPED_SHOWN; i++) {
		const cg_changelog_line *l = d->removed[i];
		if (corrected(j, d, l))
			continue;
		shown++;
		cg_buf_clear(&j->scratch);
		cg_buf_printf(&j->scratch, "line %zu: the update of %s (%s) drops or rewrites this "
		              "existing entry (append_only): %.*s%s", l->line, j->ref, j->range,
		              l->len > 80 ? 77 : (int)l->len, l->text, l->len > 80 ? "..." : "");
		cg_result_add_finding(j->result, "changelog", path, j->scratch.ptr, NULL, NULL);
	}
	if (!shown)
		return;
	if (d->nremoved > DROPPED_SHOWN) {
		cg_buf_clear(&j->scratch);
		cg_buf_printf(&j->scratch, "the update of %s (%s) drops or rewrites %zu more existing "
		              "entries (append_only)", j->ref, j->range, d->nremoved - DROPPED_SHOWN);
		cg_result_add_finding(j->result, "changelog", path, j->scratch.ptr, NULL, NULL);
	}
	j->dropped += d->nremoved;
}

/* The entries of the old CHANGELOG that the new one no longer has. */
static int judge_changelog(judgement *j, const cg_change *c)
{
	cg_changelog_delta delta = { 0 };
	cg_changelog_text now, before;
	git_blob *old_blob = NULL, *new_blob = NULL;
	int error;

	if ((error = read_text(&old_blob, j, &c->old_oid, c->old_mode)) == 0)
		error = read_text(&new_blob, j, &c->new_oid, c->new_mode);
	if (error == CG_ELIMIT) {
		cg_buf_clear(&j->scratch);
		cg_buf_printf(&j->scratch, "the update of %s (%s) changes it, and it is larger than "
		              "32 MiB, so no entry can be shown to be kept", j->ref, j->range);
		cg_result_add_finding(j->result, "changelog", c->path, j->scratch.ptr, NULL, NULL);
		j->dropped++;
		error = 0;
	} else if (!error) {
		now = cg_rules_blob_text(new_blob);
		before = cg_rules_blob_text(old_blob);
		if ((error = cg_changelog_diff(&delta, &now, &before, 1,
		                               j->o->policy->changelog.entry_pattern)) == 0)
			report_dropped(j, c->path, &delta);
		cg_changelog_delta_dispose(&delta);
	}
	git_blob_free(old_blob);
	git_blob_free(new_blob);
	return error < 0 ? cg_error_prefix(error, "%s", c->path) : 0;
}

/* --- protected paths --------------------------------------------------- */

static void add_pending(judgement *j, const cg_protect_group *g, const cg_change *c)
{
	protected_change *p;

	j->pending = cg_array_grow(j->pending, &j->apending, j->npending + 1, sizeof(*j->pending));
	p = &j->pending[j->npending++];
	memset(p, 0, sizeof(*p));
	p->group = g;
	p->path = cg_strdup(c->path);
	p->from = (content){ c->old_oid, c->old_mode };
	p->to = (content){ c->new_oid, c->new_mode };
}

static int judge_changes(judgement *j, git_tree *old_tree, git_tree *new_tree)
{
	const cg_policy *p = j->o->policy;
	cg_changes *changes = NULL;
	size_t i, k, n;
	int error;

	if ((error = cg_changes_trees_memo(&changes, j->o->repo, j->o->memo, new_tree, &old_tree, 1)) < 0)
		return error;
	n = cg_changes_count(changes);
	for (i = 0; i < n && !error; i++) {
		const cg_change *c = cg_changes_get(changes, i);
		if (p->changelog.append_only && is_changelog(p, c->path))
			error = judge_changelog(j, c);
		for (k = 0; k < p->protect_len; k++)
			if (cg_rules_protected_change(&p->protect[k], c))
				add_pending(j, &p->protect[k], c);
	}
	cg_changes_free(changes);
	return error;
}

/* What `path` holds in `tree` (NULL: the empty tree). */
static int content_of(content *out, git_tree *tree, const char *path)
{
	git_tree_entry *e = NULL;
	int error;

	memset(out, 0, sizeof(*out));
	if (!tree || (error = git_tree_entry_bypath(&e, tree, path)) == GIT_ENOTFOUND)
		return 0;
	if (error < 0)
		return cg_error_from_git("cannot read a tree");
	git_oid_cpy(&out->oid, git_tree_entry_id(e));
	out->mode = (uint32_t)git_tree_entry_filemode(e);
	git_tree_entry_free(e);
	return 0;
}

/* Whether the commit's own check signed off `p`'s path for its group. */
static int authorizes(const cg_result *r, const protected_change *p, cg_buf *rule)
{
	size_t i, len = strlen(p->path);

	cg_buf_clear(rule);
	cg_buf_printf(rule, "protect:%s", p->group->name);
	for (i = 0; i < r->nfindings; i++)
		if (!strcmp(r->findings[i].rule, rule->ptr))
			return 0;
	for (i = 0; i < r->nwaivers; i++) {
		const char *s = r->waivers[i].reason;
		if (strcmp(r->waivers[i].rule, rule->ptr) || !r->waivers[i].authorizer || !s)
			continue;
		/* The reason lists the signed paths, ", " between them. */
		for (; (s = strstr(s, p->path)) != NULL; s += len)
			if ((s == r->waivers[i].reason || s[-1] == ' ') && (!s[len] || s[len] == ','))
				return 1;
	}
	return 0;
}

static void add_edge(protected_change *p, const content *from, const content *to)
{
	p->edges = cg_array_grow(p->edges, &p->aedges, 2 * p->nedges + 2, sizeof(*p->edges));
	p->edges[2 * p->nedges] = *from;
	p->edges[2 * p->nedges + 1] = *to;
	p->nedges++;
}

/* Collects, for each pending path, the changes a commit makes to it
 * against its first parent (what it brings to the branch it lands on),
 * when its own check finds them signed off. The commit is checked only
 * when it changes a pending path. */
static int collect_from(judgement *j, git_commit *commit)
{
	cg_walk_commit_opts opts = CG_WALK_COMMIT_OPTS_INIT;
	git_tree *tree = NULL, *parent = NULL;
	cg_result *r = NULL;
	content now, before;
	size_t i;
	int error;

	if ((error = tree_of(&tree, j, git_commit_id(commit))) < 0 ||
	    (git_commit_parentcount(commit) &&
	     (error = tree_of(&parent, j, git_commit_parent_id(commit, 0))) < 0))
		goto done;
	opts.pusher = j->o->pusher;
	opts.memo = j->o->memo;
	opts.stop_us = j->o->stop_us;
	opts.merge_depth = j->o->merge_depth;
	for (i = 0; i < j->npending && !error; i++) {
		protected_change *p = &j->pending[i];
		if ((error = content_of(&now, tree, p->path)) < 0 ||
		    (error = content_of(&before, parent, p->path)) < 0 || same(&now, &before))
			continue;
		if (!r && (error = cg_walk_commit_ext(&r, j->o->repo, j->o->policy, commit, &opts)) < 0)
			break;
		if (authorizes(r, p, &j->scratch))
			add_edge(p, &before, &now);
	}
done:
	cg_result_free(r);
	git_tree_free(tree);
	git_tree_free(parent);
	return error;
}

static int collect_edges(judgement *j)
{
	git_revwalk *w = NULL;
	git_oid oid;
	int error = 0, next = 0;

	size_t k;

	if (git_revwalk_new(&w, j->o->repo) < 0 || git_revwalk_hide(w, j->old_tip) < 0)
		error = cg_error_from_git("cannot walk the update's commits");
	for (k = 0; k < j->ntips && !error; k++)
		if (git_revwalk_push(w, &j->tips[k]) < 0)
			error = cg_error_from_git("cannot walk the update's commits");
	while (!error && (next = git_revwalk_next(&oid, w)) == 0) {
		git_commit *commit = NULL;
		if ((error = past_deadline(j)) < 0)
			break;
		if (cg_memo_lookup((git_object **)&commit, j->o->memo, j->o->repo, &oid,
		                   GIT_OBJECT_COMMIT) < 0)
			error = cg_walk_missing(j->o->repo, &oid);
		else
			error = collect_from(j, commit);
		git_commit_free(commit);
	}
	if (!error && next != GIT_ITEROVER)
		error = cg_error_from_git("cannot walk the update's commits");
	git_revwalk_free(w);
	return error;
}

/* Walks old_tip..tips once for a commit whose message has the policy's
 * amend trailer with a reason: 1 found, 0 none, -1 the walk failed. */
static int range_amends(judgement *j)
{
	cg_trailer_opts topts = CG_TRAILER_OPTS_INIT;
	git_revwalk *w = NULL;
	git_oid oid;
	size_t k;

	if (j->amends >= 0)
		return j->amends;
	j->amends = 0;
	if (git_revwalk_new(&w, j->o->repo) < 0 || git_revwalk_hide(w, j->old_tip) < 0)
		j->amends = -1;
	for (k = 0; k < j->ntips && j->amends == 0; k++)
		if (git_revwalk_push(w, &j->tips[k]) < 0)
			j->amends = -1;
	while (j->amends == 0 && git_revwalk_next(&oid, w) == 0) {
		git_commit *commit = NULL;
		cg_trailers *t = NULL;
		const cg_trailer *a;
		const char *msg;
		size_t pos = 0;

		if (git_commit_lookup(&commit, j->o->repo, &oid) < 0)
			break;
		msg = git_commit_message_raw(commit);
		if (cg_trailers_parse(&t, msg, strlen(msg), &topts) == 0 &&
		    (a = cg_trailers_find(t, j->o->policy->changelog.amend_trailer, &pos)) && a->value[0])
			j->amends = 1;
		cg_trailers_free(t);
		git_commit_free(commit);
	}
	git_revwalk_free(w);
	return j->amends;
}

static int reached(const content *set, size_t n, const content *c)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (same(&set[i], c))
			return 1;
	return 0;
}

/* Whether the authorized changes lead from the old content to the new. */
static int has_chain(const protected_change *p)
{
	content *seen = cg_calloc(p->nedges + 1, sizeof(*seen));
	size_t n = 1, k;
	int grew = 1, found;

	seen[0] = p->from;
	while (grew) {
		grew = 0;
		for (k = 0; k < p->nedges; k++)
			if (reached(seen, n, &p->edges[2 * k]) && !reached(seen, n, &p->edges[2 * k + 1])) {
				seen[n++] = p->edges[2 * k + 1];
				grew = 1;
			}
	}
	found = reached(seen, n, &p->to);
	free(seen);
	return found;
}

static void protect_finding(judgement *j, const protected_change *p, const char *why)
{
	const cg_protect_group *g = p->group;
	cg_buf rule = CG_BUF_INIT, hint = CG_BUF_INIT;

	cg_buf_printf(&rule, "protect:%s", g->name);
	cg_buf_clear(&j->scratch);
	cg_buf_printf(&j->scratch, "the update of %s (%s) changes it %s; ", j->ref, j->range, why);
	if (g->verify == CG_VERIFY_SIGNATURE) {
		cg_buf_printf(&j->scratch, "the '%s' group needs that change made by a commit with "
		              "a signed approval", g->name);
		cg_buf_puts(&hint, "git commit --trailer \"$(changeguard approve)\"");
	} else if (g->trailer[0]) {
		cg_buf_printf(&j->scratch, "the '%s' group needs that change made by a commit with "
		              "a '%s:' sign-off", g->name, g->trailer);
		cg_rules_signoff_hint(&hint, g, "git commit");
	} else {
		cg_buf_printf(&j->scratch, "the '%s' group allows no change", g->name);
	}
	cg_result_add_finding(j->result, rule.ptr, p->path, j->scratch.ptr,
	                      hint.size ? hint.ptr : NULL, NULL);
	cg_buf_dispose(&rule);
	cg_buf_dispose(&hint);
}

/* --- rewinds ----------------------------------------------------------- */

/* Whether the server's git configuration lets `ref` move back: only an
 * administrator of the server repository can set it, never a pusher. */
static int rewind_allowed(int *out, git_repository *repo, const char *ref)
{
	git_config *cfg = NULL;
	git_config_iterator *it = NULL;
	git_config_entry *e;
	cg_globset *set = NULL;
	int error = 0, next;

	*out = 0;
	if (cg_git2compat_config_snapshot(&cfg, repo) < 0)
		return cg_error_from_git("cannot read the repository's configuration");
	if (git_config_multivar_iterator_new(&it, cfg, REWIND_KEY, NULL) < 0)
		error = cg_error_from_git("cannot read " REWIND_KEY);
	else if ((error = cg_globset_new(&set, 0)) == 0) {
		while (!error && (next = git_config_next(&e, it)) == 0)
			if ((error = cg_globset_add(set, e->value)) < 0)
				cg_error_prefix(error, REWIND_KEY " '%s'", e->value);
		*out = !error && cg_globset_match(set, ref);
	}
	cg_globset_free(set);
	git_config_iterator_free(it);
	git_config_free(cfg);
	return error;
}

static int judge_rewind(judgement *j)
{
	size_t i;
	int allowed, error;

	if ((error = rewind_allowed(&allowed, j->o->repo, j->ref)) < 0)
		return error;
	if (allowed) {
		/* The administrator allowed this ref to move back: what the
		 * old tip had is given up on purpose. */
		cg_result_free(j->result);
		j->result = cg_calloc(1, sizeof(cg_result));
		return 0;
	}
	for (i = 0; i < j->npending; i++)
		protect_finding(j, &j->pending[i], "and is not a fast-forward");
	return 0;
}

/* --- one update -------------------------------------------------------- */

static int judge(judgement *j)
{
	git_tree *old_tree = NULL, *new_tree = NULL;
	size_t i;
	int error, ff;

	if ((error = tree_of(&old_tree, j, j->old_tip)) < 0 ||
	    (error = tree_of(&new_tree, j, j->new_tip)) < 0 ||
	    git_oid_equal(git_tree_id(old_tree), git_tree_id(new_tree)) ||
	    (error = judge_changes(j, old_tree, new_tree)) < 0 ||
	    (!j->npending && !j->dropped))
		goto done;
	if ((ff = git_graph_descendant_of(j->o->repo, j->new_tip, j->old_tip)) < 0) {
		error = cg_error_from_git("cannot compare the update's commits");
		goto done;
	}
	if (!ff) {
		error = judge_rewind(j);
		goto done;
	}
	if ((error = collect_edges(j)) < 0)
		goto done;
	for (i = 0; i < j->npending; i++)
		if (!has_chain(&j->pending[i]))
			protect_finding(j, &j->pending[i], "without a signed-off change to it in that range");
done:
	git_tree_free(old_tree);
	git_tree_free(new_tree);
	return error;
}

static void judgement_init(judgement *j, const cg_update_opts *opts, const char *ref,
                           const git_oid *old_tip, const git_oid *tips, size_t ntips)
{
	char old_hex[8], new_hex[8];

	memset(j, 0, sizeof(*j));
	j->o = opts;
	j->ref = ref;
	j->old_tip = old_tip;
	j->new_tip = &tips[0];
	j->tips = tips;
	j->ntips = ntips;
	j->result = cg_calloc(1, sizeof(cg_result));
	j->scratch = (cg_buf)CG_BUF_INIT;
	j->amends = -1;
	git_oid_tostr(old_hex, sizeof(old_hex), old_tip);
	git_oid_tostr(new_hex, sizeof(new_hex), j->new_tip);
	snprintf(j->range, sizeof(j->range), "%s..%s", old_hex, new_hex);
}

static void judgement_dispose(judgement *j)
{
	size_t i;

	for (i = 0; i < j->npending; i++) {
		free(j->pending[i].path);
		free(j->pending[i].edges);
	}
	free(j->pending);
	cg_buf_dispose(&j->scratch);
	cg_result_free(j->result);
}

int cg_update_judge(cg_result **out, const cg_update_opts *opts, const char *ref,
                    const git_oid *old_tip, const git_oid *new_tip)
{
	judgement j;
	int error;

	judgement_init(&j, opts, ref, old_tip, new_tip, 1);
	if ((error = judge(&j)) == 0) {
		j.result->verdict = j.result->nfindings ? CG_VERDICT_BLOCKED : CG_VERDICT_ALLOWED;
		*out = j.result;
		j.result = NULL;
	} else {
		*out = NULL;
	}
	judgement_dispose(&j);
	return error;
}

int cg_update_chain(int *found, const cg_update_opts *opts, const cg_protect_group *g,
                    const cg_change *c, const git_oid *base, const git_oid *tips, size_t ntips)
{
	judgement j;
	int error;

	if (opts->merge_depth > CG_UPDATE_MAX_MERGE_DEPTH)
		return cg_error_set(CG_ELIMIT, "merges are nested more than %d deep around the change "
		                    "to %s; merge the branches in smaller steps",
		                    CG_UPDATE_MAX_MERGE_DEPTH, c->path);
	judgement_init(&j, opts, "a merge", base, tips, ntips);
	add_pending(&j, g, c);
	error = collect_edges(&j);
	*found = !error && has_chain(&j.pending[0]);
	judgement_dispose(&j);
	return error;
}

int cg_update_merge_signed(int *authorized, const cg_protect_group *g, const cg_change *c,
                           void *payload)
{
	const cg_update_merge *m = payload;

	return cg_update_chain(authorized, &m->opts, g, c, m->base, m->tips, m->ntips);
}
