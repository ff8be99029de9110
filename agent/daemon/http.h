/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * privwatch run's HTTP endpoint (libmicrohttpd, its own thread):
 *   /healthz  alive: the event loop turned within PW_HTTP_ALIVE_NS (200/503)
 *   /readyz   ready: pw_metrics_ready's checks (200/503, JSON saying which fails)
 *   /metrics  Prometheus text format 0.0.4
 * Handlers read only what the event thread published: a struct pw_metrics
 * copied under a mutex once per tick, and a heartbeat stored atomically
 * on every loop turn.
 */
#ifndef PW_HTTP_H
#define PW_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include "daemon/metrics.h"

#define PW_HTTP_DEFAULT	 "127.0.0.1:9464"
#define PW_HTTP_ALIVE_NS (5ULL * 1000000000)

struct pw_http;

/* "ADDR:PORT" ("[V6]:PORT" for IPv6); 0, or -1 with the reason in err. */
int pw_http_parse(const char *spec, char *addr, size_t addrlen, unsigned short *port, char *err,
		  size_t errlen);

/* Listen and start the thread. NULL with err (e.g. the port in use). */
struct pw_http *pw_http_start(const char *spec, const struct pw_ready_opts *o, char *err,
			      size_t errlen);
/* Every loop turn: cheap, no lock. */
void pw_http_heartbeat(struct pw_http *h, uint64_t mono_ns);
/* Copy m for the handlers. */
void pw_http_publish(struct pw_http *h, const struct pw_metrics *m);
void pw_http_stop(struct pw_http *h);

#endif
