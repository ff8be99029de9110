// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The alert on Elastic Common Schema 8.x field names, as nested objects
 * (docs/alert-schema.md has the table). What ECS has no field for goes
 * under "privwatch", whose last member is the count so folding works as
 * for the native line.
 */
#define _GNU_SOURCE /* strerrorname_np */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "alerts/alert.h"
#include "alerts/alert_fields.h"
#include "events/event_json.h"
#include "lib/timefmt.h"

#define PW_ECS_VERSION "8.11.0"

/* Numeric severity: Elastic Security's default risk score per level, so
 * its severity mapping works without an override. */
static unsigned int ecs_severity(enum pw_severity s)
{
	static const unsigned int map[PW_SEV_COUNT] = { 1, 21, 47, 73, 99 };

	return (unsigned int)s < PW_SEV_COUNT ? map[s] : 1;
}

struct ecs_cat {
	const char *category, *type;
};

/* event.category / event.type, from the ECS allowed values. */
static struct ecs_cat ecs_categorize(const struct pw_view *v)
{
	switch (v->kind) {
	case PW_EVENT_OPEN:
		return (struct ecs_cat){ "file",
					 (v->access & PW_ACCESS_WRITE) ? "change" : "access" };
	case PW_EVENT_CAPABILITY: return (struct ecs_cat){ "process", "access" };
	case PW_EVENT_MOUNT: return (struct ecs_cat){ "configuration", "change" };
	case PW_EVENT_SECCOMP: return (struct ecs_cat){ "process", "change" };
	case PW_EVENT_NAMESPACE: return (struct ecs_cat){ "process", "change" };
	case PW_EVENT_EXEC:
	case PW_EVENT_FORK:
	case PW_VIEW_CONTAINER_START: return (struct ecs_cat){ "process", "start" };
	case PW_EVENT_EXIT: return (struct ecs_cat){ "process", "end" };
	case PW_EVENT_CGROUP_MKDIR: return (struct ecs_cat){ "configuration", "creation" };
	case PW_EVENT_CGROUP_RMDIR: return (struct ecs_cat){ "configuration", "deletion" };
	case PW_VIEW_AGENT_HEALTH: return (struct ecs_cat){ "configuration", "change" };
	case PW_EVENT_CGROUP_MOVE: return (struct ecs_cat){ "process", "change" };
	case PW_EVENT_TAMPER: return (struct ecs_cat){ "configuration", "access" };
	default: return (struct ecs_cat){ "host", "info" };
	}
}

/* Kinds without a result happened (an exec, a start): success. pre_check
 * is unknown: the kernel may still refuse after the LSM hook. */
static const char *ecs_outcome(enum pw_view_result r)
{
	switch (r) {
	case PW_RESULT_DENIED: return "failure";
	case PW_RESULT_PRE_CHECK: return "unknown";
	default: return "success";
	}
}

/* "T1611" or "T1611.001": an ATT&CK technique id, sub-technique or not. */
static int attack_id(const char *t, int *sub)
{
	int i;

	if (!t || t[0] != 'T')
		return 0;
	for (i = 1; i < 5; i++)
		if (!isdigit((unsigned char)t[i]))
			return 0;
	*sub = t[5] == '.';
	if (!t[5])
		return 1;
	return *sub && isdigit((unsigned char)t[6]) && isdigit((unsigned char)t[7]) &&
	       isdigit((unsigned char)t[8]) && !t[9];
}

static void write_threat(struct jsonw *w, const struct pw_rule_info *r)
{
	size_t i, j, nt = 0, ns = 0;
	int sub, dup;

	for (i = 0; r->tags && i < r->ntags; i++)
		if (attack_id(r->tags[i], &sub))
			sub ? ns++ : nt++;
	if (!nt && !ns)
		return;
	jw_key(w, "threat");
	jw_obj_begin(w);
	jw_kv_str(w, "framework", "MITRE ATT&CK");
	jw_key(w, "technique");
	jw_obj_begin(w);
	/* technique.id holds every technique, a sub-technique's parent too
	 * (once), as ECS expects both levels filled for a sub-technique. */
	jw_key(w, "id");
	jw_arr_begin(w);
	for (i = 0; i < r->ntags; i++) {
		if (!attack_id(r->tags[i], &sub))
			continue;
		for (dup = 0, j = 0; j < i && !dup; j++) {
			int s2;

			dup = attack_id(r->tags[j], &s2) && !strncmp(r->tags[i], r->tags[j], 5);
		}
		if (!dup)
			jw_strn(w, r->tags[i], 5);
	}
	jw_arr_end(w);
	if (ns) {
		jw_key(w, "subtechnique");
		jw_obj_begin(w);
		jw_key(w, "id");
		jw_arr_begin(w);
		for (i = 0; i < r->ntags; i++)
			if (attack_id(r->tags[i], &sub) && sub)
				jw_str(w, r->tags[i]);
		jw_arr_end(w);
		jw_obj_end(w);
	}
	jw_obj_end(w);
	jw_obj_end(w);
}

