#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Real container runtimes for the end-to-end tests, on a host without systemd
# and without a registry, isolated from any runtime the host already has.
#   runtimes.sh up       install packages, start containerd + dockerd, build
#                        the image privwatch/busybox:e2e for docker and podman
#   runtimes.sh down     remove our containers, stop our dockerd then our
#                        containerd, unmount and remove our state; safe to
#                        repeat, after a failed up and after our daemons died
#   runtimes.sh status   what runs
#   runtimes.sh docker|podman|runc|ctr ARGS...   the client on our endpoints
#   runtimes.sh env      the paths below, as shell assignments
#   runtimes.sh image-tar FILE   the image's rootfs as a tar (make demo on a
#                        Docker that was already running)
#
# Nothing here uses a default socket, state or data root: containerd, dockerd,
# podman and runc each get their own under $STATE (/run/privwatch-e2e) and
# $DATA (/var/lib/privwatch-e2e), so a host that runs Docker, containerd,
# podman or runc keeps its containers whatever we do. down ends only what our
# own records name (pid files, the runtimes' state in our roots, each pid
# checked against its recorded start time or its command line naming our
# socket); it never looks for processes by name.
#
# privwatch finds runtime state at the default paths (/run/runc,
# /var/lib/docker, ...). $STATE/root lays our roots out the same way through
# symlinks; start the agent with PRIVWATCH_STATE_ROOTS=$STATE/root.
# Containers started for the tests carry the label privwatch-e2e=1.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
STATE=${PRIVWATCH_E2E_STATE:-/run/privwatch-e2e}
DATA=${PRIVWATCH_E2E_DATA:-/var/lib/privwatch-e2e}
IMAGE=privwatch/busybox:e2e
# (bindfs: capture.sh's hung FUSE server)
PACKAGES="docker.io containerd runc podman busybox-static jq bindfs"
# The Debian client: /usr/local/bin/docker on these machines is a foreign 28.x.
DOCKER=/usr/bin/docker
CONTAINERD_STATE=$STATE/containerd
CONTAINERD_SOCK=$CONTAINERD_STATE/containerd.sock
DOCKER_SOCK=$STATE/docker.sock
DOCKER_EXEC=$STATE/docker # dockerd --exec-root: runc's root is runtime-*/moby below it
RUNC_ROOT=$STATE/runc     # plain runc
PODMAN_RUNC_ROOT=$STATE/podman-runc
CTR_RUNC_ROOT=$STATE/ctr-runc
VIEW=$STATE/root # our roots where privwatch looks on a host, for PRIVWATCH_STATE_ROOTS
# Parent cgroups the runtimes create in every hierarchy (cgroupfs driver);
# down removes those up created, and only when empty.
CGROUP_PARENTS="docker libpod_parent privwatch-e2e" # the last: ctr's, our namespace
# A few paths are fixed in these versions: containerd 1.6 puts its shims'
# sockets in /run/containerd/s whatever its --state (named by a hash of our
# socket's path, so never a host shim's; a shim removes its own as it ends),
# dockerd 20.10 makes its plugin directory /run/docker/plugins whatever its
# --exec-root, and podman 4.3's import writes c/image's blob info cache (a
# cache of blob digests) to /var/lib/containers/cache whatever its --root. up records
# which of these did not exist; down removes those only, directories only
# when empty, deepest first.
FIXED_PATHS="/run/containerd/s /run/containerd /run/docker/plugins /run/docker
	/var/lib/containers/cache/blob-info-cache-v1.boltdb /var/lib/containers/cache /var/lib/containers"

log() { echo "runtimes: $*" >&2; }
die() {
	log "$*"
	exit 1
}

