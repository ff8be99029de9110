// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Captures on the event thread (capture/capture.h): decide, copy, encode. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "alerts/alert_fields.h"
#include "capture/capture.h"
#include "capture/capture_jobs.h"
#include "events/event_json.h"
#include "lib/log.h"
#include "lib/timefmt.h"

const char *const pw_cap_redact_default[] = { "*TOKEN*", "*PASSWORD*",	 "*PASSWD*", "*SECRET*",
					      "*KEY*",	 "*CREDENTIAL*", "AWS_*",    NULL };

struct buf {
	char *p;
	size_t len, cap;
};

struct pw_capture {
	uint64_t serial, key;
	char id[PW_BUNDLE_ID_MAX + 1];
	char file[4200];
	uint64_t trigger_ts, end_ns, first_ns; /* monotonic */
	const char *ended_by;
	char *container; /* container.json */
	size_t container_len;
	char ctr_id[72], ctr_name[128];
	struct buf timeline, alerts, procs, triggers, incomplete;
	uint64_t timeline_max;
	uint64_t records_pre, records_post, records_cut, nalerts, ntriggers;
	uint32_t pids[PW_CAP_PIDS];
	size_t npids;
	unsigned int snaps_out;
	struct pw_bfile files[PW_CAP_FILES_MAX];
	size_t nfiles;
	int writing; /* the finalize job is out */
};

static int buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 4096;
		char *p;

		while (cap < b->len + n + 1)
			cap *= 2;
		p = realloc(b->p, cap);
		if (!p)
			return -ENOMEM;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = 0;
	return 0;
}

static char *buf_take(struct buf *b)
{
	char *p = b->p;

	memset(b, 0, sizeof(*b));
	return p;
}

static void cap_free(struct pw_capture *c)
{
	free(c->container);
	free(c->timeline.p);
	free(c->alerts.p);
	free(c->procs.p);
	free(c->triggers.p);
	free(c->incomplete.p);
	free(c);
}

/* Why the bundle is not whole: one JSON string more. */
static void incomplete(struct pw_capmgr *m, struct pw_capture *c, const char *why)
{
	const char *line;
	size_t len;

	jw_reset(&m->scratch);
	jw_str(&m->scratch, why);
	line = jw_line(&m->scratch, &len);
	if (!line)
		return;
	if (c->incomplete.len)
		buf_add(&c->incomplete, ",", 1);
	buf_add(&c->incomplete, line, len - 1);
	jw_reset(&m->scratch);
}

int pw_cap_init(struct pw_capmgr *m, const struct pw_cap_opts *o, struct pw_hw *hw,
		struct pw_ptable *procs)
{
	const char *const *pats;
	size_t i, n;
	int rc;

	memset(m, 0, sizeof(*m));
	m->o = *o;
	m->capfd = -1;
	m->hw = hw;
	m->procs = procs;
	jw_init(&m->scratch);
	if (!m->o.window_s)
		m->o.window_s = PW_CAP_WINDOW_S;
	if (!m->o.max_bundles)
		m->o.max_bundles = PW_CAP_MAX_BUNDLES;
	if (!m->o.max_bytes)
		m->o.max_bytes = (uint64_t)PW_CAP_MAX_MIB << 20;
	pats = o->redact && o->nredact ? o->redact : pw_cap_redact_default;
	n = o->redact && o->nredact ? o->nredact : SIZE_MAX;
	for (i = 0; i < n && pats[i] && m->nredact < PW_CAP_REDACT_MAX; i++)
		snprintf(m->redact[m->nredact++], PW_CAP_PATTERN_LEN, "%s", pats[i]);
	if (pw_rec_init(&m->rec, &o->recorder) || pw_htab_init(&m->last_by_ctr, 0))
		return -ENOMEM;
	if (!o->dir || !strcmp(o->dir, "none") || !hw) {
		/* Chosen (capture_dir none; a pipeline without the worker reads
		 * nothing of the host): alerts carry no capture, no loss counted. */
		m->off = 1;
		snprintf(m->dir_err, sizeof(m->dir_err), "captures are off");
		return 0;
	}
	snprintf(m->dir, sizeof(m->dir), "%s", o->dir);
	rc = pw_bundle_dir_open(o->dir, 1, m->dir_err, sizeof(m->dir_err));
	if (rc < 0)
		return rc;
	m->capfd = rc;
	/* What is on disk already counts against the quota (read once, at start). */
	if (!pw_bundle_list(m->capfd, &m->bundles, &m->nbundles)) {
		m->bundles_cap = m->nbundles;
		for (i = 0; i < m->nbundles; i++)
			m->disk_bytes += m->bundles[i].bytes;
	}
	return 0;
}

