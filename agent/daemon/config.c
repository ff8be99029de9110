// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * privwatch run's options, from the command line and the configuration
 * file, through one table (config.h says why).
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <jansson.h>
#include "daemon/config.h"
#include "capture/bundle.h"
#include "daemon/http.h"
#include "events/posture_model.h"
#include "kernel/feature_probe.h"
#include "kernel/loader.h"
#include "sinks/sinks.h"

#define SRC_FILE 1
#define SRC_CLI	 2

static int check_nonempty(const char *v, char *err, size_t errlen)
{
	if (*v)
		return 0;
	snprintf(err, errlen, "must not be empty");
	return -1;
}

static int check_abs(const char *v, char *err, size_t errlen)
{
	if (v[0] == '/')
		return 0;
	snprintf(err, errlen, "need an absolute path");
	return -1;
}

static int check_capture_dir(const char *v, char *err, size_t errlen)
{
	if (!strcmp(v, "none") || v[0] == '/')
		return 0;
	snprintf(err, errlen, "need an absolute path, or none");
	return -1;
}

static int check_ringbuf(const char *v, char *err, size_t errlen)
{
	uint64_t n;

	if (!pw_ringbuf_size_parse(v, &n))
		return 0;
	snprintf(err, errlen, "need a power of two from the page size to 1G, e.g. 8M");
	return -1;
}

static int check_variant(const char *v, char *err, size_t errlen)
{
	unsigned int skip[PW_MAX_CONCERNS] = {};

	return pw_variant_skip_parse(v, skip, err, errlen) ? -1 : 0;
}

static int check_mount(const char *v, char *err, size_t errlen)
{
	if (v[0] == '/' && strlen(v) < PW_MOUNT_PATH_LEN)
		return 0;
	snprintf(err, errlen, "need an absolute path (PATH, or PATH/** for what is below too)");
	return -1;
}

int pw_budget_parse(const char *arg, uint64_t *rate_out, uint64_t *burst_out)
{
	unsigned long long rate, burst;
	char *end;

	rate = strtoull(arg, &end, 10);
	burst = rate * 10;
	if (end != arg && *end == '/')
		burst = strtoull(end + 1, &end, 10);
	if (end == arg || *end || rate > 10000000 || (rate && !burst) || burst > 1000000000)
		return -1;
	*rate_out = rate;
	*burst_out = rate ? burst : 0;
	return 0;
}

static int check_budget(const char *v, char *err, size_t errlen)
{
	uint64_t r, b;

	if (!pw_budget_parse(v, &r, &b))
		return 0;
	snprintf(err, errlen,
		 "need RATE[/BURST], events per second per container and the burst above "
		 "it, e.g. 20000/200000 (0: no budget)");
	return -1;
}

/* A SPEC, parsed by the sinks themselves: nothing is opened. */
static int check_sink(const char *v, char *err, size_t errlen)
{
	struct pw_sinks *s = pw_sinks_new();
	int rc;

	if (!s) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rc = pw_sinks_add(s, v, err, errlen);
	pw_sinks_close(s, 0);
	return rc ? -1 : 0;
}

static const char *const modes[] = { "auto", "lsm", "tracepoint", NULL };
static const char *const formats[] = { "native", "ecs", NULL };

static int check_http(const char *v, char *err, size_t errlen)
{
	char addr[64];
	unsigned short port;

	return strcmp(v, "none") ? pw_http_parse(v, addr, sizeof(addr), &port, err, errlen) : 0;
}

static int check_abs_or_none(const char *v, char *err, size_t errlen)
{
	if (v[0] == '/' || !strcmp(v, "none"))
		return 0;
	snprintf(err, errlen, "need an absolute path, or none");
	return -1;
}

static int check_control(const char *v, char *err, size_t errlen)
{
	if (v[0] == '/' || !strcmp(v, "none") || !strcmp(v, "auto"))
		return 0;
	snprintf(err, errlen, "need an absolute path, auto or none");
	return -1;
}

static int check_pin_dir(const char *v, char *err, size_t errlen)
{
	if (v[0] == '/' && v[1])
		return 0;
	snprintf(err, errlen, "need an absolute path below a bpffs mount");
	return -1;
}

static int check_share(const char *v, char *err, size_t errlen)
{
	char *end;
	double r = strtod(v, &end);

	if (*v && !*end && r >= 0 && r <= 1)
		return 0;
	snprintf(err, errlen, "need a share from 0 to 1, e.g. 0.01");
	return -1;
}

#define LIVE	PW_RELOAD_LIVE
#define RESTART PW_RELOAD_RESTART

