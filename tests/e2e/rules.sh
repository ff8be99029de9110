# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# shellcheck shell=bash
# The default rules against real Docker containers, through the agent run.sh
# started before the first container (default rules, --events):
#   - in a --privileged container, the background article's actions: a sysfs
#     write (its own value written back), core_pattern (written back), a raw
#     disk (a loop device over an ext4 image: /dev/vda cannot be opened here),
#     mounts of that disk, a tmpfs and the cgroup v1 memory hierarchy, an
#     open of its release_agent for writing (nothing written), unshare -m;
#   - the same attempts in a default container: refused, alerting lower;
#   - an ordinary default workload, and containers that start and stop: no
#     alert at all, each after the agent was seen starting it. After churn
#     (run.sh), every container our dockerd started was seen by the agent,
#     and none of ours outside the expected list has any alert.
# No check sleeps: run_sync (run.sh) waits for a marker event made after
# the actions. Sourced by smoke.sh: uses its ok/is helpers, $R, $IMAGE,
# $LABEL, $STATE and run.sh's $RUN_READ, run_sync, seen_started.
RULES_LOOP=
RULES_ALERTING=() # ids of the containers expected to alert

alerts_of() { jq -c --arg id "$1" 'select(.schema == "privwatch.alert/1" and .container.id == $id)' "$RUN_READ"; }
rule_ids_of() { alerts_of "$1" | jq -sc 'map(.rule.id) | unique'; }
# Highest severity among a container's alerts, as a rank (0 info .. 4 critical, -1 none).
max_rank_of() {
	alerts_of "$1" | jq -s '[.[].rule.severity | {"info":0,"low":1,"medium":2,"high":3,"critical":4}[.]] | max // -1'
}
has_rule() { # id rule [jq condition on the alert]
	alerts_of "$1" | jqe -s --arg r "$2" "any(.[]; .rule.id == \$r and (${3:-true}))"
}
cid() { "$R" docker inspect -f '{{.Id}}' "$1" 2>/dev/null || true; }
# "No alert" means something only if the container exists, the agent saw it
# start, and the agent has caught up (run_sync before the check).
no_alert_from() { # id
	local n
	[ -n "$1" ] || { echo "       no container id" >&2; return 1; }
	seen_started "$1" || { echo "       the agent never saw ${1:0:12} start" >&2; return 1; }
	n=$(alerts_of "$1" | wc -l) || { echo "       $RUN_READ unreadable" >&2; return 1; }
	is "$n" 0
}

rules_setup() {
	local img=$STATE/disk.img
	truncate -s 16M "$img" && mkfs.ext4 -q -F "$img" >/dev/null 2>&1 &&
		RULES_LOOP=$(losetup -f --show "$img") || {
		ok "rules: a loop device over an ext4 image" false
		return 1
	}
	echo "   raw disk: $RULES_LOOP over $img"
}

rules_teardown() {
	if [ -n "$RULES_LOOP" ]; then losetup -d "$RULES_LOOP" || true; fi
	rm -f "$STATE/disk.img"
	RULES_LOOP=
}

