/*
 * git2compat.h: the one place where libgit2's API differs between the
 * versions changeguard builds on (1.5 through 1.9); include it for <git2.h>.
 */
#ifndef CG_GIT2COMPAT_H
#define CG_GIT2COMPAT_H

#include <stdlib.h>
#include <string.h>
#include <git2.h>

/* 1.8 renamed the version numbers; the old names are deprecated since. */
#ifndef LIBGIT2_VERSION_MAJOR
#define LIBGIT2_VERSION_MAJOR LIBGIT2_VER_MAJOR
#define LIBGIT2_VERSION_MINOR LIBGIT2_VER_MINOR
#endif

#if LIBGIT2_VERSION_MAJOR == 1 && LIBGIT2_VERSION_MINOR < 5
#error "changeguard needs libgit2 1.5 or later"
#endif

/* A libgit2 built for SHA-256 objects changes the signatures of the oid
 * functions; Debian's (1.5.1, 1.8.4, 1.9.0) are built without it. */
#ifdef GIT_EXPERIMENTAL_SHA256
#error "changeguard builds on a libgit2 without GIT_EXPERIMENTAL_SHA256 (SHA-1 repositories only)"
#endif

/* 1.7 renamed the SHA-1 sizes; the old names are deprecated since. */
#ifndef GIT_OID_SHA1_SIZE
#define GIT_OID_SHA1_SIZE GIT_OID_RAWSZ
#define GIT_OID_SHA1_HEXSIZE GIT_OID_HEXSZ
#endif

/* A snapshot of `repo`'s configuration as git reads it: libgit2 reads
 * $GIT_DIR/config.worktree (`git config --worktree`, with the repository's
 * extensions.worktreeConfig set) only since 1.8, so before it is added here
 * above the repository's own file, where git ranks it. */
static inline int cg_git2compat_config_snapshot(git_config **out, git_repository *repo)
{
#if LIBGIT2_VERSION_MAJOR == 1 && LIBGIT2_VERSION_MINOR < 8
	static const char file[] = "config.worktree";
	const char *gitdir = git_repository_path(repo); /* ends in '/' */
	char *path;
	int on = 0, error = git_repository_config_snapshot(out, repo);

	if (error < 0 || git_config_get_bool(&on, *out, "extensions.worktreeConfig") < 0 || !on)
		return error;
	if (!(path = malloc(strlen(gitdir) + sizeof(file))))
		error = -1;
	else
		error = git_config_add_file_ondisk(*out, strcat(strcpy(path, gitdir), file),
		                                   GIT_CONFIG_LEVEL_APP, repo, 0);
	free(path);
	if (error == GIT_ENOTFOUND)
		error = 0;
	if (error < 0) {
		git_config_free(*out);
		*out = NULL;
	}
	return error;
#else
	return git_repository_config_snapshot(out, repo);
#endif
}

/* The identity git would sign a commit with in `repo` (user.name and
 * user.email, config.worktree included as above). */
static inline int cg_git2compat_signature_default(git_signature **out, git_repository *repo)
{
#if LIBGIT2_VERSION_MAJOR == 1 && LIBGIT2_VERSION_MINOR < 8
	git_config *cfg = NULL;
	git_buf name = GIT_BUF_INIT, email = GIT_BUF_INIT;
	int error = cg_git2compat_config_snapshot(&cfg, repo);

	if (error == 0 && (error = git_config_get_string_buf(&name, cfg, "user.name")) == 0 &&
	    (error = git_config_get_string_buf(&email, cfg, "user.email")) == 0)
		error = git_signature_now(out, name.ptr, email.ptr);
	git_buf_dispose(&name);
	git_buf_dispose(&email);
	git_config_free(cfg);
	return error;
#else
	return git_signature_default(out, repo);
#endif
}

#endif
