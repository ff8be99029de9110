// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Namespaces: unshare(2) and setns(2) asking for namespaces, allowed or not.
 *
 * `unshare -m` in a default Docker container never reaches a capability
 * check: the runtime's seccomp profile refuses it first. Only the syscall's
 * exit shows the attempt (with EPERM). No LSM hook covers unshare, so these
 * tracepoints serve every mode. clone(2) with CLONE_NEW* flags is not
 * covered (fork is the hottest syscall there is); its capability check is.
 */
#include "common.bpf.h"

static __always_inline void emit_namespace(__u64 cgid, long ret, __u32 op, __u64 flags, int fd)
{
	struct pw_namespace_event *e;

	e = pw_reserve(PW_EVENT_NAMESPACE, sizeof(*e), cgid);
	if (!e)
		return;
	e->ret = ret;
	e->op = op;
	e->flags = flags;
	e->fd = fd;
	e->_pad = 0;
	pw_submit(e);
}

SEC("tp/syscalls/sys_exit_unshare")
int namespace_tp_unshare(struct trace_event_raw_sys_exit *ctx)
{
	if (pw_floor)
		return 0;
	__u64 cgid = pw_current_cgroup_id();
	__u64 flags;

	if (!pw_cgroup_is_watched(cgid))
		return 0;
	/* unshare(int flags): only namespace flags make it our business */
	flags = (__u32)pw_syscall_arg(1);
	if (!(flags & PW_CLONE_NEW_ANY))
		return 0;
	emit_namespace(cgid, ctx->ret, PW_NS_UNSHARE, flags, -1);
	return 0;
}

SEC("tp/syscalls/sys_exit_setns")
int namespace_tp_setns(struct trace_event_raw_sys_exit *ctx)
{
	if (pw_floor)
		return 0;
	__u64 cgid = pw_current_cgroup_id();

	if (!pw_cgroup_is_watched(cgid))
		return 0;
	/* setns(int fd, int nstype) */
	emit_namespace(cgid, ctx->ret, PW_NS_SETNS, (__u32)pw_syscall_arg(2),
		       (int)pw_syscall_arg(1));
	return 0;
}
