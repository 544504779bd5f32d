#!/bin/sh
# ctest-cost: 57 (seconds in the plain build: ctest -j starts the costliest first)
test_description='the audit in a real PostgreSQL: one chain for two servers, the spool while it is away, tampering, parity with SQLite, no password shown'
. "$CG_SOURCE_DIR/tests/e2e/test-lib.sh"
. "$CG_SOURCE_DIR/tests/e2e/lib-pre-receive.sh"
. "$CG_SOURCE_DIR/tests/e2e/lib-postgres.sh"

pg_require
pg_start || exit 1

runs_of() {
	psql_q "select count(*) from runs where chain = '$1'"
}

# push_good REPO MSG: a good commit in the client REPO, pushed.
push_good() {
	(cd "$1" && good_commit app.c "$2" && git push -q origin main)
}

# Two servers (bare repositories) with the same repository id, as replicas
# behind a load balancer: one chain in the database, ids 1, 2, 3, ...
test_expect_success 'two servers, one repository id: one chain' '
	new_pair a && server_pg_policy a.git fleet/app &&
	git clone -q --bare a.git b.git && install_server_hook b.git &&
	server_pg_policy b.git fleet/app &&
	git -C a remote add b "$PWD/b.git" &&
	push_good a one && (cd a && git push -q b main) &&
	(cd a && bad_commit app.c two && test_must_fail git push -q b main 2>/dev/null &&
		git reset -q --hard HEAD~1) &&
	(cd a && good_commit app.c three --author "Ann \"Q\" Back\\slash <ann@example.com>" &&
		git push -q origin main) &&
	test "$(runs_of fleet/app)" = 4 &&
	psql_q "select author from push_commits where run_id = 4" >author &&
	printf "%s\n" "Ann \"Q\" Back\\slash <ann@example.com>" >expect && test_cmp expect author &&
	psql_q "select id, verdict, repository from runs order by id" >rows &&
	test_grep "^1|allowed|.*/a.git/$" rows && test_grep "^2|allowed|.*/b.git/$" rows &&
	test_grep "^3|blocked|.*/b.git/$" rows && test_grep "^4|allowed|.*/a.git/$" rows &&
	changelog-audit verify --db "$PG_URL" >out &&
	test_grep "Runs intact  4" out
'

test_expect_success 'database stopped: block refuses, warn goes ahead, both spooled, then replayed in order' '
	pg_stop &&
	(cd a && good_commit app.c four && test_must_fail git push -q origin main 2>../err) &&
	test_grep "1 run saved to .*a.git/changeguard/audit.db.pg-spool.jsonl" err &&
	test_grep "hint: the run waits in the spool" err &&
	server_pg_policy a.git fleet/app warn &&
	(cd a && git push -q origin main 2>../err) &&
	test_grep "on_error is .warn.: the push goes ahead" err &&
	test "$(grep -c fallback_id a.git/changeguard/audit.db.pg-spool.jsonl)" = 2 &&
	pg_restart &&
	push_good a five &&
	test "$(runs_of fleet/app)" = 7 &&
	test ! -s a.git/changeguard/audit.db.pg-spool.jsonl &&
	psql_q "select verdict from runs where id > 4 order by id" >verdicts &&
	printf "allowed\nallowed\nallowed\n" >expect && test_cmp expect verdicts &&
	changelog-audit verify --db "$PG_URL" >out && test_grep "Runs intact  7" out
'

# The chain head is held by another transaction, so the hook waits in the
# middle of its own; then the postmaster is killed.
test_expect_success 'postmaster killed with SIGKILL during a push: on_error followed, nothing lost' '
	{ psql -X -q "$PG_URL" -c "begin" \
		-c "select 1 from chain_heads where chain = '\''fleet/app'\'' for update" \
		-c "select pg_sleep(30)" >/dev/null 2>&1 & } &&
	(cd a && good_commit app.c six && git push -q origin main 2>../err) &
	pusher=$! &&
	i=0 && while test $i -lt 100 &&
		test "$(psql_q "select count(*) from pg_stat_activity where application_name = '\''changeguard'\'' and wait_event_type = '\''Lock'\''")" != 1
	do sleep 0.1 && i=$((i + 1)) || return 1; done &&
	test $i -lt 100 &&
	kill -9 "$(pg_pid)" && wait $pusher &&
	test_grep "on_error is .warn.: the push goes ahead" err &&
	test_grep "1 run saved to" err &&
	i=0 && while ! pg_restart 2>/dev/null && test $i -lt 20; do
		sleep 0.5 && i=$((i + 1)) || return 1
	done &&
	push_good a seven &&
	test "$(runs_of fleet/app)" = 9 &&
	changelog-audit verify --db "$PG_URL" >out && test_grep "Runs intact  9" out
