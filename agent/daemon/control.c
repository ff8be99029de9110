// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The control socket (see control.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include "daemon/control.h"
#include "lib/fdio.h"

#define IO_DEADLINE_MS 2000 /* a client's request, and taking our answer */
#define MAX_WORDS      8

struct pw_control {
	int lfd, stopfd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	dev_t dev;
	ino_t ino;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int pending; /* a request waits for the event thread */
	int answered;
	int stopping; /* pw_control_close: no answer will come */
	int client;   /* the connection being served, or -1 (close shuts it down) */
	char req[PW_CONTROL_REQ_MAX];
	char reply[PW_CONTROL_REPLY_MAX];
};

static void set_timeouts(int fd, int ms)
{
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* One line (without its newline) within the socket's deadline: its length,
 * or -1 (nothing, too long, timed out). */
static ssize_t read_line(int fd, char *buf, size_t len)
{
	size_t n = 0;

	while (n + 1 < len) {
		ssize_t r = read(fd, buf + n, len - 1 - n);
		char *nl;

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
		buf[n] = 0;
		nl = memchr(buf, '\n', n);
		if (nl) {
			*nl = 0;
			return nl - buf;
		}
	}
	return -1;
}

static void reply_error(char *out, size_t len, const char *why)
{
	snprintf(out, len, "{\"ok\":false,\"error\":\"%s\"}", why);
}

/* Hands the request to the event thread; its answer, or "busy" past the
 * bound. */
static void ask_event_thread(struct pw_control *c, const char *req, char *out, size_t len)
{
	struct timespec dl;

	clock_gettime(CLOCK_MONOTONIC, &dl);
	dl.tv_sec += PW_CONTROL_ANSWER_MS / 1000;
	pthread_mutex_lock(&c->mu);
	snprintf(c->req, sizeof(c->req), "%s", req);
	c->answered = 0;
	__atomic_store_n(&c->pending, 1, __ATOMIC_RELEASE);
	while (!c->answered && !c->stopping)
		if (pthread_cond_timedwait(&c->cv, &c->mu, &dl) == ETIMEDOUT)
			break;
	if (c->answered)
		snprintf(out, len, "%s", c->reply);
	else if (c->stopping)
		reply_error(out, len, "the agent is stopping");
	else
		reply_error(out, len, "busy: the agent did not answer within 5 s");
	__atomic_store_n(&c->pending, 0, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&c->mu);
}

static void serve(struct pw_control *c, int fd)
{
	struct ucred cred;
	socklen_t cl = sizeof(cred);
	char req[PW_CONTROL_REQ_MAX], out[PW_CONTROL_REPLY_MAX + 1];

	set_timeouts(fd, IO_DEADLINE_MS);
	/* The socket is 0600 already; the peer's credentials say it again. */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) || cred.uid != geteuid())
		reply_error(out, sizeof(out), "only root may ask the agent");
	else if (read_line(fd, req, sizeof(req)) < 0)
		reply_error(out, sizeof(out), "no request line (within 2 s, at most 511 bytes)");
	else
		ask_event_thread(c, req, out, sizeof(out) - 1);
	strcat(out, "\n");
	pw_write_all(fd, out, strlen(out)); /* a client gone: nothing to do */
}

static void *control_thread(void *arg)
{
	struct pw_control *c = arg;
	struct pollfd pfd[2] = { { .fd = c->lfd, .events = POLLIN },
				 { .fd = c->stopfd, .events = POLLIN } };

	for (;;) {
		int fd;

		if (poll(pfd, 2, -1) < 0 && errno != EINTR)
			break;
		if (pfd[1].revents)
			break;
		if (!(pfd[0].revents & POLLIN))
			continue;
		fd = accept4(c->lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		pthread_mutex_lock(&c->mu);
		c->client = c->stopping ? -1 : fd;
		pthread_mutex_unlock(&c->mu);
		if (c->client >= 0)
			serve(c, fd);
		pthread_mutex_lock(&c->mu);
		c->client = -1;
		pthread_mutex_unlock(&c->mu);
		close(fd);
	}
	return NULL;
}

/* The socket's directory: root's (ours), not writable by anyone else, or a
 * local user could put their own socket in its place. */
static int check_dir(const char *path, char *err, size_t errlen)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *slash;
	struct stat st;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || path[0] != '/') {
		snprintf(err, errlen, "control socket %s: not an absolute path", path);
		return -1;
	}
	if (slash == dir)
		slash[1] = 0;
	else
		*slash = 0;
	if (lstat(dir, &st)) {
		snprintf(err, errlen, "control socket %s: %s: %s", path, dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 022)) {
		snprintf(err, errlen,
			 "control socket %s: %s must be a directory of ours that no one else "
			 "can write to",
			 path, dir);
		return -1;
	}
	return 0;
}

/* A socket already at path: a live agent's (refused) or a dead one's
 * (removed). Anything else there is refused. */
