#include "report.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "changes.h"
#include "walk.h"
#include "error.h"
#include "parallel.h"
#include "progress.h"
#include "render.h"
#include "rules.h"
#include "timestamp.h"

/*
 * History: the policy over existing commits, one at a time.
 */

static const cg_render_column history_param_cols[] = {
	CG_COL("repository", "Repository", CG_COL_TEXT, 0),
	CG_COL("range", "Range", CG_COL_TEXT, 0),
	CG_COL("since", "Since", CG_COL_TIME, 0),
	CG_COL("until", "Until", CG_COL_TIME, 0),
	CG_COL("author", "Author", CG_COL_TEXT, 0),
	CG_COL("policy", "Policy", CG_COL_TEXT, 0),
	CG_COL("policy_sha256", "Policy SHA-256", CG_COL_TEXT, 0),
};

static const cg_render_column history_summary_cols[] = {
	CG_COL("commits", "Commits", CG_COL_INT, 0),
	CG_COL("compliant", "Compliant", CG_COL_INT, 0),
	CG_COL("waived", "Of which waived", CG_COL_INT, 0),
	CG_ALERT("violating", "Violating", CG_COL_INT, 0),
	CG_COL("compliance", "Compliance", CG_COL_RATE, 0),
};

/* A breakdown: its key column, then the counts. */
#define TALLY_COLS(key, title, width) \
	CG_COL(key, title, CG_COL_TEXT, width), \
	CG_COL("commits", "Commits", CG_COL_INT, 10), \
	CG_ALERT("violating", "Violating", CG_COL_INT, 10), \
	CG_COL("compliance", "Compliance", CG_COL_RATE, 10)

static const cg_render_column history_dir_cols[] = {
	TALLY_COLS("directory", "Directory", 40),
	CG_COL("changelog", "CHANGELOG", CG_COL_TEXT, CG_TEXT_HIDDEN),
};
static const cg_render_column history_author_cols[] = { TALLY_COLS("author", "Author", 40) };
static const cg_render_column history_month_cols[] = { TALLY_COLS("month", "Month", 10) };

static const cg_render_column history_rule_cols[] = {
	CG_COL("rule", "Rule", CG_COL_TEXT, 40),
	CG_COL("commits", "Commits", CG_COL_INT, 10),
	CG_COL("findings", "Findings", CG_COL_INT, 10),
};

/* A row per finding of a commit: the commit, one column about it, the finding. */
#define FINDING_COLS(about, detail_title) \
	CG_COL("commit", "Commit", CG_COL_OID, 10), \
	CG_COL("time", "Committed (UTC)", CG_COL_TIME, 16), \
	CG_COL("author", "Author", CG_COL_TEXT, 20), \
	about, \
	CG_COL("rule", "Rule", CG_COL_TEXT, CG_TEXT_BELOW), \
	CG_COL("path", "Path", CG_COL_TEXT, CG_TEXT_BELOW), \
	CG_COL("detail", detail_title, CG_COL_TEXT, CG_TEXT_BELOW)

static const cg_render_column history_violation_cols[] = {
	FINDING_COLS(CG_COL("subject", "Subject", CG_COL_TEXT, 28), "Finding"),
};

/* What the commits did to protected MCP configurations, and who signed. */
static const cg_render_column history_mcp_cols[] = {
	FINDING_COLS(CG_COL("approved_by", "Approved by", CG_COL_TEXT, 24), "Change"),
};

static const cg_render_table history_params = CG_TABLE("parameters", "Parameters",
                                                       history_param_cols, 1, 0);
static const cg_render_table history_summary = CG_TABLE("summary", "Compliance",
                                                        history_summary_cols, 1, 0);
static const cg_render_table history_months = CG_TABLE("months", "Per month", history_month_cols, 0,
                                                       0);
static const cg_render_table history_dirs = CG_TABLE("directories",
                                                     "Per directory (by its CHANGELOG)",
                                                     history_dir_cols, 0, 0);
