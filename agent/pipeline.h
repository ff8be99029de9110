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
 * Between 2 and 3, every record of a container goes into its flight
 * recorder (and the timeline of its capture under way); an alert+capture
 * rule's alert starts or extends a capture (capture/capture.h).
 */
#ifndef PW_PIPELINE_H
#define PW_PIPELINE_H

#include <stddef.h>
#include <stdint.h>
#include "alerts/alert.h"
#include "alerts/alert_fold.h"
#include "capture/capture.h"
#include "host/container_table.h"
#include "host/hostworker.h"
#include "events/event_types.h"
#include "events/event_view.h"
#include "lib/jsonw.h"
#include "rules/rules.h"
#include "rules/learn.h"
#include "daemon/started_state.h"
#include "sinks/sinks.h"

struct pw_ptable;

struct pw_pipeline_opts {
	const char *const *rules_paths; /* layered in order; none: no rules (events only) */
	size_t nrules_paths;
	const char *state_file;	     /* NULL: every running container is evaluated at start */
	const char *const *disabled; /* rule ids left out (--disable-rule) */
	size_t ndisabled;
	int events; /* also write every event (privwatch.event/1) */
	enum pw_alert_format format;
	uint64_t fold_window_ns; /* 0: no folding */
	/* The host-reading worker (host/hostworker.h): runtime state, posture
	 * and discovery off the event thread; a container's records wait for
	 * its facts up to hold_ns. 0: read inline (unit tests, one-shots). */
	int host_worker;
	uint64_t read_deadline_ns; /* one read of the worker (0: PW_READ_DEADLINE_NS) */
	uint64_t hold_ns;	   /* (0: PW_HOLD_NS) */
	/* Called with each cgroup the table takes for a container's (may be NULL). */
	void (*container_cgroup)(void *ctx, uint64_t cgroup_id);
	void *container_cgroup_ctx;
	/* The agent's own BPF object ids (pw_loader_own_ids), sorted: a tamper
	 * record about another BPF object is not the rules' business. */
	const uint64_t *own_bpf_ids;
	size_t n_own_bpf_ids;
	/* Forensic capture (capture/capture.h): dir NULL or "none" is off. */
	struct pw_cap_opts capture;
	/* privwatch learn (agent/rules/learn.h): what the rules would alert on in a
	 * container of its image is recorded there instead; NULL: off. */
	struct pw_learn *learn;
};

#define PW_READ_DEADLINE_NS (2ULL * 1000000000)
#define PW_HOLD_NS	    (5ULL * 1000000000)
#define PW_HOLD_RECORDS	    512		/* per container */
#define PW_HOLD_BYTES	    (1u << 20)	/* per container */
#define PW_HOLD_TOTAL_BYTES (16u << 20) /* all containers */

/* Records held for their container's facts, by what let them go. */
struct pw_hold_counts {
	uint64_t held;		  /* records that waited */
	uint64_t with_facts;	  /* ... and went with their container's facts */
	uint64_t past_count;	  /* ... went without: the container's count bound */
	uint64_t past_bytes;	  /* ... its byte bound, or the total */
	uint64_t past_time;	  /* ... the time bound */
	uint64_t container_gone;  /* ... the container went first */
	uint64_t at_exit;	  /* ... the agent stopped first */
	uint64_t max_wait_ns;	  /* the longest wait */
	uint64_t stale_answers;	  /* worker answers for containers gone meanwhile */
	uint64_t read_timeouts;	  /* reads given up (the worker abandoned) */
	uint64_t remeasured;	  /* containers read again: a given-up read came back */
	uint64_t discover_failed; /* discovery walks that failed or timed out */
};

struct pw_alert_counts {
	uint64_t matched;		    /* rule matches, folded ones included */
	uint64_t written;		    /* alert lines written (summaries included) */
	uint64_t by_severity[PW_SEV_COUNT]; /* matches by severity */
	uint64_t truncated;		    /* events matching more rules than evaluated at once */
};

/* Alerts by rule id and severity (metrics): ids are bounded by the rule
 * files; past PW_RULE_COUNTS_MAX pairs they are counted in other. */
#define PW_RULE_COUNTS_MAX 1024
#define PW_RULE_ID_LEN	   48
struct pw_rule_count {
	char id[PW_RULE_ID_LEN];
	enum pw_severity sev;
	uint64_t n;
};

/* Event-to-alert latency: kernel timestamp to the rule's match, by upper
 * bound in seconds (the last bucket is +Inf). */
#define PW_LATENCY_BUCKETS 12
extern const double pw_latency_bounds[PW_LATENCY_BUCKETS - 1];
struct pw_latency {
	uint64_t bucket[PW_LATENCY_BUCKETS]; /* not cumulative */
	uint64_t count, sum_ns;
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
	struct jsonw ecs_w; /* the ECS rendering of a record, when a sink wants it */
	struct pw_alert_counts alerts;
	struct pw_rule_count *rule_counts; /* PW_RULE_COUNTS_MAX */
	size_t n_rule_counts;
	uint64_t rule_counts_other;
	struct pw_latency latency;
	uint64_t reloads, reload_failures;
	int write_failed;
	struct pw_hw *hw; /* NULL: the tables read inline */
	struct pw_hold_counts holds;
	size_t held_bytes;
	uint64_t *holding; /* cgroup ids of the containers holding records */
	size_t nholding, holding_cap;
	int discovering; /* a discovery job is out */
	int discover_reconcile;
	unsigned int proc_jobs;		 /* process snapshot jobs out */
	uint64_t procs_read, procs_lost; /* processes of the snapshot: added, given up */
	uint64_t *known_ids; /* reconcile: the cgroup ids tracked when it was asked, sorted */
	size_t nknown;
	int discover_announce; /* the one out evaluates what it finds as starting */
	char discover_mount[4096], discover_controller[32];
	uint64_t table_full_alerted; /* table overflow as of the last alert */
	uint64_t timeouts_alerted;   /* read timeouts as of the last alert */
	struct pw_started *started;  /* o.state_file's starts; NULL without */
	uint64_t starts_known;	     /* container starts the last run reported: not again */
	struct pw_capmgr cap;
	const struct pw_ct_container *cur_ctr; /* the container of the view being evaluated */
};

