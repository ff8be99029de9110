// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Raw kernel records decoded once into the view rules and alerts read. */
#include <fcntl.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include "events/capnames.h"
#include "events/event_view.h"
#include "events/nsnames.h"

static const char *const kind_names[PW_VIEW_KIND_MAX] = {
	[PW_EVENT_EXEC] = "exec",
	[PW_EVENT_CAPABILITY] = "capability",
	[PW_EVENT_MOUNT] = "mount",
	[PW_EVENT_OPEN] = "open",
	[PW_EVENT_SECCOMP] = "seccomp",
	[PW_EVENT_FORK] = "fork",
	[PW_EVENT_EXIT] = "exit",
	[PW_EVENT_CGROUP_MKDIR] = "cgroup_mkdir",
	[PW_EVENT_CGROUP_RMDIR] = "cgroup_rmdir",
	[PW_EVENT_NAMESPACE] = "namespace",
	[PW_EVENT_CGROUP_MOVE] = "cgroup_move",
	[PW_EVENT_TAMPER] = "tamper",
	[PW_VIEW_CONTAINER_START] = "container_start",
	[PW_VIEW_AGENT_HEALTH] = "agent_health",
};

const char *pw_view_kind_name(unsigned int kind)
{
	return kind < PW_VIEW_KIND_MAX && kind_names[kind] ? kind_names[kind] : "unknown";
}

int pw_view_kind_parse(const char *name)
{
	int k;

	for (k = 0; k < PW_VIEW_KIND_MAX; k++)
		if (kind_names[k] && !strcmp(kind_names[k], name))
			return k;
	return -1;
}

const char *pw_view_mode_name(enum pw_view_mode m)
{
	static const char *const names[PW_VMODE_COUNT] = {
		[PW_VMODE_DEFAULT] = "default",	      [PW_VMODE_PARTIAL] = "partial",
		[PW_VMODE_PRIVILEGED] = "privileged", [PW_VMODE_HOST] = "host",
		[PW_VMODE_UNKNOWN] = "unknown",
	};

	return (unsigned int)m < PW_VMODE_COUNT ? names[m] : "unknown";
}

const char *pw_view_result_name(enum pw_view_result r)
{
	static const char *const names[] = {
		[PW_RESULT_ALLOWED] = "allowed",
		[PW_RESULT_DENIED] = "denied",
		[PW_RESULT_PRE_CHECK] = "pre_check",
		[PW_RESULT_NONE] = "none",
	};

	return (unsigned int)r <= PW_RESULT_NONE ? names[r] : "none";
}

static const char *const object_kinds[PW_OBJ_KIND_MAX] = {
	[PW_OBJ_UNKNOWN] = "unknown",	    [PW_OBJ_CHARDEV] = "chardev",
	[PW_OBJ_BLOCKDEV] = "blockdev",	    [PW_OBJ_SYSFS] = "sysfs",
	[PW_OBJ_PROCFS] = "procfs",	    [PW_OBJ_PROC_SYS] = "proc_sys",
	[PW_OBJ_CGROUPFS] = "cgroupfs",	    [PW_OBJ_DEBUGFS] = "debugfs",
	[PW_OBJ_SECURITYFS] = "securityfs", [PW_OBJ_TRACEFS] = "tracefs",
	[PW_OBJ_BPFFS] = "bpffs",	    [PW_OBJ_BINFMT_MISC] = "binfmt_misc",
	[PW_OBJ_CONFIGFS] = "configfs",	    [PW_OBJ_EFIVARFS] = "efivarfs",
	[PW_OBJ_SELINUXFS] = "selinuxfs",   [PW_OBJ_PSTORE] = "pstore",
};

const char *pw_object_kind_name(unsigned int kind)
{
	return kind < PW_OBJ_KIND_MAX ? object_kinds[kind] : "unknown";
}

static const char *const mount_ops[] = {
	[PW_MOUNT_MOUNT] = "mount",	      [PW_MOUNT_UMOUNT] = "umount",
	[PW_MOUNT_FSOPEN] = "fsopen",	      [PW_MOUNT_FSCONFIG] = "fsconfig",
	[PW_MOUNT_FSMOUNT] = "fsmount",	      [PW_MOUNT_MOVE_MOUNT] = "move_mount",
	[PW_MOUNT_OPEN_TREE] = "open_tree",   [PW_MOUNT_SETATTR] = "mount_setattr",
	[PW_MOUNT_PIVOT_ROOT] = "pivot_root",
};

