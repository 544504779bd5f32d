/*
 * packblob.h: reads a blob's bytes from the repository's pack files ourselves, for the
 * large CHANGELOG versions a walk reads one after another; libgit2 reads the rest.
 */
#ifndef CG_PACKBLOB_H
#define CG_PACKBLOB_H

#include <git2.h>
#include <stddef.h>

/*
 * A reader of the repository's packs (the .idx files of objects/pack, version 2, and
 * the quarantine's and alternates' packs named by GIT_OBJECT_DIRECTORY and
 * GIT_ALTERNATE_OBJECT_DIRECTORIES). Against git_blob_lookup it saves
 * zlib's adler32 of each whole version (the idx's CRC32 of the packed
 * bytes checks them instead), a fresh buffer per version, and, for a
 * version stored as a delta of one it read a moment ago (an older
 * CHANGELOG after `git gc`), all but the delta: it keeps the last few
 * versions it decoded, bounded in bytes, where libgit2 keeps no base over
 * 1 MiB. Whatever it does not read itself (a loose object, a pack it
 * cannot read, a damaged entry) it reads through git_blob_lookup, so it
 * never gives other bytes than libgit2 would. One per process: it is not
 * safe to share between threads.
 */
typedef struct cg_packblob cg_packblob;

/* A blob's bytes, lent by the reader or by libgit2 until freed. */
typedef struct cg_packblob_ref cg_packblob_ref;

/* Opens the packs of `repo` (which must outlive the reader); a pack it
 * cannot read is left to libgit2. The caller closes `out`. */
int cg_packblob_open(cg_packblob **out, git_repository *repo);
void cg_packblob_close(cg_packblob *pb);

/* The blob `oid`, from a pack or else through git_blob_lookup; a negative
 * CG_E* code only when libgit2 cannot read it either. The caller frees
 * `out` with cg_packblob_ref_free. */
int cg_packblob_read(cg_packblob_ref **out, cg_packblob *pb, const git_oid *oid);

/* A blob read by libgit2 as a ref: `out` takes over `blob`. */
void cg_packblob_ref_wrap(cg_packblob_ref **out, git_blob *blob);

const unsigned char *cg_packblob_ref_data(const cg_packblob_ref *ref);
size_t cg_packblob_ref_size(const cg_packblob_ref *ref);

/* 1 when the bytes came from a pack read here, 0 when from libgit2. */
int cg_packblob_ref_packed(const cg_packblob_ref *ref);

/* Accepts NULL. */
void cg_packblob_ref_free(cg_packblob_ref *ref);

#endif
