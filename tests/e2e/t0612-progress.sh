#!/bin/sh
test_description='progress lines of long runs: on a terminal only, off with --no-progress and --quiet'
. "$CG_SOURCE_DIR/tests/e2e/test-lib.sh"

# on_tty CMD: runs CMD (a shell command line) with a pseudo-terminal as
# its standard input, output and error (util-linux's script), printing
# what the terminal received.
on_tty() {
	script -qec "$1" /dev/null
}

test_expect_success 'setup: 300 commits' '
	new_repo repo && (cd repo && long_history 300 0 0)
'

test_expect_success 'history and check draw a progress line on a terminal, redrawn in place' '
	(cd repo &&
		on_tty "changelog-audit history >/dev/null" >../tty-history &&
		on_tty "changeguard check HEAD~300..HEAD >/dev/null" >../tty-check) &&
	test_grep "Checking commits: 100% (301/301), [0-9]* commits/s, [0-9.]* s, done\." tty-history &&
	test_grep "Checking commits: 100% (300/300), [0-9]* commits/s, [0-9.]* s, done\." tty-check &&
	for f in tty-history tty-check; do
		test "$(grep -o "$(printf "\r")Checking commits" $f | wc -l)" -ge 2 || return 1
	done
'

test_expect_success 'never into a pipe or a file, nor with --no-progress or --quiet' '
	(cd repo &&
		changelog-audit history >../out 2>../err &&
		changeguard check HEAD~300..HEAD 2>>../err | cat >>../out &&
		on_tty "changelog-audit history >/dev/null 2>../err-file" >../tty-file &&
		on_tty "changelog-audit history --no-progress >/dev/null" >../tty-off &&
		on_tty "changeguard check --quiet HEAD~300..HEAD >/dev/null" >>../tty-off) &&
	test_grep "Compliance" out &&
	! grep -q "Checking commits" out err err-file tty-file tty-off
'

test_done
