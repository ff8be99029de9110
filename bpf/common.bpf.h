/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What every sensor does: decide whether the current task is watched,
 * reserve a record with its common header filled, submit it with batched
 * wakeups, and count every record that could not be sent.
 */
#ifndef PRIVWATCH_COMMON_BPF_H
#define PRIVWATCH_COMMON_BPF_H

#include "maps.bpf.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

/* The cgroup that identifies the current task's container. On cgroup2 and on
 * hybrid hosts every runtime joins the unified hierarchy, so its id is
 * bpf_get_current_cgroup_id(): the inode of the cgroup2 directory. */
static __always_inline __u64 pw_current_cgroup_id(void)
{
	return bpf_get_current_cgroup_id();
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

static __always_inline void pw_count(__u16 type, int drop_cause)
{
	__u32 key = type;
	struct pw_type_stats *s = bpf_map_lookup_elem(&type_stats, &key);

	if (!s)
		return;
	/* Per-CPU slot: no atomics needed. */
	if (drop_cause < 0)
		s->emitted++;
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

	pw_count(h->type, -1);
	if (bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= wakeup_bytes)
		flags = BPF_RB_FORCE_WAKEUP;
	bpf_ringbuf_submit(rec, flags);
}

#endif /* PRIVWATCH_COMMON_BPF_H */
