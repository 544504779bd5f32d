#!/bin/sh
test_description='changeguard install and uninstall: chaining, hooksPath, worktrees, servers, exact restore'
. "$CG_SOURCE_DIR/tests/e2e/test-lib.sh"

# A repository with one commit and no hooks installed.
plain_repo() {
	git init -q "$1" &&
	printf '# Changelog\n\n- %s setup: first entry\n' "$(now_utc)" >"$1/CHANGELOG.md" &&
	git -C "$1" add CHANGELOG.md &&
	git -C "$1" commit -q -m initial
}

# Writes an executable hook ($1) that records that it ran in ran-<name> and
# exits with $2 (default 0).
old_hook() {
	mkdir -p "$(dirname "$1")" &&
	printf '#!/bin/sh\necho "$0 $*" >>"$(git rev-parse --show-toplevel)/ran-%s"\nexit %s\n' \
		"$(basename "$1" .changeguard-chained)" "${2:-0}" >"$1" &&
	chmod 755 "$1"
}

# A staged change that passes the policy.
good_change() {
	echo "$1" >"$1.c" && add_entry "$1" && git add "$1.c" CHANGELOG.md
}

test_expect_success 'install into a repository without hooks writes the three wrappers' '
	plain_repo r1 && cd r1 &&
	changeguard install >out &&
	test_grep "^pre-commit: installed$" out &&
	for h in pre-commit prepare-commit-msg commit-msg; do
		test -x .git/hooks/$h &&
		test_grep "changeguard hook wrapper" .git/hooks/$h &&
		test_grep "hook=.$CG_LIBEXEC/$h.$" .git/hooks/$h || return 1
	done &&
	echo code >app.c && git add app.c &&
	test_must_fail git commit -m "no entry" 2>err &&
	test_grep "needs a new entry" err &&
	good_change ok && git commit -q -m ok
'

test_expect_success 'an existing hook is chained: it runs after ours and its failure still blocks' '
	plain_repo r2 && cd r2 &&
	old_hook .git/hooks/pre-commit 0 &&
	cp .git/hooks/pre-commit ../r2-old-hook &&
	changeguard install >out &&
	test_grep "pre-commit: installed; the hook that was there runs after it" out &&
	cmp ../r2-old-hook .git/hooks/pre-commit.changeguard-chained &&
	good_change a && git commit -q -m a &&
	test_grep "pre-commit" ran-pre-commit &&
	rm ran-pre-commit &&
	echo code >b.c && printf -- "- 2026-02-30T10:00:00Z bad: date\n" >>CHANGELOG.md &&
	git add b.c CHANGELOG.md &&
	test_must_fail git commit -m "bad entry" 2>err &&
	test_grep "2026-02-30T10:00:00Z" err &&
	test_must_fail test -f ran-pre-commit &&
	git reset -q --hard &&
	old_hook .git/hooks/pre-commit.changeguard-chained 1 &&
	good_change c &&
	test_must_fail git commit -m c &&
	test_grep "pre-commit" ran-pre-commit &&
	test_must_fail git rev-parse -q --verify HEAD~2
'

test_expect_success 'a chained commit-msg gets the message file' '
	plain_repo r3 && cd r3 &&
	old_hook .git/hooks/commit-msg 0 &&
	changeguard install >/dev/null &&
	good_change a && git commit -q -m a &&
	test_grep "commit-msg.changeguard-chained .git/COMMIT_EDITMSG" ran-commit-msg
'

test_expect_success 'a second install changes nothing' '
	plain_repo r4 && cd r4 &&
	old_hook .git/hooks/pre-commit 0 &&
	changeguard install >/dev/null &&
	ls -l --time-style=full-iso .git/hooks >before &&
	cp .git/hooks/pre-commit saved &&
	changeguard install >out &&
	test_grep "already installed in .*; nothing to do" out &&
	ls -l --time-style=full-iso .git/hooks >after &&
	test_cmp before after &&
	cmp saved .git/hooks/pre-commit
'

