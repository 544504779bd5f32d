#!/bin/sh
# fresh-bare.sh DIR [HOOK [POLICY]]: an empty bare repository at DIR, with
# HOOK as its pre-receive hook if given, and a copy of POLICY as its server
# policy (DIR/changeguard.yml) if given. Run by bench/5-pre-receive.sh and
# bench/8-push-pg.sh before each push.
set -e
rm -rf "$1"
git init -q --bare "$1"
test -z "${2:-}" || ln -s "$2" "$1/hooks/pre-receive"
test -z "${3:-}" || cp "$3" "$1/changeguard.yml"
