#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# make demo: privwatch with the default rules, a default and a privileged
# Docker container doing the same things (the background article's: a
# capability, a mount, a write under /sys written back, a device open),
# then privwatch ps, the alerts, one line each, and the privileged
# container's forensic capture (privwatch capture show).
#
# Which Docker: one that already runs here (docker info answers on
# $DOCKER_HOST or /run/docker.sock) is used as it is; the demo touches only
# what it makes there: its two containers (pw-demo-*, label privwatch-e2e=1)
# and, if that Docker did not have it, the image privwatch/busybox:e2e, all
# removed at the end. Otherwise the tests' own isolated dockerd is started
# (tests/e2e/runtimes.sh: own sockets and roots) and taken down at the end.
# PRIVWATCH_DEMO_KEEP=1 leaves everything up; PRIVWATCH_DEMO_OWN_DOCKER=1
# uses the isolated dockerd even when a Docker runs.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
R=$HERE/runtimes.sh
PW=$HERE/../../.output/privwatch
IMAGE=privwatch/busybox:e2e
LABEL=privwatch-e2e=1
# The agent's files in a directory of the demo's own: it refuses an output
# file in a directory others may write (/tmp itself).
DEMO=${TMPDIR:-/tmp}/privwatch-demo
OUT=$DEMO/alerts.json
ERR=$DEMO/privwatch.err
CAPS=$DEMO/captures
PW_PID=
OWN=0          # 1: our isolated dockerd
IMPORTED=0     # 1: we imported the image into a running Docker
CONTAINERS=()  # what we started

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

