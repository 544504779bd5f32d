#!/bin/sh
# Benchmark 3: start-up cost on a tiny repository: the pre-commit hook with
# nothing staged against git rev-parse HEAD (target: 1.5x), with the floor
# every libgit2 program pays before doing anything, for scale.
. "$(dirname "$0")/lib.sh"
need_build
floor=$(tool libgit2-floor)
tiny=$(repo tiny)
cd "$tiny"
git reset -q --hard bench-base
hook_env
"$LIBEXEC/pre-commit" || die "the pre-commit hook failed on the tiny repository"
json="$BENCH_TMP/3-startup.json"
hf "$json" --warmup 5 --runs "$(runs 100)" \
	"$LIBEXEC/pre-commit" "$floor" "git rev-parse HEAD"
report "3. start-up on a tiny repository" "$json" 1.5 \
	"pre-commit hook" "libgit2 loaded and initialised, nothing else" "git rev-parse HEAD"
