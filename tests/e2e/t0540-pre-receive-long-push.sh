#!/bin/sh
# ctest-cost: 20 (seconds in the plain build: ctest -j starts the costliest first)
test_description='pre-receive: a long push is checked in several processes, with the verdicts of one'
. "$CG_SOURCE_DIR/tests/e2e/test-lib.sh"
. "$CG_SOURCE_DIR/tests/e2e/lib-pre-receive.sh"

# verdicts REPO: the last push's verdicts, one "<i> <verdict>" a line in the
# order audited, <i> taken from the subject "change <i>": every subject from
# one git log, not a git log (and a sed) per commit, 700 in this script.
verdicts() {
	audit_query "$1" "select c.commit_oid, c.verdict from push_commits as c
		where c.run_id = (select max(id) from runs) order by c.seq" >"$TRASH_DIRECTORY/audited" &&
	cut -d " " -f 1 "$TRASH_DIRECTORY/audited" | git log --no-walk=unsorted --stdin --format=%s |
	sed "s/change //" >"$TRASH_DIRECTORY/subjects" &&
	cut -d " " -f 2 "$TRASH_DIRECTORY/audited" | paste -d " " "$TRASH_DIRECTORY/subjects" -
}

test_expect_success 'a long push with a bad commit near its end is refused, and shows it' '
	new_pair r1 && cd r1 &&
	long_history 300 290 0 &&
	test_must_fail git push origin main 2>err &&
	sed -n "s/.*\"\(change [0-9]*\)\" refused.*/\1/p" err >shown &&
	echo "change 290" >expect && test_cmp expect shown &&
	test_grep "1 of 300 new commits rejected" err &&
	test "$(ref_of ../r1.git main)" != "$(git rev-parse HEAD)"
'

test_expect_success 'every commit of a long push is audited once, oldest first, with its verdict' '
	cd r1 &&
	i=1 && while test $i -le 300; do
		if test $i = 290; then echo "$i blocked"; else echo "$i allowed"; fi &&
		i=$((i + 1))
	done >expect &&
	verdicts ../r1.git >actual &&
	test_cmp expect actual
'

test_expect_success 'bad commits in every share are all found; a waiver crosses over with its reason' '
	new_pair r2 && cd r2 &&
	long_history 400 7 350 &&
	bad_commit b.c "late bad" &&
	test_must_fail git push origin main 2>err &&
	sed -n "s/.*\"\(.*\)\" refused.*/\1/p" err >shown &&
	printf "change 7\nlate bad\n" >expect && test_cmp expect shown &&
	test_grep "2 of 401 new commits rejected" err &&
	verdicts ../r2.git >actual &&
	test "$(grep -c " allowed$" actual)" = 398 &&
	grep "^350 waived$" actual &&
	test "$(audit_query ../r2.git "select reason from waivers
		where run_id = (select max(id) from runs)")" = "a comment only"
'

test_expect_success 'a long push of good commits is accepted' '
	new_pair r3 && cd r3 &&
	long_history 300 0 0 &&
	git push origin main 2>err &&
	test "$(ref_of ../r3.git main)" = "$(git rev-parse HEAD)" &&
	test "$(audit_query ../r3.git "select count(*) from push_commits")" = 300 &&
	test_grep ! "changeguard" err
'

test_done
