/*
 * args.h: the command lines of changeguard's programs: one parser over a
 * table of options, and the option lines of their usage text.
 */
#ifndef CG_ARGS_H
#define CG_ARGS_H

#include <stddef.h>
#include <stdio.h>

/* One option, bound to a named `const char *` member of the command's own
 * options struct, which the parser sets: to the value, or to "" for a flag
 * that was given. Members of options not given keep what they held. */
typedef struct {
	const char *name;  /* "--format" */
	const char *arg;   /* its value's name ("FORMAT"); NULL for a flag */
	const char *help;
	size_t field;      /* CG_ARGS_FIELD(struct, member) */
} cg_args_option;

/* Where an option's value goes: `member` of the options struct `type`. */
#define CG_ARGS_FIELD(type, member) offsetof(type, member)

/* What a command may be given. */
typedef struct {
	const cg_args_option *options; /* ends with an entry whose name is NULL */
	unsigned accepts;              /* options[i] is taken when bit i is set */
	int min_args, max_args;        /* other arguments; max_args < 0: any number */
} cg_args_spec;

#define CG_ARGS_MAX_OPTIONS 32

/* The arguments a command line gave besides its options. */
typedef struct {
	char **args;
	int nargs;
} cg_args;

/* cg_args_parse's answer to -h and --help. */
#define CG_ARGS_HELP 1

/* Parses `argv` (without the program and command names): "--name VALUE",
 * "--name=VALUE", flags, "--" before arguments that start with '-', and "-"
 * as an argument. Each option given sets its member of `fields`, the
 * command's options struct. Returns 0, CG_ARGS_HELP, or CG_EUSAGE with the
 * message set ("unknown option '--x'", "option '--db' needs a value",
 * "unexpected argument 'x'", "too few arguments"). `out` is filled either
 * way: free it with cg_args_dispose. */
int cg_args_parse(cg_args *out, const cg_args_spec *spec, void *fields, int argc, char **argv);

void cg_args_dispose(cg_args *args);

/* A hook's command line, which git writes: `usage` on stdout when the first
 * word is --help, "<name> (changeguard) <version>" when it is --version;
 * every other word is an argument (a path may start with '-'), and `usage`
 * goes to stderr for other than `min_args` to `max_args` of them. Returns
 * -1 when the hook is to run with `out`'s arguments (free it with
 * cg_args_dispose either way), else the exit code. */
int cg_args_hook(cg_args *out, const char *name, const char *usage, int min_args,
                 int max_args, int argc, char **argv);

/* A line per accepted option, its help text at column `width` + 4, then
 * the line of -h and --help. */
void cg_args_print_options(FILE *fp, const cg_args_spec *spec, int width);

#endif
