# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# shellcheck shell=bash
# Forensic capture against real Docker containers (issue 17), with the agent
# run.sh started: its capture directory is $CAPTURE_DIR (0700, under our
# state), a window of $CAPTURE_WINDOW s, no rate limit (capture_interval_s 0:
# the cases before this one took PW-0102 captures too) and at most
# $CAPTURE_MAX bundles kept.
#   - an escape attempt: a --privileged container with API_TOKEN=secret123
#     in its environment execs cat on a sysfs file (an exec, an open), opens
#     core_pattern for writing with nothing written (PW-0102, alert+capture),
#     then execs cat on another: the bundle is there (0700, files 0600), its
#     manifest valid against docs/capture.schema.json, its timeline holds
#     the exec and open before the trigger, in order, and those after it;
#     what the container does after the bundle was written is not in it;
#     the token's value is in no file of the bundle, its key is;
#     `privwatch capture verify` passes;
#   - a planted symlink: the triggering shell runs as a copy of busybox,
#     /tmp/sh, and replaces it with a symlink to /etc/shadow before the
#     trigger. Read through /proc/<pid>/root, an absolute symlink resolves
#     in the reader's root: a host file (shown first: the host's shadow
#     through that path). The bundle hashes the executable the process runs
#     (busybox), and /etc/shadow's first line is in no file of it;
#   - a storm: $STORM_N --privileged containers trigger at once, again and
#     again (each trigger extends its container's window) until all have
#     alerted: at most 16 captures are under way, the rest are skipped,
#     said in their alerts (capture.status skipped), counted in the stats
#     (capture.skipped.busy) and in privwatch.lost/1 (captures). The bundles
#     on disk against capture_max_bundles are printed, not asserted: see
#     capture_storm.
#   - a hung FUSE executable: the triggering shell runs from a FUSE mount
#     whose server is stopped: the bundle is written, marked incomplete
#     (the read of its executable timed out), and alerts keep flowing;
#   - on demand: `privwatch capture take NAME` of a running container: its
#     bundle, trigger capture-take, holds what it did before; not for a
#     user who is not root.
# Sourced by smoke.sh after evasion.sh: uses ok, is, jqe, $R, $IMAGE,
# $LABEL, $STATE, run.sh's $PW, $RUN_READ, run_sync, $CAPTURE_DIR and
# rules.sh's alerts_of, has_rule, cid, RULES_ALERTING.
STORM_N=${PRIVWATCH_E2E_STORM:-20}

# The capture's id from a container's first PW-0102 alert that started one.
capture_id_of() { # container id
	alerts_of "$1" | jq -r 'select(.rule.id == "PW-0102" and .capture.status == "started")
		| .capture.id' | head -1
}
# Its privwatch.capture/1 "completed" record, once written.
capture_done() { # capture id
	[ -n "$1" ] && jqe --arg c "$1" 'select(.schema == "privwatch.capture/1"
		and .record == "completed" and .id == $c)' "$RUN_READ"
}
# Waits (a hang guard: the window is $CAPTURE_WINDOW s) for a command to hold
# on what the agent wrote as of a sync marker.
wait_synced() { # seconds, command...
	local t0=$SECONDS n=$1
	shift
	while [ $((SECONDS - t0)) -lt "$n" ]; do
		run_sync || return 1
		"$@" && return 0
		sleep 0.5
	done
	"$@"
}
# Polls a command (a hang guard of SECONDS) until it holds; its last status.
wait_until() { # seconds, command...
	local t0=$SECONDS n=$1
	shift
	until "$@"; do
		[ $((SECONDS - t0)) -lt "$n" ] || return 1
		sleep 0.2
	done
}
modes_ok() { # bundle dir: 0700, every file 0600, root's, regular
	[ "$(stat -c '%a %u %F' "$1")" = "700 0 directory" ] || return 1
	is "$(find "$1" -mindepth 1 ! \( -type f -perm 0600 -user 0 \) | wc -l)" 0 &&
		[ "$(find "$1" -mindepth 1 -type f | wc -l)" -ge 5 ]
}
schema_ok() { # manifest
	python3 - "$HERE/../../docs/capture.schema.json" "$1" <<-'EOF'
		import json, sys
		import jsonschema
		schema = json.load(open(sys.argv[1], encoding="utf-8"))
		cls = jsonschema.validators.validator_for(schema)
		cls.check_schema(schema)
		m = json.load(open(sys.argv[2], encoding="utf-8"))
		errs = list(cls(schema).iter_errors(m))
		for e in errs:
		    print("       " + e.message[:200], file=sys.stderr)
		sys.exit(1 if errs or m.get("record") != "manifest" else 0)
	EOF
}
# Index in the timeline of the first record matching a jq condition (-1: none).
tl_index() { # bundle condition
	jq -s "map($2) | index(true) // -1" "$1/timeline.jsonl"
}
env_has() { # environ file, KEY=value
	tr '\0' '\n' <"$1" | grep -qxF -- "$2"
}
in_no_file() { # dir string
	[ -n "$2" ] && ! grep -rqF -- "$2" "$1"
}

