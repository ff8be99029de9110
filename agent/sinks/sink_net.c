// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Network and syslog sinks: one thread each, fed by the bounded queue, so a
 * slow or dead receiver costs its own queue and nothing else: the caller
 * only ever takes the lock long enough to link a line in.
 *
 * The thread connects (again after any failure, waiting 100 ms doubling to
 * 10 s between attempts, back to 100 ms once connected), sends one line at
 * a time and counts it written once the kernel took all of it. A line is
 * taken off the queue before it is sent, so the drop policy never races
 * with a half-sent line; if the connection breaks mid-line, the whole line
 * is sent again on the next connection: the receiver may see a cut
 * fragment at the end of the dead connection (no newline, or an octet
 * count longer than what follows), never a line spliced from two.
 *
 * Sockets are non-blocking and every wait is bounded, so pw_sinks_close's
 * deadline holds even against a receiver that stopped reading. With tls
 * the handshake is part of connecting (sink_tls.c), bounded the same way,
 * and a failed one is a failed attempt like a refused connect.
 */
#define _GNU_SOURCE /* POLLRDHUP, memmem */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include "lib/log.h"
#include "sinks/sink_int.h"

#define CONNECT_TIMEOUT_MS 5000
#define WARN_EVERY_NS	   60000000000ULL

uint64_t pw_now_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int is_stream(const struct pw_sink *k)
{
	return k->kind == PW_SINK_TCP || k->kind == PW_SINK_UNIX || k->kind == PW_SINK_SYSLOG_TCP;
}

int pw_net_expired(struct pw_sink *k)
{
	return __atomic_load_n(&k->stopping, __ATOMIC_ACQUIRE) &&
	       pw_now_mono_ns() >= __atomic_load_n(&k->deadline_ns, __ATOMIC_RELAXED);
}

int pw_net_wait_fd(struct pw_sink *k, int fd, short events, int ms)
{
	struct pollfd p = { .fd = fd, .events = events };

	if (__atomic_load_n(&k->stopping, __ATOMIC_ACQUIRE)) {
		uint64_t now = pw_now_mono_ns(), dl = k->deadline_ns;
		int left = dl > now ? (int)((dl - now) / 1000000) + 1 : 0;

		if (left < ms)
			ms = left;
	}
	return poll(&p, 1, ms);
}

static int connect_fd(struct pw_sink *k, int fd, const struct sockaddr *sa, socklen_t salen,
		      char *why, size_t len)
{
	int e = 0;
	socklen_t elen = sizeof(e);

	if (!connect(fd, sa, salen))
		return 0;
	if (errno != EINPROGRESS) {
		snprintf(why, len, "%s", strerror(errno));
		return -1;
	}
	if (pw_net_wait_fd(k, fd, POLLOUT, CONNECT_TIMEOUT_MS) <= 0) {
		snprintf(why, len, "connection timed out");
		return -1;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &elen) || e) {
		snprintf(why, len, "%s", strerror(e ? e : errno));
		return -1;
	}
	return 0;
}

