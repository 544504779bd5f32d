#!/bin/sh
# ctest-cost: 14 (seconds in the plain build: ctest -j starts the costliest first)
test_description='lib/trailers parses and cleans messages byte for byte like git'
. "$CG_SOURCE_DIR/tests/e2e/test-lib.sh"

# tests/tools/cg-trailers.c: prints what `git interpret-trailers --parse`
# prints, or with --clean the message as `git commit` stores it.
CG_TRAILERS="$CG_BUILD_DIR/tests/cg-trailers"

subject() {
	case $1 in
	1) printf 'subject\n' ;;
	2) printf 'area: change\n' ;;
	3) printf '\n' ;; # an empty subject: the next paragraph may be trailers
	esac
}

body() {
	case $1 in
	1) ;;
	2) printf '\nBody text: with a colon.\nSecond line -- not a divider --- either.\n' ;;
	esac
}

# The last paragraph: the trailer block, or what only looks like one.
block() {
	case $1 in
	1) printf 'Signed-off-by: A U Thor <author@example.com>\n' ;;
	2) printf 'Reviewed-by: R <r@example.com>\nHelped-by: H <h@example.com>\n' ;;
	3) printf 'not a trailer\nnot a trailer\nnot a trailer\nSigned-off-by: S <s@example.com>\n' ;;
	4) printf 'not a trailer\nnot a trailer\nnot a trailer\nnot a trailer\nSigned-off-by: S\n' ;;
	5) printf 'Reviewed-by: x\nnot a trailer\n' ;;
	6) printf '(cherry picked from commit 0123abc)\nTested-by: T <t@example.com>\n' ;;
	7) printf 'Key: first\n  second line\n\tthird line\nOther: x\n' ;;
	8) printf '  Indented: x\nKey: v\nSigned-off-by: S\n' ;;
	9) printf 'Key: v\r\n  folded\r\nOther: w\r\n' ;;
	10) printf 'Fixes: \nAcked-by:\nCc:    spaced   \n' ;;
	11) printf 'Bug #42\nbug%% 7\nack = Peff\nAcked-by: A\n' ;;
	12) printf 'Change-Id: I0123\n---\n foo | 2 +-\n\nSigned-off-by: after the divider\n' ;;
	13) printf 'Key: before\n# ------------------------ >8 ------------------------\nAfter: the cut\n' ;;
	14) printf '#123 fixed\n#124 also\n' ;;
	15) printf 'Signed-off-by: A\n# comment in the block\n; semicolon line\nCo-authored-by: B\n\nConflicts:\n\tfile.c\n' ;;
	16) printf 'Key : spaced colon\nTwo words: no\nGr\303\266\303\237e: umlaut\nA-1:tight\nSigned-off-by: S\n' ;;
	17) printf 'Signed-off-by: A <a@example.com>\n---------\nCo-authored-by: C <c@example.com>' ;;
	18) printf 'Key: value\n\n\n   \n\t\n' ;;
	19) printf '; Not-a-trailer: with commentChar ;\nReviewed-by: R\nSigned-off-by: S\n' ;;
	20) printf 'Signed-off-by: X\n---\n' ;;
	21) printf 'Signed-off-by: X\n---' ;;
	22) printf 'Acked-by: one\nsecond paragraph? no\n\nSigned-off-by: last block wins\n' ;;
	esac
}

# Parses MSG with git and with our driver and compares: CONFIG is a `git -c`
# setting ("" for none), OPTION the driver's equivalent.
compare_parse() {
	if test "$3" = --no-divider; then
		divider=--no-divider
	else
		divider=
	fi &&
	git ${2:+-c "$2"} interpret-trailers --parse $divider <"$1" >expect &&
	"$CG_TRAILERS" $3 <"$1" >actual &&
	test_cmp expect actual
}

# Commits MSG with core.commentChar=CHAR and the other commit OPTIONS and
# compares the stored message with our clean-up of what commit-msg saw.
compare_clean() {
	msg=$1 char=$2 &&
	shift 2 &&
	(
		cd repo &&
		echo "$msg" >>file &&
		git add file &&
		git -c core.commentChar="$char" commit -q --allow-empty-message "$@" -F "../$msg" &&
		git cat-file commit HEAD >../commit
	) &&
	sed "1,/^\$/d" commit >expect &&
	"$CG_TRAILERS" --clean --comment-char="$char" <seen >actual &&
	test_cmp expect actual
}

# Every block after three kinds of subject and body: 66 messages.
test_expect_success 'setup: messages and a repository that keeps what commit-msg saw' '
	mkdir msgs &&
	for sb in 1-1 2-2 3-2; do
		k=1 &&
		while test $k -le 22; do
			{
				subject ${sb%-*} && body ${sb#*-} && printf "\n" && block $k
			} >msgs/$sb-$(printf %02d $k) || exit 1
			k=$((k + 1))
		done
	done &&
	git init -q repo &&
	printf "#!/bin/sh\ncp \"\$1\" \"%s/seen\"\n" "$TRASH_DIRECTORY" >repo/.git/hooks/commit-msg &&
	chmod +x repo/.git/hooks/commit-msg
'

test_expect_success 'at least 50 varied messages' '
	set -- msgs/* &&
	test $# -ge 50
'

# Each message is parsed with the defaults and with one other setting, and
# cleaned after `git commit -e -v` (git's comment lines, status, scissors
# line and diff in the file) with '#' and with one other comment setting.
# The other settings take turns, which keeps the run short.
i=0
for msg in "$TRASH_DIRECTORY"/msgs/*; do
	msg=msgs/${msg##*/}
	case $((i % 4)) in
	0) config=trailer.separators=:=# option=--separators=:=# ;;
	1) config=trailer.separators=% option=--separators=% ;;
	2) config='core.commentChar=;' option='--comment-char=;' ;;
	3) config= option=--no-divider ;;
	esac
	case $((i % 3)) in
	0) clean="auto -e -v" ;;
	1) clean="auto --cleanup=strip" ;; # no comment lines of git's to read
	2) clean="';' -e -v" ;;
	esac
	test_expect_success "parse $msg like git interpret-trailers --parse ($option)" "
		compare_parse $msg '' '' &&
		compare_parse $msg '$config' '$option'
	"
	test_expect_success "clean $msg like git commit (core.commentChar=$clean)" "
		compare_clean $msg '#' -e -v &&
		compare_clean $msg $clean
	"
	i=$((i + 1))
done

test_expect_success 'the driver refuses an unknown option' '
	test_expect_code 2 "$CG_TRAILERS" --bogus </dev/null
'

test_done
