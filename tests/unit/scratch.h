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
#include <string.h>
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

/* The whole file as a NUL-terminated string (free() it); NULL when it
 * cannot be read. */
static inline char *scratch_read(const char *path)
{
	FILE *fp = fopen(path, "rb");
	char *data = NULL;
	long n;

	if (fp && fseek(fp, 0, SEEK_END) == 0 && (n = ftell(fp)) >= 0 && fseek(fp, 0, SEEK_SET) == 0) {
		data = malloc((size_t)n + 1);
		data[fread(data, 1, (size_t)n, fp)] = '\0';
	}
	if (fp)
		fclose(fp);
	return data;
}

/* The environment of git-style tests, for the git CLI and libgit2 alike:
 * a scratch HOME under `dir`, no system configuration, fixed identities
 * and dates (2026-01-01T00:00:00Z unless `date` says otherwise). */
static inline void scratch_git_env(const char *dir, const char *date)
{
	char home[512];

	snprintf(home, sizeof(home), "%s/home", dir);
	mkdir(home, 0777);
	setenv("HOME", home, 1);
	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
	setenv("GIT_AUTHOR_NAME", "A U Thor", 1);
	setenv("GIT_AUTHOR_EMAIL", "author@example.com", 1);
	setenv("GIT_COMMITTER_NAME", "C O Mitter", 1);
	setenv("GIT_COMMITTER_EMAIL", "committer@example.com", 1);
	setenv("GIT_AUTHOR_DATE", date ? date : "2026-01-01T00:00:00Z", 1);
	setenv("GIT_COMMITTER_DATE", date ? date : "2026-01-01T00:00:00Z", 1);
	unsetenv("GIT_DIR");
	unsetenv("GIT_INDEX_FILE");
}

/* Runs `script` with sh in a new repository `<root>/<name>` (branch main),
 * its output thrown away; the repository's path into `dir`. 0, or -1 when
 * the script fails. */
static inline int scratch_repo(char *dir, size_t size, const char *root, const char *name,
                               const char *script)
{
	size_t len = strlen(script) + 2 * size + 128;
	char *cmd = malloc(len);
	int status;

	snprintf(dir, size, "%s/%s", root, name);
	snprintf(cmd, len, "git init -q -b main '%s' && cd '%s' && git config core.symlinks true && "
	         "{ %s\n} >/dev/null 2>&1", dir, dir, script);
	status = system(cmd);
	free(cmd);
	return status == 0 ? 0 : -1;
}

#endif
