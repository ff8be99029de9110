// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <string.h>
#include "capnames.h"
#include "event_json.h"
#include "timefmt.h"

static void encode_exec(struct jsonw *w, const struct pw_event_header *h)
{
	const struct pw_exec_event *e = (const void *)h;
	size_t len = e->args_len < sizeof(e->args) ? e->args_len : sizeof(e->args);
	size_t i = 0;

	jw_key(w, "ppid");
	jw_u64(w, e->ppid);
	jw_key(w, "exe");
	jw_strn(w, e->filename, sizeof(e->filename));
	jw_key(w, "argc");
	jw_u64(w, e->args_count);
	/* args: argv strings, each NUL-terminated; the last may be cut short. */
	jw_key(w, "argv");
	jw_arr_begin(w);
	while (i < len) {
		size_t n = strnlen(e->args + i, len - i);

		jw_strn(w, e->args + i, n);
		i += n + 1;
	}
	jw_arr_end(w);
	if (e->old_pid != h->tid) {
		jw_key(w, "old_tid");
		jw_u64(w, e->old_pid);
	}
}

static void encode_capability(struct jsonw *w, const struct pw_event_header *h)
{
	const struct pw_capability_event *e = (const void *)h;
	const char *name = pw_cap_name(e->cap);

	jw_key(w, "cap");
	jw_i64(w, e->cap);
	jw_key(w, "cap_name");
	jw_str(w, name);
	jw_key(w, "result");
	jw_str(w, e->ret == 0 ? "allowed" : "denied");
	jw_key(w, "errno");
	jw_i64(w, e->ret < 0 ? -e->ret : e->ret);
}

static const char *const mount_ops[] = {
	[PW_MOUNT_MOUNT] = "mount",
	[PW_MOUNT_UMOUNT] = "umount",
	[PW_MOUNT_FSOPEN] = "fsopen",
	[PW_MOUNT_FSCONFIG] = "fsconfig",
	[PW_MOUNT_FSMOUNT] = "fsmount",
	[PW_MOUNT_MOVE_MOUNT] = "move_mount",
	[PW_MOUNT_OPEN_TREE] = "open_tree",
	[PW_MOUNT_SETATTR] = "mount_setattr",
	[PW_MOUNT_PIVOT_ROOT] = "pivot_root",
};

static void encode_mount(struct jsonw *w, const struct pw_event_header *h)
{
	const struct pw_mount_event *e = (const void *)h;
	const char *op = e->op < sizeof(mount_ops) / sizeof(mount_ops[0]) ? mount_ops[e->op] : NULL;

	jw_key(w, "op");
	jw_str(w, op ? op : "unknown");
	/* An LSM hook runs before the action: its ret is not the outcome. */
	jw_key(w, "result");
	jw_str(w, h->flags & PW_F_PRE_CHECK ? "pre_check" : e->ret < 0 ? "denied" : "allowed");
	jw_key(w, "ret");
	jw_i64(w, e->ret);
	jw_key(w, "errno");
	jw_i64(w, e->ret < 0 ? -e->ret : 0);
	jw_key(w, "flags");
	jw_u64(w, e->flags);
	jw_key(w, "fd");
	jw_i64(w, e->fd);
	jw_key(w, "aux");
	jw_u64(w, e->aux);
	jw_key(w, "fstype");
	jw_strn(w, e->fstype, sizeof(e->fstype));
	jw_key(w, "source");
	jw_strn(w, e->source, sizeof(e->source));
	jw_key(w, "target");
	jw_strn(w, e->target, sizeof(e->target));
}

static void (*const encoders[PW_EVENT_TYPE_MAX])(struct jsonw *, const struct pw_event_header *) = {
	[PW_EVENT_EXEC] = encode_exec,
	[PW_EVENT_CAPABILITY] = encode_capability,
	[PW_EVENT_MOUNT] = encode_mount,
};

void pw_event_to_json(struct jsonw *w, const struct pw_event_kind *kind,
		      const struct pw_event_header *h)
{
	char when[PW_TIME_LEN];

	pw_format_time(pw_mono_to_real_ns(h->ts_ns), when);
	jw_obj_begin(w);
	jw_key(w, "schema");
	jw_str(w, PW_EVENT_SCHEMA);
	jw_key(w, "kind");
	jw_str(w, kind->name);
	jw_key(w, "time");
	jw_str(w, when);
	jw_key(w, "cgroup_id");
	jw_u64(w, h->cgroup_id);
	jw_key(w, "pid");
	jw_u64(w, h->pid);
	jw_key(w, "tid");
	jw_u64(w, h->tid);
	jw_key(w, "uid");
	jw_u64(w, h->uid);
	jw_key(w, "gid");
	jw_u64(w, h->gid);
	jw_key(w, "comm");
	jw_strn(w, h->comm, sizeof(h->comm));
	if (h->flags & PW_F_TRUNCATED) {
		jw_key(w, "truncated");
		jw_bool(w, 1);
	}
	if (h->type < PW_EVENT_TYPE_MAX && encoders[h->type])
		encoders[h->type](w, h);
	jw_obj_end(w);
}
