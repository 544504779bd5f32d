#!/bin/sh
test_description='every kind of change counts: rename, delete, mode, symlink, submodule, binary'
. "$CG_SOURCE_DIR/tests/e2e/test-lib.sh"

base_repo() {
	new_repo "$1" && (cd "$1" && echo a >a.c && mkdir d && echo b >d/b.c &&
		git add -A && git commit -q --no-verify -m files)
}

test_expect_success 'a rename needs an entry' '
	base_repo k1 && cd k1 && git mv a.c renamed.c &&
	test_must_fail git commit -m x 2>err &&
	test_grep "for a.c, renamed.c" err
'

test_expect_success 'a deletion needs an entry' '
	base_repo k2 && cd k2 && git rm -q d/b.c &&
	test_must_fail git commit -m x 2>err && test_grep "for d/b.c" err &&
	add_entry "removed b" && git add CHANGELOG.md && git commit -m x
'

test_expect_success 'a mode change needs an entry' '
	base_repo k3 && cd k3 && chmod +x a.c && git add a.c &&
	test_must_fail git commit -m x 2>err && test_grep "for a.c" err
'

test_expect_success 'replacing a file with a symlink needs an entry' '
	base_repo k4 && cd k4 && rm a.c && ln -s d/b.c a.c && git add a.c &&
	test_must_fail git commit -m x 2>err && test_grep "for a.c" err
'

test_expect_success 'a submodule update needs an entry' '
	base_repo k5sub && base_repo k5 && cd k5 &&
	git -c protocol.file.allow=always submodule add -q "$TRASH_DIRECTORY/k5sub" mod 2>/dev/null &&
	test_must_fail git commit -m x 2>err && test_grep "for .gitmodules, mod" err
'

test_expect_success 'a binary file counts as a change' '
	base_repo k6 && cd k6 && printf "\000\001\002" >blob.bin && git add blob.bin &&
	test_must_fail git commit -m x 2>err && test_grep "for blob.bin" err
'

test_expect_success 'a CHANGELOG symlink cannot hold entries' '
	base_repo k7 && cd k7 && echo x >>a.c && printf "real\n" >real.md &&
	rm CHANGELOG.md && ln -s real.md CHANGELOG.md && git add -A &&
	test_must_fail git commit -m x 2>err &&
	test_grep "is not a regular file" err
'

test_expect_success 'a change of 200 files names three and counts the rest' '
	base_repo k8 && cd k8 && mkdir many && i=0 &&
	while [ $i -lt 200 ]; do echo $i >many/f$i.c && i=$((i + 1)) || exit 1; done &&
	git add many && test_must_fail git commit -m x 2>err &&
	test_grep "and 197 more" err
'

test_done
