# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# shellcheck shell=bash
# Posture beyond --privileged (issue 21), on real Docker containers: each way
# of handing a container host power (a capability added, a host namespace, a
# host path mounted) and the hardened and default containers, checked field by
# field in `privwatch ps --json` as a user would read them: mode, the
# dimensions the mode counts, every relaxed one, the Pod Security Standards
# level, each violated control and the evidence behind it; the container_start
# rules they fire (and the neighbours that must not); the fleet inventory
# record with the same facts, valid against docs/inventory.schema.json.
# No check sleeps for the agent: run_sync (run.sh) waits for a marker event
# made after the containers started. Sourced by smoke.sh after rules.sh: uses
# its ok/is helpers, $R, $IMAGE, $LABEL, $STATE, $DOCKER_SOCK (runtimes.sh
# env), run.sh's $RUN_READ, jqe, run_sync, seen_started, and rules.sh's
# rule_ids_of and RULES_ALERTING (every container here that alerts is added).
PW=${PRIVWATCH:-$HERE/../../.output/privwatch}

# What restricted forbids in every container that runs as root with the
# runtime's default set and no no-new-privileges.
POSTURE_R3="restricted: privilege escalation allowed (no_new_privs unset);"
POSTURE_R3+=" restricted: runs as root (uid 0);"
POSTURE_R3+=" restricted: capabilities not dropped to NET_BIND_SERVICE"
POSTURE_R3+=" (chown,dac_override,fowner,fsetid,kill,setgid,setuid,setpcap,net_raw,sys_chroot,mknod,audit_write,setfcap)"
POSTURE_R3_CONTROLS="privilege_escalation,run_as_non_root,restricted_capabilities"
# Relaxed in every container that runs as root, without a user namespace,
# no_new_privs or a read-only root: not host power, not in the mode.
POSTURE_ROOT="user_namespace,no_new_privs,user,readonly_rootfs"
# The same with host_mounts, in the dimensions' order.
POSTURE_MOUNTS="user_namespace,host_mounts,no_new_privs,user,readonly_rootfs"

# One container: --network none unless the case names a network.
posture_case() { # name, docker run options...
	local name=$1 a net=(--network none)
	shift
	for a in "$@"; do
		case $a in --net=* | --network=*) net=() ;; esac
	done
	if ! "$R" docker run -d --label "$LABEL" --name "pw-posture-$name" "${net[@]}" "$@" "$IMAGE" \
		sleep 300 >/dev/null; then
		ok "posture: $name starts" false
	fi
}

# jq over this case's entry in the ps --json output.
posture_q() { # json name expr
	jq -r --arg n "pw-posture-$2" ".[] | select(.name == \$n) | $3" <<<"$1"
}

# mode, PSS level, the mode's dimensions, every relaxed one, the violated
# controls: each its own assertion, then the violation texts when given.
posture_expect() { # json name mode pss mode_relaxed relaxed controls [violations]
	local j=$1 n=$2
	if [ -z "$(posture_q "$j" "$n" .id)" ]; then
		ok "posture: $n is in ps" false
		return
	fi
	echo "   $n: $(posture_q "$j" "$n" '"\(.mode) \(.pss.level) [\(.posture.mode_relaxed | join(","))] [\(.relaxed | join(","))]"')"
	ok "posture: $n: mode $3" is "$(posture_q "$j" "$n" .mode)" "$3"
	ok "posture: $n: PSS $4" is "$(posture_q "$j" "$n" .pss.level)" "$4"
	ok "posture: $n: the mode counts [$5]" \
		is "$(posture_q "$j" "$n" '.posture.mode_relaxed | join(",")')" "$5"
	ok "posture: $n: relaxed [$6]" is "$(posture_q "$j" "$n" '.relaxed | join(",")')" "$6"
	ok "posture: $n: PSS controls violated [$7]" \
		is "$(posture_q "$j" "$n" '.pss.controls | join(",")')" "$7"
	if [ $# -ge 8 ]; then
		ok "posture: $n: PSS violations as inspect says them" \
			is "$(posture_q "$j" "$n" '.pss.violations | join("; ")')" "$8"
	fi
}

# "state: evidence" starts with state and holds the piece.
state_has() { # got state piece
	[[ "$1" == "$2: "*"$3"* ]] && return 0
	echo "       got:  $1" >&2
	return 1
}
# A dimension's state and a piece of its evidence.
posture_dim() { # json name dimension state evidence-piece
	ok "posture: $2: $3 $4 (\"$5\")" state_has \
		"$(posture_q "$1" "$2" ".posture.dimensions.$3 | \"\(.state): \(.evidence // .reason)\"")" "$4" "$5"
}