'

# The same runs in SQLite and, copied, in PostgreSQL give the same report
# (with each filter: PostgreSQL counts from its own report tables), verify
# and export, but for the database's name.
test_expect_success 'report, verify and export: the same from SQLite and PostgreSQL' '
	new_pair s && (cd s && good_commit x.c one && git push -q origin main &&
		bad_commit y.c two && test_must_fail git push -q origin main 2>/dev/null &&
		git checkout -q -b topic HEAD~1 &&
		bad_commit w.c three --author="Grace Hopper <grace@example.com>" \
			-m "Changelog-Skip: a comment only" && git push -q origin topic &&
		bad_commit v.c four && test_must_fail git push -q origin topic 2>/dev/null &&
		git checkout -q main) &&
	db=s.git/changeguard/audit.db &&
	changelog-audit copy --db $db --to "$PG_URL" --repository-id parity >out &&
	test_grep "copied 4 runs into repository .parity.; the chain verifies" out &&
	hour_ago=$(date -u -d "-1 hour" +%Y-%m-%dT%H:%M:%SZ) && today=$(date -u +%Y-%m-%d) &&
	for cmd in "report" "report --format json" "report --verdict blocked" \
		"report --since $today --format csv" "report --since $hour_ago --until $today" \
		"report --until $hour_ago" "report --hook pre-receive --verdict waived" \
		"report --ref refs/heads/topic" "report --author grace --format json" \
		"report --rule changelog --limit 1" "verify" "export" "export --format csv"; do
		SOURCE_DATE_EPOCH=1 changelog-audit $cmd --db $db >lite &&
		SOURCE_DATE_EPOCH=1 changelog-audit $cmd --db "$PG_URL" --repository-id parity >pg &&
		sed "s|$db|DB|" lite >lite.n && sed "s|postgresql://[^ \",]*|DB|" pg >pg.n &&
		test_cmp lite.n pg.n || return 1
	done &&
	test_must_fail changelog-audit copy --db $db --to "$PG_URL" --repository-id parity 2>err &&
	test_grep "already has 4 runs" err &&
	# a database set up before the report tables: report refuses, setup fills them
	psql_q "delete from keyed_runs where chain = '\''parity'\'';
		delete from daily where chain = '\''parity'\''" &&
	test_must_fail changelog-audit report --db "$PG_URL" --repository-id parity 2>err &&
	test_grep "report tables lack runs of .parity. up to 4" err &&
	# the hint, pasted as it is, brings them up to date
	sed -n "s/^hint: //p" err >hint.sh &&
	test "$(wc -l <hint.sh)" -eq 1 &&
	sh hint.sh 2>/dev/null &&
	SOURCE_DATE_EPOCH=1 changelog-audit report --db "$PG_URL" --repository-id parity \
		--rule changelog --limit 1 >pg &&
	SOURCE_DATE_EPOCH=1 changelog-audit report --db $db --rule changelog --limit 1 >lite &&
	sed "s|$db|DB|" lite >lite.n && sed "s|postgresql://[^ \",]*|DB|" pg >pg.n &&
	test_cmp lite.n pg.n
'

# del_run CHAIN ID: SQL that deletes the run and its items.
del_run() {
	for t in findings waivers push_commits push_refs push_options; do
		printf "delete from %s where chain = '%s' and run_id = %s;" $t "$1" "$2"
	done &&
	printf "delete from runs where chain = '%s' and id = %s;" "$1" "$2"
}

# verify_broken CHAIN SQL PATTERN: after SQL, verify of CHAIN exits 1 saying PATTERN.
verify_broken() {
	changelog-audit copy --db s.git/changeguard/audit.db --to "$PG_URL" --repository-id "$1" \
		>/dev/null && psql_q "$2" &&
	test_expect_code 1 changelog-audit verify --db "$PG_URL" --repository-id "$1" >out &&
	test_grep "$3" out
}

