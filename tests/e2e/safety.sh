# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# shellcheck shell=bash
# runtimes.sh up/down beside a user's containers (issue 22, "safe project
# scripts"). Before up, a "user" starts, outside anything the tests own:
#   - a runc container in runc's default root /run/runc, named without pw-;
#   - a runc container in /run/docker/runtime-runc/moby, where the host's
#     Docker keeps its runc state (the old down runc-killed all of those);
#   - a process called containerd-shim-runc-v2 whose command line names the
#     default socket /run/containerd/containerd.sock (the old down killed
#     every such shim it found among the host's processes).
#   - if no Docker or containerd is on this host, a "user's" Docker: dockerd
#     with every default (/run/docker.sock, /var/lib/docker, /run/docker,
#     its own containerd), and a container of its own, without our label
#     (PRIVWATCH_E2E_USER_DOCKER=0: not this one). It is stopped and its
#     paths removed again at the end.
# After down (run with our own dockerd and containerd killed first, so down
# takes its crash path), all must still run, and the default paths
# runtimes' state lives at must be exactly as they were.
# Sourced by smoke.sh: uses its ok/is helpers, $R, $STATE.
SAFE_DIR=
SAFE_NAME=user-bystander-$$
SAFE_PIDS=()
SAFE_DEFAULTS="/run/runc /run/docker /run/docker.sock /run/containerd /run/containerd/containerd.sock
	/var/lib/docker /var/lib/containerd /var/lib/containers /run/containers /run/libpod
	/etc/docker/key.json /dev/shm/libpod_lock /etc/cni/net.d"
SAFE_CREATED=() # directories safety_start made for the user's containers
USER_DOCKERD=    # the user's dockerd's pid, if we started one
USER_CREATED=()  # the default paths that did not exist before it
USER_PATHS="/run/docker.sock /run/docker.pid /run/docker /var/lib/docker /etc/docker/key.json
	/etc/docker /run/containerd/s /run/containerd"
user_docker() { /usr/bin/docker -H unix:///run/docker.sock "$@"; }
# This shell and the processes it runs under, up to pid 1.
own_ancestors() {
	local p=$$
	while [ "$p" -gt 1 ] 2>/dev/null; do
		echo "$p"
		p=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | cut -d' ' -f2) || break
	done
}