test_expect_success 'uninstall restores the old hooks byte for byte, with their modes' '
	plain_repo r5 && cd r5 &&
	old_hook .git/hooks/pre-commit 0 && chmod 750 .git/hooks/pre-commit &&
	printf "#!/bin/sh\nexit 0\n" >.git/hooks/commit-msg && chmod 700 .git/hooks/commit-msg &&
	ln -s /nonexistent/elsewhere .git/hooks/prepare-commit-msg &&
	mkdir ../r5-before && cp -a .git/hooks/. ../r5-before/ &&
	changeguard install >/dev/null &&
	changeguard uninstall >out &&
	test_grep "pre-commit: removed; the hook that was there before is back" out &&
	for h in pre-commit commit-msg; do
		cmp ../r5-before/$h .git/hooks/$h &&
		test "$(stat -c %a ../r5-before/$h)" = "$(stat -c %a .git/hooks/$h)" || return 1
	done &&
	test "$(readlink .git/hooks/prepare-commit-msg)" = /nonexistent/elsewhere &&
	ls -A ../r5-before >expect && ls -A .git/hooks >actual &&
	test_cmp expect actual
'

test_expect_success 'uninstall without earlier hooks removes ours and leaves others alone' '
	plain_repo r6 && cd r6 &&
	changeguard install >/dev/null &&
	old_hook .git/hooks/post-commit 0 &&
	changeguard uninstall >out &&
	test_must_fail test -e .git/hooks/pre-commit &&
	test_must_fail test -e .git/hooks/commit-msg &&
	test -x .git/hooks/post-commit &&
	changeguard uninstall >out &&
	test_grep "no changeguard hooks in" out
'

test_expect_success 'install honours core.hooksPath (relative to the work tree)' '
	plain_repo r7 && cd r7 &&
	git config core.hooksPath ci/hooks &&
	old_hook ci/hooks/pre-commit 0 &&
	mkdir sub && (cd sub && changeguard install >../out) &&
	test_grep "hooks installed in $PWD/ci/hooks" out &&
	test -f ci/hooks/pre-commit.changeguard-chained &&
	test_must_fail test -e .git/hooks/pre-commit &&
	echo code >x.c && git add x.c &&
	test_must_fail git commit -m x 2>err &&
	test_grep "needs a new entry" err
'

test_expect_success 'a chained hook is found from a relative core.hooksPath' '
	plain_repo r21 && cd r21 &&
	git config core.hooksPath ci/hooks &&
	old_hook ci/hooks/pre-commit 0 &&
	changeguard install >/dev/null &&
	good_change a && git commit -q -m a &&
	test_grep "^ci/hooks/pre-commit.changeguard-chained $" ran-pre-commit
'

test_expect_success 'prepare-commit-msg: with -m only the chained hook runs; with the editor both' '
	plain_repo r22 && cd r22 &&
	old_hook .git/hooks/prepare-commit-msg 0 &&
	changeguard install >/dev/null &&
	good_change a && git commit -q -m a &&
	test_grep "prepare-commit-msg.changeguard-chained .git/COMMIT_EDITMSG message$" ran-prepare-commit-msg &&
	printf "#!/bin/sh\ncp \"\$1\" ../r22-seen\n" >../r22-editor && chmod +x ../r22-editor &&
	echo code >b.c && git add b.c && rm ran-prepare-commit-msg &&
	test_must_fail env GIT_EDITOR=../r22-editor git commit 2>err &&
	test_grep "changeguard: this commit still needs" ../r22-seen &&
	test_grep "prepare-commit-msg.changeguard-chained .git/COMMIT_EDITMSG$" ran-prepare-commit-msg
'

test_expect_success 'install from a linked worktree writes the shared hooks' '
	plain_repo r8 && cd r8 &&
	git worktree add -q ../r8-wt -b side &&
	(cd ../r8-wt && changeguard install >../r8-out) &&
	test_grep "hooks installed in $PWD/.git/hooks" ../r8-out &&
	cd ../r8-wt &&
	echo code >x.c && git add x.c &&
	test_must_fail git commit -m x 2>err &&
	test_grep "needs a new entry" err &&
	good_change y && git commit -q -m y
'

