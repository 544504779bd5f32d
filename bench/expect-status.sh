#!/bin/sh
# expect-status.sh STATUS COMMAND...: runs COMMAND (output discarded) and
# succeeds when it exits with STATUS, for timing commands that are meant to
# refuse (a push with violations, a history report that finds them).
want=$1
shift
"$@" >/dev/null 2>&1
test $? -eq "$want"
