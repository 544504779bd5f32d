/*
 * libgit2-floor: what every hook pays before it does anything: loading
 * libgit2 (and the libraries Debian builds it with) and git_libgit2_init,
 * which seeds mbedTLS and parses the system's CA certificates. With the
 * argument "load" it returns before git_libgit2_init, which tells the
 * dynamic loader's share from the initialisation's. For bench/3-startup.sh
 * and docs/benchmarks.md; not part of the product.
 */
#include <string.h>
#include <git2.h>

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "load"))
		return 0;
	git_libgit2_init();
	git_libgit2_shutdown();
	return 0;
}
