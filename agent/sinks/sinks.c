// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The sinks registry: SPEC parsing (the syntax is in sinks.h and
 * docs/sinks.md), the severity filter, and dispatch of each line to every
 * sink. A bad SPEC is refused at start with the spec and the reason, never
 * half-accepted.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/un.h>
#include "sinks/sink_int.h"

/* A line written while the sinks hold (pw_sinks_hold). */
struct pw_held {
	struct pw_held *next;
	enum pw_sink_format f;
	enum pw_record_class cls;
	enum pw_severity sev;
	size_t len;
	char line[];
};

/* What the sinks hold at most; past it lines go out at once (out of
 * order, never lost). */
#define PW_HOLD_MAX_BYTES (4u << 20)

struct pw_sinks {
	struct pw_sink **v;
	size_t n;
	int started;
	int stopped;
	enum pw_sink_format def_format; /* for sinks without format= */
	int holding;
	struct pw_held *held, **held_tail;
	size_t held_bytes;
};

/* By enum pw_sink_kind: a bounded label for metrics. */
static const char *const kind_names[] = {
	[PW_SINK_STDOUT] = "stdout",	   [PW_SINK_FILE] = "file",
	[PW_SINK_SYSLOG_LOCAL] = "syslog", [PW_SINK_SYSLOG_UDP] = "syslog",
	[PW_SINK_SYSLOG_TCP] = "syslog",   [PW_SINK_TCP] = "tcp",
	[PW_SINK_UNIX] = "unix",	   [PW_SINK_HTTP] = "http",
};

struct pw_sinks *pw_sinks_new(void)
{
	struct pw_sinks *s = calloc(1, sizeof(struct pw_sinks));

	if (s) {
		s->def_format = PW_SINK_FMT_NATIVE;
		s->held_tail = &s->held;
	}
	return s;
}

void pw_sinks_set_default_format(struct pw_sinks *s, enum pw_sink_format f)
{
	s->def_format = f == PW_SINK_FMT_ECS ? PW_SINK_FMT_ECS : PW_SINK_FMT_NATIVE;
}

static enum pw_sink_format sink_format(const struct pw_sinks *s, const struct pw_sink *k)
{
	return k->format == PW_SINK_FMT_DEFAULT ? s->def_format : k->format;
}

unsigned int pw_sinks_formats(const struct pw_sinks *s)
{
	unsigned int bits = 0;
	size_t i;

	for (i = 0; i < s->n; i++)
		bits |= PW_SINK_FMT_BIT(sink_format(s, s->v[i]));
	return bits;
}

static int fail(char *err, size_t errlen, const char *spec, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(err, errlen, "output '%s': ", spec);
	if (n < 0 || (size_t)n >= errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - n, fmt, ap);
	va_end(ap);
	return -1;
}

/* SIZE: digits with an optional K, M or G (powers of 1024). */
static int parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	int shift = 0;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -1;
	if (*end == 'K' || *end == 'k')
		shift = 10, end++;
	else if (*end == 'M' || *end == 'm')
		shift = 20, end++;
	else if (*end == 'G' || *end == 'g')
		shift = 30, end++;
	if (*end || v > (UINT64_MAX >> shift))
		return -1;
	*out = v << shift;
	return 0;
}

static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return -1;
	*out = v;
	return 0;
}

static int parse_facility(const char *s)
{
	static const struct {
		const char *name;
		int code;
	} f[] = { { "user", 1 },    { "daemon", 3 },  { "local0", 16 }, { "local1", 17 },
		  { "local2", 18 }, { "local3", 19 }, { "local4", 20 }, { "local5", 21 },
		  { "local6", 22 }, { "local7", 23 } };
	size_t i;

	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if (!strcmp(s, f[i].name))
			return f[i].code;
	return -1;
}

/* HOST:PORT, HOST possibly [v6]; port numeric. */
static int parse_hostport(struct pw_sink *k, const char *a, char *err, size_t errlen)
{
	const char *colon, *hs = a, *he;
	unsigned long port;

	if (*a == '[') {
		he = strchr(a, ']');
		if (!he || he[1] != ':')
			return fail(err, errlen, k->spec, "expected [ADDRESS]:PORT, got '%s'", a);
		hs = a + 1;
		colon = he + 1;
	} else {
		colon = strrchr(a, ':');
		if (!colon)
			return fail(err, errlen, k->spec, "expected HOST:PORT, got '%s'", a);
		he = colon;
	}
	if (he == hs)
		return fail(err, errlen, k->spec, "no host before the port");
	if (parse_uint(colon + 1, 65535, &port) || !port)
		return fail(err, errlen, k->spec, "port '%s' is not a number from 1 to 65535",
			    colon + 1);
	k->host = strndup(hs, he - hs);
	k->port = strdup(colon + 1);
	if (!k->host || !k->port)
		return fail(err, errlen, k->spec, "out of memory");
	return 0;
}

