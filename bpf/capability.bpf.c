// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Capability checks: which capability a watched task asked for, and whether
 * the kernel granted it.
 *
 * Two variants; the agent loads one (agent/features.c):
 *  - tp_btf/capability:cap_capable (kernels >= 6.14): called for every check
 *    with its result, so denials are seen. Preferred where it exists.
 *  - lsm/capable: the BPF LSM runs after the capability LSM and the LSM
 *    framework stops at the first denial, so this hook only sees checks that
 *    were allowed. Used on older kernels with the BPF LSM active.
 */
#include "common.bpf.h"

/*
 * Capability checks are the noisiest event on any host (every exec makes
 * several CAP_SYS_ADMIN checks). Only the first check per (cgroup, process,
 * capability, result, user namespace level) is sent; repeats are counted in cap_seen, where the
 * agent reads them. The key is recorded only once the event is in the ring,
 * so a dropped first event is not followed by silence.
 */
static __always_inline void emit_capability(int cap, int ret, __u32 opts,
					    const struct user_namespace *ns)
{
	struct pw_cap_key key = {};
	struct pw_cap_count zero = {}, *seen;
	struct pw_capability_event *e;
	__u64 cgid = pw_current_cgroup_id();

	if (!pw_cgroup_is_watched(cgid))
		return;
	key.cgroup_id = cgid;
	key.pid = bpf_get_current_pid_tgid() >> 32;
	key.cap = cap;
	key.ret = ret;
	key.ns_level = BPF_CORE_READ(ns, level);
	seen = bpf_map_lookup_elem(&cap_seen, &key);
	if (seen) {
		__sync_fetch_and_add(&seen->repeats, 1);
		pw_count(PW_EVENT_CAPABILITY, PW_COUNT_SUPPRESSED);
		return;
	}
	e = pw_reserve(PW_EVENT_CAPABILITY, sizeof(*e), cgid);
	if (!e)
		return;
	bpf_map_update_elem(&cap_seen, &key, &zero, BPF_NOEXIST);
	e->cap = cap;
	e->ret = ret;
	e->opts = opts;
	e->ns_level = key.ns_level;
	pw_submit(e);
}

SEC("tp_btf/cap_capable")
int BPF_PROG(capability_tp, const struct cred *cred, struct user_namespace *target_ns,
	     const struct user_namespace *capable_ns, int cap, int ret)
{
	emit_capability(cap, ret, 0, target_ns);
	return 0;
}

SEC("lsm/capable")
int BPF_PROG(capability_lsm, const struct cred *cred, struct user_namespace *ns, int cap,
	     unsigned int opts, int ret)
{
	emit_capability(cap, ret, opts, ns);
	/* Observe only: hand back the verdict of the programs before us. */
	return ret;
}
