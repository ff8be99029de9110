#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Run by overlay.sh inside the throwaway root (chroot): installs, reinstalls,
# upgrades and purges the package with dpkg and checks each step. No
# systemd runs in this root (no /run/systemd/system) and policy-rc.d
# refuses every start: the unit is enabled and disabled, never started.
# Usage: in-root.sh DEB_OLD DEB_NEW VERSION_OLD VERSION_NEW SECURITY_MAX
set -u
old=$1 new=$2 v_old=$3 v_new=$4 sec_max=$5
passed=0 failed=0
log=$(mktemp)
ok() { echo "  ok   $*"; passed=$((passed + 1)); }
fail() { echo "  FAIL $*"; failed=$((failed + 1)); }
# check DESCRIPTION COMMAND...: the command's output shown when it fails
check() {
	local what=$1
	shift
	if "$@" >"$log" 2>&1; then
		ok "$what"
	else
		fail "$what"
		tail -20 "$log" | sed 's/^/       /'
	fi
}
installed_version() { dpkg-query -W -f='${Status} ${Version}' privwatch 2>/dev/null; }
unit=/lib/systemd/system/privwatch.service
wants=/etc/systemd/system/multi-user.target.wants/privwatch.service
conf=/etc/privwatch/rules.d/00-lists.json
export DEBIAN_FRONTEND=noninteractive

printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
chmod 0755 /usr/sbin/policy-rc.d
if [ -d /run/systemd/system ]; then
	fail "this root has /run/systemd/system: a service could start; not installing"
	echo "$passed passed, $failed failed"
	exit 1
fi

check "dpkg -i $(basename "$old")" dpkg -i "$old"
check "installed, version $v_old" test "$(installed_version)" = "install ok installed $v_old"
check "/usr/sbin/privwatch --version says $v_old" \
	sh -c "/usr/sbin/privwatch --version | grep -q '^privwatch $v_old '"
nrules=$(find /pwtest/rules -name '*.json' | wc -l)
check "$nrules rule files in /etc/privwatch/rules.d, each a conffile" sh -c "
	[ \$(find /etc/privwatch/rules.d -name '*.json' | wc -l) = $nrules ] &&
	[ \$(dpkg-query -W -f='\${Conffiles}\n' privwatch | grep -c '/etc/privwatch/rules.d/.*\.json') = $nrules ]"
check "privwatch rules check finds the installed rules by default" \
	sh -c "/usr/sbin/privwatch rules check | grep -q '^/etc/privwatch/rules.d: [0-9]* rules OK'"
# man -w finds it; man -l - renders it (stdin: man-db writes no cat page).
check "man 8 privwatch" sh -c "p=\$(man -w 8 privwatch) && [ \$p = /usr/share/man/man8/privwatch.8.gz ] &&
	zcat \$p | MANPAGER=cat man -l - | grep -q 'privwatch run'"
check "unit installed and enabled (multi-user.target.wants)" \
	sh -c "[ -f $unit ] && [ \"\$(readlink $wants)\" = $unit ]"
check "systemd-analyze verify $unit" sh -c "
	systemd-analyze verify $unit >/tmp/verify.out 2>&1; rc=\$?; cat /tmp/verify.out
	[ \$rc = 0 ] && [ ! -s /tmp/verify.out ]"
# verify checks Documentation=man:privwatch(8) by running man, which leaves
# a cat page in man-db's cache: the test's doing, not the package's.
rm -f /var/cache/man/cat8/privwatch.8.gz
systemd-analyze security --offline=true "$unit" >"$log" 2>&1
score=$(sed -n 's/.*Overall exposure level for privwatch.service: \([0-9.]*\).*/\1/p' "$log")
if [ -n "$score" ] && awk -v s="$score" -v m="$sec_max" 'BEGIN { exit !(s <= m) }'; then
	ok "systemd-analyze security --offline=true: exposure $score (at most $sec_max)"
else
	fail "systemd-analyze security --offline=true: exposure '${score:-?}', more than $sec_max"
	grep '✗' "$log" | sed 's/^/       /'
fi

# A conffile changed here: kept across the reinstall and the upgrade.
printf '\n' >>"$conf"
sum=$(md5sum <"$conf")
check "dpkg -i $(basename "$old") again (reinstall)" dpkg -i --force-confold "$old"
check "still installed, version $v_old" test "$(installed_version)" = "install ok installed $v_old"
check "dpkg -i $(basename "$new") (upgrade)" dpkg -i --force-confold "$new"
check "installed, version $v_new" test "$(installed_version)" = "install ok installed $v_new"
check "/usr/sbin/privwatch --version says $v_new" \
	sh -c "/usr/sbin/privwatch --version | grep -q '^privwatch $v_new '"
check "the locally changed conffile kept across reinstall and upgrade" \
	test "$(md5sum <"$conf")" = "$sum"
check "rules check after the upgrade" /usr/sbin/privwatch rules check
check "unit still enabled after the upgrade" test "$(readlink $wants)" = $unit

check "dpkg -P privwatch" dpkg -P privwatch
check "not installed any more" sh -c "! dpkg-query -W -f='\${Status}' privwatch 2>/dev/null | grep -q installed"
left=$(ls -d /usr/sbin/privwatch /etc/privwatch $unit $wants /usr/share/man/man8/privwatch.8.gz \
	/usr/share/doc/privwatch /var/lib/dpkg/info/privwatch.* \
	/var/lib/systemd/deb-systemd-helper-enabled/privwatch.service \
	/var/lib/systemd/deb-systemd-helper-enabled/multi-user.target.wants/privwatch.service 2>/dev/null)
check "purge left none of the package's paths${left:+: $left}" test -z "$left"

rm -f /usr/sbin/policy-rc.d "$log"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
