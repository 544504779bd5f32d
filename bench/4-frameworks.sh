#!/bin/sh
# Benchmark 4: the same changelog check three ways on the 10 staged changes
# of benchmark 1: changeguard's pre-commit hook, a plain shell hook
# (bench/changelog-check.sh), and that shell check run as a local hook by
# the pre-commit framework (Debian package pre-commit). Ratios are to ours.
. "$(dirname "$0")/lib.sh"
need_build
command -v pre-commit >/dev/null || skip "4. the changelog check three ways" \
	"the pre-commit framework is not installed (apt-get install pre-commit)"
config="$BENCH_TMP/pre-commit-config.yaml"
export PRE_COMMIT_HOME="$BENCH_TMP/pre-commit-home"
cat >"$config" <<YAML
repos:
  - repo: local
    hooks:
      - id: changelog
        name: changelog entry
        entry: sh $BENCH_DIR/changelog-check.sh
        language: system
        pass_filenames: false
        always_run: true
YAML
wide=$(repo wide)
cd "$wide"
stage_ten
hook_env
for check in "$LIBEXEC/pre-commit" "sh $BENCH_DIR/changelog-check.sh" \
	"pre-commit run --config $config"; do
	$check >/dev/null 2>&1 || die "'$check' refused the staged change"
done
# The shell check is a real check: a change without an entry fails it.
echo "int unlogged;" >>m05/g0/d0/f00.c && git add m05/g0/d0/f00.c
! sh "$BENCH_DIR/changelog-check.sh" 2>/dev/null || die "the shell check let a change without an entry through"
git reset -q m05/g0/d0/f00.c && git checkout -q m05/g0/d0/f00.c
json="$BENCH_TMP/4-frameworks.json"
hf "$json" --warmup 2 --runs "$(runs 10)" \
	"sh $BENCH_DIR/changelog-check.sh" "pre-commit run --config $config" "$LIBEXEC/pre-commit"
report "4. the changelog check three ways, 10 staged changes in 100,000 files" "$json" - \
	"plain shell hook" "pre-commit framework, local hook (the shell check)" "changeguard pre-commit"
