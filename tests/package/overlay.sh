#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Run by package.sh under `unshare --mount --propagation private`: a root
# that is this machine's / under an overlay whose writes go to a tmpfs,
# with its own /proc, /dev and /sys; in-root.sh runs there (chroot). When
# this mount namespace ends the overlay and every write are gone: the host
# never has the package installed, its dpkg database and /etc untouched,
# and concurrent tests on the host never see /etc/privwatch. Afterwards the
# overlay's upper layer shows what the package left behind.
# Usage: overlay.sh WORKDIR TREE DEB_OLD DEB_NEW VERSION_OLD VERSION_NEW SECURITY_MAX
#        (WORKDIR: an empty directory, package.sh's, a tmpfs is mounted there)
set -u
work=$1 tree=$2
shift 2
fail() {
	echo "  FAIL $*"
	echo "0 passed, 1 failed"
	exit 1
}
mount -t tmpfs -o mode=0755 pw-package "$work" || fail "tmpfs for the overlay"
mkdir "$work/upper" "$work/ovl" "$work/root"
mount -t overlay pw-package -o "lowerdir=/,upperdir=$work/upper,workdir=$work/ovl" "$work/root" ||
	fail "overlay of / (lowerdir=/)"
r=$work/root
mount -t proc proc "$r/proc" || fail "proc in the root"
mount --rbind /dev "$r/dev" || fail "/dev in the root"
mount --rbind /sys "$r/sys" || fail "/sys in the root"
# The root's /run and /tmp are the root file system's (empty) directories:
# no /run/systemd/system, so deb-systemd-invoke starts nothing.
mount -t tmpfs tmpfs "$r/run"
mount -t tmpfs tmpfs "$r/tmp"
mkdir "$r/pwtest"
mount -t tmpfs tmpfs "$r/pwtest"
mkdir "$r/pwtest/debs" "$r/pwtest/rules"
cp "$1" "$2" "$r/pwtest/debs/"
cp "$tree"/rules/*.json "$r/pwtest/rules/"
cp "$tree/tests/package/in-root.sh" "$r/pwtest/"
chroot "$r" /pwtest/in-root.sh "/pwtest/debs/$(basename "$1")" "/pwtest/debs/$(basename "$2")" \
	"$3" "$4" "$5"
rc=$?
# What the install wrote and the purge did not remove (dpkg's own
# bookkeeping, logs and caches aside: their names do not say privwatch).
left=$(cd "$work/upper" && find . -path ./pwtest -prune -o -iname '*privwatch*' -print 2>/dev/null |
	grep -v '^\./pwtest$' | tr '\n' ' ')
if [ -z "$left" ]; then
	echo "  ok   nothing named privwatch left in the root after the purge"
	echo "1 passed, 0 failed"
else
	echo "  FAIL left in the root after the purge: $left"
	echo "0 passed, 1 failed"
	rc=1
fi
exit $rc
