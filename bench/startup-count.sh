#!/bin/sh
# startup-count.sh: benchmark 3 as instruction counts, which a loaded machine
# does not move: the floor (libgit2 loaded, then initialised), each local
# hook on the tiny repository with nothing staged, `changeguard check` of its
# one commit and `git rev-parse HEAD`, each under valgrind's callgrind, with
# what each hook spends above the floor. Then the machine's rate (the
# floor's own work repeated, instructions over CPU seconds) turns those
# instructions into milliseconds here: a lower bound, since that work is a
# hot loop and a hook's is cold code, system calls and page faults, which
# callgrind does not count (docs/benchmarks.md). Last, the pre-commit hook's
# own start-up step by step (bench/startup-phases.c): each step's
# instructions, and the medians of its CPU time and page faults over
# repeated runs, which the instructions miss. Needs valgrind.
. "$(dirname "$0")/lib.sh"
need_build
command -v valgrind >/dev/null || die "valgrind is missing (Debian package valgrind)"
floor=$(tool libgit2-floor)
phases=$(tool startup-phases)
tiny=$(repo tiny)
cd "$tiny"
git reset -q --hard bench-base
hook_env
msg="$BENCH_TMP/3-message"
printf 'A tiny change\n' >"$msg"
export GIT_EDITOR=: # as under git commit -m: the message is read as written

# count COMMAND...: the instructions COMMAND runs, the second time (the
# first creates the audit database); it must succeed.
count() {
	"$@" >/dev/null 2>&1 || die "$* failed"
	out=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null) ||
		die "$* failed under valgrind: $out"
	printf '%s\n' "$out" | sed -n 's/.*Collected : //p'
}

base=$(count "$floor")
rounds=20
calib=$(count "$floor" "$rounds")
json="$BENCH_TMP/3-rate.json"
hf "$json" --warmup 1 --runs "$(runs 10)" "$floor $rounds"
rate=$("$PYTHON" -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"][0]
print(int(int(sys.argv[2]) / (r["user"] + r["system"])))' "$json" "$calib")
{
	printf '\n### 3. start-up, instructions (callgrind) on the tiny repository\n\n'
	printf 'Rate: %s instructions a CPU second (`libgit2-floor %s`: %s instructions).\n\n' \
		"$rate" "$rounds" "$calib"
	printf '| command | instructions | above the floor | that, in time here |\n|---|---:|---:|---:|\n'
	row() {
		label=$1
		shift
		n=$(count "$@")
		"$PYTHON" -c 'import sys; n, b, r = map(int, sys.argv[2:5])
print("| %s | %.1f M | %+.1f M | %+.2f ms |" % (sys.argv[1], n / 1e6, (n - b) / 1e6, (n - b) / r * 1e3))' \
			"$label" "$n" "$base" "$rate"
	}
	row 'libgit2 loaded, not initialised' "$floor" load
	row 'libgit2 loaded and initialised (the floor)' "$floor"
	row 'pre-commit, nothing staged' "$LIBEXEC/pre-commit"
	row 'prepare-commit-msg (editor)' "$LIBEXEC/prepare-commit-msg" "$msg"
	row 'commit-msg' "$LIBEXEC/commit-msg" "$msg"
	row 'changeguard check HEAD (one commit)' "$BUILD/bin/changeguard" check HEAD
	row 'git rev-parse HEAD' git rev-parse HEAD
} | tee -a "$RESULTS"

# The steps: instructions of `startup-phases N` less those of N - 1; CPU
# time and page faults from each step's own line, medians of STEP_RUNS runs.
{
	printf '\n### 3. pre-commit step by step (startup-phases), nothing staged\n\n'
	printf '| step | instructions | CPU (median) | page faults (median) |\n|---|---:|---:|---:|\n'
	prev=$(count "$floor" load)
	runs=$(runs 50)
	for n in 0 1 2 3 4 5; do
		now=$(count "$phases" $n)
		i=0
		while test $i -lt "$runs"; do "$phases" $n; i=$((i + 1)); done >"$BENCH_TMP/3-phases"
		"$PYTHON" -c 'import statistics, sys
n, now, prev = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
names = ["the hook'"'"'s libraries loaded (against the floor'"'"'s)", "git_libgit2_init",
         "repository and index", "policy", "evaluation", "audit record"]
rows = [l.split() for l in open(sys.argv[1]) if l.split()[0] == ["", "init", "repository", "policy", "evaluate", "record"][n]]
cpu = "%.2f ms" % (statistics.median(int(r[2]) for r in rows) / 1e3) if rows else ""
flt = "%d" % statistics.median(int(r[3]) for r in rows) if rows else ""
print("| %s | %+.2f M | %s | %s |" % (names[n], (now - prev) / 1e6, cpu, flt))' \
			"$BENCH_TMP/3-phases" "$n" "$now" "$prev"
		prev=$now
	done
} | tee -a "$RESULTS"
