// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "daemon/health.h"
#include "daemon/metrics.h"
#include "events/event_types.h"
#include "kernel/loader.h"
#include "kernel/reader.h"
#include "kernel/stats.h"
#include "lib/jsonw.h"

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The window: what rose since the oldest tick kept (at most PW_MX_WINDOW ago). */
static void window(struct pw_metrics *m, struct pw_mx_history *hs, uint64_t events,
		   uint64_t dropped)
{
	/* Full: the slot about to be written holds the oldest tick. */
	unsigned int oldest = hs->filled < PW_MX_WINDOW ? 0 : hs->next;
	int i;

	if (hs->filled) {
		m->window_events = events - hs->events[oldest];
		m->window_dropped = dropped - hs->dropped[oldest];
		m->window_s = hs->filled < PW_MX_WINDOW ? hs->filled : PW_MX_WINDOW;
		for (i = 0; i < m->nsinks; i++)
			m->sinks[i].window_dropped =
				m->sinks[i].dropped - hs->sink_dropped[oldest][i];
	}
	hs->events[hs->next] = events;
	hs->dropped[hs->next] = dropped;
	for (i = 0; i < m->nsinks; i++)
		hs->sink_dropped[hs->next][i] = m->sinks[i].dropped;
	if (hs->filled < PW_MX_WINDOW)
		hs->filled++;
	hs->next = (hs->next + 1) % PW_MX_WINDOW;
}

void pw_metrics_collect(struct pw_metrics *m, struct pw_mx_history *hs, struct pw_loader *l,
			const struct pw_reader *r, const struct pw_pipeline *p,
			const struct pw_sinks *sinks, const struct pw_health *h, int starting)
{
	uint64_t sent = 0, dropped = 0;
	struct pw_sink_stats ss;
	struct pw_kstats ks;
	int t, d, i;

	memset(m, 0, sizeof(*m));
	m->published_ns = mono_ns();
	m->drained_ns = r->drained_ns;
	m->start_real_s = time(NULL) - (m->published_ns / 1000000000);
	m->starting = starting;
	if (!pw_kstats_read(l, &ks)) {
		memcpy(m->sent, ks.emitted, sizeof(m->sent));
		memcpy(m->suppressed, ks.suppressed, sizeof(m->suppressed));
		memcpy(m->dropped, ks.dropped, sizeof(m->dropped));
		m->watch_full = ks.watched_cgroups_full;
	}
	memcpy(m->received, r->stats.received, sizeof(m->received));
	m->malformed = r->stats.malformed;
	m->ring_used = pw_reader_pending(r);
	m->ring_size = l->ringbuf_bytes;
	m->alerts_written = p->alerts.written;
	if (p->rule_counts)
		memcpy(m->rules, p->rule_counts, p->n_rule_counts * sizeof(m->rules[0]));
	m->nrules = p->n_rule_counts;
	m->rules_other = p->rule_counts_other;
	m->rules_loaded = p->rules ? pw_ruleset_count(p->rules) : 0;
	m->reloads = p->reloads;
	m->reload_failures = p->reload_failures;
	pw_pipeline_modes(p, m->modes);
	m->latency = p->latency;
	m->host_read_timeouts = pw_pipeline_host_timeouts(p);
	m->canary_rounds = h->canary.rounds;
	m->blind_alerts = h->alerts;
	for (i = 0; i < pw_concern_count && i < PW_MAX_CONCERNS; i++) {
		const struct pw_choice *ch = &l->choices[i];

		snprintf(m->concerns[i].name, sizeof(m->concerns[i].name), "%s", ch->concern->name);
		snprintf(m->concerns[i].variant, sizeof(m->concerns[i].variant), "%s",
			 pw_variant_name(ch->variant));
		m->concerns[i].proof = ch->proof;
	}
	m->nconcerns = i;
	for (i = 0; i < (int)pw_sinks_count(sinks) && i < PW_MX_SINKS; i++) {
		struct pw_mx_sink *k = &m->sinks[i];

		pw_sinks_stats(sinks, i, &ss);
		snprintf(k->name, sizeof(k->name), "%s", ss.spec);
		snprintf(k->kind, sizeof(k->kind), "%s", ss.kind);
		k->lines = ss.written;
		k->bytes = ss.bytes;
		k->dropped = ss.dropped;
		k->filtered = ss.filtered;
		k->reconnects = ss.reconnects;
		k->queued = ss.queued;
		k->queue_max = ss.queue_max;
		k->delivered_ns = ss.delivered_ns;
	}
	m->nsinks = i;
	for (t = 0; t < PW_EVENT_TYPE_MAX; t++) {
		sent += m->sent[t];
		for (d = 0; d < PW_DROP_CAUSE_MAX; d++)
			dropped += m->dropped[t][d];
	}
	window(m, hs, sent + dropped, dropped);
}

