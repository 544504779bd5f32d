#!/bin/sh
test_description='pre-receive resolves refs as git will: replace refs, symrefs, namespaces, an unborn HEAD'
. "$CG_SOURCE_DIR/tests/e2e/test-lib.sh"
. "$CG_SOURCE_DIR/tests/e2e/lib-pre-receive.sh"

# A committed policy under which only alice may sign an MCP change.
alice_policy() {
	cat >.changeguard.yml <<-\EOF &&
	protect:
	  - name: mcp
	    paths: [".mcp.json"]
	    trailer: MCP-Authorized-By
	    authorizers: ["alice@example.com"]
	    verify: trailer
	EOF
	add_entry "only alice signs MCP changes" && git add .changeguard.yml CHANGELOG.md &&
	git commit -q --no-verify -m "alice's policy"
}

# A self-signed MCP change: accepted by the defaults, refused by alice_policy.
self_signed_mcp() {
	echo "{\"evil\":1}" >.mcp.json && add_entry "mcp" && git add .mcp.json CHANGELOG.md &&
	git commit -q --no-verify -m "self-signed mcp" --trailer "MCP-Authorized-By: Mallory <mallory@example.com>"
}

test_expect_success 'a replace ref is refused: every reader of the repository would see its substitute' '
	new_pair r1 && cd r1 &&
	echo "{\"evil\":1}" >.mcp.json && git add .mcp.json &&
	git commit -q --no-verify -m "evil twin" &&
	twin=$(git rev-parse HEAD) && git reset -q --hard HEAD~1 &&
	refused_push origin "$twin:refs/replace/$(git rev-parse HEAD)" &&
	test_grep "refs/replace/$(git rev-parse HEAD): a replace ref changes what git shows" "$TRASH_DIRECTORY/err" &&
	push_unchecked "$twin:refs/replace/$(git rev-parse HEAD)" &&
	git push -q origin ":refs/replace/$(git rev-parse HEAD)"
'

test_expect_success 'a push to a symref moves its target: the target'\''s coverage and checks apply' '
	new_pair r2 && cd r2 &&
	git -C ../r2.git symbolic-ref refs/alias/main refs/heads/main &&
	bad_commit a.c "no entry" &&
	refused_push origin HEAD:refs/alias/main &&
	test_grep "changelog: CHANGELOG.md: needs a new entry (for a.c)" "$TRASH_DIRECTORY/err"
'

# ns_push NS ARGS...: git push into namespace NS of the server.
ns_push() {
	np_ns=$1 && shift &&
	git push --receive-pack="env GIT_NAMESPACE=$np_ns git-receive-pack" "$@"
}

test_expect_success 'GIT_NAMESPACE: the policy is the one committed in the namespace' '
	new_pair r3 && cd r3 &&
	alice_policy &&
	mv ../r3.git/hooks/pre-receive ../r3.git/hooks/off &&
	ns_push team -q origin main &&
	mv ../r3.git/hooks/off ../r3.git/hooks/pre-receive &&
	self_signed_mcp &&
	test_must_fail ns_push team origin main 2>err &&
	test_grep "protect:mcp: .mcp.json" err &&
	git -C ../r3.git symbolic-ref refs/namespaces/team/HEAD refs/namespaces/team/refs/heads/main &&
	test_must_fail ns_push team origin main:refs/heads/topic 2>err &&
	test_grep "protect:mcp: .mcp.json" err
'

test_expect_success 'an unborn HEAD: the ref'\''s own policy applies, not the defaults' '
	git init -q --bare r4.git && git -C r4.git symbolic-ref HEAD refs/heads/master &&
	new_repo r4 && cd r4 && git remote add origin ../r4.git &&
	alice_policy && git push -q origin main &&
	install_server_hook ../r4.git &&
	self_signed_mcp &&
	refused_push origin main &&
	test_grep "protect:mcp: .mcp.json" "$TRASH_DIRECTORY/err"
'

test_expect_success 'one push is judged by one policy: refs that hold different ones are refused together' '
	new_pair r5 && cd r5 &&
	alice_policy && push_unchecked main &&
	git checkout -q -b plain HEAD~1 && printf "changelog:\n  mode: root\n" >.changeguard.yml &&
	git add .changeguard.yml && git commit -q --no-verify -m "root mode" && push_unchecked plain &&
	git checkout -q main && good_commit a.c "code" &&
	refused_push origin HEAD:main +HEAD:plain &&
	test_grep "hold different .changeguard.yml policies, and one push is judged by one" "$TRASH_DIRECTORY/err" &&
	test_grep "hint: push the refs one at a time" "$TRASH_DIRECTORY/err" &&
	git push -q origin HEAD:main
'

test_expect_success 'GIT_NAMESPACE: history already in the namespace is not checked again' '
	new_pair r6 && cd r6 &&
	bad_commit a.c "no entry" &&
	mv ../r6.git/hooks/pre-receive ../r6.git/hooks/off &&
	ns_push team -q origin main &&
	mv ../r6.git/hooks/off ../r6.git/hooks/pre-receive &&
	good_commit b.c "with an entry" &&
	ns_push team -q origin main &&
	test "$(git -C ../r6.git rev-parse refs/namespaces/team/refs/heads/main)" = "$(git rev-parse HEAD)"
'

test_done
