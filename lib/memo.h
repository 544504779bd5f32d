/*
 * memo.h: a bounded memo of the objects a walk over history reads, so that
 * the commits after it do not read and inflate them again.
 */
#ifndef CG_MEMO_H
#define CG_MEMO_H

#include <git2.h>

/* Objects kept along a walk over history for the commits after: a
 * commit's parent and its root tree are what the previous commit read, its
 * parent's version of a changed directory and CHANGELOG what an earlier
 * commit there read. Without libgit2's object cache (off on long walks, see
 * hooks/pre-receive.c) they would be read and inflated again. Bounded in count
 * and bytes, whatever the walk's length. */
typedef struct cg_memo cg_memo;

/* A memo of CG_MEMO_SLOTS objects, the count a push's hook keeps to stay
 * small in memory; a history report keeps more (docs/benchmarks.md:
 * trees of long-lived branches come back after more than a thousand
 * other objects). Whatever the count, at most 32 MiB by their estimated
 * size. */
#define CG_MEMO_SLOTS 1024
#define CG_MEMO_SLOTS_HISTORY 4096

cg_memo *cg_memo_new(void);
cg_memo *cg_memo_new_sized(size_t slots);
void cg_memo_free(cg_memo *memo);

/* git_object_lookup through `memo` (may be NULL): the caller frees `out`. */
int cg_memo_lookup(git_object **out, cg_memo *memo, git_repository *repo,
                   const git_oid *oid, git_object_t type);

/* For a caller that must see an object's header before reading it: the
 * object when the memo has it (*out NULL otherwise), and keeping one read. */
void cg_memo_find(git_object **out, cg_memo *memo, const git_oid *oid);
void cg_memo_keep(cg_memo *memo, git_object *obj);

/* git_odb_read_header through `memo` (may be NULL), which keeps the
 * answers for the last few ids: a CHANGELOG that many commits in a row
 * leave as it is has its size asked for by each of them. */
int cg_memo_header(size_t *size, git_object_t *type, cg_memo *memo, git_repository *repo,
                   const git_oid *oid);

/* Texts known to be valid UTF-8 (the last 64 ids marked): along a walk
 * each CHANGELOG version is decoded once, where it differs from the one
 * after it (cg_changelog_utf8_error_beside). `memo` may be NULL: none. */
int cg_memo_utf8_known(const cg_memo *memo, const git_oid *oid);
void cg_memo_utf8_mark(cg_memo *memo, const git_oid *oid);

/* Whether the memo holds `obj` marked by cg_memo_set_checked: a tree that
 * passed cg_tree_check once in a walk need not pass it again while kept
 * (the check depends on the tree's bytes alone, which its id names). */
int cg_memo_checked(const cg_memo *memo, const git_object *obj);
void cg_memo_set_checked(cg_memo *memo, const git_object *obj);

/* The walk's count of blobs in a tree (treeblobs.h), made on first use
 * and freed with the memo. */
struct cg_treeblobs;
struct cg_treeblobs *cg_memo_treeblobs(cg_memo *memo);

/* The walk's reader of large blobs from the packs of `repo` (packblob.h),
 * opened on first use and closed with the memo; NULL when it cannot be. */
struct cg_packblob;
struct cg_packblob *cg_memo_packblob(cg_memo *memo, git_repository *repo);

#endif
