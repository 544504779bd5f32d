#include "hash.h"

#include <openssl/evp.h>

void cg_hash_sha256_hex(char hex[CG_SHA256_HEX_LEN + 1], const void *data, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;

	/* EVP_Digest cannot fail for SHA-256 on a valid buffer short of OOM;
	 * an all-zero digest on that path can never match a real chain. */
	if (!EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL))
		mdlen = 0;
	for (i = 0; i < 32; i++) {
		unsigned char b = i < mdlen ? md[i] : 0;
		hex[2 * i] = digits[b >> 4];
		hex[2 * i + 1] = digits[b & 15];
	}
	hex[CG_SHA256_HEX_LEN] = '\0';
}
