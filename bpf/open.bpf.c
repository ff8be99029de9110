// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * File and device opens: what was opened, decided from the inode and the
 * superblock (a bind mount or a relative path cannot disguise /sys), with
 * the access mode and the resolved path.
 *
 * Only opens of devices and of files on kernel filesystems (sysfs, procfs,
 * cgroupfs, debugfs, securityfs, tracefs, bpffs) leave the kernel; ordinary
 * files are dropped after a few reads. Failed opens are reported when the
 * errno says the kernel refused (EPERM, EACCES, EROFS, ENXIO, ENODEV), with
 * the path the caller passed, since there is no file to look at.
 *
 * Two variants, one chosen by the agent:
 *  - lsm/file_open: sees every open however it is made (io_uring included),
 *    with the struct file at hand; runs before the open completes, so the
 *    open syscalls' exits (open_pair_*) complete its record with the
 *    outcome (below, in_native_open_syscall). With it, file_permission,
 *    mmap_file and file_receive for sensitive files used through any fd.
 *  - tp/syscalls/sys_exit_{openat,openat2,open,creat,open_by_handle_at}:
 *    the new fd is resolved to its struct file through the task's fd table;
 *    arguments come from the saved user registers, so calls refused by
 *    seccomp (no sys_enter) are still seen.
 */
#include "path.bpf.h"

/* A procfs inode is embedded in a proc_inode; sysctl is set only for the
 * entries under /proc/sys. */
static __always_inline int proc_inode_is_sysctl(struct inode *inode)
{
	struct proc_inode *pi = container_of(inode, struct proc_inode, vfs_inode);

	return BPF_CORE_READ(pi, sysctl) != NULL;
}

/*
 * A /proc/<pid>/... file of a process outside the opener's container (its
 * origin, else its cgroup)? The proc inode names the process by its struct
 * pid: its task's cgroup says where it lives, whatever pid namespace the
 * path was written in.
 */
static __always_inline int proc_inode_is_other_process(struct inode *inode, __u64 cgid)
{
	struct proc_inode *pi = container_of(inode, struct proc_inode, vfs_inode);
	struct pid *pid = BPF_CORE_READ(pi, pid);
	struct hlist_node *first;
	struct task_struct *t;
	struct cgroup *cgrp;
	__u64 home;

	if (!pid)
		return 0;
	first = BPF_CORE_READ(pid, tasks[PIDTYPE_PID].first);
	if (!first)
		return 0;
	t = container_of(first, struct task_struct, pid_links[PIDTYPE_PID]);
	cgrp = pw_task_cgroup(t);
	home = pw_current_origin();
	return !pw_cgroup_within(cgrp, home ? home : cgid);
}

/* The kind of the object behind an inode; PW_OBJ_UNKNOWN: not reported. */
static __always_inline __u16 object_kind(struct inode *inode, __u32 mode, __u64 magic)
{
	switch (mode & S_IFMT) {
	case S_IFCHR: return PW_OBJ_CHARDEV;
	case S_IFBLK: return PW_OBJ_BLOCKDEV;
	}
	switch (magic) {
	case SYSFS_MAGIC: return PW_OBJ_SYSFS;
	case PROC_SUPER_MAGIC: return proc_inode_is_sysctl(inode) ? PW_OBJ_PROC_SYS : PW_OBJ_PROCFS;
	case CGROUP_SUPER_MAGIC:
	case CGROUP2_SUPER_MAGIC: return PW_OBJ_CGROUPFS;
	case DEBUGFS_MAGIC: return PW_OBJ_DEBUGFS;
	case SECURITYFS_MAGIC: return PW_OBJ_SECURITYFS;
	case TRACEFS_MAGIC: return PW_OBJ_TRACEFS;
	case BPF_FS_MAGIC: return PW_OBJ_BPFFS;
	case BINFMTFS_MAGIC: return PW_OBJ_BINFMT_MISC;
	case CONFIGFS_MAGIC: return PW_OBJ_CONFIGFS;
	case EFIVARFS_MAGIC: return PW_OBJ_EFIVARFS;
	case SELINUX_MAGIC: return PW_OBJ_SELINUXFS;
	case PSTOREFS_MAGIC: return PW_OBJ_PSTORE;
	}
	return PW_OBJ_UNKNOWN;
}

