#!/bin/sh
# ctest-cost: 130 (seconds in the plain build: ctest -j starts the costliest first)
test_description='libFuzzer targets: every seed replayed, then a short fuzzing run of each (needs clang)'
. "$CG_SOURCE_DIR/tests/e2e/test-lib.sh"

# CI runs each target briefly; tests/fuzz/run.sh -t SECONDS runs them longer.
seconds=${CG_FUZZ_SECONDS:-10}

# clang with the libFuzzer runtime (Debian: clang and libclang-rt-14-dev).
have_libfuzzer() {
	command -v clang >/dev/null &&
	printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { (void)d; (void)n; return 0; }\n' >probe.c &&
	clang -fsanitize=fuzzer,address,undefined probe.c -o probe 2>/dev/null
}

if (cd "$TRASH_DIRECTORY" && have_libfuzzer); then
	test_expect_success "each target replays its seeds and fuzzes ${seconds}s without a failure" '
		sh "$CG_SOURCE_DIR/tests/fuzz/run.sh" -t "$seconds" -b "$CG_BUILD_DIR/fuzz-build" >out 2>&1 ||
		{ cat out; false; }
	'
else
	test_skip 'fuzzing' 'no clang with the libFuzzer runtime'
fi

test_done
