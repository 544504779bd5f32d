#!/bin/sh
# README's second command: installs the dependencies, builds, and runs every
# test: a plain build; the hooks of the core end-to-end scenarios under
# valgrind memcheck (tests/valgrind.sh runs them all, for hours); then every
# test again in a build under AddressSanitizer and UndefinedBehaviorSanitizer.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
sh "$top/install/deps.sh"

echo "== build: build"
sh "$top/install/build.sh" build
echo "== build: test"
(cd "$top/build" && ctest --output-on-failure -j "$(nproc)")

echo "== valgrind: the hooks of t0100, t0200, t0500, t0920 and t0950 under memcheck"
sh "$top/tests/valgrind.sh" -b "$top/build-valgrind" '/t0(100|200|500|920|950)-'

echo "== build-asan: build"
sh "$top/install/build.sh" build-asan -DCG_SANITIZE=ON
echo "== build-asan: test"
(cd "$top/build-asan" && ctest --output-on-failure -j "$(nproc)")
