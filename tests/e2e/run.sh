# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# shellcheck shell=bash
# `privwatch run` against real containers: started before smoke.sh's cases,
# so it learns of each from the kernel's cgroup records; then every event of a
# container carries it, "setup" while runc's init prepares it and "started"
# from the entrypoint's exec on; then churn of short-lived containers, after
# which the agent's table is back to its starting size and its RSS grew < 10%.
# Checks never sleep to let the agent catch up: run_sync makes a marker
# event and waits until the agent has written it; everything before it in
# the ring buffer has then been read, evaluated and written too. Checks read
# $RUN_READ, the output's complete lines as of the last run_sync.
# Sourced by smoke.sh: uses its ok/is helpers, $R, $IMAGE, $LABEL, $STATE.
PW=${PRIVWATCH:-$HERE/../../.output/privwatch}
RUN_OUT=$STATE/run.json
RUN_READ=$STATE/run.read.json
RUN_PID=
SYNC_CG=
SYNC_N=0
SYNC_DEADLINE=${PRIVWATCH_E2E_SYNC_SECONDS:-60} # a hang guard only
CHURN_MAX=${PRIVWATCH_E2E_CHURN:-200}
# A ceiling only, so a stuck daemon cannot hang the run: 200 take ~65 s here.
CHURN_SECONDS=${PRIVWATCH_E2E_CHURN_SECONDS:-240}
CHURN_PARALLEL=4
# The agent's capture bundles (capture.sh): a directory of its own, 0700,
# a short window, no rate limit (several cases trigger PW-0102), a small quota.
CAPTURE_DIR=$STATE/captures
CONTROL=$STATE/control.sock # privwatch capture take asks there (capture.sh)
CAPTURE_WINDOW=3
CAPTURE_MAX=10