posture_checks() {
	local j n e out sock='' data ids=() inv=''
	data=$(readlink -f "$STATE")/posture-data
	echo "### posture beyond --privileged"
	[ -x "$PW" ] || { ok "privwatch built at $PW" false; return; }
	mkdir -p "$data"
	posture_case default
	posture_case hardened --user 1000 --cap-drop ALL --security-opt no-new-privileges --read-only
	posture_case cap-sys-admin --cap-add SYS_ADMIN
	posture_case cap-sys-nice --cap-add SYS_NICE
	posture_case pid-host --pid=host
	posture_case pid-host-ptrace --pid=host --cap-add SYS_PTRACE
	posture_case net-host --net=host
	posture_case ipc-host --ipc=host
	# Our dockerd's API socket (runtimes.sh env), where a container expects
	# docker's: the container can start privileged containers through it.
	if [ -S "${DOCKER_SOCK:-}" ]; then
		sock=$DOCKER_SOCK
		posture_case docker-sock --mount "type=bind,src=$sock,dst=/var/run/docker.sock"
	fi
	posture_case root-ro -v /:/host:ro
	posture_case proc -v /proc:/host/proc
	posture_case proc-ro -v /proc:/host/proc:ro
	posture_case data -v "$data:/data"
	posture_case privileged --privileged
	ok "posture: the agent caught up with the cases (run_sync)" run_sync
	# The fleet inventory (run.sh's agent: --inventory-interval 5). The
	# worker measures containers asynchronously, and a read slower than its
	# deadline is given up and measured again when it returns: wait
	# (bounded) for a record written once every case was named and
	# measured, reading what the agent wrote as of each run_sync; the rules
	# below then stand on the same facts.
	for _ in $(seq 40); do
		run_sync || break
		inv=$(jq -c 'select(.schema == "privwatch.inventory/1" and .reason == "interval"
			and ([.containers[] | select(.mode != "unknown") | .name] as $have
			| ["default", "hardened", "cap-sys-admin", "pid-host", "docker-sock", "data",
			"privileged"] | all(.[]; ("pw-posture-" + .) as $n | $have | index($n) != null)))' \
			"$RUN_READ" | tail -1) || inv=
		if [ -n "$inv" ]; then break; fi
		sleep 0.5
	done
	ok "posture: an inventory record lists the cases, each measured" test -n "$inv"
	if [ -z "$inv" ]; then
		echo "   the last inventory's cases not measured (mode_reason):"
		jq -c 'select(.schema == "privwatch.inventory/1") | [.containers[]
			| select(.mode == "unknown" and (.name // "" | startswith("pw-posture-")))
			| [.name, .mode_reason]]' "$RUN_READ" | tail -1
	fi
	"$PW" ps || true
	j=$("$PW" ps --json) || { ok "posture: privwatch ps --json" false; return; }

	posture_expect "$j" default default baseline "" "$POSTURE_ROOT" "$POSTURE_R3_CONTROLS" "$POSTURE_R3"
	posture_dim "$j" default capabilities confined "nothing beyond the runtime default set"
	posture_dim "$j" default host_namespaces confined "own: pid net ipc uts"
	posture_dim "$j" default host_mounts confined "no sensitive host path"
	posture_dim "$j" default user relaxed "uid 0 euid 0: host root"
	posture_dim "$j" default user_namespace relaxed "container root is host root"

	posture_expect "$j" hardened default restricted "" user_namespace "" ""
	posture_dim "$j" hardened capabilities confined "CapBnd 0000000000000000 CapEff 0000000000000000"
	posture_dim "$j" hardened no_new_privs confined "NoNewPrivs 1"
	posture_dim "$j" hardened user confined "uid 1000 euid 1000"
	posture_dim "$j" hardened readonly_rootfs confined "/ overlay ro"

	posture_expect "$j" cap-sys-admin partial privileged capabilities "capabilities,$POSTURE_ROOT" \
		"capabilities,$POSTURE_R3_CONTROLS" \
		"baseline: capabilities beyond the default set (sys_admin); $POSTURE_R3"
	posture_dim "$j" cap-sys-admin capabilities relaxed "beyond the runtime default set: sys_admin(!)"
	ok "posture: cap-sys-admin: capabilities_dangerous [CAP_SYS_ADMIN]" \
		is "$(posture_q "$j" cap-sys-admin '.posture.capabilities_dangerous | join(",")')" CAP_SYS_ADMIN
	# Beyond the default, not dangerous: partial all the same, no alert.
	posture_expect "$j" cap-sys-nice partial privileged capabilities "capabilities,$POSTURE_ROOT" \
		"capabilities,$POSTURE_R3_CONTROLS"
	posture_dim "$j" cap-sys-nice capabilities relaxed "beyond the runtime default set: sys_nice"

	posture_expect "$j" pid-host partial privileged host_namespaces "host_namespaces,$POSTURE_ROOT" \
		"host_namespaces,$POSTURE_R3_CONTROLS" "baseline: host namespaces (pid); $POSTURE_R3"
	posture_dim "$j" pid-host host_namespaces relaxed "the host's: pid"
	posture_dim "$j" pid-host host_namespaces relaxed "compared with kthreadd (pid 2)"
	posture_expect "$j" pid-host-ptrace partial privileged capabilities,host_namespaces \
		"capabilities,host_namespaces,$POSTURE_ROOT" "host_namespaces,capabilities,$POSTURE_R3_CONTROLS"
	posture_expect "$j" net-host partial privileged host_namespaces "host_namespaces,$POSTURE_ROOT" \
		"host_namespaces,$POSTURE_R3_CONTROLS" "baseline: host namespaces (net); $POSTURE_R3"
	posture_dim "$j" net-host host_namespaces relaxed "the host's: net"
	posture_expect "$j" ipc-host partial privileged host_namespaces "host_namespaces,$POSTURE_ROOT" \
		"host_namespaces,$POSTURE_R3_CONTROLS" "baseline: host namespaces (ipc); $POSTURE_R3"
	posture_dim "$j" ipc-host host_namespaces relaxed "the host's: ipc"

	if [ -n "$sock" ]; then
		sock=$(readlink -f "$sock")
		posture_expect "$j" docker-sock partial privileged host_mounts "$POSTURE_MOUNTS" \
			"host_path,$POSTURE_R3_CONTROLS" "baseline: hostPath volumes ($sock); $POSTURE_R3"
		ok "posture: docker-sock: host_mounts [$sock on /var/run/docker.sock, runtime_socket, rw]" \
			is "$(posture_q "$j" docker-sock '.posture.host_mounts | map("\(.source) \(.target) \(.class) \(.rw)") | join(";")')" \
			"$sock /var/run/docker.sock runtime_socket true"
	else
		ok "posture: docker-sock: our dockerd's socket (runtimes.sh env DOCKER_SOCK)" false
	fi

	# -v /:/host:ro is recursive, its read-only is not (docker 20.10): the
	# host's /proc and /sys under it stay writable.
	posture_expect "$j" root-ro partial privileged host_mounts "$POSTURE_MOUNTS" \
		"host_path,$POSTURE_R3_CONTROLS"
	posture_dim "$j" root-ro host_mounts relaxed "/ on /host ro (host_root)"
	ok "posture: root-ro: the host's / read-only, its /proc and /sys writable" \
		is "$(posture_q "$j" root-ro '[.posture.host_mounts[] | select(.source == "/" or .source == "/proc" or .source == "/sys") | "\(.source):\(.rw)"] | join(",")')" \
		"/:false,/proc:true,/sys:true"
	posture_expect "$j" proc partial privileged host_mounts "$POSTURE_MOUNTS" \
		"host_path,$POSTURE_R3_CONTROLS"
	posture_dim "$j" proc host_mounts relaxed "/proc on /host/proc rw (proc)"
	posture_expect "$j" proc-ro partial privileged host_mounts "$POSTURE_MOUNTS" \
		"host_path,$POSTURE_R3_CONTROLS"
	posture_dim "$j" proc-ro host_mounts relaxed "/proc on /host/proc ro (proc)"
	# Any host directory is a hostPath volume for the PSS, but no host power.
	posture_expect "$j" data default privileged "" "$POSTURE_ROOT" "host_path,$POSTURE_R3_CONTROLS" \
		"baseline: hostPath volumes ($data); $POSTURE_R3"
	posture_dim "$j" data host_mounts confined "other host paths: $data on /data rw"

	posture_expect "$j" privileged privileged privileged \
		capabilities,masked_paths,readonly_kernel_fs,seccomp,device_cgroup,host_devices \
		"capabilities,masked_paths,readonly_kernel_fs,seccomp,device_cgroup,host_devices,$POSTURE_ROOT" \
		"privileged,capabilities,proc_mount,seccomp,$POSTURE_R3_CONTROLS"
	ok "posture: privileged: PSS says privileged container" \
		is "$(posture_q "$j" privileged '.pss.violations[0]')" \
		"baseline: privileged container (all of --privileged's eight relaxed)"
	posture_dim "$j" privileged capabilities relaxed "the full set"
	# The other runtimes' defaults, as smoke.sh started them: podman's own
	# /dev/shm, /etc/hosts... are not hostPath volumes; `runc spec` has no
	# seccomp, which baseline forbids.
	ok "posture: podman default: PSS baseline" \
		is "$(jq -r '.[] | select(.name == "pw-podman-default") | .pss.level' <<<"$j")" baseline
	ok "posture: runc spec default: PSS privileged, seccomp unconfined" \
		is "$(jq -r '.[] | select(.id == "pw-runc-default") | "\(.pss.level) \(.pss.controls | index("seccomp") != null)"' <<<"$j")" \
		"privileged true"
	# The runtime's own flag, next to the measured mode.
	ok "posture: cap-sys-admin: docker's own privileged flag false, no mismatch" \
		is "$(posture_q "$j" cap-sys-admin '[.runtime_privileged, .privileged_mismatch] | @csv')" "false,false"

	# inspect: the violated controls, as a user reads them.
	out=$("$PW" inspect pw-posture-pid-host) || out=
	ok "posture: inspect pid-host: its PSS level" grep -qx "pss:       privileged" <<<"$out"
	ok "posture: inspect pid-host: the violated control" \
		grep -qx "  violates baseline: host namespaces (pid)" <<<"$out"

	# The container_start rules (rules/80-posture.json), fired and not.
	for n in default hardened cap-sys-admin cap-sys-nice pid-host pid-host-ptrace net-host ipc-host \
		docker-sock root-ro proc proc-ro data privileged; do
		ids+=("$n:$("$R" docker inspect -f '{{.Id}}' "pw-posture-$n" 2>/dev/null || true)")
	done
	posture_rules() { # name expected-rule-ids
		local id=''
		for e in "${ids[@]}"; do
			if [ "${e%%:*}" = "$1" ]; then id=${e#*:}; fi
		done
		if [ -z "$id" ]; then
			ok "posture: $1 ran" false
			return
		fi
		if [ "$2" != "[]" ]; then RULES_ALERTING+=("$id"); fi
		# "No alert" means something only if the agent saw it start.
		ok "posture: $1: the agent saw it start" seen_started "$id"
		ok "posture: $1: rules $2" is "$(rule_ids_of "$id")" "$2"
	}
	posture_rules default '[]'
	posture_rules hardened '[]'
	posture_rules cap-sys-admin '["PW-0804"]'
	posture_rules cap-sys-nice '[]'
	posture_rules pid-host '[]'
	posture_rules pid-host-ptrace '["PW-0803","PW-0804"]'
	posture_rules net-host '[]'
	posture_rules ipc-host '[]'
	posture_rules docker-sock '["PW-0801"]'
	posture_rules root-ro '["PW-0802"]'
	posture_rules proc '["PW-0802"]'
	posture_rules proc-ro '[]'
	posture_rules data '[]'
	posture_rules privileged '["PW-0501","PW-0502"]'

	# Each as ps says.
	if [ -n "$inv" ]; then
		for n in default hardened cap-sys-admin pid-host docker-sock data privileged; do
			ok "posture: inventory: $n as ps says (mode, pss, relaxed)" \
				is "$(jq -c --arg n "pw-posture-$n" '.containers[] | select(.name == $n) | [.mode, .pss.level, .mode_relaxed, .relaxed]' <<<"$inv")" \
				"$(jq -c --arg n "pw-posture-$n" '.[] | select(.name == $n) | [.mode, .pss.level, .posture.mode_relaxed, .relaxed]' <<<"$j")"
		done
		ok "posture: inventory: count is the number of containers listed" \
			jqe '.count == (.containers | length)' <<<"$inv"
	fi
	if [ -x /usr/bin/python3 ]; then
		ok "posture: every inventory record valid against docs/inventory.schema.json" \
			/usr/bin/python3 "$HERE/validate-alerts.py" --min-inventory 2 "$RUN_READ"
	fi
}
