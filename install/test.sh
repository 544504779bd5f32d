#!/bin/sh
# README's second command: installs the dependencies, builds, and runs every
# test twice: a plain build, then one under AddressSanitizer and
# UndefinedBehaviorSanitizer.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
sh "$top/install/deps.sh"
for variant in build build-asan; do
	flags=
	[ "$variant" = build-asan ] && flags=-DCG_SANITIZE=ON
	echo "== $variant: build"
	sh "$top/install/build.sh" "$variant" $flags
	echo "== $variant: test"
	(cd "$top/$variant" && ctest --output-on-failure -j "$(nproc)")
done
