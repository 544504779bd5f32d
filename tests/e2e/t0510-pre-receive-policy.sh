#!/bin/sh
# ctest-cost: 10 (seconds in the plain build: ctest -j starts the costliest first)
test_description='pre-receive: which policy applies, pusher identity, waivers, GitLab output, audit'
. "$CG_SOURCE_DIR/tests/e2e/test-lib.sh"
. "$CG_SOURCE_DIR/tests/e2e/lib-pre-receive.sh"

test_expect_success 'the policy a push carries does not apply to that push' '
	new_pair p1 && cd p1 &&
	printf "changelog:\n  require_for: [\"nothing/**\"]\n" >.changeguard.yml &&
	echo code >app.c && git add .changeguard.yml app.c &&
	git commit -q -m "relax the policy" --trailer "Policy-Authorized-By: Lead <lead@example.com>" &&
	test_must_fail git push origin main 2>err &&
	test_grep "needs a new entry (for .changeguard.yml, app.c)" err
'

# Commits a policy that needs entries only under src/, with its entry and
# (unless --no-sign-off) its sign-off.
narrow_policy() {
	printf "changelog:\n  require_for: [\"src/**\"]\n" >.changeguard.yml &&
	add_entry "narrow the policy" && git add .changeguard.yml CHANGELOG.md &&
	if [ "$1" = --no-sign-off ]; then
		git commit -q -m "narrow the policy"
	else
		git commit -q -m "narrow the policy" --trailer "Policy-Authorized-By: Lead <lead@example.com>"
	fi
}

# Puts on the server, with its hook set aside, a committed policy whose
# policy group lists lead as its only authorizer.
lead_policy() {
	cat >.changeguard.yml <<-\EOF &&
	protect:
	  - name: policy
	    paths: [".changeguard.yml"]
	    trailer: Policy-Authorized-By
	    authorizers: ["lead@example.com"]
	    verify: trailer
	EOF
	add_entry "lead authorizes policy changes" && git add .changeguard.yml CHANGELOG.md &&
	git commit -q --no-verify -m "lead's policy" && push_unchecked main
}

test_expect_success 'a push that changes the policy needs Policy-Authorized-By from an authorizer' '
	new_pair p2 && cd p2 && lead_policy &&
	narrow_policy --no-sign-off &&
	test_must_fail git push origin main 2>err &&
	test_grep "protect:policy: .changeguard.yml: protected path changed without sign-off" err &&
	git commit -q --amend --no-edit --trailer "Policy-Authorized-By: Lead <lead@example.com>" &&
	git push origin main 2>err &&
	test "$(audit_of ../p2.git verdict "$(git rev-parse HEAD)")" = allowed &&
	test "$(audit_query ../p2.git "select authorizer from waivers where rule = '\''protect:policy'\''")" = "Lead <lead@example.com>"
'

test_expect_success 'the policy on the ref before the push applies to the next push; a new ref takes HEAD'\''s' '
	new_pair p3 && cd p3 &&
	narrow_policy && push_unchecked main &&
	bad_commit other.c "outside src" && git push origin main &&
	mkdir src && bad_commit src/x.c "inside src" &&
	test_must_fail git push origin main 2>err &&
	test_grep "needs a new entry (for src/x.c)" err &&
	git -C ../p3.git branch plain HEAD~2 &&
	git -C ../p3.git symbolic-ref HEAD refs/heads/plain &&
	git reset -q --hard HEAD~1 && bad_commit other2.c "outside src again" &&
	test_must_fail git push origin HEAD:refs/heads/topic 2>err &&
	test_grep "needs a new entry (for other2.c)" err &&
	git push origin main
'

test_expect_success '$GIT_DIR/changeguard.yml wins over the branch, git config changeguard.policy over both' '
	new_pair p4 && cd p4 &&
	narrow_policy && push_unchecked main &&
	printf "changelog:\n  require_for: [\"**\"]\n" | server_policy ../p4.git &&
	bad_commit other.c "outside src" &&
	test_must_fail git push origin main 2>err &&
	test_grep "needs a new entry (for other.c)" err &&
	printf "changelog:\n  require_for: [\"none/**\"]\n" >../p4.git/admin-policy.yml &&
	git -C ../p4.git config changeguard.policy admin-policy.yml &&
	git push origin main &&
	test "$(audit_of ../p4.git policy_sha256 "$(git rev-parse HEAD)")" = "$(sha256sum <../p4.git/admin-policy.yml | cut -d" " -f1)"
'

test_expect_success 'changeguard.policy in the global configuration covers every repository' '
	new_pair p6 && cd p6 &&
	printf "changelog:\n  require_for: [\"none/**\"]\n" >"$HOME/host-policy.yml" &&
	git config --global changeguard.policy "$HOME/host-policy.yml" &&
	bad_commit other.c "no entry needed here" &&
	pushed=0 &&
	{ git push origin main 2>err || pushed=$?; } &&
	git config --global --unset changeguard.policy &&
	test $pushed = 0
