/*
 * hook.h: the local hooks' work from the parsed command line to the exit code
 * (open, check, print, record), for the thin mains in hooks/.
 */
#ifndef CG_HOOK_H
#define CG_HOOK_H

typedef enum {
	CG_HOOK_PRE_COMMIT,
	CG_HOOK_PREPARE_COMMIT_MSG,
	CG_HOOK_COMMIT_MSG
} cg_hook_kind;

/* Runs the hook on the change git is committing and returns the exit code.
 * `message_file` is git's first argument (NULL for pre-commit), `source`
 * prepare-commit-msg's second (NULL when git gave none). The caller has
 * initialised libgit2. */
int cg_hook_run(cg_hook_kind kind, const char *message_file, const char *source);

#endif