/* The devices every container gets (null, zero, full, random, urandom, tty,
 * ptmx, its pts): a shell opens them all the time. Their index, or -1. */
static __always_inline int ordinary_device(__u32 major, __u32 minor)
{
	if (major == 1) {
		switch (minor) {
		case 3: return 0;
		case 5: return 1;
		case 7: return 2;
		case 8: return 3;
		case 9: return 4;
		}
		return -1;
	}
	if (major == 5)
		return minor == 0 ? 5 : minor == 2 ? 6 : -1;
	return major == UNIX98_PTY_SLAVE_MAJOR ? 7 : -1;
}

/*
 * The task's set of files already reported (pw_task_state.files_seen): the
 * key is the file's inode, its address (read as a number: the verifier
 * allows no arithmetic on the struct file pointer itself; 8-aligned) with
 * its inode number in the high bits, so a freed inode's address reused for
 * another is another key, or'ed with how it was reported
 * (PW_OPEN_VIA_*). Per inode rather than per open file: a second fd of a
 * file the task already wrote is the same fact. One slot per hash, a
 * collision replaces: at worst a file is reported again.
 */
static __always_inline __u64 file_key(struct inode *inode, __u64 ino, __u32 via)
{
	return ((__u64)inode ^ (ino << 40)) | via;
}

static __always_inline __u64 *file_slot(struct pw_task_state *s, __u64 key)
{
	return &s->files_seen[(key * 0x9E3779B97F4A7C15ull) >> 61];
}

/*
 * LSM and syscall exit together, one record per open. lsm/file_open sees
 * every open (io_uring, 32-bit and kernel-internal ones too) but not its
 * outcome; the open syscalls' exits see the outcome of native ones. Where
 * the hook runs inside a native open syscall (the task's syscall number,
 * not a 32-bit call), the record waits in the task's pending_open storage,
 * keyed by the task itself (a thread is in one syscall at a time), and
 * that syscall's exit completes it with the fd or errno and the syscall
 * number and sends it without PW_F_PRE_CHECK. Any other open is sent at
 * once as a pre_check: its exit, if any, is no open syscall's. A record
 * still pending when the task's next one is made (a syscall whose exit was
 * never seen) is sent then, as the pre_check it is.
 */
static __always_inline int in_native_open_syscall(void)
{
	switch (pw_native_syscall_nr()) {
	case NR_open:
	case NR_creat:
	case NR_openat:
	case NR_open_by_handle_at:
	case NR_openat2: return 1;
	}
	return 0;
}

/* Send a copy of the pending record p. */
static __always_inline void pending_send(struct pw_open_event *p)
{
	struct pw_open_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e) {
		pw_count(PW_EVENT_OPEN, PW_DROP_RINGBUF_FULL);
		return;
	}
	bpf_probe_read_kernel(e, sizeof(*e), p);
	pw_submit(e);
}

/* The current task's pending record to fill, header done, or NULL: no
 * storage (send at once instead) or, with *refused set, no budget. */
static __always_inline struct pw_open_event *pending_take(__u64 cgid, int *refused)
{
	struct pw_open_event *p = bpf_task_storage_get(&pending_open, bpf_get_current_task_btf(), 0,
						       BPF_LOCAL_STORAGE_GET_F_CREATE);

	if (!p)
		return NULL;
	if (p->hdr.type == PW_EVENT_OPEN)
		pending_send(p); /* its exit never came */
	p->hdr.type = PW_EVENT_NONE;
	if (!pw_budget_ok(PW_EVENT_OPEN, cgid, pw_current_task_state(0))) {
		*refused = 1;
		return NULL;
	}
	pw_fill_header(&p->hdr, PW_EVENT_OPEN, sizeof(*p), cgid, pw_current_task_state(0));
	return p;
}

