#!/bin/sh
# Installs what changeguard needs to build and test, from Debian's packages.
set -eu
packages="cmake make gcc pkg-config git libgit2-dev libpcre2-dev libyaml-dev
libsqlite3-dev libssl-dev libcmocka-dev sqlite3 util-linux python3 pre-commit dpkg-dev
man-db chromium clang libclang-rt-14-dev valgrind
libjson-c-dev libpq-dev postgresql
zlib1g-dev
${CG_EXTRA_PACKAGES:-}"
if [ "$(id -u)" -eq 0 ]; then sudo=; else sudo=sudo; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# shellcheck disable=SC2086 # the list is split on purpose
$sudo apt-get install -y -qq --no-install-recommends $packages >/dev/null
