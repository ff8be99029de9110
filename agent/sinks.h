/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Where the JSON lines go: any number of sinks at once, each with its own
 * minimum alert severity. SPEC (privwatch run --output SPEC, repeatable):
 *   stdout | file:PATH | syslog | syslog:udp:HOST:PORT | syslog:tcp:HOST:PORT
 *   | tcp:HOST:PORT | unix:PATH
 * (see docs/alert-schema.md for the severity filter syntax and the framing).
 *
 * Network and syslog sinks have a bounded queue and a thread of their own:
 * writing never blocks the caller; when a queue is full the oldest
 * non-critical line is dropped and counted. Nothing is dropped uncounted.
 */
#ifndef PW_SINKS_H
#define PW_SINKS_H

#include <stddef.h>
#include <stdint.h>
#include "severity.h"

struct pw_sinks;

/* What a line is: alerts are filtered by severity, the rest go everywhere. */
enum pw_record_class { PW_REC_ALERT = 0, PW_REC_META /* start, stats, lost */, PW_REC_EVENT };

struct pw_sink_stats {
	const char *spec;   /* as given */
	uint64_t written;   /* lines delivered (written to the fd / socket) */
	uint64_t filtered;  /* alerts below the sink's minimum severity */
	uint64_t dropped;   /* lost: queue full, or a write that failed for good */
	uint64_t reconnects;
	uint64_t queued;    /* waiting now */
};

struct pw_sinks *pw_sinks_new(void);
/* Parse and add one SPEC. 0, or -1 with a message naming the spec in err. */
int pw_sinks_add(struct pw_sinks *s, const char *spec, char *err, size_t errlen);
/* Open files, start threads. 0, or -1 with err (e.g. a symlink at a file path). */
int pw_sinks_start(struct pw_sinks *s, char *err, size_t errlen);
/* One line, newline included. Never blocks on a network sink. */
void pw_sinks_write(struct pw_sinks *s, const char *line, size_t len, enum pw_record_class cls,
		    enum pw_severity sev);
/* SIGHUP: reopen files (external logrotate). */
void pw_sinks_reopen(struct pw_sinks *s);
/* Sum of every sink's dropped counter (for privwatch.lost/1). */
uint64_t pw_sinks_dropped(const struct pw_sinks *s);
size_t pw_sinks_count(const struct pw_sinks *s);
void pw_sinks_stats(const struct pw_sinks *s, size_t i, struct pw_sink_stats *out);
/* Give queued lines up to timeout_ms to go out, stop threads, close, free. */
void pw_sinks_close(struct pw_sinks *s, int timeout_ms);

#endif