/*
 * Report a file if it is of a kind we watch: opened (via PW_OPEN_VIA_OPEN,
 * access from its f_mode), or written, mapped or received (LSM mode, access
 * given by the caller). Opens of ordinary devices count once per program
 * (per device, read or write), their mappings likewise; repeats are counted
 * as suppressed, so a flood of them is not a flood of records. A file
 * written, mapped or received is reported once per task and file, and a
 * write through an fd whose open (or receipt) was reported with write
 * access is that record's, not another.
 */
static __always_inline void emit_file(struct file *file, __u64 cgid, __s32 ret, __u32 open_flags,
				      __u32 syscall_nr, __u32 flags, __u32 via, __u32 f_mode,
				      int pair)
{
	struct inode *inode = BPF_CORE_READ(file, f_inode);
	__u32 mode = BPF_CORE_READ(inode, i_mode);
	__u64 magic = BPF_CORE_READ(inode, i_sb, s_magic);
	__u16 kind = object_kind(inode, mode, magic);
	struct pw_task_state *s = NULL;
	__u64 ino;
	__u64 own = 0;
	struct pw_open_event *e;
	__u32 rdev, bit = 0;
	int truncated;

	if (kind == PW_OBJ_UNKNOWN)
		return;
	ino = BPF_CORE_READ(inode, i_ino);
	rdev = BPF_CORE_READ(inode, i_rdev);
	if (kind == PW_OBJ_CHARDEV) {
		int dev = ordinary_device(rdev >> MINORBITS, rdev & MINORMASK);

		if (dev >= 0) {
			/* the ones every container gets: its stdout is one */
			if (via == PW_OPEN_VIA_WRITE || via == PW_OPEN_VIA_RECV)
				return;
			s = pw_current_task_state(1);
			if (via == PW_OPEN_VIA_MMAP)
				bit = 1u << (16 + dev);
			else
				bit = 1u << (2 * dev + !!(f_mode & FMODE_WRITE));
			if (s && (s->devices_seen & bit)) {
				pw_count(PW_EVENT_OPEN, PW_COUNT_SUPPRESSED);
				return;
			}
		}
	}
	if (!s && (via != PW_OPEN_VIA_OPEN || (f_mode & FMODE_WRITE)))
		s = pw_current_task_state(1);
	if (s && via != PW_OPEN_VIA_OPEN) {
		own = file_key(inode, ino, via);
		if (*file_slot(s, own) == own) {
			pw_count(PW_EVENT_OPEN, PW_COUNT_SUPPRESSED);
			return;
		}
	}
	e = NULL;
	if (pair) {
		int refused = 0;

		e = pending_take(cgid, &refused);
		if (refused)
			return;
	}
	if (!e) {
		pair = 0;
		e = pw_reserve(PW_EVENT_OPEN, sizeof(*e), cgid);
		if (!e)
			return;
	}
	if (s) {
		s->devices_seen |= bit;
		if (own)
			*file_slot(s, own) = own;
		/* an open or receipt with write access stands for the writes
		 * through its fd */
		if ((f_mode & FMODE_WRITE) && via != PW_OPEN_VIA_MMAP) {
			own = file_key(inode, ino, PW_OPEN_VIA_WRITE);
			*file_slot(s, own) = own;
		}
	}
	if (kind == PW_OBJ_PROCFS && proc_inode_is_other_process(inode, cgid))
		e->hdr.flags |= PW_F_OTHER_PROCESS;
	e->hdr.flags |= flags;
	e->ret = ret;
	e->open_flags = open_flags;
	e->f_mode = f_mode;
	e->kind = kind;
	e->path_format = PW_OPEN_PATH_COMPONENTS;
	/* dev_t inside the kernel: 12 bits major, 20 bits minor */
	e->dev_major = kind <= PW_OBJ_BLOCKDEV ? rdev >> MINORBITS : 0;
	e->dev_minor = kind <= PW_OBJ_BLOCKDEV ? rdev & MINORMASK : 0;
	e->inode_mode = mode;
	e->sb_magic = magic;
	e->ino = ino;
	e->syscall_nr = syscall_nr;
	e->path_len = pw_resolve_path(&file->f_path, e->path, &e->path_depth, &truncated);
	if (truncated)
		e->hdr.flags |= PW_F_TRUNCATED;
	e->fs_path_len = e->fs_path_depth = 0;
	e->via = via;
	if (kind > PW_OBJ_BLOCKDEV) {
		e->fs_path_len = pw_resolve_short(&file->f_path, 1, e->fs_path, &e->fs_path_depth,
						  &truncated);
		if (truncated)
			e->hdr.flags |= PW_F_TRUNCATED;
	}
	if (!pair)
		pw_submit(e);
}

