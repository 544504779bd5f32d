#include "checklist.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "forbid.h"
#include "fs.h"
#include "json.h"
#include "message.h"
#include "output.h"
#include "walk.h"

/* One evaluated change: a commit, or the staged change. */
typedef struct {
	char *commit;   /* oid, or "staged" */
	char *subject;  /* NULL for the staged change */
	char *author;
	cg_result *result;
	int whole_tree; /* every tracked file of `commit`, as if added (cg_checklist_tree) */
} checked;

struct cg_checklist {
	checked *items;
	size_t n, alloc;
	const cg_policy *policy;
};

cg_checklist *cg_checklist_new(void)
{
	return cg_calloc(1, sizeof(cg_checklist));
}

static void add_checked(cg_checklist *run, const char *commit, const char *subject,
                        const char *author, cg_result *r)
{
	checked *c;

	run->items = cg_array_grow(run->items, &run->alloc, run->n + 1, sizeof(*run->items));
	c = &run->items[run->n++];
	c->commit = cg_strdup(commit);
	c->subject = subject ? cg_strdup(subject) : NULL;
	c->author = author ? cg_strdup(author) : NULL;
	c->result = r;
	c->whole_tree = 0;
}

void cg_checklist_free(cg_checklist *run)
{
	size_t i;

	if (!run)
		return;
	for (i = 0; i < run->n; i++) {
		free(run->items[i].commit);
		free(run->items[i].subject);
		free(run->items[i].author);
		cg_result_free(run->items[i].result);
	}
	free(run->items);
	free(run);
}

static size_t count_verdict(const cg_checklist *run, cg_verdict v)
{
	size_t i, n = 0;

	for (i = 0; i < run->n; i++)
		n += run->items[i].result->verdict == v;
	return n;
}

static void json_key(cg_buf *b, const char *key, const char *value, int comma)
{
	cg_buf_printf(b, "%s\"%s\":", comma ? "," : "", key);
	cg_json_put_string(b, value);
}

static void json_result(cg_buf *b, const checked *c)
{
	const cg_result *r = c->result;
	size_t i;

	json_key(b, "commit", c->commit, 0);
	json_key(b, "subject", c->subject, 1);
	json_key(b, "author", c->author, 1);
	json_key(b, "verdict", cg_verdict_name(r->verdict), 1);
	cg_buf_puts(b, ",\"findings\":[");
	for (i = 0; i < r->nfindings; i++) {
		const cg_finding *f = &r->findings[i];
		cg_buf_puts(b, i ? ",{" : "{");
		json_key(b, "rule", f->rule, 0);
		json_key(b, "path", f->path, 1);
		json_key(b, "detail", f->detail, 1);
		json_key(b, "hint", f->hint, 1);
		json_key(b, "waiver", f->waiver, 1);
		cg_buf_putc(b, '}');
	}
	cg_buf_puts(b, "],\"waivers\":[");
	for (i = 0; i < r->nwaivers; i++) {
		const cg_waiver *w = &r->waivers[i];
		cg_buf_puts(b, i ? ",{" : "{");
		json_key(b, "rule", w->rule, 0);
		json_key(b, "source", w->source, 1);
		json_key(b, "name", w->name, 1);
		json_key(b, "reason", w->reason, 1);
		json_key(b, "authorizer", w->authorizer, 1);
		cg_buf_putc(b, '}');
	}
	cg_buf_puts(b, "],\"mcp_changes\":[");
	for (i = 0; i < r->nnotes; i++) {
		cg_buf_puts(b, i ? ",{" : "{");
		json_key(b, "rule", r->notes[i].rule, 0);
		json_key(b, "path", r->notes[i].path, 1);
		json_key(b, "detail", r->notes[i].detail, 1);
		cg_buf_putc(b, '}');
	}
	cg_buf_puts(b, "]");
}

size_t cg_checklist_blocked(const cg_checklist *run)
{
	return count_verdict(run, CG_VERDICT_BLOCKED);
}

/* The shape is documented in docs/cli.md and changeguard(1). */
void cg_checklist_print_json(const cg_checklist *run, FILE *fp, const char *target)
{
	size_t blocked = count_verdict(run, CG_VERDICT_BLOCKED), i;
	size_t waived = count_verdict(run, CG_VERDICT_WAIVED);
	cg_buf b = CG_BUF_INIT;

	cg_buf_puts(&b, "{\"version\":1");
	json_key(&b, "target", target, 1);
	cg_buf_puts(&b, ",\"policy\":{");
	json_key(&b, "source", run->policy->source, 0);
	json_key(&b, "sha256", run->policy->sha256, 1);
	cg_buf_puts(&b, "}");
	json_key(&b, "verdict", blocked ? "blocked" : waived ? "waived" : "allowed", 1);
	cg_buf_printf(&b, ",\"counts\":{\"checked\":%zu,\"allowed\":%zu,\"waived\":%zu,\"blocked\":%zu}",
	              run->n, run->n - blocked - waived, waived, blocked);
	cg_buf_puts(&b, ",\"results\":[");
	for (i = 0; i < run->n; i++) {
		cg_buf_puts(&b, i ? ",{" : "{");
		json_result(&b, &run->items[i]);
		cg_buf_putc(&b, '}');
	}
	cg_buf_puts(&b, "]}\n");
	fwrite(b.ptr, 1, b.size, fp);
	cg_buf_dispose(&b);
}

