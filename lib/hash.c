#include "hash.h"

/* SHA256_Init and its kin, deprecated in OpenSSL 3.0 and still in every
 * distribution's build: EVP_Digest fetches the digest from a provider, and
 * a process's first fetch reads the OpenSSL configuration, activates the
 * default provider and fills its name map, 4.3 million instructions (about
 * 0.5 ms) of every hook's start-up. The low-level functions compute the
 * same digest without a provider. */
#define OPENSSL_API_COMPAT 10101
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <string.h>

/* Neither way fails for SHA-256 on a valid buffer short of OOM; an
 * all-zero digest on that path can never match a real chain. */
static void digest(unsigned char md[32], const void *data, size_t len)
{
#ifndef OPENSSL_NO_DEPRECATED
	SHA256_CTX c;

	if (SHA256_Init(&c) && SHA256_Update(&c, data, len) && SHA256_Final(md, &c))
		return;
#else /* an OpenSSL built without the deprecated functions */
	if (EVP_Digest(data, len, md, NULL, EVP_sha256(), NULL))
		return;
#endif
	memset(md, 0, 32);
}

void cg_hash_sha256_hex(char hex[CG_SHA256_HEX_LEN + 1], const void *data, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	unsigned char md[32];

	digest(md, data, len);
	for (int i = 0; i < 32; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[CG_SHA256_HEX_LEN] = '\0';
}
