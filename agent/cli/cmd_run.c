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
#include "daemon/health.h"
#include "daemon/http.h"
#include "daemon/metrics.h"
#include "kernel/loader.h"
#include "lib/log.h"
#include "pipeline.h"
#include "privwatch.skel.h"
#include "kernel/reader.h"
#include "kernel/stats.h"
#include "lib/timefmt.h"

#define PW_START_SCHEMA		 "privwatch.start/1"
#define PW_LOST_SCHEMA		 "privwatch.lost/1"
#define DEFAULT_POLL_MS		 10
#define DEFAULT_FOLD_S		 10
#define DEFAULT_STATS_S		 60
#define DEFAULT_INVENTORY_S	 900
#define MAX_DISABLED		 64
#define DEFAULT_CANARY_S	 300
#define DEFAULT_BUDGET_RATE	 20000
#define DEFAULT_BUDGET_BURST	 200000
#define DEFAULT_CANARY_TIMEOUT_S 10
#define DEFAULT_READY_DROP_RATE	 0.01
#define HOLD_MAX		 (16u << 20) /* records held while the start canary runs */

enum { /* long-only options */
       OPT_CGROUP_V1 = 256,
       OPT_RULES,
       OPT_NO_RULES,
       OPT_DISABLE_RULE,
       OPT_EVENTS,
       OPT_OUTPUT,
       OPT_FORMAT,
       OPT_FOLD_WINDOW,
       OPT_STATS_INTERVAL,
       OPT_CANARY_INTERVAL,
       OPT_CANARY_TIMEOUT,
       OPT_NO_VARIANT,
       OPT_TRUST_LSM_ATTACH,
       OPT_READ_DEADLINE,
       OPT_HOLD,
       OPT_BUDGET,
       OPT_BENCH_FLOOR,
       OPT_INVENTORY_INTERVAL,
       OPT_SENSITIVE_MOUNT,
       OPT_HTTP,
       OPT_READY_DROP_RATE,
};

static volatile sig_atomic_t stop_requested, reload_requested;

static void on_stop_signal(int sig)
{
	stop_requested = 1;
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
	LOST_CAUSES
};
static const char *const lost_names[LOST_CAUSES] = {
	"ringbuf_full", "container_budget",	"malformed_records",	"watched_cgroups_full",
	"sink_queues",	"host_reads_timed_out", "container_table_full",
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
	struct pw_metrics mx;			/* the snapshot being built */
	struct pw_mx_history mxh;
};