'

test_expect_success 'a server policy that does not load refuses every push' '
	new_pair p5 && cd p5 &&
	good_commit a.c "fine" &&
	printf "bogus: 1\n" | server_policy ../p5.git &&
	test_must_fail git push origin main 2>err &&
	test_grep "remote: changeguard: .*changeguard.yml:1:1: unknown key" err &&
	test_grep "every push is refused until the server.s policy loads" err &&
	test "$(audit_query ../p5.git "select verdict || '\'' '\'' || rule from runs join findings on run_id = id")" = "error error" &&
	rm ../p5.git/changeguard.yml &&
	git -C ../p5.git config changeguard.policy /nonexistent/policy.yml &&
	test_must_fail git push origin main 2>err &&
	test_grep "changeguard.policy names ./nonexistent/policy.yml., which does not exist" err &&
	test "$(ref_of ../p5.git main)" != "$(git rev-parse HEAD)"
'

mcp_policy() {
	cat <<-\EOF
	protect:
	  - name: mcp
	    paths: [".mcp.json"]
	    trailer: MCP-Authorized-By
	    authorizers: [alice, "Alice <alice@example.com>"]
	    verify: pusher
	EOF
}

test_expect_success 'a protected .mcp.json change without MCP-Authorized-By is refused' '
	new_pair m1 && cd m1 && mcp_policy | server_policy ../m1.git &&
	good_commit .mcp.json "add an MCP server" &&
	test_must_fail env USER=alice git push origin main 2>err &&
	test_grep "protect:mcp: .mcp.json: protected path changed without sign-off" err &&
	test_grep "hint: only these may sign off: alice, Alice <alice@example.com>" err &&
	test_grep "hint: with their agreement: git commit --trailer .MCP-Authorized-By: alice." err
'

test_expect_success 'with verify: pusher, the trailer must name an authorizer and the pusher be one' '
	new_pair m2 && cd m2 && mcp_policy | server_policy ../m2.git &&
	good_commit .mcp.json "add an MCP server" --trailer "MCP-Authorized-By: Alice <alice@example.com>" &&
	test_must_fail env USER=mallory git push origin main 2>err &&
	test_grep "protect:mcp: .mcp.json: the pusher .mallory. is not an authorizer" err &&
	test_must_fail env GL_USERNAME=mallory USER=alice git push origin main 2>err &&
	test_grep "the pusher .mallory. is not an authorizer" err &&
	test_must_fail env GL_USERNAME=mallory REMOTE_USER=alice git push origin main 2>err &&
	test_grep "the pusher is ambiguous: GL_USERNAME is .mallory. but REMOTE_USER is .alice." err &&
	printf "server:\n  pusher_env: [GL_USERNAME]\n" >>../m2.git/changeguard.yml &&
	test_must_fail env GL_USERNAME=mallory USER=alice git push origin main 2>err &&
	test_grep "the pusher .mallory. is not an authorizer" err &&
	env GL_USERNAME=alice USER=mallory git push origin main &&
	test "$(audit_of ../m2.git pusher "$(git rev-parse HEAD)")" = alice &&
	test "$(audit_query ../m2.git "select rule, authorizer from waivers")" = "protect:mcp Alice <alice@example.com>"
'

test_expect_success 'a trailer naming someone else is refused even when the pusher is an authorizer' '
	new_pair m3 && cd m3 && mcp_policy | server_policy ../m3.git &&
	good_commit .mcp.json "add an MCP server" --trailer "MCP-Authorized-By: Mallory <mallory@example.com>" &&
	test_must_fail env USER=alice git push origin main 2>err &&
	test_grep "does not name an authorizer" err
'

test_expect_success 'an unknown pusher is never an authorizer' '
	new_pair m4 && cd m4 && mcp_policy | server_policy ../m4.git &&
	good_commit .mcp.json "add an MCP server" --trailer "MCP-Authorized-By: Alice <alice@example.com>" &&
	test_must_fail env -u USER git push origin main 2>err &&
	test_grep "warning: the pusher is unknown: none of GL_USERNAME, GITEA_PUSHER_NAME, GITHUB_USER_LOGIN, REMOTE_USER, USER is set" err &&
	test_grep "is not an authorizer" err
'

