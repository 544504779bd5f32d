#!/bin/sh
# ctest-cost: 18 (seconds in the plain build: ctest -j starts the costliest first)
test_description='changelog-audit report, verify and export on databases of real hook runs'
. "$CG_SOURCE_DIR/tests/e2e/test-lib.sh"

STRESS="$CG_BUILD_DIR/tests/cg-audit-stress"
SIGN='MCP-Authorized-By: Alice <alice@example.com>'

# Ten runs through the real hooks: each commit runs pre-commit (a finding a
# trailer can settle is deferred: "allowed") and, unless refused there,
# commit-msg. Run ids: 1-2 add a; 3-4 add b refused; 5-6 add b waived;
# 7-8 .mcp.json refused; 9-10 .mcp.json signed off.
make_local() {
	new_repo local && (
		cd local &&
		echo a >a.c && add_entry "add a" && git add -A && git commit -q -m "add a" &&
		echo b >b.c && git add b.c && test_must_fail git commit -q -m "add b" 2>/dev/null &&
		git commit -q -m "add b" --trailer "Changelog-Skip: generated file" 2>/dev/null &&
		echo "{}" >.mcp.json && add_entry "mcp" && git add -A &&
		test_must_fail git commit -q -m "mcp" 2>/dev/null &&
		git commit -q -m mcp --trailer "$SIGN" 2>/dev/null
	)
}

# check_json FILE: runs the python on stdin with `doc` (FILE parsed), with
# `rows(section, *keys)` giving a list's rows reduced to `keys`.
check_json() {
	cat >check.py &&
	python3 - "$1" <<-\EOF
	import json, sys
	doc = json.load(open(sys.argv[1]))
	def rows(section, *keys):
	    return [tuple(r[k] for k in keys) for r in doc[section]]
	exec(open("check.py").read())
	EOF
}

# check_csv FILE: likewise with `rows(section, *keys)` from the CSV.
check_csv() {
	cat >check.py &&
	python3 - "$1" <<-\EOF
	import csv, sys
	with open(sys.argv[1], newline="") as f:
	    raw = f.read()
	assert raw.endswith("\r\n"), "RFC 4180 lines end with CRLF"
	table = list(csv.DictReader(raw.splitlines(keepends=True)))
	def rows(section, *keys):
	    return [tuple(r[k] for k in keys) for r in table if r["section"] == section]
	exec(open("check.py").read())
	EOF
}

test_expect_success 'setup: runs of the local hooks' '
	make_local &&
	test -f local/.git/changeguard/audit.db
'

test_expect_success 'report (json): totals, rules, blocked runs, waivers, protected paths' '
	(cd local && changelog-audit --format json >../out.json) &&
	check_json out.json <<-\EOF
	assert doc["format"] == "changeguard-report/1"
	assert doc["report"] == "audit"
	assert doc["parameters"]["database"].endswith("local/.git/changeguard/audit.db")
	assert doc["summary"] == {"runs": 10, "allowed": 7, "waived": 1, "blocked": 2, "error": 0}, doc["summary"]
	assert rows("rules", "rule", "runs", "findings", "waivers") == [
	    ("changelog", 3, 3, 1), ("protect:mcp", 3, 3, 1)], doc["rules"]
	assert [t["runs"] for t in doc["timeline"]] == [10]
	assert rows("blocked", "id", "hook", "rule", "path", "commit", "author") == [
	    (8, "commit-msg", "protect:mcp", ".mcp.json", "staged", "A U Thor <author@example.com>"),
	    (4, "commit-msg", "changelog", "CHANGELOG.md", "staged", "A U Thor <author@example.com>")]
	assert doc["blocked"][1]["detail"] == "needs a new entry (for b.c)"
	assert rows("waivers", "id", "verdict", "rule", "source", "name", "reason", "authorizer") == [
	    (6, "waived", "changelog", "trailer", "Changelog-Skip", "generated file", None)]
	assert rows("protected", "id", "hook", "verdict", "path", "signed_off", "authorizer", "pusher") == [
	    (10, "commit-msg", "allowed", ".mcp.json", True, "Alice <alice@example.com>", None),
	    (9, "pre-commit", "allowed", ".mcp.json", False, None, None),
	    (8, "commit-msg", "blocked", ".mcp.json", False, None, None),
	    (7, "pre-commit", "allowed", ".mcp.json", False, None, None)]
	assert doc["truncated"] == []
	EOF
