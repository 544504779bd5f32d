/*
 * args.h: the command lines of changeguard's programs: one parser over a
 * table of options, and the option lines of their usage text.
 */
#ifndef CG_ARGS_H
#define CG_ARGS_H

#include <stdio.h>

typedef struct {
	const char *name;  /* "--format" */
	const char *arg;   /* its value's name ("FORMAT"); NULL for a flag */
	const char *help;
} cg_args_option;

/* What a command may be given. */
typedef struct {
	const cg_args_option *options; /* ends with an entry whose name is NULL */
	unsigned accepts;              /* options[i] is taken when bit i is set */
	int min_args, max_args;        /* other arguments; max_args < 0: any number */
} cg_args_spec;

#define CG_ARGS_MAX_OPTIONS 32

/* What a command line said. */
typedef struct {
	const char *values[CG_ARGS_MAX_OPTIONS]; /* values[i] is options[i]'s: NULL when not
	                                          * given, "" for a flag that was */
	char **args;                             /* the other arguments */
	int nargs;
} cg_args;

/* cg_args_parse's answer to -h and --help. */
#define CG_ARGS_HELP 1

/* Parses `argv` (without the program and command names): "--name VALUE",
 * "--name=VALUE", flags, "--" before arguments that start with '-', and "-"
 * as an argument. Returns 0, CG_ARGS_HELP, or CG_EUSAGE with the message
 * set ("unknown option '--x'", "option '--db' needs a value", "unexpected
 * argument 'x'", "too few arguments"). `out` is filled either way: free
 * it with cg_args_dispose. */
int cg_args_parse(cg_args *out, const cg_args_spec *spec, int argc, char **argv);

void cg_args_dispose(cg_args *args);

/* A line per accepted option, its help text at column `width` + 4, then
 * the line of -h and --help. */
void cg_args_print_options(FILE *fp, const cg_args_spec *spec, int width);

#endif
