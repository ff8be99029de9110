// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Seccomp: filters being installed (or probed for) through seccomp(2) and
 * prctl(PR_SET_SECCOMP).
 *
 * There is no LSM hook for seccomp, so these tracepoints serve every mode.
 * Only sys_exit is used: it has the result, and a call that a filter already
 * refuses never reaches sys_enter but still passes sys_exit with its errno.
 * The arguments come from the task's saved user registers. Every call is
 * reported, failed ones included (runtimes probe kernel support with calls
 * meant to fail): operation, flags and ret let a rule tell them apart.
 */
#include "common.bpf.h"

static __always_inline void emit_seccomp(__u64 cgid, long ret, __u32 via, __u32 operation,
					 __u32 flags)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct pw_seccomp_event *e;

	e = pw_reserve(PW_EVENT_SECCOMP, sizeof(*e), cgid);
	if (!e)
		return;
	e->ret = ret;
	e->via = via;
	e->operation = operation;
	e->flags = flags;
	/* After the call: says whether it took effect, whatever ret claims. */
	e->mode_after = BPF_CORE_READ(task, seccomp.mode);
	e->_pad = 0;
	pw_submit(e);
}

SEC("tp/syscalls/sys_exit_seccomp")
int seccomp_tp_seccomp(struct trace_event_raw_sys_exit *ctx)
{
	if (pw_floor)
		return 0;
	__u64 cgid = pw_current_cgroup_id();

	if (!pw_cgroup_is_watched(cgid))
		return 0;
	/* seccomp(unsigned int op, unsigned int flags, void *args) */
	emit_seccomp(cgid, ctx->ret, PW_SECCOMP_VIA_SYSCALL, pw_syscall_arg(1), pw_syscall_arg(2));
	return 0;
}

SEC("tp/syscalls/sys_exit_prctl")
int seccomp_tp_prctl(struct trace_event_raw_sys_exit *ctx)
{
	if (pw_floor)
		return 0;
	__u64 cgid = pw_current_cgroup_id();

	if (!pw_cgroup_is_watched(cgid))
		return 0;
	/* prctl is frequent (names, dumpable, no_new_privs...): option first. */
	if ((int)pw_syscall_arg(1) != PR_SET_SECCOMP) /* the kernel takes an int */
		return 0;
	/* prctl(PR_SET_SECCOMP, mode, filter): mode 1 strict, 2 filter */
	emit_seccomp(cgid, ctx->ret, PW_SECCOMP_VIA_PRCTL, pw_syscall_arg(2), 0);
	return 0;
}
