/* pre-commit: git's pre-commit hook (checks the staged change before a commit);
 * the work is in lib/hook.c. */
#include <git2.h>

#include "args.h"
#include "hook.h"

static const char usage[] =
	"usage: pre-commit\n"
	"Run by git before a commit: checks the staged change against the policy.\n"
	"Findings a trailer can settle are left to commit-msg.\n";

int main(int argc, char **argv)
{
	cg_args a;
	int code = cg_args_hook(&a, "pre-commit", usage, 0, 0, argc, argv);

	if (code < 0) {
		git_libgit2_init();
		code = cg_hook_run(CG_HOOK_PRE_COMMIT, NULL, NULL);
		git_libgit2_shutdown();
	}
	cg_args_dispose(&a);
	return code;
}
