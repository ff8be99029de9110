# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# shellcheck shell=bash
# A hostile container against the agent run.sh started (issue 13): each case
# is a way a privileged container hid an action from privwatch before, and
# asserts the alert that must now fire, with its container and severity.
#   - leaving the container's cgroup: a --privileged container (the host's
#     cgroup namespace, Docker's default on this hybrid host) mounts cgroup2
#     and writes itself into its root, where an agent that knew only the
#     current cgroup stopped watching it, then writes core_pattern back: PW-0601 (critical)
#     for the move, and the core_pattern write still named as its
#     container's (PW-0102, critical);
#   - the capability dedup poisoned by the runtime: runc's init uses
#     CAP_SYS_ADMIN under the pid that becomes the entrypoint; an entrypoint
#     that mounts by itself (no fork) used to be deduplicated away. Now its
#     own use is reported (PW-0401 on the container's pid 1);
#   - a process that names itself runc's init (runc:[2:INIT]) and unshares:
#     rules used to leave that name out; now PW-0401 and PW-0305 fire;
#   - critical files by identity and mounts resolved in the kernel: a
#     privileged container reaches core_pattern through a bind mount of
#     /proc/sys/kernel (PW-0102 on fs_path), opens binfmt_misc's register for
#     writing (nothing written: PW-0108), and unmounts a masked path by a
#     relative name from /proc (PW-0304);
#   - a flood: a default container opens a sysfs file far past its budget
#     (run.sh's agent: 2000/s, burst 20000) while the container above acts:
#     its alerts arrive, the loss is counted against the flooder in
#     privwatch.lost/1;
#   - a container with the host's pid namespace signals the agent (SIGURG,
#     which it ignores: the stand-in for SIGKILL): PW-0701 (critical);
#   - an entrypoint disguised as runc's init (a static binary installed as
#     "runc", argv "init": bin/disguised-init.c) mounts without another
#     exec: it is the entrypoint by kernel facts, its container started,
#     PW-0401 on it.
# Sourced by smoke.sh after rules.sh: uses ok, is, jqe, $R, $IMAGE, $LABEL,
# rules.sh's alerts_of, has_rule, cid and run.sh's run_sync.

