# Samples chainlint must flag: each flagged line ends with "# BROKEN".
test_expect_success 'a newline between two commands' '
	echo one # BROKEN
	echo two
'

test_expect_success 'a semicolon between two commands' '
	git init -q r; cd r # BROKEN
'

test_expect_success 'inside if, elif and else bodies' '
	if test -f a; then
		cat a # BROKEN
		cat b
	elif test -f c; then
		cat c # BROKEN
		cat d
	else
		cat e # BROKEN
		cat f
	fi
'

test_expect_success 'a compound command left unchained' '
	if true; then echo x; fi # BROKEN
	for i in 1 2; do echo $i && echo $i; done # BROKEN
	while false; do :; done # BROKEN
	case x in x) echo x ;; esac # BROKEN
	echo end
'

test_expect_success 'inside loops, case arms, subshells and braces' '
	for i in 1 2; do
		echo $i # BROKEN
		echo $i
	done &&
	case "$x" in
	a|b)
		echo a # BROKEN
		echo b ;;
	*) echo c; echo d ;; # BROKEN
	esac &&
	(cd r; git log) && # BROKEN
	{ head a; tail b; } >c # BROKEN
	cat c
'

test_expect_success 'after a here-document and a multi-line quoted string' '
	cat >file <<-\EOF # BROKEN
	echo inside here-doc; echo not a command
	EOF
	printf "one
two;
three" >f # BROKEN
	echo $(cd x; pwd) "$(a; b)" # BROKEN
	test_cmp file f
'

test_expect_success 'continuation lines end the command on their last line' '
	git commit \
		-m x # BROKEN
	git log
'

helper() {
	echo in a helper # BROKEN
	echo the next
}
