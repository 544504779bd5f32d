/*
 * libgit2-floor: what every hook pays before it does anything: loading
 * libgit2 (and the libraries Debian builds it with) and git_libgit2_init,
 * which seeds mbedTLS and parses the system's CA certificates. With the
 * argument "load" it returns before git_libgit2_init, which tells the
 * dynamic loader's share from the initialisation's; with a number N it
 * initialises and shuts libgit2 down N times, a steady CPU-bound load whose
 * instructions per second turn counted instructions into time on this
 * machine (bench/startup-count.sh). For bench/3-startup.sh and
 * docs/benchmarks.md; not part of the product.
 */
#include <stdlib.h>
#include <string.h>
#include <git2.h>

int main(int argc, char **argv)
{
	long i, n = argc > 1 ? strtol(argv[1], NULL, 10) : 1;

	if (argc > 1 && !strcmp(argv[1], "load"))
		return 0;
	for (i = 0; i < (n > 0 ? n : 1); i++) {
		git_libgit2_init();
		git_libgit2_shutdown();
	}
	return 0;
}
