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
 * include/events_layout.h pins sizes and offsets, asserted by both compilers
 * (it is included at the end of this file).
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
	PW_EVENT_MOUNT = 3,
	PW_EVENT_OPEN = 4,
	PW_EVENT_SECCOMP = 5,
	PW_EVENT_FORK = 6,
	PW_EVENT_EXIT = 7,
	PW_EVENT_CGROUP_MKDIR = 8,
	PW_EVENT_CGROUP_RMDIR = 9,
	PW_EVENT_NAMESPACE = 10,
	PW_EVENT_CGROUP_MOVE = 11,
	PW_EVENT_TAMPER = 12,
	PW_EVENT_TYPE_MAX = 16,
};

/* Why an event did not reach userspace; each cause counted per event type. */
enum pw_drop_cause {
	PW_DROP_RINGBUF_FULL = 0, /* bpf_ringbuf_reserve() failed */
	PW_DROP_BUDGET = 1,	  /* the container spent its event budget (a flood) */
	PW_DROP_CAUSE_MAX = 4,
};

/*
 * Per task, in the kernel (task storage, bpf/maps.bpf.h): what the task is,
 * whatever it calls itself or wherever it moves.
 */
struct pw_task_state {
	/* The container cgroup the task (or the ancestor it was forked from)
	 * was placed in: kept when it moves, 0 for host tasks. */
	__u64 origin_cgroup;
	/* Capabilities already reported since the task's last exec, by result
	 * and user namespace: [0] allowed, [1] denied, against the initial user
	 * namespace; [2] and [3] the same against a nested one. A new program
	 * (exec) or a new task (fork) starts with none. */
	__u64 caps_seen[4];
	/* PW_F_RUNTIME_INIT while the task is the runtime's init */
	__u32 flags;
	/* The runtime's executable (inode number) when it was placed: its own
	 * re-exec (or one from a memfd copy of itself) is still the runtime. */
	__u32 runtime_ino;
	/* Opens already reported since the last exec, of the devices every
	 * container gets (bit 2 * device + written, bpf/open.bpf.c) */
	__u32 devices_seen;
	/* and of refused opens: hashes of (errno, path), the last 8 */
	__u32 refused_next;
	__u32 refused_seen[8];
	/* pw_cgroup_is_watched's last verdict (bpf/common.bpf.h), valid while
	 * the task is in verdict_cgroup, the watched set at verdict_gen and
	 * its origin unchanged (0: none yet). */
	__u64 verdict_cgroup;
	__u32 verdict_gen;
	__u32 verdict;
	/* PW_F_PLACED: the cgroup another task placed it in, before the agent
	 * knew that cgroup was a container's (the runtime outran it). */
	__u64 placed_cgroup;
	/* Sensitive files already reported by this task, each as its inode
	 * (address and number) or'ed with the PW_OPEN_VIA_* of the report
	 * (bpf/open.bpf.c file_key): writes through an fd whose open was
	 * reported with write access, or a file mapped or received again,
	 * are not reported twice. A small set, slot by hash; 0: empty. */
	__u64 files_seen[8];
};

/* Per container (its cgroup of origin), in the kernel: what is left of its
 * event budget, and what it lost once the budget was spent. */
struct pw_budget {
	__u64 tokens;  /* events it may still send now */
	__u64 last_ns; /* when tokens were last added */
	__u64 dropped; /* events refused for want of budget, ever */
};

/* Flags in pw_event_header.flags. */
#define PW_F_TRUNCATED (1u << 0) /* a string or list did not fit its buffer */
/* Seen by an LSM hook before the action: the kernel may still refuse it
 * after us, so ret only says that no LSM before ours denied it. */
#define PW_F_PRE_CHECK (1u << 1)
/* The task is the runtime's own init: placed in the container by another
 * process (the runtime) and not yet running a program of the container's.
 * A kernel fact, not a name: a container process cannot get it. */
#define PW_F_RUNTIME_INIT (1u << 2)
/* This exec ended a runtime init: the container's entrypoint, or the
 * command of an exec session (docker exec). */
#define PW_F_RUNTIME_INIT_EXEC (1u << 3)
/* open: a procfs file of a process outside the opener's container
 * (/proc/<pid>/mem of a host process, a neighbour's environ). */
