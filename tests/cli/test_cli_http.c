// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#define _GNU_SOURCE /* accept4 */
/*
 * privwatch run --http: /healthz, /readyz and /metrics from the binary, on
 * a free port of the test's own. /metrics goes through promtool (Debian's
 * prometheus package) and its values are compared with privwatch.stats/1;
 * /readyz turns 503 naming the check when a TCP sink's receiver stops
 * reading, and when the kernel drops more than --ready-max-drop-rate.
 */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <cmocka.h>
#include <jansson.h>
#include "harness.h"

#define PW ((char *)h_privwatch())

static char dir[64], cg[PATH_MAX];
static uint64_t cg_id;
static pid_t agent_pid; /* for stopped_agent_execs */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int free_port(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), port;

	bind(fd, (struct sockaddr *)&sin, sizeof(sin));
	getsockname(fd, (struct sockaddr *)&sin, &sl);
	port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

/* GET path; the status (-1: no answer) and the body (malloc'd) in *body. */
static int get(int port, const char *path, char **body)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
				   .sin_port = htons(port) };
	size_t len = 0, cap = 1 << 16;
	char *buf = malloc(cap), req[256], *b;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), status = -1;
	struct timeval tv = { .tv_sec = 10 };
	ssize_t n;

	*body = NULL;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)))
		goto out;
	snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n", path);
	if (write(fd, req, strlen(req)) != (ssize_t)strlen(req))
		goto out;
	while ((n = read(fd, buf + len, cap - len - 1)) > 0) {
		len += n;
		if (len + 1 == cap)
			buf = realloc(buf, cap *= 2);
	}
	buf[len] = 0;
	if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1)
		status = -1;
	b = strstr(buf, "\r\n\r\n");
	*body = strdup(b ? b + 4 : "");
out:
	close(fd);
	free(buf);
	return status;
}

/* The value of a sample line ("name{labels}" as written), or -1. */
static double sample(const char *text, const char *series)
{
	size_t n = strlen(series);
	const char *p = text;

	while ((p = strstr(p, series))) {
		if ((p == text || p[-1] == '\n') && p[n] == ' ')
			return strtod(p + n + 1, NULL);
		p += n;
	}
	return -1;
}

static int file_has(const char *path, const char *needle)
{
	char buf[1 << 16];
	size_t n;
	FILE *f = fopen(path, "r");
	int found = 0;

	if (!f)
		return 0;
	while (!found && (n = fread(buf, 1, sizeof(buf) - 1, f)) > 0) {
		buf[n] = 0;
		found = strstr(buf, needle) != NULL;
	}
	fclose(f);
	return found;
}

/* Start the agent; wait for the start record in out (stdout: NULL). */
static void start(struct h_proc *p, char *const argv[], const char *out)
{
	char line[1 << 16];
	double end = now_s() + h_start_wait_ms() / 1000.0;

	assert_int_equal(h_proc_start(p, argv), 0);
	if (!out) {
		assert_int_equal(h_proc_line(p, line, sizeof(line), h_start_wait_ms()), 0);
		assert_non_null(strstr(line, "privwatch.start/1"));
		return;
	}
	while (!file_has(out, "privwatch.start/1") && now_s() < end)
		usleep(20000);
	assert_true(file_has(out, "privwatch.start/1"));
}

/* /readyz until its status is want (within ms); the parsed body. */
static json_t *readyz_until(int port, int want, int ms, void (*load)(void))
{
	double end = now_s() + ms / 1000.0;
	char *body = NULL;
	int st;

	do {
		free(body);
		if (load)
			load();
		else
			usleep(200000);
		st = get(port, "/readyz", &body);
	} while (st != want && now_s() < end);
	if (st != want)
		fail_msg("/readyz stayed %d, not %d: %s", st, want, body ? body : "");
	{
		json_t *j = json_loads(body, 0, NULL);

		assert_non_null(j);
		free(body);
		return j;
	}
}