static __always_inline __u32 file_access(struct file *file)
{
	return BPF_CORE_READ(file, f_mode) & (FMODE_READ | FMODE_WRITE);
}

static __always_inline int refused(long ret)
{
	return ret == -EPERM || ret == -EACCES || ret == -EROFS || ret == -ENXIO || ret == -ENODEV;
}

#define REFUSED_KEY 64

/*
 * A refusal's key: errno and the first 64 bytes of the path, hashed
 * (FNV-1a; never 0, an empty slot). A program that keeps trying the same
 * refused open (a default container probing /proc/sys in a loop) is one
 * record and a count: the task remembers the last 8 it reported since its
 * exec, each once it is in the ring.
 */
static __always_inline __u32 refusal_key(long ret, const char *upath)
{
	char key[REFUSED_KEY] = {};
	__u32 h = 2166136261u ^ (__u32)ret;
	int i;

	if (upath)
		bpf_probe_read_user_str(key, sizeof(key), upath);
	for (i = 0; i < REFUSED_KEY; i++)
		h = (h ^ (__u8)key[i]) * 16777619u;
	return h | 1;
}

static __always_inline int refusal_seen(const struct pw_task_state *s, __u32 h)
{
	int i;

	for (i = 0; i < 8; i++)
		if (s->refused_seen[i] == h)
			return 1;
	return 0;
}

/* A failed open: the caller's path string and flags, and the errno. */
static __always_inline void emit_refused(__u64 cgid, long ret, const char *upath, __u32 open_flags,
					 __u32 syscall_nr)
{
	struct pw_task_state *s = pw_current_task_state(1);
	__u32 key = refusal_key(ret, upath);
	struct pw_open_event *e;
	long n = 0;

	if (s && refusal_seen(s, key)) {
		pw_count(PW_EVENT_OPEN, PW_COUNT_SUPPRESSED);
		return;
	}
	e = pw_reserve(PW_EVENT_OPEN, sizeof(*e), cgid);
	if (!e)
		return;
	if (s) {
		s->refused_seen[s->refused_next & 7] = key;
		s->refused_next++;
	}
	e->ret = ret;
	e->open_flags = open_flags;
	e->f_mode = 0;
	e->kind = PW_OBJ_UNKNOWN;
	e->path_format = PW_OPEN_PATH_USER;
	e->dev_major = 0;
	e->dev_minor = 0;
	e->inode_mode = 0;
	e->sb_magic = 0;
	e->ino = 0;
	e->syscall_nr = syscall_nr;
	if (upath)
		n = bpf_probe_read_user_str(e->path, PW_PATH_HALF, upath);
	if (n <= 0) {
		e->path[0] = '\0';
		n = 1;
	}
	if (n == PW_PATH_HALF)
		e->hdr.flags |= PW_F_TRUNCATED;
	e->path_len = n - 1;
	e->path_depth = 0;
	e->fs_path_len = e->fs_path_depth = 0;
	e->via = PW_OPEN_VIA_OPEN;
	pw_submit(e);
}

