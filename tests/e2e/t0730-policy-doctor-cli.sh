#!/bin/sh
test_description='changeguard policy show/validate, doctor, and the option rules of every command'
. "$CG_SOURCE_DIR/tests/e2e/test-lib.sh"

# new_repo without the hooks test-lib links: changeguard install writes them.
unhooked_repo() {
	new_repo "$1" &&
	rm -f "$1/.git/hooks/pre-commit" "$1/.git/hooks/prepare-commit-msg" "$1/.git/hooks/commit-msg"
}

test_expect_success 'policy show prints the defaults outside a repository' '
	mkdir nowhere && cd nowhere &&
	GIT_CEILING_DIRECTORIES=$TRASH_DIRECTORY changeguard policy show >out &&
	test_grep "^# effective policy, from (built-in defaults)" out &&
	test_grep "^  mode: nearest" out
'

test_expect_success 'policy show round-trips through policy validate' '
	new_repo p1 && cd p1 &&
	printf "changelog:\n  mode: root\n  max_age: 2h\nprotect: []\n" >.changeguard.yml &&
	git add .changeguard.yml &&
	changeguard policy show >shown.yml &&
	test_grep "from .changeguard.yml (staged)" shown.yml &&
	test_grep "^  mode: root" shown.yml &&
	changeguard policy validate shown.yml >out &&
	test_grep "shown.yml is valid" out &&
	cp shown.yml .changeguard.yml && git add .changeguard.yml &&
	changeguard policy show >again.yml &&
	test_cmp shown.yml again.yml
'

test_expect_success 'policy show of the defaults round-trips too' '
	new_repo p2 && cd p2 &&
	changeguard policy show >d.yml && changeguard policy validate d.yml
'

test_expect_success 'policy validate reports FILE:LINE:COL and exits 2' '
	printf "version: 1\nchangelog:\n  mdoe: root\n" >bad.yml &&
	test_expect_code 2 changeguard policy validate bad.yml 2>err &&
	test_grep "^bad.yml:3:3: unknown key .mdoe." err &&
	test_expect_code 2 changeguard policy validate missing.yml 2>err &&
	test_grep "missing.yml" err
'

test_expect_success 'policy validate without FILE takes the work tree copy' '
	new_repo p3 && cd p3 && mkdir sub &&
	(cd sub && changeguard policy validate >../out) &&
	test_grep "no .changeguard.yml; the built-in defaults apply" out &&
	printf "changelog:\n  mode: sideways\n" >.changeguard.yml &&
	(cd sub && test_expect_code 2 changeguard policy validate 2>../err) &&
	test_grep "p3/.changeguard.yml:2:9: " err
'

test_expect_success 'doctor is content with a working installation' '
	git init -q d1 && cd d1 && changeguard init >/dev/null && changeguard install >/dev/null &&
	git add -A && git commit -q -m init --trailer "Policy-Authorized-By: Lead <l@example.com>" &&
	changeguard doctor >out &&
	test_grep "^ok: pre-commit runs $CG_LIBEXEC/pre-commit" out &&
	test_grep "^ok: policy .changeguard.yml is valid" out &&
	test_grep "^ok: audit database .*: writable, hash chain intact (2 runs)" out &&
	test_grep "everything is in place" out
'

test_expect_success 'doctor finds missing, foreign and broken hooks, with hints' '
	unhooked_repo d2 && cd d2 && changeguard install >/dev/null &&
	rm .git/hooks/prepare-commit-msg &&
	printf "#!/bin/sh\nexit 0\n" >.git/hooks/commit-msg && chmod 755 .git/hooks/commit-msg &&
	sed -i "s|^hook=.*|hook='"'"'/gone/libexec/changeguard/pre-commit'"'"'|" .git/hooks/pre-commit &&
	test_expect_code 1 changeguard doctor >out &&
	test_grep "^problem: pre-commit runs ./gone/libexec/changeguard/pre-commit., which is missing" out &&
	test_grep "^problem: prepare-commit-msg is not installed" out &&
	test_grep "^problem: commit-msg is not changeguard.s hook" out &&
	test_grep "^hint: run: changeguard install" out &&
	test_grep "3 problems found" out &&
	changeguard install >/dev/null && changeguard doctor >out
'