static const char *why(json_t *ready, const char *check)
{
	return json_string_value(
		json_object_get(json_object_get(json_object_get(ready, "checks"), check), "why"));
}

static int check_ok(json_t *ready, const char *check)
{
	return json_is_true(
		json_object_get(json_object_get(json_object_get(ready, "checks"), check), "ok"));
}

/* Execs in the watched cgroup: each a fork, an exec and an exit record. */
static void execs(int n)
{
	char count[16];
	char *argv[] = { "/bin/sh", "-c",
			 "i=0; while [ $i -lt $0 ]; do /bin/true; i=$((i+1)); done", count, NULL };

	snprintf(count, sizeof(count), "%d", n);
	assert_int_equal(h_wait(h_spawn(cg, argv)), 0);
}

static void some_execs(void)
{
	execs(300);
}

/* The agent stopped while the cgroup execs: its ring fills whatever the
 * machine's speed (an emulated VM's consumer keeps up with a burst). */
static void stopped_agent_execs(void)
{
	kill(agent_pid, SIGSTOP);
	execs(100);
	kill(agent_pid, SIGCONT);
	usleep(200000);
}

static void test_healthz_readyz_metrics_promtool_and_stats(void **state)
{
	char port_s[32], line[1 << 16], mpath[PATH_MAX], cmd[PATH_MAX + 64], out[4096], err[4096];
	int port = free_port(), st, tries, equal = 0;
	char *body, *argv[] = { PW,	"run",	    "--lock-file", "none", "--http",
				port_s, "--events", "--cgroup",	   cg,	   "--stats-interval",
				"1",	NULL };
	char *sh[] = { "/bin/sh", "-c", cmd, NULL };
	struct h_proc p;
	json_t *j, *ev;
	FILE *f;

	snprintf(port_s, sizeof(port_s), "127.0.0.1:%d", port);
	start(&p, argv, NULL);
	st = get(port, "/healthz", &body);
	assert_int_equal(st, 200);
	assert_non_null(strstr(body, "\"alive\":true"));
	free(body);
	j = readyz_until(port, 200, 10000, NULL);
	assert_true(json_is_true(json_object_get(j, "ready")));
	assert_true(check_ok(j, "programs"));
	assert_true(check_ok(j, "sinks"));
	json_decref(j);
	assert_int_equal(get(port, "/nowhere", &body), 404);
	free(body);

	execs(20);
	/* promtool: the format and the naming conventions, no lint warning */
	assert_int_equal(get(port, "/metrics", &body), 200);
	snprintf(mpath, sizeof(mpath), "%s/metrics.txt", dir);
	f = fopen(mpath, "w");
	assert_non_null(f);
	fputs(body, f);
	fclose(f);
	free(body);
	snprintf(cmd, sizeof(cmd), "promtool check metrics < %s", mpath);
	st = h_capture(sh, out, sizeof(out), err, sizeof(err));
	if (st)
		fail_msg("promtool check metrics: %d: %s%s", st, out, err);
	assert_string_equal(out, "");
	assert_string_equal(err, "");

	/* The values are the stats record's: the cgroup is quiet now, a stats
	 * record and the next snapshot agree (taken a tick apart: retried). */
	for (tries = 0; tries < 10 && !equal; tries++) {
		const char *kind;
		json_t *v;

		do
			assert_int_equal(h_proc_line(&p, line, sizeof(line), 5000), 0);
		while (!strstr(line, "\"privwatch.stats/1\""));
		usleep(1200 * 1000); /* the next tick's snapshot */
		assert_int_equal(get(port, "/metrics", &body), 200);
		j = json_loads(line, 0, NULL);
		assert_non_null(j);
		ev = json_object_get(j, "events");
		equal = json_object_size(ev) > 0;
		json_object_foreach(ev, kind, v)
		{
			char series[128];

			snprintf(series, sizeof(series), "privwatch_events_total{kind=\"%s\"}",
				 kind);
			equal &= sample(body, series) == (double)json_integer_value(v);
		}
		if (equal) {
			char series[128];

			assert_true(json_integer_value(json_object_get(ev, "exec")) >= 20);
			snprintf(series, sizeof(series),
				 "privwatch_sink_lines_total{sink=\"stdout\",kind=\"stdout\"}");
			assert_true(sample(body, series) > 0);
			assert_true(sample(body, "privwatch_rules_loaded") > 0);
			assert_true(sample(body, "privwatch_ringbuf_size_bytes") > 0);
			assert_true(sample(body, "privwatch_process_resident_memory_bytes") > 0);
			assert_true(sample(body, "privwatch_build_info{version=\"" PW_VERSION
						 "\"}") == 1);
		}
		json_decref(j);
		free(body);
	}
	assert_true(equal);
	assert_int_equal(h_proc_stop(&p, SIGINT), 0);
	while (h_proc_line(&p, line, sizeof(line), 1000) == 0)
		;
}