capture_escape() {
	local id pid cap b tp ip ie it ia after shadow1 bb
	echo "### capture: an escape attempt"
	id=$("$R" docker run -d --label "$LABEL" --name pw-capture-escape --network none --privileged \
		-e API_TOKEN=secret123 -e PW_PLAIN=visible "$IMAGE" sh -c \
		'cat /sys/kernel/mm/transparent_hugepage/enabled >/dev/null;
		: >> /proc/sys/kernel/core_pattern;
		cat /sys/kernel/mm/transparent_hugepage/defrag >/dev/null; sleep 300; exit 0') ||
		{ ok "capture: the escape container starts" false; return; }
	RULES_ALERTING+=("$id")
	ok "capture: the escape attempt is PW-0102, its capture started" \
		wait_synced 20 has_rule "$id" PW-0102 '.capture.status == "started" and .capture.id != null'
	cap=$(capture_id_of "$id")
	b=$CAPTURE_DIR/$cap
	ok "capture: its alert names the bundle in the capture directory" \
		jqe --arg f "$b" 'select(.capture.file == $f)' < <(alerts_of "$id")
	ok "capture: its bundle is written when the window ends (privwatch.capture/1)" \
		wait_synced 30 capture_done "$cap"
	if [ -z "$cap" ] || [ ! -d "$b" ]; then
		ok "capture: bundle $b exists" false
		return
	fi
	find "$b" -mindepth 1 -printf '   %M %u %7s %f\n'
	ok "capture: the bundle directory 0700, its files 0600, root's" modes_ok "$b"
	ok "capture: the manifest is valid against docs/capture.schema.json" schema_ok "$b/manifest.json"
	ok "capture: the completion record's manifest_sha256 is the manifest's" \
		is "$(jq -r --arg c "$cap" 'select(.schema == "privwatch.capture/1" and .id == $c)
			| .manifest_sha256' "$RUN_READ")" "$(sha256sum "$b/manifest.json" | cut -d' ' -f1)"
	ok "capture: privwatch capture verify passes" "$PW" capture verify "$cap" --dir "$CAPTURE_DIR"
	ok "capture: the manifest names the container and the trigger" \
		jqe --arg id "$id" '.container.container.id == $id and any(.triggers[]; .rule == "PW-0102")' \
		"$b/manifest.json"
	# The timeline: exec of cat, its open, the trigger, then the next exec.
	ie=$(tl_index "$b" '.kind == "exec" and .argv == ["cat", "/sys/kernel/mm/transparent_hugepage/enabled"]')
	ip=$(tl_index "$b" '.kind == "open" and .path == "/sys/kernel/mm/transparent_hugepage/enabled"')
	it=$(tl_index "$b" '.kind == "open" and .path == "/proc/sys/kernel/core_pattern"')
	ia=$(tl_index "$b" '.kind == "exec" and .argv == ["cat", "/sys/kernel/mm/transparent_hugepage/defrag"]')
	tp=$(tl_index "$b" '.kind == "open" and .path == "/sys/kernel/mm/transparent_hugepage/defrag"')
	echo "   timeline: exec $ie, open $ip, trigger $it, then exec $ia, open $tp" \
		"of $(wc -l <"$b/timeline.jsonl") records"
	ok "capture: the timeline holds the exec and the open before the trigger, in order" \
		test "$ie" -ge 0 -a "$ie" -lt "$ip" -a "$ip" -lt "$it"
	ok "capture: and the exec and open after it, within the window" \
		test "$it" -ge 0 -a "$it" -lt "$ia" -a "$ia" -lt "$tp"
	ok "capture: every timeline record is an event of the container's cgroup" \
		jqe -s --argjson cg "$(jq '.container.cgroup_id' "$b/manifest.json")" \
			'length > 0 and all(.[]; .schema == "privwatch.event/1" and .cgroup_id == $cg)' \
			"$b/timeline.jsonl"
	# After the bundle was written: in the stream, not in the bundle.
	"$R" docker exec pw-capture-escape cat /sys/kernel/mm/transparent_hugepage/khugepaged/defrag \
		>/dev/null 2>&1 || true
	after='.kind == "exec" and .argv == ["cat", "/sys/kernel/mm/transparent_hugepage/khugepaged/defrag"]'
	run_sync || true
	ok "capture: an exec after the window is in the stream" \
		jqe -s --arg id "$id" "any(.[]; .schema == \"privwatch.event/1\" and .container.id == \$id
			and $after)" "$RUN_READ"
	ok "capture: ... and not in the bundle" is "$(tl_index "$b" "$after")" -1
	# Redaction: the value was there to read, it is in no file of the bundle.
	pid=$("$R" docker inspect -f '{{.State.Pid}}' "$id")
	ok "capture: the container's environment holds API_TOKEN=secret123 (read on the host)" \
		env_has "/proc/$pid/environ" 'API_TOKEN=secret123'
	ok "capture: the shell's environ is in the bundle, API_TOKEN's value redacted" \
		env_has "$b/p$pid.environ" 'API_TOKEN=[REDACTED]'
	ok "capture: ... and the value of a key no pattern matches kept" \
		env_has "$b/p$pid.environ" 'PW_PLAIN=visible'
	ok "capture: secret123 is in no file of the bundle" in_no_file "$b" secret123
	ok "capture: the manifest lists the pattern that matched (*TOKEN*) among the redacted keys" \
		jqe 'any(.redacted_keys[]; . == "*TOKEN*")' "$b/manifest.json"

	echo "### capture: a planted symlink"
	shadow1=$(head -1 /etc/shadow)
	id=$("$R" docker run -d --label "$LABEL" --name pw-capture-symlink --network none --privileged \
		"$IMAGE" sh -c 'mkdir -p /tmp && cp /bin/busybox /tmp/sh &&
		exec /tmp/sh -c "rm /tmp/sh && ln -s /etc/shadow /tmp/sh &&
			: >> /proc/sys/kernel/core_pattern; sleep 300; exit 0"') ||
		{ ok "capture: the symlink container starts" false; return; }
	RULES_ALERTING+=("$id")
	ok "capture: its core_pattern open is PW-0102, its capture started" \
		wait_synced 20 has_rule "$id" PW-0102 '.capture.status == "started"'
	cap=$(capture_id_of "$id")
	b=$CAPTURE_DIR/$cap
	pid=$(jq -r --arg id "$id" 'select(.schema == "privwatch.alert/1" and .container.id == $id
		and .rule.id == "PW-0102") | .process.pid' "$RUN_READ" | head -1)
	ok "capture: the host's /etc/shadow has a first line to look for" test -n "$shadow1"
	# The trap is real: the planted symlink, read through /proc/<pid>/root,
	# is the host's file.
	ok "capture: /proc/$pid/root/tmp/sh, read naively on the host, is the host's /etc/shadow" \
		is "$(head -1 "/proc/$pid/root/tmp/sh" 2>/dev/null || true)" "$shadow1"
	ok "capture: its bundle is written (privwatch.capture/1)" wait_synced 30 capture_done "$cap"
	bb=$("$R" docker run --rm --label "$LABEL" --network none "$IMAGE" sha256sum /bin/busybox | cut -d' ' -f1)
	ok "capture: the snapshot hashes the executable the process runs (busybox, /tmp/sh deleted)" \
		jqe --arg h "$bb" '.exe.sha256 == $h and (.exe.path | startswith("/tmp/sh"))' "$b/p$pid.json"
	ok "capture: /etc/shadow's first line is in no file of the bundle" in_no_file "$b" "$shadow1"
	ok "capture: privwatch capture verify passes on it" "$PW" capture verify "$cap" --dir "$CAPTURE_DIR"
	"$R" docker rm -f pw-capture-escape pw-capture-symlink >/dev/null 2>&1 || true
}

capture_storm() {
	local go=$STATE/storm i ids=() c=() pids=() p started skipped bundles
	echo "### capture: a storm of $STORM_N containers"
	mkdir -p "$go"
	: >"$go/go"
	for i in $(seq "$STORM_N"); do
		"$R" docker run -d --label "$LABEL" --name "pw-capture-storm-$i" --network none --privileged \
			-v "$go:/pw:ro" "$IMAGE" sh -c 'while [ -e /pw/go ]; do
				: >> /proc/sys/kernel/core_pattern; sleep 0.2; done; sleep 300; exit 0' >/dev/null &
		pids+=($!)
		# four at a time; only our own: smoke.sh's docker events runs too
		if [ $((i % 4)) = 0 ]; then
			for p in "${pids[@]}"; do wait "$p" || true; done
			pids=()
		fi
	done
	for p in "${pids[@]}"; do wait "$p" || true; done
	for i in $(seq "$STORM_N"); do ids+=("$(cid "pw-capture-storm-$i")"); done
	RULES_ALERTING+=("${ids[@]}")
	n_alerted() {
		jq -s --argjson ids "$(printf '%s\n' "${ids[@]}" | jq -Rsc 'split("\n") - [""]')" \
			'map(select(.schema == "privwatch.alert/1" and .rule.id == "PW-0102"
			and (.container.id as $c | $ids | index($c)))) | map(.container.id) | unique | length' "$RUN_READ"
	}
	all_alerted() { [ "$(n_alerted)" = "$STORM_N" ]; }
	# Every one triggering at once: each keeps its window open.
	ok "capture: all $STORM_N storm containers alerted while triggering" wait_synced 60 all_alerted
	rm -f "$go/go"
	storm_alerts() {
		jq -c --argjson ids "$(printf '%s\n' "${ids[@]}" | jq -Rsc 'split("\n") - [""]')" \
			'select(.schema == "privwatch.alert/1" and (.container.id as $c | $ids | index($c)))' "$RUN_READ"
	}
	started=$(storm_alerts | jq -r 'select(.capture.status == "started") | .capture.id' | sort -u)
	skipped=$(storm_alerts | jq -r 'select(.capture.status == "skipped") | .container.id' | sort -u | wc -l)
	echo "   captures started: $(wc -w <<<"$started"), containers with a skip in an alert: $skipped"
	ok "capture: at most 16 under way: some storm containers' alerts say capture skipped" \
		jqe -s 'any(.[]; .capture.status == "skipped" and .capture.id == null
			and (.capture.reason | test("under way")))' < <(storm_alerts)
	ok "capture: ... and captures were started for others" test -n "$started"
	# Each one written, or refused by the quota (those ending together
	# reserve their places: more than capture_max_bundles at once cannot
	# all be kept) and counted.
	quota_skips() {
		jq -s 'map(select(.schema == "privwatch.stats/1"))[-1].capture.skipped.quota // 0' "$RUN_READ"
	}
	settled() {
		local c w=0
		for c in $started; do
			if capture_done "$c"; then w=$((w + 1)); fi
		done
		[ $((w + $(quota_skips))) -ge "$(wc -w <<<"$started")" ]
	}
	ok "capture: every storm capture started is written, or refused by the quota and counted" \
		wait_synced 60 settled
	stats_skip() {
		jqe 'select(.schema == "privwatch.stats/1") | .capture.skipped.busy > 0' "$RUN_READ"
	}
	ok "capture: the stats count the skips (capture.skipped.busy)" wait_synced 30 stats_skip
	ok "capture: privwatch.lost/1 counts them (cause captures)" \
		jqe -s 'map(select(.schema == "privwatch.lost/1") | .dropped.captures // 0) | add > 0' "$RUN_READ"
	bundles=$(find "$CAPTURE_DIR" -mindepth 1 -maxdepth 1 -type d | wc -l)
	echo "   quota: $bundles bundles on disk (capture_max_bundles $CAPTURE_MAX), removed_by_quota" \
		"$(jq -s 'map(select(.schema == "privwatch.stats/1"))[-1].capture.removed_by_quota' "$RUN_READ")," \
		"refused by it $(quota_skips)"
	ok "capture: the quota holds through the storm (at most $CAPTURE_MAX bundles on disk)" \
		test "$bundles" -le "$CAPTURE_MAX"
	ok "capture: privwatch capture list shows them" \
		is "$("$PW" capture list --dir "$CAPTURE_DIR" --json | jq 'length')" "$bundles"
	for i in $(seq "$STORM_N"); do c+=("pw-capture-storm-$i"); done
	"$R" docker rm -f "${c[@]}" >/dev/null 2>&1 || true
	rm -rf "$go"
}

