#!/bin/sh
test_description='pre-receive: server.deadline decides before the hosting time limit'
. "$CG_SOURCE_DIR/tests/e2e/test-lib.sh"
. "$CG_SOURCE_DIR/tests/e2e/lib-pre-receive.sh"

# Two orders of the same 20,000 entries: a commit that swaps them changes
# every line, so each of its checks must read the whole file.
test_expect_success 'server.deadline refuses the push before the host would kill the hook' '
	new_pair d1 && cd d1 &&
	awk -v ts="$(now_utc)" "BEGIN { for (i = 0; i < 20000; i++) printf \"- %s old: entry %d\n\", ts, i }" >../up &&
	tac ../up >../down && cp ../up CHANGELOG.md &&
	git add CHANGELOG.md && git commit -q -m "long history" && push_unchecked main &&
	{
		printf "blob\nmark :1\ndata %d\n" "$(wc -c <../up)" && cat ../up &&
		printf "blob\nmark :2\ndata %d\n" "$(wc -c <../down)" && cat ../down &&
		for i in $(seq 1 300); do
			printf "commit refs/heads/main\ncommitter C <c@example.com> %s +0000\ndata 4\nbad\n" "$(date +%s)" &&
			if [ $i = 1 ]; then printf "from refs/heads/main^0\n"; fi &&
			printf "M 100644 :%d CHANGELOG.md\n" $((i % 2 + 1)) &&
			printf "M 100644 inline app.c\ndata %d\n%s\n" $((${#i} + 1)) "$i" || exit 1
		done
	} | git fast-import --quiet &&
	printf "server:\n  deadline: 1\n" | server_policy ../d1.git &&
	test_must_fail git push origin main 2>err &&
	test_grep "push refused: checking did not finish within server.deadline (1s)" err &&
	test_grep "hint: push fewer commits at a time" err &&
	test "$(audit_query ../d1.git "select count(*) from runs where verdict = '\''error'\''")" = 1
'

test_expect_success 'a push that fits in server.deadline is decided as usual' '
	new_pair d2 && cd d2 &&
	printf "server:\n  deadline: 60\n" | server_policy ../d2.git &&
	good_commit a.c "fine" && git push origin main &&
	bad_commit b.c "no entry" &&
	test_must_fail git push origin main 2>err &&
	test_grep "\"no entry\" refused" err &&
	test_grep ! "server.deadline" err
'

test_done
