#!/bin/sh
# Benchmark 8c: git push of the 20,000-commit history (benchmark 5a's) into
# an empty bare repository with the pre-receive hook recording its run in
# PostgreSQL (audit.url; a server of Debian's PostgreSQL in a scratch
# directory, reached over its Unix socket, as tests/e2e/lib-postgres.sh
# starts one), with the same hook recording in SQLite, and without hooks
# (target: the PostgreSQL push at most 1.5x the push without hooks). The
# hook refuses the push, and records it first: one run with 20,000
# push_commits rows. hyperfine counts the CPU of the push's processes,
# not of the PostgreSQL server's: that is measured apart, from the
# server's process times around a few pushes (8c's second table).
# Each push adds its run to the one chain "bench-push", as on a server.
. "$(dirname "$0")/lib.sh"
need_build
test -x "$LIBEXEC/pre-receive" || skip "8c. push with the audit in PostgreSQL" \
	"$LIBEXEC/pre-receive is not built yet"
PATH="$BUILD/bin:$PATH"
TRASH_DIRECTORY=$BENCH_TMP
. "$SRC_DIR/tests/e2e/lib-postgres.sh"
test -n "$PG_BIN" || skip "8c. push with the audit in PostgreSQL" "no PostgreSQL under /usr/lib/postgresql"
history=$(repo history)
pg_start >/dev/null || die "cannot start PostgreSQL"
branch=$(git -C "$history" symbolic-ref --short HEAD)
bare="$BENCH_TMP/push-pg-target.git"
push="git -C $history push -q $bare $branch"
commits=$(git -C "$history" rev-list --count "$branch")
sqlite_policy="$BENCH_TMP/8-sqlite.yml"
pg_policy="$BENCH_TMP/8-pg.yml"
printf 'audit:\n  on_error: block\n' >"$sqlite_policy"
printf 'audit:\n  url: "%s"\n  repository_id: bench-push\n  on_error: block\n' "$PG_URL" >"$pg_policy"
fresh="sh $BENCH_DIR/fresh-bare.sh $bare"

# The hook records the refused push in PostgreSQL, every commit of it.
$fresh "$LIBEXEC/pre-receive" "$pg_policy"
! $push 2>"$BENCH_TMP/8-push.err" && grep -q "changeguard: push refused" "$BENCH_TMP/8-push.err" ||
	die "the pre-receive hook did not refuse the history's violations"
test "$(psql_q "select count(*) from push_commits where chain = 'bench-push'")" = "$commits" ||
	die "the push's commits are not in PostgreSQL: $(cat "$BENCH_TMP/8-push.err")"

# CG_BENCH_BASELINE=DIR: another build's hook too (the same code before a
# change), with the audit in PostgreSQL, measured second.
base=${CG_BENCH_BASELINE:-}
# Each --prepare goes with the command in its place: the push command is
# the same, the hook and its policy differ.
set -- --prepare "$fresh $LIBEXEC/pre-receive $pg_policy" "sh $BENCH_DIR/expect-status.sh 1 $push"
labels="pre-receive, audit in PostgreSQL"
hooks=$LIBEXEC/pre-receive
if test -n "$base"; then
	set -- "$@" --prepare "$fresh $base/libexec/changeguard/pre-receive $pg_policy" "$3"
	labels="$labels|pre-receive of $base, audit in PostgreSQL"
	hooks="$hooks $base/libexec/changeguard/pre-receive"
fi
json="$BENCH_TMP/8-push.json"
hf "$json" --runs "$(runs 10)" "$@" \
	--prepare "$fresh $LIBEXEC/pre-receive $sqlite_policy" --prepare "$fresh" \
	"sh $BENCH_DIR/expect-status.sh 1 $push" "sh $BENCH_DIR/expect-status.sh 0 $push"
IFS='|'
# shellcheck disable=SC2086
report "8c. git push of $commits commits with the audit in PostgreSQL (load: $(cut -d' ' -f1-3 /proc/loadavg))" \
	"$json" 1.5 $labels "pre-receive, audit in SQLite" "push without hooks"
unset IFS

# server_cpu_ms: the CPU the PostgreSQL server's processes have spent so
# far, in ms: the postmaster's own and its children's, the ones it reaped
# (each connection's backend, once the postmaster has reaped it) and the
# ones still running.
server_cpu_ms() {
	sleep 0.5
	pid=$(pg_pid)
	{
		cut -d' ' -f14-17 "/proc/$pid/stat"
		for child in $(cat "/proc/$pid/task/$pid/children"); do
			cut -d' ' -f14-15 "/proc/$child/stat" 2>/dev/null || :
		done
	} | awk -v hz="$(getconf CLK_TCK)" '{ for (i = 1; i <= NF; i++) t += $i } END { printf "%d", t * 1000 / hz }'
}
n=$(runs 5)
for hook in $hooks; do
	before=$(server_cpu_ms)
	i=0
	while test $i -lt "$n"; do
		$fresh "$hook" "$pg_policy"
		$push 2>/dev/null && die "the push went through"
		i=$((i + 1))
	done
	after=$(server_cpu_ms)
	printf '\nPostgreSQL server CPU per push with %s (its backend, and autovacuum): %d ms, over %d pushes.\n' \
		"$hook" $(( (after - before) / n )) "$n" | tee -a "$RESULTS"
done
