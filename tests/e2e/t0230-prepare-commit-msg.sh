#!/bin/sh
test_description='prepare-commit-msg tells the editor what the commit still needs'
. "$CG_SOURCE_DIR/tests/e2e/test-lib.sh"

# An editor that saves the template it was shown, then writes a message.
save_editor() {
	cat >"$TRASH_DIRECTORY/editor" <<-\EOF &&
	#!/bin/sh
	cp "$1" "$TRASH_DIRECTORY/template" && printf "msg\n" >"$1"
	EOF
	chmod +x "$TRASH_DIRECTORY/editor"
}

test_expect_success 'the template names the missing entry and the trailer that waives it' '
	save_editor && new_repo e1 && cd e1 && echo x >a.c && git add a.c &&
	GIT_EDITOR="$TRASH_DIRECTORY/editor" test_must_fail git commit -q 2>/dev/null &&
	test_grep "^# changeguard: this commit still needs:" ../template &&
	test_grep "^#   changelog: CHANGELOG.md: needs a new entry (for a.c)" ../template &&
	test_grep "^#     (or a trailer line .Changelog-Skip: .... in this message)" ../template
'

test_expect_success 'the template names the sign-off a protected change needs' '
	save_editor && new_repo e2 && cd e2 && echo "{}" >.mcp.json && add_entry mcp && git add -A &&
	GIT_EDITOR="$TRASH_DIRECTORY/editor" test_must_fail git commit -q 2>/dev/null &&
	test_grep "^#   protect:mcp: .mcp.json: .*MCP-Authorized-By" ../template
'

test_expect_success 'nothing is added when nothing is missing' '
	save_editor && new_repo e3 && cd e3 && echo x >a.c && add_entry a && git add -A &&
	GIT_EDITOR="$TRASH_DIRECTORY/editor" git commit -q &&
	test_grep ! "changeguard" ../template
'

test_expect_success 'core.commentChar is used for the guidance' '
	save_editor && new_repo e4 && cd e4 && git config core.commentChar ";" &&
	echo x >a.c && git add a.c &&
	GIT_EDITOR="$TRASH_DIRECTORY/editor" test_must_fail git commit -q 2>/dev/null &&
	test_grep "^; changeguard: this commit still needs:" ../template
'

test_expect_success 'with -v the guidance goes above the scissors line' '
	save_editor && new_repo e5 && cd e5 && echo x >a.c && git add a.c &&
	GIT_EDITOR="$TRASH_DIRECTORY/editor" test_must_fail git commit -q -v 2>/dev/null &&
	sed -n "/changeguard: this commit/=" ../template >at &&
	sed -n "/>8/=" ../template >sc &&
	test "$(cat at)" -lt "$(cat sc)"
'

test_expect_success 'with -m nothing is written into the message' '
	new_repo e6 && cd e6 && echo x >a.c && git add a.c &&
	echo "subject" >../msg && cp ../msg ../expect &&
	"$CG_LIBEXEC/prepare-commit-msg" ../msg message 2>/dev/null &&
	test_cmp ../expect ../msg &&
	"$CG_LIBEXEC/prepare-commit-msg" ../msg 2>/dev/null &&
	test_grep "changeguard: this commit still needs" ../msg
'

test_done
