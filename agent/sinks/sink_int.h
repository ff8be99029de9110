/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Inside the sinks: one struct per sink, whatever its kind, and the pieces
 * each file provides (sinks.c the registry and SPEC parser, sink_queue.c
 * the bounded queue, sink_file.c files and stdout, sink_syslog.c the RFC
 * 5424 frame, sink_net.c the sending thread, sink_tls.c TLS on top of
 * it). Not for use outside agent/sinks/.
 */
#ifndef PW_SINK_INT_H
#define PW_SINK_INT_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/severity.h"
#include "sinks/sinks.h"

enum pw_sink_kind {
	PW_SINK_STDOUT = 0,
	PW_SINK_FILE,
	PW_SINK_SYSLOG_LOCAL, /* unix datagram, /dev/log */
	PW_SINK_SYSLOG_UDP,
	PW_SINK_SYSLOG_TCP, /* octet-counted framing, RFC 6587; with tls RFC 5425 */
	PW_SINK_TCP,	    /* JSON lines, over TLS with tls */
	PW_SINK_UNIX,	    /* JSON lines on a unix stream socket */
	PW_SINK_HTTP,	    /* batches POSTed with libcurl (sink_http.c) */
};

/* The body an HTTP sink POSTs (preset=). */
enum pw_http_preset { PW_HTTP_WEBHOOK = 0, PW_HTTP_SPLUNK, PW_HTTP_ELASTIC };
#define PW_HTTP_BATCH_DEFAULT 500
#define PW_HTTP_BATCH_MAX     100000

#define PW_FILE_MAX_DEFAULT	   (100ULL << 20)
#define PW_FILE_KEEP_DEFAULT	   5
#define PW_FILE_KEEP_MAX	   1000
#define PW_QUEUE_LINES_DEFAULT	   10000
#define PW_QUEUE_BYTES_DEFAULT	   (16ULL << 20)
#define PW_SYSLOG_FACILITY_DEFAULT 3 /* daemon */
#define PW_BACKOFF_MIN_MS	   100
#define PW_BACKOFF_MAX_MS	   10000

/* One queued line (already framed for its transport). */
struct pw_qent {
	struct pw_qent *next;
	uint64_t seq; /* order across the two FIFOs of a queue */
	size_t len;
	int crit;
	char data[];
};

/*
 * Two FIFOs, critical and the rest, with one sequence so that the oldest of
 * both heads goes out first while a drop can take the oldest non-critical
 * line in O(1).
 */
struct pw_queue {
	struct pw_qent *head[2], *tail[2];
	uint64_t next_seq;
	size_t count, bytes;
	size_t max_count;
	size_t max_bytes;
};

struct pw_sink {
	char *spec;
	enum pw_sink_kind kind;
	enum pw_severity min_sev;
	enum pw_sink_format format; /* DEFAULT: the sinks' */

	/* file */
	char *path;
	uint64_t max_size; /* 0: never rotate */
	unsigned int keep;
	int fd;
	uint64_t size; /* of the file, lines still in buf included */
	/* Batching (pw_sinks_batch): lines gathered, written once per flush. */
	char *buf;
	size_t blen, bcap;
	uint64_t blines;
	int syslog_facility;

	/* network: HOST and PORT, or path (unix, syslog local) */
	char *host, *port;

	/* TLS (tcp and syslog:tcp only): files, the name checked (NULL: host),
	 * the context built at start (sink_tls.c) */
	int tls;
	char *tls_ca, *tls_cert, *tls_key, *tls_name;
	struct pw_tls_ctx *tls_ctx;

	/* http: the URL is path; token sent as the preset's Authorization */
	enum pw_http_preset http_preset;
	char *http_token, *http_index;
	size_t http_batch; /* lines per POST at most */

	/* counters, read with pw_sinks_stats from any thread */
	uint64_t written, filtered, dropped, reconnects, connect_failures;
	uint64_t bytes;	       /* delivered, framing included */
	uint64_t delivered_ns; /* CLOCK_MONOTONIC of the last delivery (metrics) */

	/* network: queue and thread */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct pw_queue q;
	int inflight; /* a line taken off the queue, not yet sent */
	int stopping;
	uint64_t deadline_ns; /* CLOCK_MONOTONIC, when stopping */
	pthread_t thread;
	int started;
	int warned_down; /* a failure was reported since the last success */
	uint64_t last_warn_ns;
	uint64_t failures;
};

