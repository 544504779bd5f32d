#!/bin/sh
# run.sh: builds the libFuzzer targets with clang (cmake -DCG_FUZZ=ON) and
# runs each for a bounded time, starting from its seed corpus.
#
# usage: tests/fuzz/run.sh [-t SECONDS] [-b BUILD_DIR] [NAME...]
#   -t  seconds per target (default 20; CI uses the default, run for hours
#       with e.g. -t 3600)
#   -b  build directory (default: build-fuzz in the source tree)
#   NAME  policy, changelog, trailers, receive, glob (default: every target)
#
# Inputs found along the way go to BUILD_DIR/fuzz-work/NAME, not to the seed
# corpus, so a long run leaves the source tree alone and the next run starts
# where it stopped. A crash stops its target with the input saved as
# BUILD_DIR/fuzz-work/crash-NAME-*; reproduce it with
# BUILD_DIR/fuzz/fuzz_NAME FILE, fix it, then keep it as a regression seed in
# tests/fuzz/corpus/NAME/ (ctest runs every seed: fuzz/NAME) and as a unit test.
# Exit status: 0 when no target failed, 1 otherwise, 2 on bad usage.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
seconds=20
build=$top/build-fuzz
while getopts t:b: opt; do
	case $opt in
	t) seconds=$OPTARG ;;
	b) build=$OPTARG ;;
	*) echo "usage: $0 [-t SECONDS] [-b BUILD_DIR] [NAME...]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
case $seconds in '' | *[!0-9]*) echo "run.sh: -t wants whole seconds, got '$seconds'" >&2; exit 2 ;; esac
if [ $# -eq 0 ]; then
	set -- $(cd "$top/tests/fuzz" && ls fuzz_*.c | sed 's/^fuzz_//; s/\.c$//')
fi

cmake -S "$top" -B "$build" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	-DCG_FUZZ=ON >/dev/null || exit 1
targets=
for name in "$@"; do targets="$targets fuzz_$name"; done
# shellcheck disable=SC2086 # one word per target
cmake --build "$build" -j "$(nproc)" --target $targets >/dev/null || {
	echo "run.sh: the fuzz build failed; run: cmake --build $build" >&2
	exit 1
}

failed= work=$build/fuzz-work
for name in "$@"; do
	mkdir -p "$work/$name"
	dict=
	[ -f "$top/tests/fuzz/$name.dict" ] && dict=-dict=$top/tests/fuzz/$name.dict
	echo "== fuzz_$name: ${seconds}s"
	# -timeout: an input that takes 10 s is a hang, which is a bug too
	if ! "$build/fuzz/fuzz_$name" -max_total_time="$seconds" -timeout=10 \
		-print_final_stats=1 -artifact_prefix="$work/crash-$name-" $dict \
		"$work/$name" "$top/tests/fuzz/corpus/$name" >"$work/$name.log" 2>&1; then
		failed="$failed $name"
		tail -n 40 "$work/$name.log"
	fi
	grep -E '^(Done|stat::number_of_executed_units|stat::new_units_added)' "$work/$name.log"
done
if [ -n "$failed" ]; then
	echo "run.sh: failed:$failed (inputs: $build/fuzz-work/crash-*)" >&2
	exit 1
fi
echo "run.sh: every target ran ${seconds}s without a failure"
