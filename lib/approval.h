/*
 * approval.h: signed approvals of protected changes: the statement a key signs, bound to
 * the protect group and each protected path's old and new blob, and the trailer carrying it.
 */
#ifndef CG_APPROVAL_H
#define CG_APPROVAL_H

#include "git2compat.h"
#include <stddef.h>
#include "buf.h"
#include "changes.h"
#include "policy.h"
#include "sshsig.h"
#include "trailers.h"

/* The trailer that carries an approval: "<group> <signature>", the group
 * %-escaped as in the statement, the armored SSH signature on one line. */
#define CG_APPROVAL_TRAILER "Changeguard-Approval"

/* The statement's first line; a new encoding gets a new version. */
#define CG_APPROVAL_VERSION "changeguard-approval v1"

/*
 * The statement approving `changes` (those of one group's protected paths)
 * for `group`:
 *
 *   changeguard-approval v1
 *   group <group>
 *   change <old> <new> <path>      one per path, sorted by path (bytes)
 *
 * where a side is "none" or "<octal mode>:<hex blob id>", and the group and
 * paths are %-escaped (every byte below 0x21, '%' and 0x7f as %XX), so that
 * no two change sets encode alike. Nothing else is in it: the approval
 * holds wherever the same content changes the same way (rebase, cherry-pick,
 * squash), and nowhere else.
 */
void cg_approval_statement(cg_buf *out, const char *group, const cg_change *const *changes,
                           size_t n);

/* The trailer value for `group` and an armored signature. */
void cg_approval_trailer_value(cg_buf *out, const char *group, const char *armored);

/* Reads a trailer value back: the group (unescaped) and the armored
 * signature. CG_EUSAGE (message set) when it is not one. */
int cg_approval_trailer_parse(cg_buf *group, cg_buf *armored, const char *value);

/* Where the keys that may approve are listed, from the repository's git
 * configuration only, never from a tree: changeguard.allowedSignersFile
 * (else gpg.ssh.allowedSignersFile) and changeguard.revokedKeysFile (else
 * gpg.ssh.revocationFile). On a server that is the server's own
 * configuration. `allowed` is left empty when none is set. */
int cg_approval_trust(cg_buf *allowed, cg_buf *revoked, git_repository *repo);

/* Who approved: a principal of the allowed signers, and the key. */
typedef struct {
	cg_buf principal;
	cg_buf fingerprint;
} cg_approval_signer;

/* Decides whether a principal may approve for the group. */
typedef int (*cg_approval_accept_fn)(const char *principal, void *payload);

/* Looks among the trailers for an approval of `statement` for `group`
 * signed by a key of the allowed signers whose principal `accept` takes.
 * Sets *found; otherwise `why` says what was wrong with the approvals
 * there were (empty when there was none). */
int cg_approval_find(int *found, cg_approval_signer *signer, cg_buf *why,
                     const cg_trailers *trailers, const char *group, const char *statement,
                     const cg_sshsig_trust *trust, cg_approval_accept_fn accept, void *payload);

void cg_approval_signer_dispose(cg_approval_signer *s);

/* The key to sign with: `key` when given, else git's user.signingKey. */
int cg_approval_key(cg_buf *out, git_repository *repo, const char *key);

/* Signs with `key`, for each group of `policy` with `verify: signature`
 * that covers some of `changes`, the statement of its protected changes:
 * `trailers` gets a "Changeguard-Approval: ..." line per group and
 * `summary` a line per group saying what was approved by which key.
 * CG_ENOTFOUND (message set) when no such group covers the change. */
int cg_approval_sign(cg_buf *trailers, cg_buf *summary, const cg_policy *policy,
                     const cg_changes *changes, const char *key);

/* The same for the commit `rev` names: its change against its first
 * parent, under the policy committed in that parent (the defaults for a
 * root commit), as the server will judge it. */
int cg_approval_sign_commit(cg_buf *trailers, cg_buf *summary, git_repository *repo,
                            const char *rev, const char *key);

#endif
