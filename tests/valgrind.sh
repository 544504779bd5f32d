#!/bin/sh
# valgrind.sh: runs the end-to-end suite with every hook that git runs under
# valgrind memcheck; fails on any memory error or definite leak.
#
# usage: tests/valgrind.sh [-b BUILD_DIR] [-j JOBS] [REGEX]
#   -b  build directory, built here without sanitizers (valgrind cannot
#       run sanitized programs), only what the scenarios run (the target
#       e2e-programs: no unit tests); default: build-valgrind in the source tree
#   -j  scripts run in parallel (default: the number of processors)
#   REGEX  which tests/e2e scripts (grep -E on the name; default: all but
#       t0900 and t0901, whose 1 GiB blob and 200,000 files would take hours
#       under memcheck, and t0990, which fuzzes rather than runs hooks)
#
# Hooks are installed as wrapper scripts (tests/e2e/test-lib.sh honours
# CG_HOOK_WRAPPER) so every hook git runs, even one a test expects to
# fail, runs under memcheck: its exit code 99 fails the test, and its report
# lands in BUILD_DIR/valgrind/<pid>.log, which this script reads afterwards,
# since a test that expects a refusal would take 99 for one.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
build=$top/build-valgrind
jobs=$(nproc)
while getopts b:j: opt; do
	case $opt in
	b) build=$OPTARG ;;
	j) jobs=$OPTARG ;;
	*) echo "usage: $0 [-b BUILD_DIR] [-j JOBS] [REGEX]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))

command -v valgrind >/dev/null || { echo "valgrind.sh: valgrind is not installed" >&2; exit 2; }
cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=Debug -DCG_SANITIZE=OFF >/dev/null &&
	cmake --build "$build" -j "$jobs" --target e2e-programs >/dev/null || {
	echo "valgrind.sh: the build failed; run: cmake --build $build --target e2e-programs" >&2
	exit 1
}

logs=$build/valgrind
rm -rf "$logs" && mkdir -p "$logs/out" || exit 1
# Without --track-origins=yes, which finds the same errors at twice the cost
# (CI's budget); add it by hand to see where an uninitialised value began.
CG_HOOK_WRAPPER="valgrind --quiet --error-exitcode=99 --leak-check=full \
--show-leak-kinds=definite --errors-for-leak-kinds=definite \
--suppressions=$top/tests/valgrind.supp --log-file=$logs/%p.log"
CG_BUILD_DIR=$build CG_SOURCE_DIR=$top
export CG_HOOK_WRAPPER CG_BUILD_DIR CG_SOURCE_DIR

ls "$top"/tests/e2e/t[0-9][0-9][0-9][0-9]-*.sh |
	if [ $# -gt 0 ]; then grep -E -- "$1"; else grep -v -E '/t(0900|0901|0990)-'; fi |
	xargs -P "$jobs" -I{} sh -c 'name=$(basename "$1" .sh);
		if sh "$1" >"$2/out/$name.out" 2>&1; then echo "ok   $name"; else echo "FAIL $name"; fi' \
		sh {} "$logs" | sort >"$logs/summary"
cat "$logs/summary"

runs=$(find "$logs" -maxdepth 1 -name '*.log' | wc -l)
bad=$(find "$logs" -maxdepth 1 -name '*.log' -size +0)
status=0
if grep -q '^FAIL' "$logs/summary"; then
	for name in $(sed -n 's/^FAIL //p' "$logs/summary"); do
		echo "== $name"; grep -v '^ok ' "$logs/out/$name.out"
	done
	status=1
fi
if [ -n "$bad" ]; then
	for f in $bad; do echo "== $f"; cat "$f"; done
	echo "valgrind.sh: memcheck reported errors in $(echo "$bad" | wc -l) of $runs hook runs" >&2
	status=1
fi
if [ "$runs" -eq 0 ]; then
	echo "valgrind.sh: no hook ran under valgrind" >&2
	status=1
fi
if [ $status -eq 0 ]; then
	echo "valgrind.sh: $runs hook runs, no memcheck errors, no definite leaks"
elif [ -z "$bad" ]; then
	echo "valgrind.sh: $runs hook runs, no memcheck errors, no definite leaks; but tests failed (above)" >&2
fi
exit $status
