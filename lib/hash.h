/*
 * hash.h: SHA-256 through OpenSSL's libcrypto, the one place it is used.
 * Hex digests are what the audit chain and policy fingerprints store.
 */
#ifndef CG_HASH_H
#define CG_HASH_H

#include <stddef.h>

#define CG_SHA256_HEX_LEN 64

/* Writes the lowercase hex SHA-256 of data[0..len) and a NUL into hex[65]. */
void cg_hash_sha256_hex(char hex[CG_SHA256_HEX_LEN + 1], const void *data, size_t len);

/* The same digest of a message given in pieces, so that a long one (a
 * push's audit record) need not be held whole: _new, _update as often as
 * needed, then _final_hex, which frees it. */
typedef struct cg_hash_sha256 cg_hash_sha256;

cg_hash_sha256 *cg_hash_sha256_new(void);
void cg_hash_sha256_update(cg_hash_sha256 *h, const void *data, size_t len);
void cg_hash_sha256_final_hex(cg_hash_sha256 *h, char hex[CG_SHA256_HEX_LEN + 1]);

#endif
