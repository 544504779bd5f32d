#!/bin/sh
test_description='forbid: backups, stray and duplicate copies are never added; Forbid-Skip waives'
. "$CG_SOURCE_DIR/tests/e2e/test-lib.sh"
. "$CG_SOURCE_DIR/tests/e2e/lib-pre-receive.sh"

# One name for each default pattern of forbid.paths.
cat >"$TRASH_DIRECTORY/names" <<'NAMES'
a.c.orig
a.c.rej
conf.bak
db.backup
notes.txt~
.main.c.swp
build.tmp
setup.old
main copy.c
report (1).txt
config_backup.yml
config-backup.yml
src/backup/x.c
NAMES

# A file of 600 bytes, over the default duplicate_min_size (512).
big() {
	mkdir -p "$(dirname "$1")" && awk -v s="$2" 'BEGIN { for (i = 0; i < 30; i++) printf "%s line %02d xxxxxxx\n", s, i }' >"$1"
}

# grep_names FILE: every name of the list is refused in FILE.
grep_names() {
	while IFS= read -r name; do
		test_grep "forbid:path: $name" "$1" || return 1
	done <"$TRASH_DIRECTORY/names"
}

test_expect_success 'each default pattern is refused when added, and when renamed into' '
	new_repo f1 && cd f1 && i=0 &&
	while IFS= read -r name; do
		i=$((i + 1)) && mkdir -p "$(dirname "$name")" && echo "$name" >"$name" &&
		echo "$i" >"keep$i.c" || return 1
	done <"$TRASH_DIRECTORY/names" &&
	git add -A && test_expect_code 1 changeguard check >out && grep_names out &&
	test "$(grep -c "^  forbid:path" out)" = 13 &&
	git reset -q && add_entry keep && git add CHANGELOG.md keep*.c && git commit -q -m keep &&
	git clean -qfd &&
	i=0 &&
	while IFS= read -r name; do
		i=$((i + 1)) && mkdir -p "$(dirname "$name")" && git mv "keep$i.c" "$name" || return 1
	done <"$TRASH_DIRECTORY/names" &&
	add_entry "rename" && git add -A &&
	test_expect_code 1 changeguard check >out && grep_names out &&
	git reset -q --hard && git clean -qfd
'

test_expect_success 'git commit refuses it; Forbid-Skip with a reason waives it, audited' '
	cd f1 && echo x >a.c.orig && add_entry "orig" && git add -A &&
	test_must_fail git commit -q -m "keep the orig" 2>err &&
	test_grep "forbid:path: a.c.orig" err && test_grep "git rm --cached" err &&
	test_grep "Forbid-Skip: why it belongs" err &&
	test_must_fail git commit -q -m "keep the orig" -m "Forbid-Skip:" 2>err &&
	test_grep "the waiver trailer has no reason" err &&
	git commit -q -m "keep the orig" -m "Forbid-Skip: the merge tool test fixture" &&
	sqlite3 .git/changeguard/audit.db "SELECT w.rule, w.name, w.reason, r.verdict FROM waivers w JOIN runs r ON r.id = w.run_id" >out &&
	test_grep "forbid|Forbid-Skip|the merge tool test fixture|waived" out
'

test_expect_success 'an existing forbidden file blocks no commit, and check --all reports it' '
	cd f1 && echo z >z.bak && add_entry "past the hooks" && git add -A &&
	git commit -q --no-verify -m "past the hooks" &&
	echo more >>a.c.orig && echo more >>z.bak && echo y >>keep.c && add_entry "edit" &&
	git add -A && git commit -q -m "edit all three" &&
	test_expect_code 1 changeguard check --all >out &&
	test_grep "forbid:path: a.c.orig" out && test_grep "forbid:path: z.bak" out &&
	test_grep "2 tracked files of commit" out &&
	test_expect_code 1 changeguard check --all --format json >out.json &&
	python3 -c "import json,sys; d=json.load(open(\"out.json\")); f=d[\"results\"][0][\"findings\"]; sys.exit(not (d[\"target\"] == \"tree\" and f[0][\"rule\"] == \"forbid:path\"))" &&
	test_expect_code 1 changelog-audit history --format json >hist.json &&
	python3 -c "import json,sys; t=json.dumps(json.load(open(\"hist.json\"))); sys.exit(\"forbid:path\" not in t or \"past the hooks\" not in t)"
'

