/*
 * receive.h: the server-side pre-receive hook: git's ref updates in, every
 * commit the push brings checked once against the server's policy, all refs accepted or none.
 */
#ifndef CG_RECEIVE_H
#define CG_RECEIVE_H

#include <stdio.h>

#include "receive_input.h"

/* The whole hook: reads the updates from `in`, opens the repository inside
 * git's quarantine (never writing objects or refs), checks, prints to `err`
 * (each line prefixed "GL-HOOK-ERR: " when GL_ID is set), records every
 * checked commit in the audit database in one transaction, and returns the
 * exit code: 0 accept, 1 refuse, 2 malformed input or policy, 3 runtime
 * error. Any failure refuses the whole push. The caller has initialised
 * libgit2 and chosen its settings (hooks/pre-receive.c). */
int cg_receive_run(FILE *in, FILE *err);

#endif
