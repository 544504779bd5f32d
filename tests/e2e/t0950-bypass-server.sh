#!/bin/sh
test_description='bypass attempts against the server hook: every one refused, no ref moved'
. "$CG_SOURCE_DIR/tests/e2e/test-lib.sh"
. "$CG_SOURCE_DIR/tests/e2e/lib-pre-receive.sh"

SIGN='MCP-Authorized-By: Alice <alice@example.com>'

test_expect_success 'a case variant of a protected name' '
	new_pair s1 && cd s1 &&
	echo x >.MCP.json && git add .MCP.json && commit_all upper &&
	refused_push origin main &&
	test_grep "remote:   protect:mcp: .MCP.json" "$TRASH_DIRECTORY/err"
'

test_expect_success 'a submodule where protected files would be found' '
	new_repo sub && (cd sub && mkdir -p .cursor && echo "{}" >.cursor/mcp.json &&
		git add .cursor && git commit -q --no-verify -m "sub mcp") &&
	new_pair s2 && cd s2 &&
	git submodule add -q "$TRASH_DIRECTORY/sub" .cursor 2>/dev/null && commit_all submodule &&
	refused_push origin main &&
	test_grep "protect:mcp: .cursor" "$TRASH_DIRECTORY/err"
'

test_expect_success 'a directory symlink where protected files would be found' '
	new_pair s3 && cd s3 && mkdir config && echo "{}" >config/servers.json &&
	git add config && commit_all config && git push -q origin main &&
	ln -s config .cursor && git add .cursor && commit_all link &&
	refused_push origin main &&
	test_grep "protect:mcp: .cursor" "$TRASH_DIRECTORY/err"
'

test_expect_success 'a symlink named .vscode in a subdirectory' '
	new_pair s15 && cd s15 && mkdir -p packages/app &&
	ln -s ../../node_modules/evil packages/app/.vscode && git add packages && commit_all nested &&
	refused_push origin main &&
	test_grep "protect:mcp: packages/app/.vscode" "$TRASH_DIRECTORY/err"
'

test_expect_success 'a rename chain across several commits of one push' '
	new_pair s4 && cd s4 &&
	echo "{\"evil\":1}" >notes.txt && git add notes.txt && commit_all notes &&
	git mv notes.txt staging.json && commit_all staging &&
	git mv staging.json .mcp.json && commit_all "into place" &&
	refused_push origin main &&
	test_grep "\"into place\" refused" "$TRASH_DIRECTORY/err" &&
	test_grep "1 of 3 new commits rejected" "$TRASH_DIRECTORY/err"
'

test_expect_success 'an evil merge that brings a protected change neither parent has' '
	new_pair s5 && cd s5 && git checkout -q -b side && good_commit s.c side &&
	git checkout -q main && good_commit m.c main &&
	git merge -q --no-ff --no-commit -X ours side && echo "{\"evil\":1}" >.mcp.json &&
	git add .mcp.json && git commit -q --no-verify -m "merge side" &&
	refused_push origin main &&
	test_grep "\"merge side\" refused" "$TRASH_DIRECTORY/err" &&
	test_grep "protect:mcp: .mcp.json" "$TRASH_DIRECTORY/err"
'

test_expect_success 'a delete, then a re-add, in one push' '
	new_pair s6 && cd s6 && echo "{}" >.mcp.json && git add .mcp.json &&
	commit_all mcp -m "$SIGN" && git push -q origin main &&
	git rm -q .mcp.json && commit_all delete &&
	echo "{\"evil\":1}" >.mcp.json && git add .mcp.json && commit_all re-add &&
	refused_push origin main &&
	test_grep "2 of 2 new commits rejected" "$TRASH_DIRECTORY/err"
'

test_expect_success 'an entry inside a fenced code block or an HTML comment' '
	new_pair s7 && cd s7 &&
	printf "\`\`\`\n- %s x: in a fence\n\`\`\`\n" "$(now_utc)" >>CHANGELOG.md &&
	echo a >>a.c && git add a.c CHANGELOG.md && git commit -q --no-verify -m fence &&
	refused_push origin main &&
	test_grep "needs a new entry (for a.c)" "$TRASH_DIRECTORY/err" &&
	git reset -q --hard origin/main &&
	printf "<!--\n- %s x: in a comment\n-->\n" "$(now_utc)" >>CHANGELOG.md &&
	echo a >>a.c && git add a.c CHANGELOG.md && git commit -q --no-verify -m comment &&
	refused_push origin main &&
	git reset -q --hard origin/main &&
	printf "\`\`\`\n\`\`\`js\n- %s x: still in the fence\n\`\`\`\n" "$(now_utc)" >>CHANGELOG.md &&
	echo a >>a.c && git add a.c CHANGELOG.md && git commit -q --no-verify -m info &&
	refused_push origin main
