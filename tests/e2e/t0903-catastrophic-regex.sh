#!/bin/sh
test_description='an entry_pattern that backtracks catastrophically hits the PCRE2 limits: a clear error, never a hang'
. "$CG_SOURCE_DIR/tests/e2e/test-lib.sh"

# A repository whose committed policy has an exponential entry_pattern and
# whose CHANGELOG ends with a line that makes it backtrack: exponentially
# many ways to split the a's, none followed by the end of the line. Without
# PCRE2's limits that takes years; with them a hook answers in well under
# a second, so `timeout 60` leaves room even for a run under valgrind.
bad_regex_repo() {
	new_repo "$1" && cd "$1" &&
	cat >.changeguard.yml <<-\EOF &&
	changelog:
	  entry_pattern: '^(?<ts>(a|aa)+)+$'
	EOF
	changeguard policy validate .changeguard.yml &&
	git add .changeguard.yml && git commit -q --no-verify -m policy &&
	printf "%s!\n" aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa >>CHANGELOG.md &&
	echo code >app.c && git add app.c CHANGELOG.md
}

test_expect_success 'pre-commit gives up within the limits and fails closed (exit 3)' '
	bad_regex_repo r1 &&
	test_expect_code 3 timeout 60 "$CG_LIBEXEC/pre-commit" 2>err &&
	test_grep "changeguard: CHANGELOG.md: line 4: regex .* gave up on a 81-byte subject: match limit exceeded" err
'

test_expect_success 'git commit is refused and the error is audited' '
	cd r1 &&
	test_must_fail timeout 60 git commit -m x 2>err &&
	test_grep "gave up" err &&
	test_must_fail git rev-parse -q --verify HEAD~2 &&
	test "$(sqlite3 .git/changeguard/audit.db "select verdict from runs order by id desc limit 1")" = error
'

test_expect_success 'changeguard check reports the same error, also in bounded time' '
	cd r1 &&
	test_expect_code 3 timeout 60 changeguard check --staged 2>err &&
	test_grep "gave up" err
'

test_expect_success 'on_error: warn lets the commit through, saying it went unchecked' '
	bad_regex_repo r2 &&
	printf "audit:\n  on_error: warn\n" >>.changeguard.yml && git add .changeguard.yml &&
	timeout 60 git commit -m x --trailer "Policy-Authorized-By: Lead <lead@example.com>" 2>err &&
	test_grep "gave up" err &&
	test_grep "hint: on_error is .warn.: the commit goes ahead unchecked" err
'

test_done
