#!/bin/sh
test_description='two worktrees committing at once share one audit database: every hook run is recorded, the chain holds'
. "$CG_SOURCE_DIR/tests/e2e/test-lib.sh"

COMMITS=15

# commit_loop DIR TAG: COMMITS commits in worktree DIR, each with a file and
# an entry, through every local hook; every third one refused first (no
# entry), so blocked runs race with allowed ones.
commit_loop() {
	(
		cd "$1" &&
		n=0 &&
		while [ $n -lt $COMMITS ]; do
			n=$((n + 1)) &&
			echo "$2 $n" >"$2-$n.c" && git add "$2-$n.c" &&
			if [ $((n % 3)) -eq 0 ]; then
				test_must_fail git commit -q -m "$2 $n without entry" 2>/dev/null || exit 1
			fi &&
			add_entry "$2 $n" && git add CHANGELOG.md &&
			git commit -q -m "$2 $n" || exit 1
		done
	)
}

runs() {
	if [ -f "$db" ]; then sqlite3 "$db" "select count(*) from runs $1"; else echo 0; fi
}

test_expect_success 'setup: a repository with a second worktree' '
	new_repo main && git -C main worktree add -q -b side ../side &&
	db=$(git -C side rev-parse --path-format=absolute --git-common-dir)/changeguard/audit.db &&
	test "$db" = "$PWD/main/.git/changeguard/audit.db" &&
	echo "$db" >db.path
'

test_expect_success 'both worktrees commit in parallel' '
	db=$(cat db.path) && before=$(runs "") &&
	commit_loop main a >a.log 2>&1 & a=$! &&
	commit_loop side b >b.log 2>&1 & b=$! &&
	wait $a && wait $b &&
	test "$(git -C main rev-list --count main)" -eq $((COMMITS + 1)) &&
	test "$(git -C side rev-list --count side)" -eq $((COMMITS + 1)) &&
	echo "$before" >before
'

# Every attempt records pre-commit and commit-msg (pre-commit leaves a
# missing entry to commit-msg, which refuses); prepare-commit-msg records
# nothing.
test_expect_success 'every hook run of both worktrees is in the one database' '
	db=$(cat db.path) && before=$(cat before) &&
	refused=$((COMMITS / 3)) &&
	test "$(runs "")" -eq $((before + 2 * 2 * (COMMITS + refused))) &&
	test "$(runs "where verdict = '\''blocked'\''")" -eq $((2 * refused)) &&
	test "$(runs "where hook = '\''commit-msg'\'' and verdict = '\''allowed'\''")" -eq $((2 * COMMITS))
'

test_expect_success 'no run went to the fallback file' '
	db=$(cat db.path) && test ! -e "$db.fallback.jsonl"
'

test_expect_success 'the chain verifies, from either worktree' '
	(cd main && changelog-audit verify >../verify.out) &&
	test_grep "Intact *yes" verify.out &&
	(cd side && changelog-audit verify)
'

test_done
