#!/bin/sh
test_description='Changelog-Skip waives the changelog rule for one commit, with a reason'
. "$CG_SOURCE_DIR/tests/e2e/test-lib.sh"

test_expect_success 'a Changelog-Skip trailer with a reason waives the entry' '
	new_repo w1 && cd w1 && echo x >a.c && git add a.c &&
	git commit -q -m "tidy" -m "Changelog-Skip: whitespace only"
'

test_expect_success 'the waiver and its reason are in the audit database' '
	cd w1 &&
	sqlite3 .git/changeguard/audit.db "SELECT w.name, w.reason, r.verdict FROM waivers w JOIN runs r ON r.id = w.run_id" >out &&
	test_grep "Changelog-Skip|whitespace only|waived" out
'

test_expect_success 'an empty reason is refused' '
	new_repo w2 && cd w2 && echo x >a.c && git add a.c &&
	test_must_fail git commit -q -m "tidy" -m "Changelog-Skip:" 2>../err &&
	test_grep "the waiver trailer has no reason" ../err
'

test_expect_success 'skip_trailer: "" disables waivers, and pre-commit then decides' '
	git init -q w3 && cd w3 &&
	printf "changelog:\n  skip_trailer: \"\"\n" >.changeguard.yml && add_entry init &&
	git add -A && git commit -q -m init && install_hooks &&
	echo x >a.c && git add a.c &&
	test_expect_code 1 "$CG_LIBEXEC/pre-commit" 2>../err &&
	test_grep "commit refused" ../err &&
	test_must_fail git commit -q -m "tidy" -m "Changelog-Skip: please"
'

test_expect_success 'a skip does not excuse a malformed new entry' '
	new_repo w4 && cd w4 && echo x >a.c &&
	printf -- "- 2026-13-01T00:00:00Z x: bad month\n" >>CHANGELOG.md && git add -A &&
	test_must_fail git commit -q -m "x" -m "Changelog-Skip: no" 2>../err &&
	test_grep "13-01" ../err
'

test_expect_success 'a skip does not excuse rewriting history' '
	new_repo w5 && cd w5 && sed -i "s/first entry/rewritten/" CHANGELOG.md && git add -A &&
	test_must_fail git commit -q -m "x" -m "Changelog-Skip: no" 2>../err &&
	test_grep "append_only" ../err
'

test_expect_success 'a skip excuses a stale entry (cherry-picked or late)' '
	new_repo w6 && cd w6 && echo x >a.c &&
	printf -- "- %s old: entry\n" "$(now_utc "-3 days")" >>CHANGELOG.md && git add -A &&
	test_must_fail git commit -q -m "x" &&
	git commit -q -m "x" -m "Changelog-Skip: cherry-pick of an old fix"
'

test_expect_success 'a skip does not waive a protected path' '
	new_repo w7 && cd w7 && echo "{}" >.mcp.json && git add -A &&
	test_must_fail git commit -q -m "x" -m "Changelog-Skip: config only" 2>../err &&
	test_grep "protect:mcp" ../err
'

test_done