test_expect_success 'doctor finds an edited wrapper and a bad staged policy' '
	unhooked_repo d3 && cd d3 && changeguard install >/dev/null &&
	echo "echo extra" >>.git/hooks/commit-msg &&
	printf "version: 7\n" >.changeguard.yml && git add .changeguard.yml &&
	test_expect_code 1 changeguard doctor >out &&
	test_grep "^problem: commit-msg is an outdated or edited changeguard wrapper" out &&
	test_grep "^problem: .changeguard.yml:1:" out
'

test_expect_success 'doctor: an older schema waits for the next run; a broken chain is a problem' '
	unhooked_repo d4 && cd d4 && changeguard install >/dev/null &&
	echo x >x.c && add_entry x && git add x.c CHANGELOG.md && git commit -q -m x &&
	sqlite3 .git/changeguard/audit.db "ALTER TABLE push_refs DROP COLUMN outcome; PRAGMA user_version = 3" &&
	changeguard doctor >out &&
	test_grep "^ok: audit database .*: schema version 3, which the next hook run migrates to 4 (nothing to do" out &&
	echo y >y.c && add_entry y && git add y.c CHANGELOG.md && git commit -q -m y &&
	changeguard doctor >out && test_grep "hash chain intact (4 runs)" out &&
	sqlite3 .git/changeguard/audit.db "UPDATE runs SET verdict = '"'"'blocked'"'"' WHERE id = 2" &&
	test_expect_code 1 changeguard doctor >out &&
	test_grep "^problem: audit database .*hash chain broken at run 2" out
'

test_expect_success 'doctor finds an audit database that cannot be written' '
	new_repo d5 && cd d5 &&
	echo "a file" >afile &&
	printf "audit:\n  path: afile/audit.db\n" >.changeguard.yml && git add .changeguard.yml &&
	test_expect_code 1 changeguard doctor >out &&
	test_grep "^problem: audit database $PWD/afile/audit.db cannot be created: $PWD/afile is not a directory" out
'

test_expect_success 'doctor in a bare repository checks pre-receive and the server policy' '
	git init -q --bare srv.git && cd srv.git &&
	test_expect_code 1 changeguard doctor >out &&
	test_grep "^problem: pre-receive is not installed" out &&
	test_grep "^hint: run: changeguard install --server" out &&
	test_grep "^ok: no server policy file" out &&
	changeguard install --server . >/dev/null &&
	printf "changelog:\n  mode: root\n" >changeguard.yml &&
	changeguard doctor >out &&
	test_grep "^ok: pre-receive runs $CG_LIBEXEC/pre-receive" out &&
	test_grep "^ok: server policy $PWD/changeguard.yml is valid" out &&
	git config changeguard.policy /nonexistent.yml &&
	test_expect_code 1 changeguard doctor >out &&
	test_grep "^problem: changeguard.policy names ./nonexistent.yml., which does not exist" out
'

test_expect_success 'doctor outside a repository is a runtime error' '
	mkdir d6 && cd d6 &&
	GIT_CEILING_DIRECTORIES=$TRASH_DIRECTORY test_expect_code 3 changeguard doctor 2>err &&
	test_grep "not in a git repository" err
'

test_expect_success '--help works on every command and subcommand' '
	for cmd in "" install uninstall init entry check policy "policy show" "policy validate" doctor help; do
		changeguard $cmd --help >out &&
		test_grep "^usage: changeguard $cmd" out || return 1
	done &&
	changeguard help entry >out && test_grep "^usage: changeguard entry" out &&
	changeguard --version >out && test_grep "^changeguard [0-9]" out
'

test_expect_success 'unknown options exit 2 with the usage on stderr' '
	new_repo u1 && cd u1 &&
	for cmd in install uninstall init "entry msg" check "policy show" "policy validate" doctor; do
		test_expect_code 2 changeguard $cmd --frobnicate >out 2>err &&
		test_grep "error: unknown option .--frobnicate." err &&
		test_grep "^usage: changeguard" err &&
		test_must_fail test -s out || return 1
	done &&
	test_expect_code 2 changeguard --frobnicate 2>err &&
	test_expect_code 2 changeguard 2>err &&
	test_expect_code 2 changeguard frobnicate 2>err &&
	test_grep "unknown command .frobnicate." err &&
	test_expect_code 2 changeguard policy frobnicate 2>err &&
	test_expect_code 2 changeguard entry 2>err && test_grep "too few arguments" err &&
	test_expect_code 2 changeguard install a b 2>err && test_grep "unexpected argument .b." err &&
	test_expect_code 2 changeguard install --server=yes 2>err &&
	test_expect_code 2 changeguard entry --dir 2>err && test_grep "needs a value" err
'

test_done
