#!/bin/sh
test_description='a policy that is not a file, or cannot be read, is an error for every hook and command, never the defaults'
. "$CG_SOURCE_DIR/tests/e2e/test-lib.sh"
. "$CG_SOURCE_DIR/tests/e2e/lib-pre-receive.sh"

# corrupt_object OID: overwrites the loose object with garbage.
corrupt_object() {
	co_f=$(git rev-parse --git-dir)/objects/$(echo "$1" | cut -c1-2)/$(echo "$1" | cut -c3-) &&
	test -f "$co_f" && chmod u+w "$co_f" && printf garbage >"$co_f"
}

# A repository whose HEAD holds a policy, its blob then corrupted.
corrupt_policy_repo() {
	new_repo "$1" && cd "$1" &&
	printf "changelog:\n  mode: root\n" >.changeguard.yml && git add .changeguard.yml &&
	git commit -q --no-verify -m policy &&
	corrupt_object "$(git rev-parse HEAD:.changeguard.yml)"
}

test_expect_success 'local hooks: a staged symlink at the policy path is exit 2' '
	new_repo l1 && cd l1 &&
	ln -s CHANGELOG.md .changeguard.yml && git add .changeguard.yml &&
	test_expect_code 2 "$CG_LIBEXEC/pre-commit" 2>err &&
	test_grep "changeguard: .changeguard.yml is a symlink, not a file" err
'

test_expect_success 'local hooks: HEAD'\''s policy as a directory, or unreadable, is an error' '
	new_repo l2 && cd l2 &&
	mkdir .changeguard.yml && echo x >.changeguard.yml/x && git add .changeguard.yml &&
	git commit -q --no-verify -m "a directory" &&
	test_must_fail good_commit a.c "code" 2>err &&
	test_grep "HEAD:.changeguard.yml is a directory, not a file" err &&
	cd .. && corrupt_policy_repo l3 &&
	echo code >a.c && add_entry code && git add a.c CHANGELOG.md &&
	test_expect_code 3 "$CG_LIBEXEC/pre-commit" 2>err &&
	test_grep "cannot read .*.changeguard.yml" err
'

test_expect_success 'check --staged: a symlink policy is exit 2, an unreadable one exit 3' '
	new_repo c1 && cd c1 &&
	ln -s CHANGELOG.md .changeguard.yml && git add .changeguard.yml &&
	test_expect_code 2 changeguard check --staged 2>err &&
	test_grep ".changeguard.yml is a symlink, not a file" err &&
	cd .. && corrupt_policy_repo c2 &&
	test_expect_code 3 changeguard check HEAD 2>err &&
	test_grep "cannot read .*.changeguard.yml" err
'

test_expect_success 'history: a policy at HEAD that is a directory, or unreadable, is an error' '
	new_repo h1 && cd h1 &&
	mkdir .changeguard.yml && echo x >.changeguard.yml/x && git add .changeguard.yml &&
	git commit -q --no-verify -m "a directory" &&
	test_expect_code 2 changelog-audit history 2>err &&
	test_grep "HEAD:.changeguard.yml is a directory, not a file" err &&
	cd .. && corrupt_policy_repo h2 &&
	test_expect_code 3 changelog-audit history 2>err &&
	test_grep "cannot read HEAD:.changeguard.yml" err
'

test_expect_success 'pre-receive: the branch'\''s policy as a submodule, or unreadable, refuses the push' '
	new_pair s1 && cd s1 &&
	git update-index --add --cacheinfo 160000,$(git rev-parse HEAD),.changeguard.yml &&
	git commit -q --no-verify -m "a submodule" && push_unchecked main &&
	good_commit a.c "code" &&
	test_must_fail git push origin main 2>err &&
	test_grep "refs/heads/main:.changeguard.yml is a submodule, not a file" err &&
	cd .. && new_pair s2 && cd s2 &&
	printf "changelog:\n  mode: root\n" >.changeguard.yml && git add .changeguard.yml &&
	git commit -q --no-verify -m policy && push_unchecked main &&
	(cd ../s2.git && corrupt_object "$(git rev-parse main:.changeguard.yml)") &&
	good_commit a.c "code" &&
	test_must_fail git push origin main 2>err &&
	test_grep "cannot read refs/heads/main:.changeguard.yml" err
'

test_expect_success 'doctor: a staged symlink policy, or an unreadable one on the server, is a problem' '
	new_repo d1 && cd d1 &&
	ln -s CHANGELOG.md .changeguard.yml && git add .changeguard.yml &&
	test_expect_code 1 changeguard doctor >out &&
	test_grep "^problem: .changeguard.yml is a symlink, not a file" out &&
	cd .. && git clone -q --bare d1 d2.git && cd d1 && git rm -q --cached .changeguard.yml &&
	rm .changeguard.yml && printf "changelog:\n  mode: root\n" >.changeguard.yml && git add .changeguard.yml &&
	git commit -q --no-verify -m policy && git push -q ../d2.git HEAD:main &&
	cd ../d2.git && corrupt_object "$(git rev-parse main:.changeguard.yml)" &&
	test_expect_code 1 changeguard doctor >out &&
	test_grep "^problem: cannot read HEAD:.changeguard.yml" out
'

test_done
