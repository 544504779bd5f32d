# Samples chainlint must accept: no line here is flagged.
test_expect_success 'a chain with &&, || and | across lines' '
	echo one &&
	echo two ||
	echo three |
	cat >out &&
	{ cat out && echo more; } >out2 &&
	(cd . && ls) &&
	test_cmp out out2
'

test_expect_success 'compound commands chained, closing lines last' '
	if test -f a; then
		cat a &&
		cat b
	elif test -f c
	then
		cat c
	else
		cat e
	fi &&
	for i in 1 2; do
		echo $i || return 1
	done &&
	while false; do :; done &&
	case "$x" in
	a|b) echo a && echo b ;;
	(c) ;;
	*) echo d
	esac &&
	i=0 && until test $i = 2; do i=$((i + 1)) || exit 1; done
'

test_expect_success 'here-documents, quotes and substitutions hide their separators' '
	cat >file <<-\EOF &&
	echo one; echo two
	not; a; command
	EOF
	cat >file2 <<EOF &&
$(echo x)
EOF
	printf "a;b
c; d" >f &&
	echo "$(cd x; pwd)" `echo y; echo z` ${v:-a;b} &&
	echo '\''quoted;'\'' \; # a comment; not code
'

test_expect_success 'a status read through $?, a command that fails anyway, a background job' '
	git push origin main 2>err
	status=$? &&
	test $status = 1 &&
	sleep 1 &
	pid=$! &&
	cmd || { cat err; false; } &&
	cmd || { echo failed; return 1; } &&
	for f in a b; do
		test -f $f && continue
		echo "missing $f" || exit 1
	done
'

test_expect_success 'continuation lines' '
	git commit \
		-m x &&
	git log
'

# A script-level command outside any body is not checked.
echo outside
echo outside too

helper() {
	echo in a helper &&
	echo the next
}
