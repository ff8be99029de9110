#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Real container runtimes for the end-to-end tests, on a host without systemd
# and without a registry.
#   runtimes.sh up       install packages, start containerd + dockerd, build
#                        the image privwatch/busybox:e2e for docker and podman
#   runtimes.sh down     remove labelled containers, stop dockerd then
#                        containerd, unmount and remove the state; safe to
#                        repeat and after a failed up
#   runtimes.sh status   what runs
#   runtimes.sh docker|podman|runc ARGS...   the client with our flags
# docker and containerd use their default sockets and roots (so a test or the
# agent finds them where a real host has them); down removes those only if up
# created them. podman and plain runc get their own roots under the state dirs.
# Containers started for the tests carry the label privwatch-e2e=1.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
STATE=${PRIVWATCH_E2E_STATE:-/run/privwatch-e2e}
DATA=${PRIVWATCH_E2E_DATA:-/var/lib/privwatch-e2e}
IMAGE=privwatch/busybox:e2e
LABEL=privwatch-e2e=1
PACKAGES="docker.io containerd runc podman busybox-static jq"
# The Debian client: /usr/local/bin/docker on these machines is a foreign 28.x.
DOCKER=/usr/bin/docker
CONTAINERD_SOCK=/run/containerd/containerd.sock
# Default locations docker, containerd and podman (its blob cache; runc root)
# write to; removed by down only if absent before up.
DEFAULT_DIRS="/var/lib/docker /run/docker /run/docker.sock /var/lib/containerd /run/containerd
	/etc/docker/key.json /var/lib/containers /run/runc"
# Parent cgroups the runtimes create in every hierarchy (cgroupfs driver).
CGROUP_PARENTS="docker libpod_parent"

log() { echo "runtimes: $*" >&2; }
die() { log "$*"; exit 1; }