static int parse_path(struct pw_sink *k, const char *a, const char *what, size_t max, char *err,
		      size_t errlen)
{
	if (!a || !*a)
		return fail(err, errlen, k->spec, "%s needs a path (%s:PATH)", what, what);
	if (strlen(a) >= max)
		return fail(err, errlen, k->spec, "path longer than %zu bytes", max - 1);
	k->path = strdup(a);
	return k->path ? 0 : fail(err, errlen, k->spec, "out of memory");
}

static int parse_option(struct pw_sink *k, char *opt, char *err, size_t errlen)
{
	char *val = strchr(opt, '=');
	unsigned long u;

	if (!val)
		return fail(err, errlen, k->spec, "option '%s' is not KEY=VALUE", opt);
	*val++ = 0;
	if (!strcmp(opt, "min")) {
		if (pw_severity_parse(val, &k->min_sev))
			return fail(err, errlen, k->spec,
				    "unknown severity '%s' (info, low, medium, high, critical)",
				    val);
	} else if (!strcmp(opt, "max") || !strcmp(opt, "keep")) {
		if (k->kind != PW_SINK_FILE)
			return fail(err, errlen, k->spec, "option '%s' applies to file only", opt);
		if (opt[0] == 'm' && parse_size(val, &k->max_size))
			return fail(err, errlen, k->spec,
				    "max '%s' is not a size (bytes, or a number with K, M or G)",
				    val);
		if (opt[0] == 'k') {
			if (parse_uint(val, PW_FILE_KEEP_MAX, &u) || !u)
				return fail(err, errlen, k->spec,
					    "keep '%s' is not a number from 1 to %d", val,
					    PW_FILE_KEEP_MAX);
			k->keep = u;
		}
	} else if (!strcmp(opt, "queue")) {
		if (!pw_sink_is_queued(k))
			return fail(err, errlen, k->spec,
				    "option 'queue' applies to network and syslog sinks only");
		if (parse_uint(val, 10000000, &u) || !u)
			return fail(err, errlen, k->spec,
				    "queue '%s' is not a number from 1 to 10000000", val);
		k->q.max_count = u;
	} else if (!strcmp(opt, "ca") || !strcmp(opt, "cert") || !strcmp(opt, "key") ||
		   !strcmp(opt, "name")) {
		char **dst = opt[0] == 'c'   ? (opt[1] == 'a' ? &k->tls_ca : &k->tls_cert)
			     : opt[0] == 'k' ? &k->tls_key
					     : &k->tls_name;

		if (!k->tls && !(k->kind == PW_SINK_HTTP && opt[0] != 'n'))
			return fail(err, errlen, k->spec,
				    "option '%s' applies to tls and syslog:tls only", opt);
		if (!*val)
			return fail(err, errlen, k->spec, "option '%s' needs a value", opt);
		free(*dst);
		*dst = strdup(val);
		if (!*dst)
			return fail(err, errlen, k->spec, "out of memory");
	} else if (!strcmp(opt, "preset") || !strcmp(opt, "token") || !strcmp(opt, "index") ||
		   !strcmp(opt, "batch")) {
		if (k->kind != PW_SINK_HTTP)
			return fail(err, errlen, k->spec, "option '%s' applies to http only", opt);
		if (!strcmp(opt, "preset")) {
			if (!strcmp(val, "webhook"))
				k->http_preset = PW_HTTP_WEBHOOK;
			else if (!strcmp(val, "splunk"))
				k->http_preset = PW_HTTP_SPLUNK;
			else if (!strcmp(val, "elastic"))
				k->http_preset = PW_HTTP_ELASTIC;
			else
				return fail(err, errlen, k->spec,
					    "unknown preset '%s' (webhook, splunk, elastic)", val);
		} else if (!strcmp(opt, "batch")) {
			if (parse_uint(val, PW_HTTP_BATCH_MAX, &u) || !u)
				return fail(err, errlen, k->spec,
					    "batch '%s' is not a number from 1 to %d", val,
					    PW_HTTP_BATCH_MAX);
			k->http_batch = u;
		} else {
			char **dst = opt[0] == 't' ? &k->http_token : &k->http_index;
			const char *c;

			if (!*val)
				return fail(err, errlen, k->spec, "option '%s' needs a value", opt);
			/* written into JSON and a header as they are */
			for (c = val; *c; c++)
				if (*c == '"' || *c == '\\' || (unsigned char)*c < 0x21)
					return fail(err, errlen, k->spec,
						    "option '%s': no quotes, backslashes, spaces "
						    "or control characters",
						    opt);
			free(*dst);
			*dst = strdup(val);
			if (!*dst)
				return fail(err, errlen, k->spec, "out of memory");
		}
	} else if (!strcmp(opt, "format")) {
		if (!strcmp(val, "native"))
			k->format = PW_SINK_FMT_NATIVE;
		else if (!strcmp(val, "ecs"))
			k->format = PW_SINK_FMT_ECS;
		else
			return fail(err, errlen, k->spec, "unknown format '%s' (native, ecs)", val);
	} else if (!strcmp(opt, "facility")) {
		int f = parse_facility(val);

		if (k->kind != PW_SINK_SYSLOG_LOCAL && k->kind != PW_SINK_SYSLOG_UDP &&
		    k->kind != PW_SINK_SYSLOG_TCP)
			return fail(err, errlen, k->spec,
				    "option 'facility' applies to syslog only");
		if (f < 0)
			return fail(err, errlen, k->spec,
				    "unknown facility '%s' (daemon, user, local0 ... local7)", val);
		k->syslog_facility = f;
	} else {
		return fail(
			err, errlen, k->spec,
			"unknown option '%s' (min, format, max, keep, queue, facility, ca, cert, "
			"key, name, preset, token, index, batch)",
			opt);
	}
	return 0;
}

