#!/bin/sh
# Benchmark 7: what a signed approval (verify: signature) adds to the
# judgement of a commit, as commit-msg makes it (changeguard check --staged
# --message FILE), in a small repository: a staged change of .mcp.json with
# an ed25519 approval, checked by ssh-keygen against an allowed-signers
# file, against the same change under verify: trailer with a sign-off
# trailer; and a change that touches no protected path under both, which
# must cost the same (no ssh-keygen runs for it). Each command runs through
# env(1), which names the repository (GIT_DIR) as git does for its hooks.
. "$(dirname "$0")/lib.sh"
need_build
cg="$BUILD/bin/changeguard"
work="$BENCH_TMP/approval"
rm -rf "$work" && mkdir -p "$work"
ssh-keygen -q -t ed25519 -N "" -C ada -f "$work/ada"
echo "ada@example.com $(cat "$work/ada.pub")" >"$work/allowed"

# setup NAME VERIFY FILE: a repository whose mcp group verifies by VERIFY,
# with FILE changed and staged (and a changelog entry), and its message.
setup() {
	r="$work/$1"
	git init -q "$r" && (
		cd "$r" &&
		printf 'protect:\n  - name: mcp\n    paths: [".mcp.json"]\n    trailer: MCP-Authorized-By\n    authorizers: ["ada@example.com"]\n    verify: %s\n' "$2" >.changeguard.yml &&
		printf '{}\n' >.mcp.json && echo a >a.c &&
		printf '# Changelog\n\n- %s bench: start\n' "$(now_utc)" >CHANGELOG.md &&
		git add -A && git commit -q -m start &&
		git config changeguard.allowedSignersFile "$work/allowed" &&
		echo "{\"a\":1} $3" >"$3" && printf -- '- %s bench: change\n' "$(now_utc)" >>CHANGELOG.md &&
		git add -A && printf 'change\n\n' >msg &&
		if test "$2" = signature && test "$3" = .mcp.json; then
			"$cg" approve --key "$work/ada" >>msg 2>/dev/null
		else
			echo "MCP-Authorized-By: ada@example.com" >>msg
		fi &&
		"$cg" check --staged --message msg >/dev/null
	) || die "the $1 repository's change is refused"
}
setup sig-mcp signature .mcp.json
setup trailer-mcp trailer .mcp.json
setup sig-plain signature a.c
setup trailer-plain trailer a.c
json="$BENCH_TMP/7-approval.json"
hf "$json" --warmup 2 --runs "$(runs 30)" \
	"env GIT_DIR=$work/sig-mcp/.git $cg check --staged --message $work/sig-mcp/msg" \
	"env GIT_DIR=$work/trailer-mcp/.git $cg check --staged --message $work/trailer-mcp/msg" \
	"env GIT_DIR=$work/sig-plain/.git $cg check --staged --message $work/sig-plain/msg" \
	"env GIT_DIR=$work/trailer-plain/.git $cg check --staged --message $work/trailer-plain/msg"
report "7. a protected change's judgement: signed approval vs trailer" "$json" - \
	"verify: signature, .mcp.json with an approval" "verify: trailer, .mcp.json with a trailer" \
	"verify: signature, an unprotected change" "verify: trailer, an unprotected change"