void pw_cap_free(struct pw_capmgr *m)
{
	size_t i;

	for (i = 0; i < m->nactive; i++)
		cap_free(m->active[i]);
	m->nactive = 0;
	pw_rec_free(&m->rec);
	pw_htab_free(&m->last_by_ctr);
	free(m->bundles);
	jw_free(&m->scratch);
	if (m->capfd >= 0)
		close(m->capfd);
	m->capfd = -1;
}

static struct pw_capture *find_key(struct pw_capmgr *m, uint64_t key)
{
	size_t i;

	for (i = 0; i < m->nactive; i++)
		if (m->active[i]->key == key && !m->active[i]->writing && !m->active[i]->ended_by)
			return m->active[i];
	return NULL;
}

static struct pw_capture *find_serial(struct pw_capmgr *m, uint64_t serial)
{
	size_t i;

	for (i = 0; i < m->nactive; i++)
		if (m->active[i]->serial == serial)
			return m->active[i];
	return NULL;
}

static void timeline_add(struct pw_capmgr *m, struct pw_capture *c,
			 const struct pw_event_kind *kind, const struct pw_event_header *h, int pre)
{
	const char *line;
	size_t len;

	if (!kind)
		kind = pw_event_kind(h->type);
	if (!kind)
		return;
	jw_reset(&m->scratch);
	pw_event_to_json(&m->scratch, kind, h);
	line = jw_line(&m->scratch, &len);
	if (!line || c->timeline.len + len > c->timeline_max || m->mem + len > PW_CAP_MEM_TOTAL ||
	    buf_add(&c->timeline, line, len)) {
		if (!c->records_cut++)
			incomplete(m, c, "timeline cut at the bundle's size bound");
		m->n.records_cut++;
	} else if ((m->mem += len, pre)) {
		c->records_pre++;
	} else {
		c->records_post++;
	}
	jw_reset(&m->scratch);
}

void pw_cap_record(struct pw_capmgr *m, uint64_t key, const struct pw_event_kind *kind,
		   const struct pw_event_header *h)
{
	struct pw_capture *c;

	if (m->capfd < 0)
		return; /* no captures: nothing to record for */
	pw_rec_push(&m->rec, key, h);
	if (m->nactive && (c = find_key(m, key)))
		timeline_add(m, c, kind, h, 0);
}

struct pre_ctx {
	struct pw_capmgr *m;
	struct pw_capture *c;
};

static void keep_alert(struct pw_capmgr *m, struct pw_capture *c, const char *line, size_t len)
{
	if (c->alerts.len + len > c->timeline_max || m->mem + len > PW_CAP_MEM_TOTAL ||
	    buf_add(&c->alerts, line, len)) {
		if (!c->records_cut++)
			incomplete(m, c, "alerts cut at the bundle's size bound");
		m->n.records_cut++;
		return;
	}
	m->mem += len;
	c->nalerts++;
}

static void pre_one(void *ctx, const struct pw_event_header *h)
{
	struct pre_ctx *p = ctx;

	if (h->type == PW_RECORDER_ALERT) /* an alert raised before the trigger */
		keep_alert(p->m, p->c, (const char *)(h + 1), h->size - sizeof(*h));
	else
		timeline_add(p->m, p->c, NULL, h, 1);
}

static void argv_json(struct jsonw *w, const char *args, size_t len)
{
	size_t off = 0;

	jw_key(w, "argv");
	jw_arr_begin(w);
	while (off < len) {
		size_t n = strnlen(args + off, len - off);

		jw_strn(w, args + off, n);
		off += n + 1;
	}
	jw_arr_end(w);
}

/* A record-clock time (CLOCK_MONOTONIC) as RFC 3339; 0: unknown, null. */
static void time_or_null(struct jsonw *w, const char *key, uint64_t mono_ns)
{
	char when[PW_TIME_LEN];

	jw_key(w, key);
	if (!mono_ns) {
		jw_null(w);
		return;
	}
	pw_format_time(pw_mono_to_real_ns(mono_ns), when);
	jw_str(w, when);
}

