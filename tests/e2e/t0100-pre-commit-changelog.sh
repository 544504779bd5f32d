#!/bin/sh
test_description='pre-commit refuses code changes without a new CHANGELOG entry'
. "$CG_SOURCE_DIR/tests/e2e/test-lib.sh"

test_expect_success 'a code change without an entry is refused' '
	new_repo r1 && cd r1 &&
	echo code >app.c && git add app.c &&
	test_must_fail git commit -m "add app" 2>err &&
	test_grep "changeguard: commit refused: 1 problem" err &&
	test_grep "changelog: CHANGELOG.md: needs a new entry (for app.c)" err &&
	test_grep "hint: changeguard entry \"describe the change\"" err &&
	test_must_fail git rev-parse --verify -q HEAD~1
'

test_expect_success 'the same change with a new entry is accepted' '
	new_repo r2 && cd r2 &&
	echo code >app.c && add_entry "add app" && git add app.c CHANGELOG.md &&
	git commit -m "add app" 2>err &&
	git rev-parse --verify -q HEAD~1
'

test_expect_success 'the pre-commit hook alone decides when commit-msg is not installed' '
	new_repo r3 && cd r3 && rm .git/hooks/commit-msg .git/hooks/prepare-commit-msg &&
	echo code >app.c && git add app.c &&
	test_expect_code 1 git commit -m "x" 2>err &&
	test_grep "commit refused" err &&
	test_expect_code 1 "$CG_LIBEXEC/pre-commit"
'

test_expect_success 'with commit-msg installed, pre-commit defers silently and commit-msg decides' '
	new_repo r4 && cd r4 &&
	echo code >app.c && git add app.c &&
	"$CG_LIBEXEC/pre-commit" 2>err &&
	test_must_fail test -s err &&
	test_must_fail git commit -m x 2>err &&
	test "$(grep -c "needs a new entry" err)" = 1 &&
	test "$(grep -c "^hint: changeguard entry" err)" = 1
'

test_expect_success 'changes to ignored paths need no entry' '
	new_repo r5 && cd r5 &&
	mkdir -p docs .github && echo a >docs/guide.txt && echo b >README.md &&
	echo c >.github/ci.yml && git add docs README.md .github &&
	git commit -m "docs only"
'

test_expect_success 'a stale entry does not count and says why' '
	new_repo r6 && cd r6 &&
	echo code >app.c &&
	printf -- "- %s old: entry\n" "$(now_utc "-3 days")" >>CHANGELOG.md &&
	git add app.c CHANGELOG.md &&
	test_must_fail git commit -m x 2>err &&
	test_grep "is older than max_age (1d)" err &&
	test_grep "needs a new entry" err
'

test_expect_success 'an entry from the future beyond max_skew is refused' '
	new_repo r7 && cd r7 &&
	echo code >app.c &&
	printf -- "- %s fut: entry\n" "$(now_utc "+2 hours")" >>CHANGELOG.md &&
	git add app.c CHANGELOG.md &&
	test_must_fail git commit -m x 2>err &&
	test_grep "lies more than max_skew (10m) after the commit time" err
'

test_expect_success 'an entry a few minutes ahead (clock skew) is accepted' '
	new_repo r8 && cd r8 &&
	echo code >app.c &&
	printf -- "- %s skew: entry\n" "$(now_utc "+5 minutes")" >>CHANGELOG.md &&
	git add app.c CHANGELOG.md &&
	git commit -m x
'

test_expect_success 'a non-UTC timestamp is refused with "must be UTC"' '
	new_repo r9 && cd r9 &&
	echo code >app.c &&
	printf -- "- %s+02:00 tz: entry\n" "$(date -u +%Y-%m-%dT%H:%M:%S)" >>CHANGELOG.md &&
	git add app.c CHANGELOG.md &&
	test_must_fail git commit -m x 2>err &&
	test_grep "must be UTC, ending in Z" err
'

test_expect_success 'a naive timestamp is refused with "must be UTC"' '
	new_repo r10 && cd r10 &&
	echo code >app.c &&
	printf -- "- %s naive: entry\n" "$(date -u "+%Y-%m-%d %H:%M:%S")" >>CHANGELOG.md &&
	git add app.c CHANGELOG.md &&
	test_must_fail git commit -m x 2>err &&
	test_grep "must be UTC, ending in Z" err
