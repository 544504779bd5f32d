#!/bin/sh
# ctest-cost: 11 (seconds in the plain build: ctest -j starts the costliest first)
test_description='changeguard check: the staged change and revision ranges, text and JSON, exit codes'
. "$CG_SOURCE_DIR/tests/e2e/test-lib.sh"

SIGNOFF='Policy-Authorized-By: Lead <lead@example.com>'

# Asserts a Python expression over the JSON document in file $1 (as `d`).
json_check() {
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
assert eval(sys.argv[2]), sys.argv[2] + " is false for " + json.dumps(d, indent=1)' "$1" "$2"
}

# A history: base (tag), good (with entry), bad (no entry), waived.
history_repo() {
	new_repo "$1" && cd "$1" && git tag base &&
	echo a >a.c && add_entry "a" && git add a.c CHANGELOG.md && git commit -q -m good &&
	echo b >b.c && git add b.c && git commit -q --no-verify -m "bad: no entry" &&
	echo c >c.c && git add c.c && git commit -q -m waived --trailer "Changelog-Skip: generated code"
}

test_expect_success 'check --staged passes a clean index and a good change' '
	new_repo s1 && cd s1 &&
	changeguard check --staged >out && test_grep "the staged change is allowed" out &&
	echo x >x.c && add_entry x && git add x.c CHANGELOG.md &&
	changeguard check >out && test_grep "allowed" out
'

test_expect_success 'check --staged refuses a change without entry, as a final decision' '
	new_repo s2 && cd s2 &&
	echo x >x.c && git add x.c &&
	test_expect_code 1 changeguard check --staged >out &&
	test_grep "changeguard: the staged change refused: 1 problem" out &&
	test_grep "changelog: CHANGELOG.md: needs a new entry (for x.c)" out &&
	test_grep "hint: changeguard entry" out
'

test_expect_success 'check --staged --format json' '
	new_repo s3 && cd s3 &&
	echo x >x.c && echo "{}" >.mcp.json && git add x.c .mcp.json &&
	test_expect_code 1 changeguard check --staged --format json >out.json &&
	json_check out.json "d[\"version\"] == 1 and d[\"target\"] == \"staged\"" &&
	json_check out.json "d[\"verdict\"] == \"blocked\" and d[\"counts\"][\"blocked\"] == 1" &&
	json_check out.json "d[\"results\"][0][\"commit\"] == \"staged\" and d[\"results\"][0][\"subject\"] is None" &&
	json_check out.json "sorted(f[\"rule\"] for f in d[\"results\"][0][\"findings\"]) == [\"changelog\", \"protect:mcp\"]" &&
	json_check out.json "[f[\"waiver\"] for f in d[\"results\"][0][\"findings\"] if f[\"rule\"] == \"protect:mcp\"] == [\"MCP-Authorized-By\"]" &&
	json_check out.json "d[\"policy\"][\"source\"] == \"(built-in defaults)\" and len(d[\"policy\"][\"sha256\"]) == 64"
'

test_expect_success 'check --staged --message counts the trailers of the message' '
	new_repo s4 && cd s4 &&
	echo x >x.c && echo "{}" >.mcp.json && add_entry x && git add x.c .mcp.json CHANGELOG.md &&
	printf "add mcp\n\n# a comment\n" >msg &&
	test_expect_code 1 changeguard check --staged --message msg >out &&
	test_grep "protect:mcp: .mcp.json: protected path changed without sign-off" out &&
	printf "add mcp\n\nMCP-Authorized-By: Lead <lead@example.com>\n" >msg &&
	changeguard check --message msg --format json >out.json &&
	json_check out.json "d[\"verdict\"] == \"allowed\"" &&
	json_check out.json "d[\"results\"][0][\"waivers\"][0][\"authorizer\"] == \"Lead <lead@example.com>\"" &&
	test_expect_code 2 changeguard check --message missing-file 2>err &&
	test_expect_code 2 changeguard check --message msg HEAD 2>err
