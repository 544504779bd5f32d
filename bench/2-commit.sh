#!/bin/sh
# Benchmark 2: a whole git commit in the 100,000-file repository with all of
# changeguard's local hooks installed (pre-commit, prepare-commit-msg,
# commit-msg, through the wrappers changeguard install writes) against the
# same commit with no hooks. Before each commit one file and its module's
# CHANGELOG.md are changed and staged. Target: the hooks add at most 25%.
# For scale, the same commit with three hooks that do nothing: as shell
# scripts, and as programs that load and initialise libgit2.
. "$(dirname "$0")/lib.sh"
need_build
floor=$(tool libgit2-floor)
wide=$(repo wide)
cd "$wide"
git reset -q --hard bench-base
hooks="$BENCH_TMP/hooks"
rm -rf "$hooks" && mkdir -p "$hooks/none" "$hooks/shell" "$hooks/libgit2"
for h in pre-commit prepare-commit-msg commit-msg; do
	printf '#!/bin/sh\nexit 0\n' >"$hooks/shell/$h" && chmod +x "$hooks/shell/$h"
	ln -s "$floor" "$hooks/libgit2/$h"
done
"$BUILD/bin/changeguard" install >/dev/null
trap '"$BUILD/bin/changeguard" uninstall >/dev/null; git reset -q --hard bench-base' EXIT
sh "$BENCH_DIR/stage-change.sh" && git commit -q -m "bench: hooks allow it" ||
	die "the hooks refused a commit with an entry"
json="$BENCH_TMP/2-commit.json"
hf "$json" --warmup 1 --runs "$(runs 12)" --prepare "sh $BENCH_DIR/stage-change.sh" \
	"git commit -q -m bench" \
	"git -c core.hooksPath=$hooks/shell commit -q -m bench" \
	"git -c core.hooksPath=$hooks/libgit2 commit -q -m bench" \
	"git -c core.hooksPath=$hooks/none commit -q -m bench"
report "2. git commit, 100,000 files, all local hooks vs none" "$json" 1.25 \
	"git commit with changeguard's hooks" "with 3 hooks that are 'exit 0' shell scripts" \
	"with 3 hooks that only load and initialise libgit2" "git commit without hooks"
