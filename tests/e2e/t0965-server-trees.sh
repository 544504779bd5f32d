#!/bin/sh
# ctest-cost: 29 (seconds in the plain build: ctest -j starts the costliest first)
test_description='trees that git fsck refuses (unsorted, duplicate or forbidden names, too deep) are refused by the server hook'
. "$CG_SOURCE_DIR/tests/e2e/test-lib.sh"
. "$CG_SOURCE_DIR/tests/e2e/lib-pre-receive.sh"

# raw_tree MODE NAME OID...: writes a tree object with exactly these
# entries, in this order, as git hash-object --literally takes it (git
# mktree would sort them); prints its id.
raw_tree() {
	python3 -c '
import sys
a = sys.argv[1:]
out = b""
for i in range(0, len(a), 3):
    out += a[i].encode() + b" " + a[i + 1].encode("utf-8", "surrogateescape") + b"\0" + bytes.fromhex(a[i + 2])
sys.stdout.buffer.write(out)
' "$@" >"$TRASH_DIRECTORY/tree.raw" &&
	git hash-object -t tree --literally -w "$TRASH_DIRECTORY/tree.raw"
}

# entry NAME: "MODE NAME OID" of a root entry of HEAD.
entry() {
	git ls-tree --format="%(objectmode) %(path) %(objectname)" HEAD -- "$1" | sed "s/^0//"
}

# push_tree TREE MSG: commits TREE on top of HEAD and pushes it to main;
# the push must be refused with main unmoved. Stderr in $TRASH_DIRECTORY/err.
push_tree() {
	pt_commit=$(git commit-tree "$1" -p HEAD -m "$2") &&
	pt_before=$(ref_of ../$pair.git refs/heads/main) &&
	test_must_fail git push origin "$pt_commit:refs/heads/main" 2>"$TRASH_DIRECTORY/err" &&
	test_grep "pre-receive hook declined" "$TRASH_DIRECTORY/err" &&
	test "$(ref_of ../$pair.git refs/heads/main)" = "$pt_before"
}

SKIP="Changelog-Skip: a test of tree checks"

test_expect_success 'an unsorted root tree, where lookups by name miss the policy and CHANGELOG.md' '
	new_pair t1 && cd t1 &&
	printf "changelog:\n  mode: root\n" >.changeguard.yml && git add . &&
	git commit -q --no-verify -m policy && push_unchecked main &&
	blob=$(echo x | git hash-object -w --stdin) &&
	tree=$(raw_tree $(entry .changeguard.yml) $(entry CHANGELOG.md) \
		100644 -a $blob 100644 -b $blob 100644 -c $blob 100644 -d $blob 100644 -e $blob) &&
	push_tree $tree "unsorted

$SKIP" &&
	test_grep "tree $tree.* not sorted" "$TRASH_DIRECTORY/err"
'

test_expect_success 'a tree with two CHANGELOG.md entries' '
	new_pair t2 && cd t2 &&
	rewritten=$(printf "# Changelog\n\n- $(now_utc) tester: rewritten\n" | git hash-object -w --stdin) &&
	add_entry appended && appended=$(git hash-object -w CHANGELOG.md) &&
	tree=$(raw_tree 100644 CHANGELOG.md $appended 100644 CHANGELOG.md $rewritten) &&
	push_tree $tree duplicate &&
	test_grep "tree $tree.* duplicate entry .CHANGELOG.md." "$TRASH_DIRECTORY/err" &&
	tree=$(raw_tree 100644 CHANGELOG.md $rewritten 100644 CHANGELOG.md $appended) &&
	push_tree $tree duplicate &&
	test_grep "tree $tree.* duplicate entry .CHANGELOG.md." "$TRASH_DIRECTORY/err"
'

test_expect_success 'names git refuses: .git variants, dot, dot-dot' '
	new_pair t3 && cd t3 && blob=$(echo x | git hash-object -w --stdin) &&
	cl=$(entry CHANGELOG.md) &&
	for name in .git .GIT ".git." ".git " ".g$(printf "\342\200\214")it" . ..; do
		tree=$(raw_tree 100644 "$name" $blob $cl) &&
		push_tree $tree "name $name

$SKIP" &&
		test_grep "tree $tree.* forbidden name" "$TRASH_DIRECTORY/err" || return 1
	done &&
	tree=$(raw_tree $cl 100644 "git~1" $blob) &&
	push_tree $tree "name git~1

$SKIP" &&
	test_grep "tree $tree.* forbidden name" "$TRASH_DIRECTORY/err"
'

# deep_tree N: a chain of N directories "d/d/.../d" holding one file.
deep_tree() {
	blob=$(echo deep | git hash-object -w --stdin) &&
	python3 -c '
import hashlib, sys, zlib, os
n, blob, gitdir = int(sys.argv[1]), bytes.fromhex(sys.argv[2]), sys.argv[3]
def write(body):
    data = b"tree %d\0" % len(body) + body
    oid = hashlib.sha1(data).hexdigest()
    d = os.path.join(gitdir, "objects", oid[:2])
    os.makedirs(d, exist_ok=True)
    p = os.path.join(d, oid[2:])
    if not os.path.exists(p):
        open(p, "wb").write(zlib.compress(data))
    return bytes.fromhex(oid)
t = write(b"100644 f\0" + blob)
for i in range(n):
    t = write(b"40000 d\0" + t)
print(t.hex())
' "$1" $blob "$(git rev-parse --git-dir)"
}

test_expect_success 'a tree 6,000 levels deep is refused for its depth, not at the deadline' '
	new_pair t4 && cd t4 &&
	printf "server:\n  deadline: 1\n" | server_policy ../t4.git &&
	sub=$(deep_tree 6000) &&
	tree=$(raw_tree $(entry CHANGELOG.md) 40000 d $sub) &&
	push_tree $tree "deep

$SKIP" &&
	test_grep "deeper than 4096" "$TRASH_DIRECTORY/err" &&
	test_grep ! "server.deadline" "$TRASH_DIRECTORY/err"
'

test_expect_success 'a tree 45,000 levels deep: the hook run directly does not crash' '
	new_pair t5 && cd t5 &&
	sub=$(GIT_DIR=../t5.git deep_tree 45000) &&
	tree=$(git --git-dir=../t5.git mktree <<-EOT
	$(git ls-tree HEAD CHANGELOG.md)
	040000 tree $sub	d
	EOT
	) &&
	commit=$(git --git-dir=../t5.git commit-tree $tree -p HEAD -m "deep

$SKIP") &&
	echo "$(git rev-parse HEAD) $commit refs/heads/main" >"$TRASH_DIRECTORY/in" &&
	test_must_fail env GIT_DIR=../t5.git "$CG_LIBEXEC/pre-receive" \
		<"$TRASH_DIRECTORY/in" 2>"$TRASH_DIRECTORY/err" &&
	test_grep "deeper than 4096" "$TRASH_DIRECTORY/err"
'

test_expect_success 'install --server turns receive.fsckObjects on; doctor warns when off' '
	git init -q --bare t6.git &&
	changeguard install --server t6.git >/dev/null 2>&1 &&
	test "$(git -C t6.git config receive.fsckObjects)" = true &&
	git -C t6.git config receive.fsckObjects false &&
	(cd t6.git && test_expect_code 1 changeguard doctor >"$TRASH_DIRECTORY/out" 2>&1) &&
	test_grep "receive.fsckObjects" "$TRASH_DIRECTORY/out"
'

test_done