#define PW_F_OTHER_PROCESS (1u << 4)
/* Task storage only: placed in a cgroup by another task, the cgroup not
 * (yet) known as a container's: decided at its first exec there. */
#define PW_F_PLACED (1u << 5)

struct pw_event_header {
	__u16 type;	 /* enum pw_event_type */
	__u16 size;	 /* bytes of the whole record, header included */
	__u32 flags;	 /* PW_F_* */
	__u64 ts_ns;	 /* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	__u64 cgroup_id; /* cgroup2 id of the task (pw_current_cgroup_id, bpf/common.bpf.h) */
	__u32 pid;	 /* thread group id, what userspace calls the pid */
	__u32 tid;
	__u32 uid;
	__u32 gid;
	char comm[PW_COMM_LEN];
	/* The container the task belongs to (pw_task_state.origin_cgroup): the
	 * identity rules and alerts use, whatever cgroup it moved to. 0: none. */
	__u64 origin_cgroup_id;
};

/* tp_btf/sched_process_exec: a task replaced its image. */
struct pw_exec_event {
	struct pw_event_header hdr;
	__u32 ppid;		    /* real parent's tgid */
	__u32 old_pid;		    /* tid that called exec (differs when a thread execs) */
	__u16 filename_len;	    /* bytes in filename, NUL excluded */
	__u16 args_len;		    /* bytes in args: NUL-separated argv */
	__u32 args_count;	    /* argc as the kernel saw it */
	char filename[PW_PATH_MAX]; /* the path given to execve, as resolved by the kernel */
	char args[PW_ARGS_MAX];
};

/* Capability check. In LSM mode only checks allowed by the capability LSM are
 * seen (see bpf/capability.bpf.c); the other variants also see denials.
 * Only the first check per (task, cap, result, user namespace) since the
 * task's last exec is sent; the repeats are counted as suppressed. */
struct pw_capability_event {
	struct pw_event_header hdr;
	__s32 cap;	/* CAP_* number */
	__s32 ret;	/* 0: allowed, else -errno (-EPERM) */
	__u32 opts;	/* CAP_OPT_* from the LSM hook, 0 from the tracepoint */
	__u32 ns_level; /* user namespace checked against: 0 is the initial one */
};

/* Mount-family syscalls and LSM hooks. Caught at syscall exit: a call that
 * seccomp refuses never reaches sys_enter, but sys_exit sees its errno; the
 * arguments come from the task's saved user registers. */
enum pw_mount_op {
	PW_MOUNT_MOUNT = 1,	 /* mount(2) / lsm sb_mount */
	PW_MOUNT_UMOUNT = 2,	 /* umount2(2) / lsm sb_umount */
	PW_MOUNT_FSOPEN = 3,	 /* fsopen(2): fstype */
	PW_MOUNT_FSCONFIG = 4,	 /* fsconfig(2): key, source for "source" */
	PW_MOUNT_FSMOUNT = 5,	 /* fsmount(2) */
	PW_MOUNT_MOVE_MOUNT = 6, /* move_mount(2) / lsm move_mount: target */
	PW_MOUNT_OPEN_TREE = 7,	 /* open_tree(2): source path */
	PW_MOUNT_SETATTR = 8,	 /* mount_setattr(2): target */
	PW_MOUNT_PIVOT_ROOT = 9, /* pivot_root(2) / lsm sb_pivotroot */
};

#define PW_FSTYPE_LEN  32
#define PW_FS_PATH_BUF 256 /* paths resolved in the kernel beside another path */
#define PW_MOUNT_STR   128

struct pw_mount_event {
	struct pw_event_header hdr;
	__s32 ret; /* syscall return: >= 0 or -errno (0 with PW_F_PRE_CHECK) */
	__u16 op;  /* enum pw_mount_op */
	__u16 _pad0;
	__u64 flags; /* MS_* for mount, MNT_* for umount, the flags argument otherwise */
	__s32 fd;  /* the fd argument where the call takes one (fsconfig, fsmount, move_mount from),
			 * else -1 */
	__u32 aux; /* fsconfig cmd, mount_setattr attr_set, fsmount attr_flags */
	char fstype[PW_FSTYPE_LEN];
	char source[PW_MOUNT_STR]; /* device / source path / fsconfig key=value */
	char target[PW_PATH_MAX];  /* mount point / new root */
	/* The target as the kernel resolved it, names leaf first: the hook's
	 * own struct path (LSM), or, for a relative target at syscall exit, the
	 * caller's working directory to join it to. */
	__u16 resolved_len;
	__u16 resolved_depth;
	__u32 resolved_kind; /* PW_MOUNT_RESOLVED_* */
	char resolved[PW_FS_PATH_BUF];
};

