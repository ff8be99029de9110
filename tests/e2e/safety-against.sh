#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# The safety checks of safety.sh (a user's containers beside up, then down
# after our daemons were killed) against any runtimes.sh, e.g. an older one:
#   git worktree add /tmp/pw-old b210e4a
#   tests/e2e/safety-against.sh /tmp/pw-old/tests/e2e/runtimes.sh
# Root only; it starts and stops whatever that runtimes.sh starts.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
R=${1:?usage: $0 PATH/TO/runtimes.sh}
# STATE, DATA, CONTAINERD_SOCK as this tree's runtimes.sh has them.
eval "$("$HERE/runtimes.sh" env)"
IMAGE=privwatch/busybox:e2e
LABEL=privwatch-e2e=1
passed=0 failed=0 DOWN_DONE=0
ok() {
	local d=$1
	shift
	if "$@"; then
		echo "  ok   $d"
		passed=$((passed + 1))
	else
		echo "  FAIL $d"
		failed=$((failed + 1))
	fi
}
env_ok() { ok "env: $1" "${@:2}"; }
is() {
	[ "$1" = "$2" ] && return 0
	echo "       got:  $1" >&2
	echo "       want: $2" >&2
	return 1
}
not() { ! "$@"; }
# shellcheck source=tests/e2e/safety.sh
. "$HERE/safety.sh"
trap safety_cleanup EXIT
safety_start
"$R" up || echo "   ($R up failed)"
crash_down
safety_check
echo "$passed passed, $failed failed (DOWN_DONE=$DOWN_DONE)"
[ "$failed" = 0 ]
