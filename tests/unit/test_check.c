/* Unit tests of lib/check.c: the staged check on real repositories the
 * tests make with the git command line, as a hook finds them. */
#define _XOPEN_SOURCE 700

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "scratch.h"

#include <git2.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "error.h"
#include "rules.h"

/* Each case: shell commands run in a new repository (git init done; the
 * word ENTRY stands for a changelog line dated now), then the staged check
 * as a final decision (an empty message: no trailers will follow). */
typedef struct {
	const char *name;
	const char *setup;
	cg_verdict want;
	const char *rule;          /* the first finding's; NULL: none */
	int unborn;
} check_case;

#define COMMITTED_LOG \
	"printf '# Changelog\\n\\nENTRY setup: first\\n' >CHANGELOG.md && echo 1 >a.c && " \
	"git add . && git commit -q -m initial && "

static const check_case cases[] = {
	{ "a change that needs an entry",
	  COMMITTED_LOG "echo 2 >a.c && git add a.c",
	  CG_VERDICT_BLOCKED, "changelog", 0 },
	{ "a change with its entry",
	  COMMITTED_LOG "echo 2 >a.c && printf '# Changelog\\n\\nENTRY t: a.c two\\nENTRY setup: first\\n' "
	  ">CHANGELOG.md && git add .",
	  CG_VERDICT_ALLOWED, NULL, 0 },
	{ "nothing staged",
	  COMMITTED_LOG "echo 2 >a.c",
	  CG_VERDICT_ALLOWED, NULL, 0 },
	{ "an unborn branch with its first entry",
	  "printf '# Changelog\\n\\nENTRY setup: first\\n' >CHANGELOG.md && echo 1 >a.c && git add .",
	  CG_VERDICT_ALLOWED, NULL, 1 },
	{ "an unborn branch without a changelog",
	  "echo 1 >a.c && git add .",
	  CG_VERDICT_BLOCKED, "changelog", 1 },
};

static char start_dir[4096];

static int setup(void **state)
{
	(void)state;
	git_libgit2_init();
	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
	setenv("GIT_AUTHOR_NAME", "T", 1);
	setenv("GIT_AUTHOR_EMAIL", "t@example.com", 1);
	setenv("GIT_COMMITTER_NAME", "T", 1);
	setenv("GIT_COMMITTER_EMAIL", "t@example.com", 1);
	unsetenv("GIT_DIR");
	unsetenv("GIT_INDEX_FILE");
	unsetenv("GIT_WORK_TREE");
	return getcwd(start_dir, sizeof(start_dir)) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	git_libgit2_shutdown();
	return 0;
}

/* `setup` with ENTRY replaced by "- <now>", run by sh in `dir`. */
static void run_setup(const char *dir, const char *setup)
{
	char stamp[32], cmd[2048], *p;
	time_t now = time(NULL);
	size_t n;

	strftime(stamp, sizeof(stamp), "- %Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	n = (size_t)snprintf(cmd, sizeof(cmd), "cd '%s' && git init -q && HOME='%s' && ", dir, dir);
	for (p = (char *)setup; *p && n < sizeof(cmd) - 32; p++) {
		if (!strncmp(p, "ENTRY", 5)) {
			n += (size_t)snprintf(cmd + n, sizeof(cmd) - n, "%s", stamp);
			p += 4;
		} else {
			cmd[n++] = *p;
		}
	}
	cmd[n] = '\0';
	if (system(cmd) != 0)
		fail_msg("setup failed: %s", cmd);
}

static void test_staged_check(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const check_case *c = &cases[i];
		char dir[4096];
		cg_check *chk = NULL;
		cg_result *r = NULL;

		assert_int_equal(scratch_make(dir, sizeof(dir), "check"), 0);
		run_setup(dir, c->setup);
		assert_int_equal(chdir(dir), 0);
		if (cg_check_open_staged(&chk) < 0 || cg_check_load_policy(chk) < 0 ||
		    cg_check_evaluate(&r, chk, "", 0) < 0)
			fail_msg("%s: %s", c->name, cg_error_last());
		assert_int_equal(git_repository_head_unborn(cg_check_repository(chk)), c->unborn);
		if (r->verdict != c->want)
			fail_msg("%s: verdict %s, want %s", c->name, cg_verdict_name(r->verdict),
			         cg_verdict_name(c->want));
		if (c->rule ? !r->nfindings || strcmp(r->findings[0].rule, c->rule) : r->nfindings != 0)
			fail_msg("%s: %zu findings, the first %s, want %s", c->name, r->nfindings,
			         r->nfindings ? r->findings[0].rule : "none", c->rule ? c->rule : "none");
		cg_result_free(r);
		cg_check_free(chk);
		assert_int_equal(chdir(start_dir), 0);
		scratch_remove(dir);
	}
}

/* Outside a repository the check says so, for the hook's message. */
static void test_not_a_repository(void **state)
{
	char dir[4096];
	cg_check *chk = NULL;

	(void)state;
	assert_int_equal(scratch_make(dir, sizeof(dir), "check"), 0);
	assert_int_equal(chdir(dir), 0);
	setenv("GIT_CEILING_DIRECTORIES", dir, 1);
	assert_int_equal(cg_check_open_staged(&chk), CG_ERROR);
	assert_null(chk);
	assert_string_equal(cg_error_last(), "not in a git repository");
	unsetenv("GIT_CEILING_DIRECTORIES");
	assert_int_equal(chdir(start_dir), 0);
	scratch_remove(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_staged_check),
		cmocka_unit_test(test_not_a_repository),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