# down removes $STATE and $DATA whole: never a system or runtime directory.
for d in "$STATE" "$DATA"; do
	case $d in
	/*/*) ;;
	*) die "PRIVWATCH_E2E_STATE/DATA must be absolute, below a top directory: $d" ;;
	esac
	case ${d%/} in
	/var/lib | /var/run | /run/user | /run/docker* | /run/containerd* | /run/runc* | /run/containers* | \
		/run/libpod* | /var/lib/docker* | /var/lib/containerd* | /var/lib/containers*)
		die "PRIVWATCH_E2E_STATE/DATA may not be a runtime's own directory: $d" ;;
	esac
done

# Our daemon, whatever DOCKER_HOST says.
dk() { "$DOCKER" -H "unix://$DOCKER_SOCK" "$@"; }
# No systemd: cgroupfs manager, file events; crun fails on hybrid cgroups.
# Own config (CONTAINERS_CONF, CONTAINERS_STORAGE_CONF): file locks under
# our tmpdir instead of /dev/shm/libpod_lock, which the host's podman uses.
# The runtime is a wrapper giving runc our root: podman's --runtime-flag is
# not handed to the "container cleanup" conmon runs when a container ends,
# whose runc would look in /run/runc and leave the container's cgroup.
pm() {
	CONTAINERS_CONF=$STATE/containers.conf CONTAINERS_STORAGE_CONF=$STATE/storage.conf \
		podman --root "$DATA/podman" --runroot "$STATE/podman" --tmpdir "$STATE/libpod" \
		--runtime "$STATE/podman-runc.sh" --cgroup-manager cgroupfs --events-backend file "$@"
}
rc() { runc --root "$RUNC_ROOT" "$@"; }
# ctr run: runc's root and the fifos under ours too (ctr's defaults are
# /run/containerd/runc/<namespace> and /run/containerd/fifo; --runc-root is
# only honoured with the runtime named).
ct() {
	if [ "${1:-}" = run ]; then
		shift
		ctr --address "$CONTAINERD_SOCK" run --runtime io.containerd.runc.v2 \
			--runc-root "$CTR_RUNC_ROOT" --fifo-dir "$STATE/ctr-fifo" "$@"
	else
		ctr --address "$CONTAINERD_SOCK" "$@"
	fi
}

# Pid records are "pid starttime": a pid reused by another process after
# ours died is not ours.
starttime() { # pid
	local s
	s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	s=${s##*) }
	# shellcheck disable=SC2086 # fields
	set -- $s
	echo "${20}"
}
record_pid() { # pid file
	echo "$1 $(starttime "$1" || echo 0)" >"$2"
}
alive() { # pid record
	local p t
	[ -s "$1" ] || return 1
	read -r p t <"$1" || true
	[ -n "$p" ] && [ "$(starttime "$p" || true)" = "${t:-}" ]
}

stop_pid() { # record name: TERM, wait up to 20 s, then KILL
	local p
	alive "$1" || {
		rm -f "$1"
		return 0
	}
	read -r p _ <"$1"
	kill -TERM "$p" 2>/dev/null || true
	for _ in $(seq 200); do
		alive "$1" || break
		sleep 0.1
	done
	if alive "$1"; then
		log "$2 ($p) ignored TERM for 20 s: KILL"
		kill -KILL "$p" 2>/dev/null || true
		for _ in $(seq 50); do
			alive "$1" || break
			sleep 0.1
		done
	fi
	rm -f "$1"
}

# A pid from a runtime's own pid file under our state, if its command line
# names one of our paths (the runtime wrote the file; the check only guards
# against the pid having been reused since).
kill_if_ours() { # pidfile what-its-cmdline-must-contain
	local p
	[ -s "$1" ] || return 0
	p=$(tr -dc 0-9 <"$1")
	[ -n "$p" ] && [ -r "/proc/$p/cmdline" ] || return 0
	if tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -qF -- "$2"; then
		kill -KILL "$p" 2>/dev/null || true
	fi
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

write_configs() {
	# Own config: own sockets and roots, no CRI plugin (no CNI here), no
	# /opt/containerd.
	cat >"$STATE/containerd.toml" <<-TOML
	version = 2
	root = "$DATA/containerd"
	state = "$CONTAINERD_STATE"
	disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.internal.v1.opt"]
	[grpc]
	  address = "$CONTAINERD_SOCK"
	[ttrpc]
	  address = "$CONTAINERD_SOCK.ttrpc"
	[debug]
	  address = ""
	[metrics]
	  address = ""
	TOML
	# The trust key would otherwise go to /etc/docker/key.json.
	printf '{"deprecated-key-path": "%s"}\n' "$DATA/docker-key.json" >"$STATE/daemon.json"
	cat >"$STATE/containers.conf" <<-TOML
	[engine]
	lock_type = "file"
	tmp_dir = "$STATE/libpod"
	static_dir = "$DATA/podman/libpod"
	volume_path = "$DATA/podman/volumes"
	events_logger = "file"
	events_logfile_path = "$STATE/libpod/events.log"
	cgroup_manager = "cgroupfs"
	[network]
	network_config_dir = "$STATE/cni"
	TOML
	printf '#!/bin/sh\nexec /usr/sbin/runc --root %s "$@"\n' "$PODMAN_RUNC_ROOT" >"$STATE/podman-runc.sh"
	chmod +x "$STATE/podman-runc.sh"
	cat >"$STATE/storage.conf" <<-TOML
	[storage]
	driver = "overlay"
	graphroot = "$DATA/podman"
	runroot = "$STATE/podman"
	TOML
}

# Our roots laid out as a host's, for privwatch (PRIVWATCH_STATE_ROOTS).
make_view() {
	mkdir -p "$VIEW/run/containers" "$VIEW/var/lib/containers" "$RUNC_ROOT"
	ln -sfn "$RUNC_ROOT" "$VIEW/run/runc"
	ln -sfn "$CONTAINERD_STATE" "$VIEW/run/containerd"
	ln -sfn "$STATE/podman" "$VIEW/run/containers/storage"
	ln -sfn "$DATA/docker" "$VIEW/var/lib/docker"
	ln -sfn "$DATA/podman" "$VIEW/var/lib/containers/storage"
}

start_containerd() {
	mkdir -p "$CONTAINERD_STATE"
	rm -f "$CONTAINERD_SOCK"
	containerd --config "$STATE/containerd.toml" >>"$STATE/containerd.log" 2>&1 &
	record_pid $! "$STATE/containerd.pid"
	for _ in $(seq 100); do
		ct version >/dev/null 2>&1 && return 0
		alive "$STATE/containerd.pid" || {
			log "containerd exited: $STATE/containerd.log"
			return 1
		}
		sleep 0.1
	done
	log "containerd did not come up: $STATE/containerd.log"
	return 1
}

# The tasks our containerd's state names (namespace/id), one a line.
our_tasks() {
	[ -d "$CONTAINERD_STATE/io.containerd.runtime.v2.task" ] || return 0
	find "$CONTAINERD_STATE/io.containerd.runtime.v2.task" -mindepth 2 -maxdepth 2 -type d |
		sed 's|.*/\([^/]*\)/\([^/]*\)$|\1/\2|'
}
# End them through our running containerd: their shims end their containers
# and themselves when the tasks are deleted.
end_tasks() {
	local t
	for t in $(our_tasks); do
		ct -n "${t%/*}" task kill -s SIGKILL "${t#*/}" >/dev/null 2>&1 || true
		ct -n "${t%/*}" task delete -f "${t#*/}" >/dev/null 2>&1 || true
	done
}
# Tasks our containerd left behind when it died: started again on the same
# state, it reconnects to their shims.
end_orphan_tasks() {
	local t
	[ -f "$STATE/containerd.toml" ] || return 0
	t=$(our_tasks)
	[ -n "$t" ] || return 0
	log "containerd left $(wc -l <<<"$t") task(s): starting it again to end them"
	start_containerd || return 0
	end_tasks
	stop_pid "$STATE/containerd.pid" containerd
}

