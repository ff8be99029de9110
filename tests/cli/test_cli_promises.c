// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * CLI tier: what the README promises, each through the binary as a user
 * starts it (privwatch run with its options, real receivers, real signals):
 * privwatch.lost/1 when the ring buffer overflows, --output to every sink
 * kind (file, tcp, unix, syslog over UDP and TCP into Debian's rsyslogd),
 * --format ecs end to end, SIGHUP reopening a moved output file, tracefs
 * mounted by the agent where there is none (in a private mount namespace),
 * --cgroup-v1 memory, periodic privwatch.stats/1 records. Waits are for
 * conditions (a line, a file) with generous deadlines, never fixed sleeps.
 */
#define _GNU_SOURCE /* memrchr, strptime, timegm */
#include <errno.h>
#include <fcntl.h>
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

#define PW (char *)h_privwatch()

static char dir[PATH_MAX], cg[PATH_MAX];
static uint64_t cg_id;
static char line[1 << 16];

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static json_t *parse(const char *s)
{
	json_error_t e;
	json_t *j = json_loads(s, 0, &e);

	if (!j)
		fail_msg("not JSON (%s): %s", e.text, s);
	return j;
}

/* The member at a dotted path ("watch.path"), or NULL. */
static json_t *at(json_t *j, const char *path)
{
	char key[128], *dot;
	const char *p = path;

	while (j && *p) {
		snprintf(key, sizeof(key), "%s", p);
		dot = strchr(key, '.');
		if (dot)
			*dot = '\0';
		j = json_object_get(j, key);
		p += strlen(key) + (dot ? 1 : 0);
	}
	return j;
}

static const char *str(json_t *j, const char *path)
{
	const char *s = json_string_value(at(j, path));

	return s ? s : "";
}

static json_int_t num(json_t *j, const char *path)
{
	return json_integer_value(at(j, path));
}

/* Sum of an object's integer members (a by-kind or by-cause table). */
static json_int_t sum_of(json_t *o)
{
	const char *k;
	json_t *v;
	json_int_t n = 0;

	json_object_foreach(o, k, v) n += json_integer_value(v);
	return n;
}

/* A whole file (also /proc's, whose size reads as 0), NUL-terminated. */
static char *slurp(const char *path)
{
	size_t len = 0, cap = 1 << 16;
	char *buf;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	buf = malloc(cap);
	while (buf && (n = read(fd, buf + len, cap - len - 1)) > 0) {
		len += n;
		if (len + 1 == cap)
			buf = realloc(buf, cap *= 2);
	}
	close(fd);
	if (buf)
		buf[len] = '\0';
	return buf;
}

/* The last line of a text ending in a newline. */
static const char *last_line(const char *text)
{
	size_t n = strlen(text);
	const char *p;

	if (n && text[n - 1] == '\n')
		n--;
	p = memrchr(text, '\n', n);
	return p ? p + 1 : text;
}

static int count_lines(const char *s)
{
	int n = 0;

	for (; s && *s; s++)
		n += *s == '\n';
	return n;
}

/* Does this JSON line hold an event of kind from pid? */
static int is_event(const char *l, const char *kind, pid_t pid)
{
	json_t *j = json_loads(l, 0, NULL);
	int yes = j && !strcmp(str(j, "schema"), "privwatch.event/1") &&
		  !strcmp(str(j, "kind"), kind) && num(j, "pid") == pid;

	json_decref(j);
	return yes;
}

static int text_has_event(const char *text, const char *kind, pid_t pid)
{
	char *copy = strdup(text ? text : ""), *l, *save = NULL;
	int yes = 0;

	for (l = strtok_r(copy, "\n", &save); l && !yes; l = strtok_r(NULL, "\n", &save))
		yes = is_event(l, kind, pid);
	free(copy);
	return yes;
}

/* Wait until the file holds needle (NULL: exists), or an event of kind from
 * pid (kind non-NULL). 1 if it did within ms. */
static int wait_file(const char *path, const char *needle, const char *kind, pid_t pid, int ms)
{
	double end = now_s() + ms / 1000.0;
	char *text;
	int ok;

	do {
		text = slurp(path);
		ok = text &&
		     (kind ? text_has_event(text, kind, pid) : !needle || strstr(text, needle));
		free(text);
		if (ok)
			return 1;
		usleep(20000);
	} while (now_s() < end);
	return 0;
}

static pid_t run_noop(const char *cgroup)
{
	char *argv[] = { (char *)h_workload(), "noop", NULL };
	pid_t pid = h_spawn(cgroup, argv);

	assert_int_equal(h_wait(pid), 0);
	return pid;
}

/* Start the agent with stdout as its output; its first line is the start
 * record (a hang bound only: ~0.1 s natively, seconds in the emulated VM). */
static json_t *start_agent(struct h_proc *p, char *const argv[])
{
	json_t *j;

	assert_int_equal(h_proc_start(p, argv), 0);
	assert_int_equal(h_proc_line(p, line, sizeof(line), h_start_wait_ms()), 0);
	j = parse(line);
	assert_string_equal(str(j, "schema"), "privwatch.start/1");
	return j;
}

/* SIGINT, exit 0; the lines left, the last being the final stats record
 * (returned). *each is called on every line before it. */
static json_t *stop_agent(struct h_proc *p, void (*each)(json_t *, void *), void *ctx)
{
	json_t *last = NULL;

	assert_int_equal(h_proc_stop(p, SIGINT), 0);
	while (h_proc_line(p, line, sizeof(line), 1000) == 0) {
		if (last && each)
			each(last, ctx);
		json_decref(last);
		last = parse(line);
	}
	assert_non_null(last);
	assert_string_equal(str(last, "schema"), "privwatch.stats/1");
	assert_true(json_is_true(at(last, "final")));
	return last;
}

/* ---- privwatch.lost/1 ---- */

struct lost_tally {
	pid_t pid;
	json_int_t opens, lost_ringbuf, lost_records;
};

static void tally(json_t *j, void *ctx)
{
	struct lost_tally *t = ctx;

	if (!strcmp(str(j, "schema"), "privwatch.event/1") && !strcmp(str(j, "kind"), "open") &&
	    num(j, "pid") == t->pid)
		t->opens++;
	if (!strcmp(str(j, "schema"), "privwatch.lost/1")) {
		/* total is the sum of the causes given, each non-zero */
		assert_int_equal(num(j, "total"), sum_of(at(j, "dropped")));
		assert_true(num(j, "total") > 0);
		t->lost_ringbuf += num(j, "dropped.ringbuf_full");
		t->lost_records++;
	}
}

/*
 * A 4 KiB ring buffer and a reader held still (SIGSTOP) while a process in
 * the watched cgroup opens a sysfs file 100 times: the ring overflows. Once the
 * agent runs again, a privwatch.lost/1 line says so (ringbuf_full) within
 * its second; the lost lines add up to the final record's drops, and every
 * open is either a line or counted dropped.
 */
static void test_lost_record_when_the_ring_is_full(void **state)
{
	char *argv[] = { PW,
			 "run",
			 "--http",
			 "none",
			 "--lock-file",
			 "none",
			 "--no-rules",
			 "--events",
			 "--ringbuf-size",
			 "4096",
			 "--stats-interval",
			 "0",
			 "--cgroup",
			 cg,
			 NULL };
	/* a sysfs file: opens of the devices every container gets (/dev/null)
	 * count once per program */
	char procs[PATH_MAX + 16];
	/* The shell joins the cgroup itself: nothing of this (maybe sanitized)
	 * test binary runs there, so the 100 opens are all there is. */
	char *burst[] = { "/bin/sh", "-c",
			  "echo $$ >\"$0\" && for i in $(seq 100); do "
			  ": </sys/kernel/mm/transparent_hugepage/enabled; done",
			  procs, NULL };
	struct lost_tally t = { 0 };
	struct h_proc p;
	json_t *j, *fin;
	double end;

	j = start_agent(&p, argv);
	assert_int_equal(num(j, "ringbuf_bytes"), 4096);
	json_decref(j);
	assert_int_equal(kill(p.pid, SIGSTOP), 0);
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", cg);
	t.pid = h_spawn(NULL, burst);
	assert_int_equal(h_wait(t.pid), 0);
	assert_int_equal(kill(p.pid, SIGCONT), 0);
	/* the lost record comes at the agent's next once-a-second tick */
	end = now_s() + 10;
	while (!t.lost_records && now_s() < end && h_proc_line(&p, line, sizeof(line), 1000) == 0) {
		j = parse(line);
		tally(j, &t);
		json_decref(j);
	}
	assert_int_equal(t.lost_records, 1);
	assert_true(t.lost_ringbuf > 0);
	fin = stop_agent(&p, tally, &t);
	print_message("100 opens: %lld lines, %lld dropped (lost records: %lld)\n",
		      (long long)t.opens, (long long)num(fin, "drops.ringbuf_full.open"),
		      (long long)t.lost_ringbuf);
	assert_int_equal(t.lost_ringbuf, sum_of(at(fin, "drops.ringbuf_full")));
	assert_int_equal(t.opens + num(fin, "drops.ringbuf_full.open"), 100);
	assert_true(num(fin, "drops.ringbuf_full.open") > 0);
	json_decref(fin);
}

/* ---- SIGHUP reopens output files ---- */

/* logrotate's way: the file is moved, then SIGHUP. Lines before the signal
 * go to the moved file; after it privwatch writes to a new file at PATH. */
static void test_sighup_reopens_a_moved_output_file(void **state)
{
	char out[PATH_MAX + 16], moved[PATH_MAX + 16], spec[PATH_MAX + 32];
	struct h_proc p;
	pid_t w1, w2;
	char *text;
	json_t *j;

	snprintf(out, sizeof(out), "%s/alerts.json", dir);
	snprintf(moved, sizeof(moved), "%s/alerts.json.1", dir);
	snprintf(spec, sizeof(spec), "file:%s", out);
	char *argv[] = { PW,	       "run",	      "--http",
			 "none",       "--lock-file", "none",
			 "--no-rules", "--events",    "--stats-interval",
			 "0",	       "--cgroup",    cg,
			 "--output",   spec,	      NULL };

	assert_int_equal(h_proc_start(&p, argv), 0);
	assert_true(wait_file(out, "\"schema\":\"privwatch.start/1\"", NULL, 0, 30000));
	assert_int_equal(rename(out, moved), 0);
	w1 = run_noop(cg);
	assert_true(wait_file(moved, NULL, "exec", w1, 10000));
	assert_int_equal(access(out, F_OK), -1); /* nothing reopened it yet */
	assert_int_equal(kill(p.pid, SIGHUP), 0);
	assert_true(wait_file(out, NULL, NULL, 0, 10000)); /* reopened: created again */
	w2 = run_noop(cg);
	assert_true(wait_file(out, NULL, "exec", w2, 10000));
	assert_int_equal(h_proc_stop(&p, SIGINT), 0);
	assert_int_equal(p.len, 0); /* nothing on stdout: the file is the only output */
	text = slurp(moved);
	assert_false(text_has_event(text, "exec", w2));
	free(text);
	/* the final stats record went to the new file, last */
	text = slurp(out);
	assert_non_null(text);
	assert_false(text_has_event(text, "exec", w1));
	j = parse(last_line(text));
	assert_string_equal(str(j, "schema"), "privwatch.stats/1");
	assert_true(json_is_true(at(j, "final")));
	json_decref(j);
	free(text);
}

/* ---- --output to every kind ---- */

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

static pid_t rsyslog_pid;

static void rsyslog_kill(void)
{
	if (rsyslog_pid > 0) {
		kill(rsyslog_pid, SIGTERM);
		waitpid(rsyslog_pid, NULL, 0);
		rsyslog_pid = 0;
	}
}

/*
 * Debian's rsyslogd with its own config, work directory and pid file (the
 * system's rsyslog, if any, is not touched), imudp and imtcp on loopback,
 * each message written to out as the fields it parsed (as test_cli_sinks).
 */
static void rsyslog_start(char *out, size_t outlen, int *udp, int *tcp)
{
	char conf[PATH_MAX + 16], pidf[PATH_MAX + 16], errf[PATH_MAX + 16], *got = NULL;
	const char *probe = "<13>1 - - probe - - - ready";
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	double end;
	FILE *f;
	int fd;

	if (access("/usr/sbin/rsyslogd", X_OK))
		fail_msg("rsyslogd not installed: make deps installs Debian's rsyslog");
	*udp = free_port(SOCK_DGRAM);
	*tcp = free_port(SOCK_STREAM);
	snprintf(conf, sizeof(conf), "%s/rsyslog.conf", dir);
	snprintf(pidf, sizeof(pidf), "%s/rsyslogd.pid", dir);
	snprintf(errf, sizeof(errf), "%s/rsyslogd.err", dir);
	snprintf(out, outlen, "%s/syslog.out", dir);
	f = fopen(conf, "w");
	assert_non_null(f);
	fprintf(f,
		"global(workDirectory=\"%s\" maxMessageSize=\"64k\")\n"
		"module(load=\"imudp\")\n"
		"module(load=\"imtcp\")\n"
		"input(type=\"imudp\" address=\"127.0.0.1\" port=\"%d\")\n"
		"input(type=\"imtcp\" address=\"127.0.0.1\" port=\"%d\")\n"
		"template(name=\"fields\" type=\"string\" string=\"%%syslogfacility%%|"
		"%%syslogseverity%%|%%app-name%%|%%msgid%%|%%msg%%\\n\")\n"
		"*.* action(type=\"omfile\" file=\"%s\" template=\"fields\")\n",
		dir, *udp, *tcp, out);
	fclose(f);
	rsyslog_pid = fork();
	assert_true(rsyslog_pid >= 0);
	if (!rsyslog_pid) {
		fd = open(errf, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(fd, 1);
		dup2(fd, 2);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		execl("/usr/sbin/rsyslogd", "rsyslogd", "-n", "-f", conf, "-i", pidf, NULL);
		_exit(127);
	}
	/* ready when a UDP probe comes out the other end */
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	sin.sin_port = htons(*udp);
	end = now_s() + 15;
	while (now_s() < end) {
		sendto(fd, probe, strlen(probe), 0, (struct sockaddr *)&sin, sizeof(sin));
		free(got);
		got = slurp(out);
		if (got && strstr(got, "ready"))
			break;
		usleep(100000);
	}
	close(fd);
	if (!got || !strstr(got, "ready"))
		fail_msg("rsyslogd did not pass a probe within 15 s: %s", slurp(errf));
	free(got);
}

static int listen_on(int unix_dom, const char *path, int *port)
{
	int fd;

	if (unix_dom) {
		struct sockaddr_un sun = { .sun_family = AF_UNIX };

		snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
		unlink(path);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	} else {
		struct sockaddr_in sin = { .sin_family = AF_INET,
					   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		socklen_t sl = sizeof(sin);

		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
		getsockname(fd, (struct sockaddr *)&sin, &sl);
		*port = ntohs(sin.sin_port);
	}
	assert_int_equal(listen(fd, 4), 0);
	return fd;
}

/* Everything the one connection made to lfd carried, to its end. */
static char *receive_all(int lfd)
{
	struct pollfd pfd = { .fd = lfd, .events = POLLIN };
	size_t len = 0, cap = 1 << 16;
	char *buf = calloc(1, cap);
	ssize_t n;
	int cfd;

	assert_int_equal(poll(&pfd, 1, 10000), 1);
	cfd = accept(lfd, NULL, NULL);
	assert_true(cfd >= 0);
	pfd = (struct pollfd){ .fd = cfd, .events = POLLIN };
	while (poll(&pfd, 1, 10000) == 1 && (n = read(cfd, buf + len, cap - len - 1)) > 0) {
		len += n;
		if (len + 1 == cap)
			buf = realloc(buf, cap *= 2);
	}
	buf[len] = '\0';
	close(cfd);
	return buf;
}

/* rsyslog's lines of one facility whose msgid is kind and whose message
 * is exactly one of the file's lines; the count. */
static int syslog_lines(const char *got, int facility, const char *file_text)
{
	char *copy = strdup(got), *l, *save = NULL, want[PATH_MAX];
	int n = 0;

	for (l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char app[64] = "", msgid[16] = "";
		const char *msg;
		json_t *j;

		if (atoi(l) != facility || sscanf(l, "%*d|%*d|%63[^|]|%15[^|]|", app, msgid) != 2 ||
		    strcmp(app, "privwatch"))
			continue;
		msg = l;
		for (int i = 0; i < 4; i++)
			msg = strchr(msg, '|') + 1;
		/* the JSON unchanged: a whole line of the file sink */
		snprintf(want, sizeof(want), "%s\n", msg);
		if (!strstr(file_text, want))
			fail_msg("syslog message is no line of the file: %s", msg);
		j = parse(msg);
		assert_string_equal(msgid, strcmp(str(j, "schema"), "privwatch.event/1") ? "meta"
											 : "event");
		json_decref(j);
		n++;
	}
	free(copy);
	return n;
}

/*
 * One agent, five outputs: file, tcp, unix, syslog over UDP and over TCP
 * (local0) into rsyslogd. Each gets every line: the start record, the
 * workload's exec event, the final stats record; tcp and unix byte for
 * byte what the file got, rsyslog each line as one message with the right
 * MSGID. The final record counts each sink's lines written, none dropped.
 */
static void test_output_to_every_sink_kind(void **state)
{
	char file[PATH_MAX + 16], sock[PATH_MAX + 16], slog[PATH_MAX + 16];
	char s_file[PATH_MAX + 32], s_tcp[64], s_unix[PATH_MAX + 32], s_udp[64], s_stcp[80];
	char *text, *tcp_got, *unix_got, *got;
	int tport, udp, stcp, tfd, ufd, n, i;
	struct h_proc p;
	json_t *fin = NULL, *sinks;
	double end;
	pid_t w;

	loopback_up();
	rsyslog_start(slog, sizeof(slog), &udp, &stcp);
	snprintf(file, sizeof(file), "%s/all.json", dir);
	snprintf(sock, sizeof(sock), "%s/json.sock", dir);
	tfd = listen_on(0, NULL, &tport);
	ufd = listen_on(1, sock, NULL);
	snprintf(s_file, sizeof(s_file), "file:%s", file);
	snprintf(s_tcp, sizeof(s_tcp), "tcp:127.0.0.1:%d", tport);
	snprintf(s_unix, sizeof(s_unix), "unix:%s", sock);
	snprintf(s_udp, sizeof(s_udp), "syslog:udp:127.0.0.1:%d", udp);
	snprintf(s_stcp, sizeof(s_stcp), "syslog,facility=local0:tcp:127.0.0.1:%d", stcp);
	char *argv[] = {
		PW,	      "run",	  "--http",	      "none", "--lock-file", "none",
		"--no-rules", "--events", "--stats-interval", "0",    "--cgroup",    cg,
		"--output",   s_file,	  "--output",	      s_tcp,  "--output",    s_unix,
		"--output",   s_udp,	  "--output",	      s_stcp, NULL
	};

	assert_int_equal(h_proc_start(&p, argv), 0);
	assert_true(wait_file(file, "\"schema\":\"privwatch.start/1\"", NULL, 0, 30000));
	w = run_noop(cg);
	assert_true(wait_file(file, NULL, "exec", w, 10000));
	assert_int_equal(h_proc_stop(&p, SIGINT), 0);
	assert_int_equal(p.len, 0); /* not on stdout: outputs were given */

	text = slurp(file);
	n = count_lines(text);
	assert_true(n >= 3);
	assert_int_equal(strncmp(text, "{\"schema\":\"privwatch.start/1\"", 29), 0);
	assert_true(text_has_event(text, "exec", w));
	fin = parse(last_line(text));
	assert_string_equal(str(fin, "schema"), "privwatch.stats/1");
	assert_true(json_is_true(at(fin, "final")));
	/* each sink: every line before the final record written or still
	 * queued (network sinks send from their own thread; the queue is
	 * drained after the final record: the receivers below get it all),
	 * none dropped; the file sink: all written (flushed before it) */
	sinks = at(fin, "sinks");
	assert_int_equal(json_array_size(sinks), 5);
	for (i = 0; i < 5; i++) {
		json_t *s = json_array_get(sinks, i);

		assert_int_equal(num(s, "written") + num(s, "queued"), n - 1);
		assert_int_equal(num(s, "dropped"), 0);
	}
	assert_string_equal(str(json_array_get(sinks, 0), "spec"), s_file);
	assert_string_equal(str(json_array_get(sinks, 0), "format"), "native");
	assert_int_equal(num(json_array_get(sinks, 0), "written"), n - 1);

	tcp_got = receive_all(tfd);
	unix_got = receive_all(ufd);
	assert_string_equal(tcp_got, text);
	assert_string_equal(unix_got, text);

	/* rsyslog: n messages from each syslog sink (UDP: daemon = 3; TCP:
	 * local0 = 16), each the JSON of one line */
	end = now_s() + 10;
	do {
		got = slurp(slog);
		if (syslog_lines(got, 3, text) >= n && syslog_lines(got, 16, text) >= n)
			break;
		free(got);
		got = NULL;
		usleep(50000);
	} while (now_s() < end);
	if (!got)
		got = slurp(slog);
	assert_int_equal(syslog_lines(got, 3, text), n);
	assert_int_equal(syslog_lines(got, 16, text), n);
	rsyslog_kill();
	free(got);
	free(tcp_got);
	free(unix_got);
	free(text);
	json_decref(fin);
	close(tfd);
	close(ufd);
}

/* ---- --format ecs ---- */

/* A rule on the workload's exec: its alert as an ECS document on stdout. */
static void test_format_ecs_end_to_end(void **state)
{
	char rules[PATH_MAX + 16], *techniques;
	struct h_proc p;
	json_t *j, *alert = NULL, *fin;
	double end;
	FILE *f;
	pid_t w;

	snprintf(rules, sizeof(rules), "%s/ecs-rules.json", dir);
	f = fopen(rules, "w");
	assert_non_null(f);
	fputs("{\"rules\": [{\"id\": \"PW-T101\", \"title\": \"test exec\", \"description\": \"d\","
	      " \"severity\": \"high\", \"tags\": [\"T1059.004\"],"
	      " \"condition\": {\"all\": [{\"kind\": \"exec\"}, {\"basename\": [\"workload\"]},"
	      " {\"container.mode\": \"host\"}]},"
	      " \"output\": \"{proc.comm} ran {path}\"}]}\n",
	      f);
	assert_int_equal(fclose(f), 0);
	char *argv[] = { PW,	     "run", "--http",	"none", "--lock-file",	    "none",
			 "--rules",  rules, "--format", "ecs",	"--stats-interval", "0",
			 "--cgroup", cg,    NULL };

	/* Every record is ECS, the start record first: the native record
	 * whole under privwatch, an envelope ECS has fields for. */
	assert_int_equal(h_proc_start(&p, argv), 0);
	assert_int_equal(h_proc_line(&p, line, sizeof(line), h_start_wait_ms()), 0);
	j = parse(line);
	assert_null(at(j, "schema"));
	assert_string_equal(str(j, "privwatch.schema"), "privwatch.start/1");
	assert_string_equal(str(j, "event.dataset"), "privwatch.start");
	assert_string_equal(str(j, "ecs.version"), "8.11.0");
	json_decref(j);
	w = run_noop(cg);
	end = now_s() + 10;
	while (!alert && now_s() < end && h_proc_line(&p, line, sizeof(line), 1000) == 0) {
		j = parse(line);
		/* no native line: every record is an ECS document */
		assert_null(at(j, "schema"));
		if (!strcmp(str(j, "rule.id"), "PW-T101") && num(j, "process.pid") == w)
			alert = j;
		else
			json_decref(j);
	}
	assert_non_null(alert);
	assert_string_equal(str(alert, "ecs.version"), "8.11.0");
	assert_non_null(at(alert, "@timestamp"));
	assert_string_equal(str(alert, "event.kind"), "alert");
	assert_string_equal(str(alert, "event.module"), "privwatch");
	assert_string_equal(str(alert, "event.action"), "exec");
	assert_string_equal(str(alert, "event.outcome"), "success");
	assert_int_equal(num(alert, "event.risk_score"), 73);
	assert_string_equal(str(alert, "rule.name"), "test exec");
	assert_string_equal(str(alert, "rule.ruleset"), "privwatch");
	assert_string_equal(str(alert, "process.name"), "workload");
	assert_string_equal(str(alert, "threat.framework"), "MITRE ATT&CK");
	techniques = json_dumps(at(alert, "threat.technique.id"), 0);
	assert_non_null(techniques);
	assert_non_null(strstr(techniques, "\"T1059\""));
	free(techniques);
	assert_string_equal(str(alert, "privwatch.schema"), "privwatch.alert/1");
	assert_string_equal(str(alert, "privwatch.severity"), "high");
	assert_null(at(alert, "container")); /* on the host */
	json_decref(alert);
	assert_int_equal(h_proc_stop(&p, SIGINT), 0);
	fin = NULL;
	while (h_proc_line(&p, line, sizeof(line), 1000) == 0) {
		json_decref(fin);
		fin = parse(line);
		assert_null(at(fin, "schema"));
	}
	assert_non_null(fin);
	assert_string_equal(str(fin, "privwatch.schema"), "privwatch.stats/1");
	assert_string_equal(str(fin, "event.kind"), "metric");
	assert_true(json_is_true(at(fin, "privwatch.final")));
	assert_int_equal(num(fin, "privwatch.alerts.written"), 1);
	json_decref(fin);
}

/* ---- tracefs ---- */

/* Is a tracefs mounted in the mount namespace of pid ("self")? */
static int tracefs_mounted(const char *pid, const char *where)
{
	char path[64], *text, *l, *save = NULL;
	int yes = 0;

	snprintf(path, sizeof(path), "/proc/%s/mountinfo", pid);
	text = slurp(path);
	for (l = strtok_r(text, "\n", &save); l && !yes; l = strtok_r(NULL, "\n", &save)) {
		char mnt[PATH_MAX];
		const char *sep = strstr(l, " - ");

		yes = sep && !strncmp(sep + 3, "tracefs ", 8) &&
		      sscanf(l, "%*s %*s %*s %*s %4095s", mnt) == 1 &&
		      (!where || !strcmp(mnt, where));
	}
	free(text);
	return yes;
}

/*
 * A host with no tracefs mounted (tp/ programs need its event ids): in a
 * private mount namespace, every tracefs unmounted, the agent mounts it at
 * /sys/kernel/tracing, and every concern is proven by the canary.
 */
static void test_tracefs_mounted_when_there_is_none(void **state)
{
	char *fs = slurp("/proc/filesystems"), pid[32];
	const char *script =
		"umount /sys/kernel/debug/tracing 2>/dev/null;"
		"umount /sys/kernel/tracing 2>/dev/null;"
		"umount /sys/kernel/debug 2>/dev/null;"
		"if grep -q ' tracefs ' /proc/self/mounts; then"
		" echo 'tracefs still mounted' >&2; exit 99; fi;"
		"exec \"$0\" run --http none --lock-file none --no-rules --events --stats-interval 0 "
		"--cgroup \"$1\"";
	char *argv[] = { "/usr/bin/unshare",
			 "-m",
			 "--propagation",
			 "private",
			 "/bin/sh",
			 "-c",
			 (char *)script,
			 PW,
			 cg,
			 NULL };
	int host_had = tracefs_mounted("self", NULL);
	struct h_proc p;
	json_t *j, *c;
	const char *k;

	if (!fs || !strstr(fs, "\ttracefs\n"))
		h_skip_because("no tracefs in this kernel (/proc/filesystems)");
	free(fs);
	j = start_agent(&p, argv);
	snprintf(pid, sizeof(pid), "%d", (int)p.pid);
	/* the agent's namespace: tracefs where privwatch mounts it */
	assert_true(tracefs_mounted(pid, "/sys/kernel/tracing"));
	json_object_foreach(at(j, "concerns"), k, c)
	{
		if (strcmp(str(c, "proof"), "seen"))
			fail_msg("concern %s: proof %s (%s)", k, str(c, "proof"), str(c, "why"));
		assert_string_equal(str(c, "mode"), h_expected_variant(k));
	}
	json_decref(j);
	json_decref(stop_agent(&p, NULL, NULL));
	/* this namespace untouched */
	assert_int_equal(tracefs_mounted("self", NULL), host_had);
}

/* ---- --cgroup-v1 ---- */

/* Containers found by their cgroup in the v1 memory hierarchy: the watched
 * cgroup is a v1 directory, and a process in it is seen with its id. */
static void test_cgroup_v1_memory(void **state)
{
	char mnt[PATH_MAX], v1cg[PATH_MAX];
	uint64_t id;
	struct h_proc p;
	json_t *j;
	pid_t w;
	int seen = 0;

	if (h_env_cgroup_mount("memory", mnt, sizeof(mnt)))
		h_skip_because("no cgroup v1 memory hierarchy mounted here (/proc/self/mountinfo)");
	assert_int_equal(h_cgroup_create(mnt, "privwatch-cli-v1", v1cg, sizeof(v1cg), &id), 0);
	char *argv[] = { PW,	       "run",	      "--http",
			 "none",       "--lock-file", "none",
			 "--no-rules", "--events",    "--stats-interval",
			 "0",	       "--cgroup-v1", "memory",
			 "--cgroup",   v1cg,	      NULL };

	j = start_agent(&p, argv);
	assert_string_equal(str(j, "watch.hierarchy"), "memory");
	assert_string_equal(str(j, "watch.mount"), mnt);
	assert_string_equal(str(j, "watch.path"), v1cg);
	assert_int_equal(num(j, "watch.cgroup_id"), id);
	json_decref(j);
	w = run_noop(v1cg);
	while (!seen && h_proc_line(&p, line, sizeof(line), 10000) == 0) {
		j = parse(line);
		if (is_event(line, "exec", w)) {
			assert_int_equal(num(j, "cgroup_id"), id);
			seen = 1;
		}
		json_decref(j);
	}
	assert_true(seen);
	json_decref(stop_agent(&p, NULL, NULL));
	assert_int_equal(h_cgroup_remove(v1cg), 0);
}

/* ---- --stats-interval ---- */

static double rfc3339_s(const char *t)
{
	struct tm tm = { 0 };
	const char *frac = strptime(t, "%Y-%m-%dT%H:%M:%S", &tm);

	assert_non_null(frac);
	return timegm(&tm) + (*frac == '.' ? atof(frac) : 0);
}

/* --stats-interval 1: a privwatch.stats/1 record (final false) each second,
 * then the final one on SIGINT. */
static void test_periodic_stats_records(void **state)
{
	char *argv[] = { PW,	 "run",	       "--http",	   "none", "--lock-file",
			 "none", "--no-rules", "--stats-interval", "1",	   "--cgroup",
			 cg,	 NULL };
	double t[3];
	int n = 0;
	struct h_proc p;
	json_t *j, *fin;

	json_decref(start_agent(&p, argv));
	while (n < 3 && h_proc_line(&p, line, sizeof(line), 10000) == 0) {
		j = parse(line);
		if (!strcmp(str(j, "schema"), "privwatch.stats/1")) {
			assert_true(json_is_false(at(j, "final")));
			assert_non_null(at(j, "events"));
			assert_non_null(at(j, "sinks"));
			t[n++] = rfc3339_s(str(j, "time"));
		}
		json_decref(j);
	}
	assert_int_equal(n, 3);
	/* a second apart: never sooner (a lower bound only: later is load) */
	assert_true(t[1] - t[0] >= 0.99);
	assert_true(t[2] - t[1] >= 0.99);
	fin = stop_agent(&p, NULL, NULL);
	assert_true(rfc3339_s(str(fin, "time")) >= t[2]);
	json_decref(fin);
}

static int setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/pw-cli-promises.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	return h_cgroup_create(NULL, "privwatch-promises", cg, sizeof(cg), &cg_id);
}

static int teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	rsyslog_kill();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		return -1;
	return h_cgroup_remove(cg);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lost_record_when_the_ring_is_full),
		cmocka_unit_test(test_sighup_reopens_a_moved_output_file),
		cmocka_unit_test(test_output_to_every_sink_kind),
		cmocka_unit_test(test_format_ecs_end_to_end),
		cmocka_unit_test(test_tracefs_mounted_when_there_is_none),
		cmocka_unit_test(test_cgroup_v1_memory),
		cmocka_unit_test(test_periodic_stats_records),
	};

	h_init(argv[0]);
	return cmocka_run_group_tests(tests, setup, teardown);
}
