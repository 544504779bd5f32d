/*
 * git2compat.h: the one place where libgit2's API differs between the
 * versions changeguard builds on (1.5 through 1.9); include it for <git2.h>.
 */
#ifndef CG_GIT2COMPAT_H
#define CG_GIT2COMPAT_H

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

#endif
