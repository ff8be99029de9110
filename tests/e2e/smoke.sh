#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Smoke test of the real-runtime environment (tests/e2e/runtimes.sh): brings
# it up, starts one long-lived container per case (docker default,
# --privileged, --cap-add=ALL, seccomp=unconfined, --device /dev/kmsg; podman
# default and --privileged; plain runc default and privileged; ctr default
# in containerd namespace privwatch-e2e), prints what
# the kernel says about each init process, asserts what each case must show,
# measures start-up times, brings it down beside a user's containers that
# must survive (safety.sh), and ends with "N passed, N failed".
# Checks of privwatch (and of the project's scripts) are counted apart from
# checks of the runtimes themselves (docker, podman, runc do what their flags
# say), which would pass with privwatch deleted: those are "environment".
# PRIVWATCH_E2E_KEEP=1 leaves the environment up for a look.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
R=$HERE/runtimes.sh
# Our runtimes' roots (runtimes.sh env): STATE, DATA, the sockets, and
# PRIVWATCH_STATE_ROOTS, where the agent finds their state.
eval "$("$R" env)"
export PRIVWATCH_STATE_ROOTS
IMAGE=privwatch/busybox:e2e
LABEL=privwatch-e2e=1
passed=0 failed=0 env_passed=0 env_failed=0
DOWN_DONE=0

[ "$(id -u)" = 0 ] || { echo "smoke: needs root"; echo "0 passed, 1 failed"; exit 1; }
# shellcheck source=tests/e2e/run.sh
. "$HERE/run.sh"
# shellcheck source=tests/e2e/safety.sh
. "$HERE/safety.sh"
# The agent never outlives the test, even with PRIVWATCH_E2E_KEEP=1; down
# here only when the run ended early.
EVENTS_PID=
on_exit() {
	[ -z "$RUN_PID" ] || kill "$RUN_PID" 2>/dev/null || true
	[ -z "$EVENTS_PID" ] || kill "$EVENTS_PID" 2>/dev/null || true
	[ -z "$SYNC_CG" ] || rmdir "$SYNC_CG" 2>/dev/null || true
	if [ "${PRIVWATCH_E2E_KEEP:-0}" != 1 ]; then
		! type rules_teardown >/dev/null 2>&1 || rules_teardown
		[ "$DOWN_DONE" = 1 ] || "$R" down || true
	fi
	safety_cleanup
}
trap on_exit EXIT

