// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Mounts: every way a task can change a mount table, and whether the kernel
 * let it.
 *
 * Two variants; the agent loads one (agent/kernel/feature_probe.c):
 *  - tp/syscalls/sys_exit_<call>, one program per mount-family syscall.
 *    Exit, not enter: a call that a container's seccomp filter refuses
 *    never reaches sys_enter, but sys_exit still fires with its errno, and
 *    the result is known. The arguments are read from the task's saved
 *    user registers (pw_syscall_arg), which sys_exit still has.
 *    Blind spot: on x86 these tracepoints skip compat syscalls
 *    (ARCH_TRACE_IGNORE_COMPAT_SYSCALLS); an ia32 mount(2) made with
 *    int 0x80 from a watched task was measured to produce no event.
 *  - lsm/sb_mount, move_mount, sb_umount, sb_pivotroot: the kernel's own
 *    view (resolved paths, copied strings), but only before the action and
 *    only for calls that got past seccomp; fsopen, fsconfig, fsmount,
 *    open_tree and mount_setattr have no hook of their own. So this
 *    variant attaches the syscall exits too (mount_pair_*): they complete
 *    the hooks' records with the result, report calls refused before the
 *    hooks, and the new mount API (below, mount_lsm_begin_paired).
 * Both only observe.
 */
#include "path.bpf.h"

/* Reserve a mount record with its body cleared: ring buffer memory holds
 * older records, and string reads stop at their NUL. */
static __always_inline struct pw_mount_event *mount_reserve(__u16 op, __u64 cgid)
{
	struct pw_mount_event *e = pw_reserve(PW_EVENT_MOUNT, sizeof(*e), cgid);

	if (!e)
		return NULL;
	/* Records are 8-aligned: say so, or clang clears byte by byte. */
	__builtin_memset(__builtin_assume_aligned((char *)e + sizeof(e->hdr), 8), 0,
			 sizeof(*e) - sizeof(e->hdr));
	e->op = op;
	e->fd = -1; /* the call takes no fd: 0 would read as stdin */
	return e;
}

/* A user string into a field. One that fills the field may have been cut;
 * on a fault the helper clears the field. Returns the helper's result. */
static __always_inline long user_str(struct pw_mount_event *e, char *dst, __u32 size,
				     unsigned long uptr)
{
	long n = bpf_probe_read_user_str(dst, size, (const void *)uptr);

	if (n == size)
		e->hdr.flags |= PW_F_TRUNCATED;
	return n;
}

static __always_inline void kernel_str(struct pw_mount_event *e, char *dst, __u32 size,
				       const char *kptr)
{
	if (bpf_probe_read_kernel_str(dst, size, kptr) == size)
		e->hdr.flags |= PW_F_TRUNCATED;
}

/* fsconfig: source is the key, or "key=value" when the value is a string
 * (FSCONFIG_SET_STRING), so `source=/dev/sda1` reads as it would in mount. */
static __always_inline void fsconfig_source(struct pw_mount_event *e, unsigned long key,
					    unsigned long value)
{
	long n = user_str(e, e->source, sizeof(e->source), key);
	__u32 eq;

	if (e->aux != FSCONFIG_SET_STRING || n <= 0 || n >= sizeof(e->source))
		return;
	/* The mask bounds the offset for the verifier; n < PW_MOUNT_STR, a
	 * power of two, so it changes nothing. The key's NUL becomes '='. */
	eq = (n - 1) & (PW_MOUNT_STR - 1);
	e->source[eq] = '=';
	user_str(e, e->source + eq + 1, PW_MOUNT_STR - 1 - eq, value);
}

/* Resolve a struct path into the record's resolved field. */
static __always_inline void resolve(struct pw_mount_event *e, const struct path *p, __u32 kind)
{
	int truncated = 0;

	e->resolved_len = pw_resolve_short(p, 0, e->resolved, &e->resolved_depth, &truncated);
	e->resolved_kind = kind;
	if (truncated)
		e->hdr.flags |= PW_F_TRUNCATED;
}

/* A target the caller gave relative to its working directory (chdir /proc;
 * umount2("keys")): the kernel resolved it from there, so the record says
 * where that is. dfd-relative calls (*at) are taken from the cwd too. */
static __always_inline void relative_target(struct pw_mount_event *e)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct path pwd;

	if (!e->target[0] || e->target[0] == '/')
		return;
	if (bpf_core_read(&pwd, sizeof(pwd), &task->fs->pwd))
		return;
	resolve(e, &pwd, PW_MOUNT_RESOLVED_CWD);
}

