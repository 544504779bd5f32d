#!/bin/sh
# README's first command: installs the dependencies, builds, and shows the
# main job in a throw-away repository: a commit refused for a missing
# CHANGELOG entry, the hint, the fix, the commit accepted.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
sh "$top/install/deps.sh"
sh "$top/install/build.sh" build
PATH="$top/build/bin:$PATH"
demo=$(mktemp -d "${TMPDIR:-/tmp}/changeguard-demo.XXXXXX")
step() { printf '\n\033[1m$ %s\033[m\n' "$*"; }
run() { step "$*"; sh -c "$*" || echo "(exit status $?)"; }

cd "$demo"
export GIT_AUTHOR_NAME="Demo User" GIT_AUTHOR_EMAIL=demo@example.com
export GIT_COMMITTER_NAME="Demo User" GIT_COMMITTER_EMAIL=demo@example.com
run "git init -q -b main . && changeguard init && git add -A && git commit -q -m 'start' --trailer 'Policy-Authorized-By: Demo User <demo@example.com>' --no-verify && git log --oneline"
run "changeguard install"
run "echo 'int main(void) { return 0; }' > app.c && git add app.c"
run "git commit -m 'Add app'"
run "changeguard entry 'Add the app'"
run "git commit -m 'Add app' && git log --oneline && head -n 6 CHANGELOG.md"
printf '\nThe demo repository is %s\n' "$demo"