#define PW_MOUNT_RESOLVED_NONE	 0
#define PW_MOUNT_RESOLVED_TARGET 1 /* resolved is the target itself */
#define PW_MOUNT_RESOLVED_CWD	 2 /* resolved is the cwd a relative target is in */

/* What an opened file is, decided from its inode and superblock. */
enum pw_object_kind {
	PW_OBJ_UNKNOWN = 0, /* failed open: only the user's path is known */
	PW_OBJ_CHARDEV = 1,
	PW_OBJ_BLOCKDEV = 2,
	PW_OBJ_SYSFS = 3,
	PW_OBJ_PROCFS = 4,   /* procfs, outside /proc/sys */
	PW_OBJ_PROC_SYS = 5, /* a sysctl under /proc/sys */
	PW_OBJ_CGROUPFS = 6, /* cgroup v1 or v2 */
	PW_OBJ_DEBUGFS = 7,
	PW_OBJ_SECURITYFS = 8,
	PW_OBJ_TRACEFS = 9,
	PW_OBJ_BPFFS = 10,
	PW_OBJ_BINFMT_MISC =
		11, /* register: the kernel runs an interpreter of the writer's choice */
	PW_OBJ_CONFIGFS = 12,
	PW_OBJ_EFIVARFS = 13, /* the firmware's variables */
	PW_OBJ_SELINUXFS = 14,
	PW_OBJ_PSTORE = 15,
	PW_OBJ_KIND_MAX = 16,
};

#define PW_OPEN_PATH_BUF 512
/* How pw_open_event.path is laid out. */
#define PW_OPEN_PATH_COMPONENTS 1 /* resolved: names leaf first, each NUL-terminated */
#define PW_OPEN_PATH_USER	2 /* the string the caller passed (failed opens) */

/*
 * How a pw_open_event's file was reached. Besides its open, LSM mode sees a
 * sensitive file used through an fd whatever made the fd (inherited, opened
 * before the task was watched, received): those records are PW_F_PRE_CHECK
 * like file_open's, with f_mode the access of the action itself.
 */
#define PW_OPEN_VIA_OPEN  0 /* opened (file_open, or an open syscall's exit) */
#define PW_OPEN_VIA_WRITE 1 /* written through an fd (lsm file_permission, MAY_WRITE) */
#define PW_OPEN_VIA_MMAP  2 /* mapped (lsm mmap_file): f_mode WRITE for a shared writable map */
#define PW_OPEN_VIA_RECV                                                                           \
	3 /* an fd received from another process (lsm file_receive:
			     * SCM_RIGHTS, pidfd_getfd, seccomp addfd) */
#define PW_OPEN_VIA_MAX 4

/* An open of a device or of a file on a kernel filesystem, or a failed open
 * whose errno says the kernel refused it (EPERM, EACCES, EROFS, ENXIO...);
 * in LSM mode also a write, mapping or receipt of one (via). */
struct pw_open_event {
	struct pw_event_header hdr;
	__s32 ret;	   /* fd, or -errno */
	__u32 open_flags;  /* O_* as passed (file->f_flags in LSM mode) */
	__u32 f_mode;	   /* FMODE_READ 0x1, FMODE_WRITE 0x2; 0 when it failed */
	__u16 kind;	   /* enum pw_object_kind */
	__u16 path_format; /* PW_OPEN_PATH_* */
	__u32 dev_major;
	__u32 dev_minor;
	__u32 inode_mode; /* i_mode: type and permissions */
	__u64 sb_magic;
	__u64 ino;
	__u16 path_len;	  /* bytes used in path */
	__u16 path_depth; /* components in path (PW_OPEN_PATH_COMPONENTS) */
	__u32 syscall_nr; /* which syscall (tracepoint mode), or 0 (LSM file_open) */
	char path[PW_OPEN_PATH_BUF];
	/* Kernel filesystems: the same file's names up to its filesystem's own
	 * root, whatever the mount point or the task's root (chroot), leaf
	 * first ("core_pattern", "kernel", "sys" in procfs). 0 bytes otherwise. */
	__u16 fs_path_len;
	__u16 fs_path_depth;
	__u32 via; /* PW_OPEN_VIA_*: how the file was reached */
	char fs_path[PW_FS_PATH_BUF];
};