/*
 * The tracepoint variant's one filler: op is a constant in each caller, so
 * the switch folds away and each program keeps only its own case. Integer
 * arguments declared int or unsigned int are cut to 32 bits as the kernel's
 * syscall wrappers do: the upper half of the register is whatever the
 * caller left there.
 */
static __always_inline int mount_exit_with(__u16 op, long ret, const struct pw_mount_event *p)
{
	__u64 cgid = pw_current_cgroup_id();
	struct pw_mount_event *e;
	__u64 attr_set = 0;

	if (!p && !pw_cgroup_is_watched(cgid))
		return 0;
	e = mount_reserve(op, cgid);
	if (!e)
		return 0;
	e->ret = ret;

	switch (op) {
	case PW_MOUNT_MOUNT: /* mount(dev_name, dir_name, type, flags, data) */
		user_str(e, e->source, sizeof(e->source), pw_syscall_arg(1));
		user_str(e, e->target, sizeof(e->target), pw_syscall_arg(2));
		user_str(e, e->fstype, sizeof(e->fstype), pw_syscall_arg(3));
		e->flags = pw_syscall_arg(4);
		break;
	case PW_MOUNT_UMOUNT: /* umount2(target, int flags) */
		user_str(e, e->target, sizeof(e->target), pw_syscall_arg(1));
		e->flags = (__u32)pw_syscall_arg(2);
		break;
	case PW_MOUNT_FSOPEN: /* fsopen(fs_name, flags) */
		user_str(e, e->fstype, sizeof(e->fstype), pw_syscall_arg(1));
		e->flags = (__u32)pw_syscall_arg(2);
		break;
	case PW_MOUNT_FSCONFIG: /* fsconfig(fd, cmd, key, value, aux) */
		e->fd = pw_syscall_arg(1);
		e->aux = pw_syscall_arg(2);
		fsconfig_source(e, pw_syscall_arg(3), pw_syscall_arg(4));
		break;
	case PW_MOUNT_FSMOUNT: /* fsmount(fs_fd, flags, attr_flags) */
		e->fd = pw_syscall_arg(1);
		e->flags = (__u32)pw_syscall_arg(2);
		e->aux = pw_syscall_arg(3);
		break;
	case PW_MOUNT_MOVE_MOUNT: /* move_mount(from_dfd, from_path, to_dfd, to_path, flags) */
		e->fd = pw_syscall_arg(1);
		user_str(e, e->source, sizeof(e->source), pw_syscall_arg(2));
		user_str(e, e->target, sizeof(e->target), pw_syscall_arg(4));
		e->flags = (__u32)pw_syscall_arg(5);
		break;
	case PW_MOUNT_OPEN_TREE: /* open_tree(dfd, filename, flags) */
		e->fd = pw_syscall_arg(1);
		user_str(e, e->source, sizeof(e->source), pw_syscall_arg(2));
		e->flags = (__u32)pw_syscall_arg(3);
		break;
	case PW_MOUNT_SETATTR: /* mount_setattr(dfd, path, flags, uattr, usize) */
		e->fd = pw_syscall_arg(1);
		user_str(e, e->target, sizeof(e->target), pw_syscall_arg(2));
		e->flags = (__u32)pw_syscall_arg(3);
		/* attr_set is the first member of every struct mount_attr
		 * version; MOUNT_ATTR_* all fit in 32 bits. */
		bpf_probe_read_user(&attr_set, sizeof(attr_set), (void *)pw_syscall_arg(4));
		e->aux = attr_set;
		break;
	case PW_MOUNT_PIVOT_ROOT: /* pivot_root(new_root, put_old) */
		user_str(e, e->target, sizeof(e->target), pw_syscall_arg(1));
		user_str(e, e->source, sizeof(e->source), pw_syscall_arg(2));
		break;
	}
	if (p && p->resolved_kind == PW_MOUNT_RESOLVED_TARGET) {
		/* the target as the LSM hook had it: absolute, whatever the
		 * caller wrote */
		bpf_probe_read_kernel(e->resolved, sizeof(e->resolved), p->resolved);
		e->resolved_len = p->resolved_len;
		e->resolved_depth = p->resolved_depth;
		e->resolved_kind = PW_MOUNT_RESOLVED_TARGET;
		e->hdr.flags |= p->hdr.flags & PW_F_TRUNCATED;
	} else {
		relative_target(e);
	}
	pw_submit(e);
	return 0;
}

