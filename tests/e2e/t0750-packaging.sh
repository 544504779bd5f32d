#!/bin/sh
test_description='cmake --install layout and the .deb from cpack, extracted and run'
. "$CG_SOURCE_DIR/tests/e2e/test-lib.sh"

# Sets up a repository with a code change and no entry, installs the hooks
# with the changeguard in $1, and shows that they run from its libexec.
enforce_with() {
	git init -q "$2" && cd "$2" &&
	"$1/bin/changeguard" init >/dev/null &&
	git add -A && git commit -q -m init --trailer "Policy-Authorized-By: Lead <l@example.com>" &&
	"$1/bin/changeguard" install >/dev/null &&
	test_grep "hook=.$1/libexec/changeguard/commit-msg.$" .git/hooks/commit-msg &&
	echo x >x.c && git add x.c &&
	test_must_fail git commit -q -m x 2>err &&
	test_grep "needs a new entry" err &&
	"$1/bin/changeguard" entry "add x" >/dev/null &&
	git commit -q -m x &&
	"$1/bin/changeguard" doctor >out &&
	test_grep "^ok: hook executables in $1/libexec/changeguard" out
}

test_expect_success 'cmake --install puts everything in its place' '
	cmake --install "$CG_BUILD_DIR" --prefix "$TRASH_DIRECTORY/inst" >/dev/null &&
	cd inst &&
	for f in bin/changeguard libexec/changeguard/pre-commit libexec/changeguard/prepare-commit-msg \
		libexec/changeguard/commit-msg libexec/changeguard/pre-receive; do
		test -x $f || { echo "missing $f"; return 1; }
	done &&
	for f in share/man/man1/changeguard.1 share/man/man1/changelog-audit.1 \
		share/man/man5/changeguard.yml.5 share/bash-completion/completions/changeguard \
		share/bash-completion/completions/changelog-audit; do
		test -f $f || { echo "missing $f"; return 1; }
	done &&
	{ ! command -v man >/dev/null ||
	  { man -l share/man/man5/changeguard.yml.5 >page && test_grep "append_only" page; }; } &&
	bash -c ". share/bash-completion/completions/changeguard &&
		COMP_WORDS=(changeguard ch); COMP_CWORD=1; _changeguard && echo \"\${COMPREPLY[*]}\"" >compl &&
	echo check >expect && test_cmp expect compl
'

test_expect_success 'the installed copy installs hooks that run from its own libexec' '
	enforce_with "$TRASH_DIRECTORY/inst" r1
'

test_expect_success 'the .deb extracts to a working changeguard' '
	command -v dpkg-deb >/dev/null &&
	cpack --config "$CG_BUILD_DIR/CPackConfig.cmake" -G DEB -B "$TRASH_DIRECTORY/deb" >cpack.out &&
	deb=$(ls deb/changeguard_*.deb) &&
	dpkg-deb -f "$deb" Package Depends >fields &&
	test_grep "^Package: changeguard" fields &&
	test_grep "^Depends: .*git" fields &&
	soversion=$(objdump -p "$CG_BUILD_DIR/bin/changeguard" | sed -n "s/^ *NEEDED *libgit2\.so\.//p") &&
	test -n "$soversion" &&
	test_grep "libgit2-$soversion (>= $soversion" fields &&
	test_grep "libjson-c5 (>= 0.15)" fields &&
	test_grep "libsqlite3-0 (>= 3.24)" fields &&
	dpkg -x "$deb" root &&
	test -x root/usr/bin/changeguard &&
	test -x root/usr/libexec/changeguard/commit-msg &&
	test -f root/usr/share/man/man1/changeguard.1 &&
	root/usr/bin/changeguard --version >out && test_grep "^changeguard [0-9]" out &&
	enforce_with "$TRASH_DIRECTORY/root/usr" r2
'

test_done
