#!/bin/sh
# ctest-cost: 22 (seconds in the plain build: ctest -j starts the costliest first)
test_description='a staged change of 200,000 files is checked in bounded time and reported'
. "$CG_SOURCE_DIR/tests/e2e/test-lib.sh"

# Stages N paths under DIR/, all the same blob, without touching the work tree.
stage_many() {
	blob=$(echo same | git hash-object -w --stdin) &&
	awk -v n="$1" -v b="$blob" -v d="$2" \
		'BEGIN { for (i = 0; i < n; i++) printf "100644 %s\t%s/%d/f%d.c\n", b, d, i % 500, i }' |
	git update-index --index-info
}

test_expect_success 'without an entry: refused, naming a few paths and counting the rest' '
	new_repo r1 && cd r1 &&
	stage_many 200000 src && test "$(git ls-files | wc -l)" = 200001 &&
	test_must_fail timeout 300 git commit -q -m "many files" 2>err &&
	test_grep "changelog: CHANGELOG.md: needs a new entry (for src/0/f0.c, " err &&
	test_grep "and 199997 more)" err
'

test_expect_success 'with an entry: accepted, and the audit row is written' '
	cd r1 && add_entry "many files" && git add CHANGELOG.md &&
	timeout 300 git commit -q -m "many files" &&
	test "$(git ls-tree -r HEAD | wc -l)" = 200001 &&
	test "$(sqlite3 .git/changeguard/audit.db "select verdict from runs order by id desc limit 1")" = allowed
'

test_expect_success 'a protected path hidden among them is still found' '
	cd r1 && blob=$(echo x | git hash-object -w --stdin) &&
	git rm -q --cached "src/123/f123623.c" &&
	printf "100644 %s\tsrc/123/.mcp.json\n" "$blob" | git update-index --index-info &&
	add_entry "one more" && git add CHANGELOG.md &&
	test_must_fail timeout 300 git commit -q -m "hidden mcp" 2>err &&
	test_grep "src/123/.mcp.json" err &&
	test_grep "MCP-Authorized-By" err
'

test_done
