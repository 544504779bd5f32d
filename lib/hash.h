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

#endif
