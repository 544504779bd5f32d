#!/bin/sh
test_description='a repository with a broken object: the hooks fail closed (exit 3) with the object named, the index untouched'
. "$CG_SOURCE_DIR/tests/e2e/test-lib.sh"

# object_file OID: the loose object's file.
object_file() {
	echo ".git/objects/$(echo "$1" | cut -c1-2)/$(echo "$1" | cut -c3-)"
}

# break_object OID [CONTENT]: overwrites a loose object (default: garbage), or
# with CONTENT "missing" removes it.
break_object() {
	f=$(object_file "$1") && test -f "$f" && chmod u+w "$f" &&
	if [ "${2:-}" = missing ]; then rm "$f"; else printf "garbage" >"$f"; fi
}

# A repository with a good change staged and a copy of its index entries.
staged_repo() {
	new_repo "$1" && cd "$1" &&
	echo code >app.c && add_entry "a good change" && git add app.c CHANGELOG.md &&
	git ls-files -s >../"$1".index
}

test_expect_success 'HEAD'\''s tree is corrupt: exit 3, commit refused, index as it was' '
	staged_repo r1 && break_object "$(git rev-parse HEAD^{tree})" &&
	test_expect_code 3 "$CG_LIBEXEC/pre-commit" 2>err &&
	test_grep "changeguard: cannot read HEAD: " err &&
	test_must_fail git commit -m x 2>err &&
	test_grep "cannot read HEAD" err &&
	git ls-files -s >index && test_cmp ../r1.index index
'

test_expect_success 'HEAD'\''s CHANGELOG blob is corrupt: exit 3, the file named' '
	staged_repo r2 && break_object "$(git rev-parse HEAD:CHANGELOG.md)" &&
	test_expect_code 3 "$CG_LIBEXEC/pre-commit" 2>err &&
	test_grep "changeguard: CHANGELOG.md: cannot read changelog: " err &&
	test_must_fail git commit -m x &&
	git ls-files -s >index && test_cmp ../r2.index index
'

test_expect_success 'HEAD'\''s CHANGELOG blob is missing: exit 3, the object named' '
	staged_repo r3 && blob=$(git rev-parse HEAD:CHANGELOG.md) && break_object "$blob" missing &&
	test_expect_code 3 "$CG_LIBEXEC/pre-commit" 2>err &&
	test_grep "cannot read changelog: object not found .*$blob" err
'

test_expect_success 'HEAD'\''s commit is missing: exit 3' '
	staged_repo r4 && break_object "$(git rev-parse HEAD)" missing &&
	test_expect_code 3 "$CG_LIBEXEC/pre-commit" 2>err &&
	test_grep "changeguard: cannot read HEAD: object not found" err
'

test_expect_success 'the staged CHANGELOG blob is corrupt: exit 3' '
	staged_repo r5 && break_object "$(git rev-parse :CHANGELOG.md)" &&
	test_expect_code 3 "$CG_LIBEXEC/pre-commit" 2>err &&
	test_grep "changeguard: CHANGELOG.md: cannot read changelog: " err &&
	test_must_fail git commit -m x
'

test_expect_success 'the failure is audited as an error' '
	cd r5 &&
	test "$(sqlite3 .git/changeguard/audit.db "select verdict from runs order by id desc limit 1")" = error
'

test_expect_success 'changeguard check over a range with a missing commit fails, never "0 checked"' '
	new_repo r6 && cd r6 &&
	for n in 1 2 3; do good_commit f$n.c "commit $n" || return 1; done &&
	base=$(git rev-parse HEAD~2) && break_object "$(git rev-parse HEAD~1)" missing &&
	test_must_fail changeguard check "$base..HEAD" >out 2>err &&
	test_grep "cannot walk the history" err &&
	test_grep ! "0 commits checked" out
'

test_done
