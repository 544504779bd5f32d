#!/bin/sh
test_description='the audit trail outside the database: syslog lines for a SIEM, a witness of chain heads, and verify telling deleted or rewritten runs'
. "$CG_SOURCE_DIR/tests/e2e/test-lib.sh"
. "$CG_SOURCE_DIR/tests/e2e/lib-pre-receive.sh"

# listen SOCKET OUT N: a syslog daemon stand-in, in the background: takes N
# datagrams on the Unix socket SOCKET (20 s at most), one line each in OUT.
listen() {
	python3 - "$@" <<-\EOF &
	import socket, sys
	path, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
	s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
	s.bind(path)
	s.settimeout(20)
	with open(out, "w") as f:
	    for _ in range(n):
	        f.write(s.recv(65536).decode("utf-8") + "\n")
	        f.flush()
	EOF
	listener=$! &&
	tries=0 &&
	while ! test -S "$1" && test $tries -lt 200; do sleep 0.05 && tries=$((tries + 1)) || return 1; done &&
	test -S "$1"
}

# parse_syslog OUT: checks every line of OUT as RFC 5424 with our
# structured data, then runs the Python on stdin with `lines`, a list of
# (pri, hostname, app, msgid, params, msg).
parse_syslog() {
	cat >"$TRASH_DIRECTORY/parse.py" <<-\EOF &&
	import re, sys
	value = r'"((?:[^"\\\]]|\\.)*)"'
	head = re.compile(r"^<(\d{1,3})>1 (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) (\S+) (\S+) (\d+) (\S+)"
	                  r" \[changeguard@32473((?: [a-z]+=" + value + r")*)\] (.*)$")
	lines = []
	for text in open(sys.argv[1]).read().splitlines():
	    m = head.match(text)
	    assert m, text
	    params = {k: re.sub(r"\\(.)", r"\1", v) for k, v in re.findall(" ([a-z]+)=" + value, m.group(7))}
	    lines.append((int(m.group(1)), m.group(3), m.group(4), m.group(6), params, m.group(9)))
	exec(sys.stdin.read())
	EOF
	python3 "$TRASH_DIRECTORY/parse.py" "$1"
}

test_expect_success 'syslog: one RFC 5424 line per push, escaped, with the run hash' '
	new_pair w && cd w &&
	server_policy ../w.git <<-EOF &&
	audit:
	  witness: changeguard/witness
	  syslog: $TRASH_DIRECTORY/log.sock
	EOF
	listen "$TRASH_DIRECTORY/log.sock" "$TRASH_DIRECTORY/syslog.out" 2 &&
	good_commit a.c "code" && git push -q origin main &&
	bad_commit b.c "no entry" &&
	USER="o\"p]s\\x" refused_push origin main &&
	wait $listener &&
	audit_query ../w.git "select id, hash from runs order by id" >../runs &&
	parse_syslog "$TRASH_DIRECTORY/syslog.out" <<-\EOF
	runs = [l.split() for l in open("../runs")]
	assert len(lines) == 2 and len(runs) == 2, (lines, runs)
	(pri, host, app, msgid, p, msg), (pri2, _, _, _, p2, msg2) = lines
	assert pri == 13 * 8 + 6 and pri2 == 13 * 8 + 4, (pri, pri2)
	assert app == "changeguard" and msgid == "pre-receive", lines
	assert p["hook"] == "pre-receive" and p["verdict"] == "allowed", p
	assert p["repository"].endswith("/w.git/"), p
	assert p["pusher"] == "pusher" and "rules" not in p, p
	assert [p["run"], p["hash"]] == runs[0], (p, runs)
	assert p2["verdict"] == "blocked" and p2["rules"] == "changelog", p2
	assert p2["pusher"] == "o\"p]s\\x", p2
	assert [p2["run"], p2["hash"]] == runs[1], (p2, runs)
	assert msg2 == "pre-receive blocked in " + p2["repository"], msg2
	EOF
'

test_expect_success 'syslog and witness failures are warnings; the push goes ahead' '
	new_pair f && cd f &&
	server_policy ../f.git <<-EOF &&
	audit:
	  witness: $TRASH_DIRECTORY/no/such/dir/witness
	  syslog: $TRASH_DIRECTORY/nobody-listens.sock
	EOF
	good_commit a.c "code" && git push origin main 2>../err &&
	test "$(ref_of ../f.git main)" = "$(git rev-parse HEAD)" &&
	test_grep "cannot send the run to syslog at .*nobody-listens.sock" ../err &&
	test_grep "cannot write the audit witness" ../err &&
	test "$(audit_query ../f.git "select count(*) from runs")" = 1