/* In --help order. */
const struct pw_opt_def pw_config_opts[PW_O_COUNT] = {
	[PW_O_RULES] = { "rules", "rules", 0, PW_OPT_LIST, .max = 32, .check = check_nonempty,
			 .reload = LIVE, .one_str_ok = 1, .arg = "PATH",
			 .help = "rule file or directory (repeatable: layered in order;\n"
				 "default: /etc/privwatch/rules.d, else the rules/\n"
				 "directory of the source tree)" },
	[PW_O_NO_RULES] = { "no-rules", "no_rules", 0, PW_OPT_BOOL, .reload = LIVE,
			    .help = "no rules: with --events, a plain event stream" },
	[PW_O_DISABLE_RULE] = { "disable-rule", "disable_rule", 0, PW_OPT_LIST, .max = 64,
				.check = check_nonempty, .reload = LIVE, .arg = "ID",
				.help = "leave a rule out (repeatable)" },
	[PW_O_EVENTS] = { "events", "events", 0, PW_OPT_BOOL, .reload = LIVE,
			  .help = "also write every event (privwatch.event/1)" },
	[PW_O_OUTPUT] = { "output", "output", 0, PW_OPT_SINKS, .max = 32, .check = check_sink,
			  .reload = LIVE, .arg = "SPEC",
			  .help = "where lines go (repeatable; default stdout): stdout,\n"
				  "file:PATH, syslog, syslog:udp:HOST:PORT, syslog:tcp:HOST:PORT,\n"
				  "syslog:tls:HOST:PORT (RFC 5425), tcp:HOST:PORT, tls:HOST:PORT,\n"
				  "unix:PATH, http:URL; options KIND,KEY=VALUE,...: min=,\n"
				  "format=native|ecs, queue=, ...; TLS: ca=PATH, cert=PATH,\n"
				  "key=PATH, name=NAME; http: preset=webhook|splunk|elastic,\n"
				  "token=, index=, batch=N (docs/sinks.md)" },
	[PW_O_FORMAT] = { "format", "format", 0, PW_OPT_ENUM, .def_str = "native",
			  .values = formats, .reload = LIVE, .arg = "FORMAT",
			  .help = "native or ecs (Elastic Common Schema): of the outputs\n"
				  "without format=" },
	[PW_O_FOLD_WINDOW] = { "fold-window", "fold_window", 0, PW_OPT_INT, 0, 86400, 10,
			       .reload = LIVE, .arg = "SEC",
			       .help = "identical alerts within SEC seconds are folded into one\n"
				       "with a count (0: never fold)" },
	[PW_O_STATS_INTERVAL] = { "stats-interval", "stats_interval", 0, PW_OPT_INT, 0, 86400, 60,
				  .reload = LIVE, .arg = "SEC",
				  .help = "a privwatch.stats/1 record every SEC seconds (0: off)" },
	[PW_O_INVENTORY_INTERVAL] = { "inventory-interval", "inventory_interval", 0, PW_OPT_INT, 0,
				      7 * 86400, 900, .reload = LIVE, .arg = "SEC",
				      .help = "a privwatch.inventory/1 record (every container, its\n"
					      "mode, PSS level and relaxed dimensions) at start and\n"
					      "every SEC seconds (0: at start only)" },
	[PW_O_STATE_FILE] = { "state-file", "state_file", 0, PW_OPT_STR, .check = check_abs,
			      .reload = RESTART, .arg = "PATH",
			      .help = "remember the container starts reported, so that a\n"
				      "restart does not report the running ones again\n"
				      "(the service: /var/lib/privwatch/started.json)" },
	[PW_O_SENSITIVE_MOUNT] = { "sensitive-mount", "sensitive_mount", 0, PW_OPT_LIST,
				   .max = PW_SENSITIVE_MAX, .check = check_mount, .reload = RESTART,
				   .arg = "PATH",
				   .help = "also report this host path mounted into a container\n"
					   "(PATH/** for what is below it too; repeatable)" },
	[PW_O_CGROUP] = { "cgroup", "cgroup", 'c', PW_OPT_STR, .check = check_nonempty,
			  .reload = RESTART, .arg = "PATH",
			  .help = "watch only this cgroup directory and the cgroups below it\n"
				  "(default: every cgroup except the root)" },
	[PW_O_CGROUP_V1] = { "cgroup-v1", "cgroup_v1", 0, PW_OPT_STR, .check = check_nonempty,
			     .reload = RESTART, .arg = "CTRL",
			     .help = "identify containers by their cgroup in this v1 controller's\n"
				     "hierarchy (default: cgroup2; a v1 one where it is missing)" },
	[PW_O_MODE] = { "mode", "mode", 'm', PW_OPT_ENUM, .def_str = "auto", .values = modes,
			.reload = RESTART, .arg = "MODE", .help = "auto, lsm or tracepoint" },
	[PW_O_NO_VARIANT] = { "no-variant", "no_variant", 0, PW_OPT_LIST, .max = 64,
			      .check = check_variant, .reload = RESTART, .arg = "[CONCERN:]KIND",
			      .help = "never use this kind of hook (lsm, tracepoint, fentry,\n"
				      "kprobe), for one concern or all (repeatable;\n"
				      "privwatch probe shows the order)" },
	[PW_O_CANARY_INTERVAL] = { "canary-interval", "canary_interval", 0, PW_OPT_INT, 0, 86400,
				   300, .reload = LIVE, .arg = "SEC",
				   .help = "prove every concern with the canary every SEC seconds\n"
					   "(0: only at start)" },
	[PW_O_CANARY_TIMEOUT] = { "canary-timeout", "canary_timeout", 0, PW_OPT_INT, 1, 600, 10,
				  .reload = LIVE, .arg = "SEC",
				  .help = "a canary round that has not ended by then is killed" },
	[PW_O_CONTAINER_BUDGET] = { "container-budget", "container_budget", 0, PW_OPT_STR,
				    .def_str = "20000/200000", .check = check_budget,
				    .reload = RESTART, .arg = "RATE[/BURST]",
				    .help = "events per second each container may send, and the\n"
					    "burst above it (0: none): one container's flood costs\n"
					    "its own events, counted against it" },
	[PW_O_TRUST_LSM_ATTACH] = { "trust-lsm-attach", "trust_lsm_attach", 0, PW_OPT_BOOL,
				    .reload = RESTART,
				    .help = "testing: use LSM programs that attach even where the\n"
					    "kernel does not list the BPF LSM as active (the canary\n"
					    "decides)" },
	[PW_O_RINGBUF_SIZE] = { "ringbuf-size", "ringbuf_size", 'r', PW_OPT_STR, .def_str = "8M",
				.check = check_ringbuf, .reload = RESTART, .arg = "SIZE",
				.help = "ring buffer bytes, a power of two" },
	[PW_O_POLL_MS] = { "poll-ms", "poll_ms", 'p', PW_OPT_INT, 1, 1000, 10, .reload = LIVE,
			   .arg = "N", .help = "reader poll interval in ms" },
	[PW_O_READ_DEADLINE_MS] = { "read-deadline-ms", "read_deadline_ms", 0, PW_OPT_INT, 1,
				    600000, 2000, .reload = RESTART, .arg = "N",
				    .help = "a read of a container's files (its /proc, /dev, mount\n"
					    "table, runtime state) not back by then is given up:\n"
					    "posture unknown, PW-0010" },
	[PW_O_HOLD_MS] = { "hold-ms", "hold_ms", 0, PW_OPT_INT, 1, 600000, 5000, .reload = LIVE,
			   .arg = "N",
			   .help = "a container's events wait at most this long for its\n"
				   "runtime state and posture" },
	[PW_O_HTTP] = { "http", "http", 0, PW_OPT_STR, .def_str = PW_HTTP_DEFAULT,
			.check = check_http, .reload = RESTART, .arg = "ADDR:PORT",
			.help = "serve /healthz, /readyz and /metrics (Prometheus) there\n"
				"(none: no HTTP endpoint; docs/operations.md)" },
	[PW_O_READY_MAX_DROP_RATE] = { "ready-max-drop-rate", "ready_max_drop_rate", 0, PW_OPT_STR,
				       .def_str = "0.01", .check = check_share, .reload = RESTART,
				       .arg = "R",
				       .help = "/readyz fails while the kernel dropped more than this\n"
					       "share of its records over the last 10 s" },
	[PW_O_LOCK_FILE] = { "lock-file", "lock_file", 0, PW_OPT_STR,
			     .def_str = PW_LOCK_FILE_DEFAULT, .check = check_abs_or_none,
			     .reload = RESTART, .arg = "PATH",
			     .help = "one agent per host: refuse to start while another holds\n"
				     "this lock (none: no lock; tests, a second agent on purpose)" },
	[PW_O_CONTROL] = { "control", "control", 0, PW_OPT_STR, .def_str = "auto",
			   .check = check_control, .reload = RESTART, .arg = "PATH",
			   .help = "the control socket privwatch capture take asks (0600;\n"
				   "auto: control.sock beside the lock file, none without\n"
				   "a lock; none: no control socket)" },
	[PW_O_KEEP_SENSORS] = { "keep-sensors", "keep_sensors", 0, PW_OPT_BOOL, .reload = RESTART,
				.help = "pin the programs, maps and ring buffer under --pin-dir\n"
					"and leave them there at exit: the next agent started\n"
					"with it reads the records written meanwhile" },
	[PW_O_PIN_DIR] = { "pin-dir", "pin_dir", 0, PW_OPT_STR, .def_str = PW_PIN_DIR_DEFAULT,
			   .check = check_pin_dir, .reload = RESTART, .arg = "DIR",
			   .help = "bpffs directory of --keep-sensors (removed by a stop\n"
				   "without it)" },
	[PW_O_VERBOSE] = { "verbose", "verbose", 'v', PW_OPT_COUNT, 0, 2, 0, .reload = LIVE,
			   .help = "more diagnostics on stderr (twice: libbpf's too);\n"
				   "key: 0, 1 or 2" },
	[PW_O_CAPTURE_DIR] = { "capture-dir", "capture_dir", 0, PW_OPT_STR,
			       .def_str = PW_CAPTURE_DIR, .check = check_capture_dir,
			       .reload = RESTART, .arg = "PATH",
			       .help = "forensic capture bundles go there (0700, refused if a\n"
				       "symlink or group/world-writable; none: no captures;\n"
				       "docs/capture.md)" },
	[PW_O_CAPTURE_WINDOW_S] = { "capture-window-s", "capture_window_s", 0, PW_OPT_INT, 1, 600,
				    10, .reload = RESTART, .arg = "N",
				    .help = "a capture keeps a container's records this long after\n"
					    "its trigger (a rule's capture_window_s wins)" },
	[PW_O_CAPTURE_INTERVAL_S] = { "capture-interval-s", "capture_interval_s", 0, PW_OPT_INT, 0,
				      86400, 60, .reload = RESTART, .arg = "N",
				      .help = "at most one new capture per container and per rule\n"
					      "this often (skips counted, said in the alert)" },
	[PW_O_CAPTURE_MAX_BUNDLES] = { "capture-max-bundles", "capture_max_bundles", 0, PW_OPT_INT,
				       1, 100000, 100, .reload = RESTART, .arg = "N",
				       .help = "bundles kept on disk; the oldest are removed" },
	[PW_O_CAPTURE_MAX_MIB] = { "capture-max-mib", "capture_max_mib", 0, PW_OPT_INT, 1, 1048576,
				   1024, .reload = RESTART, .arg = "N",
				   .help = "MiB of bundles kept on disk; the oldest are removed" },
	[PW_O_CAPTURE_REDACT] = { "capture-redact", "capture_redact", 0, PW_OPT_LIST, .max = 32,
				  .check = check_nonempty, .reload = RESTART, .arg = "PATTERN",
				  .help = "environment keys whose values a capture redacts (glob,\n"
					  "any case; repeatable; default *TOKEN* *PASSWORD*\n"
					  "*PASSWD* *SECRET* *KEY* *CREDENTIAL* AWS_*)" },
	[PW_O_CAPTURE_EXE_MAX_MIB] = { "capture-exe-max-mib", "capture_exe_max_mib", 0, PW_OPT_INT,
				       0, 256, 8, .reload = RESTART, .arg = "N",
				       .help = "a capture copies each process's executable up to this\n"
					       "size into its bundle (0: hashes only)" },
	[PW_O_RECORDER_SECONDS] = { "recorder-seconds", "recorder_seconds", 0, PW_OPT_INT, 1, 3600,
				    30, .reload = RESTART, .arg = "N",
				    .help = "the flight recorder keeps each container's records\n"
					    "this long (a capture's history before its trigger)" },
	[PW_O_RECORDER_RECORDS] = { "recorder-records", "recorder_records", 0, PW_OPT_INT, 10,
				    1000000, 2000, .reload = RESTART, .arg = "N",
				    .help = "... and at most this many (1 MiB per container,\n"
					    "64 MiB in all)" },
};

