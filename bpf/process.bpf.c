// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Process lifecycle: exec, fork, exit.
 *
 * tp_btf/sched_process_exec fires once per successful exec, after the new
 * image is installed, in the context of the task itself: the new mm holds
 * argv, bprm the path. There is no LSM hook with both (bprm_check runs
 * before exec can still fail), so both attach modes use this program.
 *
 * Fork and exit have no LSM hook either (task_alloc runs before the child
 * has its ids, task_free long after the exit code is known): the sched
 * tracepoints serve every mode.
 */
#include "common.bpf.h"

/* Is the file a memfd (the runtime's copy of itself, runc's cloned binary)? */
static __always_inline int is_memfd(struct file *f)
{
	char name[6] = {};

	bpf_probe_read_kernel_str(name, sizeof(name), BPF_CORE_READ(f, f_path.dentry, d_name.name));
	return name[0] == 'm' && name[1] == 'e' && name[2] == 'm' && name[3] == 'f' &&
	       name[4] == 'd';
}

/*
 * A new program: the capabilities its predecessor used say nothing about
 * it, so its first uses are reported again. A runtime init that runs a
 * program other than the runtime itself (its binary, or a memfd copy of it)
 * is the container's from now on: that exec is flagged (the entrypoint, or
 * an exec session's command). A task in a container's cgroup with no origin
 * yet takes it; if the runtime had placed it there before the agent marked
 * the cgroup (PW_F_PLACED), it is the runtime's init all the same, decided
 * by the same file identity. Returns PW_F_RUNTIME_INIT_EXEC or 0.
 */
