#!/bin/sh
# Benchmark 7: what signed approvals (verify: signature) cost.
#  a. (7-approval.sh commit) The judgement of one commit, as commit-msg makes
#     it (changeguard check --staged --message FILE), in a small repository:
#     a staged change of .mcp.json with an ed25519 approval, checked by
#     ssh-keygen against an allowed-signers file, against the same change
#     under verify: trailer with a sign-off trailer; and a change that touches
#     no protected path under both, which must cost the same (no ssh-keygen
#     runs for it). Each command runs through env(1), which names the
#     repository (GIT_DIR) as git does for its hooks.
#  b. (7-approval.sh push) A push of 20,000 commits of which 40 (0.2%)
#     change .mcp.json, each with an approval made by changeguard approve and
#     a sign-off: benchmark 5's history, rewritten by approval-history.py.
#     Into a bare repository that holds its root commit (the ref exists, so
#     the update is judged too), with the pre-receive hook under a server
#     policy (changeguard.policy) of verify: signature, of verify: trailer,
#     the same two with the group on a path no commit touches, and without
#     hooks. The history keeps benchmark 5's violations, so every hooked push
#     is refused after checking all commits. Then the ssh-keygen runs of
#     one signature push, counted by a wrapper on PATH.
# Without an argument, both.
# $push is a command split into its words on purpose.
# shellcheck disable=SC2086
. "$(dirname "$0")/lib.sh"
need_build
cg="$BUILD/bin/changeguard"
work="$BENCH_TMP/approval"
parts=${*:-commit push}
rm -rf "$work" && mkdir -p "$work"
ssh-keygen -q -t ed25519 -N "" -C ada -f "$work/ada"
echo "ada@example.com $(cat "$work/ada.pub")" >"$work/allowed"

# mcp_policy VERIFY PATH: a policy whose one group protects PATH by VERIFY.
mcp_policy() {
	printf 'protect:\n  - name: mcp\n    paths: ["%s"]\n    trailer: MCP-Authorized-By\n    authorizers: ["ada@example.com"]\n    verify: %s\n' "$2" "$1"
}

