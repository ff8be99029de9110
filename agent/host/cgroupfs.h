/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The cgroup2 hierarchy as the agent sees it: where it is mounted, the id of
 * a cgroup directory (what bpf_get_current_cgroup_id() returns), a subtree. */
#ifndef PW_CGROUPFS_H
#define PW_CGROUPFS_H

#include <stddef.h>
#include <stdint.h>

/* Mount point of cgroup2: /sys/fs/cgroup on pure v2 hosts, usually
 * /sys/fs/cgroup/unified on hybrid ones. -ENOENT on pure v1 hosts. */
int pw_cgroup2_mount(char *out, size_t len);

/* A cgroup v1 hierarchy, for hosts without cgroup2. */
struct pw_cgroup_v1 {
	char controller[32];
	char mount[4096];
	int ssid; /* cgroup_subsys_id: its line in /proc/cgroups */
	unsigned int hierarchy_id;
};

/* Find the hierarchy of a v1 controller (NULL: the first mounted of memory,
 * pids, cpu, cpuacct, devices, blkio, freezer, cpuset). 0 or -errno. */
int pw_cgroup_v1_find(const char *controller, struct pw_cgroup_v1 *out);

/* Is path on a cgroup v1 filesystem? 1, 0, or -errno. */
int pw_is_cgroup1(const char *path);

/* The id of a cgroup2 directory (its kernfs node id). 0 or -errno. */
int pw_cgroup_id(const char *path, uint64_t *id);

/* Is path on a cgroup2 filesystem? 1, 0, or -errno. */
int pw_is_cgroup2(const char *path);

/* Call fn for path and every cgroup below it; stops at the first non-zero
 * return of fn and returns it. -errno if the walk itself fails. */
int pw_cgroup_walk(const char *path, int (*fn)(uint64_t id, const char *path, void *ctx),
		   void *ctx);

#endif
