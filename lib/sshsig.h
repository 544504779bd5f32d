/*
 * sshsig.h: SSH signatures through OpenSSH's ssh-keygen, the one place it runs:
 * an argv (no shell), the data on stdin, a private signature file, bounded output, a timeout.
 */
#ifndef CG_SSHSIG_H
#define CG_SSHSIG_H

#include <stddef.h>
#include "buf.h"

/* Every signature this tool makes or accepts is in this namespace, so that
 * no signature made for git (namespace "git") or a file passes as one. */
#define CG_SSHSIG_NAMESPACE "changeguard-approval"

/* Who may sign: git's gpg.ssh.allowedSignersFile format (valid-after,
 * valid-before and namespaces= are ssh-keygen's to enforce). */
typedef struct {
	const char *allowed_signers; /* a path; required to verify */
	const char *revoked_keys;    /* a KRL or public keys (ssh-keygen -r); NULL: none */
} cg_sshsig_trust;

/* Signs data[0..len) with `key` (a private key file, or a public key whose
 * private half an ssh-agent holds); `armored` receives the
 * "-----BEGIN SSH SIGNATURE-----" text. ssh-keygen's prompts (passphrase,
 * touching a security key) reach the terminal. */
int cg_sshsig_sign(cg_buf *armored, const char *key, const void *data, size_t len);

/* Checks `armored` over data[0..len) for `principal`. Sets *valid; when
 * valid, `fingerprint` gets the key's "SHA256:..." fingerprint, otherwise
 * `why` says what is wrong (another namespace, other content, a key not in
 * the allowed signers or out of its validity, a revoked key). A principal
 * that is empty, too long or holds a control character is never valid; any
 * other goes to ssh-keygen as one argument. Errors only when ssh-keygen
 * cannot be run. */
int cg_sshsig_verify(int *valid, cg_buf *fingerprint, cg_buf *why, const cg_sshsig_trust *trust,
                     const char *principal, const char *armored, const void *data, size_t len);

/* The principals the allowed signers list for the key that made `armored`
 * and that are valid now, one per line in `out` (empty when none; then
 * `why` says why). */
int cg_sshsig_principals(cg_buf *out, cg_buf *why, const cg_sshsig_trust *trust,
                         const char *armored);

/* cg_sshsig_verify and cg_sshsig_principals keep ssh-keygen's answers for
 * the rest of the process (the same signature over the same data is
 * checked once), in memory that processes forked after this call share:
 * call it before forking workers that verify. */
void cg_sshsig_cache_share(void);

/* The "SHA256:..." fingerprint of a key file (ssh-keygen -l). */
int cg_sshsig_fingerprint(cg_buf *out, const char *key);

#endif