static void sink_free(struct pw_sink *k)
{
	if (!k)
		return;
	pw_queue_clear(&k->q);
	pthread_mutex_destroy(&k->lock);
	pthread_cond_destroy(&k->cond);
	free(k->spec);
	free(k->path);
	free(k->host);
	free(k->port);
	free(k->tls_ca);
	free(k->tls_cert);
	free(k->tls_key);
	free(k->tls_name);
	free(k->http_token);
	free(k->http_index);
	pw_tls_ctx_free(k);
	free(k->buf);
	free(k);
}

static struct pw_sink *sink_alloc(const char *spec)
{
	struct pw_sink *k = calloc(1, sizeof(*k));
	pthread_condattr_t ca;

	if (!k)
		return NULL;
	k->spec = strdup(spec);
	k->fd = -1;
	k->max_size = PW_FILE_MAX_DEFAULT;
	k->keep = PW_FILE_KEEP_DEFAULT;
	k->syslog_facility = PW_SYSLOG_FACILITY_DEFAULT;
	k->http_batch = PW_HTTP_BATCH_DEFAULT;
	pw_queue_init(&k->q, PW_QUEUE_LINES_DEFAULT, PW_QUEUE_BYTES_DEFAULT);
	pthread_mutex_init(&k->lock, NULL);
	/* Monotonic: a clock step must not stretch a backoff or a deadline. */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&k->cond, &ca);
	pthread_condattr_destroy(&ca);
	if (!k->spec) {
		sink_free(k);
		return NULL;
	}
	return k;
}

