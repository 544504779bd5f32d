/* pre-receive: git's server-side hook; all of its work is in lib/receive.c. */
#include <stdio.h>
#include <string.h>

#include "error.h"
#include "receive.h"

static const char usage[] =
	"usage: pre-receive\n"
	"Run by git on the server before any ref is updated: reads\n"
	"'<old-oid> <new-oid> <refname>' lines on standard input and checks every\n"
	"commit the push brings against the server's policy; one rejected commit\n"
	"refuses the whole push.\n"
	"Exit status: 0 accepted, 1 refused, 2 bad input or policy, 3 runtime error.\n";

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "--help")) {
		fputs(usage, stdout);
		return CG_EXIT_OK;
	}
	if (argc == 2 && !strcmp(argv[1], "--version")) {
		printf("pre-receive (changeguard) %s\n", CG_VERSION);
		return CG_EXIT_OK;
	}
	if (argc > 1) {
		fputs(usage, stderr);
		return CG_EXIT_USAGE;
	}
	return cg_receive_run(stdin, stderr);
}