static void proc_json(struct jsonw *w, const struct pw_proc *p)
{
	jw_kv_u64(w, "pid", p->pid);
	jw_kv_u64(w, "ppid", p->ppid);
	jw_kv_str(w, "comm", p->comm);
	jw_kv_str(w, "exe", p->exe);
	argv_json(w, p->args, p->args_len);
	jw_kv_bool(w, "from_proc", p->from_proc);
	jw_kv_bool(w, "exited", pw_ptable_exited(p));
	time_or_null(w, "started", p->start_ns);
	time_or_null(w, "exec_time", p->exec_ns);
}

/* The process and its ancestry, as the table knows them now (exited
 * ancestors of a live process included). */
static void add_process(struct pw_capmgr *m, struct pw_capture *c, const struct pw_view *v)
{
	const struct pw_proc *anc[16], *self;
	const char *line;
	size_t i, n, len;

	jw_reset(&m->scratch);
	jw_obj_begin(&m->scratch);
	self = pw_ptable_get(m->procs, v->proc.pid);
	if (self) {
		proc_json(&m->scratch, self);
	} else {
		jw_kv_u64(&m->scratch, "pid", v->proc.pid);
		jw_kv_u64(&m->scratch, "ppid", v->proc.ppid);
		jw_kv_str(&m->scratch, "comm", v->proc.comm ? v->proc.comm : "");
		jw_kv_str(&m->scratch, "exe", v->proc.exe ? v->proc.exe : "");
		argv_json(&m->scratch, v->proc.args ? v->proc.args : "", v->proc.args_len);
	}
	{
		char snap[24];

		snprintf(snap, sizeof(snap), "p%u", v->proc.pid);
		jw_kv_str(&m->scratch, "snapshot", snap); /* its files' prefix, if taken */
	}
	n = pw_ptable_ancestry(m->procs, v->proc.pid, anc, 16);
	jw_key(&m->scratch, "ancestors");
	jw_arr_begin(&m->scratch);
	for (i = 0; i < n; i++) {
		jw_obj_begin(&m->scratch);
		proc_json(&m->scratch, anc[i]);
		jw_obj_end(&m->scratch);
	}
	jw_arr_end(&m->scratch);
	jw_obj_end(&m->scratch);
	line = jw_line(&m->scratch, &len);
	if (line) {
		if (c->procs.len)
			buf_add(&c->procs, ",", 1);
		buf_add(&c->procs, line, len - 1);
	}
	jw_reset(&m->scratch);
}

static void snapshot(struct pw_capmgr *m, struct pw_capture *c, uint32_t pid)
{
	struct pw_cap_snap_job *j;
	size_t i;

	for (i = 0; i < c->npids; i++)
		if (c->pids[i] == pid)
			return;
	if (c->npids == PW_CAP_PIDS) {
		incomplete(m, c, "more processes than snapshots (8): the later ones not read");
		return;
	}
	c->pids[c->npids++] = pid;
	j = pw_cap_snap_job_new(m->capfd);
	if (!j) {
		incomplete(m, c, "a process snapshot could not be queued (out of memory)");
		return;
	}
	j->serial = c->serial;
	snprintf(j->id, sizeof(j->id), "%s", c->id);
	j->pids[0] = pid;
	j->npids = 1;
	memcpy(j->redact, m->redact, sizeof(j->redact));
	j->nredact = m->nredact;
	j->exe_max = m->o.exe_max;
	j->base.tag = PW_CAP_JOB_SNAPSHOT;
	j->base.key = PW_CAP_JOB_KEY(c->serial);
	c->snaps_out++;
	pw_hw_submit(m->hw, &j->base);
}

static void trigger_json(struct pw_capmgr *m, struct pw_capture *c, const struct pw_rule_info *rule,
			 const struct pw_view *v)
{
	char when[PW_TIME_LEN];
	const char *line;
	size_t len;

	if (c->ntriggers++ >= PW_CAP_TRIGGERS_MAX)
		return;
	jw_reset(&m->scratch);
	jw_obj_begin(&m->scratch);
	pw_format_time(pw_mono_to_real_ns(v->ts_ns), when);
	jw_kv_str(&m->scratch, "time", when);
	jw_kv_str(&m->scratch, "rule", rule->id);
	jw_kv_str(&m->scratch, "title", rule->title);
	jw_kv_u64(&m->scratch, "pid", v->proc.pid);
	jw_kv_str(&m->scratch, "kind", pw_alert_kind_name(v));
	pw_alert_str_or_null(&m->scratch, "path", v->path);
	jw_obj_end(&m->scratch);
	line = jw_line(&m->scratch, &len);
	if (line) {
		if (c->triggers.len)
			buf_add(&c->triggers, ",", 1);
		buf_add(&c->triggers, line, len - 1);
	}
	jw_reset(&m->scratch);
}

