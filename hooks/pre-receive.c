/* pre-receive: git's server-side hook; the work is in lib/receive.c, the
 * libgit2 settings a push's walk wants are here. */
#include <git2.h>
#include <stdio.h>

#include "args.h"
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
	cg_args a;
	int code = cg_args_hook(&a, "pre-receive", usage, 0, 0, argc, argv);

	if (code < 0) {
		git_libgit2_init();
		/* No object cache: libgit2's keeps up to 256 MiB by default, so a
		 * push of many thousand commits would grow with it, and a capped one
		 * spends its time evicting (each eviction walks the cache's hash map
		 * from its start) and still misses. Measured on a push of 20,000
		 * commits: a 4 MiB cap was slower than none, and only caps that let
		 * the hook grow past git's own largest process were faster. The
		 * reads that matter are reused explicitly (cg_snapshot_lookup). */
		git_libgit2_opts(GIT_OPT_ENABLE_CACHING, 0);
		/* git index-pack (or unpack-objects) hashed every pushed object as it
		 * arrived, before this hook runs, and refuses the push on a mismatch;
		 * hashing each again on every read was a fifth of the hook's time. A
		 * damaged object still fails to inflate or to parse. */
		git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
		code = cg_receive_run(stdin, stderr);
		git_libgit2_shutdown();
	}
	cg_args_dispose(&a);
	return code;
}