# The user's Docker: its own client and endpoint, whatever they are.
USER_HOST=${DOCKER_HOST:-unix:///run/docker.sock}
user_docker() { docker -H "$USER_HOST" "$@"; }
dk() {
	if [ "$OWN" = 1 ]; then "$R" docker "$@"; else user_docker "$@"; fi
}

cleanup() {
	local c
	if [ -n "$PW_PID" ]; then kill "$PW_PID" 2>/dev/null || true; fi
	[ "${PRIVWATCH_DEMO_KEEP:-0}" = 1 ] && return 0
	# Only what we started, by name and label.
	for c in "${CONTAINERS[@]}"; do
		if [ "$(dk inspect -f '{{index .Config.Labels "privwatch-e2e"}}' "$c" 2>/dev/null || true)" = 1 ]; then
			dk rm -f "$c" >/dev/null 2>&1 || true
		fi
	done
	if [ "$IMPORTED" = 1 ]; then dk rmi "$IMAGE" >/dev/null 2>&1 || true; fi
	if [ "$OWN" = 1 ]; then "$R" down >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT

[ "$(id -u)" = 0 ] || { echo "demo: needs root (privwatch loads BPF programs)" >&2; exit 1; }
if [ "${PRIVWATCH_DEMO_OWN_DOCKER:-0}" != 1 ] && command -v docker >/dev/null &&
	timeout 10 docker -H "$USER_HOST" info >/dev/null 2>&1; then
	say "Docker already runs here ($USER_HOST): using it, touching only pw-demo-* and $IMAGE"
	if ! user_docker image inspect "$IMAGE" >/dev/null 2>&1; then
		tar=$(mktemp "${TMPDIR:-/tmp}/privwatch-demo.XXXXXX.tar")
		"$R" image-tar "$tar"
		user_docker import --change 'CMD ["/bin/sh"]' --change "LABEL $LABEL" "$tar" "$IMAGE" >/dev/null
		rm -f "$tar"
		IMPORTED=1
	fi
else
	say "no running Docker: the tests' own, isolated one (tests/e2e/runtimes.sh)"
	OWN=1
	"$R" up >/dev/null
	# Where privwatch finds its state (its own roots, not /var/lib/docker).
	eval "$("$R" env)"
	export PRIVWATCH_STATE_ROOTS
fi

say "privwatch run, default rules, alerts to $OUT"
if [ -L "$DEMO" ]; then
	echo "demo: $DEMO is a symlink: not using it" >&2
	exit 1
fi
mkdir -p "$DEMO" && chmod 0700 "$DEMO"
rm -f "$OUT"
# Forensic captures of alert+capture rules go to a directory of the demo's own.
mkdir -p "$CAPS" && chmod 0700 "$CAPS"
"$PW" run --http none --lock-file none --output "file:$OUT" --capture-dir "$CAPS" 2>"$ERR" &
PW_PID=$!
for _ in $(seq 100); do
	[ -n "$(jq -c 'select(.schema == "privwatch.start/1")' "$OUT" 2>/dev/null || true)" ] && break
	kill -0 "$PW_PID" 2>/dev/null || { cat "$ERR" >&2; exit 1; }
	sleep 0.1
done
jq -r 'select(.schema == "privwatch.start/1") | "agent up: \(.rules.loaded) rules, kernel \(.kernel)"' "$OUT"

say "two containers: one default, one --privileged"
for c in default privileged; do
	opt=()
	[ $c = privileged ] && opt=(--privileged)
	CONTAINERS+=("pw-demo-$c")
	if dk run -d --label "$LABEL" --name "pw-demo-$c" --network none "${opt[@]}" "$IMAGE" sleep 600 >/dev/null; then
		echo "started pw-demo-$c"
	else
		echo "pw-demo-$c did not start (above: what docker said)"
		[ "$OWN" = 1 ] || echo "(where the host lacks a capability --privileged asks for, e.g. CAP_SYS_RESOURCE:" \
			"PRIVWATCH_DEMO_OWN_DOCKER=1 uses the tests' dockerd, whose runc wrapper drops it)"
	fi
done

# The same five actions in each; what is written is what was read, and
# core_pattern (the escape: a host program run by the kernel as root) is
# only opened for writing, nothing written.
ACTIONS='
echo "- capability: sethostname (CAP_SYS_ADMIN) in a new UTS namespace"; unshare -u hostname pw-demo
echo "- mount: a tmpfs";          mkdir -p /mnt/t; mount -t tmpfs demo /mnt/t && umount /mnt/t
echo "- write under /sys: kernel.mm THP defrag, its own value"
f=/sys/kernel/mm/transparent_hugepage/khugepaged/defrag; v=$(cat $f); echo "$v" > $f
echo "- device open: /dev/kmsg (made with mknod where the runtime did not give it)"
made=; [ -c /dev/kmsg ] || { mknod /dev/kmsg c 1 11 && made=1; }
head -c0 /dev/kmsg; [ -z "$made" ] || rm /dev/kmsg # (a node left behind is a host device to ps)
echo "- escape attempt: open /proc/sys/kernel/core_pattern for writing (nothing written)"
: >>/proc/sys/kernel/core_pattern
true'
for c in default privileged; do
	say "in pw-demo-$c"
	dk exec "pw-demo-$c" sh -c "$ACTIONS" 2>&1 | sed 's/^/  /' || true
done
sleep 2 # for the reader; nothing is decided by it

say "privwatch ps"
"$PW" ps || true

kill -INT "$PW_PID"
wait "$PW_PID" || true
PW_PID=
say "alerts"
jq -r 'select(.schema == "privwatch.alert/1" and (.container.name // "" | startswith("pw-demo-")))
	| "\((.rule.severity | ascii_upcase) + "         " | .[0:9])\(.rule.id)  \(.container.name)  \(.summary)"' "$OUT"
echo
jq -r 'select(.schema == "privwatch.stats/1" and .final)
	| "\(.alerts.written) alerts from \([.events[]] | add) events; \(.dropped_total) lost"' "$OUT"
echo "(the whole records: $OUT)"

# The privileged container's escape attempt, as its capture bundle holds it
# (written when the agent stopped: docs/capture.md).
CAP_ID=$(jq -r 'select(.schema == "privwatch.capture/1" and .record == "completed"
	and (.container.name // "" | startswith("pw-demo-privileged"))) | .id' "$OUT" | tail -n 1)
if [ -n "$CAP_ID" ]; then
	say "privwatch capture show $CAP_ID"
	"$PW" capture show "$CAP_ID" --dir "$CAPS" | head -n 60 || true
	"$PW" capture verify "$CAP_ID" --dir "$CAPS" || true
else
	echo "no capture of pw-demo-privileged was written (see $ERR)"
fi