static __always_inline __u32 task_exec(__u64 cgid, struct linux_binprm *bprm)
{
	struct pw_task_state *s = pw_current_task_state(0);
	struct file *f;

	if (s) {
		s->caps_seen[0] = s->caps_seen[1] = 0;
		s->caps_seen[2] = s->caps_seen[3] = 0;
		s->devices_seen = 0;
		__builtin_memset(s->refused_seen, 0, sizeof(s->refused_seen));
		if (s->flags & PW_F_RUNTIME_INIT) {
			f = BPF_CORE_READ(bprm, file);
			if (BPF_CORE_READ(f, f_inode, i_ino) == s->runtime_ino || is_memfd(f))
				return 0;
			s->flags &= ~PW_F_RUNTIME_INIT;
			return PW_F_RUNTIME_INIT_EXEC;
		}
		if (s->origin_cgroup)
			return 0;
	}
	if (!bpf_map_lookup_elem(&container_cgroups, &cgid))
		return 0;
	s = s ? s : pw_current_task_state(1);
	if (!s)
		return 0;
	s->origin_cgroup = cgid;
	s->verdict_cgroup = 0;
	if (!(s->flags & PW_F_PLACED) || s->placed_cgroup != cgid)
		return 0;
	/* Placed here by another task before the agent marked the cgroup:
	 * the runtime's init, decided now as if it had been marked. */
	s->flags &= ~PW_F_PLACED;
	f = BPF_CORE_READ(bprm, file);
	if (BPF_CORE_READ(f, f_inode, i_ino) == s->runtime_ino || is_memfd(f)) {
		s->flags |= PW_F_RUNTIME_INIT;
		return 0;
	}
	return PW_F_RUNTIME_INIT_EXEC;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(process_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	if (pw_floor)
		return 0;
	struct pw_exec_event *e;
	unsigned long arg_start, arg_end;
	__u64 cgid = pw_current_cgroup_id();
	__u32 len, ended;
	long n;

	ended = task_exec(cgid, bprm);
	if (!pw_cgroup_is_watched(cgid))
		return 0;
	e = pw_reserve(PW_EVENT_EXEC, sizeof(*e), cgid);
	if (!e)
		return 0;
	e->hdr.flags |= ended;

	e->ppid = BPF_CORE_READ(p, real_parent, tgid);
	e->old_pid = old_pid;
	e->args_count = BPF_CORE_READ(bprm, argc);

	n = bpf_probe_read_kernel_str(e->filename, sizeof(e->filename),
				      BPF_CORE_READ(bprm, filename));
	if (n <= 0) {
		e->filename[0] = '\0';
		n = 1;
	}
	e->filename_len = n - 1;
	if (n == sizeof(e->filename))
		e->hdr.flags |= PW_F_TRUNCATED;

	/* argv is in the new image's stack, written by exec just now: resident. */
	arg_start = BPF_CORE_READ(p, mm, arg_start);
	arg_end = BPF_CORE_READ(p, mm, arg_end);
	len = arg_end > arg_start ? arg_end - arg_start : 0;
	if (len >= sizeof(e->args)) {
		if (len > sizeof(e->args))
			e->hdr.flags |= PW_F_TRUNCATED;
		len = sizeof(e->args);
		if (bpf_probe_read_user(e->args, sizeof(e->args), (void *)arg_start))
			len = 0;
	} else if (len) {
		/* The mask proves the bound to the verifier (PW_ARGS_MAX is a
		 * power of two); it changes nothing since len < PW_ARGS_MAX. */
		if (bpf_probe_read_user(e->args, len & (PW_ARGS_MAX - 1), (void *)arg_start))
			len = 0;
	}
	e->args_len = len;

	pw_submit(e);
	return 0;
}

/*
 * The child belongs where its parent does: its origin is inherited (its
 * used capabilities are not: a new task reports its own first uses). A
 * child born in another cgroup than its parent's, outside the parent's
 * container (clone3 with CLONE_INTO_CGROUP), left the container.
 */
static __always_inline void task_fork(struct task_struct *child, __u64 parent_cgid)
{
	struct pw_task_state *ps = pw_current_task_state(0), *cs;
	struct cgroup *cgrp;
	__u64 origin, child_cgid;

	cgrp = pw_task_cgroup(child);
	child_cgid = BPF_CORE_READ(cgrp, kn, id);
	if (!ps || !ps->origin_cgroup) {
		/* A host task (the runtime) making a child in a container's cgroup
		 * (clone3 with CLONE_INTO_CGROUP): the runtime's init. */
		if (child_cgid != parent_cgid &&
		    bpf_map_lookup_elem(&container_cgroups, &child_cgid)) {
			pw_place_runtime_init(child, child_cgid);
		} else if (ps && (ps->flags & PW_F_PLACED) && child_cgid == parent_cgid) {
			/* runc's init forks its final stage ([1:CHILD] to
			 * [2:INIT]): the placement goes with it. */
			cs = bpf_task_storage_get(&task_state, child, 0,
						  BPF_LOCAL_STORAGE_GET_F_CREATE);
			if (cs) {
				cs->flags |= PW_F_PLACED;
				cs->placed_cgroup = ps->placed_cgroup;
				cs->runtime_ino = ps->runtime_ino;
			}
		}
		return;
	}
	origin = ps->origin_cgroup;
	cs = bpf_task_storage_get(&task_state, child, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (cs) {
		cs->origin_cgroup = origin;
		cs->flags = ps->flags;
		cs->runtime_ino = ps->runtime_ino;
	}
	if (child_cgid != parent_cgid && !pw_cgroup_within(cgrp, origin))
		pw_emit_move(child, cgrp, origin, PW_MOVE_CLONE_INTO);
}

/* tp_btf/sched_process_fork runs in the parent once the child is fully set
 * up and has its ids; the record is the parent's, filtered on its cgroup
 * (the child starts in the same one). Threads are reported too: child_pid
 * equals the parent's pid then. */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(process_fork, struct task_struct *parent, struct task_struct *child)
{
	if (pw_floor)
		return 0;
	struct pw_fork_event *e;
	__u64 cgid = pw_current_cgroup_id();

	task_fork(child, cgid);
	if (!pw_cgroup_is_watched(cgid))
		return 0;
	e = pw_reserve(PW_EVENT_FORK, sizeof(*e), cgid);
	if (!e)
		return 0;
	e->child_pid = BPF_CORE_READ(child, tgid);
	e->child_tid = BPF_CORE_READ(child, pid);
	pw_submit(e);
	return 0;
}

/* tp_btf/sched_process_exit runs in the exiting task after exit_code is
 * set and before it leaves its cgroup. Only leaders are reported: a
 * process, not each of its threads. */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(process_exit, struct task_struct *p)
{
	if (pw_floor)
		return 0;
	struct pw_exit_event *e;
	__u64 cgid;

	if (BPF_CORE_READ(p, pid) != BPF_CORE_READ(p, tgid))
		return 0;
	cgid = pw_current_cgroup_id();
	if (!pw_cgroup_is_watched(cgid))
		return 0;
	e = pw_reserve(PW_EVENT_EXIT, sizeof(*e), cgid);
	if (!e)
		return 0;
	e->exit_code = BPF_CORE_READ(p, exit_code);
	e->_pad = 0;
	pw_submit(e);
	return 0;
}