test_expect_success 'push option changeguard.skip waives the changelog when the policy allows it, and says so' '
	new_pair o1 && cd o1 &&
	git -C ../o1.git config receive.advertisePushOptions true &&
	printf "server:\n  push_option_waivers: true\n" | server_policy ../o1.git &&
	bad_commit fix.c "hotfix" &&
	git push -o "changeguard.skip=hotfix, entry follows" origin main 2>err &&
	test_grep "remote: changeguard: push option .changeguard.skip. applied: 1 commit accepted without a changelog entry, reason .hotfix, entry follows." err &&
	test_grep "remote: hint: the waiver is recorded in the server.s audit log, waived by .pusher." err &&
	test "$(audit_of ../o1.git verdict "$(git rev-parse HEAD)")" = waived &&
	test "$(audit_query ../o1.git "select source, name, reason, authorizer from waivers")" = \
		"push-option changeguard.skip hotfix, entry follows pusher" &&
	good_commit fix.c "with an entry" &&
	git push origin main 2>err && test_grep ! "applied" err
'

test_expect_success 'push option changeguard.skip is ignored unless the policy allows it, or without a reason' '
	new_pair o2 && cd o2 &&
	git -C ../o2.git config receive.advertisePushOptions true &&
	bad_commit fix.c "hotfix" &&
	test_must_fail git push -o "changeguard.skip=because" origin main 2>err &&
	test_grep "warning: push option .changeguard.skip. ignored: the server.s policy does not allow" err &&
	test_grep "refused: 1 problem" err &&
	printf "server:\n  push_option_waivers: true\n" | server_policy ../o2.git &&
	test_must_fail git push -o changeguard.skip origin main 2>err &&
	test_grep "ignored: it has no reason" err &&
	test_grep "hint: when no changelog entry is needed: git push -o changeguard.skip=" err
'

test_expect_success 'under GitLab (GL_ID set) every line carries GL-HOOK-ERR:' '
	new_pair g1 && cd g1 &&
	bad_commit x.c "no entry" &&
	test_must_fail env GL_ID=user-1 git push origin main 2>err &&
	test_grep "^remote: GL-HOOK-ERR: changeguard: commit [0-9a-f]* on refs/heads/main \"no entry\" refused" err &&
	test_grep "^remote: GL-HOOK-ERR:   changelog: CHANGELOG.md: needs a new entry" err &&
	test_grep "^remote: GL-HOOK-ERR: hint: " err &&
	test_grep "^remote: GL-HOOK-ERR: changeguard: push refused" err &&
	test_grep ! "^remote: changeguard" err &&
	test_grep ! "^remote: hint" err &&
	test_grep ! "^remote:   changelog" err
'

test_expect_success 'a push is one audit run with each commit, its verdict and findings' '
	new_pair a1 && cd a1 && git -C ../a1.git config receive.advertisePushOptions true &&
	old=$(git rev-parse HEAD) &&
	good_commit a.c "good one" && bad_commit b.c "bad one" &&
	test_must_fail git push -o ci.skip origin main &&
	good=$(git rev-parse HEAD~1) bad=$(git rev-parse HEAD) &&
	echo "pre-receive refs/heads/main $old $bad none pusher blocked" >expect &&
	audit_query ../a1.git "select hook, ref, old_oid, new_oid, coalesce(commit_oid, '\''none'\''), pusher, verdict from runs" >actual &&
	test_cmp expect actual &&
	cat >expect <<-EOF &&
	$good refs/heads/main A U Thor <author@example.com>|C O Mitter <committer@example.com> allowed
	$bad refs/heads/main A U Thor <author@example.com>|C O Mitter <committer@example.com> blocked
	EOF
	audit_query ../a1.git "select commit_oid, ref, author || '\''|'\'' || committer, verdict from push_commits order by seq" >actual &&
	test_cmp expect actual &&
	test "$(audit_query ../a1.git "select commit_oid, rule, path, detail from findings")" = "$bad changelog CHANGELOG.md needs a new entry (for b.c)" &&
	test "$(audit_query ../a1.git "select value from push_options")" = ci.skip &&
	changelog-audit verify --db ../a1.git/changeguard/audit.db >/dev/null &&
	git push origin HEAD~2:refs/heads/keep && git push origin :keep &&
	test "$(audit_query ../a1.git "select new_oid, coalesce(commit_oid, '\''none'\''), verdict from runs order by id desc limit 1")" = \
		"0000000000000000000000000000000000000000 none allowed"
'

test_expect_success 'a push of several refs is one run listing each update' '
	new_pair a2 && cd a2 &&
	good_commit a.c "good one" &&
	git push origin main:refs/heads/x main:refs/heads/y &&
	test "$(audit_query ../a2.git "select count(*) || '\'' '\'' || coalesce(ref, '\''none'\'') from runs")" = "1 none" &&
	test "$(audit_query ../a2.git "select group_concat(ref, '\'' '\'') from push_refs")" = "refs/heads/x refs/heads/y" &&
	test "$(audit_query ../a2.git "select count(*) from push_commits")" = 1
'

test_done