/* The struct file behind fd in the current task's table, or NULL. */
static __always_inline struct file *fd_file(struct task_struct *t, long fd)
{
	/* BTF-typed from the task down to the table: direct loads (no helper
	 * call; a fault reads 0). The slot itself is at a variable index. */
	struct fdtable *fdt = t->files->fdt;
	struct file **fds = fdt->fd;
	struct file *f = NULL;

	if (fd < 0 || fd >= fdt->max_fds)
		return NULL;
	bpf_core_read(&f, sizeof(f), &fds[fd]);
	return f;
}

/* Is the file of a kind an open of it is reported for (a device, a kernel
 * filesystem)? What an ordinary open costs: the reads to say no. */
static __always_inline int file_is_sensitive(struct file *f)
{
	struct inode *inode = BPF_CORE_READ(f, f_inode);

	return object_kind(inode, BPF_CORE_READ(inode, i_mode),
			   BPF_CORE_READ(inode, i_sb, s_magic)) != PW_OBJ_UNKNOWN;
}

#define FLAGS_IN_OPEN_HOW -1 /* openat2: flags are in the user's struct open_how (arg 3) */

/* Common exit path of the open syscalls. path_arg/flags_arg: which argument
 * holds the path and the flags (0: none). */
static __always_inline int on_open_exit_as(struct trace_event_raw_sys_exit *ctx, int path_arg,
					   int flags_arg, __u32 fixed_flags, int refusals_only)
{
	struct task_struct *t = bpf_get_current_task_btf();
	__u64 cgid = pw_task_cgroup_id(t);
	long ret = ctx->ret;
	__u32 open_flags = fixed_flags;
	struct file *f = NULL;

	if (!pw_task_is_watched(pw_task_state_of(t, 1), cgid))
		return 0;
	/* An ordinary file ends here, before its flags are read. */
	if (ret >= 0) {
		if (refusals_only)
			return 0;
		f = fd_file(t, ret);
		if (!f || !file_is_sensitive(f))
			return 0;
	} else if (!refused(ret)) {
		return 0;
	}
	if (flags_arg == FLAGS_IN_OPEN_HOW) {
		struct open_how *how = (struct open_how *)pw_syscall_arg(3);
		__u64 f64 = 0;

		bpf_probe_read_user(&f64, sizeof(f64), &how->flags);
		open_flags = f64;
	} else if (flags_arg) {
		open_flags = pw_syscall_arg(flags_arg);
	}
	if (f)
		emit_file(f, cgid, ret, open_flags, ctx->id, 0, PW_OPEN_VIA_OPEN, file_access(f),
			  0);
	else
		emit_refused(cgid, ret, path_arg ? (const char *)pw_syscall_arg(path_arg) : NULL,
			     open_flags, ctx->id);
	return 0;
}

static __always_inline int on_open_exit(struct trace_event_raw_sys_exit *ctx, int path_arg,
					int flags_arg, __u32 fixed_flags)
{
	return on_open_exit_as(ctx, path_arg, flags_arg, fixed_flags, 0);
}

SEC("tp/syscalls/sys_exit_openat")
int open_tp_openat(struct trace_event_raw_sys_exit *ctx)
{
	if (pw_floor)
		return 0;
	return on_open_exit(ctx, 2, 3, 0);
}

SEC("tp/syscalls/sys_exit_open")
int open_tp_open(struct trace_event_raw_sys_exit *ctx)
{
	if (pw_floor)
		return 0;
	return on_open_exit(ctx, 1, 2, 0);
}

SEC("tp/syscalls/sys_exit_creat")
int open_tp_creat(struct trace_event_raw_sys_exit *ctx)
{
	if (pw_floor)
		return 0;
	return on_open_exit(ctx, 1, 0, O_CREAT | O_WRONLY | O_TRUNC);
}

SEC("tp/syscalls/sys_exit_open_by_handle_at")
int open_tp_open_by_handle_at(struct trace_event_raw_sys_exit *ctx)
{
	if (pw_floor)
		return 0;
	return on_open_exit(ctx, 0, 3, 0);
}

