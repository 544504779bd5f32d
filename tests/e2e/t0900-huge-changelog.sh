#!/bin/sh
test_description='a 1 GiB CHANGELOG blob is refused by its size, never read'
. "$CG_SOURCE_DIR/tests/e2e/test-lib.sh"

# Writes a 1 GiB blob, text at the start and a sparse rest, straight into
# a pack (git streams files over core.bigFileThreshold) and prints its id.
huge_blob() {
	{ printf '# Changelog\n\n- %s big: entry\n' "$(now_utc)" &&
	  printf -- '- 2020-01-01T00:00:00Z old: line\n%.0s' $(seq 300); } >head.md &&
	truncate -s 1G huge.md && dd if=head.md of=huge.md conv=notrunc 2>/dev/null &&
	git hash-object -w huge.md && rm huge.md head.md
}

test_expect_success 'the commit is refused with a size finding, quickly' '
	new_repo r1 && cd r1 &&
	oid=$(huge_blob) && test -n "$oid" &&
	test "$(git cat-file -s "$oid")" = 1073741824 &&
	git update-index --cacheinfo "100644,$oid,CHANGELOG.md" &&
	echo code >app.c && git add app.c &&
	test_must_fail timeout 120 git commit -m "huge changelog" 2>err &&
	test_grep "CHANGELOG.md: is larger than 32 MiB and was not read" err &&
	test_must_fail git rev-parse -q --verify HEAD~1 &&
	test "$(git ls-files -s CHANGELOG.md | cut -d" " -f2)" = "$oid"
'

test_expect_success 'the refusal is in the audit database' '
	cd r1 &&
	test "$(sqlite3 .git/changeguard/audit.db "select verdict from runs order by id desc limit 1")" = blocked &&
	sqlite3 .git/changeguard/audit.db "select detail from findings" >details &&
	test_grep "larger than 32 MiB" details
'

test_expect_success 'a huge CHANGELOG in HEAD cannot be compared, so the next commit is refused too' '
	cd r1 &&
	git commit -q --no-verify -m "huge changelog, unchecked" &&
	printf "# Changelog\n\n- %s small: again\n" "$(now_utc)" >CHANGELOG.md &&
	echo more >>app.c && git add app.c CHANGELOG.md &&
	test_must_fail timeout 120 git commit -m "shrink" 2>err &&
	test_grep "larger than 32 MiB" err
'

test_done