# A Docker as a user has it: every default path, dockerd's own containerd.
user_docker_start() {
	local p
	[ "${PRIVWATCH_E2E_USER_DOCKER:-1}" = 1 ] || return 0
	for p in /run/docker.sock /run/docker.pid /run/docker /var/lib/docker /run/containerd; do
		if [ -e "$p" ]; then
			echo "   ($p exists: no user's Docker of our own)"
			return 0
		fi
	done
	"$HERE/../install-deps.sh" docker.io containerd runc
	for p in $USER_PATHS /sys/fs/cgroup/*/; do
		case $p in /sys/*) p=${p}docker ;; esac
		[ -e "$p" ] || USER_CREATED+=("$p")
	done
	dockerd --bridge=none --iptables=false --ip-forward=false --ip-masq=false \
		--exec-opt native.cgroupdriver=cgroupfs </dev/null >"$SAFE_DIR/user-dockerd.log" 2>&1 &
	USER_DOCKERD=$!
	for _ in $(seq 300); do
		user_docker info >/dev/null 2>&1 && break
		[ -d "/proc/$USER_DOCKERD" ] || break
		sleep 0.1
	done
	"$HERE/runtimes.sh" image-tar "$SAFE_DIR/image.tar"
	user_docker import --change 'CMD ["/bin/sh"]' "$SAFE_DIR/image.tar" user/busybox:1 >/dev/null &&
		user_docker run -d --name user-bystander --network none user/busybox:1 sleep 3600 >/dev/null &&
		SAFE_PIDS+=("docker:$(user_docker inspect -f '{{.State.Pid}}' user-bystander)") ||
		cat "$SAFE_DIR/user-dockerd.log" >&2
}

user_docker_stop() {
	local p
	[ -n "$USER_DOCKERD" ] || return 0
	user_docker rm -f user-bystander >/dev/null 2>&1 || true
	kill -TERM "$USER_DOCKERD" 2>/dev/null || true
	for _ in $(seq 200); do
		[ -d "/proc/$USER_DOCKERD" ] || break
		sleep 0.1
	done
	USER_DOCKERD=
	for p in "${USER_CREATED[@]}"; do
		case $p in
		/sys/fs/cgroup/*)
			# Cgroups: empty ones only.
			[ ! -d "$p" ] || find "$p" -depth -type d -exec rmdir {} + 2>/dev/null || true
			continue
			;;
		esac
		awk -v p="$p" '$5 == p || index($5, p "/") == 1 { print $5 }' /proc/self/mountinfo |
			sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
		rm -rf "$p"
	done
	USER_CREATED=()
}

# What is at the default paths (type and, for files, inode), one line each.
defaults_state() {
	local p
	for p in $SAFE_DEFAULTS; do
		if [ -e "$p" ]; then echo "$p $(stat -c '%F %i' "$p")"; else echo "$p absent"; fi
	done
}

safe_runc() { # root, args...: runc as a user runs it, not through runtimes.sh
	local root=$1
	shift
	runc --root "$root" "$@"
}

safety_start() {
	local b d p
	command -v runc >/dev/null || "$HERE/../install-deps.sh" runc busybox-static
	SAFE_DIR=$(mktemp -d /tmp/privwatch-e2e-user.XXXXXX)
	b=$SAFE_DIR/bundle
	mkdir -p "$b/rootfs/bin" "$b/rootfs/proc" "$b/rootfs/dev" "$b/rootfs/sys"
	cp /bin/busybox "$b/rootfs/bin/busybox"
	(cd "$b" && runc spec)
	user_docker_start
	jq '.process.terminal = false | .process.args = ["/bin/busybox", "sleep", "3600"]' \
		"$b/config.json" >"$b/config.json.new" && mv "$b/config.json.new" "$b/config.json"
	for d in /run/runc /run/docker /run/docker/runtime-runc /run/docker/runtime-runc/moby; do
		[ -e "$d" ] || SAFE_CREATED=("$d" "${SAFE_CREATED[@]}")
	done
	mkdir -p /run/docker/runtime-runc/moby
	safe_runc /run/runc run -d --pid-file "$SAFE_DIR/runc.pid" -b "$b" "$SAFE_NAME" \
		</dev/null >"$SAFE_DIR/runc.log" 2>&1 || cat "$SAFE_DIR/runc.log" >&2
	safe_runc /run/docker/runtime-runc/moby run -d --pid-file "$SAFE_DIR/moby.pid" -b "$b" \
		"$SAFE_NAME-moby" </dev/null >"$SAFE_DIR/moby.log" 2>&1 || cat "$SAFE_DIR/moby.log" >&2
	# A shim by name and command line only: a shell script, so its comm is
	# the script's name.
	printf '#!/bin/sh\ntrap "exit 0" TERM\nwhile :; do sleep 1; done\n' >"$SAFE_DIR/containerd-shim-runc-v2"
	chmod +x "$SAFE_DIR/containerd-shim-runc-v2"
	"$SAFE_DIR/containerd-shim-runc-v2" -namespace moby -id "$SAFE_NAME" \
		-address /run/containerd/containerd.sock </dev/null >/dev/null 2>&1 &
	echo $! >"$SAFE_DIR/shim.pid"
	for p in runc moby shim; do
		[ -s "$SAFE_DIR/$p.pid" ] && SAFE_PIDS+=("$p:$(cat "$SAFE_DIR/$p.pid")")
	done
	SAFE_BEFORE=$(defaults_state)
	echo "   the user's: ${SAFE_PIDS[*]}"
	env_ok "the user's containers and processes run (runc in /run/runc and in /run/docker/runtime-runc/moby, a shim-named process$([ -z "$USER_DOCKERD" ] || echo ", a container of the user's dockerd"))" \
		is "${#SAFE_PIDS[@]}" "$([ -z "$USER_DOCKERD" ] && echo 3 || echo 4)"
}

# The user's process: there, not a zombie.
running() { [ -r "/proc/$1/stat" ] && ! grep -q '^[0-9]* ([^)]*) Z' "/proc/$1/stat"; }

safety_check() {
	local e pid
	for e in "${SAFE_PIDS[@]}"; do
		pid=${e#*:}
		case ${e%%:*} in
		runc) ok "safety: a user's runc container in /run/runc survives up/down" running "$pid" ;;
		moby) ok "safety: a user's container in /run/docker/runtime-runc/moby survives up/down" running "$pid" ;;
		shim) ok "safety: a process named containerd-shim on the default socket survives up/down" running "$pid" ;;
		docker)
			ok "safety: a container of a user's dockerd (default socket and roots) survives up/down" running "$pid"
			ok "safety: the user's dockerd still answers, its container running" \
				is "$(user_docker inspect -f '{{.State.Running}}' user-bystander 2>/dev/null || true)" true
			;;
		esac
	done
	ok "safety: runc's default root lists the user's container, state running" \
		is "$(safe_runc /run/runc state "$SAFE_NAME" 2>/dev/null | jq -r .status)" running
	ok "safety: up/down left the default runtime paths as they were" \
		is "$(defaults_state)" "$SAFE_BEFORE"
}

safety_cleanup() {
	local d
	[ -n "$SAFE_DIR" ] || return 0
	safe_runc /run/runc delete -f "$SAFE_NAME" >/dev/null 2>&1 || true
	safe_runc /run/docker/runtime-runc/moby delete -f "$SAFE_NAME-moby" >/dev/null 2>&1 || true
	[ -s "$SAFE_DIR/shim.pid" ] && kill "$(cat "$SAFE_DIR/shim.pid")" 2>/dev/null || true
	user_docker_stop
	for d in "${SAFE_CREATED[@]}"; do
		rmdir "$d" 2>/dev/null || true
	done
	rm -rf "$SAFE_DIR"
	SAFE_DIR=
}

# Wait until a pid no longer runs; a generous hang guard, not a timing.
gone_within() { # seconds pid
	[ -n "$2" ] || return 1
	for _ in $(seq $(($1 * 10))); do
		running "$2" || return 0
		sleep 0.1
	done
	return 1
}

# The crash path, beside the user's containers: a container of ours runs,
# our dockerd and containerd are killed (-9), then down. It must end that
# container and its shim from our own records (our containerd's state,
# which down starts it again on; runc's state under our exec-root), and
# nothing of the user's.
crash_down() {
	local id pid shim leftover
	id=$("$R" docker run -d --label "$LABEL" --name pw-leftover --network none "$IMAGE" sleep 300) || id=
	pid=$("$R" docker inspect -f '{{.State.Pid}}' "$id" 2>/dev/null) || pid=
	# Its shim: the init's parent.
	shim=$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f2) || shim=
	echo "   pw-leftover: init $pid, shim $shim ($(tr '\0' ' ' <"/proc/$shim/cmdline" 2>/dev/null | cut -c1-60 || true))"
	env_ok "a container of ours runs under its shim" \
		grep -q containerd-shim "/proc/${shim:-none}/cmdline"
	if [ -n "$USER_DOCKERD" ]; then
		ok "safety: the user's Docker lists none of our containers" \
			is "$(user_docker ps -aq --filter "label=$LABEL" | wc -l)" 0
	fi
	kill -KILL "$(cut -d' ' -f1 "$STATE/dockerd.pid")" "$(cut -d' ' -f1 "$STATE/containerd.pid")" || true
	"$R" down
	DOWN_DONE=1
	ok "down after our daemons were killed ends our container" gone_within 10 "$pid"
	ok "down after our daemons were killed ends our shim" gone_within 10 "$shim"
	ok "down removes our state and data roots" test ! -e "$STATE" -a ! -e "$DATA"
	# Looking is fine here (down itself never does): nothing runs from our roots.
	# (the pattern "/[r]un/..." does not match grep's own command line; this
	# test's own ancestors may name the directory, in an environment
	# assignment of the shell that started it, and are not ours to find)
	leftover=$(grep -lsE -- "${STATE:0:1}[${STATE:1:1}]${STATE:2}" /proc/[0-9]*/cmdline |
		grep -vxF -f <(own_ancestors | sed 's|.*|/proc/&/cmdline|') || true)
	ok "down leaves no process naming our state directory" is "$leftover" ""
}
