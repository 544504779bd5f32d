#!/bin/sh
test_description='a binary CHANGELOG is a clear finding, decided the way git decides binary'
. "$CG_SOURCE_DIR/tests/e2e/test-lib.sh"

test_expect_success 'a UTF-16 CHANGELOG (NUL bytes) is binary: refused, with the finding' '
	new_repo r1 && cd r1 &&
	printf "# Changelog\n\n- %s utf16: entry\n" "$(now_utc)" | iconv -f UTF-8 -t UTF-16 >CHANGELOG.md &&
	echo code >app.c && git add app.c CHANGELOG.md &&
	test_must_fail git commit -m x 2>err &&
	test_grep "changelog: CHANGELOG.md: is a binary file, so it can hold no entries" err &&
	test_grep "needs a new entry (for app.c)" err &&
	test_must_fail git rev-parse -q --verify HEAD~1
'

test_expect_success 'a NUL byte past the first 8000 bytes is text to git, and to us' '
	new_repo r2 && cd r2 && add_entry "text with a late NUL" &&
	awk "BEGIN { for (i = 0; i < 200; i++) print \"- 2020-01-01T00:00:00Z old: padding line\" }" >>CHANGELOG.md &&
	printf "tail\000tail\n" >>CHANGELOG.md &&
	git add CHANGELOG.md && git commit -q --no-verify -m base &&
	test "$(git diff --numstat HEAD~1 | cut -f1)" != "-" &&
	add_entry "after the NUL" && echo code >app.c && git add app.c CHANGELOG.md &&
	git commit -m "entry" 2>err
'

test_expect_success 'a CHANGELOG that turns binary cannot hide removed entries' '
	new_repo r3 && cd r3 &&
	printf "\000" >>CHANGELOG.md && echo code >app.c &&
	git add app.c CHANGELOG.md &&
	test_must_fail git commit -m x 2>err &&
	test_grep "is a binary file" err
'

test_done
