#!/bin/sh
# Benchmark 5: the server side on a 20,000-commit history (about 3% of the
# commits violate the policy, 199 merges).
#  a. git push of the whole history into an empty bare repository with the
#     pre-receive hook against without it (target: 1.5x), and the peak RSS
#     of the hook. The hook refuses the push: it checks every commit first.
#  b. changelog-audit history over the same commits against
#     git log --raw --no-renames (target: 2x), and, for scale, git reading
#     the CHANGELOG versions the rule reads and git log does not.
# CG_BENCH_REPO=DIR measures a repository of your own instead of the
# generated one (its checked-out branch).
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

sh "$BENCH_DIR/fresh-bare.sh" "$bare" "$LIBEXEC/pre-receive"
! $push 2>"$BENCH_TMP/5-push.err" && grep -q "changeguard: push refused" "$BENCH_TMP/5-push.err" ||
	die "the pre-receive hook did not refuse the history's violations"
json="$BENCH_TMP/5-push.json"
hf "$json" --runs "$(runs 10)" \
	--prepare "sh $BENCH_DIR/fresh-bare.sh $bare $LIBEXEC/pre-receive" \
	--prepare "sh $BENCH_DIR/fresh-bare.sh $bare" \
	"sh $BENCH_DIR/expect-status.sh 1 $push" "sh $BENCH_DIR/expect-status.sh 0 $push"
report "5a. git push of $commits commits into an empty repository" "$json" 1.5 \
	"push with the pre-receive hook" "push without hooks"

# Peak RSS of the hook alone, and of the largest process of a plain push.
rss="$BENCH_TMP/5-rss.txt"
wrapper="$BENCH_TMP/pre-receive-rss"
printf '#!/bin/sh\nexec /usr/bin/time -f %%M -o %s %s "$@"\n' "$rss" "$LIBEXEC/pre-receive" >"$wrapper"
chmod +x "$wrapper"
sh "$BENCH_DIR/fresh-bare.sh" "$bare" "$wrapper"
$push 2>/dev/null || :
hook_kb=$(tail -n 1 "$rss")
sh "$BENCH_DIR/fresh-bare.sh" "$bare"
/usr/bin/time -f %M -o "$rss" $push
push_kb=$(tail -n 1 "$rss")
printf '\nPeak RSS: pre-receive hook %s MiB; largest process of the push without hook %s MiB.\n' \
	$(( hook_kb / 1024 )) $(( push_kb / 1024 )) | tee -a "$RESULTS"

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
