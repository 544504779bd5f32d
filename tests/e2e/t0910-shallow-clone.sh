#!/bin/sh
test_description='a shallow clone: the local hooks need only HEAD, and history stops at the boundary'
. "$CG_SOURCE_DIR/tests/e2e/test-lib.sh"

test_expect_success 'setup: an origin with a few good commits, cloned with --depth 1' '
	new_repo origin && cd origin &&
	for n in 1 2 3; do good_commit f$n.c "commit $n" || return 1; done &&
	cd .. && git clone -q --depth 1 "file://$PWD/origin" shallow &&
	test "$(git -C shallow rev-parse --is-shallow-repository)" = true &&
	install_hooks shallow
'

test_expect_success 'in the shallow clone a change without an entry is refused' '
	cd shallow && echo x >>f1.c && git add f1.c &&
	test_must_fail git commit -m x 2>err &&
	test_grep "needs a new entry (for f1.c)" err
'

test_expect_success 'in the shallow clone a good change is accepted' '
	cd shallow && add_entry "shallow change" && git add CHANGELOG.md &&
	git commit -q -m "shallow change" &&
	test "$(sqlite3 .git/changeguard/audit.db "select verdict from runs order by id desc limit 1")" = allowed
'

test_expect_success 'append_only still holds in the shallow clone' '
	cd shallow && sed -i "s/commit 2/commit two/" CHANGELOG.md && echo y >>f2.c &&
	git add CHANGELOG.md f2.c && test_must_fail git commit -m y 2>err &&
	test_grep "commit 2" err && git reset -q --hard
'

# git rev-list stops at the shallow boundary; a walk that does not know
# about it meets a missing parent. Either way nothing may pass unchecked:
# the answer is the verdict or a refusal that says how to get the history.
test_expect_success 'changeguard check of a range that reaches the boundary: checked, or a clear refusal' '
	cd shallow &&
	if changeguard check HEAD~1..HEAD >out 2>err; then
		test_grep "1 commit checked, 0 refused" out
	else
		test_grep "shallow" err && test_grep "git fetch --unshallow" err
	fi
'

test_expect_success 'changelog-audit history in a shallow clone: the verdict, or a clear refusal' '
	cd shallow &&
	if changelog-audit history >out 2>err; then
		test_grep "shallow" out
	else
		test_grep "shallow" err && test_grep "git fetch --unshallow" err
	fi
'

test_done
