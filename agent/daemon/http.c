// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#define _GNU_SOURCE /* asprintf */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <microhttpd.h>
#include "daemon/http.h"
#include "lib/jsonw.h"

struct pw_http {
	struct MHD_Daemon *d;
	int fd;
	struct pw_ready_opts o;
	pthread_mutex_t lock;
	struct pw_metrics *m;  /* the last published snapshot, under lock */
	uint64_t heartbeat_ns; /* atomic */
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int pw_http_parse(const char *spec, char *addr, size_t addrlen, unsigned short *port, char *err,
		  size_t errlen)
{
	const char *colon = strrchr(spec, ':'), *a = spec;
	size_t alen;
	char *end;
	long p;

	if (!colon)
		goto bad;
	alen = colon - spec;
	if (*a == '[') { /* [V6]:PORT */
		if (alen < 2 || spec[alen - 1] != ']')
			goto bad;
		a++;
		alen -= 2;
	}
	if (!alen || alen >= addrlen)
		goto bad;
	memcpy(addr, a, alen);
	addr[alen] = 0;
	p = strtol(colon + 1, &end, 10);
	if (!colon[1] || *end || p < 1 || p > 65535)
		goto bad;
	*port = p;
	return 0;
bad:
	snprintf(err, errlen, "--http '%s': need ADDR:PORT (e.g. %s, [::1]:9464), or none", spec,
		 PW_HTTP_DEFAULT);
	return -1;
}

static int listen_on(const char *addr, unsigned short port, char *err, size_t errlen)
{
	struct sockaddr_storage ss = {};
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	socklen_t sl;
	int fd, one = 1;

	if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		sl = sizeof(*s4);
	} else if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		sl = sizeof(*s6);
	} else {
		snprintf(err, errlen, "--http: '%s' is not an IPv4 or IPv6 address", addr);
		return -1;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		snprintf(err, errlen, "--http: socket: %s", strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) || listen(fd, 16)) {
		snprintf(err, errlen, "--http: cannot listen on %s port %u: %s%s", addr, port,
			 strerror(errno),
			 errno == EADDRINUSE ? " (another agent or program has it; choose another "
					       "with --http ADDR:PORT, or --http none)"
					     : "");
		close(fd);
		return -1;
	}
	return fd;
}

static long rss_bytes(void)
{
	long pages = 0, size;
	FILE *f = fopen("/proc/self/statm", "re");

	if (!f)
		return 0;
	if (fscanf(f, "%ld %ld", &size, &pages) != 2)
		pages = 0;
	fclose(f);
	return pages * sysconf(_SC_PAGESIZE);
}

static double cpu_seconds(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru))
		return 0;
	return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned int status, const char *type,
			     char *body, size_t len)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", type);
	MHD_add_response_header(r, "Cache-Control", "no-store");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result healthz(struct pw_http *h, struct MHD_Connection *c)
{
	uint64_t now = mono_ns(), beat = __atomic_load_n(&h->heartbeat_ns, __ATOMIC_RELAXED);
	int alive = beat && now - beat <= PW_HTTP_ALIVE_NS;
	char *body = NULL;

	if (asprintf(&body, "{\"alive\":%s,\"event_loop_turned_s_ago\":%.3f,\"bound_s\":%.1f}\n",
		     alive ? "true" : "false", beat ? (now - beat) / 1e9 : -1.0,
		     PW_HTTP_ALIVE_NS / 1e9) < 0)
		return MHD_NO;
	return reply(c, alive ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE, "application/json",
		     body, strlen(body));
}

/* /readyz or /metrics, rendered from a copy of the snapshot. */
static enum MHD_Result from_snapshot(struct pw_http *h, struct MHD_Connection *c, int metrics)
{
	struct pw_metrics *m = malloc(sizeof(*m));
	char *body = NULL;
	size_t len = 0;
	int ok = 1;
	FILE *f;

	if (!m)
		return MHD_NO;
	pthread_mutex_lock(&h->lock);
	memcpy(m, h->m, sizeof(*m));
	pthread_mutex_unlock(&h->lock);
	f = open_memstream(&body, &len);
	if (!f) {
		free(m);
		return MHD_NO;
	}
	if (metrics)
		pw_metrics_prometheus(f, m, rss_bytes(), cpu_seconds());
	else
		ok = pw_metrics_ready(f, m, &h->o, mono_ns());
	if (!metrics)
		fputc('\n', f);
	fclose(f);
	free(m);
	if (!body)
		return MHD_NO;
	if (metrics)
		return reply(c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", body, len);
	return reply(c, ok ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE, "application/json", body,
		     len);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload_data,
			      size_t *upload_data_size, void **con_cls)
{
	struct pw_http *h = cls;
	static const char nf[] = "not found: /healthz, /readyz, /metrics\n";

	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain",
			     strdup("GET or HEAD only\n"), 17);
	if (!strcmp(url, "/healthz"))
		return healthz(h, c);
	if (!strcmp(url, "/readyz"))
		return from_snapshot(h, c, 0);
	if (!strcmp(url, "/metrics"))
		return from_snapshot(h, c, 1);
	return reply(c, MHD_HTTP_NOT_FOUND, "text/plain", strdup(nf), sizeof(nf) - 1);
}

struct pw_http *pw_http_start(const char *spec, const struct pw_ready_opts *o, char *err,
			      size_t errlen)
{
	struct pw_http *h;
	char addr[64];
	unsigned short port;
	sigset_t all, old;

	if (pw_http_parse(spec, addr, sizeof(addr), &port, err, errlen))
		return NULL;
	h = calloc(1, sizeof(*h));
	if (!h || !(h->m = calloc(1, sizeof(*h->m)))) {
		free(h);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	h->o = *o;
	pthread_mutex_init(&h->lock, NULL);
	h->fd = listen_on(addr, port, err, errlen);
	if (h->fd < 0)
		goto fail;
	/* The server's thread takes no signal: they are the event thread's. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	h->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, handle, h,
				MHD_OPTION_LISTEN_SOCKET, h->fd, MHD_OPTION_CONNECTION_LIMIT,
				(unsigned int)32, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)10,
				MHD_OPTION_END);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!h->d) {
		snprintf(err, errlen, "--http %s: cannot start the HTTP server", spec);
		close(h->fd);
		goto fail;
	}
	return h;
fail:
	pthread_mutex_destroy(&h->lock);
	free(h->m);
	free(h);
	return NULL;
}

void pw_http_heartbeat(struct pw_http *h, uint64_t mono_ns)
{
	if (h)
		__atomic_store_n(&h->heartbeat_ns, mono_ns, __ATOMIC_RELAXED);
}

void pw_http_publish(struct pw_http *h, const struct pw_metrics *m)
{
	if (!h)
		return;
	pthread_mutex_lock(&h->lock);
	memcpy(h->m, m, sizeof(*m));
	pthread_mutex_unlock(&h->lock);
}

void pw_http_stop(struct pw_http *h)
{
	if (!h)
		return;
	MHD_stop_daemon(h->d); /* closes the listening socket too */
	pthread_mutex_destroy(&h->lock);
	free(h->m);
	free(h);
}
