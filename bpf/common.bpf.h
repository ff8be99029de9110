/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What every sensor does: decide whether the current task is watched,
 * reserve a record with its common header filled, submit it with batched
 * wakeups, and count every record that could not be sent.
 */
#ifndef PRIVWATCH_COMMON_BPF_H
#define PRIVWATCH_COMMON_BPF_H

#include "maps.bpf.h"
#include "consts.bpf.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

/* The cgroup that identifies the current task's container. On cgroup2 and on
 * hybrid hosts every runtime joins the unified hierarchy, so its id is
 * bpf_get_current_cgroup_id(): the inode of the cgroup2 directory. On pure
 * v1 hosts that would be the (unused) cgroup2 root for every task, so the
 * task's cgroup in one v1 controller's hierarchy is read instead. */
static __always_inline __u64 pw_current_cgroup_id(void)
{
	struct task_struct *task;
	struct css_set *cset;
	struct cgroup_subsys_state *css = NULL;
	__u32 ssid;

	if (cgroup_v1_ssid < 0)
		return bpf_get_current_cgroup_id();
	ssid = cgroup_v1_ssid;
	if (ssid >= CGROUP_SUBSYS_COUNT)
		return 0;
	task = bpf_get_current_task_btf();
	cset = BPF_CORE_READ(task, cgroups);
	bpf_core_read(&css, sizeof(css), &cset->subsys[ssid]);
	return BPF_CORE_READ(css, cgroup, kn, id);
}

/* The id of a cgroup as pw_current_cgroup_id() reports it, and whether the
 * cgroup belongs to the hierarchy that identifies containers. */
static __always_inline int pw_cgroup_in_watched_hierarchy(struct cgroup *cgrp)
{
	return BPF_CORE_READ(cgrp, root, hierarchy_id) == watch_hierarchy_id;
}

/* Syscall argument n (1..5) of the current task, from its saved user
 * registers: valid at sys_exit, and for calls refused by seccomp, which skip
 * sys_enter entirely. */
static __always_inline unsigned long pw_syscall_arg(int n)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());

	switch (n) {
	case 1: return PT_REGS_PARM1_CORE_SYSCALL(regs);
	case 2: return PT_REGS_PARM2_CORE_SYSCALL(regs);
	case 3: return PT_REGS_PARM3_CORE_SYSCALL(regs);
	case 4: return PT_REGS_PARM4_CORE_SYSCALL(regs);
	case 5: return PT_REGS_PARM5_CORE_SYSCALL(regs);
	}
	return 0;
}

static __always_inline int pw_cgroup_is_watched(__u64 cgid)
{
	if (watch_mode == PW_WATCH_ALL_BUT_ROOT) {
		if (cgid == root_cgroup_id)
			return 0;
	} else if (!bpf_map_lookup_elem(&watched_cgroups, &cgid)) {
		return 0;
	}
	/* Checked last: only watched tasks pay for it. */
	return (bpf_get_current_pid_tgid() >> 32) != agent_tgid;
}

#define PW_COUNT_EMITTED    -1
#define PW_COUNT_SUPPRESSED -2

static __always_inline void pw_count(__u16 type, int drop_cause)
{
	__u32 key = type;
	struct pw_type_stats *s = bpf_map_lookup_elem(&type_stats, &key);

	if (!s)
		return;
	/* Per-CPU slot: no atomics needed. */
	if (drop_cause == PW_COUNT_EMITTED)
		s->emitted++;
	else if (drop_cause == PW_COUNT_SUPPRESSED)
		s->suppressed++;
	else if (drop_cause < PW_DROP_CAUSE_MAX)
		s->dropped[drop_cause]++;
}

/* Reserve a record of a constant size and fill its common header. */
static __always_inline void *pw_reserve(__u16 type, __u32 size, __u64 cgid)
{
	struct pw_event_header *h;
	__u64 id, ugid;

	h = bpf_ringbuf_reserve(&events, size, 0);
	if (!h) {
		pw_count(type, PW_DROP_RINGBUF_FULL);
		return NULL;
	}
	id = bpf_get_current_pid_tgid();
	ugid = bpf_get_current_uid_gid();
	h->type = type;
	h->size = size;
	h->flags = 0;
	h->ts_ns = bpf_ktime_get_ns();
	h->cgroup_id = cgid;
	h->pid = id >> 32;
	h->tid = (__u32)id;
	h->uid = (__u32)ugid;
	h->gid = ugid >> 32;
	bpf_get_current_comm(h->comm, sizeof(h->comm));
	return h;
}

static __always_inline void pw_submit(void *rec)
{
	struct pw_event_header *h = rec;
	__u64 flags = BPF_RB_NO_WAKEUP;

	pw_count(h->type, PW_COUNT_EMITTED);
	if (bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= wakeup_bytes)
		flags = BPF_RB_FORCE_WAKEUP;
	bpf_ringbuf_submit(rec, flags);
}

#endif /* PRIVWATCH_COMMON_BPF_H */