'

test_expect_success 'the witness: one line per recorded run; verify --witness agrees' '
	cd w &&
	test_line_count() { test "$(wc -l <"$2")" -eq "$1"; } &&
	test_line_count 2 ../w.git/changeguard/witness &&
	audit_query ../w.git "select id, hash from runs order by id" >../runs &&
	cut -d" " -f1,2 ../w.git/changeguard/witness >../witnessed &&
	test_cmp ../runs ../witnessed &&
	changelog-audit verify --db ../w.git/changeguard/audit.db \
		--witness ../w.git/changeguard/witness --format json >../verify.json &&
	python3 -c "
import json; c = json.load(open(\"../verify.json\"))[\"chain\"]
assert c[\"intact\"] is True and c[\"witnessed\"] == 2 and c[\"problem\"] is None, c
"
'

# Each tampering on a copy of w.git's database; $db is the copy.
tamper() {
	cp ../w.git/changeguard/audit.db "$1" && db=$1 &&
	sqlite3 "$db" "$2"
}

delete_newest="DELETE FROM findings WHERE run_id = 2; DELETE FROM waivers WHERE run_id = 2;
	DELETE FROM push_commits WHERE run_id = 2; DELETE FROM push_refs WHERE run_id = 2;
	DELETE FROM push_options WHERE run_id = 2; DELETE FROM runs WHERE id = 2"

test_expect_success 'verify: the newest run deleted is never called intact; the witness names it' '
	cd w &&
	tamper ../deleted.db "$delete_newest" &&
	test_expect_code 1 changelog-audit verify --db $db --format csv >../verify.csv &&
	test_grep "^chain,${db},false,1,2,,,\"run 2 is in the report summaries but not among the runs: runs may have been deleted" ../verify.csv &&
	test_grep ! "intact)" ../verify.csv &&
	test_grep ! "DELETE FROM" ../verify.csv &&
	sqlite3 $db "DELETE FROM keyed_runs WHERE run_id = 2" &&
	test_expect_code 1 changelog-audit verify --db $db --format markdown >../verify.md &&
	test_grep "count 1 run more than the database holds: runs may have been deleted" ../verify.md &&
	test_grep ! "DELETE FROM" ../verify.md &&
	test_expect_code 1 changelog-audit verify --db $db --witness ../w.git/changeguard/witness \
		--format json >../verify.json &&
	python3 -c "
import json; c = json.load(open(\"../verify.json\"))[\"chain\"]
assert c[\"intact\"] is False and c[\"first_bad_id\"] == 2 and c[\"witnessed\"] == 1, c
assert \"run 2 is in the witness but not in the database (deleted)\" in c[\"problem\"], c
"
'

test_expect_success 'verify --witness: a rewritten newest run, with a valid chain, is named' '
	cd w &&
	tamper ../rewritten.db "$delete_newest; DELETE FROM daily; DELETE FROM keyed_runs;
		DELETE FROM run_keys" &&
	"$CG_BUILD_DIR/tests/cg-audit-stress" $db 1 &&
	changelog-audit verify --db $db >/dev/null &&
	test_expect_code 1 changelog-audit verify --db $db --witness ../w.git/changeguard/witness \
		--format json >../verify.json &&
	python3 -c "
import json; c = json.load(open(\"../verify.json\"))[\"chain\"]
assert c[\"first_bad_id\"] == 2 and c[\"witnessed\"] == 1, c
assert \"run 2 differs from its witnessed hash (rewritten)\" in c[\"problem\"], c
"
'

test_expect_success 'verify --witness: a truncated or cut witness is found' '
	cd w &&
	head -n 1 ../w.git/changeguard/witness >../short &&
	test_expect_code 1 changelog-audit verify --db ../w.git/changeguard/audit.db --witness ../short \
		--format csv >../verify.csv &&
	test_grep "run 2 is newer than the witness.s newest line (the witness was truncated" ../verify.csv &&
	head -c -10 ../w.git/changeguard/witness >../cut &&
	test_expect_code 1 changelog-audit verify --db ../w.git/changeguard/audit.db --witness ../cut \
		--format csv >../verify.csv &&
	test_grep "1 line of the witness is damaged (cut short or edited), the first is line 2" ../verify.csv &&
	test_expect_code 3 changelog-audit verify --db ../w.git/changeguard/audit.db --witness ../none 2>../err &&
	test_grep "cannot read the audit witness" ../err
'

test_done
