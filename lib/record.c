#include "record.h"

#include <stdlib.h>

#include <string.h>

#include "audit.h"
#include "audit_pg.h"
#include "buf.h"
#include "error.h"
#include "git2compat.h"
#include "syslog.h"
#include "timestamp.h"
#include "witness.h"

struct cg_record {
	git_repository *repo;
	const cg_policy *policy;
	cg_audit_run run;
	cg_audit_reader reader;     /* the run's items, from what follows */
	const cg_result *staged;    /* a local hook's result, or NULL */
	cg_record_commits_fn each;  /* a push's commits, or NULL */
	void *each_self;
	cg_audit_ref *refs;
	cg_audit_push_option *options;
	size_t arefs, aoptions;
	size_t nchanges;            /* the commits judged, the staged change included */
	const char *change, *author, *committer; /* the only one's, for the run's columns */
	cg_buf staged_author, staged_committer;
	cg_buf first_change, first_author, first_committer; /* a push's first commit's */
	char *failure;
	const char *outcome;        /* of a push's refs: "accepted", "refused"; NULL */
	cg_buf warnings;            /* what the witness and syslog could not take */
	int blocked, waived;
};

static int read_items(void *self, cg_audit_kind kind, cg_audit_item_fn fn, void *payload);

cg_record *cg_record_new(const char *hook, git_repository *repo, const char *repository,
                         const cg_policy *policy)
{
	cg_record *rec = cg_calloc(1, sizeof(*rec));

	rec->repo = repo;
	rec->policy = policy;
	rec->run.hook = hook;
	rec->run.repository = repository;
	rec->reader = (cg_audit_reader){ read_items, rec };
	rec->staged_author = (cg_buf)CG_BUF_INIT;
	rec->staged_committer = (cg_buf)CG_BUF_INIT;
	rec->first_change = (cg_buf)CG_BUF_INIT;
	rec->first_author = (cg_buf)CG_BUF_INIT;
	rec->first_committer = (cg_buf)CG_BUF_INIT;
	rec->warnings = (cg_buf)CG_BUF_INIT;
	return rec;
}

/* Items of one kind handed to the audit's `fn`. */
typedef struct {
	cg_audit_kind kind;
	cg_audit_item_fn fn;
	void *payload;
} reading;

/* The items of `kind` a result gives, naming `commit` (NULL: the run's
 * own). The MCP server changes (notes) join the findings under their own
 * rule, "mcp:<group>": the audit keeps them without a schema change. */
static int result_items(const reading *rd, const cg_result *r, const char *commit)
{
	size_t i;
	int error = 0;

	if (rd->kind == CG_AUDIT_FINDINGS) {
		for (i = 0; error == 0 && i < r->nfindings + r->nnotes; i++) {
			const cg_finding *f = i < r->nfindings ? &r->findings[i] :
				&r->notes[i - r->nfindings];
			cg_audit_finding item = { f->rule, f->path, f->detail, commit };

			error = rd->fn(&item, rd->payload);
		}
	} else if (rd->kind == CG_AUDIT_WAIVERS) {
		for (i = 0; error == 0 && i < r->nwaivers; i++) {
			const cg_waiver *w = &r->waivers[i];
			cg_audit_waiver item = { w->rule, w->source, w->name, w->reason, w->authorizer,
			                         commit };

			error = rd->fn(&item, rd->payload);
		}
	}
	return error;
}

static int commit_items(const cg_record_commit *c, void *payload)
{
	const reading *rd = payload;
	cg_audit_commit item = { c->oid, cg_verdict_name(c->result->verdict), c->ref, c->author,
	                         c->committer };

	if (rd->kind == CG_AUDIT_COMMITS)
		return rd->fn(&item, rd->payload);
	return result_items(rd, c->result, c->oid);
}

/* The run's items: the staged change's, then the push's commits', then
 * the failure; its refs and push options. */
