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

/*
 * The cgroup that identifies a task's container. On cgroup2 and on hybrid
 * hosts every runtime joins the unified hierarchy, so its id is what
 * bpf_get_current_cgroup_id() says, the inode of the cgroup2 directory:
 * read here with direct loads from the BTF-typed task (measured on an AMD
 * EPYC host, the helper call costs 27 ns more; every call and return does,
 * so hot paths fetch the task once). On pure v1 hosts that would be the
 * (unused) cgroup2 root for every task, so the task's cgroup in one v1
 * controller's hierarchy is read instead.
 */
static __always_inline __u64 pw_task_cgroup_id(struct task_struct *task)
{
	struct css_set *cset;
	struct cgroup_subsys_state *css = NULL;
	__u32 ssid;

	if (cgroup_v1_ssid < 0)
		return task->cgroups->dfl_cgrp->kn->id;
	ssid = cgroup_v1_ssid;
	if (ssid >= CGROUP_SUBSYS_COUNT)
		return 0;
	cset = BPF_CORE_READ(task, cgroups);
	bpf_core_read(&css, sizeof(css), &cset->subsys[ssid]);
	return BPF_CORE_READ(css, cgroup, kn, id);
}

static __always_inline __u64 pw_current_cgroup_id(void)
{
	return pw_task_cgroup_id(bpf_get_current_task_btf());
}

/* A task's cgroup in the hierarchy that identifies containers (as
 * pw_current_cgroup_id() does for the current task). */
static __always_inline struct cgroup *pw_task_cgroup(struct task_struct *t)
{
	struct cgroup_subsys_state *css = NULL;
	struct css_set *cset = BPF_CORE_READ(t, cgroups);
	__u32 ssid;

	if (cgroup_v1_ssid < 0)
		return BPF_CORE_READ(cset, dfl_cgrp);
	ssid = cgroup_v1_ssid;
	if (ssid >= CGROUP_SUBSYS_COUNT)
		return NULL;
	bpf_core_read(&css, sizeof(css), &cset->subsys[ssid]);
	return BPF_CORE_READ(css, cgroup);
}

#define PW_CGROUP_DEPTH_MAX 16

/* Is cgrp the cgroup ancestor_id or below it? (A container's own nested
 * cgroups, systemd in a container, are still the container.) */
static __always_inline int pw_cgroup_within(struct cgroup *cgrp, __u64 ancestor_id)
{
	int i;

	for (i = 0; i < PW_CGROUP_DEPTH_MAX && cgrp; i++) {
		if (BPF_CORE_READ(cgrp, kn, id) == ancestor_id)
			return 1;
		cgrp = BPF_CORE_READ(cgrp, self.parent, cgroup);
	}
	return 0;
}

/* The inode number of a task's executable (0 if unknown). */
static __always_inline __u32 pw_task_exe_ino(struct task_struct *t)
{
	return BPF_CORE_READ(t, mm, exe_file, f_inode, i_ino);
}

/*
 * A task with no origin put in a container's cgroup by the runtime: it is
 * the runtime's init from now until it runs a program of the container's.
 */
static __always_inline void pw_place_runtime_init(struct task_struct *t, __u64 cgid)
{
	struct pw_task_state *s =
		bpf_task_storage_get(&task_state, t, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);

	if (!s)
		return;
	s->origin_cgroup = cgid;
	s->verdict_cgroup = 0;
	s->flags |= PW_F_RUNTIME_INIT;
	s->runtime_ino = pw_task_exe_ino(t);
}

/*
 * Placed by another task in a cgroup the agent has not marked (yet): the
 * runtime may move its init in before the agent has read the mkdir record.
 * Whether it is the runtime's init is decided at its first exec there.
 */
