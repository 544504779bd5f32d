#!/bin/sh
test_description='pre-receive: all or nothing, merges, history first seen elsewhere, many rejections, shallow clients'
. "$CG_SOURCE_DIR/tests/e2e/test-lib.sh"
. "$CG_SOURCE_DIR/tests/e2e/lib-pre-receive.sh"

test_expect_success 'only the middle commit is bad: the whole push is refused, nothing changes' '
	new_pair r10 && cd r10 &&
	good_commit a.c "first good" && bad_commit b.c "middle bad" && good_commit c.c "last good" &&
	(cd ../r10.git && git for-each-ref && find objects -type f | sort) >before &&
	test_must_fail git push origin main 2>err &&
	(cd ../r10.git && git for-each-ref && find objects -type f | sort) >after &&
	test_cmp before after &&
	test_grep "\"middle bad\" refused" err &&
	test_grep ! "\"first good\" refused" err &&
	test_grep ! "\"last good\" refused" err &&
	test_grep "1 of 3 new commits rejected" err
'

test_expect_success 'git push --atomic: one bad ref refuses every ref' '
	new_pair r11 && cd r11 &&
	git checkout -q -b good && good_commit a.c "fine" &&
	git checkout -q -b bad main && bad_commit b.c "not fine" &&
	test_must_fail git push --atomic origin good bad 2>err &&
	test_grep "\"not fine\" refused" err &&
	test "$(ref_of ../r11.git good)" = none &&
	test "$(ref_of ../r11.git bad)" = none &&
	test_must_fail git push origin good bad 2>err &&
	test "$(ref_of ../r11.git good)" = none &&
	git push --atomic origin good &&
	test "$(ref_of ../r11.git good)" = "$(git rev-parse good)"
'

test_expect_success 'a merge commit is checked only for what the merge introduced' '
	new_pair r12 && cd r12 &&
	git checkout -q -b side &&
	bad_commit gen.c "regenerate" --trailer "Changelog-Skip: generated file" &&
	git checkout -q main && good_commit m.c "main work" &&
	git merge -q --no-ff -m "merge side" side &&
	git push origin main 2>err &&
	test_grep ! "refused" err &&
	test "$(audit_of ../r12.git verdict "$(git rev-parse HEAD)")" = allowed
'

test_expect_success 'an evil merge (a change in neither parent) is refused' '
	new_pair r13 && cd r13 &&
	git checkout -q -b side &&
	bad_commit s.c "side work" --trailer "Changelog-Skip: trivial" &&
	git checkout -q main && good_commit m.c "main work" &&
	git merge -q --no-ff --no-commit side &&
	echo evil >evil.c && git add evil.c && git commit -q -m "evil merge" &&
	test_must_fail git push origin main 2>err &&
	test_grep "\"evil merge\" refused: 1 problem" err &&
	test_grep "needs a new entry (for evil.c)" err &&
	test_grep "1 of 3 new commits rejected" err
'

test_expect_success 'a commit first pushed outside server.refs is checked when it reaches main' '
	new_pair r14 && cd r14 &&
	bad_commit x.c "parked bad" &&
	git push origin HEAD:refs/wip/parked 2>err &&
	test_grep ! "changeguard" err &&
	test_must_fail git push origin main 2>err &&
	test_grep "on refs/heads/main \"parked bad\" refused" err &&
	test "$(ref_of ../r14.git main)" != "$(git rev-parse HEAD)"
'

test_expect_success 'a commit already on a covered branch is not checked again' '
	new_pair r15 && cd r15 &&
	bad_commit x.c "old bad" && push_unchecked main &&
	git push origin main:refs/heads/copy 2>err &&
	test_grep ! "changeguard" err &&
	test "$(ref_of ../r15.git copy)" = "$(git rev-parse HEAD)"
'

test_expect_success 'past 20 rejected commits a count stands for the rest' '
	new_pair r16 && cd r16 &&
	for i in $(seq 1 25); do bad_commit "f$i.c" "bad $i" || exit 1; done &&
	test_must_fail git push origin main 2>err &&
	test "$(grep -c "refused: 1 problem" err)" = 20 &&
	test_grep "\"bad 20\" refused" err &&
	test_grep ! "\"bad 21\" refused" err &&
	test_grep "remote: changeguard: ... and 5 more rejected commits, not shown" err &&
	test_grep "25 of 25 new commits rejected" err
'

test_expect_success 'a CHANGELOG over 64 KiB in a pushed pack is judged from the quarantine' '
	new_pair r18 && cd r18 &&
	git -C ../r18.git config receive.unpackLimit 1 &&
	awk -v ts="$(now_utc)" "BEGIN { for (i = 1; i <= 1500; i++)
		printf \"- %s dev: change number %d of a long list\\n\", ts, i }" >>CHANGELOG.md &&
	echo one >a.c && git add a.c CHANGELOG.md && git commit -q -m "many entries" &&
	good_commit b.c "one more" && bad_commit c.c "no entry" &&
	test "$(git cat-file -s HEAD:CHANGELOG.md)" -gt 65536 &&
	test_must_fail git push origin main 2>err &&
	test_grep "\"no entry\" refused" err &&
	test_grep "1 of 3 new commits rejected" err &&
	git reset -q --hard HEAD~1 && git push -q origin main
'

test_expect_success 'a shallow client pushes like any other' '
	new_pair r17 && cd r17 &&
	good_commit a.c "one" && good_commit b.c "two" && git push -q origin main &&
	cd .. && git clone -q --depth 1 "file://$PWD/r17.git" shallow && cd shallow &&
	test "$(git rev-list --count HEAD)" = 1 &&
	good_commit c.c "three" &&
	git push origin main &&
	bad_commit d.c "four, bad" &&
	test_must_fail git push origin main 2>err &&
	test_grep "\"four, bad\" refused" err
'

test_done
