#!/bin/sh
# ctest-cost: 10 (seconds in the plain build: ctest -j starts the costliest first)
test_description='names file systems open as a protected file, and the MCP settings clients read, need the sign-off locally and on the server'
. "$CG_SOURCE_DIR/tests/e2e/test-lib.sh"
. "$CG_SOURCE_DIR/tests/e2e/lib-pre-receive.sh"

# protected NAME...: adding each file (with an entry) is refused without
# the MCP sign-off, locally and on the server, and the finding names it.
protected() {
	for pn_name in "$@"; do
		mkdir -p "$(dirname "$pn_name")" && echo "{\"evil\": 1}" >"$pn_name" &&
		add_entry "add $pn_name" && git add -- "$pn_name" CHANGELOG.md &&
		refused_both "add $pn_name" &&
		test_grep -F "protect:mcp" "$TRASH_DIRECTORY/local" &&
		test_grep -F "protect:mcp: $pn_name" "$TRASH_DIRECTORY/err" &&
		git reset -q --hard origin/main || return 1
	done
}

test_expect_success 'names that case-insensitive, HFS+ or NTFS file systems open as .mcp.json' '
	new_pair n1 && cd n1 && install_hooks . &&
	protected ".mcp.j$(printf "\305\277")on" "claude_desktop_conf$(printf "\304\261")g.json" \
		".m$(printf "\342\200\214")cp.json" ".mcp.json." ".mcp.json " "sub/.cursor./mcp.json"
'

test_expect_success 'MCP settings that clients read from the repository' '
	new_pair n2 && cd n2 && install_hooks . &&
	protected .vscode/settings.json .claude/settings.json .claude/settings.local.json \
		.gemini/settings.json .continue/mcpServers/servers.yaml .continue/mcpServers/s.json \
		.codex/config.toml .zed/settings.json opencode.json opencode.jsonc pkg/opencode.json
'

test_expect_success 'symlinks named .claude or .continue' '
	new_pair n3 && cd n3 && install_hooks . &&
	for link in .claude .continue; do
		ln -s /tmp $link && add_entry "link $link" && git add $link CHANGELOG.md &&
		refused_both "link $link" &&
		test_grep -F "protect:mcp: $link" "$TRASH_DIRECTORY/err" &&
		git reset -q --hard origin/main || return 1
	done
'

test_expect_success 'a name file systems open as CHANGELOG.md is refused' '
	new_pair n4 && cd n4 && install_hooks . &&
	for name in "CHANGELOG.md." "changelog.md" "CHANGELOG.m$(printf "\342\200\214")d"; do
		echo "rewritten" >"$name" && echo x >>a.txt && add_entry "lookalike" &&
		git add -- "$name" a.txt CHANGELOG.md &&
		refused_both "lookalike" &&
		test_grep -F "open as the changelog" "$TRASH_DIRECTORY/local" &&
		test_grep -F "open as the changelog" "$TRASH_DIRECTORY/err" &&
		git reset -q --hard origin/main || return 1
	done
'

test_done