# The actions, one busybox sh script for both containers; every value
# written is the one read first. ${n}: the loop device's number.
rules_script() {
	local n=${RULES_LOOP#/dev/loop}
	cat <<-EOS
	ra=/sys/block/loop$n/queue/read_ahead_kb
	v=\$(cat \$ra); echo "\$v" > \$ra
	cp=/proc/sys/kernel/core_pattern
	v=\$(cat \$cp); echo "\$v" > \$cp
	[ -b /dev/loop$n ] || mknod /dev/loop$n b 7 $n
	dd if=/dev/loop$n of=/dev/null bs=4096 count=1
	mkdir -p /mnt/disk /mnt/tmp /mnt/cg
	mount -t ext4 /dev/loop$n /mnt/disk && umount /mnt/disk
	mount -t tmpfs pwtmp /mnt/tmp && umount /mnt/tmp
	mount -t cgroup -o memory pwcg /mnt/cg && { : >> /mnt/cg/release_agent; umount /mnt/cg; }
	unshare -m true
	true
	EOS
}

rules_checks() {
	local priv def ord id n ss=()
	echo "### rules"
	rules_setup || return 0
	agent_stall
	# An ordinary workload in a default container: a shell loop, writes in
	# its own filesystem, reads of /proc/self/status.
	"$R" docker run --label "$LABEL" --name pw-rules-ordinary --network none "$IMAGE" sh -c \
		'i=0; while [ $i -lt 100 ]; do echo $i > /tmp/f; cat /tmp/f /proc/self/status > /dev/null; i=$((i+1)); done' \
		>/dev/null || true
	for n in 1 2 3; do
		"$R" docker run --label "$LABEL" --name "pw-rules-startstop-$n" --network none "$IMAGE" true || true
		ss+=("$(cid "pw-rules-startstop-$n")")
	done
	docker_case rules-priv --privileged >/dev/null || true
	docker_case rules-default >/dev/null || true
	priv=$(cid pw-rules-priv)
	def=$(cid pw-rules-default)
	ord=$(cid pw-rules-ordinary)
	RULES_ALERTING+=("$priv" "$def")
	# The default container's attempts are refused: its script fails.
	"$R" docker exec pw-rules-priv sh -c "$(rules_script)" >"$STATE/rules-priv.log" 2>&1 || true
	"$R" docker exec pw-rules-default sh -c "$(rules_script)" >"$STATE/rules-default.log" 2>&1 || true
	ok "rules: the agent caught up with the actions (sync marker)" run_sync
	echo "   privileged: $(rule_ids_of "$priv")"
	echo "   default:    $(rule_ids_of "$def")"

	ok "rules: privileged: sysfs write (PW-0105, high)" \
		has_rule "$priv" PW-0105 ".event.path | endswith(\"/queue/read_ahead_kb\")"
	ok "rules: privileged: core_pattern write (PW-0102, critical)" \
		has_rule "$priv" PW-0102 '.event.path == "/proc/sys/kernel/core_pattern" and .rule.severity == "critical"'
	ok "rules: privileged: raw disk open (PW-0202, critical)" \
		has_rule "$priv" PW-0202 ".event.object == \"blockdev\" and .event.device.major == 7"
	ok "rules: privileged: ext4 mount of the disk (PW-0301, critical)" \
		has_rule "$priv" PW-0301 ".event.mount.fstype == \"ext4\" and .event.path == \"/mnt/disk\""
	ok "rules: privileged: cgroup v1 mount (PW-0301, critical)" \
		has_rule "$priv" PW-0301 '.event.mount.fstype == "cgroup"'
	ok "rules: privileged: tmpfs mount (PW-0302, high)" \
		has_rule "$priv" PW-0302 '.event.mount.fstype == "tmpfs"'
	ok "rules: privileged: release_agent opened for writing (PW-0101, critical)" \
		has_rule "$priv" PW-0101 '.event.basename == "release_agent"'
	ok "rules: privileged: unshare -m (PW-0305)" \
		has_rule "$priv" PW-0305 '.event.kind == "namespace"'
	ok "rules: privileged: CAP_SYS_ADMIN used (PW-0401)" \
		has_rule "$priv" PW-0401 '.event.capability == "CAP_SYS_ADMIN"'
	# The actions ran in `docker exec`: the runtime placed the shell in the
	# running container; the alerts say so, for the shell and its children.
	ok "rules: privileged: the exec'd shell's own write names it as its exec session's first process" \
		has_rule "$priv" PW-0102 '.process.session == "exec" and .process.exec_session.pid == .process.pid'
	ok "rules: privileged: dd, the shell's child, is in the same exec session" \
		has_rule "$priv" PW-0202 '.process.session == "exec" and .process.exec_session.pid == .process.ancestry[0].pid'
	ok "rules: privileged: started without seccomp (PW-0501) and privileged (PW-0502)" \
		jqe -e 'index("PW-0501") != null and index("PW-0502") != null' <<<"$(rule_ids_of "$priv")"

	ok "rules: default: refused sysfs write (PW-0112, low)" \
		has_rule "$def" PW-0112 '.event.errno == 30'
	ok "rules: default: refused core_pattern write (PW-0111, medium)" \
		has_rule "$def" PW-0111 '.event.path == "/proc/sys/kernel/core_pattern"'
	ok "rules: default: refused raw disk open (PW-0211, medium)" \
		has_rule "$def" PW-0211 '.event.errno == 1'
	ok "rules: default: refused mounts (PW-0311: disk, tmpfs, cgroup)" \
		is "$(alerts_of "$def" | jq -sc '[.[] | select(.rule.id == "PW-0311") | .event.mount.fstype] | unique')" \
		'["cgroup","ext4","tmpfs"]'
	ok "rules: default: refused unshare -m (PW-0312)" has_rule "$def" PW-0312
	ok "rules: default: alerts, none above medium" test "$(max_rank_of "$def")" -ge 0 -a "$(max_rank_of "$def")" -le 2
	ok "rules: every action alerts lower in the default container than in the privileged one" \
		test "$(max_rank_of "$def")" -lt "$(max_rank_of "$priv")"

	ok "rules: an ordinary default workload: seen started, no alert" no_alert_from "$ord"
	# Its own actions are in the stream: the loop's 100 execs of cat.
	ok "rules: the ordinary workload's own events are in the stream (100 execs of cat)" \
		jqe -s --arg id "$ord" 'map(select(.schema == "privwatch.event/1" and .container.id == $id
			and .kind == "exec" and .argv[0] == "cat")) | length == 100' "$RUN_READ"
	for id in "${ss[@]}"; do
		ok "rules: a container that starts and stops: seen started, no alert (${id:0:12})" \
			no_alert_from "$id"
	done
	ok "rules: the smoke default container: seen started, no alert" no_alert_from "$(cid pw-docker-default)"
	if [ -x /usr/bin/python3 ]; then
		ok "rules: every alert valid against docs/alert.schema.json" \
			/usr/bin/python3 "$HERE/validate-alerts.py" --min 10 "$RUN_READ"
	else
		ok "rules: python3 for the schema check" false
	fi
	rules_teardown
}