test_expect_success 'allow excepts a name; case_insensitive is asked for' '
	git init -q f2 && cd f2 &&
	printf "forbid:\n  allow: [\"*.orig\"]\n" >.changeguard.yml && add_entry init &&
	git add -A && git commit -q -m init && install_hooks &&
	echo x >b.orig && echo x >B.BAK && add_entry "allowed" && git add -A &&
	git commit -q -m "allowed and upper case" &&
	printf "forbid:\n  allow: [\"*.orig\"]\n  case_insensitive: true\n" >.changeguard.yml &&
	add_entry "fold case" && git add -A &&
	git commit -q -m policy --trailer "Policy-Authorized-By: A <a@example.com>" &&
	echo x >C.Bak && echo x >D.ORIG && add_entry "folded" && git add -A &&
	test_expect_code 1 changeguard check >out &&
	test_grep "forbid:path: C.Bak" out && ! grep -q D.ORIG out
'

test_expect_success 'a duplicate copy across directories is refused, naming the original' '
	new_repo d1 && cd d1 && big src/net/conn.c conn && printf "tiny\n" >src/net/small.c &&
	big src/net/LICENSE lic && big src/net/__init__.py init && add_entry "net" &&
	git add -A && git commit -q -m net &&
	mkdir -p lib/vendored && cp src/net/conn.c lib/vendored/conn.c &&
	cp src/net/small.c lib/small.c && cp src/net/LICENSE lib/vendored/LICENSE &&
	cp src/net/__init__.py lib/vendored/__init__.py && add_entry "copies" && git add -A &&
	test_must_fail git commit -q -m copies 2>err &&
	test_grep "forbid:duplicate: lib/vendored/conn.c" err &&
	test_grep "byte-identical to src/net/conn.c" err &&
	test_must_fail grep -q "small.c\|LICENSE\|__init__" err &&
	git rm -q --cached lib/vendored/conn.c && git commit -q -m "only the allowed copies"
'

test_expect_success 'two new copies at once: the second names the first; a rename is no copy' '
	cd d1 && big a/one.c twin && big b/two.c twin && add_entry twins && git add -A &&
	test_expect_code 1 changeguard check >out &&
	test_grep "forbid:duplicate: b/two.c" out && test_grep "byte-identical to a/one.c" out &&
	test_must_fail grep -q "forbid:duplicate: a/one.c" out &&
	git reset -q --hard && git clean -qfd &&
	git mv src/net/conn.c src/conn.c && add_entry moved && git add -A &&
	git commit -q -m "move conn"
'

test_expect_success 'history: each copy judged against its own tree, as the walk moves back' '
	cd d1 && big k/orig.c keep && git add -A && commit_all "c0 original" &&
	mkdir x && cp k/orig.c x/dup.c && git add -A && commit_all "c1 copy" &&
	git rm -q k/orig.c && commit_all "c2 original gone" &&
	mkdir y && cp x/dup.c y/again.c && git add -A && commit_all "c3 copy of the copy" &&
	git rm -q x/dup.c y/again.c && big z/fresh.c keep && git add -A && commit_all "c4 alone again" &&
	test_expect_code 1 changelog-audit history --format json HEAD~5..HEAD >walk.json &&
	python3 -c "import json; d=json.load(open(\"walk.json\")); print(\"\\n\".join(sorted(\"%s %s %s\" % (v[\"subject\"], v[\"path\"], v[\"detail\"].split(\":\")[0]) for v in d[\"violations\"] if v[\"rule\"] == \"forbid:duplicate\")))" >dups &&
	printf "%s\n" "c1 copy x/dup.c byte-identical to k/orig.c" "c3 copy of the copy y/again.c byte-identical to x/dup.c" >expect &&
	test_cmp expect dups
'

test_expect_success 'pre-receive: refused, waived by trailer, refused when the server disallows' '
	new_pair s1 && cd s1 &&
	echo x >a.orig && git add a.orig && commit_all "orig" &&
	refused_push origin main && test_grep "forbid:path" "$TRASH_DIRECTORY/err" &&
	git commit -q --amend --no-verify -m "orig" -m "Forbid-Skip: fixture of the merge tests" &&
	git push -q origin main &&
	server_policy ../s1.git <<-\EOF2 &&
	server:
	  forbid_waivers: [duplicate]
	EOF2
	echo y >b.orig && git add b.orig && commit_all "orig 2" -m "Forbid-Skip: another fixture" &&
	refused_push origin main &&
	test_grep "the server takes no waiver for it" "$TRASH_DIRECTORY/err"
'

test_done