up() {
	local d c t0=$SECONDS
	[ "$(id -u)" = 0 ] || die "up needs root"
	# shellcheck disable=SC2086 # a list of names
	"$HERE/../install-deps.sh" $PACKAGES || die "package install failed"
	mkdir -p "$STATE" "$DATA"
	# Remember what existed before us, once, so down leaves the rest alone.
	if [ ! -e "$STATE/created" ]; then
		: >"$STATE/created-cgroups"
		for d in /sys/fs/cgroup/*/; do
			for c in $CGROUP_PARENTS; do
				[ -e "$d$c" ] || echo "$d$c" >>"$STATE/created-cgroups"
			done
		done
		: >"$STATE/created.tmp"
		for d in $FIXED_PATHS; do
			[ -e "$d" ] || echo "$d" >>"$STATE/created.tmp"
		done
		mv "$STATE/created.tmp" "$STATE/created"
	fi
	write_configs
	make_view

	alive "$STATE/containerd.pid" || start_containerd || exit 1

	if ! alive "$STATE/dockerd.pid"; then
		# No iptables/bridge: leave the host's network alone. The hostcaps
		# runtime lets --privileged and --cap-add=ALL run on this host.
		dockerd --config-file "$STATE/daemon.json" -H "unix://$DOCKER_SOCK" \
			--exec-root "$DOCKER_EXEC" --data-root "$DATA/docker" \
			--pidfile "$STATE/dockerd.pid.own" --containerd "$CONTAINERD_SOCK" \
			--iptables=false --ip-forward=false --ip-masq=false --bridge=none \
			--exec-opt native.cgroupdriver=cgroupfs \
			--add-runtime "hostcaps=$HERE/runc-hostcaps" --default-runtime hostcaps \
			>"$STATE/dockerd.log" 2>&1 &
		record_pid $! "$STATE/dockerd.pid"
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
		sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
}

# Every container in a runc root of ours: they are all ours.
runc_root_clear() { # root
	local id
	[ -d "$1" ] || return 0
	for id in $(runc --root "$1" list -q 2>/dev/null || true); do
		runc --root "$1" kill "$id" KILL 2>/dev/null || true
		runc --root "$1" delete -f "$id" >/dev/null 2>&1 || true
	done
}

down() {
	local d f ids
	[ "$(id -u)" = 0 ] || die "down needs root"
	# Our dockerd and podman: every container they have is ours.
	if alive "$STATE/dockerd.pid" && dk info >/dev/null 2>&1; then
		ids=$(dk ps -aq || true)
		# shellcheck disable=SC2086 # one id a word
		[ -z "$ids" ] || dk rm -f $ids >/dev/null 2>&1 || true
	fi
	if command -v podman >/dev/null && [ -d "$DATA/podman" ] && [ -f "$STATE/containers.conf" ]; then
		ids=$(pm ps -aq 2>/dev/null || true)
		# shellcheck disable=SC2086
		[ -z "$ids" ] || pm rm -f -t 0 $ids >/dev/null 2>&1 || true
	fi
	if command -v runc >/dev/null; then
		runc_root_clear "$RUNC_ROOT"
	fi
	# Order matters: dockerd talks to containerd while it stops its containers.
	stop_pid "$STATE/dockerd.pid" dockerd
	# What else runs on our containerd (ctr's tasks).
	if alive "$STATE/containerd.pid"; then end_tasks; fi
	stop_pid "$STATE/containerd.pid" containerd
	# If dockerd, containerd or podman died without stopping their
	# containers (crash, kill -9): containerd's tasks through containerd
	# itself, started again on its state; then whatever runc's state in our
	# roots still lists, and the conmons podman's own pid files name.
	end_orphan_tasks
	if command -v runc >/dev/null; then
		for d in "$DOCKER_EXEC"/runtime-*/* "$PODMAN_RUNC_ROOT" "$CTR_RUNC_ROOT"/*; do
			runc_root_clear "$d"
		done
	fi
	for f in "$STATE"/podman/overlay-containers/*/userdata/conmon.pid; do
		kill_if_ours "$f" "$STATE/podman/"
	done
	umount_under "$DATA"
	umount_under "$STATE"
	# Empty cgroups only: rmdir refuses one that still holds a task.
	if [ -f "$STATE/created-cgroups" ]; then
		while read -r d; do
			[ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null || true
		done <"$STATE/created-cgroups"
	fi
	# The fixed paths outside our roots that up found missing.
	if [ -f "$STATE/created" ]; then
		while read -r d; do
			if [ -d "$d" ]; then
				rmdir "$d" 2>/dev/null || true
			elif [ -f "$d" ]; then
				rm -f "$d"
			fi
		done <"$STATE/created"
	fi
	rm -rf "$DATA" "$STATE"
	return 0
}

status() {
	local n
	for n in containerd dockerd; do
		if alive "$STATE/$n.pid"; then
			echo "$n: running, pid $(cut -d' ' -f1 "$STATE/$n.pid")"
		else
			echo "$n: stopped"
		fi
	done
	if alive "$STATE/dockerd.pid" && dk info >/dev/null 2>&1; then
		echo "docker ($DOCKER_SOCK) image: $(dk image inspect -f '{{.Id}}' "$IMAGE" 2>/dev/null || echo missing)"
		echo "docker containers:"
		dk ps -a --format '{{.ID}} {{.Names}} {{.Status}}' | sed 's/^/  /'
	fi
	if [ -d "$DATA/podman" ] && [ -f "$STATE/containers.conf" ]; then
		echo "podman containers ($DATA/podman):"
		pm ps -a --format '  {{.ID}} {{.Names}} {{.Status}}' 2>/dev/null || true
	fi
	if command -v runc >/dev/null && [ -d "$RUNC_ROOT" ]; then
		echo "runc containers ($RUNC_ROOT):"
		rc list 2>/dev/null | sed 1d | sed 's/^/  /' || true
	fi
}

case ${1:-} in
up) up ;;
down) down ;;
status) status ;;
env)
	printf 'STATE=%q\nDATA=%q\nDOCKER_SOCK=%q\nCONTAINERD_SOCK=%q\nRUNC_ROOT=%q\nPRIVWATCH_STATE_ROOTS=%q\n' \
		"$STATE" "$DATA" "$DOCKER_SOCK" "$CONTAINERD_SOCK" "$RUNC_ROOT" "$VIEW"
	;;
image-tar) # FILE: the image's rootfs as a tar, for another engine's import
	[ -n "${2:-}" ] || die "usage: $0 image-tar FILE"
	d=$(mktemp -d)
	build_rootfs "$d/rootfs"
	tar -C "$d/rootfs" -cf "$2" .
	rm -rf "$d"
	;;
docker) shift; exec "$DOCKER" -H "unix://$DOCKER_SOCK" "$@" ;;
podman) shift; pm "$@" ;;
runc) shift; rc "$@" ;;
ctr) shift; ct "$@" ;;
*) echo "usage: $0 up|down|status|env|image-tar FILE|docker ARGS|podman ARGS|runc ARGS|ctr ARGS" >&2; exit 2 ;;
esac
