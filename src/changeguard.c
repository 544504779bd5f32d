/*
 * changeguard: the command line. An options table per command, one parser,
 * then each command opens what it needs, calls the library, prints, exits.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <git2.h>

#include "approval.h"
#include "args.h"
#include "buf.h"
#include "check.h"
#include "checklist.h"
#include "entry.h"
#include "error.h"
#include "fs.h"
#include "install.h"
#include "mergelog.h"
#include "output.h"
#include "policy.h"
#include "policy_find.h"
#include "rules.h"
#include "walk.h"

/* Per command, not counting --help; the table ends with an empty entry. */
#define MAX_OPTIONS 7

/* Every command's options, each bound to its member by the tables below. */
typedef struct {
	const char *server, *dir, *force, *staged, *format, *policy, *message, *version, *key,
	           *commit, *all, *every_directory, *kind, *no_progress, *quiet;
} options;

#define FIELD(member) CG_ARGS_FIELD(options, member)

typedef struct command command;
struct command {
	const char *name;
	const char *synopsis;   /* what follows "changeguard <name>" */
	const char *summary;
	const char *details;    /* more for --help; may be NULL */
	cg_args_option options[MAX_OPTIONS + 1];
	int min_args, max_args;
	int (*run)(const cg_args *p, const options *o);
	const command *subcommands;
};

/* --- options ------------------------------------------------------------- */

static cg_args_spec spec_of(const command *cmd)
{
	cg_args_spec spec = { cmd->options, ~0u, cmd->min_args, cmd->max_args };

	return spec;
}

static void usage(FILE *fp, const char *prefix, const command *cmd)
{
	cg_args_spec spec = spec_of(cmd);
	const command *sub;

	fprintf(fp, "usage: %s %s\n\n%s\n", prefix, cmd->synopsis, cmd->summary);
	if (cmd->details)
		fprintf(fp, "\n%s", cmd->details);
	if (cmd->subcommands)
		fputs("\ncommands:\n", fp);
	for (sub = cmd->subcommands; sub && sub->name; sub++)
		fprintf(fp, "   %-10s %s\n", sub->name, sub->summary);
	fputc('\n', fp);
	cg_args_print_options(fp, &spec, 22);
	if (cmd->subcommands)
		fprintf(fp, "\nSee '%s <command> --help' for what each command takes.\n", prefix);
}