SEC("tp/syscalls/sys_exit_openat2")
int open_tp_openat2(struct trace_event_raw_sys_exit *ctx)
{
	if (pw_floor)
		return 0;
	return on_open_exit(ctx, 2, FLAGS_IN_OPEN_HOW, 0);
}

SEC("lsm/file_open")
int BPF_PROG(open_lsm_file_open, struct file *file, int ret)
{
	if (pw_floor)
		return ret;
	struct inode *inode = file->f_inode;
	__u64 cgid;

	/* An ordinary file ends at its kind: direct loads (the hook's
	 * arguments are BTF-typed), before the watched test. */
	if (ret || object_kind(inode, inode->i_mode, inode->i_sb->s_magic) == PW_OBJ_UNKNOWN)
		return ret;
	cgid = pw_current_cgroup_id();
	if (pw_cgroup_is_watched(cgid))
		emit_file(file, cgid, 0, BPF_CORE_READ(file, f_flags), 0, PW_F_PRE_CHECK,
			  PW_OPEN_VIA_OPEN, file_access(file), in_native_open_syscall());
	return ret;
}

/*
 * A sensitive file used through an fd, whatever made the fd: inherited,
 * opened before the task was watched (or before the agent started),
 * received. Ordinary I/O returns at the kind test: the file is not a
 * device or on a kernel filesystem. The watched test comes after it, so a
 * regular file costs the task nothing more.
 */
static __always_inline void on_file_use(struct file *file, __u32 via, __u32 f_mode)
{
	struct inode *inode = BPF_CORE_READ(file, f_inode);
	__u64 cgid;

	if (object_kind(inode, BPF_CORE_READ(inode, i_mode), BPF_CORE_READ(inode, i_sb, s_magic)) ==
	    PW_OBJ_UNKNOWN)
		return;
	cgid = pw_current_cgroup_id();
	if (!pw_cgroup_is_watched(cgid))
		return;
	emit_file(file, cgid, 0, BPF_CORE_READ(file, f_flags), 0, PW_F_PRE_CHECK, via, f_mode, 0);
}

/*
 * lsm/file_permission: every read and write (rw_verify_area), io_uring's
 * included; writes only. A syscall tracepoint would see write(2) and its
 * siblings but not io_uring, and would have to look up the fd on every
 * write of every watched task.
 */
/*
 * Tracepoint mode's one way to see an fd taken from another process: the
 * exit of pidfd_getfd(2) (a process with the host's pid namespace and
 * CAP_SYS_PTRACE taking a host daemon's descriptor). A rare syscall: its
 * exit costs nothing to anyone else. The fd it returns is reported as
 * received when its file is sensitive, with its access; the writes through
 * it are not seen in this mode (the LSM variant's file_permission does).
 * Fds received over SCM_RIGHTS stay unseen here: recvmsg is too hot a path
 * to parse every message's control data.
 */
SEC("tp/syscalls/sys_exit_pidfd_getfd")
int open_tp_pidfd_getfd(struct trace_event_raw_sys_exit *ctx)
{
	if (pw_floor)
		return 0;
	struct task_struct *t = bpf_get_current_task_btf();
	__u64 cgid = pw_task_cgroup_id(t);
	long ret = ctx->ret;
	struct file *f;

	if (ret < 0 || !pw_task_is_watched(pw_task_state_of(t, 1), cgid))
		return 0;
	f = fd_file(t, ret);
	if (f && file_is_sensitive(f))
		emit_file(f, cgid, ret, BPF_CORE_READ(f, f_flags), ctx->id, 0, PW_OPEN_VIA_RECV,
			  file_access(f), 0);
	return 0;
}

SEC("lsm/file_permission")
int BPF_PROG(open_lsm_file_permission, struct file *file, int mask, int ret)
{
	if (pw_floor)
		return ret;
	if (ret || !(mask & MAY_WRITE))
		return ret;
	on_file_use(file, PW_OPEN_VIA_WRITE, FMODE_WRITE);
	return ret;
}