static void kv_nonempty(struct jsonw *w, const char *key, const char *s)
{
	if (s && *s)
		jw_kv_str(w, key, s);
}

/* ECS ids of users and groups are keywords: strings. */
static void kv_id(struct jsonw *w, const char *key, uint32_t id)
{
	char b[16];

	snprintf(b, sizeof(b), "%u", id);
	jw_key(w, key);
	jw_obj_begin(w);
	jw_kv_str(w, "id", b);
	jw_obj_end(w);
}

static void write_process(struct jsonw *w, const struct pw_alert *a)
{
	const struct pw_view_process *p = &a->v->proc;
	const struct pw_alert_ancestor *par = a->nancestry ? &a->ancestry[0] : NULL;
	uint32_t argc = 0, i = 0;

	jw_key(w, "process");
	jw_obj_begin(w);
	jw_kv_u64(w, "pid", p->pid);
	jw_key(w, "thread");
	jw_obj_begin(w);
	jw_kv_u64(w, "id", p->tid);
	jw_obj_end(w);
	kv_nonempty(w, "name", p->comm);
	kv_nonempty(w, "executable", p->exe);
	jw_key(w, "args");
	jw_arr_begin(w);
	pw_alert_write_argv(w, p);
	jw_arr_end(w);
	while (p->args && i < p->args_len) {
		i += strnlen(p->args + i, p->args_len - i) + 1;
		argc++;
	}
	jw_kv_u64(w, "args_count", argc);
	jw_key(w, "parent");
	jw_obj_begin(w);
	jw_kv_u64(w, "pid", p->ppid);
	/* The ancestry's first entry is the parent only if its pid says so. */
	if (par && par->pid == p->ppid) {
		kv_nonempty(w, "name", par->comm);
		kv_nonempty(w, "executable", par->exe);
	}
	jw_obj_end(w);
	kv_id(w, "user", p->uid);
	kv_id(w, "group", p->gid);
	/* ECS's entry leader: the first process a user entered the container
	 * with. An exec session's is known; the entrypoint tree's is not
	 * tracked per process. */
	if (a->v->container && p->session == PW_VSESSION_EXEC) {
		char when[PW_TIME_LEN];

		jw_key(w, "entry_leader");
		jw_obj_begin(w);
		jw_kv_u64(w, "pid", p->session_pid);
		pw_format_time(pw_mono_to_real_ns(p->session_ns), when);
		jw_kv_str(w, "start", when);
		jw_obj_end(w);
	}
	jw_obj_end(w);
}

static void write_container(struct jsonw *w, const struct pw_view_container *c)
{
	jw_key(w, "container");
	jw_obj_begin(w);
	kv_nonempty(w, "id", c->id);
	kv_nonempty(w, "name", c->name);
	kv_nonempty(w, "runtime", c->runtime);
	if ((c->image && *c->image) || (c->image_digest && *c->image_digest)) {
		jw_key(w, "image");
		jw_obj_begin(w);
		kv_nonempty(w, "name", c->image);
		if (c->image_digest && *c->image_digest) {
			jw_key(w, "hash");
			jw_obj_begin(w);
			jw_key(w, "all");
			jw_arr_begin(w);
			jw_str(w, c->image_digest);
			jw_arr_end(w);
			jw_obj_end(w);
		}
		jw_obj_end(w);
	}
	/* Only a measured posture says whether it is privileged. */
	if (c->mode <= PW_VMODE_PRIVILEGED) {
		jw_key(w, "security_context");
		jw_obj_begin(w);
		jw_kv_bool(w, "privileged", c->mode == PW_VMODE_PRIVILEGED);
		jw_obj_end(w);
	}
	jw_obj_end(w);
	if (c->pod && *c->pod) {
		jw_key(w, "orchestrator");
		jw_obj_begin(w);
		jw_kv_str(w, "type", "kubernetes");
		kv_nonempty(w, "namespace", c->ns);
		jw_key(w, "resource");
		jw_obj_begin(w);
		jw_kv_str(w, "type", "pod");
		jw_kv_str(w, "name", c->pod);
		jw_obj_end(w);
		jw_obj_end(w);
	}
}