const char *pw_mount_op_name(unsigned int op)
{
	return op < sizeof(mount_ops) / sizeof(mount_ops[0]) ? mount_ops[op] : NULL;
}

static const char *const seccomp_ops[PW_SECCOMP_OP_COUNT] = {
	[PW_SECCOMP_OP_SET_MODE_STRICT] = "set_mode_strict",
	[PW_SECCOMP_OP_SET_MODE_FILTER] = "set_mode_filter",
	[PW_SECCOMP_OP_GET_ACTION_AVAIL] = "get_action_avail",
	[PW_SECCOMP_OP_GET_NOTIF_SIZES] = "get_notif_sizes",
	[PW_SECCOMP_OP_PRCTL_STRICT] = "strict",
	[PW_SECCOMP_OP_PRCTL_FILTER] = "filter",
};

/* seccomp(2) operations 0..3 by number; prctl(PR_SET_SECCOMP) modes 1, 2. */
int pw_seccomp_op_id(uint32_t via, uint32_t op)
{
	if (via == PW_SECCOMP_VIA_SYSCALL && op <= PW_SECCOMP_OP_GET_NOTIF_SIZES)
		return (int)op;
	if (via == PW_SECCOMP_VIA_PRCTL && (op == 1 || op == 2))
		return PW_SECCOMP_OP_PRCTL_STRICT + (int)op - 1;
	return -1;
}

const char *pw_seccomp_op_id_name(int id)
{
	return id >= 0 && id < PW_SECCOMP_OP_COUNT ? seccomp_ops[id] : NULL;
}

/* The kernel sends resolved names leaf first, each NUL-terminated:
 * "core_pattern\0kernel\0sys\0" is /sys/kernel/core_pattern (as seen from
 * the process's root). */
size_t pw_path_from_components(const char *buf, size_t len, char *out, size_t size)
{
	const char *starts[64];
	size_t i = 0, n = 0, off = 0;

	if (!size)
		return 0;
	while (i < len && n < 64) {
		starts[n++] = buf + i;
		i += strnlen(buf + i, len - i) + 1;
	}
	if (!n && size > 1)
		out[off++] = '/';
	while (n-- > 0) {
		size_t l = strnlen(starts[n], buf + len - starts[n]);

		if (off + 1 + l >= size)
			break;
		out[off++] = '/';
		memcpy(out + off, starts[n], l);
		off += l;
	}
	out[off] = '\0';
	return off;
}

/* A bounded record string as a terminated copy. */
static const char *copy_bounded(char *dst, size_t dst_size, const char *src, size_t src_size)
{
	size_t n = strnlen(src, src_size);

	if (n >= dst_size)
		n = dst_size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
	return dst;
}

static size_t min_len(size_t a, size_t b)
{
	return a < b ? a : b;
}

static const char *basename_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* |ret| as an errno; a kernel program's garbage (INT32_MIN) stays positive. */
static int32_t err_of(int32_t ret)
{
	if (ret == INT32_MIN)
		return INT32_MAX;
	return ret < 0 ? -ret : ret;
}

/* As event_json.c's write_result: an LSM hook's ret is not the outcome. */
static void set_result(struct pw_view *v, int32_t ret)
{
	if (v->flags & PW_F_PRE_CHECK)
		v->result = PW_RESULT_PRE_CHECK;
	else
		v->result = ret >= 0 ? PW_RESULT_ALLOWED : PW_RESULT_DENIED;
	v->err = ret < 0 ? err_of(ret) : 0;
}

static void view_exec(struct pw_view *v, const struct pw_exec_event *e)
{
	v->path = copy_bounded(v->path_buf, sizeof(v->path_buf), e->filename, sizeof(e->filename));
	v->basename = basename_of(v->path);
	v->proc.exe = v->path;
	v->proc.ppid = e->ppid;
	v->proc.args = e->args;
	v->proc.args_len = e->args_len < sizeof(e->args) ? e->args_len : sizeof(e->args);
}

static void view_capability(struct pw_view *v, const struct pw_capability_event *e)
{
	const char *name = pw_cap_name(e->cap);

	v->cap = e->cap;
	v->cap_name = name ? name : "";
	/* As event_json.c: only 0 is allowed (no pre_check for capabilities). */
	v->result = e->ret == 0 ? PW_RESULT_ALLOWED : PW_RESULT_DENIED;
	v->err = err_of(e->ret);
	v->userns_level = e->ns_level;
}