struct run_opts {
	struct pw_loader_opts loader;
	struct pw_pipeline_opts pipeline;
	const char *disabled[MAX_DISABLED];
	const char *outputs[32];
	int noutputs;
	int poll_ms;
	int stats_s;
	int inventory_s;
	int canary_s, canary_timeout_s;
	int no_rules;
	const char *http; /* NULL: none */
	struct pw_ready_opts ready;
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
		"usage: privwatch run [options]\n\n"
		"Loads the sensors and the rules, and writes one JSON line per alert\n"
		"(privwatch.alert/1) to each output until SIGINT or SIGTERM, then a final\n"
		"privwatch.stats/1 record. SIGHUP reloads the rules (a bad set is reported\n"
		"and the running one kept) and reopens output files.\n\n"
		"  --rules PATH         rule file or directory (default: %s,\n"
		"                       else the rules/ directory of the source tree)\n"
		"  --no-rules           no rules: with --events, a plain event stream\n"
		"  --disable-rule ID    leave a rule out (repeatable)\n"
		"  --events             also write every event (privwatch.event/1)\n"
		"  --output SPEC        where lines go (repeatable; default stdout): stdout,\n"
		"                       file:PATH, syslog, syslog:udp:HOST:PORT, syslog:tcp:HOST:PORT,\n"
		"                       syslog:tls:HOST:PORT (RFC 5425), tcp:HOST:PORT, tls:HOST:PORT,\n"
		"                       unix:PATH; options KIND,KEY=VALUE,...: min=, queue=, ...; TLS:\n"
		"                       ca=PATH, cert=PATH, key=PATH, name=NAME (docs/sinks.md)\n"
		"  --format FORMAT      native (default) or ecs (Elastic Common Schema)\n"
		"  --fold-window SEC    identical alerts within SEC seconds are folded into one\n"
		"                       with a count (default %d; 0: never fold)\n"
		"  --stats-interval SEC a privwatch.stats/1 record every SEC seconds (default %d; 0: off)\n"
		"  --inventory-interval SEC  a privwatch.inventory/1 record (every container, its\n"
		"                       mode, PSS level and relaxed dimensions) at start and every\n"
		"                       SEC seconds (default %d, 15 minutes; 0: at start only)\n"
		"  --sensitive-mount PATH  also report this host path mounted into a container\n"
		"                       (PATH/** for what is below it too; repeatable)\n"
		"  --cgroup PATH        watch only this cgroup directory and the cgroups below it\n"
		"                       (default: every cgroup except the root)\n"
		"  --cgroup-v1 CTRL     identify containers by their cgroup in this v1 controller's\n"
		"                       hierarchy (default: cgroup2; a v1 one where it is missing)\n"
		"  --mode MODE          auto (default), lsm or tracepoint\n"
		"  --no-variant [CONCERN:]KIND  never use this kind of hook (lsm, tracepoint,\n"
		"                       fentry, kprobe), for one concern or all (repeatable;\n"
		"                       privwatch probe shows the order)\n"
		"  --canary-interval SEC  prove every concern with the canary every SEC seconds\n"
		"                       (default %d; 0: only at start)\n"
		"  --canary-timeout SEC a canary round that has not ended by then is killed\n"
		"                       (default %d)\n"
		"  --container-budget RATE[/BURST]  events per second each container may send,\n"
		"                       and the burst above it (default %d/%d; 0: none): one\n"
		"                       container's flood costs its own events, counted against it\n"
		"  --trust-lsm-attach   testing: use LSM programs that attach even where the kernel\n"
		"                       does not list the BPF LSM as active (the canary decides)\n"
		"  --ringbuf-size SIZE  ring buffer bytes, a power of two (default 8M)\n"
		"  --poll-ms N          reader poll interval, 1-1000 ms (default %d)\n"
		"  --read-deadline-ms N a read of a container's files (its /proc, /dev, mount\n"
		"                       table, runtime state) not back by then is given up:\n"
		"                       posture unknown, PW-0010 (default %d)\n"
		"  --hold-ms N          a container's events wait at most this long for its\n"
		"                       runtime state and posture (default %d)\n"
		"  --http ADDR:PORT     serve /healthz, /readyz and /metrics (Prometheus) there\n"
		"                       (default %s; none: no HTTP endpoint; docs/operations.md)\n"
		"  --ready-max-drop-rate R  /readyz fails while the kernel dropped more than this\n"
		"                       share of its records over the last %d s (default %g)\n"
		"  -v, --verbose        more diagnostics on stderr (twice: libbpf's too)\n"
		"  --help, --version\n",
		PW_RULES_DIR, DEFAULT_FOLD_S, DEFAULT_STATS_S, DEFAULT_INVENTORY_S,
		DEFAULT_CANARY_S, DEFAULT_CANARY_TIMEOUT_S, DEFAULT_BUDGET_RATE,
		DEFAULT_BUDGET_BURST, DEFAULT_POLL_MS, (int)(PW_READ_DEADLINE_NS / 1000000),
		(int)(PW_HOLD_NS / 1000000), PW_HTTP_DEFAULT, PW_MX_WINDOW,
		DEFAULT_READY_DROP_RATE);
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
	jw_kv_u64(w, "poll_ms", poll_ms);
	/* The baseline the final record's containers_tracked is compared to. */
	table_stats(&rc->p.table, &ts0);
	jw_kv_u64(w, "containers_tracked", ts0.tracked);
	jw_kv_u64(w, "container_cgroups", ts0.cgroups);
	jw_key(w, "rules");
	jw_obj_begin(w);
	jw_kv_str(w, "path", rc->p.o.rules_path ? rc->p.o.rules_path : "");
	jw_kv_u64(w, "loaded", rc->p.rules ? pw_ruleset_count(rc->p.rules) : 0);
	jw_kv_u64(w, "disabled", rc->p.rules ? pw_ruleset_disabled(rc->p.rules) : 0);
	jw_obj_end(w);
	jw_kv_bool(w, "events", rc->p.o.events);
	jw_obj_end(w);
	pw_pipeline_emit(&rc->p, PW_REC_META, PW_SEV_INFO);
}

