#!/bin/sh
# Benchmark 8: the audit in PostgreSQL (issue 19). A server of Debian's
# PostgreSQL in a scratch directory, reached over its Unix socket, as
# tests/e2e/lib-postgres.sh starts one: latency of one hook's record
# (cg_audit_pg_write: connect, one transaction, disconnect) with 1 writer
# and with 8 at once; changelog-audit report on REPORT_RUNS runs in one
# chain (default 1,000,000), unfiltered and with each filter.
. "$(dirname "$0")/lib.sh"
need_build
bench=$(tool audit-bench)
PATH="$BUILD/bin:$PATH"
TRASH_DIRECTORY=$BENCH_TMP
. "$SRC_DIR/tests/e2e/lib-postgres.sh"
test -n "$PG_BIN" || skip "8. audit in PostgreSQL" "no PostgreSQL under /usr/lib/postgresql"
pg_start >/dev/null || die "cannot start PostgreSQL"
rm -f /tmp/audit-bench.spool

latency() {
	psql_q "truncate chain_heads, runs, findings, waivers, push_commits, push_refs, push_options, fallback_imports cascade" &&
	"$bench" latency "$PG_URL" "$1" "$2" | awk -v w="$2" '{
		printf "| %d | %d | %.1f ms | %.1f ms | %.1f ms | %d/s |\n", w, $2, $4 / 1000, $6 / 1000, $8 / 1000, $10 }'
}
one=$(latency "$(runs 500)" 1)
eight=$(latency "$(runs 100)" 8)
test ! -s /tmp/audit-bench.spool || die "records went to the spool"
{
	printf '\n### 8. audit record to PostgreSQL over a Unix socket (load: %s)\n\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
	printf '| writers | records | median | p99 | max | throughput |\n|---:|---:|---:|---:|---:|---:|\n'
	printf '%s\n%s\n' "$one" "$eight"
} | tee -a "$RESULTS"

# REPORT_RUNS runs like audit-bench fill's, made by the server itself: a
# hook would take hours. The hashes are not a chain (report does not
# verify); the time is the copy out of PostgreSQL and the report.
n=${REPORT_RUNS:-1000000}
psql_q "insert into chain_heads values ('big', $n, 'x');
insert into runs select 'big', g,
 to_char(timestamp '2025-12-01' + g * interval '30 seconds', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'),
 case when g % 5 = 0 then 'commit-msg' else 'pre-commit' end, '/home/dev/src/project',
 case when g % 4 = 0 then 'refs/heads/topic' else 'refs/heads/main' end, null, null, 'bench-' || g,
 case when g % 3 = 0 then 'Alan Turing <alan@example.com>' else 'Ada Lovelace <ada@example.com>' end,
 'Ada Lovelace <ada@example.com>', null,
 case when g % 10 = 0 then 'blocked' else 'allowed' end, repeat('5', 64), '0.1.0', 1234,
 repeat('0', 64), repeat('1', 64), 2 from generate_series(1, $n) as g;
insert into findings select 'big', g, 1, 'changelog', 'src/net/socket.c', 'no new entry', null
 from generate_series(1, $n) as g where g % 3 >= 1;
insert into findings select 'big', g, 2, 'protect:mcp', '.mcp.json', 'needs a trailer', null
 from generate_series(1, $n) as g where g % 3 = 2;
insert into waivers select 'big', g, 1, 'changelog', 'trailer', 'Changelog-Skip', 'typo fix', null, null
 from generate_series(1, $n) as g where g % 7 = 0; analyze" >/dev/null
audit="$BUILD/bin/changelog-audit"
json="$BENCH_TMP/8-report.json"
set --
for f in "" --since=2026-11-01 --hook=commit-msg --verdict=blocked --ref=refs/heads/topic \
	--author=Alice --rule=protect:mcp; do
	set -- "$@" "sh $BENCH_DIR/expect-status.sh 0 $audit report --db $PG_URL --repository-id big $f"
done
hf "$json" --runs "$(runs 3)" "$@"
report "8b. changelog-audit report on $n runs in PostgreSQL (load: $(cut -d' ' -f1-3 /proc/loadavg))" "$json" - \
	"unfiltered" "--since" "--hook" "--verdict" "--ref" "--author" "--rule"
