#!/bin/sh
# ctest-cost: 14 (seconds in the plain build: ctest -j starts the costliest first)
test_description='changelog-audit history over a known history, in every format'
. "$CG_SOURCE_DIR/tests/e2e/test-lib.sh"

SQ="'"

# at TIME NAME: the author and committer dates and the author of what follows.
at() {
	GIT_AUTHOR_DATE=$1 GIT_COMMITTER_DATE=$1 GIT_AUTHOR_NAME=$2 &&
	GIT_AUTHOR_EMAIL="$(echo "$2" | tr A-Z a-z)@example.com" &&
	export GIT_AUTHOR_DATE GIT_COMMITTER_DATE GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL
}

# entry FILE TEXT: a line "- TEXT" on top of FILE's entries.
entry() {
	{ sed -n 1,2p "$1" && printf -- "- %s\n" "$2" && sed 1,2d "$1"; } >"$1.new" && mv "$1.new" "$1"
}

commit() {
	git add -A && git commit -q --no-verify "$@"
}

# Thirteen commits, five violating: c3 lacks an entry, c4's is stale, c5's
# is not UTC, c6 rewrites an old one, c7 changes .mcp.json unsigned; c9 is
# waived; a merge of a topic branch; c11 only changes docs.
make_history() {
	git init -q hist && (
		cd hist && mkdir -p src/net docs tools &&
		printf "# Changelog\n\n" >CHANGELOG.md && printf "# Changelog\n\n" >src/net/CHANGELOG.md &&
		at 2026-09-01T10:00:00Z Ann &&
		entry CHANGELOG.md "2026-09-01T09:55:00Z ann: start" &&
		entry src/net/CHANGELOG.md "2026-09-01T09:55:00Z ann: start" &&
		echo "# readme" >README.md && echo 1 >lib.c && commit -m "c1 start" &&
		at 2026-09-02T10:00:00Z Bob &&
		echo 1 >src/net/sock.c && entry src/net/CHANGELOG.md "2026-09-02T09:58:00Z bob: sockets" &&
		commit -m "c2 net: sockets" &&
		at 2026-09-03T10:00:00Z Bob &&
		echo 2 >src/net/sock.c && commit -m "c3 net: retry, no entry" &&
		at 2026-09-04T10:00:00Z Ann &&
		echo 2 >lib.c && entry CHANGELOG.md "2026-09-01T12:00:00Z ann: stale" &&
		commit -m "c4 lib: stale entry" &&
		at 2026-09-05T10:00:00Z Ann &&
		echo 3 >lib.c && entry CHANGELOG.md "2026-09-05T11:59:00+02:00 ann: local time" &&
		commit -m "c5 lib: local time" &&
		at 2026-09-06T10:00:00Z Bob &&
		echo 4 >lib.c && sed -i "s/ann: start$/ann: started/" CHANGELOG.md &&
		entry CHANGELOG.md "2026-09-06T09:59:00Z bob: fix" && commit -m "c6 lib: rewrite" &&
		at 2026-10-01T10:00:00Z Carol &&
		echo "{}" >.mcp.json && entry CHANGELOG.md "2026-10-01T09:59:00Z carol: mcp" &&
		commit -m "c7 mcp: add server" &&
		at 2026-10-02T10:00:00Z Carol &&
		echo "{\"a\":1}" >.mcp.json && entry CHANGELOG.md "2026-10-02T09:59:00Z carol: mcp" &&
		commit -m "c8 mcp: signed" -m "MCP-Authorized-By: Alice <alice@example.com>" &&
		at 2026-10-03T10:00:00Z Dan &&
		echo 1 >tools/x.c && commit -m "c9 tools: vendor" -m "Changelog-Skip: vendored tool" &&
		git checkout -q -b topic &&
		at 2026-10-04T10:00:00Z Dan &&
		echo 1 >src/net/b.c && entry src/net/CHANGELOG.md "2026-10-04T09:59:00Z dan: topic" &&
		commit -m "t1 net: topic work" &&
		git checkout -q main &&
		at 2026-10-04T11:00:00Z Ann &&
		echo 5 >lib.c && entry CHANGELOG.md "2026-10-04T10:59:00Z ann: main" &&
		commit -m "c10 lib: main work" &&
		at 2026-10-05T10:00:00Z Dan &&
		git merge -q --no-ff --no-verify -m "merge topic" topic &&
		at 2026-11-01T10:00:00Z Ann &&
		echo "# guide" >docs/guide.md && commit -m "c11 docs: guide"
	)
}

