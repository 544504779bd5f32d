/*
 * cg-trailers: a test driver for lib/trailers. Reads a message on stdin and
 * prints its trailers the way `git interpret-trailers --parse` does, or with
 * --clean the message as `git commit` would store it.
 */
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "message.h"
#include "trailers.h"

static const char usage[] =
	"usage: cg-trailers [--separators=<chars>] [--comment-char=<c>|auto] [--no-divider] [--clean] <message\n";

/* Returns 0, or -1 on an option git would not accept either. */
static int parse_args(cg_trailer_opts *opts, int *clean, int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strncmp(a, "--separators=", 13))
			opts->separators = a + 13;
		else if (!strcmp(a, "--comment-char=auto"))
			opts->comment_char = 0;
		else if (!strncmp(a, "--comment-char=", 15) && strlen(a) == 16)
			opts->comment_char = a[15];
		else if (!strcmp(a, "--no-divider"))
			opts->no_divider = 1;
		else if (!strcmp(a, "--clean"))
			*clean = 1;
		else
			return -1;
	}
	return 0;
}

static void read_all(cg_buf *in, FILE *fp)
{
	char chunk[8192];
	size_t n;

	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		cg_buf_put(in, chunk, n);
}

/* One "<key><first separator> <value>" line per trailer, as git prints them. */
static void print_trailers(const cg_trailers *t, const cg_trailer_opts *opts)
{
	size_t i;

	for (i = 0; i < cg_trailers_count(t); i++) {
		const cg_trailer *tr = cg_trailers_get(t, i);
		printf("%s%c %s\n", tr->key, opts->separators[0], tr->value);
	}
}

int main(int argc, char **argv)
{
	cg_trailer_opts opts = CG_TRAILER_OPTS_INIT;
	cg_trailers *t = NULL;
	cg_buf in = CG_BUF_INIT, out = CG_BUF_INIT;
	int clean = 0;

	if (parse_args(&opts, &clean, argc, argv) < 0) {
		fputs(usage, stderr);
		return CG_EXIT_USAGE;
	}
	read_all(&in, stdin);
	if (ferror(stdin)) {
		perror("cg-trailers: stdin");
		cg_buf_dispose(&in);
		return CG_EXIT_RUNTIME;
	}
	if (clean) {
		cg_message_clean(&out, in.ptr, in.size, &opts);
		fwrite(out.ptr, 1, out.size, stdout);
	} else {
		cg_trailers_parse(&t, in.ptr, in.size, &opts);
		print_trailers(t, &opts);
	}
	cg_trailers_free(t);
	cg_buf_dispose(&out);
	cg_buf_dispose(&in);
	return fflush(stdout) ? CG_EXIT_RUNTIME : CG_EXIT_OK;
}