static __always_inline int mount_exit(__u16 op, long ret)
{
	return mount_exit_with(op, ret, NULL);
}

SEC("tp/syscalls/sys_exit_mount")
int mount_tp_mount(struct trace_event_raw_sys_exit *ctx)
{
	if (pw_floor)
		return 0;
	return mount_exit(PW_MOUNT_MOUNT, ctx->ret);
}

/* umount2(2): the kernel's syscall is named umount. */
SEC("tp/syscalls/sys_exit_umount")
int mount_tp_umount(struct trace_event_raw_sys_exit *ctx)
{
	if (pw_floor)
		return 0;
	return mount_exit(PW_MOUNT_UMOUNT, ctx->ret);
}

SEC("tp/syscalls/sys_exit_fsopen")
int mount_tp_fsopen(struct trace_event_raw_sys_exit *ctx)
{
	if (pw_floor)
		return 0;
	return mount_exit(PW_MOUNT_FSOPEN, ctx->ret);
}

SEC("tp/syscalls/sys_exit_fsconfig")
int mount_tp_fsconfig(struct trace_event_raw_sys_exit *ctx)
{
	if (pw_floor)
		return 0;
	return mount_exit(PW_MOUNT_FSCONFIG, ctx->ret);
}

SEC("tp/syscalls/sys_exit_fsmount")
int mount_tp_fsmount(struct trace_event_raw_sys_exit *ctx)
{
	if (pw_floor)
		return 0;
	return mount_exit(PW_MOUNT_FSMOUNT, ctx->ret);
}

SEC("tp/syscalls/sys_exit_move_mount")
int mount_tp_move_mount(struct trace_event_raw_sys_exit *ctx)
{
	if (pw_floor)
		return 0;
	return mount_exit(PW_MOUNT_MOVE_MOUNT, ctx->ret);
}

SEC("tp/syscalls/sys_exit_open_tree")
int mount_tp_open_tree(struct trace_event_raw_sys_exit *ctx)
{
	if (pw_floor)
		return 0;
	return mount_exit(PW_MOUNT_OPEN_TREE, ctx->ret);
}

SEC("tp/syscalls/sys_exit_mount_setattr")
int mount_tp_mount_setattr(struct trace_event_raw_sys_exit *ctx)
{
	if (pw_floor)
		return 0;
	return mount_exit(PW_MOUNT_SETATTR, ctx->ret);
}

SEC("tp/syscalls/sys_exit_pivot_root")
int mount_tp_pivot_root(struct trace_event_raw_sys_exit *ctx)
{
	if (pw_floor)
		return 0;
	return mount_exit(PW_MOUNT_PIVOT_ROOT, ctx->ret);
}

/*
 * The LSM variant: filter and reserve here, each hook fills its own fields.
 * Strings are the kernel's copies. A struct path is reported by its
 * dentry's own name in target and resolved in full (bpf/path.bpf.h).
 */
/*
 * LSM and syscall exit together, one record per call, as for opens
 * (bpf/open.bpf.c): a hook inside the native syscall that has an exit
 * program in this variant (mount, umount2, move_mount, pivot_root) leaves
 * its record in the task's pending_mount storage instead of the ring; the
 * exit makes the record from the caller's arguments and result as in
 * tracepoint mode, with the hook's absolute target (a struct path the
 * kernel resolved) in resolved. A hook outside them (a 32-bit call) sends
 * at once, a pre_check; a record still pending at the task's next hook
 * (its exit never came) is sent then, a pre_check too. mount(MS_MOVE)
 * calls sb_mount and then move_mount: one record, the first hook's.
 */
static __always_inline int paired_syscall(__u16 op)
{
	long nr = pw_native_syscall_nr();

	switch (op) {
	case PW_MOUNT_MOUNT: return nr == NR_mount;
	case PW_MOUNT_UMOUNT: return nr == NR_umount2;
	case PW_MOUNT_MOVE_MOUNT: return nr == NR_move_mount || nr == NR_mount;
	case PW_MOUNT_PIVOT_ROOT: return nr == NR_pivot_root;
	}
	return 0;
}

static __always_inline void mount_pending_send(struct pw_mount_event *p)
{
	struct pw_mount_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e) {
		pw_count(PW_EVENT_MOUNT, PW_DROP_RINGBUF_FULL);
		return;
	}
	bpf_probe_read_kernel(e, sizeof(*e), p);
	pw_submit(e);
}

/* The record a hook fills: the task's pending one (*pending set) or one
 * reserved in the ring. NULL: nothing to send. */
