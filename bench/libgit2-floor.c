/*
 * libgit2-floor: what every hook pays before it does anything: loading
 * libgit2 (and the libraries Debian builds it with) and git_libgit2_init,
 * which seeds mbedTLS and parses the system's CA certificates. For
 * bench/3-startup.sh; not part of the product.
 */
#include <git2.h>

int main(void)
{
	git_libgit2_init();
	git_libgit2_shutdown();
	return 0;
}
