/*
 * test_hash.c: the SHA-256 helper against FIPS 180-2's examples, whatever
 * libcrypto interface it uses: the audit chain and the recorded policy
 * digests depend on these exact bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "hash.h"

static void test_known_digests(void **state)
{
	static const struct {
		const char *text;
		size_t repeat; /* the text this many times over */
		const char *hex;
	} cases[] = {
		{ "", 1, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
		{ "abc", 1, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 1,
		  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
		{ "a", 1000000, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0" },
	};

	static const size_t pieces[] = { 1, 3, 64, 65, 65536 };

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len = strlen(cases[i].text), n = len * cases[i].repeat;
		char *data = malloc(n + 1), hex[CG_SHA256_HEX_LEN + 1];

		assert_non_null(data);
		for (size_t k = 0; k < cases[i].repeat; k++)
			memcpy(data + k * len, cases[i].text, len);
		cg_hash_sha256_hex(hex, data, n);
		assert_string_equal(hex, cases[i].hex);
		/* the same message given in pieces of every size here */
		for (size_t p = 0; p < sizeof(pieces) / sizeof(pieces[0]); p++) {
			cg_hash_sha256 *h = cg_hash_sha256_new();
			for (size_t at = 0; at < n; at += pieces[p])
				cg_hash_sha256_update(h, data + at, n - at < pieces[p] ? n - at : pieces[p]);
			cg_hash_sha256_final_hex(h, hex);
			assert_string_equal(hex, cases[i].hex);
		}
		free(data);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_digests),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
