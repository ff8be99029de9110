// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Cgroup lifecycle, kept in the kernel so the watched set has no gap:
 * a cgroup created below a watched one is watched before any task can be
 * moved into it, and a removed one leaves the map. The same programs report
 * the creation and removal to the agent: how it learns of a container the
 * moment its cgroup exists, before any process runs in it.
 *
 * tp_btf/cgroup_mkdir and cgroup_rmdir fire for every hierarchy; only the
 * one whose ids pw_current_cgroup_id() returns (cgroup2, or the chosen v1
 * hierarchy) is followed. There is no LSM hook for cgroup creation.
 */
#include "common.bpf.h"

/* The record's identity is the task making the change: usually the runtime,
 * on the host, outside any watched cgroup, so it is not filtered on. */
static __always_inline void emit_cgroup(__u16 type, struct cgroup *cgrp, const char *path, __u64 id,
					__u64 parent_id)
{
	struct pw_cgroup_event *e;
	long n;

	e = pw_reserve(type, sizeof(*e), pw_current_cgroup_id());
	if (!e)
		return;
	e->id = id;
	e->parent_id = parent_id;
	e->level = BPF_CORE_READ(cgrp, level);
	e->hierarchy_id = BPF_CORE_READ(cgrp, root, hierarchy_id);
	n = bpf_probe_read_kernel_str(e->path, sizeof(e->path), path);
	if (n <= 0)
		e->path[0] = '\0';
	else if (n == sizeof(e->path))
		e->hdr.flags |= PW_F_TRUNCATED;
	pw_submit(e);
}

SEC("tp_btf/cgroup_mkdir")
int BPF_PROG(cgroup_mkdir, struct cgroup *cgrp, const char *path)
{
	if (pw_floor)
		return 0;
	__u64 id, parent_id;
	__u8 one = 1;

	if (!pw_cgroup_in_watched_hierarchy(cgrp))
		return 0;
	parent_id = BPF_CORE_READ(cgrp, self.parent, cgroup, kn, id);
	id = BPF_CORE_READ(cgrp, kn, id);
	/* A cgroup made inside a container's is the container's too. */
	if (bpf_map_lookup_elem(&container_cgroups, &parent_id))
		bpf_map_update_elem(&container_cgroups, &id, &one, BPF_ANY);
	if (watch_mode != PW_WATCH_MAP) {
		emit_cgroup(PW_EVENT_CGROUP_MKDIR, cgrp, path, id, parent_id);
		return 0;
	}
	if (!bpf_map_lookup_elem(&watched_cgroups, &parent_id))
		return 0;
	if (bpf_map_update_elem(&watched_cgroups, &id, &one, BPF_ANY) != 0)
		__sync_fetch_and_add(&watched_cgroups_full, 1);
	else
		__sync_fetch_and_add(&watch_gen, 1);
	/* Reported even when the map was full: the agent learns of the
	 * container either way, and counts the cgroups it cannot watch. */
	emit_cgroup(PW_EVENT_CGROUP_MKDIR, cgrp, path, id, parent_id);
	return 0;
}

SEC("tp_btf/cgroup_rmdir")
int BPF_PROG(cgroup_rmdir, struct cgroup *cgrp, const char *path)
{
	if (pw_floor)
		return 0;
	__u64 id, parent_id;

	if (!pw_cgroup_in_watched_hierarchy(cgrp))
		return 0;
	id = BPF_CORE_READ(cgrp, kn, id);
	parent_id = BPF_CORE_READ(cgrp, self.parent, cgroup, kn, id);
	bpf_map_delete_elem(&container_cgroups, &id);
	if (watch_mode != PW_WATCH_MAP) {
		emit_cgroup(PW_EVENT_CGROUP_RMDIR, cgrp, path, id, parent_id);
		return 0;
	}
	/* Looked up before the delete: only a watched cgroup is reported. */
	if (bpf_map_lookup_elem(&watched_cgroups, &id))
		emit_cgroup(PW_EVENT_CGROUP_RMDIR, cgrp, path, id, parent_id);
	if (!bpf_map_delete_elem(&watched_cgroups, &id))
		__sync_fetch_and_add(&watch_gen, 1);
	return 0;
}

/*
 * A task written to a cgroup.procs of the hierarchy (by itself or another
 * task). One with no origin placed in a container's cgroup takes it as its
 * origin: that is how the runtime puts a container's init (and docker
 * exec's) in place. One with an origin moved outside its container left it:
 * the rules alert on that. tp_btf/cgroup_attach_task runs once per
 * successful move, in the mover's context; no LSM hook sees cgroup moves.
 */
SEC("tp_btf/cgroup_attach_task")
int BPF_PROG(cgroup_attach, struct cgroup *dst, const char *path, struct task_struct *task,
	     bool threadgroup)
{
	if (pw_floor)
		return 0;
	struct pw_task_state *s;
	__u64 dst_id;

	if (!pw_cgroup_in_watched_hierarchy(dst))
		return 0;
	dst_id = BPF_CORE_READ(dst, kn, id);
	s = bpf_task_storage_get(&task_state, task, 0, 0);
	if (!s || !s->origin_cgroup) {
		/* Placed by another task (the runtime): its init. A host task
		 * that moves itself in is not the runtime's doing. */
		if (BPF_CORE_READ(task, tgid) == (bpf_get_current_pid_tgid() >> 32))
			return 0;
		if (bpf_map_lookup_elem(&container_cgroups, &dst_id))
			pw_place_runtime_init(task, dst_id);
		else
			pw_place_unmarked(task, dst_id);
		return 0;
	}
	if (!pw_cgroup_within(dst, s->origin_cgroup))
		pw_emit_move(task, dst, s->origin_cgroup, PW_MOVE_ATTACH);
	return 0;
}