test_expect_success 'local hooks are refused in a bare repository' '
	git init -q --bare b1.git &&
	test_expect_code 2 changeguard install b1.git 2>err &&
	test_grep "bare repository" err &&
	test_grep "install --server" err
'

test_expect_success 'install --server puts pre-receive into a bare repository, chained, input shared' '
	plain_repo r9 && git clone -q --bare r9 srv.git &&
	printf "#!/bin/sh\ncat >old-saw\nexit 0\n" >srv.git/hooks/pre-receive &&
	chmod 755 srv.git/hooks/pre-receive &&
	changeguard install --server srv.git >out &&
	test_grep "pre-receive: installed; the hook that was there runs after it" out &&
	test_grep "GitLab" out && test_grep "Gitea" out &&
	cd r9 && git remote add origin ../srv.git &&
	good_change a && git commit -q -m a &&
	git push -q origin HEAD 2>err &&
	test_grep "refs/heads/" ../srv.git/old-saw &&
	rm ../srv.git/old-saw &&
	echo code >b.c && git add b.c && git commit -q --no-verify -m "no entry" &&
	test_must_fail git push -q origin HEAD 2>err &&
	test_grep "needs a new entry" err &&
	test_must_fail test -f ../srv.git/old-saw
'

test_expect_success 'a failing chained pre-receive still rejects the push' '
	plain_repo r10 && git clone -q --bare r10 srv10.git &&
	printf "#!/bin/sh\ncat >/dev/null\necho old hook says no >&2\nexit 1\n" >srv10.git/hooks/pre-receive &&
	chmod 755 srv10.git/hooks/pre-receive &&
	changeguard install --server srv10.git >/dev/null &&
	cd r10 && git remote add origin ../srv10.git &&
	good_change a && git commit -q -m a &&
	test_must_fail git push origin HEAD 2>err &&
	test_grep "old hook says no" err
'

test_expect_success 'a wrapper whose executable was moved fails closed and says how to fix it' '
	mkdir -p inst/bin inst/libexec &&
	cp "$CG_BUILD_DIR/bin/changeguard" inst/bin/ &&
	cp -R "$CG_LIBEXEC" inst/libexec/ &&
	plain_repo r11 && (cd r11 && ../inst/bin/changeguard install >/dev/null) &&
	test_grep "hook=.$TRASH_DIRECTORY/inst/libexec/changeguard/pre-commit.$" r11/.git/hooks/pre-commit &&
	mv inst moved &&
	cd r11 && good_change a &&
	test_must_fail env PATH="${PATH#"$CG_BUILD_DIR/bin:"}" git commit -m a 2>err &&
	test_grep "changeguard: cannot run the pre-commit hook: .*is missing" err &&
	test_grep "hint: reinstall changeguard, then run .changeguard install." err &&
	test_must_fail git rev-parse -q --verify HEAD~1 &&
	../moved/bin/changeguard install >out &&
	test_grep "pre-commit: updated to this changeguard" out &&
	git commit -q -m a
'

test_expect_success 'a symlink to a changeguard hook is replaced, not chained' '
	plain_repo r12 && cd r12 &&
	for h in pre-commit prepare-commit-msg commit-msg; do
		ln -s "$CG_LIBEXEC/$h" .git/hooks/$h || return 1
	done &&
	changeguard install >out &&
	test_grep "pre-commit: updated to this changeguard" out &&
	test_must_fail test -e .git/hooks/pre-commit.changeguard-chained &&
	changeguard uninstall >/dev/null &&
	test_must_fail test -e .git/hooks/pre-commit
'

test_expect_success 'install refuses when the chained name is taken, changing nothing' '
	plain_repo r13 && cd r13 &&
	old_hook .git/hooks/pre-commit 0 &&
	old_hook .git/hooks/commit-msg 0 && old_hook .git/hooks/commit-msg.changeguard-chained 0 &&
	ls -l --time-style=full-iso .git/hooks >before &&
	test_expect_code 3 changeguard install 2>err &&
	test_grep "commit-msg.changeguard-chained.* is in the way" err &&
	ls -l --time-style=full-iso .git/hooks >after &&
	test_cmp before after
'

test_done
