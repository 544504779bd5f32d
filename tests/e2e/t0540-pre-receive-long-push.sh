#!/bin/sh
test_description='pre-receive: a long push is checked in several processes, with the verdicts of one'
. "$CG_SOURCE_DIR/tests/e2e/test-lib.sh"
. "$CG_SOURCE_DIR/tests/e2e/lib-pre-receive.sh"

# long_history N BAD SKIPPED: N commits on main, made with git fast-import
# (a commit-by-commit loop would take minutes), each changing a.c with the
# subject "change <i>" and adding a dated entry to CHANGELOG.md, except
# number BAD, which adds no entry, and number SKIPPED, which adds none and
# says why with a Changelog-Skip trailer. 0 for neither.
long_history() {
	lh_ts=$(now_utc) && lh_now=$(date +%s) && lh_log=$(cat CHANGELOG.md) &&
	{
		echo "commit refs/heads/main" &&
		echo "committer Dev <dev@example.com> $lh_now +0000" &&
		printf 'data <<END\nchange 1\nEND\nfrom %s\n' "$(git rev-parse HEAD)" &&
		lh_i=1 &&
		while test $lh_i -le "$1"; do
			if test $lh_i -gt 1; then
				echo "commit refs/heads/main" &&
				echo "committer Dev <dev@example.com> $lh_now +0000" &&
				if test $lh_i = "$3"; then
					printf 'data <<END\nchange %d\n\nChangelog-Skip: a comment only\nEND\n' $lh_i
				else
					printf 'data <<END\nchange %d\nEND\n' $lh_i
				fi
			fi &&
			printf 'M 100644 inline a.c\ndata <<END\nline %d\nEND\n' $lh_i &&
			if test $lh_i != "$2" && test $lh_i != "$3"; then
				lh_log=$(printf '%s\n- %s dev: change %d' "$lh_log" "$lh_ts" $lh_i) &&
				printf 'M 100644 inline CHANGELOG.md\ndata <<END\n%s\nEND\n' "$lh_log"
			fi &&
			lh_i=$((lh_i + 1)) || return 1
		done
	} | git fast-import --quiet && git reset -q --hard main
}

# verdicts REPO: the last push's verdicts, one "<i> <verdict>" a line in the
# order audited, <i> taken from the subject "change <i>".
verdicts() {
	audit_query "$1" "select c.commit_oid, c.verdict from push_commits as c
		where c.run_id = (select max(id) from runs) order by c.seq" |
	while read -r oid verdict; do
		echo "$(git log -1 --format=%s "$oid" | sed "s/change //") $verdict"
	done
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
		if test $i = 290; then echo "$i blocked"; else echo "$i allowed"; fi
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