static void list_free(struct pw_strlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static int list_add(struct pw_strlist *l, const char *s)
{
	char **v = realloc(l->v, (l->n + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	l->v = v;
	v[l->n] = strdup(s);
	if (!v[l->n])
		return -ENOMEM;
	l->n++;
	return 0;
}

static void val_reset(struct pw_opt_val *v)
{
	free(v->s);
	v->s = NULL;
	list_free(&v->l);
}

void pw_config_init(struct pw_config *c)
{
	int i;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < PW_O_COUNT; i++) {
		c->v[i].i = pw_config_opts[i].def;
		if (pw_config_opts[i].def_str)
			c->v[i].s = strdup(pw_config_opts[i].def_str);
	}
}

void pw_config_free(struct pw_config *c)
{
	int i;

	for (i = 0; i < PW_O_COUNT; i++)
		val_reset(&c->v[i]);
	list_free(&c->files);
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static const char *json_type_name(const json_t *j)
{
	switch (json_typeof(j)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	default: return "null";
	}
}

static void enum_list(const char *const *values, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (; *values && off < len; values++)
		off += snprintf(buf + off, len - off, "%s%s", off ? ", " : "", *values);
}

/* One string value of option d (an element of a list too): 0, or -1 with
 * the reason in why. */
static int check_str(const struct pw_opt_def *d, const char *s, char *why, size_t len)
{
	char vals[256];
	size_t i;

	if (d->type == PW_OPT_ENUM) {
		for (i = 0; d->values[i]; i++)
			if (!strcmp(d->values[i], s))
				return 0;
		enum_list(d->values, vals, sizeof(vals));
		return fail(why, len, "unknown value \"%s\" (one of: %s)", s, vals);
	}
	if (d->check && d->check(s, why, len))
		return -1;
	return 0;
}

/* The keys of a sink object, turned into a SPEC: KIND[,k=v]...[:to]. */
const char *const pw_config_sink_keys[] = { "kind",   "to",	  "min",   "format", "max", "keep",
					    "queue",  "facility", "ca",	   "cert",   "key", "name",
					    "preset", "token",	  "index", "batch",  NULL };

static int sink_spec(const json_t *o, const char *key, size_t idx, char *spec, size_t len,
		     char *why, size_t whylen)
{
	const char *k, *kind = NULL, *to = NULL;
	json_t *v;
	size_t off, i;
	char num[32];

	json_object_foreach((json_t *)o, k, v)
	{
		for (i = 0; pw_config_sink_keys[i] && strcmp(pw_config_sink_keys[i], k); i++)
			;
		if (!pw_config_sink_keys[i])
			return fail(why, whylen,
				    "%s[%zu].%s: unknown key (one of: kind, to, min, format, max, "
				    "keep, queue, facility, ca, cert, key, name, preset, token, "
				    "index, batch)",
				    key, idx, k);
		if (!strcmp(k, "keep") || !strcmp(k, "queue") || !strcmp(k, "batch")) {
			if (!json_is_integer(v) || json_integer_value(v) < 0)
				return fail(why, whylen, "%s[%zu].%s: need an integer >= 0, not %s",
					    key, idx, k, json_type_name(v));
		} else if (!strcmp(k, "max")) {
			if (!json_is_string(v) && !json_is_integer(v))
				return fail(why, whylen,
					    "%s[%zu].%s: need a size (\"10M\" or bytes), not %s",
					    key, idx, k, json_type_name(v));
		} else if (!json_is_string(v)) {
			return fail(why, whylen, "%s[%zu].%s: need a string, not %s", key, idx, k,
				    json_type_name(v));
		}
	}
	v = json_object_get(o, "kind");
	if (!v)
		return fail(why, whylen, "%s[%zu]: \"kind\" missing", key, idx);
	kind = json_string_value(v);
	if (strchr(kind, ',') || strchr(kind, ':'))
		return fail(why, whylen, "%s[%zu].kind: unknown value \"%s\"", key, idx, kind);
	to = json_string_value(json_object_get(o, "to"));
	off = snprintf(spec, len, "%s", kind);
	for (i = 2; pw_config_sink_keys[i]; i++) {
		v = json_object_get(o, pw_config_sink_keys[i]);
		if (!v)
			continue;
		if (json_is_integer(v))
			snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
		off += snprintf(spec + off, off < len ? len - off : 0, ",%s=%s",
				pw_config_sink_keys[i],
				json_is_integer(v) ? num : json_string_value(v));
	}
	if (to)
		off += snprintf(spec + off, off < len ? len - off : 0, ":%s", to);
	if (off >= len)
		return fail(why, whylen, "%s[%zu]: too long", key, idx);
	return 0;
}

/* One key of a file: parsed, checked, set in c. */
static int set_from_json(struct pw_config *c, const struct pw_opt_def *d, struct pw_opt_val *v,
			 json_t *j, const char *file, char *err, size_t errlen)
{
	char why[512], spec[4096];
	struct pw_strlist l = {};
	json_t *e;
	size_t i;
	json_int_t n;

	if (json_is_null(j)) { /* back to the default: a drop-in can unset */
		val_reset(v);
		v->i = d->def;
		if (d->def_str && !(v->s = strdup(d->def_str)))
			return fail(err, errlen, "out of memory");
		goto set;
	}
	switch (d->type) {
	case PW_OPT_BOOL:
		if (!json_is_boolean(j))
			return fail(err, errlen, "%s: %s: need true or false, not %s", file, d->key,
				    json_type_name(j));
		v->i = json_is_true(j);
		break;
	case PW_OPT_INT:
	case PW_OPT_COUNT:
		if (!json_is_integer(j))
			return fail(err, errlen, "%s: %s: need an integer, not %s", file, d->key,
				    json_type_name(j));
		n = json_integer_value(j);
		if (n < d->min || n > d->max)
			return fail(err, errlen, "%s: %s: %lld out of bounds (%ld to %ld)", file,
				    d->key, (long long)n, d->min, d->max);
		v->i = n;
		break;
	case PW_OPT_STR:
	case PW_OPT_ENUM:
		if (!json_is_string(j))
			return fail(err, errlen, "%s: %s: need a string, not %s", file, d->key,
				    json_type_name(j));
		if (check_str(d, json_string_value(j), why, sizeof(why)))
			return fail(err, errlen, "%s: %s: %s", file, d->key, why);
		free(v->s);
		v->s = strdup(json_string_value(j));
		if (!v->s)
			return fail(err, errlen, "out of memory");
		break;
	case PW_OPT_LIST:
	case PW_OPT_SINKS:
		if (d->one_str_ok && json_is_string(j)) {
			if (check_str(d, json_string_value(j), why, sizeof(why)))
				return fail(err, errlen, "%s: %s: %s", file, d->key, why);
			if (list_add(&l, json_string_value(j)))
				return fail(err, errlen, "out of memory");
			list_free(&v->l);
			v->l = l;
			break;
		}
		if (!json_is_array(j))
			return fail(err, errlen, "%s: %s: need %s, not %s", file, d->key,
				    d->one_str_ok ? "a string or an array" : "an array",
				    json_type_name(j));
		if ((long)json_array_size(j) > d->max)
			return fail(err, errlen, "%s: %s: more than %ld entries", file, d->key,
				    d->max);
		json_array_foreach(j, i, e)
		{
			const char *s = json_string_value(e);

			if (d->type == PW_OPT_SINKS && json_is_object(e)) {
				if (sink_spec(e, d->key, i, spec, sizeof(spec), why, sizeof(why))) {
					list_free(&l);
					return fail(err, errlen, "%s: %s", file, why);
				}
				s = spec;
			} else if (!s) {
				list_free(&l);
				return fail(err, errlen, "%s: %s[%zu]: need a string%s, not %s",
					    file, d->key, i,
					    d->type == PW_OPT_SINKS ? " or an object" : "",
					    json_type_name(e));
			}
			if (check_str(d, s, why, sizeof(why))) {
				list_free(&l);
				return fail(err, errlen, "%s: %s[%zu]: %s", file, d->key, i, why);
			}
			if (list_add(&l, s)) {
				list_free(&l);
				return fail(err, errlen, "out of memory");
			}
		}
		list_free(&v->l);
		v->l = l;
		break;
	}
set:
	v->set = SRC_FILE;
	snprintf(v->src, sizeof(v->src), "%s", file);
	return 0;
}

static int load_json(struct pw_config *c, json_t *root, const char *file, char *err, size_t errlen)
{
	const char *k;
	json_t *j;
	int i;

	if (!json_is_object(root))
		return fail(err, errlen, "%s: need a JSON object at the top, not %s", file,
			    json_type_name(root));
	json_object_foreach(root, k, j)
	{
		/* Notes for people: "_comment", and any key starting with '_'. */
		if (k[0] == '_')
			continue;
		for (i = 0; i < PW_O_COUNT && strcmp(pw_config_opts[i].key, k); i++)
			;
		if (i == PW_O_COUNT)
			return fail(err, errlen, "%s: %s: unknown key", file, k);
		if (set_from_json(c, &pw_config_opts[i], &c->v[i], j, file, err, errlen))
			return -1;
	}
	return list_add(&c->files, file) ? fail(err, errlen, "out of memory") : 0;
}

int pw_config_load_string(struct pw_config *c, const char *text, const char *name, char *err,
			  size_t errlen)
{
	json_error_t je;
	json_t *root = json_loads(text, JSON_REJECT_DUPLICATES, &je);
	int rc;

	if (!root)
		return fail(err, errlen, "%s:%d:%d: %s", name, je.line, je.column, je.text);
	rc = load_json(c, root, name, err, errlen);
	json_decref(root);
	return rc;
}

static int load_file(struct pw_config *c, const char *path, char *err, size_t errlen)
{
	json_error_t je;
	json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
	int rc;

	if (!root) {
		if (je.line < 0 || je.line == 0)
			return fail(err, errlen, "%s: %s", path, je.text);
		return fail(err, errlen, "%s:%d:%d: %s", path, je.line, je.column, je.text);
	}
	rc = load_json(c, root, path, err, errlen);
	json_decref(root);
	return rc;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The .json files of privwatch.d beside path, in strcmp order. */
static int load_dropins(struct pw_config *c, const char *path, char *err, size_t errlen)
{
	char dir[4096], file[8192];
	const char *slash = strrchr(path, '/');
	struct pw_strlist names = {};
	struct dirent *de;
	size_t i, n;
	DIR *d;
	int rc = 0;

	if (slash)
		snprintf(dir, sizeof(dir), "%.*s/%s", (int)(slash - path), path, PW_CONFIG_DROPIN);
	else
		snprintf(dir, sizeof(dir), "%s", PW_CONFIG_DROPIN);
	d = opendir(dir);
	if (!d) {
		if (errno == ENOENT)
			return 0;
		return fail(err, errlen, "%s: %s", dir, strerror(errno));
	}
	while ((de = readdir(d))) {
		n = strlen(de->d_name);
		if (de->d_name[0] == '.' || n < 6 || strcmp(de->d_name + n - 5, ".json"))
			continue;
		if (list_add(&names, de->d_name)) {
			rc = fail(err, errlen, "out of memory");
			goto out;
		}
	}
	qsort(names.v, names.n, sizeof(*names.v), by_name);
	for (i = 0; i < names.n && !rc; i++) {
		snprintf(file, sizeof(file), "%s/%s", dir, names.v[i]);
		rc = load_file(c, file, err, errlen);
	}
out:
	closedir(d);
	list_free(&names);
	return rc;
}

int pw_config_load(struct pw_config *c, const char *path, char *err, size_t errlen)
{
	struct stat st;

	c->path_given = path != NULL;
	if (!path)
		path = PW_CONFIG_DEFAULT;
	snprintf(c->path, sizeof(c->path), "%s", path);
	if (stat(path, &st)) {
		if (errno == ENOENT && !c->path_given) {
			c->path[0] = '\0';
			/* Drop-ins without a main file still count. */
			return load_dropins(c, path, err, errlen);
		}
		return fail(err, errlen, "%s: %s", path, strerror(errno));
	}
	if (load_file(c, path, err, errlen))
		return -1;
	return load_dropins(c, path, err, errlen);
}

/* Values from the command line, checked as the file's are. */
static int set_from_arg(struct pw_opt_val *v, const struct pw_opt_def *d, const char *arg,
			char *err, size_t errlen)
{
	char why[512];
	char *end;
	long n;

	switch (d->type) {
	case PW_OPT_BOOL: v->i = 1; break;
	case PW_OPT_COUNT:
		if (v->set != SRC_CLI)
			v->i = 0;
		if (v->i < d->max)
			v->i++;
		break;
	case PW_OPT_INT:
		errno = 0;
		n = strtol(arg, &end, 10);
		if (!*arg || *end || errno || n < d->min || n > d->max)
			return fail(err, errlen, "--%s '%s': need %ld to %ld", d->name, arg, d->min,
				    d->max);
		v->i = n;
		break;
	case PW_OPT_STR:
	case PW_OPT_ENUM:
		if (check_str(d, arg, why, sizeof(why)))
			return fail(err, errlen, "--%s '%s': %s", d->name, arg, why);
		free(v->s);
		v->s = strdup(arg);
		break;
	case PW_OPT_LIST:
	case PW_OPT_SINKS:
		if (v->set != SRC_CLI)
			list_free(&v->l); /* the command line's list replaces the default */
		if ((long)v->l.n >= d->max)
			return fail(err, errlen, "more than %ld --%s", d->max, d->name);
		if (check_str(d, arg, why, sizeof(why)))
			return fail(err, errlen, "--%s '%s': %s", d->name, arg, why);
		if (list_add(&v->l, arg))
			return fail(err, errlen, "out of memory");
		break;
	}
	v->set = SRC_CLI;
	v->src[0] = '\0';
	return 0;
}

int pw_config_parse_args(struct pw_config *c, int argc, char **argv, const char **config,
			 int *action, char *err, size_t errlen)
{
	struct option longs[PW_O_COUNT + 4];
	char shorts[64] = "+", *sp = shorts + 1;
	int i, n = 0, opt;

	/* getopt_long is reused by each subcommand (and by reload). */
	optind = 0;
	opterr = 0;
	*config = NULL;
	*action = 0;
	for (i = 0; i < PW_O_COUNT; i++) {
		const struct pw_opt_def *d = &pw_config_opts[i];
		int has = d->type == PW_OPT_BOOL || d->type == PW_OPT_COUNT ? no_argument
									    : required_argument;

		longs[n++] = (struct option){ d->name, has, NULL, 256 + i };
		if (d->short_opt) {
			*sp++ = d->short_opt;
			if (has == required_argument)
				*sp++ = ':';
		}
	}
	longs[n++] = (struct option){ "config", required_argument, NULL, 'C' };
	longs[n++] = (struct option){ "help", no_argument, NULL, 'h' };
	longs[n++] = (struct option){ "version", no_argument, NULL, 'V' };
	longs[n] = (struct option){};
	strcpy(sp, "hV");
	while ((opt = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
		if (opt == 'C') {
			*config = optarg;
			continue;
		}
		if (opt == 'h' || opt == 'V') {
			*action = opt;
			return 0;
		}
		if (opt == '?' || opt == ':')
			return fail(err, errlen, "unknown option or missing argument: '%s'",
				    argv[optind - 1]);
		for (i = 0; i < PW_O_COUNT; i++)
			if (opt == 256 + i ||
			    (pw_config_opts[i].short_opt && opt == pw_config_opts[i].short_opt))
				break;
		if (i == PW_O_COUNT)
			return fail(err, errlen, "unknown option");
		if (set_from_arg(&c->v[i], &pw_config_opts[i], optarg, err, errlen))
			return -1;
	}
	if (optind < argc)
		return fail(err, errlen, "unexpected argument '%s'", argv[optind]);
	return 0;
}

static int val_copy(struct pw_opt_val *dst, const struct pw_opt_val *src)
{
	size_t i;

	val_reset(dst);
	*dst = *src;
	dst->s = NULL;
	dst->l = (struct pw_strlist){};
	if (src->s && !(dst->s = strdup(src->s)))
		return -ENOMEM;
	for (i = 0; i < src->l.n; i++)
		if (list_add(&dst->l, src->l.v[i]))
			return -ENOMEM;
	return 0;
}

int pw_config_overlay(struct pw_config *c, const struct pw_config *over)
{
	int i;

	for (i = 0; i < PW_O_COUNT; i++)
		if (over->v[i].set && val_copy(&c->v[i], &over->v[i]))
			return -ENOMEM;
	return 0;
}

int pw_config_equal(const struct pw_config *a, const struct pw_config *b, enum pw_opt_id id)
{
	const struct pw_opt_val *x = &a->v[id], *y = &b->v[id];
	size_t i;

	if (x->i != y->i || !x->s != !y->s || (x->s && strcmp(x->s, y->s)) || x->l.n != y->l.n)
		return 0;
	for (i = 0; i < x->l.n; i++)
		if (strcmp(x->l.v[i], y->l.v[i]))
			return 0;
	return 1;
}

void pw_config_usage(FILE *out)
{
	int i;

	for (i = 0; i < PW_O_COUNT; i++) {
		const struct pw_opt_def *d = &pw_config_opts[i];
		const char *h = d->help, *nl;
		char head[64];
		int first = 1;

		snprintf(head, sizeof(head), "%s%c%s--%s%s%s", d->short_opt ? "-" : "",
			 d->short_opt ? d->short_opt : ' ', d->short_opt ? ", " : "", d->name,
			 d->arg ? " " : "", d->arg ? d->arg : "");
		if (!d->short_opt)
			memmove(head, head + 1, strlen(head)); /* no short: "--name" */
		do {
			nl = strchr(h, '\n');
			if (first && strlen(head) <= 20)
				fprintf(out, "  %-21s%.*s", head,
					(int)(nl ? nl - h : (long)strlen(h)), h);
			else if (first)
				fprintf(out, "  %s\n  %-21s%.*s", head, "",
					(int)(nl ? nl - h : (long)strlen(h)), h);
			else
				fprintf(out, "  %-21s%.*s", "",
					(int)(nl ? nl - h : (long)strlen(h)), h);
			first = 0;
			if (nl)
				fputc('\n', out);
			h = nl ? nl + 1 : NULL;
		} while (h);
		if (d->type == PW_OPT_INT && d->def)
			fprintf(out, " (default %ld)", d->def);
		else if (d->def_str)
			fprintf(out, " (default %s)", d->def_str);
		fputc('\n', out);
	}
}

static json_t *val_json(const struct pw_opt_def *d, const struct pw_opt_val *v)
{
	json_t *a;
	size_t i;

	switch (d->type) {
	case PW_OPT_BOOL: return json_boolean(v->i);
	case PW_OPT_INT:
	case PW_OPT_COUNT: return json_integer(v->i);
	case PW_OPT_STR:
	case PW_OPT_ENUM: return v->s ? json_string(v->s) : json_null();
	case PW_OPT_LIST:
	case PW_OPT_SINKS:
		a = json_array();
		for (i = 0; a && i < v->l.n; i++)
			json_array_append_new(a, json_string(v->l.v[i]));
		return a;
	}
	return json_null();
}

void pw_config_print(const struct pw_config *c, FILE *out, int json)
{
	json_t *root = json_object(), *files = json_array(), *src = json_object();
	size_t i;
	char *s;

	for (i = 0; i < PW_O_COUNT; i++) {
		const struct pw_opt_val *v = &c->v[i];

		json_object_set_new(root, pw_config_opts[i].key, val_json(&pw_config_opts[i], v));
		json_object_set_new(src, pw_config_opts[i].key,
				    json_string(v->set == SRC_CLI    ? "command line"
						: v->set == SRC_FILE ? v->src
								     : "default"));
	}
	if (json) {
		for (i = 0; i < c->files.n; i++)
			json_array_append_new(files, json_string(c->files.v[i]));
		json_object_set_new(root, "_files", files);
		json_object_set_new(root, "_sources", src);
		json_dumpf(root, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', out);
	} else {
		fprintf(out, "# files read:");
		for (i = 0; i < c->files.n; i++)
			fprintf(out, " %s", c->files.v[i]);
		fprintf(out, "%s\n", c->files.n ? "" : " none");
		for (i = 0; i < PW_O_COUNT; i++) {
			s = json_dumps(json_object_get(root, pw_config_opts[i].key),
				       JSON_ENCODE_ANY | JSON_COMPACT);
			fprintf(out, "%-19s = %-24s # %s\n", pw_config_opts[i].key, s ? s : "?",
				json_string_value(json_object_get(src, pw_config_opts[i].key)));
			free(s);
		}
		json_decref(files);
		json_decref(src);
	}
	json_decref(root);
}
