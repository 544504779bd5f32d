#!/bin/sh
test_description='a corrupt audit database is never overwritten; runs go to the fallback file, verify says what is wrong'
. "$CG_SOURCE_DIR/tests/e2e/test-lib.sh"

# A repository with two audited commits, then its database overwritten
# with random bytes (a copy is kept to compare).
corrupt_repo() {
	new_repo "$1" && cd "$1" &&
	echo a >a.c && add_entry a && git add a.c CHANGELOG.md && git commit -q -m a &&
	db=.git/changeguard/audit.db &&
	rm -f "$db-wal" "$db-shm" &&
	head -c 16384 /dev/urandom >"$db" && cp "$db" ../corrupt.copy &&
	echo b >b.c && add_entry b && git add b.c CHANGELOG.md
}

test_expect_success 'block: the commit is refused, the damaged file left as it was' '
	corrupt_repo r1 &&
	test_must_fail git commit -m b 2>err &&
	test_grep "changeguard: audit database .*audit.db.: file is not a database; 1 run saved to .*fallback.jsonl" err &&
	test_must_fail git rev-parse -q --verify HEAD~2 &&
	cmp .git/changeguard/audit.db ../corrupt.copy &&
	test_grep "\"hook\":\"pre-commit\"" .git/changeguard/audit.db.fallback.jsonl
'

test_expect_success 'changelog-audit verify and report fail with the reason, exit 3' '
	cd r1 &&
	test_expect_code 3 changelog-audit verify 2>err &&
	test_grep "file is not a database" err &&
	test_expect_code 3 changelog-audit report 2>err &&
	test_grep "file is not a database" err
'

test_expect_success 'moving the damaged file aside: a new database takes the kept runs' '
	cd r1 && mv .git/changeguard/audit.db ../damaged.db &&
	git commit -q -m b &&
	sqlite3 .git/changeguard/audit.db "select hook from runs order by id" >hooks &&
	test "$(grep -c . hooks)" -ge 3 &&
	test "$(sqlite3 .git/changeguard/audit.db "select count(*) from fallback_imports")" = 1 &&
	test ! -s .git/changeguard/audit.db.fallback.jsonl &&
	changelog-audit verify >out && test_grep "Intact  *yes" out
'

test_expect_success 'a database truncated mid-page is reported, not repaired in place' '
	new_repo r2 && cd r2 &&
	echo a >a.c && add_entry a && git add a.c CHANGELOG.md && git commit -q -m a &&
	db=.git/changeguard/audit.db && rm -f "$db-wal" "$db-shm" &&
	head -c 1000 "$db" >"$db.part" && mv "$db.part" "$db" && cp "$db" ../truncated.copy &&
	echo b >b.c && add_entry b && git add b.c CHANGELOG.md &&
	test_must_fail git commit -m b 2>err &&
	test_grep "changeguard: audit database" err &&
	cmp "$db" ../truncated.copy
'

test_done
