#!/bin/sh
# ctest-cost: 14 (seconds in the plain build: ctest -j starts the costliest first)
test_description='merge-changelog: branches that each add an entry merge, rebase and cherry-pick without conflict'
. "$CG_SOURCE_DIR/tests/e2e/test-lib.sh"
. "$CG_SOURCE_DIR/tests/e2e/lib-pre-receive.sh"

# adopt NAME [FORMAT]: a client NAME and its server NAME.git (pre-receive
# installed), whose first CHANGELOG.md is FORMAT (printf's; one entry by
# default), then adopted as a user does: install (hooks and merge driver),
# init (.gitattributes), `changeguard entry`, a commit, a push. The policy
# init writes stays out: the built-in defaults apply on both ends, and the
# server takes policy changes only as its own settings allow (docs/server.md).
adopt() {
	git init -q --bare "$1.git" && git init -q "$1" && cd "$1" &&
	ad_format=${2:-"# Changelog\n\n- $(now_utc "-10 min") setup: first entry\n"} &&
	printf "$ad_format" >CHANGELOG.md &&
	git add CHANGELOG.md && git commit -q -m initial &&
	git remote add origin "$TRASH_DIRECTORY/$1.git" && git push -q origin main &&
	install_server_hook "../$1.git" &&
	changeguard install >/dev/null && changeguard init >/dev/null && rm .changeguard.yml &&
	git add -A && changeguard entry "adopt changeguard" >/dev/null &&
	git commit -q -m adopt && git push -q origin main
}

# Where a branch puts its entry: above the first one (newest first), at the
# end (oldest first), or under the "### Fixed" heading. A CRLF file's new
# line ends in CRLF too.
top() {
	awk -v l="$2" '!d && /^- [0-9]/ { if (/\r$/) print l "\r"; else print l; d = 1 } { print }' \
		"$1" >"$1.new" && mv "$1.new" "$1"
}
bottom() {
	printf '%s\n' "$2" >>"$1"
}
fixed() {
	awk -v l="$2" '{ print } /^### Fixed/ { print l }' "$1" >"$1.new" && mv "$1.new" "$1"
}

# work BRANCH BASE WHERE MINUTES: a commit on a new BRANCH from BASE that
# adds BRANCH.c and, by WHERE, its entry dated MINUTES (+1, -2) from now.
work() {
	git checkout -q -b "$1" "$2" && echo "$1" >"$1.c" &&
	$3 CHANGELOG.md "- $(now_utc "$4 min") dev: $1" &&
	git add -A && git commit -q -m "$1"
}

# The entries' messages, in the file's order.
entries() {
	tr -d '\r' <CHANGELOG.md | sed -n 's/^- [0-9][^ ]* [^:]*: //p'
}

expect_entries() {
	printf '%s\n' "$@" >expect && entries >actual && test_cmp expect actual
}

test_expect_success 'install configures the driver; init names it in .gitattributes; doctor sees both' '
	adopt r0 &&
	test "$(git config merge.changeguard-changelog.driver)" = \
		"'"'"'$CG_BUILD_DIR/bin/changeguard'"'"' merge-changelog %O %A %B %P" &&
	printf "CHANGELOG.md merge=changeguard-changelog\n" >expect && test_cmp expect .gitattributes &&
	test "$(git check-attr merge -- sub/dir/CHANGELOG.md)" = \
		"sub/dir/CHANGELOG.md: merge: changeguard-changelog" &&
	changeguard doctor >out &&
	test_grep "^ok: merge driver changeguard-changelog configured for CHANGELOG.md" out &&
	changeguard init >out &&
	test_grep "^.gitattributes: already names" out && test_cmp expect .gitattributes &&
	git config --unset merge.changeguard-changelog.driver &&
	test_expect_code 1 changeguard doctor >out &&
	test_grep "^problem: .gitattributes merges CHANGELOG.md with changeguard-changelog, which" out &&
	test_grep "^hint: configure it with: changeguard install" out
'

