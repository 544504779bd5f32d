#!/bin/sh
# ctest-cost: 14 (seconds in the plain build: ctest -j starts the costliest first)
test_description='what a change does to the MCP servers: in the refusal, check, history, the audit and its report; removals need a removal authorizer'
. "$CG_SOURCE_DIR/tests/e2e/test-lib.sh"
. "$CG_SOURCE_DIR/tests/e2e/lib-pre-receive.sh"

ALICE='MCP-Authorized-By: Alice <alice@example.com>'
CAROL='MCP-Authorized-By: Carol <carol@example.com>'
TOKEN=ghp_0123456789abcdefghijklmnopqrstuvwxyzAB
# The audit keeps the lines as findings of rule mcp:<group>: the refused
# push and the accepted one each recorded the added server.
ADDED_ROWS="select count(*) from findings where rule = 'mcp:mcp' and detail like 'server ''github'' added%'"

# One server and one client with the hooks, under a policy whose mcp group
# lists Alice and Carol, and only Carol for removals; it lands unchecked.
test_expect_success 'setup' '
	new_pair m && cd m && install_hooks . &&
	cat >.changeguard.yml <<-\EOF &&
	protect:
	  - name: mcp
	    paths: [".mcp.json", "**/.vscode/mcp.json"]
	    trailer: MCP-Authorized-By
	    authorizers: ["alice@example.com", "carol@example.com"]
	    removal_authorizers: ["carol@example.com"]
	    verify: trailer
	EOF
	cat >.mcp.json <<-\EOF &&
	{"mcpServers": {"fs": {"command": "npx", "args": ["-y", "server-fs", "/srv"]}}}
	EOF
	git add -A && commit_all "policy and one server" -m "$ALICE" && push_unchecked main
'

# A server added with a literal token, the other's args reordered, JSONC.
write_change() {
	cat >.mcp.json <<-EOF
	{
	  // the team servers
	  "mcpServers": {
	    "fs": {"command": "npx", "args": ["-y", "/srv", "server-fs"]},
	    "github": {"command": "docker", "args": ["run", "-i", "github-mcp"],
	               "env": {"GITHUB_TOKEN": "$TOKEN", "LOG": "info",},},
	  },
	}
	EOF
}

test_expect_success 'the refusal says what changed in the servers, never the env value' '
	cd m &&
	write_change && git add .mcp.json && add_entry "servers" && git add CHANGELOG.md &&
	test_must_fail git commit -q -m "servers" 2>../local &&
	test_grep "protect:mcp: .mcp.json: protected path changed without sign-off" ../local &&
	test_grep "what the change does to the MCP servers:" ../local &&
	test_grep "mcp:mcp: .mcp.json: server .github. added (command .docker. args \[.run., .-i., .github-mcp.\])" ../local &&
	test_grep "server .github.: env key .GITHUB_TOKEN. (its value looks like a literal secret)" ../local &&
	test_grep "server .fs.: args reordered (same arguments, another order)" ../local &&
	! grep -q "$TOKEN" ../local
'

test_expect_success 'the server refuses it with the same lines' '
	cd m &&
	git commit -q --no-verify -m "servers" && refused_push origin main &&
	test_grep "mcp:mcp: .mcp.json: server .github. added" ../err &&
	! grep -q "$TOKEN" ../err && git reset -q --soft HEAD^
'

test_expect_success 'signed off: accepted, and check JSON lists the changes' '
	cd m &&
	git commit -q -m "servers" -m "$ALICE" && git push -q origin main &&
	changeguard check --format json HEAD^..HEAD >../check.json &&
	test_grep "\"mcp_changes\":\[{\"rule\":\"mcp:mcp\",\"path\":\".mcp.json\",\"detail\":\"server .fs.: args reordered" ../check.json &&
	test_grep "\"detail\":\"server .github. added" ../check.json
'