/* ---- Prometheus text format 0.0.4 ---- */

/* A label value: backslash, double quote and newline escaped. */
static void label(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', f);
		if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

static void head(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void one(FILE *f, const char *name, const char *type, const char *help, uint64_t v)
{
	head(f, name, type, help);
	fprintf(f, "%s %llu\n", name, (unsigned long long)v);
}

static void by_kind(FILE *f, const char *name, const char *help, const uint64_t *v)
{
	int t;

	head(f, name, "counter", help);
	for (t = 0; t < PW_EVENT_TYPE_MAX; t++)
		if (pw_event_kind(t))
			fprintf(f, "%s{kind=\"%s\"} %llu\n", name, pw_event_kind(t)->name,
				(unsigned long long)v[t]);
}

/* One metric per sink, the field at off in struct pw_mx_sink. */
static void sinks(FILE *f, const struct pw_metrics *m, const char *name, const char *type,
		  const char *help, size_t off)
{
	int i;

	head(f, name, type, help);
	for (i = 0; i < m->nsinks; i++) {
		fprintf(f, "%s{sink=\"", name);
		label(f, m->sinks[i].name);
		fprintf(f, "\",kind=\"%s\"} %llu\n", m->sinks[i].kind,
			(unsigned long long)*(const uint64_t *)((const char *)&m->sinks[i] + off));
	}
}

#define SINKS(name, type, help, field)                                                             \
	sinks(f, m, name, type, help, offsetof(struct pw_mx_sink, field))

static const char *const mode_names[PW_VMODE_COUNT] = {
	[PW_VMODE_DEFAULT] = "default",	      [PW_VMODE_PARTIAL] = "partial",
	[PW_VMODE_PRIVILEGED] = "privileged", [PW_VMODE_HOST] = NULL,
	[PW_VMODE_UNKNOWN] = "unknown",
};

void pw_metrics_prometheus(FILE *f, const struct pw_metrics *m, uint64_t rss_bytes,
			   double cpu_seconds)
{
	uint64_t cum = 0;
	int t, d, i, s;
	size_t k;

	head(f, "privwatch_build_info", "gauge", "The agent's version; always 1.");
	fprintf(f, "privwatch_build_info{version=\"");
	label(f, PW_VERSION);
	fprintf(f, "\"} 1\n");
	one(f, "privwatch_start_time_seconds", "gauge", "When the agent started, Unix time.",
	    m->start_real_s);
	by_kind(f, "privwatch_events_total",
		"Records read from the ring buffer by kind (the canary's included).", m->received);
	by_kind(f, "privwatch_kernel_events_sent_total",
		"Records the kernel submitted to the ring buffer by kind.", m->sent);
	by_kind(f, "privwatch_suppressed_repeats_total",
		"Repeats folded in the kernel (not lost) by kind.", m->suppressed);
	head(f, "privwatch_kernel_drops_total", "counter",
	     "Records the kernel could not send, by kind and cause.");
	for (d = 0; d < PW_DROP_CAUSE_MAX; d++)
		for (t = 0; t < PW_EVENT_TYPE_MAX; t++)
			if (pw_drop_cause_name(d) && pw_event_kind(t))
				fprintf(f,
					"privwatch_kernel_drops_total{kind=\"%s\",cause=\"%s\"} %llu\n",
					pw_event_kind(t)->name, pw_drop_cause_name(d),
					(unsigned long long)m->dropped[t][d]);
	one(f, "privwatch_malformed_records_total", "counter",
	    "Records of an unknown type or wrong size, dropped by the reader.", m->malformed);
	one(f, "privwatch_watched_cgroups_full_total", "counter",
	    "Cgroups not watched because the kernel's watched set was full.", m->watch_full);
	one(f, "privwatch_ringbuf_used_bytes", "gauge",
	    "Bytes written to the ring buffer and not read yet.", m->ring_used);
	one(f, "privwatch_ringbuf_size_bytes", "gauge", "The ring buffer's size.", m->ring_size);

	head(f, "privwatch_alerts_total", "counter",
	     "Rule matches (folded repeats included) by rule id and severity.");
	for (k = 0; k < m->nrules; k++) {
		fprintf(f, "privwatch_alerts_total{rule=\"");
		label(f, m->rules[k].id);
		fprintf(f, "\",severity=\"%s\"} %llu\n", pw_severity_name(m->rules[k].sev),
			(unsigned long long)m->rules[k].n);
	}
	if (m->rules_other)
		fprintf(f, "privwatch_alerts_total{rule=\"other\",severity=\"unknown\"} %llu\n",
			(unsigned long long)m->rules_other);
	one(f, "privwatch_alert_lines_total", "counter",
	    "Alert lines written (repeat summaries included).", m->alerts_written);
	head(f, "privwatch_event_alert_latency_seconds", "histogram",
	     "From the kernel's timestamp of an event to its rule's match.");
	for (i = 0; i < PW_LATENCY_BUCKETS; i++) {
		cum += m->latency.bucket[i];
		if (i < PW_LATENCY_BUCKETS - 1)
			fprintf(f, "privwatch_event_alert_latency_seconds_bucket{le=\"%g\"} %llu\n",
				pw_latency_bounds[i], (unsigned long long)cum);
		else
			fprintf(f,
				"privwatch_event_alert_latency_seconds_bucket{le=\"+Inf\"} %llu\n",
				(unsigned long long)cum);
	}
	fprintf(f, "privwatch_event_alert_latency_seconds_sum %.9f\n", m->latency.sum_ns / 1e9);
	fprintf(f, "privwatch_event_alert_latency_seconds_count %llu\n",
		(unsigned long long)m->latency.count);

	one(f, "privwatch_rules_loaded", "gauge", "Rules in the running set.", m->rules_loaded);
	one(f, "privwatch_rule_reloads_total", "counter", "Rule sets reloaded (SIGHUP).",
	    m->reloads);
	one(f, "privwatch_rule_reload_failures_total", "counter",
	    "Reloads refused (the running set kept).", m->reload_failures);

	SINKS("privwatch_sink_lines_total", "counter", "Lines delivered by sink.", lines);
	SINKS("privwatch_sink_bytes_total", "counter", "Bytes delivered by sink, framing included.",
	      bytes);
	SINKS("privwatch_sink_dropped_lines_total", "counter",
	      "Lines lost by sink: queue full or a write that failed for good.", dropped);
	SINKS("privwatch_sink_filtered_lines_total", "counter",
	      "Alerts below the sink's minimum severity.", filtered);
	SINKS("privwatch_sink_reconnects_total", "counter", "Connections made again by sink.",
	      reconnects);
	SINKS("privwatch_sink_queue_lines", "gauge", "Lines waiting in the sink's queue.", queued);
	SINKS("privwatch_sink_queue_capacity_lines", "gauge",
	      "The sink's queue bound (0: written in the event thread, no queue).", queue_max);

	head(f, "privwatch_containers", "gauge", "Containers tracked by posture mode.");
	for (s = 0; s < PW_VMODE_COUNT; s++)
		if (mode_names[s])
			fprintf(f, "privwatch_containers{mode=\"%s\"} %llu\n", mode_names[s],
				(unsigned long long)m->modes[s]);
	one(f, "privwatch_host_read_timeouts_total", "counter",
	    "Reads of a container's files given up at their deadline.", m->host_read_timeouts);
	one(f, "privwatch_canary_rounds_total", "counter", "Canary rounds run.", m->canary_rounds);
	head(f, "privwatch_concern_seeing", "gauge",
	     "1 if the concern's programs are attached and the canary did not find them blind.");
	for (i = 0; i < m->nconcerns; i++)
		fprintf(f, "privwatch_concern_seeing{concern=\"%s\"} %d\n", m->concerns[i].name,
			strcmp(m->concerns[i].variant, "none") &&
				m->concerns[i].proof != PW_PROOF_BLIND);
	one(f, "privwatch_process_resident_memory_bytes", "gauge", "The agent's resident memory.",
	    rss_bytes);
	head(f, "privwatch_process_cpu_seconds_total", "counter",
	     "CPU time the agent used, user and system.");
	fprintf(f, "privwatch_process_cpu_seconds_total %.2f\n", cpu_seconds);
}

/* ---- /readyz ---- */

static void check(struct jsonw *w, int ok, const char *why)
{
	jw_kv_bool(w, "ok", ok);
	jw_kv_str(w, "why", why);
}

int pw_metrics_ready(FILE *f, const struct pw_metrics *m, const struct pw_ready_opts *o,
		     uint64_t now_ns)
{
	struct jsonw w;
	char why[512];
	int ready = 1, ok, i, n;
	const char *line;
	size_t len;

	jw_init(&w);
	jw_obj_begin(&w);
	jw_key(&w, "checks");
	jw_obj_begin(&w);

	/* started: the start canary proved what it could */
	ok = m->published_ns && !m->starting;
	jw_key(&w, "started");
	jw_obj_begin(&w);
	check(&w, ok, ok ? "the start canary ran" : "starting: the canary has not run yet");
	jw_obj_end(&w);
	ready &= ok;

	/* programs: attached is not working; the canary's proof decides */
	jw_key(&w, "programs");
	jw_obj_begin(&w);
	why[0] = 0;
	for (i = 0, ok = m->nconcerns > 0; i < m->nconcerns; i++) {
		const struct pw_mx_concern *c = &m->concerns[i];
		const char *bad = !strcmp(c->variant, "none")  ? "no program can serve it here"
				  : c->proof == PW_PROOF_BLIND ? "attached, the canary was not seen"
							       : NULL;

		if (!bad)
			continue;
		ok = 0;
		n = strlen(why);
		snprintf(why + n, sizeof(why) - n, "%s%s: %s", n ? "; " : "", c->name, bad);
	}
	if (ok)
		snprintf(why, sizeof(why),
			 "every concern's programs attached and seen by the canary");
	check(&w, ok, why);
	jw_key(&w, "concerns");
	jw_obj_begin(&w);
	for (i = 0; i < m->nconcerns; i++) {
		jw_key(&w, m->concerns[i].name);
		jw_obj_begin(&w);
		jw_kv_str(&w, "variant", m->concerns[i].variant);
		jw_kv_str(&w, "proof", pw_proof_name(m->concerns[i].proof));
		jw_obj_end(&w);
	}
	jw_obj_end(&w);
	jw_obj_end(&w);
	ready &= ok;

	/* ring_drained: the reader keeps up */
	ok = m->drained_ns && now_ns - m->drained_ns <= o->drain_ns;
	if (!m->drained_ns)
		snprintf(why, sizeof(why), "the ring buffer was never drained");
	else
		snprintf(why, sizeof(why),
			 "the ring buffer was last drained %.1f s ago (bound %.1f s)",
			 (now_ns - m->drained_ns) / 1e9, o->drain_ns / 1e9);
	jw_key(&w, "ring_drained");
	jw_obj_begin(&w);
	check(&w, ok, why);
	jw_obj_end(&w);
	ready &= ok;

	/* drop_rate: over the window */
	{
		double rate = m->window_events ? (double)m->window_dropped / m->window_events : 0;

		ok = rate <= o->max_drop_rate;
		snprintf(why, sizeof(why),
			 "%llu of %llu kernel records dropped over the last %u s: %.4f, %s %.4f",
			 (unsigned long long)m->window_dropped,
			 (unsigned long long)m->window_events, m->window_s, rate,
			 ok ? "within" : "above", o->max_drop_rate);
		jw_key(&w, "drop_rate");
		jw_obj_begin(&w);
		check(&w, ok, why);
		jw_obj_end(&w);
		ready &= ok;
	}

	/* sinks: each delivering, or queueing within its bound */
	{
		struct jsonw *sw = &w;
		int all = 1;

		jw_key(sw, "sinks");
		jw_obj_begin(sw);
		jw_key(sw, "each");
		jw_arr_begin(sw);
		for (i = 0; i < m->nsinks; i++) {
			const struct pw_mx_sink *k = &m->sinks[i];
			uint64_t idle = k->delivered_ns ? now_ns - k->delivered_ns : 0;

			ok = 1;
			if (k->queue_max && k->queued * 100 >= k->queue_max * o->queue_pct) {
				ok = 0;
				snprintf(why, sizeof(why), "queue at %llu of %llu lines",
					 (unsigned long long)k->queued,
					 (unsigned long long)k->queue_max);
			} else if (k->queued && k->delivered_ns && idle > o->stall_ns) {
				ok = 0;
				snprintf(
					why, sizeof(why),
					"stalled: %llu lines waiting, nothing delivered for %.1f s",
					(unsigned long long)k->queued, idle / 1e9);
			} else if (k->window_dropped) {
				ok = 0;
				snprintf(why, sizeof(why), "%llu lines dropped over the last %u s",
					 (unsigned long long)k->window_dropped, m->window_s);
			} else {
				snprintf(why, sizeof(why), "%llu lines waiting%s",
					 (unsigned long long)k->queued,
					 k->queue_max ? "" : " (written in the event thread)");
			}
			jw_obj_begin(sw);
			jw_kv_str(sw, "sink", k->name);
			check(sw, ok, why);
			jw_obj_end(sw);
			all &= ok;
		}
		jw_arr_end(sw);
		jw_kv_bool(sw, "ok", all);
		jw_kv_str(sw, "why",
			  all ? "every sink delivering or queueing within bounds"
			      : "a sink is stalled, dropping or near its queue bound");
		jw_obj_end(sw);
		ready &= all;
	}
	jw_obj_end(&w);
	jw_kv_bool(&w, "ready", ready);
	jw_obj_end(&w);
	line = jw_line(&w, &len);
	if (line)
		fwrite(line, 1, len, f);
	jw_free(&w);
	return ready;
}