test_expect_success 'merge: both entries kept once, newest first; the hooks and the server accept it' '
	adopt r1 &&
	work b1 main top +1 && work b2 main top +2 &&
	git checkout -q main && git merge -q --no-edit b1 && git merge -q --no-edit b2 2>err &&
	test_grep ! CONFLICT err &&
	expect_entries b2 b1 "adopt changeguard" "first entry" &&
	git log -1 --format=%P >parents && test_grep " " parents &&
	changeguard check origin/main..HEAD >out &&
	git push origin main 2>err &&
	test "$(ref_of ../r1.git main)" = "$(git rev-parse HEAD)"
'

test_expect_success 'rebase (merge backend, the default) and git rebase --merge' '
	adopt r2 &&
	work b1 main top +1 && work b2 main top +2 && work b3 main top +3 &&
	git checkout -q b2 && git rebase -q b1 &&
	expect_entries b2 b1 "adopt changeguard" "first entry" &&
	git checkout -q b3 && git rebase -q --merge b2 &&
	expect_entries b3 b2 b1 "adopt changeguard" "first entry" &&
	git push origin b3 2>err && test "$(ref_of ../r2.git b3)" = "$(git rev-parse HEAD)"
'

test_expect_success 'cherry-pick' '
	adopt r3 &&
	work b1 main top +2 && work b2 main top +1 &&
	git checkout -q b1 && git cherry-pick b2 >out &&
	expect_entries b1 b2 "adopt changeguard" "first entry" &&
	git push origin b1 2>err && test "$(ref_of ../r3.git b1)" = "$(git rev-parse HEAD)"
'

test_expect_success 'git pull --rebase after a teammate pushed an entry' '
	adopt r4 && cd .. &&
	git clone -q r4.git mate && cd mate && changeguard install >/dev/null &&
	work m main top +1 && git push -q origin m:main && cd ../r4 &&
	work mine main top +2 && git checkout -q main && git merge -q --ff-only mine &&
	git pull -q --rebase origin main &&
	expect_entries mine m "adopt changeguard" "first entry" &&
	git push origin main 2>err && test "$(ref_of ../r4.git main)" = "$(git rev-parse HEAD)"
'

test_expect_success 'octopus: git runs no merge driver there; it stops with nothing lost, one by one works' '
	adopt r5 &&
	work b1 main top +1 && work b2 main top +2 && work b3 main top +3 &&
	git checkout -q main && before=$(git rev-parse HEAD) &&
	test_must_fail git merge --no-edit b1 b2 b3 >out 2>&1 &&
	test_grep "Should not be doing an octopus" out &&
	test "$(git rev-parse HEAD)" = "$before" && git diff --quiet HEAD &&
	git merge -q --no-edit b1 && git merge -q --no-edit b2 && git merge -q --no-edit b3 &&
	expect_entries b3 b2 b1 "adopt changeguard" "first entry" &&
	git push origin main 2>err && test "$(ref_of ../r5.git main)" = "$(git rev-parse HEAD)"
'

test_expect_success 'oldest first: entries appended, merged in time order at the end' '
	adopt r6 "# Changelog\n\n- $(now_utc "-10 min") setup: first\n- $(now_utc "-9 min") setup: second\n" &&
	expect_entries first second "adopt changeguard" &&
	work b1 main bottom +1 && work b2 main bottom +2 &&
	git checkout -q main && git merge -q --no-edit b2 && git merge -q --no-edit b1 &&
	expect_entries first second "adopt changeguard" b1 b2 &&
	git push origin main 2>err && test "$(ref_of ../r6.git main)" = "$(git rev-parse HEAD)"
'

test_expect_success 'keep-a-changelog sections: each entry stays under the heading it was added to' '
	adopt r7 "# Changelog\n\n## [Unreleased]\n### Added\n- $(now_utc "-9 min") setup: added\n### Fixed\n- $(now_utc "-10 min") setup: fixed\n\n## [1.0.0] - 2026-01-01\n\n[1.0.0]: https://example.com/1.0.0\n" &&
	work b1 main top +1 && work b2 main fixed +2 &&
	git checkout -q main && git merge -q --no-edit b1 && git merge -q --no-edit b2 &&
	sed -n "/^### Added/,/^### Fixed/p" CHANGELOG.md >added &&
	test_grep "dev: b1" added && test_grep ! "dev: b2" added &&
	sed -n "/^### Fixed/,/^## \[1.0.0\]/p" CHANGELOG.md >fixed &&
	test_grep "dev: b2" fixed &&
	expect_entries b1 "adopt changeguard" added b2 fixed &&
	test_grep "^\[1.0.0\]: https" CHANGELOG.md &&
	git push origin main 2>err && test "$(ref_of ../r7.git main)" = "$(git rev-parse HEAD)"
