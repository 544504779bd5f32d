#!/bin/sh
# bench/push-rss.sh REPO N...: the pre-receive hook's peak memory per
# process against the history's length (issue 20: flat in the length). For
# each N, the oldest N commits of REPO's checked-out branch (the N-th of
# `git rev-list --reverse --topo-order`, which must have exactly N
# ancestors, itself included) are pushed into a fresh empty bare repository
# as bench/5-pre-receive.sh pushes: once with the hook run under
# bench/rss-sample.py (VmHWM, RssAnon, RssFile of the hook and of its
# checking process, from /proc every 10 ms; their CPU seconds and minor
# faults), once without hooks with git's receiving side (receive-pack and
# its index-pack) under /usr/bin/time. Prints a markdown row per N, memory
# in MiB, and appends it to the results.
# A long history for it: bench/gen-repo.py history DIR 160000.
. "$(dirname "$0")/lib.sh"
test $# -ge 2 || die "usage: bench/push-rss.sh REPO N..."
test -x "$LIBEXEC/pre-receive" || die "no pre-receive in $LIBEXEC; build first"
history=$1
shift
branch=$(git -C "$history" symbolic-ref --short HEAD)
bare="$BENCH_TMP/push-rss.git"
samples="$BENCH_TMP/push-rss.txt"
wrapper="$BENCH_TMP/pre-receive-sampled"
printf '#!/bin/sh\nexec %s %s %s %s "$@"\n' "$PYTHON" "$BENCH_DIR/rss-sample.py" "$samples" \
	"$LIBEXEC/pre-receive" >"$wrapper"
chmod +x "$wrapper"
order="$BENCH_TMP/push-rss.order"
git -C "$history" rev-list --reverse --topo-order "$branch" >"$order"

mib() {
	echo "$1" | awk '{ printf "%.1f", $1 / 1024 }'
}

printf '\n| commits | hook: peak (heap + mapped) | checking process: peak (heap + mapped) | both at once | git receiving alone | hook CPU user + sys, s | minor faults |\n|---:|---:|---:|---:|---:|---:|---:|\n' |
	tee -a "$RESULTS"
for n in "$@"; do
	tip=$(sed -n "${n}p" "$order")
	test -n "$tip" && test "$(git -C "$history" rev-list --count "$tip")" = "$n" ||
		die "the $n-th commit of $history does not have $n ancestors; pick another length"
	sh "$BENCH_DIR/fresh-bare.sh" "$bare" "$wrapper"
	: >"$samples"
	# A verdict on every commit: accepted, or refused with each one checked.
	git -C "$history" push -q "$bare" "$tip:refs/heads/main" 2>"$BENCH_TMP/push-rss.err" ||
		grep -q "changeguard: push refused: [0-9]* of $n new commit" "$BENCH_TMP/push-rss.err" ||
		die "the hook gave no verdict on $n commits: $(tail -n 3 "$BENCH_TMP/push-rss.err")"
	read -r _ rhwm ranon rfile _ chwm canon cfile _ sum _ _ _ user _ sys _ faults <"$samples"
	hook="$(mib "$rhwm") ($(mib "$ranon") + $(mib "$rfile"))"
	child="$(mib "$chwm") ($(mib "$canon") + $(mib "$cfile"))"
	both=$(mib "$sum")
	sh "$BENCH_DIR/fresh-bare.sh" "$bare"
	# The sending side (pack-objects) is not the server's: only git-receive-pack is timed.
	git -C "$history" push -q --receive-pack="/usr/bin/time -f %M -o $BENCH_TMP/push-rss.time git-receive-pack" \
		"$bare" "$tip:refs/heads/main"
	git=$(mib "$(tail -n 1 "$BENCH_TMP/push-rss.time")")
	printf '| %s | %s | %s | %s | %s | %s + %s | %s |\n' "$n" "$hook" "$child" "$both" "$git" "$user" "$sys" "$faults" |
		tee -a "$RESULTS"
done
