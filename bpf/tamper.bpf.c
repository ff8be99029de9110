// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Self-protection: a watched task reaching for privwatch itself.
 *
 * - bpf(BPF_{PROG,MAP,LINK}_GET_FD_BY_ID): the way to privwatch's maps (the
 *   watched set, the ring buffer's positions) and programs from outside its
 *   process. Caught at the syscall's exit, allowed or refused; the id asked
 *   for is the first member of the attr union, read from user memory. No LSM
 *   hook sees the id (security_bpf sees the command only), so this serves
 *   every mode. The agent knows its own ids and alerts on those.
 * - a signal generated for the agent's process (tp_btf/signal_generate, in
 *   the sender's context, before delivery: also SIGKILL, whose record the
 *   dying agent may not read; its restart does, with pinned sensors).
 *   SIGCHLD is the agent's own children (the canary) reporting.
 * - ptrace(PTRACE_ATTACH or PTRACE_SEIZE) that succeeded on a process
 *   outside the tracer's container (the host's, a neighbour's): its memory
 *   and registers are the tracer's now. The tracee is the newest entry of
 *   the tracer's ptraced list at the syscall's exit.
 */
#include "common.bpf.h"

#define BPF_PROG_GET_FD_BY_ID 13
#define BPF_MAP_GET_FD_BY_ID  14
#define BPF_LINK_GET_FD_BY_ID 30
#define SIGCHLD		      17
#define PTRACE_ATTACH	      16
#define PTRACE_SEIZE	      0x4206

static __always_inline void emit_tamper(__u64 cgid, __s32 ret, __u32 op, __u32 arg, __u32 id)
{
	struct pw_tamper_event *e = pw_reserve(PW_EVENT_TAMPER, sizeof(*e), cgid);

	if (!e)
		return;
	e->ret = ret;
	e->op = op;
	e->arg = arg;
	e->id = id;
	pw_submit(e);
}

SEC("tp/syscalls/sys_exit_bpf")
int tamper_tp_bpf(struct trace_event_raw_sys_exit *ctx)
{
	if (pw_floor)
		return 0;
	__u64 cgid;
	__u32 cmd, id = 0;

	/* bpf(int cmd, union bpf_attr *attr, unsigned int size) */
	cmd = (__u32)pw_syscall_arg(1);
	if (cmd != BPF_PROG_GET_FD_BY_ID && cmd != BPF_MAP_GET_FD_BY_ID &&
	    cmd != BPF_LINK_GET_FD_BY_ID)
		return 0;
	cgid = pw_current_cgroup_id();
	if (!pw_cgroup_is_watched(cgid))
		return 0;
	bpf_probe_read_user(&id, sizeof(id), (void *)pw_syscall_arg(2));
	emit_tamper(cgid, ctx->ret, PW_TAMPER_BPF_GET_FD, cmd, id);
	return 0;
}

SEC("tp_btf/signal_generate")
int BPF_PROG(tamper_signal, int sig, struct kernel_siginfo *info, struct task_struct *task,
	     int group, int result)
{
	if (pw_floor)
		return 0;
	__u64 cgid;

	if (BPF_CORE_READ(task, tgid) != agent_tgid || sig == SIGCHLD)
		return 0;
	cgid = pw_current_cgroup_id();
	if (!pw_cgroup_is_watched(cgid))
		return 0;
	emit_tamper(cgid, result, PW_TAMPER_SIGNAL, sig, agent_tgid);
	return 0;
}

SEC("tp/syscalls/sys_exit_ptrace")
int tamper_tp_ptrace(struct trace_event_raw_sys_exit *ctx)
{
	if (pw_floor)
		return 0;
	struct task_struct *me, *tracee;
	struct list_head *first;
	__u64 cgid, home;
	long req;

	/* ptrace(long request, pid_t pid, ...) */
	req = pw_syscall_arg(1);
	if (ctx->ret != 0 || (req != PTRACE_ATTACH && req != PTRACE_SEIZE))
		return 0;
	cgid = pw_current_cgroup_id();
	if (!pw_cgroup_is_watched(cgid))
		return 0;
	me = bpf_get_current_task_btf();
	first = BPF_CORE_READ(me, ptraced.next);
	if (!first || first == &me->ptraced)
		return 0;
	tracee = container_of(first, struct task_struct, ptrace_entry);
	home = pw_current_origin();
	if (pw_cgroup_within(pw_task_cgroup(tracee), home ? home : cgid))
		return 0;
	emit_tamper(cgid, 0, PW_TAMPER_PTRACE, req, BPF_CORE_READ(tracee, tgid));
	return 0;
}
