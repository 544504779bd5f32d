#!/bin/sh
test_description='editor, -m, -F, --amend, merges, cherry-pick and rebase'
. "$CG_SOURCE_DIR/tests/e2e/test-lib.sh"

# An editor that appends its first argument's lines to the message.
write_editor() {
	cat >"$TRASH_DIRECTORY/editor" <<-\EOF &&
	#!/bin/sh
	printf "%s\n" "$EDITOR_TEXT" >"$1.new" && cat "$1" >>"$1.new" && mv "$1.new" "$1"
	EOF
	chmod +x "$TRASH_DIRECTORY/editor"
}

test_expect_success 'with the editor: a trailer typed in the editor counts' '
	write_editor && new_repo c1 && cd c1 && echo x >a.c && git add a.c &&
	EDITOR_TEXT="$(printf "tidy\n\nChangelog-Skip: formatting")" \
	GIT_EDITOR="$TRASH_DIRECTORY/editor" git commit -q &&
	git log -1 --format=%B >msg && test_grep "Changelog-Skip: formatting" msg
'

test_expect_success 'with the editor and -v: the diff below the scissors is ignored' '
	write_editor && new_repo c2 && cd c2 && printf "Changelog-Skip: fake\n" >a.c && git add a.c &&
	EDITOR_TEXT="tidy" GIT_EDITOR="$TRASH_DIRECTORY/editor" test_must_fail git commit -q -v
'

test_expect_success 'comment lines are not trailers' '
	write_editor && new_repo c3 && cd c3 && echo x >a.c && git add a.c &&
	EDITOR_TEXT="$(printf "tidy\n\n# Changelog-Skip: commented out")" \
	GIT_EDITOR="$TRASH_DIRECTORY/editor" test_must_fail git commit -q
'

test_expect_success 'core.commentChar=auto is honoured' '
	write_editor && new_repo c4 && cd c4 && git config core.commentChar auto &&
	echo x >a.c && git add a.c &&
	EDITOR_TEXT="$(printf "tidy\n\nChangelog-Skip: formatting")" \
	GIT_EDITOR="$TRASH_DIRECTORY/editor" git commit -q
'

test_expect_success 'git commit -F reads trailers from the file' '
	new_repo c5 && cd c5 && echo x >a.c && git add a.c &&
	printf "tidy\n\nChangelog-Skip: formatting\n" >../msg && git commit -q -F ../msg
'

test_expect_success 'git commit --amend checks what the amend adds' '
	new_repo c6 && cd c6 && echo x >a.c && add_entry a && git add -A && git commit -q -m a &&
	git commit -q --amend -m "a, reworded" &&
	echo y >>a.c && git add a.c && test_must_fail git commit -q --amend -m "a, more"
'

test_expect_success 'a conflicted merge is checked as a merge: merged-in entries are not new' '
	new_repo c7 && cd c7 && echo base >f.c && add_entry base && git add -A && git commit -q -m base &&
	git checkout -q -b topic && echo topic >f.c && add_entry topic && git add -A && git commit -q -m topic &&
	git checkout -q main && echo main >f.c && add_entry main && git add -A && git commit -q -m main &&
	test_must_fail git merge -q topic >/dev/null 2>&1 &&
	echo resolved >f.c &&
	git show main:CHANGELOG.md >CHANGELOG.md && add_entry "merge topic" &&
	git show topic:CHANGELOG.md | grep "topic" >>CHANGELOG.md &&
	git add -A && git commit -q --no-edit &&
	git rev-parse -q --verify HEAD^2
'

test_expect_success 'a conflicted merge resolved without an entry is refused' '
	new_repo c8 && cd c8 && echo base >f.c && add_entry base && git add -A && git commit -q -m base &&
	git checkout -q -b topic && echo topic >f.c && add_entry topic && git add -A && git commit -q -m topic &&
	git checkout -q main && echo main >f.c && add_entry main && git add -A && git commit -q -m main &&
	test_must_fail git merge -q topic >/dev/null 2>&1 &&
	echo resolved >f.c &&
	{ git show main:CHANGELOG.md && git show topic:CHANGELOG.md | grep "topic"; } >CHANGELOG.md &&
	git add -A && test_must_fail git commit -q --no-edit 2>../err &&
	test_grep "needs a new entry (for f.c)" ../err
'

test_expect_success 'a clean merge (commit-msg runs) passes when both sides were checked' '
	new_repo c9 && cd c9 &&
	git checkout -q -b topic && echo t >t.c && printf -- "- %s t: topic\n" "$(now_utc)" >>CHANGELOG.md &&
	git add -A && git commit -q -m topic &&
	git checkout -q main && echo m >m.c && add_entry main && git add -A && git commit -q -m main &&
	git merge -q --no-edit topic 2>../err || { cat ../err; false; }
'

SIGN='MCP-Authorized-By: Alice <alice@example.com>'

# mcp_then_fix NAME: a repository whose .mcp.json was added, then fixed, both
# signed; branch "old", cut before the fix, has a commit of its own.
mcp_then_fix() {
	new_repo "$1" && cd "$1" &&
	echo "{\"servers\":[\"old\"]}" >.mcp.json && add_entry mcp && git add -A &&
	git commit -q -m mcp -m "$SIGN" && git checkout -q -b old &&
	echo o >o.c && printf -- "- %s o: old work\n" "$(now_utc)" >>CHANGELOG.md &&
	git add -A && git commit -q -m "old work" && git checkout -q main &&
	echo "{\"servers\":[\"fixed\"]}" >.mcp.json && add_entry fix && git add -A &&
	git commit -q -m fix -m "$SIGN"
}

test_expect_success 'a merge that takes the other side'\''s protected file needs its own sign-off' '
	mcp_then_fix c21 &&
	git merge -q --no-ff --no-commit old >/dev/null 2>&1 &&
	git checkout old -- .mcp.json && add_entry "merge old" && git add -A &&
	test_must_fail git commit -q --no-edit 2>../err &&
	test_grep "protect:mcp: .mcp.json" ../err &&
	git commit -q --no-edit -m "merge old" -m "$SIGN"
'

test_expect_success 'a merge bringing a change signed on the merged side needs no sign-off' '
	mcp_then_fix c22 && git checkout -q -b topic &&
	echo "{\"servers\":[\"new\"]}" >.mcp.json &&
	printf -- "- %s t: new mcp\n" "$(now_utc)" >>CHANGELOG.md &&
	git add -A && git commit -q -m "new mcp" -m "$SIGN" && git checkout -q main &&
	echo m >m.c && add_entry main && git add -A && git commit -q -m main &&
	{ git merge -q --no-edit topic 2>../err || { cat ../err; false; }; } &&
	git rev-parse -q --verify HEAD^2 &&
	test "$(git show HEAD:.mcp.json)" = "{\"servers\":[\"new\"]}"
'

count_runs() {
	sqlite3 .git/changeguard/audit.db "SELECT count(*) FROM runs"
}

test_expect_success 'cherry-pick and rebase run no commit hooks (the server hook checks them)' '
	new_repo c10 && cd c10 && git checkout -q -b topic && echo t >t.c &&
	printf -- "- %s t: topic\n" "$(now_utc)" >>CHANGELOG.md &&
	git add -A && git commit -q -m t && git checkout -q main &&
	echo m >m.c && add_entry m && git add -A && git commit -q -m m &&
	before=$(count_runs) &&
	git cherry-pick topic >/dev/null &&
	test "$(count_runs)" = "$before" &&
	git checkout -q topic && git rebase -q main >/dev/null 2>&1 &&
	test "$(count_runs)" = "$before"
'

test_done
