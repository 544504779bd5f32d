#!/bin/sh
# ctest-cost: 17 (seconds in the plain build: ctest -j starts the costliest first)
test_description='pre-receive judges each ref update by the content before and after it'
. "$CG_SOURCE_DIR/tests/e2e/test-lib.sh"
. "$CG_SOURCE_DIR/tests/e2e/lib-pre-receive.sh"

SIGN='MCP-Authorized-By: Alice <alice@example.com>'

# signed_fix NAME: a pair whose server main has a signed .mcp.json, then a
# signed fix of it with its entry; the client's branch "old" is cut before the fix.
signed_fix() {
	new_pair "$1" && cd "$1" &&
	echo "{\"servers\":[\"old\"]}" >.mcp.json && git add .mcp.json &&
	commit_all "add mcp" -m "$SIGN" && git push -q origin main &&
	git branch old &&
	echo "{\"servers\":[\"fixed\"]}" >.mcp.json && git add .mcp.json &&
	commit_all "fix mcp" -m "$SIGN" && git push -q origin main
}

test_expect_success 'a merge -s ours pushed as a fast-forward' '
	signed_fix u1 && git checkout -q old && good_commit o.c "old work" &&
	git merge -q -s ours main -m "merge main" &&
	refused_push origin old:main &&
	test_grep "remote:   protect:mcp: .mcp.json: the update of refs/heads/main" "$TRASH_DIRECTORY/err" &&
	test_grep "drops or rewrites this existing entry (append_only): .*fix mcp" "$TRASH_DIRECTORY/err" &&
	test "$(audit_query ../u1.git "select verdict from runs order by id desc limit 1")" = blocked &&
	test "$(audit_query ../u1.git "select count(*) from findings where rule = '\''protect:mcp'\''
		and run_id = (select max(id) from runs)")" = 1
'

test_expect_success 'a conflict resolved by taking one side'\''s CHANGELOG' '
	signed_fix u2 && git checkout -q old && good_commit o.c "old work" &&
	{ git merge -q --no-ff --no-commit main >/dev/null 2>&1 || :; } &&
	git checkout HEAD -- CHANGELOG.md && git checkout main -- .mcp.json &&
	git commit -q --no-verify -m "merge main, our changelog" &&
	refused_push origin old:main &&
	test_grep "drops or rewrites this existing entry (append_only): .*fix mcp" "$TRASH_DIRECTORY/err" &&
	test_grep ! "protect:mcp" "$TRASH_DIRECTORY/err"
'

test_expect_success 'an octopus merge -s ours' '
	signed_fix u3 && git checkout -q -b side old && good_commit s.c side &&
	git checkout -q old && git merge -q -s ours main side -m octopus &&
	refused_push origin old:main &&
	test_grep "protect:mcp: .mcp.json: the update of refs/heads/main" "$TRASH_DIRECTORY/err"
'

test_expect_success 'a force push back to the parent' '
	signed_fix u4 &&
	refused_push -f origin main~1:main &&
	test_grep "protect:mcp: .mcp.json: .* changes it and is not a fast-forward" "$TRASH_DIRECTORY/err" &&
	test_grep "changelog: CHANGELOG.md: line 3: the update of refs/heads/main" "$TRASH_DIRECTORY/err"
'

test_expect_success 'a force push onto another branch'\''s older tip' '
	signed_fix u5 && git push -q origin old &&
	refused_push -f origin old:main &&
	test_grep "protect:mcp: .mcp.json: .* not a fast-forward" "$TRASH_DIRECTORY/err"
'

test_expect_success 'a merge of a branch whose MCP change is signed' '
	signed_fix u6 && git checkout -q -b feature &&
	echo "{\"servers\":[\"new\"]}" >.mcp.json && git add .mcp.json &&
	commit_all "new mcp" -m "$SIGN" &&
	git checkout -q main && git merge -q --no-ff feature -m "merge feature" &&
	git push -q origin main &&
	test "$(ref_of ../u6.git main)" = "$(git rev-parse main)"
'

test_expect_success 'an unsigned merge that takes the other side'\''s protected file' '
	signed_fix u7 && git checkout -q old && good_commit o.c "old work" &&
	git checkout -q main && { git merge -q --no-ff --no-commit old >/dev/null 2>&1 || :; } &&
	git checkout old -- .mcp.json && git checkout main -- CHANGELOG.md && add_entry "merge old" &&
	git add CHANGELOG.md .mcp.json && git commit -q --no-verify -m "merge old" &&
	refused_push origin main &&
	test_grep "protect:mcp: .mcp.json: the update of refs/heads/main" "$TRASH_DIRECTORY/err"
'

test_expect_success 'a plain fast-forward and a new branch at an existing commit' '
	signed_fix u8 && good_commit a.c "more work" && git push -q origin main &&
	git push -q origin main~2:refs/heads/at-old &&
	test "$(ref_of ../u8.git at-old)" = "$(git rev-parse main~2)"
'

test_expect_success '5,000 new branches at known commits within a small deadline' '
	signed_fix u9 &&
	# A deadline with room for the sanitizer build next to another test on
	# two cores: its hook takes 1.3 s here idle (the plain build 0.3 s).
	server_policy ../u9.git <<-\EOF &&
	server:
	  deadline: 10
	EOF
	i=0 && while test $i -lt 5000; do
		echo "create refs/heads/many/b$i HEAD~$((i % 3))" && i=$((i + 1)) || return 1
	done | git update-ref --stdin &&
	git push -q origin "refs/heads/many/*:refs/heads/many/*" &&
	test "$(git -C ../u9.git for-each-ref refs/heads/many | wc -l)" = 5000
'

test_expect_success 'a rewind the server allows' '
	signed_fix u10 &&
	git -C ../u10.git config --add changeguard.allowRewind "refs/heads/main" &&
	git push -q -f origin main~1:main &&
	test "$(ref_of ../u10.git main)" = "$(git rev-parse main~1)" &&
	git -C ../u10.git config --unset-all changeguard.allowRewind &&
	refused_push -f origin main~2:main
'

test_done