static const cg_render_table history_authors = CG_TABLE("authors", "Per author",
                                                        history_author_cols, 0, 0);
static const cg_render_table history_rules = CG_TABLE("rules", "Findings per rule",
                                                      history_rule_cols, 0, 0);
static const cg_render_table history_violations = CG_TABLE("violations", "Violating commits",
                                                           history_violation_cols, 0, 1);

static const cg_render_table history_mcp = CG_TABLE("mcp_changes", "MCP server changes",
                                                    history_mcp_cols, 0, 1);

static const cg_render_table *const history_tables[] = {
	&history_params, &history_summary, &history_months, &history_dirs,
	&history_authors, &history_rules, &history_violations, &history_mcp,
};

/* Counts under one key (a directory, author, month or rule). */
typedef struct {
	char *key;
	char *extra;  /* directories: the CHANGELOG */
	int64_t commits, violating, findings;
} tally;

/* Sorted by key: memory grows with the keys, not with the commits. */
typedef struct {
	tally *v;
	size_t n, alloc;
} tallies;

static tally *tally_at(tallies *t, const char *key)
{
	int found;
	size_t at = cg_array_find(t->v, t->n, sizeof(*t->v), offsetof(tally, key), key, &found);

	if (!found) {
		t->v = cg_array_insert(t->v, &t->n, &t->alloc, at, sizeof(*t->v));
		t->v[at].key = cg_strdup(key);
	}
	return &t->v[at];
}

static void tallies_dispose(tallies *t)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		free(t->v[i].key);
		free(t->v[i].extra);
	}
	free(t->v);
}

/* A tally's cell in a column of its table: the first is the key, the
 * others say by their name which count they show ("changelog": extra). */
static cg_render_cell tally_cell(const tally *y, const cg_render_table *t, size_t col)
{
	const char *name = t->cols[col].name;

	if (col == 0)
		return cg_render_text(y->key);
	if (!strcmp(name, "commits"))
		return cg_render_int(y->commits);
	if (!strcmp(name, "violating"))
		return cg_render_int(y->violating);
	if (!strcmp(name, "findings"))
		return cg_render_int(y->findings);
	if (!strcmp(name, "compliance"))
		return cg_render_rate(y->commits - y->violating, y->commits);
	return cg_render_text(y->extra);
}

/* Cells enough for the widest tally table. */
#define TALLY_COLUMNS 5
_Static_assert(ARRAY_SIZE(history_dir_cols) <= TALLY_COLUMNS &&
               ARRAY_SIZE(history_rule_cols) <= TALLY_COLUMNS, "TALLY_COLUMNS fits every tally");

static void tally_table(cg_render *w, const cg_render_table *t, const tallies *ts)
{
	cg_render_cell c[TALLY_COLUMNS];
	size_t i, k;

	cg_render_table_begin(w, t);
	for (i = 0; i < ts->n; i++) {
		for (k = 0; k < t->ncols; k++)
			c[k] = tally_cell(&ts->v[i], t, k);
		cg_render_row(w, t, c);
	}
	cg_render_table_end(w, t, 0);
}

typedef struct {
	const cg_policy *policy;
	const cg_report_opts *opts;
	cg_render spool;          /* the violations table's rows, until the end */
	cg_render mcp_spool;      /* the MCP server changes' rows */
	int64_t commits, violating, waived;
	tallies dirs, authors, months, rules;
	cg_buf author, scratch;
	char **logs;           /* the current commit's CHANGELOGs */
	size_t nlogs, alogs;
	cg_memo *memo;         /* objects reused along the walk */
} history;

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

static void add_log(history *h, const char *path)
{
	size_t i;

	for (i = 0; i < h->nlogs; i++)
		if (!strcmp(h->logs[i], path))
			return;
	h->logs = cg_array_grow(h->logs, &h->alogs, h->nlogs + 1, sizeof(*h->logs));
	h->logs[h->nlogs++] = cg_strdup(path);
}

static void clear_logs(history *h)
{
	size_t i;

	for (i = 0; i < h->nlogs; i++)
		free(h->logs[i]);
	h->nlogs = 0;
}

