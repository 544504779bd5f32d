#!/bin/sh
test_description='pre-receive takes its settings and the pusher only from the server'
. "$CG_SOURCE_DIR/tests/e2e/test-lib.sh"
. "$CG_SOURCE_DIR/tests/e2e/lib-pre-receive.sh"

test_expect_success 'a committed policy cannot set audit or server settings on the server' '
	new_pair s1 && cd s1 &&
	cat >.changeguard.yml <<-EOF &&
	audit:
	  path: "$TRASH_DIRECTORY/pusher-owned.db"
	  on_error: warn
	server:
	  refs: ["refs/nothing/**"]
	EOF
	add_entry "move the audit" && git add .changeguard.yml CHANGELOG.md &&
	git commit -q --no-verify -m "move the audit" && push_unchecked main &&
	bad_commit a.c "no entry" &&
	refused_push origin main &&
	test_grep "warning: the committed .changeguard.yml sets audit or server settings; the server ignores them" "$TRASH_DIRECTORY/err" &&
	test_grep "needs a new entry (for a.c)" "$TRASH_DIRECTORY/err" &&
	test ! -e "$TRASH_DIRECTORY/pusher-owned.db" &&
	test "$(audit_of ../s1.git verdict "$(git rev-parse HEAD)")" = blocked
'

test_expect_success 'a policy change is refused when no authorizer is listed for the policy group' '
	new_pair s2 && cd s2 &&
	printf "changelog:\n  require_for: [\"nothing/**\"]\n" >.changeguard.yml &&
	add_entry "loosen" && git add .changeguard.yml CHANGELOG.md &&
	git commit -q --no-verify -m "loosen" --trailer "Policy-Authorized-By: Nobody" &&
	refused_push origin main &&
	test_grep "protect:policy: .changeguard.yml: protected path changed without sign-off" "$TRASH_DIRECTORY/err"
'

test_expect_success 'the audit database: a symlink, or a file others may write or own, is refused' '
	new_pair s3 && cd s3 &&
	mkdir -p ../s3.git/changeguard && echo planted >../planted.db &&
	ln -s "$TRASH_DIRECTORY/planted.db" ../s3.git/changeguard/audit.db &&
	good_commit a.c "code" &&
	refused_push origin main &&
	test_grep "changeguard/audit.db. is a symlink, which is not followed" "$TRASH_DIRECTORY/err" &&
	test "$(cat ../planted.db)" = planted &&
	rm ../s3.git/changeguard/audit.db &&
	git push -q origin main &&
	chmod 666 ../s3.git/changeguard/audit.db && good_commit b.c "more" &&
	refused_push origin main &&
	test_grep "is writable by other users (mode 0666)" "$TRASH_DIRECTORY/err" &&
	chmod 644 ../s3.git/changeguard/audit.db && chmod 777 ../s3.git/changeguard &&
	refused_push origin main &&
	test_grep "changeguard. is writable by other users (mode 0777)" "$TRASH_DIRECTORY/err" &&
	chmod 755 ../s3.git/changeguard &&
	if test "$(id -u)" = 0; then
		chown 65534 ../s3.git/changeguard/audit.db &&
		refused_push origin main &&
		test_grep "belongs to another user (uid 65534)" "$TRASH_DIRECTORY/err" &&
		chown 0 ../s3.git/changeguard/audit.db
	fi &&
	git push -q origin main
'

test_expect_success 'the pusher comes from one variable: candidates that disagree refuse the push' '
	new_pair s4 && cd s4 && good_commit a.c "code" &&
	test_must_fail env GITHUB_USER_LOGIN=alice REMOTE_USER=mallory git push origin main 2>err &&
	test_grep "the pusher is ambiguous: GITHUB_USER_LOGIN is .alice. but REMOTE_USER is .mallory." err &&
	test_grep "hint: list only the variable your git host sets in server.pusher_env" err &&
	env GITHUB_USER_LOGIN=alice REMOTE_USER=alice USER=alice git push -q origin main
'

test_done
