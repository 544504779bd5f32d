#!/bin/sh
test_description='hostile file names are printed escaped; colour only on a terminal'
. "$CG_SOURCE_DIR/tests/e2e/test-lib.sh"

test_expect_success 'a path with spaces is printed as is' '
	new_repo h1 && cd h1 && echo x >"with space.c" && git add -A &&
	test_must_fail git commit -m x 2>err &&
	test_grep "for with space.c" err
'

test_expect_success 'a path with a newline is escaped, never raw' '
	new_repo h2 && cd h2 && nl="$(printf "a\nb.c")" && echo x >"$nl" && git add -A &&
	test_must_fail git commit -m x 2>err &&
	test_grep -F "for a\\nb.c" err &&
	test_grep ! "^b.c" err
'

test_expect_success 'an escape sequence in a path is escaped' '
	new_repo h3 && cd h3 && esc="$(printf "\033[31mred.c")" && echo x >"$esc" && git add -A &&
	test_must_fail git commit -m x 2>err &&
	test_grep -F "\\033[31mred.c" err &&
	test_grep ! "$(printf "\033")" err
'

test_expect_success 'a non-UTF-8 path is escaped' '
	new_repo h4 && cd h4 && bad="$(printf "caf\351.c")" && echo x >"$bad" && git add -A &&
	test_must_fail git commit -m x 2>err &&
	test_grep -F "caf\\351.c" err
'

test_expect_success 'UTF-8 paths (CJK) are printed as they are' '
	new_repo h5 && cd h5 && echo x >"変更.c" && git add -A &&
	test_must_fail git commit -m x 2>err &&
	test_grep "for 変更.c" err
'

test_expect_success 'a protected-looking CHANGELOG in a hostile directory still works' '
	new_repo h6 && cd h6 && d="$(printf "we ird\tdir")" && mkdir "$d" &&
	echo x >"$d/a.c" && add_entry tab && git add -A && git commit -m x
'

test_expect_success 'no colour when stderr is not a terminal' '
	new_repo h7 && cd h7 && echo x >a.c && git add -A &&
	test_must_fail git commit -m x 2>err &&
	test_grep ! "$(printf "\033")" err
'

if command -v script >/dev/null 2>&1; then
test_expect_success 'colour on a terminal' '
	new_repo h8 && cd h8 && echo x >a.c && git add -A && echo msg >m &&
	test_must_fail script -qec "$CG_LIBEXEC/commit-msg m" /dev/null >out 2>&1 &&
	test_grep "$(printf "\033\\[3[13]m")changeguard: " out
'

test_expect_success 'NO_COLOR turns colour off on a terminal' '
	new_repo h9 && cd h9 && echo x >a.c && git add -A && echo msg >m &&
	NO_COLOR=1 test_must_fail script -qec "$CG_LIBEXEC/commit-msg m" /dev/null >out 2>&1 &&
	test_grep "changeguard: " out && test_grep ! "$(printf "\033")" out
'
else
test_skip 'colour on a terminal' 'no script(1)'
test_skip 'NO_COLOR turns colour off' 'no script(1)'
fi

test_expect_success '--help and --version answer, unknown arguments exit 2' '
	"$CG_LIBEXEC/pre-commit" --help >out && test_grep "usage: pre-commit" out &&
	"$CG_LIBEXEC/commit-msg" --version >out && test_grep "changeguard" out &&
	test_expect_code 2 "$CG_LIBEXEC/pre-commit" extra 2>err && test_grep usage err
'

test_done
