#!/bin/sh
# fresh-bare.sh DIR [HOOK [POLICY]]: an empty bare repository at DIR, with
# HOOK as its pre-receive hook and POLICY (a file) as the server's policy,
# if given. Run by bench/5-pre-receive.sh before each push.
set -e
rm -rf "$1"
git init -q --bare "$1"
test -z "${2:-}" || ln -s "$2" "$1/hooks/pre-receive"
test -z "${3:-}" || cp "$3" "$1/changeguard.yml"
