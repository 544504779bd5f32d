/*
 * test_install.c: lib/install on real repositories made with git: install
 * into a fresh repository, chaining the hook found there, installing twice,
 * uninstalling back to the very bytes and modes, the server hook, and what
 * doctor finds before and after.
 */
#define _GNU_SOURCE /* nftw, for scratch.h */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <git2.h>

#include "buf.h"
#include "check.h"
#include "error.h"
#include "install.h"
#include "scratch.h"

static char root[256];
static char libexec[512];

/* A hook of someone else's that leaves a mark when it runs. */
#define THEIRS "printf '#!/bin/sh\\necho ran >>\"$PWD/chained.ran\"\\n' >.git/hooks/pre-commit && "

typedef struct {
	const char *name;
	const char *script;      /* builds the repository; `bare` makes it with --bare */
	int bare;
	int server;
	int error;               /* what cg_install returns */
	const char *installed;   /* "hook:action ..." */
	const char *again;       /* a second install */
	const char *removed;     /* uninstall */
} install_case;

static const install_case install_cases[] = {
	{ "a fresh repository", "true", 0, 0, 0,
	  "pre-commit:added prepare-commit-msg:added commit-msg:added",
	  "pre-commit:unchanged prepare-commit-msg:unchanged commit-msg:unchanged",
	  "pre-commit:removed prepare-commit-msg:removed commit-msg:removed pre-receive:absent" },
	{ "a hook of theirs is chained, and put back", THEIRS "chmod 750 .git/hooks/pre-commit", 0, 0, 0,
	  "pre-commit:chained prepare-commit-msg:added commit-msg:added",
	  "pre-commit:unchanged prepare-commit-msg:unchanged commit-msg:unchanged",
	  "pre-commit:restored prepare-commit-msg:removed commit-msg:removed pre-receive:absent" },
	{ "core.hooksPath is where git looks",
	  "mkdir ../hooks-elsewhere && git config core.hooksPath ../hooks-elsewhere", 0, 0, 0,
	  "pre-commit:added prepare-commit-msg:added commit-msg:added",
	  "pre-commit:unchanged prepare-commit-msg:unchanged commit-msg:unchanged",
	  "pre-commit:removed prepare-commit-msg:removed commit-msg:removed pre-receive:absent" },
	{ "the server hook", "true", 1, 1, 0, "pre-receive:added", "pre-receive:unchanged",
	  "pre-commit:absent prepare-commit-msg:absent commit-msg:absent pre-receive:removed" },
	{ "local hooks into a bare repository are refused", "true", 1, 0, CG_EUSAGE, "", "", "" },
};

static const char *const action_names[] = {
	[CG_INSTALL_ADDED] = "added",         [CG_INSTALL_CHAINED] = "chained",
	[CG_INSTALL_UPDATED] = "updated",     [CG_INSTALL_UNCHANGED] = "unchanged",
	[CG_INSTALL_REMOVED] = "removed",     [CG_INSTALL_RESTORED] = "restored",
	[CG_INSTALL_FOREIGN] = "foreign",     [CG_INSTALL_ABSENT] = "absent",
};

/* Stand-ins for the hook executables, so that the wrappers can run. */
static int make_libexec(void)
{
	static const char *const hooks[] = { "pre-commit", "prepare-commit-msg", "commit-msg",
	                                     "pre-receive" };
	char path[640];
	size_t i;
	FILE *fp;

	snprintf(libexec, sizeof(libexec), "%s/libexec", root);
	mkdir(libexec, 0755);
	for (i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/%s", libexec, hooks[i]);
		if (!(fp = fopen(path, "w")))
			return -1;
		fputs("#!/bin/sh\necho ours >>\"$PWD/ours.ran\"\n", fp);
		fclose(fp);
		chmod(path, 0755);
	}
	return 0;
}

static int setup(void **state)
{
	(void)state;
	if (scratch_make(root, sizeof(root), "install") < 0)
		return -1;
	scratch_git_env(root, NULL);
	git_libgit2_init();
	return make_libexec();
}

static int teardown(void **state)
{
	(void)state;
	git_libgit2_shutdown();
	return scratch_remove(root);
}

static void describe(cg_buf *out, const cg_install_report *r)
{
	size_t i;

	cg_buf_clear(out);
	for (i = 0; i < r->nsteps; i++)
		cg_buf_printf(out, "%s%s:%s", i ? " " : "", r->steps[i].hook,
		              action_names[r->steps[i].action]);
}

/* The files of a hooks directory, with their modes and contents' sums. */
static void hooks_listing(cg_buf *out, const char *hooks_dir)
{
	cg_buf cmd = CG_BUF_INIT;
	char chunk[4096];
	size_t n;
	FILE *fp;

	cg_buf_clear(out);
	cg_buf_printf(&cmd, "cd '%s' && for f in *; do test -f \"$f\" || continue; "
	              "printf '%%s %%s ' \"$f\" \"$(stat -c %%a \"$f\")\" && md5sum <\"$f\"; done",
	              hooks_dir);
	assert_non_null(fp = popen(cmd.ptr, "r"));
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		cg_buf_put(out, chunk, n);
	assert_int_equal(pclose(fp), 0);
	cg_buf_dispose(&cmd);
}

static void expect_steps(const install_case *ic, const char *step, cg_buf *got, const char *want)
{
	if (strcmp(got->ptr, want))
		fail_msg("'%s', %s: got '%s', want '%s'", ic->name, step, got->ptr, want);
}