'

test_expect_success 'an entry dated in the future' '
	new_pair s8 && cd s8 &&
	printf -- "- %s x: future\n" "$(now_utc "+2 hours")" >>CHANGELOG.md &&
	echo a >>a.c && git add a.c CHANGELOG.md && git commit -q --no-verify -m future &&
	refused_push origin main &&
	test_grep "lies more than max_skew (10m) after the commit time" "$TRASH_DIRECTORY/err"
'

test_expect_success 'an entry and a committer date both forged into the future' '
	new_pair s9 && cd s9 &&
	printf -- "- %s x: future\n" "$(now_utc "+2 days")" >>CHANGELOG.md &&
	echo a >>a.c && git add a.c CHANGELOG.md &&
	GIT_COMMITTER_DATE="$(now_utc "+2 days")" git commit -q --no-verify -m "future, committed then" &&
	refused_push origin main &&
	test_grep "lies more than max_skew (10m) in the future" "$TRASH_DIRECTORY/err"
'

test_expect_success 'an entry added and removed in the same push' '
	new_pair s10 && cd s10 && good_commit a.c "with entry" &&
	git show HEAD:CHANGELOG.md >full &&
	git show HEAD~1:CHANGELOG.md >CHANGELOG.md && git add CHANGELOG.md &&
	git commit -q --no-verify -m "drop the entry" &&
	refused_push origin main &&
	test_grep "\"drop the entry\" refused" "$TRASH_DIRECTORY/err"
'

test_expect_success 'a sign-off naming an authorizer, pushed by someone else' '
	new_pair s11 && cd s11 &&
	server_policy ../s11.git <<-\EOF &&
	protect:
	  - name: mcp
	    paths: [".mcp.json"]
	    trailer: MCP-Authorized-By
	    authorizers: ["alice@example.com"]
	    verify: pusher
	EOF
	echo x >.mcp.json && git add .mcp.json && commit_all forged -m "$SIGN" &&
	USER=mallory refused_push origin main &&
	test_grep "the pusher .mallory. is not an authorizer" "$TRASH_DIRECTORY/err" &&
	USER=alice@example.com git push -q origin main
'

test_expect_success '--no-verify locally, then push' '
	new_pair s12 && cd s12 && install_hooks . &&
	echo x >.mcp.json && git add .mcp.json &&
	test_must_fail git commit -q -m local 2>err &&
	git commit -q --no-verify -m "no verify" &&
	refused_push origin main &&
	test_grep "\"no verify\" refused" "$TRASH_DIRECTORY/err"
'

test_expect_success 'a force push that rewrites checked history to slip a change in' '
	new_pair s13 && cd s13 && good_commit a.c "checked" && git push -q origin main &&
	echo "{\"evil\":1}" >.mcp.json && git add .mcp.json &&
	git commit -q --no-verify --amend --no-edit &&
	refused_push -f origin main &&
	test_grep "\"checked\" refused" "$TRASH_DIRECTORY/err" &&
	test_grep "protect:mcp: .mcp.json" "$TRASH_DIRECTORY/err"
'

test_expect_success 'a pushed .changeguard.yml that disables the rules' '
	new_pair s14 && cd s14 &&
	printf "protect: []\nchangelog:\n  require_for: []\n" >.changeguard.yml &&
	echo x >.mcp.json && echo y >code.c && git add -A &&
	git commit -q --no-verify -m "disable everything" &&
	refused_push origin main &&
	test_grep "protect:policy: .changeguard.yml" "$TRASH_DIRECTORY/err" &&
	test_grep "protect:mcp: .mcp.json" "$TRASH_DIRECTORY/err" &&
	test_grep "needs a new entry (for .*code.c)" "$TRASH_DIRECTORY/err"
'

test_expect_success 'the disabling policy, once refused, does not apply to the next push either' '
	cd s14 && git reset -q --hard origin/main &&
	echo z >code.c && git add code.c && git commit -q --no-verify -m "no entry" &&
	refused_push origin main
'

test_done