static int read_items(void *self, cg_audit_kind kind, cg_audit_item_fn fn, void *payload)
{
	cg_record *rec = self;
	reading rd = { kind, fn, payload };
	cg_audit_finding failure = { "error", NULL, rec->failure, NULL };
	size_t i;
	int error = 0;

	if (kind == CG_AUDIT_REFS) {
		for (i = 0; error == 0 && i < rec->run.nrefs; i++)
			error = fn(&rec->refs[i], payload);
		return error;
	}
	if (kind == CG_AUDIT_PUSH_OPTIONS) {
		for (i = 0; error == 0 && i < rec->run.npush_options; i++)
			error = fn(&rec->options[i], payload);
		return error;
	}
	if (rec->staged)
		error = result_items(&rd, rec->staged, NULL);
	if (error == 0 && rec->each)
		error = rec->each(rec->each_self, kind, commit_items, &rd);
	if (error == 0 && kind == CG_AUDIT_FINDINGS && rec->failure)
		error = fn(&failure, payload);
	return error;
}

static void note_verdict(cg_record *rec, const cg_result *r)
{
	rec->blocked |= r->verdict == CG_VERDICT_BLOCKED;
	rec->waived |= r->verdict == CG_VERDICT_WAIVED;
}

static void note_change(cg_record *rec, const char *change, const char *author,
                        const char *committer)
{
	rec->nchanges++;
	rec->change = change;
	rec->author = author;
	rec->committer = committer;
}

static void ident_from_env(cg_buf *out, const char *name_var, const char *email_var,
                           git_repository *repo)
{
	const char *name = getenv(name_var), *email = getenv(email_var);
	git_signature *sig = NULL;

	if (name && email) {
		cg_buf_printf(out, "%s <%s>", name, email);
	} else if (cg_git2compat_signature_default(&sig, repo) == 0) {
		cg_buf_printf(out, "%s <%s>", sig->name, sig->email);
		git_signature_free(sig);
	}
}

void cg_record_staged(cg_record *rec, const cg_result *r)
{
	cg_buf_clear(&rec->staged_author);
	cg_buf_clear(&rec->staged_committer);
	ident_from_env(&rec->staged_author, "GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", rec->repo);
	ident_from_env(&rec->staged_committer, "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL",
	               rec->repo);
	note_change(rec, "staged", rec->staged_author.ptr, rec->staged_committer.ptr);
	rec->staged = r;
	if (r)
		note_verdict(rec, r);
}

void cg_record_push_commits(cg_record *rec, cg_record_commits_fn each, void *self)
{
	rec->each = each;
	rec->each_self = self;
}

/* The push's verdict and, for a run of one commit, its columns: the
 * first commit's strings are copied, since the commits are only lent. */
static int note_commit(const cg_record_commit *c, void *payload)
{
	cg_record *rec = payload;

	note_verdict(rec, c->result);
	if (rec->nchanges == 0) {
		cg_buf_puts(&rec->first_change, c->oid);
		cg_buf_puts(&rec->first_author, c->author);
		cg_buf_puts(&rec->first_committer, c->committer);
	}
	note_change(rec, rec->first_change.ptr, rec->first_author.ptr, rec->first_committer.ptr);
	return 0;
}

void cg_record_add_ref(cg_record *rec, const char *ref, const char *old_oid,
                       const char *new_oid)
{
	rec->refs = cg_array_grow(rec->refs, &rec->arefs, rec->run.nrefs + 1, sizeof(*rec->refs));
	rec->refs[rec->run.nrefs++] = (cg_audit_ref){ ref, old_oid, new_oid };
}

void cg_record_add_push_option(cg_record *rec, const char *value)
{
	rec->options = cg_array_grow(rec->options, &rec->aoptions, rec->run.npush_options + 1,
	                             sizeof(*rec->options));
	rec->options[rec->run.npush_options++].value = value;
}

void cg_record_set_pusher(cg_record *rec, const char *pusher)
{
	rec->run.pusher = pusher && pusher[0] ? pusher : NULL;
}

void cg_record_set_accepted(cg_record *rec, int accepted)
{
	rec->outcome = accepted ? "accepted" : "refused";
}

void cg_record_fail(cg_record *rec, const char *message)
{
	free(rec->failure);
	rec->failure = cg_strdup(message);
}