static int lacks_entry(const cg_result *r, const char *changelog)
{
	size_t i;

	for (i = 0; i < r->nfindings; i++)
		if (!strcmp(r->findings[i].rule, "changelog") && r->findings[i].path &&
		    !strcmp(r->findings[i].path, changelog))
			return 1;
	return 0;
}

/* A commit belongs to the directory of each CHANGELOG it changed (in
 * h->logs already) or was found lacking, and violates there when a
 * changelog finding names it. */
static void count_directories(history *h, const cg_result *r)
{
	size_t i;

	for (i = 0; i < r->nfindings; i++)
		if (!strcmp(r->findings[i].rule, "changelog") && r->findings[i].path)
			add_log(h, r->findings[i].path);
	for (i = 0; i < h->nlogs; i++) {
		const char *log = h->logs[i], *base = base_name(log);
		tally *t;

		cg_buf_clear(&h->scratch);
		if (base == log)
			cg_buf_putc(&h->scratch, '.');
		else
			cg_buf_put(&h->scratch, log, (size_t)(base - log) - 1);
		t = tally_at(&h->dirs, h->scratch.ptr);
		if (!t->extra)
			t->extra = cg_strdup(log);
		t->commits++;
		t->violating += lacks_entry(r, log);
	}
}

static void count_rules(history *h, const cg_result *r)
{
	size_t i, j;

	for (i = 0; i < r->nfindings; i++) {
		tally *t = tally_at(&h->rules, r->findings[i].rule);
		for (j = 0; j < i && strcmp(r->findings[j].rule, r->findings[i].rule); j++)
			;
		t->commits += j == i;
		t->findings++;
	}
}

static void count(tally *t, int violating)
{
	t->commits++;
	t->violating += violating;
}

/* A row of a table of FINDING_COLS into `spool`. */
static void spool_finding(cg_render *spool, const cg_render_table *t, const history *h,
                          const char *oid, const char *time, const char *about,
                          const cg_finding *f)
{
	cg_render_cell c[] = { cg_render_text(oid), cg_render_text(time),
	                       cg_render_text(h->author.ptr), cg_render_text(about),
	                       cg_render_text(f->rule), cg_render_text(f->path),
	                       cg_render_text(f->detail) };

	cg_render_row(spool, t, c);
}

static void spool_violations(history *h, const char *oid, const char *time,
                             const char *summary, const cg_result *r)
{
	for (size_t i = 0; i < r->nfindings; i++)
		spool_finding(&h->spool, &history_violations, h, oid, time, summary, &r->findings[i]);
}

/* Who signed off the group whose MCP configuration a note ("mcp:<group>")
 * is about, into `out`; empty when nobody did. */
static void approvers(cg_buf *out, const cg_result *r, const char *note_rule)
{
	cg_buf_clear(out);
	for (size_t i = 0; i < r->nwaivers; i++)
		if (!strncmp(r->waivers[i].rule, "protect:", 8) &&
		    !strcmp(r->waivers[i].rule + 8, note_rule + 4) && r->waivers[i].authorizer &&
		    !strstr(out->ptr, r->waivers[i].authorizer))
			cg_buf_printf(out, "%s%s", out->size ? ", " : "", r->waivers[i].authorizer);
}

static void spool_mcp(history *h, const char *oid, const char *time, const cg_result *r)
{
	for (size_t i = 0; i < r->nnotes; i++) {
		approvers(&h->scratch, r, r->notes[i].rule);
		spool_finding(&h->mcp_spool, &history_mcp, h, oid, time,
		              h->scratch.size ? h->scratch.ptr : NULL, &r->notes[i]);
	}
}

/* 1 when the commit is outside --since, --until or --author. */
static int filtered_out(const history *h, int64_t when)
{
	const cg_audit_filter *f = &h->opts->filter;

	return (f->since_ms && when < f->since_ms) || (f->until_ms && when >= f->until_ms) ||
	       (f->author && !strstr(h->author.ptr, f->author));
}