'

test_expect_success 'report filters: hook, verdict, rule, author, time' '
	(cd local &&
	 changelog-audit --format json --hook commit-msg >../hook.json &&
	 changelog-audit --format json --verdict waived >../verdict.json &&
	 changelog-audit --format json --rule changelog --hook=commit-msg >../rule.json &&
	 changelog-audit --format json --author "Nobody" >../author.json &&
	 changelog-audit --format json --since "$(now_utc "+1 day")" >../future.json &&
	 changelog-audit --format json --until "$(date -u +%Y-%m-%d)" >../today.json) &&
	check_json hook.json <<-\EOF &&
	assert doc["summary"] == {"runs": 5, "allowed": 2, "waived": 1, "blocked": 2, "error": 0}
	assert doc["parameters"]["hook"] == "commit-msg"
	assert rows("protected", "id", "signed_off") == [(10, True), (8, False)]
	EOF
	check_json verdict.json <<-\EOF &&
	assert doc["summary"]["runs"] == 1 and doc["blocked"] == [] and doc["protected"] == []
	assert rows("waivers", "id") == [(6,)]
	EOF
	check_json rule.json <<-\EOF &&
	assert doc["summary"] == {"runs": 2, "allowed": 0, "waived": 1, "blocked": 1, "error": 0}
	assert rows("blocked", "id") == [(4,)]
	EOF
	check_json author.json <<-\EOF &&
	assert doc["summary"]["runs"] == 0 and doc["timeline"] == [] and doc["rules"] == []
	EOF
	check_json future.json <<-\EOF &&
	assert doc["summary"]["runs"] == 0
	assert doc["parameters"]["since"].endswith("Z")
	EOF
	check_json today.json <<-\EOF
	assert doc["summary"]["runs"] == 10
	EOF
'

test_expect_success 'report (csv): one header row, sections, RFC 4180' '
	(cd local && changelog-audit --format=csv --output ../out.csv) &&
	check_csv out.csv <<-\EOF
	assert rows("summary", "runs", "allowed", "waived", "blocked", "error") == [("10", "7", "1", "2", "0")]
	assert rows("rules", "rule", "findings") == [("changelog", "3"), ("protect:mcp", "3")]
	assert rows("blocked", "id", "rule", "path") == [("8", "protect:mcp", ".mcp.json"), ("4", "changelog", "CHANGELOG.md")]
	assert rows("waivers", "id", "reason", "authorizer") == [("6", "generated file", "")]
	assert rows("protected", "id", "signed_off", "authorizer") == [
	    ("10", "true", "Alice <alice@example.com>"), ("9", "false", ""), ("8", "false", ""), ("7", "false", "")]
	detail = rows("protected", "detail")[1][0]
	assert "sign-off; the ${q}mcp${q} group" .replace("${q}", chr(39)) in detail, detail
	EOF
'

test_expect_success 'report (text): aligned, at most 80 columns, no colour when piped' '
	(cd local && changelog-audit >../out.txt) &&
	awk "length(\$0) > 80 { print; bad = 1 } END { exit bad }" out.txt &&
	test_grep ! "$(printf "\033")" out.txt &&
	test_grep "^  Blocked  2$" out.txt &&
	test_grep "^     8  [0-9-]* [0-9:]*  commit-msg          staged      A U Thor" out.txt &&
	test_grep "^    changelog: CHANGELOG.md: needs a new entry (for b.c)$" out.txt &&
	test_grep "^    changelog: Changelog-Skip: generated file$" out.txt &&
	test_grep "^    10  [0-9-]* [0-9:]*  -               yes         Alice <alice@example.com>$" out.txt
'

