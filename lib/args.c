#include "args.h"

#include <stdlib.h>
#include <string.h>
#include "buf.h"
#include "error.h"

static int accepted(const cg_args_spec *spec, size_t i)
{
	return i < CG_ARGS_MAX_OPTIONS && (spec->accepts & (1u << i));
}

/* The index of the accepted option the first `len` bytes of `arg` name, or -1. */
static int find_option(const cg_args_spec *spec, const char *arg, size_t len)
{
	size_t i;

	for (i = 0; spec->options[i].name; i++)
		if (accepted(spec, i) && strlen(spec->options[i].name) == len &&
		    !strncmp(spec->options[i].name, arg, len))
			return (int)i;
	return -1;
}

/* One option and, unless given as --name=VALUE, the value after it. */
static int take_option(void *fields, const cg_args_spec *spec, int *i, int argc, char **argv)
{
	const char *arg = argv[*i], *eq = strchr(arg, '=');
	int o = find_option(spec, arg, eq ? (size_t)(eq - arg) : strlen(arg));
	const cg_args_option *opt = o >= 0 ? &spec->options[o] : NULL;
	const char *value;

	if (!opt)
		return cg_error_set(CG_EUSAGE, "unknown option '%s'", arg);
	if (!opt->arg && eq)
		return cg_error_set(CG_EUSAGE, "option '%s' takes no value", opt->name);
	if (opt->arg && !eq && *i + 1 >= argc)
		return cg_error_set(CG_EUSAGE, "option '%s' needs a value", opt->name);
	value = !opt->arg ? "" : eq ? eq + 1 : argv[++*i];
	memcpy((char *)fields + opt->field, &value, sizeof(value));
	return 0;
}

int cg_args_parse(cg_args *out, const cg_args_spec *spec, void *fields, int argc, char **argv)
{
	int i, only_args = 0, error = 0;

	memset(out, 0, sizeof(*out));
	out->args = cg_calloc((size_t)argc + 1, sizeof(*out->args));
	for (i = 0; error == 0 && i < argc; i++) {
		const char *arg = argv[i];

		if (only_args || arg[0] != '-' || !arg[1])
			out->args[out->nargs++] = argv[i];
		else if (!strcmp(arg, "--"))
			only_args = 1;
		else if (!strcmp(arg, "-h") || !strcmp(arg, "--help"))
			return CG_ARGS_HELP;
		else
			error = take_option(fields, spec, &i, argc, argv);
	}
	if (error < 0)
		return error;
	if (out->nargs < spec->min_args)
		return cg_error_set(CG_EUSAGE, "too few arguments");
	if (spec->max_args >= 0 && out->nargs > spec->max_args)
		return cg_error_set(CG_EUSAGE, "unexpected argument '%s'", out->args[spec->max_args]);
	return 0;
}

void cg_args_dispose(cg_args *args)
{
	free(args->args);
	args->args = NULL;
}

typedef struct {
	const char *version;
} hook_options;

static const cg_args_option hook_option_table[] = {
	{ "--version", NULL, "print the version", CG_ARGS_FIELD(hook_options, version) },
	{ 0 }
};

/* git passes a hook paths, which may start with '-': only a first word
 * of --help or --version is an option, and the rest are arguments. */
static int is_hook_option(int argc, char **argv)
{
	return argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "--version"));
}

int cg_args_hook(cg_args *out, const char *name, const char *usage, int min_args,
                 int max_args, int argc, char **argv)
{
	const cg_args_spec spec = { hook_option_table, ~0u, 0, max_args };
	char **words = cg_calloc((size_t)argc + 1, sizeof(*words));
	hook_options o = { 0 };
	int error, n = 0, i;

	if (is_hook_option(argc, argv)) {
		words[n++] = argv[1];
	} else {
		words[n++] = (char *)"--";
		for (i = 1; i < argc; i++)
			words[n++] = argv[i];
	}
	error = cg_args_parse(out, &spec, &o, n, words);
	free(words);
	if (error == CG_ARGS_HELP) {
		fputs(usage, stdout);
		return CG_EXIT_OK;
	}
	if (error == 0 && o.version) {
		printf("%s (changeguard) %s\n", name, CG_VERSION);
		return CG_EXIT_OK;
	}
	if (error < 0 || out->nargs < min_args) {
		fputs(usage, stderr);
		return CG_EXIT_USAGE;
	}
	return -1;
}

void cg_args_print_options(FILE *fp, const cg_args_spec *spec, int width)
{
	cg_buf left = CG_BUF_INIT;
	size_t i;

	for (i = 0; spec->options[i].name; i++) {
		const cg_args_option *o = &spec->options[i];

		if (!accepted(spec, i))
			continue;
		cg_buf_clear(&left);
		cg_buf_printf(&left, "%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
		fprintf(fp, "    %-*s %s\n", width, left.ptr, o->help);
	}
	fprintf(fp, "    %-*s %s\n", width, "-h, --help", "show this help");
	cg_buf_dispose(&left);
}
