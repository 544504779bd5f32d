/*
 * changelog-audit: reports from the audit database (report, verify, export)
 * and from history. An options table, one parser, then the library does the work.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <git2.h>

#include "args.h"
#include "audit.h"
#include "coverage.h"
#include "audit_pg.h"
#include "buf.h"
#include "record.h"
#include "error.h"
#include "heap.h"
#include "output.h"
#include "policy.h"
#include "policy_find.h"
#include "report.h"

/* Every command's options, each bound to its member by the table below. */
typedef struct {
	const char *db, *since, *until, *hook, *verdict, *rule, *author, *ref, *limit, *format,
	           *output, *witness, *repository_id, *to, *no_progress, *quiet;
} options;

#define FIELD(member) CG_ARGS_FIELD(options, member)

/* Rows of the table, for the commands' sets of options (BIT). */
enum {
	O_DB, O_SINCE, O_UNTIL, O_HOOK, O_VERDICT, O_RULE, O_AUTHOR, O_REF,
	O_LIMIT, O_FORMAT, O_OUTPUT, O_WITNESS, O_REPOSITORY_ID, O_TO, O_NO_PROGRESS, O_QUIET,
	O__COUNT
};

static const cg_args_option option_table[O__COUNT + 1] = {
	[O_DB] = { "--db", "DB", "the audit database: a SQLite file, or PostgreSQL (postgresql://..., "
	           "service=NAME) (default: the repository's)", FIELD(db) },
	[O_SINCE] = { "--since", "TIME", "from this UTC time or date on", FIELD(since) },
	[O_UNTIL] = { "--until", "TIME", "before this UTC time, or up to this date included",
	              FIELD(until) },
	[O_HOOK] = { "--hook", "NAME", "runs of this hook (pre-commit, commit-msg, pre-receive...)",
	             FIELD(hook) },
	[O_VERDICT] = { "--verdict", "VERDICT", "runs with this verdict (allowed, blocked, waived, error)",
	                FIELD(verdict) },
	[O_RULE] = { "--rule", "RULE", "runs with a finding or waiver of this rule (changelog, protect:mcp...)",
	             FIELD(rule) },
	[O_AUTHOR] = { "--author", "TEXT", "runs (commits) whose author contains TEXT", FIELD(author) },
	[O_REF] = { "--ref", "REF", "runs on this ref (refs/heads/main)", FIELD(ref) },
	[O_LIMIT] = { "--limit", "N", "rows per list, newest first (default 1000; 0: all)", FIELD(limit) },
	[O_FORMAT] = { "--format", "FORMAT", "text, json, csv, markdown or html", FIELD(format) },
	[O_OUTPUT] = { "--output", "FILE", "write to FILE instead of standard output", FIELD(output) },
	[O_WITNESS] = { "--witness", "FILE", "compare with this audit.witness file of chain heads",
	                FIELD(witness) },
	[O_REPOSITORY_ID] = { "--repository-id", "ID", "in PostgreSQL, the repository's chain "
	                      "(default: the only one, or audit.repository_id)", FIELD(repository_id) },
	[O_TO] = { "--to", "URL", "the PostgreSQL database to copy into", FIELD(to) },
	[O_NO_PROGRESS] = { "--no-progress", NULL, "no progress line on a terminal's standard error",
	                    FIELD(no_progress) },
	[O_QUIET] = { "--quiet", NULL, "the same as --no-progress", FIELD(quiet) },
};

#define BIT(o) (1u << (o))
#define FILTERS (BIT(O_SINCE) | BIT(O_UNTIL) | BIT(O_HOOK) | BIT(O_VERDICT) | BIT(O_RULE) | \
                 BIT(O_AUTHOR) | BIT(O_REF))
#define OUTPUT (BIT(O_FORMAT) | BIT(O_OUTPUT))
#define DB (BIT(O_DB) | BIT(O_REPOSITORY_ID))

