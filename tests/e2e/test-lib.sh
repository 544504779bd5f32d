# test-lib.sh: a small test library in the style of git's t/test-lib.sh.
#
# A test script sets test_description, sources this file, runs scenarios
# with test_expect_success, and ends with test_done. Each scenario runs in
# a subshell from the scratch directory, so `cd` and variables stay inside.
# Needs CG_BUILD_DIR (the CMake build tree) and CG_SOURCE_DIR.

: "${CG_BUILD_DIR:?CG_BUILD_DIR must name the build directory}"
: "${CG_SOURCE_DIR:?CG_SOURCE_DIR must name the source directory}"

CG_LIBEXEC="$CG_BUILD_DIR/libexec/changeguard"
PATH="$CG_BUILD_DIR/bin:$PATH"

# A fixed, isolated environment, as git's test-lib sets one.
TRASH_DIRECTORY=$(mktemp -d "${TMPDIR:-/tmp}/cg-test.XXXXXX") || exit 1
HOME="$TRASH_DIRECTORY/home"
mkdir -p "$HOME"
LANG=C LC_ALL=C TZ=UTC
GIT_CONFIG_NOSYSTEM=1
GIT_AUTHOR_NAME='A U Thor' GIT_AUTHOR_EMAIL='author@example.com'
GIT_COMMITTER_NAME='C O Mitter' GIT_COMMITTER_EMAIL='committer@example.com'
GIT_EDITOR=: EDITOR=: GIT_MERGE_AUTOEDIT=no
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_OBJECT_DIRECTORY NO_COLOR \
	GIT_ALTERNATE_OBJECT_DIRECTORIES GIT_CONFIG_PARAMETERS GIT_CEILING_DIRECTORIES
export TRASH_DIRECTORY HOME LANG LC_ALL TZ GIT_CONFIG_NOSYSTEM PATH GIT_EDITOR EDITOR GIT_MERGE_AUTOEDIT \
	GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL GIT_COMMITTER_NAME GIT_COMMITTER_EMAIL
git config --global init.defaultBranch main
git config --global advice.detachedHead false
git config --global protocol.file.allow always

test_count=0 test_failed=0 test_passed=0 test_skipped=0

say() { printf '%s\n' "$*"; }

test_expect_success() {
	test_count=$((test_count + 1))
	if [ -n "${CG_TEST_ONLY:-}" ] && [ "$CG_TEST_ONLY" != "$test_count" ]; then
		return 0
	fi
	if (cd "$TRASH_DIRECTORY" && eval "$2") >"$TRASH_DIRECTORY/.out" 2>&1; then
		test_passed=$((test_passed + 1))
		say "ok $test_count - $1"
		[ -n "${CG_TEST_VERBOSE:-}" ] && sed 's/^/#   /' "$TRASH_DIRECTORY/.out"
	else
		test_failed=$((test_failed + 1))
		say "not ok $test_count - $1"
		sed 's/^/#   /' "$TRASH_DIRECTORY/.out"
	fi
	return 0
}

test_skip() {
	test_count=$((test_count + 1))
	test_skipped=$((test_skipped + 1))
	say "ok $test_count # skip $1 ($2)"
}

# Succeeds when the command fails in an orderly way (exit 1-125, no signal).
test_must_fail() {
	"$@"
	status=$?
	if [ $status -eq 0 ]; then
		say "test_must_fail: command succeeded: $*" >&2
		return 1
	elif [ $status -gt 125 ]; then
		say "test_must_fail: command died (status $status): $*" >&2
		return 1
	fi
	return 0
}

# Succeeds when the command exits with exactly the given status.
test_expect_code() {
	want=$1
	shift
	"$@"
	status=$?
	[ $status -eq "$want" ] && return 0
	say "test_expect_code: want $want, got $status: $*" >&2
	return 1
}

test_cmp() {
	diff -u "$1" "$2"
}

test_grep() {
	if [ "$1" = "!" ]; then
		shift
		if grep "$@"; then say "test_grep: unexpected match for $1" >&2; return 1; fi
		return 0
	fi
	grep "$@" && return 0
	say "test_grep: no match for '$1' in $2:" >&2
	sed 's/^/| /' "$2" >&2
	return 1
}

test_done() {
	say "# $test_count tests"
	say "$test_passed passed, $test_failed failed, $test_skipped skipped"
	if [ $test_failed -eq 0 ] && [ -z "${CG_KEEP_TRASH:-}" ]; then
		rm -rf "$TRASH_DIRECTORY"
	else
		say "# scratch directory kept: $TRASH_DIRECTORY"
	fi
	[ $test_failed -eq 0 ]
	exit $?
}

