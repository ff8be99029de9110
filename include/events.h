/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Events sent from the BPF sensors to the agent through one ring buffer.
 *
 * Shared by BPF (bpf/) and userspace (agent/, tests/). Rules that keep the two
 * sides in agreement:
 *   - only fixed-width types, no pointers, no bool, no long;
 *   - padding written out, so both compilers lay structs out the same way;
 *   - event type numbers are explicit and never renumbered or reused;
 *   - every event starts with struct pw_event_header, whose size field is
 *     checked by the reader before the rest is trusted.
 * tests/unit/test_event_layout.c pins sizes and offsets.
 */
#ifndef PRIVWATCH_EVENTS_H
#define PRIVWATCH_EVENTS_H

#ifndef __bpf__
#include <linux/types.h>
#endif

#define PW_COMM_LEN 16
#define PW_PATH_MAX 256
#define PW_ARGS_MAX 512

/* Never renumber: the numbers are on the wire and in stored captures. */
enum pw_event_type {
	PW_EVENT_NONE = 0,
	PW_EVENT_EXEC = 1,
	PW_EVENT_CAPABILITY = 2,
	/* 3..15 reserved for the sensors of issue 3 (mount, open, seccomp, ...). */
	PW_EVENT_TYPE_MAX = 16,
};

/* Why an event did not reach userspace; each cause counted per event type. */
enum pw_drop_cause {
	PW_DROP_RINGBUF_FULL = 0, /* bpf_ringbuf_reserve() failed */
	PW_DROP_CAUSE_MAX = 4,
};

/* Flags in pw_event_header.flags. */
#define PW_F_TRUNCATED (1u << 0) /* a string or list did not fit its buffer */

struct pw_event_header {
	__u16 type;  /* enum pw_event_type */
	__u16 size;  /* bytes of the whole record, header included */
	__u32 flags; /* PW_F_* */
	__u64 ts_ns; /* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	__u64 cgroup_id; /* cgroup2 id of the task (see bpf/cgroup.bpf.h) */
	__u32 pid; /* thread group id, what userspace calls the pid */
	__u32 tid;
	__u32 uid;
	__u32 gid;
	char comm[PW_COMM_LEN];
};

/* tp_btf/sched_process_exec: a task replaced its image. */
struct pw_exec_event {
	struct pw_event_header hdr;
	__u32 ppid;	    /* real parent's tgid */
	__u32 old_pid;	    /* tid that called exec (differs when a thread execs) */
	__u16 filename_len; /* bytes in filename, NUL excluded */
	__u16 args_len;	    /* bytes in args: NUL-separated argv */
	__u32 args_count;   /* argc as the kernel saw it */
	char filename[PW_PATH_MAX]; /* the path given to execve, as resolved by the kernel */
	char args[PW_ARGS_MAX];
};

/* Capability check. In LSM mode only checks allowed by the capability LSM are
 * seen (see bpf/capability.bpf.c); the tracepoint also sees denials. */
struct pw_capability_event {
	struct pw_event_header hdr;
	__s32 cap;	  /* CAP_* number */
	__s32 ret;	  /* 0: allowed, else -errno (-EPERM) */
	__u32 opts;	  /* CAP_OPT_* from the LSM hook, 0 from the tracepoint */
	__u32 _pad;
};

/* Per event type counters, one slot per CPU in the kernel, summed by the agent. */
struct pw_type_stats {
	__u64 emitted;			   /* records submitted to the ring buffer */
	__u64 dropped[PW_DROP_CAUSE_MAX]; /* by enum pw_drop_cause */
};

#endif /* PRIVWATCH_EVENTS_H */