typedef struct {
	const char *name;
	const char *synopsis;
	const char *summary;
	cg_args_spec spec;        /* its options: options[] with BIT(O_...) */
	cg_report_format format; /* without --format */
	int (*run)(const cg_args *p, const options *o, cg_report_opts *opts);
} command;

static int cmd_report(const cg_args *p, const options *o, cg_report_opts *opts);
static int cmd_history(const cg_args *p, const options *o, cg_report_opts *opts);
static int cmd_verify(const cg_args *p, const options *o, cg_report_opts *opts);
static int cmd_export(const cg_args *p, const options *o, cg_report_opts *opts);
static int cmd_coverage(const cg_args *p, const options *o, cg_report_opts *opts);
static int cmd_setup(const cg_args *p, const options *o, cg_report_opts *opts);
static int cmd_copy(const cg_args *p, const options *o, cg_report_opts *opts);

static const command commands[] = {
	{ "report", "[report] [OPTIONS]",
	  "totals per verdict and rule, blocked runs, waivers, protected-path changes",
	  { option_table, DB | FILTERS | BIT(O_LIMIT) | OUTPUT, 0, 0 }, CG_REPORT_TEXT, cmd_report },
	{ "history", "history [REV-RANGE...] [OPTIONS]",
	  "evaluate the policy at HEAD over existing commits; exit 1 on violations",
	  { option_table, BIT(O_SINCE) | BIT(O_UNTIL) | BIT(O_AUTHOR) | OUTPUT | BIT(O_NO_PROGRESS) |
	    BIT(O_QUIET), 0, -1 }, CG_REPORT_TEXT,
	  cmd_history },
	{ "verify", "verify [OPTIONS]", "check the audit hash chain; exit 1 when it is broken",
	  { option_table, DB | BIT(O_WITNESS) | OUTPUT, 0, 0 }, CG_REPORT_TEXT, cmd_verify },
	{ "export", "export [OPTIONS]", "every run, oldest first, as JSON lines (or a table)",
	  { option_table, DB | FILTERS | OUTPUT, 0, 0 }, CG_REPORT_JSON, cmd_export },
	{ "setup", "setup --db URL", "create the audit tables in a PostgreSQL database",
	  { option_table, BIT(O_DB), 0, 0 }, CG_REPORT_TEXT, cmd_setup },
	{ "copy", "copy --db FILE --to URL --repository-id ID",
	  "copy a SQLite audit database into PostgreSQL, chain and all, and verify the copy",
	  { option_table, DB | BIT(O_TO), 0, 0 }, CG_REPORT_TEXT, cmd_copy },
	{ "coverage", "coverage [REVISION] [OPTIONS]",
	  "CHANGELOGs the policy's mode needs: missing, stale, current; exit 1 when incomplete",
	  { option_table, OUTPUT, 0, 1 }, CG_REPORT_TEXT, cmd_coverage },
};

static void usage(FILE *fp, const command *cmd)
{
	size_t i;

	if (!cmd) {
		fputs("usage: changelog-audit [<command>] [OPTIONS]\n\n"
		      "Compliance reports from changeguard's audit database and from history.\n\n"
		      "commands:\n", fp);
		for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
			fprintf(fp, "   %-9s %s\n", commands[i].name, commands[i].summary);
		fputs("\nWithout a command, 'report'. See 'changelog-audit <command> --help'.\n"
		      "Exit status: 0 ok, 1 violations found or chain broken, 2 usage, 3 runtime error.\n",
		      fp);
		return;
	}
	fprintf(fp, "usage: changelog-audit %s\n\n%s\n\n", cmd->synopsis, cmd->summary);
	cg_args_print_options(fp, &cmd->spec, 18);
}

