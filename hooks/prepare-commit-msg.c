/* prepare-commit-msg: git's prepare-commit-msg hook (says in the message what the commit still needs);
 * the work is in lib/hook.c. */
#include <git2.h>

#include "args.h"
#include "hook.h"

static const char usage[] =
	"usage: prepare-commit-msg <message-file> [<source> [<commit>]]\n"
	"Run by git before the editor opens: adds comment lines saying what the\n"
	"commit still needs (a changelog entry, a sign-off trailer).\n";

int main(int argc, char **argv)
{
	cg_args a;
	int code = cg_args_hook(&a, "prepare-commit-msg", usage, 1, 3, argc, argv);

	if (code < 0) {
		git_libgit2_init();
		code = cg_hook_run(CG_HOOK_PREPARE_COMMIT_MSG, a.args[0], a.nargs > 1 ? a.args[1] : NULL);
		git_libgit2_shutdown();
	}
	cg_args_dispose(&a);
	return code;
}
