#!/bin/sh
test_description='the pre-commit framework runs the hooks of our .pre-commit-hooks.yaml'
. "$CG_SOURCE_DIR/tests/e2e/test-lib.sh"

# A project $1 using hook $2 (hook types to install in $3), committed with
# an entry. The framework clones the hook repository at a revision: a
# scratch repository holding our manifest stands in for the published one.
framework_repo() {
	rev=$(git -C "$TRASH_DIRECTORY/hooksrc" rev-parse HEAD) &&
	git init -q "$1" && cd "$1" &&
	printf "repos:\n  - repo: %s\n    rev: %s\n    hooks:\n      - id: %s\n" \
		"$TRASH_DIRECTORY/hooksrc" "$rev" "$2" >.pre-commit-config.yaml &&
	printf "# Changelog\n\n- %s setup: first entry\n" "$(now_utc)" >CHANGELOG.md &&
	git add -A && git commit -q -m "use pre-commit" &&
	pre-commit install $3 >/dev/null
}

if ! command -v pre-commit >/dev/null 2>&1; then
	test_skip 'pre-commit framework' 'pre-commit is not installed (Debian package pre-commit)'
	test_done
fi

test_expect_success 'setup: a hook repository holding our manifest' '
	git init -q hooksrc &&
	cp "$CG_SOURCE_DIR/.pre-commit-hooks.yaml" hooksrc/ &&
	git -C hooksrc add .pre-commit-hooks.yaml &&
	git -C hooksrc commit -q -m manifest
'

test_expect_success 'the changeguard hook refuses a change without entry, then passes with one' '
	framework_repo p1 changeguard &&
	echo x >x.c && git add x.c &&
	test_must_fail git commit -q -m x >out 2>&1 &&
	test_grep "changeguard (CHANGELOG entries and protected paths)" out &&
	test_grep "needs a new entry (for x.c)" out &&
	changeguard entry "add x" >/dev/null &&
	git commit -q -m x >out 2>&1 &&
	git rev-parse -q --verify HEAD~1
'

test_expect_success 'pre-commit run checks the staged change on demand' '
	framework_repo p2 changeguard && echo y >y.c && git add y.c &&
	test_expect_code 1 pre-commit run changeguard >out 2>&1 &&
	test_grep "Failed" out &&
	add_entry y && git add CHANGELOG.md &&
	pre-commit run changeguard >out 2>&1 &&
	test_grep "Passed" out
'

test_expect_success 'the changeguard-commit-msg hook reads the trailers of the message' '
	framework_repo p3 changeguard-commit-msg "--hook-type commit-msg" &&
	echo "{}" >.mcp.json && add_entry mcp && git add .mcp.json CHANGELOG.md &&
	test_must_fail git commit -q -m mcp >out 2>&1 &&
	test_grep "MCP-Authorized-By" out &&
	git commit -q -m mcp --trailer "MCP-Authorized-By: Lead <lead@example.com>" >out 2>&1 &&
	git rev-parse -q --verify HEAD~1
'

test_done
