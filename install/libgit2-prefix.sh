#!/bin/sh
# Unpacks another Debian libgit2 into a private prefix, leaving the system's
# libgit2 untouched: install/libgit2-prefix.sh VERSION DIR, VERSION 1.8
# (bookworm-backports: headers and runtime, to build and run the tests) or
# 1.9 (trixie: headers only, its runtime needs trixie's C library).
# Afterwards build with PKG_CONFIG_PATH=DIR/lib/pkgconfig; the .pc file is
# rewritten to DIR and its libraries carry DIR's lib/ as their RUNPATH.
#
# apt works from a private state under DIR/apt (its own sources list, lists
# and cache) on the mirror the machine already uses, so neither the system's
# sources nor its installed packages change: a trixie source among the
# system's would make every later `apt-get install` pick trixie's packages.
set -eu
[ $# -eq 2 ] || { echo "usage: $0 VERSION DIR" >&2; exit 2; }
version=$1
dir=$2
case $version in
	1.8) suite=bookworm-backports base=bookworm runtime=yes ;;
	1.9) suite=trixie base=trixie runtime=no ;;
	*) echo "changeguard: no Debian suite known for libgit2 $version" >&2
	   echo "hint: $0 1.8 $dir" >&2; exit 2 ;;
esac
mkdir -p "$dir" && dir=$(cd "$dir" && pwd)
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
if [ -f "$dir/lib/pkgconfig/libgit2.pc" ]; then
	echo "libgit2 $version already in $dir"; exit 0
fi

# The mirror serving the machine's own bookworm packages serves the others.
mirror=${CG_DEBIAN_MIRROR:-$(apt-cache policy |
	awk '$3 == "bookworm/main" { print $2; exit }')}
[ -n "$mirror" ] || mirror=http://deb.debian.org/debian
state=$dir/apt
mkdir -p "$state/lists/partial" "$state/cache/archives/partial" "$state/parts" "$state/debs"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
printf 'deb [signed-by=%s] %s %s main\n' "$keyring" "$mirror" "$base" "$keyring" "$mirror" "$suite" |
	sort -u >"$state/sources.list"
apt() {
	apt-get -q -o Dir::Etc::SourceList="$state/sources.list" \
		-o Dir::Etc::SourceParts="$state/parts" \
		-o Dir::State::Lists="$state/lists" -o Dir::Cache="$state/cache" \
		-o APT::Default-Release="$suite" -o APT::Sandbox::User=root "$@"
}
apt update >/dev/null

packages="libgit2-dev/$suite"
if [ "$runtime" = yes ]; then
	# The runtime and whatever it needs beyond what the system has (a newer
	# HTTP parser, for instance), as apt would install them here.
	packages="$packages $(apt install -s --no-install-recommends "libgit2-$version" |
		awk '$1 == "Inst" { print $2 }')"
fi
# shellcheck disable=SC2086 # one word per package
(cd "$state/debs" && apt download $packages >/dev/null)
for deb in "$state"/debs/*.deb; do
	dpkg-deb -x "$deb" "$dir"
done

# The .pc file names /usr; ours names DIR, with its lib/ as RUNPATH, so the
# binaries built against it find it without LD_LIBRARY_PATH.
mkdir -p "$dir/lib/pkgconfig"
sed -e "/^\(prefix\|libdir\|includedir\)=/s|/usr|$dir/usr|" \
	-e "s|^Libs: |Libs: -Wl,-rpath,$dir/usr/lib/$multiarch |" \
	"$dir/usr/lib/$multiarch/pkgconfig/libgit2.pc" >"$dir/lib/pkgconfig/libgit2.pc"
echo "libgit2 $(sed -n 's/^Version: //p' "$dir/lib/pkgconfig/libgit2.pc") in $dir"