static int parse_spec(struct pw_sink *k, char *err, size_t errlen)
{
	char *head = strdup(k->spec), *addr, *opt, *save = NULL, *kind;
	int rc = -1;

	if (!head)
		return fail(err, errlen, k->spec, "out of memory");
	addr = strchr(head, ':');
	if (addr)
		*addr++ = 0;
	kind = strtok_r(head, ",", &save);
	if (!kind) {
		fail(err, errlen, k->spec,
		     "no sink kind (stdout, file, syslog, tcp, tls, unix or http)");
		goto out;
	}
	if (!strcmp(kind, "stdout")) {
		k->kind = PW_SINK_STDOUT;
		if (addr) {
			fail(err, errlen, k->spec, "stdout takes no address");
			goto out;
		}
	} else if (!strcmp(kind, "file")) {
		k->kind = PW_SINK_FILE;
		if (parse_path(k, addr, "file", PATH_MAX, err, errlen))
			goto out;
	} else if (!strcmp(kind, "tcp") || !strcmp(kind, "tls")) {
		k->kind = PW_SINK_TCP;
		k->tls = kind[1] == 'l';
		if (!addr) {
			fail(err, errlen, k->spec, "%s needs an address (%s:HOST:PORT)", kind,
			     kind);
			goto out;
		}
		if (parse_hostport(k, addr, err, errlen))
			goto out;
	} else if (!strcmp(kind, "http")) {
		k->kind = PW_SINK_HTTP;
		if (!addr || (strncmp(addr, "http://", 7) && strncmp(addr, "https://", 8))) {
			fail(err, errlen, k->spec,
			     "http needs a URL (http:http://HOST:PORT/PATH or http:https://...)");
			goto out;
		}
		if (parse_path(k, addr, "http", 8192, err, errlen))
			goto out;
	} else if (!strcmp(kind, "unix")) {
		k->kind = PW_SINK_UNIX;
		if (parse_path(k, addr, "unix", sizeof(((struct sockaddr_un *)0)->sun_path), err,
			       errlen))
			goto out;
	} else if (!strcmp(kind, "syslog")) {
		if (!addr) {
			k->kind = PW_SINK_SYSLOG_LOCAL;
			k->path = strdup("/dev/log");
		} else if (!strncmp(addr, "udp:", 4) || !strncmp(addr, "tcp:", 4) ||
			   !strncmp(addr, "tls:", 4)) {
			k->kind = addr[0] == 'u' ? PW_SINK_SYSLOG_UDP : PW_SINK_SYSLOG_TCP;
			k->tls = addr[1] == 'l';
			if (parse_hostport(k, addr + 4, err, errlen))
				goto out;
		} else if (!strncmp(addr, "unix:", 5)) {
			k->kind = PW_SINK_SYSLOG_LOCAL;
			if (parse_path(k, addr + 5, "syslog:unix",
				       sizeof(((struct sockaddr_un *)0)->sun_path), err, errlen))
				goto out;
		} else {
			fail(err, errlen, k->spec,
			     "syslog takes nothing, udp:HOST:PORT, tcp:HOST:PORT, tls:HOST:PORT or "
			     "unix:PATH");
			goto out;
		}
	} else {
		fail(err, errlen, k->spec,
		     "unknown sink kind '%s' (stdout, file, syslog, tcp, tls, unix or http)", kind);
		goto out;
	}
	while ((opt = strtok_r(NULL, ",", &save)))
		if (parse_option(k, opt, err, errlen))
			goto out;
	if (k->tls_key && !k->tls_cert) {
		fail(err, errlen, k->spec, "key= without cert=");
		goto out;
	}
	rc = 0;
out:
	free(head);
	return rc;
}

/* Two sinks writing to one place: every line twice, or two writers
 * rotating one file. Options do not make it another place. */
static int same_destination(const struct pw_sink *a, const struct pw_sink *b)
{
	if (a->kind != b->kind)
		return 0;
	if (a->kind == PW_SINK_STDOUT)
		return 1;
	if (a->path && b->path)
		return !strcmp(a->path, b->path);
	return a->host && b->host && !strcmp(a->host, b->host) && !strcmp(a->port, b->port);
}

int pw_sinks_add(struct pw_sinks *s, const char *spec, char *err, size_t errlen)
{
	struct pw_sink *k, **v;
	size_t i;

	if (s->started)
		return fail(err, errlen, spec, "sinks already started");
	k = sink_alloc(spec);
	if (!k)
		return fail(err, errlen, spec, "out of memory");
	if (parse_spec(k, err, errlen)) {
		sink_free(k);
		return -1;
	}
	for (i = 0; i < s->n; i++) {
		if (same_destination(s->v[i], k)) {
			fail(err, errlen, spec,
			     "the same destination as output '%s': every line would go there "
			     "twice",
			     s->v[i]->spec);
			sink_free(k);
			return -1;
		}
	}
	v = realloc(s->v, (s->n + 1) * sizeof(*v));
	if (!v) {
		sink_free(k);
		return fail(err, errlen, spec, "out of memory");
	}
	s->v = v;
	s->v[s->n++] = k;
	return 0;
}

int pw_sinks_start(struct pw_sinks *s, char *err, size_t errlen)
{
	size_t i;

	s->started = 1;
	for (i = 0; i < s->n; i++) {
		struct pw_sink *k = s->v[i];

		if (k->kind == PW_SINK_STDOUT)
			k->fd = STDOUT_FILENO;
		else if (k->kind == PW_SINK_FILE) {
			if (pw_file_open(k, err, errlen))
				return -1;
		} else {
			if (k->kind == PW_SINK_HTTP && pw_http_global_init(err, errlen))
				return -1;
			if (k->tls && pw_tls_ctx_new(k, err, errlen))
				return -1;
			if (pw_net_start(k, err, errlen))
				return -1;
		}
	}
	return 0;
}