# jq -e, quiet (ok's own line must not go to /dev/null with jq's output) and
# strict: jq 1.6 exits 0 on an empty input, so no output at all fails too. A
# check against an empty or unread stream never passes.
jqe() {
	local out
	out=$(jq -c "$@") || return 1
	[ -n "$out" ] || return 1
	out=${out##*$'\n'}
	[ "$out" != false ] && [ "$out" != null ]
}
rss_kb() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$1/status"; }

# $RUN_READ: the agent's output up to its last complete line.
run_snapshot() { perl -0777 -pe 's/[^\n]+\z//' "$RUN_OUT" >"$RUN_READ.tmp" && mv "$RUN_READ.tmp" "$RUN_READ"; }

# A host process in a watched cgroup of its own (no container's: its events
# carry container null) execs "busybox true <marker>". The ring buffer is
# one, in order: once that exec is in the output, so is everything any
# process did before it.
sync_event() { # marker
	jq -c --arg m "$1" 'select(.schema == "privwatch.event/1" and .kind == "exec"
		and ((.argv // []) | index($m)))' "$RUN_READ"
}
run_sync() {
	local m t0
	[ -n "$RUN_PID" ] && [ -n "$SYNC_CG" ] || return 1
	SYNC_N=$((SYNC_N + 1))
	m=pw-e2e-sync-$$-$SYNC_N
	sh -c 'echo $$ >"$1/cgroup.procs" && exec /bin/busybox true "$2"' sh "$SYNC_CG" "$m"
	t0=$SECONDS
	while [ $((SECONDS - t0)) -lt "$SYNC_DEADLINE" ]; do
		if grep -qF -- "$m" "$RUN_OUT" && run_snapshot && [ -n "$(sync_event "$m" || true)" ]; then
			SYNC_LAST=$m
			return 0
		fi
		kill -0 "$RUN_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "       the agent did not write sync marker $m within ${SYNC_DEADLINE} s" >&2
	return 1
}

# A deliberately delayed reader, to show that no check passes because the
# agent is behind: PRIVWATCH_E2E_STALL_SECONDS=N stops the agent (SIGSTOP)
# for N seconds from here; the kernel's events wait in the ring buffer.
agent_stall() {
	local n=${PRIVWATCH_E2E_STALL_SECONDS:-0}
	[ "$n" -gt 0 ] && [ -n "$RUN_PID" ] || return 0
	echo "   (the agent stopped for $n s: a delayed reader)"
	kill -STOP "$RUN_PID"
	(
		sleep "$n"
		kill -CONT "$RUN_PID"
	) &
}

# Did the agent see this container start (its entrypoint's exec, "started")?
seen_started() { # id
	[ -n "$1" ] && jqe --arg id "$1" 'select(.schema == "privwatch.event/1" and .container.id == $id
		and .container.phase == "started" and .kind == "exec")' "$RUN_READ"
}

# Before any container: the start record's containers_tracked is the baseline.
run_start() {
	[ -x "$PW" ] || { ok "privwatch built at $PW" false; return; }
	mkdir -p "$STATE"
	mkdir -p "$CAPTURE_DIR" && chmod 0700 "$CAPTURE_DIR"
	# A budget a flood passes and no ordinary container comes near (evasion.sh);
	# an inventory every 5 s: posture.sh looks for its cases in one; stats
	# every 5 s: capture.sh looks for its counts in them.
	"$PW" run --http none --lock-file none --events --container-budget 2000/20000 --inventory-interval 5 \
		--stats-interval 5 --capture-dir "$CAPTURE_DIR" --capture-window-s "$CAPTURE_WINDOW" \
		--capture-interval-s 0 --capture-max-bundles "$CAPTURE_MAX" --control "$CONTROL" \
		>"$RUN_OUT" 2>"$STATE/run.err" &
	RUN_PID=$!
	# A hang guard: the start record comes once the programs are loaded.
	for _ in $(seq 300); do
		run_snapshot
		jqe 'select(.schema == "privwatch.start/1")' "$RUN_READ" 2>/dev/null && break
		kill -0 "$RUN_PID" 2>/dev/null || break
		sleep 0.1
	done
	ok "privwatch run started (start record)" jqe 'select(.schema == "privwatch.start/1")' "$RUN_READ"
	RUN_BASE=$(jq -s 'map(select(.schema == "privwatch.start/1"))[0].containers_tracked' "$RUN_READ") ||
		RUN_BASE=unknown
	echo "   privwatch run pid $RUN_PID, containers at start: $RUN_BASE"
	# The marker cgroup, in the hierarchy the agent watches.
	SYNC_CG=$(jq -r 'select(.schema == "privwatch.start/1") | .watch.mount' "$RUN_READ" 2>/dev/null || true)
	if [ -n "$SYNC_CG" ] && [ -d "$SYNC_CG" ]; then
		SYNC_CG=$SYNC_CG/privwatch-e2e-sync-$$
		mkdir -p "$SYNC_CG"
	else
		SYNC_CG=
	fi
	ok "the agent writes a marker event made after everything before it (run_sync)" run_sync
}

# "phase,mode,comm,kind" of each event of container id, in stream order.
events_of() { jq -c --arg id "$1" 'select(.schema == "privwatch.event/1" and .container.id == $id)' "$RUN_READ"; }

# A container's events: setup first (runc's init: mounts, seccomp probing),
# the entrypoint's exec the first "started" one, nothing "setup" after it.
check_container() { # name mode
	local name=$1 mode=$2 id ev first
	id=$("$R" docker inspect -f '{{.Id}}' "$name" 2>/dev/null) || id=
	[ -n "$id" ] || { ok "run: $name is running" false; return; }
	ev=$(events_of "$id") || ev=
	ok "run: $name: events carry id, name, runtime docker" \
		is "$(jq -sc 'map([.container.name, .container.runtime]) | unique' <<<"$ev")" \
		"[[\"$name\",\"docker\"]]"
	ok "run: $name: runc's init mounts are setup" \
		jqe -s 'any(.[]; .kind == "mount" and .comm == "runc:[2:INIT]" and .container.phase == "setup")' \
		<<<"$ev"
	ok "run: $name: runc's seccomp probing is setup" \
		jqe -s 'any(.[]; .kind == "seccomp" and .container.phase == "setup")' <<<"$ev"
	first=$(jq -sc 'map(select(.container.phase == "started"))[0] | [.kind, .argv]' <<<"$ev") || first=
	echo "   $name: first started event: $first"
	ok "run: $name: the entrypoint's exec is the first started event" \
		is "$first" '["exec",["sleep","300"]]'
	ok "run: $name: no setup event after it" \
		jqe -s '(map(.container.phase) | index("started")) as $i
			| $i != null and all(.[$i:][]; .container.phase == "started")' <<<"$ev"
	ok "run: $name: started events have mode $mode" \
		is "$(jq -sc 'map(select(.container.phase == "started") | .container.mode) | unique' <<<"$ev")" \
		"[\"$mode\"]"
	echo "   $name: $(jq -s 'map(select(.container.phase == "setup")) | length' <<<"$ev") setup," \
		"$(jq -s 'map(select(.container.phase == "started")) | length' <<<"$ev") started events"
}

run_checks() {
	local t0 ms n=0 before after ok_n
	[ -n "$RUN_PID" ] || return 0
	echo "### privwatch run"
	ok "run: the agent caught up with the cases (sync marker)" run_sync
	check_container pw-docker-default default
	check_container pw-docker-privileged privileged
	ok "run: the default container has started events, none from runc's init" \
		is "$(events_of "$(cid pw-docker-default)" | jq -sc 'map(select(.container.phase == "started"))
			| [length > 0, (map(select(.comm | startswith("runc"))) | length)]')" '[true,0]'
	# Podman: recognised by its cgroup (libpod-<id>), named from its storage.
	for c in default privileged; do
		ok "run: pw-podman-$c tagged podman with its name, started at its entrypoint, mode $c" \
			is "$(events_of "$("$R" podman inspect -f '{{.Id}}' "pw-podman-$c" 2>/dev/null || true)" |
				jq -sc 'map(select(.container.phase == "started"))[0]
				| [.kind, .argv, .container.name, .container.runtime, .container.mode]')" \
			"[\"exec\",[\"sleep\",\"300\"],\"pw-podman-$c\",\"podman\",\"$c\"]"
	done
	# containerd via ctr: /<namespace>/<id>, believed from its task on disk.
	ok "run: pw-ctr-default tagged containerd, started at its entrypoint, mode partial" \
		is "$(events_of pw-ctr-default | jq -sc 'map(select(.container.phase == "started"))[0]
			| [.kind, .argv, .container.name, .container.runtime, .container.mode]')" \
		'["exec",["sleep","300"],"pw-ctr-default","containerd","partial"]'
	# Plain runc: recognised once runc has written state.json. If it has
	# when the agent reads runc init's re-exec, runc's setup is tagged
	# "setup"; if not, it is untagged and the entrypoint's exec is the
	# first tagged event. Which one depends on how far the agent's reading
	# is behind runc: both are right, the entrypoint starts it either way.
	ok "run: pw-runc-default tagged runc, started at its entrypoint, mode partial" \
		is "$(events_of pw-runc-default | jq -sc 'map(select(.container.phase == "started"))[0]
			| [.kind, .argv, .container.phase, .container.runtime, .container.mode]')" \
		'["exec",["sleep","300"],"started","runc","partial"]'
	ok "run: pw-runc-default: what is tagged before its entrypoint is setup" \
		jqe -s '(map(.container.phase) | index("started")) as $i
			| $i != null and all(.[:$i][]; .container.phase == "setup")' \
		< <(events_of pw-runc-default)
	# Not a record null by design: a host process in a watched cgroup
	# (run_sync's marker), whose exec must say it is in no container.
	ok "run: a host process's event carries container null (the sync marker's exec)" \
		jqe -s 'length == 1 and (.[0] | has("container") and .container == null)' \
		< <(sync_event "$SYNC_LAST")
	grep -m1 '"comm":"runc:\[2:INIT\]"' "$RUN_READ" | grep '"kind":"mount"' | head -c 900 || true
	echo

	echo "### churn"
	before=$(rss_kb "$RUN_PID")
	t0=$(now_ms)
	while [ "$n" -lt "$CHURN_MAX" ] && [ "$(($(now_ms) - t0))" -lt $((CHURN_SECONDS * 1000)) ]; do
		for _ in $(seq "$CHURN_PARALLEL"); do
			"$R" docker run --rm --label "$LABEL" --network none "$IMAGE" true >/dev/null &
		done
		ok_n=0
		for _ in $(seq "$CHURN_PARALLEL"); do wait -n && ok_n=$((ok_n + 1)); done
		n=$((n + ok_n))
	done
	ms=$(($(now_ms) - t0))
	ok "churn: the agent caught up (sync marker)" run_sync
	after=$(rss_kb "$RUN_PID")
	CHURN_N=$n
	echo "   $n short-lived containers in $ms ms; agent VmRSS $before kB before, $after kB after"
	env_ok "churn: all $CHURN_MAX short-lived containers ran" test "$n" -ge "$CHURN_MAX"
	ok "churn: agent RSS grew < 10% ($before -> $after kB)" test $((after * 10)) -lt $((before * 11))
}

# After every container is gone: the final record's table size is the start's.
run_finish() {
	local final rc=0 ids pids cgs=() c mount t0
	[ -n "$RUN_PID" ] || return 0
	mount=${SYNC_CG%/*}
	ids=$("$R" docker ps -aq --no-trunc --filter "label=$LABEL" || true)
	for c in $ids; do cgs+=("$mount/docker/$c"); done
	# shellcheck disable=SC2086
	[ -z "$ids" ] || "$R" docker rm -f $ids >/dev/null 2>&1 || true
	pids=$("$R" podman ps -aq --no-trunc --filter "label=$LABEL" || true)
	for c in $pids; do cgs+=("$mount/libpod_parent/libpod-$c"); done
	# shellcheck disable=SC2086
	[ -z "$pids" ] || "$R" podman rm -f -t 0 $pids >/dev/null 2>&1 || true
	for c in pw-runc-default pw-runc-privileged; do
		cgs+=("$mount/$c")
		"$R" runc delete -f "$c" >/dev/null 2>&1 || true
	done
	cgs+=("$mount/privwatch-e2e/pw-ctr-default")
	"$R" ctr -n privwatch-e2e task delete -f pw-ctr-default >/dev/null 2>&1 || true
	# Their cgroups go after the commands return (podman's cleanup runs
	# from conmon): wait for them, then for the agent to read their records.
	t0=$SECONDS
	for c in "${cgs[@]}"; do
		while [ -d "$c" ] && [ $((SECONDS - t0)) -lt 60 ]; do sleep 0.1; done
	done
	ok "run: our containers' cgroups are gone ($(echo $ids $pids | wc -w) docker and podman, 2 runc, 1 ctr)" \
		is "$(for c in "${cgs[@]}"; do [ ! -d "$c" ] || echo "$c"; done)" ""
	ok "run: the agent caught up with the removals (sync marker)" run_sync
	kill -INT "$RUN_PID"
	wait "$RUN_PID" || rc=$?
	RUN_PID=
	ok "run: privwatch run exits 0 on SIGINT" is "$rc" 0
	run_snapshot
	final=$(jq -c 'select(.schema == "privwatch.stats/1" and .final) | .containers' "$RUN_READ") || final=
	echo "   final: $final (start: $RUN_BASE, churn: ${CHURN_N:-0})"
	ok "run: table back to its starting size after ${CHURN_N:-0} short-lived containers" \
		is "$(jq 'select(.schema == "privwatch.stats/1" and .final) | .containers_tracked' "$RUN_READ")" "$RUN_BASE"
	ok "run: every short-lived container was added and removed" \
		jqe --argjson n "${CHURN_N:-0}" 'select(.schema == "privwatch.stats/1" and .final)
			| .containers.added >= $n and .containers.removed >= $n' "$RUN_READ"
}
