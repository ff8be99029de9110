// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * privwatch run: load, attach, turn events into alerts (agent/pipeline.c)
 * and write them to the sinks as JSON lines, report what was lost, detach.
 * Diagnostics go to stderr, never to a sink.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/utsname.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "cli/cli.h"
#include "host/container_table.h"
#include "host/containers.h"
#include "events/posture_model.h"
#include "daemon/config.h"
#include "daemon/control.h"
#include "alerts/alert_fields.h"
#include "daemon/health.h"
#include "daemon/http.h"
#include "daemon/lockfile.h"
#include "daemon/metrics.h"
#include "kernel/loader.h"
#include "kernel/privs.h"
#include "lib/log.h"
#include "pipeline.h"
#include "privwatch.skel.h"
#include "kernel/reader.h"
#include "kernel/stats.h"
#include "lib/timefmt.h"

#define PW_START_SCHEMA "privwatch.start/1"
#define PW_LOST_SCHEMA	"privwatch.lost/1"
#define HOLD_MAX	(16u << 20) /* records held while the start canary runs */

static volatile sig_atomic_t stop_requested, reload_requested;
/* How messages name the command: "privwatch learn" runs this too. */
static const char *cmd_name = "privwatch run";

/* privwatch learn: the run loop, learning one image for a while. */
static struct {
	struct pw_learn l;
	int on;
	uint64_t for_ns;
	const char *out;
	int written;
} learning;

/* The first SIGINT or SIGTERM stops reading and flushes within a bound
 * (the sinks' deadline); a second one means now: nothing waits, the exit
 * status is 128 + the signal (130 SIGINT, 143 SIGTERM). A second one within
 * half a second of the first is the same request delivered twice, not a
 * person insisting: timeout(1) signals its child and then the child's
 * process group, and a child that handled the first in between saw two. Only
 * async-signal-safe calls here: clock_gettime, a line on stderr, _exit.
 * What stdout and file sinks already wrote is in the kernel; queued network
 * lines are lost. */
#define PW_SIGNAL_TWICE_NS 500000000ull
static uint64_t now_ns(clockid_t clk);
static void on_stop_signal(int sig)
{
	static const char msg[] = "privwatch: second signal: exiting now, without flushing\n";
	static uint64_t first_ns;
	uint64_t t = now_ns(CLOCK_MONOTONIC);

	if (stop_requested) {
		ssize_t n;

		if (t - first_ns < PW_SIGNAL_TWICE_NS)
			return;
		n = write(STDERR_FILENO, msg, sizeof(msg) - 1);
		(void)n;
		_exit(128 + sig);
	}
	first_ns = t;
	stop_requested = sig;
}

static void on_hup(int sig)
{
	reload_requested = 1;
}

/* Records that arrive while the start canary runs wait here, so the start
 * record (which says what the canary proved) comes first in the stream. */
struct hold {
	unsigned char *buf;
	size_t len, cap;
	int on;
	uint64_t overflow; /* records handled at once because the hold was full */
};

/* Causes of loss reported by privwatch.lost/1. */
enum {
	LOST_RINGBUF,
	LOST_BUDGET,
	LOST_MALFORMED,
	LOST_WATCH_FULL,
	LOST_SINKS,
	LOST_HOST_READS,
	LOST_TABLE_FULL,
	LOST_CAPTURES,
	LOST_CAUSES
};
static const char *const lost_names[LOST_CAUSES] = {
	"ringbuf_full", "container_budget",	"malformed_records",	"watched_cgroups_full",
	"sink_queues",	"host_reads_timed_out", "container_table_full", "captures",
};

/* Budget drops already reported, per container cgroup (the worst offenders). */
#define LOST_BY_CONTAINER 32
struct budget_seen {
	uint64_t cgroup_id, dropped;
};

struct run_ctx {
	struct pw_pipeline p;
	uint64_t own_ids[PW_OWN_IDS_MAX]; /* the agent's BPF objects, for tamper records */
	uint64_t own_ids_alerts;	  /* health alerts when they were taken: links change */
	struct pw_health health;
	struct hold hold;
	struct pw_sinks *sinks;
	uint64_t cgroup_records_lost; /* as last seen: a rise means the table is stale */
	uint64_t reconciles;
	uint64_t lost_reported[LOST_CAUSES];
	struct budget_seen
		budget_seen[LOST_BY_CONTAINER]; /* by cause, as of the last privwatch.lost/1 */
	uint64_t lost_since_ns;			/* when the interval the next one covers began */
	struct pw_http *http;			/* NULL: --http none */
	struct pw_control *control;		/* NULL: --control none */
	struct pw_metrics mx;			/* the snapshot being built */
	struct pw_mx_history mxh;
	struct pw_config cfg, cli;	 /* running (file + command line), command line alone */
	const char *config_path;	 /* --config, NULL: the default */
	char *rules_default, *rules_old; /* the default rules path, as resolved */
	uint64_t sinks_dropped_base;	 /* drops of the sinks a reload replaced */
	uint64_t config_reloads, config_reload_failures;
	/* --keep-sensors: records stamped before our programs attached were
	 * written while no agent ran (0: nothing was taken over). */
	uint64_t kept_before_ns, kept_records;
};

/* A request on the control socket (daemon/control.h), on the event thread:
 * "capture CONTAINER" starts an on-demand capture. */
static void control_request(void *ctx, int argc, char **argv, char *reply, size_t len)
{
	struct run_ctx *rc = ctx;
	struct pw_cap_result cr;
	struct jsonw w;
	const char *line;
	size_t n;
	int r;

	jw_init(&w);
	jw_obj_begin(&w);
	if (argc == 2 && !strcmp(argv[0], "capture") && strlen(argv[1]) > 256) {
		/* (escaped, a longer one could pass the reply's bound) */
		jw_kv_bool(&w, "ok", 0);
		jw_kv_str(&w, "error", "a container id or name is at most 256 bytes");
	} else if (argc == 2 && !strcmp(argv[0], "capture")) {
		r = pw_pipeline_capture_take(&rc->p, argv[1], &cr);
		jw_kv_bool(&w, "ok", !r && cr.status && strcmp(cr.status, "skipped"));
		jw_kv_str(&w, "container", argv[1]);
		if (r)
			jw_kv_str(&w, "error",
				  r == -EEXIST ? "more than one container matches"
					       : "no container the agent knows matches");
		else if (!cr.status)
			jw_kv_str(&w, "error", "captures are off (capture_dir none)");
		if (!r && cr.status) {
			jw_kv_str(&w, "status", cr.status);
			pw_alert_str_or_null(&w, "id", cr.id);
			pw_alert_str_or_null(&w, "file", cr.file);
			pw_alert_str_or_null(&w, "reason", cr.reason);
		}
		pw_info("control: capture take %s: %s%s%s\n", argv[1],
			r	    ? strerror(-r)
			: cr.status ? cr.status
				    : "captures are off",
			cr.id ? " " : "", cr.id ? cr.id : "");
	} else {
		jw_kv_bool(&w, "ok", 0);
		jw_kv_str(&w, "error", "unknown request (known: capture CONTAINER)");
	}
	jw_obj_end(&w);
	line = jw_line(&w, &n);
	snprintf(reply, len, "%.*s", line && n ? (int)n - 1 : 0, line ? line : "");
	jw_free(&w);
}

struct run_opts {
	struct pw_loader_opts loader;
	struct pw_pipeline_opts pipeline;
	const char *const *outputs; /* into the config's list */
	size_t noutputs;
	int poll_ms;
	int stats_s;
	int inventory_s;
	int canary_s, canary_timeout_s;
	int no_rules;
	const char *http;	/* NULL: none */
	const char *lock_file;	/* NULL: none */
	char control[PATH_MAX]; /* "": none */
	struct pw_ready_opts ready;
	int verbose;
};