static void id_part(char *out, size_t size, const char *s)
{
	size_t i, o = 0;

	for (i = 0; s && s[i] && o + 1 < size; i++) {
		char ch = s[i];

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '_' || ch == '-')
			out[o++] = ch;
	}
	if (!o && size > 1)
		out[o++] = 'x';
	out[o] = 0;
}

static int rule_rate_ok(struct pw_capmgr *m, const char *id, uint64_t now, int take)
{
	size_t i;

	for (i = 0; i < m->nrules; i++)
		if (!strcmp(m->last_by_rule[i].id, id))
			break;
	if (i < m->nrules && m->o.interval_s &&
	    now - m->last_by_rule[i].last_ns < (uint64_t)m->o.interval_s * 1000000000)
		return 0;
	if (!take)
		return 1;
	if (i == m->nrules) {
		if (m->nrules == PW_CAP_RULES_MAX)
			return 1; /* not tracked past the bound: never a reason to skip */
		snprintf(m->last_by_rule[i].id, sizeof(m->last_by_rule[i].id), "%s", id);
		m->nrules++;
	}
	m->last_by_rule[i].last_ns = now;
	return 1;
}

static void skip(struct pw_cap_result *res, uint64_t *counter, const char *why)
{
	(*counter)++;
	res->status = "skipped";
	res->reason = why;
}

void pw_cap_trigger(struct pw_capmgr *m, uint64_t key, const struct pw_rule_info *rule,
		    const struct pw_view *v, uint64_t now, struct pw_cap_result *res)
{
	struct pw_hslot *last;
	struct pw_capture *c;
	struct pre_ctx pc;
	uint64_t window =
		(uint64_t)(rule->capture_window_s ? rule->capture_window_s : m->o.window_s) *
		1000000000;
	char tbuf[32], cid[16];
	const char *line;
	size_t len;
	time_t t;
	struct tm tm;

	memset(res, 0, sizeof(*res));
	if (m->off) {
		m->n.off++;
		return;
	}
	if (!v->container || !key) {
		skip(res, &m->n.skipped_no_container, "not in a container");
		return;
	}
	if (m->capfd < 0) {
		skip(res, &m->n.skipped_disabled, m->dir_err[0] ? m->dir_err : "captures are off");
		return;
	}
	c = find_key(m, key);
	if (c) {
		/* Under way: this trigger extends its window. */
		if (now + window > c->end_ns)
			c->end_ns = now + window;
		trigger_json(m, c, rule, v);
		if (v->proc.pid && c->npids < PW_CAP_PIDS) {
			size_t i, known = 0;

			for (i = 0; i < c->npids; i++)
				known |= c->pids[i] == v->proc.pid;
			if (!known) {
				add_process(m, c, v);
				snapshot(m, c, v->proc.pid);
			}
		}
		m->n.extended++;
		res->id = c->id;
		res->file = c->file;
		res->status = "extended";
		return;
	}
	last = pw_htab_find(&m->last_by_ctr, key);
	if (last && m->o.interval_s && now - last->val < (uint64_t)m->o.interval_s * 1000000000) {
		skip(res, &m->n.skipped_rate_container,
		     "rate limit: this container was captured less than capture_interval_s ago");
		return;
	}
	if (!rule_rate_ok(m, rule->id, now, 0)) {
		skip(res, &m->n.skipped_rate_rule,
		     "rate limit: this rule took a capture less than capture_interval_s ago");
		return;
	}
	if (m->nactive == PW_CAP_ACTIVE_MAX) {
		skip(res, &m->n.skipped_busy, "too many captures under way (16)");
		return;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		skip(res, &m->n.skipped_memory, "out of memory");
		return;
	}
	rule_rate_ok(m, rule->id, now, 1);
	pw_htab_put(&m->last_by_ctr, key, now);
	c->serial = ++m->seq;
	c->key = key;
	c->trigger_ts = v->ts_ns;
	c->first_ns = now;
	c->end_ns = now + window;
	c->timeline_max =
		m->o.max_bytes / 4 < PW_CAP_BUNDLE_MEM ? m->o.max_bytes / 4 : PW_CAP_BUNDLE_MEM;
	t = time(NULL);
	gmtime_r(&t, &tm);
	strftime(tbuf, sizeof(tbuf), "%Y%m%dT%H%M%SZ", &tm);
	id_part(cid, sizeof(cid), v->container->id);
	cid[12] = 0;
	snprintf(c->id, sizeof(c->id), "%s-%s-%u-%04u", tbuf, cid, (unsigned)getpid() % 100000,
		 (unsigned)(c->serial % 10000));
	snprintf(c->file, sizeof(c->file), "%s/%s", m->dir, c->id);
	snprintf(c->ctr_id, sizeof(c->ctr_id), "%s", v->container->id ? v->container->id : "");
	snprintf(c->ctr_name, sizeof(c->ctr_name), "%s",
		 v->container->name ? v->container->name : "");
	/* The container as the rules saw it at the trigger. */
	jw_reset(&m->scratch);
	jw_obj_begin(&m->scratch);
	pw_alert_write_container(&m->scratch, v->container);
	jw_kv_u64(&m->scratch, "cgroup_id", key);
	jw_obj_end(&m->scratch);
	line = jw_line(&m->scratch, &len);
	c->container = line ? strndup(line, len - 1) : NULL; /* without the newline */
	c->container_len = line ? len - 1 : 0;
	jw_reset(&m->scratch);
	/* What led up to it: the recorder's records of the last T seconds. */
	pc.m = m;
	pc.c = c;
	pw_rec_walk(&m->rec, key,
		    v->ts_ns > m->rec.o.max_age_ns ? v->ts_ns - m->rec.o.max_age_ns : 0, pre_one,
		    &pc);
	trigger_json(m, c, rule, v);
	add_process(m, c, v);
	m->active[m->nactive++] = c;
	if (v->proc.pid)
		snapshot(m, c, v->proc.pid);
	m->n.started++;
	res->id = c->id;
	res->file = c->file;
	res->status = "started";
}