/*
 * lsm/mmap_file: a mapping of a file (anonymous ones have none). Writing
 * through a shared writable mapping makes no write call at all: the
 * mapping is the write. A device mapped (/dev/mem, a GPU, a frame buffer)
 * is the device's memory in the process.
 */
SEC("lsm/mmap_file")
int BPF_PROG(open_lsm_mmap_file, struct file *file, unsigned long reqprot, unsigned long prot,
	     unsigned long flags, int ret)
{
	__u32 f_mode = 0;
	__u32 type = flags & MAP_TYPE;

	if (pw_floor)
		return ret;
	if (ret || !file)
		return ret;
	if (prot & PROT_READ)
		f_mode |= FMODE_READ;
	if ((prot & PROT_WRITE) && (type == MAP_SHARED || type == MAP_SHARED_VALIDATE))
		f_mode |= FMODE_WRITE;
	on_file_use(file, PW_OPEN_VIA_MMAP, f_mode);
	return ret;
}

/*
 * lsm/file_receive: an fd installed from another process's file
 * (SCM_RIGHTS, pidfd_getfd, seccomp's addfd), in the receiver. Its access
 * is the file's: received with write access, it stands for its writes.
 */
SEC("lsm/file_receive")
int BPF_PROG(open_lsm_file_receive, struct file *file, int ret)
{
	if (pw_floor)
		return ret;
	if (ret)
		return ret;
	on_file_use(file, PW_OPEN_VIA_RECV, file_access(file));
	return ret;
}

/*
 * The open syscalls' exits in LSM mode (the files concern's LSM variant):
 * complete the record lsm/file_open left pending with the outcome; with
 * none pending, report what the hook cannot see, an open the kernel
 * refused before it (permissions, a read-only mount: EACCES, EROFS...).
 * A successful open with nothing pending was not a sensitive file, or a
 * repeat the hook folded.
 */
static __always_inline int on_open_exit_paired(struct trace_event_raw_sys_exit *ctx, int path_arg,
					       int flags_arg, __u32 fixed_flags)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct pw_open_event *p = bpf_task_storage_get(&pending_open, t, 0, 0);

	if (p && p->hdr.type == PW_EVENT_OPEN) {
		p->ret = ctx->ret;
		p->syscall_nr = ctx->id;
		p->hdr.flags &= ~PW_F_PRE_CHECK;
		pending_send(p);
		bpf_task_storage_delete(&pending_open, t);
		return 0;
	}
	/* refusals only: a file the hook did not keep is not to report */
	return on_open_exit_as(ctx, path_arg, flags_arg, fixed_flags, 1);
}

SEC("tp/syscalls/sys_exit_openat")
int open_pair_openat(struct trace_event_raw_sys_exit *ctx)
{
	if (pw_floor)
		return 0;
	return on_open_exit_paired(ctx, 2, 3, 0);
}

SEC("tp/syscalls/sys_exit_open")
int open_pair_open(struct trace_event_raw_sys_exit *ctx)
{
	if (pw_floor)
		return 0;
	return on_open_exit_paired(ctx, 1, 2, 0);
}

SEC("tp/syscalls/sys_exit_creat")
int open_pair_creat(struct trace_event_raw_sys_exit *ctx)
{
	if (pw_floor)
		return 0;
	return on_open_exit_paired(ctx, 1, 0, O_CREAT | O_WRONLY | O_TRUNC);
}

SEC("tp/syscalls/sys_exit_open_by_handle_at")
int open_pair_open_by_handle_at(struct trace_event_raw_sys_exit *ctx)
{
	if (pw_floor)
		return 0;
	return on_open_exit_paired(ctx, 0, 3, 0);
}

SEC("tp/syscalls/sys_exit_openat2")
int open_pair_openat2(struct trace_event_raw_sys_exit *ctx)
{
	if (pw_floor)
		return 0;
	return on_open_exit_paired(ctx, 2, FLAGS_IN_OPEN_HOW, 0);
}