# The subject's first word (c1, c3, ...) of each commit, by object id.
names() {
	git -C hist log --all --format="%H %s" >names
}

# check_json FILE: the python on stdin runs with `doc` (FILE parsed),
# `rows(section, *keys)` and `name` (object id to c1, c3, ...).
check_json() {
	cat >check.py &&
	python3 - "$1" <<-\EOF
	import json, sys
	doc = json.load(open(sys.argv[1]))
	name = {l.split()[0]: l.split()[1] for l in open("names")}
	def rows(section, *keys):
	    return [tuple(name.get(r[k], r[k]) if k == "commit" else r[k] for k in keys)
	            for r in doc[section]]
	exec(open("check.py").read())
	EOF
}

test_expect_success 'setup: a history with known violations' '
	make_history && names &&
	test "$(git -C hist rev-list --count HEAD)" = 13
'

test_expect_success 'history (json) exits 1 and counts everything' '
	(cd hist && test_expect_code 1 changelog-audit history --format json >../h.json) &&
	check_json h.json <<-\EOF
	assert doc["format"] == "changeguard-report/1" and doc["report"] == "history"
	p = doc["parameters"]
	assert p["range"] == "HEAD" and p["policy"] == "(built-in defaults)" and len(p["policy_sha256"]) == 64
	assert doc["summary"] == {"commits": 13, "compliant": 8, "waived": 1, "violating": 5,
	                          "compliance": 0.6154}, doc["summary"]
	assert rows("months", "month", "commits", "violating", "compliance") == [
	    ("2026-09", 6, 4, 0.3333), ("2026-10", 6, 1, 0.8333), ("2026-11", 1, 0, 1)], doc["months"]
	assert rows("directories", "directory", "changelog", "commits", "violating") == [
	    (".", "CHANGELOG.md", 7, 3), ("src/net", "src/net/CHANGELOG.md", 4, 1)], doc["directories"]
	assert rows("authors", "author", "commits", "violating") == [
	    ("Ann <ann@example.com>", 5, 2), ("Bob <bob@example.com>", 3, 2),
	    ("Carol <carol@example.com>", 2, 1), ("Dan <dan@example.com>", 3, 0)], doc["authors"]
	assert rows("rules", "rule", "commits", "findings") == [
	    ("changelog", 4, 7), ("protect:mcp", 1, 1)], doc["rules"]
	assert rows("violations", "commit", "rule", "path") == [
	    ("c7", "protect:mcp", ".mcp.json"),
	    ("c6", "changelog", "CHANGELOG.md"), ("c6", "changelog", "CHANGELOG.md"),
	    ("c5", "changelog", "CHANGELOG.md"), ("c5", "changelog", "CHANGELOG.md"),
	    ("c4", "changelog", "CHANGELOG.md"), ("c4", "changelog", "CHANGELOG.md"),
	    ("c3", "changelog", "src/net/CHANGELOG.md")], doc["violations"]
	details = [r["detail"] for r in doc["violations"]]
	# a rewritten entry is a new line (here too old) and a removed one
	assert "timestamp \x272026-09-01T09:55:00Z\x27 is older than max_age (1d)" in details[1], details[1]
	assert "an existing entry was removed or rewritten (append_only)" in details[2], details[2]
	assert "\x272026-09-05T11:59:00+02:00\x27 must be UTC, ending in Z" in details[3], details[3]
	assert details[4] == "needs a new entry (for lib.c)", details[4]
	assert "is older than max_age (1d)" in details[5], details[5]
	assert details[7] == "needs a new entry (for src/net/sock.c)", details[7]
	c3 = doc["violations"][7]
	assert c3["time"] == "2026-09-03T10:00:00Z" and c3["author"] == "Bob <bob@example.com>"
	assert c3["subject"] == "c3 net: retry, no entry"
	EOF
