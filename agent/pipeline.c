// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "alerts/alert_fields.h"
#include "events/event_json.h"
#include "lib/log.h"
#include "pipeline.h"
#include "host/process_table.h"
#include "lib/timefmt.h"

#define PW_MAX_HITS 32 /* rules one event can fire at once */

void pw_pipeline_emit(struct pw_pipeline *p, enum pw_record_class cls, enum pw_severity sev)
{
	size_t len;
	const char *line = jw_line(&p->w, &len);

	if (line)
		pw_sinks_write(p->sinks, line, len, cls, sev);
	else
		p->write_failed = 1; /* out of memory building the line */
	jw_reset(&p->w);
}

static int load_rules(const struct pw_pipeline_opts *o, struct pw_ruleset **out, char *err,
		      size_t errlen)
{
	struct pw_rules_opts ro = { .disabled = o->disabled, .ndisabled = o->ndisabled };
	struct pw_rules_error e;

	*out = NULL;
	if (!o->rules_path)
		return 0;
	if (pw_rules_load(o->rules_path, &ro, out, &e)) {
		snprintf(err, errlen, "%s", e.text);
		return -1;
	}
	return 0;
}

int pw_pipeline_init(struct pw_pipeline *p, const struct pw_pipeline_opts *o,
		     struct pw_sinks *sinks, char *err, size_t errlen)
{
	memset(p, 0, sizeof(*p));
	p->o = *o;
	p->sinks = sinks;
	jw_init(&p->w);
	pw_host_info_read(&p->host);
	if (load_rules(o, &p->rules, err, errlen))
		return -1;
	p->procs = pw_ptable_new(NULL, 0);
	p->fold = pw_fold_new(o->fold_window_ns, 0);
	if (!p->procs || !p->fold || pw_ctable_init(&p->table, "/", 1)) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

void pw_pipeline_free(struct pw_pipeline *p)
{
	pw_ruleset_free(p->rules);
	pw_ptable_free(p->procs);
	pw_fold_free(p->fold);
	pw_ctable_free(&p->table);
	jw_free(&p->w);
}

static enum pw_view_mode view_mode(const struct pw_ct_container *c)
{
	if (c->posture_rc)
		return PW_VMODE_UNKNOWN;
	switch (c->posture.mode) {
	case PW_POSTURE_PRIVILEGED: return PW_VMODE_PRIVILEGED;
	case PW_POSTURE_PARTIAL: return PW_VMODE_PARTIAL;
	default: return PW_VMODE_DEFAULT;
	}
}

static void container_view(const struct pw_ct_container *c, struct pw_view_container *vc)
{
	int d;

	memset(vc, 0, sizeof(*vc));
	vc->id = c->ref.id;
	vc->name = c->meta.name;
	vc->runtime = pw_runtime_name(c->ref.runtime);
	vc->image = c->meta.image;
	vc->pod = c->meta.pod_name;
	vc->ns = c->meta.pod_namespace[0] ? c->meta.pod_namespace : c->ref.ns;
	vc->phase = c->phase == PW_PHASE_STARTED ? PW_VPHASE_STARTED : PW_VPHASE_SETUP;
	vc->mode = view_mode(c);
	if (!c->posture_rc) {
		vc->posture = &c->posture;
		for (d = 0; d < PW_DIM_COUNT; d++)
			if (c->posture.dim[d].state == PW_DIM_RELAXED)
				vc->relaxed |= 1u << d;
	}
}

/* The process as the table knows it: what the record itself lacks. */
static void process_view(struct pw_pipeline *p, struct pw_view *v)
{
	const struct pw_proc *pr = pw_ptable_get(p->procs, v->proc.pid);

	if (!pr)
		return;
	if (!v->proc.ppid)
		v->proc.ppid = pr->ppid;
	if (!v->proc.exe[0])
		v->proc.exe = pr->exe;
	if (!v->proc.args) {
		v->proc.args = pr->args;
		v->proc.args_len = pr->args_len;
	}
}

/* What an alert is "about", for folding: the file, mount point, capability... */
static const char *fold_target(const struct pw_view *v)
{
	if (v->kind == PW_EVENT_CAPABILITY)
		return v->cap_name;
	if (v->kind == PW_EVENT_SECCOMP)
		return v->seccomp_op;
	return v->path;
}

static void render_alert(struct pw_pipeline *p, const struct pw_alert *a, int head_only)
{
	if (p->o.format == PW_FORMAT_ECS)
		head_only ? pw_alert_to_ecs_head(&p->w, a, &p->host)
			  : pw_alert_to_ecs(&p->w, a, &p->host);
	else
		head_only ? pw_alert_to_json_head(&p->w, a, &p->host)
			  : pw_alert_to_json(&p->w, a, &p->host);
}

static void emit_alert(struct pw_pipeline *p, const struct pw_rule_info *info,
		       const struct pw_view *v)
{
	struct pw_alert_attrs attrs = {
		.rule_id = info->id,
		.container_id = v->container ? v->container->id : NULL,
	};
	size_t len;
	const char *line = jw_line(&p->w, &len);

	if (line) {
		pw_sinks_write_alert(p->sinks, line, len, info->severity, &attrs);
		p->alerts.written++;
	} else {
		p->write_failed = 1;
	}
	jw_reset(&p->w);
}

static void raise_alert(struct pw_pipeline *p, const struct pw_rule *r, const struct pw_view *v)
{
	const struct pw_rule_info *info = pw_rule_info(r);
	const struct pw_proc *anc[PW_ALERT_ANCESTRY_MAX];
	struct pw_fold_entry *fe;
	struct pw_alert a = {};
	char summary[512], cgid[24];
	const char *container = cgid;
	size_t i, n;
	int need_head;

	p->alerts.matched++;
	p->alerts.by_severity[info->severity]++;
	if (v->container)
		container = v->container->id;
	else
		snprintf(cgid, sizeof(cgid), "%llu", (unsigned long long)v->cgroup_id);
	if (!pw_fold_check(p->fold, info->id, container, v->proc.exe, fold_target(v), v->ts_ns, &fe,
			   &need_head) &&
	    !need_head)
		return; /* a repeat, counted in its window */

	pw_rule_format_output(r, v, summary, sizeof(summary));
	a.rule = info;
	a.summary = summary;
	a.v = v;
	a.time_ns = pw_mono_to_real_ns(v->ts_ns);
	a.count = 1;
	n = pw_ptable_ancestry(p->procs, v->proc.pid, anc, PW_ALERT_ANCESTRY_MAX);
	for (i = 0; i < n; i++) {
		a.ancestry[i].pid = anc[i]->pid;
		a.ancestry[i].comm = anc[i]->comm;
		a.ancestry[i].exe = anc[i]->exe;
	}
	a.nancestry = n;
	if (fe) {
		/* The first repeat in a window: kept, written with the count later. */
		size_t len;
		const char *head;

		render_alert(p, &a, 1);
		head = jw_line(&p->w, &len); /* "...}\n": the head is all but the newline */
		if (head && pw_fold_keep_head(fe, head, len - 1, info->severity))
			pw_warn("out of memory: a folded alert will be reported without details\n");
		jw_reset(&p->w);
		return;
	}
	render_alert(p, &a, 0);
	emit_alert(p, info, v);
}

void pw_pipeline_agent_alert(struct pw_pipeline *p, const struct pw_rule_info *info,
			     const char *summary, const char *concern)
{
	struct pw_alert a = {};
	struct pw_view v;
	struct timespec ts;

	pw_view_agent_health(&v, getpid(), concern);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	v.ts_ns = (uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	p->alerts.matched++;
	p->alerts.by_severity[info->severity]++;
	a.rule = info;
	a.summary = summary;
	a.v = &v;
	a.time_ns = pw_mono_to_real_ns(v.ts_ns);
	a.count = 1;
	render_alert(p, &a, 0);
	emit_alert(p, info, &v);
}

static void evaluate(struct pw_pipeline *p, const struct pw_view *v)
{
	const struct pw_rule *hits[PW_MAX_HITS];
	size_t i, n;

	if (!p->rules)
		return;
	n = pw_rules_match(p->rules, v, hits, PW_MAX_HITS);
	if (n > PW_MAX_HITS) {
		p->alerts.truncated++;
		n = PW_MAX_HITS;
	}
	for (i = 0; i < n; i++)
		raise_alert(p, hits[i], v);
}

/* The entrypoint started: posture is known, rules on it are evaluated. */
static void container_started(struct pw_pipeline *p, const struct pw_ct_container *c,
			      uint64_t ts_ns, uint32_t pid)
{
	struct pw_view_container vc;
	struct pw_view v;

	container_view(c, &vc);
	pw_view_container_start(&v, &vc, c->cgroup_id, pid);
	v.ts_ns = ts_ns;
	process_view(p, &v);
	evaluate(p, &v);
}

void pw_pipeline_running_containers(struct pw_pipeline *p)
{
	uint64_t now = 0;
	struct timespec ts;
	struct pw_ct_container *c;
	uint64_t id;
	size_t i = 0;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	/* each container once: at the slot of its own cgroup */
	while ((c = pw_ctable_next(&p->table, &i, &id)))
		if (id == c->cgroup_id && !c->pending && c->phase == PW_PHASE_STARTED)
			container_started(p, c, now, c->start_pid);
}

static void inventory_container(struct jsonw *w, const struct pw_ct_container *c)
{
	const struct pw_posture *pp = c->posture_rc ? NULL : &c->posture;
	uint32_t md = pp ? pw_posture_mode_dims(pp) : 0;
	int d;

	jw_obj_begin(w);
	jw_kv_str(w, "id", c->ref.id);
	pw_alert_str_or_null(w, "name", c->meta.name);
	jw_kv_str(w, "runtime", pw_runtime_name(c->ref.runtime));
	pw_alert_str_or_null(w, "image", c->meta.image);
	pw_alert_str_or_null(w, "pod", c->meta.pod_name);
	pw_alert_str_or_null(w, "namespace",
			     c->meta.pod_namespace[0] ? c->meta.pod_namespace : c->ref.ns);
	jw_kv_str(w, "phase", c->phase == PW_PHASE_STARTED ? "started" : "setup");
	jw_key(w, "runtime_privileged");
	if (c->meta.privileged == PW_PRIV_UNKNOWN)
		jw_null(w);
	else
		jw_bool(w, c->meta.privileged == PW_PRIV_YES);
	jw_kv_str(w, "mode", pp ? pw_posture_mode_name(pp->mode) : "unknown");
	jw_key(w, "mode_relaxed");
	jw_arr_begin(w);
	for (d = 0; d < PW_DIM_COUNT; d++)
		if (md & (1u << d))
			jw_str(w, pw_dim_name(d));
	jw_arr_end(w);
	jw_key(w, "relaxed");
	jw_arr_begin(w);
	for (d = 0; pp && d < PW_DIM_COUNT; d++)
		if (pp->dim[d].state == PW_DIM_RELAXED)
			jw_str(w, pw_dim_name(d));
	jw_arr_end(w);
	{
		struct pw_view_container vc = { .posture = pp };

		pw_alert_write_posture(w, &vc, 0);
	}
	jw_obj_end(w);
}

void pw_pipeline_inventory(struct pw_pipeline *p, const char *reason)
{
	struct jsonw *w = &p->w;
	struct pw_ct_container *c;
	char when[PW_TIME_LEN];
	struct timespec ts;
	uint64_t id, n = 0;
	size_t i = 0;

	clock_gettime(CLOCK_REALTIME, &ts);
	pw_format_time((uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec, when);
	jw_obj_begin(w);
	jw_kv_str(w, "schema", PW_INVENTORY_SCHEMA);
	jw_kv_str(w, "time", when);
	jw_key(w, "host");
	jw_obj_begin(w);
	pw_alert_str_or_null(w, "hostname", p->host.hostname);
	pw_alert_str_or_null(w, "boot_id", p->host.boot_id);
	jw_obj_end(w);
	jw_kv_str(w, "reason", reason);
	jw_key(w, "containers");
	jw_arr_begin(w);
	/* each container once: at the slot of its own cgroup */
	while ((c = pw_ctable_next(&p->table, &i, &id)))
		if (id == c->cgroup_id && !c->pending) {
			inventory_container(w, c);
			n++;
		}
	jw_arr_end(w);
	jw_kv_u64(w, "count", n);
	jw_obj_end(w);
	pw_pipeline_emit(p, PW_REC_META, PW_SEV_INFO);
}

static void write_event(struct pw_pipeline *p, const struct pw_event_kind *kind,
			const struct pw_event_header *h, const struct pw_ct_container *c)
{
	struct pw_view_container vc;

	if (c)
		container_view(c, &vc);
	pw_event_to_json_ctx(&p->w, kind, h, c ? &vc : NULL);
	pw_pipeline_emit(p, PW_REC_EVENT, PW_SEV_INFO);
}

/* Follow the kernel's cgroup and exec records; returns the event's
 * container and whether this event started it. */
static struct pw_ct_container *track(struct pw_pipeline *p, const struct pw_event_header *h,
				     int *started)
{
	const struct pw_cgroup_event *cg = (const void *)h;
	struct pw_ct_container *c;

	*started = 0;
	if (h->type == PW_EVENT_CGROUP_MKDIR) {
		char path[PW_PATH_MAX + 1], comm[PW_COMM_LEN + 1];

		/* the record's strings are bounded, not always terminated */
		snprintf(path, sizeof(path), "%.*s", PW_PATH_MAX, cg->path);
		snprintf(comm, sizeof(comm), "%.*s", PW_COMM_LEN, h->comm);
		if (pw_ctable_mkdir_by(&p->table, cg->id, cg->parent_id, path, comm) < 0)
			pw_warn("container table: out of memory, %s not tracked\n", path);
		/* The kernel learns it too: a task placed there takes it as origin. */
		if (p->o.container_cgroup && pw_ctable_lookup(&p->table, cg->id))
			p->o.container_cgroup(p->o.container_cgroup_ctx, cg->id);
	}
	/* Whose is it: the container the task came from, wherever it is now. */
	c = h->origin_cgroup_id ? pw_ctable_lookup(&p->table, h->origin_cgroup_id) : NULL;
	if (!c)
		c = pw_ctable_lookup(&p->table, h->cgroup_id);
	switch (h->type) {
	case PW_EVENT_EXEC: {
		const struct pw_exec_event *e = (const void *)h;
		size_t alen = e->args_len < sizeof(e->args) ? e->args_len : sizeof(e->args);
		char file[PW_PATH_MAX + 1];

		pw_ptable_exec(p->procs, e);
		snprintf(file, sizeof(file), "%.*s", PW_PATH_MAX, e->filename);
		/* What the kernel knows first: the runtime's init re-executing
		 * itself, or ending with the container's first program. Names
		 * only where it knows neither (placed before the agent ran). */
		if (c && (h->flags & PW_F_RUNTIME_INIT_EXEC))
			*started = pw_ctable_start(&p->table, c, h->pid) == 1;
		else if (c && (h->flags & PW_F_RUNTIME_INIT))
			*started = 0;
		else if (c)
			*started = pw_ctable_exec(&p->table, c, h->pid, file, e->args, alen) == 1;
		else if ((c = pw_ctable_exec_unknown(&p->table, h->cgroup_id, h->pid, file, e->args,
						     alen))) {
			*started = c->phase == PW_PHASE_STARTED;
			if (p->o.container_cgroup)
				p->o.container_cgroup(p->o.container_cgroup_ctx, h->cgroup_id);
		}
		break;
	}
	case PW_EVENT_FORK: pw_ptable_fork(p->procs, (const void *)h); break;
	default: break;
	}
	return c;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Rules see only what reaches for privwatch: its own objects, its process. */
static int about_privwatch(const struct pw_pipeline *p, const struct pw_event_header *h)
{
	const struct pw_tamper_event *e = (const void *)h;
	uint64_t key = (uint64_t)e->arg << 32 | e->id;

	if (h->type != PW_EVENT_TAMPER || e->op != PW_TAMPER_BPF_GET_FD)
		return 1;
	return p->o.own_bpf_ids &&
	       bsearch(&key, p->o.own_bpf_ids, p->o.n_own_bpf_ids, sizeof(key), cmp_u64) != NULL;
}

void pw_pipeline_event(void *ctx, const struct pw_event_kind *kind, const struct pw_event_header *h)
{
	struct pw_pipeline *p = ctx;
	struct pw_view_container vc;
	struct pw_ct_container *c;
	struct pw_view v;
	int started;

	c = track(p, h, &started);
	if (started)
		container_started(p, c, h->ts_ns, h->pid);
	if (p->rules && about_privwatch(p, h)) {
		pw_view_from_event(&v, h);
		if (c) {
			container_view(c, &vc);
			v.container = &vc;
		}
		process_view(p, &v);
		evaluate(p, &v);
	}
	if (p->o.events)
		write_event(p, kind, h, c);
	/* Forgotten after use: an alert on this very record still names them. */
	if (h->type == PW_EVENT_EXIT)
		pw_ptable_exit(p->procs, h->pid);
	if (h->type == PW_EVENT_CGROUP_RMDIR)
		pw_ctable_rmdir(&p->table, ((const struct pw_cgroup_event *)h)->id);
}

static void write_summary(void *ctx, const char *head, size_t len, enum pw_severity sev,
			  uint64_t count)
{
	struct pw_pipeline *p = ctx;
	char tail[48];
	char *line;
	int n;

	if (!head)
		return; /* could not be kept (out of memory): warned then */
	/* pw_alert_tail's bytes: ECS keeps the count inside "privwatch" */
	n = snprintf(tail, sizeof(tail), ",\"count\":%llu}%s\n", (unsigned long long)count,
		     p->o.format == PW_FORMAT_ECS ? "}" : "");
	line = malloc(len + n);
	if (!line) {
		p->write_failed = 1;
		return;
	}
	memcpy(line, head, len);
	memcpy(line + len, tail, n);
	pw_sinks_write(p->sinks, line, len + n, PW_REC_ALERT, sev);
	free(line);
	p->alerts.written++;
}

void pw_pipeline_tick(struct pw_pipeline *p, uint64_t now_mono_ns, int all)
{
	pw_fold_flush(p->fold, now_mono_ns, all, write_summary, p);
}

int pw_pipeline_reload(struct pw_pipeline *p, char *err, size_t errlen)
{
	struct pw_ruleset *rs;

	if (load_rules(&p->o, &rs, err, errlen)) {
		p->reload_failures++;
		return -1;
	}
	pw_ruleset_free(p->rules);
	p->rules = rs;
	p->reloads++;
	return 0;
}

void pw_pipeline_counts_json(const struct pw_pipeline *p, struct jsonw *w)
{
	struct pw_fold_stats fs;
	int s;

	pw_fold_stats(p->fold, &fs);
	jw_key(w, "alerts");
	jw_obj_begin(w);
	jw_kv_u64(w, "matched", p->alerts.matched);
	jw_kv_u64(w, "written", p->alerts.written);
	jw_kv_u64(w, "folded", fs.folded);
	jw_kv_u64(w, "summaries", fs.summaries);
	jw_kv_u64(w, "fold_table_full", fs.table_full);
	jw_kv_u64(w, "rules_per_event_overflow", p->alerts.truncated);
	jw_key(w, "by_severity");
	jw_obj_begin(w);
	for (s = 0; s < PW_SEV_COUNT; s++)
		jw_kv_u64(w, pw_severity_name(s), p->alerts.by_severity[s]);
	jw_obj_end(w);
	jw_obj_end(w);
	jw_key(w, "rules");
	jw_obj_begin(w);
	jw_kv_u64(w, "loaded", p->rules ? pw_ruleset_count(p->rules) : 0);
	jw_kv_u64(w, "disabled", p->rules ? pw_ruleset_disabled(p->rules) : 0);
	jw_kv_u64(w, "reloads", p->reloads);
	jw_kv_u64(w, "reload_failures", p->reload_failures);
	jw_obj_end(w);
}