static int usage_error(const command *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int usage_error(const command *cmd, const char *fmt, ...)
{
	va_list ap;

	fputs("error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n\n", stderr);
	usage(stderr, cmd);
	return CG_EXIT_USAGE;
}

/* Prints the last error as git does its own; returns the exit code. */
static int fail(int error)
{
	cg_output o;

	cg_output_init(&o, stderr);
	cg_output_error(&o, NULL);
	return cg_error_exit_code(error);
}

static int parse_limit(size_t *out, const char *value)
{
	char *end;
	unsigned long long n;

	errno = 0;
	n = strtoull(value, &end, 10);
	if (!*value || *end || value[0] == '-' || errno)
		return cg_error_set(CG_EUSAGE, "--limit: '%s' is not a number of rows", value);
	*out = (size_t)n;
	return 0;
}

/* The options every command shares, into `opts`. */
static int read_options(cg_report_opts *opts, const options *o)
{
	const char *epoch = getenv("SOURCE_DATE_EPOCH");
	cg_audit_filter *f = &opts->filter;
	int error = 0;

	opts->quiet = o->no_progress || o->quiet;
	if (o->format)
		error = cg_report_format_parse(&opts->format, o->format);
	if (!error && o->since &&
	    (error = cg_report_parse_time(&f->since_ms, o->since, 0)) < 0)
		cg_error_prefix(error, "--since");
	if (!error && o->until &&
	    (error = cg_report_parse_time(&f->until_ms, o->until, 1)) < 0)
		cg_error_prefix(error, "--until");
	if (!error && o->limit)
		error = parse_limit(&opts->limit, o->limit);
	f->hook = o->hook;
	f->verdict = o->verdict;
	f->rule = o->rule;
	f->author = o->author;
	f->ref = o->ref;
	opts->witness = o->witness;
	/* Reproducible documents, as reproducible builds define it. */
	opts->generated_ms = epoch && *epoch ? strtoll(epoch, NULL, 10) * 1000 : 0;
	return error;
}

static int open_repo(git_repository **out)
{
	int error = git_repository_open_ext(out, NULL, GIT_REPOSITORY_OPEN_FROM_ENV, NULL);

	if (error == GIT_ENOTFOUND)
		return cg_error_set(CG_ERROR, "not in a git repository; name the database with --db");
	return error < 0 ? cg_error_from_git("cannot open the repository") : 0;
}

/* A PostgreSQL database's chain, its URL shown without a password; with
 * `report`, only what that report needs. */
static int open_pg(cg_audit **db, char **path, const char *url, const char *chain,
                   const cg_report_opts *report)
{
	cg_buf shown = CG_BUF_INIT;

	cg_audit_pg_redact(&shown, url);
	*path = cg_buf_detach(&shown);
	chain = chain && *chain ? chain : NULL;
	return report ? cg_audit_pg_open_report(db, url, chain, &report->filter, report->limit) :
	                cg_audit_pg_open(db, url, chain);
}

/* --db, else the database of the repository here, as its policy at HEAD
 * names it (audit.url, else audit.path); `report` as open_pg's. */
static int open_db(cg_audit **db, char **path, const options *o, const cg_report_opts *report)
{
	git_repository *repo = NULL;
	cg_policy *policy = NULL;
	int error;

	if (o->db && cg_audit_pg_is_url(o->db))
		return open_pg(db, path, o->db, o->repository_id, report);
	if (o->db) {
		*path = cg_strdup(o->db);
	} else {
		if ((error = open_repo(&repo)) < 0 ||
		    (error = cg_policy_find_head(&policy, repo)) < 0) {
			git_repository_free(repo);
			return error;
		}
		error = 1;
		if (policy->audit.url[0])
			error = open_pg(db, path, policy->audit.url, o->repository_id ?
			                o->repository_id : policy->audit.repository_id, report);
		else
			*path = cg_record_audit_path(repo, policy);
		cg_policy_free(policy);
		git_repository_free(repo);
		if (error != 1)
			return error;
	}
	if ((error = cg_audit_open_readonly(db, *path)) == CG_ENOTFOUND)
		cg_error_prefix(error, "no audit database yet (no hook has recorded a run)");
	return error;
}

typedef int (*db_report)(cg_audit *db, const cg_report_opts *opts, int *violations);

static int run_audit(cg_audit *db, const cg_report_opts *opts, int *violations)
{
	*violations = 0;
	return cg_report_audit(db, opts);
}

static int run_verify(cg_audit *db, const cg_report_opts *opts, int *violations)
{
	return cg_report_verify(db, opts, violations);
}

static int run_export(cg_audit *db, const cg_report_opts *opts, int *violations)
{
	*violations = 0;
	return cg_report_export(db, opts);
}

/* Opens the database, runs `report`, maps the outcome to the exit code. */
static int with_db(const options *o, cg_report_opts *opts, db_report report)
{
	cg_audit *db = NULL;
	char *path = NULL;
	int error, violations = 0;

	if ((error = open_db(&db, &path, o, report == run_audit ? opts : NULL)) == 0) {
		opts->source = path;
		error = report(db, opts, &violations);
	}
	cg_audit_close(db);
	free(path);
	if (error < 0)
		return fail(error);
	return violations ? CG_EXIT_BLOCKED : CG_EXIT_OK;
}

static int cmd_report(const cg_args *p, const options *o, cg_report_opts *opts)
{
	(void)p;
	return with_db(o, opts, run_audit);
}

static int cmd_verify(const cg_args *p, const options *o, cg_report_opts *opts)
{
	(void)p;
	return with_db(o, opts, run_verify);
}

static int cmd_export(const cg_args *p, const options *o, cg_report_opts *opts)
{
	(void)p;
	return with_db(o, opts, run_export);
}

static int cmd_setup(const cg_args *p, const options *o, cg_report_opts *opts)
{
	(void)p;
	(void)opts;
	if (!o->db || !cg_audit_pg_is_url(o->db))
		return usage_error(NULL, "setup: --db names the PostgreSQL database "
		                   "(postgresql://... or service=NAME)");
	return cg_audit_pg_setup(o->db) < 0 ? fail(CG_ERROR) : CG_EXIT_OK;
}

/* The SQLite file --db, verified, into the chain --repository-id of --to,
 * then the copy verified. */
static int cmd_copy(const cg_args *p, const options *o, cg_report_opts *opts)
{
	cg_audit *from = NULL, *copy = NULL;
	const char *chain = o->repository_id;
	int64_t bad = 0;
	size_t copied = 0, checked = 0;
	int error;

	(void)p;
	(void)opts;
	if (!o->db || !o->to || cg_audit_pg_is_url(o->db) || !cg_audit_pg_is_url(o->to) || !chain)
		return usage_error(NULL, "copy: --db FILE --to URL --repository-id ID");
	if ((error = cg_audit_open_readonly(&from, o->db)) == 0 &&
	    (error = cg_audit_verify(from, &bad, &checked)) == 0 &&
	    (error = cg_audit_pg_import(o->to, chain, from, &copied)) == 0 &&
	    (error = cg_audit_pg_open(&copy, o->to, chain)) == 0 &&
	    (error = cg_audit_verify(copy, &bad, &checked)) == 0 && checked != copied)
		error = cg_error_set(CG_ERROR, "the copy holds %zu runs, not %zu", checked, copied);
	cg_audit_close(from);
	cg_audit_close(copy);
	if (error)
		return fail(error < 0 ? error : CG_ERROR);
	printf("copied %zu runs into repository '%s'; the chain verifies\n", copied, chain);
	return CG_EXIT_OK;
}

static int cmd_history(const cg_args *p, const options *o, cg_report_opts *opts)
{
	git_repository *repo = NULL;
	cg_policy *policy = NULL;
	size_t violations = 0;
	int error;

	(void)o;
	if ((error = open_repo(&repo)) == 0 &&
	    (error = cg_policy_find_head(&policy, repo)) == 0)
		error = cg_report_history(&violations, repo, policy, p->args, (size_t)p->nargs, opts);
	cg_policy_free(policy);
	git_repository_free(repo);
	if (error < 0)
		return fail(error);
	return violations ? CG_EXIT_BLOCKED : CG_EXIT_OK;
}

static int cmd_coverage(const cg_args *p, const options *o, cg_report_opts *opts)
{
	git_repository *repo = NULL;
	int error, incomplete = 0;

	(void)o;
	if ((error = open_repo(&repo)) == 0) {
		opts->source = git_repository_workdir(repo) ? git_repository_workdir(repo)
		                                            : git_repository_path(repo);
		error = cg_coverage_report(&incomplete, repo, p->nargs ? p->args[0] : NULL, opts);
	}
	git_repository_free(repo);
	if (error < 0)
		return fail(error);
	return incomplete ? CG_EXIT_BLOCKED : CG_EXIT_OK;
}

/* Runs the command on the output --output names; a failed report leaves no file. */
static int run(const command *cmd, const cg_args *p, const options *o)
{
	cg_report_opts opts = CG_REPORT_OPTS_INIT;
	const char *file = o->output;
	cg_output out;
	int error, code;

	opts.format = cmd->format;
	if ((error = read_options(&opts, o)) < 0)
		return usage_error(cmd, "%s", cg_error_last());
	opts.out = file ? fopen(file, "w") : stdout;
	if (!opts.out) {
		cg_error_set(CG_ERROR, "cannot write '%s': %s", file, strerror(errno));
		return fail(CG_ERROR);
	}
	cg_output_init(&out, opts.out);
	opts.color = out.color;
	code = cmd->run(p, o, &opts);
	if (file && fclose(opts.out) != 0 && code < CG_EXIT_USAGE) {
		cg_error_set(CG_ERROR, "cannot write '%s': %s", file, strerror(errno));
		code = fail(CG_ERROR);
	}
	if (file && code >= CG_EXIT_USAGE)
		unlink(file);
	return code;
}

int main(int argc, char **argv)
{
	const command *cmd = &commands[0];
	char **all_argv = argv;
	options o = { 0 };
	cg_args p;
	size_t i;
	int code;

	if (argc > 1 && !strcmp(argv[1], "--version")) {
		printf("changelog-audit %s\n", CG_VERSION);
		return CG_EXIT_OK;
	}
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		usage(stdout, NULL);
		return CG_EXIT_OK;
	}
	if (argc > 1 && argv[1][0] != '-') {
		for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
			if (!strcmp(argv[1], commands[i].name))
				break;
		if (i == sizeof(commands) / sizeof(commands[0]))
			return usage_error(NULL, "unknown command '%s'", argv[1]);
		cmd = &commands[i];
		argc--;
		argv++;
	}
	/* A walk over history fills tens of megabytes of caches and reads a
	 * CHANGELOG version per commit that edits it: on huge pages, a fifth
	 * of the page faults and a sixth less CPU (docs/benchmarks.md). */
	if (cmd->run == cmd_history)
		cg_heap_restart_huge(all_argv);
	git_libgit2_init();
	/* history reads each commit and tree about once: without libgit2's
	 * object cache its memory stays flat on long histories, and it is
	 * faster (measured on 20,000 commits). */
	git_libgit2_opts(GIT_OPT_ENABLE_CACHING, 0);
	/* Nor does it hash each object again as it reads it, as git log does
	 * not: the objects were hashed when git received or wrote them, and
	 * git fsck is the check for a damaged store. That was 37% of the
	 * work of history; a damaged object still fails to inflate or parse. */
	git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
	cg_heap_keep_freed();
	switch (cg_args_parse(&p, &cmd->spec, &o, argc - 1, argv + 1)) {
	case 0:
		code = run(cmd, &p, &o);
		break;
	case CG_ARGS_HELP:
		usage(stdout, cmd);
		code = CG_EXIT_OK;
		break;
	default:
		code = usage_error(cmd, "%s", cg_error_last());
	}
	git_libgit2_shutdown();
	cg_args_dispose(&p);
	return code;
}
