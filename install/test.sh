#!/bin/sh
# README's second command: installs the dependencies, builds, and runs every
# test: a plain build; the hooks of the core end-to-end scenarios under
# valgrind memcheck (tests/valgrind.sh runs them all, for hours); then every
# test again in a build under AddressSanitizer and UndefinedBehaviorSanitizer;
# then the other libgit2 versions users have (see the end). Tests labelled
# "heavy" (stress runs), and the fuzzers of t0990 (sanitized builds of their
# own), run in the plain build only.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
sh "$top/install/deps.sh"

# ctest -j starts the tests that took longest first, by the timings a build
# directory keeps (Testing/Temporary/CTestCostData.txt); the later runs are
# given the plain run's, so that no long test starts last and runs alone.
plain_timings() {
	mkdir -p "$top/$1/Testing/Temporary" &&
	cp "$top/build/Testing/Temporary/CTestCostData.txt" "$top/$1/Testing/Temporary/"
}

echo "== build: build"
sh "$top/install/build.sh" build
echo "== build: test"
(cd "$top/build" && ctest --output-on-failure -j "$(nproc)")

# This project checks its own history with the tools just built: every
# commit since it adopted changeguard, the commit that added .changeguard.yml
# (docs/reference.md, "Adopting changeguard in an existing repository").
echo "== build: changeguard check of every commit since the adoption"
if adoption=$(git -C "$top" log --diff-filter=A --format=%H -- .changeguard.yml 2>/dev/null | tail -n 1) &&
	[ -n "$adoption" ]; then
	(cd "$top" && "$top/build/bin/changeguard" check "$adoption^..HEAD")
else
	echo "NOTE: no git history with .changeguard.yml here: the project's own commits are not checked"
fi

# The core scenarios (pre-commit, commit-msg, pre-receive) and the server's
# bypass attempts; the local bypass ones (t0920) run the same local hooks as
# t0100 and t0200, and are left out to keep CI under 30 minutes.
echo "== valgrind: the hooks of t0100, t0200, t0500 and t0950 under memcheck"
sh "$top/tests/valgrind.sh" -b "$top/build-valgrind" '/t0(100|200|500|950)-'

echo "== build-asan: build"
sh "$top/install/build.sh" build-asan -DCG_SANITIZE=ON
echo "== build-asan: test"
# Not t0990 again: it builds its fuzzers with clang under ASan and UBSan
# itself, the same in either build, and ran in the plain one. Nor the two
# scenarios of huge inputs (t0901: 200,000 files; t0965: 45,000-level
# trees), a minute and more each under the sanitizers: they run in the plain
# and libgit2 1.8 builds, and CI stays under 30 minutes.
plain_timings build-asan
(cd "$top/build-asan" && ctest --output-on-failure -j "$(nproc)" -E 't0990|t0901|t0965' -LE heavy)

# Debian's other libgit2 versions, unpacked into private prefixes so that the
# system's 1.5.1 stays as it is. bookworm-backports' 1.8.4: a plain build and
# its tests (no sanitizer variant, nor the fuzzers of t0990, which are one),
# so that the whole of CI stays under 30 minutes on two cores; it adds about
# 8 of them. trixie's 1.9 needs trixie's C library to run, so its headers are
# compiled against without linking, and without libgit2's deprecated names.
for v in 1.8 1.9; do
	sh "$top/install/libgit2-prefix.sh" "$v" "$top/build-libgit2/$v"
done
echo "== build-libgit2-1.8: build"
PKG_CONFIG_PATH=$top/build-libgit2/1.8/lib/pkgconfig sh "$top/install/build.sh" build-libgit2-1.8
echo "== build-libgit2-1.8: test"
plain_timings build-libgit2-1.8
(cd "$top/build-libgit2-1.8" && ctest --output-on-failure -j "$(nproc)" -E t0990 -LE heavy)
echo "== build-libgit2-1.9: compile only"
PKG_CONFIG_PATH=$top/build-libgit2/1.9/lib/pkgconfig sh "$top/install/build.sh" build-libgit2-1.9 \
	-DCMAKE_C_FLAGS=-DGIT_DEPRECATE_HARD "-DCMAKE_C_LINK_EXECUTABLE=<CMAKE_COMMAND> -E touch <TARGET>"