# Our daemon, whatever DOCKER_HOST says.
dk() { "$DOCKER" -H unix:///run/docker.sock "$@"; }
# No systemd: cgroupfs manager, file events; crun fails on hybrid cgroups.
pm() {
	podman --root "$DATA/podman" --runroot "$STATE/podman" --tmpdir "$STATE/libpod" \
		--runtime /usr/sbin/runc --cgroup-manager cgroupfs --events-backend file "$@"
}
rc() { runc "$@"; }
RUNC_ROOT=/run/runc # runc list creates it: look only when it exists
RUNC_PREFIX=pw-

alive() { # pidfile
	local p
	[ -s "$1" ] || return 1
	p=$(cat "$1")
	[ -d "/proc/$p" ]
}

stop_pid() { # pidfile name: TERM, wait up to 20 s, then KILL
	local p
	alive "$1" || { rm -f "$1"; return 0; }
	p=$(cat "$1")
	kill -TERM "$p" 2>/dev/null
	for _ in $(seq 200); do
		[ -d "/proc/$p" ] || break
		sleep 0.1
	done
	if [ -d "/proc/$p" ]; then
		log "$2 ($p) ignored TERM for 20 s: KILL"
		kill -KILL "$p" 2>/dev/null
		sleep 0.5
	fi
	rm -f "$1"
}

# The rootfs for the image: busybox-static and one symlink per applet.
build_rootfs() { # dir
	local d=$1 a
	mkdir -p "$d"/{bin,dev,proc,sys,tmp,etc,root,run,var}
	cp /bin/busybox "$d/bin/busybox"
	for a in $(/bin/busybox --list); do
		[ "$a" = busybox ] || ln -sf busybox "$d/bin/$a"
	done
	ln -s bin "$d/sbin"
	printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$d/etc/passwd"
	printf 'root:x:0:\nnogroup:x:65534:\n' >"$d/etc/group"
	chmod 1777 "$d/tmp"
}

up() {
	local d c t0=$SECONDS
	[ "$(id -u)" = 0 ] || die "up needs root"
	# shellcheck disable=SC2086 # a list of names
	"$HERE/../install-deps.sh" $PACKAGES || die "package install failed"
	mkdir -p "$STATE" "$DATA"
	# Remember what existed before us, once, so down leaves the rest alone.
	if [ ! -e "$STATE/created" ]; then
		: >"$STATE/created"
		for d in $DEFAULT_DIRS; do
			[ -e "$d" ] || echo "$d" >>"$STATE/created"
		done
		for d in /sys/fs/cgroup/*/; do
			for c in $CGROUP_PARENTS; do
				[ -e "$d$c" ] || echo "$d$c" >>"$STATE/created-cgroups"
			done
		done
	fi

	if ! alive "$STATE/containerd.pid"; then
		# Own config: no CRI plugin (no CNI here) and no /opt/containerd.
		cat >"$STATE/containerd.toml" <<-'TOML'
		version = 2
		disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.internal.v1.opt"]
		TOML
		containerd --config "$STATE/containerd.toml" >"$STATE/containerd.log" 2>&1 &
		echo $! >"$STATE/containerd.pid"
		for _ in $(seq 100); do
			[ -S "$CONTAINERD_SOCK" ] && break
			sleep 0.1
		done
		[ -S "$CONTAINERD_SOCK" ] || die "containerd did not come up: $STATE/containerd.log"
	fi

	if ! alive "$STATE/dockerd.pid"; then
		echo '{}' >"$STATE/daemon.json"
		# No iptables/bridge: leave the host's network alone. The hostcaps
		# runtime lets --privileged and --cap-add=ALL run on this host.
		dockerd --config-file "$STATE/daemon.json" --containerd "$CONTAINERD_SOCK" \
			--iptables=false --ip-forward=false --ip-masq=false --bridge=none \
			--exec-opt native.cgroupdriver=cgroupfs \
			--add-runtime "hostcaps=$HERE/runc-hostcaps" --default-runtime hostcaps \
			--pidfile "$STATE/dockerd.pid.own" >"$STATE/dockerd.log" 2>&1 &
		echo $! >"$STATE/dockerd.pid"
	fi
	for _ in $(seq 300); do
		dk info >/dev/null 2>&1 && break
		alive "$STATE/dockerd.pid" || die "dockerd exited: $STATE/dockerd.log"
		sleep 0.1
	done
	dk info >/dev/null 2>&1 || die "docker info does not answer after 30 s: $STATE/dockerd.log"

	if ! dk image inspect "$IMAGE" >/dev/null 2>&1 || ! pm image exists "$IMAGE"; then
		rm -rf "$STATE/rootfs"
		build_rootfs "$STATE/rootfs"
		tar -C "$STATE/rootfs" -cf "$STATE/rootfs.tar" . || die "rootfs tar failed"
		dk import --change 'CMD ["/bin/sh"]' "$STATE/rootfs.tar" "$IMAGE" >/dev/null ||
			die "docker import failed"
		pm import -q --change 'CMD ["/bin/sh"]' "$STATE/rootfs.tar" "$IMAGE" >/dev/null ||
			die "podman import failed"
		rm -rf "$STATE/rootfs" "$STATE/rootfs.tar"
	fi
	log "up in $((SECONDS - t0)) s"
}

# Unmount everything under a directory, deepest first.
umount_under() { # dir
	awk -v p="$1" '$5 == p || index($5, p "/") == 1 { print $5 }' /proc/self/mountinfo |
		sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
}

down() {
	local id d ids
	[ "$(id -u)" = 0 ] || die "down needs root"
	if alive "$STATE/dockerd.pid" && dk info >/dev/null 2>&1; then
		ids=$(dk ps -aq --filter "label=$LABEL")
		# shellcheck disable=SC2086 # one id a word
		[ -n "$ids" ] && dk rm -f $ids >/dev/null
	fi
	if command -v podman >/dev/null && [ -d "$DATA/podman" ]; then
		ids=$(pm ps -aq --filter "label=$LABEL" 2>/dev/null)
		# shellcheck disable=SC2086
		[ -n "$ids" ] && pm rm -f -t 0 $ids >/dev/null 2>&1
	fi
	if command -v runc >/dev/null && [ -d "$RUNC_ROOT" ]; then
		for id in $(rc list -q 2>/dev/null | grep "^$RUNC_PREFIX"); do
			rc kill "$id" KILL 2>/dev/null
			rc delete -f "$id" >/dev/null 2>&1
		done
	fi
	# Order matters: dockerd talks to containerd while it stops its containers.
	stop_pid "$STATE/dockerd.pid" dockerd
	stop_pid "$STATE/containerd.pid" containerd
	# dockerd or containerd died without stopping their containers (crash,
	# kill -9): end those through runc's own state, then the orphaned shims.
	if [ -d "$STATE" ] && command -v runc >/dev/null; then
		for d in /run/docker/runtime-*/moby; do
			[ -d "$d" ] || continue
			for id in $(runc --root "$d" list -q 2>/dev/null); do
				runc --root "$d" kill "$id" KILL 2>/dev/null
				runc --root "$d" delete -f "$id" >/dev/null 2>&1
			done
		done
	fi
	# A shim that outlived containerd (started from its socket) is ours.
	for d in /proc/[0-9]*; do
		if tr '\0' ' ' 2>/dev/null <"$d/cmdline" | grep -q "containerd-shim.*-address $CONTAINERD_SOCK"; then
			kill -KILL "${d#/proc/}" 2>/dev/null
		fi
	done
	if [ -f "$STATE/created" ]; then
		while read -r d; do
			umount_under "$d"
			rm -rf "$d"
		done <"$STATE/created"
	fi
	# Empty cgroups only: rmdir refuses one that still holds a task.
	if [ -f "$STATE/created-cgroups" ]; then
		while read -r d; do
			[ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
		done <"$STATE/created-cgroups"
	fi
	umount_under "$DATA"
	umount_under "$STATE"
	rm -rf "$DATA" "$STATE"
	return 0
}

status() {
	local n
	for n in containerd dockerd; do
		if alive "$STATE/$n.pid"; then
			echo "$n: running, pid $(cat "$STATE/$n.pid")"
		else
			echo "$n: stopped"
		fi
	done
	if alive "$STATE/dockerd.pid" && dk info >/dev/null 2>&1; then
		echo "docker image: $(dk image inspect -f '{{.Id}}' "$IMAGE" 2>/dev/null || echo missing)"
		echo "docker containers ($LABEL):"
		dk ps -a --filter "label=$LABEL" --format '{{.ID}} {{.Names}} {{.Status}}' | sed 's/^/  /'
	fi
	if [ -d "$DATA/podman" ]; then
		echo "podman containers ($LABEL):"
		pm ps -a --filter "label=$LABEL" --format '  {{.ID}} {{.Names}} {{.Status}}' 2>/dev/null
	fi
	if command -v runc >/dev/null && [ -d "$RUNC_ROOT" ]; then
		echo "runc containers ($RUNC_PREFIX*):"
		rc list 2>/dev/null | awk -v p="$RUNC_PREFIX" 'index($1, p) == 1 { print "  " $0 }'
	fi
}

case ${1:-} in
up) up ;;
down) down ;;
status) status ;;
docker) shift; dk "$@" ;;
podman) shift; pm "$@" ;;
runc) shift; rc "$@" ;;
*) echo "usage: $0 up|down|status|docker ARGS|podman ARGS|runc ARGS" >&2; exit 2 ;;
esac
