#!/bin/sh
test_description='a policy file that is not UTF-8 is an error located at the bad byte, exit 2'
. "$CG_SOURCE_DIR/tests/e2e/test-lib.sh"

# try_policy REPO: stages the policy on stdin and runs pre-commit (exit 2),
# its standard error in $TRASH_DIRECTORY/err.
try_policy() {
	new_repo "$1" && cd "$1" &&
	cat >.changeguard.yml && git add .changeguard.yml &&
	test_expect_code 2 "$CG_LIBEXEC/pre-commit" 2>"$TRASH_DIRECTORY/err"
}

test_expect_success 'a Latin-1 byte in a value' '
	printf "version: 1\nchangelog:\n  file: CHANGES\377.md\n" | try_policy r1 &&
	test_grep "^changeguard: .changeguard.yml:3:16: not valid UTF-8: invalid leading UTF-8 octet 0xFF" err &&
	test_grep "hint: fix the policy" err
'

test_expect_success 'a Latin-1 byte in a comment is still an error' '
	printf "# caf\351\nversion: 1\n" | try_policy r2 &&
	test_grep "^changeguard: .changeguard.yml:1:7: not valid UTF-8" err
'

test_expect_success 'a UTF-16 policy is not read as another encoding' '
	printf "version: 1\n" | iconv -f UTF-8 -t UTF-16 | try_policy r3 &&
	test_grep "^changeguard: .changeguard.yml:1:1: not valid UTF-8" err
'

test_expect_success 'an overlong encoding and a surrogate are refused' '
	printf "changelog:\n  file: \"\300\256.md\"\n" | try_policy r4 &&
	test_grep "not valid UTF-8: invalid length of a UTF-8 sequence" err &&
	printf "changelog:\n  file: \"\355\240\200\"\n" | try_policy r5 &&
	test_grep "not valid UTF-8: invalid Unicode character 0xD800" err
'

test_expect_success 'the commit is refused; a UTF-8 BOM alone is fine' '
	new_repo r6 && cd r6 &&
	printf "version: 1\nchangelog:\n  mode: \377\n" >.changeguard.yml && add_entry x &&
	git add -A && test_must_fail git commit -m x 2>err &&
	test_grep "not valid UTF-8" err && test_must_fail git rev-parse -q --verify HEAD~1 &&
	printf "\357\273\277version: 1\n" >.changeguard.yml && git add .changeguard.yml &&
	git commit -q -m x --trailer "Policy-Authorized-By: Lead <lead@example.com>"
'

test_done
