#!/bin/sh
test_description='changeguard init and entry: from nothing to a commit, entries where the policy needs them'
. "$CG_SOURCE_DIR/tests/e2e/test-lib.sh"

SIGNOFF='Policy-Authorized-By: Lead <lead@example.com>'

# A repository whose first commit holds a policy (stdin, may be empty) and
# a root CHANGELOG.md, with changeguard's hooks installed afterwards.
policy_repo() {
	git init -q "$1" && cat >"$1/.changeguard.yml" &&
	printf '# Changelog\n\n- %s setup: first entry\n' "$(now_utc)" >"$1/CHANGELOG.md" &&
	git -C "$1" add -A && git -C "$1" commit -q -m initial &&
	(cd "$1" && changeguard install >/dev/null)
}

# The entry line that `changeguard entry` writes, without its time.
entry_re() {
	printf -- '^- [0-9-]*T[0-9:]*Z A U Thor: %s$' "$1"
}

test_expect_success 'init, git add -A and a signed-off commit just work' '
	git init -q i1 && cd i1 &&
	changeguard install >/dev/null &&
	changeguard init >../i1-out &&
	test_grep "^.changeguard.yml: written" ../i1-out &&
	test_grep "^CHANGELOG.md: written, with a first entry" ../i1-out &&
	test_grep "^# Changelog" CHANGELOG.md &&
	test_grep "$(entry_re "start of the changelog (changeguard init)")" CHANGELOG.md &&
	test_grep "^  mode: nearest  *# nearest | every-directory | root" .changeguard.yml &&
	git add -A &&
	test_must_fail git commit -q -m start 2>err &&
	test_grep "Policy-Authorized-By" err &&
	git commit -q -m start --trailer "$SIGNOFF" &&
	git ls-files >actual && printf ".changeguard.yml\n.gitattributes\nCHANGELOG.md\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'init writes only what is missing, and into the work tree root' '
	git init -q i2 && cd i2 && mkdir -p deep/er &&
	printf "changelog:\n  file: NEWS.md\n" >.changeguard.yml && cp .changeguard.yml saved &&
	(cd deep/er && changeguard init >../../out) &&
	test_grep "^.changeguard.yml: exists, left as it is" out &&
	test_grep "^NEWS.md: written" out &&
	cmp saved .changeguard.yml && test -f NEWS.md &&
	changeguard init >out &&
	test_grep "^NEWS.md: exists, left as it is" out
'

test_expect_success 'init with an invalid existing policy exits 2 and writes nothing' '
	git init -q i3 && cd i3 &&
	printf "changelog:\n  mdoe: root\n" >.changeguard.yml &&
	test_expect_code 2 changeguard init . 2>err &&
	test_grep ".changeguard.yml:2:3: unknown key" err &&
	test_must_fail test -e CHANGELOG.md
'

test_expect_success 'entry (nearest) writes each nearest CHANGELOG and the commit passes' '
	policy_repo e1 </dev/null && cd e1 &&
	mkdir -p src/net lib && printf "# Changelog\n\n" >src/CHANGELOG.md &&
	git add src/CHANGELOG.md && git commit -q --no-verify -m "src log" &&
	echo a >src/net/a.c && echo b >lib/b.c && git add src lib &&
	changeguard entry "net and lib" >out &&
	test_grep "added an entry to CHANGELOG.md, staged" out &&
	test_grep "added an entry to src/CHANGELOG.md, staged" out &&
	test_grep "$(entry_re "net and lib")" src/CHANGELOG.md &&
	test_grep "$(entry_re "net and lib")" CHANGELOG.md &&
	git diff --quiet -- CHANGELOG.md src/CHANGELOG.md &&
	git commit -q -m "net and lib"
'

test_expect_success 'entry (every-directory) creates the missing CHANGELOGs' '
	printf "changelog:\n  mode: every-directory\n" | policy_repo e2 && cd e2 &&
	mkdir -p src/net && echo a >src/net/a.c && echo b >src/b.c && git add src &&
	changeguard entry "two dirs" >out &&
	test_grep "created with an entry to src/CHANGELOG.md" out &&
	test_grep "created with an entry to src/net/CHANGELOG.md" out &&
	test_grep "^# Changelog$" src/net/CHANGELOG.md &&
	test_grep "$(entry_re "two dirs")" src/net/CHANGELOG.md &&
	test_must_fail test_grep "two dirs" CHANGELOG.md &&
	git commit -q -m "two dirs"
'

test_expect_success 'entry (root) writes only the root CHANGELOG' '
	printf "changelog:\n  mode: root\n" | policy_repo e3 && cd e3 &&
	mkdir -p src && printf "# Changelog\n\n" >src/CHANGELOG.md && echo a >src/a.c &&
	git add src &&
	changeguard entry "root only" >out &&
	test_grep "added an entry to CHANGELOG.md" out &&
	test_must_fail test_grep "root only" src/CHANGELOG.md &&
	git commit -q -m "root only"
'

test_expect_success 'entry --dir writes that directory'"'"'s CHANGELOG, from a subdirectory too' '
	policy_repo e4 </dev/null && cd e4 && mkdir -p docs/api &&
	(cd docs && changeguard entry --dir api "api notes" >../out) &&
	test_grep "created with an entry to docs/api/CHANGELOG.md" out &&
	git diff --cached --name-only >actual && echo docs/api/CHANGELOG.md >expect &&
	test_cmp expect actual &&
	test_expect_code 2 changeguard entry --dir .. "outside" 2>err &&
	test_grep "outside the work tree" err
'

