// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* privwatch.alert/1: the native alert line (docs/alert-schema.md). */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "alerts/alert.h"
#include "alerts/alert_fields.h"
#include "events/nsnames.h"
#include "events/capnames.h"
#include "events/event_json.h"
#include "events/posture_model.h"
#include "lib/timefmt.h"

void pw_host_info_read(struct pw_host_info *h)
{
	ssize_t n;
	int fd;

	memset(h, 0, sizeof(*h));
	if (gethostname(h->hostname, sizeof(h->hostname) - 1))
		h->hostname[0] = '\0';
	/* The boot id tells two boots of one host apart: pids and cgroup ids
	 * start over at each. Empty (written null) if unreadable. */
	fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, h->boot_id, sizeof(h->boot_id) - 1);
	close(fd);
	if (n < 0)
		n = 0;
	h->boot_id[n] = '\0';
	h->boot_id[strcspn(h->boot_id, "\n")] = '\0';
}

const char *pw_alert_mode_name(enum pw_view_mode m)
{
	static const char *const names[PW_VMODE_COUNT] = {
		[PW_VMODE_DEFAULT] = "default",	      [PW_VMODE_PARTIAL] = "partial",
		[PW_VMODE_PRIVILEGED] = "privileged", [PW_VMODE_HOST] = "host",
		[PW_VMODE_UNKNOWN] = "unknown",
	};

	return (unsigned int)m < PW_VMODE_COUNT ? names[m] : "unknown";
}

const char *pw_alert_phase_name(enum pw_view_phase p)
{
	return p == PW_VPHASE_SETUP ? "setup" : p == PW_VPHASE_STARTED ? "started" : NULL;
}

const char *pw_alert_result_name(enum pw_view_result r)
{
	switch (r) {
	case PW_RESULT_ALLOWED: return "allowed";
	case PW_RESULT_DENIED: return "denied";
	case PW_RESULT_PRE_CHECK: return "pre_check";
	default: return NULL; /* the kind has no outcome: written null */
	}
}

const char *pw_alert_access_name(uint32_t access)
{
	static const char *const names[] = { NULL, "read", "write", "read_write" };

	return names[access & (PW_ACCESS_READ | PW_ACCESS_WRITE)];
}

const char *pw_alert_seccomp_mode_name(uint32_t mode)
{
	static const char *const names[] = { "disabled", "strict", "filter" };

	return mode < sizeof(names) / sizeof(names[0]) ? names[mode] : "unknown";
}

const char *pw_alert_kind_name(const struct pw_view *v)
{
	return v->kind_name && *v->kind_name ? v->kind_name : "unknown";
}

void pw_alert_write_namespace(struct jsonw *w, const struct pw_view *v)
{
	const char *names[PW_NS_TYPES];
	size_t i, n = pw_ns_names(v->ns_flags, names, PW_NS_TYPES);

	jw_key(w, "namespace");
	jw_obj_begin(w);
	jw_kv_str(w, "op", v->ns_op_name && *v->ns_op_name ? v->ns_op_name : "unknown");
	jw_key(w, "types"); /* setns with nstype 0: any, an empty list */
	jw_arr_begin(w);
	for (i = 0; i < n; i++)
		jw_str(w, names[i]);
	jw_arr_end(w);
	jw_obj_end(w);
}

void pw_alert_str_or_null(struct jsonw *w, const char *key, const char *s)
{
	jw_key(w, key);
	if (s && *s)
		jw_str(w, s);
	else
		jw_null(w);
}

void pw_alert_write_argv(struct jsonw *w, const struct pw_view_process *p)
{
	size_t i = 0, n;

	while (p->args && i < p->args_len) {
		n = strnlen(p->args + i, p->args_len - i);
		jw_strn(w, p->args + i, n);
		i += n + 1;
	}
}

void pw_alert_write_relaxed(struct jsonw *w, uint32_t relaxed)
{
	int d;

	for (d = 0; d < PW_DIM_COUNT; d++)
		if (relaxed & (1u << d))
			jw_str(w, pw_dim_name(d));
}

static void write_caps(struct jsonw *w, const char *key, uint64_t caps)
{
	char num[16];
	int cap;

	jw_key(w, key);
	jw_arr_begin(w);
	for (cap = 0; cap < 64; cap++) {
		if (!(caps & (1ULL << cap)))
			continue;
		snprintf(num, sizeof(num), "%d", cap);
		jw_str(w, pw_cap_name(cap) ? pw_cap_name(cap) : num);
	}
	jw_arr_end(w);
}

