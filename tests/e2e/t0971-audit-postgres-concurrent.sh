#!/bin/sh
# ctest-label: heavy (400 pushes; runs in the plain build only)
# ctest-cost: 75 (seconds in the plain build: ctest -j starts the costliest first)
test_description='two servers sharing a repository id, four pushers each, fifty pushes each: one chain in PostgreSQL'
. "$CG_SOURCE_DIR/tests/e2e/test-lib.sh"
. "$CG_SOURCE_DIR/tests/e2e/lib-pre-receive.sh"
. "$CG_SOURCE_DIR/tests/e2e/lib-postgres.sh"

pg_require
pg_start || exit 1

PUSHES=50

# pusher SERVER N: a clone of SERVER pushing PUSHES good commits to its own branch.
pusher() {
	git clone -q "$PWD/$1.git" "p$2" && cd "p$2" && i=1 &&
	while test $i -le $PUSHES; do
		echo "$i" >>"f$2" && add_entry "change $i of pusher $2" &&
		git add "f$2" CHANGELOG.md && git commit -q -m "change $i" &&
		git push -q origin "HEAD:refs/heads/p$2" || return 1
		i=$((i + 1))
	done
}

test_expect_success '8 concurrent pushers on 2 servers: every run, one chain, intact' '
	new_pair a && server_pg_policy a.git fleet/app &&
	git clone -q --bare a.git b.git && install_server_hook b.git &&
	server_pg_policy b.git fleet/app &&
	pids= && for n in 1 2 3 4 5 6 7 8; do
		server=b && if test $n -le 4; then server=a; fi &&
		{ (pusher $server $n >log$n 2>&1) & } && pids="$pids $!" || return 1
	done &&
	failed=0 && for pid in $pids; do wait $pid || failed=1; done &&
	test $failed = 0 &&
	test "$(psql_q "select count(*), min(id), max(id) from runs where chain = '\''fleet/app'\''")" = "400|1|400" &&
	test "$(psql_q "select count(*) from runs where verdict = '\''allowed'\''")" = 400 &&
	test "$(psql_q "select count(*) from runs where repository like '\''%/b.git/'\''")" = 200 &&
	test "$(psql_q "select id from chain_heads")" = 400 &&
	changelog-audit verify --db "$PG_URL" >out &&
	test_grep "Runs intact  400" out &&
	test ! -s a.git/changeguard/audit.db.pg-spool.jsonl && test ! -s b.git/changeguard/audit.db.pg-spool.jsonl
'

test_done
