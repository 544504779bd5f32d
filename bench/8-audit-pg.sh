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
	psql_q "truncate chain_heads, runs, findings, waivers, push_commits, push_refs, push_options, fallback_imports, run_keys, keyed_runs, daily cascade" &&
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

# fill CHAIN N: N runs in the chain CHAIN over the year to 2026-11-30,
# made by the server itself (a hook would take hours), spread as a busy
# repository's: 4 hooks; 21 refs (main, 3 release branches, 17 topics);
# 40 authors, and pushes of 2 commits by 2 of them; 85% allowed, 8%
# blocked (changelog, a fifth also protect:mcp), 5% waived (a
# Changelog-Skip trailer), 2% error; an approved MCP change in 2%. The
# hashes are not a chain (report does not verify).
fill() {
	psql_q "create temporary table gen as select g, chain,
 to_char(timestamp '2025-12-01' + g * (interval '365 days' / $2),
  'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') as time,
 case when g % 10 < 4 then 'pre-commit' when g % 10 < 7 then 'commit-msg'
  when g % 10 < 9 then 'pre-receive' else 'pre-push' end as hook,
 case when g * 7 % 20 < 10 then 'refs/heads/main'
  when g * 7 % 20 < 12 then 'refs/heads/release-1.' || g % 3
  else 'refs/heads/topic-' || g % 17 end as ref,
 'Dev ' || g * 13 % 40 || ' <dev' || g * 13 % 40 || '@example.com>' as author,
 'Dev ' || (g * 13 + 1) % 40 || ' <dev' || (g * 13 + 1) % 40 || '@example.com>' as author2,
 case when g * 11 % 100 < 85 then 'allowed' when g * 11 % 100 < 93 then 'blocked'
  when g * 11 % 100 < 98 then 'waived' else 'error' end as verdict
 from generate_series(1, $2) as g, (values ('$1')) as c (chain);
insert into chain_heads select '$1', $2, 'x';
insert into runs select chain, g, time, hook, '/srv/git/platform.git', ref,
 case when hook = 'pre-receive' then repeat('0', 40) end,
 case when hook = 'pre-receive' then repeat('1', 40) end, md5(g::text), author, author,
 case when hook = 'pre-receive' then 'user' || g % 40 end, verdict, repeat('5', 64), '0.1.0',
 1234, repeat('0', 64), repeat('1', 64), 3 from gen;
insert into findings select chain, g, 1, 'changelog', 'src/net/socket.c', 'no new entry', null
 from gen where verdict in ('blocked', 'waived');
insert into findings select chain, g, 2, 'protect:mcp', '.mcp.json', 'needs a trailer', null
 from gen where verdict = 'blocked' and g % 5 = 0;
insert into findings select chain, g, 1, 'mcp:server-added', '.mcp.json',
 'server \"search\" added', null from gen where verdict = 'allowed' and g % 50 = 0;
insert into waivers select chain, g, 1, 'changelog', 'trailer', 'Changelog-Skip', 'typo fix',
 null, null from gen where verdict = 'waived';
insert into waivers select chain, g, 1, 'protect:mcp', 'trailer', 'MCP-Approved-By', '.mcp.json',
 'Lead <lead@example.com>', null from gen where verdict = 'allowed' and g % 50 = 0;
insert into push_refs select chain, g, 1, ref, repeat('0', 40), repeat('1', 40),
 case verdict when 'blocked' then 'refused' else 'accepted' end from gen where hook = 'pre-receive';
insert into push_commits select chain, g, 1, md5(g::text), verdict, ref, author, author
 from gen where hook = 'pre-receive';
insert into push_commits select chain, g, 2, md5((-g)::text), 'allowed', ref, author2, author2
 from gen where hook = 'pre-receive'" >/dev/null
}

# postmaster_cpu: the CPU time, in ms, of the server's processes that have
# ended (each connection's backend among them).
postmaster_cpu() {
	awk -v hz="$(getconf CLK_TCK)" '{ print ($16 + $17) * 1000 / hz }' "/proc/$(pg_pid)/stat"
}

# REPORT_RUNS runs (default 1,000,000) in one repository's chain and a
# tenth as many in another's; setup then fills the report tables, as it
# does for a database set up before them. The time is the report's: the
# database's summaries and the listed runs copied out.
n=${REPORT_RUNS:-1000000}
fill big "$n" && fill other "$((n / 10))" || die "cannot fill the database"
audit="$BUILD/bin/changelog-audit"
start=$(date +%s.%N)
"$audit" setup --db "$PG_URL" 2>/dev/null || die "setup failed"
setup_s=$(echo "$(date +%s.%N) - $start" | bc)
psql_q "vacuum analyze" >/dev/null
json="$BENCH_TMP/8-report.json"
filters="- --since=2026-11-01 --until=2025-12-31 --hook=pre-receive --verdict=blocked
	--ref=refs/heads/main --author=dev7@ --rule=protect:mcp"
set --
for f in $filters; do
	test "$f" = - && f=
	set -- "$@" "sh $BENCH_DIR/expect-status.sh 0 $audit report --db $PG_URL --repository-id big $f"
done
before=$(postmaster_cpu)
hf "$json" --runs "$(runs 5)" "$@"
server=$(echo "($(postmaster_cpu) - $before) / $# / $(runs 5)" | bc)
report "8b. changelog-audit report on $n runs in PostgreSQL (load: $(cut -d' ' -f1-3 /proc/loadavg))" "$json" - \
	"unfiltered" "--since" "--until" "--hook" "--verdict" "--ref" "--author" "--rule"
printf '\nServer CPU per report, on average: %s ms. setup filling the report tables for %s runs: %.0f s.\n' \
	"$server" "$((n + n / 10))" "$setup_s" | tee -a "$RESULTS"
