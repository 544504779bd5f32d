/* commit-msg: git's commit-msg hook (the final local decision);
 * the work is in lib/hook.c. */
#include <git2.h>

#include "args.h"
#include "hook.h"

static const char usage[] =
	"usage: commit-msg <message-file>\n"
	"Run by git after the message is written: the final local decision.\n";

int main(int argc, char **argv)
{
	cg_args a;
	int code = cg_args_hook(&a, "commit-msg", usage, 1, 1, argc, argv);

	if (code < 0) {
		git_libgit2_init();
		code = cg_hook_run(CG_HOOK_COMMIT_MSG, a.args[0], NULL);
		git_libgit2_shutdown();
	}
	cg_args_dispose(&a);
	return code;
}
