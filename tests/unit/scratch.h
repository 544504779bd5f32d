/*
 * scratch.h: the scratch directory of a unit test, made under $TMPDIR (or
 * /tmp) and removed with all it holds, read-only parts included.
 */
#ifndef CG_TEST_SCRATCH_H
#define CG_TEST_SCRATCH_H

/* nftw needs _XOPEN_SOURCE 700, defined before the first include. */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* A new directory "<tmp>/cg-<name>-XXXXXX" into `dir`; 0 or -1. */
static int scratch_make(char *dir, size_t size, const char *name)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, size, "%s/cg-%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", name);
	return mkdtemp(dir) ? 0 : -1;
}

/* Tests make directories unreadable and files read-only. */
static int scratch_make_writable(const char *path, const struct stat *st, int flag,
                                 struct FTW *ftw)
{
	(void)ftw;
	if (flag == FTW_D || flag == FTW_DNR)
		chmod(path, 0755);
	else if (S_ISREG(st->st_mode))
		chmod(path, 0644);
	return 0;
}

static int scratch_remove_entry(const char *path, const struct stat *st, int flag,
                                struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

static int scratch_remove(const char *dir)
{
	chmod(dir, 0755);
	nftw(dir, scratch_make_writable, 16, FTW_PHYS);
	return nftw(dir, scratch_remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

#endif
