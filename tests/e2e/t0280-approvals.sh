#!/bin/sh
test_description='verify: signature: approvals signed with real SSH keys, locally and on the server'
. "$CG_SOURCE_DIR/tests/e2e/test-lib.sh"
. "$CG_SOURCE_DIR/tests/e2e/lib-pre-receive.sh"

# Keys made here: ada, rev and "-x" are authorizers; eve is an allowed
# signer but no authorizer, and the one removal authorizer; old expired
# (valid-before in the past); rev is revoked; mal is in no allowed signers
# file but the client's own.
KEYS="$TRASH_DIRECTORY/keys"
SPY="$TRASH_DIRECTORY/spy"

make_keys() {
	mkdir -p "$KEYS" && chmod 700 "$KEYS" &&
	for k in ada eve old rev mal hx; do
		ssh-keygen -q -t ed25519 -N "" -C "$k" -f "$KEYS/$k" || return 1
	done &&
	{
		echo "ada@example.com $(cat "$KEYS/ada.pub")" &&
		echo "eve@example.com $(cat "$KEYS/eve.pub")" &&
		echo "old@example.com valid-before=\"20200101\" $(cat "$KEYS/old.pub")" &&
		echo "rev@example.com $(cat "$KEYS/rev.pub")" &&
		echo "-x $(cat "$KEYS/hx.pub")"
	} >"$KEYS/allowed" &&
	cp "$KEYS/rev.pub" "$KEYS/revoked" &&
	{ cat "$KEYS/allowed" && echo "mal@example.com $(cat "$KEYS/mal.pub")"; } >"$KEYS/allowed-client"
}

# The client trusts mal too: only the server's own configuration decides there.
trust() {
	git -C "$1" config changeguard.allowedSignersFile "$KEYS/$2" &&
	git -C "$1" config changeguard.revokedKeysFile "$KEYS/revoked"
}

# approve KEY: the approval trailer for the staged change, signed with KEY.
approve() {
	changeguard approve --key "$KEYS/$1" 2>"$TRASH_DIRECTORY/approve.err"
}

# stage_mcp FILE TEXT: a new content for FILE with a changelog entry, staged.
# The entry names the content: two changes of one path in the same second
# must not write the same line twice (a copy of an entry is no new entry).
stage_mcp() {
	mkdir -p "$(dirname "$1")" && printf '%s\n' "$2" >"$1" && add_entry "change $1 to $2" &&
	git add "$1" CHANGELOG.md
}

test_expect_success 'setup: keys, a server that checks approvals, a client' '
	make_keys && new_pair s && trust s.git allowed && trust s allowed-client &&
	# counts the runs of ssh-keygen of a command run with PATH="$SPY:$PATH"
	mkdir "$SPY" && printf "#!/bin/sh\necho \"\$2\" >>%s/keygen.log\nexec %s \"\$@\"\n" \
		"$TRASH_DIRECTORY" "$(command -v ssh-keygen)" >"$SPY/ssh-keygen" &&
	chmod +x "$SPY/ssh-keygen" &&
	(
		cd s &&
		cat >.changeguard.yml <<-\EOF &&
		protect:
		  - name: mcp
		    paths: [".mcp.json", ".cursor/mcp.json"]
		    trailer: MCP-Authorized-By
		    authorizers: ["ada@example.com", "old@example.com", "rev@example.com", "mal@example.com", "-x"]
		    removal_authorizers: ["eve@example.com"]
		    verify: signature
		  - name: policy
		    paths: [".changeguard.yml"]
		    trailer: Policy-Authorized-By
		    authorizers: ["lead@example.com"]
		EOF
		printf "{}\n" >.mcp.json && mkdir .cursor && printf "{}\n" >.cursor/mcp.json &&
		add_entry setup && git add -A && git commit -q -m setup && push_unchecked main
	) && install_hooks s
'

test_expect_success 'no approval: refused with the hint to run changeguard approve' '
	cd s && stage_mcp .mcp.json "{\"a\":1}" &&
	refused_both "mcp a" &&
	test_grep "protect:mcp: .mcp.json: protected path changed without a signed approval" ../local &&
	test_grep "hint: an authorizer approves the staged change with: changeguard approve" ../local &&
	test_grep "protected path changed without a signed approval" ../err &&
	git reset -q --hard origin/main
