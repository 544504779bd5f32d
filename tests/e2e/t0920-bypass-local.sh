#!/bin/sh
# ctest-cost: 10 (seconds in the plain build: ctest -j starts the costliest first)
test_description='local bypass attempts on protected paths: case, Unicode, symlinks, submodules, delete and re-add, the policy itself'
. "$CG_SOURCE_DIR/tests/e2e/test-lib.sh"

SIGN='MCP-Authorized-By: Alice <alice@example.com>'

# refused MSG: commits what is staged with a fresh entry; must be refused by
# a protect finding, leaving HEAD where it was. Stderr in $TRASH_DIRECTORY/err.
refused() {
	head=$(git rev-parse HEAD) && add_entry "$1" && git add CHANGELOG.md &&
	test_must_fail git commit -q -m "$1" 2>"$TRASH_DIRECTORY/err" &&
	test_grep "protect:" "$TRASH_DIRECTORY/err" &&
	test "$(git rev-parse HEAD)" = "$head"
}

# A repository with MCP configuration in the usual places, committed unchecked.
mcp_repo() {
	new_repo "$1" && cd "$1" &&
	mkdir -p mcp .cursor config && echo "{}" >.mcp.json && echo "{}" >mcp/servers.json &&
	echo "{}" >.cursor/mcp.json && echo "{}" >config/servers.json &&
	git add -A && git commit -q --no-verify -m "mcp config"
}

test_expect_success 'case variants of protected names are caught' '
	mcp_repo r1 &&
	echo x >.MCP.json && git add .MCP.json && refused "upper" &&
	test_grep "protect:mcp: .MCP.json" "$TRASH_DIRECTORY/err" && git reset -q --hard &&
	mkdir -p MCP && echo x >MCP/servers.json && git add MCP && refused "dir" &&
	test_grep "protect:mcp: MCP/servers.json" "$TRASH_DIRECTORY/err" && git reset -q --hard &&
	mkdir -p .Cursor && echo x >.Cursor/MCP.JSON && git add .Cursor && refused "cursor" &&
	test_grep "protect:mcp: .Cursor/MCP.JSON" "$TRASH_DIRECTORY/err"
'

test_expect_success 'a lookalike with a combining accent (NFD) is caught by the *mcp* catch-all' '
	mcp_repo r2 && name=$(printf ".mcp\314\201.json") &&
	echo x >"$name" && git add "$name" && refused "nfd" &&
	test_grep "protect:mcp: \"\\.mcp\\\\314\\\\201\\.json\"\\|protect:mcp: .mcp" "$TRASH_DIRECTORY/err"
'

test_expect_success 'globs compare bytes: list both NFC and NFD forms of a non-ASCII name' '
	mcp_repo r3 && nfc=$(printf "caf\303\251") && nfd=$(printf "cafe\314\201") &&
	printf "protect:\n  - name: cafe\n    paths: [\"%s/**\", \"%s/**\"]\n    trailer: Cafe-Authorized-By\n  - name: policy\n    paths: [.changeguard.yml]\n" "$nfc" "$nfd" >.changeguard.yml &&
	git add .changeguard.yml && git commit -q --no-verify -m policy &&
	mkdir -p "$nfc" "$nfd" && echo x >"$nfc/a" && git add "$nfc" && refused "nfc" &&
	git reset -q --hard && echo x >"$nfd/a" && git add "$nfd" && refused "nfd"
'

test_expect_success 'writing through a symlink into a protected directory is a change under it' '
	mcp_repo r4 && ln -s mcp link && git add link &&
	git commit -q --no-verify -m "a link to mcp" &&
	test_expect_code 128 git add link/new.json 2>err && test_grep "beyond a symbolic link" err &&
	echo x >link/new.json && git add -A &&
	git diff --cached --name-only >staged && test_grep "^mcp/new.json$" staged &&
	refused "through the link" && test_grep "protect:mcp: mcp/new.json" "$TRASH_DIRECTORY/err"
'

test_expect_success 'the index cannot hold a path under a symlink' '
	mcp_repo r5 && blob=$(echo x | git hash-object -w --stdin) &&
	ln -s mcp link && git add link &&
	printf "100644 %s\tlink/x.json\n" "$blob" | git update-index --index-info &&
	git ls-files -s >index && test_grep ! "	link$" index
'

test_expect_success 'a protected directory replaced by a symlink to an unprotected one is caught' '
	mcp_repo r6 && git rm -rq --cached .cursor && rm -rf .cursor &&
	ln -s config .cursor && git add .cursor && refused "cursor link" &&
	test_grep "protect:mcp: .cursor/mcp.json" "$TRASH_DIRECTORY/err"
'

test_expect_success 'a new symlink where protected files would be found is caught' '
	new_repo r7 && cd r7 && mkdir config && echo "{}" >config/servers.json &&
	git add config && git commit -q --no-verify -m config &&
	ln -s config .vscode && git add .vscode && refused "vscode link" &&
	test_grep "protect:mcp: .vscode" "$TRASH_DIRECTORY/err"
'

test_expect_success 'a submodule where protected files would be found is caught' '
	new_repo sub && (cd sub && mkdir -p .cursor && echo "{}" >.cursor/mcp.json &&
		git add .cursor && git commit -q --no-verify -m "sub mcp") &&
	new_repo r8 && cd r8 &&
	git submodule add -q "$TRASH_DIRECTORY/sub" .cursor 2>/dev/null && refused "cursor submodule" &&
	test_grep "protect:mcp: .cursor" "$TRASH_DIRECTORY/err" && git reset -q --hard &&
	rm -rf .cursor .gitmodules .git/modules &&
	git submodule add -q "$TRASH_DIRECTORY/sub" mcp 2>/dev/null && refused "mcp submodule" &&
	test_grep "protect:mcp: mcp" "$TRASH_DIRECTORY/err"
