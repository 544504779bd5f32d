#!/bin/sh
# changelog-check.sh: changeguard's changelog rule (nearest mode, default
# ignores) as a team would write it in shell, for bench/4-frameworks.sh:
# every staged path outside the ignored ones needs a new entry, with a UTC
# timestamp, in the nearest CHANGELOG.md, staged in the same commit.
# Exit 1 and a line per path when one is missing.
entry='^\+[[:space:]]*([-*]|#{2,4})[[:space:]]+[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?Z'
changed=$(git diff --cached --name-only --no-renames) || exit 3
logs=$(git ls-files -- 'CHANGELOG.md' '*/CHANGELOG.md') || exit 3
status=0
needed=
for path in $changed; do
	case "$path" in
	*.md | docs/* | .github/*) continue ;;
	esac
	dir=$path
	log=
	while test "$dir" != . && test -z "$log"; do
		dir=$(dirname "$dir")
		candidate=CHANGELOG.md
		test "$dir" = . || candidate=$dir/CHANGELOG.md
		case "
$logs
" in
		*"
$candidate
"*) log=$candidate ;;
		esac
	done
	if test -z "$log"; then
		echo "changelog: $path: no CHANGELOG.md above it" >&2
		status=1
		continue
	fi
	case " $needed " in
	*" $log "*) ;;
	*) needed="$needed $log" ;;
	esac
done
for log in $needed; do
	if ! git diff --cached -U0 --no-renames -- "$log" | grep -Eq "$entry"; then
		echo "changelog: $log needs a new entry with a UTC timestamp" >&2
		status=1
	fi
done
exit $status