static struct pw_qent *line_entry(const char *line, size_t len, int crit)
{
	int nl = !len || line[len - 1] != '\n';
	struct pw_qent *e = malloc(sizeof(*e) + len + nl);

	if (!e)
		return NULL;
	memcpy(e->data, line, len);
	if (nl)
		e->data[len] = '\n';
	e->len = len + nl;
	e->crit = crit;
	return e;
}

/* Kept for pw_sinks_replay; 0 if past the bound (or out of memory): the
 * caller writes it now. An alert's syslog attributes are read again from
 * its line then. */
static int hold(struct pw_sinks *s, enum pw_sink_format f, const char *line, size_t len,
		enum pw_record_class cls, enum pw_severity sev)
{
	struct pw_held *h;

	if (s->held_bytes + len > PW_HOLD_MAX_BYTES)
		return 0;
	h = malloc(sizeof(*h) + len);
	if (!h)
		return 0;
	h->next = NULL;
	h->f = f;
	h->cls = cls;
	h->sev = sev;
	h->len = len;
	memcpy(h->line, line, len);
	*s->held_tail = h;
	s->held_tail = &h->next;
	s->held_bytes += len;
	return 1;
}

static void dispatch(struct pw_sinks *s, enum pw_sink_format f, const char *line, size_t len,
		     enum pw_record_class cls, enum pw_severity sev,
		     const struct pw_alert_attrs *attrs)
{
	struct pw_alert_attrs found;
	char idbuf[512];
	int crit = cls == PW_REC_META || (cls == PW_REC_ALERT && sev == PW_SEV_CRITICAL);
	size_t i;

	if (s->holding && hold(s, f, line, len, cls, sev))
		return;
	for (i = 0; i < s->n; i++) {
		struct pw_sink *k = s->v[i];
		struct pw_qent *e;

		if (f != PW_SINK_FMT_DEFAULT && sink_format(s, k) != f)
			continue; /* another rendering of the same record is its */
		if (cls == PW_REC_ALERT && sev < k->min_sev) {
			__atomic_add_fetch(&k->filtered, 1, __ATOMIC_RELAXED);
			continue;
		}
		switch (k->kind) {
		case PW_SINK_STDOUT: pw_fd_write(k, line, len); continue;
		case PW_SINK_FILE: pw_file_write(k, line, len); continue;
		case PW_SINK_SYSLOG_LOCAL:
		case PW_SINK_SYSLOG_UDP:
		case PW_SINK_SYSLOG_TCP:
			if (cls == PW_REC_ALERT && !attrs) {
				pw_alert_attrs_from_json(line, len, &found, idbuf, sizeof(idbuf));
				attrs = &found;
			}
			e = pw_syslog_frame(k, line, len, cls, sev, attrs);
			break;
		default: e = line_entry(line, len, crit); break;
		}
		if (!e) {
			__atomic_add_fetch(&k->dropped, 1, __ATOMIC_RELAXED);
			continue;
		}
		pw_net_enqueue(k, e);
	}
}

void pw_sinks_write(struct pw_sinks *s, const char *line, size_t len, enum pw_record_class cls,
		    enum pw_severity sev)
{
	dispatch(s, PW_SINK_FMT_DEFAULT, line, len, cls, sev, NULL);
}

void pw_sinks_write_fmt(struct pw_sinks *s, enum pw_sink_format f, const char *line, size_t len,
			enum pw_record_class cls, enum pw_severity sev)
{
	dispatch(s, f, line, len, cls, sev, NULL);
}

void pw_sinks_write_alert_fmt(struct pw_sinks *s, enum pw_sink_format f, const char *line,
			      size_t len, enum pw_severity sev, const struct pw_alert_attrs *attrs)
{
	dispatch(s, f, line, len, PW_REC_ALERT, sev, attrs);
}

void pw_sinks_write_alert(struct pw_sinks *s, const char *line, size_t len, enum pw_severity sev,
			  const struct pw_alert_attrs *attrs)
{
	dispatch(s, PW_SINK_FMT_DEFAULT, line, len, PW_REC_ALERT, sev, attrs);
}

