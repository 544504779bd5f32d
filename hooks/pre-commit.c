/* pre-commit: git's pre-commit hook; all of its work is in lib/hook.c. */
#include "hook.h"

int main(int argc, char **argv)
{
	return cg_hook_run(CG_HOOK_PRE_COMMIT, argc, argv);
}
