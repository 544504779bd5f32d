/*
 * install.h: puts changeguard's hooks into a repository's hooks directory (keeping
 * and chaining the hooks found there), takes them out exactly, and checks an installation.
 */
#ifndef CG_INSTALL_H
#define CG_INSTALL_H

#include <git2.h>
#include <stddef.h>
#include "buf.h"
#include "check.h"

/* Each hook is a small sh wrapper that runs changeguard's executable, then
 * the hook that was there before, moved aside under this suffix. */
#define CG_INSTALL_CHAINED_SUFFIX ".changeguard-chained"

typedef enum {
	CG_INSTALL_ADDED,     /* wrapper written where there was no hook */
	CG_INSTALL_CHAINED,   /* wrapper written; the old hook moved aside, run after ours */
	CG_INSTALL_UPDATED,   /* wrapper rewritten: another changeguard's, or an older one */
	CG_INSTALL_UNCHANGED, /* already installed as this changeguard installs it */
	CG_INSTALL_REMOVED,   /* uninstall: wrapper removed, nothing to put back */
	CG_INSTALL_RESTORED,  /* uninstall: wrapper removed, the old hook put back */
	CG_INSTALL_FOREIGN,   /* uninstall: not changeguard's hook, left alone */
	CG_INSTALL_ABSENT     /* uninstall: no hook of that name */
} cg_install_action;

typedef struct {
	const char *hook;          /* "pre-commit", ...; static */
	cg_install_action action;
} cg_install_step;

typedef struct {
	char *hooks_dir;           /* absolute */
	cg_install_step steps[4];
	size_t nsteps;
} cg_install_report;

/* The hook executables beside the running program:
 * <directory of /proc/self/exe>/../libexec/changeguard, resolved, so that a
 * build tree and an installed copy each use their own. */
int cg_install_libexec_dir(cg_buf *out);

/* The hooks directory git runs `repo`'s hooks from, as `git rev-parse
 * --git-path hooks` finds it (core.hooksPath, else the common directory's
 * hooks/, shared by linked worktrees), made absolute. */
int cg_install_hooks_dir(cg_buf *out, git_repository *repo);

/* 1 when the hook file at `path` is changeguard's hook `name` ("commit-msg"):
 * the wrapper `cg_install` writes, or a symlink to the hook executable. */
int cg_install_is_ours(const char *path, const char *name);

/* Installs the local hooks (pre-commit, prepare-commit-msg, commit-msg), or
 * with `server` pre-receive, as wrappers around the executables in
 * `libexec`. An existing hook is renamed <hook>CG_INSTALL_CHAINED_SUFFIX and
 * run after ours; installing twice changes nothing. Local hooks into a bare
 * repository are CG_EUSAGE. Dispose of `out` with cg_install_report_dispose. */
int cg_install(cg_install_report *out, git_repository *repo, const char *libexec, int server);

/* Removes every changeguard hook (local and server) and renames the chained
 * hooks back, so the directory holds what it held before, bytes and modes. */
int cg_uninstall(cg_install_report *out, git_repository *repo);

void cg_install_report_dispose(cg_install_report *r);

/* What `changeguard doctor` found, one line per check. */
typedef struct {
	int ok;
	char *what;   /* one line */
	char *hint;   /* what to do about a problem; may be NULL */
} cg_doctor_item;

typedef struct {
	cg_doctor_item *items;
	size_t n, alloc;
	size_t problems;
} cg_doctor_report;

/* Checks the installation for the repository of `c` (opened with
 * cg_check_open_staged): the executables in `libexec` (NULL: not found,
 * as the last error says), the hooks (local ones,
 * or pre-receive in a bare repository) present and leading to an existing
 * executable, the policy valid (loaded into `c`: the staged one, or the
 * server's files), and the audit database writable with its chain intact.
 * Returns 0 when the checks could run, whatever they found. Dispose of
 * `out` with cg_doctor_report_dispose. */
int cg_install_doctor(cg_doctor_report *out, cg_check *c, const char *libexec);

void cg_doctor_report_dispose(cg_doctor_report *r);

#endif
