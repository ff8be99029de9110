// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Capability checks: which capability a watched task asked for, and whether
 * the kernel granted it.
 *
 * Four variants, in the agent's order of preference (agent/kernel/feature_probe.c):
 *  - tp_btf/capability:cap_capable (kernels >= 6.14): called for every check
 *    with its result, so denials are seen.
 *  - fexit/cap_capable: the commoncap function every check goes through, with
 *    its options and result; where fentry/fexit programs are allowed.
 *  - lsm/capable: the BPF LSM runs after the capability LSM and the LSM
 *    framework stops at the first denial, so this hook only sees checks that
 *    were allowed. Only where the BPF LSM is active.
 *  - kprobe + kretprobe on cap_capable: the last resort (a kprobe costs more
 *    than a trampoline), for kernels without the tracepoint, fentry or an
 *    active BPF LSM.
 */
#include "common.bpf.h"

#define PW_STACK_DEPTH 8

/*
 * Whose capability is checked: overlayfs does its work on the layers with
 * the credentials of whoever mounted it (override_creds), so a container's
 * mkdir on its overlay root "uses" CAP_SYS_ADMIN and CAP_DAC_READ_SEARCH of
 * the runtime that mounted it, and has_capability() checks another task's.
 * Only a check of the task's own credentials (its real_cred) is its use;
 * the others are counted as suppressed.
 */
static __always_inline bool cap_check_is_own(const struct cred *cred)
{
	return cred == BPF_CORE_READ(bpf_get_current_task_btf(), real_cred);
}

/*
 * The cap_capable tracepoint has no opts argument, so a "noaudit" check
 * (cap_vm_enough_memory, ns_capable_noaudit...) looks like a real use: on
 * every process start, CAP_SYS_ADMIN allowed in a privileged container and
 * denied in a default one. The agent resolves those callers' address ranges
 * from kallsyms (agent/kernel/noaudit.c); a check whose kernel stack passes
 * through one of them is a question, not an action. The stack walk costs,
 * so only capabilities that have noaudit callers (noaudit_caps) pay it.
 */
static __always_inline bool cap_check_is_noaudit(void *ctx, int cap)
{
	__u64 ips[PW_STACK_DEPTH];
	long n;
	int i, j;

	if (cap < 0 || cap > 63 || !(noaudit_caps & (1ull << cap)) || !noaudit_ranges)
		return false;
	n = bpf_get_stack(ctx, ips, sizeof(ips), 0);
	if (n <= 0)
		return false;
	n /= sizeof(__u64);
	for (i = 0; i < PW_STACK_DEPTH; i++) {
		if (i >= n)
			break;
		for (j = 0; j < PW_NOAUDIT_RANGES; j++) {
			if (j >= noaudit_ranges)
				break;
			if (ips[i] >= noaudit_lo[j] && ips[i] < noaudit_hi[j])
				return true;
		}
	}
	return false;
}

/*
 * Capability checks are the noisiest event on any host. Checks made with
 * CAP_OPT_NOAUDIT are questions, not uses: counted as suppressed, not sent.
 * Only the first check of each capability per (task, result, user
 * namespace) since the task's last exec is sent: a bit in the task's own
 * state (bpf/process.bpf.c clears them at exec; a new task starts with
 * none), so whatever ran before under the same pid (the runtime's init,
 * another program) cannot hide a new program's first use. Repeats are
 * counted as suppressed. The bit is set only once the event is in the ring,
 * so a dropped first event is not followed by silence.
 */
static __always_inline __u32 cap_slot_at(int ret, int ns_level)
{
	return (ret ? 1 : 0) + (ns_level ? 2 : 0);
}

static __always_inline __u32 cap_slot(int ret, const struct user_namespace *ns)
{
	return cap_slot_at(ret, BPF_CORE_READ(ns, level));
}

static __always_inline __u64 cap_bit(int cap)
{
	return cap >= 0 && cap < 64 ? 1ull << cap : 0;
}

/* A repeat: reported before, by this task since its last exec. */
static __always_inline bool cap_seen(const struct pw_task_state *s, int cap, __u32 slot)
{
	__u64 bit = cap_bit(cap);

	return s && bit && (s->caps_seen[slot & 3] & bit);
}

static __always_inline void emit_capability(__u64 cgid, int cap, int ret, __u32 opts,
					    const struct user_namespace *ns)
{
	struct pw_capability_event *e;
	struct pw_task_state *s;
	__u32 slot;
	__u64 bit = cap_bit(cap);

	if (opts & CAP_OPT_NOAUDIT) {
		pw_count(PW_EVENT_CAPABILITY, PW_COUNT_SUPPRESSED);
		return;
	}
	slot = cap_slot(ret, ns);
	s = pw_current_task_state(1);
	if (cap_seen(s, cap, slot)) {
		pw_count(PW_EVENT_CAPABILITY, PW_COUNT_SUPPRESSED);
		return;
	}
	e = pw_reserve(PW_EVENT_CAPABILITY, sizeof(*e), cgid);
	if (!e)
		return;
	if (s)
		s->caps_seen[slot & 3] |= bit;
	e->cap = cap;
	e->ret = ret;
	e->opts = opts;
	e->ns_level = BPF_CORE_READ(ns, level);
	pw_submit(e);
}

