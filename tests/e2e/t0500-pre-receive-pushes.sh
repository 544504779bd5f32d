#!/bin/sh
test_description='pre-receive checks exactly the commits a push brings, and refuses all or nothing'
. "$CG_SOURCE_DIR/tests/e2e/test-lib.sh"
. "$CG_SOURCE_DIR/tests/e2e/lib-pre-receive.sh"

test_expect_success 'a new branch of good commits is accepted' '
	new_pair r1 && cd r1 &&
	git checkout -q -b topic &&
	good_commit a.c "add a" && good_commit b.c "add b" &&
	git push origin topic 2>err &&
	test "$(ref_of ../r1.git topic)" = "$(git rev-parse HEAD)" &&
	test_grep ! "changeguard" err
'

test_expect_success 'a new branch with a bad commit is refused' '
	new_pair r2 && cd r2 &&
	git checkout -q -b topic &&
	good_commit a.c "add a" && bad_commit b.c "add b without entry" &&
	test_must_fail git push origin topic 2>err &&
	test_grep "remote: changeguard: commit [0-9a-f]* on refs/heads/topic \"add b without entry\" refused: 1 problem" err &&
	test_grep "remote:   changelog: CHANGELOG.md: needs a new entry (for b.c)" err &&
	test_grep "remote: changeguard: push refused: 1 of 2 new commits rejected; no ref was updated" err &&
	test_grep "pre-receive hook declined" err &&
	test "$(ref_of ../r2.git topic)" = none
'

test_expect_success 'rejected commits are shown, and audited, oldest first' '
	new_pair r20 && cd r20 &&
	bad_commit x.c "first bad" && good_commit a.c "good" && bad_commit y.c "second bad" &&
	test_must_fail git push origin main 2>err &&
	grep "refused: 1 problem" err | sed "s/.*\"\(.*\)\" refused.*/\1/" >shown &&
	printf "first bad\nsecond bad\n" >expect && test_cmp expect shown &&
	git rev-list --reverse HEAD~3..HEAD >expect &&
	audit_query ../r20.git "select commit_oid from push_commits order by seq" >audited &&
	test_cmp expect audited
'

test_expect_success 'a deletion is not checked and is accepted' '
	new_pair r3 && cd r3 &&
	git checkout -q -b old && bad_commit x.c "bad, pushed before the hook" &&
	push_unchecked old &&
	git push origin :old 2>err &&
	test "$(ref_of ../r3.git old)" = none &&
	test_grep ! "changeguard" err
'

test_expect_success 'a force push checks the new commits and never blames dropped ones' '
	new_pair r4 && cd r4 &&
	bad_commit x.c "dropped bad" && push_unchecked main &&
	git reset -q --hard HEAD~1 &&
	good_commit y.c "replacement" &&
	git push -f origin main 2>err &&
	test_grep ! "dropped bad" err &&
	test "$(ref_of ../r4.git main)" = "$(git rev-parse HEAD)" &&
	git reset -q --hard HEAD~1 &&
	bad_commit z.c "new bad" &&
	test_must_fail git push -f origin main 2>err &&
	test_grep "\"new bad\" refused" err &&
	test_grep ! "dropped bad" err &&
	test_grep "1 of 1 new commit rejected" err
'

test_expect_success 'tags outside server.refs are not checked' '
	new_pair r5 && cd r5 &&
	git checkout -q -b side && bad_commit x.c "bad, tagged only" &&
	git tag light && git tag -a -m "annotated" annot &&
	git push origin light annot 2>err &&
	test_grep ! "changeguard" err &&
	test "$(ref_of ../r5.git light)" = "$(git rev-parse HEAD)"
'

test_expect_success 'lightweight and annotated tags are peeled and checked when server.refs covers them' '
	new_pair r6 && cd r6 &&
	printf "server:\n  refs: [\"refs/heads/**\", \"refs/tags/**\"]\n" | server_policy ../r6.git &&
	git checkout -q -b side && bad_commit x.c "bad, tagged" &&
	git tag light && git tag -a -m "annotated" annot &&
	test_must_fail git push origin light 2>err &&
	test_grep "on refs/tags/light \"bad, tagged\" refused" err &&
	test_must_fail git push origin annot 2>err &&
	test_grep "on refs/tags/annot \"bad, tagged\" refused" err &&
	test "$(ref_of ../r6.git light)" = none &&
	test "$(ref_of ../r6.git annot)" = none
'

test_expect_success 'a tag on known history or on a tree brings nothing to check' '
	new_pair r7 && cd r7 &&
	printf "server:\n  refs: [\"refs/heads/**\", \"refs/tags/**\"]\n" | server_policy ../r7.git &&
	git tag -a -m "release" v1 main && git tag tree-tag "HEAD^{tree}" &&
	git push origin v1 tree-tag 2>err &&
	test_grep ! "changeguard" err &&
	test "$(ref_of ../r7.git tree-tag)" = "$(git rev-parse HEAD^{tree})"
'

test_expect_success 'several refs in one push: a shared commit is checked once' '
	new_pair r8 && cd r8 &&
	git checkout -q -b a && bad_commit s.c "shared bad" &&
	git checkout -q -b b && good_commit t.c "only on b" &&
	test_must_fail git push origin a b 2>err &&
	test "$(grep -c "refused: 1 problem" err)" = 1 &&
	test_grep "on refs/heads/a \"shared bad\" refused" err &&
	test_grep "1 of 2 new commits rejected" err &&
	test "$(ref_of ../r8.git a)" = none &&
	test "$(ref_of ../r8.git b)" = none
'

test_expect_success 'several good refs in one push are accepted, each commit audited once' '
	new_pair r9 && cd r9 &&
	git checkout -q -b a && good_commit s.c "shared" &&
	git checkout -q -b b && good_commit t.c "only on b" &&
	git push origin a b &&
	test "$(audit_of ../r9.git ref "$(git rev-parse a)")" = refs/heads/a &&
	test "$(audit_of ../r9.git ref "$(git rev-parse b)")" = refs/heads/b &&
	test "$(audit_query ../r9.git "select count(*) from push_commits")" = 2 &&
	test "$(audit_query ../r9.git "select count(*) from runs")" = 1 &&
	test "$(audit_query ../r9.git "select group_concat(ref, '\'' '\'') from push_refs")" = \
		"refs/heads/a refs/heads/b"
'

test_done