static void test_port_in_use_exits_2(void **state)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	char port_s[32], out[4096], err[4096];
	char *argv[] = { PW, "run", "--lock-file", "none", "--http", port_s, "--cgroup", cg, NULL };

	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(fd, 1), 0);
	getsockname(fd, (struct sockaddr *)&sin, &sl);
	snprintf(port_s, sizeof(port_s), "127.0.0.1:%d", ntohs(sin.sin_port));
	assert_int_equal(h_capture(argv, out, sizeof(out), err, sizeof(err)), 2);
	assert_non_null(strstr(err, "Address already in use"));
	assert_null(strstr(out, "privwatch.start/1"));
	close(fd);
}

/* A receiver that accepts and never reads: the queue passes its bound (the
 * test's own network namespace keeps the kernel's send buffer small, so a
 * slow machine's few lines fill it). */
static void test_readyz_fails_while_a_sink_stalls(void **state)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sin);
	int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), cfd, small = 4096, i;
	int port = free_port();
	char port_s[32], tcp[64], file[PATH_MAX], fspec[PATH_MAX + 8];
	char *argv[] = {
		PW,	    "run", "--lock-file", "none", "--http",   port_s, "--events",
		"--cgroup", cg,	   "--output",	  fspec,  "--output", tcp,    "--stats-interval",
		"1",	    NULL
	};
	struct pollfd pfd = { .fd = lfd, .events = POLLIN };
	struct h_proc p;
	json_t *j, *each;
	const char *w;

	setsockopt(lfd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	assert_int_equal(bind(lfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	getsockname(lfd, (struct sockaddr *)&sin, &sl);
	assert_int_equal(listen(lfd, 4), 0);
	snprintf(port_s, sizeof(port_s), "127.0.0.1:%d", port);
	snprintf(tcp, sizeof(tcp), "tcp,queue=50:127.0.0.1:%d", ntohs(sin.sin_port));
	snprintf(file, sizeof(file), "%s/stall.json", dir);
	snprintf(fspec, sizeof(fspec), "file:%s", file);
	start(&p, argv, file);
	assert_int_equal(poll(&pfd, 1, 10000), 1);
	cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	assert_true(cfd >= 0);
	j = readyz_until(port, 200, 10000, NULL);
	json_decref(j);

	j = readyz_until(port, 503, 60000, some_execs);
	print_message("sinks: %s\n", why(j, "sinks"));
	assert_false(check_ok(j, "sinks"));
	assert_true(check_ok(j, "programs"));
	each = json_object_get(json_object_get(json_object_get(j, "checks"), "sinks"), "each");
	assert_int_equal(json_array_size(each), 2);
	for (i = 0; i < 2; i++) {
		json_t *s = json_array_get(each, i);
		const char *name = json_string_value(json_object_get(s, "sink"));

		w = json_string_value(json_object_get(s, "why"));
		print_message("  %s: %s\n", name, w);
		if (!strcmp(name, tcp)) {
			assert_false(json_is_true(json_object_get(s, "ok")));
			assert_true(strstr(w, "queue at") || strstr(w, "stalled") ||
				    strstr(w, "dropped"));
		} else {
			assert_true(json_is_true(json_object_get(s, "ok")));
		}
	}
	assert_false(json_is_true(json_object_get(j, "ready")));
	json_decref(j);
	h_proc_stop(&p, SIGKILL); /* the stalled sink would hold the stop 2 s */
	close(cfd);
	close(lfd);
}

/* A ring of one page read once a second: a burst overflows it (any drop
 * crosses a threshold of 0). */
static void test_readyz_fails_past_the_drop_rate(void **state)
{
	int port = free_port();
	char port_s[32], file[PATH_MAX], fspec[PATH_MAX + 8], *body;
	char *argv[] = { PW,
			 "run",
			 "--lock-file",
			 "none",
			 "--http",
			 port_s,
			 "--events",
			 "--cgroup",
			 cg,
			 "--ringbuf-size",
			 "4096",
			 "--poll-ms",
			 "1000",
			 "--output",
			 fspec,
			 "--ready-max-drop-rate",
			 "0",
			 NULL };
	struct h_proc p;
	json_t *j;

	snprintf(port_s, sizeof(port_s), "127.0.0.1:%d", port);
	snprintf(file, sizeof(file), "%s/drops.json", dir);
	snprintf(fspec, sizeof(fspec), "file:%s", file);
	start(&p, argv, file);
	j = readyz_until(port, 200, 10000, NULL);
	assert_true(check_ok(j, "drop_rate"));
	json_decref(j);
	agent_pid = p.pid;
	j = readyz_until(port, 503, 30000, stopped_agent_execs);
	print_message("drop_rate: %s\n", why(j, "drop_rate"));
	assert_false(check_ok(j, "drop_rate"));
	assert_non_null(strstr(why(j, "drop_rate"), "above 0.0000"));
	json_decref(j);
	assert_int_equal(get(port, "/metrics", &body), 200);
	assert_true(
		sample(body, "privwatch_kernel_drops_total{kind=\"exec\",cause=\"ringbuf_full\"}") >
			0 ||
		sample(body, "privwatch_kernel_drops_total{kind=\"exit\",cause=\"ringbuf_full\"}") >
			0);
	free(body);
	/* healthy all along: the loop turns, only the drops are wrong */
	assert_int_equal(get(port, "/healthz", &body), 200);
	free(body);
	assert_int_equal(h_proc_stop(&p, SIGINT), 0);
}

/* A network namespace of our own (the agent inherits it): its loopback up,
 * TCP send buffers of at most 16 KiB, ports that nothing else holds. */
static int own_netns(void)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	int fd, rc = -1;
	FILE *f;

	if (unshare(CLONE_NEWNET))
		return -1;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && !ioctl(fd, SIOCGIFFLAGS, &ifr)) {
		ifr.ifr_flags |= IFF_UP;
		rc = ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	if (fd >= 0)
		close(fd);
	f = fopen("/proc/sys/net/ipv4/tcp_wmem", "w");
	if (!f)
		return -1;
	fputs("4096 8192 16384\n", f);
	return fclose(f) ? -1 : rc;
}

static int setup(void **state)
{
	if (own_netns())
		return -1;
	snprintf(dir, sizeof(dir), "/tmp/pw-cli-http.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	return h_cgroup_create(NULL, "privwatch-http", cg, sizeof(cg), &cg_id);
}

static int teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	if (getenv("PW_KEEP"))
		return h_cgroup_remove(cg);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		return -1;
	return h_cgroup_remove(cg);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_healthz_readyz_metrics_promtool_and_stats),
		cmocka_unit_test(test_port_in_use_exits_2),
		cmocka_unit_test(test_readyz_fails_while_a_sink_stalls),
		cmocka_unit_test(test_readyz_fails_past_the_drop_rate),
	};

	h_init(argv[0]);
	return cmocka_run_group_tests(tests, setup, teardown);
}