test_expect_success 'report (markdown): tables with escaped cells' '
	(cd local && changelog-audit --format markdown >../out.md) &&
	test_grep "^## Blocked runs$" out.md &&
	test_grep "^| Run | Time (UTC) | Hook | Ref | Commit | Author | Pusher | Verdict | Push | Rule | Path | Finding |$" out.md &&
	test_grep "^|---:|---|---|---|---|---|---|---|---|---|---|---|$" out.md &&
	test_grep "^| 4 | [^|]* | commit-msg |  | staged | A U Thor &lt;author@example.com&gt; |  | blocked |  | changelog | CHANGELOG.md | needs a new entry (for b.c) |$" out.md &&
	test_grep "^| Blocked | 2 |$" out.md
'

test_expect_success 'report (html): one self-contained file' '
	(cd local && changelog-audit --format html --output ../out.html) &&
	test_grep "^<!DOCTYPE html>" out.html &&
	test_grep "<svg class=\"chart\"" out.html &&
	test_grep ! "src=" out.html && test_grep ! "href=" out.html
'

test_expect_success 'the server: pushes with their pusher and sign-offs' '
	git init -q --bare srv.git && install_hook_file pre-receive srv.git/hooks/pre-receive &&
	git clone -q srv.git client 2>/dev/null && (
		cd client &&
		printf "# Changelog\n\n- %s x: first\n" "$(now_utc)" >CHANGELOG.md &&
		git add . && git commit -q --no-verify -m first &&
		USER=pusher git push -q origin HEAD:main 2>/dev/null &&
		echo "{}" >.mcp.json && add_entry "mcp" && git add -A &&
		git commit -q --no-verify -m mcp --trailer "$SIGN" &&
		USER=ops git push -q origin HEAD:main 2>/dev/null &&
		echo x >x.c && git add x.c && git commit -q --no-verify -m "no entry" &&
		USER=ops test_must_fail git push -q origin HEAD:main 2>/dev/null
	) &&
	changelog-audit --db srv.git/changeguard/audit.db --format json --ref refs/heads/main >srv.json &&
	check_json srv.json <<-\EOF
	assert doc["summary"] == {"runs": 3, "allowed": 2, "waived": 0, "blocked": 1, "error": 0}, doc["summary"]
	assert rows("protected", "id", "hook", "path", "signed_off", "authorizer", "pusher", "ref", "push") == [
	    (2, "pre-receive", ".mcp.json", True, "Alice <alice@example.com>", "ops", "refs/heads/main",
	     "accepted")]
	assert len(doc["protected"][0]["commit"]) == 40
	assert rows("blocked", "id", "rule", "path", "pusher") == [(3, "changelog", "CHANGELOG.md", "ops")]
	EOF
'

