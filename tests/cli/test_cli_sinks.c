// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Sinks against real receivers on loopback: a TCP and a unix receiver that
 * accept, stall, go away and come back (every line is received once or
 * counted dropped, exactly); Debian's rsyslogd, started here on private
 * ports, parsing what syslog:udp and syslog:tcp send as RFC 5424; and a
 * 10,000-alert burst through every kind at once with one receiver stalled.
 * Pure userspace: runs on the host and in the test VM alike.
 */
#define _GNU_SOURCE /* accept4 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <cmocka.h>
#include <jansson.h>
#include "harness.h"
#include "sinks/sinks.h"

static char dir[] = "/tmp/pw-sinks-cli.XXXXXX";

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The test VM boots with lo down. */
static void loopback_up(void)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	strcpy(ifr.ifr_name, "lo");
	if (!ioctl(fd, SIOCGIFFLAGS, &ifr) && !(ifr.ifr_flags & IFF_UP)) {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(fd, SIOCSIFFLAGS, &ifr))
			print_message("cannot bring lo up: %s\n", strerror(errno));
	}
	close(fd);
}

static struct pw_sinks *sinks_or_fail(const char *const *specs, int n)
{
	struct pw_sinks *s = pw_sinks_new();
	char err[512];
	int i;

	for (i = 0; i < n; i++)
		if (pw_sinks_add(s, specs[i], err, sizeof(err)))
			fail_msg("%s", err);
	if (pw_sinks_start(s, err, sizeof(err)))
		fail_msg("%s", err);
	return s;
}

/* ---- a receiver driven from the test's own thread ---- */

struct recv {
	int unix_dom;
	char path[108];
	int port;
	int lfd, cfd;
	char buf[1 << 16];
	size_t len;	     /* bytes of an unfinished line */
	unsigned char *seen; /* by line number */
	int max_n;
	int received, dups, bad, fragments, connections;
};

