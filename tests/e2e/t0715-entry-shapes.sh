#!/bin/sh
test_description='changeguard entry in real changelog shapes, after git commit -a, in a file not UTF-8 or too large; corrections with Changelog-Amend'
. "$CG_SOURCE_DIR/tests/e2e/test-lib.sh"
. "$CG_SOURCE_DIR/tests/e2e/lib-pre-receive.sh"

SIGNOFF='Policy-Authorized-By: Lead <lead@example.com>'

# A keep-a-changelog file: an empty Unreleased section, releases, links.
kacl() {
	printf '# Changelog\n\nThe format is based on Keep a Changelog.\n\n## [Unreleased]\n\n' &&
	printf '## [1.0.0] - 2024-01-15\n\n### Added\n\n- First release.\n\n' &&
	printf '[unreleased]: https://example.com/compare/v1.0.0...HEAD\n' &&
	printf '[1.0.0]: https://example.com/releases/tag/v1.0.0\n'
}

test_expect_success 'entry --kind fixed goes under Unreleased, not after the link list' '
	new_pair k && cd k && install_hooks . &&
	kacl >CHANGELOG.md && git add CHANGELOG.md && git commit -q --no-verify -m "keep a changelog" &&
	push_unchecked main &&
	echo fix >a.c && git add a.c &&
	changeguard entry --kind fixed "fixed the parser" >out &&
	test_grep "added an entry to CHANGELOG.md, staged" out &&
	sed -n "5,8p" CHANGELOG.md >actual &&
	printf "## [Unreleased]\n\n### Fixed\n\n" >expect && test_cmp expect actual &&
	sed -n 9p CHANGELOG.md | grep -q "^- [0-9T:-]*Z A U Thor: fixed the parser$" &&
	test "$(tail -n 1 CHANGELOG.md)" = "[1.0.0]: https://example.com/releases/tag/v1.0.0" &&
	git commit -q -m "fix the parser" &&
	git push -q origin main
'

test_expect_success 'a second entry without --kind goes above the newest one' '
	cd k && echo more >>a.c && git add a.c &&
	changeguard entry "tuned the parser" >/dev/null &&
	sed -n 9p CHANGELOG.md | grep -q "A U Thor: tuned the parser$" &&
	git commit -q -m tune
'

test_expect_success 'init in a repository with such a CHANGELOG says where entries go' '
	cd k && changeguard init >out &&
	test_grep "entries will look like: - [0-9T:-]*Z A U Thor: what changed" out &&
	test_grep "and go under .## \[Unreleased\]., newest first" out
'

test_expect_success 'after git commit -a, the hint leads to an entry the commit contains' '
	cd k && echo again >>a.c &&
	test_must_fail git commit -a -q -m again 2>err &&
	test_grep "hint: changeguard entry --all " err &&
	changeguard entry --all "again" >out &&
	test_grep "added an entry to CHANGELOG.md, staged" out &&
	git commit -a -q -m again &&
	git diff --quiet HEAD && git push -q origin main
'

test_expect_success 'a correction of an old entry: refused, then allowed with Changelog-Amend' '
	cd k && old=$(grep "fixed the parser" CHANGELOG.md) &&
	sed -i "s/fixed the parser/fixed the lexer/" CHANGELOG.md && git add CHANGELOG.md &&
	test_must_fail git commit -q -m typo 2>err &&
	test_grep "an existing entry was removed or rewritten (append_only)" err &&
	test_grep "hint: to correct it on purpose: git commit --trailer .Changelog-Amend: <why>." err &&
	git commit -q -m typo --trailer "Changelog-Amend: it was the lexer" &&
	sqlite3 .git/changeguard/audit.db "select reason from waivers where name = '\''Changelog-Amend'\''" >reason &&
	test_grep "^it was the lexer; CHANGELOG.md: line 11: .*$old -> now line 11: .*fixed the lexer" reason &&
	git push -q origin main
'

test_expect_success 'the server: a correction needs the trailer, a removal is refused' '
	cd k && sed -i "s/fixed the lexer/fixed the scanner/" CHANGELOG.md && git add CHANGELOG.md &&
	git commit -q --no-verify -m "silent edit" &&
	refused_push origin main &&
	test_grep "an existing entry was removed or rewritten" "$TRASH_DIRECTORY/err" &&
	git commit -q --amend -m "edit" --trailer "Changelog-Amend: scanner, in fact" &&
	git push -q origin main &&
	sed -i "/fixed the scanner/d" CHANGELOG.md && git add CHANGELOG.md &&
	git commit -q --no-verify -m "drop" --trailer "Changelog-Amend: not needed" &&
	refused_push origin main
'

test_expect_success 'a CHANGELOG that is not UTF-8: refused with the offset; entry leaves it alone' '
	new_repo u && cd u && at=$(($(wc -c <CHANGELOG.md) + 3)) &&
	printf "caf\351\n" >>CHANGELOG.md && git add CHANGELOG.md &&
	test_must_fail git commit -q -m latin1 2>err &&
	test_grep "CHANGELOG.md: is not valid UTF-8: byte $at (line 4)" err &&
	test_grep "hint: convert it to UTF-8, e.g. from Latin-1: iconv" err &&
	git commit -q --no-verify -m latin1 && cp CHANGELOG.md before &&
	echo code >a.c && git add a.c &&
	test_expect_code 2 changeguard entry "more" 2>err &&
	test_grep "not valid UTF-8 (byte $at)" err && cmp before CHANGELOG.md &&
	iconv -f ISO-8859-1 -t UTF-8 CHANGELOG.md >changelog.utf8 && mv changelog.utf8 CHANGELOG.md &&
	git add CHANGELOG.md && changeguard entry "more" >/dev/null && git commit -q -m more
'

test_expect_success 'non_utf8: warn lets it in with a warning, recorded' '
	cd u && printf "changelog:\n  non_utf8: warn\n" >.changeguard.yml && git add .changeguard.yml &&
	changeguard entry "warn only" >/dev/null && git commit -q -m policy --trailer "$SIGNOFF" &&
	printf -- "- %s me: na\357ve\n" "$(now_utc)" >>CHANGELOG.md && git add CHANGELOG.md &&
	git commit -q -m warned 2>err &&
	test_grep "changeguard: warning: CHANGELOG.md: is not valid UTF-8: byte" err &&
	sqlite3 .git/changeguard/audit.db "select source, name from waivers" >w &&
	test_grep "^policy|non_utf8$" w
'

test_expect_success 'over the size cap: the hint says what works, and it does' '
	new_repo s && cd s &&
	{ cat CHANGELOG.md && head -c 34000000 /dev/zero | tr "\0" "x"; } >big &&
	mv big CHANGELOG.md && git add CHANGELOG.md && git commit -q --no-verify -m big &&
	echo code >a.c && git add a.c &&
	test_must_fail git commit -q -m code 2>err &&
	test_grep "CHANGELOG.md: is larger than 32 MiB and was not read" err &&
	test_grep "hint: git mv .CHANGELOG.md. .CHANGELOG-old.md. && changeguard entry" err &&
	test_expect_code 2 changeguard entry "x" 2>eerr &&
	test_grep "git mv .CHANGELOG.md. .CHANGELOG-old.md. && changeguard entry" eerr &&
	git mv CHANGELOG.md CHANGELOG-old.md && changeguard entry "describe the change" >/dev/null &&
	git commit -q -m code --trailer "Changelog-Skip: CHANGELOG.md is over 32 MiB, moved to CHANGELOG-old.md" &&
	echo more >>a.c && git add a.c && changeguard entry "more" >/dev/null && git commit -q -m more
'

test_done
