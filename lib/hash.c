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
#include <stdlib.h>
#include <string.h>

#include "buf.h"

/* Neither way fails for SHA-256 short of OOM; an all-zero digest on that
 * path can never match a real chain. */
struct cg_hash_sha256 {
#ifndef OPENSSL_NO_DEPRECATED
	SHA256_CTX c;
#else /* an OpenSSL built without the deprecated functions */
	EVP_MD_CTX *c;
#endif
	int ok;
};

cg_hash_sha256 *cg_hash_sha256_new(void)
{
	cg_hash_sha256 *h = cg_calloc(1, sizeof(*h));

#ifndef OPENSSL_NO_DEPRECATED
	h->ok = SHA256_Init(&h->c);
#else
	h->ok = (h->c = EVP_MD_CTX_new()) != NULL && EVP_DigestInit_ex(h->c, EVP_sha256(), NULL);
#endif
	return h;
}

void cg_hash_sha256_update(cg_hash_sha256 *h, const void *data, size_t len)
{
#ifndef OPENSSL_NO_DEPRECATED
	h->ok = h->ok && SHA256_Update(&h->c, data, len);
#else
	h->ok = h->ok && EVP_DigestUpdate(h->c, data, len);
#endif
}

void cg_hash_sha256_final_hex(cg_hash_sha256 *h, char hex[CG_SHA256_HEX_LEN + 1])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char md[32];

#ifndef OPENSSL_NO_DEPRECATED
	h->ok = h->ok && SHA256_Final(md, &h->c);
#else
	h->ok = h->ok && EVP_DigestFinal_ex(h->c, md, NULL);
	EVP_MD_CTX_free(h->c);
#endif
	if (!h->ok)
		memset(md, 0, sizeof(md));
	for (int i = 0; i < 32; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[CG_SHA256_HEX_LEN] = '\0';
	free(h);
}

void cg_hash_sha256_hex(char hex[CG_SHA256_HEX_LEN + 1], const void *data, size_t len)
{
	cg_hash_sha256 *h = cg_hash_sha256_new();

	cg_hash_sha256_update(h, data, len);
	cg_hash_sha256_final_hex(h, hex);
}
