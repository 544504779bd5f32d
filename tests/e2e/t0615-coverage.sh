#!/bin/sh
test_description='changelog-audit coverage: missing, stale and current CHANGELOGs in each mode, every format'
. "$CG_SOURCE_DIR/tests/e2e/test-lib.sh"

# at HOURS: a commit date and entry time, HOURS after 2026-01-01T00:00:00Z.
at() {
	printf '2026-01-01T%02d:00:00Z' "$1"
}

# commit_at HOURS MSG: commits everything, dated HOURS (no hooks here).
commit_at() {
	git add -A && GIT_COMMITTER_DATE=$(at "$1") GIT_AUTHOR_DATE=$(at "$1") git commit -q -m "$2"
}

log_with() {
	mkdir -p "$(dirname "$1")" && printf '# Changelog\n\n- %s t: %s\n' "$(at "$2")" "$1" >"$1"
}

# gen_tree MODE: a/ current (its code and entry in one commit), b/ without
# a CHANGELOG, c/ stale (code changed after its entry, by a commit without
# one), docs/ ignored, and no CHANGELOG at the root.
gen_tree() {
	git init -q "$1" && cd "$1" && mkdir -p a b c docs &&
	printf "changelog:\n  mode: %s\n" "$1" >.changeguard.yml &&
	echo x >a/x.c && echo y >b/y.c && echo z >c/z.c && echo d >docs/guide.md &&
	log_with a/CHANGELOG.md 0 && log_with c/CHANGELOG.md 0 && commit_at 0 one &&
	echo more >>c/z.c && commit_at 1 "c without entry" &&
	echo more >>a/x.c && log_with a/CHANGELOG.md 2 && commit_at 3 "a with an entry written an hour before"
}

# statuses FILE.json: "path status" lines of a coverage document.
statuses() {
	python3 -c 'import json,sys
for r in json.load(open(sys.argv[1]))["changelogs"]: print(r["path"], r["status"])' "$1"
}

test_expect_success 'every-directory: each directory with code needs its own' '
	gen_tree every-directory &&
	test_expect_code 1 changelog-audit coverage --format json >c.json &&
	statuses c.json >actual &&
	printf "%s\n" "CHANGELOG.md missing" "a/CHANGELOG.md current" "b/CHANGELOG.md missing" \
		"c/CHANGELOG.md stale" >expect &&
	test_cmp expect actual &&
	python3 -c "import json,sys; s=json.load(open(\"c.json\"))[\"summary\"]; sys.exit(not (s[\"missing\"] == 2 and s[\"stale\"] == 1 and s[\"current\"] == 1 and s[\"complete\"] is False and s[\"mode\"] == \"every-directory\"))"
'

test_expect_success 'every format carries the same rows' '
	cd every-directory &&
	test_expect_code 1 changelog-audit coverage --format csv >c.csv &&
	python3 -c "import csv,sys
rows = [r for r in csv.DictReader(open(\"c.csv\")) if r[\"section\"] == \"changelogs\"]
sys.exit([(r[\"path\"], r[\"status\"]) for r in rows] != [(\"CHANGELOG.md\", \"missing\"), (\"a/CHANGELOG.md\", \"current\"), (\"b/CHANGELOG.md\", \"missing\"), (\"c/CHANGELOG.md\", \"stale\")])" &&
	test_expect_code 1 changelog-audit coverage --format html --output c.html &&
	python3 -c "import html.parser,sys
class P(html.parser.HTMLParser):
    cells, cell = [], None
    def handle_starttag(self, tag, attrs):
        if tag == \"td\": self.cell = \"\"
    def handle_endtag(self, tag):
        if tag == \"td\": self.cells.append(self.cell); self.cell = None
    def handle_data(self, data):
        if self.cell is not None: self.cell += data
p = P(); p.feed(open(\"c.html\").read()); c = p.cells
want = [(\"b/CHANGELOG.md\", \"missing\"), (\"c/CHANGELOG.md\", \"stale\"), (\"a/CHANGELOG.md\", \"current\")]
sys.exit(not all(c[c.index(path) + 1] == st for path, st in want))" &&
	test_expect_code 1 changelog-audit coverage --format markdown >c.md &&
	test_grep "^| c/CHANGELOG.md | stale | 1 | 1 | 2026-01-01T00:00:00Z | 2026-01-01T01:00:00Z |" c.md &&
	test_grep "^| b/CHANGELOG.md | missing | 1 |  |  |" c.md &&
	test_expect_code 1 changelog-audit coverage >c.txt &&
	test_grep "^c/CHANGELOG.md  *stale" c.txt && test_grep "Complete  *no" c.txt
'

test_expect_success 'init --every-directory writes the missing ones; coverage then lacks none' '
	cd every-directory && changeguard init --every-directory >out &&
	test_grep "^b/CHANGELOG.md: written, with a first entry" out &&
	test_grep "^# Changelog" b/CHANGELOG.md && test_grep "changeguard init" b/CHANGELOG.md &&
	test_must_fail test -e docs/CHANGELOG.md && test_must_fail grep -q "^a/CHANGELOG.md" out &&
	commit_at 6 "every directory" &&
	test_expect_code 1 changelog-audit coverage --format json >c.json && statuses c.json >actual &&
	printf "%s\n" "CHANGELOG.md current" "a/CHANGELOG.md current" "b/CHANGELOG.md current" \
		"c/CHANGELOG.md stale" >expect &&
	test_cmp expect actual
'

test_expect_success 'nearest: a directory without one is covered by the root, missing too' '
	gen_tree nearest &&
	test_expect_code 1 changelog-audit coverage --format json >c.json && statuses c.json >actual &&
	printf "%s\n" "CHANGELOG.md missing" "a/CHANGELOG.md current" "c/CHANGELOG.md stale" >expect &&
	test_cmp expect actual
'

test_expect_success 'root: missing, then current, then stale, by revision; exit 0 when complete' '
	gen_tree root && log_with CHANGELOG.md 4 && commit_at 4 "root changelog" &&
	echo again >>b/y.c && commit_at 5 "b without entry" &&
	test_expect_code 1 changelog-audit coverage HEAD~2 --format json >m.json &&
	changelog-audit coverage HEAD~1 --format json >c.json &&
	test_expect_code 1 changelog-audit coverage --format json >s.json &&
	statuses m.json >actual && test_grep "^CHANGELOG.md missing" actual &&
	test_grep "^a/CHANGELOG.md current" actual &&
	statuses c.json >actual && test_grep "^CHANGELOG.md current" actual &&
	statuses s.json >actual && test_grep "^CHANGELOG.md stale" actual &&
	test_expect_code 2 changelog-audit coverage nosuchrev 2>err &&
	test_grep "not a commit" err
'

test_done