/* seccomp(2) or prctl(PR_SET_SECCOMP): filters being installed or probed. */
enum pw_seccomp_via { PW_SECCOMP_VIA_SYSCALL = 1, PW_SECCOMP_VIA_PRCTL = 2 };

struct pw_seccomp_event {
	struct pw_event_header hdr;
	__s32 ret;
	__u32 via;	 /* enum pw_seccomp_via */
	__u32 operation; /* seccomp op (SECCOMP_SET_MODE_*...) or the prctl mode (1 strict, 2 filter) */
	__u32 flags;	 /* seccomp(2) flags; 0 for prctl */
	__u32 mode_after; /* task->seccomp.mode after the call: 0 off, 1 strict, 2 filter */
	__u32 _pad;
};

/* sched_process_fork, from the parent: a new process or thread. */
struct pw_fork_event {
	struct pw_event_header hdr;
	__u32 child_pid; /* tgid of the child */
	__u32 child_tid;
};

/* sched_process_exit of a thread group leader. */
struct pw_exit_event {
	struct pw_event_header hdr;
	__s32 exit_code; /* as wait(2) encodes it */
	__u32 _pad;
};

/* A cgroup created or removed in the watched hierarchy: how the agent
 * learns of a container the moment it exists. The header's identity is the
 * task that made the change (often the runtime, on the host). */
struct pw_cgroup_event {
	struct pw_event_header hdr;
	__u64 id;
	__u64 parent_id;
	__s32 level;
	__u32 hierarchy_id;
	char path[PW_PATH_MAX]; /* relative to the hierarchy's root */
};

/* A task that belongs to a container was moved to a cgroup outside it:
 * written to cgroup.procs (by itself or another task) or born there with
 * clone3(CLONE_INTO_CGROUP). The header is the task that did it. */
enum pw_move_via { PW_MOVE_ATTACH = 1, PW_MOVE_CLONE_INTO = 2 };

struct pw_cgroup_move_event {
	struct pw_event_header hdr;
	__u64 dst_id;		/* the cgroup it is in now */
	__u64 task_origin;	/* the container it belongs to */
	__u32 task_pid;		/* the moved task's tgid */
	__u32 via;		/* enum pw_move_via */
	char path[PW_PATH_MAX]; /* the destination, relative to the hierarchy's root */
};

/* A watched task reaching for privwatch itself: a BPF object taken by its
 * id (whose, the agent knows), or a signal sent to the agent. */
enum pw_tamper_op { PW_TAMPER_BPF_GET_FD = 1, PW_TAMPER_SIGNAL = 2, PW_TAMPER_PTRACE = 3 };

struct pw_tamper_event {
	struct pw_event_header hdr;
	__s32 ret; /* bpf: the fd or -errno; signal: the kernel's TRACE_SIGNAL_* result */
	__u32 op;  /* enum pw_tamper_op */
	__u32 arg; /* bpf: the command (BPF_*_GET_FD_BY_ID); signal: its number;
		     * ptrace: the request (PTRACE_ATTACH, PTRACE_SEIZE) */
	__u32 id;  /* bpf: the object id asked for; signal: the agent's pid;
		     * ptrace: the tracee's tgid */
};

/* unshare(2) or setns(2) asking for new or other namespaces. */
enum pw_ns_op { PW_NS_UNSHARE = 1, PW_NS_SETNS = 2 };

struct pw_namespace_event {
	struct pw_event_header hdr;
	__s32 ret;
	__u32 op;    /* enum pw_ns_op */
	__u64 flags; /* unshare: CLONE_* flags; setns: the nstype argument (0: any) */
	__s32 fd;    /* setns: the namespace fd, else -1 */
	__u32 _pad;
};

/* Per event type counters, one slot per CPU in the kernel, summed by the agent. */
struct pw_type_stats {
	__u64 emitted;			  /* records submitted to the ring buffer */
	__u64 dropped[PW_DROP_CAUSE_MAX]; /* by enum pw_drop_cause */
	__u64 suppressed;		  /* folded by in-kernel dedup (capabilities) */
};

#include "events_layout.h"

#endif /* PRIVWATCH_EVENTS_H */
