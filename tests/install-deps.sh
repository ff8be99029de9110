#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Installs the Debian packages given as arguments, only those missing.
# Silent when everything is there; idempotent. "a|b": either will do (the
# first is installed if neither is: kubernetes-client|kubectl, where a
# host has kubectl from Kubernetes' own repository, whose /usr/bin/kubectl
# Debian's package would conflict with).
set -eu
installed() {
	[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" = "install ok installed" ]
}
missing=""
for want in "$@"; do
	ok=""
	for p in $(echo "$want" | tr '|' ' '); do
		installed "$p" && ok=1 && break
	done
	[ -n "$ok" ] || missing="$missing ${want%%|*}"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "make deps: missing packages:$missing (run as root to install them)" >&2
	exit 1
fi
echo "make deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
