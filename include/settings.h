/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Values the agent fixes between open and load (rodata of the BPF object)
 * and the keys of the maps it fills. Shared by BPF and userspace.
 */
#ifndef PRIVWATCH_SETTINGS_H
#define PRIVWATCH_SETTINGS_H

/* How the kernel decides that the current task's cgroup is watched. */
enum pw_watch_mode {
	/* Every cgroup except the root of the hierarchy: host processes in the
	 * root cgroup are ignored, everything placed in a cgroup is watched. */
	PW_WATCH_ALL_BUT_ROOT = 0,
	/* Only cgroups present in the watched_cgroups map. The agent seeds it with
	 * a subtree; bpf/cgroup.bpf.c adds children created below a watched
	 * cgroup, in the kernel, so no process can start before it is covered. */
	PW_WATCH_MAP = 1,
};

#define PW_WATCHED_CGROUPS_MAX 65536

#endif /* PRIVWATCH_SETTINGS_H */