static void write_privwatch(struct jsonw *w, const struct pw_alert *a)
{
	const struct pw_view *v = a->v;
	const struct pw_view_container *c = v->container;
	const char *acc = pw_alert_access_name(v->access);
	char when[PW_TIME_LEN];
	unsigned int i;

	jw_key(w, "privwatch");
	jw_obj_begin(w);
	jw_kv_str(w, "schema", PW_ALERT_SCHEMA);
	jw_kv_str(w, "severity", pw_severity_name(a->rule->severity));
	/* ECS's rule has no field for what to do about it. */
	kv_nonempty(w, "remediation", a->rule->remediation);
	jw_kv_str(w, "kind", pw_alert_kind_name(v));
	if (pw_alert_result_name(v->result)) {
		jw_kv_str(w, "result", pw_alert_result_name(v->result));
	}
	jw_kv_i64(w, "errno", v->err);
	if (c) {
		jw_key(w, "container");
		jw_obj_begin(w);
		jw_kv_str(w, "mode", pw_alert_mode_name(c->mode));
		if (pw_alert_phase_name(c->phase)) {
			jw_kv_str(w, "phase", pw_alert_phase_name(c->phase));
		}
		jw_key(w, "relaxed");
		jw_arr_begin(w);
		pw_alert_write_relaxed(w, c->relaxed);
		jw_arr_end(w);
		pw_alert_write_posture(w, c, 1);
		/* containerd's namespace without a pod has no ECS field. */
		if (c->ns && *c->ns && !(c->pod && *c->pod)) {
			jw_kv_str(w, "namespace", c->ns);
		}
		jw_obj_end(w);
	}
	if (v->kind == PW_EVENT_OPEN) {
		jw_kv_str(w, "object", pw_object_kind_name(v->object));
		if (acc) {
			jw_kv_str(w, "access", acc);
		}
		if (v->via != PW_OPEN_VIA_OPEN && pw_open_via_name(v->via))
			jw_kv_str(w, "via", pw_open_via_name(v->via));
	}
	pw_alert_write_details(w, v, 1);
	if (c) {
		jw_kv_str(w, "session", pw_alert_session_name(v->proc.session));
		if (v->proc.session == PW_VSESSION_EXEC) {
			jw_key(w, "exec_session");
			pw_alert_write_exec_session(w, &v->proc);
		}
	}
	/* ECS has one parent level; the rest of the chain is ours. */
	jw_key(w, "ancestry");
	jw_arr_begin(w);
	for (i = 0; i < a->nancestry && i < PW_ALERT_ANCESTRY_MAX; i++) {
		jw_obj_begin(w);
		jw_kv_u64(w, "pid", a->ancestry[i].pid);
		kv_nonempty(w, "comm", a->ancestry[i].comm);
		kv_nonempty(w, "exe", a->ancestry[i].exe);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	if (v->flags & PW_F_TRUNCATED) {
		jw_kv_bool(w, "truncated", 1);
	}
	if ((a->capture_id && *a->capture_id) || a->capture_status) {
		jw_key(w, "capture");
		jw_obj_begin(w);
		kv_nonempty(w, "id", a->capture_id);
		kv_nonempty(w, "file", a->capture_file);
		kv_nonempty(w, "status", a->capture_status);
		kv_nonempty(w, "reason", a->capture_reason);
		jw_obj_end(w);
	}
	if (a->count > 1 && a->first_time_ns) {
		pw_format_time(a->first_time_ns, when);
		jw_kv_str(w, "first_time", when);
	}
	/* left open: pw_alert_tail writes "count" and closes it */
}

void pw_alert_to_ecs_head(struct jsonw *w, const struct pw_alert *a, const struct pw_host_info *h)
{
	const struct pw_view *v = a->v;
	const struct pw_rule_info *r = a->rule;
	struct ecs_cat cat = ecs_categorize(v);
	char when[PW_TIME_LEN], num[16], id[PW_ALERT_ID_LEN], ref[128];
	const char *ename;
	struct timespec now;
	size_t i;

	jw_obj_begin(w);
	pw_format_time(a->time_ns, when);
	jw_kv_str(w, "@timestamp", when);
	jw_key(w, "ecs");
	jw_obj_begin(w);
	jw_kv_str(w, "version", PW_ECS_VERSION);
	jw_obj_end(w);
	jw_kv_str(w, "message", a->summary ? a->summary : r->title);

	jw_key(w, "event");
	jw_obj_begin(w);
	if (!a->id)
		pw_alert_new_id(id, a->time_ns);
	jw_kv_str(w, "id", a->id ? a->id : id);
	jw_kv_str(w, "kind", "alert");
	jw_kv_str(w, "module", "privwatch");
	jw_kv_str(w, "dataset", "privwatch.alert");
	jw_key(w, "category");
	jw_arr_begin(w);
	jw_str(w, cat.category);
	jw_arr_end(w);
	jw_key(w, "type");
	jw_arr_begin(w);
	jw_str(w, cat.type);
	jw_arr_end(w);
	jw_kv_str(w, "action", pw_alert_kind_name(v));
	jw_kv_str(w, "outcome", ecs_outcome(v->result));
	jw_kv_u64(w, "severity", ecs_severity(r->severity));
	jw_kv_u64(w, "risk_score", ecs_severity(r->severity));
	clock_gettime(CLOCK_REALTIME, &now);
	pw_format_time((uint64_t)now.tv_sec * 1000000000 + now.tv_nsec, when);
	jw_kv_str(w, "created", when);
	/* A folded alert spans first occurrence to this one. */
	if (a->count > 1 && a->first_time_ns) {
		pw_format_time(a->first_time_ns, when);
		jw_kv_str(w, "start", when);
		pw_format_time(a->time_ns, when);
		jw_kv_str(w, "end", when);
	}
	jw_obj_end(w);

	jw_key(w, "rule");
	jw_obj_begin(w);
	jw_kv_str(w, "id", r->id);
	jw_kv_str(w, "name", r->title);
	kv_nonempty(w, "description", r->description);
	pw_alert_rule_reference(r->id, ref, sizeof(ref));
	jw_kv_str(w, "reference", ref);
	jw_kv_str(w, "category", cat.category);
	jw_kv_str(w, "ruleset", "privwatch");
	jw_obj_end(w);
	write_threat(w, r);
	if (r->ntags) {
		jw_key(w, "tags");
		jw_arr_begin(w);
		for (i = 0; r->tags && i < r->ntags; i++)
			jw_str(w, r->tags[i]);
		jw_arr_end(w);
	}

	jw_key(w, "host");
	jw_obj_begin(w);
	kv_nonempty(w, "hostname", h->hostname);
	kv_nonempty(w, "name", h->hostname);
	if (h->boot_id[0]) {
		jw_key(w, "boot");
		jw_obj_begin(w);
		jw_kv_str(w, "id", h->boot_id);
		jw_obj_end(w);
	}
	jw_obj_end(w);
	if (v->container)
		write_container(w, v->container);
	write_process(w, a);
	kv_id(w, "user", v->proc.uid);

	if (v->kind == PW_EVENT_OPEN && v->path && *v->path) {
		jw_key(w, "file");
		jw_obj_begin(w);
		jw_kv_str(w, "path", v->path);
		kv_nonempty(w, "name", v->basename);
		jw_obj_end(w);
	}
	if (v->result == PW_RESULT_DENIED && v->err) {
		ename = strerrorname_np(v->err);
		snprintf(num, sizeof(num), "%d", v->err);
		jw_key(w, "error");
		jw_obj_begin(w);
		jw_kv_str(w, "code", ename ? ename : num);
		jw_obj_end(w);
	}
	write_privwatch(w, a);
}

void pw_alert_to_ecs(struct jsonw *w, const struct pw_alert *a, const struct pw_host_info *h)
{
	pw_alert_to_ecs_head(w, a, h);
	pw_alert_tail(w, PW_FORMAT_ECS, a->count);
}

/* The string value of "key" among the first members of a native line (its
 * writers put schema, kind and time first); NULL if not there. */
static const char *leading_str(const char *line, size_t len, const char *key, size_t *n)
{
	char pat[32];
	const char *s, *e, *end = line + (len < 256 ? len : 256);

	snprintf(pat, sizeof(pat), "\"%s\":\"", key);
	s = memmem(line, end - line, pat, strlen(pat));
	if (!s)
		return NULL;
	s += strlen(pat);
	e = memchr(s, '"', line + len - s);
	if (!e)
		return NULL;
	*n = e - s;
	return s;
}

struct ecs_record_kind {
	const char *name, *kind, *category, *type;
};

/* By the schema's name (privwatch.NAME/1); privwatch.event/1 by its kind. */
static const struct ecs_record_kind record_kinds[] = {
	{ "start", "event", "process", "start" }, { "reload", "event", "configuration", "change" },
	{ "stats", "metric", "host", "info" },	  { "lost", "metric", "host", "info" },
	{ "inventory", "state", "host", "info" }, { "health", "state", "host", "info" },
};

static const struct ecs_record_kind event_kinds[] = {
	{ "exec", "event", "process", "start" },
	{ "fork", "event", "process", "start" },
	{ "exit", "event", "process", "end" },
	{ "open", "event", "file", "access" },
	{ "capability", "event", "process", "access" },
	{ "cgroup_mkdir", "event", "configuration", "creation" },
	{ "cgroup_rmdir", "event", "configuration", "deletion" },
};

static const struct ecs_record_kind *find_kind(const struct ecs_record_kind *t, size_t n,
					       const char *name, size_t len)
{
	size_t i;

	for (i = 0; name && i < n; i++)
		if (strlen(t[i].name) == len && !memcmp(t[i].name, name, len))
			return &t[i];
	return NULL;
}

void pw_record_to_ecs(struct jsonw *w, const char *line, size_t len, const struct pw_host_info *h)
{
	static const struct ecs_record_kind other = { "", "event", "host", "info" },
					    change = { "", "event", "configuration", "change" };
	const struct ecs_record_kind *k = NULL;
	const char *schema, *time, *name = NULL, *ekind;
	size_t slen = 0, tlen = 0, nlen = 0, eklen = 0;
	char when[PW_TIME_LEN], dataset[64];
	struct timespec now;

	if (len && line[len - 1] == '\n')
		len--;
	schema = leading_str(line, len, "schema", &slen);
	/* "privwatch.stats/1" -> "stats" */
	if (schema && slen > 10 && !memcmp(schema, "privwatch.", 10)) {
		name = schema + 10;
		nlen = (const char *)memchr(name, '/', slen - 10)
			       ? (size_t)((const char *)memchr(name, '/', slen - 10) - name)
			       : slen - 10;
	}
	if (name && nlen == 5 && !memcmp(name, "event", 5)) {
		ekind = leading_str(line, len, "kind", &eklen);
		k = find_kind(event_kinds, sizeof(event_kinds) / sizeof(event_kinds[0]), ekind,
			      eklen);
		if (!k)
			k = &change; /* mount, namespace, seccomp, cgroup moves, tamper */
	} else {
		k = find_kind(record_kinds, sizeof(record_kinds) / sizeof(record_kinds[0]), name,
			      nlen);
	}
	if (!k)
		k = &other;
	snprintf(dataset, sizeof(dataset), "privwatch.%.*s", name ? (int)nlen : 6,
		 name ? name : "record");

	jw_obj_begin(w);
	time = leading_str(line, len, "time", &tlen);
	if (time && tlen < PW_TIME_LEN) {
		jw_kv_strn(w, "@timestamp", time, tlen);
	} else {
		clock_gettime(CLOCK_REALTIME, &now);
		pw_format_time((uint64_t)now.tv_sec * 1000000000 + now.tv_nsec, when);
		jw_kv_str(w, "@timestamp", when);
	}
	jw_key(w, "ecs");
	jw_obj_begin(w);
	jw_kv_str(w, "version", PW_ECS_VERSION);
	jw_obj_end(w);
	jw_key(w, "event");
	jw_obj_begin(w);
	jw_kv_str(w, "kind", k->kind);
	jw_kv_str(w, "module", "privwatch");
	jw_kv_str(w, "dataset", dataset);
	jw_key(w, "category");
	jw_arr_begin(w);
	jw_str(w, k->category);
	jw_arr_end(w);
	jw_key(w, "type");
	jw_arr_begin(w);
	jw_str(w, k->type);
	jw_arr_end(w);
	jw_obj_end(w);
	jw_key(w, "host");
	jw_obj_begin(w);
	kv_nonempty(w, "hostname", h->hostname);
	kv_nonempty(w, "name", h->hostname);
	if (h->boot_id[0]) {
		jw_key(w, "boot");
		jw_obj_begin(w);
		jw_kv_str(w, "id", h->boot_id);
		jw_obj_end(w);
	}
	jw_obj_end(w);
	jw_key(w, "privwatch");
	jw_rawn(w, line, len);
	jw_obj_end(w);
}