int pw_sinks_batch(struct pw_sinks *s, size_t bytes)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		struct pw_sink *k = s->v[i];

		if (pw_sink_is_queued(k) || k->buf)
			continue;
		k->buf = malloc(bytes);
		if (!k->buf)
			return -1;
		k->bcap = bytes;
	}
	return 0;
}

void pw_sinks_flush(struct pw_sinks *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (!pw_sink_is_queued(s->v[i]))
			pw_fd_flush(s->v[i]);
}

void pw_sinks_reopen(struct pw_sinks *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->v[i]->kind == PW_SINK_FILE)
			pw_file_reopen(s->v[i]);
}

uint64_t pw_sinks_dropped(const struct pw_sinks *s)
{
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < s->n; i++)
		sum += __atomic_load_n(&s->v[i]->dropped, __ATOMIC_RELAXED);
	return sum;
}

struct pw_sink *pw_sinks_get(struct pw_sinks *s, size_t i)
{
	return i < s->n ? s->v[i] : NULL;
}

size_t pw_sinks_count(const struct pw_sinks *s)
{
	return s->n;
}

void pw_sinks_stats(const struct pw_sinks *s, size_t i, struct pw_sink_stats *out)
{
	struct pw_sink *k = s->v[i];

	pthread_mutex_lock(&k->lock);
	out->queued = k->q.count + k->inflight;
	out->written = __atomic_load_n(&k->written, __ATOMIC_RELAXED);
	out->filtered = __atomic_load_n(&k->filtered, __ATOMIC_RELAXED);
	out->dropped = __atomic_load_n(&k->dropped, __ATOMIC_RELAXED);
	out->reconnects = __atomic_load_n(&k->reconnects, __ATOMIC_RELAXED);
	out->connect_failures = __atomic_load_n(&k->connect_failures, __ATOMIC_RELAXED);
	out->bytes = __atomic_load_n(&k->bytes, __ATOMIC_RELAXED);
	out->delivered_ns = __atomic_load_n(&k->delivered_ns, __ATOMIC_RELAXED);
	out->queue_max = pw_sink_is_queued(k) ? k->q.max_count : 0;
	pthread_mutex_unlock(&k->lock);
	out->spec = k->spec;
	out->kind = kind_names[k->kind];
	out->format = sink_format(s, k) == PW_SINK_FMT_ECS ? "ecs" : "native";
}

void pw_sink_delivered(struct pw_sink *k, uint64_t lines, uint64_t bytes)
{
	__atomic_add_fetch(&k->written, lines, __ATOMIC_RELAXED);
	__atomic_add_fetch(&k->bytes, bytes, __ATOMIC_RELAXED);
	__atomic_store_n(&k->delivered_ns, pw_now_mono_ns(), __ATOMIC_RELAXED);
}

void pw_sinks_stop(struct pw_sinks *s, int timeout_ms)
{
	uint64_t deadline =
		pw_now_mono_ns() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0) * 1000000;
	size_t i;

	if (s->stopped)
		return;
	s->stopped = 1;
	pw_sinks_flush(s);
	for (i = 0; i < s->n; i++)
		if (pw_sink_is_queued(s->v[i]))
			pw_net_stop_request(s->v[i], deadline);
	for (i = 0; i < s->n; i++)
		if (pw_sink_is_queued(s->v[i]))
			pw_net_join(s->v[i]);
}

void pw_sinks_hold(struct pw_sinks *s, int on)
{
	s->holding = on;
}

void pw_sinks_replay(struct pw_sinks *s)
{
	struct pw_held *h, *next;
	int was = s->holding;

	s->holding = 0;
	for (h = s->held; h; h = next) {
		next = h->next;
		dispatch(s, h->f, h->line, h->len, h->cls, h->sev, NULL);
		free(h);
	}
	s->held = NULL;
	s->held_tail = &s->held;
	s->held_bytes = 0;
	s->holding = was;
}

void pw_sinks_close(struct pw_sinks *s, int timeout_ms)
{
	size_t i;

	if (!s)
		return;
	pw_sinks_replay(s); /* held and never replayed (an early exit): not lost */
	pw_sinks_stop(s, timeout_ms);
	pw_sinks_flush(s); /* lines written after stop */
	for (i = 0; i < s->n; i++) {
		if (s->v[i]->kind == PW_SINK_FILE)
			pw_file_close(s->v[i]);
		sink_free(s->v[i]);
	}
	free(s->v);
	free(s);
}