static int clear_stale(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, live;

	if (lstat(path, &st))
		return errno == ENOENT ? 0 : -1;
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "control socket %s: exists and is not a socket", path);
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	live = connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0;
	close(fd);
	if (live) {
		snprintf(err, errlen, "control socket %s: another agent answers there", path);
		return -1;
	}
	return unlink(path);
}

struct pw_control *pw_control_open(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	sigset_t all, old;
	pthread_condattr_t ca;
	struct pw_control *c;
	struct stat st;
	int bound = 0, rc;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "control socket %s: longer than %zu bytes", path,
			 sizeof(sun.sun_path) - 1);
		return NULL;
	}
	if (check_dir(path, err, errlen))
		return NULL;
	if (clear_stale(path, err, errlen)) {
		if (!err[0])
			snprintf(err, errlen, "control socket %s: %s", path, strerror(errno));
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(err, errlen, "control socket: out of memory");
		return NULL;
	}
	snprintf(c->path, sizeof(c->path), "%s", path);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	c->client = -1;
	c->stopfd = eventfd(0, EFD_CLOEXEC);
	c->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->stopfd < 0 || c->lfd < 0 || bind(c->lfd, (struct sockaddr *)&sun, sizeof(sun))) {
		snprintf(err, errlen, "control socket %s: %s", path, strerror(errno));
		goto fail;
	}
	bound = 1;
	/* 0600 before listen: no one connects in between (not listening yet). */
	if (chmod(path, 0600) || listen(c->lfd, 8) || stat(path, &st)) {
		snprintf(err, errlen, "control socket %s: %s", path, strerror(errno));
		goto fail;
	}
	c->dev = st.st_dev;
	c->ino = st.st_ino;
	pthread_mutex_init(&c->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&c->cv, &ca);
	pthread_condattr_destroy(&ca);
	/* Signals go to the event thread, never to this one. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(&c->thread, NULL, control_thread, c);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc) {
		snprintf(err, errlen, "control socket %s: no thread", path);
		pthread_cond_destroy(&c->cv);
		pthread_mutex_destroy(&c->mu);
		goto fail;
	}
	return c;
fail:
	if (bound) /* ours: another agent's socket is never removed */
		unlink(path);
	if (c->lfd >= 0)
		close(c->lfd);
	if (c->stopfd >= 0)
		close(c->stopfd);
	free(c);
	return NULL;
}

void pw_control_poll(struct pw_control *c, pw_control_fn fn, void *ctx)
{
	char *argv[MAX_WORDS + 1], *save = NULL, *w;
	int argc = 0;

	if (!c || !__atomic_load_n(&c->pending, __ATOMIC_ACQUIRE))
		return;
	pthread_mutex_lock(&c->mu);
	if (c->pending && !c->answered) {
		for (w = strtok_r(c->req, " \t", &save); w && argc < MAX_WORDS;
		     w = strtok_r(NULL, " \t", &save))
			argv[argc++] = w;
		argv[argc] = NULL;
		c->reply[0] = 0;
		if (w)
			reply_error(c->reply, sizeof(c->reply), "too many words");
		else
			fn(ctx, argc, argv, c->reply, sizeof(c->reply));
		c->answered = 1;
		pthread_cond_signal(&c->cv);
	}
	pthread_mutex_unlock(&c->mu);
}

void pw_control_close(struct pw_control *c)
{
	uint64_t one = 1;
	struct stat st;

	if (!c)
		return;
	/* A client being served: its read ends now, its wait for an answer
	 * too (this thread, the one that would answer, is leaving). */
	pthread_mutex_lock(&c->mu);
	c->stopping = 1;
	if (c->client >= 0)
		shutdown(c->client, SHUT_RD);
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->mu);
	if (write(c->stopfd, &one, sizeof(one)) == sizeof(one))
		pthread_join(c->thread, NULL);
	close(c->lfd);
	close(c->stopfd);
	/* Only our own socket: another agent's may have replaced it since. */
	if (!lstat(c->path, &st) && st.st_dev == c->dev && st.st_ino == c->ino)
		unlink(c->path);
	pthread_cond_destroy(&c->cv);
	pthread_mutex_destroy(&c->mu);
	free(c);
}

int pw_control_ask(const char *path, const char *req, char *reply, size_t len, int timeout_ms)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char line[PW_CONTROL_REQ_MAX + 1];
	int fd, rc = 0;

	if (strlen(path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	set_timeouts(fd, timeout_ms);
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun))) {
		rc = errno == ECONNREFUSED ? -ENOENT : -errno;
		close(fd);
		return rc;
	}
	snprintf(line, sizeof(line), "%s\n", req);
	if (pw_write_all(fd, line, strlen(line)))
		rc = -EIO;
	else if (read_line(fd, reply, len) < 0)
		rc = -ETIMEDOUT;
	close(fd);
	return rc;
}
