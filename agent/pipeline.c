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
#include "lib/idset.h"
#include "pipeline.h"
#include "host/host_jobs.h"
#include "host/process_table.h"
#include "lib/timefmt.h"

#define PW_MAX_HITS 32 /* rules one event can fire at once */

const double pw_latency_bounds[PW_LATENCY_BUCKETS - 1] = {
	0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 5,
};

static void count_rule(struct pw_pipeline *p, const struct pw_rule_info *info)
{
	size_t i;

	for (i = 0; i < p->n_rule_counts; i++)
		if (p->rule_counts[i].sev == info->severity &&
		    !strcmp(p->rule_counts[i].id, info->id))
			break;
	if (!p->rule_counts)
		p->rule_counts = calloc(PW_RULE_COUNTS_MAX, sizeof(*p->rule_counts));
	if (i == p->n_rule_counts) {
		if (!p->rule_counts || i == PW_RULE_COUNTS_MAX ||
		    strlen(info->id) >= PW_RULE_ID_LEN) {
			p->rule_counts_other++;
			return;
		}
		snprintf(p->rule_counts[i].id, PW_RULE_ID_LEN, "%s", info->id);
		p->rule_counts[i].sev = info->severity;
		p->n_rule_counts++;
	}
	p->rule_counts[i].n++;
}

static void count_latency(struct pw_pipeline *p, uint64_t event_ns)
{
	struct timespec ts;
	uint64_t now, d;
	int b;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	if (!event_ns || event_ns > now)
		return;
	d = now - event_ns;
	for (b = 0; b < PW_LATENCY_BUCKETS - 1; b++)
		if (d <= (uint64_t)(pw_latency_bounds[b] * 1e9))
			break;
	p->latency.bucket[b]++;
	p->latency.count++;
	p->latency.sum_ns += d;
}

/* The renderings the sinks want now: a bit per enum pw_sink_format. The
 * run's --format (live on reload) is the format of sinks without format=. */
static unsigned int sink_formats(struct pw_pipeline *p)
{
	if (!p->sinks)
		return 0;
	pw_sinks_set_default_format(p->sinks, p->o.format == PW_FORMAT_ECS ? PW_SINK_FMT_ECS
									   : PW_SINK_FMT_NATIVE);
	return pw_sinks_formats(p->sinks);
}

void pw_pipeline_emit(struct pw_pipeline *p, enum pw_record_class cls, enum pw_severity sev)
{
	unsigned int f = sink_formats(p);
	size_t len, elen;
	const char *line = jw_line(&p->w, &len), *ecs;

	if (!line) {
		p->write_failed = 1; /* out of memory building the line */
		goto out;
	}
	if (f & PW_SINK_FMT_BIT(PW_SINK_FMT_NATIVE))
		pw_sinks_write_fmt(p->sinks, PW_SINK_FMT_NATIVE, line, len, cls, sev);
	if (f & PW_SINK_FMT_BIT(PW_SINK_FMT_ECS)) {
		/* rendered once, from the native line, for every ECS sink */
		pw_record_to_ecs(&p->ecs_w, line, len, &p->host);
		ecs = jw_line(&p->ecs_w, &elen);
		if (ecs)
			pw_sinks_write_fmt(p->sinks, PW_SINK_FMT_ECS, ecs, elen, cls, sev);
		else
			p->write_failed = 1;
		jw_reset(&p->ecs_w);
	}
out:
	jw_reset(&p->w);
}

static int load_rules(const struct pw_pipeline_opts *o, struct pw_ruleset **out, char *err,
		      size_t errlen)
{
	struct pw_rules_opts ro = { .disabled = o->disabled, .ndisabled = o->ndisabled };
	struct pw_rules_error e;

	*out = NULL;
	if (!o->nrules_paths)
		return 0;
	if (pw_rules_load_paths(o->rules_paths, o->nrules_paths, &ro, out, &e)) {
		size_t i;

		/* A path that is wrong itself: say which option gave it. */
		for (i = 0; i < o->nrules_paths; i++)
			if (!strcmp(e.file, o->rules_paths[i]) && !e.line && !e.rule_id[0])
				break;
		if (i < o->nrules_paths)
			snprintf(err, errlen, "--rules (key \"rules\") %s", e.text);
		else
			snprintf(err, errlen, "%s", e.text);
		return -1;
	}
	return 0;
}

static void want_facts(void *ctx, struct pw_ct_container *c, enum pw_ct_want w);

int pw_pipeline_init(struct pw_pipeline *p, const struct pw_pipeline_opts *o,
		     struct pw_sinks *sinks, char *err, size_t errlen)
{
	memset(p, 0, sizeof(*p));
	p->o = *o;
	p->sinks = sinks;
	jw_init(&p->w);
	jw_init(&p->ecs_w);
	pw_host_info_read(&p->host);
	if (load_rules(o, &p->rules, err, errlen))
		return -1;
	if (o->state_file && !(p->started = pw_started_open(o->state_file))) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	p->procs = pw_ptable_new(NULL, 0);
	p->fold = pw_fold_new(o->fold_window_ns, 0);
	if (!p->procs || !p->fold || pw_ctable_init(&p->table, "/", 1)) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (o->host_worker) {
		uint64_t rd = o->read_deadline_ns ? o->read_deadline_ns : PW_READ_DEADLINE_NS;

		if (!p->o.hold_ns)
			p->o.hold_ns = PW_HOLD_NS;
		/* A whole measurement: a few hundred reads, most of them instant. */
		p->hw = pw_hw_new(rd, 2 * rd);
		if (!p->hw) {
			snprintf(err, errlen, "cannot start the host-reading worker");
			return -1;
		}
		p->table.want = want_facts;
		p->table.want_ctx = p;
		pw_ptable_no_proc(p->procs);
	}
	if (pw_cap_init(&p->cap, &o->capture, p->hw, p->procs) == -ENOMEM) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (p->cap.capfd < 0 && o->capture.dir && strcmp(o->capture.dir, "none"))
		pw_warn("forensic captures are off: %s\n", p->cap.dir_err);
	p->cap.host = &p->host;
	return 0;
}