void pw_alert_write_posture(struct jsonw *w, const struct pw_view_container *c, int omit_empty)
{
	const struct pw_posture *p = c->posture;
	int i;

	if (!p) {
		if (omit_empty)
			return;
		jw_key(w, "pss");
		jw_null(w);
		jw_key(w, "host_namespaces");
		jw_arr_begin(w);
		jw_arr_end(w);
		jw_key(w, "capabilities_added");
		jw_arr_begin(w);
		jw_arr_end(w);
		jw_key(w, "capabilities_dangerous");
		jw_arr_begin(w);
		jw_arr_end(w);
		jw_key(w, "host_mounts");
		jw_arr_begin(w);
		jw_arr_end(w);
		jw_key(w, "uid");
		jw_null(w);
		return;
	}
	jw_key(w, "pss");
	pw_pss_to_json(w, p);
	jw_key(w, "host_namespaces");
	jw_arr_begin(w);
	for (i = 0; i < PW_HOSTNS_COUNT; i++)
		if (p->host_ns & (1u << i))
			jw_str(w, pw_hostns_name(i));
	jw_arr_end(w);
	write_caps(w, "capabilities_added", p->caps_added);
	write_caps(w, "capabilities_dangerous", p->caps_dangerous);
	jw_key(w, "host_mounts");
	jw_arr_begin(w);
	for (i = 0; i < p->nhost_mounts; i++) {
		jw_obj_begin(w);
		jw_kv_str(w, "source", p->host_mounts[i].source);
		jw_kv_str(w, "target", p->host_mounts[i].target);
		jw_kv_str(w, "class", pw_mount_class_name(p->host_mounts[i].mclass));
		jw_kv_bool(w, "rw", p->host_mounts[i].rw);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	if (p->uid >= 0) {
		jw_kv_i64(w, "uid", p->uid);
	} else if (!omit_empty) {
		jw_key(w, "uid");
		jw_null(w);
	}
}

void pw_alert_write_cap(struct jsonw *w, const struct pw_view *v)
{
	const char *name = v->cap_name && *v->cap_name ? v->cap_name : pw_cap_name(v->cap);
	char num[16];

	if (name) {
		jw_str(w, name);
		return;
	}
	/* A capability newer than this build: the number still says which. */
	snprintf(num, sizeof(num), "%d", v->cap);
	jw_str(w, num);
}

void pw_alert_write_container(struct jsonw *w, const struct pw_view_container *c)
{
	jw_key(w, "container");
	if (!c) {
		jw_null(w);
		return;
	}
	jw_obj_begin(w);
	pw_alert_str_or_null(w, "id", c->id);
	pw_alert_str_or_null(w, "name", c->name);
	pw_alert_str_or_null(w, "runtime", c->runtime);
	pw_alert_str_or_null(w, "image", c->image);
	pw_alert_str_or_null(w, "image_digest", c->image_digest);
	pw_alert_str_or_null(w, "pod", c->pod);
	pw_alert_str_or_null(w, "namespace", c->ns);
	jw_kv_str(w, "mode", pw_alert_mode_name(c->mode));
	if (c->mode_reason)
		jw_kv_str(w, "mode_reason", c->mode_reason);
	if (c->facts)
		jw_kv_str(w, "facts", c->facts);
	pw_alert_str_or_null(w, "phase", pw_alert_phase_name(c->phase));
	jw_key(w, "relaxed");
	jw_arr_begin(w);
	pw_alert_write_relaxed(w, c->relaxed);
	jw_arr_end(w);
	pw_alert_write_posture(w, c, 0);
	jw_obj_end(w);
}

static void write_process(struct jsonw *w, const struct pw_alert *a)
{
	const struct pw_view_process *p = &a->v->proc;
	unsigned int i,
		n = a->nancestry < PW_ALERT_ANCESTRY_MAX ? a->nancestry : PW_ALERT_ANCESTRY_MAX;

	jw_key(w, "process");
	jw_obj_begin(w);
	jw_kv_u64(w, "pid", p->pid);
	jw_kv_u64(w, "tid", p->tid);
	jw_kv_u64(w, "ppid", p->ppid);
	jw_kv_u64(w, "uid", p->uid);
	jw_kv_u64(w, "gid", p->gid);
	pw_alert_str_or_null(w, "comm", p->comm);
	pw_alert_str_or_null(w, "exe", p->exe);
	jw_key(w, "argv");
	jw_arr_begin(w);
	pw_alert_write_argv(w, p);
	jw_arr_end(w);
	jw_key(w, "ancestry");
	jw_arr_begin(w);
	for (i = 0; i < n; i++) {
		jw_obj_begin(w);
		jw_kv_u64(w, "pid", a->ancestry[i].pid);
		pw_alert_str_or_null(w, "comm", a->ancestry[i].comm);
		pw_alert_str_or_null(w, "exe", a->ancestry[i].exe);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	pw_alert_str_or_null(w, "session",
			     a->v->container ? pw_alert_session_name(p->session) : NULL);
	jw_key(w, "exec_session");
	if (a->v->container && p->session == PW_VSESSION_EXEC)
		pw_alert_write_exec_session(w, p);
	else
		jw_null(w);
	jw_obj_end(w);
}

const char *pw_alert_session_name(enum pw_view_session s)
{
	switch (s) {
	case PW_VSESSION_ENTRYPOINT: return "entrypoint";
	case PW_VSESSION_EXEC: return "exec";
	default: return "unknown";
	}
}

void pw_alert_write_exec_session(struct jsonw *w, const struct pw_view_process *p)
{
	char when[PW_TIME_LEN];

	jw_obj_begin(w);
	jw_kv_u64(w, "pid", p->session_pid);
	pw_format_time(pw_mono_to_real_ns(p->session_ns), when);
	jw_kv_str(w, "started", when);
	jw_obj_end(w);
}

static int is_device(const struct pw_view *v)
{
	return v->kind == PW_EVENT_OPEN &&
	       (v->object == PW_OBJ_CHARDEV || v->object == PW_OBJ_BLOCKDEV);
}

/* A string member: null when empty, or left out (omit_empty, ECS). */
static void str_member(struct jsonw *w, const char *key, const char *s, int omit_empty)
{
	if (omit_empty && !(s && *s))
		return;
	pw_alert_str_or_null(w, key, s);
}

void pw_alert_write_details(struct jsonw *w, const struct pw_view *v, int omit_empty)
{
	if (is_device(v)) {
		jw_key(w, "device");
		jw_obj_begin(w);
		jw_kv_str(w, "type", v->object == PW_OBJ_CHARDEV ? "char" : "block");
		jw_kv_u64(w, "major", v->dev_major);
		jw_kv_u64(w, "minor", v->dev_minor);
		jw_obj_end(w);
	}
	if (v->kind == PW_EVENT_CAPABILITY) {
		jw_key(w, "capability");
		pw_alert_write_cap(w, v);
		jw_kv_u64(w, "userns_level", v->userns_level);
	}
	if (v->kind == PW_EVENT_NAMESPACE)
		pw_alert_write_namespace(w, v);
	if (v->kind == PW_EVENT_MOUNT) {
		jw_key(w, "mount");
		jw_obj_begin(w);
		jw_kv_str(w, "op",
			  v->mount_op_name && *v->mount_op_name ? v->mount_op_name : "unknown");
		str_member(w, "source", v->source, omit_empty);
		str_member(w, "target", v->path, omit_empty);
		str_member(w, "fstype", v->fstype, omit_empty);
		jw_kv_u64(w, "flags", v->mount_flags);
		if (pw_mount_kind_name(v->mount_kind))
			jw_kv_str(w, "kind", pw_mount_kind_name(v->mount_kind));
		jw_obj_end(w);
	}
	if (v->kind == PW_EVENT_SECCOMP) {
		jw_key(w, "seccomp");
		jw_obj_begin(w);
		str_member(w, "op", v->seccomp_op, omit_empty);
		jw_kv_str(w, "mode_after", pw_alert_seccomp_mode_name(v->seccomp_mode_after));
		jw_obj_end(w);
	}
}

static void write_event(struct jsonw *w, const struct pw_view *v)
{
	jw_key(w, "event");
	jw_obj_begin(w);
	jw_kv_str(w, "kind", pw_alert_kind_name(v));
	pw_alert_str_or_null(w, "result", pw_alert_result_name(v->result));
	jw_kv_i64(w, "errno", v->err);
	pw_alert_str_or_null(w, "path", v->path);
	pw_alert_str_or_null(w, "basename", v->basename);
	if (v->kind == PW_EVENT_OPEN) {
		jw_kv_str(w, "object", pw_object_kind_name(v->object));
		pw_alert_str_or_null(w, "access", pw_alert_access_name(v->access));
		if (v->via != PW_OPEN_VIA_OPEN && pw_open_via_name(v->via))
			jw_kv_str(w, "via", pw_open_via_name(v->via));
		if (v->fs_path && *v->fs_path) /* views built by hand may leave it NULL */
			jw_kv_str(w, "fs_path", v->fs_path);
	}
	pw_alert_write_details(w, v, 0);
	if (v->flags & PW_F_TRUNCATED) {
		jw_kv_bool(w, "truncated", 1);
	}
	jw_obj_end(w);
}

static const char *action_name(enum pw_rule_action a)
{
	return a == PW_ACTION_ALERT_CAPTURE ? "alert+capture" : "alert";
}

static void write_rule(struct jsonw *w, const struct pw_rule_info *r)
{
	char ref[128];
	size_t i;

	jw_key(w, "rule");
	jw_obj_begin(w);
	jw_kv_str(w, "id", r->id);
	jw_kv_str(w, "title", r->title);
	pw_alert_str_or_null(w, "description", r->description);
	pw_alert_str_or_null(w, "remediation", r->remediation);
	pw_alert_rule_reference(r->id, ref, sizeof(ref));
	jw_kv_str(w, "reference", ref);
	jw_kv_str(w, "severity", pw_severity_name(r->severity));
	jw_key(w, "tags");
	jw_arr_begin(w);
	for (i = 0; r->tags && i < r->ntags; i++)
		jw_str(w, r->tags[i]);
	jw_arr_end(w);
	jw_kv_str(w, "action", action_name(r->action));
	jw_obj_end(w);
}

void pw_alert_to_json_head(struct jsonw *w, const struct pw_alert *a, const struct pw_host_info *h)
{
	char when[PW_TIME_LEN], id[PW_ALERT_ID_LEN];

	jw_obj_begin(w);
	jw_kv_str(w, "schema", PW_ALERT_SCHEMA);
	if (!a->id)
		pw_alert_new_id(id, a->time_ns);
	jw_kv_str(w, "id", a->id ? a->id : id);
	pw_format_time(a->time_ns, when);
	jw_kv_str(w, "time", when);
	if (a->count > 1 && a->first_time_ns) {
		pw_format_time(a->first_time_ns, when);
		jw_kv_str(w, "first_time", when);
	}
	jw_key(w, "host");
	jw_obj_begin(w);
	pw_alert_str_or_null(w, "hostname", h->hostname);
	pw_alert_str_or_null(w, "boot_id", h->boot_id);
	jw_obj_end(w);
	write_rule(w, a->rule);
	jw_kv_str(w, "summary", a->summary ? a->summary : a->rule->title);
	pw_alert_write_container(w, a->v->container);
	write_process(w, a);
	write_event(w, a->v);
	jw_key(w, "capture");
	if ((a->capture_id && *a->capture_id) || a->capture_status) {
		jw_obj_begin(w);
		pw_alert_str_or_null(w, "id", a->capture_id);
		pw_alert_str_or_null(w, "file", a->capture_file);
		if (a->capture_status)
			jw_kv_str(w, "status", a->capture_status);
		if (a->capture_reason)
			jw_kv_str(w, "reason", a->capture_reason);
		jw_obj_end(w);
	} else {
		jw_null(w);
	}
}

void pw_alert_tail(struct jsonw *w, enum pw_alert_format f, uint64_t count)
{
	jw_kv_u64(w, "count", count ? count : 1);
	if (f == PW_FORMAT_ECS)
		jw_obj_end(w); /* the privwatch object */
	jw_obj_end(w);
}

void pw_alert_to_json(struct jsonw *w, const struct pw_alert *a, const struct pw_host_info *h)
{
	pw_alert_to_json_head(w, a, h);
	pw_alert_tail(w, PW_FORMAT_NATIVE, a->count);
}
