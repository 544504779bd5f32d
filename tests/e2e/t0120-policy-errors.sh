#!/bin/sh
test_description='a bad staged policy refuses the commit with FILE:LINE:COL and exit 2'
. "$CG_SOURCE_DIR/tests/e2e/test-lib.sh"

# Stages a policy (content on stdin) in a fresh repository and runs pre-commit.
try_policy() {
	new_repo "$1" && cd "$1" &&
	cat >.changeguard.yml && git add .changeguard.yml &&
	test_expect_code 2 "$CG_LIBEXEC/pre-commit" 2>"$TRASH_DIRECTORY/err"
}

test_expect_success 'unknown key' '
	printf "changelog:\n  mdoe: root\n" | try_policy p1 &&
	test_grep "changeguard: .changeguard.yml:2:3: unknown key .mdoe." err &&
	test_grep "hint: fix the policy" err
'

test_expect_success 'wrong type' '
	printf "changelog:\n  require_for: 5\n" | try_policy p2 &&
	test_grep "^changeguard: .changeguard.yml:2:" err
'

test_expect_success 'bad glob' '
	printf "changelog:\n  ignore: [\"src/{a,b\"]\n" | try_policy p3 &&
	test_grep "^changeguard: .changeguard.yml:2:" err
'

test_expect_success 'bad regex' '
	printf "changelog:\n  entry_pattern: \"(?<ts>[\"\n" | try_policy p4 &&
	test_grep "^changeguard: .changeguard.yml:2:" err
'

test_expect_success 'anchors and aliases are refused' '
	printf "changelog:\n  ignore: &x [\"a\"]\n  require_for: *x\n" | try_policy p5 &&
	test_grep "^changeguard: .changeguard.yml:2:" err &&
	test_grep "alias" err
'

test_expect_success 'the commit itself is refused, with git commit' '
	new_repo p6 && cd p6 &&
	printf "version: 2\n" >.changeguard.yml && add_entry x &&
	git add -A && test_must_fail git commit -m x 2>err &&
	test_grep "^changeguard: .changeguard.yml:1:" err &&
	test_must_fail git rev-parse -q --verify HEAD~1
'

test_expect_success 'only the staged policy counts, not the work tree copy' '
	new_repo p7 && cd p7 &&
	printf "changelog:\n  mode: bogus\n" >.changeguard.yml &&
	echo x >a.c && add_entry a && git add a.c CHANGELOG.md &&
	git commit -m "work tree policy is not staged"
'

test_done