# setup NAME VERIFY FILE: a repository whose mcp group verifies by VERIFY,
# with FILE changed and staged (and a changelog entry), and its message.
setup() {
	r="$work/$1"
	git init -q "$r" && (
		cd "$r" &&
		mcp_policy "$2" .mcp.json >.changeguard.yml &&
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
bench_commit() {
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
}

# approved_history: benchmark 5's history with 40 approved changes of
# .mcp.json, its signing key and allowed signers beside it, remade when
# gen-repo.py or approval-history.py change.
approved_history() {
	src=$(repo history)
	dir="$BENCH_TMP/approved"
	stamp=$(cat "$BENCH_DIR/gen-repo.py" "$BENCH_DIR/approval-history.py" | sha256sum | cut -c1-16)
	if test -f "$dir.stamp" && test "$(cat "$dir.stamp")" = "$stamp"; then
		return 0
	fi
	echo "bench: making the approved history in $dir" >&2
	rm -rf "$dir" "$dir.stamp" && mkdir -p "$dir/versions" &&
	ssh-keygen -q -t ed25519 -N "" -C ada -f "$dir/ada" &&
	echo "ada@example.com $(cat "$dir/ada.pub")" >"$dir/allowed" &&
	# Each version approved the way an authorizer does it: staged, then
	# changeguard approve (under a policy asking for signatures).
	git init -q "$dir/signer" && (
		cd "$dir/signer" && mcp_policy signature .mcp.json >.changeguard.yml &&
		git add .changeguard.yml && git commit -q -m policy &&
		k=1 && while test "$k" -le 40; do
			printf '{"mcpServers": {"fs": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem", "/srv/v%d"]}}}\n' "$k" >.mcp.json &&
			cp .mcp.json "$dir/versions/mcp-$k.json" && git add .mcp.json &&
			{ echo "MCP-Authorized-By: Ada Lovelace <ada@example.com>" &&
			  "$cg" approve --key "$dir/ada" 2>/dev/null; } >"$dir/versions/trailers-$k" &&
			git commit -q -m "version $k" && k=$((k + 1)) || return 1
		done
	) &&
	git init -q -b main "$dir/repo" &&
	git -C "$src" fast-export main | "$PYTHON" "$BENCH_DIR/approval-history.py" "$dir/versions" 40 |
		git -C "$dir/repo" fast-import --quiet &&
	git -C "$dir/repo" repack -adq &&
	test "$(git -C "$dir/repo" rev-list --count main)" = 20000 &&
	test "$(git -C "$dir/repo" rev-list --count main -- .mcp.json)" = 40 ||
		die "could not make the approved history in $dir"
	echo "$stamp" >"$dir.stamp"
}

bench_push() {
	approved_history
	hist="$BENCH_TMP/approved/repo"
	root=$(git -C "$hist" rev-list --max-parents=0 main)
	for v in signature trailer; do
		mcp_policy $v .mcp.json >"$work/$v.yml"
		mcp_policy $v .cursor/mcp.json >"$work/$v-untouched.yml"
	done
	# fresh.sh BARE [POLICY]: an empty bare repository given the root
	# commit, then the hook under POLICY (none without).
	cat >"$work/fresh.sh" <<-SH
	set -e
	sh "$BENCH_DIR/fresh-bare.sh" "\$1"
	git -C "$hist" push -q "\$1" $root:refs/heads/main
	test -z "\${2:-}" && exit 0
	ln -s "$LIBEXEC/pre-receive" "\$1/hooks/pre-receive"
	git -C "\$1" config changeguard.policy "\$2"
	git -C "\$1" config changeguard.allowedSignersFile "$BENCH_TMP/approved/allowed"
	SH
	push="git -C $hist push -q"
	# Each hooked push is refused for the history's violations, and the 40
	# approvals (or sign-offs) are accepted: no protect:mcp finding.
	for v in signature trailer; do
		sh "$work/fresh.sh" "$work/$v.git" "$work/$v.yml"
		! $push "$work/$v.git" main 2>"$work/$v.err" && grep -q "push refused" "$work/$v.err" ||
			die "the $v push was not refused for the history's violations"
		test "$(sqlite3 "$work/$v.git/changeguard/audit.db" "select count(*) from findings where rule = 'protect:mcp'")" = 0 &&
		test "$(sqlite3 "$work/$v.git/changeguard/audit.db" "select count(*) from waivers where rule = 'protect:mcp' and source = '$v'")" = 40 ||
			die "the $v push did not accept the 40 authorized changes of .mcp.json"
	done
	json="$BENCH_TMP/7-push.json"
	# CG_BENCH_PUSH_RUNS: fewer runs of these five long pushes on a busy machine.
	hf "$json" --runs "${CG_BENCH_PUSH_RUNS:-$(runs 10)}" \
		--prepare "sh $work/fresh.sh $work/signature.git $work/signature.yml" \
		--prepare "sh $work/fresh.sh $work/trailer.git $work/trailer.yml" \
		--prepare "sh $work/fresh.sh $work/signature-untouched.git $work/signature-untouched.yml" \
		--prepare "sh $work/fresh.sh $work/trailer-untouched.git $work/trailer-untouched.yml" \
		--prepare "sh $work/fresh.sh $work/none.git" \
		"sh $BENCH_DIR/expect-status.sh 1 $push $work/signature.git main" \
		"sh $BENCH_DIR/expect-status.sh 1 $push $work/trailer.git main" \
		"sh $BENCH_DIR/expect-status.sh 1 $push $work/signature-untouched.git main" \
		"sh $BENCH_DIR/expect-status.sh 1 $push $work/trailer-untouched.git main" \
		"sh $BENCH_DIR/expect-status.sh 0 $push $work/none.git main"
	report "7b. git push of 20,000 commits, 40 of them changing .mcp.json (load average $(cut -d' ' -f1-3 /proc/loadavg))" "$json" - \
		"hook, verify: signature, 40 approvals checked" "hook, verify: trailer, 40 sign-offs" \
		"hook, verify: signature, no commit touches the group" \
		"hook, verify: trailer, no commit touches the group" "push without hooks"
	# The ssh-keygen runs of one signature push, counted by a wrapper.
	mkdir -p "$work/spy"
	printf '#!/bin/sh\necho "$2" >>%s\nexec %s "$@"\n' "$work/spy.log" "$(command -v ssh-keygen)" >"$work/spy/ssh-keygen"
	chmod +x "$work/spy/ssh-keygen" && rm -f "$work/spy.log"
	sh "$work/fresh.sh" "$work/signature.git" "$work/signature.yml"
	PATH="$work/spy:$PATH" $push "$work/signature.git" main 2>/dev/null || :
	printf '\nssh-keygen runs in that signature push: %s (%s)\n' "$(wc -l <"$work/spy.log")" \
		"$(sort "$work/spy.log" | uniq -c | awk '{ printf "%s%s %s", (NR > 1 ? ", " : ""), $1, $2 }')" |
		tee -a "$RESULTS"
}

for part in $parts; do
	"bench_$part"
done