test_expect_success 'removing a server needs a removal authorizer, locally and on the server' '
	cd m &&
	cat >.mcp.json <<-\EOF &&
	{"mcpServers": {"fs": {"command": "npx", "args": ["-y", "/srv", "server-fs"], "disabled": true}}}
	EOF
	git add .mcp.json && add_entry "drop github" && git add CHANGELOG.md &&
	test_must_fail git commit -q -m "drop github" -m "$ALICE" 2>../local &&
	test_grep "protect:mcp: .mcp.json: removes or disables an MCP server; the .mcp. group needs a .MCP-Authorized-By:. trailer from one of: carol@example.com (removal_authorizers)" ../local &&
	test_grep "server .github. removed" ../local &&
	test_grep "server .fs. disabled" ../local &&
	git commit -q --no-verify -m "drop github" -m "$ALICE" && refused_push origin main &&
	test_grep "removes or disables an MCP server" ../err && git reset -q --soft HEAD^ &&
	git commit -q -m "drop github" -m "$ALICE
$CAROL" && git push -q origin main
'

test_expect_success 'a configuration left unparsable is refused even when signed off' '
	cd m &&
	echo "{\"mcpServers\": {\"fs\": " >.mcp.json && git add .mcp.json &&
	add_entry "broken" && git add CHANGELOG.md &&
	test_must_fail git commit -q -m "broken" -m "$ALICE" 2>../local &&
	test_grep "the new version is not a valid MCP configuration, which no sign-off makes acceptable: .mcp.json: not valid JSON" ../local &&
	git commit -q --no-verify -m "broken" -m "$ALICE" && refused_push origin main &&
	test_grep "not a valid MCP configuration" ../err && git reset -q --hard HEAD^
'

test_expect_success 'history and the audit report list the changes with who approved them' '
	cd m &&
	changelog-audit history --format json >../history.json &&
	test_grep "\"approved_by\":\"Alice <alice@example.com>\",\"rule\":\"mcp:mcp\",\"path\":\".mcp.json\",\"detail\":\"server .github. added" ../history.json &&
	test_grep "\"approved_by\":\"Carol <carol@example.com>, Alice <alice@example.com>\",\"rule\":\"mcp:mcp\",\"path\":\".mcp.json\",\"detail\":\"server .github. removed" ../history.json &&
	test_grep "server .github. removed" ../history.json &&
	changelog-audit report --db ../m.git/changeguard/audit.db --format json >../report.json &&
	test_grep "^\"mcp_changes\":\[" ../report.json &&
	test_grep "\"approved_by\":\"Alice <alice@example.com>\",\"rule\":\"mcp:mcp\",\"path\":\".mcp.json\",\"detail\":\"server .github. added" ../report.json &&
	test_grep "\"approved_by\":\"Carol <carol@example.com>,Alice <alice@example.com>\",\"rule\":\"mcp:mcp\",\"path\":\".mcp.json\",\"detail\":\"server .github. removed" ../report.json &&
	changelog-audit report --db ../m.git/changeguard/audit.db --format text >../report.txt &&
	test_grep "^MCP server changes" ../report.txt &&
	audit_query ../m.git "$ADDED_ROWS" >../n && test "$(cat ../n)" = 2
'

# The server's own policy asks for verify: pusher: the pusher must be an
# authorizer, and for a removal a removal authorizer as well.
test_expect_success 'verify: pusher: a removal needs a pusher among the removal authorizers' '
	cd m && sed "s/verify: trailer/verify: pusher/" .changeguard.yml >../m.git/changeguard.yml &&
	printf "{\"mcpServers\": {}}\n" >.mcp.json && git add .mcp.json &&
	add_entry "drop fs" && git add CHANGELOG.md && git commit -q -m "drop fs" -m "$ALICE
$CAROL" &&
	(USER=alice@example.com && refused_push origin main) &&
	test_grep "removes or disables an MCP server; .* (removal_authorizers); the pusher .alice@example.com. is not a removal authorizer" ../err &&
	USER=carol@example.com git push -q origin main
'

test_done