static __always_inline struct pw_mount_event *mount_lsm_begin_paired(__u16 op, int ret, __u64 flags,
								     int *pending)
{
	__u64 cgid = pw_current_cgroup_id();
	struct pw_mount_event *e = NULL;

	*pending = 0;
	if (!pw_cgroup_is_watched(cgid))
		return NULL;
	if (paired_syscall(op))
		e = bpf_task_storage_get(&pending_mount, bpf_get_current_task_btf(), 0,
					 BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (e) {
		if (e->hdr.type == PW_EVENT_MOUNT) {
			if (op == PW_MOUNT_MOVE_MOUNT && pw_native_syscall_nr() == NR_mount)
				return NULL; /* mount(MS_MOVE): sb_mount's record */
			mount_pending_send(e);
		}
		e->hdr.type = PW_EVENT_NONE;
		if (!pw_budget_ok(PW_EVENT_MOUNT, cgid, pw_current_task_state(0)))
			return NULL;
		__builtin_memset(e, 0, sizeof(*e));
		pw_fill_header(&e->hdr, PW_EVENT_MOUNT, sizeof(*e), cgid, pw_current_task_state(0));
		e->op = op;
		e->fd = -1;
		*pending = 1;
	} else {
		e = mount_reserve(op, cgid);
		if (!e)
			return NULL;
	}
	e->hdr.flags |= PW_F_PRE_CHECK;
	e->ret = ret;
	e->flags = flags;
	return e;
}

static __always_inline void mount_lsm_end(struct pw_mount_event *e, int pending)
{
	if (!pending)
		pw_submit(e);
}

/* The exit of a paired syscall: complete the pending record (or, with none,
 * report the call as tracepoint mode does: refused before the hook). */
static __always_inline int mount_exit_paired(__u16 op, long ret)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct pw_mount_event *p = bpf_task_storage_get(&pending_mount, t, 0, 0);

	if (p && p->hdr.type == PW_EVENT_MOUNT) {
		mount_exit_with(op, ret, p);
		bpf_task_storage_delete(&pending_mount, t);
		return 0;
	}
	return mount_exit(op, ret);
}

static __always_inline void dentry_name(struct pw_mount_event *e, char *dst, __u32 size,
					const struct dentry *d)
{
	kernel_str(e, dst, size, (const char *)BPF_CORE_READ(d, d_name.name));
}

SEC("lsm/sb_mount")
int BPF_PROG(mount_lsm_sb_mount, const char *dev_name, const struct path *path, const char *type,
	     unsigned long flags, void *data, int ret)
{
	if (pw_floor)
		return ret;
	int pending;
	struct pw_mount_event *e = mount_lsm_begin_paired(PW_MOUNT_MOUNT, ret, flags, &pending);

	if (e) {
		/* dev_name and type are NULL for some calls (remount, bind):
		 * the failed read leaves the field empty. */
		kernel_str(e, e->source, sizeof(e->source), dev_name);
		kernel_str(e, e->fstype, sizeof(e->fstype), type);
		dentry_name(e, e->target, sizeof(e->target), BPF_CORE_READ(path, dentry));
		resolve(e, path, PW_MOUNT_RESOLVED_TARGET);
		mount_lsm_end(e, pending);
	}
	/* Observe only: hand back the verdict of the programs before us. */
	return ret;
}

/* Called for move_mount(2) and for mount(MS_MOVE) alike. */
SEC("lsm/move_mount")
int BPF_PROG(mount_lsm_move_mount, const struct path *from_path, const struct path *to_path,
	     int ret)
{
	if (pw_floor)
		return ret;
	int pending;
	struct pw_mount_event *e = mount_lsm_begin_paired(PW_MOUNT_MOVE_MOUNT, ret, 0, &pending);

	if (e) {
		dentry_name(e, e->source, sizeof(e->source), BPF_CORE_READ(from_path, dentry));
		dentry_name(e, e->target, sizeof(e->target), BPF_CORE_READ(to_path, dentry));
		resolve(e, to_path, PW_MOUNT_RESOLVED_TARGET);
		mount_lsm_end(e, pending);
	}
	return ret;
}

