// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Cgroup lifecycle, kept in the kernel so the watched set has no gap:
 * a cgroup created below a watched one is watched before any task can be
 * moved into it, and a removed one leaves the map.
 *
 * tp_btf/cgroup_mkdir and cgroup_rmdir fire for every hierarchy; only the
 * one whose ids pw_current_cgroup_id() returns (cgroup2, or the chosen v1
 * hierarchy) is followed. There is no LSM hook for cgroup creation.
 */
#include "common.bpf.h"

SEC("tp_btf/cgroup_mkdir")
int BPF_PROG(cgroup_mkdir, struct cgroup *cgrp, const char *path)
{
	__u64 id, parent_id;
	__u8 one = 1;

	if (watch_mode != PW_WATCH_MAP || !pw_cgroup_in_watched_hierarchy(cgrp))
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

	if (watch_mode != PW_WATCH_MAP || !pw_cgroup_in_watched_hierarchy(cgrp))
		return 0;
	id = BPF_CORE_READ(cgrp, kn, id);
	bpf_map_delete_elem(&watched_cgroups, &id);
	return 0;
}