/*
 * The walk's commits are checked as jobs of cg_parallel_run (several
 * processes on a long history), all in one run: each run forks, and a
 * child's first write to each page it shares with this process copies the
 * page, which cost a fork per batch of 4096 commits more CPU than the
 * batches saved. They are counted here in walk order.
 * A job's record: the tag 0 for a commit the filters leave out; or the tag
 * 1, the author, the time, the result, the CHANGELOGs the commit changed
 * (then a NULL field), and its subject when it violates.
 */
typedef struct {
	history *h;
	git_repository *repo;
	const git_oid *ids;
	cg_progress *progress;  /* NULL: none */
	size_t taken;           /* commits counted so far, for it */
} history_jobs;

static void put_changed_logs(cg_buf *out, const history *h, const cg_changes *changes)
{
	size_t i, n = cg_changes_count(changes);

	for (i = 0; i < n; i++) {
		const char *path = cg_changes_get(changes, i)->path;
		if (!strcmp(base_name(path), h->policy->changelog.file))
			cg_buf_put_field(out, path);
	}
	cg_buf_put_field(out, NULL);
}

/* The CHANGELOGs put_changed_logs wrote, into h->logs. */
static int get_changed_logs(history *h, cg_buf_reader *in)
{
	char *log;

	while (cg_buf_get_field(in, &log) == 0) {
		if (!log)
			return 0;
		add_log(h, log);
		free(log);
	}
	return -1;
}

static int check_history_commit(cg_buf *out, history *h, git_repository *repo, git_commit *commit)
{
	const git_signature *a = git_commit_author(commit);
	int64_t when = (int64_t)git_commit_time(commit) * 1000;
	cg_walk_commit_opts opts = CG_WALK_COMMIT_OPTS_INIT;
	cg_changes *changes = NULL;
	cg_result *r = NULL;
	int error;

	cg_buf_clear(&h->author);
	cg_buf_printf(&h->author, "%s <%s>", a->name, a->email);
	if (filtered_out(h, when)) {
		cg_buf_put_u32(out, 0);
		return 0;
	}
	opts.memo = h->memo;
	opts.changes = &changes;
	if ((error = cg_walk_commit_ext(&r, repo, h->policy, commit, &opts)) == 0) {
		cg_buf_put_u32(out, 1);
		cg_buf_put_field(out, h->author.ptr);
		cg_buf_put_u64(out, (uint64_t)when);
		cg_result_encode(out, r);
		put_changed_logs(out, h, changes);
		cg_buf_put_field(out,
		                 r->verdict == CG_VERDICT_BLOCKED ? git_commit_summary(commit) : NULL);
	}
	cg_result_free(r);
	cg_changes_free(changes);
	return error;
}

static int run_history(size_t i, cg_buf *out, void *payload)
{
	history_jobs *j = payload;
	git_commit *commit = NULL;
	int error;

	/* through the memo: taking commits from the front, the commit judged
	 * before read this one as its parent */
	if (cg_memo_lookup((git_object **)&commit, j->h->memo, j->repo, &j->ids[i],
	                   GIT_OBJECT_COMMIT) < 0)
		return cg_walk_missing(j->repo, &j->ids[i]);
	if ((error = check_history_commit(out, j->h, j->repo, commit)) < 0)
		cg_error_prefix(error, "commit %s", git_oid_tostr_s(&j->ids[i]));
	git_commit_free(commit);
	return error;
}

static void count_commit(history *h, const git_oid *oid, int64_t when, const cg_result *r,
                         const char *summary)
{
	char time[32];
	int bad = r->verdict == CG_VERDICT_BLOCKED;

	cg_timestamp_format(time, when, 0);
	h->commits++;
	h->violating += bad;
	h->waived += r->verdict == CG_VERDICT_WAIVED;
	count(tally_at(&h->authors, h->author.ptr), bad);
	time[7] = '\0';
	count(tally_at(&h->months, time), bad);
	time[7] = '-';
	count_directories(h, r);
	count_rules(h, r);
	if (bad)
		spool_violations(h, git_oid_tostr_s(oid), time, summary ? summary : "", r);
	spool_mcp(h, git_oid_tostr_s(oid), time, r);
}