/* A pre-commit's deferred findings wait for commit-msg: the run is allowed. */
static const char *verdict(const cg_record *rec)
{
	return rec->failure ? "error" : rec->blocked ? "blocked" : rec->waived ? "waived" : "allowed";
}

/* Appends the rule of a finding or waiver (its first member) to the
 * comma-separated list `payload` unless it is there. */
static int add_rule(const void *item, void *payload)
{
	const char *rule = *(const char *const *)item;
	cg_buf *list = payload;
	const char *at = list->ptr;
	size_t n = strlen(rule);

	while (at && (at = strstr(at, rule)) != NULL) {
		if ((at == list->ptr || at[-1] == ',') && (at[n] == ',' || !at[n]))
			return 0;
		at += n;
	}
	cg_buf_printf(list, "%s%s", list->size ? "," : "", rule);
	return 0;
}

static void note_warning(cg_record *rec)
{
	cg_buf_printf(&rec->warnings, "%s%s", rec->warnings.size ? "\n" : "", cg_error_last());
}

/* The run's line for the SIEM; `recorded` is where the chain has it. */
static void send_syslog(cg_record *rec, const cg_audit_run *run, const cg_audit_head *recorded)
{
	cg_buf rules = CG_BUF_INIT, waived = CG_BUF_INIT;
	cg_syslog_event e = { run->time_ms, run->hook, run->repository, run->verdict, NULL, NULL,
	                      run->pusher, recorded->id, recorded->id ? recorded->hash : NULL };

	if (cg_audit_run_each(run, CG_AUDIT_FINDINGS, add_rule, &rules) < 0 ||
	    cg_audit_run_each(run, CG_AUDIT_WAIVERS, add_rule, &waived) < 0) {
		note_warning(rec);
		goto done;
	}
	e.rules = rules.size ? rules.ptr : NULL;
	e.waived = waived.size ? waived.ptr : NULL;
	if (cg_syslog_send(rec->policy->audit.syslog, &e) < 0)
		note_warning(rec);
done:
	cg_buf_dispose(&rules);
	cg_buf_dispose(&waived);
}

/* The witness and syslog: their failures are warnings, never the hook's. */
static void tell_outside(cg_record *rec, const cg_audit_run *run, const cg_audit_head *recorded)
{
	char *witness;

	if (!rec->policy)
		return;
	if (rec->policy->audit.witness[0] && recorded->id) {
		witness = cg_record_resolve_path(rec->repo, rec->policy->audit.witness);
		if (cg_witness_append(witness, recorded->id, recorded->hash) < 0)
			note_warning(rec);
		free(witness);
	}
	if (rec->policy->audit.syslog[0])
		send_syslog(rec, run, recorded);
}

/* To the policy's PostgreSQL database, in the chain of its repository_id
 * (default: the run's repository), spooling beside the SQLite path; else
 * to the SQLite database at `path`. */
static int write_run(const cg_record *rec, const cg_audit_run *run, const char *path,
                     int *fell_back, cg_audit_head *recorded)
{
	const char *url = rec->policy ? rec->policy->audit.url : "";
	const char *chain = run->repository ? run->repository : "";
	cg_buf spool = CG_BUF_INIT;
	int error;

	if (!*url)
		return cg_audit_write_head(path, run, 1, fell_back, recorded);
	if (*rec->policy->audit.repository_id)
		chain = rec->policy->audit.repository_id;
	cg_buf_printf(&spool, "%s" CG_RECORD_PG_SPOOL_SUFFIX, path);
	error = cg_audit_pg_write(url, chain, spool.ptr, run, 1, fell_back, recorded);
	cg_buf_dispose(&spool);
	return error;
}

