#!/bin/sh
test_description='a detached HEAD is checked like a branch: the same findings, the same audit'
. "$CG_SOURCE_DIR/tests/e2e/test-lib.sh"

test_expect_success 'on a detached HEAD a change without an entry is refused' '
	new_repo r1 && cd r1 && git checkout -q --detach &&
	test_must_fail git symbolic-ref -q HEAD &&
	echo code >app.c && git add app.c &&
	test_must_fail git commit -m x 2>err &&
	test_grep "changelog: CHANGELOG.md: needs a new entry (for app.c)" err
'

test_expect_success 'on a detached HEAD a good change is accepted and audited' '
	cd r1 && add_entry "detached" && git add CHANGELOG.md &&
	git commit -q -m "detached commit" &&
	test_must_fail git symbolic-ref -q HEAD &&
	test "$(git log -1 --format=%s)" = "detached commit" &&
	test "$(sqlite3 .git/changeguard/audit.db "select verdict from runs order by id desc limit 1")" = allowed
'

test_expect_success 'a protected path on a detached HEAD still needs its sign-off' '
	cd r1 && echo "{}" >.mcp.json && add_entry mcp && git add .mcp.json CHANGELOG.md &&
	test_must_fail git commit -m mcp 2>err &&
	test_grep "protect:mcp: .mcp.json" err &&
	git commit -q -m mcp --trailer "MCP-Authorized-By: Alice <alice@example.com>"
'

test_expect_success 'detached at an older commit: compared with that commit, not the branch' '
	cd r1 && git checkout -q --detach HEAD~2 &&
	echo other >other.c && git add other.c &&
	test_must_fail git commit -m x 2>err &&
	test_grep "needs a new entry (for other.c)" err &&
	test_grep ! "app.c" err
'

test_expect_success 'changeguard check on a detached HEAD' '
	cd r1 && test_expect_code 1 changeguard check --staged >out 2>&1 &&
	test_grep "other.c" out
'

test_done