static int take_history(size_t i, cg_buf_reader *in, void *payload)
{
	history_jobs *j = payload;
	history *h = j->h;
	cg_result *r = NULL;
	char *author = NULL, *summary = NULL;
	uint32_t checked;
	uint64_t when;
	int ok;

	cg_progress_update(j->progress, ++j->taken);
	if (cg_buf_get_u32(in, &checked) < 0)
		return cg_error_set(CG_ERROR, "a checked commit's record is damaged");
	if (!checked)
		return 0;
	ok = cg_buf_get_field(in, &author) == 0 && author && cg_buf_get_u64(in, &when) == 0 &&
	     cg_result_decode(&r, in) == 0 && get_changed_logs(h, in) == 0 &&
	     cg_buf_get_field(in, &summary) == 0;
	if (ok) {
		cg_buf_clear(&h->author);
		cg_buf_puts(&h->author, author);
		count_commit(h, &j->ids[i], (int64_t)when, r, summary);
	}
	clear_logs(h);
	cg_result_free(r);
	free(author);
	free(summary);
	return ok ? 0 : cg_error_set(CG_ERROR, "a checked commit's record is damaged");
}

static int history_check(const git_oid *ids, size_t n, void *payload)
{
	history_jobs *j = payload;
	cg_parallel_jobs jobs = { run_history, take_history, j };

	cg_progress_total(j->progress, n);
	j->ids = ids;
	return cg_parallel_run(&jobs, n);
}

static int history_walk(history *h, git_repository *repo, char *const *revs, size_t nrevs)
{
	history_jobs jobs = { h, repo, NULL, NULL, 0 };
	git_revwalk *walk = NULL;
	size_t i;
	int error = 0;

	if (git_revwalk_new(&walk, repo) < 0)
		return cg_error_from_git("cannot walk the history");
	git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL | GIT_SORT_TIME);
	for (i = 0; i < nrevs && !error; i++)
		error = cg_walk_push_rev(walk, repo, revs[i], NULL, NULL);
	/* No revisions: HEAD, of which an unborn branch has no commits. */
	if (!nrevs && git_repository_head_unborn(repo) != 1 && git_revwalk_push_head(walk) < 0)
		error = cg_error_from_git("cannot read HEAD");
	/* Every id at once: a topological walk has read every commit before
	 * it gives the first, and the ids are a small part of what it holds. */
	jobs.progress = cg_progress_new(stderr, "Checking commits", !h->opts->quiet);
	if (!error)
		error = cg_walk_ids(walk, repo, SIZE_MAX, history_check, &jobs);
	cg_progress_done(jobs.progress);
	git_revwalk_free(walk);
	return error;
}

static void history_parameters(cg_render *w, const history *h, git_repository *repo,
                               char *const *revs, size_t nrevs)
{
	const cg_audit_filter *f = &h->opts->filter;
	const char *workdir = git_repository_workdir(repo);
	cg_render_cell c[ARRAY_SIZE(history_param_cols)];
	char since[32], until[32];
	cg_buf range = CG_BUF_INIT;
	size_t i;

	for (i = 0; i < nrevs; i++)
		cg_buf_printf(&range, "%s%s", i ? " " : "", revs[i]);
	c[0] = cg_render_text(h->opts->source ? h->opts->source :
	                      workdir ? workdir : git_repository_path(repo));
	c[1] = cg_render_text(nrevs ? range.ptr : "HEAD");
	c[2] = cg_render_text(cg_render_bound(since, f->since_ms));
	c[3] = cg_render_text(cg_render_bound(until, f->until_ms));
	c[4] = cg_render_text(f->author);
	c[5] = cg_render_text(h->policy->source);
	c[6] = cg_render_text(h->policy->sha256);
	cg_render_one_row(w, &history_params, c);
	cg_buf_dispose(&range);
}

