#!/bin/sh
# stage-change.sh: one more change to commit in the wide repository (the
# current directory): a line in a file and a new entry in its module's
# CHANGELOG.md, both staged. Run by bench/2-commit.sh before each commit.
set -e
echo "int line_$(date +%s%N);" >>m07/g3/d3/f03.c
printf -- '- %s Bench: one more change\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >>m07/CHANGELOG.md
git add m07/g3/d3/f03.c m07/CHANGELOG.md