'

test_expect_success 'an impossible date is refused' '
	new_repo r11 && cd r11 &&
	echo code >app.c &&
	printf -- "- 2026-02-30T10:00:00Z bad: entry\n" >>CHANGELOG.md &&
	git add app.c CHANGELOG.md &&
	test_must_fail git commit -m x 2>err &&
	test_grep "2026-02-30T10:00:00Z" err
'

test_expect_success 'rewriting an existing entry is refused (append_only)' '
	new_repo r12 && cd r12 &&
	sed -i "s/first entry/first entry, edited/" CHANGELOG.md &&
	add_entry "legit new entry" && git add CHANGELOG.md &&
	test_must_fail git commit -m x 2>err &&
	test_grep "an existing entry was removed or rewritten (append_only)" err
'

test_expect_success 'removing an existing entry is refused' '
	new_repo r13 && cd r13 &&
	printf "# Changelog\n\n" >CHANGELOG.md && add_entry "replacement" &&
	git add CHANGELOG.md &&
	test_must_fail git commit -m x 2>err &&
	test_grep "removed or rewritten" err
'

test_expect_success 'append_only: false allows rewriting' '
	new_repo r14 && cd r14 &&
	printf "changelog:\n  append_only: false\n" >.changeguard.yml &&
	git add .changeguard.yml && add_entry "policy" && git add CHANGELOG.md &&
	git commit -q -m policy --trailer "Policy-Authorized-By: Lead <lead@example.com>" &&
	sed -i "s/first entry/first entry, fixed typo/" CHANGELOG.md &&
	git add CHANGELOG.md && git commit -m "fix typo"
'

test_expect_success 'moving entries around is not a rewrite' '
	new_repo r15 && cd r15 &&
	add_entry "second" && git add CHANGELOG.md && git commit -q -m second &&
	{ head -n 2 CHANGELOG.md && tail -n +3 CHANGELOG.md | tac; } >x && mv x CHANGELOG.md &&
	git add CHANGELOG.md && git commit -m reorder
'

test_expect_success 'an entry inside a fenced code block does not count' '
	new_repo r16 && cd r16 &&
	echo code >app.c &&
	printf "\`\`\`\n- %s fenced: entry\n\`\`\`\n" "$(now_utc)" >>CHANGELOG.md &&
	git add app.c CHANGELOG.md &&
	test_must_fail git commit -m x 2>err &&
	test_grep "needs a new entry" err
'

test_expect_success 'an entry inside an HTML comment does not count' '
	new_repo r17 && cd r17 &&
	echo code >app.c &&
	printf "<!--\n- %s hidden: entry\n-->\n" "$(now_utc)" >>CHANGELOG.md &&
	git add app.c CHANGELOG.md &&
	test_must_fail git commit -m x 2>err &&
	test_grep "needs a new entry" err
'

test_expect_success 'heading-style entries count (### timestamp)' '
	new_repo r18 && cd r18 &&
	echo code >app.c && printf "### %s\n\nAdded app.\n" "$(now_utc)" >>CHANGELOG.md &&
	git add app.c CHANGELOG.md && git commit -m x
'

test_expect_success 'a CRLF changelog with a BOM works' '
	git init -q r19 && cd r19 &&
	printf "\357\273\277# Changelog\r\n\r\n- %s a: first\r\n" "$(now_utc)" >CHANGELOG.md &&
	git add CHANGELOG.md && git commit -q -m init && install_hooks &&
	echo code >app.c &&
	printf -- "- %s b: second\r\n" "$(now_utc)" >>CHANGELOG.md &&
	git add app.c CHANGELOG.md && git commit -m x
'

test_expect_success 'a binary CHANGELOG is a clear finding' '
	new_repo r20 && cd r20 &&
	printf "\000\001binary" >CHANGELOG.md && echo code >app.c &&
	git add app.c CHANGELOG.md &&
	test_must_fail git commit -m x 2>err &&
	test_grep "is a binary file" err
'

test_done