static int net_connect(struct pw_sink *k, char *why, size_t len)
{
	struct addrinfo hints = { 0 }, *res = NULL, *ai;
	int fd = -1, rc;

	if (k->kind == PW_SINK_UNIX || k->kind == PW_SINK_SYSLOG_LOCAL) {
		struct sockaddr_un sun = { .sun_family = AF_UNIX };
		int type = k->kind == PW_SINK_UNIX ? SOCK_STREAM : SOCK_DGRAM;

		strncpy(sun.sun_path, k->path, sizeof(sun.sun_path) - 1);
		fd = socket(AF_UNIX, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (fd < 0) {
			snprintf(why, len, "socket: %s", strerror(errno));
			return -1;
		}
		if (connect_fd(k, fd, (struct sockaddr *)&sun, sizeof(sun), why, len)) {
			char e[256];

			/* name the socket: "/dev/log: No such file or directory" */
			snprintf(e, sizeof(e), "%s", why);
			snprintf(why, len, "%s %s: %s",
				 k->kind == PW_SINK_UNIX ? "unix socket" : "syslog socket", k->path,
				 e);
			close(fd);
			return -1;
		}
		return fd;
	}
	/* Resolved at each attempt: a receiver moved in DNS is followed. */
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = k->kind == PW_SINK_SYSLOG_UDP ? SOCK_DGRAM : SOCK_STREAM;
	rc = getaddrinfo(k->host, k->port, &hints, &res);
	if (rc) {
		snprintf(why, len, "cannot resolve %s: %s", k->host, gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
			    ai->ai_protocol);
		if (fd < 0) {
			snprintf(why, len, "socket: %s", strerror(errno));
			continue;
		}
		if (!connect_fd(k, fd, ai->ai_addr, ai->ai_addrlen, why, len))
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

/*
 * Has the peer of a stream closed or reset? Receivers never send, so
 * anything readable means the end. Checked before each line: on loopback
 * the FIN of a receiver that went away is here before the next line, and
 * that line then goes to the next connection instead of into a dead one.
 */
static int peer_gone(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLRDHUP };

	return poll(&p, 1, 0) > 0;
}

enum send_result { SENT = 0, BROKEN, REFUSED_LINE, EXPIRED };

/* A connection: the socket and, with tls, its session. */
struct conn {
	int fd;
	struct pw_tls *tls;
};

static void conn_close(struct conn *c, int clean)
{
	pw_tls_close(c->tls, clean);
	c->tls = NULL;
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

static enum send_result send_tls(struct pw_sink *k, struct pw_tls *t, const struct pw_qent *e,
				 char *why, size_t len)
{
	if (pw_tls_peer_gone(t)) {
		snprintf(why, len, "connection lost: closed by the receiver");
		return BROKEN;
	}
	switch (pw_tls_send(k, t, e->data, e->len, why, len)) {
	case 0: return SENT;
	case 2: return EXPIRED;
	default: return BROKEN;
	}
}

static enum send_result send_line(struct pw_sink *k, int fd, const struct pw_qent *e, int *err)
{
	size_t off = 0;
	int retried = 0;

	if (is_stream(k) && peer_gone(fd)) {
		*err = EPIPE;
		return BROKEN;
	}
	while (off < e->len) {
		ssize_t n = send(fd, e->data + off, e->len - off, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n >= 0) {
			off += n;
			continue;
		}
		*err = errno;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) {
			if (pw_net_expired(k))
				return EXPIRED;
			pw_net_wait_fd(k, fd, POLLOUT, 200);
			continue;
		}
		if (!is_stream(k)) {
			/* A datagram too big goes nowhere, whatever the connection. */
			if (errno == EMSGSIZE)
				return REFUSED_LINE;
			/* UDP reports an ICMP refusal of an earlier datagram on a
			 * later send: this one was not sent, try it once more. */
			if (errno == ECONNREFUSED && !retried++)
				continue;
		}
		return BROKEN;
	}
	return SENT;
}

static void warn_down(struct pw_sink *k, const char *why)
{
	uint64_t now = pw_now_mono_ns();

	k->failures++;
	if (k->warned_down && now - k->last_warn_ns < WARN_EVERY_NS)
		return;
	if (!k->warned_down)
		pw_warn("output '%s': %s; retrying with backoff (lines queue meanwhile)\n", k->spec,
			why);
	else
		pw_warn("output '%s': still down after %llu attempts: %s\n", k->spec,
			(unsigned long long)k->failures, why);
	k->warned_down = 1;
	k->last_warn_ns = now;
}

/* Sleep ms, or less when close is called with a deadline before that. */
static void backoff_sleep(struct pw_sink *k, int ms)
{
	uint64_t until = pw_now_mono_ns() + (uint64_t)ms * 1000000;
	struct timespec ts;

	pthread_mutex_lock(&k->lock);
	for (;;) {
		uint64_t end = until;

		if (k->stopping && k->deadline_ns < end)
			end = k->deadline_ns;
		if (pw_now_mono_ns() >= end)
			break;
		ts.tv_sec = end / 1000000000ULL;
		ts.tv_nsec = end % 1000000000ULL;
		pthread_cond_timedwait(&k->cond, &k->lock, &ts);
	}
	pthread_mutex_unlock(&k->lock);
}

/* A failed attempt: counted, reported, and the wait before the next. */
void pw_net_attempt_failed(struct pw_sink *k, const char *why, int *backoff)
{
	__atomic_add_fetch(&k->connect_failures, 1, __ATOMIC_RELAXED);
	warn_down(k, why);
	backoff_sleep(k, *backoff);
	*backoff = *backoff * 2 > PW_BACKOFF_MAX_MS ? PW_BACKOFF_MAX_MS : *backoff * 2;
}

static void *net_thread(void *arg)
{
	struct pw_sink *k = arg;
	struct pw_qent *cur = NULL;
	struct conn c = { .fd = -1 };
	int backoff = PW_BACKOFF_MIN_MS, connected_once = 0;
	char why[512];
	uint64_t left;

	for (;;) {
		if (!cur) {
			pthread_mutex_lock(&k->lock);
			while (!k->q.count && !k->stopping)
				pthread_cond_wait(&k->cond, &k->lock);
			cur = pw_queue_pop(&k->q);
			k->inflight = !!cur;
			pthread_mutex_unlock(&k->lock);
			if (!cur) /* stopping, and everything went out */
				break;
		}
		if (pw_net_expired(k))
			break;
		if (c.fd < 0) {
			c.fd = net_connect(k, why, sizeof(why));
			if (c.fd < 0) {
				pw_net_attempt_failed(k, why, &backoff);
				continue;
			}
			if (k->tls) {
				c.tls = pw_tls_connect(k, c.fd, CONNECT_TIMEOUT_MS, why,
						       sizeof(why));
				if (!c.tls) {
					conn_close(&c, 0);
					pw_net_attempt_failed(k, why, &backoff);
					continue;
				}
			}
			if (connected_once)
				__atomic_add_fetch(&k->reconnects, 1, __ATOMIC_RELAXED);
			connected_once = 1;
			backoff = PW_BACKOFF_MIN_MS;
			if (k->warned_down)
				pw_warn("output '%s': connected again after %llu failed attempts\n",
					k->spec, (unsigned long long)k->failures);
			k->warned_down = 0;
			k->failures = 0;
		}
		{
			int e = 0;
			enum send_result r = c.tls ? send_tls(k, c.tls, cur, why, sizeof(why))
						   : send_line(k, c.fd, cur, &e);

			switch (r) {
			case SENT: pw_sink_delivered(k, 1, cur->len); break;
			case REFUSED_LINE:
				__atomic_add_fetch(&k->dropped, 1, __ATOMIC_RELAXED);
				pw_warn("output '%s': a line of %zu bytes refused: %s\n", k->spec,
					cur->len, strerror(e));
				break;
			case BROKEN:
				if (!c.tls)
					snprintf(why, sizeof(why), "connection lost: %s",
						 e == EPIPE ? "closed by the receiver"
							    : strerror(e));
				warn_down(k, why);
				conn_close(&c, 0);
				continue; /* cur is kept and sent whole again */
			case EXPIRED: goto out;
			}
		}
		free(cur);
		cur = NULL;
		pthread_mutex_lock(&k->lock);
		k->inflight = 0;
		pthread_mutex_unlock(&k->lock);
	}
out:
	conn_close(&c, 1);
	pthread_mutex_lock(&k->lock);
	left = pw_queue_clear(&k->q) + !!cur;
	k->inflight = 0;
	__atomic_add_fetch(&k->dropped, left, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&k->lock);
	free(cur);
	/* After the final stats record: said here, or nowhere. */
	if (left)
		pw_warn("output '%s': %llu lines not delivered by the stop deadline: dropped\n",
			k->spec, (unsigned long long)left);
	return NULL;
}

int pw_net_start(struct pw_sink *k, char *err, size_t errlen)
{
	sigset_t all, old;
	int rc;

	/* Signals (SIGINT, SIGHUP) stay with the thread that handles them. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&k->thread, NULL, k->kind == PW_SINK_HTTP ? pw_http_thread : net_thread,
			    k);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc) {
		snprintf(err, errlen, "output '%s': cannot start its thread: %s", k->spec,
			 strerror(rc));
		return -1;
	}
	k->started = 1;
	return 0;
}

void pw_net_enqueue(struct pw_sink *k, struct pw_qent *e)
{
	uint64_t d;

	pthread_mutex_lock(&k->lock);
	if (k->stopping) {
		pthread_mutex_unlock(&k->lock);
		free(e);
		__atomic_add_fetch(&k->dropped, 1, __ATOMIC_RELAXED);
		return;
	}
	d = pw_queue_push(&k->q, e);
	if (d)
		__atomic_add_fetch(&k->dropped, d, __ATOMIC_RELAXED);
	pthread_cond_signal(&k->cond);
	pthread_mutex_unlock(&k->lock);
}

void pw_net_stop_request(struct pw_sink *k, uint64_t deadline_ns)
{
	pthread_mutex_lock(&k->lock);
	k->deadline_ns = deadline_ns;
	__atomic_store_n(&k->stopping, 1, __ATOMIC_RELEASE);
	pthread_cond_broadcast(&k->cond);
	pthread_mutex_unlock(&k->lock);
}

void pw_net_join(struct pw_sink *k)
{
	if (k->started)
		pthread_join(k->thread, NULL);
	k->started = 0;
	/* Never started, or lines that came in while it was stopping. */
	__atomic_add_fetch(&k->dropped, pw_queue_clear(&k->q), __ATOMIC_RELAXED);
}