static void recv_listen(struct recv *r)
{
	int one = 1, small = 16384;

	if (r->unix_dom) {
		struct sockaddr_un sun = { .sun_family = AF_UNIX };

		strcpy(sun.sun_path, r->path);
		unlink(r->path);
		r->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		assert_int_equal(bind(r->lfd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	} else {
		struct sockaddr_in sin = { .sin_family = AF_INET,
					   .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
					   .sin_port = htons(r->port) };
		socklen_t sl = sizeof(sin);

		r->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		setsockopt(r->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		/* A small window, so that a stall fills up soon. */
		setsockopt(r->lfd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
		assert_int_equal(bind(r->lfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
		getsockname(r->lfd, (struct sockaddr *)&sin, &sl);
		r->port = ntohs(sin.sin_port);
	}
	assert_int_equal(listen(r->lfd, 4), 0);
}

static void recv_accept(struct recv *r, int ms)
{
	struct pollfd p = { .fd = r->lfd, .events = POLLIN };

	if (poll(&p, 1, ms) != 1)
		fail_msg("the sink did not connect within %d ms", ms);
	r->cfd = accept4(r->lfd, NULL, NULL, SOCK_CLOEXEC);
	assert_true(r->cfd >= 0);
	r->len = 0;
	r->connections++;
}

/* A line is {"n":N,"pad":"xx..."}: counted once, checked whole. */
static void recv_line(struct recv *r, const char *l, size_t len)
{
	int n, pad;

	if (sscanf(l, "{\"n\":%d,\"pad\":\"%n", &n, &pad) != 1 || n < 0 || n >= r->max_n ||
	    len != (size_t)pad + 200 + 2 || memcmp(l + len - 2, "\"}", 2)) {
		r->bad++;
		return;
	}
	if (r->seen[n]++)
		r->dups++;
	else
		r->received++;
}

/* Read what comes until nothing has for idle_ms, or EOF (returns 1). */
static int recv_read(struct recv *r, int idle_ms)
{
	for (;;) {
		struct pollfd p = { .fd = r->cfd, .events = POLLIN };
		ssize_t n;
		char *s, *nl;

		if (poll(&p, 1, idle_ms) != 1)
			return 0;
		n = read(r->cfd, r->buf + r->len, sizeof(r->buf) - r->len);
		if (n <= 0) {
			r->fragments += r->len > 0;
			r->len = 0;
			return 1;
		}
		r->len += n;
		s = r->buf;
		while ((nl = memchr(s, '\n', r->buf + r->len - s))) {
			recv_line(r, s, nl - s);
			s = nl + 1;
		}
		r->len -= s - r->buf;
		memmove(r->buf, s, r->len);
	}
}

static void recv_hangup(struct recv *r)
{
	r->fragments += r->len > 0;
	r->len = 0;
	close(r->cfd);
	close(r->lfd);
	r->cfd = r->lfd = -1;
}

static char pad[201];

static void produce(struct pw_sinks *s, int *n, int count, enum pw_severity sev)
{
	char line[300];
	int i, len;

	for (i = 0; i < count; i++) {
		len = snprintf(line, sizeof(line), "{\"n\":%d,\"pad\":\"%s\"}\n", (*n)++, pad);
		pw_sinks_write(s, line, len, PW_REC_ALERT, sev);
	}
}

/*
 * Accept and read; stall (stop reading) under a burst the queue cannot
 * hold; read again, then go away while lines keep coming; come back. The
 * receiver drains before it hangs up, so no line can be lost in its socket
 * buffer unseen: then produced == received + dropped holds exactly.
 */
static void stall_disconnect_return(int unix_dom)
{
	struct recv r = { .unix_dom = unix_dom, .max_n = 100000, .lfd = -1, .cfd = -1 };
	struct pw_sink_stats st;
	struct pw_sinks *s;
	char spec[256];
	const char *specs[1] = { spec };
	int n = 0, eof;

	memset(pad, 'x', 200);
	r.seen = calloc(r.max_n, 1);
	snprintf(r.path, sizeof(r.path), "%s/recv.sock", dir);
	recv_listen(&r);
	if (unix_dom)
		snprintf(spec, sizeof(spec), "unix,queue=500:%s", r.path);
	else
		snprintf(spec, sizeof(spec), "tcp,queue=500:127.0.0.1:%d", r.port);
	s = sinks_or_fail(specs, 1);

	/* up */
	produce(s, &n, 100, PW_SEV_HIGH);
	recv_accept(&r, 5000);
	recv_read(&r, 300);
	assert_int_equal(r.received, 100);

	/* stalled: 50,000 lines of 220 bytes are more than the socket buffers
	 * and the queue of 500 hold */
	produce(s, &n, 50000, PW_SEV_HIGH);
	pw_sinks_stats(s, 0, &st);
	assert_true(st.dropped > 0);
	recv_read(&r, 500);

	/* gone, while 1000 lines come: 500 fit the queue */
	recv_hangup(&r);
	produce(s, &n, 1000, PW_SEV_HIGH);
	usleep(300 * 1000); /* a few connection attempts fail */

	/* back */
	recv_listen(&r);
	recv_accept(&r, 15000);
	produce(s, &n, 100, PW_SEV_HIGH);
	recv_read(&r, 500);
	pw_sinks_stop(s, 5000);
	eof = recv_read(&r, 5000);
	assert_true(eof);
	recv_hangup(&r);
	pw_sinks_stats(s, 0, &st);
	print_message("%s: produced %d = received %d + dropped %llu; %llu reconnects, "
		      "%d cut fragments\n",
		      unix_dom ? "unix" : "tcp", n, r.received, (unsigned long long)st.dropped,
		      (unsigned long long)st.reconnects, r.fragments);
	assert_int_equal(r.dups, 0);
	assert_int_equal(r.bad, 0);
	assert_int_equal(r.connections, 2);
	assert_int_equal(st.queued, 0);
	assert_true(st.reconnects >= 1);
	assert_int_equal(st.written, r.received);
	assert_int_equal((uint64_t)n, (uint64_t)r.received + st.dropped);
	/* the lines after the return arrived */
	assert_true(r.seen[n - 1]);
	pw_sinks_close(s, 0);
	free(r.seen);
	if (unix_dom)
		unlink(r.path);
}

static void test_tcp_receiver_stalls_leaves_returns(void **state)
{
	stall_disconnect_return(0);
}

static void test_unix_receiver_stalls_leaves_returns(void **state)
{
	stall_disconnect_return(1);
}

/* ---- rsyslogd from Debian, on private ports ---- */

static pid_t rsyslog_pid;

static int free_port(int type)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sin);
	int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0), port;

	bind(fd, (struct sockaddr *)&sin, sizeof(sin));
	getsockname(fd, (struct sockaddr *)&sin, &sl);
	port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

static void rsyslog_kill(void)
{
	if (rsyslog_pid > 0) {
		kill(rsyslog_pid, SIGTERM);
		waitpid(rsyslog_pid, NULL, 0);
		rsyslog_pid = 0;
	}
}

static int rsyslog_teardown(void **state)
{
	rsyslog_kill();
	return 0;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, n + 1);
	if (fread(buf, 1, n, f) != (size_t)n)
		n = 0;
	fclose(f);
	return buf;
}

static int count_lines(const char *s)
{
	int n = 0;

	for (; s && *s; s++)
		n += *s == '\n';
	return n;
}

/* Wait until the output file holds at least want lines. */
static char *wait_lines(const char *path, int want, int ms)
{
	double end = now_s() + ms / 1000.0;
	char *got = NULL;

	do {
		free(got);
		got = slurp(path);
		if (count_lines(got) >= want)
			break;
		usleep(20000);
	} while (now_s() < end);
	return got;
}

/*
 * rsyslogd with its own config, work directory and pid file (the system's
 * rsyslog, if any, is not touched); imudp and imtcp on loopback; every
 * message written to out.log as the fields rsyslog parsed out of it.
 */
static void rsyslog_start(char *out, size_t outlen, int *udp, int *tcp)
{
	char conf[256], pidf[256], errf[256], probe[256], *got = NULL;
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	double end;
	FILE *f;
	int fd;

	if (access("/usr/sbin/rsyslogd", X_OK))
		fail_msg("rsyslogd not installed (/usr/sbin/rsyslogd: %s): make deps installs "
			 "Debian's rsyslog",
			 strerror(errno));
	*udp = free_port(SOCK_DGRAM);
	*tcp = free_port(SOCK_STREAM);
	snprintf(conf, sizeof(conf), "%s/rsyslog.conf", dir);
	snprintf(pidf, sizeof(pidf), "%s/rsyslogd.pid", dir);
	snprintf(errf, sizeof(errf), "%s/rsyslogd.err", dir);
	snprintf(out, outlen, "%s/out.log", dir);
	f = fopen(conf, "w");
	assert_non_null(f);
	fprintf(f,
		"global(workDirectory=\"%s\" maxMessageSize=\"64k\")\n"
		"module(load=\"imudp\")\n"
		"module(load=\"imtcp\")\n"
		"input(type=\"imudp\" address=\"127.0.0.1\" port=\"%d\")\n"
		"input(type=\"imtcp\" address=\"127.0.0.1\" port=\"%d\")\n"
		"template(name=\"fields\" type=\"string\" string=\"%%syslogfacility%%|"
		"%%syslogseverity%%|%%app-name%%|%%procid%%|%%msgid%%|%%structured-data%%|"
		"%%msg%%\\n\")\n"
		"*.* action(type=\"omfile\" file=\"%s\" template=\"fields\")\n",
		dir, *udp, *tcp, out);
	fclose(f);
	rsyslog_pid = fork();
	assert_true(rsyslog_pid >= 0);
	if (!rsyslog_pid) {
		fd = open(errf, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(fd, 1);
		dup2(fd, 2);
		/* Dies with the suite, even one killed by run-all.sh's timeout. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() == 1)
			_exit(127);
		execl("/usr/sbin/rsyslogd", "rsyslogd", "-n", "-f", conf, "-i", pidf, NULL);
		_exit(127);
	}
	/* Ready when a UDP probe comes out the other end. */
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	sin.sin_port = htons(*udp);
	snprintf(probe, sizeof(probe), "<13>1 - - probe - - - ready");
	end = now_s() + 15;
	while (now_s() < end) {
		int status;

		if (waitpid(rsyslog_pid, &status, WNOHANG) == rsyslog_pid) {
			char *e = slurp(errf);

			rsyslog_pid = 0;
			close(fd);
			fail_msg("rsyslogd exited (status %#x) before it was ready:\n%s", status,
				 e ? e : "");
		}
		sendto(fd, probe, strlen(probe), 0, (struct sockaddr *)&sin, sizeof(sin));
		free(got);
		got = slurp(out);
		if (got && strstr(got, "ready"))
			break;
		usleep(100000);
	}
	close(fd);
	if (!got || !strstr(got, "ready")) {
		char *e = slurp(errf);

		fail_msg("rsyslogd did not pass a probe within 15 s; its output:\n%s", e ? e : "");
	}
	free(got);
	/* Start the checks on an empty file: rsyslog appends to it. */
	truncate(out, 0);
}

/* A field of a parsed line (split at '|', the last field is the rest). */
static const char *field(const char *line, int i, char *buf, size_t len)
{
	const char *end;

	while (i-- > 0) {
		line = strchr(line, '|');
		if (!line)
			return "";
		line++;
	}
	end = strchr(line, '|') ? strchr(line, '|') : line + strlen(line);
	snprintf(buf, len, "%.*s", (int)(end - line), line);
	return buf;
}

static void check_rsyslog_line(const char *line, const char *rule, const char *cid,
			       const char *json_in, int facility, int severity)
{
	char b[4096], want[512];
	const char *msg;
	json_t *j;

	assert_int_equal(atoi(field(line, 0, b, sizeof(b))), facility);
	assert_int_equal(atoi(field(line, 1, b, sizeof(b))), severity);
	assert_string_equal(field(line, 2, b, sizeof(b)), "privwatch");
	assert_int_equal(atoi(field(line, 3, b, sizeof(b))), getpid());
	assert_string_equal(field(line, 4, b, sizeof(b)), "alert");
	snprintf(want, sizeof(want), "[privwatch@32473 rule=\"%s\" container=\"%s\"]", rule, cid);
	assert_string_equal(field(line, 5, b, sizeof(b)), want);
	/* The message: from the sixth '|' on, the JSON byte for byte. */
	msg = line;
	for (int i = 0; i < 6; i++)
		msg = strchr(msg, '|') + 1;
	assert_memory_equal(msg, json_in, strlen(json_in) - 1);
	j = json_loadb(msg, strlen(json_in) - 1, 0, NULL);
	assert_non_null(j);
	json_decref(j);
}

static void test_rsyslog_parses_udp_and_tcp_as_rfc5424(void **state)
{
	char out[256], specs_buf[2][128], line[512], *got, *l, *save = NULL;
	const char *specs[2] = { specs_buf[0], specs_buf[1] };
	/* A rule id with the three characters SD-PARAM values escape. */
	struct pw_alert_attrs a = { .rule_id = "PW-0001", .container_id = "c0ffee" };
	struct pw_alert_attrs odd = { .rule_id = "PW-\"]\\x", .container_id = "c0ffee" };
	struct pw_sink_stats st;
	struct pw_sinks *s;
	int udp, tcp, i, n = 0, len, udp_n = 0, tcp_n = 0, odd_n = 0;

	rsyslog_start(out, sizeof(out), &udp, &tcp);
	snprintf(specs_buf[0], sizeof(specs_buf[0]), "syslog:udp:127.0.0.1:%d", udp);
	snprintf(specs_buf[1], sizeof(specs_buf[1]), "syslog,facility=local0:tcp:127.0.0.1:%d",
		 tcp);
	s = sinks_or_fail(specs, 2);
	for (i = 0; i < 50; i++) {
		len = snprintf(
			line, sizeof(line),
			"{\"schema\":\"privwatch.alert/1\",\"n\":%d,\"rule\":{\"id\":"
			"\"PW-0001\",\"title\":\"a | b\"},\"path\":\"/sys/\\u00e9\\\"q\\\"\"}\n",
			i);
		pw_sinks_write_alert(s, line, len, PW_SEV_HIGH, &a);
	}
	pw_sinks_write_alert(s, "{\"odd\":true}\n", 13, PW_SEV_CRITICAL, &odd);
	pw_sinks_stop(s, 5000);
	for (i = 0; i < 2; i++) {
		pw_sinks_stats(s, i, &st);
		assert_int_equal(st.written, 51);
		assert_int_equal(st.dropped, 0);
	}
	pw_sinks_close(s, 0);

	/* UDP on loopback into an idle rsyslogd loses nothing in practice. */
	got = wait_lines(out, 102, 10000);
	for (l = strtok_r(got, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		int fac = atoi(l);
		char app[64];

		/* late readiness probes */
		if (strcmp(field(l, 2, app, sizeof(app)), "privwatch"))
			continue;
		if (strstr(l, "{\"odd\":true}")) {
			char b[256];

			assert_string_equal(field(l, 5, b, sizeof(b)),
					    "[privwatch@32473 rule=\"PW-\\\"\\]\\\\x\" "
					    "container=\"c0ffee\"]");
			assert_int_equal(atoi(field(l, 1, b, sizeof(b))), 2);
			odd_n++;
			continue;
		}
		assert_true(sscanf(strstr(l, "\"n\":"), "\"n\":%d", &n) == 1);
		snprintf(line, sizeof(line),
			 "{\"schema\":\"privwatch.alert/1\",\"n\":%d,\"rule\":{\"id\":"
			 "\"PW-0001\",\"title\":\"a | b\"},\"path\":\"/sys/\\u00e9\\\"q\\\"\"}\n",
			 n);
		check_rsyslog_line(l, "PW-0001", "c0ffee", line, fac, 3);
		if (fac == 3)
			udp_n++;
		else if (fac == 16)
			tcp_n++;
	}
	assert_int_equal(udp_n, 50);
	assert_int_equal(tcp_n, 50);
	assert_int_equal(odd_n, 2);
	free(got);
	rsyslog_kill();
}

/* syslog:unix:PATH (plain syslog is /dev/log): one datagram per message,
 * no octet count, the same RFC 5424 header. */
static void test_syslog_local_datagram(void **state)
{
	const char *meta = "{\"schema\":\"privwatch.stats/1\"}\n";
	const char *alert = "{\"rule\":{\"id\":\"PW-0003\"},\"container\":{\"id\":\"c1\"}}\n";
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char spec[256], buf[4096], want[512], host[256];
	const char *specs[1] = { spec };
	struct pw_sink_stats st;
	struct pw_sinks *s;
	struct pollfd p;
	ssize_t n;
	int fd;

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/log.sock", dir);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	snprintf(spec, sizeof(spec), "syslog,facility=local7:unix:%s", sun.sun_path);
	s = sinks_or_fail(specs, 1);
	pw_sinks_write(s, meta, strlen(meta), PW_REC_META, PW_SEV_INFO);
	pw_sinks_write(s, alert, strlen(alert), PW_REC_ALERT, PW_SEV_MEDIUM);
	pw_sinks_stop(s, 2000);
	pw_sinks_stats(s, 0, &st);
	assert_int_equal(st.written, 2);
	pw_sinks_close(s, 0);

	gethostname(host, sizeof(host));
	p = (struct pollfd){ .fd = fd, .events = POLLIN };
	assert_int_equal(poll(&p, 1, 2000), 1);
	n = read(fd, buf, sizeof(buf) - 1);
	buf[n] = 0;
	assert_memory_equal(buf, "<190>1 ", 7); /* local7 (23) * 8 + info */
	snprintf(want, sizeof(want), " %s privwatch %d meta - {\"schema\":\"privwatch.stats/1\"}",
		 host, getpid());
	assert_string_equal(buf + 7 + 27, want);
	n = read(fd, buf, sizeof(buf) - 1);
	buf[n] = 0;
	assert_memory_equal(buf, "<188>1 ", 7); /* medium: warning (4) */
	/* no attributes given: picked out of the JSON */
	assert_non_null(
		strstr(buf, " alert [privwatch@32473 rule=\"PW-0003\" container=\"c1\"] {"));
	close(fd);
	unlink(sun.sun_path);
}

/* Nothing listening at all: writes return at once, close gives up at its
 * deadline and counts everything dropped. */
static void test_dead_receiver_costs_the_deadline_only(void **state)
{
	char spec[256];
	const char *specs[2] = { spec, "syslog:unix:/nonexistent/log" };
	struct pw_sink_stats st;
	struct pw_sinks *s;
	double t0;
	int i;

	snprintf(spec, sizeof(spec), "tcp:127.0.0.1:%d", free_port(SOCK_STREAM));
	s = sinks_or_fail(specs, 2);
	for (i = 0; i < 100; i++)
		pw_sinks_write(s, "{}\n", 3, PW_REC_ALERT, PW_SEV_CRITICAL);
	t0 = now_s();
	pw_sinks_stop(s, 300);
	assert_true(now_s() - t0 < 5); /* bounded, generously */
	for (i = 0; i < 2; i++) {
		pw_sinks_stats(s, i, &st);
		assert_int_equal(st.written, 0);
		assert_int_equal(st.dropped, 100);
		assert_int_equal(st.queued, 0);
	}
	pw_sinks_close(s, 0);
}

/* A connection that dies in the middle of a line: the line is sent again,
 * whole, on the next connection; the first saw only a fragment. */
static void test_line_cut_by_a_dead_connection_is_resent_whole(void **state)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	size_t big = 1 << 20, got = 0;
	char spec[256], *line = malloc(big), *buf = malloc(big + 1);
	const char *specs[1] = { spec };
	struct pw_sink_stats st;
	struct pw_sinks *s;
	struct pollfd p;
	int lfd, cfd;
	ssize_t n;

	memset(line, 'x', big);
	memcpy(line, "{\"big\":\"", 8);
	memcpy(line + big - 3, "\"}\n", 3);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/cut.sock", dir);
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(listen(lfd, 4), 0);
	snprintf(spec, sizeof(spec), "unix:%s", sun.sun_path);
	s = sinks_or_fail(specs, 1);
	pw_sinks_write(s, line, big, PW_REC_ALERT, PW_SEV_HIGH);

	/* first connection: read a little of the line, hang up on the rest */
	p = (struct pollfd){ .fd = lfd, .events = POLLIN };
	assert_int_equal(poll(&p, 1, 5000), 1);
	cfd = accept(lfd, NULL, NULL);
	assert_true(read(cfd, buf, 1000) > 0);
	close(cfd);

	/* second: the whole line, once */
	assert_int_equal(poll(&p, 1, 5000), 1);
	cfd = accept(lfd, NULL, NULL);
	p = (struct pollfd){ .fd = cfd, .events = POLLIN };
	while (got <= big && poll(&p, 1, 2000) == 1 &&
	       (n = read(cfd, buf + got, big + 1 - got)) > 0)
		got += n;
	pw_sinks_stop(s, 1000);
	pw_sinks_stats(s, 0, &st);
	assert_int_equal(got, big);
	assert_memory_equal(buf, line, big);
	assert_int_equal(st.written, 1);
	assert_int_equal(st.dropped, 0);
	assert_int_equal(st.reconnects, 1);
	pw_sinks_close(s, 0);
	close(cfd);
	close(lfd);
	unlink(sun.sun_path);
	free(line);
	free(buf);
}

/* ---- a 10,000-alert burst through every kind at once ---- */

/* Accepts one connection on lfd and counts its lines until EOF. */
struct reader {
	int lfd;
	long lines;
	pthread_t t;
};

static void *reader_main(void *arg)
{
	struct reader *r = arg;
	char buf[1 << 16];
	int fd = accept4(r->lfd, NULL, NULL, SOCK_CLOEXEC);
	ssize_t n, i;

	while (fd >= 0 && (n = read(fd, buf, sizeof(buf))) > 0)
		for (i = 0; i < n; i++)
			r->lines += buf[i] == '\n';
	if (fd >= 0)
		close(fd);
	return NULL;
}

static long rss_kib(const char *field)
{
	char line[256];
	long v = -1;
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, field, strlen(field)))
			v = atol(line + strlen(field) + 1);
	if (f)
		fclose(f);
	return v;
}

static int listen_tcp(int *port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(fd, 4), 0);
	getsockname(fd, (struct sockaddr *)&sin, &sl);
	*port = ntohs(sin.sin_port);
	return fd;
}

static void test_burst_through_every_sink_none_blocks_another(void **state)
{
	char file[256], sock[108], spec[4][256], line[1200], big[1001], *got;
	const char *specs[4] = { spec[0], spec[1], spec[2], spec[3] };
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	socklen_t sl = sizeof(sin);
	struct pw_sink_stats st[4];
	struct reader ur = { 0 };
	struct pw_sinks *s;
	int stalled, tport, udp, i, len, n = 10000;
	long rss_before, rss_during;
	double t0, t1;

	/* Alerts of about 1 KiB, as real ones with argv and ancestry are. */
	memset(big, 'x', 1000);
	big[1000] = 0;
	snprintf(file, sizeof(file), "%s/burst.json", dir);
	/* tcp: a listener that never accepts nor reads */
	stalled = listen_tcp(&tport);
	/* udp: a bound socket nobody reads */
	udp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_int_equal(bind(udp, (struct sockaddr *)&sin, sizeof(sin)), 0);
	getsockname(udp, (struct sockaddr *)&sin, &sl);
	/* unix: a reader that keeps up */
	snprintf(sock, sizeof(sock), "%s/burst.sock", dir);
	strcpy(sun.sun_path, sock);
	unlink(sock);
	ur.lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_int_equal(bind(ur.lfd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(listen(ur.lfd, 4), 0);
	pthread_create(&ur.t, NULL, reader_main, &ur);

	snprintf(spec[0], sizeof(spec[0]), "file:%s", file);
	snprintf(spec[1], sizeof(spec[1]), "tcp,queue=1000:127.0.0.1:%d", tport);
	snprintf(spec[2], sizeof(spec[2]), "syslog:udp:127.0.0.1:%d", ntohs(sin.sin_port));
	snprintf(spec[3], sizeof(spec[3]), "unix:%s", sock);
	s = sinks_or_fail(specs, 4);

	rss_before = rss_kib("VmRSS:");
	t0 = now_s();
	for (i = 0; i < n; i++) {
		len = snprintf(line, sizeof(line), "{\"n\":%d,\"pad\":\"%s\"}\n", i, big);
		pw_sinks_write(s, line, len, PW_REC_ALERT, i % 10 ? PW_SEV_HIGH : PW_SEV_CRITICAL);
	}
	t1 = now_s();
	rss_during = rss_kib("VmRSS:");
	/* The file has every line as soon as the writes return. */
	got = slurp(file);
	assert_int_equal(count_lines(got), n);
	free(got);

	pw_sinks_stop(s, 1000);
	for (i = 0; i < 4; i++) {
		pw_sinks_stats(s, i, &st[i]);
		print_message("%-40s written %6llu dropped %6llu queued %llu\n", st[i].spec,
			      (unsigned long long)st[i].written, (unsigned long long)st[i].dropped,
			      (unsigned long long)st[i].queued);
		assert_int_equal(st[i].written + st[i].dropped, n);
		assert_int_equal(st[i].queued, 0);
	}
	assert_int_equal(st[0].written, n);
	assert_true(st[1].dropped > 0); /* the stalled one lost lines, counted */
	pthread_join(ur.t, NULL);
	assert_int_equal(ur.lines, st[3].written);
	print_message("burst: %d alerts to 4 sinks in %.3f s (%.0f alerts/s); RSS %ld KiB before, "
		      "%ld KiB during, peak %ld KiB\n",
		      n, t1 - t0, n / (t1 - t0), rss_before, rss_during, rss_kib("VmHWM:"));
	pw_sinks_close(s, 0);
	close(stalled);
	close(udp);
	close(ur.lfd);
	unlink(sock);
}

/* Not a test of speed (nothing is asserted on time): the numbers for the
 * report, alerts/s into a file and over TCP on loopback without drops. */
static void test_throughput_file_and_tcp(void **state)
{
	char file[256], spec[256], line[512];
	const char *specs[1] = { spec };
	struct reader tr = { 0 };
	struct pw_sink_stats st;
	struct pw_sinks *s;
	int port, i, len, n = 200000;
	double t0, t1;

	memset(pad, 'x', 200);
	snprintf(file, sizeof(file), "%s/speed.json", dir);
	snprintf(spec, sizeof(spec), "file,max=0:%s", file);
	s = sinks_or_fail(specs, 1);
	t0 = now_s();
	for (i = 0; i < n; i++) {
		len = snprintf(line, sizeof(line), "{\"n\":%d,\"pad\":\"%s\"}\n", i, pad);
		pw_sinks_write(s, line, len, PW_REC_ALERT, PW_SEV_HIGH);
	}
	t1 = now_s();
	pw_sinks_stats(s, 0, &st);
	assert_int_equal(st.written, n);
	pw_sinks_close(s, 0);
	unlink(file);
	print_message("file: %d alerts of %d bytes in %.3f s: %.0f alerts/s\n", n, len, t1 - t0,
		      n / (t1 - t0));

	tr.lfd = listen_tcp(&port);
	pthread_create(&tr.t, NULL, reader_main, &tr);
	snprintf(spec, sizeof(spec), "tcp:127.0.0.1:%d", port);
	s = sinks_or_fail(specs, 1);
	t0 = now_s();
	for (i = 0; i < n; i++) {
		len = snprintf(line, sizeof(line), "{\"n\":%d,\"pad\":\"%s\"}\n", i, pad);
		pw_sinks_write(s, line, len, PW_REC_ALERT, PW_SEV_HIGH);
		/* Keep below the queue bound: the sustained rate, not the drops. */
		while (!(i % 1000)) {
			pw_sinks_stats(s, 0, &st);
			if (st.queued < 5000)
				break;
			usleep(200);
		}
	}
	pw_sinks_stop(s, 10000);
	pthread_join(tr.t, NULL);
	t1 = now_s();
	pw_sinks_stats(s, 0, &st);
	assert_int_equal(st.dropped, 0);
	assert_int_equal(tr.lines, n);
	pw_sinks_close(s, 0);
	close(tr.lfd);
	print_message("tcp: %d alerts of %d bytes received in %.3f s: %.0f alerts/s\n", n, len,
		      t1 - t0, n / (t1 - t0));
}

static int setup(void **state)
{
	signal(SIGPIPE, SIG_IGN);
	loopback_up();
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	rsyslog_kill();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp_receiver_stalls_leaves_returns),
		cmocka_unit_test(test_unix_receiver_stalls_leaves_returns),
		cmocka_unit_test_teardown(test_rsyslog_parses_udp_and_tcp_as_rfc5424,
					  rsyslog_teardown),
		cmocka_unit_test(test_syslog_local_datagram),
		cmocka_unit_test(test_dead_receiver_costs_the_deadline_only),
		cmocka_unit_test(test_line_cut_by_a_dead_connection_is_resent_whole),
		cmocka_unit_test(test_burst_through_every_sink_none_blocks_another),
		cmocka_unit_test(test_throughput_file_and_tcp),
	};

	h_init(argv[0]);
	return cmocka_run_group_tests_name("cli: sinks with real receivers", tests, setup,
					   teardown);
}