void cg_checklist_print_text(const cg_checklist *run, FILE *fp)
{
	size_t blocked = count_verdict(run, CG_VERDICT_BLOCKED), i;
	cg_buf subject = CG_BUF_INIT;
	cg_output o;

	cg_output_init(&o, fp);
	for (i = 0; i < run->n; i++) {
		const checked *c = &run->items[i];
		cg_buf_clear(&subject);
		if (c->whole_tree)
			cg_buf_printf(&subject, "the tracked files of commit %.12s", c->commit);
		else if (c->subject)
			cg_buf_printf(&subject, "commit %.12s '%s'", c->commit, c->subject);
		else
			cg_buf_puts(&subject, "the staged change");
		cg_output_result(&o, c->result, subject.ptr);
	}
	if (run->n == 1 && run->items[0].whole_tree)
		fprintf(fp, "changeguard: %zu tracked file%s of commit %.12s refused\n",
		        run->items[0].result->nfindings, run->items[0].result->nfindings == 1 ? "" : "s",
		        run->items[0].commit);
	else if (run->n == 1 && !run->items[0].subject)
		fprintf(fp, "changeguard: the staged change is %s\n",
		        cg_verdict_name(run->items[0].result->verdict));
	else
		fprintf(fp, "changeguard: %zu commit%s checked, %zu refused\n", run->n,
		       run->n == 1 ? "" : "s", blocked);
	cg_buf_dispose(&subject);
}

/* Commit messages larger than this are not commit messages. */
#define MAX_MESSAGE (16u * 1024 * 1024)

/* The message as git will store it, for its trailers. */
static int read_message(cg_buf *out, cg_check *c, const char *path)
{
	cg_buf raw = CG_BUF_INIT;
	cg_trailer_opts opts;
	int error = cg_fs_read(&raw, path, MAX_MESSAGE);

	if (error == 0) {
		cg_check_trailer_opts(c, &opts);
		cg_message_clean(out, raw.ptr, raw.size, &opts);
	} else if (error != CG_ELIMIT) {
		error = CG_EUSAGE; /* a message file that cannot be read is a usage error */
	}
	cg_buf_dispose(&raw);
	return error;
}

/* Without a message none will follow: every finding is final, as in CI. */
int cg_checklist_staged(cg_checklist *run, cg_check *c, const char *message_file)
{
	cg_buf message = CG_BUF_INIT;
	cg_result *r = NULL;
	int error = 0;

	if ((!message_file || (error = read_message(&message, c, message_file)) == 0) &&
	    (error = cg_check_evaluate(&r, c, message.ptr, message.size)) == 0) {
		run->policy = cg_check_policy(c);
		add_checked(run, "staged", NULL, NULL, r);
	}
	cg_buf_dispose(&message);
	return error;
}

struct check_step {
	cg_checklist *run;
	git_repository *repo;
	cg_buf author;
};

static int check_step(git_commit *commit, void *payload)
{
	struct check_step *step = payload;
	const git_signature *a = git_commit_author(commit);
	cg_result *r = NULL;
	int error;

	if ((error = cg_walk_commit(&r, step->repo, step->run->policy, commit, NULL, NULL)) < 0)
		return error;
	cg_buf_clear(&step->author);
	cg_buf_printf(&step->author, "%s <%s>", a->name, a->email);
	add_checked(step->run, git_oid_tostr_s(git_commit_id(commit)), git_commit_summary(commit),
	            step->author.ptr, r);
	return 0;
}

int cg_checklist_commits(cg_checklist *run, git_repository *repo, const cg_policy *policy,
                         git_revwalk *walk, int progress)
{
	struct check_step step = { run, repo, CG_BUF_INIT };
	cg_progress *shown = cg_progress_new(stderr, "Checking commits", progress);
	int error;

	run->policy = policy;
	error = cg_walk_commits(walk, repo, shown, check_step, &step);
	cg_progress_done(shown);

	cg_buf_dispose(&step.author);
	return error;
}

int cg_checklist_tree(cg_checklist *run, git_repository *repo, const cg_policy *policy,
                      git_commit *commit)
{
	const git_signature *a = git_commit_author(commit);
	cg_changes *everything = NULL;
	cg_snapshot *now = NULL;
	git_tree *tree = NULL;
	cg_result *r = cg_calloc(1, sizeof(*r));
	cg_buf author = CG_BUF_INIT;
	int error;

	run->policy = policy;
	if (git_commit_tree(&tree, commit) < 0) {
		cg_result_free(r);
		return cg_error_from_git("cannot read the commit's tree");
	}
	/* Against the empty tree, every tracked file is an addition. */
	if ((error = cg_changes_trees_memo(&everything, repo, NULL, tree, NULL, 0)) == 0 &&
	    (error = cg_snapshot_from_tree(&now, repo, tree)) == 0)
		error = cg_forbid_judge(r, policy, everything, now, NULL);
	if (error < 0) {
		cg_result_free(r);
	} else {
		r->verdict = r->nfindings ? CG_VERDICT_BLOCKED : CG_VERDICT_ALLOWED;
		cg_buf_printf(&author, "%s <%s>", a->name, a->email);
		add_checked(run, git_oid_tostr_s(git_commit_id(commit)), git_commit_summary(commit),
		            author.ptr, r);
		run->items[run->n - 1].whole_tree = 1;
	}
	cg_buf_dispose(&author);
	cg_snapshot_free(now);
	cg_changes_free(everything);
	git_tree_free(tree);
	return error;
}
