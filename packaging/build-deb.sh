#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# make deb: the Debian package of this tree, version VERSION, built with
# debhelper (dpkg-buildpackage -b) in a copy of the tree under OUTDIR, so
# the tree gets no debian/ directory and nothing is written beside it.
# The copy's VERSION file says VERSION (make deb VERSION=0.1.0+1: a bumped
# package, for the upgrade test), debian/ is packaging/debian/ with a
# changelog written for that version.
# Usage: build-deb.sh VERSION OUTDIR   -> OUTDIR/privwatch_VERSION_<arch>.deb
set -eu
version=$1
out=$2
cd "$(dirname "$0")/.."
mkdir -p "$out"
out=$(cd "$out" && pwd)
src=$out/privwatch-$version
rm -rf "$src"
mkdir -p "$src"
# What the build reads: the sources, the rules, the man source, the unit.
cp -a Makefile agent bpf include rules vmlinux packaging "$src"/
mkdir -p "$src/docs" && cp -a docs/man "$src/docs/"
echo "$version" >"$src/VERSION"
cp -a packaging/debian "$src/debian"
cat >"$src/debian/changelog" <<CL
privwatch ($version) unstable; urgency=medium

  * Built from the privwatch tree (VERSION $version).

 -- $(sed -n 's/^Maintainer: //p' packaging/debian/control)  $(date -R)
CL
cd "$src"
jobs=$(nproc 2>/dev/null || echo 2)
echo "  DEB      $out/privwatch_${version}_$(dpkg --print-architecture).deb"
if ! DEB_BUILD_OPTIONS="parallel=$jobs" dpkg-buildpackage -b -us -uc >"$out/build-$version.log" 2>&1; then
	tail -40 "$out/build-$version.log"
	echo "make deb: dpkg-buildpackage failed (log: $out/build-$version.log)" >&2
	exit 1
fi
cd "$out"
rm -rf "$src"