void pw_cap_alert(struct pw_capmgr *m, uint64_t key, const char *line, size_t len)
{
	struct pw_capture *c;
	struct pw_event_header *h;

	if (m->capfd < 0)
		return; /* no captures: nothing to record for */
	/* Into the recorder too: a later capture's bundle holds the alerts
	 * that led up to its trigger. */
	if (sizeof(*h) + len <= UINT16_MAX && (h = calloc(1, sizeof(*h) + len))) {
		h->type = PW_RECORDER_ALERT;
		h->size = (uint16_t)(sizeof(*h) + len);
		h->ts_ns = pw_hw_now_ns();
		memcpy(h + 1, line, len);
		pw_rec_push(&m->rec, key, h);
		free(h);
	}
	c = m->nactive ? find_key(m, key) : NULL;
	if (c)
		keep_alert(m, c, line, len);
}

/*
 * Oldest bundles out until one of est bytes fits beside those on disk and
 * those still being written (many captures end in the same second); their
 * ids to the job. -1 when it cannot fit even with all of them gone: then
 * nothing is removed and the bundle is not written.
 */
static int quota(struct pw_capmgr *m, struct pw_cap_fin_job *j, uint64_t est)
{
	uint64_t bytes = m->disk_bytes;
	size_t k = 0;

	while (k < m->nbundles && (m->nbundles - k + m->nwriting + 1 > m->o.max_bundles ||
				   bytes + m->writing_bytes + est > m->o.max_bytes))
		bytes -= m->bundles[k++].bytes;
	if (m->nbundles - k + m->nwriting + 1 > m->o.max_bundles ||
	    bytes + m->writing_bytes + est > m->o.max_bytes)
		return -1;
	m->disk_bytes = bytes;
	if (!k)
		return 0;
	j->prune = calloc(k, sizeof(*j->prune));
	if (j->prune) {
		size_t i;

		for (i = 0; i < k; i++)
			snprintf(j->prune[i], sizeof(j->prune[i]), "%s", m->bundles[i].id);
		j->nprune = k;
	}
	m->n.removed_quota += k;
	memmove(m->bundles, m->bundles + k, (m->nbundles - k) * sizeof(*m->bundles));
	m->nbundles -= k;
	return 0;
}

