// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "events/event_types.h"

static const struct pw_event_kind kinds[PW_EVENT_TYPE_MAX] = {
	[PW_EVENT_EXEC] = { "exec", sizeof(struct pw_exec_event) },
	[PW_EVENT_CAPABILITY] = { "capability", sizeof(struct pw_capability_event) },
	[PW_EVENT_MOUNT] = { "mount", sizeof(struct pw_mount_event) },
	[PW_EVENT_OPEN] = { "open", sizeof(struct pw_open_event) },
	[PW_EVENT_SECCOMP] = { "seccomp", sizeof(struct pw_seccomp_event) },
	[PW_EVENT_FORK] = { "fork", sizeof(struct pw_fork_event) },
	[PW_EVENT_EXIT] = { "exit", sizeof(struct pw_exit_event) },
	[PW_EVENT_CGROUP_MKDIR] = { "cgroup_mkdir", sizeof(struct pw_cgroup_event) },
	[PW_EVENT_CGROUP_RMDIR] = { "cgroup_rmdir", sizeof(struct pw_cgroup_event) },
	[PW_EVENT_NAMESPACE] = { "namespace", sizeof(struct pw_namespace_event) },
	[PW_EVENT_CGROUP_MOVE] = { "cgroup_move", sizeof(struct pw_cgroup_move_event) },
	[PW_EVENT_TAMPER] = { "tamper", sizeof(struct pw_tamper_event) },
};

const struct pw_event_kind *pw_event_kind(unsigned int type)
{
	if (type >= PW_EVENT_TYPE_MAX || !kinds[type].name)
		return NULL;
	return &kinds[type];
}

const char *pw_drop_cause_name(unsigned int cause)
{
	switch (cause) {
	case PW_DROP_RINGBUF_FULL: return "ringbuf_full";
	case PW_DROP_BUDGET: return "container_budget";
	default: return NULL;
	}
}