test_expect_success 'the server: one push of several commits is one run, listed per commit' '
	git init -q --bare srv2.git && install_hook_file pre-receive srv2.git/hooks/pre-receive &&
	git clone -q srv2.git client2 2>/dev/null && (
		cd client2 &&
		printf "# Changelog\n\n- %s x: first\n" "$(now_utc)" >CHANGELOG.md &&
		git add . && git commit -q --no-verify -m first &&
		echo x >x.c && git add x.c &&
		git commit -q --no-verify --author "Dan <dan@example.com>" -m "no entry" &&
		echo "{}" >.mcp.json && add_entry "mcp" && git add -A &&
		git commit -q --no-verify --author "Eve <eve@example.com>" -m mcp --trailer "$SIGN" &&
		git rev-parse HEAD~1 HEAD >../pushed &&
		USER=ops test_must_fail git push -q origin HEAD:main 2>/dev/null
	) &&
	changelog-audit --db srv2.git/changeguard/audit.db --format json >srv2.json &&
	check_json srv2.json <<-\EOF &&
	bad, mcp = open("pushed").read().split()
	assert doc["summary"] == {"runs": 1, "allowed": 0, "waived": 0, "blocked": 1, "error": 0}, doc["summary"]
	assert rows("blocked", "id", "commit", "author", "verdict", "rule", "path", "pusher") == [
	    (1, bad, "Dan <dan@example.com>", "blocked", "changelog", "CHANGELOG.md", "ops")], doc["blocked"]
	assert rows("protected", "id", "commit", "author", "path", "signed_off", "authorizer", "pusher", "ref", "push") == [
	    (1, mcp, "Eve <eve@example.com>", ".mcp.json", True, "Alice <alice@example.com>", "ops",
	     "refs/heads/main", "refused")], doc["protected"]
	assert rows("blocked", "push") == [("refused",)], doc["blocked"]
	EOF
	changelog-audit --db srv2.git/changeguard/audit.db --format csv >srv2.csv &&
	check_csv srv2.csv <<-\EOF &&
	assert rows("protected", "signed_off", "push") == [("true", "refused")]
	EOF
	changelog-audit --db srv2.git/changeguard/audit.db --format markdown >srv2.md &&
	test_grep "^| 1 | [^|]* | pre-receive | refs/heads/main | [0-9a-f]* | Eve &lt;eve@example.com&gt; | ops | allowed | refused | protect:mcp | .mcp.json | yes |" srv2.md &&
	changelog-audit --db srv2.git/changeguard/audit.db --format html >srv2.html &&
	test_grep "<td[^>]*>refused</td>" srv2.html &&
	changelog-audit --db srv2.git/changeguard/audit.db >srv2.txt &&
	test_grep "^    push refused: protect:mcp: .mcp.json$" srv2.txt &&
	changelog-audit --db srv2.git/changeguard/audit.db --format json --author eve@ >eve.json &&
	check_json eve.json <<-\EOF &&
	assert doc["summary"]["runs"] == 1, doc["summary"]
	EOF
	changelog-audit verify --db srv2.git/changeguard/audit.db >verify.txt &&
	changelog-audit export --db srv2.git/changeguard/audit.db >export.jsonl &&
	python3 - <<-\EOF
	import json
	run, = [json.loads(l) for l in open("export.jsonl")]
	bad, mcp = open("pushed").read().split()
	assert len(run["commits"]) == 3 and run["commits"][1]["commit"] == bad
	assert {c["commit"]: c["verdict"] for c in run["commits"]}[bad] == "blocked"
	assert {c["commit"]: c["author"] for c in run["commits"]}[mcp] == "Eve <eve@example.com>"
	assert [f["commit"] for f in run["findings"]] == [bad]
	assert run["refs"] == [{"ref": "refs/heads/main", "old_oid": "0" * 40, "new_oid": mcp,
	                        "outcome": "refused"}]
	assert run["hash_version"] == 3
	EOF
'

test_expect_success 'volume: a database of stress runs, with --limit' '
	"$STRESS" stress.db 400 &&
	changelog-audit --db stress.db --format json --limit 10 >vol.json &&
	check_json vol.json <<-\EOF
	assert doc["summary"] == {"runs": 400, "allowed": 100, "waived": 100, "blocked": 100, "error": 100}
	assert rows("rules", "rule", "runs", "findings", "waivers") == [("changelog", 400, 400, 134)]
	assert len(doc["blocked"]) == 10 and doc["blocked"][0]["id"] == 398
	assert len(doc["waivers"]) == 10 and doc["waivers"][0]["id"] == 400
	assert doc["truncated"] == ["blocked", "waivers"], doc["truncated"]
	assert doc["parameters"]["limit"] == 10
	EOF
'

test_expect_success 'volume: text says what --limit left out' '
	changelog-audit --db stress.db --limit 3 >vol.txt &&
	test_grep "^  (only the newest 3 are shown; --limit 0 shows all)$" vol.txt &&
	changelog-audit --db stress.db --limit 0 --format csv >all.csv &&
	check_csv all.csv <<-\EOF
	assert len(rows("blocked", "id")) == 100 and len(rows("waivers", "id")) == 134
	EOF
'

test_expect_success 'verify: an intact chain' '
	changelog-audit verify --db stress.db >verify.txt &&
	test_grep "^  Intact *yes$" verify.txt &&
	test_grep "^  Runs intact *400$" verify.txt &&
	(cd local && changelog-audit verify --format json >../verify.json) &&
	check_json verify.json <<-\EOF
	assert doc["report"] == "verify"
	assert doc["chain"]["intact"] is True and doc["chain"]["runs_checked"] == 10
	assert doc["chain"]["first_bad_id"] is None
	EOF
'