/* The local wrapper runs ours, then theirs when there was one. */
static void run_wrapper(const install_case *ic, const char *dir, const char *hooks_dir)
{
	cg_buf cmd = CG_BUF_INIT;
	int theirs = !strncmp(ic->script, THEIRS, strlen(THEIRS));

	cg_buf_printf(&cmd, "cd '%s' && rm -f ours.ran chained.ran && '%s/pre-commit' && test -f ours.ran "
	              "&& %s test -f chained.ran", dir, hooks_dir, theirs ? "" : "!");
	if (system(cmd.ptr) != 0)
		fail_msg("'%s': the wrapper did not run %s", ic->name, theirs ? "both hooks" : "ours alone");
	cg_buf_dispose(&cmd);
}

static void run_install_case(const install_case *ic, size_t n)
{
	char dir[512], name[32];
	cg_buf script = CG_BUF_INIT, steps = CG_BUF_INIT, hooks = CG_BUF_INIT;
	cg_buf before = CG_BUF_INIT, after = CG_BUF_INIT;
	cg_install_report first = { 0 }, again = { 0 }, removed = { 0 };
	git_repository *repo = NULL;
	int rc;

	snprintf(name, sizeof(name), "install%zu", n);
	if (ic->bare)
		cg_buf_printf(&script, "cd .. && rm -rf %s && git init -q --bare %s", name, name);
	else
		cg_buf_puts(&script, ic->script);
	assert_int_equal(scratch_repo(dir, sizeof(dir), root, name, script.ptr), 0);
	assert_int_equal(git_repository_open(&repo, dir), 0);
	assert_int_equal(cg_install_hooks_dir(&hooks, repo), 0);
	hooks_listing(&before, hooks.ptr);
	rc = cg_install(&first, repo, libexec, ic->server);
	if (rc != ic->error)
		fail_msg("'%s': cg_install returned %d, want %d", ic->name, rc, ic->error);
	if (rc == 0) {
		assert_string_equal(first.hooks_dir, hooks.ptr);
		describe(&steps, &first);
		expect_steps(ic, "install", &steps, ic->installed);
		if (!ic->server)
			run_wrapper(ic, dir, hooks.ptr);
		assert_int_equal(cg_install(&again, repo, libexec, ic->server), 0);
		describe(&steps, &again);
		expect_steps(ic, "installed again", &steps, ic->again);
		assert_int_equal(cg_uninstall(&removed, repo), 0);
		describe(&steps, &removed);
		expect_steps(ic, "uninstall", &steps, ic->removed);
	}
	hooks_listing(&after, hooks.ptr);
	if (strcmp(before.ptr, after.ptr))
		fail_msg("'%s': the hooks directory held\n%snow\n%s", ic->name, before.ptr, after.ptr);
	cg_install_report_dispose(&first);
	cg_install_report_dispose(&again);
	cg_install_report_dispose(&removed);
	git_repository_free(repo);
	cg_buf_dispose(&script);
	cg_buf_dispose(&steps);
	cg_buf_dispose(&hooks);
	cg_buf_dispose(&before);
	cg_buf_dispose(&after);
}

static void test_install_uninstall(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(install_cases) / sizeof(*install_cases); i++)
		run_install_case(&install_cases[i], i);
}

/* The number of problems doctor finds in `dir`, its lines into `lines`. */
static size_t doctor(cg_buf *lines, const char *dir)
{
	cg_doctor_report r = { 0 };
	cg_check *c = NULL;
	char cwd[1024];
	size_t i, problems;

	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(dir), 0);
	assert_int_equal(cg_check_open_staged(&c), 0);
	assert_int_equal(cg_install_doctor(&r, c, libexec), 0);
	assert_int_equal(chdir(cwd), 0);
	cg_buf_clear(lines);
	for (i = 0; i < r.n; i++)
		cg_buf_printf(lines, "%s %s\n", r.items[i].ok ? "ok" : "PROBLEM", r.items[i].what);
	problems = r.problems;
	cg_doctor_report_dispose(&r);
	cg_check_free(c);
	return problems;
}

/* Doctor finds the missing hooks and a bad policy, and nothing once both
 * are mended. */
static void test_doctor(void **state)
{
	static const struct {
		const char *script;
		size_t problems;
		const char *line;     /* a line doctor must print */
	} cases[] = {
		{ "true", 3, "PROBLEM " },
		{ "INSTALL", 0, "ok " },
		{ "printf 'changelog:\\n  mode: sideways\\n' >.changeguard.yml && git add .changeguard.yml", 1,
		  "PROBLEM " },
	};
	char dir[512];
	cg_buf lines = CG_BUF_INIT, cmd = CG_BUF_INIT;
	cg_install_report rep = { 0 };
	git_repository *repo = NULL;
	size_t i, got;

	(void)state;
	assert_int_equal(scratch_repo(dir, sizeof(dir), root, "doctor", "true"), 0);
	assert_int_equal(git_repository_open(&repo, dir), 0);
	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		if (!strcmp(cases[i].script, "INSTALL")) {
			assert_int_equal(cg_install(&rep, repo, libexec, 0), 0);
		} else {
			cg_buf_clear(&cmd);
			cg_buf_printf(&cmd, "cd '%s' && %s", dir, cases[i].script);
			assert_int_equal(system(cmd.ptr), 0);
		}
		got = doctor(&lines, dir);
		if (got != cases[i].problems || !strstr(lines.ptr, cases[i].line))
			fail_msg("step %zu: %zu problems (want %zu):\n%s", i, got, cases[i].problems, lines.ptr);
	}
	cg_install_report_dispose(&rep);
	git_repository_free(repo);
	cg_buf_dispose(&lines);
	cg_buf_dispose(&cmd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_install_uninstall),
		cmocka_unit_test(test_doctor),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