static void history_months_chart(cg_render *w, const tallies *months)
{
	cg_render_bucket *b = cg_calloc(months->n + 1, sizeof(*b));
	size_t i;

	for (i = 0; i < months->n; i++) {
		snprintf(b[i].label, sizeof(b[i].label), "%s", months->v[i].key);
		b[i].total = months->v[i].commits;
		b[i].bad = months->v[i].violating;
	}
	cg_render_chart(w, "Commits and violating commits per month", b, months->n, "commits",
	                "violating");
	free(b);
}

static int history_document(cg_render *w, history *h, git_repository *repo, char *const *revs,
                            size_t nrevs)
{
	cg_render_cell sum[] = { cg_render_int(h->commits), cg_render_int(h->commits - h->violating),
	                         cg_render_int(h->waived), cg_render_int(h->violating),
	                         cg_render_rate(h->commits - h->violating, h->commits) };
	int error;

	cg_render_doc_begin(w, "history", "changeguard history report", h->opts->generated_ms,
	                    history_tables, ARRAY_SIZE(history_tables));
	history_parameters(w, h, repo, revs, nrevs);
	cg_render_one_row(w, &history_summary, sum);
	history_months_chart(w, &h->months);
	tally_table(w, &history_months, &h->months);
	tally_table(w, &history_dirs, &h->dirs);
	tally_table(w, &history_authors, &h->authors);
	tally_table(w, &history_rules, &h->rules);
	cg_render_table_begin(w, &history_violations);
	if ((error = cg_render_splice(w, &h->spool)) < 0)
		return error;
	cg_render_table_end(w, &history_violations, 0);
	cg_render_table_begin(w, &history_mcp);
	if ((error = cg_render_splice(w, &h->mcp_spool)) < 0)
		return error;
	cg_render_table_end(w, &history_mcp, 0);
	cg_render_doc_end(w);
	return cg_render_finish(w);
}

int cg_report_history(size_t *violations, git_repository *repo, const cg_policy *policy,
                      char *const *revs, size_t nrevs, const cg_report_opts *opts)
{
	history h = { 0 };
	FILE *spool = tmpfile(), *mcp_spool = tmpfile();
	cg_render w;
	int error;

	*violations = 0;
	if (!spool || !mcp_spool) {
		if (spool)
			fclose(spool);
		if (mcp_spool)
			fclose(mcp_spool);
		return cg_error_set(CG_ERROR, "cannot create a temporary file: %s",
		                    strerror(errno));
	}
	h.policy = policy;
	h.opts = opts;
	h.author = (cg_buf)CG_BUF_INIT;
	h.scratch = (cg_buf)CG_BUF_INIT;
	h.memo = cg_memo_new_sized(CG_MEMO_SLOTS_HISTORY);
	cg_render_init(&h.spool, opts, spool);
	cg_render_tables(&h.spool, history_tables, ARRAY_SIZE(history_tables));
	cg_render_init(&h.mcp_spool, opts, mcp_spool);
	cg_render_tables(&h.mcp_spool, history_tables, ARRAY_SIZE(history_tables));
	cg_render_init(&w, opts, opts->out);
	if ((error = history_walk(&h, repo, revs, nrevs)) == 0 &&
	    (error = cg_render_finish(&h.spool)) == 0 &&
	    (error = cg_render_finish(&h.mcp_spool)) == 0)
		error = history_document(&w, &h, repo, revs, nrevs);
	*violations = (size_t)h.violating;
	cg_render_dispose(&w);
	cg_render_dispose(&h.spool);
	cg_render_dispose(&h.mcp_spool);
	fclose(spool);
	fclose(mcp_spool);
	tallies_dispose(&h.dirs);
	tallies_dispose(&h.authors);
	tallies_dispose(&h.months);
	tallies_dispose(&h.rules);
	cg_buf_dispose(&h.author);
	cg_buf_dispose(&h.scratch);
	free(h.logs);
	cg_memo_free(h.memo);
	return error;
}