'

test_expect_success 'a trailer alone is a claim, refused locally and on the server' '
	cd s && stage_mcp .mcp.json "{\"a\":1}" &&
	refused_both "mcp a" --trailer "MCP-Authorized-By: ada@example.com" &&
	test_grep "MCP-Authorized-By: ada@example.com. is a claim anyone can write" ../local &&
	test_grep "is a claim anyone can write, not a signed approval" ../err &&
	git reset -q --hard origin/main
'

test_expect_success 'a key the server does not allow: the client trusts it, the server refuses' '
	cd s && stage_mcp .mcp.json "{\"a\":1}" &&
	git commit -q -m "mcp by mal" --trailer "$(approve mal)" &&
	test_must_fail git push -q origin main 2>../err &&
	test_grep "the approval is refused: the key is not in the allowed signers" ../err &&
	git reset -q --hard origin/main
'

# refused_with KEY REASON: the approval by KEY of the staged change is refused, naming REASON.
refused_with() {
	test_must_fail git commit -q -m "mcp" --trailer "$(approve $1)" 2>"$TRASH_DIRECTORY/local" &&
	test_grep "$2" "$TRASH_DIRECTORY/local"
}

test_expect_success 'refused: not an authorizer, an expired key, a revoked key' '
	cd s && stage_mcp .mcp.json "{\"a\":1}" &&
	refused_with eve "signed by .eve@example.com., who is not an authorizer" &&
	refused_with old "the key has expired (valid-before)" &&
	refused_with rev "the key is revoked" &&
	refused_both "mcp by rev" --trailer "$(approve rev)" &&
	test_grep "the key is revoked" ../err &&
	git reset -q --hard origin/main
'

# The statement of the staged change of .mcp.json, written by hand as
# docs/approvals.md describes it.
statement() {
	printf "changeguard-approval v1\ngroup mcp\nchange 100644:%s 100644:%s .mcp.json\n" \
		"$(git rev-parse HEAD:.mcp.json)" "$(git rev-parse :.mcp.json)"
}

test_expect_success 'refused: a signature in another namespace (git'"'"'s)' '
	cd s && stage_mcp .mcp.json "{\"a\":1}" &&
	statement >stmt && ssh-keygen -q -Y sign -n git -f "$KEYS/ada" <stmt >sig &&
	sig=$(grep -v -- ----- sig | tr -d "\n") &&
	test_must_fail git commit -q -m mcp --trailer "Changeguard-Approval: mcp $sig" 2>../local &&
	test_grep "the signature is not in the .changeguard-approval. namespace" ../local &&
	ssh-keygen -q -Y sign -n changeguard-approval -f "$KEYS/ada" <stmt >sig &&
	sig=$(grep -v -- ----- sig | tr -d "\n") &&
	git commit -q -m mcp --trailer "Changeguard-Approval: mcp $sig" &&
	git reset -q --hard origin/main
'

test_expect_success 'one byte changed after the approval: refused as other content' '
	cd s && stage_mcp .mcp.json "{\"a\":1}" && trailer=$(approve ada) &&
	stage_mcp .mcp.json "{\"a\":2}" &&
	test_must_fail git commit -q -m mcp --trailer "$trailer" 2>../local &&
	test_grep "the signature is over other content" ../local &&
	git reset -q --hard origin/main
'

test_expect_success 'approved by an authorizer: accepted locally and on the server, audited' '
	cd s && stage_mcp .mcp.json "{\"a\":1}" && approve ada >../a1 &&
	test_grep "approved the .mcp. group.s change of .mcp.json with the key SHA256:" ../approve.err &&
	git commit -q -m "mcp a" --trailer "$(cat ../a1)" &&
	PATH="$SPY:$PATH" git push -q origin main &&
	# once as the commit, once in the update of main: verified once
	printf "find-principals\nverify\n" >../keygen.expect &&
	test_cmp ../keygen.expect ../keygen.log &&
	fp=$(ssh-keygen -l -E sha256 -f "$KEYS/ada.pub" | cut -d" " -f2) &&
	audit_query ../s.git "select source, name, reason, authorizer from waivers
		where rule = '"'protect:mcp'"'" >../audit &&
	test_grep "^signature $fp .mcp.json ada@example.com$" ../audit &&
	changelog-audit --db ../s.git/changeguard/audit.db >../report &&
	test_grep "ada@example.com" ../report