'

test_expect_success 'a symlink or submodule named .cursor or .vscode in a subdirectory is caught' '
	new_repo sub3 && (cd sub3 && mkdir -p .vscode && echo "{}" >.vscode/mcp.json &&
		git add .vscode && git commit -q --no-verify -m "sub mcp") &&
	new_repo r14 && cd r14 && mkdir -p packages/app &&
	ln -s ../../node_modules/evil packages/app/.cursor && git add packages &&
	refused "nested cursor link" &&
	test_grep "protect:mcp: packages/app/.cursor" "$TRASH_DIRECTORY/err" && git reset -q --hard &&
	git submodule add -q "$TRASH_DIRECTORY/sub3" packages/app/.vscode 2>/dev/null &&
	refused "nested vscode submodule" &&
	test_grep "protect:mcp: packages/app/.vscode" "$TRASH_DIRECTORY/err"
'

test_expect_success 'ordinary symlinks and submodules need no sign-off' '
	new_repo sub2 && (cd sub2 && echo x >lib.c && git add lib.c && git commit -q --no-verify -m lib) &&
	new_repo r15 && cd r15 && mkdir docs && echo d >docs/a.txt &&
	ln -s docs lib && ln -s ../docs/a.txt src && git add -A && add_entry links &&
	git add CHANGELOG.md && git commit -q -m links &&
	git submodule add -q "$TRASH_DIRECTORY/sub2" vendor/sub2 2>/dev/null && add_entry vendor &&
	git add CHANGELOG.md && git commit -q -m vendor
'

test_expect_success 'a custom pattern with a wildcard directory does not make every symlink protected' '
	new_repo r16 && cd r16 &&
	printf "protect:\n  - name: tool\n    paths: [\"*/tool.json\", \"conf/*/tool.json\"]\n    trailer: Tool-Authorized-By\n  - name: policy\n    paths: [.changeguard.yml]\n" >.changeguard.yml &&
	git add .changeguard.yml && git commit -q --no-verify -m policy &&
	mkdir docs && ln -s docs lib && git add lib && add_entry lib && git add CHANGELOG.md &&
	git commit -q -m lib &&
	ln -s ../docs conf && git add conf && refused "conf link" &&
	test_grep "protect:tool: conf" "$TRASH_DIRECTORY/err"
'

test_expect_success 'deleting, then re-adding: each commit needs the sign-off' '
	mcp_repo r9 && git rm -q .mcp.json && refused "delete" &&
	git commit -q -m delete -m "$SIGN" && add_entry x && git add CHANGELOG.md &&
	echo "{\"evil\":1}" >.mcp.json && git add .mcp.json && refused "re-add"
'

test_expect_success 'removing and re-adding in one commit is a modification' '
	mcp_repo r10 && git rm -q --cached .mcp.json &&
	echo "{\"evil\":1}" >.mcp.json && git add .mcp.json && refused "same commit"
'

test_expect_success 'a rename chain into a protected path is caught at the last step' '
	mcp_repo r11 && echo "{\"evil\":1}" >notes.txt && add_entry notes &&
	git add notes.txt CHANGELOG.md && git commit -q -m notes &&
	git mv notes.txt staging.json && add_entry step && git add CHANGELOG.md && git commit -q -m step &&
	git rm -q .mcp.json && git mv staging.json .mcp.json && refused "last step"
'

test_expect_success 'a staged policy cannot authorize itself: dropping every rule still needs the sign-off' '
	mcp_repo r12 && printf "protect: []\nchangelog:\n  require_for: []\n" >.changeguard.yml &&
	echo "{\"evil\":1}" >.mcp.json && git add .changeguard.yml .mcp.json && refused "disable" &&
	test_grep "protect:policy: .changeguard.yml" "$TRASH_DIRECTORY/err" &&
	test_grep "protect:mcp: .mcp.json" "$TRASH_DIRECTORY/err"
'

test_expect_success 'a non-authorizer cannot sign, whatever the trailer says' '
	mcp_repo r13 && printf "protect:\n  - name: mcp\n    paths: [.mcp.json]\n    trailer: MCP-Authorized-By\n    authorizers: [alice@example.com]\n  - name: policy\n    paths: [.changeguard.yml]\n" >.changeguard.yml &&
	git add .changeguard.yml && git commit -q --no-verify -m policy &&
	echo x >.mcp.json && git add .mcp.json && add_entry m && git add CHANGELOG.md &&
	test_must_fail git commit -q -m m -m "MCP-Authorized-By: Mallory <mallory@example.com>" 2>err &&
	test_grep "does not name an authorizer" err &&
	test_must_fail git commit -q -m m -m "MCP-Authorized-By: alice" 2>err &&
	test_must_fail git commit -q -m m -m "# MCP-Authorized-By: Alice <alice@example.com>" 2>err &&
	test_must_fail git commit -q -m m -m "$SIGN" -m "a paragraph after the trailer" 2>err &&
	test_must_fail git commit -q -m m -m "Changelog-Skip: no entry needed" 2>err &&
	test_grep "protect:mcp" err
'

test_done