'

test_expect_success 'history (csv): the same numbers, RFC 4180' '
	(cd hist && test_expect_code 1 changelog-audit history --format csv --output ../h.csv) &&
	python3 - h.csv <<-\EOF
	import csv, sys
	with open(sys.argv[1], newline="") as f:
	    table = list(csv.DictReader(f))
	def rows(section, *keys):
	    return [tuple(r[k] for k in keys) for r in table if r["section"] == section]
	assert rows("summary", "commits", "violating", "compliance") == [("13", "5", "0.6154")]
	assert rows("directories", "directory", "commits", "violating", "compliance") == [
	    (".", "7", "3", "0.5714"), ("src/net", "4", "1", "0.75")]
	assert rows("authors", "author", "compliance")[3] == ("Dan <dan@example.com>", "1")
	assert [s for s, in rows("violations", "subject")] == [
	    "c7 mcp: add server", "c6 lib: rewrite", "c6 lib: rewrite", "c5 lib: local time",
	    "c5 lib: local time", "c4 lib: stale entry", "c4 lib: stale entry",
	    "c3 net: retry, no entry"]
	EOF
'

test_expect_success 'history (markdown): GitHub tables' '
	(cd hist && test_expect_code 1 changelog-audit history --format markdown >../h.md) &&
	python3 - h.md <<-\EOF
	import re, sys
	tables, title, rows = {}, None, []
	for line in open(sys.argv[1]).read().split("\n"):
	    if line.startswith("## "):
	        title, rows = line[3:], []
	        tables[title] = rows
	    elif line.startswith("|"):
	        cells = re.split(r"(?<!\\)\|", line)[1:-1]
	        rows.append([re.sub(r"\\(.)", r"\1", c.strip()).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&") for c in cells])
	d = tables["Per directory (by its CHANGELOG)"]
	assert d[0] == ["Directory", "Commits", "Violating", "Compliance", "CHANGELOG"], d[0]
	assert d[1] == ["---", "---:", "---:", "---:", "---"], d[1]
	assert d[2:] == [[".", "7", "3", "57.1%", "CHANGELOG.md"],
	                 ["src/net", "4", "1", "75.0%", "src/net/CHANGELOG.md"]], d[2:]
	a = tables["Per author"]
	assert a[2] == ["Ann <ann@example.com>", "5", "2", "60.0%"], a[2]
	s = dict(tables["Compliance"][2:])
	assert s["Commits"] == "13" and s["Compliance"] == "61.5%", s
	v = tables["Violating commits"]
	assert [r[3] for r in v[2:]][0] == "c7 mcp: add server"
	assert v[-1][6] == "needs a new entry (for src/net/sock.c)", v[-1]
	EOF
'

test_expect_success 'history (text): 80 columns, a line per finding under its commit' '
	(cd hist && test_expect_code 1 changelog-audit history >../h.txt) &&
	awk "length(\$0) > 80 { print; bad = 1 } END { exit bad }" h.txt &&
	test_grep "^  Compliance       61.5%$" h.txt &&
	test_grep "^src/net                                            4           1       75.0%$" h.txt &&
	test_grep "^Dan <dan@example.com>                              3           0      100.0%$" h.txt &&
	c4=$(git -C hist rev-parse --short=10 HEAD~8) &&
	grep -A4 "^$c4  2026-09-04 10:00  Ann <ann@example\.\.\.\.  c4 lib: stale entry$" h.txt >c4.txt &&
	cat >expect <<-EOF &&
	$c4  2026-09-04 10:00  Ann <ann@example....  c4 lib: stale entry
	    changelog: CHANGELOG.md: line 3: new entry timestamp ${SQ}2026-09-01T12:00:00Z${SQ}
	      is older than max_age (1d) before the commit time: - 2026-09-01T12:00:00Z
	      ann: stale
	    changelog: CHANGELOG.md: needs a new entry (for lib.c)
	EOF
	test_cmp expect c4.txt
'

test_expect_success 'colour only on a terminal, never with NO_COLOR' '
	(cd hist && test_expect_code 1 changelog-audit history >../plain.txt) &&
	test_grep ! "$(printf "\033")" plain.txt &&
	if command -v script >/dev/null; then
		(cd hist && test_expect_code 1 script -qec "changelog-audit history" /dev/null >../tty.txt) &&
		test_grep "$(printf "\033\\[1m")Compliance" tty.txt &&
		(cd hist && test_expect_code 1 env NO_COLOR=1 script -qec "changelog-audit history" /dev/null >../nocolor.txt) &&
		test_grep ! "$(printf "\033")" nocolor.txt
	fi
'

test_expect_success 'ranges, --since, --until and --author select the commits' '
	(cd hist &&
	 changelog-audit history HEAD~1..HEAD --format json >../r1.json &&
	 test_expect_code 1 changelog-audit history --since 2026-10-01 --until 2026-10-31 --format json >../r2.json &&
	 changelog-audit history --author Dan --format json >../r3.json &&
	 test_expect_code 1 changelog-audit history HEAD~9 ^HEAD~10 --format json >../r4.json &&
	 changelog-audit history main...topic --format json >../r5.json) &&
	check_json r1.json <<-\EOF &&
	assert doc["summary"]["commits"] == 1 and doc["parameters"]["range"] == "HEAD~1..HEAD"
	EOF
	check_json r2.json <<-\EOF &&
	assert (doc["summary"]["commits"], doc["summary"]["violating"]) == (6, 1)
	assert doc["parameters"]["since"] == "2026-10-01T00:00:00Z"
	assert doc["parameters"]["until"] == "2026-11-01T00:00:00Z"
	EOF
	check_json r3.json <<-\EOF &&
	assert doc["summary"]["commits"] == 3 and doc["summary"]["compliance"] == 1
	EOF
	check_json r4.json <<-\EOF &&
	assert rows("violations", "commit") == [("c3",)]
	EOF
	check_json r5.json <<-\EOF
	assert doc["summary"]["commits"] == 3
	EOF
'

test_expect_success 'a CHANGELOG set back to an older version and forward again is judged by its content' '
	git init -q back && (
		cd back && printf "# Changelog\n\n" >CHANGELOG.md &&
		at 2026-10-01T10:00:00Z Ann &&
		entry CHANGELOG.md "2026-10-01T09:59:00Z ann: one" && echo 1 >a.c && commit -m r1 &&
		cp CHANGELOG.md ../one.md &&
		at 2026-10-01T10:10:00Z Ann &&
		entry CHANGELOG.md "2026-10-01T10:09:00Z ann: two" && echo 2 >a.c && commit -m r2 &&
		cp CHANGELOG.md ../two.md &&
		at 2026-10-01T10:20:00Z Ann &&
		cp ../one.md CHANGELOG.md && echo 3 >a.c && commit -m "r3 drops two" &&
		at 2026-10-01T10:30:00Z Ann &&
		cp ../two.md CHANGELOG.md && echo 4 >a.c && commit -m "r4 two again" &&
		test_expect_code 1 changelog-audit history --format json >../back.json
	) &&
	python3 - <<-\EOF
	import json
	doc = json.load(open("back.json"))
	assert doc["summary"]["commits"] == 4, doc["summary"]
	assert sorted({v["subject"] for v in doc["violations"]}) == ["r3 drops two"], doc["violations"]
	EOF
'

test_expect_success 'a bad revision is a usage error' '
	(cd hist && test_expect_code 2 changelog-audit history no-such-rev 2>../err) &&
	test_grep "bad revision .no-such-rev." err
'

test_expect_success 'the policy is the one at HEAD' '
	git clone -q hist hist2 && (
		cd hist2 && at 2026-11-02T10:00:00Z Ann &&
		printf "changelog:\n  mode: root\n" >.changeguard.yml &&
		entry CHANGELOG.md "2026-11-02T09:59:00Z ann: policy" &&
		commit -m "policy: root" -m "Policy-Authorized-By: Lead <lead@example.com>" &&
		test_expect_code 1 changelog-audit history --format json >../p.json
	) &&
	check_json p.json <<-\EOF
	assert doc["parameters"]["policy"] == "HEAD:.changeguard.yml"
	c3 = [r for r in doc["violations"] if r["subject"].startswith("c3")]
	assert [r["path"] for r in c3] == ["CHANGELOG.md"], c3
	assert doc["summary"]["commits"] == 14
	EOF
'

test_expect_success 'a bad policy at HEAD is exit 2 with its position' '
	git clone -q hist hist3 && (
		cd hist3 && printf "changelog:\n  mood: root\n" >.changeguard.yml &&
		commit -m "bad policy" &&
		test_expect_code 2 changelog-audit history 2>../err
	) &&
	test_grep "HEAD:.changeguard.yml:2:3: " err
'

# A history of more than CG_PARALLEL_MIN commits is checked in several
# processes; its parts of fewer commits each in one. Both must agree.
test_expect_success 'a long history, checked in several processes, counts as in one' '
	new_repo long && cd long &&
	long_history 300 40 250 &&
	echo late >x.c && git add x.c && git commit -q --no-verify -m "late bad" &&
	test_expect_code 1 changelog-audit history --format json >all.json &&
	n=0 && for r in HEAD~100..HEAD HEAD~200..HEAD~100 HEAD~301..HEAD~200 HEAD~301; do
		n=$((n + 1)) &&
		{ changelog-audit history --format json "$r" >part$n.json || test $? = 1; } || return 1
	done &&
	python3 - <<-\EOF
	import json
	whole = json.load(open("all.json"))
	parts = [json.load(open("part%d.json" % n)) for n in range(1, 5)]
	for key in "commits", "compliant", "waived", "violating":
	    assert whole["summary"][key] == sum(p["summary"][key] for p in parts), key
	assert [whole["summary"][k] for k in ("commits", "compliant", "waived", "violating")] == \
	    [302, 300, 1, 2], whole["summary"]
	assert whole["violations"] == [v for p in parts for v in p["violations"]]
	assert [v["subject"] for v in whole["violations"]] == ["late bad", "change 40"]
	def totals(doc, section, key):
	    out = {}
	    for r in doc[section]:
	        out[r[key]] = [a + b for a, b in zip(out.get(r[key], [0, 0]), [r["commits"], r["violating"]])]
	    return out
	for section, key in ("authors", "author"), ("directories", "directory"), ("months", "month"):
	    summed = {}
	    for p in parts:
	        for k, v in totals(p, section, key).items():
	            summed[k] = [a + b for a, b in zip(summed.get(k, [0, 0]), v)]
	    assert totals(whole, section, key) == summed, section
	EOF
'

# Where the kernel gives huge pages only to programs that ask, history starts
# once more with glibc's tunable for them (docs/benchmarks.md); never when
# the user set that tunable either way. The report is the same.
test_expect_success 'history restarts once for huge pages, unless told which' '
	{ (cd hist && LD_DEBUG=files changelog-audit history --format csv >../thp.csv 2>../thp.err) ||
	  test $? = 1; } &&
	if grep -q "\[madvise\]" /sys/kernel/mm/transparent_hugepage/enabled; then starts=2; else starts=1; fi &&
	test "$(grep -c "transferring control:" thp.err)" = $starts &&
	{ (cd hist && GLIBC_TUNABLES=glibc.malloc.hugetlb=0 LD_DEBUG=files \
	    changelog-audit history --format csv >../thp0.csv 2>../thp0.err) || test $? = 1; } &&
	test "$(grep -c "transferring control:" thp0.err)" = 1 &&
	test_cmp thp0.csv thp.csv
'

test_expect_success 'a clean history exits 0; an empty repository too' '
	(cd hist && changelog-audit history HEAD~2..HEAD~1 >../clean.txt) &&
	test_grep "^  Violating        0$" clean.txt &&
	git init -q empty && (cd empty && changelog-audit history --format csv >../empty.csv) &&
	test_grep "^summary,.*,0,0,0,0,," empty.csv
'

# The HTML report through a real browser engine: the DOM after its script ran.
CHROMIUM=/usr/bin/chromium
dump_dom() {
	"$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-background-networking \
		--disable-component-update --disable-sync --no-first-run \
		--user-data-dir="$(mktemp -d "$TRASH_DIRECTORY/chromium.XXXXXX")" \
		--dump-dom "file://$TRASH_DIRECTORY/$1" 2>/dev/null
}

if [ -x "$CHROMIUM" ]; then
	test_expect_success 'history (html) in Chromium: chart and tables with the numbers' '
		(cd hist && test_expect_code 1 changelog-audit history --format html --output ../h.html) &&
		dump_dom h.html >dom.html &&
		python3 - dom.html <<-\EOF
		import sys
		from html.parser import HTMLParser
		class Dom(HTMLParser):
		    def __init__(self):
		        super().__init__()
		        self.buckets, self.tables, self.table, self.row, self.cell = [], {}, None, None, None
		        self.sortable = []
		    def handle_starttag(self, tag, attrs):
		        a = dict(attrs)
		        if tag == "g" and a.get("class") == "bucket":
		            self.buckets.append((a["data-label"], int(a["data-commits"]), int(a["data-violating"])))
		        elif tag == "table":
		            self.table = self.tables.setdefault(a["id"], [])
		            self.sortable.append(a.get("data-sortable"))
		        elif tag == "tr" and self.table is not None:
		            self.row = []
		            self.table.append(self.row)
		        elif tag in ("td", "th") and self.row is not None:
		            self.cell = ""
		    def handle_endtag(self, tag):
		        if tag in ("td", "th") and self.cell is not None:
		            self.row.append(self.cell.strip())
		            self.cell = None
		        elif tag == "table":
		            self.table = None
		    def handle_data(self, data):
		        if self.cell is not None:
		            self.cell += data
		dom = Dom()
		dom.feed(open(sys.argv[1]).read())
		assert dom.buckets == [("2026-09", 6, 4), ("2026-10", 6, 1), ("2026-11", 1, 0)], dom.buckets
		assert dom.tables["t-summary"][0] == ["Commits", "13"], dom.tables["t-summary"]
		assert ["Compliance", "61.5%"] in dom.tables["t-summary"]
		assert dom.tables["t-directories"][1:] == [
		    [".", "7", "3", "57.1%", "CHANGELOG.md"],
		    ["src/net", "4", "1", "75.0%", "src/net/CHANGELOG.md"]], dom.tables["t-directories"]
		assert len(dom.tables["t-violations"]) == 9
		assert dom.tables["t-violations"][1][3] == "c7 mcp: add server"
		assert set(s for s in dom.sortable if s) == {"ready"} and dom.sortable.count("ready") == 6, dom.sortable
		EOF
	'

	test_expect_success 'audit report (html) in Chromium' '
		new_repo db && (
			cd db && echo x >x.c && git add x.c &&
			test_must_fail git commit -q -m "no entry" 2>/dev/null &&
			add_entry "x" && git add -A && git commit -q -m "with entry" &&
			changelog-audit --format html --output ../a.html
		) &&
		dump_dom a.html >adom.html &&
		python3 - adom.html <<-\EOF
		import re, sys
		dom = open(sys.argv[1]).read()
		buckets = re.findall(r"<g class=\"bucket\" data-label=\"([0-9-]+)\" data-runs=\"(\d+)\" data-blocked=\"(\d+)\"", dom)
		assert [(r, b) for _, r, b in buckets] == [("4", "1")], buckets
		assert re.search(r"<th scope=\"row\">Blocked</th><td data-name=\"blocked\" class=\"num alert\" data-value=\"1\">1</td>", dom)
		assert len(re.findall(r"<tr><td data-name=\"id\"", re.search(r"id=\"t-blocked\".*?</table>", dom, re.S).group(0))) == 1
		assert dom.count("data-sortable=\"ready\"") == 6
		EOF
	'
else
	test_skip 'history (html) in Chromium' "no $CHROMIUM (the Debian package chromium)"
	test_skip 'audit report (html) in Chromium' "no $CHROMIUM"
fi

test_done