static uint64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void table_stats(const struct pw_ctable *t, struct pw_table_stats *s)
{
	s->tracked = t->containers;
	s->cgroups = t->index.n;
	s->pending = t->pending;
	s->added = t->added;
	s->removed = t->removed;
	s->reconciles = 0; /* kept by the run loop, not the table */
}

/* cgroup mkdir/rmdir records the kernel could not send (ring full). */
static uint64_t cgroup_records_lost(const struct pw_kstats *ks)
{
	uint64_t n = 0;
	int d;

	for (d = 0; d < PW_DROP_CAUSE_MAX; d++)
		n += ks->dropped[PW_EVENT_CGROUP_MKDIR][d] + ks->dropped[PW_EVENT_CGROUP_RMDIR][d];
	return n;
}

/*
 * The table is kept current by cgroup records; when some were lost, it is
 * repaired from the hierarchy itself, on the host-reading worker: ids that
 * no longer exist are forgotten, containers not known yet are added and
 * measured (those known are not measured again). Counted in the final
 * record. 0, or -EBUSY while the last one is still out.
 */
static int reconcile(struct run_ctx *rc, const struct pw_loader *l)
{
	int n = pw_pipeline_discover(&rc->p, l->cgroup_mount, 0, 1);

	if (!n)
		rc->reconciles++;
	else if (n != -EBUSY)
		pw_warn("repairing the container table: %s\n", strerror(-n));
	return n;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: privwatch run [--config PATH] [options]\n\n"
		"Loads the sensors and the rules, and writes one JSON line per alert\n"
		"(privwatch.alert/1) to each output until SIGINT or SIGTERM, then a final\n"
		"privwatch.stats/1 record. SIGHUP reloads the configuration and the rules\n"
		"(a bad file is reported and the running settings kept) and reopens output\n"
		"files; the sensors stay attached.\n\n"
		"  --config PATH        configuration file (default %s\n"
		"                       if present), then the .json files of %s/ beside\n"
		"                       it in name order; each option below is a key\n"
		"                       (docs/config.md); the command line wins\n",
		PW_CONFIG_DEFAULT, PW_CONFIG_DROPIN);
	pw_config_usage(out);
	fprintf(out, "  --help, --version\n");
}

