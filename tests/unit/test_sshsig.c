/*
 * test_sshsig.c: lib/sshsig with the real ssh-keygen and a key made here:
 * sign and verify, the reasons for a refusal, principals that would be
 * options or shell code elsewhere staying inert, and answers kept.
 */
#define _XOPEN_SOURCE 700

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "scratch.h"
#include "sshsig.h"

static char dir[256], key[300], allowed[300];
static cg_buf pub = CG_BUF_INIT;

static int setup(void **state)
{
	char cmd[700], line[600];
	FILE *f;

	(void)state;
	if (scratch_make(dir, sizeof(dir), "sshsig") < 0)
		return -1;
	snprintf(key, sizeof(key), "%s/ada", dir);
	snprintf(allowed, sizeof(allowed), "%s/allowed", dir);
	snprintf(cmd, sizeof(cmd), "ssh-keygen -q -t ed25519 -N '' -C ada -f '%s'", key);
	if (system(cmd) != 0)
		return -1;
	snprintf(cmd, sizeof(cmd), "%s.pub", key);
	if (!(f = fopen(cmd, "r")) || !fgets(line, sizeof(line), f))
		return -1;
	fclose(f);
	cg_buf_puts(&pub, line);
	if (!(f = fopen(allowed, "w")))
		return -1;
	fprintf(f, "ada@example.com %s", line);
	fclose(f);
	/* Anything a shell ran would land here. */
	return chdir(dir);
}

static int teardown(void **state)
{
	(void)state;
	cg_buf_dispose(&pub);
	return scratch_remove(dir);
}

static const char data[] = "changeguard-approval v1\ngroup mcp\n";

static void test_sign_and_verify(void **state)
{
	cg_sshsig_trust trust = { allowed, NULL };
	cg_buf sig = CG_BUF_INIT, fp = CG_BUF_INIT, why = CG_BUF_INIT, want = CG_BUF_INIT;
	int valid;

	(void)state;
	assert_int_equal(cg_sshsig_sign(&sig, key, data, strlen(data)), 0);
	assert_non_null(strstr(sig.ptr, "-----BEGIN SSH SIGNATURE-----"));
	assert_int_equal(cg_sshsig_verify(&valid, &fp, &why, &trust, "ada@example.com", sig.ptr,
	                                  data, strlen(data)), 0);
	assert_true(valid);
	assert_int_equal(cg_sshsig_fingerprint(&want, key), 0);
	assert_string_equal(fp.ptr, want.ptr);
	assert_int_equal(strncmp(fp.ptr, "SHA256:", 7), 0);
	assert_int_equal(cg_sshsig_principals(&want, &why, &trust, sig.ptr), 0);
	assert_string_equal(want.ptr, "ada@example.com\n");
	/* One byte more is other content. */
	assert_int_equal(cg_sshsig_verify(&valid, &fp, &why, &trust, "ada@example.com", sig.ptr,
	                                  data, strlen(data) - 1), 0);
	assert_false(valid);
	assert_string_equal(why.ptr, "the signature is over other content");
	cg_buf_dispose(&sig);
	cg_buf_dispose(&fp);
	cg_buf_dispose(&why);
	cg_buf_dispose(&want);
}

static void test_hostile_principals_are_inert(void **state)
{
	static const char *const hostile[] = {
		"-x", "$(touch x)", "`touch x`", "*", "ada@example.com\nada@example.com",
		"ada@example.com;touch x", "-Y", "", "--", "*@example.com",
	};
	cg_sshsig_trust trust = { allowed, NULL };
	cg_buf sig = CG_BUF_INIT, fp = CG_BUF_INIT, why = CG_BUF_INIT;
	size_t i;
	int valid;

	(void)state;
	assert_int_equal(cg_sshsig_sign(&sig, key, data, strlen(data)), 0);
	for (i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		assert_int_equal(cg_sshsig_verify(&valid, &fp, &why, &trust, hostile[i], sig.ptr, data,
		                                  strlen(data)), 0);
		if (valid || !why.size)
			fail_msg("principal '%s': valid %d, why '%s'", hostile[i], valid, why.ptr);
		assert_int_equal(access("x", F_OK), -1);
	}
	cg_buf_dispose(&sig);
	cg_buf_dispose(&fp);
	cg_buf_dispose(&why);
}

static void test_unreadable_signers_and_missing_key(void **state)
{
	cg_sshsig_trust nobody = { "/nonexistent/allowed", NULL };
	cg_buf sig = CG_BUF_INIT, why = CG_BUF_INIT, out = CG_BUF_INIT;

	(void)state;
	assert_int_equal(cg_sshsig_sign(&sig, key, data, strlen(data)), 0);
	assert_int_equal(cg_sshsig_principals(&out, &why, &nobody, sig.ptr), 0);
	assert_int_equal(out.size, 0);
	assert_non_null(strstr(why.ptr, "cannot be read"));
	assert_int_equal(cg_sshsig_sign(&sig, "/nonexistent/key", data, strlen(data)), -1);
	cg_buf_dispose(&sig);
	cg_buf_dispose(&why);
	cg_buf_dispose(&out);
}

/* Asked again, a question gets the same answer (from the cache); a
 * replaced allowed signers file makes it a new question. */
static void test_answers_kept_until_the_signers_change(void **state)
{
	cg_sshsig_trust trust = { allowed, NULL };
	cg_buf sig = CG_BUF_INIT, fp = CG_BUF_INIT, why = CG_BUF_INIT, out = CG_BUF_INIT;
	cg_buf first = CG_BUF_INIT;
	FILE *f;
	int valid, round;

	(void)state;
	cg_sshsig_cache_share();
	assert_int_equal(cg_sshsig_sign(&sig, key, data, strlen(data)), 0);
	for (round = 0; round < 2; round++) {
		assert_int_equal(cg_sshsig_verify(&valid, &fp, &why, &trust, "ada@example.com", sig.ptr,
		                                  data, strlen(data)), 0);
		assert_true(valid);
		if (!round)
			cg_buf_puts(&first, fp.ptr);
		assert_string_equal(fp.ptr, first.ptr);
		assert_int_equal(cg_sshsig_verify(&valid, &fp, &why, &trust, "ada@example.com", sig.ptr,
		                                  data, 3), 0);
		assert_false(valid);
		assert_string_equal(why.ptr, "the signature is over other content");
		cg_buf_clear(&why);
		assert_int_equal(cg_sshsig_principals(&out, &why, &trust, sig.ptr), 0);
		assert_string_equal(out.ptr, "ada@example.com\n");
		assert_int_equal(why.size, 0);
	}
	assert_non_null(f = fopen(allowed, "w"));
	fclose(f);
	assert_int_equal(cg_sshsig_principals(&out, &why, &trust, sig.ptr), 0);
	assert_int_equal(out.size, 0);
	assert_string_equal(why.ptr, "the key is not in the allowed signers");
	assert_non_null(f = fopen(allowed, "w"));
	fprintf(f, "ada@example.com %s", pub.ptr);
	fclose(f);
	cg_buf_dispose(&sig);
	cg_buf_dispose(&fp);
	cg_buf_dispose(&why);
	cg_buf_dispose(&out);
	cg_buf_dispose(&first);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sign_and_verify),
		cmocka_unit_test(test_hostile_principals_are_inert),
		cmocka_unit_test(test_unreadable_signers_and_missing_key),
		cmocka_unit_test(test_answers_kept_until_the_signers_change),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
