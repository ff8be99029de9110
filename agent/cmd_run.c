// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* privwatch run: load, attach, stream events as JSON lines, report what was
 * lost, detach. stdout carries only JSON records; diagnostics go to stderr. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/utsname.h>
#include <bpf/libbpf.h>
#include "cli.h"
#include "container_table.h"
#include "containers.h"
#include "event_json.h"
#include "loader.h"
#include "log.h"
#include "privwatch.skel.h"
#include "reader.h"
#include "stats.h"
#include "timefmt.h"

#define PW_START_SCHEMA "privwatch.start/1"
#define DEFAULT_POLL_MS 10
#define OPT_CGROUP_V1 256 /* long-only options */

static volatile sig_atomic_t stop_requested;

static void on_stop_signal(int sig)
{
	stop_requested = 1;
}

struct run_ctx {
	struct jsonw w;
	FILE *out;
	int write_failed;
	struct pw_ctable table;
	uint64_t cgroup_records_lost; /* as last seen: a rise means the table is stale */
	uint64_t reconciles;
};

static void emit_line(struct run_ctx *rc)
{
	size_t len;
	const char *line = jw_line(&rc->w, &len);

	if (!line || fwrite(line, 1, len, rc->out) != len)
		rc->write_failed = 1;
	jw_reset(&rc->w);
}

/* The table follows the kernel's cgroup records; each event is then tagged
 * with the container of its cgroup as known at that point of the stream. */
static void on_event(void *ctx, const struct pw_event_kind *kind, const struct pw_event_header *h)
{
	struct run_ctx *rc = ctx;
	const struct pw_cgroup_event *cg = (const void *)h;
	struct pw_event_container view;
	struct pw_ct_container *c;

	if (h->type == PW_EVENT_CGROUP_MKDIR) {
		char path[PW_PATH_MAX + 1], comm[PW_COMM_LEN + 1];

		/* the record's strings are bounded, not always terminated */
		snprintf(path, sizeof(path), "%.*s", PW_PATH_MAX, cg->path);
		snprintf(comm, sizeof(comm), "%.*s", PW_COMM_LEN, h->comm);
		if (pw_ctable_mkdir_by(&rc->table, cg->id, cg->parent_id, path, comm) < 0)
			pw_warn("container table: out of memory, %s not tracked\n", path);
	}
	c = pw_ctable_lookup(&rc->table, h->cgroup_id);
	if (h->type == PW_EVENT_EXEC) {
		const struct pw_exec_event *e = (const void *)h;
		size_t alen = e->args_len < sizeof(e->args) ? e->args_len : sizeof(e->args);
		char file[PW_PATH_MAX + 1];

		snprintf(file, sizeof(file), "%.*s", PW_PATH_MAX, e->filename);
		if (c)
			pw_ctable_exec(&rc->table, c, h->pid, file, e->args, alen);
		else
			c = pw_ctable_exec_unknown(&rc->table, h->cgroup_id, h->pid, file,
						   e->args, alen);
	}
	if (c) {
		view = (struct pw_event_container){
			.id = c->ref.id,
			.name = c->meta.name,
			.runtime = pw_runtime_name(c->ref.runtime),
			.image = c->meta.image,
			.pod = c->meta.pod_name,
			.ns = c->meta.pod_namespace[0] ? c->meta.pod_namespace : c->ref.ns,
			.phase = pw_ct_phase_name(c->phase),
			.posture = c->posture_rc ? NULL : &c->posture,
		};
	}
	pw_event_to_json_ctx(&rc->w, kind, h, c ? &view : NULL);
	emit_line(rc);
	if (h->type == PW_EVENT_CGROUP_RMDIR)
		pw_ctable_rmdir(&rc->table, cg->id);
}

