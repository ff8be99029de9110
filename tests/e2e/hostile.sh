# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# shellcheck shell=bash
# Nothing a container does stalls the agent (issue 14), with real Docker
# containers: a --privileged one that stacks 4,000 tmpfs mounts on /mnt and
# mounts a FUSE filesystem whose server never answers over its own /dev
# (it holds the /dev/fuse fd and never reads it). While it runs:
#   - the agent run.sh started keeps working: another container's
#     core_pattern write is alerted (PW-0102) within seconds;
#   - a second agent started with it present writes its start record
#     within seconds, alerts too, exits within 5 s of SIGINT, and its final
#     record counts no host read on its event thread and no read given up
#     (the FUSE /dev is seen in the container's mount table, never opened).
# Sourced by smoke.sh: uses its ok/is helpers, $R, $IMAGE, $LABEL, $STATE,
# run.sh's $PW, $RUN_OUT, jqe, and rules.sh's has_rule and cid.

HOSTILE_SH='exec 3<>/dev/fuse || exit 1
mkdir -p /mnt/stack
i=0
while [ $i -lt 4000 ]; do mount -t tmpfs -o size=4k stack /mnt/stack || exit 2; i=$((i + 1)); done
mount -t fuse -o fd=3,rootmode=40000,user_id=0,group_id=0 hang /dev || exit 3
exec sleep 300'

# ms until container id has an alert of rule (at most 15 s), or "timeout".
alert_latency() { # out id rule t0 [byte offset: what the agent wrote before]
	for _ in $(seq 150); do
		# complete lines only: the agent may be writing the last one; the
		# running agent's output is large: only what came after the offset
		if tail -c +"$((${5:-0} + 1))" "$1" | perl -0777 -pe 's/[^\n]+\z//' |
			jq -c --arg id "$2" 'select(.schema == "privwatch.alert/1" and .container.id == $id)' |
			jqe -s --arg r "$3" 'any(.[]; .rule.id == $r)'; then
			echo $(($(now_ms) - $4))
			return
		fi
		sleep 0.1
	done
	echo timeout
}

within_ms() { [ "$1" != timeout ] && [ "$1" -lt "$2" ]; }

# A --privileged container writing core_pattern back: its id.
escape_attempt() { # name
	"$R" docker run -d --label "$LABEL" --name "$1" --network none --privileged "$IMAGE" \
		sh -c 'cp=/proc/sys/kernel/core_pattern; v=$(cat $cp); echo "$v" > $cp; exec sleep 300'
}

hostile_checks() {
	local hid hpid ms eid out=$STATE/hostile-run.json pid2 t0 st off
	echo "### hostile containers"
	hid=$("$R" docker run -d --label "$LABEL" --name pw-hostile --network none --privileged \
		"$IMAGE" sh -c "$HOSTILE_SH") || { ok "hostile: container starts" false; return; }
	hpid=$("$R" docker inspect -f '{{.State.Pid}}' "$hid")
	for _ in $(seq 300); do
		grep -q ' /dev .* - fuse ' "/proc/$hpid/mountinfo" 2>/dev/null && break
		sleep 0.1
	done
	ok "hostile: FUSE over its /dev, $(wc -l <"/proc/$hpid/mountinfo") mounts" \
		grep -q ' /dev .* - fuse ' "/proc/$hpid/mountinfo"

	# The running agent: another container's escape attempt, alerted.
	t0=$(now_ms)
	off=$(stat -c %s "$RUN_OUT")
	eid=$(escape_attempt pw-hostile-escape1)
	ms=$(alert_latency "$RUN_OUT" "$eid" PW-0102 "$t0" "$off")
	echo "   running agent: PW-0102 $ms ms after docker run -d"
	ok "hostile: the running agent alerts another container within 10 s" \
		within_ms "$ms" 10000

	# A fresh agent with the hostile container present.
	t0=$(now_ms)
	"$PW" run --http none --lock-file none --stats-interval 0 >"$out" 2>"$STATE/hostile-run.err" &
	pid2=$!
	for _ in $(seq 150); do
		[ -s "$out" ] && break
		sleep 0.1
	done
	ms=$(($(now_ms) - t0))
	echo "   second agent: start record after $ms ms"
	ok "hostile: an agent starts with it present (start record within 15 s)" \
		jqe 'select(.schema == "privwatch.start/1")' "$out"
	t0=$(now_ms)
	eid=$(escape_attempt pw-hostile-escape2)
	ms=$(alert_latency "$out" "$eid" PW-0102 "$t0")
	echo "   second agent: PW-0102 $ms ms after docker run -d"
	ok "hostile: the second agent alerts another container within 10 s" \
		within_ms "$ms" 10000
	t0=$(now_ms)
	kill -INT "$pid2"
	for _ in $(seq 100); do
		kill -0 "$pid2" 2>/dev/null || break
		sleep 0.1
	done
	ms=$(($(now_ms) - t0))
	if kill -0 "$pid2" 2>/dev/null; then
		kill -KILL "$pid2"
		st=stuck
	else
		wait "$pid2"
		st=$?
	fi
	echo "   second agent: exit $st after SIGINT in $ms ms"
	ok "hostile: the second agent exits 0 within 5 s of SIGINT" test "$st" = 0 -a "$ms" -lt 5000
	ok "hostile: no host read on its event thread" \
		jqe 'select(.schema == "privwatch.stats/1") | select(.host_reads.on_event_thread == 0)' "$out"
	# A read given up because the host was loaded (another container's,
	# the process snapshot) is not the hostile container's doing: printed,
	# not judged. None of the hostile container's may be.
	if ! jqe 'select(.schema == "privwatch.stats/1") | select(.host_reads.timed_out == 0)' "$out"; then
		echo "   reads given up: $(jq -c 'select(.schema == "privwatch.stats/1") | .host_reads' "$out")"
		grep -i 'timed out\|gave up\|given up' "$STATE/hostile-run.err" | sed 's/^/     /' || true
	fi
	ok "hostile: none of the hostile container's reads given up" \
		bash -c '! grep -q -- "$1.*timed out" "$2"' sh "$hid" "$STATE/hostile-run.err"
	"$R" docker rm -f pw-hostile pw-hostile-escape1 pw-hostile-escape2 >/dev/null 2>&1
}
