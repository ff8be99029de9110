/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What the HTTP endpoint (agent/daemon/http.c) serves, as a snapshot: the
 * event thread copies every counter into a struct pw_metrics once per loop
 * tick and publishes it; the HTTP thread renders /metrics (Prometheus text
 * format 0.0.4) and /readyz from its copy, never from the live pipeline.
 * Labels are bounded: event kind, drop cause, rule id, severity, sink,
 * container mode, concern; never a container, pod, process or path.
 */
#ifndef PW_METRICS_H
#define PW_METRICS_H

#include <stdint.h>
#include <stdio.h>
#include "events.h"
#include "events/event_view.h"
#include "kernel/feature_probe.h"
#include "lib/severity.h"
#include "pipeline.h"

#define PW_MX_SINKS	32
#define PW_MX_SINK_NAME 128
#define PW_MX_WINDOW	10 /* ticks (seconds) the drop rate and sink drops are taken over */

struct pw_mx_sink {
	char name[PW_MX_SINK_NAME]; /* its spec */
	char kind[8];
	uint64_t lines, bytes, dropped, filtered, reconnects;
	uint64_t queued, queue_max; /* queue_max 0: written in the event thread */
	uint64_t delivered_ns;	    /* last delivery, CLOCK_MONOTONIC (0: never) */
	uint64_t window_dropped;    /* dropped over the window */
};

struct pw_mx_concern {
	char name[24];
	char variant[16]; /* "none": nothing can serve it here */
	enum pw_proof proof;
};

struct pw_metrics {
	uint64_t published_ns; /* CLOCK_MONOTONIC, when the event thread published it */
	uint64_t drained_ns;   /* the reader last left the ring empty (0: not yet) */
	uint64_t start_real_s; /* the agent's start, Unix seconds */
	int starting;	       /* the start canary has not finished */
	uint64_t received[PW_EVENT_TYPE_MAX], sent[PW_EVENT_TYPE_MAX];
	uint64_t suppressed[PW_EVENT_TYPE_MAX];
	uint64_t dropped[PW_EVENT_TYPE_MAX][PW_DROP_CAUSE_MAX];
	uint64_t malformed, watch_full;
	uint64_t ring_used, ring_size;
	uint64_t alerts_written;
	struct pw_rule_count rules[PW_RULE_COUNTS_MAX];
	size_t nrules;
	uint64_t rules_other;
	uint64_t rules_loaded, reloads, reload_failures;
	uint64_t modes[PW_VMODE_COUNT];
	struct pw_latency latency;
	uint64_t host_read_timeouts;
	uint64_t canary_rounds, blind_alerts;
	struct pw_mx_concern concerns[PW_MAX_CONCERNS];
	int nconcerns;
	struct pw_mx_sink sinks[PW_MX_SINKS];
	int nsinks;
	/* Over the last window: records the kernel sent or dropped, and dropped. */
	uint64_t window_events, window_dropped;
	unsigned int window_s;
};

/* What the event thread owns to collect: the window's history. */
struct pw_mx_history {
	uint64_t events[PW_MX_WINDOW], dropped[PW_MX_WINDOW];
	uint64_t sink_dropped[PW_MX_WINDOW][PW_MX_SINKS];
	unsigned int next, filled;
};

struct pw_loader;
struct pw_reader;
struct pw_health;

/* Fill m from the live state (event thread only); one tick of history. */
void pw_metrics_collect(struct pw_metrics *m, struct pw_mx_history *hist, struct pw_loader *l,
			const struct pw_reader *r, const struct pw_pipeline *p,
			const struct pw_sinks *sinks, const struct pw_health *h, int starting);

struct pw_ready_opts {
	double max_drop_rate;	/* kernel drops / (sent + dropped) over the window */
	uint64_t drain_ns;	/* the ring drained within this long */
	uint64_t stall_ns;	/* a sink with lines waiting delivered within this long */
	unsigned int queue_pct; /* a sink's queue at this share of its bound is not ready */
};

/* The Prometheus text of m (rss, cpu: the process's, read by the caller). */
void pw_metrics_prometheus(FILE *f, const struct pw_metrics *m, uint64_t rss_bytes,
			   double cpu_seconds);

/* /readyz: 1 if ready; the JSON body (checks, each with ok and why) to f. */
int pw_metrics_ready(FILE *f, const struct pw_metrics *m, const struct pw_ready_opts *o,
		     uint64_t now_ns);

#endif
