#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# The package part of make test (tests/run-everything.sh package):
#   - the man page against every --help (man-options.sh);
#   - the Kubernetes manifests (deploy/kubernetes/check.sh);
#   - make deb twice, VERSION and VERSION+pkgtest1; then, in a throwaway
#     overlay of / in a mount namespace of its own (overlay.sh, in-root.sh):
#     dpkg -i, the installed binary run, its files, the unit verified and
#     scored (systemd-analyze), dpkg -i again, the upgrade, dpkg -P, and
#     nothing left. The host never has the package installed; no service
#     is started (no systemd in that root, and policy-rc.d refuses).
# Ends with "N passed, N failed" (and "N N 0" in $PRIVWATCH_RESULTS).
# PRIVWATCH_SECURITY_MAX: the highest exposure systemd-analyze security may
# give the unit (default 3.7, what it scores today).
set -u
cd "$(dirname "$0")/../.."
tree=$PWD
passed=0 failed=0
sec_max=${PRIVWATCH_SECURITY_MAX:-3.7}

# part NAME COMMAND...: runs a script that ends with "N passed, N failed"
# (overlay.sh: one such line for in-root.sh, one of its own; all summed).
part() {
	local name=$1 out p f
	shift
	echo "== $name"
	out=$(mktemp)
	"$@" 2>&1 | tee "$out"
	p=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed.*/\1/p' "$out" | awk '{ s += $1 } END { print s }')
	f=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed.*/\2/p' "$out" | awk '{ s += $1 } END { print s }')
	if ! grep -q '^[0-9]* passed, [0-9]* failed' "$out"; then
		echo "  FAIL $name ended without a summary: counted as 1 failure"
		p=0 f=1
	fi
	passed=$((passed + p)) failed=$((failed + f))
	rm -f "$out"
}
fail() { echo "  FAIL $*"; failed=$((failed + 1)); }
finish() {
	echo "$passed passed, $failed failed"
	[ -z "${PRIVWATCH_RESULTS:-}" ] || echo "$passed $failed 0" >"$PRIVWATCH_RESULTS"
	[ "$failed" = 0 ]
	exit
}

part man tests/package/man-options.sh .output/privwatch
part kubernetes deploy/kubernetes/check.sh

echo "== deb"
v_old=$(cat VERSION)
v_new=$v_old+pkgtest1
debs=.output/deb
for v in "$v_old" "$v_new"; do
	if make --no-print-directory deb VERSION="$v" DEB_OUTPUT="$debs"; then
		echo "  ok   make deb VERSION=$v"
		passed=$((passed + 1))
	else
		fail "make deb VERSION=$v"
		finish
	fi
done
arch=$(dpkg --print-architecture)
old=$tree/$debs/privwatch_${v_old}_$arch.deb
new=$tree/$debs/privwatch_${v_new}_$arch.deb

if [ "$(id -u)" != 0 ]; then
	fail "installing needs root (a mount namespace, an overlay of /)"
	finish
fi
work=$(mktemp -d /tmp/pw-package.XXXXXX)
part "install, upgrade, purge (overlay of /)" unshare --mount --propagation private -- \
	tests/package/overlay.sh "$work" "$tree" "$old" "$new" "$v_old" "$v_new" "$sec_max"
rmdir "$work"
finish