ok() { # description, then a command that must succeed
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
# A check of the runtime, not of privwatch: counted on the environment line.
env_ok() {
	local d=$1
	shift
	if "$@"; then
		echo "  env  $d"
		env_passed=$((env_passed + 1))
	else
		echo "  FAIL env: $d"
		env_failed=$((env_failed + 1))
	fi
}
now_ms() { echo $(($(date +%s%N) / 1000000)); }
field() { sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status"; }
popcount() { local n=$((0x$1)) c=0; while [ $n -gt 0 ]; do c=$((c + (n & 1))); n=$((n >> 1)); done; echo $c; }
caps_eq() { [ $((0x$1)) -eq $((0x$2)) ]; }
# Fewer capabilities than the host, and none the host lacks.
caps_fewer() { [ $((0x$1 & ~0x$2)) -eq 0 ] && [ "$(popcount "$1")" -lt "$(popcount "$2")" ]; }
# A path is masked when something is mounted on it (tmpfs or /dev/null).
masked() { awk -v p="$2" '$5 == p { f = 1 } END { exit !f }' "/proc/$1/mountinfo"; }
sys_ro() { awk '$5 == "/sys" { split($6, o, ","); f = (o[1] == "ro") } END { exit !f }' "/proc/$1/mountinfo"; }
has_dev() { [ -e "/proc/$1/root/dev/$2" ]; }
# On a mismatch, say what came instead: a failure in CI must be readable.
is() {
	[ "$1" = "$2" ] && return 0
	echo "       got:  $1" >&2
	echo "       want: $2" >&2
	return 1
}
not() { ! "$@"; }

HOST_BND=$(field 1 CapBnd)
# Debian's docker 20.10 knows capabilities 0..37 only (up to CAP_AUDIT_READ):
# its --privileged and --cap-add=ALL lack CAP_PERFMON, CAP_BPF and
# CAP_CHECKPOINT_RESTORE even where the host has them.
DOCKER_ALL=$(printf '%016x' $((0x$HOST_BND & 0x3fffffffff)))

describe() { # name pid
	local name=$1 pid=$2 kc
	if [ ! -e /proc/kcore ]; then kc="absent on this kernel"
	elif masked "$pid" /proc/kcore; then kc=masked
	else kc="not masked"; fi
	echo "== $name: init pid $pid"
	echo "   memory:  $(grep -m1 '^[0-9]*:memory:' "/proc/$pid/cgroup")"
	echo "   unified: $(grep -m1 '^0::' "/proc/$pid/cgroup")"
	echo "   CapBnd $(field "$pid" CapBnd) ($(popcount "$(field "$pid" CapBnd)") caps, host $HOST_BND)" \
		"Seccomp $(field "$pid" Seccomp)"
	echo "   /proc/kcore: $kc; /proc/keys: $(masked "$pid" /proc/keys && echo masked || echo 'not masked');" \
		"/sys: $(sys_ro "$pid" && echo ro || echo rw)"
}

echo "### a user's containers, before up"
[ "${PRIVWATCH_E2E_KEEP:-0}" = 1 ] || safety_start

echo "### up"
t0=$(now_ms)
"$R" up || { echo "0 passed, 1 failed"; exit 1; }
echo "up: $(($(now_ms) - t0)) ms"

# Every container our dockerd starts, for rules_no_false_alarms.
DOCKER_STARTS=$STATE/docker-starts
"$R" docker events --filter type=container --filter event=start --format '{{.ID}}' \
	>"$DOCKER_STARTS" 2>/dev/null &
EVENTS_PID=$!

# privwatch run from before the first container (run.sh).
run_start

# Containers are named pw-<case>: ps.sh finds them by that name.
docker_case() { # name, docker run options...
	local name=$1 id
	shift
	id=$("$R" docker run -d --label "$LABEL" --name "pw-$name" --network none "$@" "$IMAGE" \
		sleep 300) || return 1
	"$R" docker inspect -f '{{.State.Pid}}' "$id"
}
podman_case() { # name, podman run options...
	local name=$1 id
	shift
	id=$("$R" podman run -d --label "$LABEL" --name "pw-$name" --network none \
		--ulimit nofile=1024:1024 --ulimit nproc=4096:4096 "$@" "$IMAGE" sleep 300) || return 1
	"$R" podman inspect -f '{{.State.Pid}}' "$id"
}

# Start-up time of one container, the docker default case.
t0=$(now_ms)
if pid=$(docker_case docker-default); then
	echo "one docker run -d: $(($(now_ms) - t0)) ms"
	describe docker-default "$pid"
	env_ok "docker default: Seccomp 2" is "$(field "$pid" Seccomp)" 2
	env_ok "docker default: fewer caps than host" caps_fewer "$(field "$pid" CapBnd)" "$HOST_BND"
	env_ok "docker default: /proc/keys masked" masked "$pid" /proc/keys
	env_ok "docker default: /sys ro" sys_ro "$pid"
	env_ok "docker default: no /dev/kmsg" not has_dev "$pid" kmsg
	DEFAULT_BND=$(field "$pid" CapBnd)
else
	env_ok "docker default starts" false
	DEFAULT_BND=none
fi

if pid=$(docker_case docker-privileged --privileged); then
	describe docker-privileged "$pid"
	env_ok "docker --privileged: CapBnd == host's (caps 0-37)" caps_eq "$(field "$pid" CapBnd)" "$DOCKER_ALL"
	env_ok "docker --privileged: Seccomp 0" is "$(field "$pid" Seccomp)" 0
	env_ok "docker --privileged: /proc/keys not masked" not masked "$pid" /proc/keys
	env_ok "docker --privileged: /sys rw" not sys_ro "$pid"
	env_ok "docker --privileged: host /dev (kmsg)" has_dev "$pid" kmsg
	# exec hands runc a process file with docker's full capability list.
	env_ok "docker exec --privileged into it (runc-hostcaps exec --process)" \
		"$R" docker exec --privileged "$("$R" docker ps -lq)" true
else
	env_ok "docker --privileged starts" false
fi

if pid=$(docker_case docker-cap-add-all --cap-add=ALL); then
	describe docker-cap-add-all "$pid"
	env_ok "docker --cap-add=ALL: CapBnd == host's (caps 0-37)" caps_eq "$(field "$pid" CapBnd)" "$DOCKER_ALL"
	env_ok "docker --cap-add=ALL: Seccomp 2" is "$(field "$pid" Seccomp)" 2
	env_ok "docker --cap-add=ALL: /proc/keys masked" masked "$pid" /proc/keys
else
	env_ok "docker --cap-add=ALL starts" false
fi

if pid=$(docker_case docker-seccomp-unconfined --security-opt seccomp=unconfined); then
	describe docker-seccomp-unconfined "$pid"
	env_ok "docker seccomp=unconfined: Seccomp 0" is "$(field "$pid" Seccomp)" 0
	env_ok "docker seccomp=unconfined: default caps" is "$(field "$pid" CapBnd)" "$DEFAULT_BND"
else
	env_ok "docker seccomp=unconfined starts" false
fi

if pid=$(docker_case docker-device-kmsg --device /dev/kmsg); then
	describe docker-device-kmsg "$pid"
	env_ok "docker --device /dev/kmsg: /dev/kmsg present" has_dev "$pid" kmsg
	env_ok "docker --device /dev/kmsg: Seccomp 2, default caps" \
		is "$(field "$pid" Seccomp) $(field "$pid" CapBnd)" "2 $DEFAULT_BND"
else
	env_ok "docker --device /dev/kmsg starts" false
fi

if pid=$(podman_case podman-default); then
	describe podman-default "$pid"
	env_ok "podman default: Seccomp 2" is "$(field "$pid" Seccomp)" 2
	env_ok "podman default: fewer caps than host" caps_fewer "$(field "$pid" CapBnd)" "$HOST_BND"
	env_ok "podman default: /proc/keys masked" masked "$pid" /proc/keys
else
	env_ok "podman default starts" false
fi

if pid=$(podman_case podman-privileged --privileged); then
	describe podman-privileged "$pid"
	env_ok "podman --privileged: CapBnd == host's" caps_eq "$(field "$pid" CapBnd)" "$HOST_BND"
	env_ok "podman --privileged: Seccomp 0" is "$(field "$pid" Seccomp)" 0
	env_ok "podman --privileged: /proc/keys not masked" not masked "$pid" /proc/keys
	env_ok "podman --privileged: /sys rw" not sys_ro "$pid"
else
	env_ok "podman --privileged starts" false
fi

# The host's top-level device nodes as OCI linux.devices, but the ones runc
# creates in every container anyway.
host_devices() {
	local f t
	for f in /dev/*; do
		[ -c "$f" ] || [ -b "$f" ] || continue
		case ${f#/dev/} in null | zero | full | random | urandom | tty | console | ptmx) continue ;; esac
		t=c
		[ -b "$f" ] && t=b
		printf '{"path":"%s","type":"%s","major":%d,"minor":%d,"fileMode":%d,"uid":0,"gid":0}\n' \
			"$f" "$t" "$((0x$(stat -c %t "$f")))" "$((0x$(stat -c %T "$f")))" "$((8#$(stat -c %a "$f")))"
	done | jq -s .
}

# Plain runc: bundles from `runc spec` on a rootfs exported from the image.
runc_bundles() {
	local b=$STATE/bundles cid hostcaps hostdevs
	rm -rf "$b"
	mkdir -p "$b/rootfs"
	cid=$("$R" docker create --label "$LABEL" --network none "$IMAGE" /bin/true) || return 1
	"$R" docker export "$cid" | tar -C "$b/rootfs" -x || return 1
	"$R" docker rm "$cid" >/dev/null
	(cd "$b" && "$R" runc spec) || return 1
	# runc wants root.path absolute and not a symlink; both bundles share it.
	jq --arg root "$b/rootfs" '.process.terminal = false | .process.args = ["sleep", "300"]
		| .root.path = $root' "$b/config.json" >"$b/default.json"
	# Privileged by hand: every host capability, no seccomp, nothing masked
	# or read-only, every device allowed, sysfs and cgroupfs rw.
	hostcaps=$(for i in $(seq 0 63); do
		[ $(((0x$HOST_BND >> i) & 1)) = 1 ] && echo "$i"
	done | "$HERE/capnames.sh")
	# The host's device nodes, as docker --privileged hands them over.
	hostdevs=$(host_devices) || return 1
	jq --argjson caps "$hostcaps" --argjson devs "$hostdevs" --arg root "$b/rootfs" '.process.terminal = false
		| .process.args = ["sleep", "300"] | .root.path = $root
		| .process.capabilities = {bounding: $caps, effective: $caps, permitted: $caps, inheritable: $caps, ambient: $caps}
		| del(.linux.seccomp) | .linux.maskedPaths = [] | .linux.readonlyPaths = []
		| .linux.resources.devices = [{allow: true, access: "rwm"}] | .linux.devices = $devs
		| .mounts |= map(if .type == "sysfs" or .type == "cgroup" then .options -= ["ro"] else . end)' \
		"$b/config.json" >"$b/privileged.json"
	mkdir -p "$b/default" "$b/privileged"
	for k in default privileged; do
		mv "$b/$k.json" "$b/$k/config.json"
	done
	rm "$b/config.json"
}
runc_case() { # name bundle
	"$R" runc run -d --pid-file "$STATE/bundles/$1.pid" -b "$STATE/bundles/$2" "$1" \
		</dev/null >"$STATE/bundles/$1.log" 2>&1 || { cat "$STATE/bundles/$1.log" >&2; return 1; }
	cat "$STATE/bundles/$1.pid"
}

if runc_bundles; then
	if pid=$(runc_case pw-runc-default default); then
		describe runc-default "$pid"
		env_ok "runc default: fewer caps than host" caps_fewer "$(field "$pid" CapBnd)" "$HOST_BND"
		# `runc spec` has no seccomp section: a plain default runc is unfiltered.
		env_ok "runc default: Seccomp 0 (runc spec has no seccomp)" is "$(field "$pid" Seccomp)" 0
		env_ok "runc default: /proc/keys masked" masked "$pid" /proc/keys
		env_ok "runc default: /sys ro" sys_ro "$pid"
	else
		env_ok "runc default starts" false
	fi
	if pid=$(runc_case pw-runc-privileged privileged); then
		describe runc-privileged "$pid"
		env_ok "runc privileged: CapBnd == host's" caps_eq "$(field "$pid" CapBnd)" "$HOST_BND"
		env_ok "runc privileged: Seccomp 0" is "$(field "$pid" Seccomp)" 0
		env_ok "runc privileged: /proc/keys not masked" not masked "$pid" /proc/keys
		env_ok "runc privileged: /sys rw" not sys_ro "$pid"
		env_ok "runc privileged: host /dev (kmsg)" has_dev "$pid" kmsg
	else
		env_ok "runc privileged starts" false
	fi
else
	env_ok "runc bundles built" false
fi

# containerd without docker: ctr in our namespace privwatch-e2e, the image
# from our dockerd. ctr's default spec has no seccomp section.
ctr_case() { # name
	"$R" ctr -n privwatch-e2e run -d --label "$LABEL" docker.io/$IMAGE "$1" sleep 300 \
		</dev/null >/dev/null || return 1
	"$R" ctr -n privwatch-e2e task ls | awk -v n="$1" '$1 == n { print $2 }'
}
if "$R" docker save "$IMAGE" | "$R" ctr -n privwatch-e2e images import - >/dev/null &&
	pid=$(ctr_case pw-ctr-default) && [ -n "$pid" ]; then
	describe ctr-default "$pid"
	env_ok "ctr default: Seccomp 0 (no seccomp in ctr's spec)" is "$(field "$pid" Seccomp)" 0
	env_ok "ctr default: fewer caps than host" caps_fewer "$(field "$pid" CapBnd)" "$HOST_BND"
else
	env_ok "ctr default starts" false
fi

# privwatch ps and inspect while every case runs.
# shellcheck source=tests/e2e/ps.sh
. "$HERE/ps.sh"
ps_checks
# Its events of the cases, the rules on real actions, then churn.
# shellcheck source=tests/e2e/rules.sh
. "$HERE/rules.sh"
rules_checks
# shellcheck source=tests/e2e/evasion.sh
. "$HERE/evasion.sh"
evasion_checks
# Forensic capture: a bundle per escape attempt, safe from the container.
# shellcheck source=tests/e2e/capture.sh
. "$HERE/capture.sh"
capture_checks
# Posture beyond --privileged: host namespaces, mounts, capabilities, PSS.
# shellcheck source=tests/e2e/posture.sh
. "$HERE/posture.sh"
posture_checks
run_checks
rules_no_false_alarms
# shellcheck source=tests/e2e/hostile.sh
. "$HERE/hostile.sh"
hostile_checks
kill "$EVENTS_PID" 2>/dev/null || true
EVENTS_PID=

echo "### status"
"$R" status || true

echo "### timings"
t0=$(now_ms)
n=0
for _ in $(seq 20); do
	if "$R" docker run --rm --label "$LABEL" --network none "$IMAGE" true; then n=$((n + 1)); fi
done
ms=$(($(now_ms) - t0))
echo "20 x docker run --rm true: $ms ms ($((ms / 20)) ms each)"
env_ok "20 short-lived docker run --rm all succeed" is "$n" 20

# Every container removed: the agent's table is back to its starting size.
echo "### privwatch run final"
run_finish

# down after our dockerd and containerd were killed, beside the user's
# containers (safety.sh): down ends ours from its own records only.
if [ "${PRIVWATCH_E2E_KEEP:-0}" != 1 ]; then
	# The agent's output outlives our state, for a look after the run.
	cp -f "$RUN_OUT" "${TMPDIR:-/tmp}/privwatch-e2e-run.json" 2>/dev/null || true
	echo "### down, our daemons killed first, beside a user's containers"
	crash_down
	safety_check
	# make demo, as a newcomer runs it (its own isolated dockerd, up and
	# down): it ends with the privileged container's capture, verified.
	echo "### make demo"
	demo_rc=0
	demo_out=$(PRIVWATCH_DEMO_OWN_DOCKER=1 "$HERE/demo.sh" 2>&1) || demo_rc=$?
	ok "demo: exits 0" test "$demo_rc" = 0
	ok "demo: a critical PW-0102 from the privileged container's escape attempt" \
		grep -q "^CRITICAL PW-0102  pw-demo-privileged" <<<"$demo_out"
	ok "demo: ends with its capture shown and verified" \
		grep -q ": every file matches its manifest$" <<<"$demo_out"
	[ "$demo_rc" = 0 ] || tail -20 <<<"$demo_out"
fi

# For tests/run-everything.sh, which sums every part into one line; the
# environment checks on a line of their own.
if [ -n "${PRIVWATCH_RESULTS:-}" ]; then
	echo "$passed $failed 0" >"$PRIVWATCH_RESULTS"
	echo "$env_passed $env_failed" >"$PRIVWATCH_RESULTS.env"
fi
echo
echo "environment (docker, podman, runc themselves): $env_passed passed, $env_failed failed"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ] && [ "$env_failed" = 0 ]