/* path: the destination cgroup's name (the leaf: the kernel gives no more) */
static void view_cgroup_move(struct pw_view *v, const struct pw_cgroup_move_event *e)
{
	v->path = v->basename =
		copy_bounded(v->path_buf, sizeof(v->path_buf), e->path, sizeof(e->path));
	v->result = PW_RESULT_ALLOWED;
}

/* path: what was reached for, "bpf map 12" or "signal 15" */
static void view_tamper(struct pw_view *v, const struct pw_tamper_event *e)
{
	static const char *const objs[] = { [13] = "prog", [14] = "map", [30] = "link" };
	const char *obj =
		e->arg < sizeof(objs) / sizeof(objs[0]) && objs[e->arg] ? objs[e->arg] : "?";

	if (e->op == PW_TAMPER_SIGNAL) {
		snprintf(v->path_buf, sizeof(v->path_buf), "signal %u", e->arg);
		v->result = PW_RESULT_ALLOWED;
	} else if (e->op == PW_TAMPER_PTRACE) {
		snprintf(v->path_buf, sizeof(v->path_buf), "ptrace %u", e->id);
		v->result = PW_RESULT_ALLOWED;
	} else {
		snprintf(v->path_buf, sizeof(v->path_buf), "bpf %s %u", obj, e->id);
		set_result(v, e->ret);
	}
	v->path = v->basename = v->path_buf;
}

static void view_namespace(struct pw_view *v, const struct pw_namespace_event *e)
{
	set_result(v, e->ret);
	v->ns_op = e->op;
	v->ns_op_name = pw_ns_op_name(e->op);
	v->ns_flags = e->flags;
}

/* Where each kernel filesystem is mounted on a standard host. */
static const char *fs_mount_point(unsigned int kind)
{
	switch (kind) {
	case PW_OBJ_SYSFS: return "/sys";
	case PW_OBJ_PROCFS:
	case PW_OBJ_PROC_SYS: return "/proc";
	case PW_OBJ_CGROUPFS: return "/sys/fs/cgroup";
	case PW_OBJ_DEBUGFS: return "/sys/kernel/debug";
	case PW_OBJ_SECURITYFS: return "/sys/kernel/security";
	case PW_OBJ_TRACEFS: return "/sys/kernel/tracing";
	case PW_OBJ_BPFFS: return "/sys/fs/bpf";
	case PW_OBJ_BINFMT_MISC: return "/proc/sys/fs/binfmt_misc";
	case PW_OBJ_CONFIGFS: return "/sys/kernel/config";
	case PW_OBJ_EFIVARFS: return "/sys/firmware/efi/efivars";
	case PW_OBJ_SELINUXFS: return "/sys/fs/selinux";
	case PW_OBJ_PSTORE: return "/sys/fs/pstore";
	}
	return NULL;
}

const char *pw_open_via_name(unsigned int via)
{
	static const char *const names[PW_OPEN_VIA_MAX] = {
		[PW_OPEN_VIA_OPEN] = "open",
		[PW_OPEN_VIA_WRITE] = "write",
		[PW_OPEN_VIA_MMAP] = "mmap",
		[PW_OPEN_VIA_RECV] = "received",
	};

	return via < PW_OPEN_VIA_MAX ? names[via] : NULL;
}

static void view_fs_path(struct pw_view *v, const struct pw_open_event *e)
{
	size_t len = e->fs_path_len < sizeof(e->fs_path) ? e->fs_path_len : sizeof(e->fs_path);
	const char *mnt = fs_mount_point(e->kind);
	size_t n;

	v->fs_path = "";
	if (!len || !mnt)
		return;
	n = snprintf(v->fs_path_buf, sizeof(v->fs_path_buf), "%s", mnt);
	pw_path_from_components(e->fs_path, len, v->fs_path_buf + n, sizeof(v->fs_path_buf) - n);
	v->fs_path = v->fs_path_buf;
}