'

test_expect_success 'check on a range: the bad commit fails it, good and waived pass' '
	history_repo h1 &&
	test_expect_code 1 changeguard check base..HEAD >out &&
	test_grep "commit [0-9a-f]* .bad: no entry. refused: 1 problem" out &&
	test_grep "3 commits checked, 1 refused" out &&
	changeguard check base..HEAD~2 >out && test_grep "1 commit checked, 0 refused" out &&
	changeguard check HEAD~1..HEAD >out && test_grep "1 commit checked, 0 refused" out
'

test_expect_success 'check on a range, as JSON' '
	history_repo h2 &&
	test_expect_code 1 changeguard check --format=json base..HEAD >out.json &&
	json_check out.json "d[\"target\"] == \"range\" and d[\"verdict\"] == \"blocked\"" &&
	json_check out.json "d[\"counts\"] == {\"checked\": 3, \"allowed\": 1, \"waived\": 1, \"blocked\": 1}" &&
	json_check out.json "[r[\"subject\"] for r in d[\"results\"]] == [\"good\", \"bad: no entry\", \"waived\"]" &&
	json_check out.json "[r[\"verdict\"] for r in d[\"results\"]] == [\"allowed\", \"blocked\", \"waived\"]" &&
	json_check out.json "d[\"results\"][2][\"waivers\"][0][\"reason\"] == \"generated code\"" &&
	json_check out.json "d[\"results\"][1][\"author\"] == \"A U Thor <author@example.com>\"" &&
	git rev-parse HEAD >expect && python3 -c "import json; print(json.load(open(\"out.json\"))[\"results\"][2][\"commit\"])" >actual &&
	test_cmp expect actual
'

test_expect_success 'rev-list style arguments: ^A B and A...B' '
	history_repo h3 &&
	test_expect_code 1 changeguard check ^base HEAD >out &&
	test_grep "3 commits checked" out &&
	git checkout -q -b side base && echo s >s.c && add_entry s && git add s.c CHANGELOG.md &&
	git commit -q -m side &&
	test_expect_code 1 changeguard check main...side >out &&
	test_grep "4 commits checked, 1 refused" out
'

test_expect_success 'a range is judged by the policy of its base, not its own' '
	new_repo h4 && cd h4 && git tag base &&
	printf "changelog:\n  ignore: [\"**\"]\n" >.changeguard.yml && add_entry relax &&
	git add -A && git commit -q -m relax --trailer "$SIGNOFF" &&
	echo x >x.c && git add x.c && git commit -q -m "no entry" &&
	test_expect_code 1 changeguard check base..HEAD >out &&
	test_grep "no entry. refused" out &&
	changeguard check HEAD~1..HEAD >out &&
	test_grep "0 refused" out &&
	changeguard check --policy .changeguard.yml base..HEAD >out
'

test_expect_success 'an empty range checks nothing and passes' '
	history_repo h5 &&
	changeguard check HEAD..HEAD >out && test_grep "0 commits checked" out
'

test_expect_success 'usage errors exit 2' '
	history_repo h6 &&
	test_expect_code 2 changeguard check no-such-rev..HEAD 2>err &&
	test_grep "bad revision" err &&
	test_expect_code 2 changeguard check --format xml 2>err &&
	test_grep "text or json" err &&
	test_expect_code 2 changeguard check --staged HEAD 2>err &&
	test_expect_code 2 changeguard check --bogus 2>err &&
	test_grep "usage: changeguard check" err
'

test_expect_success 'a bad staged policy is exit 2 with FILE:LINE:COL' '
	new_repo h7 && cd h7 &&
	printf "changelog:\n  mdoe: root\n" >.changeguard.yml && git add .changeguard.yml &&
	test_expect_code 2 changeguard check 2>err &&
	test_grep ".changeguard.yml:2:3: unknown key" err
'

test_done