# After churn (run.sh's run_checks ends with a run_sync): every container
# our dockerd started since up was seen started by the agent, and an alert
# from any of ours outside the expected ones is a false alarm (the 200
# short-lived default containers included). Containers that are not ours
# (another user's, on a shared host) are reported, not judged.
rules_no_false_alarms() {
	local expected=("${RULES_ALERTING[@]}") c unexpected ours missing foreign
	for c in pw-docker-privileged pw-docker-cap-add-all pw-docker-seccomp-unconfined \
		pw-docker-device-kmsg; do
		expected+=("$(cid "$c")")
	done
	expected+=("$("$R" podman inspect -f '{{.Id}}' pw-podman-privileged 2>/dev/null || true)")
	expected+=(pw-runc-default pw-runc-privileged pw-ctr-default)
	# Ours: every container our own dockerd started (smoke.sh's docker events
	# listener, from right after up: dockerd keeps only its last 256 events
	# for --since), our podman's, our runc's.
	ours=$({
		cat "$DOCKER_STARTS"
		"$R" podman ps -a --no-trunc --format '{{.ID}}'
		echo pw-runc-default
		echo pw-runc-privileged
		echo pw-ctr-default
	} | sort -u) || ours=
	missing=$(comm -23 <(sort -u <<<"$ours") \
		<(jq -r 'select(.schema == "privwatch.event/1" and .container.phase == "started")
			| .container.id' "$RUN_READ" | sort -u) || echo "(unreadable)")
	echo "   containers of ours: $(wc -l <<<"$ours"), not seen started: $(grep -c . <<<"$missing" || true)"
	ok "rules: every container our dockerd, podman and ctr started was seen started (churn included)" \
		is "$missing" ""
	unexpected=$(jq -c --argjson ids "$(printf '%s\n' "${expected[@]}" | jq -R . | jq -sc .)" \
		--argjson ours "$(jq -R . <<<"$ours" | jq -sc .)" \
		'select(.schema == "privwatch.alert/1" and .container != null
		and (.container.id as $i | ($ours | index($i)) and ($ids | index($i) | not)))
		| [.container.name, .rule.id, .summary]' "$RUN_READ" | head -20) || unexpected="(unreadable)"
	[ -z "$unexpected" ] || echo "$unexpected" | sed 's/^/       /'
	ok "rules: no alert from any other container of ours (churn included)" is "$unexpected" ""
	foreign=$(jq -r --argjson ours "$(jq -R . <<<"$ours" | jq -sc .)" \
		'select(.schema == "privwatch.alert/1" and .container != null
		and (.container.id as $i | $ours | index($i) | not)) | .container.id' "$RUN_READ" |
		sort -u | wc -l) || foreign='?'
	[ "$foreign" = 0 ] || echo "   (alerts from $foreign containers that are not ours: not judged)"
}
