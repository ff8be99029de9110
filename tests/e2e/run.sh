# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# shellcheck shell=bash
# `privwatch run` against real containers: started before smoke.sh's cases,
# so it learns of each from the kernel's cgroup records; then every event of a
# container carries it, "setup" while runc's init prepares it and "started"
# from the entrypoint's exec on; then churn of short-lived containers, after
# which the agent's table is back to its starting size and its RSS grew < 10%.
# Sourced by smoke.sh: uses its ok/is helpers, $R, $IMAGE, $LABEL, $STATE.
PW=${PRIVWATCH:-$HERE/../../.output/privwatch}
RUN_OUT=$STATE/run.json
RUN_PID=
CHURN_MAX=${PRIVWATCH_E2E_CHURN:-200}
# A ceiling only, so a stuck daemon cannot hang the run: 200 take ~65 s here.
CHURN_SECONDS=${PRIVWATCH_E2E_CHURN_SECONDS:-240}
CHURN_PARALLEL=4

# jq -e, quiet: ok's own line must not go to /dev/null with jq's output.
jqe() { jq -e "$@" >/dev/null; }
rss_kb() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$1/status"; }

# Before any container: the start record's containers_tracked is the baseline.
run_start() {
	local i
	[ -x "$PW" ] || { ok "privwatch built at $PW" false; return; }
	mkdir -p "$STATE"
	"$PW" run --events >"$RUN_OUT" 2>"$STATE/run.err" &
	RUN_PID=$!
	for i in $(seq 100); do
		[ -s "$RUN_OUT" ] && break
		sleep 0.1
	done
	ok "privwatch run started (start record)" jqe 'select(.schema == "privwatch.start/1")' "$RUN_OUT"
	RUN_BASE=$(jq -s 'map(select(.schema == "privwatch.start/1"))[0].containers_tracked' "$RUN_OUT")
	echo "   privwatch run pid $RUN_PID, containers at start: $RUN_BASE"
}

# "phase,mode,comm,kind" of each event of container id, in stream order.
events_of() { jq -c --arg id "$1" 'select(.schema == "privwatch.event/1" and .container.id == $id)' "$RUN_OUT"; }

# A container's events: setup first (runc's init: mounts, seccomp probing),
# the entrypoint's exec the first "started" one, nothing "setup" after it.
check_container() { # name mode
	local name=$1 mode=$2 id ev first
	id=$("$R" docker inspect -f '{{.Id}}' "$name" 2>/dev/null)
	[ -n "$id" ] || { ok "run: $name is running" false; return; }
	ev=$(events_of "$id")
	ok "run: $name: events carry id, name, runtime docker" \
		is "$(jq -sc 'map([.container.name, .container.runtime]) | unique' <<<"$ev")" \
		"[[\"$name\",\"docker\"]]"
	ok "run: $name: runc's init mounts are setup" \
		jqe -s 'any(.[]; .kind == "mount" and .comm == "runc:[2:INIT]" and .container.phase == "setup")' \
		<<<"$ev"
	ok "run: $name: runc's seccomp probing is setup" \
		jqe -s 'any(.[]; .kind == "seccomp" and .container.phase == "setup")' <<<"$ev"
	first=$(jq -sc 'map(select(.container.phase == "started"))[0] | [.kind, .argv]' <<<"$ev")
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
	[ -n "$RUN_PID" ] || return
	echo "### privwatch run"
	check_container pw-docker-default default
	check_container pw-docker-privileged privileged
	ok "run: no started event of the default container comes from runc's init" \
		is "$(events_of "$("$R" docker inspect -f '{{.Id}}' pw-docker-default)" |
			jq -s 'map(select(.container.phase == "started" and (.comm | startswith("runc")))) | length')" 0
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
	ok "run: host events carry container null" \
		jqe -s 'any(.[]; .kind == "cgroup_mkdir" and .container == null)' "$RUN_OUT"
	grep -m1 '"comm":"runc:\[2:INIT\]"' "$RUN_OUT" | grep '"kind":"mount"' | head -c 900
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
	sleep 1
	after=$(rss_kb "$RUN_PID")
	CHURN_N=$n
	echo "   $n short-lived containers in $ms ms; agent VmRSS $before kB before, $after kB after"
	ok "churn: all $CHURN_MAX short-lived containers ran" test "$n" -ge "$CHURN_MAX"
	ok "churn: agent RSS grew < 10% ($before -> $after kB)" test $((after * 10)) -lt $((before * 11))
}

# After every container is gone: the final record's table size is the start's.
run_finish() {
	local final
	[ -n "$RUN_PID" ] || return
	# shellcheck disable=SC2046
	"$R" docker rm -f $("$R" docker ps -aq --filter "label=$LABEL") >/dev/null 2>&1
	# shellcheck disable=SC2046
	"$R" podman rm -f $("$R" podman ps -aq --filter "label=$LABEL") >/dev/null 2>&1
	for c in pw-runc-default pw-runc-privileged; do
		"$R" runc delete -f "$c" >/dev/null 2>&1
	done
	sleep 1
	kill -INT "$RUN_PID"
	wait "$RUN_PID"
	final=$(jq -c 'select(.schema == "privwatch.stats/1" and .final) | .containers' "$RUN_OUT")
	echo "   final: $final (start: $RUN_BASE, churn: ${CHURN_N:-0})"
	ok "run: table back to its starting size after ${CHURN_N:-0} short-lived containers" \
		is "$(jq 'select(.schema == "privwatch.stats/1" and .final) | .containers_tracked' "$RUN_OUT")" "$RUN_BASE"
	ok "run: every short-lived container was added and removed" \
		jqe --argjson n "${CHURN_N:-0}" 'select(.schema == "privwatch.stats/1" and .final)
			| .containers.added >= $n and .containers.removed >= $n' "$RUN_OUT"
	RUN_PID=
}
