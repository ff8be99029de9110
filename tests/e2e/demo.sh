#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# make demo: privwatch with the default rules, a default and a privileged
# Docker container doing the same things (the background article's: a
# capability, a mount, a write under /sys written back, a device open),
# then privwatch ps and the alerts, one line each. Docker is set up as the
# tests do (tests/e2e/runtimes.sh) and taken down at the end
# (PRIVWATCH_DEMO_KEEP=1 leaves it up).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
R=$HERE/runtimes.sh
PW=$HERE/../../.output/privwatch
STATE=${PRIVWATCH_E2E_STATE:-/run/privwatch-e2e}
IMAGE=privwatch/busybox:e2e
LABEL=privwatch-e2e=1
OUT=${TMPDIR:-/tmp}/privwatch-demo.json
PW_PID=

cleanup() {
	[ -z "$PW_PID" ] || kill "$PW_PID" 2>/dev/null
	# shellcheck disable=SC2046
	"$R" docker rm -f pw-demo-default pw-demo-privileged >/dev/null 2>&1
	[ "${PRIVWATCH_DEMO_KEEP:-0}" = 1 ] || "$R" down >/dev/null 2>&1
}
trap cleanup EXIT
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "Docker, as the tests set it up"
"$R" up >/dev/null || exit 1
mkdir -p "$STATE"

say "privwatch run, default rules, alerts to $OUT"
rm -f "$OUT"
"$PW" run --output "file:$OUT" 2>"$STATE/demo.err" &
PW_PID=$!
for _ in $(seq 50); do [ -s "$OUT" ] && break; sleep 0.1; done
echo "$(jq -r 'select(.schema == "privwatch.start/1") | "agent up: \(.rules.loaded) rules, kernel \(.kernel)"' "$OUT")"

say "two containers: one default, one --privileged"
for c in default privileged; do
	opt=
	[ $c = privileged ] && opt=--privileged
	# shellcheck disable=SC2086
	"$R" docker run -d --label "$LABEL" --name "pw-demo-$c" --network none $opt "$IMAGE" sleep 600 >/dev/null
	echo "started pw-demo-$c"
done

# The same four actions in each; what is written is what was read.
ACTIONS='
echo "- capability: sethostname (CAP_SYS_ADMIN) in a new UTS namespace"; unshare -u hostname pw-demo
echo "- mount: a tmpfs";          mkdir -p /mnt/t; mount -t tmpfs demo /mnt/t && umount /mnt/t
echo "- write under /sys: kernel.mm THP defrag, its own value"
f=/sys/kernel/mm/transparent_hugepage/khugepaged/defrag; v=$(cat $f); echo "$v" > $f
echo "- device open: /dev/kmsg (made with mknod where the runtime did not give it)"
made=; [ -c /dev/kmsg ] || { mknod /dev/kmsg c 1 11 && made=1; }
head -c0 /dev/kmsg; [ -z "$made" ] || rm /dev/kmsg # (a node left behind is a host device to ps)
true'
for c in default privileged; do
	say "in pw-demo-$c"
	"$R" docker exec "pw-demo-$c" sh -c "$ACTIONS" 2>&1 | sed 's/^/  /'
done
sleep 2

say "privwatch ps"
"$PW" ps

kill -INT "$PW_PID"
wait "$PW_PID"
PW_PID=
say "alerts"
jq -r 'select(.schema == "privwatch.alert/1")
	| "\((.rule.severity | ascii_upcase) + "         " | .[0:9])\(.rule.id)  \(.container.name // "host")  \(.summary)"' "$OUT"
echo
jq -r 'select(.schema == "privwatch.stats/1" and .final)
	| "\(.alerts.written) alerts from \([.events[]] | add) events; \(.dropped_total) lost"' "$OUT"
echo "(the whole records: $OUT)"