static void table_stats(const struct pw_ctable *t, struct pw_table_stats *s)
{
	s->tracked = t->containers;
	s->cgroups = t->cgroups;
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

struct id_list {
	uint64_t *v;
	size_t n, cap;
};

static int collect_id(uint64_t id, const char *path, void *ctx)
{
	struct id_list *l = ctx;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 1024;
		uint64_t *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = id;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * The table is kept current by cgroup records; when some were lost, it is
 * rebuilt from the hierarchy itself: ids that no longer exist are
 * forgotten, containers that do are (re)loaded. Reported on stderr and
 * counted in the final record.
 */
static void reconcile(struct run_ctx *rc, const struct pw_loader *l, uint64_t lost)
{
	struct id_list ids = {};
	struct pw_containers cs;
	size_t gone = 0, before;
	int n;

	n = pw_cgroup_walk(l->cgroup_mount, collect_id, &ids);
	if (n == 0) {
		qsort(ids.v, ids.n, sizeof(*ids.v), cmp_u64);
		gone = pw_ctable_prune(&rc->table, ids.v, ids.n);
	}
	free(ids.v);
	before = rc->table.containers;
	if (pw_containers_discover(&cs, l->cgroup_mount) == 0) {
		pw_ctable_load(&rc->table, &cs);
		pw_containers_free(&cs);
	}
	rc->reconciles++;
	pw_warn("%llu cgroup records lost: container table rebuilt from %s (%zu cgroup ids "
		"forgotten, %zu containers now, %zu before)\n",
		(unsigned long long)lost, l->cgroup_mount, gone, rc->table.containers, before);
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: privwatch run [options]\n\n"
		"Loads the sensors and prints one JSON object per event on stdout until\n"
		"SIGINT or SIGTERM, then a final privwatch.stats/1 record.\n\n"
		"  --cgroup PATH        watch only this cgroup directory and the cgroups below it\n"
		"                       (default: every cgroup except the root)\n"
		"  --cgroup-v1 CTRL     identify containers by their cgroup in this v1 controller's\n"
		"                       hierarchy (default: cgroup2; a v1 one where it is missing)\n"
		"  --mode MODE          auto (default), lsm or tracepoint\n"
		"  --ringbuf-size SIZE  ring buffer bytes, a power of two (default 8M)\n"
		"  --poll-ms N          reader poll interval, 1-1000 ms (default %d)\n"
		"  -v, --verbose        more diagnostics on stderr (twice: libbpf's too)\n"
		"  --help, --version\n",
		DEFAULT_POLL_MS);
}

static void start_record(struct run_ctx *rc, const struct pw_loader *l, int poll_ms)
{
	struct pw_table_stats ts0;
	char when[PW_TIME_LEN], host[256] = "";
	struct utsname u;
	struct timespec ts;
	int i, j;

	uname(&u);
	gethostname(host, sizeof(host) - 1);
	clock_gettime(CLOCK_REALTIME, &ts);
	pw_format_time((uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec, when);

	jw_obj_begin(&rc->w);
	jw_kv_str(&rc->w, "schema", PW_START_SCHEMA);
	jw_kv_str(&rc->w, "time", when);
	jw_kv_str(&rc->w, "version", PW_VERSION);
	jw_kv_str(&rc->w, "host", host);
	jw_kv_str(&rc->w, "kernel", u.release);
	jw_key(&rc->w, "concerns");
	jw_obj_begin(&rc->w);
	for (i = 0; i < pw_concern_count; i++) {
		const struct pw_choice *ch = &l->choices[i];
		const char *const *progs = ch->variant == PW_VARIANT_LSM ? ch->concern->lsm_progs
									: ch->concern->tp_progs;

		jw_key(&rc->w, ch->concern->name);
		jw_obj_begin(&rc->w);
		jw_kv_str(&rc->w, "mode", pw_variant_name(ch->variant));
		jw_key(&rc->w, "programs");
		jw_arr_begin(&rc->w);
		for (j = 0; ch->variant != PW_VARIANT_NONE && j < PW_CONCERN_PROGS && progs[j]; j++)
			jw_str(&rc->w, pw_program_section(l->skel->obj, progs[j]));
		jw_arr_end(&rc->w);
		jw_kv_str(&rc->w, "why", ch->why);
		jw_obj_end(&rc->w);
	}
	jw_obj_end(&rc->w);
	jw_key(&rc->w, "watch");
	jw_obj_begin(&rc->w);
	jw_kv_str(&rc->w, "mode", l->watch_mode == PW_WATCH_MAP ? "subtree" : "all-but-root");
	jw_kv_str(&rc->w, "hierarchy", l->cgroup_v1_ssid < 0 ? "cgroup2" : l->cgroup_v1_controller);
	jw_kv_str(&rc->w, "mount", l->cgroup_mount);
	if (l->watch_mode == PW_WATCH_MAP) {
		jw_kv_str(&rc->w, "path", l->watch_path);
		jw_kv_u64(&rc->w, "cgroup_id", l->watch_cgroup_id);
		jw_kv_u64(&rc->w, "cgroups", l->watched_at_start);
	}
	jw_obj_end(&rc->w);
	jw_kv_u64(&rc->w, "ringbuf_bytes", l->ringbuf_bytes);
	jw_kv_u64(&rc->w, "poll_ms", poll_ms);
	/* The baseline the final record's containers_tracked is compared to. */
	table_stats(&rc->table, &ts0);
	jw_kv_u64(&rc->w, "containers_tracked", ts0.tracked);
	jw_kv_u64(&rc->w, "container_cgroups", ts0.cgroups);
	jw_obj_end(&rc->w);
	emit_line(rc);
}

static int parse_args(int argc, char **argv, struct pw_loader_opts *o, int *poll_ms)
{
	static const struct option opts[] = {
		{ "cgroup", required_argument, NULL, 'c' },
		{ "cgroup-v1", required_argument, NULL, OPT_CGROUP_V1 },
		{ "mode", required_argument, NULL, 'm' },
		{ "ringbuf-size", required_argument, NULL, 'r' },
		{ "poll-ms", required_argument, NULL, 'p' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{},
	};
	int c, verbose = 0;
	char *end;

	while ((c = getopt_long(argc, argv, "c:m:r:p:vhV", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->cgroup_path = optarg;
			break;
		case OPT_CGROUP_V1:
			o->cgroup_v1 = optarg;
			break;
		case 'm':
			if (pw_mode_parse(optarg, &o->mode)) {
				fprintf(stderr, "privwatch run: --mode must be auto, lsm or tracepoint, not '%s'\n",
					optarg);
				return PW_EXIT_USAGE;
			}
			break;
		case 'r':
			if (pw_ringbuf_size_parse(optarg, &o->ringbuf_bytes)) {
				fprintf(stderr, "privwatch run: --ringbuf-size '%s': need a power of two "
						"from the page size to 1G, e.g. 8M\n", optarg);
				return PW_EXIT_USAGE;
			}
			break;
		case 'p':
			*poll_ms = strtol(optarg, &end, 10);
			if (*end || *poll_ms < 1 || *poll_ms > 1000) {
				fprintf(stderr, "privwatch run: --poll-ms '%s': need 1 to 1000\n", optarg);
				return PW_EXIT_USAGE;
			}
			break;
		case 'v':
			verbose++;
			break;
		case 'h':
			usage(stdout);
			return PW_EXIT_OK;
		case 'V':
			pw_print_version();
			return PW_EXIT_OK;
		default:
			usage(stderr);
			return PW_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "privwatch run: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return PW_EXIT_USAGE;
	}
	pw_log_set_level(verbose >= 2 ? PW_LOG_TRACE : verbose ? PW_LOG_DEBUG : PW_LOG_WARN);
	return -1; /* go on */
}

int pw_cmd_run(int argc, char **argv)
{
	struct pw_loader_opts o = { .mode = PW_MODE_AUTO };
	struct run_ctx rc = { .out = stdout };
	struct sigaction sa = { .sa_handler = on_stop_signal };
	struct pw_loader l = {};
	struct pw_reader r = {};
	struct pw_kstats ks;
	struct pw_table_stats ts;
	struct pw_containers cs;
	int poll_ms = DEFAULT_POLL_MS, n, exit_code = PW_EXIT_FAIL, polls = 0;
	char err[512];

	n = parse_args(argc, argv, &o, &poll_ms);
	if (n >= 0)
		return n;

	/* No SA_RESTART: a signal must break the reader's epoll_wait. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	pw_clock_init();
	jw_init(&rc.w);
	if (pw_ctable_init(&rc.table, "/", 1)) {
		pw_err("out of memory\n");
		goto cleanup;
	}

	if (pw_loader_start(&l, &o, err, sizeof(err))) {
		pw_err("%s\n", err);
		goto cleanup;
	}
	n = pw_reader_open(&r, bpf_map__fd(l.skel->maps.events), &rc);
	if (n) {
		pw_err("cannot read the ring buffer: %s\n", strerror(-n));
		goto cleanup;
	}
	r.fallback = on_event;
	/* After attaching: a container made meanwhile is seen by the walk, by
	 * its mkdir record, or both (then the record is a no-op). */
	n = pw_containers_discover(&cs, l.cgroup_mount);
	if (n)
		pw_warn("discovering running containers in %s: %s\n", l.cgroup_mount, strerror(-n));
	else if ((n = pw_ctable_load(&rc.table, &cs)))
		pw_warn("container table: %s\n", strerror(-n));
	pw_containers_free(&cs);
	start_record(&rc, &l, poll_ms);
	fflush(rc.out);

	while (!stop_requested && !rc.write_failed) {
		n = pw_reader_poll(&r, poll_ms);
		if (n < 0 && n != -EINTR) {
			pw_err("reading the ring buffer: %s\n", strerror(-n));
			goto cleanup;
		}
		if (n > 0 && fflush(rc.out))
			rc.write_failed = 1;
		/* Once a second: were cgroup records lost since? */
		if (++polls * poll_ms >= 1000) {
			polls = 0;
			if (pw_kstats_read(&l, &ks) == 0 &&
			    cgroup_records_lost(&ks) > rc.cgroup_records_lost) {
				rc.cgroup_records_lost = cgroup_records_lost(&ks);
				reconcile(&rc, &l, rc.cgroup_records_lost);
			}
		}
	}
	if (rc.write_failed) {
		pw_err("writing to stdout failed: %s\n", strerror(errno));
		goto cleanup;
	}
	/* Detach first so the counters stop moving, then drain what is left:
	 * the final record's events then equal kernel_sent unless lost. */
	pw_loader_detach(&l);
	pw_reader_poll(&r, 0);
	exit_code = PW_EXIT_OK;
	if (pw_kstats_read(&l, &ks) == 0) {
		table_stats(&rc.table, &ts);
		ts.reconciles = rc.reconciles;
		pw_stats_to_json(&rc.w, &ks, &r.stats, &ts, 1);
		emit_line(&rc);
	}
	fflush(rc.out);
cleanup:
	pw_reader_close(&r);
	pw_loader_stop(&l);
	pw_ctable_free(&rc.table);
	jw_free(&rc.w);
	return exit_code;
}
