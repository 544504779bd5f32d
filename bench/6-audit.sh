#!/bin/sh
# Benchmark 6: the audit database. Latency of one hook's record
# (cg_audit_write: open, one transaction, close) with 1 writer and with 8
# writing at once; the database's size per 100,000 runs; and
# changelog-audit report on a database of 1,000,000 runs, unfiltered and
# with each filter.
. "$(dirname "$0")/lib.sh"
need_build
bench=$(tool audit-bench)
db="$BENCH_TMP/audit/latency.db"
mkdir -p "$BENCH_TMP/audit"

latency() {
	rm -f "$db" "$db-wal" "$db-shm" "$db.fallback.jsonl"
	"$bench" latency "$db" "$1" "$2" | awk -v w="$2" '{
		printf "| %d | %d | %.1f ms | %.1f ms | %.1f ms | %d/s |\n", w, $2, $4 / 1000, $6 / 1000, $8 / 1000, $10 }'
}
one=$(latency "$(runs 500)" 1)
eight=$(latency "$(runs 100)" 8)

size_db="$BENCH_TMP/audit/size.db"
rm -f "$size_db" "$size_db-wal" "$size_db-shm"
"$bench" fill "$size_db" 100000
bytes=$(( $(stat -c %s "$size_db") + $(stat -c %s "$size_db-wal" 2>/dev/null || echo 0) ))

{
	printf '\n### 6. audit database\n\n'
	printf '| writers | records | median | p99 | max | throughput |\n|---:|---:|---:|---:|---:|---:|\n'
	printf '%s\n%s\n' "$one" "$eight"
	printf '\nSize: %s MiB per 100,000 runs (%s bytes a run; two runs in three with one or two findings, one in seven with a waiver).\n' \
		$(( bytes / 1048576 )) $(( bytes / 100000 ))
} | tee -a "$RESULTS"

audit="$BUILD/bin/changelog-audit"
test -x "$audit" || skip "6b. changelog-audit report on 1,000,000 runs" "$audit is not built yet"
big="$BENCH_TMP/audit/million.db"
stamp=$(cat "$SRC_DIR"/lib/audit*.[ch] "$BENCH_DIR/audit-bench.c" | sha256sum | cut -c1-16)
if ! test -f "$big.stamp" || test "$(cat "$big.stamp")" != "$stamp"; then
	rm -f "$big" "$big-wal" "$big-shm" "$big.stamp"
	echo "bench: filling $big with 1,000,000 runs" >&2
	"$bench" fill "$big" 1000000
	echo "$stamp" >"$big.stamp"
fi
"$audit" report --db "$big" >/dev/null 2>&1 && status=0 || status=$?
test "$status" -le 1 || die "changelog-audit report failed on $big (exit $status)"
json="$BENCH_TMP/6-report.json"
hf "$json" --warmup 1 --runs "$(runs 5)" \
	"sh $BENCH_DIR/expect-status.sh $status $audit report --db $big" \
	"sh $BENCH_DIR/expect-status.sh $status $audit report --db $big --format json"
report "6b. changelog-audit report on 1,000,000 runs ($(( $(stat -c %s "$big") / 1048576 )) MiB)" "$json" - \
	"report (text)" "report --format json"

# Each filter of the report, the unselective ones (a third to two thirds
# of the runs) as well as one that selects nothing: none may read the runs.
filters="--since=2026-11-01 --hook=commit-msg --verdict=blocked --ref=refs/heads/topic
--author=ada@example.com --author=Alice --rule=protect:mcp --rule=changelog
--since=2026-06-01T12:34:56Z,--until=2026-09-01T01:00:00Z,--rule=changelog"
json="$BENCH_TMP/6-filters.json"
set --
for f in $filters; do
	set -- "$@" "sh $BENCH_DIR/expect-status.sh 0 $audit report --db $big $(echo "$f" | tr , ' ')"
done
hf "$json" --warmup 1 --runs "$(runs 5)" "$@" "sh $BENCH_DIR/expect-status.sh 0 $audit report --db $big"
# shellcheck disable=SC2086 # the labels are the filters, one word each
report "6c. changelog-audit report on 1,000,000 runs, filtered (ratio to the unfiltered report)" \
	"$json" - $filters "report (no filter)"
