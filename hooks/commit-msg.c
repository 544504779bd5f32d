/* commit-msg: git's commit-msg hook; all of its work is in lib/hook.c. */
#include "hook.h"

int main(int argc, char **argv)
{
	return cg_hook_run(CG_HOOK_COMMIT_MSG, argc, argv);
}