static int usage_error(const char *prefix, const command *cmd, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int usage_error(const char *prefix, const command *cmd, const char *fmt, ...)
{
	va_list ap;

	fputs("error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	usage(stderr, prefix, cmd);
	return CG_EXIT_USAGE;
}

/* Runs `cmd` or, when it has subcommands, the one argv[0] names. */
static int dispatch(const char *prefix, const command *cmd, int argc, char **argv)
{
	const command *sub;
	cg_args_spec spec = spec_of(cmd);
	cg_buf name = CG_BUF_INIT;
	options o = { 0 };
	cg_args p;
	int code;

	if (cmd->subcommands && argc > 0 && argv[0][0] != '-') {
		for (sub = cmd->subcommands; sub->name && strcmp(sub->name, argv[0]); sub++)
			;
		if (!sub->name)
			return usage_error(prefix, cmd, "unknown command '%s'", argv[0]);
		cg_buf_printf(&name, "%s %s", prefix, sub->name);
		code = dispatch(name.ptr, sub, argc - 1, argv + 1);
		cg_buf_dispose(&name);
		return code;
	}
	switch (cg_args_parse(&p, &spec, &o, argc, argv)) {
	case 0:
		code = cmd->run ? cmd->run(&p, &o) : usage_error(prefix, cmd, "%s", "a command is needed");
		break;
	case CG_ARGS_HELP:
		usage(stdout, prefix, cmd);
		code = CG_EXIT_OK;
		break;
	default:
		code = usage_error(prefix, cmd, "%s", cg_error_last());
	}
	cg_args_dispose(&p);
	return code;
}

/* --- shared helpers ------------------------------------------------------- */

/* Prints the last error as git does its own, and maps it to the exit code. */
static int fail(int error, const char *hint)
{
	cg_output o;

	cg_output_init(&o, stderr);
	cg_output_error(&o, hint);
	return cg_error_exit_code(error);
}

/* The repository at `path`, or (NULL) the one git's environment and the
 * current directory name, as git finds it. */
static int open_repo(git_repository **out, const char *path)
{
	int error = path ? git_repository_open_ext(out, path, 0, NULL)
	                 : git_repository_open_ext(out, NULL, GIT_REPOSITORY_OPEN_FROM_ENV, NULL);

	if (error == GIT_ENOTFOUND)
		return cg_error_set(CG_ERROR, "not a git repository: '%s'", path ? path : ".");
	return error < 0 ? cg_error_from_git("cannot open the repository") : 0;
}

static int open_staged(cg_check **out)
{
	int error;

	if ((error = cg_check_open_staged(out)) == 0 && (error = cg_check_load_policy(*out)) < 0) {
		cg_check_free(*out);
		*out = NULL;
	}
	return error;
}

/* --- install, uninstall --------------------------------------------------- */

static const char *const action_text[] = {
	[CG_INSTALL_ADDED] = "installed",
	[CG_INSTALL_CHAINED] = "installed; the hook that was there runs after it, kept as",
	[CG_INSTALL_UPDATED] = "updated to this changeguard",
	[CG_INSTALL_UNCHANGED] = "already installed",
	[CG_INSTALL_REMOVED] = "removed",
	[CG_INSTALL_RESTORED] = "removed; the hook that was there before is back",
	[CG_INSTALL_FOREIGN] = "not changeguard's, left alone",
	[CG_INSTALL_ABSENT] = NULL,
};

/* Prints the steps; returns how many changed something. */
static size_t print_steps(const cg_install_report *r)
{
	size_t i, changed = 0;

	for (i = 0; i < r->nsteps; i++) {
		const cg_install_step *s = &r->steps[i];
		if (!action_text[s->action])
			continue;
		printf("%s: %s", s->hook, action_text[s->action]);
		if (s->action == CG_INSTALL_CHAINED)
			printf(" %s" CG_INSTALL_CHAINED_SUFFIX, s->hook);
		putchar('\n');
		changed += s->action != CG_INSTALL_UNCHANGED && s->action != CG_INSTALL_FOREIGN;
	}
	return changed;
}

static void print_server_help(const char *libexec)
{
	printf("\nOn a Git host, install pre-receive the host's way instead:\n"
	       "  GitLab (self-managed): as a server hook, for all repositories in\n"
	       "    <custom_hooks_dir>/pre-receive.d/ (gitaly config; Omnibus default\n"
	       "    /var/opt/gitlab/gitaly/custom_hooks), or for one repository in its\n"
	       "    custom_hooks/pre-receive.d/ (GitLab 15.11+: 'gitaly hooks set'):\n"
	       "      ln -s %s/pre-receive <custom_hooks_dir>/pre-receive.d/changeguard\n"
	       "  Gitea / Forgejo: every executable in <repo>.git/hooks/pre-receive.d/ runs:\n"
	       "      ln -s %s/pre-receive <repo>.git/hooks/pre-receive.d/changeguard\n"
	       "The server policy is 'git config changeguard.policy FILE' or $GIT_DIR/changeguard.yml.\n",
	       libexec, libexec);
}

/* The changelog merge driver, in the repository's configuration: it runs
 * this very program, as the hooks run the executables beside it. */
static int install_merge_driver(int *changed, git_repository *repo)
{
	cg_buf program = CG_BUF_INIT;
	int error;

	if ((error = cg_install_program(&program)) == 0)
		error = cg_mergelog_configure(changed, repo, program.ptr);
	cg_buf_dispose(&program);
	return error;
}

static int cmd_install(const cg_args *p, const options *o)
{
	cg_buf libexec = CG_BUF_INIT;
	git_repository *repo = NULL;
	cg_install_report r = { 0 };
	int server = o->server != NULL, driver = 0, error;
	size_t changed;

	if ((error = cg_install_libexec_dir(&libexec)) == 0 &&
	    (error = open_repo(&repo, p->nargs ? p->args[0] : NULL)) == 0 &&
	    (error = cg_install(&r, repo, libexec.ptr, server)) == 0 && !server)
		error = install_merge_driver(&driver, repo);
	changed = print_steps(&r);
	if (driver)
		printf("merge driver " CG_MERGELOG_DRIVER ": configured in the repository's git config\n");
	if (changed + (size_t)driver == 0 && !error)
		printf("changeguard: already installed in %s; nothing to do\n", r.hooks_dir);
	else if (!error)
		printf("changeguard: hooks installed in %s\n", r.hooks_dir);
	if (!error && server)
		print_server_help(libexec.ptr);
	cg_install_report_dispose(&r);
	git_repository_free(repo);
	cg_buf_dispose(&libexec);
	return error ? fail(error, NULL) : CG_EXIT_OK;
}

static int cmd_uninstall(const cg_args *p, const options *o)
{
	git_repository *repo = NULL;
	cg_install_report r = { 0 };
	int error;

	(void)o;
	if ((error = open_repo(&repo, p->nargs ? p->args[0] : NULL)) == 0 &&
	    (error = cg_uninstall(&r, repo)) == 0 && !git_repository_is_bare(repo))
		error = cg_mergelog_unconfigure(repo);
	if (print_steps(&r) == 0 && !error)
		printf("changeguard: no changeguard hooks in %s\n", r.hooks_dir);
	else if (!error)
		printf("changeguard: hooks removed from %s\n", r.hooks_dir);
	cg_install_report_dispose(&r);
	git_repository_free(repo);
	return error ? fail(error, NULL) : CG_EXIT_OK;
}

/* --- init, entry --------------------------------------------------------- */

/* init --every-directory: a CHANGELOG wherever every-directory mode needs one. */
static int init_directories(git_repository *repo)
{
	cg_entry_written w = { 0 };
	int error;

	error = cg_entry_init_directories(&w, repo);
	for (size_t i = 0; i < w.n; i++)
		printf("%s: written, with a first entry\n", w.paths[i]);
	if (!error && !w.n)
		printf("changeguard: every directory with tracked code has its CHANGELOG already\n");
	cg_entry_written_dispose(&w);
	return error;
}

/* The work tree to initialise: DIR's, else the one here. Outside a work
 * tree init writes nothing: its files would guard no repository. */
static int open_init_repo(git_repository **repo, const char *dir)
{
	int error = open_repo(repo, dir);

	if (!error && git_repository_is_bare(*repo))
		error = cg_error_set(CG_EUSAGE, "'%s' is a bare repository; run init in a clone "
		                     "with a work tree", git_repository_path(*repo));
	if (error) {
		git_repository_free(*repo);
		*repo = NULL;
		return fail(CG_EUSAGE, dir ? "give a directory inside a git work tree"
		                           : "run it inside a git work tree, or create one first: git init");
	}
	return 0;
}

/* The first commit: the files init wrote, named from where the user is (DIR
 * as given, else the top of the work tree from here); into a changelog that
 * was there already, the entry that commit needs; the policy's sign-off. */
static void print_init_hint(const char *dir, git_repository *repo, const cg_init_result *r)
{
	const char *files[] = { CG_POLICY_FILE, ".gitattributes", r->changelog };
	cg_buf top = CG_BUF_INIT, path = CG_BUF_INIT, cmd = CG_BUF_INIT, hint = CG_BUF_INIT;
	const cg_protect_group *g;
	cg_policy *p = NULL;
	cg_output out;
	size_t i;

	if (dir) {
		cg_buf_puts(&top, dir);
	} else {
		cg_fs_git_prefix(&path, git_repository_workdir(repo));
		cg_fs_relative(&top, path.ptr, "");
	}
	cg_buf_puts(&cmd, "git add");
	for (i = 0; i < 3; i++) {
		cg_buf_clear(&path);
		if (strcmp(top.ptr, "."))
			cg_buf_printf(&path, "%s/", top.ptr);
		cg_buf_printf(&path, "%s", files[i]);
		cg_buf_putc(&cmd, ' ');
		cg_buf_put_shell_quoted(&cmd, path.ptr);
	}
	if (!r->wrote_changelog) {
		cg_buf_puts(&cmd, " && changeguard entry --dir ");
		cg_buf_put_shell_quoted(&cmd, top.ptr);
		cg_buf_puts(&cmd, " 'Track changes with changeguard'");
	}
	cg_buf_puts(&cmd, " && git commit -m 'Track changes with changeguard'");
	cg_buf_clear(&path);
	cg_buf_printf(&path, "%s/" CG_POLICY_FILE, top.ptr);
	if (cg_policy_load_file(&p, path.ptr) == 0 &&
	    (g = cg_rules_signoff_group(p, CG_POLICY_FILE)) != NULL)
		cg_rules_signoff_hint(&hint, g, cmd.ptr);
	else
		cg_buf_puts(&hint, cmd.ptr);
	cg_buf_puts(&hint, "\nthen enforce it: changeguard install\n"
	            "a server with changeguard takes the policy signed off by an authorizer its own policy lists");
	cg_output_init(&out, stdout);
	cg_output_message(&out, "next: commit the policy, then install the hooks", hint.ptr);
	cg_policy_free(p);
	cg_buf_dispose(&top);
	cg_buf_dispose(&path);
	cg_buf_dispose(&cmd);
	cg_buf_dispose(&hint);
}

static int cmd_init(const cg_args *p, const options *o)
{
	git_repository *repo = NULL;
	cg_init_result r = { 0 };
	cg_buf how = CG_BUF_INIT;
	const char *dir = p->nargs ? p->args[0] : NULL;
	int attributes = 0, error;

	(void)o;
	if ((error = open_init_repo(&repo, dir)) != 0)
		return error;
	/* Without DIR, the files go to the work tree's root, where hooks look. */
	if ((error = cg_entry_init(&r, dir ? dir : git_repository_workdir(repo), repo)) == 0 &&
	    (error = cg_mergelog_write_attributes(&attributes, dir ? dir : git_repository_workdir(repo),
	                                          r.changelog, r.mode)) == 0) {
		printf("%s: %s\n", ".changeguard.yml", r.wrote_policy ? "written" : "exists, left as it is");
		printf("%s: %s\n", r.changelog, r.wrote_changelog ? "written, with a first entry"
		                                                  : "exists, left as it is");
		printf(".gitattributes: %s\n", attributes ? "merges the changelog with " CG_MERGELOG_DRIVER
		                                           : "already names the changelog's merge driver");
		if (!r.wrote_changelog &&
		    cg_entry_describe(&how, dir ? dir : git_repository_workdir(repo), repo) == 0)
			printf("%s\n", how.ptr);
		print_init_hint(dir, repo, &r);
	}
	if (!error && o->every_directory)
		error = init_directories(repo);
	free(r.changelog);
	cg_buf_dispose(&how);
	git_repository_free(repo);
	return error ? fail(error, NULL) : CG_EXIT_OK;
}

static int cmd_entry(const cg_args *p, const options *o)
{
	cg_entry_opts opts = CG_ENTRY_OPTS_INIT;
	cg_entry_written w = { 0 };
	cg_check *c = NULL;
	size_t i;
	int error;

	opts.dir = o->dir;
	opts.force = o->force != NULL;
	opts.kind = o->kind;
	if ((!o->all || (error = cg_entry_stage_all()) == 0) && (error = open_staged(&c)) == 0)
		error = cg_entry_add(&w, c, p->args[0], &opts);
	for (i = 0; i < w.n; i++)
		printf("changeguard: %s entry to %s, staged\n", w.created[i] ? "created with an" : "added an",
		       w.paths[i]);
	if (!error && !w.n)
		fprintf(stderr, "changeguard: the staged change needs no new changelog entry\n"
		        "hint: to add one anyway: changeguard entry --dir DIR \"message\"\n");
	cg_entry_written_dispose(&w);
	cg_check_free(c);
	return error ? fail(error, NULL) : CG_EXIT_OK;
}

/* --- check ----------------------------------------------------------------- */

/* The policy the range is judged by: --policy FILE, else the one in the
 * range's base (a change cannot vote on its own rules, as on the server),
 * else HEAD's, else the defaults. */
static int range_policy(cg_policy **out, git_repository *repo, const char *file,
                        const git_oid *base)
{
	char where[13];

	if (file)
		return cg_policy_load_file(out, file);
	if (!base)
		return cg_policy_find_head(out, repo);
	git_oid_tostr(where, sizeof(where), base);
	return cg_policy_find_commit(out, repo, base, where);
}

static int check_range(cg_checklist *run, cg_policy **policy, git_repository **repo,
                       const cg_args *p, const options *o)
{
	git_revwalk *walk = NULL;
	git_oid base;
	int error, has_base = 0, i;

	if ((error = open_repo(repo, NULL)) < 0)
		return error;
	if (git_revwalk_new(&walk, *repo) < 0)
		return cg_error_from_git("cannot walk the history");
	git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL | GIT_SORT_REVERSE);
	for (i = 0; i < p->nargs && !error; i++)
		error = cg_walk_push_rev(walk, *repo, p->args[i], &base, &has_base);
	if (!error && (error = range_policy(policy, *repo, o->policy, has_base ? &base : NULL)) == 0)
		error = cg_checklist_commits(run, *repo, *policy, walk, !o->no_progress && !o->quiet);
	git_revwalk_free(walk);
	return error;
}

/* check --all: every file of REVISION (default HEAD), under its policy. */
static int check_tree(cg_checklist *run, cg_policy **policy, git_repository **repo,
                      const cg_args *p, const char *policy_file)
{
	const char *rev = p->nargs ? p->args[0] : "HEAD";
	git_object *obj = NULL, *commit = NULL;
	int error;

	if ((error = open_repo(repo, NULL)) < 0)
		return error;
	if (git_revparse_single(&obj, *repo, rev) < 0 ||
	    git_object_peel(&commit, obj, GIT_OBJECT_COMMIT) < 0)
		error = cg_error_set(CG_EUSAGE, "'%s' is not a commit", rev);
	else if ((error = range_policy(policy, *repo, policy_file, git_object_id(commit))) == 0)
		error = cg_checklist_tree(run, *repo, *policy, (git_commit *)commit);
	git_object_free(commit);
	git_object_free(obj);
	return error;
}

static int cmd_check(const cg_args *p, const options *o)
{
	const char *format = o->format ? o->format : "text";
	int staged = o->staged != NULL || !p->nargs, error;
	git_repository *repo = NULL;
	cg_policy *policy = NULL;
	cg_checklist *run;
	cg_check *c = NULL;

	if (strcmp(format, "text") && strcmp(format, "json")) {
		fprintf(stderr, "error: --format must be text or json, not '%s'\n", format);
		return CG_EXIT_USAGE;
	}
	if ((o->staged || o->message) && (p->nargs || o->policy || o->all)) {
		fprintf(stderr, "error: --staged and --message take neither revisions, --all nor --policy\n");
		return CG_EXIT_USAGE;
	}
	if (o->all && p->nargs > 1) {
		fprintf(stderr, "error: --all takes one revision at most\n");
		return CG_EXIT_USAGE;
	}
	run = cg_checklist_new();
	if (o->all)
		error = check_tree(run, &policy, &repo, p, o->policy);
	else if (staged && (error = open_staged(&c)) == 0)
		error = cg_checklist_staged(run, c, o->message);
	else if (!staged)
		error = check_range(run, &policy, &repo, p, o);
	if (!error && !strcmp(format, "json"))
		cg_checklist_print_json(run, stdout, o->all ? "tree" : staged ? "staged" : "range");
	else if (!error)
		cg_checklist_print_text(run, stdout);
	if (!error)
		error = cg_checklist_blocked(run) ? CG_EXIT_BLOCKED : CG_EXIT_OK;
	else
		error = fail(error, NULL);
	cg_checklist_free(run);
	cg_policy_free(policy);
	cg_check_free(c);
	git_repository_free(repo);
	return error;
}

/* --- approve --------------------------------------------------------------- */

static int cmd_approve(const cg_args *p, const options *o)
{
	cg_buf key = CG_BUF_INIT, trailers = CG_BUF_INIT, summary = CG_BUF_INIT;
	git_repository *repo = NULL;
	cg_check *c = NULL;
	int error;

	(void)p;
	if (o->commit)
		error = open_repo(&repo, NULL);
	else if ((error = open_staged(&c)) == 0)
		repo = cg_check_repository(c);
	if (!error && (error = cg_approval_key(&key, repo, o->key)) == 0)
		error = o->commit ? cg_approval_sign_commit(&trailers, &summary, repo, o->commit, key.ptr)
		                  : cg_approval_sign(&trailers, &summary, cg_check_policy(c),
		                                     cg_check_changes(c), key.ptr);
	/* The trailers alone on stdout, for: git commit --trailer "$(changeguard approve)". */
	fputs(trailers.ptr, stdout);
	fputs(summary.ptr, stderr);
	if (c)
		cg_check_free(c);
	else
		git_repository_free(repo);
	cg_buf_dispose(&key);
	cg_buf_dispose(&trailers);
	cg_buf_dispose(&summary);
	return error ? fail(error, NULL) : CG_EXIT_OK;
}

/* --- merge-changelog (git's merge driver) ------------------------------------ */

static void print_merge_conflict(const char *path, const char *why)
{
	cg_buf msg = CG_BUF_INIT, hint = CG_BUF_INIT, top = CG_BUF_INIT;
	cg_output out;

	/* ':/' names the path from the top of the work tree, from any directory. */
	cg_buf_printf(&top, ":/%s", path);
	cg_buf_printf(&msg, "cannot merge '%s' entry by entry: %s", path, why);
	cg_buf_puts(&hint, "the file holds git's text merge: keep every entry once, then\n  git add ");
	cg_buf_put_shell_quoted(&hint, top.ptr);
	cg_output_init(&out, stderr);
	cg_output_message(&out, msg.ptr, hint.ptr);
	cg_buf_dispose(&msg);
	cg_buf_dispose(&hint);
	cg_buf_dispose(&top);
}

/* git runs it as `changeguard merge-changelog %O %A %B %P`, from the top of
 * the work tree; a non-zero exit is a conflict to git. The entry format is
 * HEAD's policy, the branch merged into, as `check` judges a range by its base. */
static int cmd_merge_changelog(const cg_args *p, const options *o)
{
	const char *path = p->nargs > 3 ? p->args[3] : p->args[1];
	git_repository *repo = NULL;
	cg_policy *policy = NULL;
	cg_mergelog_result r = { 0 };
	int error;

	(void)o;
	if (open_repo(&repo, NULL) == 0)
		error = range_policy(&policy, repo, NULL, NULL);
	else
		error = cg_policy_default(&policy);
	if (!error)
		error = cg_mergelog_files(&r, p->args[0], p->args[1], p->args[2],
		                          policy->changelog.entry_pattern, cg_mergelog_style_of(repo));
	if (!error && r.conflict)
		print_merge_conflict(path, r.why.ptr);
	error = error ? fail(error, NULL) : r.conflict ? CG_EXIT_BLOCKED : CG_EXIT_OK;
	cg_mergelog_result_dispose(&r);
	cg_policy_free(policy);
	git_repository_free(repo);
	return error;
}

/* --- policy, doctor --------------------------------------------------------- */

static int cmd_policy_show(const cg_args *p, const options *o)
{
	git_repository *repo = NULL;
	cg_policy *defaults = NULL;
	cg_buf out = CG_BUF_INIT;
	cg_check *c = NULL;
	int error;

	(void)p;
	(void)o;
	/* Outside a repository, the built-in defaults are what would apply. */
	if (open_repo(&repo, NULL) < 0)
		error = cg_policy_default(&defaults);
	else
		error = open_staged(&c);
	if (!error) {
		const cg_policy *policy = c ? cg_check_policy(c) : defaults;
		cg_buf_printf(&out, "# effective policy, from %s%s\n", policy->source,
		              c && !policy->builtin ? " (staged)" : "");
		cg_policy_format(&out, policy);
		fwrite(out.ptr, 1, out.size, stdout);
	}
	cg_buf_dispose(&out);
	cg_policy_free(defaults);
	cg_check_free(c);
	git_repository_free(repo);
	return error ? fail(error, "check it with: changeguard policy validate .changeguard.yml")
	             : CG_EXIT_OK;
}

static int cmd_policy_validate(const cg_args *p, const options *o)
{
	git_repository *repo = NULL;
	cg_buf path = CG_BUF_INIT;
	cg_policy *policy = NULL;
	int error;

	(void)o;
	if (p->nargs)
		cg_buf_puts(&path, p->args[0]);
	else if (open_repo(&repo, NULL) == 0 && git_repository_workdir(repo))
		cg_buf_printf(&path, "%s" CG_POLICY_FILE, git_repository_workdir(repo));
	else
		cg_buf_puts(&path, CG_POLICY_FILE);
	error = cg_policy_load_file(&policy, path.ptr);
	if (error == CG_ENOTFOUND && !p->nargs) {
		printf("changeguard: no .changeguard.yml; the built-in defaults apply\n");
		error = 0;
	} else if (!error) {
		printf("changeguard: %s is valid\n", path.ptr);
	} else {
		/* FILE:LINE:COL: message, as compilers write it, for editors. */
		fprintf(stderr, "%s\n", cg_error_last());
		error = CG_EXIT_USAGE;
	}
	cg_policy_free(policy);
	cg_buf_dispose(&path);
	git_repository_free(repo);
	return error;
}

static int cmd_doctor(const cg_args *p, const options *o)
{
	cg_buf libexec = CG_BUF_INIT;
	cg_doctor_report r = { 0 };
	cg_check *c = NULL;
	size_t i;
	int found = cg_install_libexec_dir(&libexec) == 0, error;

	(void)p;
	(void)o;
	if ((error = cg_check_open_staged(&c)) < 0) {
		cg_buf_dispose(&libexec);
		return fail(error, NULL);
	}
	cg_install_doctor(&r, c, found ? libexec.ptr : NULL);
	for (i = 0; i < r.n; i++) {
		printf("%s: %s\n", r.items[i].ok ? "ok" : "problem", r.items[i].what);
		if (r.items[i].hint)
			printf("hint: %s\n", r.items[i].hint);
	}
	if (r.problems)
		printf("changeguard: %zu problem%s found\n", r.problems, r.problems == 1 ? "" : "s");
	else
		printf("changeguard: everything is in place\n");
	error = r.problems ? CG_EXIT_BLOCKED : CG_EXIT_OK;
	cg_doctor_report_dispose(&r);
	cg_check_free(c);
	cg_buf_dispose(&libexec);
	return error;
}

/* --- the table ---------------------------------------------------------------- */

static int cmd_help(const cg_args *p, const options *o);

static const command policy_commands[] = {
	{ "show", "", "print the effective policy (the staged .changeguard.yml, else the defaults) with every key",
	  NULL, { { 0 } }, 0, 0, cmd_policy_show, NULL },
	{ "validate", "[FILE]", "check a policy file (default: .changeguard.yml of the work tree)",
	  "Errors are printed as FILE:LINE:COL: message; the exit status is then 2.\n",
	  { { 0 } }, 0, 1, cmd_policy_validate, NULL },
	{ 0 }
};

static const command commands[] = {
	{ "install", "[--server] [REPO]", "link changeguard's hooks into a repository",
	  "Writes pre-commit, prepare-commit-msg and commit-msg into the hooks directory\n"
	  "git uses (core.hooksPath, or the common directory's hooks/ in a worktree) as\n"
	  "small wrappers around the hooks beside this changeguard. A hook already there\n"
	  "is kept as <hook>" CG_INSTALL_CHAINED_SUFFIX " and runs after changeguard's.\n"
	  "Without --server, also defines the CHANGELOG merge driver in the repository's\n"
	  "git config (merge." CG_MERGELOG_DRIVER ".driver; see merge-changelog).\n",
	  { { "--server", NULL, "install pre-receive into a bare (server) repository", FIELD(server) } },
	  0, 1, cmd_install, NULL },
	{ "uninstall", "[REPO]", "remove changeguard's hooks, putting back the ones they chained",
	  NULL, { { 0 } }, 0, 1, cmd_uninstall, NULL },
	{ "init", "[--every-directory] [DIR]", "write a commented .changeguard.yml and a CHANGELOG.md where missing",
	  "DIR defaults to the root of the repository here. Also adds the line that\n"
	  "merges the CHANGELOG with changeguard's driver to .gitattributes. Then:\n"
	  "git add -A, and commit with a Policy-Authorized-By trailer.\n"
	  "With --every-directory, also writes a CHANGELOG into every directory of the\n"
	  "index with a file that needs entries and none yet, as changelog.mode\n"
	  "every-directory asks (set that mode in the policy yourself).\n",
	  { { "--every-directory", NULL, "a CHANGELOG in every directory with tracked code",
	      FIELD(every_directory) } }, 0, 1, cmd_init, NULL },
	{ "entry", "[--dir DIR] [--force] [--kind KIND] [--all] MESSAGE",
	  "add a dated entry to each CHANGELOG the staged change needs, and stage it",
	  "The entry is '- <UTC time> <git author>: MESSAGE', placed where the file's\n"
	  "entries go: under its '## [Unreleased]' heading when it has one, at the top\n"
	  "of a newest-first list, at the end of an oldest-first one, never after a\n"
	  "trailing list of link definitions. With --kind, under that subsection of\n"
	  "Unreleased (### Added, Changed, Deprecated, Removed, Fixed, Security),\n"
	  "created when missing. A CHANGELOG that is not UTF-8 is left alone.\n",
	  { { "--dir", "DIR", "write DIR's CHANGELOG instead", FIELD(dir) },
	    { "--force", NULL, "write even into a CHANGELOG with unstaged changes (staging them)",
	      FIELD(force) },
	    { "--kind", "KIND", "keep-a-changelog subsection: added, changed, fixed, ...", FIELD(kind) },
	    { "--all", NULL, "first stage every tracked file's changes, as git commit -a does",
	      FIELD(all) } },
	  1, 1, cmd_entry, NULL },
	{ "check", "[--staged [--message FILE] | REVISION... | --all [REVISION]] [--format text|json] [--policy FILE]",
	  "evaluate the policy without committing, for CI",
	  "Without revisions, checks the staged change as a final decision, with the\n"
	  "trailers of the commit message in FILE when given. Revisions are read as\n"
	  "git rev-list reads them (origin/main..HEAD, A...B, ^A B); each commit is\n"
	  "checked as the server checks it, under the policy of the range's base.\n"
	  "With --all, every file tracked at REVISION (default HEAD) is judged as if\n"
	  "it were added, under that commit's policy: backups, stray and duplicate\n"
	  "copies already in the repository, which never block a commit that leaves\n"
	  "them be.\n"
	  "Exit status: 0 allowed, 1 a change is refused, 2 usage, 3 runtime error.\n",
	  { { "--staged", NULL, "check the staged change (the default)", FIELD(staged) },
	    { "--format", "text|json", "output format (default text)", FIELD(format) },
	    { "--policy", "FILE", "judge a range by this policy file", FIELD(policy) },
	    { "--message", "FILE", "the commit message, whose trailers count (commit-msg)",
	      FIELD(message) },
	    { "--all", NULL, "judge every tracked file (forbid rule), not a change", FIELD(all) },
	    { "--no-progress", NULL, "no progress line on a terminal's standard error",
	      FIELD(no_progress) },
	    { "--quiet", NULL, "the same as --no-progress", FIELD(quiet) } },
	  0, -1, cmd_check, NULL },
	{ "approve", "[--commit REV] [--key KEY]",
	  "sign an approval of the protected change (verify: signature), for an authorizer",
	  "Signs, with the authorizer's SSH key, what the staged change (or the commit\n"
	  "REV) does to each protected path of the groups with 'verify: signature':\n"
	  "the group, and each path's old and new content. Prints one trailer per\n"
	  "group, to commit with:\n"
	  "  git commit --trailer \"$(changeguard approve)\"\n"
	  "  git commit --amend --trailer \"$(changeguard approve --commit HEAD)\"\n"
	  "The approval holds through rebase, cherry-pick and squash while those\n"
	  "paths change the same way. See docs/approvals.md.\n",
	  { { "--commit", "REV", "approve that commit's change instead of the staged one",
	      FIELD(commit) },
	    { "--key", "KEY", "the SSH key to sign with (default: git config user.signingKey)",
	      FIELD(key) } },
	  0, 0, cmd_approve, NULL },
	{ "merge-changelog", "BASE OURS THEIRS [PATH]",
	  "git's merge driver for CHANGELOG files: every side's new entries, once",
	  "Configured by 'changeguard install' (merge." CG_MERGELOG_DRIVER ".driver) and named\n"
	  "in .gitattributes by 'changeguard init'. Writes the merge into OURS. When a\n"
	  "side did more than add entries, OURS gets git's text merge with conflict\n"
	  "markers. Exit status: 0 merged, 1 conflict, 2 usage, 3 runtime error.\n",
	  { { 0 } }, 3, 4, cmd_merge_changelog, NULL },
	{ "policy", "<command>", "show or validate the policy", NULL, { { 0 } }, 0, 0, NULL,
	  policy_commands },
	{ "doctor", "", "check the installation: executables, hooks, policy, audit database",
	  "Exit status 1 when a problem is found; each comes with a hint.\n",
	  { { 0 } }, 0, 0, cmd_doctor, NULL },
	{ "help", "[COMMAND]", "show a command's help", NULL, { { 0 } }, 0, 1, cmd_help, NULL },
	{ 0 }
};

static const command changeguard = {
	"changeguard", "[--version] <command> [<args>]",
	"Enforces dated CHANGELOG entries and sign-off for protected paths in git.",
	NULL, { { "--version", NULL, "print the version", FIELD(version) } }, 0, -1, NULL, commands
};

static int cmd_help(const cg_args *p, const options *o)
{
	char *argv[2] = { p->nargs ? p->args[0] : NULL, (char *)"--help" };

	(void)o;
	if (!p->nargs) {
		usage(stdout, "changeguard", &changeguard);
		return CG_EXIT_OK;
	}
	return dispatch("changeguard", &changeguard, 2, argv);
}

int main(int argc, char **argv)
{
	int code;

	if (argc > 1 && !strcmp(argv[1], "--version")) {
		printf("changeguard %s\n", CG_VERSION);
		return CG_EXIT_OK;
	}
	git_libgit2_init();
	code = dispatch("changeguard", &changeguard, argc - 1, argv + 1);
	git_libgit2_shutdown();
	return code;
}