static void finalize(struct pw_capmgr *m, struct pw_capture *c, const struct pw_host_info *host)
{
	struct pw_cap_fin_job *j;
	char when[PW_TIME_LEN];
	const char *line;
	uint64_t est;
	size_t i, len;
	struct timespec ts;

	c->writing = 1;
	j = pw_cap_fin_job_new(m->capfd);
	if (!j) {
		m->n.failed++;
		c->writing = 2; /* freed by the next tick */
		return;
	}
	j->serial = c->serial;
	snprintf(j->id, sizeof(j->id), "%s", c->id);
	jw_reset(&m->scratch);
	jw_obj_begin(&m->scratch);
	jw_kv_str(&m->scratch, "schema", PW_CAPTURE_SCHEMA);
	jw_kv_str(&m->scratch, "record", "manifest");
	jw_kv_str(&m->scratch, "id", c->id);
	jw_kv_str(&m->scratch, "version", PW_VERSION);
	clock_gettime(CLOCK_REALTIME, &ts);
	pw_format_time((uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec, when);
	jw_kv_str(&m->scratch, "written", when);
	if (host) {
		jw_key(&m->scratch, "host");
		jw_obj_begin(&m->scratch);
		pw_alert_str_or_null(&m->scratch, "hostname", host->hostname);
		pw_alert_str_or_null(&m->scratch, "boot_id", host->boot_id);
		jw_obj_end(&m->scratch);
	}
	jw_key(&m->scratch, "container");
	jw_raw(&m->scratch, c->container ? c->container : "null");
	jw_key(&m->scratch, "window");
	jw_obj_begin(&m->scratch);
	pw_format_time(pw_mono_to_real_ns(c->trigger_ts), when);
	jw_kv_str(&m->scratch, "trigger", when);
	pw_format_time(pw_mono_to_real_ns(c->trigger_ts > m->rec.o.max_age_ns
						  ? c->trigger_ts - m->rec.o.max_age_ns
						  : 0),
		       when);
	jw_kv_str(&m->scratch, "from", when);
	jw_kv_u64(&m->scratch, "pre_s", m->rec.o.max_age_ns / 1000000000);
	jw_kv_u64(&m->scratch, "post_s", (c->end_ns - c->first_ns) / 1000000000);
	jw_kv_str(&m->scratch, "ended_by", c->ended_by ? c->ended_by : "window");
	jw_obj_end(&m->scratch);
	jw_key(&m->scratch, "triggers");
	jw_arr_begin(&m->scratch);
	if (c->triggers.len)
		jw_raw(&m->scratch, c->triggers.p);
	jw_arr_end(&m->scratch);
	jw_key(&m->scratch, "counts");
	jw_obj_begin(&m->scratch);
	jw_kv_u64(&m->scratch, "triggers", c->ntriggers);
	jw_kv_u64(&m->scratch, "records_pre", c->records_pre);
	jw_kv_u64(&m->scratch, "records_post", c->records_post);
	jw_kv_u64(&m->scratch, "records_cut", c->records_cut);
	jw_kv_u64(&m->scratch, "alerts", c->nalerts);
	jw_kv_u64(&m->scratch, "processes", c->npids);
	jw_obj_end(&m->scratch);
	jw_key(&m->scratch, "redacted_keys");
	jw_arr_begin(&m->scratch);
	for (i = 0; i < m->nredact; i++)
		jw_str(&m->scratch, m->redact[i]);
	jw_arr_end(&m->scratch);
	line = jw_line(&m->scratch, &len);
	/* the object still open: all but jw_line's newline */
	j->head = line ? strndup(line, len - 1) : NULL;
	jw_reset(&m->scratch);
	/* processes.json */
	{
		struct buf pj = {};

		buf_add(&pj, "{\"processes\":[", 14);
		if (c->procs.len)
			buf_add(&pj, c->procs.p, c->procs.len);
		buf_add(&pj, "]}\n", 3);
		j->procs_len = pj.len;
		j->procs = buf_take(&pj);
	}
	{
		struct buf ij = {};

		buf_add(&ij, "[", 1);
		if (c->incomplete.len)
			buf_add(&ij, c->incomplete.p, c->incomplete.len);
		buf_add(&ij, "]", 1);
		j->incomplete = buf_take(&ij);
	}
	m->mem -= c->timeline.len + c->alerts.len; /* the job's now */
	j->timeline_len = c->timeline.len;
	j->timeline = buf_take(&c->timeline);
	j->alerts_len = c->alerts.len;
	j->alerts = buf_take(&c->alerts);
	j->container_len = c->container_len;
	j->container = c->container;
	c->container = NULL;
	memcpy(j->files, c->files, sizeof(j->files));
	j->nfiles = c->nfiles;
	est = j->timeline_len + j->alerts_len + j->procs_len + j->container_len;
	for (i = 0; i < c->nfiles; i++)
		est += c->files[i].size;
	j->base.tag = PW_CAP_JOB_FINALIZE;
	j->base.key = PW_CAP_JOB_KEY(c->serial);
	if (!j->head || !j->procs || !j->incomplete) {
		j->base.free(&j->base);
		m->n.failed++;
		c->writing = 2;
		return;
	}
	if (quota(m, j, est)) {
		pw_warn("capture %s: not written: the quota (%zu bundles, %llu bytes) is taken by "
			"those on disk and %zu being written\n",
			c->id, (size_t)m->o.max_bundles, (unsigned long long)m->o.max_bytes,
			m->nwriting);
		m->n.skipped_quota++;
		/* what the snapshot wrote already is removed with its directory */
		j->prune = calloc(1, sizeof(*j->prune));
		if (!j->prune) {
			j->base.free(&j->base);
			c->writing = 2;
			return;
		}
		snprintf(j->prune[0], sizeof(j->prune[0]), "%s", c->id);
		j->nprune = 1;
		j->discard = 1;
		est = 0;
	}
	j->est = est;
	m->nwriting++;
	m->writing_bytes += est;
	pw_hw_submit(m->hw, &j->base);
}

static void drop(struct pw_capmgr *m, struct pw_capture *c)
{
	size_t i;

	m->mem -= c->timeline.len + c->alerts.len;
	for (i = 0; i < m->nactive; i++)
		if (m->active[i] == c) {
			m->active[i] = m->active[--m->nactive];
			break;
		}
	cap_free(c);
}

void pw_cap_tick(struct pw_capmgr *m, uint64_t now, int all)
{
	size_t i;

	for (i = 0; i < m->nactive;) {
		struct pw_capture *c = m->active[i];

		if (c->writing == 2) {
			drop(m, c);
			continue;
		}
		i++;
		if (c->writing || c->snaps_out)
			continue;
		if (all && !c->ended_by)
			c->ended_by = "agent_stop";
		if (c->ended_by || now >= c->end_ns)
			finalize(m, c, m->host);
	}
}

void pw_cap_container_gone(struct pw_capmgr *m, uint64_t key, uint64_t now)
{
	struct pw_capture *c = find_key(m, key);

	pw_rec_forget(&m->rec, key);
	pw_htab_del(&m->last_by_ctr, key);
	if (c) {
		c->ended_by = "container_end";
		if (!c->snaps_out)
			finalize(m, c, m->host);
	}
}

size_t pw_cap_busy(const struct pw_capmgr *m)
{
	return m->nactive;
}

int pw_cap_job_done(struct pw_capmgr *m, struct pw_hw_job *b, const struct pw_host_info *host,
		    struct jsonw *w)
{
	struct pw_capture *c = find_serial(m, b->key & ~PW_CAP_JOB_KEY(0));
	char when[PW_TIME_LEN];
	struct timespec ts;

	if (b->tag == PW_CAP_JOB_FINALIZE && !b->late) { /* its reservation, whatever came of it */
		m->nwriting--;
		m->writing_bytes -= ((struct pw_cap_fin_job *)b)->est;
	}
	if (b->late || !c)
		return 0;
	if (b->tag == PW_CAP_JOB_SNAPSHOT) {
		struct pw_cap_snap_job *j = (struct pw_cap_snap_job *)b;
		size_t i;

		c->snaps_out--;
		for (i = 0; i < j->nfiles && c->nfiles < PW_CAP_FILES_MAX; i++)
			c->files[c->nfiles++] = j->files[i];
		if (j->reason[0])
			incomplete(m, c, j->reason);
		if (!c->snaps_out && c->ended_by && !c->writing)
			finalize(m, c, host);
		return 0;
	}
	{
		struct pw_cap_fin_job *j = (struct pw_cap_fin_job *)b;
		int complete = !b->timed_out && !j->rc && !c->incomplete.len;

		if (j->discard) { /* counted when refused */
			drop(m, c);
			return 0;
		}

		m->n.removed_quota -= j->nprune - j->removed; /* those not removed after all */
		if (b->timed_out || j->rc) {
			m->n.failed++;
			pw_warn("capture %s: %s\n", c->id, j->reason);
		} else {
			struct pw_bundle_ent e = {};

			m->n.completed++;
			m->n.bytes_written += j->bytes;
			if (!complete)
				m->n.incomplete++;
			snprintf(e.id, sizeof(e.id), "%s", c->id);
			e.bytes = j->bytes;
			if (m->nbundles == m->bundles_cap) {
				size_t cap = m->bundles_cap ? m->bundles_cap * 2 : 16;
				struct pw_bundle_ent *nb = realloc(m->bundles, cap * sizeof(*nb));

				if (nb) {
					m->bundles = nb;
					m->bundles_cap = cap;
				}
			}
			if (m->nbundles < m->bundles_cap)
				m->bundles[m->nbundles++] = e;
			m->disk_bytes += j->bytes;
		}
		clock_gettime(CLOCK_REALTIME, &ts);
		pw_format_time((uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec, when);
		jw_obj_begin(w);
		jw_kv_str(w, "schema", PW_CAPTURE_SCHEMA);
		jw_kv_str(w, "record", "completed");
		jw_kv_str(w, "time", when);
		jw_key(w, "host");
		jw_obj_begin(w);
		pw_alert_str_or_null(w, "hostname", host ? host->hostname : NULL);
		pw_alert_str_or_null(w, "boot_id", host ? host->boot_id : NULL);
		jw_obj_end(w);
		jw_kv_str(w, "id", c->id);
		jw_kv_str(w, "path", c->file);
		jw_key(w, "container");
		jw_obj_begin(w);
		pw_alert_str_or_null(w, "id", c->ctr_id);
		pw_alert_str_or_null(w, "name", c->ctr_name);
		jw_obj_end(w);
		jw_kv_bool(w, "written", !b->timed_out && !j->rc);
		jw_kv_bool(w, "complete", complete);
		if (b->timed_out || j->rc)
			jw_kv_str(w, "error", j->reason);
		jw_kv_u64(w, "bytes", j->bytes);
		jw_kv_u64(w, "triggers", c->ntriggers);
		jw_kv_u64(w, "records", c->records_pre + c->records_post);
		if (j->manifest_sha256[0])
			jw_kv_str(w, "manifest_sha256", j->manifest_sha256);
		jw_obj_end(w);
		drop(m, c);
		return 1;
	}
}

void pw_cap_counts_json(const struct pw_capmgr *m, struct jsonw *w)
{
	const struct pw_rec_stats *r = &m->rec.st;

	jw_key(w, "capture");
	jw_obj_begin(w);
	jw_kv_bool(w, "on", m->capfd >= 0);
	jw_kv_u64(w, "started", m->n.started);
	jw_kv_u64(w, "extended", m->n.extended);
	jw_kv_u64(w, "completed", m->n.completed);
	jw_kv_u64(w, "incomplete", m->n.incomplete);
	jw_kv_u64(w, "failed", m->n.failed);
	jw_key(w, "skipped");
	jw_obj_begin(w);
	jw_kv_u64(w, "off", m->n.off);
	jw_kv_u64(w, "dir_refused", m->n.skipped_disabled);
	jw_kv_u64(w, "rate_container", m->n.skipped_rate_container);
	jw_kv_u64(w, "rate_rule", m->n.skipped_rate_rule);
	jw_kv_u64(w, "busy", m->n.skipped_busy);
	jw_kv_u64(w, "no_container", m->n.skipped_no_container);
	jw_kv_u64(w, "memory", m->n.skipped_memory);
	jw_kv_u64(w, "quota", m->n.skipped_quota);
	jw_obj_end(w);
	jw_kv_u64(w, "records_cut", m->n.records_cut);
	jw_kv_u64(w, "removed_by_quota", m->n.removed_quota);
	jw_kv_u64(w, "bytes_written", m->n.bytes_written);
	jw_kv_u64(w, "bundles_on_disk", m->nbundles);
	jw_kv_u64(w, "disk_bytes", m->disk_bytes);
	jw_kv_u64(w, "memory_bytes", m->mem);
	jw_key(w, "recorder");
	jw_obj_begin(w);
	jw_kv_u64(w, "recorded", r->recorded);
	jw_kv_u64(w, "evicted", r->evicted);
	jw_kv_u64(w, "not_kept", r->not_kept);
	jw_kv_u64(w, "containers", r->rings);
	jw_kv_u64(w, "bytes", r->bytes);
	jw_kv_u64(w, "freed", r->freed_rings);
	jw_obj_end(w);
	jw_obj_end(w);
}

uint64_t pw_cap_lost(const struct pw_capmgr *m)
{
	/* A capture is a response, not a record: "no container" is no loss. */
	return m->n.skipped_disabled + m->n.skipped_rate_container + m->n.skipped_rate_rule +
	       m->n.skipped_busy + m->n.skipped_memory + m->n.skipped_quota + m->n.incomplete +
	       m->n.failed;
}
