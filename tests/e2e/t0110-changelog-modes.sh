#!/bin/sh
test_description='nearest, every-directory and root modes; require_for and ignore'
. "$CG_SOURCE_DIR/tests/e2e/test-lib.sh"

# A repository with a root CHANGELOG and one in src/net.
modes_repo() {
	git init -q "$1" && (
		cd "$1" &&
		printf "changelog:\n  mode: %s\n" "$2" >.changeguard.yml &&
		add_entry "root setup" && add_entry "net setup" src/net/CHANGELOG.md &&
		mkdir -p src/net/tcp src/ui && echo a >src/net/tcp/conn.c && echo b >src/ui/view.c &&
		git add -A && git commit -q -m init
	) && install_hooks "$1"
}

test_expect_success 'nearest: a change under src/net needs src/net/CHANGELOG.md' '
	modes_repo n1 nearest && cd n1 &&
	echo x >>src/net/tcp/conn.c && add_entry "wrong file" && git add -A &&
	test_must_fail git commit -m x 2>../err &&
	test_grep "src/net/CHANGELOG.md: needs a new entry (for src/net/tcp/conn.c)" ../err &&
	test_grep "hint: changeguard entry --dir .src/net. " ../err &&
	add_entry "right file" src/net/CHANGELOG.md && git add -A && git commit -m x
'

test_expect_success 'nearest: a change elsewhere falls back to the root CHANGELOG' '
	modes_repo n2 nearest && cd n2 &&
	echo x >>src/ui/view.c && add_entry ui && git add -A && git commit -m x
'

test_expect_success 'nearest: one commit touching two areas needs both entries' '
	modes_repo n3 nearest && cd n3 &&
	echo x >>src/ui/view.c && echo y >>src/net/tcp/conn.c &&
	add_entry ui && git add -A &&
	test_must_fail git commit -m x 2>../err &&
	test_grep "src/net/CHANGELOG.md: needs a new entry" ../err &&
	test_grep ! "  changelog: CHANGELOG.md" ../err
'

test_expect_success 'every-directory: the file own directory needs a CHANGELOG' '
	modes_repo e1 every-directory && cd e1 &&
	echo x >>src/net/tcp/conn.c && add_entry net src/net/CHANGELOG.md && git add -A &&
	test_must_fail git commit -m x 2>../err &&
	test_grep "src/net/tcp/CHANGELOG.md: does not exist" ../err &&
	test_grep "each directory with code keeps its own; changeguard entry creates it" ../err &&
	test_grep "hint: changeguard entry --dir .src/net/tcp. " ../err &&
	changeguard entry --dir src/net/tcp "tcp" >out &&
	test_grep "created with an entry to src/net/tcp/CHANGELOG.md" out &&
	test_grep "^# Changelog" src/net/tcp/CHANGELOG.md && git commit -m x
'

test_expect_success 'root: only the root CHANGELOG counts' '
	modes_repo o1 root && cd o1 &&
	echo x >>src/net/tcp/conn.c && add_entry net src/net/CHANGELOG.md && git add -A &&
	test_must_fail git commit -m x 2>../err &&
	test_grep "  changelog: CHANGELOG.md: needs a new entry" ../err &&
	add_entry root && git add -A && git commit -m x
'

test_expect_success 'nearest with no CHANGELOG anywhere asks for the root one' '
	git init -q bare1 && install_hooks bare1 && cd bare1 &&
	echo x >a.c && git add a.c &&
	test_must_fail git commit -m x 2>../err &&
	test_grep "CHANGELOG.md: does not exist" ../err
'

test_expect_success 'require_for limits which paths need an entry' '
	git init -q q1 && cd q1 &&
	printf "changelog:\n  require_for: [\"src/**\"]\n" >.changeguard.yml &&
	add_entry init && git add -A && git commit -q -m init && install_hooks &&
	echo x >tool.sh && git add tool.sh && git commit -m "not required" &&
	mkdir src && echo y >src/a.c && git add src &&
	test_must_fail git commit -m required
'

test_expect_success 'ignore globs exempt paths, case-sensitively' '
	git init -q q2 && cd q2 &&
	printf "changelog:\n  ignore: [\"*.txt\", \"/vendor/\"]\n" >.changeguard.yml &&
	add_entry init && git add -A && git commit -q -m init && install_hooks &&
	mkdir -p vendor/lib deep && echo a >vendor/lib/x.c && echo b >deep/notes.txt &&
	git add -A && git commit -m ignored &&
	echo c >deep/NOTES.TXT && git add -A && test_must_fail git commit -m not-ignored
'

test_expect_success 'a custom changelog file name and entry_pattern' '
	git init -q q3 && cd q3 &&
	cat >.changeguard.yml <<-\EOF &&
	changelog:
	  file: HISTORY.md
	  entry_pattern: "^\\* (?<ts>\\S+) -- "
	EOF
	printf "* %s -- init\n" "$(now_utc)" >HISTORY.md &&
	git add -A && git commit -q -m init && install_hooks &&
	echo x >a.c && printf "* %s -- add a\n" "$(now_utc)" >>HISTORY.md &&
	git add -A && git commit -m ok &&
	echo y >b.c && printf -- "- %s wrong style\n" "$(now_utc)" >>HISTORY.md &&
	git add -A && test_must_fail git commit -m bad 2>err &&
	test_grep "does not match the policy" err
'

test_done