static void start_record(struct run_ctx *rc, const struct pw_loader *l, int poll_ms)
{
	struct pw_table_stats ts0;
	char when[PW_TIME_LEN], host[256] = "";
	struct utsname u;
	struct timespec ts;
	struct jsonw *w = &rc->p.w;
	int i, j;

	uname(&u);
	gethostname(host, sizeof(host) - 1);
	clock_gettime(CLOCK_REALTIME, &ts);
	pw_format_time((uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec, when);

	jw_obj_begin(w);
	jw_kv_str(w, "schema", PW_START_SCHEMA);
	jw_kv_str(w, "time", when);
	jw_kv_str(w, "version", PW_VERSION);
	jw_kv_str(w, "host", host);
	jw_kv_str(w, "kernel", u.release);
	jw_key(w, "concerns");
	jw_obj_begin(w);
	for (i = 0; i < pw_concern_count; i++) {
		const struct pw_choice *ch = &l->choices[i];
		const struct pw_variant_def *def = pw_choice_def(ch);

		jw_key(w, ch->concern->name);
		jw_obj_begin(w);
		jw_kv_str(w, "mode", pw_variant_name(ch->variant));
		jw_key(w, "programs");
		jw_arr_begin(w);
		for (j = 0; def && j < PW_CONCERN_PROGS && def->progs[j]; j++)
			jw_str(w, pw_program_section(l->skel->obj, def->progs[j]));
		jw_arr_end(w);
		jw_kv_str(w, "proof",
			  ch->variant == PW_VARIANT_NONE ? "blind" : pw_proof_name(ch->proof));
		jw_kv_str(w, "why", ch->why);
		jw_obj_end(w);
	}
	jw_obj_end(w);
	pw_health_json(&rc->health, w);
	jw_key(w, "watch");
	jw_obj_begin(w);
	jw_kv_str(w, "mode", l->watch_mode == PW_WATCH_MAP ? "subtree" : "all-but-root");
	jw_kv_str(w, "hierarchy", l->cgroup_v1_ssid < 0 ? "cgroup2" : l->cgroup_v1_controller);
	jw_kv_str(w, "mount", l->cgroup_mount);
	if (l->watch_mode == PW_WATCH_MAP) {
		jw_kv_str(w, "path", l->watch_path);
		jw_kv_u64(w, "cgroup_id", l->watch_cgroup_id);
		jw_kv_u64(w, "cgroups", l->watched_at_start);
	}
	jw_obj_end(w);
	jw_kv_u64(w, "ringbuf_bytes", l->ringbuf_bytes);
	/* --keep-sensors: what a previous agent left and this one took over */
	jw_key(w, "kept");
	jw_obj_begin(w);
	jw_kv_bool(w, "keep_sensors", l->pin_keep);
	jw_kv_str(w, "pin_dir", l->pin_dir ? l->pin_dir : "");
	jw_kv_bool(w, "taken_over", l->adopted);
	jw_kv_u64(w, "records_waiting", rc->kept_records);
	jw_kv_u64(w, "links_retired", l->retired);
	jw_obj_end(w);
	jw_kv_u64(w, "poll_ms", poll_ms);
	/* The baseline the final record's containers_tracked is compared to. */
	table_stats(&rc->p.table, &ts0);
	jw_kv_u64(w, "containers_tracked", ts0.tracked);
	jw_kv_u64(w, "container_cgroups", ts0.cgroups);
	jw_key(w, "rules");
	jw_obj_begin(w);
	jw_kv_str(w, "path", rc->p.o.nrules_paths ? rc->p.o.rules_paths[0] : "");
	jw_key(w, "paths"); /* layered in this order */
	jw_arr_begin(w);
	for (size_t i = 0; i < rc->p.o.nrules_paths; i++)
		jw_str(w, rc->p.o.rules_paths[i]);
	jw_arr_end(w);
	jw_kv_u64(w, "loaded", rc->p.rules ? pw_ruleset_count(rc->p.rules) : 0);
	jw_kv_u64(w, "disabled", rc->p.rules ? pw_ruleset_disabled(rc->p.rules) : 0);
	jw_obj_end(w);
	jw_kv_bool(w, "events", rc->p.o.events);
	jw_obj_end(w);
	pw_pipeline_emit(&rc->p, PW_REC_META, PW_SEV_INFO);
}

/* The run's options from the effective configuration (pointers into it:
 * it lives as long as they are used). 0, or -1 with err. */
static int opts_from_config(const struct pw_config *c, struct run_opts *ro, char *err,
			    size_t errlen)
{
	struct pw_loader_opts *o = &ro->loader;
	const struct pw_strlist *l;
	size_t i;

	memset(ro, 0, sizeof(*ro));
	ro->pipeline.host_worker = 1;
	o->cgroup_path = pw_cfg_str(c, PW_O_CGROUP);
	o->cgroup_v1 = pw_cfg_str(c, PW_O_CGROUP_V1);
	o->trust_lsm_attach = pw_cfg_int(c, PW_O_TRUST_LSM_ATTACH);
	/* Each was checked when read: these cannot fail here. */
	if (pw_mode_parse(pw_cfg_str(c, PW_O_MODE), &o->mode) ||
	    pw_ringbuf_size_parse(pw_cfg_str(c, PW_O_RINGBUF_SIZE), &o->ringbuf_bytes) ||
	    pw_budget_parse(pw_cfg_str(c, PW_O_CONTAINER_BUDGET), &o->budget_rate,
			    &o->budget_burst)) {
		snprintf(err, errlen, "internal: a checked value does not parse");
		return -1;
	}
	l = pw_cfg_list(c, PW_O_NO_VARIANT);
	for (i = 0; i < l->n; i++)
		if (pw_variant_skip_parse(l->v[i], o->skip, err, errlen))
			return -1;
	ro->no_rules = pw_cfg_int(c, PW_O_NO_RULES);
	l = pw_cfg_list(c, PW_O_RULES);
	ro->pipeline.rules_paths = (const char *const *)l->v;
	ro->pipeline.nrules_paths = l->n;
	ro->pipeline.state_file = pw_cfg_str(c, PW_O_STATE_FILE);
	l = pw_cfg_list(c, PW_O_DISABLE_RULE);
	ro->pipeline.disabled = (const char *const *)l->v;
	ro->pipeline.ndisabled = l->n;
	if (ro->no_rules && (ro->pipeline.nrules_paths || ro->pipeline.ndisabled)) {
		snprintf(err, errlen, "no_rules (--no-rules) with rules or disable_rule");
		return -1;
	}
	ro->pipeline.events = pw_cfg_int(c, PW_O_EVENTS);
	ro->pipeline.format =
		!strcmp(pw_cfg_str(c, PW_O_FORMAT), "ecs") ? PW_FORMAT_ECS : PW_FORMAT_NATIVE;
	ro->pipeline.fold_window_ns = (uint64_t)pw_cfg_int(c, PW_O_FOLD_WINDOW) * 1000000000;
	ro->pipeline.hold_ns = (uint64_t)pw_cfg_int(c, PW_O_HOLD_MS) * 1000000;
	ro->pipeline.read_deadline_ns = (uint64_t)pw_cfg_int(c, PW_O_READ_DEADLINE_MS) * 1000000;
	l = pw_cfg_list(c, PW_O_OUTPUT);
	ro->outputs = (const char *const *)l->v;
	ro->noutputs = l->n;
	ro->poll_ms = pw_cfg_int(c, PW_O_POLL_MS);
	ro->stats_s = pw_cfg_int(c, PW_O_STATS_INTERVAL);
	ro->inventory_s = pw_cfg_int(c, PW_O_INVENTORY_INTERVAL);
	ro->canary_s = pw_cfg_int(c, PW_O_CANARY_INTERVAL);
	ro->canary_timeout_s = pw_cfg_int(c, PW_O_CANARY_TIMEOUT);
	ro->verbose = pw_cfg_int(c, PW_O_VERBOSE);
	ro->pipeline.capture = (struct pw_cap_opts){
		.dir = pw_cfg_str(c, PW_O_CAPTURE_DIR),
		.window_s = pw_cfg_int(c, PW_O_CAPTURE_WINDOW_S),
		.interval_s = pw_cfg_int(c, PW_O_CAPTURE_INTERVAL_S),
		.max_bundles = pw_cfg_int(c, PW_O_CAPTURE_MAX_BUNDLES),
		.max_bytes = (uint64_t)pw_cfg_int(c, PW_O_CAPTURE_MAX_MIB) << 20,
		.redact = (const char *const *)pw_cfg_list(c, PW_O_CAPTURE_REDACT)->v,
		.nredact = pw_cfg_list(c, PW_O_CAPTURE_REDACT)->n,
		.exe_max = (uint64_t)pw_cfg_int(c, PW_O_CAPTURE_EXE_MAX_MIB) << 20,
		.recorder = { .max_records = pw_cfg_int(c, PW_O_RECORDER_RECORDS),
			      .max_age_ns =
				      (uint64_t)pw_cfg_int(c, PW_O_RECORDER_SECONDS) * 1000000000 },
	};
	ro->http = strcmp(pw_cfg_str(c, PW_O_HTTP), "none") ? pw_cfg_str(c, PW_O_HTTP) : NULL;
	o->pin_dir = pw_cfg_str(c, PW_O_PIN_DIR);
	o->pin_keep = o->pin_adopt = pw_cfg_int(c, PW_O_KEEP_SENSORS);
	ro->lock_file = strcmp(pw_cfg_str(c, PW_O_LOCK_FILE), "none")
				? pw_cfg_str(c, PW_O_LOCK_FILE)
				: NULL;
	/* auto: the lock's owner answers beside its lock (no lock: no socket,
	 * or two agents on purpose would take each other's). */
	if (!strcmp(pw_cfg_str(c, PW_O_CONTROL), "auto")) {
		const char *slash = ro->lock_file ? strrchr(ro->lock_file, '/') : NULL;

		ro->control[0] = 0;
		if (slash)
			snprintf(ro->control, sizeof(ro->control), "%.*s/control.sock",
				 (int)(slash - ro->lock_file), ro->lock_file);
	} else if (strcmp(pw_cfg_str(c, PW_O_CONTROL), "none")) {
		snprintf(ro->control, sizeof(ro->control), "%s", pw_cfg_str(c, PW_O_CONTROL));
	} else {
		ro->control[0] = 0;
	}
	ro->ready = (struct pw_ready_opts){
		.max_drop_rate = strtod(pw_cfg_str(c, PW_O_READY_MAX_DROP_RATE), NULL),
		.drain_ns = 5ULL * 1000000000,	/* the reader polls every poll-ms */
		.stall_ns = 10ULL * 1000000000, /* past the sinks' backoff, 10 s at most */
		.queue_pct = 90,
	};
	return 0;
}

static enum pw_log_level log_level(int verbose)
{
	return verbose >= 2 ? PW_LOG_TRACE : verbose ? PW_LOG_DEBUG : PW_LOG_WARN;
}

/* The file (or the default one), then the command line over it. 0, or -1
 * with err naming the file and key. */
static int effective_config(struct pw_config *c, const struct pw_config *cli, const char *path,
			    char *err, size_t errlen)
{
	pw_config_init(c);
	if (pw_config_load(c, path, err, errlen))
		return -1;
	if (pw_config_overlay(c, cli)) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

/* -1 to go on (rc->cfg, rc->cli, ro filled), else the exit code. */
static int parse_args(int argc, char **argv, struct run_ctx *rc, struct run_opts *ro)
{
	char err[1024];
	int action, i, n, floor = 0;

	/* Not an option of the configuration: bench/run.sh's floor (every
	 * program returns at once), never a way to run. */
	for (i = n = 0; i < argc; i++)
		if (strcmp(argv[i], "--bench-floor"))
			argv[n++] = argv[i];
		else
			floor = 1;
	argc = n;
	pw_config_init(&rc->cli);
	if (pw_config_parse_args(&rc->cli, argc, argv, &rc->config_path, &action, err,
				 sizeof(err))) {
		fprintf(stderr, "%s: %s (%s --help)\n", cmd_name, err, cmd_name);
		return PW_EXIT_USAGE;
	}
	if (action == 'h') {
		usage(stdout);
		return PW_EXIT_OK;
	}
	if (action == 'V') {
		pw_print_version();
		return PW_EXIT_OK;
	}
	if (effective_config(&rc->cfg, &rc->cli, rc->config_path, err, sizeof(err)) ||
	    opts_from_config(&rc->cfg, ro, err, sizeof(err))) {
		fprintf(stderr, "%s: %s\n", cmd_name, err);
		return PW_EXIT_USAGE;
	}
	ro->loader.floor = floor;
	pw_log_set_level(log_level(ro->verbose));
	return -1; /* go on */
}
static void stats_more(void *ctx, struct jsonw *w)
{
	struct run_ctx *rc = ctx;
	struct pw_sink_stats ss;
	size_t i;
	unsigned int t;

	pw_pipeline_counts_json(&rc->p, w);
	/* The canary's own records, counted apart from the events above. */
	jw_key(w, "canary");
	jw_obj_begin(w);
	jw_kv_u64(w, "rounds", rc->health.canary.rounds);
	jw_kv_u64(w, "records", rc->health.canary.records);
	/* included in events and kernel_sent above: by kind, to take them out */
	jw_key(w, "by_kind");
	jw_obj_begin(w);
	for (t = 0; t < PW_EVENT_TYPE_MAX; t++)
		if (rc->health.canary.by_type[t] && pw_event_kind(t))
			jw_kv_u64(w, pw_event_kind(t)->name, rc->health.canary.by_type[t]);
	jw_obj_end(w);
	jw_kv_u64(w, "foreign_records", rc->health.canary.foreign);
	jw_kv_u64(w, "blind_alerts", rc->health.alerts);
	jw_obj_end(w);
	jw_key(w, "config");
	jw_obj_begin(w);
	jw_kv_u64(w, "reloads", rc->config_reloads);
	jw_kv_u64(w, "reload_failures", rc->config_reload_failures);
	jw_obj_end(w);
	jw_key(w, "sinks");
	jw_arr_begin(w);
	for (i = 0; i < pw_sinks_count(rc->sinks); i++) {
		pw_sinks_stats(rc->sinks, i, &ss);
		jw_obj_begin(w);
		jw_kv_str(w, "spec", ss.spec);
		jw_kv_str(w, "format", ss.format);
		jw_kv_u64(w, "written", ss.written);
		jw_kv_u64(w, "filtered", ss.filtered);
		jw_kv_u64(w, "dropped", ss.dropped);
		jw_kv_u64(w, "reconnects", ss.reconnects);
		jw_kv_u64(w, "connect_failures", ss.connect_failures);
		jw_kv_u64(w, "queued", ss.queued);
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

static void stats_record(struct run_ctx *rc, struct pw_loader *l, struct pw_reader *r, int final)
{
	struct pw_table_stats ts;
	struct pw_kstats ks;

	if (pw_kstats_read(l, &ks))
		return;
	/* The file and stdout sinks batch lines until a flush: flushed first,
	 * their "written" counts every line before this record. */
	pw_sinks_flush(rc->sinks);
	table_stats(&rc->p.table, &ts);
	ts.reconciles = rc->reconciles;
	pw_stats_to_json(&rc->p.w, &ks, &r->stats, &ts, final, stats_more, rc);
	pw_pipeline_emit(&rc->p, PW_REC_META, PW_SEV_INFO);
}

/*
 * Whenever something was lost since the last report, a privwatch.lost/1
 * line says how much, by cause, over which interval: a gap in the stream
 * is never silent.
 */
/* Who lost what to its budget since the last report: "by_container", each
 * container's cgroup, id and name where known, and its count. */
static void budget_by_container(struct run_ctx *rc, struct pw_loader *l, struct jsonw *w)
{
	int fd = bpf_map__fd(l->skel->maps.budgets);
	uint64_t key, next, *prev = NULL;
	const struct pw_ct_container *c;
	const struct pw_ct_gone *gone;
	const char *id, *name;
	struct pw_budget b;
	int i, free_slot;

	jw_key(w, "by_container");
	jw_arr_begin(w);
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &b) || !b.dropped)
			continue;
		for (i = 0, free_slot = -1; i < LOST_BY_CONTAINER; i++) {
			if (rc->budget_seen[i].cgroup_id == key)
				break;
			if (free_slot < 0 && !rc->budget_seen[i].cgroup_id)
				free_slot = i;
		}
		if (i == LOST_BY_CONTAINER) {
			if (free_slot < 0)
				continue; /* counted in the total all the same */
			i = free_slot;
			rc->budget_seen[i].cgroup_id = key;
		}
		if (b.dropped == rc->budget_seen[i].dropped)
			continue;
		c = pw_ctable_lookup(&rc->p.table, key);
		/* A flood often ends with its container: named all the same. */
		gone = c ? NULL : pw_ctable_gone(&rc->p.table, key);
		id = c ? c->ref.id : gone ? gone->id : NULL;
		name = c ? c->meta.name : gone ? gone->name : NULL;
		jw_obj_begin(w);
		jw_kv_u64(w, "cgroup_id", key);
		jw_key(w, "container");
		id ? jw_str(w, id) : jw_null(w);
		jw_key(w, "name");
		name &&name[0] ? jw_str(w, name) : jw_null(w);
		jw_kv_u64(w, "dropped", b.dropped - rc->budget_seen[i].dropped);
		jw_obj_end(w);
		rc->budget_seen[i].dropped = b.dropped;
	}
	jw_arr_end(w);
}

static void lost_record(struct run_ctx *rc, struct pw_loader *l, const struct pw_kstats *ks,
			const struct pw_reader_stats *r)
{
	uint64_t now[LOST_CAUSES] = {}, total = 0, t_now = now_ns(CLOCK_REALTIME);
	struct jsonw *w = &rc->p.w;
	char when[PW_TIME_LEN];
	int c, t, d;

	for (t = 0; t < PW_EVENT_TYPE_MAX; t++)
		for (d = 0; d < PW_DROP_CAUSE_MAX; d++)
			now[d == PW_DROP_BUDGET ? LOST_BUDGET : LOST_RINGBUF] += ks->dropped[t][d];
	now[LOST_MALFORMED] = r->malformed;
	now[LOST_WATCH_FULL] = ks->watched_cgroups_full;
	now[LOST_SINKS] = rc->sinks_dropped_base + pw_sinks_dropped(rc->sinks);
	/* Not records: a container's facts given up, cgroups not tracked. */
	now[LOST_HOST_READS] = pw_pipeline_host_timeouts(&rc->p);
	now[LOST_TABLE_FULL] = rc->p.table.overflow;
	now[LOST_CAPTURES] = pw_cap_lost(&rc->p.cap); /* skipped, cut short or failed */
	for (c = 0; c < LOST_CAUSES; c++)
		total += now[c] - rc->lost_reported[c];
	if (!total)
		return;
	pw_format_time(t_now, when);
	jw_obj_begin(w);
	jw_kv_str(w, "schema", PW_LOST_SCHEMA);
	jw_kv_str(w, "time", when);
	jw_kv_u64(w, "interval_s", (t_now - rc->lost_since_ns + 500000000) / 1000000000);
	jw_key(w, "dropped");
	jw_obj_begin(w);
	for (c = 0; c < LOST_CAUSES; c++)
		if (now[c] != rc->lost_reported[c])
			jw_kv_u64(w, lost_names[c], now[c] - rc->lost_reported[c]);
	jw_obj_end(w);
	jw_kv_u64(w, "total", total);
	if (now[LOST_BUDGET] != rc->lost_reported[LOST_BUDGET])
		budget_by_container(rc, l, w);
	jw_obj_end(w);
	pw_pipeline_emit(&rc->p, PW_REC_META, PW_SEV_INFO);
	memcpy(rc->lost_reported, now, sizeof(now));
	rc->lost_since_ns = t_now;
}

static void hold_record(struct run_ctx *rc, const struct pw_event_kind *kind,
			const struct pw_event_header *h)
{
	struct hold *hd = &rc->hold;

	if (hd->len + h->size > hd->cap) {
		size_t cap = hd->cap ? hd->cap * 2 : 64 * 1024;
		unsigned char *b;

		while (cap < hd->len + h->size)
			cap *= 2;
		b = cap <= HOLD_MAX ? realloc(hd->buf, cap) : NULL;
		if (!b) {
			hd->overflow++;
			pw_pipeline_event(&rc->p, kind, h);
			return;
		}
		hd->buf = b;
		hd->cap = cap;
	}
	memcpy(hd->buf + hd->len, h, h->size);
	hd->len += h->size;
}

/* The held records, in order, through the pipeline; the hold is over. */
static void hold_release(struct run_ctx *rc)
{
	struct hold *hd = &rc->hold;
	size_t off = 0;

	hd->on = 0;
	while (off < hd->len) {
		const struct pw_event_header *h = (const void *)(hd->buf + off);

		pw_pipeline_event(&rc->p, pw_event_kind(h->type), h);
		off += h->size;
	}
	free(hd->buf);
	hd->buf = NULL;
	hd->len = hd->cap = 0;
	if (hd->overflow)
		pw_warn("%llu records arrived while the start canary ran and were handled before "
			"the start record\n",
			(unsigned long long)hd->overflow);
}

static void mark_container(void *ctx, uint64_t cgroup_id)
{
	int rc = pw_loader_mark_container(ctx, cgroup_id);

	if (rc)
		pw_warn("cannot mark cgroup %llu as a container's: %s\n",
			(unsigned long long)cgroup_id, strerror(-rc));
}

/* Every record: the canary's are counted apart and never reach the rules. */
static void on_record(void *ctx, const struct pw_event_kind *kind, const struct pw_event_header *h)
{
	struct run_ctx *rc = ctx;

	if (h->ts_ns < rc->kept_before_ns)
		rc->kept_records++;
	if (pw_health_claim(&rc->health, h))
		return;
	if (rc->hold.on)
		hold_record(rc, kind, h);
	else
		pw_pipeline_event(&rc->p, kind, h);
}

/* The counters for the HTTP endpoint, copied out of the live state. */
static void publish(struct run_ctx *rc, struct pw_loader *l, const struct pw_reader *r,
		    int starting)
{
	if (!rc->http)
		return;
	pw_metrics_collect(&rc->mx, &rc->mxh, l, r, &rc->p, rc->sinks, &rc->health, starting);
	pw_http_publish(rc->http, &rc->mx);
}

/*
 * What each sink delivered and lost, on stderr, when it stops (when: "at
 * stop", "replaced at reload"). The final stats record went to the sinks
 * themselves: for a sink dead from the start, this is the only account of
 * what it lost. Nothing is said of sinks that never had a line to carry.
 */
static void sinks_summary(const struct pw_sinks *s, const char *when)
{
	struct pw_sink_stats st;
	size_t i, n = pw_sinks_count(s);
	char more[160];
	int len;

	for (i = 0; i < n; i++) {
		pw_sinks_stats(s, i, &st);
		if (!st.written && !st.dropped && !st.filtered)
			continue;
		len = 0;
		more[0] = '\0';
		if (st.filtered)
			len += snprintf(more + len, sizeof(more) - len,
					", %llu alerts below its min= not sent",
					(unsigned long long)st.filtered);
		if (st.connect_failures && len < (int)sizeof(more))
			len += snprintf(more + len, sizeof(more) - len, ", %llu failed connects",
					(unsigned long long)st.connect_failures);
		if (st.dropped && !st.written && len < (int)sizeof(more))
			snprintf(more + len, sizeof(more) - len,
				 ": nothing reached it, the final stats record included");
		fprintf(stderr,
			"%s: %s, output %s: %llu lines delivered (%llu bytes), %llu "
			"lost%s%s\n",
			cmd_name, when, st.spec, (unsigned long long)st.written,
			(unsigned long long)st.bytes, (unsigned long long)st.dropped,
			st.dropped ? " (queue full, failed writes, unsent at stop)" : "", more);
	}
}

/* The sinks of ro, started: NULL with *code (a bad SPEC is a usage error,
 * a sink that cannot start a failure) and err. */
static struct pw_sinks *make_sinks(const struct run_opts *ro, char *err, size_t errlen, int *code)
{
	struct pw_sinks *s = pw_sinks_new();
	size_t i;

	*code = PW_EXIT_FAIL;
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	for (i = 0; i < ro->noutputs; i++) {
		if (pw_sinks_add(s, ro->outputs[i], err, errlen)) {
			*code = PW_EXIT_USAGE;
			goto fail;
		}
	}
	if (!ro->noutputs && pw_sinks_add(s, "stdout", err, errlen))
		goto fail;
	if (pw_sinks_batch(s, 256 * 1024)) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (pw_sinks_start(s, err, errlen))
		goto fail;
	return s;
fail:
	pw_sinks_close(s, 0);
	return NULL;
}

/* No rules named: the installed ones, else the source tree's (a copy kept
 * in rc: the pipeline points to it). 0, or -1 with err. */
static int resolve_rules(struct run_ctx *rc, struct run_opts *ro, char *err, size_t errlen)
{
	char buf[PATH_MAX];

	if (ro->no_rules || ro->pipeline.nrules_paths)
		return 0;
	if (pw_rules_default_path(buf, sizeof(buf))) {
		snprintf(
			err, errlen,
			"no rules at %s nor in the source tree: give --rules PATH (key \"rules\"), "
			"or --no-rules to run without",
			PW_RULES_DIR);
		return -1;
	}
	if (!rc->rules_default || strcmp(rc->rules_default, buf)) {
		free(rc->rules_old); /* the pipeline may still point to the last one */
		rc->rules_old = rc->rules_default;
		rc->rules_default = strdup(buf);
	}
	if (!rc->rules_default)
		return -1;
	ro->pipeline.rules_paths = (const char *const *)&rc->rules_default;
	ro->pipeline.nrules_paths = 1;
	return 0;
}

#define PW_RELOAD_SCHEMA "privwatch.reload/1"

static void key_array(struct jsonw *w, const char *name, const char *const *keys, int n)
{
	int i;

	jw_key(w, name);
	jw_arr_begin(w);
	for (i = 0; i < n; i++)
		jw_str(w, keys[i]);
	jw_arr_end(w);
}

/* What a SIGHUP did, in the stream: the keys applied live, the keys that
 * need a restart (their running value kept), or why nothing changed. */
static void reload_record(struct run_ctx *rc, const char *error, const char *const *changed,
			  int nch, const char *const *restart, int nrs)
{
	struct jsonw *w = &rc->p.w;
	char when[PW_TIME_LEN];
	size_t i;

	pw_format_time(now_ns(CLOCK_REALTIME), when);
	jw_obj_begin(w);
	jw_kv_str(w, "schema", PW_RELOAD_SCHEMA);
	jw_kv_str(w, "time", when);
	jw_kv_bool(w, "ok", !error);
	if (error)
		jw_kv_str(w, "error", error);
	jw_key(w, "files");
	jw_arr_begin(w);
	for (i = 0; i < rc->cfg.files.n; i++)
		jw_str(w, rc->cfg.files.v[i]);
	jw_arr_end(w);
	key_array(w, "changed", changed, nch);
	key_array(w, "restart_required", restart, nrs);
	jw_kv_u64(w, "rules_loaded", rc->p.rules ? pw_ruleset_count(rc->p.rules) : 0);
	jw_kv_u64(w, "reloads", rc->config_reloads);
	jw_kv_u64(w, "reload_failures", rc->config_reload_failures);
	jw_obj_end(w);
	pw_pipeline_emit(&rc->p, PW_REC_META, PW_SEV_INFO);
}

/*
 * SIGHUP, on the event thread between two polls: the sensors stay
 * attached and the ring keeps its records (it is drained again right
 * after). Everything that can fail (the file, new sinks, the rules) is done
 * before anything changes; a failure keeps the running settings.
 */
static void reload(struct run_ctx *rc, struct run_opts *ro)
{
	static struct pw_config nc; /* big: off the stack */
	const char *changed[PW_O_COUNT], *restart[PW_O_COUNT];
	struct pw_pipeline_opts keep = rc->p.o;
	struct pw_sinks *ns = NULL;
	struct run_opts no;
	struct pw_opt_val tmp;
	char err[1200];
	int i, nch = 0, nrs = 0, code;

	if (effective_config(&nc, &rc->cli, rc->config_path, err, sizeof(err)) ||
	    opts_from_config(&nc, &no, err, sizeof(err)) ||
	    resolve_rules(rc, &no, err, sizeof(err)))
		goto fail;
	for (i = 0; i < PW_O_COUNT; i++) {
		if (pw_config_equal(&rc->cfg, &nc, i))
			continue;
		if (pw_config_opts[i].reload == PW_RELOAD_RESTART)
			restart[nrs++] = pw_config_opts[i].key;
		else
			changed[nch++] = pw_config_opts[i].key;
	}
	if (!pw_config_equal(&rc->cfg, &nc, PW_O_OUTPUT)) {
		ns = make_sinks(&no, err, sizeof(err), &code);
		if (!ns)
			goto fail;
	}
	/* The rules, always loaded again (a SIGHUP always did). */
	rc->p.o.rules_paths = no.pipeline.rules_paths;
	rc->p.o.nrules_paths = no.no_rules ? 0 : no.pipeline.nrules_paths;
	rc->p.o.disabled = no.pipeline.disabled;
	rc->p.o.ndisabled = no.pipeline.ndisabled;
	if (pw_pipeline_reload(&rc->p, err, sizeof(err))) {
		rc->p.o = keep;
		goto fail;
	}
	/* Nothing fails from here on. */
	if (ns) {
		struct pw_sinks *old = rc->sinks;

		pw_sinks_flush(old);
		rc->sinks_dropped_base += pw_sinks_dropped(old);
		rc->sinks = rc->p.sinks = ns;
		/* Bounded: the ring holds what arrives meanwhile (ringbuf_size). */
		pw_sinks_stop(old, 500);
		sinks_summary(old, "replaced at reload");
		pw_sinks_close(old, 500);
	} else {
		pw_sinks_reopen(rc->sinks);
	}
	rc->p.o.events = no.pipeline.events;
	rc->p.o.format = no.pipeline.format;
	rc->p.o.hold_ns = no.pipeline.hold_ns;
	if (rc->p.o.fold_window_ns != no.pipeline.fold_window_ns) {
		pw_fold_set_window(rc->p.fold, no.pipeline.fold_window_ns);
		rc->p.o.fold_window_ns = no.pipeline.fold_window_ns;
	}
	ro->poll_ms = no.poll_ms;
	ro->stats_s = no.stats_s;
	ro->inventory_s = no.inventory_s;
	ro->canary_s = no.canary_s;
	ro->canary_timeout_s = no.canary_timeout_s;
	rc->health.o.interval_ns = (uint64_t)no.canary_s * 1000000000;
	rc->health.o.timeout_ns = (uint64_t)no.canary_timeout_s * 1000000000;
	ro->verbose = no.verbose;
	pw_log_set_level(log_level(no.verbose));
	/* What needs a restart keeps its running value: the configuration
	 * kept says what runs. */
	for (i = 0; i < PW_O_COUNT; i++) {
		if (pw_config_opts[i].reload != PW_RELOAD_RESTART)
			continue;
		tmp = nc.v[i];
		nc.v[i] = rc->cfg.v[i];
		rc->cfg.v[i] = tmp;
	}
	pw_config_free(&rc->cfg);
	rc->cfg = nc;
	memset(&nc, 0, sizeof(nc));
	/* Pointers into the old configuration are gone: the running ones now
	 * point into the new one (same values for the restart-only keys). */
	opts_from_config(&rc->cfg, &no, err, sizeof(err));
	if (no.no_rules) {
		rc->p.o.nrules_paths = 0;
	} else if (no.pipeline.nrules_paths) {
		rc->p.o.rules_paths = no.pipeline.rules_paths;
		rc->p.o.nrules_paths = no.pipeline.nrules_paths;
	} else {
		rc->p.o.rules_paths = (const char *const *)&rc->rules_default;
		rc->p.o.nrules_paths = 1;
	}
	rc->p.o.disabled = no.pipeline.disabled;
	rc->p.o.ndisabled = no.pipeline.ndisabled;
	ro->outputs = no.outputs;
	ro->noutputs = no.noutputs;
	ro->loader.cgroup_path = no.loader.cgroup_path;
	ro->loader.cgroup_v1 = no.loader.cgroup_v1;
	rc->config_reloads++;
	for (i = 0; i < nrs; i++)
		pw_warn("SIGHUP: %s changed: needs a restart to apply, the running value stays\n",
			restart[i]);
	pw_info("SIGHUP: configuration reloaded (%d keys changed), %zu rules\n", nch,
		rc->p.rules ? pw_ruleset_count(rc->p.rules) : 0);
	reload_record(rc, NULL, changed, nch, restart, nrs);
	return;
fail:
	pw_config_free(&nc);
	memset(&nc, 0, sizeof(nc));
	pw_sinks_reopen(rc->sinks); /* logrotate's SIGHUP still reopens */
	rc->config_reload_failures++;
	pw_err("SIGHUP: not reloaded, everything runs as it was: %s\n", err);
	reload_record(rc, err, NULL, 0, NULL, 0);
}

int pw_cmd_run(int argc, char **argv)
{
	static struct run_opts ro;
	static struct run_ctx rc;
	struct sigaction sa = { .sa_handler = on_stop_signal }, hup = { .sa_handler = on_hup };
	struct pw_loader l = {};
	struct pw_reader r = {};
	struct pw_kstats ks;
	struct pw_health_opts health_opts;
	uint64_t last_tick = 0, last_stats, last_inventory, learn_end = 0;
	int n, exit_code = PW_EXIT_FAIL, health_on = 0, lock_fd = -1;
	char err[1200];
	size_t i;

	n = parse_args(argc, argv, &rc, &ro);
	if (n >= 0)
		goto out;
	if (learning.on) {
		ro.pipeline.learn = &learning.l;
		/* every running container evaluated, as if it started now: its
		 * start is behaviour to learn; and no start remembered as said */
		ro.pipeline.state_file = NULL;
	}
	if (ro.loader.floor)
		pw_warn("--bench-floor: every program returns at once, nothing is seen\n");
	n = PW_EXIT_USAGE;
	if (resolve_rules(&rc, &ro, err, sizeof(err))) {
		fprintf(stderr, "%s: %s\n", cmd_name, err);
		goto out;
	}
	for (i = 0; i < pw_cfg_list(&rc.cfg, PW_O_SENSITIVE_MOUNT)->n; i++) {
		const char *m = pw_cfg_list(&rc.cfg, PW_O_SENSITIVE_MOUNT)->v[i];

		if (pw_sensitive_add(m)) {
			fprintf(stderr,
				"%s: --sensitive-mount '%s': need an absolute path "
				"(PATH, or PATH/** for what is below too), at most %d in all\n",
				cmd_name, m, PW_SENSITIVE_MAX);
			goto out;
		}
	}

	/* Before anything is loaded: a missing privilege named as such, not as
	 * the kernel refusing the first program (EPERM). */
	if (pw_privs_check_bpf(err, sizeof(err))) {
		fprintf(stderr, "%s: %s\n", cmd_name, err);
		n = PW_EXIT_FAIL;
		goto out;
	}
	if (pw_privs_check_proc(err, sizeof(err)))
		pw_warn("%s\n", err);

	/* No SA_RESTART: a signal must break the reader's epoll_wait. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &hup, NULL);
	signal(SIGPIPE, SIG_IGN);
	pw_clock_init();
	rc.lost_since_ns = now_ns(CLOCK_REALTIME);
	/* Before anything is loaded or pinned: another agent's are not ours. */
	if (ro.lock_file) {
		lock_fd = pw_lock_take(ro.lock_file, err, sizeof(err));
		if (lock_fd < 0) {
			fprintf(stderr, "%s: %s\n", cmd_name, err);
			goto cleanup;
		}
	}
	/* Then: a port in use is a usage error, said before anything loads. */
	if (ro.http) {
		rc.http = pw_http_start(ro.http, &ro.ready, err, sizeof(err));
		if (!rc.http) {
			fprintf(stderr, "%s: %s\n", cmd_name, err);
			exit_code = PW_EXIT_USAGE;
			goto cleanup;
		}
	}
	if (ro.control[0]) {
		rc.control = pw_control_open(ro.control, err, sizeof(err));
		if (!rc.control) {
			fprintf(stderr, "%s: %s\n", cmd_name, err);
			exit_code = PW_EXIT_USAGE;
			goto cleanup;
		}
	}
	rc.sinks = make_sinks(&ro, err, sizeof(err), &n);
	if (!rc.sinks) {
		fprintf(stderr, "%s: %s\n", cmd_name, err);
		exit_code = n;
		goto cleanup;
	}
	if (pw_pipeline_init(&rc.p, &ro.pipeline, rc.sinks, err, sizeof(err))) {
		pw_err("%s\n", err);
		goto cleanup;
	}

	/* What is pinned belongs to the host's agent: the one holding the lock
	 * takes it over even without --keep-sensors (then removes it), an agent
	 * without the lock (tests) leaves it alone unless told to keep. */
	ro.loader.pin_adopt = ro.loader.pin_keep || lock_fd >= 0;
	if (pw_loader_start(&l, &ro.loader, err, sizeof(err))) {
		pw_err("%s\n", err);
		goto cleanup;
	}
	if (l.adopted)
		rc.kept_before_ns = l.attach_ns;
	n = pw_reader_open(&r, bpf_map__fd(l.skel->maps.events), &rc);
	if (n) {
		pw_err("cannot read the ring buffer: %s\n", strerror(-n));
		goto cleanup;
	}
	r.fallback = on_record;
	/* From here on this thread is the event thread: it reads nothing of
	 * the host a container controls (counted if it did: host_reads in the
	 * stats). After attaching: a container made meanwhile is seen by the
	 * walk, by its mkdir record, or both (then the record is a no-op).
	 * Discovery walks the whole hierarchy; with --cgroup only what is
	 * watched is ours to announce. */
	pw_hw_mark_event_thread(1);
	/* The kernel learns each container cgroup the table takes (discovery's
	 * included, when its answer is applied). */
	rc.p.o.container_cgroup = mark_container;
	rc.p.o.container_cgroup_ctx = &l;
	rc.p.o.own_bpf_ids = rc.own_ids;
	n = pw_pipeline_discover(&rc.p, l.cgroup_mount, l.watch_mode != PW_WATCH_MAP, 0);
	if (n)
		pw_warn("discovering running containers in %s: %s\n", l.cgroup_mount, strerror(-n));
	n = pw_pipeline_snapshot_procs(&rc.p);
	if (n)
		pw_warn("reading the processes older than the agent: %s\n", strerror(-n));
	/* Prove every concern before saying what is watched; records wait
	 * until the walk has named the containers too (bounded by the
	 * worker's deadline). */
	rc.hold.on = 1;
	/* Nothing goes out before the start record: an alert or a line that
	 * a late answer brings meanwhile waits for it. */
	pw_sinks_hold(rc.sinks, 1);
	health_opts.interval_ns = (uint64_t)ro.canary_s * 1000000000;
	health_opts.timeout_ns = (uint64_t)ro.canary_timeout_s * 1000000000;
	/* The floor's programs return at once: a canary would only fall back. */
	health_opts.off = ro.loader.floor;
	if (pw_health_init(&rc.health, &l, &rc.p, &health_opts, err, sizeof(err))) {
		pw_err("%s\n", err);
		goto cleanup;
	}
	health_on = 1;
	pw_reader_map_positions(&r, bpf_map__fd(l.skel->maps.events), l.ringbuf_bytes);
	while ((rc.health.starting || pw_pipeline_starting(&rc.p)) && !stop_requested) {
		uint64_t t;

		n = pw_reader_poll(&r, ro.poll_ms);
		if (n < 0 && n != -EINTR) {
			pw_err("reading the ring buffer: %s\n", strerror(-n));
			goto cleanup;
		}
		t = now_ns(CLOCK_MONOTONIC);
		pw_http_heartbeat(rc.http, t);
		pw_health_tick(&rc.health, t);
		pw_pipeline_host_poll(&rc.p, now_ns(CLOCK_MONOTONIC));
		if (t - last_tick >= 1000000000) {
			last_tick = t;
			publish(&rc, &l, &r, 1);
		}
	}
	rc.p.o.n_own_bpf_ids = pw_loader_own_ids(&l, rc.own_ids, PW_OWN_IDS_MAX);
	pw_sinks_hold(rc.sinks, 0);
	start_record(&rc, &l, ro.poll_ms);
	pw_sinks_replay(rc.sinks);
	if (l.adopted)
		pw_info("%llu records written while no agent ran, read from the kept ring buffer\n",
			(unsigned long long)rc.kept_records);
	if (pw_health_blind(&rc.health)) {
		pw_err("privwatch is blind to part of what it watches (see the start record)\n");
		pw_health_record(&rc.health, "start");
	}
	hold_release(&rc);
	pw_pipeline_inventory(&rc.p, "start");
	pw_sinks_flush(rc.sinks);
	publish(&rc, &l, &r, 0);
	last_stats = last_inventory = now_ns(CLOCK_MONOTONIC);
	if (learning.on) {
		learn_end = last_stats + learning.for_ns;
		pw_info("learning what containers of image %s do for %llu s\n", learning.l.image,
			(unsigned long long)(learning.for_ns / 1000000000));
	}

	while (!stop_requested && !rc.p.write_failed) {
		uint64_t t;

		n = pw_reader_poll(&r, ro.poll_ms);
		if (n < 0 && n != -EINTR) {
			pw_err("reading the ring buffer: %s\n", strerror(-n));
			goto cleanup;
		}
		if (learn_end && now_ns(CLOCK_MONOTONIC) >= learn_end)
			break;
		pw_http_heartbeat(rc.http, now_ns(CLOCK_MONOTONIC));
		pw_health_tick(&rc.health, now_ns(CLOCK_MONOTONIC));
		pw_pipeline_host_poll(&rc.p, now_ns(CLOCK_MONOTONIC));
		pw_control_poll(rc.control, control_request, &rc);
		if (rc.health.alerts != rc.own_ids_alerts) { /* links attached again */
			rc.own_ids_alerts = rc.health.alerts;
			rc.p.o.n_own_bpf_ids = pw_loader_own_ids(&l, rc.own_ids, PW_OWN_IDS_MAX);
			publish(&rc, &l, &r, 0); /* a concern went blind: say so now */
		}
		pw_sinks_flush(rc.sinks);
		if (reload_requested) {
			reload_requested = 0;
			reload(&rc, &ro);
		}
		t = now_ns(CLOCK_MONOTONIC);
		if (t - last_tick < 1000000000)
			continue;
		/* Once a second: repeat summaries due, losses, lost cgroup records. */
		last_tick = t;
		pw_pipeline_tick(&rc.p, t, 0);
		if (pw_kstats_read(&l, &ks) == 0) {
			pw_health_watch_full(&rc.health, ks.watched_cgroups_full);
			lost_record(&rc, &l, &ks, &r.stats);
			if (cgroup_records_lost(&ks) > rc.cgroup_records_lost &&
			    reconcile(&rc, &l) != -EBUSY)
				rc.cgroup_records_lost = cgroup_records_lost(&ks);
		}
		if (ro.stats_s && t - last_stats >= (uint64_t)ro.stats_s * 1000000000) {
			last_stats = t;
			stats_record(&rc, &l, &r, 0);
		}
		if (ro.inventory_s && t - last_inventory >= (uint64_t)ro.inventory_s * 1000000000) {
			last_inventory = t;
			pw_pipeline_inventory(&rc.p, "interval");
		}
		publish(&rc, &l, &r, 0);
	}
	if (rc.p.write_failed) {
		pw_err("out of memory writing a record\n");
		goto cleanup;
	}
	/* Detach first so the counters stop moving, then drain what is left:
	 * the final record's events then equal kernel_sent unless lost. */
	pw_loader_detach(&l);
	while (pw_reader_poll(&r, 0) == PW_READER_BUDGET)
		;
	/* Answers already in, then whatever still waits for facts goes with
	 * what is known (counted as at_exit). */
	pw_pipeline_host_poll(&rc.p, now_ns(CLOCK_MONOTONIC));
	pw_pipeline_release_all(&rc.p);
	pw_pipeline_tick(&rc.p, now_ns(CLOCK_MONOTONIC), 1);
	if (learning.on) {
		n = pw_learn_write_file(&learning.l, learning.out);
		if (n) {
			pw_err("learn: cannot write %s: %s\n", learning.out, strerror(-n));
			goto cleanup;
		}
		learning.written = 1;
	}
	/* Captures under way are written before the last records. */
	if (pw_pipeline_capture_drain(&rc.p, 5ULL * 1000000000))
		pw_warn("captures not written at exit: the worker did not finish them\n");
	if (pw_kstats_read(&l, &ks) == 0)
		lost_record(&rc, &l, &ks, &r.stats);
	stats_record(&rc, &l, &r, 1);
	/* Network sinks get a last chance to send the final records. */
	pw_sinks_stop(rc.sinks, 2000);
	exit_code = PW_EXIT_OK;
cleanup:
	pw_http_stop(rc.http);
	rc.http = NULL;
	pw_control_close(rc.control);
	rc.control = NULL;
	if (health_on)
		pw_health_free(&rc.health);
	free(rc.hold.buf);
	pw_reader_close(&r);
	pw_loader_stop(&l);
	if (rc.sinks) {
		pw_sinks_stop(rc.sinks, 2000);
		sinks_summary(rc.sinks, "at stop");
		pw_sinks_close(rc.sinks, 2000);
	}
	pw_pipeline_free(&rc.p);
	pw_lock_release(lock_fd);
	n = exit_code;
out:
	pw_config_free(&rc.cfg);
	pw_config_free(&rc.cli);
	free(rc.rules_default);
	free(rc.rules_old);
	return n;
}

static void learn_usage(FILE *out)
{
	fprintf(out,
		"usage: privwatch learn --image IMAGE --for DURATION [--out FILE] [run options]\n\n"
		"Runs the agent as privwatch run does, but what the rules would alert on in\n"
		"the containers of IMAGE (container.image, exactly) is recorded instead of\n"
		"alerted; other containers alert as usual. When DURATION has elapsed (or at\n"
		"SIGINT or SIGTERM) it writes a rules file of overrides that add exceptions\n"
		"for exactly that behaviour, scoped to the image, to review and put in\n"
		"%s (docs/rules.md, \"Learned baselines\"). Anything new still alerts.\n\n"
		"  --image IMAGE        the image to learn, as alerts name it (container.image)\n"
		"  --for DURATION       how long: N (seconds) or Ns, Nm, Nh, Nd\n"
		"  --out FILE           where the rules file goes (default 90-learned.json)\n"
		"  --help\n\n"
		"Every other option is privwatch run's (privwatch run --help).\n",
		PW_RULES_DIR);
}

/* "90", "90s", "15m", "2h", "1d": nanoseconds, 0 if not one. */
static uint64_t parse_duration(const char *s)
{
	unsigned long long n, mul = 1;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return 0;
	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno || !n)
		return 0;
	if (*end && end[1])
		return 0;
	switch (*end) {
	case '\0':
	case 's': break;
	case 'm': mul = 60; break;
	case 'h': mul = 3600; break;
	case 'd': mul = 86400; break;
	default: return 0;
	}
	if (n > 366ULL * 86400 / mul)
		return 0;
	return n * mul * 1000000000ULL;
}