static void view_open(struct pw_view *v, const struct pw_open_event *e)
{
	size_t len = e->path_len < sizeof(e->path) ? e->path_len : sizeof(e->path);
	uint32_t acc = e->f_mode ? e->f_mode : (e->open_flags & O_ACCMODE) + 1;

	set_result(v, e->ret);
	if (e->path_format == PW_OPEN_PATH_COMPONENTS)
		pw_path_from_components(e->path, len, v->path_buf, sizeof(v->path_buf));
	else
		copy_bounded(v->path_buf, sizeof(v->path_buf), e->path, len);
	v->path = v->path_buf;
	v->basename = basename_of(v->path);
	v->object = e->kind < PW_OBJ_KIND_MAX ? e->kind : PW_OBJ_UNKNOWN;
	v->dev_major = e->dev_major;
	v->dev_minor = e->dev_minor;
	/* FMODE_READ and FMODE_WRITE are PW_ACCESS_READ and PW_ACCESS_WRITE. */
	v->access = acc & (PW_ACCESS_READ | PW_ACCESS_WRITE);
	v->open_flags = e->open_flags;
	v->via = e->via < PW_OPEN_VIA_MAX ? e->via : PW_OPEN_VIA_OPEN;
	view_fs_path(v, e);
}

const char *pw_mount_kind_name(unsigned int k)
{
	static const char *const names[PW_MOUNT_KIND_COUNT] = {
		[PW_MOUNT_KIND_NEW] = "new",
		[PW_MOUNT_KIND_BIND] = "bind",
		[PW_MOUNT_KIND_MOVE] = "move",
		[PW_MOUNT_KIND_REMOUNT] = "remount",
		[PW_MOUNT_KIND_PROPAGATION] = "propagation",
	};

	return k < PW_MOUNT_KIND_COUNT ? names[k] : NULL;
}

/* The order mount(2) itself tests the flags in (fs/namespace.c path_mount). */
static unsigned int mount_kind(uint64_t flags)
{
	if (flags & 0x20) /* MS_REMOUNT */
		return PW_MOUNT_KIND_REMOUNT;
	if (flags & 0x1000) /* MS_BIND */
		return PW_MOUNT_KIND_BIND;
	if (flags & 0x1f0000 & ~0x10000) /* MS_SHARED|MS_SLAVE|MS_PRIVATE|MS_UNBINDABLE */
		return PW_MOUNT_KIND_PROPAGATION;
	if (flags & 0x2000) /* MS_MOVE */
		return PW_MOUNT_KIND_MOVE;
	return PW_MOUNT_KIND_NEW;
}

/*
 * base + "/" + rel, lexically normalised ("." dropped, ".." up one): where a
 * relative mount target is, from the cwd the kernel resolved. Symlinks in
 * rel are not followed: the LSM variant's own struct path has no such gap.
 */
