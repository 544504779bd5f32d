#!/bin/sh
test_description='an audit database that cannot be written: on_error block refuses, warn goes ahead, the record is kept when it can be'
. "$CG_SOURCE_DIR/tests/e2e/test-lib.sh"

# audit_repo REPO PATH ON_ERROR: a repository whose committed policy puts the
# audit database at PATH, with a good change staged.
audit_repo() {
	new_repo "$1" && cd "$1" &&
	printf "audit:\n  path: \"%s\"\n  on_error: %s\n" "$2" "$3" >.changeguard.yml &&
	git add .changeguard.yml && git commit -q --no-verify -m policy &&
	echo code >app.c && add_entry "a good change" && git add app.c CHANGELOG.md
}

runs() {
	sqlite3 .git/changeguard/audit.db "select count(*) from runs"
}

# As root, permissions stop no write; a path under /proc can never be created.
test_expect_success 'block: no database and no fallback possible: refused, exit 3' '
	audit_repo r1 /proc/changeguard-none/audit.db block &&
	test_expect_code 3 "$CG_LIBEXEC/pre-commit" 2>err &&
	test_grep "changeguard: cannot create directory ./proc/changeguard-none. for audit database" err &&
	test_grep "the fallback failed too" err &&
	test_grep "hint: make the audit database writable, or set audit.on_error: warn" err &&
	test_must_fail git commit -m x 2>err &&
	test_must_fail git rev-parse -q --verify HEAD~2 &&
	git diff --cached --name-only >staged && test_grep "^app.c$" staged
'

test_expect_success 'warn: the same failure lets the commit through, saying so' '
	audit_repo r2 /proc/changeguard-none/audit.db warn &&
	git commit -m x 2>err &&
	test_grep "the fallback failed too" err &&
	test_grep "hint: on_error is .warn.: the commit goes ahead" err &&
	git rev-parse -q --verify HEAD~2
'

test_expect_success 'block: the database path runs through a regular file' '
	audit_repo r3 blocker/audit.db block && echo x >blocker &&
	test_must_fail git commit -m x 2>err &&
	test_grep "audit database .*blocker/audit.db" err &&
	test_must_fail git rev-parse -q --verify HEAD~2 &&
	test_grep "^x$" blocker
'

# A file size limit makes every write that grows a file past 8 KiB fail as a
# full disk would; the database (already larger) cannot take its journal, the
# small fallback file can.
test_expect_success 'block: a full disk under the database: refused, the run kept in the fallback file' '
	new_repo r4 && cd r4 && echo a >a.c && add_entry a && git add a.c CHANGELOG.md &&
	git commit -q -m a && test "$(runs)" -ge 2 &&
	before=$(runs) &&
	echo b >b.c && add_entry b && git add b.c CHANGELOG.md &&
	( trap "" XFSZ && ulimit -f 16 && test_must_fail git commit -m b 2>../err ) &&
	test_grep "changeguard: audit database .*audit.db.: disk I/O error; 1 run saved to .*audit.db.fallback.jsonl" ../err &&
	test_must_fail git rev-parse -q --verify HEAD~2 &&
	test "$(runs)" = "$before" &&
	test_grep "\"verdict\":\"allowed\"" .git/changeguard/audit.db.fallback.jsonl
'

test_expect_success 'once there is room again the fallback is imported: nothing lost, chain intact' '
	cd r4 && before=$(runs) &&
	git commit -q -m b &&
	test "$(runs)" -ge $((before + 2)) &&
	test "$(sqlite3 .git/changeguard/audit.db "select count(*) from fallback_imports")" = 1 &&
	test ! -s .git/changeguard/audit.db.fallback.jsonl &&
	changelog-audit verify >out && test_grep "Intact  *yes" out
'

test_expect_success 'warn: a full disk lets the commit through, and the run is kept' '
	cd r4 && printf "audit:\n  on_error: warn\n" >.changeguard.yml &&
	git add .changeguard.yml && git commit -q --no-verify -m warn &&
	echo c >c.c && add_entry c && git add c.c CHANGELOG.md &&
	( trap "" XFSZ && ulimit -f 16 && git commit -m c 2>../err ) &&
	test_grep "saved to .*audit.db.fallback.jsonl" ../err &&
	test_grep "hint: on_error is .warn.: the commit goes ahead" ../err &&
	test -s .git/changeguard/audit.db.fallback.jsonl
'

test_done
