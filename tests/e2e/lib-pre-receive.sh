# lib-pre-receive.sh: helpers for the pre-receive scenarios (t05NN), sourced
# after test-lib.sh. Pushes go to real bare repositories through real git.

# A known pusher for every scenario; hosting variables only where a test sets them.
USER=pusher
unset GL_ID GL_USERNAME GITEA_PUSHER_NAME GITHUB_USER_LOGIN REMOTE_USER
export USER

# Installs the server hook in a bare repository.
install_server_hook() {
	install_hook_file pre-receive "$1/hooks/pre-receive"
}

# new_pair NAME [git-init options]: a bare server NAME.git and a client NAME
# (remote "origin"). The client's first commit, a CHANGELOG.md with one
# entry, reaches the server before the hook is installed.
new_pair() {
	pair=$1 && shift &&
	git init -q --bare "$@" "$pair.git" &&
	git init -q "$@" "$pair" &&
	printf '# Changelog\n\n- %s setup: first entry\n' "$(now_utc)" >"$pair/CHANGELOG.md" &&
	git -C "$pair" add CHANGELOG.md &&
	git -C "$pair" commit -q -m initial &&
	git -C "$pair" remote add origin "$PWD/$pair.git" &&
	git -C "$pair" push -q origin main &&
	install_server_hook "$pair.git"
}


# bad_commit FILE MSG [git-commit options]: a change to FILE without an entry.
bad_commit() {
	bc_file=$1 bc_msg=$2 && shift 2 &&
	echo "$bc_msg" >>"$bc_file" && git add "$bc_file" && git commit -q -m "$bc_msg" "$@"
}

# push_unchecked ARGS...: `git push origin ARGS` with the server's hook set
# aside, to give the server history the hook would refuse.
push_unchecked() {
	srv=$(git remote get-url origin) &&
	mv "$srv/hooks/pre-receive" "$srv/hooks/pre-receive.off" &&
	git push -q origin "$@"
	pushed=$? &&
	mv "$srv/hooks/pre-receive.off" "$srv/hooks/pre-receive" && return $pushed
}

# refused_push ARGS...: the push must be refused and the server's refs stay
# as they were. Stderr in $TRASH_DIRECTORY/err.
refused_push() {
	srv=$(git remote get-url origin) &&
	git -C "$srv" for-each-ref >"$TRASH_DIRECTORY/refs.before" &&
	test_must_fail git push "$@" 2>"$TRASH_DIRECTORY/err" &&
	test_grep "pre-receive hook declined" "$TRASH_DIRECTORY/err" &&
	git -C "$srv" for-each-ref >"$TRASH_DIRECTORY/refs.after" &&
	test_cmp "$TRASH_DIRECTORY/refs.before" "$TRASH_DIRECTORY/refs.after"
}

# ref_of REPO REF: the ref's object id, or "none".
ref_of() {
	git -C "$1" rev-parse -q --verify "$2" || echo none
}

# Runs an SQL query on the audit database of a bare repository.
audit_query() {
	sqlite3 -separator ' ' "$1/changeguard/audit.db" "$2"
}

# audit_of REPO COLUMN COMMIT: a column of the last push that recorded the
# commit: the commit's own (verdict, ref, author, committer) or the run's
# (pusher, policy_sha256, hook, ...).
audit_of() {
	audit_query "$1" "select $2 from (select c.verdict, c.ref, c.author, c.committer,
		c.commit_oid, r.id, r.hook, r.pusher, r.policy_sha256
		from push_commits as c join runs as r on r.id = c.run_id)
		where commit_oid = '$3' order by id desc limit 1"
}

# Writes the server's own policy ($GIT_DIR/changeguard.yml) from stdin.
server_policy() {
	cat >"$1/changeguard.yml"
}

# commit_all MSG [git-commit options]: commits what is staged with a fresh entry, hooks off.
commit_all() {
	ca_msg=$1 && shift && add_entry "$ca_msg" && git add CHANGELOG.md &&
	git commit -q --no-verify -m "$ca_msg" "$@"
}

# refused_both MSG [git-commit options]: what is staged is refused by the
# local hooks, and, committed past them, by the server with main unmoved.
# Stderr in $TRASH_DIRECTORY/local and $TRASH_DIRECTORY/err.
refused_both() {
	rb_msg=$1 && shift &&
	test_must_fail git commit -q -m "$rb_msg" "$@" 2>"$TRASH_DIRECTORY/local" &&
	git commit -q --no-verify -m "$rb_msg" "$@" &&
	rb_before=$(ref_of "../$pair.git" refs/heads/main) &&
	test_must_fail git push -q origin main 2>"$TRASH_DIRECTORY/err" &&
	test_grep "pre-receive hook declined" "$TRASH_DIRECTORY/err" &&
	test "$(ref_of "../$pair.git" refs/heads/main)" = "$rb_before"
}