static void join_normalised(const char *base, const char *rel, char *out, size_t size)
{
	char tmp[PW_VIEW_PATH_MAX * 2], *tok, *save = NULL;
	size_t len = 0, n;

	snprintf(tmp, sizeof(tmp), "%s/%s", base, rel);
	out[0] = '\0';
	for (tok = strtok_r(tmp, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
		if (!strcmp(tok, "."))
			continue;
		if (!strcmp(tok, "..")) {
			while (len > 0 && out[len - 1] != '/')
				len--;
			if (len > 0)
				len--;
			out[len] = '\0';
			continue;
		}
		n = strlen(tok);
		if (len + 1 + n >= size)
			break;
		out[len++] = '/';
		memcpy(out + len, tok, n + 1);
		len += n;
	}
	if (!len && size > 1)
		snprintf(out, size, "/");
}

static void view_mount(struct pw_view *v, const struct pw_mount_event *e)
{
	const char *op = pw_mount_op_name(e->op);

	set_result(v, e->ret);
	v->mount_op = op ? e->op : 0;
	v->mount_op_name = op ? op : "unknown";
	v->mount_flags = e->flags;
	if (e->op == PW_MOUNT_MOUNT)
		v->mount_kind = mount_kind(e->flags);
	v->fstype =
		copy_bounded(v->fstype_buf, sizeof(v->fstype_buf), e->fstype, sizeof(e->fstype));
	v->source =
		copy_bounded(v->source_buf, sizeof(v->source_buf), e->source, sizeof(e->source));
	v->path = copy_bounded(v->path_buf, sizeof(v->path_buf), e->target, sizeof(e->target));
	if (e->resolved_len && e->resolved_kind == PW_MOUNT_RESOLVED_TARGET) {
		pw_path_from_components(e->resolved, min_len(e->resolved_len, sizeof(e->resolved)),
					v->path_buf, sizeof(v->path_buf));
	} else if (e->resolved_len && e->resolved_kind == PW_MOUNT_RESOLVED_CWD) {
		char cwd[PW_VIEW_PATH_MAX], rel[PW_PATH_MAX + 1];

		pw_path_from_components(e->resolved, min_len(e->resolved_len, sizeof(e->resolved)),
					cwd, sizeof(cwd));
		copy_bounded(rel, sizeof(rel), e->target, sizeof(e->target));
		join_normalised(cwd, rel, v->path_buf, sizeof(v->path_buf));
	}
	v->basename = basename_of(v->path);
}

static void view_seccomp(struct pw_view *v, const struct pw_seccomp_event *e)
{
	const char *name;

	set_result(v, e->ret);
	v->seccomp_op_id = pw_seccomp_op_id(e->via, e->operation);
	name = pw_seccomp_op_id_name(v->seccomp_op_id);
	v->seccomp_op = name ? name : "";
	v->seccomp_mode_after = e->mode_after;
}

/* Everything empty: the fields a kind does not set read as "nothing". */
static void view_reset(struct pw_view *v, unsigned int kind)
{
	v->hdr = NULL;
	v->kind = kind;
	v->kind_name = pw_view_kind_name(kind);
	v->ts_ns = 0;
	v->cgroup_id = 0;
	v->flags = 0;
	v->result = PW_RESULT_NONE;
	v->err = 0;
	v->path = v->basename = v->fs_path = "";
	v->object = PW_OBJ_UNKNOWN;
	v->dev_major = v->dev_minor = 0;
	v->access = 0;
	v->open_flags = 0;
	v->via = 0;
	v->cap = -1;
	v->cap_name = "";
	v->mount_op = 0;
	v->mount_op_name = v->fstype = v->source = "";
	v->mount_flags = 0;
	v->mount_kind = PW_MOUNT_KIND_NONE;
	v->userns_level = 0;
	v->ns_op = 0;
	v->ns_op_name = "";
	v->ns_flags = 0;
	v->seccomp_op = "";
	v->seccomp_op_id = -1;
	v->seccomp_mode_after = 0;
	memset(&v->proc, 0, sizeof(v->proc));
	v->proc.comm = v->proc.exe = "";
	v->container = NULL;
	v->path_buf[0] = v->comm_buf[0] = v->fstype_buf[0] = v->source_buf[0] = '\0';
}

void pw_view_from_event(struct pw_view *v, const struct pw_event_header *h)
{
	view_reset(v, h->type);
	v->hdr = h;
	v->ts_ns = h->ts_ns;
	v->cgroup_id = h->cgroup_id;
	v->flags = h->flags;
	v->proc.pid = h->pid;
	v->proc.tid = h->tid;
	v->proc.uid = h->uid;
	v->proc.gid = h->gid;
	v->proc.comm = copy_bounded(v->comm_buf, sizeof(v->comm_buf), h->comm, sizeof(h->comm));

	switch (h->type) {
	case PW_EVENT_EXEC: view_exec(v, (const void *)h); break;
	case PW_EVENT_CAPABILITY: view_capability(v, (const void *)h); break;
	case PW_EVENT_OPEN: view_open(v, (const void *)h); break;
	case PW_EVENT_MOUNT: view_mount(v, (const void *)h); break;
	case PW_EVENT_SECCOMP: view_seccomp(v, (const void *)h); break;
	case PW_EVENT_NAMESPACE: view_namespace(v, (const void *)h); break;
	case PW_EVENT_CGROUP_MOVE: view_cgroup_move(v, (const void *)h); break;
	case PW_EVENT_TAMPER: view_tamper(v, (const void *)h); break;
	default: break;
	}
}

void pw_view_agent_health(struct pw_view *v, uint32_t pid, const char *concern)
{
	view_reset(v, PW_VIEW_AGENT_HEALTH);
	v->proc.pid = v->proc.tid = pid;
	v->proc.comm = "privwatch";
	v->path = v->basename = concern;
}

void pw_view_container_start(struct pw_view *v, const struct pw_view_container *c,
			     uint64_t cgroup_id, uint32_t pid)
{
	view_reset(v, PW_VIEW_CONTAINER_START);
	v->cgroup_id = cgroup_id;
	v->proc.pid = pid;
	v->proc.tid = pid;
	v->container = c;
}