SEC("tp_btf/cap_capable")
int BPF_PROG(capability_tp, const struct cred *cred, struct user_namespace *target_ns,
	     const struct user_namespace *capable_ns, int cap, int ret)
{
	if (pw_floor)
		return 0;
	/* The hottest hook: one helper call for the task, then direct loads
	 * (the task and this program's arguments are BTF-typed), and the
	 * task's state, the one lookup. */
	struct task_struct *t = bpf_get_current_task_btf();
	__u64 cgid = pw_task_cgroup_id(t);
	struct pw_task_state *s = pw_task_state_of(t, 1);

	/* The cgroup test is cheaper than the stack walk: first. */
	if (!pw_task_is_watched(s, cgid))
		return 0;
	/* Then the repeat, the common case: suppressed whatever the checks
	 * below would say (not own, noaudit: suppressed too). */
	if (cap_seen(s, cap, cap_slot_at(ret, target_ns->level))) {
		pw_count(PW_EVENT_CAPABILITY, PW_COUNT_SUPPRESSED);
		return 0;
	}
	if (cred != t->real_cred) {
		pw_count(PW_EVENT_CAPABILITY, PW_COUNT_SUPPRESSED);
		return 0;
	}
	emit_capability(cgid, cap, ret, cap_check_is_noaudit(ctx, cap) ? CAP_OPT_NOAUDIT : 0,
			target_ns);
	return 0;
}

SEC("lsm/capable")
int BPF_PROG(capability_lsm, const struct cred *cred, struct user_namespace *ns, int cap,
	     unsigned int opts, int ret)
{
	if (pw_floor)
		return ret;
	__u64 cgid = pw_current_cgroup_id();

	if (!pw_cgroup_is_watched(cgid))
		return ret;
	if (cap_check_is_own(cred))
		emit_capability(cgid, cap, ret, opts, ns);
	else
		pw_count(PW_EVENT_CAPABILITY, PW_COUNT_SUPPRESSED);
	/* Observe only: hand back the verdict of the programs before us. */
	return ret;
}

SEC("fexit/cap_capable")
int BPF_PROG(capability_fexit, const struct cred *cred, struct user_namespace *target_ns, int cap,
	     unsigned int opts, int ret)
{
	if (pw_floor)
		return 0;
	__u64 cgid = pw_current_cgroup_id();

	if (!pw_cgroup_is_watched(cgid))
		return 0;
	if (cap_check_is_own(cred))
		emit_capability(cgid, cap, ret, opts, target_ns);
	else
		pw_count(PW_EVENT_CAPABILITY, PW_COUNT_SUPPRESSED);
	return 0;
}

/* The kprobe variant's arguments, from entry to return, per thread. LRU: a
 * return that never comes (kretprobe instances exhausted) costs one slot. */
struct pw_cap_call {
	const struct cred *cred;
	const struct user_namespace *ns;
	__s32 cap;
	__u32 opts;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct pw_cap_call);
} cap_calls SEC(".maps");

SEC("kprobe/cap_capable")
int BPF_KPROBE(capability_kprobe, const struct cred *cred, struct user_namespace *target_ns,
	       int cap, unsigned int opts)
{
	if (pw_floor)
		return 0;
	struct pw_cap_call call = { .cred = cred, .ns = target_ns, .cap = cap, .opts = opts };
	__u64 tid = bpf_get_current_pid_tgid();

	if (!pw_cgroup_is_watched(pw_current_cgroup_id()))
		return 0;
	bpf_map_update_elem(&cap_calls, &tid, &call, BPF_ANY);
	return 0;
}

SEC("kretprobe/cap_capable")
int BPF_KRETPROBE(capability_kretprobe, int ret)
{
	if (pw_floor)
		return 0;
	__u64 tid = bpf_get_current_pid_tgid();
	struct pw_cap_call *call = bpf_map_lookup_elem(&cap_calls, &tid);
	struct pw_cap_call c;

	if (!call)
		return 0;
	c = *call;
	bpf_map_delete_elem(&cap_calls, &tid);
	if (cap_check_is_own(c.cred))
		emit_capability(pw_current_cgroup_id(), c.cap, ret, c.opts, c.ns);
	else
		pw_count(PW_EVENT_CAPABILITY, PW_COUNT_SUPPRESSED);
	return 0;
}
