#!/bin/sh
# Benchmark 5: the server side on a 20,000-commit history (about 3% of the
# commits violate the policy, 199 merges).
#  a. git push of the whole history into an empty bare repository with the
#     pre-receive hook against without it (target: 1.5x), and the peak RSS
#     of the hook. The hook refuses the push: it checks every commit first.
#  b. changelog-audit history over the same commits against
#     git log --raw --no-renames (target: 2x), and, for scale, git reading
#     the CHANGELOG versions the rule reads and git log does not.
# bench/5-pre-receive.sh a (or b) runs one of the two.
# CG_BENCH_REPO=DIR measures a repository of your own instead of the
# generated one (its checked-out branch), CG_BENCH_POLICY=FILE gives the
# pushes a server policy (without it the built-in policy judges them).
# $push is a command split into its words on purpose.
# shellcheck disable=SC2086
. "$(dirname "$0")/lib.sh"
need_build
test -x "$LIBEXEC/pre-receive" || skip "5a. pre-receive, 20,000 commits" \
	"$LIBEXEC/pre-receive is not built yet (hooks/pre-receive.c)"
# CG_BENCH_REPO: another repository to measure instead (a clone of a real
# project's history, say), its checked-out branch pushed and walked.
history=${CG_BENCH_REPO:-$(repo history)}
branch=$(git -C "$history" symbolic-ref --short HEAD)
bare="$BENCH_TMP/push-target.git"
push="git -C $history push -q $bare $branch"
commits=$(git -C "$history" rev-list --count "$branch")
policy=${CG_BENCH_POLICY:-}
case $policy in ''|/*) ;; *) policy=$PWD/$policy ;; esac
err="$BENCH_TMP/5-push.err"

# What is measured must be a push git can make (a partial clone lacks
# objects) and a verdict on every commit: refused with each one checked,
# or accepted; never a hook that gave up (server.deadline) or failed.
push_verdict() {
	sh "$BENCH_DIR/fresh-bare.sh" "$bare"
	$push 2>"$err" || die "the history cannot be pushed even without hooks: $(grep -m 1 fatal: "$err")
hint: objects it lacks (a partial clone): git -C $history rev-list --objects --missing=print $branch | grep '^?'"
	sh "$BENCH_DIR/fresh-bare.sh" "$bare" "$LIBEXEC/pre-receive" "$policy"
	if $push 2>"$err"; then
		status=0 verdict="accepted"
		return
	fi
	status=1
	verdict=$(sed -n "s/.*changeguard: push refused: \([0-9]* of $commits\) new commits* rejected.*/refuses \1/p" "$err")
	test -n "$verdict" || die "the pre-receive hook gave no verdict on all $commits commits: $(grep changeguard: "$err" | tail -n 3)"
}

part_a() {
	push_verdict
	json="$BENCH_TMP/5-push.json"
	hf "$json" --runs "$(runs 10)" \
		--prepare "sh $BENCH_DIR/fresh-bare.sh $bare $LIBEXEC/pre-receive $policy" \
		--prepare "sh $BENCH_DIR/fresh-bare.sh $bare" \
		"sh $BENCH_DIR/expect-status.sh $status $push" "sh $BENCH_DIR/expect-status.sh 0 $push"
	report "5a. git push of $commits commits into an empty repository" "$json" 1.5 \
		"push with the pre-receive hook ($verdict)" "push without hooks"

	# Peak RSS of the hook alone, and of the largest process of a plain push.
	rss="$BENCH_TMP/5-rss.txt"
	wrapper="$BENCH_TMP/pre-receive-rss"
	printf '#!/bin/sh\nexec /usr/bin/time -f %%M -o %s %s "$@"\n' "$rss" "$LIBEXEC/pre-receive" >"$wrapper"
	chmod +x "$wrapper"
	sh "$BENCH_DIR/fresh-bare.sh" "$bare" "$wrapper" "$policy"
	$push 2>/dev/null || :
	hook_kb=$(tail -n 1 "$rss")
	sh "$BENCH_DIR/fresh-bare.sh" "$bare"
	/usr/bin/time -f %M -o "$rss" $push
	push_kb=$(tail -n 1 "$rss")
	printf '\nPeak RSS: pre-receive hook %s MiB; largest process of the push without hook %s MiB.\n' \
		$(( hook_kb / 1024 )) $(( push_kb / 1024 )) | tee -a "$RESULTS"
}

part_b() {
	audit="$BUILD/bin/changelog-audit"
	test -x "$audit" || skip "5b. changelog-audit history" "$audit is not built yet (src/changelog-audit.c)"
	cd "$history"
	# git's own cost of the reading git log --raw leaves out: every version of
	# a CHANGELOG.md the rule has to read, through git cat-file.
	blobs="$BENCH_TMP/5-changelog-blobs.txt"
	git log --raw --no-renames --format= "$branch" |
		awk '$6 ~ /(^|\/)CHANGELOG\.md$/ && $4 !~ /^0+$/ { print $4 }' >"$blobs"
	json="$BENCH_TMP/5-history.json"
	hf "$json" --warmup 1 --runs "$(runs 5)" \
		"sh $BENCH_DIR/expect-status.sh 1 $audit history" \
		"sh -c 'exec git cat-file --batch <$blobs'" "git log --raw --no-renames $branch"
	report "5b. changelog-audit history over $commits commits" "$json" 2 \
		"changelog-audit history" "git cat-file --batch of its $(wc -l <"$blobs") CHANGELOG versions" \
		"git log --raw --no-renames"
}

case ${1:-ab} in
*a*) part_a ;;
esac
case ${1:-ab} in
*b*) part_b ;;
esac