static inline int pw_sink_is_queued(const struct pw_sink *k)
{
	return k->kind != PW_SINK_STDOUT && k->kind != PW_SINK_FILE;
}

uint64_t pw_now_mono_ns(void);
/* Count lines delivered: written, bytes, when. */
void pw_sink_delivered(struct pw_sink *k, uint64_t lines, uint64_t bytes);
/* sinks.c: the i-th sink (for the unit tests). */
struct pw_sink *pw_sinks_get(struct pw_sinks *s, size_t i);

/* sink_queue.c: all under the sink's lock. */
void pw_queue_init(struct pw_queue *q, size_t max_count, size_t max_bytes);
/* Adds e, dropping the oldest non-critical lines (then the oldest critical
 * ones, or e itself) to stay within the bounds. Returns how many dropped. */
uint64_t pw_queue_push(struct pw_queue *q, struct pw_qent *e);
struct pw_qent *pw_queue_pop(struct pw_queue *q);
/* Frees every entry; returns how many there were. */
uint64_t pw_queue_clear(struct pw_queue *q);

/* sink_file.c */
int pw_file_open(struct pw_sink *k, char *err, size_t errlen);
void pw_file_write(struct pw_sink *k, const char *line, size_t len);
void pw_fd_write(struct pw_sink *k, const char *line, size_t len); /* stdout */
void pw_file_reopen(struct pw_sink *k);
void pw_file_close(struct pw_sink *k);
/* Write what batching gathered (file: under k->lock). */
void pw_fd_flush(struct pw_sink *k);

/* sink_syslog.c: the RFC 5424 message for a line (without its newline),
 * with the octet count in front for TCP. NULL if out of memory. */
struct pw_qent *pw_syslog_frame(const struct pw_sink *k, const char *line, size_t len,
				enum pw_record_class cls, enum pw_severity sev,
				const struct pw_alert_attrs *attrs);
/* Rule and container ids picked out of an alert line, when the caller gave none. */
void pw_alert_attrs_from_json(const char *line, size_t len, struct pw_alert_attrs *a, char *buf,
			      size_t buflen);

/* sink_net.c */
/* Past the close deadline: give up what is left. */
int pw_net_expired(struct pw_sink *k);
/* poll one fd up to ms, less if the close deadline comes first. */
int pw_net_wait_fd(struct pw_sink *k, int fd, short events, int ms);
int pw_net_start(struct pw_sink *k, char *err, size_t errlen);
void pw_net_enqueue(struct pw_sink *k, struct pw_qent *e);
/* Tell the thread to finish by deadline_ns (every sink first, so that they
 * drain in parallel), then wait for it; what is left is counted dropped. */
void pw_net_stop_request(struct pw_sink *k, uint64_t deadline_ns);
/* A failed attempt (connect, send, POST): counted, reported (rate-limited),
 * then the backoff's wait, doubled for the next. */
void pw_net_attempt_failed(struct pw_sink *k, const char *why, int *backoff);

/* sink_http.c: libcurl once per process, then the sink's thread. */
int pw_http_global_init(char *err, size_t errlen);
void *pw_http_thread(void *arg);
void pw_net_join(struct pw_sink *k);

/* sink_tls.c. The context (CA, client certificate) is loaded at start so
 * that a bad file stops privwatch there; sessions live in the sink thread. */
struct pw_tls;
int pw_tls_ctx_new(struct pw_sink *k, char *err, size_t errlen);
void pw_tls_ctx_free(struct pw_sink *k);
/* Handshake on a connected non-blocking fd, bounded by ms (and the close
 * deadline). A session, or NULL with why filled. */
struct pw_tls *pw_tls_connect(struct pw_sink *k, int fd, int ms, char *why, size_t len);
/* 0 sent whole, 1 broken (why filled), 2 the close deadline passed. */
int pw_tls_send(struct pw_sink *k, struct pw_tls *t, const void *buf, size_t n, char *why,
		size_t len);
/* Has the receiver closed or failed the session? Never blocks. */
int pw_tls_peer_gone(struct pw_tls *t);
/* clean: close_notify if it goes out at once. Then free; the fd is the caller's. */
void pw_tls_close(struct pw_tls *t, int clean);

#endif