/* Load the rules (err names the file, rule and field), build the tables. */
int pw_pipeline_init(struct pw_pipeline *p, const struct pw_pipeline_opts *o,
		     struct pw_sinks *sinks, char *err, size_t errlen);
void pw_pipeline_free(struct pw_pipeline *p);

/* The reader's handler (ctx: the pipeline). */
void pw_pipeline_event(void *ctx, const struct pw_event_kind *kind,
		       const struct pw_event_header *h);

/* privwatch capture take: a capture of the container named by key (its id,
 * its name, or a prefix of one id) started now, as an alert+capture rule
 * would; res says what happened. -ENOENT: no such container, -EEXIST: the
 * prefix names several. */
int pw_pipeline_capture_take(struct pw_pipeline *p, const char *key, struct pw_cap_result *res);

/* Containers found running at start: evaluated as if they started now
 * (a container without seccomp is news whenever the agent learns of it). */
void pw_pipeline_running_containers(struct pw_pipeline *p);

/*
 * With the host-reading worker: discover the containers below mount on it
 * (announce: evaluate each as starting when its facts arrive; reconcile:
 * forget the cgroup ids known now that the walk no longer finds). Only
 * containers not known yet are measured. 0, -EBUSY if one is out already,
 * -ENOMEM.
 */
int pw_pipeline_discover(struct pw_pipeline *p, const char *mount, int announce, int reconcile);

/* With the host-reading worker: read the processes older than the agent
 * (the event thread never reads /proc for them). 0 or -errno. */
int pw_pipeline_snapshot_procs(struct pw_pipeline *p);

/* Another subsystem's host read (the cgroup walk of a canary round, say)
 * on the worker: work(ctx) there, done(ctx, result, timed_out) on the event
 * thread at a later poll; without the worker (unit tests) both at once.
 * 0 or -ENOMEM. */
int pw_pipeline_call(struct pw_pipeline *p, int (*work)(void *ctx),
		     void (*done)(void *ctx, int result, int timed_out), void *ctx);

/* Discovery or the process snapshot still out (the start waits for them). */
int pw_pipeline_starting(const struct pw_pipeline *p);

/* The worker's answers, applied; records held past their bound, released.
 * Called by the event thread in its loop; never waits for a read. */
void pw_pipeline_host_poll(struct pw_pipeline *p, uint64_t now_mono_ns);

/* Stopping: every held record through the rules now, with what is known. */
void pw_pipeline_release_all(struct pw_pipeline *p);

/* Host reads given up (the worker abandoned), and cgroups the full table
 * did not track: causes of privwatch.lost/1. */
uint64_t pw_pipeline_host_timeouts(const struct pw_pipeline *p);

#define PW_INVENTORY_SCHEMA "privwatch.inventory/1"

/* A privwatch.inventory/1 record on every sink: every container the table
 * knows (started or not), with its mode, PSS level and relaxed dimensions.
 * reason: "start", "interval". */
void pw_pipeline_inventory(struct pw_pipeline *p, const char *reason);

/* An alert about the agent itself (agent/daemon/health.c), never folded: info is
 * built in, not from a rule file; concern names what it is about. */
void pw_pipeline_agent_alert(struct pw_pipeline *p, const struct pw_rule_info *info,
			     const char *summary, const char *concern);
/* The pipeline's own rules: PW-0010 (a host read abandoned), PW-0011 (the
 * container table full). */
extern const struct pw_rule_info pw_rule_read_timeout, pw_rule_table_full;

/* Write what p->w holds as one line of class cls, and reset it. */
void pw_pipeline_emit(struct pw_pipeline *p, enum pw_record_class cls, enum pw_severity sev);

/* Once in a while (monotonic now): write the repeat summaries due. all: every one (exit). */
void pw_pipeline_tick(struct pw_pipeline *p, uint64_t now_mono_ns, int all);

/* SIGHUP: load the rules again; on error keep the running set (err says why). 0 or -1. */
int pw_pipeline_reload(struct pw_pipeline *p, char *err, size_t errlen);

/* Containers in the table by mode (enum pw_view_mode: default, partial,
 * privileged, unknown while not measured or given up). */
void pw_pipeline_modes(const struct pw_pipeline *p, uint64_t out[PW_VMODE_COUNT]);

/* Stopping: the captures under way written now, waiting for the worker
 * up to timeout_ns. The number still not written. */
size_t pw_pipeline_capture_drain(struct pw_pipeline *p, uint64_t timeout_ns);

/* The run's own counters as members of an open JSON object (stats records). */
void pw_pipeline_counts_json(const struct pw_pipeline *p, struct jsonw *w);

#endif