test_expect_success 'entries go first in a newest-first file' '
	policy_repo e5 </dev/null && cd e5 &&
	printf "# Changelog\n\nIntro text.\n\n- %s b: newer\n- %s a: older\n\n## Links\n" \
		"$(now_utc "-1 hour")" "$(now_utc "-2 hours")" >CHANGELOG.md &&
	git add CHANGELOG.md && git commit -q --no-verify -m layout &&
	echo x >x.c && git add x.c && changeguard entry "newest" >/dev/null &&
	sed -n 5p CHANGELOG.md >line && test_grep "$(entry_re newest)" line &&
	sed -n 6p CHANGELOG.md >line && test_grep "b: newer" line &&
	git commit -q -m x
'

test_expect_success 'entries go last in an oldest-first file, after continuation lines' '
	policy_repo e6 </dev/null && cd e6 &&
	printf "# Changelog\n\n- %s a: older\n- %s b: newer\n  more about b\n\n## Links\n" \
		"$(now_utc "-2 hours")" "$(now_utc "-1 hour")" >CHANGELOG.md &&
	git add CHANGELOG.md && git commit -q --no-verify -m layout &&
	echo x >x.c && git add x.c && changeguard entry "latest" >/dev/null &&
	sed -n 6p CHANGELOG.md >line && test_grep "$(entry_re latest)" line &&
	sed -n 5p CHANGELOG.md >line && test_grep "more about b" line &&
	sed -n 8p CHANGELOG.md >line && test_grep "## Links" line &&
	git commit -q -m x
'

test_expect_success 'a CRLF CHANGELOG gets a CRLF entry' '
	policy_repo e7 </dev/null && cd e7 &&
	printf "# Changelog\r\n\r\n- %s a: first\r\n" "$(now_utc)" >CHANGELOG.md &&
	git add CHANGELOG.md && git commit -q --no-verify -m crlf &&
	echo x >x.c && git add x.c && changeguard entry "crlf" >/dev/null &&
	sed -n 3p CHANGELOG.md >line && test_grep "crlf$(printf "\r")$" line &&
	git commit -q -m x
'

test_expect_success 'entry refuses a CHANGELOG with unstaged changes unless --force' '
	policy_repo e8 </dev/null && cd e8 &&
	echo x >x.c && git add x.c && echo "local note" >>CHANGELOG.md &&
	cp CHANGELOG.md saved && git diff --cached >staged-before &&
	test_expect_code 2 changeguard entry "refused" 2>err &&
	test_grep "CHANGELOG.md. has changes that are not staged" err &&
	cmp saved CHANGELOG.md && git diff --cached >staged-after &&
	test_cmp staged-before staged-after &&
	changeguard entry --force "forced" >out &&
	test_grep "$(entry_re forced)" CHANGELOG.md && test_grep "local note" CHANGELOG.md &&
	git diff --quiet -- CHANGELOG.md &&
	git commit -q -m x
'

test_expect_success 'entry stages into GIT_INDEX_FILE when it is set, as git does' '
	policy_repo e12 </dev/null && cd e12 &&
	alt="$TRASH_DIRECTORY/e12-index" && cp .git/index "$alt" &&
	echo x >x.c && GIT_INDEX_FILE="$alt" git add x.c &&
	GIT_INDEX_FILE="$alt" changeguard entry "alternate index" >out &&
	test_grep "added an entry to CHANGELOG.md, staged" out &&
	GIT_INDEX_FILE="$alt" git diff --cached --name-only >actual &&
	printf "CHANGELOG.md\nx.c\n" >expect && test_cmp expect actual &&
	git diff --cached --name-only >actual && test_cmp /dev/null actual
'

test_expect_success 'entry refuses a message that is not one line' '
	policy_repo e9 </dev/null && cd e9 &&
	echo x >x.c && git add x.c &&
	test_expect_code 2 changeguard entry "two
lines" 2>err &&
	test_grep "one line" err &&
	test_expect_code 2 changeguard entry "" 2>err
'

test_expect_success 'entry with nothing needed says so and writes nothing' '
	policy_repo e10 </dev/null && cd e10 &&
	echo doc >README.md && git add README.md &&
	changeguard entry "nothing" 2>err &&
	test_grep "needs no new changelog entry" err &&
	git diff --quiet HEAD -- CHANGELOG.md
'

test_expect_success 'a second entry after the first is not needed again' '
	policy_repo e11 </dev/null && cd e11 &&
	echo x >x.c && git add x.c &&
	changeguard entry "once" >/dev/null && changeguard entry "twice" 2>err &&
	test_grep "needs no new changelog entry" err &&
	test_must_fail test_grep twice CHANGELOG.md
'

test_expect_success 'entry is by git config --worktree user.name, in a linked worktree too' '
	policy_repo e13 </dev/null && cd e13 &&
	git config extensions.worktreeConfig true && git config user.name Local &&
	git config --worktree user.name "Main Tree" &&
	git worktree add -q ../e13-linked && git -C ../e13-linked config --worktree user.name Linked &&
	echo x >x.c && git add x.c &&
	(unset GIT_AUTHOR_NAME && changeguard entry "main tree" >/dev/null) &&
	test_grep "^- [0-9-]*T[0-9:]*Z Main Tree: main tree$" CHANGELOG.md &&
	cd ../e13-linked && echo y >y.c && git add y.c &&
	(unset GIT_AUTHOR_NAME && changeguard entry "linked" >/dev/null) &&
	test_grep "^- [0-9-]*T[0-9:]*Z Linked: linked$" CHANGELOG.md
'

test_done
