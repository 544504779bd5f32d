#!/bin/sh
# startup-count.sh: benchmark 3 as instruction counts, which a loaded machine
# does not move: the floor (libgit2 loaded, then initialised), each local
# hook on the tiny repository with nothing staged, `changeguard check` of its
# one commit and `git rev-parse HEAD`, each under valgrind's callgrind, with
# what each hook spends above the floor. Then the machine's rate (the
# floor's own work repeated, instructions over CPU seconds) turns those
# instructions into milliseconds here: a lower bound, since that work is a
# hot loop and a hook's is cold code, system calls and page faults, which
# callgrind does not count (docs/benchmarks.md). Needs valgrind.
. "$(dirname "$0")/lib.sh"
need_build
command -v valgrind >/dev/null || die "valgrind is missing (Debian package valgrind)"
floor=$(tool libgit2-floor)
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
