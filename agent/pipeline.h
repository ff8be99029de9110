/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What privwatch run does with each record from the ring buffer, in order:
 *   1. tables: the container table (cgroup records, execs) and the process
 *      table (exec, fork, exit);
 *   2. the event's view: its fields, its process, its container;
 *   3. rules: every matching rule is an alert, folded when it repeats;
 *   4. sinks: alerts (and, with --events, every event) as JSON lines.
 * A container whose entrypoint starts is evaluated once more as a
 * container_start view: rules on posture match there.
 *
 * Not built yet: the design's flight recorder and forensic capture will sit
 * between 2 and 3, to see every event with its view and an alert+capture
 * rule's alert.
 */
#ifndef PW_PIPELINE_H
#define PW_PIPELINE_H

#include <stddef.h>
#include <stdint.h>
#include "alerts/alert.h"
#include "alerts/alert_fold.h"
#include "host/container_table.h"
#include "events/event_types.h"
#include "lib/jsonw.h"
#include "rules/rules.h"
#include "sinks/sinks.h"

struct pw_ptable;

struct pw_pipeline_opts {
	const char *rules_path;	     /* NULL: run without rules (events only) */
	const char *const *disabled; /* rule ids left out (--disable-rule) */
	size_t ndisabled;
	int events; /* also write every event (privwatch.event/1) */
	enum pw_alert_format format;
	uint64_t fold_window_ns; /* 0: no folding */
	/* Called with each cgroup the table takes for a container's (may be NULL). */
	void (*container_cgroup)(void *ctx, uint64_t cgroup_id);
	void *container_cgroup_ctx;
	/* The agent's own BPF object ids (pw_loader_own_ids), sorted: a tamper
	 * record about another BPF object is not the rules' business. */
	const uint64_t *own_bpf_ids;
	size_t n_own_bpf_ids;
};

struct pw_alert_counts {
	uint64_t matched;		    /* rule matches, folded ones included */
	uint64_t written;		    /* alert lines written (summaries included) */
	uint64_t by_severity[PW_SEV_COUNT]; /* matches by severity */
	uint64_t truncated;		    /* events matching more rules than evaluated at once */
};

struct pw_pipeline {
	struct pw_pipeline_opts o;
	struct pw_ctable table;
	struct pw_ptable *procs;
	struct pw_ruleset *rules;
	struct pw_fold *fold;
	struct pw_sinks *sinks; /* not owned */
	struct pw_host_info host;
	struct jsonw w;
	struct pw_alert_counts alerts;
	uint64_t reloads, reload_failures;
	int write_failed;
};

/* Load the rules (err names the file, rule and field), build the tables. */
int pw_pipeline_init(struct pw_pipeline *p, const struct pw_pipeline_opts *o,
		     struct pw_sinks *sinks, char *err, size_t errlen);
void pw_pipeline_free(struct pw_pipeline *p);

/* The reader's handler (ctx: the pipeline). */
void pw_pipeline_event(void *ctx, const struct pw_event_kind *kind,
		       const struct pw_event_header *h);

/* Containers found running at start: evaluated as if they started now
 * (a container without seccomp is news whenever the agent learns of it). */
void pw_pipeline_running_containers(struct pw_pipeline *p);

#define PW_INVENTORY_SCHEMA "privwatch.inventory/1"

/* A privwatch.inventory/1 record on every sink: every container the table
 * knows (started or not), with its mode, PSS level and relaxed dimensions.
 * reason: "start", "interval". */
void pw_pipeline_inventory(struct pw_pipeline *p, const char *reason);

/* An alert about the agent itself (agent/daemon/health.c), never folded: info is
 * built in, not from a rule file; concern names what it is about. */
void pw_pipeline_agent_alert(struct pw_pipeline *p, const struct pw_rule_info *info,
			     const char *summary, const char *concern);

/* Write what p->w holds as one line of class cls, and reset it. */
void pw_pipeline_emit(struct pw_pipeline *p, enum pw_record_class cls, enum pw_severity sev);

/* Once in a while (monotonic now): write the repeat summaries due. all: every one (exit). */
void pw_pipeline_tick(struct pw_pipeline *p, uint64_t now_mono_ns, int all);

/* SIGHUP: load the rules again; on error keep the running set (err says why). 0 or -1. */
int pw_pipeline_reload(struct pw_pipeline *p, char *err, size_t errlen);

/* The run's own counters as members of an open JSON object (stats records). */
void pw_pipeline_counts_json(const struct pw_pipeline *p, struct jsonw *w);

#endif