evasion_checks() {
	local esc dedup sig fake files flood pid1 disguised='' dis=$STATE/disguise
	echo "### evasion"
	mkdir -p "$dis"
	if cc -static -O1 -o "$dis/runc" "$HERE/bin/disguised-init.c"; then
		"$R" docker run -d --label "$LABEL" --name pw-evasion-disguise --network none --privileged \
			-v "$dis:/pw:ro" --entrypoint /pw/runc "$IMAGE" init >/dev/null || true
		disguised=$(cid pw-evasion-disguise)
	else
		ok "evasion: a static build of bin/disguised-init.c (cc -static)" false
	fi
	"$R" docker run -d --label "$LABEL" --name pw-evasion-cgroup --network none --privileged \
		"$IMAGE" sh -c 'mkdir -p /cg2 && mount -t cgroup2 none /cg2 && echo $$ > /cg2/cgroup.procs &&
			v=$(cat /proc/sys/kernel/core_pattern) && echo "$v" > /proc/sys/kernel/core_pattern;
			sleep 300' >/dev/null || true
	"$R" docker run -d --label "$LABEL" --name pw-evasion-dedup --network none --privileged \
		--entrypoint /bin/mount "$IMAGE" -t tmpfs pwevasion /dev/shm >/dev/null || true
	"$R" docker run --label "$LABEL" --name pw-evasion-signal --network none --pid host \
		"$IMAGE" kill -URG "$RUN_PID" >/dev/null 2>&1 || true
	sig=$(cid pw-evasion-signal)
	"$R" docker run --label "$LABEL" --name pw-evasion-name --network none --privileged "$IMAGE" \
		sh -c 'ln -s /bin/busybox "/tmp/runc:[2:INIT]" && exec -a unshare "/tmp/runc:[2:INIT]" -m true' \
		>/dev/null 2>&1 || true
	fake=$(cid pw-evasion-name)
	"$R" docker run --label "$LABEL" -d --name pw-evasion-flood --network none "$IMAGE" \
		sh -c 'f=/sys/kernel/mm/transparent_hugepage/enabled; set --;
			i=0; while [ $i -lt 2000 ]; do set -- "$@" $f; i=$((i+1)); done;
			i=0; while [ $i -lt 40 ]; do cat "$@" >/dev/null; i=$((i+1)); done' \
		>/dev/null 2>&1 || true
	flood=$(cid pw-evasion-flood)
	# the victim acts while the flood runs
	"$R" docker run --label "$LABEL" --name pw-evasion-files --network none --privileged "$IMAGE" \
		sh -c 'mkdir -p /k /bf && mount --bind /proc/sys/kernel /k &&
			v=$(cat /k/core_pattern) && echo "$v" > /k/core_pattern;
			mount -t binfmt_misc none /bf && : >> /bf/register; umount /bf;
			m=/proc/bus; [ -d /proc/acpi ] && m=/proc/acpi;
			mount -t tmpfs pwmask $m && cd /proc && umount "./${m#/proc/}/../${m#/proc/}"' \
		>/dev/null 2>&1 || true
	files=$(cid pw-evasion-files)
	"$R" docker wait pw-evasion-flood >/dev/null 2>&1 || true

	esc=$(cid pw-evasion-cgroup)
	dedup=$(cid pw-evasion-dedup)
	RULES_ALERTING+=("$esc" "$dedup" "$sig" "$fake" "$files")
	if [ -n "$disguised" ]; then RULES_ALERTING+=("$disguised"); fi
	"$R" docker wait pw-evasion-dedup >/dev/null 2>&1 || true
	ok "evasion: the agent caught up (sync marker)" run_sync
	echo "   cgroup escape: $(rule_ids_of "$esc")"
	echo "   entrypoint's own mount: $(rule_ids_of "$dedup")"
	ok "evasion: leaving the container's cgroup is PW-0601 (critical), named as the container's" \
		has_rule "$esc" PW-0601 '.rule.severity == "critical" and .event.kind == "cgroup_move"'
	ok "evasion: after leaving, its core_pattern write is still its container's (PW-0102)" \
		has_rule "$esc" PW-0102 '.event.path == "/proc/sys/kernel/core_pattern"'
	pid1=$(jq -r --arg id "$dedup" 'select(.schema == "privwatch.event/1" and .container.id == $id
		and .kind == "exec" and .container.phase == "started") | .pid' "$RUN_READ" | head -1)
	ok "evasion: the entrypoint's own CAP_SYS_ADMIN use is reported (PW-0401 on its pid $pid1)" \
		has_rule "$dedup" PW-0401 ".event.capability == \"CAP_SYS_ADMIN\" and .process.pid == ${pid1:-0}"
	ok "evasion: a container signalling the agent is PW-0701 (critical)" \
		has_rule "$sig" PW-0701 '.rule.severity == "critical" and .event.path == "signal 23"'
	ok "evasion: core_pattern through a bind mount is still core_pattern (PW-0102 on its fs_path)" \
		has_rule "$files" PW-0102 '.event.path == "/k/core_pattern" and
			.event.fs_path == "/proc/sys/kernel/core_pattern"'
	ok "evasion: binfmt_misc's register opened for writing (PW-0108, critical)" \
		has_rule "$files" PW-0108 '.event.basename == "register" and .rule.severity == "critical"'
	ok "evasion: a masked path unmounted by a relative name from /proc (PW-0304, absolute target)" \
		has_rule "$files" PW-0304 '.event.mount.target | test("^/proc/(acpi|bus)$")'
	# Losses are reported once a second: the last report can follow the
	# flooder's exit (bounded wait, what the agent wrote as of each run_sync).
	flood_lost() {
		jqe -s --arg id "$flood" 'map(select(.schema == "privwatch.lost/1") | .by_container[]?
			| select(.container == $id) | .dropped) | add > 0' "$RUN_READ"
	}
	for _ in $(seq 10); do
		flood_lost && break
		sleep 0.5
		run_sync || break
	done
	ok "evasion: the flooder lost events to its budget, counted against it in privwatch.lost/1" flood_lost
	ok "evasion: the flooder's own events were there until its budget ran out" \
		jqe -s --arg id "$flood" 'map(select(.schema == "privwatch.event/1" and .container.id == $id
			and .kind == "open")) | length >= 1000' "$RUN_READ"
	ok "evasion: a process named runc:[2:INIT] is not the runtime (PW-0401, PW-0305)" \
		has_rule "$fake" PW-0401 '.process.comm == "runc:[2:INIT]" and .event.capability == "CAP_SYS_ADMIN"'
	ok "evasion: and its unshare is a namespace change (PW-0305)" has_rule "$fake" PW-0305
	if [ -n "$disguised" ]; then
		ok "evasion: an entrypoint disguised as runc init is the entrypoint: its container started" \
			seen_started "$disguised"
		ok "evasion: and its own mount is reported on a started container (PW-0401)" \
			has_rule "$disguised" PW-0401 '.event.capability == "CAP_SYS_ADMIN"
				and .container.phase == "started" and .process.comm == "runc"'
	fi
	"$R" docker rm -f pw-evasion-cgroup pw-evasion-dedup pw-evasion-signal pw-evasion-name \
		pw-evasion-files pw-evasion-flood pw-evasion-disguise >/dev/null 2>&1 || true
}
