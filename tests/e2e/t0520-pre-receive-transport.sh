#!/bin/sh
test_description='pre-receive: its input, the quarantine, object formats, git daemon, ownership'
. "$CG_SOURCE_DIR/tests/e2e/test-lib.sh"
. "$CG_SOURCE_DIR/tests/e2e/lib-pre-receive.sh"

Z40=0000000000000000000000000000000000000000
ONE40=1111111111111111111111111111111111111111
ONE64=$ONE40$ONE40

test_expect_success '--help, --version and unknown options' '
	"$CG_LIBEXEC/pre-receive" --help >out &&
	test_grep "^usage: pre-receive" out &&
	"$CG_LIBEXEC/pre-receive" --version >out &&
	test_grep "^pre-receive (changeguard) " out &&
	test_expect_code 2 "$CG_LIBEXEC/pre-receive" --bogus 2>err &&
	test_grep "^usage: pre-receive" err
'

test_expect_success 'malformed input given straight to the hook is refused with a clear message' '
	git init -q --bare in.git && cd in.git &&
	echo garbage | test_expect_code 2 "$CG_LIBEXEC/pre-receive" 2>err &&
	test_grep "^changeguard: malformed input line 1 .garbage.: expected .<old-oid> <new-oid> <refname>." err &&
	test_grep "^hint: the hook reads git.s" err &&
	printf "%s %s refs/heads/a\n%s %s refs/heads/b\n" $Z40 $ONE40 $Z40 $ONE64 |
		test_expect_code 2 "$CG_LIBEXEC/pre-receive" 2>err &&
	test_grep "malformed input line 2 .*40 (SHA-1) or 64 (SHA-256) hex digits" err &&
	printf "%s %s main\n" $Z40 $ONE40 | test_expect_code 2 "$CG_LIBEXEC/pre-receive" 2>err &&
	test_grep "the refname is not a valid .refs/.... name" err &&
	printf "%s %s refs/heads/a\001\n" $Z40 $ONE40 | test_expect_code 2 "$CG_LIBEXEC/pre-receive" 2>err &&
	test_grep "refs/heads/a\\\\001" err
'

test_expect_success 'a pushed object that cannot be read fails closed' '
	git init -q --bare missing.git && cd missing.git &&
	printf "%s %s refs/heads/main\n" $Z40 $ONE40 | test_expect_code 3 "$CG_LIBEXEC/pre-receive" 2>err &&
	test_grep "^changeguard: .refs/heads/main.: cannot read an object" err &&
	test_grep "hint: the push is refused because it could not be checked" err
'

test_expect_success 'no input: nothing to check' '
	git init -q --bare empty.git && cd empty.git &&
	"$CG_LIBEXEC/pre-receive" </dev/null 2>err &&
	test_grep ! changeguard err
'

test_expect_success 'SHA-256 repositories: the push is refused with a clear message, never let through' '
	new_pair s1 --object-format=sha256 && cd s1 &&
	good_commit a.c "fine" &&
	test_must_fail git push origin main 2>err &&
	test_grep "remote: changeguard: cannot check a SHA-256 repository: this build.s libgit2 (1\.[0-9.]*) reads SHA-1 repositories only" err &&
	test "$(ref_of ../s1.git main)" != "$(git rev-parse HEAD)"
'

test_expect_success 'a server under a path with ":" (C-quoted alternates) is still checked' '
	dir=$(printf "c:1 \303\251\\\\") &&
	mkdir "$dir" && cd "$dir" && new_pair r && cd r &&
	good_commit a.c "fine" &&
	git push origin main 2>err &&
	test_grep ! changeguard err &&
	bad_commit b.c "no entry" &&
	test_must_fail git push origin main 2>err &&
	test_grep "\"no entry\" refused: 1 problem" err &&
	test_grep "needs a new entry (for b.c)" err
'

test_expect_success 'bad quoting of the alternates fails closed' '
	git init -q --bare q.git && cd q.git &&
	printf "%s %s refs/heads/main\n" $Z40 $ONE40 >in &&
	test_expect_code 3 env GIT_ALTERNATE_OBJECT_DIRECTORIES="\"/unterminated" \
		"$CG_LIBEXEC/pre-receive" <in 2>err &&
	test_grep "cannot parse GIT_ALTERNATE_OBJECT_DIRECTORIES" err
'

if [ "$(id -u)" = 0 ]; then
	test_expect_success 'a repository owned by another user is refused with the fix to apply' '
		new_pair o && cd o && good_commit a.c "fine" && git push -q origin main &&
		cp -R ../o.git ../theirs.git && chown -R nobody ../theirs.git && cd ../theirs.git &&
		printf "%s %s refs/heads/x\n" $Z40 "$(git --git-dir=. -c safe.directory="*" rev-parse main)" >../in &&
		test_expect_code 3 "$CG_LIBEXEC/pre-receive" <../in 2>../err &&
		test_grep "^changeguard: cannot open the repository: it is not owned by the user the hook runs as" ../err &&
		test_grep "^hint: git config --global --add safe.directory" ../err &&
		git config --global --add safe.directory "$PWD" &&
		test_expect_code 3 "$CG_LIBEXEC/pre-receive" <../in 2>../err &&
		test_grep "changeguard. belongs to another user (uid" ../err &&
		chown -R 0 changeguard && "$CG_LIBEXEC/pre-receive" <../in
	'
else
	test_skip 'a repository owned by another user is refused with the fix to apply' 'needs root to chown'
fi

# git daemon on a free port of 127.0.0.1, serving the scratch directory.
start_daemon() {
	git init -q --bare "$TRASH_DIRECTORY/probe.git" || return 1
	for try in 1 2 3 4 5; do
		port=$((20000 + ($$ * 7 + try * 1013) % 40000)) &&
		{
			git daemon --enable=receive-pack --export-all --reuseaddr --informative-errors \
				--base-path="$TRASH_DIRECTORY" --listen=127.0.0.1 --port=$port \
				2>"$TRASH_DIRECTORY/daemon.log" &
		} &&
		daemon_pid=$! &&
		for wait in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
			git ls-remote "git://127.0.0.1:$port/probe.git" >/dev/null 2>&1 && return 0
			kill -0 $daemon_pid 2>/dev/null || break
			sleep 0.2
		done &&
		{ kill $daemon_pid && wait $daemon_pid; } 2>/dev/null || :
	done &&
	daemon_pid= &&
	return 1
}

if start_daemon; then
	test_expect_success 'a push over git daemon (git://) is checked' '
		new_pair d && cd d &&
		git remote set-url origin "git://127.0.0.1:$port/d.git" &&
		good_commit a.c "fine" &&
		git push origin main 2>err &&
		test "$(ref_of ../d.git main)" = "$(git rev-parse HEAD)" &&
		bad_commit b.c "no entry" &&
		test_must_fail git push origin main 2>err &&
		test_grep "remote: changeguard: commit [0-9a-f]* on refs/heads/main \"no entry\" refused" err &&
		test "$(ref_of ../d.git main)" = "$(git rev-parse HEAD~1)"
	'
	kill $daemon_pid
	wait $daemon_pid 2>/dev/null
else
	test_skip 'a push over git daemon (git://) is checked' 'git daemon could not start'
fi

test_done