'

test_expect_success 'a CRLF changelog stays CRLF' '
	adopt r8 "# Changelog\r\n\r\n- $(now_utc "-10 min") setup: first\r\n" &&
	work b1 main top +1 && work b2 main top +2 &&
	git checkout -q main && git merge -q --no-edit b1 && git merge -q --no-edit b2 &&
	expect_entries b2 b1 "adopt changeguard" first &&
	test "$(grep -c "$(printf "\r")\$" CHANGELOG.md)" = "$(wc -l <CHANGELOG.md)" &&
	git push origin main 2>err && test "$(ref_of ../r8.git main)" = "$(git rev-parse HEAD)"
'

test_expect_success 'a side that edits an old entry: conflict markers (merge.conflictStyle), the merge stops' '
	adopt r9 && git config merge.conflictStyle diff3 &&
	work b1 main top +1 &&
	git checkout -q -b edit main && sed "s/adopt changeguard/adopt changeguard (edited)/" \
		CHANGELOG.md >new && mv new CHANGELOG.md && git commit -q -am "edit an entry" --no-verify &&
	git checkout -q main && git merge -q --no-edit b1 &&
	test_must_fail git merge --no-edit edit >out 2>err &&
	test_grep "CONFLICT (content): Merge conflict in CHANGELOG.md" out &&
	test_grep "changeguard: cannot merge .CHANGELOG.md. entry by entry: theirs rewrites or removes line 3 of the base: .- [^ ]* A U Thor: adopt changeguard." err &&
	test_grep "hint:   git add .:/CHANGELOG.md." err &&
	test_grep "^<<<<<<< ours" CHANGELOG.md && test_grep "^>>>>>>> theirs" CHANGELOG.md &&
	test_grep "^||||||| base" CHANGELOG.md &&
	test_grep "adopt changeguard (edited)" CHANGELOG.md && test_grep "dev: b1" CHANGELOG.md &&
	git ls-files -u CHANGELOG.md >unmerged && test_grep "CHANGELOG.md" unmerged
'

test_expect_success 'the markers staged as they are: the commit is refused, and the push of it' '
	cd r9 && git add CHANGELOG.md &&
	test_must_fail git commit --no-edit 2>local &&
	test_grep "line 3: an unresolved merge conflict marker: <<<<<<< ours" local &&
	test_grep "line [0-9]*: an unresolved merge conflict marker: >>>>>>> theirs" local &&
	test_grep "hint: keep both sides. entries, delete the marker lines, then: git add .CHANGELOG.md." local &&
	git commit -q --no-edit --no-verify && refused_push origin main &&
	test_grep "an unresolved merge conflict marker: ||||||| base" "$TRASH_DIRECTORY/err"
'

test_expect_success 'where the driver is not configured, git merges as text: a conflict, nothing dropped' '
	adopt r10 && cd .. && git clone -q r10.git plain && cd plain &&
	git config user.name Dev && git config user.email dev@example.com &&
	work b1 main top +1 && work b2 main top +2 &&
	git checkout -q main && git merge -q --no-edit b1 &&
	test_must_fail git merge --no-edit b2 >out &&
	test_grep "CONFLICT (content): Merge conflict in CHANGELOG.md" out &&
	test_grep "dev: b1" CHANGELOG.md && test_grep "dev: b2" CHANGELOG.md
'

test_expect_success 'uninstall removes the driver from the configuration' '
	adopt r11 &&
	changeguard uninstall >/dev/null &&
	test_must_fail git config merge.changeguard-changelog.driver &&
	test_must_fail git config merge.changeguard-changelog.name
'

test_done
