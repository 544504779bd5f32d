#!/bin/sh
test_description='only what the commit will contain is checked'
. "$CG_SOURCE_DIR/tests/e2e/test-lib.sh"

test_expect_success 'an entry written but not staged is a finding with a git add hint' '
	new_repo s1 && cd s1 &&
	echo code >app.c && git add app.c && add_entry "not staged" &&
	test_must_fail git commit -m x 2>err &&
	test_grep "edited in the work tree but not staged" err &&
	test_grep "hint: git add .CHANGELOG.md." err
'

test_expect_success 'git commit -a sees the entry through the temporary index' '
	new_repo s2 && cd s2 &&
	echo code >app.c && git add app.c && git commit -q -m x --no-verify &&
	echo more >>app.c && add_entry "via -a" &&
	git commit -a -m "commit -a"
'

test_expect_success 'git commit -a without an entry is refused' '
	new_repo s3 && cd s3 &&
	echo code >app.c && git add app.c && git commit -q -m x --no-verify &&
	echo more >>app.c && test_must_fail git commit -a -m "commit -a"
'

test_expect_success 'git commit -a: the hint looks at the temporary index, not the old one' '
	new_repo s12 && cd s12 &&
	echo code >app.c && git add app.c && git commit -q -m x --no-verify &&
	echo more >>app.c && echo "a note, not an entry" >>CHANGELOG.md &&
	test_must_fail git commit -a -m "commit -a" 2>err &&
	test_grep "CHANGELOG.md: needs a new entry" err &&
	test_grep ! "not staged" err
'

test_expect_success 'git commit <paths> checks exactly those paths' '
	new_repo s4 && cd s4 &&
	echo a >a.c && echo b >b.c && git add a.c b.c && git commit -q --no-verify -m x &&
	echo a2 >>a.c && echo b2 >>b.c && add_entry "a only" &&
	git add b.c &&
	git commit -m "only a" a.c CHANGELOG.md &&
	git show --stat --format= HEAD >stat && test_grep -F " a.c " stat && test_grep ! -F " b.c " stat
'

test_expect_success 'git commit <paths> leaving the entry out is refused' '
	new_repo s5 && cd s5 &&
	echo a >a.c && git add a.c && git commit -q --no-verify -m x &&
	echo a2 >>a.c && add_entry "left out" && git add CHANGELOG.md &&
	test_must_fail git commit -m "only a" a.c
'

test_expect_success 'from a subdirectory' '
	new_repo s6 && cd s6 && mkdir -p sub/dir && cd sub/dir &&
	echo x >f.c && git add f.c && test_must_fail git commit -m x &&
	(cd ../.. && add_entry sub && git add CHANGELOG.md) && git commit -m x
'

test_expect_success 'from a linked worktree' '
	new_repo s7 && git -C s7 worktree add -q ../s7-wt -b wt && cd s7-wt &&
	echo x >f.c && git add f.c && test_must_fail git commit -m x 2>err &&
	test_grep "needs a new entry" err &&
	add_entry wt && git add CHANGELOG.md && git commit -m x
'

test_expect_success 'the first commit of an unborn branch' '
	git init -q s8 && install_hooks s8 && cd s8 &&
	echo x >a.c && git add a.c && test_must_fail git commit -m x &&
	add_entry first && git add CHANGELOG.md && git commit -m x
'

test_expect_success 'a detached HEAD' '
	new_repo s9 && cd s9 && git checkout -q --detach &&
	echo x >a.c && git add a.c && test_must_fail git commit -m x &&
	add_entry detached && git add CHANGELOG.md && git commit -m x
'

test_expect_success 'a shallow clone' '
	new_repo s10src && (cd s10src && add_entry two && git add -A && git commit -q -m two) &&
	git clone -q --depth 1 "file://$TRASH_DIRECTORY/s10src" s10 && install_hooks s10 && cd s10 &&
	echo x >a.c && git add a.c && test_must_fail git commit -m x &&
	add_entry shallow && git add CHANGELOG.md && git commit -m x
'

test_expect_success 'core.hooksPath is honoured' '
	new_repo s11 && cd s11 && rm -f .git/hooks/pre-commit .git/hooks/commit-msg .git/hooks/prepare-commit-msg &&
	mkdir ../hp && install_hooks . && mv .git/hooks/* ../hp/ && git config core.hooksPath ../hp &&
	echo x >a.c && git add a.c && test_must_fail git commit -m x 2>err &&
	test_grep "needs a new entry" err
'

test_done
