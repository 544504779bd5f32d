#!/bin/sh
test_description='protected paths (MCP configuration, the policy) need a named authorizer'
. "$CG_SOURCE_DIR/tests/e2e/test-lib.sh"

SIGN='MCP-Authorized-By: Alice <alice@example.com>'

# A repository whose policy lists Alice (by email) and Bob (by name) for mcp.
auth_repo() {
	git init -q "$1" && (
		cd "$1" &&
		cat >.changeguard.yml <<-\EOF &&
		protect:
		  - name: mcp
		    paths: [".mcp.json", "**/.mcp.json", "mcp/**", "**/*mcp*.{json,yaml,yml,toml}"]
		    case_insensitive: true
		    trailer: MCP-Authorized-By
		    authorizers: ["alice@example.com", "Bob Builder"]
		  - name: policy
		    paths: [".changeguard.yml"]
		    trailer: Policy-Authorized-By
		    authorizers: ["lead@example.com"]
		EOF
		echo "{}" >.mcp.json && add_entry init && git add -A && git commit -q -m init
	) && install_hooks "$1"
}

# Commits everything staged plus a fresh entry, with the given message.
commit_with() {
	add_entry "change" && git add CHANGELOG.md && git commit -q -m "$@"
}

test_expect_success 'modifying .mcp.json without a trailer is refused' '
	auth_repo p1 && cd p1 && echo "{\"a\":1}" >.mcp.json && git add .mcp.json &&
	test_must_fail commit_with "change mcp" 2>../err &&
	test_grep "protect:mcp: .mcp.json: protected path changed without sign-off" ../err &&
	test_grep "a .MCP-Authorized-By:. trailer from one of: alice@example.com, Bob Builder" ../err &&
	test_grep "hint: only these may sign off: alice@example.com, Bob Builder$" ../err &&
	test_grep "hint: with their agreement: git commit --trailer .MCP-Authorized-By: alice@example.com.$" ../err &&
	test_grep ! "Your Name" ../err &&
	git commit -q -m "change mcp" --trailer "MCP-Authorized-By: alice@example.com"
'

test_expect_success 'a listed authorizer (by email) is accepted' '
	auth_repo p2 && cd p2 && echo "{\"a\":1}" >.mcp.json && git add .mcp.json &&
	commit_with "change mcp" -m "$SIGN" &&
	git log -1 --format=%B >msg && test_grep "^$SIGN" msg
'

test_expect_success 'a listed authorizer (by name) is accepted' '
	auth_repo p3 && cd p3 && echo "{\"a\":2}" >.mcp.json && git add .mcp.json &&
	commit_with "change mcp" -m "MCP-Authorized-By: Bob Builder <bob@elsewhere.org>"
'

test_expect_success 'an unlisted name is refused and named' '
	auth_repo p4 && cd p4 && echo "{\"a\":1}" >.mcp.json && git add .mcp.json &&
	test_must_fail commit_with "change mcp" -m "MCP-Authorized-By: Mallory <mallory@example.com>" 2>../err &&
	test_grep "does not name an authorizer" ../err
'

test_expect_success 'a trailer outside the last paragraph does not count' '
	auth_repo p5 && cd p5 && echo "{\"a\":1}" >.mcp.json && git add .mcp.json &&
	test_must_fail commit_with "change mcp" -m "$SIGN" -m "Some more text after it."
'

test_expect_success 'deleting a protected file is refused without sign-off' '
	auth_repo p6 && cd p6 && git rm -q .mcp.json &&
	test_must_fail commit_with "drop mcp" &&
	commit_with "drop mcp" -m "$SIGN"
'

test_expect_success 'renaming from or to a protected path is refused without sign-off' '
	auth_repo p7 && cd p7 && git mv .mcp.json servers.txt &&
	test_must_fail commit_with "rename" 2>../err && test_grep "protect:mcp: .mcp.json" ../err &&
	git reset -q --hard && echo "{}" >plain.json && git add plain.json && git commit -q -m x --no-verify &&
	git mv plain.json sub-mcp.json &&
	test_must_fail commit_with "rename in" 2>../err && test_grep "protect:mcp: sub-mcp.json" ../err
'