static int parse_seconds(const char *opt, const char *arg, int max, int *out)
{
	char *end;
	long v = strtol(arg, &end, 10);

	if (!*arg || *end || v < 0 || v > max) {
		fprintf(stderr, "privwatch run: %s '%s': need 0 to %d seconds\n", opt, arg, max);
		return -1;
	}
	*out = v;
	return 0;
}

/* RATE[/BURST]: events per second per container, and the burst (default
 * ten seconds' worth); 0 turns the budget off. */
static int parse_budget(const char *arg, struct pw_loader_opts *o)
{
	unsigned long long rate, burst;
	char *end;

	rate = strtoull(arg, &end, 10);
	burst = rate * 10;
	if (end != arg && *end == '/')
		burst = strtoull(end + 1, &end, 10);
	if (end == arg || *end || rate > 10000000 || (rate && !burst) || burst > 1000000000) {
		fprintf(stderr,
			"privwatch run: --container-budget '%s': need RATE[/BURST], events per "
			"second per container and the burst above it, e.g. 20000/200000 "
			"(0: no budget)\n",
			arg);
		return -1;
	}
	o->budget_rate = rate;
	o->budget_burst = rate ? burst : 0;
	return 0;
}

static int parse_args(int argc, char **argv, struct run_opts *ro)
{
	static const struct option opts[] = {
		{ "cgroup", required_argument, NULL, 'c' },
		{ "cgroup-v1", required_argument, NULL, OPT_CGROUP_V1 },
		{ "mode", required_argument, NULL, 'm' },
		{ "ringbuf-size", required_argument, NULL, 'r' },
		{ "poll-ms", required_argument, NULL, 'p' },
		{ "rules", required_argument, NULL, OPT_RULES },
		{ "no-rules", no_argument, NULL, OPT_NO_RULES },
		{ "disable-rule", required_argument, NULL, OPT_DISABLE_RULE },
		{ "events", no_argument, NULL, OPT_EVENTS },
		{ "output", required_argument, NULL, OPT_OUTPUT },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "fold-window", required_argument, NULL, OPT_FOLD_WINDOW },
		{ "stats-interval", required_argument, NULL, OPT_STATS_INTERVAL },
		{ "inventory-interval", required_argument, NULL, OPT_INVENTORY_INTERVAL },
		{ "sensitive-mount", required_argument, NULL, OPT_SENSITIVE_MOUNT },
		{ "canary-interval", required_argument, NULL, OPT_CANARY_INTERVAL },
		{ "canary-timeout", required_argument, NULL, OPT_CANARY_TIMEOUT },
		{ "no-variant", required_argument, NULL, OPT_NO_VARIANT },
		{ "trust-lsm-attach", no_argument, NULL, OPT_TRUST_LSM_ATTACH },
		{ "read-deadline-ms", required_argument, NULL, OPT_READ_DEADLINE },
		{ "hold-ms", required_argument, NULL, OPT_HOLD },
		{ "container-budget", required_argument, NULL, OPT_BUDGET },
		/* Not in --help: bench/run.sh's floor, never a way to run. */
		{ "bench-floor", no_argument, NULL, OPT_BENCH_FLOOR },
		{ "http", required_argument, NULL, OPT_HTTP },
		{ "ready-max-drop-rate", required_argument, NULL, OPT_READY_DROP_RATE },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{},
	};
	struct pw_loader_opts *o = &ro->loader;
	int c, verbose = 0, fold_s = DEFAULT_FOLD_S;
	char *end, errbuf[256];

	ro->poll_ms = DEFAULT_POLL_MS;
	ro->stats_s = DEFAULT_STATS_S;
	ro->inventory_s = DEFAULT_INVENTORY_S;
	ro->canary_s = DEFAULT_CANARY_S;
	o->budget_rate = DEFAULT_BUDGET_RATE;
	o->budget_burst = DEFAULT_BUDGET_BURST;
	ro->canary_timeout_s = DEFAULT_CANARY_TIMEOUT_S;
	ro->http = PW_HTTP_DEFAULT;
	ro->ready = (struct pw_ready_opts){
		.max_drop_rate = DEFAULT_READY_DROP_RATE,
		.drain_ns = 5ULL * 1000000000,	/* the reader polls every poll-ms */
		.stall_ns = 10ULL * 1000000000, /* past the sinks' backoff, 10 s at most */
		.queue_pct = 90,
	};
	while ((c = getopt_long(argc, argv, "c:m:r:p:vhV", opts, NULL)) != -1) {
		switch (c) {
		case 'c': o->cgroup_path = optarg; break;
		case OPT_CGROUP_V1: o->cgroup_v1 = optarg; break;
		case 'm':
			if (pw_mode_parse(optarg, &o->mode)) {
				fprintf(stderr,
					"privwatch run: --mode must be auto, lsm or tracepoint, not '%s'\n",
					optarg);
				return PW_EXIT_USAGE;
			}
			break;
		case 'r':
			if (pw_ringbuf_size_parse(optarg, &o->ringbuf_bytes)) {
				fprintf(stderr,
					"privwatch run: --ringbuf-size '%s': need a power of two "
					"from the page size to 1G, e.g. 8M\n",
					optarg);
				return PW_EXIT_USAGE;
			}
			break;
		case 'p':
			ro->poll_ms = strtol(optarg, &end, 10);
			if (*end || ro->poll_ms < 1 || ro->poll_ms > 1000) {
				fprintf(stderr, "privwatch run: --poll-ms '%s': need 1 to 1000\n",
					optarg);
				return PW_EXIT_USAGE;
			}
			break;
		case OPT_RULES: ro->pipeline.rules_path = optarg; break;
		case OPT_NO_RULES: ro->no_rules = 1; break;
		case OPT_DISABLE_RULE:
			if (ro->pipeline.ndisabled == MAX_DISABLED) {
				fprintf(stderr, "privwatch run: more than %d --disable-rule\n",
					MAX_DISABLED);
				return PW_EXIT_USAGE;
			}
			ro->disabled[ro->pipeline.ndisabled++] = optarg;
			break;
		case OPT_EVENTS: ro->pipeline.events = 1; break;
		case OPT_OUTPUT:
			if (ro->noutputs == (int)(sizeof(ro->outputs) / sizeof(ro->outputs[0]))) {
				fprintf(stderr, "privwatch run: too many --output\n");
				return PW_EXIT_USAGE;
			}
			ro->outputs[ro->noutputs++] = optarg;
			break;
		case OPT_FORMAT:
			if (!strcmp(optarg, "native"))
				ro->pipeline.format = PW_FORMAT_NATIVE;
			else if (!strcmp(optarg, "ecs"))
				ro->pipeline.format = PW_FORMAT_ECS;
			else {
				fprintf(stderr,
					"privwatch run: --format must be native or ecs, not '%s'\n",
					optarg);
				return PW_EXIT_USAGE;
			}
			break;
		case OPT_FOLD_WINDOW:
			if (parse_seconds("--fold-window", optarg, 86400, &fold_s))
				return PW_EXIT_USAGE;
			break;
		case OPT_STATS_INTERVAL:
			if (parse_seconds("--stats-interval", optarg, 86400, &ro->stats_s))
				return PW_EXIT_USAGE;
			break;
		case OPT_INVENTORY_INTERVAL:
			if (parse_seconds("--inventory-interval", optarg, 7 * 86400,
					  &ro->inventory_s))
				return PW_EXIT_USAGE;
			break;
		case OPT_SENSITIVE_MOUNT:
			if (pw_sensitive_add(optarg)) {
				fprintf(stderr,
					"privwatch run: --sensitive-mount '%s': need an absolute path "
					"(PATH, or PATH/** for what is below too), at most %d in all\n",
					optarg, PW_SENSITIVE_MAX);
				return PW_EXIT_USAGE;
			}
			break;
		case OPT_CANARY_INTERVAL:
			if (parse_seconds("--canary-interval", optarg, 86400, &ro->canary_s))
				return PW_EXIT_USAGE;
			break;
		case OPT_CANARY_TIMEOUT:
			if (parse_seconds("--canary-timeout", optarg, 600, &ro->canary_timeout_s))
				return PW_EXIT_USAGE;
			if (!ro->canary_timeout_s) {
				fprintf(stderr,
					"privwatch run: --canary-timeout must be at least 1\n");
				return PW_EXIT_USAGE;
			}
			break;
		case OPT_NO_VARIANT:
			if (pw_variant_skip_parse(optarg, o->skip, errbuf, sizeof(errbuf))) {
				fprintf(stderr, "privwatch run: --no-variant %s\n", errbuf);
				return PW_EXIT_USAGE;
			}
			break;
		case OPT_TRUST_LSM_ATTACH: o->trust_lsm_attach = 1; break;
		case OPT_READ_DEADLINE:
		case OPT_HOLD: {
			long ms = strtol(optarg, &end, 10);

			if (!*optarg || *end || ms < 1 || ms > 600000) {
				fprintf(stderr, "privwatch run: %s '%s': need 1 to 600000 ms\n",
					c == OPT_HOLD ? "--hold-ms" : "--read-deadline-ms", optarg);
				return PW_EXIT_USAGE;
			}
			if (c == OPT_HOLD)
				ro->pipeline.hold_ns = (uint64_t)ms * 1000000;
			else
				ro->pipeline.read_deadline_ns = (uint64_t)ms * 1000000;
			break;
		}
		case OPT_BENCH_FLOOR: o->floor = 1; break;
		case OPT_BUDGET:
			if (parse_budget(optarg, o))
				return PW_EXIT_USAGE;
			break;
		case OPT_HTTP: {
			char addr[64];
			unsigned short port;

			if (!strcmp(optarg, "none")) {
				ro->http = NULL;
				break;
			}
			if (pw_http_parse(optarg, addr, sizeof(addr), &port, errbuf,
					  sizeof(errbuf))) {
				fprintf(stderr, "privwatch run: %s\n", errbuf);
				return PW_EXIT_USAGE;
			}
			ro->http = optarg;
			break;
		}
		case OPT_READY_DROP_RATE: {
			double r = strtod(optarg, &end);

			if (!*optarg || *end || !(r >= 0 && r <= 1)) {
				fprintf(stderr,
					"privwatch run: --ready-max-drop-rate '%s': need a share "
					"from 0 to 1, e.g. 0.01\n",
					optarg);
				return PW_EXIT_USAGE;
			}
			ro->ready.max_drop_rate = r;
			break;
		}
		case 'v': verbose++; break;
		case 'h': usage(stdout); return PW_EXIT_OK;
		case 'V': pw_print_version(); return PW_EXIT_OK;
		default: usage(stderr); return PW_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "privwatch run: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return PW_EXIT_USAGE;
	}
	if (ro->no_rules && (ro->pipeline.rules_path || ro->pipeline.ndisabled)) {
		fprintf(stderr, "privwatch run: --no-rules with --rules or --disable-rule\n");
		return PW_EXIT_USAGE;
	}
	ro->pipeline.disabled = ro->disabled;
	ro->pipeline.fold_window_ns = (uint64_t)fold_s * 1000000000;
	pw_log_set_level(verbose >= 2 ? PW_LOG_TRACE : verbose ? PW_LOG_DEBUG : PW_LOG_WARN);
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
	jw_key(w, "sinks");
	jw_arr_begin(w);
	for (i = 0; i < pw_sinks_count(rc->sinks); i++) {
		pw_sinks_stats(rc->sinks, i, &ss);
		jw_obj_begin(w);
		jw_kv_str(w, "spec", ss.spec);
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
	now[LOST_SINKS] = pw_sinks_dropped(rc->sinks);
	/* Not records: a container's facts given up, cgroups not tracked. */
	now[LOST_HOST_READS] = pw_pipeline_host_timeouts(&rc->p);
	now[LOST_TABLE_FULL] = rc->p.table.overflow;
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

/* 0, or the exit code: a bad SPEC is a usage error, a sink that cannot start a failure. */
static int open_sinks(struct run_ctx *rc, const struct run_opts *ro)
{
	char err[512];
	int i;

	rc->sinks = pw_sinks_new();
	if (!rc->sinks) {
		pw_err("out of memory\n");
		return PW_EXIT_FAIL;
	}
	for (i = 0; i < ro->noutputs; i++) {
		if (pw_sinks_add(rc->sinks, ro->outputs[i], err, sizeof(err))) {
			fprintf(stderr, "privwatch run: %s\n", err);
			return PW_EXIT_USAGE;
		}
	}
	if (!ro->noutputs && pw_sinks_add(rc->sinks, "stdout", err, sizeof(err))) {
		pw_err("%s\n", err);
		return PW_EXIT_FAIL;
	}
	if (pw_sinks_batch(rc->sinks, 256 * 1024)) {
		pw_err("out of memory\n");
		return PW_EXIT_FAIL;
	}
	if (pw_sinks_start(rc->sinks, err, sizeof(err))) {
		pw_err("%s\n", err);
		return PW_EXIT_FAIL;
	}
	return 0;
}

static void reload(struct run_ctx *rc)
{
	char err[1200];

	pw_sinks_reopen(rc->sinks);
	if (pw_pipeline_reload(&rc->p, err, sizeof(err)))
		pw_err("SIGHUP: the rules were not reloaded, the running set stays: %s\n", err);
	else if (!rc->p.rules) /* --no-rules: output files reopened, nothing to load */
		pw_info("SIGHUP: output files reopened; no rules (--no-rules)\n");
	else
		pw_info("SIGHUP: %zu rules loaded from %s\n", pw_ruleset_count(rc->p.rules),
			rc->p.o.rules_path);
}

int pw_cmd_run(int argc, char **argv)
{
	static struct run_opts ro = { .loader = { .mode = PW_MODE_AUTO },
				      .pipeline = { .host_worker = 1 } };
	static struct run_ctx rc;
	struct sigaction sa = { .sa_handler = on_stop_signal }, hup = { .sa_handler = on_hup };
	struct pw_loader l = {};
	struct pw_reader r = {};
	struct pw_kstats ks;
	struct pw_health_opts health_opts;
	uint64_t last_tick = 0, last_stats, last_inventory;
	int n, exit_code = PW_EXIT_FAIL, health_on = 0;
	char err[1200], rules_buf[PATH_MAX];

	n = parse_args(argc, argv, &ro);
	if (n >= 0)
		return n;
	if (ro.loader.floor)
		pw_warn("--bench-floor: every program returns at once, nothing is seen\n");
	if (!ro.no_rules && !ro.pipeline.rules_path) {
		if (pw_rules_default_path(rules_buf, sizeof(rules_buf))) {
			fprintf(stderr,
				"privwatch run: no rules at %s nor in the source tree: give "
				"--rules PATH, or --no-rules to run without\n",
				PW_RULES_DIR);
			return PW_EXIT_USAGE;
		}
		ro.pipeline.rules_path = rules_buf;
	}

	/* No SA_RESTART: a signal must break the reader's epoll_wait. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &hup, NULL);
	signal(SIGPIPE, SIG_IGN);
	pw_clock_init();
	rc.lost_since_ns = now_ns(CLOCK_REALTIME);
	/* First: a port in use is a usage error, said before anything loads. */
	if (ro.http) {
		rc.http = pw_http_start(ro.http, &ro.ready, err, sizeof(err));
		if (!rc.http) {
			fprintf(stderr, "privwatch run: %s\n", err);
			exit_code = PW_EXIT_USAGE;
			goto cleanup;
		}
	}
	n = open_sinks(&rc, &ro);
	if (n) {
		exit_code = n;
		goto cleanup;
	}
	if (pw_pipeline_init(&rc.p, &ro.pipeline, rc.sinks, err, sizeof(err))) {
		pw_err("%s\n", err);
		goto cleanup;
	}

	if (pw_loader_start(&l, &ro.loader, err, sizeof(err))) {
		pw_err("%s\n", err);
		goto cleanup;
	}
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
	start_record(&rc, &l, ro.poll_ms);
	if (pw_health_blind(&rc.health)) {
		pw_err("privwatch is blind to part of what it watches (see the start record)\n");
		pw_health_record(&rc.health, "start");
	}
	hold_release(&rc);
	pw_pipeline_inventory(&rc.p, "start");
	pw_sinks_flush(rc.sinks);
	publish(&rc, &l, &r, 0);
	last_stats = last_inventory = now_ns(CLOCK_MONOTONIC);

	while (!stop_requested && !rc.p.write_failed) {
		uint64_t t;

		n = pw_reader_poll(&r, ro.poll_ms);
		if (n < 0 && n != -EINTR) {
			pw_err("reading the ring buffer: %s\n", strerror(-n));
			goto cleanup;
		}
		pw_http_heartbeat(rc.http, now_ns(CLOCK_MONOTONIC));
		pw_health_tick(&rc.health, now_ns(CLOCK_MONOTONIC));
		pw_pipeline_host_poll(&rc.p, now_ns(CLOCK_MONOTONIC));
		if (rc.health.alerts != rc.own_ids_alerts) { /* links attached again */
			rc.own_ids_alerts = rc.health.alerts;
			rc.p.o.n_own_bpf_ids = pw_loader_own_ids(&l, rc.own_ids, PW_OWN_IDS_MAX);
			publish(&rc, &l, &r, 0); /* a concern went blind: say so now */
		}
		pw_sinks_flush(rc.sinks);
		if (reload_requested) {
			reload_requested = 0;
			reload(&rc);
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
	if (pw_kstats_read(&l, &ks) == 0)
		lost_record(&rc, &l, &ks, &r.stats);
	stats_record(&rc, &l, &r, 1);
	/* Network sinks get a last chance to send the final records. */
	pw_sinks_stop(rc.sinks, 2000);
	exit_code = PW_EXIT_OK;
cleanup:
	pw_http_stop(rc.http);
	rc.http = NULL;
	if (health_on)
		pw_health_free(&rc.health);
	free(rc.hold.buf);
	pw_reader_close(&r);
	pw_loader_stop(&l);
	if (rc.sinks)
		pw_sinks_close(rc.sinks, 2000);
	pw_pipeline_free(&rc.p);
	return exit_code;
}
