# bench/lib.sh: what every benchmark script shares (sourced, not run).
#
# Environment:
#   CG_BUILD_DIR        build to measure (default: build-bench next to bench/,
#                       configured with -DCMAKE_BUILD_TYPE=Release)
#   CG_BENCH_TMP        scratch directory for the generated repositories,
#                       reused while bench/gen-repo.py is unchanged
#                       (default: $TMPDIR/cg-bench, else /tmp/cg-bench)
#   CG_BENCH_RESULTS    file the results are appended to (default: bench/results.md)
#   CG_BENCH_QUICK=1    fewer runs, for trying the scripts out
#   CG_BENCH_RUNS=N     N runs of each command (a long history's push takes minutes)
#   CG_BENCH_NOTE       a line run-all.sh adds to the results' header
set -eu

BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
SRC_DIR=$(dirname "$BENCH_DIR")
BUILD=${CG_BUILD_DIR:-$SRC_DIR/build-bench}
# Absolute: the hook is linked into bare repositories elsewhere.
case $BUILD in /*) ;; *) BUILD=$PWD/$BUILD ;; esac
BENCH_TMP=${CG_BENCH_TMP:-${TMPDIR:-/tmp}/cg-bench}
RESULTS=${CG_BENCH_RESULTS:-$BENCH_DIR/results.md}
LIBEXEC=$BUILD/libexec/changeguard
# The system's interpreter: a version manager's shim can take seconds to start.
PYTHON=/usr/bin/python3
test -x "$PYTHON" || PYTHON=python3

# A fixed, empty git environment, as git's own test suite uses.
export LC_ALL=C TZ=UTC GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
export HOME="$BENCH_TMP/home"
export GIT_AUTHOR_NAME=Bench GIT_AUTHOR_EMAIL=bench@example.com
export GIT_COMMITTER_NAME=Bench GIT_COMMITTER_EMAIL=bench@example.com
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_OBJECT_DIRECTORY NO_COLOR || :

# hook_env: the environment git gives a commit hook, which always names the
# index (libgit2 reads all of it when opening the repository then).
hook_env() {
	export GIT_INDEX_FILE=.git/index
}
mkdir -p "$HOME"

# runs N: N, or a fifth of it (at least 3) with CG_BENCH_QUICK=1, or CG_BENCH_RUNS.
runs() {
	if test -n "${CG_BENCH_RUNS:-}"; then
		echo "$CG_BENCH_RUNS"
	elif test "${CG_BENCH_QUICK:-0}" = 1; then
		echo $(( $1 / 5 > 3 ? $1 / 5 : 3 ))
	else
		echo "$1"
	fi
}

die() {
	echo "bench: $*" >&2
	exit 1
}

# skip NAME WHY: says why a benchmark cannot run, here and in the results.
skip() {
	printf '\n### %s\n\nskipped: %s\n' "$1" "$2" | tee -a "$RESULTS"
	exit 0
}

need_build() {
	test -x "$LIBEXEC/pre-commit" && test -x "$BUILD/bin/changeguard" ||
		die "no build in $BUILD; run: cmake -S $SRC_DIR -B $BUILD -DCMAKE_BUILD_TYPE=Release && cmake --build $BUILD -j\$(nproc)"
	command -v hyperfine >/dev/null || die "hyperfine is missing (Debian package hyperfine)"
}

# repo KIND: the path of a generated repository, made on first use.
repo() {
	dir="$BENCH_TMP/$1"
	stamp=$(sha256sum "$BENCH_DIR/gen-repo.py" | cut -c1-16)
	if ! test -f "$dir.stamp" || test "$(cat "$dir.stamp")" != "$stamp"; then
		rm -rf "$dir" "$dir.stamp"
		echo "bench: generating the $1 repository in $dir" >&2
		"$PYTHON" "$BENCH_DIR/gen-repo.py" "$1" "$dir" >&2
		git -C "$dir" tag -f bench-base >/dev/null
		echo "$stamp" >"$dir.stamp"
	fi
	echo "$dir"
}

# tool NAME: bench/NAME.c built against the build's library, and against
# the libgit2 that PKG_CONFIG_PATH names (as for the build), kept in the
# build so that builds on two libgit2 versions each have their own.
tool() {
	out="$BUILD/bench-tools/$1"
	mkdir -p "$BUILD/bench-tools"
	if ! test -x "$out" || test "$BENCH_DIR/$1.c" -nt "$out" || test "$BUILD/libchangeguard.a" -nt "$out"; then
		# shellcheck disable=SC2046
		# --as-needed: SQLite only for a library older than lib/dynlib.c's
		# loading of it, so that a tool loads what the hooks load.
		cc -O2 -Wall -Wextra -o "$out" "$BENCH_DIR/$1.c" -I"$SRC_DIR/lib" \
			$(pkg-config --cflags libgit2) "$BUILD/libchangeguard.a" -Wl,--as-needed \
			$(pkg-config --libs libgit2 sqlite3 libpcre2-8 yaml-0.1 libcrypto zlib) -ldl >&2
	fi
	echo "$out"
}

# now_utc: an entry time the changelog rule accepts.
now_utc() {
	date -u +%Y-%m-%dT%H:%M:%SZ
}

# hf JSON ARGS...: hyperfine, without a shell in between, exporting JSON.
hf() {
	json=$1
	shift
	hyperfine -N --style basic --export-json "$json" "$@" >&2
}

# report TITLE JSON TARGET [LABEL...]: the table of a hyperfine run and the
# ratio of each command to the last one (the reference), appended to the
# results and printed. TARGET is the highest ratio allowed for the first
# command ("-" for none).
report() {
	"$PYTHON" "$BENCH_DIR/report.py" "$@" | tee -a "$RESULTS"
}

# stage_ten: in the wide repository (the current directory), from its base
# commit: 10 staged changes over 3 modules (5 files modified, 1 added,
# 1 deleted, and each module's CHANGELOG.md given an entry), so that the
# policy allows the commit. No hooks installed.
stage_ten() {
	git reset -q --hard bench-base
	rm -f .git/hooks/pre-commit .git/hooks/prepare-commit-msg .git/hooks/commit-msg
	for f in m03/g1/d2/f05.c m03/g4/d0/f11.c m17/g9/d9/f19.c m17/g0/d3/f00.c m42/g5/d5/f07.c; do
		echo "int changed;" >>"$f"
	done
	echo "int added;" >m03/g2/d2/new.c
	git rm -q m42/g5/d6/f08.c
	for m in m03 m17 m42; do
		printf -- '- %s Bench: a benchmark change\n' "$(now_utc)" >>"$m/CHANGELOG.md"
	done
	git add m03 m17/g9/d9 m17/g0/d3 m42/g5/d5 m03/CHANGELOG.md m17/CHANGELOG.md m42/CHANGELOG.md
	test "$(git diff --cached --name-only | wc -l)" -eq 10 || die "expected 10 staged changes"
}
