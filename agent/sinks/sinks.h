/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Where the JSON lines go: any number of sinks at once, each with its own
 * minimum alert severity. SPEC (privwatch run --output SPEC, repeatable):
 *
 *   KIND[,KEY=VALUE]...[:ADDRESS]
 *
 *   stdout | file:PATH | syslog | syslog:udp:HOST:PORT | syslog:tcp:HOST:PORT
 *   | syslog:tls:HOST:PORT | tcp:HOST:PORT | tls:HOST:PORT | unix:PATH
 *   | http:URL (http:// or https://; batches POSTed, sink_http.c)
 *
 * Options sit between the kind and the first ':' so that whatever follows
 * (a path, a host) is taken verbatim and never clashes with them:
 *   min=SEVERITY   alerts below it are not sent to this sink (default info);
 *                  start/stats/lost and event lines always are
 *   max=SIZE       file: rotate before a write would pass SIZE bytes
 *                  (suffix K, M or G, powers of 1024; 0: never; default 100M)
 *   keep=N         file: rotated files kept, PATH.1 (newest) ... PATH.N (default 5)
 *   queue=N        network and syslog sinks: lines queued at most (default 10000;
 *                  16 MiB of lines at most whatever N)
 *   facility=NAME  syslog: daemon (default), user, local0 ... local7
 *   ca=PATH        tls: the CA certificates (PEM) the receiver is checked
 *                  against (default: the system store)
 *   cert=PATH      tls: client certificate chain (PEM); key=PATH its key
 *                  (default: in the cert file)
 *   name=NAME      tls: the name sent (SNI) and checked in the receiver's
 *                  certificate (default: HOST)
 *   preset=P       http: webhook (default), splunk (HEC) or elastic (_bulk)
 *   token=T        http: sent as the preset's Authorization (Bearer, Splunk, ApiKey)
 *   index=I        http: the Splunk index, the Elasticsearch index (default privwatch)
 *   batch=N        http: records per POST at most (default 500)
 *   format=native|ecs  the rendering this sink receives (default: the run's
 *                  --format): privwatch.alert/1 and the other records as
 *                  they are, or Elastic Common Schema
 * e.g. file,min=high,max=10M,keep=3:/var/log/privwatch.json
 *      tcp,format=ecs:10.0.0.7:5170
 *      syslog,min=critical:udp:10.0.0.5:514
 * docs/sinks.md has the framing, the queue and drop policy and examples.
 *
 * Network and syslog sinks have a bounded queue and a thread of their own:
 * writing never blocks the caller; when a queue is full the oldest
 * non-critical line is dropped and counted. Nothing is dropped uncounted.
 * stdout and file sinks are written in the caller's thread.
 */
#ifndef PW_SINKS_H
#define PW_SINKS_H

#include <stddef.h>
#include <stdint.h>
#include "lib/severity.h"

struct pw_sinks;
struct pw_alert_attrs;

/* What a line is: alerts are filtered by severity, the rest go everywhere. */
enum pw_record_class { PW_REC_ALERT = 0, PW_REC_META /* start, stats, lost */, PW_REC_EVENT };

struct pw_sink_stats {
	const char *spec;  /* as given */
	uint64_t written;  /* lines delivered (written to the fd / socket) */
	uint64_t filtered; /* alerts below the sink's minimum severity */
	uint64_t dropped;  /* lost: queue full, or a write that failed for good */
	uint64_t reconnects;
	uint64_t connect_failures; /* attempts that failed, TLS handshakes included */
	uint64_t queued;	   /* waiting now */
	uint64_t bytes;		   /* delivered, framing included */
	/* Network and syslog sinks: the queue's bound in lines (0: no queue),
	 * and when a line last went out (CLOCK_MONOTONIC, 0: never). */
	uint64_t queue_max;
	uint64_t delivered_ns;
	const char *kind;   /* "stdout", "file", "syslog", "tcp", "unix" */
	const char *format; /* "native", "ecs" */
};

/* Which rendering a sink receives. DEFAULT: the sinks' default
 * (pw_sinks_set_default_format, the run's --format). */
enum pw_sink_format { PW_SINK_FMT_DEFAULT = 0, PW_SINK_FMT_NATIVE, PW_SINK_FMT_ECS };
#define PW_SINK_FMT_BIT(f) (1u << (f))

struct pw_sinks *pw_sinks_new(void);
/* The format of sinks without format= (NATIVE unless set); may change at reload. */
void pw_sinks_set_default_format(struct pw_sinks *s, enum pw_sink_format f);
/* The formats some sink wants: PW_SINK_FMT_BIT(NATIVE) | PW_SINK_FMT_BIT(ECS). */
unsigned int pw_sinks_formats(const struct pw_sinks *s);
/* Each rendering to the sinks of its format only (pw_sinks_write and
 * pw_sinks_write_alert: every sink, whatever its format). */
void pw_sinks_write_fmt(struct pw_sinks *s, enum pw_sink_format f, const char *line, size_t len,
			enum pw_record_class cls, enum pw_severity sev);
void pw_sinks_write_alert_fmt(struct pw_sinks *s, enum pw_sink_format f, const char *line,
			      size_t len, enum pw_severity sev, const struct pw_alert_attrs *attrs);
/* While on, every line written is kept in memory (up to 4 MiB; past it
 * lines go out at once), in order, until pw_sinks_replay writes them: what
 * the agent learns while it starts goes out after its start record. Off
 * again, lines go out at once; the held ones wait for the replay. The
 * event thread's: not thread-safe. */
void pw_sinks_hold(struct pw_sinks *s, int on);
void pw_sinks_replay(struct pw_sinks *s);
/* Parse and add one SPEC. 0, or -1 with a message naming the spec in err. */
int pw_sinks_add(struct pw_sinks *s, const char *spec, char *err, size_t errlen);
/* Open files, start threads. 0, or -1 with err (e.g. a symlink at a file path). */
int pw_sinks_start(struct pw_sinks *s, char *err, size_t errlen);
/* One line, newline included. Never blocks on a network sink. */
void pw_sinks_write(struct pw_sinks *s, const char *line, size_t len, enum pw_record_class cls,
		    enum pw_severity sev);
/* What syslog puts in its structured data for an alert: [privwatch@32473
 * rule="..." container="..."]. Either may be NULL (no container: omitted). */
struct pw_alert_attrs {
	const char *rule_id;
	const char *container_id;
};
/* An alert line with its attributes; attrs NULL: picked out of the JSON
 * ("rule":{"id":..., "container":{"id":...). pw_sinks_write(PW_REC_ALERT)
 * is this with attrs NULL. */
void pw_sinks_write_alert(struct pw_sinks *s, const char *line, size_t len, enum pw_severity sev,
			  const struct pw_alert_attrs *attrs);
/*
 * stdout and file sinks gather lines into a buffer of bytes and write them
 * once per pw_sinks_flush (privwatch run flushes after each ring buffer
 * poll): one write(2) per batch, not per line. Off unless asked. 0 or -1.
 */
int pw_sinks_batch(struct pw_sinks *s, size_t bytes);
void pw_sinks_flush(struct pw_sinks *s);
/* SIGHUP: reopen files (external logrotate). */
void pw_sinks_reopen(struct pw_sinks *s);
/* Sum of every sink's dropped counter (for privwatch.lost/1). */
uint64_t pw_sinks_dropped(const struct pw_sinks *s);
size_t pw_sinks_count(const struct pw_sinks *s);
void pw_sinks_stats(const struct pw_sinks *s, size_t i, struct pw_sink_stats *out);
/* Give queued lines up to timeout_ms to go out, stop the threads and count
 * what is left as dropped; the counters stay readable (for the last stats
 * record). Lines written after this to a network or syslog sink are counted
 * dropped; stdout and files still work. */
void pw_sinks_stop(struct pw_sinks *s, int timeout_ms);
/* pw_sinks_stop unless done, then close and free. */
void pw_sinks_close(struct pw_sinks *s, int timeout_ms);

#endif