test_expect_success 'tampering in PostgreSQL: edit, delete, reorder, delete the newest' '
	(cd s && git reset -q --hard HEAD~1 && good_commit z.c three && git push -q origin main) &&
	verify_broken t-edit "update runs set verdict = '\''allowed'\'' where chain = '\''t-edit'\'' and id = 2" \
		"run 2: content does not match its hash" &&
	verify_broken t-del "$(del_run t-del 2)" "run 3: prev_hash is not" &&
	verify_broken t-order "update runs as r set time = o.time, hook = o.hook,
		repository = o.repository, ref = o.ref, old_oid = o.old_oid, new_oid = o.new_oid,
		commit_oid = o.commit_oid, author = o.author, committer = o.committer,
		pusher = o.pusher, verdict = o.verdict, duration_us = o.duration_us,
		prev_hash = o.prev_hash, hash = o.hash from runs as o
		where r.chain = '\''t-order'\'' and o.chain = r.chain and r.id in (1, 2)
		and o.id = 3 - r.id" "run 1: prev_hash is not the hash of the run before it" &&
	verify_broken t-tail "$(del_run t-tail 5)" \
		"the chain ends at run 4, whose hash is not the one its chain head"
'

test_expect_success 'no password in output, errors or rows' '
	secret_url="postgresql://audit:s3cr%65t@/changeguard?host=$PG_DIR&password=s3cret" &&
	test_must_fail changelog-audit verify --db "postgresql://audit:s3cret@/nodb?host=$PG_DIR" 2>err &&
	test_grep "audit:\*\*\*@/nodb" err &&
	test_must_fail changelog-audit report --db "host=$PG_DIR user=audit dbname=nodb password=s3cret" 2>>err &&
	test_grep "password=\*\*\*" err &&
	changelog-audit verify --db "$secret_url" --repository-id fleet/app >>err &&
	printf "audit:\n  url: \"%s\"\n  repository_id: fleet/app\n" "$secret_url" >a.git/changeguard.yml &&
	push_good a eight 2>>err &&
	test "$(runs_of fleet/app)" = 10 &&
	"$PG_BIN/pg_dump" -h "$PG_DIR" -U audit -a changeguard >dump &&
	test_grep "fleet/app" dump && test_grep ! "s3cr" dump && test_grep ! "s3cr" err
'

# docs/fleet.md's roles: the writer records, and cannot delete; the reader reports.
test_expect_success 'a writer and a reader with only the documented grants' '
	psql_q "create role cg_writer login; grant insert on runs, findings, waivers,
		push_commits, push_refs, push_options, fallback_imports, keyed_runs to cg_writer;
		grant select, insert, update on chain_heads, daily to cg_writer;
		grant select, insert on run_keys to cg_writer;
		create role cg_reader login; grant select on chain_heads, runs, findings,
		waivers, push_commits, push_refs, push_options, run_keys, keyed_runs,
		daily to cg_reader" &&
	writer="postgresql:///changeguard?host=$PG_DIR&user=cg_writer" &&
	printf "audit:\n  url: \"%s\"\n  repository_id: fleet/app\n" "$writer" >a.git/changeguard.yml &&
	push_good a nine &&
	test "$(runs_of fleet/app)" = 11 &&
	test_must_fail psql -X -q "$writer" -c "delete from runs" 2>err &&
	test_grep "permission denied for table runs" err &&
	changelog-audit report --db "postgresql:///changeguard?host=$PG_DIR&user=cg_reader" \
		--repository-id fleet/app >out &&
	test_grep "Runs per verdict" out
'

# Items go 500 to a statement: 1201 commits are three of them.
test_expect_success 'a push of 1201 commits: each one stored, the chain intact' '
	(cd a && long_history 1201 0 0 && git push -q origin main) &&
	test "$(psql_q "select count(*), max(seq) from push_commits where run_id = 12")" = "1201|1201" &&
	changelog-audit verify --db "$PG_URL" --repository-id fleet/app >out &&
	test_grep "Runs intact  12" out
'

test_done
