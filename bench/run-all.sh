#!/bin/sh
# run-all.sh: the seven benchmarks of docs/benchmarks.md, in order, appending
# to bench/results.md (see bench/lib.sh for the environment it honours).
# Builds $CG_BUILD_DIR (default build-bench, Release) first when missing.
. "$(dirname "$0")/lib.sh"
if ! test -x "$LIBEXEC/pre-commit"; then
	cmake -S "$SRC_DIR" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >&2
	cmake --build "$BUILD" -j"$(nproc)" >&2
fi
need_build
start=$(date +%s)
{
	printf '\n## %s\n\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	printf -- '- machine: %s CPUs, %s, %s GiB RAM, load average %s\n' "$(nproc)" \
		"$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)" \
		"$(awk '/MemTotal/ { printf "%d", $2 / 1048576 }' /proc/meminfo)" \
		"$(cut -d' ' -f1-3 /proc/loadavg)"
	printf -- '- source: %s; build: %s (%s)\n' \
		"$(git -C "$SRC_DIR" describe --always --dirty 2>/dev/null || echo unknown)" "$BUILD" \
		"$(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$BUILD/CMakeCache.txt")"
	printf -- '- %s, %s, %s\n' "$(git --version)" "$(hyperfine --version)" \
		"$(pre-commit --version 2>/dev/null || echo 'no pre-commit framework')"
	test -z "${CG_BENCH_NOTE:-}" || printf -- '- note: %s\n' "$CG_BENCH_NOTE"
} | tee -a "$RESULTS"
for b in 1-pre-commit 2-commit 3-startup 4-frameworks 5-pre-receive 6-audit 7-approval 8-audit-pg 8-push-pg; do
	echo "bench: $b" >&2
	sh "$BENCH_DIR/$b.sh" || echo "bench: $b failed" | tee -a "$RESULTS"
done
printf '\nAll seven in %d s.\n' $(( $(date +%s) - start )) | tee -a "$RESULTS"