# --- changeguard helpers ---------------------------------------------------

# The current time as a changelog timestamp; an optional `date -d` offset.
now_utc() {
	date -u ${1:+-d "$1"} +%Y-%m-%dT%H:%M:%SZ
}

# install_hook_file HOOK DEST: links our HOOK at DEST. With CG_HOOK_WRAPPER
# set (tests/valgrind.sh sets "valgrind ..."), writes a script that runs the
# hook under it instead; the script carries the mark of changeguard's own
# wrapper, which is how pre-commit recognises our commit-msg behind it.
install_hook_file() {
	rm -f "$2" &&
	if [ -n "${CG_HOOK_WRAPPER:-}" ]; then
		printf '#!/bin/sh\n# changeguard hook wrapper, format 1 (a test run under %s)\nexec %s "%s" "$@"\n' \
			"$CG_HOOK_WRAPPER" "$CG_HOOK_WRAPPER" "$CG_LIBEXEC/$1" >"$2" &&
		chmod +x "$2"
	else
		ln -s "$CG_LIBEXEC/$1" "$2"
	fi
}

# Links the local hooks into a repository's hooks directory.
install_hooks() {
	hooks_dir=$(git -C "${1:-.}" rev-parse --git-path hooks) &&
	case "$hooks_dir" in /*) ;; *) hooks_dir="${1:-.}/$hooks_dir" ;; esac &&
	mkdir -p "$hooks_dir" &&
	for h in pre-commit prepare-commit-msg commit-msg; do
		install_hook_file "$h" "$hooks_dir/$h" || return 1
	done
}

# Makes a repository with one commit (a CHANGELOG.md with a first entry),
# made before the hooks are installed.
new_repo() {
	git init -q "$1" &&
	printf '# Changelog\n\n- %s setup: first entry\n' "$(now_utc)" >"$1/CHANGELOG.md" &&
	git -C "$1" add CHANGELOG.md &&
	git -C "$1" commit -q -m initial &&
	install_hooks "$1"
}

# long_history N BAD SKIPPED: N commits on main, made with git fast-import
# (a commit-by-commit loop would take minutes), each changing a.c with the
# subject "change <i>" and adding a dated entry to CHANGELOG.md, except
# number BAD, which adds no entry, and number SKIPPED, which adds none and
# says why with a Changelog-Skip trailer. 0 for neither.
long_history() {
	lh_ts=$(now_utc) && lh_now=$(date +%s) && lh_log=$(cat CHANGELOG.md) &&
	{
		echo "commit refs/heads/main" &&
		echo "committer Dev <dev@example.com> $lh_now +0000" &&
		printf 'data <<END\nchange 1\nEND\nfrom %s\n' "$(git rev-parse HEAD)" &&
		lh_i=1 &&
		while test $lh_i -le "$1"; do
			if test $lh_i -gt 1; then
				echo "commit refs/heads/main" &&
				echo "committer Dev <dev@example.com> $lh_now +0000" &&
				if test $lh_i = "$3"; then
					printf 'data <<END\nchange %d\n\nChangelog-Skip: a comment only\nEND\n' $lh_i
				else
					printf 'data <<END\nchange %d\nEND\n' $lh_i
				fi
			fi &&
			printf 'M 100644 inline a.c\ndata <<END\nline %d\nEND\n' $lh_i &&
			if test $lh_i != "$2" && test $lh_i != "$3"; then
				lh_log=$(printf '%s\n- %s dev: change %d' "$lh_log" "$lh_ts" $lh_i) &&
				printf 'M 100644 inline CHANGELOG.md\ndata <<END\n%s\nEND\n' "$lh_log"
			fi &&
			lh_i=$((lh_i + 1)) || return 1
		done
	} | git fast-import --quiet && git reset -q --hard main
}

# Adds an entry at the top of the entry list of a changelog (default ./CHANGELOG.md).
add_entry() {
	file=${2:-CHANGELOG.md} &&
	mkdir -p "$(dirname "$file")" &&
	{ [ -f "$file" ] || printf '# Changelog\n\n' >"$file"; } &&
	{ sed -n '1,2p' "$file" && printf -- '- %s tester: %s\n' "$(now_utc)" "$1" && sed '1,2d' "$file"; } >"$file.new" &&
	mv "$file.new" "$file"
}

# good_commit FILE MSG [git-commit options]: a change to FILE with its changelog entry.
good_commit() {
	gc_file=$1 gc_msg=$2 && shift 2 &&
	echo "$gc_msg" >>"$gc_file" && add_entry "$gc_msg" &&
	git add "$gc_file" CHANGELOG.md && git commit -q -m "$gc_msg" "$@"
}