SEC("lsm/sb_umount")
int BPF_PROG(mount_lsm_sb_umount, struct vfsmount *mnt, int flags, int ret)
{
	if (pw_floor)
		return ret;
	int pending;
	struct pw_mount_event *e =
		mount_lsm_begin_paired(PW_MOUNT_UMOUNT, ret, (__u32)flags, &pending);
	struct path at = {};
	struct mount *m;

	if (e) {
		/* The mount point is in the vfsmount's enclosing struct mount
		 * (the kernel's real_mount()), at a relocated offset. */
		m = (void *)mnt - bpf_core_field_offset(struct mount, mnt);
		dentry_name(e, e->target, sizeof(e->target), BPF_CORE_READ(m, mnt_mountpoint));
		/* where it is mounted: its mount point in the parent mount */
		at.dentry = BPF_CORE_READ(m, mnt_mountpoint);
		at.mnt = (struct vfsmount *)((void *)BPF_CORE_READ(m, mnt_parent) +
					     bpf_core_field_offset(struct mount, mnt));
		resolve(e, &at, PW_MOUNT_RESOLVED_TARGET);
		mount_lsm_end(e, pending);
	}
	return ret;
}

SEC("lsm/sb_pivotroot")
int BPF_PROG(mount_lsm_sb_pivotroot, const struct path *old_path, const struct path *new_path,
	     int ret)
{
	if (pw_floor)
		return ret;
	int pending;
	struct pw_mount_event *e = mount_lsm_begin_paired(PW_MOUNT_PIVOT_ROOT, ret, 0, &pending);

	if (e) {
		/* old_path is put_old, new_path the new root. */
		dentry_name(e, e->source, sizeof(e->source), BPF_CORE_READ(old_path, dentry));
		dentry_name(e, e->target, sizeof(e->target), BPF_CORE_READ(new_path, dentry));
		resolve(e, new_path, PW_MOUNT_RESOLVED_TARGET);
		mount_lsm_end(e, pending);
	}
	return ret;
}

/*
 * The mount syscalls' exits in LSM mode (the mounts concern's LSM variant):
 * the four with a hook complete its record; the new mount API (fsopen,
 * fsconfig, fsmount, open_tree, mount_setattr), which has no hook of its
 * own, is reported from its exits as in tracepoint mode.
 */
SEC("tp/syscalls/sys_exit_mount")
int mount_pair_mount(struct trace_event_raw_sys_exit *ctx)
{
	if (pw_floor)
		return 0;
	return mount_exit_paired(PW_MOUNT_MOUNT, ctx->ret);
}

SEC("tp/syscalls/sys_exit_umount")
int mount_pair_umount(struct trace_event_raw_sys_exit *ctx)
{
	if (pw_floor)
		return 0;
	return mount_exit_paired(PW_MOUNT_UMOUNT, ctx->ret);
}

SEC("tp/syscalls/sys_exit_move_mount")
int mount_pair_move_mount(struct trace_event_raw_sys_exit *ctx)
{
	if (pw_floor)
		return 0;
	return mount_exit_paired(PW_MOUNT_MOVE_MOUNT, ctx->ret);
}

SEC("tp/syscalls/sys_exit_pivot_root")
int mount_pair_pivot_root(struct trace_event_raw_sys_exit *ctx)
{
	if (pw_floor)
		return 0;
	return mount_exit_paired(PW_MOUNT_PIVOT_ROOT, ctx->ret);
}

SEC("tp/syscalls/sys_exit_fsopen")
int mount_pair_fsopen(struct trace_event_raw_sys_exit *ctx)
{
	if (pw_floor)
		return 0;
	return mount_exit(PW_MOUNT_FSOPEN, ctx->ret);
}

SEC("tp/syscalls/sys_exit_fsconfig")
int mount_pair_fsconfig(struct trace_event_raw_sys_exit *ctx)
{
	if (pw_floor)
		return 0;
	return mount_exit(PW_MOUNT_FSCONFIG, ctx->ret);
}

SEC("tp/syscalls/sys_exit_fsmount")
int mount_pair_fsmount(struct trace_event_raw_sys_exit *ctx)
{
	if (pw_floor)
		return 0;
	return mount_exit(PW_MOUNT_FSMOUNT, ctx->ret);
}

SEC("tp/syscalls/sys_exit_open_tree")
int mount_pair_open_tree(struct trace_event_raw_sys_exit *ctx)
{
	if (pw_floor)
		return 0;
	return mount_exit(PW_MOUNT_OPEN_TREE, ctx->ret);
}

SEC("tp/syscalls/sys_exit_mount_setattr")
int mount_pair_mount_setattr(struct trace_event_raw_sys_exit *ctx)
{
	if (pw_floor)
		return 0;
	return mount_exit(PW_MOUNT_SETATTR, ctx->ret);
}