test_expect_success 'verify: an edited run is named, exit 1' '
	cp stress.db edited.db &&
	sqlite3 edited.db "UPDATE runs SET verdict = '\''allowed'\'' WHERE id = 42" &&
	test_expect_code 1 changelog-audit verify --db edited.db >verify.txt &&
	test_grep "^  First broken run *42$" verify.txt &&
	test_grep "run 42: content does not match its hash" verify.txt &&
	test_expect_code 1 changelog-audit verify --db edited.db --format csv >verify.csv &&
	check_csv verify.csv <<-\EOF
	assert rows("chain", "intact", "runs_checked", "first_bad_id") == [("false", "41", "42")]
	EOF
'

test_expect_success 'verify: a deleted run breaks the chain at the next one' '
	cp stress.db deleted.db &&
	sqlite3 deleted.db "DELETE FROM findings WHERE run_id = 7; DELETE FROM waivers WHERE run_id = 7; DELETE FROM runs WHERE id = 7" &&
	test_expect_code 1 changelog-audit verify --db deleted.db --format json >verify.json &&
	check_json verify.json <<-\EOF
	assert doc["chain"]["first_bad_id"] == 8 and doc["chain"]["intact"] is False
	assert "run 8: prev_hash" in doc["chain"]["problem"]
	EOF
'

# add_c REPO: one more commit through the hooks (runs 11 and 12).
add_c() {
	(cd "$1" && echo c >c.c && add_entry "add c" && git add -A && git commit -q -m "add c")
}

test_expect_success 'verify: edited report summaries are found; the rebuild it gives works' '
	cp -R local summaries && db=summaries/.git/changeguard/audit.db &&
	sqlite3 $db "UPDATE run_keys SET verdict = '\''allowed'\'' WHERE verdict = '\''blocked'\''" &&
	test_expect_code 1 changelog-audit verify --db $db --format json >verify.json &&
	check_json verify.json <<-\EOF &&
	chain = doc["chain"]
	assert chain["intact"] is False and chain["runs_checked"] == 10, chain
	assert chain["first_bad_id"] == 4, chain
	assert "run 4: its report summary does not match it" in chain["problem"], chain
	EOF
	sqlite3 $db "UPDATE run_keys SET verdict = '\''blocked'\'' WHERE id IN (SELECT key_id FROM keyed_runs WHERE run_id IN (4, 8));
		UPDATE daily SET findings = findings + 1 WHERE rule = '\''protect:mcp'\''" &&
	test_expect_code 1 changelog-audit verify --db $db --format json >verify.json &&
	check_json verify.json <<-\EOF &&
	chain = doc["chain"]
	assert chain["first_bad_id"] is None, chain
	assert "the report counts of " in chain["problem"], chain
	assert "DELETE FROM daily; DELETE FROM keyed_runs; DELETE FROM run_keys" in chain["problem"]
	EOF
	sqlite3 $db "DELETE FROM daily; DELETE FROM keyed_runs; DELETE FROM run_keys" &&
	add_c summaries &&
	changelog-audit verify --db $db >verify.txt &&
	test_grep "^  Runs intact *12$" verify.txt
'

test_expect_success 'a schema 2 database: reports wait, the next hook run migrates it' '
	cp -R local old && db=old/.git/changeguard/audit.db &&
	sqlite3 $db "DROP TABLE daily; DROP TABLE keyed_runs; DROP TABLE run_keys;
		CREATE INDEX runs_time ON runs (time, verdict);
		CREATE INDEX runs_author ON runs (author, time);
		CREATE INDEX findings_rule ON findings (rule, run_id);
		ALTER TABLE push_refs DROP COLUMN outcome;
		PRAGMA user_version = 2" &&
	test_expect_code 3 changelog-audit --db $db 2>err &&
	test_grep "schema version 2, not 4 (the next recorded run migrates it)" err &&
	add_c old &&
	test "$(sqlite3 $db "PRAGMA user_version")" = 4 &&
	test "$(sqlite3 $db "SELECT count(*) FROM sqlite_master WHERE name IN
		('\''runs_time'\'', '\''runs_author'\'', '\''findings_rule'\'')")" = 0 &&
	changelog-audit verify --db $db >/dev/null &&
	(cd old && changelog-audit --format json >../old.json) &&
	(cd summaries && changelog-audit --format json >../rebuilt.json) &&
	python3 - old.json rebuilt.json <<-\EOF
	import json, sys
	old, rebuilt = (json.load(open(f)) for f in sys.argv[1:])
	for doc in (old, rebuilt):
	    del doc["parameters"]["database"], doc["generated"]
	    for section in ("blocked", "waivers", "protected"):
	        for row in doc[section]:
	            del row["time"]
	assert old == rebuilt, (old, rebuilt)
	assert old["summary"] == {"runs": 12, "allowed": 9, "waived": 1, "blocked": 2, "error": 0}
	EOF