# A hung FUSE file: the triggering shell runs an executable on a FUSE mount
# whose server (bindfs, started here; a privileged container could run its
# own) is stopped before the trigger, so the snapshot's open of
# /proc/<pid>/exe never returns. The read is given up at its deadline, the
# bundle written, marked incomplete with what was being read, and another
# container's alert flows meanwhile.
capture_fuse() {
	local src=$STATE/fuse-src mnt=$STATE/fuse-mnt go=$STATE/fuse-go fpid id id2 cap b
	echo "### capture: a hung FUSE executable"
	mkdir -p "$src" "$mnt" "$go"
	cp /bin/busybox "$src/busybox"
	mkfifo "$go/start" "$go/hold"
	bindfs -f -o ro "$src" "$mnt" &
	fpid=$!
	wait_until 10 mountpoint -q "$mnt"
	ok "capture: our FUSE server (bindfs, pid $fpid) serves $mnt" mountpoint -q "$mnt"
	id=$("$R" docker run -d --label "$LABEL" --name pw-capture-fuse --network none --privileged \
		-v "$mnt:/fuse:ro" -v "$go:/go" "$IMAGE" /fuse/busybox sh -c \
		'cat /fuse/busybox >/dev/null; : >/go/ready; read x </go/start;
		: >> /proc/sys/kernel/core_pattern;
		read x </go/hold') || id=
	ok "capture: the container runs its shell from the FUSE mount" test -n "$id"
	RULES_ALERTING+=("$id")
	wait_until 20 test -e "$go/ready"
	if ! kill -STOP "$fpid" 2>/dev/null; then
		ok "capture: our FUSE server still runs, to be stopped" false
		"$R" docker rm -f pw-capture-fuse >/dev/null 2>&1 || true
		umount -l "$mnt" 2>/dev/null || true
		return
	fi
	# Once the server is stopped the shell runs only builtins (busybox runs
	# its applets from its own executable: FUSE): it read its whole file
	# first, so its pages are cached; it waits on a FIFO, triggers, waits
	# on another.
	timeout 10 sh -c 'echo go >"$1"' _ "$go/start" || true
	ok "capture: its escape attempt is PW-0102, its capture started" \
		wait_synced 20 has_rule "$id" PW-0102 '.capture.status == "started"'
	cap=$(capture_id_of "$id")
	b=$CAPTURE_DIR/$cap
	id2=$("$R" docker run -d --label "$LABEL" --name pw-capture-fuse-2 --network none --privileged \
		"$IMAGE" sh -c ': >> /proc/sys/kernel/core_pattern; sleep 300') || id2=
	RULES_ALERTING+=("$id2")
	ok "capture: another container's alert flows while the snapshot's read hangs" \
		wait_synced 20 has_rule "$id2" PW-0102
	ok "capture: the bundle is written (privwatch.capture/1)" wait_synced 40 capture_done "$cap"
	ok "capture: ... marked incomplete: the read of the executable timed out" \
		jqe '.complete == false and any(.incomplete[]; test("timed out reading /proc/[0-9]+/exe"))' \
		"$b/manifest.json"
	{ jq -c '.incomplete' "$b/manifest.json" 2>/dev/null || true; } | sed 's/^/   incomplete: /'
	ok "capture: ... with its timeline and the alert" \
		jqe 'select(.kind == "open" and .path == "/proc/sys/kernel/core_pattern")' "$b/timeline.jsonl"
	ok "capture: privwatch capture verify passes on the incomplete bundle" \
		"$PW" capture verify "$cap" --dir "$CAPTURE_DIR"
	kill -CONT "$fpid"
	sleep 1 # the stuck read returns: the snapshot given up writes nothing more
	ok "capture: ... and still does once the hung read returned" \
		"$PW" capture verify "$cap" --dir "$CAPTURE_DIR"
	"$R" docker rm -f pw-capture-fuse pw-capture-fuse-2 >/dev/null 2>&1 || true
	umount "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null || true
	kill "$fpid" 2>/dev/null || true
	wait "$fpid" 2>/dev/null || true
	rm -rf "$src" "$go"
	rmdir "$mnt" 2>/dev/null || true
}

# privwatch capture take: a capture of a running container by its name, on
# demand, over the agent's control socket ($CONTROL); refused to a user who
# is not root.
# Sets the caller's $out to what the command said.
take_capture() { # container
	out=$("$PW" capture take "$1" --control "$CONTROL" 2>&1)
}
capture_take() {
	local id out cap b rc
	echo "### capture: on demand (privwatch capture take)"
	id=$("$R" docker run -d --label "$LABEL" --name pw-capture-take --network none "$IMAGE" sh -c \
		'cat /etc/hostname >/dev/null; exec sleep 300') ||
		{ ok "capture take: its container starts" false; return; }
	# until the agent knows it (its start is held for its facts)
	wait_until 20 take_capture pw-capture-take
	echo "   $out"
	ok "capture take: by the container's name, started" grep -q '^capture .* started: ' <<<"$out"
	cap=$(sed -n 's/^capture \([^ ]*\) started: .*/\1/p' <<<"$out")
	b=$CAPTURE_DIR/$cap
	ok "capture take: its bundle is written when the window ends (privwatch.capture/1)" \
		wait_synced 30 capture_done "$cap"
	ok "capture take: the manifest's trigger is capture-take, on this container" \
		jqe --arg id "$id" '.triggers[0].rule == "capture-take"
			and .container.container.id == $id' "$b/manifest.json"
	ok "capture take: the timeline holds what the container did before" \
		jqe 'select(.kind == "exec" and .argv == ["cat", "/etc/hostname"])' "$b/timeline.jsonl"
	ok "capture take: privwatch capture verify passes on it" \
		"$PW" capture verify "$cap" --dir "$CAPTURE_DIR"
	rc=0
	out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$PW" capture take pw-capture-take \
		--control "$CONTROL" 2>&1) || rc=$?
	echo "   as nobody: exit $rc: $out"
	ok "capture take: refused to a user who is not root (exit 1, said)" \
		test "$rc" -eq 1 -a -n "$(grep -i 'permission denied' <<<"$out")"
	"$R" docker rm -f pw-capture-take >/dev/null 2>&1 || true
}

capture_checks() {
	[ -n "$RUN_PID" ] || return 0
	capture_escape
	capture_take
	capture_fuse
	capture_storm
}