int pw_cmd_learn(int argc, char **argv)
{
	const char *image = NULL, *dur = NULL, *out = "90-learned.json";
	char **rargv = calloc((size_t)argc + 1, sizeof(*rargv));
	int i, n = 0, rc;

	if (!rargv) {
		fprintf(stderr, "privwatch learn: out of memory\n");
		return PW_EXIT_FAIL;
	}
	rargv[n++] = "run";
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], **dst = NULL;
		size_t len = 0;

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			learn_usage(stdout);
			free(rargv);
			return PW_EXIT_OK;
		}
		if (!strncmp(a, "--image", len = 7))
			dst = &image;
		else if (!strncmp(a, "--for", len = 5))
			dst = &dur;
		else if (!strncmp(a, "--out", len = 5))
			dst = &out;
		if (dst && a[len] == '=') {
			*dst = a + len + 1;
		} else if (dst && !a[len]) {
			if (i + 1 >= argc) {
				fprintf(stderr,
					"privwatch learn: %s needs a value (privwatch learn --help)\n",
					a);
				free(rargv);
				return PW_EXIT_USAGE;
			}
			*dst = argv[++i];
		} else {
			rargv[n++] = argv[i];
		}
	}
	if (!image || !*image || !dur) {
		fprintf(stderr, "privwatch learn: --image and --for are required (privwatch learn "
				"--help)\n");
		free(rargv);
		return PW_EXIT_USAGE;
	}
	learning.for_ns = parse_duration(dur);
	if (!learning.for_ns) {
		fprintf(stderr,
			"privwatch learn: --for '%s': a duration is N (seconds) or Ns, Nm, Nh, Nd, "
			"more than 0 and at most a year\n",
			dur);
		free(rargv);
		return PW_EXIT_USAGE;
	}
	if (!*out) {
		fprintf(stderr, "privwatch learn: --out needs a file name\n");
		free(rargv);
		return PW_EXIT_USAGE;
	}
	if (pw_learn_init(&learning.l, image)) {
		fprintf(stderr, "privwatch learn: out of memory\n");
		free(rargv);
		return PW_EXIT_FAIL;
	}
	learning.out = out;
	learning.on = 1;
	cmd_name = "privwatch learn";
	rc = pw_cmd_run(n, rargv);
	if (learning.written) {
		fprintf(stderr,
			"privwatch learn: %s: %zu exceptions to %zu rules for image %s (%llu alerts "
			"learned%s); review it, then put it in %s/\n",
			out, learning.l.n, pw_learn_rules(&learning.l), image,
			(unsigned long long)learning.l.seen,
			learning.l.dropped ? ", some past the bound left out" : "", PW_RULES_DIR);
		if (learning.l.dropped)
			pw_warn("learn: %llu distinct behaviours past %d were not kept\n",
				(unsigned long long)learning.l.dropped, PW_LEARN_MAX);
	}
	pw_learn_free(&learning.l);
	free(rargv);
	return rc;
}