'

test_expect_success 'export: JSON lines by default, filtered, or a table' '
	changelog-audit export --db stress.db >export.jsonl &&
	test_line_count() { test "$(wc -l <"$2")" -eq "$1"; } &&
	test_line_count 400 export.jsonl &&
	(cd local && changelog-audit export --hook commit-msg >../local.jsonl) &&
	python3 - local.jsonl <<-\EOF &&
	import json, sys
	runs = [json.loads(line) for line in open(sys.argv[1])]
	assert [r["id"] for r in runs] == [2, 4, 6, 8, 10]
	assert runs[4]["waivers"][0]["authorizer"] == "Alice <alice@example.com>"
	assert all(len(r["hash"]) == 64 for r in runs)
	EOF
	(cd local && changelog-audit export --format csv >../export.csv) &&
	check_csv export.csv <<-\EOF
	assert [r[0] for r in rows("runs", "id")] == [str(i) for i in range(1, 11)]
	assert rows("runs", "verdict", "findings")[3] == ("blocked", "1")
	EOF
'

test_expect_success 'usage errors exit 2 with the usage on stderr' '
	test_expect_code 2 changelog-audit --bogus 2>err &&
	test_grep "error: unknown option .--bogus." err &&
	test_grep "^usage: changelog-audit \[report\]" err &&
	test_expect_code 2 changelog-audit verify --since 2026-01-01 --db x 2>err &&
	test_grep "unknown option .--since" err &&
	test_expect_code 2 changelog-audit frobnicate 2>err &&
	test_grep "unknown command .frobnicate." err &&
	test_expect_code 2 changelog-audit --format xml --db stress.db 2>err &&
	test_grep "unknown format .xml." err &&
	test_expect_code 2 changelog-audit --since 2026-11-20T10:00:00+01:00 --db stress.db 2>err &&
	test_grep "must be UTC, ending in Z" err &&
	test_expect_code 2 changelog-audit --until yesterday --db stress.db 2>err &&
	test_expect_code 2 changelog-audit --limit -1 --db stress.db 2>err &&
	test_expect_code 2 changelog-audit report extra --db stress.db 2>err &&
	test_grep "unexpected argument .extra." err &&
	test_expect_code 2 changelog-audit --db 2>err &&
	test_grep "needs a value" err
'

test_expect_success '--help on every command, on stdout' '
	for c in report history verify export; do
		changelog-audit $c --help >help || return 1
		test_grep "^usage: changelog-audit " help || return 1
	done &&
	changelog-audit --help >help && test_grep "^   history " help &&
	changelog-audit --version >v && test_grep "^changelog-audit [0-9]" v
'

test_expect_success 'runtime errors exit 3: no database, not a database' '
	test_expect_code 3 changelog-audit --db nowhere.db 2>err &&
	test_grep "no audit database yet" err &&
	echo "not sqlite" >junk.db &&
	test_expect_code 3 changelog-audit verify --db junk.db 2>err &&
	mkdir norepo && (cd norepo && GIT_CEILING_DIRECTORIES="$TRASH_DIRECTORY" &&
		export GIT_CEILING_DIRECTORIES &&
		test_expect_code 3 changelog-audit 2>../err) &&
	test_grep "not in a git repository; name the database with --db" err
'

test_expect_success '--output leaves no file behind on failure' '
	test_expect_code 3 changelog-audit --db nowhere.db --output gone.html &&
	test ! -e gone.html
'

test_done
