// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <string.h>
#include <sys/wait.h>
#include "events/capnames.h"
#include "events/nsnames.h"
#include "events/event_json.h"
#include "events/posture_model.h"
#include "lib/timefmt.h"

static void encode_exec(struct jsonw *w, const struct pw_event_header *h)
{
	const struct pw_exec_event *e = (const void *)h;
	size_t len = e->args_len < sizeof(e->args) ? e->args_len : sizeof(e->args);
	size_t i = 0;

	jw_kv_u64(w, "ppid", e->ppid);
	jw_kv_strn(w, "exe", e->filename, sizeof(e->filename));
	jw_kv_u64(w, "argc", e->args_count);
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
		jw_kv_u64(w, "old_tid", e->old_pid);
	}
}

static void encode_capability(struct jsonw *w, const struct pw_event_header *h)
{
	const struct pw_capability_event *e = (const void *)h;
	const char *name = pw_cap_name(e->cap);

	jw_kv_i64(w, "cap", e->cap);
	jw_kv_str(w, "cap_name", name);
	jw_kv_str(w, "result", e->ret == 0 ? "allowed" : "denied");
	jw_kv_i64(w, "errno", e->ret < 0 ? -(int64_t)e->ret : e->ret);
	jw_kv_u64(w, "userns_level", e->ns_level);
	if (e->opts) {
		jw_kv_u64(w, "opts", e->opts);
	}
}

/* The path as one JSON string: names leaf first from the kernel, rebuilt
 * root first (event_view.c). */
static void write_components_path(struct jsonw *w, const char *buf, size_t len)
{
	char tmp[PW_OPEN_PATH_BUF + 2];
	size_t n = pw_path_from_components(buf, len, tmp, sizeof(tmp));

	jw_strn(w, tmp, n);
}

static void write_result(struct jsonw *w, const struct pw_event_header *h, int32_t ret)
{
	jw_kv_str(w, "result",
		  (h->flags & PW_F_PRE_CHECK) ? "pre_check"
		  : ret >= 0		      ? "allowed"
					      : "denied");
	jw_kv_i64(w, "ret", ret);
	jw_kv_i64(w, "errno", ret < 0 ? -(int64_t)ret : 0);
}

static void encode_open(struct jsonw *w, const struct pw_event_header *h)
{
	const struct pw_open_event *e = (const void *)h;
	size_t len = e->path_len < sizeof(e->path) ? e->path_len : sizeof(e->path);
	uint32_t acc = e->f_mode ? e->f_mode : (e->open_flags & 3) + 1; /* O_ACCMODE -> FMODE */
	static const char *const access[] = { "none", "read", "write", "read_write" };

	write_result(w, h, e->ret);
	jw_kv_str(w, "object", pw_object_kind_name(e->kind));
	jw_key(w, "path");
	if (e->path_format == PW_OPEN_PATH_COMPONENTS)
		write_components_path(w, e->path, len);
	else
		jw_strn(w, e->path, len);
	jw_kv_str(w, "path_source",
		  e->path_format == PW_OPEN_PATH_COMPONENTS ? "resolved" : "caller");
	jw_kv_str(w, "access", access[acc & 3]);
	jw_kv_u64(w, "open_flags", e->open_flags);
	jw_kv_str(w, "via", pw_open_via_name(e->via) ? pw_open_via_name(e->via) : "open");
	if (e->kind == PW_OBJ_CHARDEV || e->kind == PW_OBJ_BLOCKDEV) {
		jw_key(w, "device");
		jw_obj_begin(w);
		jw_kv_u64(w, "major", e->dev_major);
		jw_kv_u64(w, "minor", e->dev_minor);
		jw_obj_end(w);
	}
	if (e->kind != PW_OBJ_UNKNOWN) {
		jw_kv_u64(w, "inode", e->ino);
		jw_kv_u64(w, "fs_magic", e->sb_magic);
	}
	if (e->fs_path_len) {
		/* from the filesystem's own root, leaf first like path */
		jw_key(w, "fs_path");
		write_components_path(w, e->fs_path,
				      e->fs_path_len < sizeof(e->fs_path) ? e->fs_path_len
									  : sizeof(e->fs_path));
	}
	if (e->syscall_nr) {
		jw_kv_u64(w, "syscall_nr", e->syscall_nr);
	}
}

