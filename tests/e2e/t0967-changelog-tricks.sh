#!/bin/sh
test_description='CHANGELOG tricks: entries in code or raw HTML, copies of old entries, waived entries from the future; refused locally and on the server'
. "$CG_SOURCE_DIR/tests/e2e/test-lib.sh"
. "$CG_SOURCE_DIR/tests/e2e/lib-pre-receive.sh"

# setup NAME: a pair with the local hooks and a file a.txt to change.
setup() {
	new_pair "$1" && cd "$1" && install_hooks . &&
	echo a >a.txt && add_entry "a file" && git add a.txt CHANGELOG.md &&
	git commit -q -m "a file" && git push -q origin main &&
	old=$(sed -n 3p CHANGELOG.md) && echo change >>a.txt && git add a.txt
}

test_expect_success 'an entry in an indented code block is no entry' '
	setup c1 &&
	printf "# Changelog\n\n    - %s tester: in a code block\n\n%s\n" "$(now_utc)" "$(sed 1,2d CHANGELOG.md)" \
		>CHANGELOG.md && git add CHANGELOG.md &&
	refused_both code &&
	test_grep "needs a new entry" "$TRASH_DIRECTORY/local" &&
	test_grep "needs a new entry" "$TRASH_DIRECTORY/err"
'

test_expect_success 'old entries wrapped in <details> or <script> are removed' '
	setup c2 &&
	for tag in details script; do
		git checkout -q CHANGELOG.md &&
		printf "# Changelog\n\n- %s tester: new\n<%s>\n\n%s\n\n</%s>\n" \
			"$(now_utc)" $tag "$(sed 1,2d CHANGELOG.md)" $tag >CHANGELOG.md &&
		git add CHANGELOG.md &&
		test_must_fail git commit -q -m "wrap $tag" 2>"$TRASH_DIRECTORY/local" &&
		test_grep "existing entry was removed" "$TRASH_DIRECTORY/local" || return 1
	done &&
	refused_both wrap &&
	test_grep "existing entry was removed" "$TRASH_DIRECTORY/err"
'

test_expect_success 'a copy of an existing entry is no new entry' '
	setup c3 &&
	add_entry x && { sed -n 1,2p CHANGELOG.md && echo "$old" && sed 1,3d CHANGELOG.md; } >cl.new &&
	mv cl.new CHANGELOG.md && test "$(grep -c -F -x -e "$old" CHANGELOG.md)" = 2 &&
	git add CHANGELOG.md &&
	refused_both copy &&
	test_grep "needs a new entry" "$TRASH_DIRECTORY/local" &&
	test_grep "needs a new entry" "$TRASH_DIRECTORY/err"
'

# waived_entry NAME LINE: LINE at the top of the entry list, committed with
# a Changelog-Skip waiver: refused locally and on the server all the same,
# each naming the line's timestamp.
waived_entry() {
	setup "$1" &&
	{ sed -n 1,2p CHANGELOG.md && echo "$2" && sed 1,2d CHANGELOG.md; } >cl.new &&
	mv cl.new CHANGELOG.md && git add CHANGELOG.md &&
	refused_both waived --trailer "Changelog-Skip: nothing to say" &&
	test_grep -F "${2#- }" "$TRASH_DIRECTORY/local" &&
	test_grep -F "${2#- }" "$TRASH_DIRECTORY/err"
}

test_expect_success 'Changelog-Skip lets in no entry dated beyond max_skew' '
	waived_entry c4 "- 2099-01-01T00:00:00Z tester: from the future" &&
	test_grep "max_skew" "$TRASH_DIRECTORY/err"
'

test_expect_success 'Changelog-Skip lets in no malformed entry' '
	waived_entry c5 "- 2026-13-45T99:00:00Z tester: no such day"
'

test_done
