#!/bin/sh
# Benchmark 1: the pre-commit hook alone on 10 staged changes in a
# 100,000-file repository, against git diff --cached --name-status, which
# finds the same changes with git's index and cache-tree. Target: 1.2x.
. "$(dirname "$0")/lib.sh"
need_build
wide=$(repo wide)
cd "$wide"
stage_ten
hook_env
"$LIBEXEC/pre-commit" || die "the pre-commit hook refused the staged change"
json="$BENCH_TMP/1-pre-commit.json"
hf "$json" --warmup 3 --runs "$(runs 40)" \
	"$LIBEXEC/pre-commit" "git diff --cached --name-status"
report "1. pre-commit, 10 staged changes in 100,000 files ($(git ls-files | wc -l) in the index)" \
	"$json" 1.2 "pre-commit hook" "git diff --cached --name-status"
