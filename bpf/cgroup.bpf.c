// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Cgroup lifecycle, kept in the kernel so the watched set has no gap:
 * a cgroup created below a watched one is watched before any task can be
 * moved into it, and a removed one leaves the map.
 *
 * tp_btf/cgroup_mkdir and cgroup_rmdir fire for every hierarchy; only the
 * cgroup2 (default) hierarchy, whose ids bpf_get_current_cgroup_id()
 * returns, is followed. There is no LSM hook for cgroup creation.
 */
#include "common.bpf.h"

/* The default hierarchy is cgrp_dfl_root, hierarchy_id 0. */
static __always_inline int on_default_hierarchy(struct cgroup *cgrp)
{
	return BPF_CORE_READ(cgrp, root, hierarchy_id) == 0;
}

SEC("tp_btf/cgroup_mkdir")
int BPF_PROG(cgroup_mkdir, struct cgroup *cgrp, const char *path)
{
	__u64 id, parent_id;
	__u8 one = 1;

	if (watch_mode != PW_WATCH_MAP || !on_default_hierarchy(cgrp))
		return 0;
	parent_id = BPF_CORE_READ(cgrp, self.parent, cgroup, kn, id);
	if (!bpf_map_lookup_elem(&watched_cgroups, &parent_id))
		return 0;
	id = BPF_CORE_READ(cgrp, kn, id);
	if (bpf_map_update_elem(&watched_cgroups, &id, &one, BPF_ANY) != 0)
		__sync_fetch_and_add(&watched_cgroups_full, 1);
	return 0;
}

SEC("tp_btf/cgroup_rmdir")
int BPF_PROG(cgroup_rmdir, struct cgroup *cgrp, const char *path)
{
	__u64 id;

	if (watch_mode != PW_WATCH_MAP || !on_default_hierarchy(cgrp))
		return 0;
	id = BPF_CORE_READ(cgrp, kn, id);
	bpf_map_delete_elem(&watched_cgroups, &id);
	return 0;
}