static void encode_seccomp(struct jsonw *w, const struct pw_event_header *h)
{
	const struct pw_seccomp_event *e = (const void *)h;
	static const char *const modes[] = { "disabled", "strict", "filter" };
	const char *op = pw_seccomp_op_id_name(pw_seccomp_op_id(e->via, e->operation));

	jw_key(w, "via");
	if (e->via == PW_SECCOMP_VIA_SYSCALL)
		jw_str(w, "seccomp");
	else if (e->via == PW_SECCOMP_VIA_PRCTL)
		jw_str(w, "prctl");
	else
		jw_u64(w, e->via);
	jw_kv_u64(w, "operation", e->operation);
	if (op) {
		jw_kv_str(w, "operation_name", op);
	}
	jw_kv_u64(w, "flags", e->flags);
	/* ret >= 0 is success: 0, or a listener fd for NEW_LISTENER. */
	write_result(w, h, e->ret);
	jw_kv_u64(w, "mode_after", e->mode_after);
	if (e->mode_after < sizeof(modes) / sizeof(modes[0])) {
		jw_kv_str(w, "mode_after_name", modes[e->mode_after]);
	}
}

static void encode_fork(struct jsonw *w, const struct pw_event_header *h)
{
	const struct pw_fork_event *e = (const void *)h;

	jw_kv_u64(w, "child_pid", e->child_pid);
	jw_kv_u64(w, "child_tid", e->child_tid);
}

/* exit_code as wait(2) reports it: an exit status or a terminating signal
 * (the other one null), so rules need not decode bits. */
static void encode_exit(struct jsonw *w, const struct pw_event_header *h)
{
	const struct pw_exit_event *e = (const void *)h;
	int code = e->exit_code;

	jw_kv_i64(w, "exit_code", code);
	jw_key(w, "exit_status");
	if (WIFEXITED(code))
		jw_i64(w, WEXITSTATUS(code));
	else
		jw_null(w);
	jw_key(w, "signal");
	if (WIFSIGNALED(code))
		jw_i64(w, WTERMSIG(code));
	else
		jw_null(w);
	if (WIFSIGNALED(code)) {
		jw_kv_bool(w, "core_dumped", WCOREDUMP(code));
	}
}

static void encode_cgroup(struct jsonw *w, const struct pw_event_header *h)
{
	const struct pw_cgroup_event *e = (const void *)h;

	jw_kv_u64(w, "id", e->id);
	jw_kv_u64(w, "parent_id", e->parent_id);
	jw_kv_i64(w, "level", e->level);
	jw_kv_u64(w, "hierarchy_id", e->hierarchy_id);
	jw_kv_strn(w, "path", e->path, sizeof(e->path));
}

static void encode_cgroup_move(struct jsonw *w, const struct pw_event_header *h)
{
	const struct pw_cgroup_move_event *e = (const void *)h;

	jw_kv_str(w, "via", e->via == PW_MOVE_CLONE_INTO ? "clone_into_cgroup" : "cgroup.procs");
	jw_kv_u64(w, "task_pid", e->task_pid);
	jw_kv_u64(w, "task_origin", e->task_origin);
	jw_kv_u64(w, "dst_id", e->dst_id);
	jw_kv_strn(w, "dst_name", e->path, sizeof(e->path));
}

static void encode_tamper(struct jsonw *w, const struct pw_event_header *h)
{
	const struct pw_tamper_event *e = (const void *)h;

	static const char *const ops[] = { "?", "bpf_get_fd_by_id", "signal", "ptrace" };
	static const char *const args[] = { "arg", "bpf_cmd", "signal", "request" };
	static const char *const ids[] = { "id", "bpf_id", "agent_pid", "tracee_pid" };
	unsigned int op = e->op <= PW_TAMPER_PTRACE ? e->op : 0;

	jw_kv_str(w, "op", ops[op]);
	jw_kv_i64(w, "ret", e->ret);
	jw_kv_u64(w, args[op], e->arg);
	jw_kv_u64(w, ids[op], e->id);
}

static void encode_mount(struct jsonw *w, const struct pw_event_header *h)
{
	const struct pw_mount_event *e = (const void *)h;
	const char *op = pw_mount_op_name(e->op);

	jw_kv_str(w, "op", op ? op : "unknown");
	/* An LSM hook runs before the action: its ret is not the outcome. */
	write_result(w, h, e->ret);
	jw_kv_u64(w, "flags", e->flags);
	jw_kv_i64(w, "fd", e->fd);
	jw_kv_u64(w, "aux", e->aux);
	jw_kv_strn(w, "fstype", e->fstype, sizeof(e->fstype));
	jw_kv_strn(w, "source", e->source, sizeof(e->source));
	jw_kv_strn(w, "target", e->target, sizeof(e->target));
}

