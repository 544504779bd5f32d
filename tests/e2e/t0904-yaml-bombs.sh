#!/bin/sh
test_description='a YAML alias bomb and 10,000-deep nesting in .changeguard.yml: exit 2 at once, located'
. "$CG_SOURCE_DIR/tests/e2e/test-lib.sh"

# stage_policy REPO FILE: a new repository with FILE staged as its policy,
# with a code change and its entry, so only the policy can stop the commit.
stage_policy() {
	new_repo "$1" && cp "$2" "$1/.changeguard.yml" && cd "$1" &&
	echo code >app.c && add_entry "policy bomb" &&
	git add .changeguard.yml app.c CHANGELOG.md
}

# The "billion laughs": nine levels of nine aliases, 9^9 strings if expanded.
alias_bomb() {
	printf 'version: 1\nchangelog:\n  ignore: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n' &&
	prev=a &&
	for k in b c d e f g h i; do
		printf '  x%s: &%s [*%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s]\n' \
			$k $k $prev $prev $prev $prev $prev $prev $prev $prev $prev &&
		prev=$k || return 1
	done
}

# nest OPEN CLOSE: OPEN and CLOSE repeated 10,000 times each.
nest() {
	awk -v o="$1" -v c="$2" 'BEGIN { for (i = 0; i < 10000; i++) printf "%s", o;
		for (i = 0; i < 10000; i++) printf "%s", c; print "" }'
}

test_expect_success 'alias bomb: refused at its first anchor, exit 2, no expansion' '
	alias_bomb >bomb.yml && stage_policy r1 bomb.yml &&
	test_expect_code 2 timeout 60 "$CG_LIBEXEC/pre-commit" 2>err &&
	test_grep "^changeguard: .changeguard.yml:3:11: anchors and aliases are not allowed" err &&
	test_grep "hint: fix the policy" err &&
	test_must_fail timeout 60 git commit -m x 2>err &&
	test_grep "anchors and aliases are not allowed" err &&
	test_must_fail git rev-parse -q --verify HEAD~1
'

test_expect_success 'alias bomb: policy validate says the same' '
	cd r1 &&
	test_expect_code 2 timeout 60 changeguard policy validate .changeguard.yml 2>err &&
	test_grep "anchors and aliases are not allowed" err
'

test_expect_success '10,000 nested flow lists where a list of strings belongs' '
	{ printf "changelog:\n  ignore: " && nest "[" "]"; } >lists.yml && stage_policy r2 lists.yml &&
	test_expect_code 2 timeout 60 "$CG_LIBEXEC/pre-commit" 2>err &&
	test_grep "^changeguard: .changeguard.yml:2:12: changelog.ignore: expected a list of strings" err
'

test_expect_success '10,000 nested flow mappings as the whole document' '
	nest "{a: " "}" >maps.yml && stage_policy r3 maps.yml &&
	test_expect_code 2 timeout 60 "$CG_LIBEXEC/pre-commit" 2>err &&
	test_grep "^changeguard: .changeguard.yml:1:2: unknown key .a. at the top level" err
'

test_expect_success '10,000 nested block sequences in protect' '
	{ printf "protect:\n" && awk "BEGIN { for (i = 0; i < 10000; i++) printf \"- \"; print \"x\" }"; } >seqs.yml &&
	stage_policy r4 seqs.yml &&
	test_expect_code 2 timeout 60 "$CG_LIBEXEC/pre-commit" 2>err &&
	test_grep "^changeguard: .changeguard.yml:2:3: protect\[0\]: expected a mapping" err
'

test_expect_success '10,000 nested block mappings need 50 MB of indentation: refused by size' '
	awk "BEGIN { print \"server:\"; for (i = 1; i <= 10000; i++) printf \"%*sk:\n\", i, \"\" }" >blocks.yml &&
	stage_policy r5 blocks.yml &&
	test_expect_code 2 timeout 60 "$CG_LIBEXEC/pre-commit" 2>err &&
	test_grep "^changeguard: .changeguard.yml: the policy is larger than 1 MiB" err
'

test_done
