/*
 * hook.h: the local hooks from start to end (open, check, print, record), so
 * that each hook executable is a call to cg_hook_run and nothing else.
 */
#ifndef CG_HOOK_H
#define CG_HOOK_H

typedef enum {
	CG_HOOK_PRE_COMMIT,
	CG_HOOK_PREPARE_COMMIT_MSG,
	CG_HOOK_COMMIT_MSG
} cg_hook_kind;

/* Runs the hook with git's arguments (argv[0] is the program) and returns
 * the exit code; answers --help and --version itself. */
int cg_hook_run(cg_hook_kind kind, int argc, char **argv);

#endif