'

test_expect_success 'an approval copied from another commit or onto another path is refused' '
	cd s && stage_mcp .mcp.json "{\"a\":2}" &&
	test_must_fail git commit -q -m "mcp b" --trailer "$(cat ../a1)" 2>../local &&
	test_grep "the signature is over other content" ../local &&
	git reset -q --hard origin/main &&
	git checkout -q -b cursor HEAD~1 && stage_mcp .cursor/mcp.json "{\"a\":1}" &&
	test_must_fail git commit -q -m "cursor" --trailer "$(cat ../a1)" 2>../local &&
	test_grep "protect:mcp: .cursor/mcp.json: the approval is refused: the signature is over other content" ../local &&
	git reset -q --hard && git checkout -q main && git branch -q -D cursor
'

# skip_commit FILE: a change that needs no entry (so that branches never conflict in CHANGELOG.md).
skip_commit() {
	echo "$1" >"$1" && git add "$1" && git commit -q -m "$1" --trailer "Changelog-Skip: test file"
}

test_expect_success 'rebase, cherry-pick and squash keep the approval; the server agrees' '
	cd s && git checkout -q -b topic main && stage_mcp .mcp.json "{\"t\":1}" &&
	git commit -q -m "mcp t" --trailer "$(approve ada)" &&
	git checkout -q main && skip_commit x.c && git push -q origin main &&
	git checkout -q topic && git rebase -q main && git push -q origin topic &&
	git checkout -q -b other main~1 && skip_commit z.c &&
	git cherry-pick topic >/dev/null && git push -q origin other &&
	git checkout -q -b squashed main && skip_commit y.c && stage_mcp .mcp.json "{\"s\":1}" &&
	trailer=$(approve ada) && git commit -q -m "mcp s" --trailer "$trailer" &&
	git reset -q --soft HEAD~2 && git commit -q -m "y and mcp s" --trailer "$trailer" &&
	git push -q origin squashed &&
	changeguard check --format json main..squashed main..other main..topic >../check &&
	test_grep "\"source\":\"signature\",\"name\":\"SHA256:[^\"]*\",\"reason\":\".mcp.json\",\"authorizer\":\"ada@example.com\"" ../check &&
	changelog-audit history main~1..squashed >../history
'

test_expect_success 'a hostile principal is one argument: "-x" signs as itself, nothing runs' '
	cd s && git checkout -q main && stage_mcp .mcp.json "{\"h\":1}" &&
	git commit -q -m "mcp h" --trailer "$(approve hx)" && git push -q origin main &&
	audit_query ../s.git "select authorizer from waivers where authorizer = '"'-x'"'" >../who &&
	test_grep "^-x$" ../who
'

test_expect_success 'removing a server needs an approval by a removal authorizer as well' '
	cd s && stage_mcp .mcp.json "{\"mcpServers\": {\"fs\": {\"command\": \"npx\"}}}" &&
	git commit -q -m "add fs" --trailer "$(approve ada)" &&
	stage_mcp .mcp.json "{\"mcpServers\": {}}" &&
	refused_with ada "protect:mcp: .mcp.json: removes or disables an MCP server; the .mcp. group needs a .Changeguard-Approval:. approval signed by one of: eve@example.com (removal_authorizers)" &&
	test_grep "mcp:mcp: .mcp.json: server .fs. removed" ../local &&
	git commit -q --no-verify -m "drop fs" --trailer "$(approve ada)" && refused_push origin main &&
	test_grep "removes or disables an MCP server" ../err && git reset -q --soft HEAD^ &&
	git commit -q -m "drop fs" -m "$(approve ada)
$(approve eve)" && git push -q origin main &&
	audit_query ../s.git "select authorizer from waivers where reason = '"'.mcp.json'"'
		and authorizer = '"'eve@example.com'"'" >../who &&
	test_grep "^eve@example.com$" ../who
'

test_done
