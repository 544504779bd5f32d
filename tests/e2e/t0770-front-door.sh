#!/bin/sh
test_description='a team first hour: init anywhere, hints that work when pasted, messages that say what happened'
. "$CG_SOURCE_DIR/tests/e2e/test-lib.sh"
. "$CG_SOURCE_DIR/tests/e2e/lib-pre-receive.sh"

# The hint lines of a message file, without "hint: ".
hints() {
	sed -n 's/^hint: //p' "$1"
}

test_expect_success 'init outside a work tree refuses with exit 2 and writes nothing' '
	mkdir out && cd out &&
	test_expect_code 2 changeguard init >../stdout 2>../err &&
	test_grep "not a git repository" ../err &&
	test_grep "hint: run it inside a git work tree, or create one first: git init" ../err &&
	test_expect_code 2 changeguard init sub 2>../err &&
	git init -q --bare ../bare.git &&
	test_expect_code 2 changeguard init ../bare.git 2>../err &&
	test_grep "bare repository" ../err &&
	ls -A >../listing && test_cmp /dev/null ../listing &&
	ls -A ../bare.git >../bare-listing && test_grep ! changeguard ../bare-listing
'

test_expect_success 'init in a repository with a CHANGELOG: its suggested commit passes the hooks, check and the server' '
	git init -q --bare adopt.git && install_server_hook adopt.git &&
	printf "protect:\n  - name: policy\n    paths: [.changeguard.yml]\n    authorizers: [committer@example.com, pusher]\n" |
		server_policy adopt.git &&
	git init -q adopt && cd adopt && mkdir -p src/deep &&
	printf "# Changelog\n\nOlder notes, no dated entries.\n" >CHANGELOG.md && echo x >src/deep/a.c &&
	git add -A && git commit -q -m "history before changeguard" &&
	git remote add origin ../adopt.git && push_unchecked main &&
	changeguard install >/dev/null &&
	(cd src/deep && changeguard init >../../out) &&
	test_grep "^CHANGELOG.md: exists, left as it is" out &&
	hints out >hint-lines && head -n 1 hint-lines >cmd &&
	test_grep "changeguard entry" cmd && test_grep ! "Your Name" cmd &&
	(cd src/deep && eval "$(cat ../../cmd)") &&
	git log -1 --format=%s >subject && echo "Track changes with changeguard" >expect &&
	test_cmp expect subject &&
	changeguard check HEAD~1..HEAD &&
	git push -q origin main
'

test_expect_success 'adoption: the server starts at changeguard.start; check and history at START..HEAD' '
	git init -q old && cd old &&
	echo a >a.c && git add a.c && git commit -q -m "before 1" &&
	echo b >>a.c && git commit -q -a -m "before 2" && start=$(git rev-parse HEAD) &&
	git init -q --bare ../old.git && install_server_hook ../old.git && git remote add origin ../old.git &&
	test_must_fail git push -q origin main 2>err && test_grep "needs a new entry" err &&
	git -C ../old.git config changeguard.start "$start" &&
	git push -q origin main &&
	git -C ../old.git config changeguard.start 1234 &&
	echo c >>a.c && add_entry c && git add -A && git commit -q -m c &&
	git push -q origin main 2>err && test_grep "changeguard.start names no commit" err &&
	git -C ../old.git config changeguard.start "$start" &&
	changeguard check "$start..HEAD" &&
	test_expect_code 1 changeguard check HEAD~2..HEAD >/dev/null &&
	changelog-audit history "$start..HEAD" >/dev/null &&
	test_expect_code 1 changelog-audit history >/dev/null &&
	echo d >>a.c && git commit -q -a -m d &&
	test_must_fail git push -q origin main 2>err && test_grep "needs a new entry" err
'

test_expect_success 'hints from a subdirectory work when pasted there' '
	new_repo sub && cd sub && mkdir -p internal/backend/local &&
	printf "# Changelog\n" >internal/backend/CHANGELOG.md && echo a >internal/backend/local/a.c &&
	git add -A && git commit -q -m setup --trailer "Changelog-Skip: setup" &&
	cd internal/backend/local && echo b >>a.c && git add a.c &&
	test_must_fail git commit -q -m change 2>err &&
	hints err >lines &&
	test_grep "^changeguard entry --dir .\.\.. " lines &&
	test_grep "to .\.\./CHANGELOG.md. and run: git add .\.\./CHANGELOG.md.$" lines &&
	eval "$(head -n 1 lines)" &&
	git commit -q -m change &&
	echo c >>a.c && git add a.c &&
	test_must_fail git commit -q -m by-hand 2>err &&
	cmd=$(hints err | sed -n "s/.* and run: //p") &&
	printf -- "- %s me: by hand\n" "$(now_utc)" >>../CHANGELOG.md &&
	eval "$cmd" && git commit -q -m by-hand
'

test_expect_success 'a sign-off hint under the default policy names the committer, and works pasted' '
	new_repo so && cd so && echo "{}" >.mcp.json && add_entry mcp && git add -A &&
	test_must_fail git commit -q -m mcp 2>err &&
	test_grep ! "Your Name" err &&
	cmd=$(hints err | grep -- "--trailer \"MCP-Authorized-By") &&
	eval "$cmd -q -m mcp" &&
	git log -1 --format=%B >msg && test_grep "^MCP-Authorized-By: C O Mitter <committer@example.com>$" msg
'

test_expect_success 'installed system-wide, the hooks keep working after the build they came from is gone' '
	mkdir -p prefix/bin prefix/libexec build2/bin build2/libexec &&
	cp "$CG_BUILD_DIR/bin/changeguard" prefix/bin/ && cp -R "$CG_LIBEXEC" prefix/libexec/ &&
	cp "$CG_BUILD_DIR/bin/changeguard" build2/bin/ && cp -R "$CG_LIBEXEC" build2/libexec/ &&
	git init -q sys && (cd sys && ../build2/bin/changeguard install >/dev/null) &&
	test_grep "build2/libexec/changeguard/commit-msg" sys/.git/hooks/commit-msg &&
	rm -rf build2 && cd sys &&
	PATH="$TRASH_DIRECTORY/prefix/bin:${PATH#"$CG_BUILD_DIR/bin:"}" &&
	echo a >a.c && git add a.c &&
	test_must_fail git commit -q -m a 2>err &&
	test_grep "needs a new entry" err &&
	add_entry a && git add CHANGELOG.md && git commit -q -m a
'

test_done
