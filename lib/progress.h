/*
 * progress.h: the progress line of a long run over commits, on standard
 * error when it is a terminal, redrawn in place as git draws its own.
 */
#ifndef CG_PROGRESS_H
#define CG_PROGRESS_H

#include <stddef.h>
#include <stdio.h>

typedef struct cg_progress cg_progress;

/* A progress line titled `title` ("Checking commits"), or NULL, which
 * draws nothing, when `wanted` is 0 or `fp` is no terminal: never into a
 * pipe or a file. */
cg_progress *cg_progress_new(FILE *fp, const char *title, int wanted);

/* How many items there are in all; until it is set, nothing is drawn. */
void cg_progress_total(cg_progress *p, size_t total);

/* `done` items so far: the line "Checking commits:  45% (4500/10000),
 * 1230 commits/s, 3.6 s", redrawn at most every 100 ms. p may be NULL. */
void cg_progress_update(cg_progress *p, size_t done);

/* The last line, ending ", done." and a line end; frees p (NULL: nothing). */
void cg_progress_done(cg_progress *p);

#endif
