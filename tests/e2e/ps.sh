# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# shellcheck shell=bash
# `privwatch ps` and `inspect` against the containers smoke.sh started, while
# they run. Sourced by smoke.sh: uses its ok/is helpers, $R, $IMAGE, $LABEL.
# Each case names the mode and exactly the relaxed dimensions the mode counts
# that a user expects from its flags (AppArmor and SELinux are n/a on this
# host); the other dimensions (user, no_new_privs...) are posture.sh's.
PW=${PRIVWATCH:-$HERE/../../.output/privwatch}

# "mode relaxed,dims" of the container with this id in the ps --json output.
ps_posture() { # json id
	jq -r --arg id "$2" '.[] | select(.id == $id) | "\(.mode) \(.posture.mode_relaxed // [] | join(",") | if . == "" then "-" else . end)"' <<<"$1"
}
ps_field() { # json id jq-expression
	jq -c --arg id "$2" ".[] | select(.id == \$id) | $3" <<<"$1"
}

ps_checks() {
	local json all=1 id name kind want mode t0 ms fresh seen out d

	[ -x "$PW" ] || { ok "privwatch built at $PW" false; return 0; }
	echo "### privwatch ps"
	"$PW" ps || true
	json=$("$PW" ps --json) || { ok "privwatch ps --json exits 0" false; return 0; }
	ok "privwatch ps --json is one JSON array" jqe 'type == "array"' <<<"$json"

	# case name, how its id is found, expected "mode relaxed"
	while read -r name kind want; do
		case $kind in
		docker) id=$("$R" docker inspect -f '{{.Id}}' "$name" 2>/dev/null) || id= ;;
		podman) id=$("$R" podman inspect -f '{{.Id}}' "$name" 2>/dev/null) || id= ;;
		runc | ctr) id=$name ;;
		esac
		if [ -z "$id" ]; then
			ok "ps: $name is running" false
			continue
		fi
		echo "   $name: $(ps_posture "$json" "$id")"
		ok "ps: $name is $want" is "$(ps_posture "$json" "$id")" "$want"
		if [ "$kind" = docker ]; then
			# HostConfig.Privileged, read from disk, agrees with the measurement.
			mode=${want%% *}
			ok "ps: $name runtime_privileged agrees (docker HostConfig)" \
				is "$(ps_field "$json" "$id" '[.runtime_privileged, .privileged_mismatch]')" \
				"[$([ "$mode" = privileged ] && echo true || echo false),false]"
			ok "ps: $name has its docker name and image" \
				is "$(ps_field "$json" "$id" '[.name, .image, .runtime]')" \
				"[\"$name\",\"$IMAGE\",\"docker\"]"
		fi
		if [ "$kind" = ctr ]; then
			# containerd's task in our state (PRIVWATCH_STATE_ROOTS).
			ok "ps: $name is containerd's, with its id as name" \
				is "$(ps_field "$json" "$id" '[.name, .runtime]')" "[\"$name\",\"containerd\"]"
		fi
		if [ "$kind" = podman ]; then
			# From podman's storage in our root (PRIVWATCH_STATE_ROOTS).
			ok "ps: $name has its podman name and image" \
				is "$(ps_field "$json" "$id" '[.name, .image, .runtime]')" \
				"[\"$name\",\"localhost/$IMAGE\",\"podman\"]"
		fi
	done <<-EOF
	pw-docker-default docker default -
	pw-docker-privileged docker privileged capabilities,masked_paths,readonly_kernel_fs,seccomp,device_cgroup,host_devices
	pw-docker-cap-add-all docker partial capabilities
	pw-docker-seccomp-unconfined docker partial seccomp
	pw-docker-device-kmsg docker partial host_devices
	pw-podman-default podman default -
	pw-podman-privileged podman privileged capabilities,masked_paths,readonly_kernel_fs,seccomp,device_cgroup,host_devices
	pw-runc-default runc partial seccomp
	pw-runc-privileged runc privileged capabilities,masked_paths,readonly_kernel_fs,seccomp,device_cgroup,host_devices
	pw-ctr-default ctr partial seccomp
	EOF

	# inspect by name: identity and every dimension with its evidence.
	out=$("$PW" inspect pw-docker-privileged) || out=
	echo "### privwatch inspect pw-docker-privileged"
	echo "$out"
	for d in capabilities masked_paths readonly_kernel_fs apparmor seccomp device_cgroup \
		host_devices selinux host_namespaces user_namespace host_mounts no_new_privs user \
		readonly_rootfs; do
		grep -q "^  $d " <<<"$out" || all=0
	done
	ok "inspect pw-docker-privileged: every dimension printed" is "$all" 1
	ok "inspect pw-docker-privileged: privileged, runtime flag yes" \
		grep -q "runtime privileged flag: yes$" <<<"$out"
	ok "inspect of no container: exit 1" is "$("$PW" inspect no-such-container 2>/dev/null; echo $?)" 1
	ok "inspect without a key: exit 2" is "$("$PW" inspect 2>/dev/null; echo $?)" 2

	# A container started now is in ps, measured default. How soon is
	# printed (some 50 ms here), not judged: the deadline is a hang guard.
	fresh=$("$R" docker run -d --label "$LABEL" --name pw-docker-fresh --network none "$IMAGE" sleep 300) ||
		fresh=
	t0=$(now_ms)
	seen=0
	while [ -n "$fresh" ] && [ "$(($(now_ms) - t0))" -lt 30000 ]; do
		if "$PW" ps --json | jqe --arg id "$fresh" 'any(.[]; .id == $id and .mode == "default")'; then
			seen=1
			break
		fi
		sleep 0.02
	done
	ms=$(($(now_ms) - t0))
	echo "   fresh container in ps after ${ms} ms"
	ok "ps sees a fresh docker container, measured default" is "$seen" 1
	"$R" docker rm -f pw-docker-fresh >/dev/null || true
}