static void encode_namespace(struct jsonw *w, const struct pw_event_header *h)
{
	const struct pw_namespace_event *e = (const void *)h;
	const char *names[PW_NS_TYPES];
	size_t i, n = pw_ns_names(e->flags, names, PW_NS_TYPES);

	write_result(w, h, e->ret);
	jw_kv_str(w, "op", pw_ns_op_name(e->op));
	jw_key(w, "namespaces"); /* setns with nstype 0: any type, an empty list */
	jw_arr_begin(w);
	for (i = 0; i < n; i++)
		jw_str(w, names[i]);
	jw_arr_end(w);
	jw_kv_u64(w, "flags", e->flags);
	if (e->op == PW_NS_SETNS)
		jw_kv_i64(w, "fd", e->fd);
}

static void (*const encoders[PW_EVENT_TYPE_MAX])(struct jsonw *, const struct pw_event_header *) = {
	[PW_EVENT_EXEC] = encode_exec,
	[PW_EVENT_CAPABILITY] = encode_capability,
	[PW_EVENT_MOUNT] = encode_mount,
	[PW_EVENT_OPEN] = encode_open,
	[PW_EVENT_SECCOMP] = encode_seccomp,
	[PW_EVENT_NAMESPACE] = encode_namespace,
	[PW_EVENT_FORK] = encode_fork,
	[PW_EVENT_EXIT] = encode_exit,
	[PW_EVENT_CGROUP_MKDIR] = encode_cgroup,
	[PW_EVENT_CGROUP_RMDIR] = encode_cgroup,
	[PW_EVENT_CGROUP_MOVE] = encode_cgroup_move,
	[PW_EVENT_TAMPER] = encode_tamper,
};

static void str_or_null(struct jsonw *w, const char *key, const char *s)
{
	jw_key(w, key);
	if (s && *s)
		jw_str(w, s);
	else
		jw_null(w);
}

static void encode_container(struct jsonw *w, const struct pw_view_container *c)
{
	int d;

	jw_key(w, "container");
	if (!c) {
		jw_null(w);
		return;
	}
	jw_obj_begin(w);
	str_or_null(w, "id", c->id);
	str_or_null(w, "name", c->name);
	str_or_null(w, "runtime", c->runtime);
	str_or_null(w, "image", c->image);
	str_or_null(w, "pod", c->pod);
	str_or_null(w, "namespace", c->ns);
	str_or_null(w, "phase",
		    c->phase == PW_VPHASE_STARTED ? "started"
		    : c->phase == PW_VPHASE_SETUP ? "setup"
						  : NULL);
	jw_kv_str(w, "mode", pw_view_mode_name(c->mode));
	if (c->mode_reason)
		jw_kv_str(w, "mode_reason", c->mode_reason);
	if (c->facts)
		jw_kv_str(w, "facts", c->facts);
	jw_key(w, "relaxed");
	jw_arr_begin(w);
	for (d = 0; d < PW_DIM_COUNT; d++)
		if (c->relaxed & (1u << d))
			jw_str(w, pw_dim_name(d));
	jw_arr_end(w);
	jw_obj_end(w);
}

static void event_to_json(struct jsonw *w, const struct pw_event_kind *kind,
			  const struct pw_event_header *h, const struct pw_view_container *c,
			  int with_container)
{
	char when[PW_TIME_LEN];

	pw_format_time(pw_mono_to_real_ns(h->ts_ns), when);
	jw_obj_begin(w);
	jw_kv_str(w, "schema", PW_EVENT_SCHEMA);
	jw_kv_str(w, "kind", kind->name);
	jw_kv_str(w, "time", when);
	jw_kv_u64(w, "cgroup_id", h->cgroup_id);
	if (h->origin_cgroup_id)
		jw_kv_u64(w, "origin_cgroup_id", h->origin_cgroup_id);
	jw_kv_u64(w, "pid", h->pid);
	jw_kv_u64(w, "tid", h->tid);
	jw_kv_u64(w, "uid", h->uid);
	jw_kv_u64(w, "gid", h->gid);
	jw_kv_strn(w, "comm", h->comm, sizeof(h->comm));
	if (h->flags & PW_F_TRUNCATED) {
		jw_kv_bool(w, "truncated", 1);
	}
	if (with_container)
		encode_container(w, c);
	if (h->type < PW_EVENT_TYPE_MAX && encoders[h->type])
		encoders[h->type](w, h);
	jw_obj_end(w);
}

void pw_event_to_json(struct jsonw *w, const struct pw_event_kind *kind,
		      const struct pw_event_header *h)
{
	event_to_json(w, kind, h, NULL, 0);
}

void pw_event_to_json_ctx(struct jsonw *w, const struct pw_event_kind *kind,
			  const struct pw_event_header *h, const struct pw_view_container *c)
{
	event_to_json(w, kind, h, c, 1);
}
