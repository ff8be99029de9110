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

static __always_inline void emit_capability(int cap, int ret, __u32 opts)
{
	struct pw_capability_event *e;
	__u64 cgid = pw_current_cgroup_id();

	if (!pw_cgroup_is_watched(cgid))
		return;
	e = pw_reserve(PW_EVENT_CAPABILITY, sizeof(*e), cgid);
	if (!e)
		return;
	e->cap = cap;
	e->ret = ret;
	e->opts = opts;
	e->_pad = 0;
	pw_submit(e);
}

SEC("tp_btf/cap_capable")
int BPF_PROG(capability_tp, const struct cred *cred, struct user_namespace *target_ns,
	     const struct user_namespace *capable_ns, int cap, int ret)
{
	emit_capability(cap, ret, 0);
	return 0;
}

SEC("lsm/capable")
int BPF_PROG(capability_lsm, const struct cred *cred, struct user_namespace *ns, int cap,
	     unsigned int opts, int ret)
{
	emit_capability(cap, ret, opts);
	/* Observe only: hand back the verdict of the programs before us. */
	return ret;
}
