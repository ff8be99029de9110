/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Every map and load-time setting of the BPF object, declared once.
 *
 * Each bpf/<concern>.bpf.c is compiled on its own and `bpftool gen object`
 * links them; __weak lets every unit see the same declaration and the linker
 * keep one instance of each.
 */
#ifndef PRIVWATCH_MAPS_BPF_H
#define PRIVWATCH_MAPS_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "events.h"
#include "settings.h"

/* Set by the agent through skel->rodata before load. */
__weak const volatile __u32 watch_mode = PW_WATCH_ALL_BUT_ROOT;
__weak const volatile __u64 root_cgroup_id = 1;
/* Pending bytes in the ring buffer above which a submit wakes the reader.
 * Below it the reader finds the data on its poll timer: a wakeup per event
 * costs an IPI (~2 us) and would make every capability check ~10x slower. */
__weak const volatile __u64 wakeup_bytes = 64 * 1024;
/* The agent's own process: never reported, so its work cannot feed back. */
__weak const volatile __u32 agent_tgid = 0;
/* Kernel text ranges of the functions that make CAP_OPT_NOAUDIT capability
 * checks, from kallsyms (bpf/capability.bpf.c), and the capabilities they ask for. */
#define PW_NOAUDIT_RANGES 8
__weak const volatile __u64 noaudit_lo[PW_NOAUDIT_RANGES] = {};
__weak const volatile __u64 noaudit_hi[PW_NOAUDIT_RANGES] = {};
__weak const volatile __u32 noaudit_ranges = 0;
__weak const volatile __u64 noaudit_caps = 0;
/* Which hierarchy identifies containers. -1: cgroup2 (pure v2 and hybrid
 * hosts). Otherwise the cgroup_subsys_id of a v1 controller (pure v1 hosts):
 * the task's cgroup in that controller's hierarchy is read with CO-RE. */
__weak const volatile __s32 cgroup_v1_ssid = -1;
/* hierarchy_id of that hierarchy: 0 for cgroup2, from /proc/cgroups for v1. */
__weak const volatile __u32 watch_hierarchy_id = 0;

/* privwatch run --bench-floor: every program returns at once (its first
 * line). The verifier prunes the rest at load, so what is left is the cost
 * of the hooks themselves, which any agent attached there pays. */
__weak const volatile __u32 pw_floor = 0;

/* Per container, events per second and the burst it may send above that
 * (--container-budget); 0: no budget. */
__weak const volatile __u64 budget_rate = 0;
__weak const volatile __u64 budget_burst = 0;

/* The one channel to userspace. Size set by the agent (--ringbuf-size). */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 * 1024 * 1024);
} events __weak SEC(".maps");

/* Per event type: submitted and dropped by cause. Summed by the agent. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PW_EVENT_TYPE_MAX);
	__type(key, __u32);
	__type(value, struct pw_type_stats);
} type_stats __weak SEC(".maps");

/* cgroup id -> 1, used when watch_mode == PW_WATCH_MAP. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PW_WATCHED_CGROUPS_MAX);
	__type(key, __u64);
	__type(value, __u8);
} watched_cgroups __weak SEC(".maps");

/* What each task is (include/events.h): its container of origin and the
 * capabilities it already used since its last exec. Created for watched
 * tasks and the children of tasks that have one; freed with the task. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct pw_task_state);
} task_state __weak SEC(".maps");

/* An open seen by lsm/file_open during a native open syscall, waiting for
 * that syscall's exit to complete it with the fd or errno (bpf/open.bpf.c).
 * Created at the hook, deleted at the exit: only tasks in the middle of a
 * sensitive open hold one. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct pw_open_event);
} pending_open __weak SEC(".maps");

/* The same for mount(2), umount2(2), move_mount(2) and pivot_root(2) seen
 * by their LSM hooks (bpf/mount.bpf.c). */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct pw_mount_event);
} pending_mount __weak SEC(".maps");

/* cgroup id -> 1: the cgroups of containers. The agent adds the ones its
 * container table identifies (pw_loader_mark_container); their children are added here
 * as they are made (bpf/cgroup.bpf.c), removed ones leave. A task placed in
 * one takes it as its origin. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PW_WATCHED_CGROUPS_MAX);
	__type(key, __u64);
	__type(value, __u8);
} container_cgroups __weak SEC(".maps");

/* Container cgroup (of origin) -> its event budget (include/events.h). LRU:
 * a container forgotten starts again with a full budget. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct pw_budget);
} budgets __weak SEC(".maps");

/* Per-CPU scratch for resolving a path: the walk runs in a bpf_loop
 * callback, which cannot write into a ring buffer reservation. */
struct pw_path_scratch {
	char buf[PW_OPEN_PATH_BUF];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pw_path_scratch);
} path_scratch __weak SEC(".maps");

/* Bumped after every change to watched_cgroups (here and by the agent):
 * a task's cached verdict of another generation is computed again. */
__weak __u32 watch_gen = 1;

/* Updates of watched_cgroups refused because the map was full: those cgroups
 * are not watched, and the agent reports the count. */
__weak __u64 watched_cgroups_full = 0;

#endif /* PRIVWATCH_MAPS_BPF_H */