void pw_pipeline_free(struct pw_pipeline *p)
{
	if (p->started) {
		pw_started_save(p->started, 1);
		pw_started_free(p->started);
		p->started = NULL;
	}
	pw_hw_free(p->hw);
	pw_cap_free(&p->cap);
	free(p->rule_counts);
	free(p->holding);
	free(p->known_ids);
	pw_ruleset_free(p->rules);
	pw_ptable_free(p->procs);
	pw_fold_free(p->fold);
	pw_ctable_free(&p->table);
	jw_free(&p->w);
	jw_free(&p->ecs_w);
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
	vc->image_digest = c->meta.image_digest;
	vc->labels = c->meta.labels;
	vc->labels_len = c->meta.labels_len;
	vc->pod_labels = c->meta.pod_labels;
	vc->pod_labels_len = c->meta.pod_labels_len;
	vc->phase = c->phase == PW_PHASE_STARTED ? PW_VPHASE_STARTED : PW_VPHASE_SETUP;
	vc->mode = view_mode(c);
	if (c->facts_pending)
		vc->facts = "pending";
	else if (c->announce_late)
		vc->facts = "late";
	if (c->posture_rc && c->posture_reason[0])
		vc->mode_reason = c->posture_reason;
	else if (c->posture_rc == -EAGAIN && c->facts_pending)
		vc->mode_reason = "not measured yet";
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
	const struct pw_proc *pr = pw_ptable_get(p->procs, v->proc.pid), *anc[PW_VIEW_ANCESTORS];
	size_t i, n;

	if (!pr)
		return;
	v->proc.session = pr->session;
	v->proc.session_pid = pr->session_pid;
	v->proc.session_ns = pr->session_ns;
	if (!v->proc.ppid)
		v->proc.ppid = pr->ppid;
	if (!v->proc.exe[0])
		v->proc.exe = pr->exe;
	if (!v->proc.args) {
		v->proc.args = pr->args;
		v->proc.args_len = pr->args_len;
	}
	/* The parent, for rules on lineage (proc.parent.exe): the table's
	 * ancestry, never /proc on the event thread; only for a rule set
	 * that looks at it (a walk of up to PW_VIEW_ANCESTORS lookups). */
	if (!p->rules || !pw_ruleset_uses_lineage(p->rules))
		return;
	n = pw_ptable_ancestry(p->procs, v->proc.pid, anc, PW_VIEW_ANCESTORS);
	for (i = 0; i < n; i++) {
		v->proc.ancestor_exe[i] = anc[i]->exe;
		v->proc.ancestor_comm[i] = anc[i]->comm;
	}
	v->proc.nancestors = n;
	if (n) {
		v->proc.parent_exe = anc[0]->exe;
		v->proc.parent_comm = anc[0]->comm;
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

static void render_alert(struct pw_pipeline *p, enum pw_sink_format f, const struct pw_alert *a,
			 int head_only)
{
	if (f == PW_SINK_FMT_ECS)
		head_only ? pw_alert_to_ecs_head(&p->w, a, &p->host)
			  : pw_alert_to_ecs(&p->w, a, &p->host);
	else
		head_only ? pw_alert_to_json_head(&p->w, a, &p->host)
			  : pw_alert_to_json(&p->w, a, &p->host);
}

/* The alert once per format some sink wants, each to those sinks; counted
 * written once. */
static void emit_alert(struct pw_pipeline *p, const struct pw_alert *a)
{
	const struct pw_ct_container *cc = p->cur_ctr;
	struct pw_alert_attrs attrs = {
		.rule_id = a->rule->id,
		.container_id = a->v->container ? a->v->container->id : NULL,
	};
	unsigned int formats = sink_formats(p);
	enum pw_sink_format f;
	size_t len;
	const char *line;
	int ok = 0;

	for (f = PW_SINK_FMT_NATIVE; f <= PW_SINK_FMT_ECS; f++) {
		if (!(formats & PW_SINK_FMT_BIT(f)))
			continue;
		render_alert(p, f, a, 0);
		line = jw_line(&p->w, &len);
		if (line) {
			/* the flight recorder and a capture under way keep the
			 * alert, in the first format */
			if (cc && !ok)
				pw_cap_alert(&p->cap, cc->cgroup_id, line, len);
			pw_sinks_write_alert_fmt(p->sinks, f, line, len, a->rule->severity, &attrs);
			ok = 1;
		} else {
			p->write_failed = 1;
		}
		jw_reset(&p->w);
	}
	if (ok)
		p->alerts.written++;
}

/*
 * A folded alert's head, kept until its window ends, in every format some
 * sink wants: each part a format letter (N, E) and the head's bytes, parts
 * separated by a NUL (never in JSON text, which escapes control bytes).
 */
static void keep_heads(struct pw_pipeline *p, struct pw_fold_entry *fe, const struct pw_alert *a)
{
	unsigned int formats = sink_formats(p);
	enum pw_sink_format f;
	char *all = NULL, *grown;
	size_t len, n = 0;
	const char *head;
	int failed = 0;

	for (f = PW_SINK_FMT_NATIVE; f <= PW_SINK_FMT_ECS && !failed; f++) {
		if (!(formats & PW_SINK_FMT_BIT(f)))
			continue;
		render_alert(p, f, a, 1);
		head = jw_line(&p->w, &len); /* "...}\n": the head is all but the newline */
		grown = head && len ? realloc(all, n + 1 + len) : NULL;
		if (!grown) {
			failed = 1;
		} else {
			all = grown;
			if (n)
				all[n++] = '\0'; /* between parts */
			all[n++] = f == PW_SINK_FMT_ECS ? 'E' : 'N';
			memcpy(all + n, head, len - 1);
			n += len - 1;
		}
		jw_reset(&p->w);
	}
	if (!formats) /* no sink at all: nothing to keep */
		return;
	if (failed || !n || pw_fold_keep_head(fe, all, n, a->rule->severity))
		pw_warn("out of memory: a folded alert will be reported without details\n");
	free(all);
}

static void raise_alert(struct pw_pipeline *p, const struct pw_rule *r, const struct pw_view *v)
{
	const struct pw_rule_info *info = pw_rule_info(r);
	const struct pw_proc *anc[PW_ALERT_ANCESTRY_MAX];
	struct pw_fold_entry *fe;
	struct pw_alert a = {};
	char summary[512], cgid[24], alert_id[PW_ALERT_ID_LEN];
	const char *container = cgid;
	size_t i, n;
	int need_head;

	p->alerts.matched++;
	p->alerts.by_severity[info->severity]++;
	count_rule(p, info);
	count_latency(p, v->ts_ns);
	if (v->container)
		container = v->container->id;
	else
		snprintf(cgid, sizeof(cgid), "%llu", (unsigned long long)v->cgroup_id);
	if (!pw_fold_check(p->fold, info->id, container, v->proc.exe, fold_target(v), v->ts_ns, &fe,
			   &need_head)) {
		/* a repeat, counted in its window; its process kept as evidence */
		pw_fold_note_process(fe, v->proc.pid, v->proc.exe, v->proc.args, v->proc.args_len);
		if (!need_head) {
			/* a repeat still extends the capture under way */
			if (info->action == PW_ACTION_ALERT_CAPTURE && p->cur_ctr) {
				struct pw_cap_result cr;

				pw_cap_trigger(&p->cap, p->cur_ctr->cgroup_id, info, v,
					       pw_hw_now_ns(), &cr);
			}
			return;
		}
	}

	pw_rule_format_output(r, v, summary, sizeof(summary));
	if (info->action == PW_ACTION_ALERT_CAPTURE) {
		struct pw_cap_result cr;

		pw_cap_trigger(&p->cap, p->cur_ctr ? p->cur_ctr->cgroup_id : 0, info, v,
			       pw_hw_now_ns(), &cr);
		a.capture_id = cr.id;
		a.capture_file = cr.file;
		a.capture_status = cr.status;
		a.capture_reason = cr.reason;
	}
	a.time_ns = pw_mono_to_real_ns(v->ts_ns);
	pw_alert_new_id(alert_id, a.time_ns);
	a.id = alert_id;
	a.rule = info;
	a.summary = summary;
	a.v = v;
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
		keep_heads(p, fe, &a);
		return;
	}
	emit_alert(p, &a);
}

void pw_pipeline_agent_alert(struct pw_pipeline *p, const struct pw_rule_info *info,
			     const char *summary, const char *concern)
{
	struct pw_alert a = {};
	char alert_id[PW_ALERT_ID_LEN];
	struct pw_view v;
	struct timespec ts;

	pw_view_agent_health(&v, getpid(), concern);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	v.ts_ns = (uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	p->alerts.matched++;
	p->alerts.by_severity[info->severity]++;
	count_rule(p, info);
	a.rule = info;
	a.summary = summary;
	a.v = &v;
	a.time_ns = pw_mono_to_real_ns(v.ts_ns);
	pw_alert_new_id(alert_id, a.time_ns);
	a.id = alert_id;
	a.count = 1;
	emit_alert(p, &a);
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
	if (n && pw_learn_matches(p->o.learn, v)) {
		/* learning: the behaviour of the image, not an alert */
		for (i = 0; i < n; i++)
			pw_learn_note(p->o.learn, hits[i], v);
		return;
	}
	for (i = 0; i < n; i++)
		raise_alert(p, hits[i], v);
}

/* The entrypoint started: posture is known, rules on it are evaluated. */
static void container_started(struct pw_pipeline *p, const struct pw_ct_container *c,
			      uint64_t ts_ns, uint32_t pid)
{
	struct pw_view_container vc;
	char key[PW_STARTED_KEY_MAX];
	struct pw_view v;

	if (p->started) {
		/* Reported by the last run, still the same init: not news. */
		snprintf(key, sizeof(key), "%s:%ld", c->ref.id,
			 (long)(c->start_pid ? c->start_pid : (pid_t)pid));
		pw_started_note(p->started, key);
		pw_started_save(p->started, 0);
		if (pw_started_known(p->started, key)) {
			p->starts_known++;
			pw_info("container %s: its start was reported before this run (%s): not "
				"again\n",
				c->ref.id, p->o.state_file);
			return;
		}
	}
	container_view(c, &vc);
	pw_view_container_start(&v, &vc, c->cgroup_id, pid);
	v.ts_ns = ts_ns;
	process_view(p, &v);
	p->cur_ctr = c;
	evaluate(p, &v);
	p->cur_ctr = NULL;
}

/* The trigger of an on-demand capture, as the manifest names it. */
static const struct pw_rule_info take_rule = {
	.id = "capture-take",
	.title = "Capture taken on demand (privwatch capture take)",
	.severity = PW_SEV_INFO,
	.action = PW_ACTION_ALERT_CAPTURE,
};

static struct pw_ct_container *container_by_key(struct pw_pipeline *p, const char *key)
{
	struct pw_ct_container *c, *prefix = NULL;
	size_t i = 0, len = strlen(key), nprefix = 0;
	uint64_t id;

	while ((c = pw_ctable_next(&p->table, &i, &id))) {
		if (id != c->cgroup_id || c->pending) /* each container once */
			continue;
		if (!strcmp(c->ref.id, key) || (c->meta.name[0] && !strcmp(c->meta.name, key)))
			return c;
		if (len && !strncmp(c->ref.id, key, len)) {
			prefix = c;
			nprefix++;
		}
	}
	if (nprefix > 1)
		errno = EEXIST;
	else if (!nprefix)
		errno = ENOENT;
	return nprefix == 1 ? prefix : NULL;
}

int pw_pipeline_capture_take(struct pw_pipeline *p, const char *key, struct pw_cap_result *res)
{
	struct pw_ct_container *c = container_by_key(p, key);
	struct pw_view_container vc;
	struct pw_view v;

	memset(res, 0, sizeof(*res));
	if (!c)
		return -errno;
	container_view(c, &vc);
	pw_view_container_start(&v, &vc, c->cgroup_id, c->start_pid);
	v.kind_name = "capture_take";
	v.ts_ns = pw_hw_now_ns();
	process_view(p, &v);
	pw_cap_trigger(&p->cap, c->cgroup_id, &take_rule, &v, v.ts_ns, res);
	return 0;
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
	if (!pp && c->posture_reason[0])
		jw_kv_str(w, "mode_reason", c->posture_reason);
	else if (!pp && c->facts_pending)
		jw_kv_str(w, "mode_reason", "not measured yet");
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
	if (p->started) /* a periodic save of what a burst of starts left unsaved */
		pw_started_save(p->started, 0);
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

/* Whose is it: the container the task came from, wherever it is now. */
static struct pw_ct_container *record_container(struct pw_pipeline *p,
						const struct pw_event_header *h)
{
	struct pw_ct_container *c =
		h->origin_cgroup_id ? pw_ctable_lookup(&p->table, h->origin_cgroup_id) : NULL;

	return c ? c : pw_ctable_lookup(&p->table, h->cgroup_id);
}

/* Follow the kernel's cgroup and exec records; returns the event's
 * container and whether this event started it. */
static struct pw_ct_container *track(struct pw_pipeline *p, const struct pw_event_header *h,
				     int *started)
{
	const struct pw_cgroup_event *cg = (const void *)h;
	struct pw_ct_container *c;
	int rc;

	*started = 0;
	if (h->type == PW_EVENT_CGROUP_MKDIR) {
		char path[PW_PATH_MAX + 1], comm[PW_COMM_LEN + 1];

		/* the record's strings are bounded, not always terminated */
		snprintf(path, sizeof(path), "%.*s", PW_PATH_MAX, cg->path);
		snprintf(comm, sizeof(comm), "%.*s", PW_COMM_LEN, h->comm);
		rc = pw_ctable_mkdir_by(&p->table, cg->id, cg->parent_id, path, comm);
		if (rc < 0 && rc != -ENOSPC) /* full: counted, alerted by pw_pipeline_host_poll */
			pw_warn("container table: out of memory, %s not tracked\n", path);
		/* The kernel learns it too: a task placed there takes it as origin. */
		if (p->o.container_cgroup && pw_ctable_lookup(&p->table, cg->id))
			p->o.container_cgroup(p->o.container_cgroup_ctx, cg->id);
	}
	c = record_container(p, h);
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
		if (c && (h->flags & PW_F_RUNTIME_INIT_EXEC)) {
			/* In a container already started: an exec session. */
			int session = c->phase == PW_PHASE_STARTED;

			*started = pw_ctable_start(&p->table, c, h->pid) == 1;
			pw_ptable_session(p->procs, h->pid,
					  session ? PW_VSESSION_EXEC : PW_VSESSION_ENTRYPOINT,
					  h->ts_ns);
		} else if (c && (h->flags & PW_F_RUNTIME_INIT))
			*started = 0;
		else if (c)
			*started = pw_ctable_exec(&p->table, c, h->pid, file, e->args, alen) == 1;
		else if ((c = pw_ctable_exec_unknown(&p->table, h->cgroup_id, h->pid, file, e->args,
						     alen))) {
			*started = c->phase == PW_PHASE_STARTED;
			if (p->o.container_cgroup)
				p->o.container_cgroup(p->o.container_cgroup_ctx, h->cgroup_id);
		}
		/* Started by names (the runtime placed its init before the
		 * agent ran): this exec is the entrypoint all the same. */
		if (*started && !(h->flags & PW_F_RUNTIME_INIT_EXEC))
			pw_ptable_session(p->procs, h->pid, PW_VSESSION_ENTRYPOINT, h->ts_ns);
		break;
	}
	case PW_EVENT_FORK: pw_ptable_fork(p->procs, (const void *)h); break;
	default: break;
	}
	return c;
}

/* Rules see only what reaches for privwatch: its own objects, its process. */
static int about_privwatch(const struct pw_pipeline *p, const struct pw_event_header *h)
{
	const struct pw_tamper_event *e = (const void *)h;
	uint64_t key = (uint64_t)e->arg << 32 | e->id;

	if (h->type != PW_EVENT_TAMPER || e->op != PW_TAMPER_BPF_GET_FD)
		return 1;
	return p->o.own_bpf_ids && pw_ids_has(p->o.own_bpf_ids, p->o.n_own_bpf_ids, key);
}

static void release(struct pw_pipeline *p, struct pw_ct_container *c, uint64_t *cause,
		    uint64_t now);

/* Everything after the tables: the view, the rules, the event line, then
 * what the tables forget (after use: an alert on this very record still
 * names them). c: the record's container as of now. */
static void deliver(struct pw_pipeline *p, const struct pw_event_kind *kind,
		    const struct pw_event_header *h, const struct pw_ct_container *c)
{
	struct pw_view_container vc;
	struct pw_view v;

	/* The flight recorder first: a capture this record triggers holds it. */
	if (c && !c->pending)
		pw_cap_record(&p->cap, c->cgroup_id, kind, h);
	if (p->rules && about_privwatch(p, h)) {
		pw_view_from_event(&v, h);
		if (c) {
			container_view(c, &vc);
			v.container = &vc;
		}
		process_view(p, &v);
		p->cur_ctr = c;
		evaluate(p, &v);
		p->cur_ctr = NULL;
	}
	if (p->o.events)
		write_event(p, kind, h, c);
	if (h->type == PW_EVENT_EXIT)
		pw_ptable_exit(p->procs, h->pid);
	if (h->type == PW_EVENT_CGROUP_RMDIR) {
		uint64_t id = ((const struct pw_cgroup_event *)h)->id;
		struct pw_ct_container *gone = pw_ctable_find(&p->table, id);

		/* Its last cgroup: what it still holds goes first. */
		if (gone && gone->refs == 1 && gone->hold.count)
			release(p, gone, &p->holds.container_gone, pw_hw_now_ns());
		gone = pw_ctable_find(&p->table, id);
		if (gone && gone->refs == 1 && !gone->pending)
			pw_cap_container_gone(&p->cap, gone->cgroup_id, pw_hw_now_ns());
		pw_ctable_rmdir(&p->table, id);
	}
}

static int holding_add(struct pw_pipeline *p, uint64_t id)
{
	if (p->nholding == p->holding_cap) {
		size_t cap = p->holding_cap ? p->holding_cap * 2 : 16;
		uint64_t *v = realloc(p->holding, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		p->holding = v;
		p->holding_cap = cap;
	}
	p->holding[p->nholding++] = id;
	return 0;
}

/* Keep a copy of h in c's hold. 0, or the bound it would pass (its counter). */
static uint64_t *hold(struct pw_pipeline *p, struct pw_ct_container *c,
		      const struct pw_event_header *h)
{
	struct pw_ct_hold *hd = &c->hold;

	if (hd->count >= PW_HOLD_RECORDS)
		return &p->holds.past_count;
	if (hd->len + h->size > PW_HOLD_BYTES || p->held_bytes + h->size > PW_HOLD_TOTAL_BYTES)
		return &p->holds.past_bytes;
	if (hd->len + h->size > hd->cap) {
		size_t cap = hd->cap ? hd->cap * 2 : 4096;
		unsigned char *b;

		while (cap < hd->len + h->size)
			cap *= 2;
		b = realloc(hd->buf, cap);
		if (!b)
			return &p->holds.past_bytes;
		hd->buf = b;
		hd->cap = cap;
	}
	if (!hd->count) {
		if (holding_add(p, c->cgroup_id))
			return &p->holds.past_bytes;
		hd->since_ns = pw_hw_now_ns();
	}
	memcpy(hd->buf + hd->len, h, h->size);
	hd->len += h->size;
	hd->count++;
	p->held_bytes += h->size;
	p->holds.held++;
	return NULL;
}

/* c's held records, in order, through the rest of the pipeline; cause
 * counts them. Each finds its container again: one may remove it. */
static void release(struct pw_pipeline *p, struct pw_ct_container *c, uint64_t *cause, uint64_t now)
{
	struct pw_ct_hold hd = c->hold;
	size_t off = 0;

	memset(&c->hold, 0, sizeof(c->hold));
	if (!hd.count) {
		free(hd.buf);
		return;
	}
	if (cause != &p->holds.with_facts)
		c->hold_over = 1; /* until its facts arrive, its records go straight on */
	*cause += hd.count;
	p->held_bytes -= hd.len;
	if (now - hd.since_ns > p->holds.max_wait_ns)
		p->holds.max_wait_ns = now - hd.since_ns;
	while (off < hd.len) {
		const struct pw_event_header *h = (const void *)(hd.buf + off);

		deliver(p, pw_event_kind(h->type), h, record_container(p, h));
		off += h->size;
	}
	free(hd.buf);
}

void pw_pipeline_event(void *ctx, const struct pw_event_kind *kind, const struct pw_event_header *h)
{
	struct pw_pipeline *p = ctx;
	struct pw_ct_container *c;
	uint64_t *past;
	int started;

	c = track(p, h, &started);
	if (started) {
		if (c->facts_pending) {
			/* evaluated when the posture arrives, before its held records */
			c->announce = 1;
			c->start_ts_ns = h->ts_ns;
		} else {
			container_started(p, c, h->ts_ns, h->pid);
		}
	}
	/* A container whose facts are on their way: its records wait for
	 * them (in order, bounded), so rules see its posture. */
	if (!c && p->hw) {
		/* a cgroup the worker is identifying: its records wait too */
		struct pw_ct_container *pc = pw_ctable_find(&p->table, h->cgroup_id);

		if (pc && pc->pending && (pc->hold.count || (pc->identifying && !pc->hold_over)))
			c = pc;
	}
	if (c && p->hw &&
	    (c->hold.count || ((c->facts_pending || c->identifying) && !c->hold_over))) {
		past = hold(p, c, h);
		if (!past)
			return;
		release(p, c, past, pw_hw_now_ns());
	}
	deliver(p, kind, h, record_container(p, h));
}

/* ,"repeated_by":[{"pid":..,"exe":..,"argv":[..],"count":..},...],"repeated_by_others":N
 * into w (an open object), then its text without the braces in *frag. */
static const char *repeats_fragment(struct jsonw *w, const struct pw_fold_procs *pr, size_t *len)
{
	const char *line;
	size_t i;

	jw_obj_begin(w);
	jw_key(w, "repeated_by");
	jw_arr_begin(w);
	for (i = 0; pr && i < pr->n; i++) {
		const struct pw_fold_proc *q = &pr->v[i];
		size_t off = 0;

		jw_obj_begin(w);
		jw_kv_u64(w, "pid", q->pid);
		jw_kv_str(w, "exe", q->exe);
		jw_key(w, "argv");
		jw_arr_begin(w);
		while (off < q->args_len) {
			size_t n = strnlen(q->args + off, q->args_len - off);

			jw_strn(w, q->args + off, n);
			off += n + 1;
		}
		jw_arr_end(w);
		jw_kv_u64(w, "count", q->count);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_kv_u64(w, "repeated_by_others", pr ? pr->others : 0);
	jw_obj_end(w);
	line = jw_line(w, len);
	if (!line || *len < 3)
		return NULL;
	*len -= 3; /* "{" ... "}\n" */
	return line + 1;
}

static void write_summary(void *ctx, const char *heads, size_t hlen, enum pw_severity sev,
			  uint64_t count, const struct pw_fold_procs *procs)
{
	struct pw_pipeline *p = ctx;
	const char *frag, *head, *end, *nul;
	enum pw_sink_format f;
	size_t flen = 0, len;
	char tail[48];
	char *line;
	struct jsonw w;
	int n, written = 0;

	if (!heads)
		return; /* could not be kept (out of memory): warned then */
	jw_init(&w);
	frag = repeats_fragment(&w, procs, &flen);
	if (!frag) {
		jw_free(&w);
		p->write_failed = 1;
		return;
	}
	/* One part per format kept (keep_heads): "N..." or "E...", NUL between. */
	for (head = heads, end = heads + hlen; head < end; head = nul + 1) {
		nul = memchr(head, '\0', end - head);
		if (!nul)
			nul = end;
		f = *head == 'E' ? PW_SINK_FMT_ECS : PW_SINK_FMT_NATIVE;
		len = nul - head - 1;
		head++;
		/* pw_alert_tail's bytes: ECS keeps the count inside "privwatch" */
		n = snprintf(tail, sizeof(tail), ",\"count\":%llu}%s\n", (unsigned long long)count,
			     f == PW_SINK_FMT_ECS ? "}" : "");
		line = malloc(len + 1 + flen + n);
		if (!line) {
			p->write_failed = 1;
			break;
		}
		memcpy(line, head, len);
		line[len] = ',';
		memcpy(line + len + 1, frag, flen);
		memcpy(line + len + 1 + flen, tail, n);
		pw_sinks_write_fmt(p->sinks, f, line, len + 1 + flen + n, PW_REC_ALERT, sev);
		free(line);
		written = 1;
	}
	jw_free(&w);
	if (written)
		p->alerts.written++;
}

/* Started at the setup bound (container_table.h): as at an entrypoint's exec. */
static void started_at_bound(void *ctx, struct pw_ct_container *c)
{
	struct pw_pipeline *p = ctx;

	if (c->facts_pending) {
		c->announce = 1;
		c->start_ts_ns = pw_hw_now_ns();
	} else {
		container_started(p, c, pw_hw_now_ns(), c->start_pid);
	}
}

void pw_pipeline_tick(struct pw_pipeline *p, uint64_t now_mono_ns, int all)
{
	pw_ctable_setup_bound(&p->table, now_mono_ns, started_at_bound, p);
	pw_fold_flush(p->fold, now_mono_ns, all, write_summary, p);
	pw_cap_tick(&p->cap, pw_hw_now_ns(), all);
}

size_t pw_pipeline_capture_drain(struct pw_pipeline *p, uint64_t timeout_ns)
{
	uint64_t start = pw_hw_now_ns();

	if (!p->hw)
		return pw_cap_busy(&p->cap);
	pw_cap_tick(&p->cap, start, 1);
	while (pw_cap_busy(&p->cap) && pw_hw_now_ns() - start < timeout_ns) {
		usleep(10000);
		pw_pipeline_host_poll(p, pw_hw_now_ns());
		pw_cap_tick(&p->cap, pw_hw_now_ns(), 1);
	}
	return pw_cap_busy(&p->cap);
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

void pw_pipeline_modes(const struct pw_pipeline *p, uint64_t out[PW_VMODE_COUNT])
{
	const struct pw_ct_container *c;
	uint64_t id;
	size_t i = 0;

	memset(out, 0, sizeof(uint64_t) * PW_VMODE_COUNT);
	/* each container once: at the slot of its own cgroup */
	while ((c = pw_ctable_next(&p->table, &i, &id)))
		if (id == c->cgroup_id && !c->pending)
			out[c->facts_pending ? PW_VMODE_UNKNOWN : view_mode(c)]++;
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
	if (p->hw) {
		struct pw_hw_stats hs;
		char last[PW_HW_WHAT_LEN];

		pw_hw_stats(p->hw, &hs);
		jw_key(w, "host_reads");
		jw_obj_begin(w);
		jw_kv_u64(w, "jobs", hs.submitted);
		jw_kv_u64(w, "completed", hs.completed);
		jw_kv_u64(w, "timed_out", hs.timed_out);
		jw_kv_u64(w, "workers_abandoned", hs.workers_abandoned);
		jw_kv_u64(w, "workers_stuck", hs.workers_stuck);
		jw_kv_u64(w, "refused_stuck", hs.refused_stuck);
		jw_kv_u64(w, "cancelled", hs.cancelled);
		jw_kv_u64(w, "late_answers", hs.late_answers);
		jw_kv_u64(w, "remeasured", p->holds.remeasured);
		jw_kv_u64(w, "queued", hs.queued);
		jw_kv_u64(w, "max_job_ms", hs.max_job_ns / 1000000);
		jw_kv_u64(w, "on_event_thread", pw_hw_event_thread_reads(last, sizeof(last)));
		if (last[0])
			jw_kv_str(w, "last_on_event_thread", last);
		jw_kv_u64(w, "host_facts_reads", pw_posture_host_facts_reads());
		jw_kv_u64(w, "processes_at_start", p->procs_read);
		jw_kv_u64(w, "processes_given_up", p->procs_lost);
		jw_obj_end(w);
		jw_key(w, "held");
		jw_obj_begin(w);
		jw_kv_u64(w, "records", p->holds.held);
		jw_kv_u64(w, "with_facts", p->holds.with_facts);
		jw_kv_u64(w, "past_count", p->holds.past_count);
		jw_kv_u64(w, "past_bytes", p->holds.past_bytes);
		jw_kv_u64(w, "past_time", p->holds.past_time);
		jw_kv_u64(w, "container_gone", p->holds.container_gone);
		jw_kv_u64(w, "at_exit", p->holds.at_exit);
		jw_kv_u64(w, "max_wait_ms", p->holds.max_wait_ns / 1000000);
		jw_kv_u64(w, "now_bytes", p->held_bytes);
		jw_kv_u64(w, "stale_answers", p->holds.stale_answers);
		jw_obj_end(w);
	}
	pw_cap_counts_json(&p->cap, w);
	jw_kv_u64(w, "container_table_full", p->table.overflow);
	jw_kv_u64(w, "setup_bound_starts", p->table.setup_bound_starts);
	/* Bounded by PW_CT_MAX_CONTAINERS entries and PW_CT_MAX_CGROUPS ids,
	 * plus the held records (PW_HOLD_TOTAL_BYTES). */
	jw_kv_u64(w, "container_table_bytes",
		  (p->table.containers + p->table.pending) * sizeof(struct pw_ct_container) +
			  pw_htab_bytes(&p->table.index));
}

static const char *const host_tags[] = { "T1562.001" }; /* Impair Defenses */
const struct pw_rule_info pw_rule_read_timeout = {
	.id = "PW-0010",
	.title = "privwatch gave up a read of a container's files",
	.description = "A read of a container's /proc files, /dev, mount table or runtime "
		       "state did not return within its deadline (a FUSE server that never "
		       "answers, say). The read was abandoned on its own thread and the "
		       "container's posture is unknown; events still flow.",
	.remediation = "Look for a hung FUSE or NFS mount or an unresponsive runtime on the "
		       "host (the alert's container); raise --read-deadline-ms if the host is "
		       "only slow. The container's posture stays unknown until it restarts.",
	.severity = PW_SEV_HIGH,
	.tags = host_tags,
	.ntags = 1,
	.action = PW_ACTION_ALERT,
	.file = "built-in",
};

const struct pw_rule_info pw_rule_table_full = {
	.id = "PW-0011",
	.title = "privwatch's container table is full",
	.description = "More containers or cgroups than the table's bound: the ones past it "
		       "are not tracked, and their events are reported without a container.",
	.remediation = "Count the host's containers and cgroups (privwatch ps, find "
		       "/sys/fs/cgroup -type d | wc -l) and remove leftover cgroups, or watch a "
		       "smaller subtree with --cgroup; the bounds are fixed at build "
		       "(PW_CT_MAX_CONTAINERS, PW_CT_MAX_CGROUPS).",
	.severity = PW_SEV_HIGH,
	.tags = host_tags,
	.ntags = 1,
	.action = PW_ACTION_ALERT,
	.file = "built-in",
};

static void want_facts(void *ctx, struct pw_ct_container *c, enum pw_ct_want w)
{
	struct pw_pipeline *p = ctx;
	struct pw_fact_job *j;

	if (w == PW_CT_WANT_DISCOVERED && p->discover_announce) {
		c->announce = 1;
		c->start_ts_ns = pw_hw_now_ns();
	}
	if (c->quarantined) {
		/* One stuck worker per container at most: it is not read again. */
		c->facts_pending--;
		return;
	}
	j = pw_fact_job_new(&p->table, c, w, p->discover_mount, p->discover_controller, c->path);
	if (!j) {
		c->facts_pending--;
		snprintf(c->posture_reason, sizeof(c->posture_reason), "out of memory");
		return;
	}
	j->base.tag = PW_JOB_FACTS;
	j->base.key = c->gen;
	pw_hw_submit(p->hw, &j->base);
}

/* A pending cgroup identified by the worker: a container (started if its
 * first exec asked), or not (its held records go as the host's). A read
 * given up on leaves it pending, its records going as the host's
 * meanwhile: the answer, if it comes back late, still decides (an honest
 * cgroup on a loaded host is a container all the same). */
static void identified(struct pw_pipeline *p, struct pw_ct_container *c,
		       const struct pw_fact_job *j)
{
	uint64_t id = c->cgroup_id, gen = c->gen;
	int ok = j->identified && !j->base.timed_out;
	char summary[512];

	if (j->base.timed_out) {
		p->holds.read_timeouts++;
		snprintf(summary, sizeof(summary),
			 "cgroup %s: %s; not taken for a container unless the read comes back",
			 c->path, j->reason);
		pw_warn("%s\n", summary);
		pw_pipeline_agent_alert(p, &pw_rule_read_timeout, summary, "host_reads");
		release(p, c, &p->holds.with_facts, pw_hw_now_ns());
		c = pw_ctable_find(&p->table, id); /* a held rmdir may have taken it */
		if (c && c->gen == gen)
			c->hold_over = 1;
		return;
	}
	if (!ok) {
		release(p, c, &p->holds.with_facts, pw_hw_now_ns());
		c = pw_ctable_find(&p->table, id); /* a held rmdir may have taken it */
		if (c && c->gen == gen)
			pw_ctable_identified(&p->table, c, 0, NULL, NULL);
		return;
	}
	if (pw_ctable_identified(&p->table, c, 1, &j->found, &j->meta)) {
		c->announce = 1;
		c->start_ts_ns = c->hold.count
					 ? ((const struct pw_event_header *)c->hold.buf)->ts_ns
					 : pw_hw_now_ns();
	}
	if (p->o.container_cgroup)
		p->o.container_cgroup(p->o.container_cgroup_ctx, id);
	if (!c->facts_pending)
		release(p, c, &p->holds.with_facts, pw_hw_now_ns());
}

static void facts_arrived(struct pw_pipeline *p, const struct pw_fact_job *j)
{
	struct pw_ct_container *c = pw_ctable_find(&p->table, j->cgroup_id);
	char summary[512];

	if (c && c->gen == j->gen && c->pending && j->want == PW_CT_WANT_IDENTIFY) {
		identified(p, c, j);
		return;
	}
	if (!c || c->gen != j->gen || c->pending) {
		p->holds.stale_answers++;
		return;
	}
	if (j->base.timed_out && !c->quarantined) {
		p->holds.read_timeouts++;
		snprintf(summary, sizeof(summary), "container %s (%s): %s; its posture is unknown",
			 c->ref.id, pw_runtime_name(c->ref.runtime), j->reason);
		pw_warn("%s\n", summary);
		pw_pipeline_agent_alert(p, &pw_rule_read_timeout, summary, "host_reads");
		/* Its other reads would stall the next worker too: none more. */
		c->quarantined = 1;
		pw_hw_cancel(p->hw, c->gen, "nothing: an earlier read of this container timed out");
	}
	/* A cancelled job keeps the reason of the read that timed out. */
	pw_ctable_facts(&p->table, c, j->meta_ok ? &j->meta : NULL,
			j->measured && !(j->base.timed_out && c->posture_reason[0]),
			j->measured_pid, j->posture_rc, &j->posture, j->reason);
	if (j->base.timed_out && c->posture_rc == -EAGAIN) {
		c->posture_rc = -ETIMEDOUT;
		snprintf(c->posture_reason, sizeof(c->posture_reason), "%s", j->reason);
	}
	if (c->facts_pending)
		return;
	c->hold_over = 0;
	if (c->announce) {
		c->announce = 0;
		if (c->phase == PW_PHASE_STARTED)
			container_started(p, c, c->start_ts_ns, c->start_pid);
	} else if (c->announce_late) {
		/* Its start went out with posture unknown: again, measured. */
		if (c->phase == PW_PHASE_STARTED && !j->base.timed_out)
			container_started(p, c, c->start_ts_ns, c->start_pid);
		c->announce_late = 0;
	}
	release(p, c, &p->holds.with_facts, pw_hw_now_ns());
}

/*
 * The real answer of a read given up on came back: the read was slow (an
 * honest container on a loaded host), not stuck. Its container is read
 * again, once and in full (the jobs cancelled behind the slow one never
 * ran): its posture, and the container_start rules, then stand on facts. A
 * container slow again stays quarantined (PW-0010 a second time).
 */
static void facts_late(struct pw_pipeline *p, const struct pw_fact_job *j)
{
	struct pw_ct_container *c = pw_ctable_find(&p->table, j->cgroup_id);

	if (c && c->gen == j->gen && c->pending && j->want == PW_CT_WANT_IDENTIFY) {
		pw_warn("cgroup %s: the read given up on came back after %llu ms\n", c->path,
			(unsigned long long)((j->base.finished_ns - j->base.submitted_ns) /
					     1000000));
		identified(p, c, j);
		return;
	}
	if (!c || c->gen != j->gen || c->pending || !c->quarantined || c->remeasured)
		return;
	pw_warn("container %s (%s): the read given up on came back after %llu ms; "
		"measuring it again\n",
		c->ref.id, pw_runtime_name(c->ref.runtime),
		(unsigned long long)((j->base.finished_ns - j->base.submitted_ns) / 1000000));
	p->holds.remeasured++;
	c->quarantined = 0;
	c->remeasured = 1;
	c->announce_late = c->phase == PW_PHASE_STARTED;
	c->facts_pending++;
	want_facts(p, c, c->announce_late ? PW_CT_WANT_START : PW_CT_WANT_STATE);
}

static void discovered(struct pw_pipeline *p, struct pw_discover_job *j)
{
	size_t i, gone = 0, before = p->table.containers;
	int rc;

	p->discovering = 0;
	if (j->rc) {
		p->holds.discover_failed++;
		pw_warn("discovering containers in %s: %s\n", j->mount, j->reason);
		goto out;
	}
	if (p->discover_reconcile) {
		/* Forget what was tracked when we asked and the walk did not
		 * find: never a cgroup made since (its mkdir came after). */
		pw_ids_sort(j->cs.ids, j->cs.nids);
		for (i = 0; i < p->nknown; i++) {
			struct pw_ct_container *c;

			if (pw_ids_has(j->cs.ids, j->cs.nids, p->known_ids[i]))
				continue;
			c = pw_ctable_find(&p->table, p->known_ids[i]);
			if (!c)
				continue;
			if (c->refs == 1 && c->hold.count)
				release(p, c, &p->holds.container_gone, pw_hw_now_ns());
			c = pw_ctable_find(&p->table, p->known_ids[i]);
			if (c && c->refs == 1 && !c->pending)
				pw_cap_container_gone(&p->cap, c->cgroup_id, pw_hw_now_ns());
			pw_ctable_rmdir(&p->table, p->known_ids[i]);
			gone++;
		}
	}
	snprintf(p->discover_mount, sizeof(p->discover_mount), "%s", j->cs.mount);
	snprintf(p->discover_controller, sizeof(p->discover_controller), "%s", j->cs.controller);
	/* Only containers not known yet are added, and measured. */
	rc = pw_ctable_load(&p->table, &j->cs);
	if (rc)
		pw_warn("container table: %s\n", strerror(-rc));
	/* The kernel learns them too: a task placed there takes it as origin. */
	for (i = 0; p->o.container_cgroup && i < j->cs.n; i++) {
		const struct pw_container *d = &j->cs.v[i];
		size_t k;

		if (!pw_ctable_lookup(&p->table, d->cgroup_id))
			continue;
		p->o.container_cgroup(p->o.container_cgroup_ctx, d->cgroup_id);
		for (k = 0; k < d->nsubs; k++)
			if (pw_ctable_lookup(&p->table, d->subs[k]))
				p->o.container_cgroup(p->o.container_cgroup_ctx, d->subs[k]);
	}
	if (p->discover_reconcile)
		pw_warn("cgroup records lost: container table repaired from %s (%zu cgroup ids "
			"forgotten, %zu containers now, %zu before)\n",
			j->cs.mount, gone, p->table.containers, before);
out:
	/* What ran at start is known now: the last run's other starts are of
	 * containers gone. */
	if (p->started && !j->rc)
		pw_started_settled(p->started);
	p->discover_announce = 0;
	p->discover_reconcile = 0;
	free(p->known_ids);
	p->known_ids = NULL;
	p->nknown = 0;
}

static void procs_read(struct pw_pipeline *p, const struct pw_procs_job *j)
{
	size_t i, k;

	p->proc_jobs--;
	if (j->base.timed_out) {
		p->procs_lost += j->list ? 0 : j->npids;
		pw_warn("reading processes older than the agent: gave up %zu of them\n", j->npids);
		return;
	}
	for (i = 0; i < j->nprocs; i++)
		pw_ptable_add(p->procs, &j->procs[i]);
	p->procs_read += j->nprocs;
	for (i = 0; i < j->nfound; i += PW_PROCS_CHUNK) {
		struct pw_procs_job *c = pw_procs_job_new(0);

		if (!c) {
			p->procs_lost += j->nfound - i;
			break;
		}
		for (k = 0; k < PW_PROCS_CHUNK && i + k < j->nfound; k++)
			c->pids[c->npids++] = j->found[i + k];
		c->base.tag = PW_JOB_PROCS;
		p->proc_jobs++;
		pw_hw_submit(p->hw, &c->base);
	}
}

static void job_done(void *ctx, struct pw_hw_job *j)
{
	struct pw_pipeline *p = ctx;
	struct pw_call_job *c;

	if (j->late && j->tag != PW_JOB_FACTS)
		return; /* the other jobs came back timed out already */
	switch ((enum pw_job_tag)j->tag) {
	case PW_JOB_CAP_SNAPSHOT:
	case PW_JOB_CAP_FINALIZE:
		if (pw_cap_job_done(&p->cap, j, &p->host, &p->w))
			pw_pipeline_emit(p, PW_REC_META, PW_SEV_INFO);
		break;
	case PW_JOB_FACTS:
		if (j->late)
			facts_late(p, (const struct pw_fact_job *)j);
		else
			facts_arrived(p, (const struct pw_fact_job *)j);
		break;
	case PW_JOB_CALL:
		c = (struct pw_call_job *)j;
		c->done(c->ctx, c->base.timed_out ? 0 : c->result, c->base.timed_out);
		break;
	case PW_JOB_PROCS: procs_read(p, (const struct pw_procs_job *)j); break;
	case PW_JOB_DISCOVER: discovered(p, (struct pw_discover_job *)j); break;
	}
}

int pw_pipeline_snapshot_procs(struct pw_pipeline *p)
{
	struct pw_procs_job *j;

	if (!p->hw)
		return -EINVAL;
	j = pw_procs_job_new(1);
	if (!j)
		return -ENOMEM;
	j->base.tag = PW_JOB_PROCS;
	p->proc_jobs++;
	pw_hw_submit(p->hw, &j->base);
	return 0;
}

int pw_pipeline_call(struct pw_pipeline *p, int (*work)(void *ctx),
		     void (*done)(void *ctx, int result, int timed_out), void *ctx)
{
	struct pw_call_job *j;

	if (!p->hw) {
		done(ctx, work(ctx), 0);
		return 0;
	}
	j = pw_call_job_new(work, done, ctx);
	if (!j)
		return -ENOMEM;
	j->base.tag = PW_JOB_CALL;
	pw_hw_submit(p->hw, &j->base);
	return 0;
}

int pw_pipeline_starting(const struct pw_pipeline *p)
{
	return p->discovering || p->proc_jobs;
}

int pw_pipeline_discover(struct pw_pipeline *p, const char *mount, int announce, int reconcile)
{
	struct pw_discover_job *j;
	struct pw_hslot *s;
	size_t i = 0;

	if (!p->hw)
		return -EINVAL;
	if (p->discovering)
		return -EBUSY;
	j = pw_discover_job_new(mount, announce);
	if (!j)
		return -ENOMEM;
	if (reconcile && p->table.index.n) {
		p->known_ids = calloc(p->table.index.n, sizeof(*p->known_ids));
		if (!p->known_ids) {
			j->base.free(&j->base);
			return -ENOMEM;
		}
		while ((s = pw_htab_next(&p->table.index, &i)))
			p->known_ids[p->nknown++] = s->key;
	}
	j->base.tag = PW_JOB_DISCOVER;
	p->discovering = 1;
	p->discover_announce = announce;
	p->discover_reconcile = reconcile;
	pw_hw_submit(p->hw, &j->base);
	return 0;
}

void pw_pipeline_host_poll(struct pw_pipeline *p, uint64_t now)
{
	char summary[256];
	size_t i, kept = 0;

	if (!p->hw)
		return;
	pw_hw_collect(p->hw, now, job_done, p);
	/* Held past the time bound: matched with what is known. */
	for (i = 0; i < p->nholding; i++) {
		struct pw_ct_container *c = pw_ctable_find(&p->table, p->holding[i]);

		if (!c || !c->hold.count)
			continue;
		if (now - c->hold.since_ns < p->o.hold_ns) {
			p->holding[kept++] = p->holding[i];
			continue;
		}
		release(p, c, &p->holds.past_time, now);
	}
	/* release may have added (a container holding again): keep those */
	for (; i < p->nholding; i++)
		p->holding[kept++] = p->holding[i];
	p->nholding = kept;
	if (p->table.overflow > p->table_full_alerted) {
		snprintf(summary, sizeof(summary),
			 "%llu cgroups not tracked: the container table is full (%zu containers, "
			 "%zu cgroups)",
			 (unsigned long long)(p->table.overflow - p->table_full_alerted),
			 p->table.containers + p->table.pending, p->table.index.n);
		pw_warn("%s\n", summary);
		pw_pipeline_agent_alert(p, &pw_rule_table_full, summary, "containers");
		p->table_full_alerted = p->table.overflow;
	}
}

void pw_pipeline_release_all(struct pw_pipeline *p)
{
	size_t i;

	for (i = 0; i < p->nholding; i++) {
		struct pw_ct_container *c = pw_ctable_find(&p->table, p->holding[i]);

		if (c && c->hold.count)
			release(p, c, &p->holds.at_exit, pw_hw_now_ns());
	}
	p->nholding = 0;
}

uint64_t pw_pipeline_host_timeouts(const struct pw_pipeline *p)
{
	return p->holds.read_timeouts;
}