test_expect_success 'a mode change is refused without sign-off' '
	auth_repo p8 && cd p8 && chmod +x .mcp.json && git add .mcp.json &&
	test_must_fail commit_with "chmod"
'

test_expect_success 'replacing it with a symlink is refused without sign-off' '
	auth_repo p9 && cd p9 && rm .mcp.json && ln -s /etc/passwd .mcp.json && git add .mcp.json &&
	test_must_fail commit_with "symlink"
'

test_expect_success 'a submodule at a protected path is refused without sign-off' '
	new_repo p10sub && auth_repo p10 && cd p10 &&
	git -c protocol.file.allow=always submodule add -q "$TRASH_DIRECTORY/p10sub" mcp/server 2>/dev/null &&
	test_must_fail commit_with "submodule" 2>../err && test_grep "protect:mcp: mcp/server" ../err
'

test_expect_success 'case-insensitive matching catches .MCP.json and Sub/.Mcp.Json' '
	auth_repo p11 && cd p11 && mkdir Sub && echo "{}" >.MCP.json && echo "{}" >Sub/.Mcp.Json &&
	git add -A && test_must_fail commit_with "case" 2>../err &&
	test_grep "protect:mcp: .MCP.json" ../err && test_grep "protect:mcp: Sub/.Mcp.Json" ../err
'

test_expect_success 'the policy file itself needs Policy-Authorized-By' '
	auth_repo p12 && cd p12 && sed -i "s/Bob Builder/Eve/" .changeguard.yml && git add .changeguard.yml &&
	test_must_fail commit_with "policy" 2>../err &&
	test_grep "protect:policy: .changeguard.yml" ../err &&
	commit_with "policy" -m "Policy-Authorized-By: Lead <lead@example.com>"
'

test_expect_success 'the default policy: any named sign-off is accepted and recorded' '
	new_repo p13 && cd p13 && echo "{}" >.mcp.json && git add .mcp.json &&
	test_must_fail commit_with "mcp" 2>../err && test_grep "from any named sign-off" ../err &&
	commit_with "mcp" -m "MCP-Authorized-By: Somebody <s@example.com>"
'

test_expect_success 'the default policy refuses an empty sign-off' '
	new_repo p14 && cd p14 && echo "{}" >.mcp.json && git add .mcp.json &&
	test_must_fail commit_with "mcp" -m "MCP-Authorized-By: <nobody@example.com>"
'

test_expect_success 'the default policy protects the other MCP locations' '
	new_repo p15 && cd p15 &&
	mkdir -p .cursor .vscode scripts/mcp tools/mcp-servers/x &&
	for f in .cursor/mcp.json .vscode/mcp.json scripts/mcp/run.sh tools/mcp-servers/x/cfg \
		claude_desktop_config.json my-mcp-wrapper.sh servers.mcp.yaml; do
		echo x >"$f" || return 1
	done &&
	git add -A && test_must_fail commit_with "many" 2>../err &&
	for f in .cursor/mcp.json .vscode/mcp.json scripts/mcp/run.sh tools/mcp-servers/x/cfg \
		claude_desktop_config.json my-mcp-wrapper.sh servers.mcp.yaml; do
		test_grep "protect:mcp: $f:" ../err || return 1
	done
'

test_expect_success 'pre-commit defers a protect finding to commit-msg, which prints it once' '
	auth_repo p16 && cd p16 && echo "{\"x\":1}" >.mcp.json && add_entry e && git add -A &&
	"$CG_LIBEXEC/pre-commit" 2>../err &&
	test_must_fail test -s ../err &&
	test_must_fail git commit -q -m x 2>../err &&
	test "$(grep -c "protect:mcp: .mcp.json:" ../err)" = 1 &&
	test "$(grep -c "^hint: only these may sign off" ../err)" = 1
'

test_expect_success 'an empty trailer key in the policy makes the group unchangeable' '
	git init -q p17 && cd p17 &&
	printf "protect:\n  - name: frozen\n    paths: [\"frozen/**\"]\n    trailer: \"\"\n" >.changeguard.yml &&
	add_entry init && git add -A && git commit -q -m init && install_hooks &&
	mkdir frozen && echo x >frozen/a && git add frozen &&
	test_expect_code 1 "$CG_LIBEXEC/pre-commit" 2>../err &&
	test_grep "protect:frozen" ../err
'

test_done