int cg_record_write(cg_record *rec, int64_t duration_us)
{
	cg_audit_run run = rec->run;
	cg_audit_head recorded = { 0, "" };
	char *path;
	int fell_back = 0, error;
	size_t i;

	if (rec->each && (error = rec->each(rec->each_self, CG_AUDIT_COMMITS, note_commit, rec)) < 0)
		return error;
	for (i = 0; i < run.nrefs; i++)
		rec->refs[i].outcome = rec->outcome;
	run.reader = &rec->reader;
	if (run.nrefs == 1) {
		run.ref = rec->refs[0].ref;
		run.old_oid = rec->refs[0].old_oid;
		run.new_oid = rec->refs[0].new_oid;
	}
	if (rec->nchanges == 1) {
		run.commit = rec->change;
		run.author = rec->author;
		run.committer = rec->committer;
	}
	run.verdict = verdict(rec);
	run.policy_sha256 = rec->policy ? rec->policy->sha256 : NULL;
	run.duration_us = duration_us;
	run.time_ms = cg_timestamp_now_ms();
	path = cg_record_audit_path(rec->repo, rec->policy);
	error = write_run(rec, &run, path, &fell_back, &recorded);
	tell_outside(rec, &run, &recorded);
	free(path);
	return error;
}

int cg_record_error_goes_ahead(const cg_policy *policy, int error)
{
	return policy && policy->audit.on_error_warn && error != CG_EPOLICY && error != CG_EUSAGE;
}

/* Each on its own line, with one hint after the last. */
static void print_warnings(const cg_record *rec, const cg_output *o)
{
	char *copy = rec->warnings.size ? cg_strdup(rec->warnings.ptr) : NULL;
	char *line = copy, *nl;

	while (line) {
		if ((nl = strchr(line, '\n')) != NULL)
			*nl++ = '\0';
		cg_output_message(o, line, nl ? NULL : "the hook's decision stands; check the server "
		                  "policy's audit.witness and audit.syslog settings");
		line = nl;
	}
	free(copy);
}

int cg_record_write_or_warn(cg_record *rec, int64_t duration_us, const cg_output *o,
                            const char *subject, const char *policy_file)
{
	int warn = cg_record_error_goes_ahead(rec->policy, CG_ERROR);
	int error = cg_record_write(rec, duration_us);
	cg_buf hint = CG_BUF_INIT;

	print_warnings(rec, o);
	if (error == 0)
		return 0;
	if (warn)
		cg_buf_printf(&hint, "on_error is 'warn': %s goes ahead", subject);
	else if (rec->policy && rec->policy->audit.url[0])
		cg_buf_printf(&hint, "the run waits in the spool for the next run that reaches the "
		              "database; or set audit.on_error: warn in %s", policy_file);
	else
		cg_buf_printf(&hint, "make the audit database writable, or set audit.on_error: warn in %s",
		              policy_file);
	cg_output_message(o, cg_error_last(), hint.ptr);
	cg_buf_dispose(&hint);
	return warn ? 0 : CG_ERROR;
}

void cg_record_free(cg_record *rec)
{
	if (!rec)
		return;
	free(rec->refs);
	free(rec->options);
	free(rec->failure);
	cg_buf_dispose(&rec->warnings);
	cg_buf_dispose(&rec->staged_author);
	cg_buf_dispose(&rec->staged_committer);
	cg_buf_dispose(&rec->first_change);
	cg_buf_dispose(&rec->first_author);
	cg_buf_dispose(&rec->first_committer);
	free(rec);
}

char *cg_record_resolve_path(git_repository *repo, const char *path)
{
	/* A relative path is taken from where git runs hooks: the work tree's
	 * root, or the repository itself when it is bare. */
	const char *base = git_repository_workdir(repo);
	cg_buf out = CG_BUF_INIT;

	if (!base)
		base = git_repository_path(repo);
	if (path[0] == '/')
		cg_buf_puts(&out, path);
	else
		cg_buf_printf(&out, "%s%s", base, path);
	return cg_buf_detach(&out);
}

char *cg_record_audit_path(git_repository *repo, const cg_policy *policy)
{
	cg_buf path = CG_BUF_INIT;

	if (policy && policy->audit.path[0])
		return cg_record_resolve_path(repo, policy->audit.path);
	cg_buf_printf(&path, "%schangeguard/audit.db", git_repository_commondir(repo));
	return cg_buf_detach(&path);
}