static __always_inline void pw_place_unmarked(struct task_struct *t, __u64 cgid)
{
	struct pw_task_state *s =
		bpf_task_storage_get(&task_state, t, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);

	if (!s)
		return;
	s->flags |= PW_F_PLACED;
	s->placed_cgroup = cgid;
	s->runtime_ino = pw_task_exe_ino(t);
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

/*
 * The native syscall the current task is in, or -1: a 32-bit one (its
 * numbers are another table, and the syscall tracepoints skip it), or no
 * architecture support here. io_uring's workers have zeroed user registers
 * (0, read); a kernel thread likewise. What an LSM hook uses to know
 * whether the syscall's exit tracepoint will see the same action.
 */
static __always_inline long pw_native_syscall_nr(void)
{
#ifdef __TARGET_ARCH_x86
	struct task_struct *t = bpf_get_current_task_btf();
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(t);

	if (BPF_CORE_READ(t, thread_info.status) & TS_COMPAT)
		return -1;
	return BPF_CORE_READ(regs, orig_ax);
#else
	return -1;
#endif
}

static __always_inline int pw_cgroup_id_watched(__u64 cgid)
{
	if (watch_mode == PW_WATCH_ALL_BUT_ROOT)
		return cgid != root_cgroup_id;
	return bpf_map_lookup_elem(&watched_cgroups, &cgid) != NULL;
}

/* The current task's state; without create, NULL for a task that has none
 * yet (a host task no hook has asked about). */
static __always_inline struct pw_task_state *pw_task_state_of(struct task_struct *t, int create)
{
	return bpf_task_storage_get(&task_state, t, 0, create ? BPF_LOCAL_STORAGE_GET_F_CREATE : 0);
}

static __always_inline struct pw_task_state *pw_current_task_state(int create)
{
	return pw_task_state_of(bpf_get_current_task_btf(), create);
}

static __always_inline __u64 pw_current_origin(void)
{
	struct pw_task_state *s = pw_current_task_state(0);

	return s ? s->origin_cgroup : 0;
}

/*
 * Is the current task (state s, NULL if it has none) watched? By its
 * cgroup, or by the container it came from: a container process that moved
 * itself to the root cgroup (or out of the watched subtree) is still
 * watched as its container. Never the agent itself.
 *
 * A task with a state keeps the verdict there: the hooks' hottest path
 * (every capability check, every open) then costs one task storage lookup
 * instead of up to two hash lookups and the pid. It is computed again when
 * the task is in another cgroup (a move, CLONE_INTO_CGROUP), its origin
 * changes (which clears it) or the watched set changes (watch_gen, read
 * before the lookups and bumped after each change, so a verdict racing
 * with a change is never kept as current). Removals by someone else do
 * not bump it: a task stays watched, never the other way round.
 */
static __always_inline int pw_task_is_watched(struct pw_task_state *s, __u64 cgid)
{
	__u32 gen = watch_gen;
	int watched;

	if (s && s->verdict_cgroup == cgid && s->verdict_gen == gen)
		return s->verdict;
	watched = pw_cgroup_id_watched(cgid) ||
		  (s && s->origin_cgroup && pw_cgroup_id_watched(s->origin_cgroup));
	if (watched)
		watched = (bpf_get_current_pid_tgid() >> 32) != agent_tgid;
	if (s) {
		s->verdict = watched;
		s->verdict_gen = gen;
		s->verdict_cgroup = cgid;
	}
	return watched;
}

/* A task without a state (a host task) gets one here: its verdict is then
 * kept too, and its next check costs one lookup instead of a hash lookup. */
static __always_inline int pw_cgroup_is_watched(__u64 cgid)
{
	return pw_task_is_watched(pw_current_task_state(1), cgid);
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

/*
 * One container's flood costs its own events, not another's: a token
 * bucket per container (its cgroup of origin), refilled at budget_rate per
 * second up to budget_burst. The records that tell the agent what exists
 * (cgroups made and removed, processes gone) and what attacks privwatch
 * (leaving the container, tampering) are never held back. Updates race across CPUs: the
 * bucket is approximate, the drop count is exact.
 */
static __always_inline int pw_budget_take(__u16 type, __u64 key)
{
	struct pw_budget *b, fresh = {};
	__u64 now, add;

	if (!budget_rate || type == PW_EVENT_CGROUP_MKDIR || type == PW_EVENT_CGROUP_RMDIR ||
	    type == PW_EVENT_EXIT || type == PW_EVENT_CGROUP_MOVE || type == PW_EVENT_TAMPER)
		return 1;
	now = bpf_ktime_get_ns();
	b = bpf_map_lookup_elem(&budgets, &key);
	if (!b) {
		fresh.tokens = budget_burst ? budget_burst - 1 : 0;
		fresh.last_ns = now;
		bpf_map_update_elem(&budgets, &key, &fresh, BPF_NOEXIST);
		return 1;
	}
	if (now > b->last_ns) {
		add = (now - b->last_ns) / (1000000000ull / budget_rate + 1);
		if (add) {
			b->tokens = b->tokens + add > budget_burst ? budget_burst : b->tokens + add;
			b->last_ns = now;
		}
	}
	if (!b->tokens) {
		__sync_fetch_and_add(&b->dropped, 1);
		return 0;
	}
	b->tokens--;
	return 1;
}

/* The current task's container may send one more record of type (its
 * budget); a refusal is counted. */
static __always_inline int pw_budget_ok(__u16 type, __u64 cgid, struct pw_task_state *s)
{
	if (pw_budget_take(type, s && s->origin_cgroup ? s->origin_cgroup : cgid))
		return 1;
	pw_count(type, PW_DROP_BUDGET);
	return 0;
}

/* The common header of a record of the current task (state s, may be NULL). */
static __always_inline void pw_fill_header(struct pw_event_header *h, __u16 type, __u32 size,
					   __u64 cgid, struct pw_task_state *s)
{
	__u64 id, ugid;

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
	h->origin_cgroup_id = s ? s->origin_cgroup : 0;
	if (s)
		h->flags = s->flags & PW_F_RUNTIME_INIT;
}

/* Reserve a record of a constant size and fill its common header. */
static __always_inline void *pw_reserve(__u16 type, __u32 size, __u64 cgid)
{
	struct pw_event_header *h;
	struct pw_task_state *s = pw_current_task_state(0);

	if (!pw_budget_ok(type, cgid, s))
		return NULL;
	h = bpf_ringbuf_reserve(&events, size, 0);
	if (!h) {
		pw_count(type, PW_DROP_RINGBUF_FULL);
		return NULL;
	}
	pw_fill_header(h, type, size, cgid, s);
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

/*
 * task, which belongs to the container whose cgroup is origin, is now in
 * cgrp, outside it. The record is the current task's (who did it), sent
 * whenever the container is watched: leaving the watched set is exactly
 * what the record is about.
 */
static __always_inline void pw_emit_move(struct task_struct *task, struct cgroup *cgrp,
					 __u64 origin, __u32 via)
{
	struct pw_cgroup_move_event *e;
	const char *name;
	long n;

	if (!pw_cgroup_id_watched(origin))
		return;
	e = pw_reserve(PW_EVENT_CGROUP_MOVE, sizeof(*e), pw_current_cgroup_id());
	if (!e)
		return;
	e->dst_id = BPF_CORE_READ(cgrp, kn, id);
	e->task_origin = origin;
	e->task_pid = BPF_CORE_READ(task, tgid);
	e->via = via;
	/* The leaf's name: the agent has the hierarchy to place it. */
	name = BPF_CORE_READ(cgrp, kn, name);
	n = bpf_probe_read_kernel_str(e->path, sizeof(e->path), name);
	if (n <= 0)
		e->path[0] = '\0';
	pw_submit(e);
}

#endif /* PRIVWATCH_COMMON_BPF_H */
