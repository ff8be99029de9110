// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * make soak (never part of make test): `privwatch run` for SOAK_SECONDS
 * (argv[1], default 300) under everything at once, with stand-in containers
 * (cgroup2 directories shaped like docker's, <cgroup2>/pw-soak-<pid>/docker/
 * <64 hex>, below a watched parent of the soak's own):
 *  - churn: a child makes a container, runs three processes in it and
 *    removes it, about fifteen times a second;
 *  - flood: a container opens a sysfs file in rounds of FLOOD_ROUND, far
 *    past its --container-budget (the drops are the budget's);
 *  - a sink that goes away: a TCP receiver of the soak's own closes
 *    cleanly (it reads all the agent sent, then closes) for OUTAGE_S every
 *    minute and comes back; the tcp sink queues, drops what does not fit
 *    (counted) and reconnects;
 *  - rule reloads: SIGHUP every RELOAD_S;
 *  - a hostile container: its own mount namespace with 4,000 stacked tmpfs
 *    and a FUSE /dev nobody answers; its runtime state directory is a FUSE
 *    mount nobody answers in the agent's mount namespace, so the agent's
 *    read of it is given up at the deadline and its worker stays stuck
 *    until the agent exits.
 * The agent writes everything (--events) to a file, which the soak reads as
 * it grows, and to the tcp sink.
 *
 * Checks, each an ok or FAIL line: RSS (sampled every second) at the end
 * within RSS_GROWTH_PCT % + RSS_GROWTH_MB of its value after warm-up, and
 * never above RSS_MAX_MB; a marker (an exec with a unique argv, every
 * second in an ordinary container, every RELOAD_S in the hostile one)
 * appears in the file within the read deadline + STALL_SLACK_MS; exit
 * within EXIT_MS of SIGINT with the hostile container and the stuck read
 * still there; and the accounting below.
 *
 * The accounting identity. Per event kind the kernel counts what it
 * submitted (kernel_sent) and what it could not (drops.ringbuf_full,
 * drops.container_budget), so what the sensors produced is
 *     produced = kernel_sent + ringbuf_full + container_budget
 * and, once the agent has detached and drained the ring (the final
 * privwatch.stats/1 record), every record submitted was read:
 *     events = kernel_sent                      (per kind; malformed_records = 0)
 * and every record read is one privwatch.event/1 line but the canary's:
 *     event lines = sum(events) - canary.records
 * hence, summed over kinds:
 *     produced = event lines + canary.records + ringbuf_full + container_budget
 * The flood makes "produced" countable from outside: its opens (rounds of
 * FLOOD_ROUND, each exiting 0) are exactly its open lines in the file plus
 * the open drops (only the flooder goes past its budget). Each sink gets
 * every line: written + filtered + dropped + queued is the same for the
 * file and the tcp sink, and the file holds exactly its "written" lines
 * before the final record; the receiver holds the tcp sink's "written" plus
 * at most what was queued then and the final record. The privwatch.lost/1
 * records add up to the final counters, and name only the flooder for
 * budget drops.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <jansson.h>
#include "host/cgroupfs.h"
#include "harness.h"
#include "hostile.h"

#define DEFAULT_SECONDS	 300
#define MIN_SECONDS	 30
#define READ_DEADLINE_MS 1000
#define STALL_SLACK_MS	 1500
#define EXIT_MS		 5000
#define RSS_GROWTH_PCT	 20
#define RSS_GROWTH_MB	 8
#define RSS_MAX_MB	 256
#define WARMUP_MAX_S	 60
#define RELOAD_S	 5
#define INVENTORY_S	 5
#define OUTAGE_EVERY_S	 60
#define OUTAGE_FIRST_S	 20
#define OUTAGE_S	 12
#define TCP_QUEUE	 2000
#define BUDGET		 "2000/20000"
#define FLOOD_ROUND	 100000
#define STACKED_MOUNTS	 4000
#define SYSFS_FILE	 "/sys/kernel/mm/transparent_hugepage/enabled"
#define MARKER_TAG	 "soak-marker-"
#define HOSTILE_TAG	 "soak-hostile-"
#define MAX_MARKERS	 8192
#define CHURN_PROCS	 3
#define CHURN_PAUSE_US	 50000
#define LOST_CAUSES	 7

static const char *const lost_names[LOST_CAUSES] = {
	"ringbuf_full", "container_budget",	"malformed_records",	"watched_cgroups_full",
	"sink_queues",	"host_reads_timed_out", "container_table_full",
};

/* What the soak made, so that cleanup removes exactly that. */
static struct {
	char parent[4200], docker[4300], marker[4400], flood[4400], hostile[4400];
	char workdir[64], out[128], err[128], stack[128];
	pid_t agent, receiver, churn, flood_pid, hostile_pid;
	int failed;
} s;

static volatile sig_atomic_t interrupted;

/* A marker: when it was spawned, how long until its line came. */
struct marker {
	pid_t pid;
	uint64_t spawned_ms, latency_ms;
	int seen;
};

/* What the soak read from the agent's file. */
static struct {
	uint64_t lines, event_lines, alerts, pw0010, stats_records, bad_json;
	uint64_t flood_opens_seen, final_at_line;
	uint64_t lost[LOST_CAUSES], lost_budget_flooder, lost_budget_others;
	json_t *final;
	/* The last privwatch.inventory/1: when it came, its churn containers,
	 * whether it lists the marker and flood containers. */
	uint64_t inventory_ms;
	int inventory_churn, inventory_standing;
	struct marker markers[MAX_MARKERS], hostile_markers[MAX_MARKERS];
	int nmarkers, nhostile;
} rd;

static uint64_t flood_cgroup_id;

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void check(int ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void check(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s  ", ok ? "ok  " : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (!ok)
		s.failed = 1;
}

static void make_id(char *id, unsigned int n)
{
	snprintf(id, 65, "%08x%08x%s", (unsigned int)getpid(), n,
		 "50a50a0050a50a0050a50a0050a50a0050a50a0050a50a00");
}

static void on_interrupt(int sig)
{
	interrupted = 1;
}

static void stop_child(pid_t *pid)
{
	if (*pid > 0 && kill(*pid, SIGKILL) == 0)
		waitpid(*pid, NULL, 0);
	*pid = 0;
}

/* Everything the soak made, by its own records: processes by pid, then
 * every process left below its parent cgroup (cgroup.kill), the cgroups
 * bottom up. The work directory stays when a check failed. */
static void cleanup(void)
{
	char path[4600];
	struct dirent *e;
	DIR *d;
	int fd, i;

	stop_child(&s.agent);
	stop_child(&s.churn);
	stop_child(&s.flood_pid);
	stop_child(&s.hostile_pid);
	stop_child(&s.receiver);
	if (s.parent[0]) {
		snprintf(path, sizeof(path), "%s/cgroup.kill", s.parent);
		fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd >= 0) {
			if (write(fd, "1", 1) != 1)
				perror("soak: cgroup.kill");
			close(fd);
		}
		d = opendir(s.docker);
		while (d && (e = readdir(d))) {
			if (e->d_type != DT_DIR || e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", s.docker, e->d_name);
			for (i = 0; i < 100 && rmdir(path) && errno == EBUSY; i++)
				usleep(20000); /* killed processes leave it shortly */
		}
		if (d)
			closedir(d);
		rmdir(s.docker);
		rmdir(s.parent);
		s.parent[0] = '\0';
	}
	if (s.workdir[0]) {
		rmdir(s.stack);
		if (s.failed) {
			printf("the agent's output and stderr are kept in %s\n", s.workdir);
		} else {
			unlink(s.out);
			unlink(s.err);
			rmdir(s.workdir);
		}
		s.workdir[0] = '\0';
	}
}

/* ---- the TCP receiver: a child process, counts what it gets ---- */

static volatile sig_atomic_t rx_down, rx_stop;

static void on_rx_signal(int sig)
{
	if (sig == SIGUSR1)
		rx_down = 1;
	else if (sig == SIGUSR2)
		rx_down = 0;
	else
		rx_stop = 1;
}

struct rx_counts {
	uint64_t lines, fragments, connections, bytes;
};

static int listen_on(uint16_t port, uint16_t *bound)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	socklen_t alen = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (void *)&a, sizeof(a)) || listen(fd, 4) ||
	    getsockname(fd, (void *)&a, &alen)) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (bound)
		*bound = ntohs(a.sin_port);
	return fd;
}

/* Read what is there; returns 0 at EOF or error, else 1. */
static int rx_read(int conn, struct rx_counts *c, int *partial)
{
	char buf[65536];
	ssize_t n = read(conn, buf, sizeof(buf)), i;

	if (n <= 0)
		return 0;
	c->bytes += n;
	for (i = 0; i < n; i++)
		if (buf[i] == '\n')
			c->lines++;
	*partial = buf[n - 1] != '\n';
	return 1;
}

/* A clean end: say so (FIN), take everything the agent still sends until
 * it closes its side, then close. A line cut by the end is a fragment (the
 * agent sends it again whole). */
static void rx_close(int *conn, struct rx_counts *c, int *partial, int wait_ms)
{
	struct pollfd p = { .fd = *conn, .events = POLLIN };
	uint64_t until = now_ms() + wait_ms;

	shutdown(*conn, SHUT_WR);
	while (now_ms() < until && poll(&p, 1, 100) >= 0)
		if (p.revents && !rx_read(*conn, c, partial))
			break;
	if (*partial)
		c->fragments++;
	*partial = 0;
	close(*conn);
	*conn = -1;
}

static void receiver(int lfd, uint16_t port, int report_fd)
{
	struct sigaction sa = { .sa_handler = on_rx_signal }; /* no SA_RESTART: wake poll */
	struct rx_counts c = {};
	int conn = -1, partial = 0, down = 0;

	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	while (!rx_stop) {
		struct pollfd p[2] = { { .fd = lfd, .events = POLLIN },
				       { .fd = conn, .events = POLLIN } };

		if (rx_down != down) {
			down = rx_down;
			if (down) {
				/* The listener first: a reconnection accepted by the
				 * kernel meanwhile would take lines no one reads. */
				close(lfd);
				lfd = -1;
				if (conn >= 0)
					rx_close(&conn, &c, &partial, 3000);
			} else {
				lfd = listen_on(port, NULL);
			}
		}
		if (poll(p, 2, 100) <= 0)
			continue;
		if (p[1].revents && !rx_read(conn, &c, &partial)) {
			if (partial)
				c.fragments++;
			partial = 0;
			close(conn);
			conn = -1;
		}
		if (p[0].revents) {
			int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

			if (fd >= 0) {
				if (conn >= 0) /* the agent gave the old one up */
					rx_close(&conn, &c, &partial, 0);
				conn = fd;
				c.connections++;
			}
		}
	}
	/* The agent has exited: what it sent last is in the socket. */
	if (conn >= 0)
		rx_close(&conn, &c, &partial, 5000);
	if (write(report_fd, &c, sizeof(c)) != sizeof(c))
		_exit(1);
	_exit(0);
}

/* ---- churn and flood: child processes reporting one count ---- */

static volatile sig_atomic_t child_stop;

static void on_child_stop(int sig)
{
	child_stop = 1;
}

static void child_signals(void)
{
	struct sigaction sa = { .sa_handler = on_child_stop, .sa_flags = SA_RESTART };

	sigaction(SIGTERM, &sa, NULL);
	signal(SIGINT, SIG_IGN);
}

static void churn(int report_fd)
{
	char id[65], cg[4500], wl[4200];
	char *argv[] = { wl, "noop", "churn", NULL };
	uint64_t made = 0, failed = 0, out[2];
	pid_t pids[CHURN_PROCS];
	int i;

	child_signals();
	snprintf(wl, sizeof(wl), "%s", h_workload());
	while (!child_stop) {
		make_id(id, 0x100000 + (unsigned int)made);
		snprintf(cg, sizeof(cg), "%s/%s", s.docker, id);
		if (mkdir(cg, 0755)) {
			failed++;
			usleep(CHURN_PAUSE_US);
			continue;
		}
		for (i = 0; i < CHURN_PROCS; i++)
			pids[i] = h_spawn(cg, argv);
		for (i = 0; i < CHURN_PROCS; i++)
			if (pids[i] < 0 || h_wait(pids[i]) != 0)
				failed++;
		for (i = 0; i < 100 && rmdir(cg) && errno == EBUSY; i++)
			usleep(10000);
		made++;
		usleep(CHURN_PAUSE_US);
	}
	out[0] = made;
	out[1] = failed;
	_exit(write(report_fd, out, sizeof(out)) == sizeof(out) ? 0 : 1);
}

static void flood(int report_fd)
{
	char wl[4200], n[16];
	char *argv[] = { wl, "open-n", SYSFS_FILE, n, NULL };
	uint64_t opens = 0, failed = 0, out[2];

	child_signals();
	snprintf(wl, sizeof(wl), "%s_open", h_workload());
	snprintf(n, sizeof(n), "%d", FLOOD_ROUND);
	while (!child_stop) {
		if (h_run(s.flood, argv) == 0)
			opens += FLOOD_ROUND;
		else
			failed++;
	}
	out[0] = opens;
	out[1] = failed;
	_exit(write(report_fd, out, sizeof(out)) == sizeof(out) ? 0 : 1);
}

static pid_t fork_child(void (*fn)(int), int *report_fd)
{
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		fn(p[1]);
	}
	close(p[1]);
	*report_fd = p[0];
	return pid;
}

/* Stop a child and read its two counts. 0, or -1. */
static int child_report(pid_t *pid, int fd, uint64_t out[2])
{
	int rc = -1;

	kill(*pid, SIGTERM);
	if (read(fd, out, 2 * sizeof(uint64_t)) == 2 * sizeof(uint64_t))
		rc = 0;
	waitpid(*pid, NULL, 0);
	*pid = 0;
	close(fd);
	return rc;
}

/* ---- the agent's output ---- */

static uint64_t u64(json_t *o, const char *k)
{
	return (uint64_t)json_integer_value(json_object_get(o, k));
}

static const char *str(json_t *o, const char *k)
{
	const char *v = json_string_value(json_object_get(o, k));

	return v ? v : "";
}

static void marker_seen(const char *arg, uint64_t t)
{
	struct marker *m = NULL;
	int seq;

	if (!strncmp(arg, MARKER_TAG, strlen(MARKER_TAG))) {
		seq = atoi(arg + strlen(MARKER_TAG));
		if (seq >= 0 && seq < rd.nmarkers)
			m = &rd.markers[seq];
	} else if (!strncmp(arg, HOSTILE_TAG, strlen(HOSTILE_TAG))) {
		seq = atoi(arg + strlen(HOSTILE_TAG));
		if (seq >= 0 && seq < rd.nhostile)
			m = &rd.hostile_markers[seq];
	}
	if (m && !m->seen) {
		m->seen = 1;
		m->latency_ms = t - m->spawned_ms;
	}
}

static void read_lost(json_t *j)
{
	json_t *d = json_object_get(j, "dropped"), *e;
	size_t i;
	int c;

	for (c = 0; c < LOST_CAUSES; c++)
		rd.lost[c] += u64(d, lost_names[c]);
	json_array_foreach(json_object_get(j, "by_container"), i, e)
	{
		if (u64(e, "cgroup_id") == flood_cgroup_id)
			rd.lost_budget_flooder += u64(e, "dropped");
		else
			rd.lost_budget_others += u64(e, "dropped");
	}
}

static void read_inventory(json_t *j, uint64_t t)
{
	char churn_prefix[17], marker_id[65], flood_id[65];
	json_t *e;
	size_t i;

	make_id(marker_id, 1);
	make_id(flood_id, 2);
	snprintf(churn_prefix, sizeof(churn_prefix), "%08x001", (unsigned int)getpid());
	rd.inventory_ms = t;
	rd.inventory_churn = rd.inventory_standing = 0;
	json_array_foreach(json_object_get(j, "containers"), i, e)
	{
		const char *id = str(e, "id");

		rd.inventory_churn += !strncmp(id, churn_prefix, strlen(churn_prefix));
		rd.inventory_standing += !strcmp(id, marker_id) || !strcmp(id, flood_id);
	}
}

static void read_line(const char *line, size_t len, uint64_t t)
{
	json_t *j = json_loadb(line, len, 0, NULL);
	const char *schema;

	rd.lines++;
	if (!j) {
		rd.bad_json++;
		return;
	}
	schema = str(j, "schema");
	if (!strcmp(schema, "privwatch.event/1")) {
		const char *kind = str(j, "kind");
		json_t *argv = json_object_get(j, "argv");

		rd.event_lines++;
		if (!strcmp(kind, "open") && u64(j, "cgroup_id") == flood_cgroup_id &&
		    !strcmp(str(j, "path"), SYSFS_FILE))
			rd.flood_opens_seen++;
		else if (!strcmp(kind, "exec") && json_array_size(argv) == 3)
			marker_seen(json_string_value(json_array_get(argv, 2)) ?: "", t);
	} else if (!strcmp(schema, "privwatch.alert/1")) {
		rd.alerts++;
		if (!strcmp(str(json_object_get(j, "rule"), "id"), "PW-0010"))
			rd.pw0010++;
	} else if (!strcmp(schema, "privwatch.lost/1")) {
		read_lost(j);
	} else if (!strcmp(schema, "privwatch.stats/1")) {
		rd.stats_records++;
		if (json_is_true(json_object_get(j, "final"))) {
			rd.final = json_incref(j);
			rd.final_at_line = rd.lines - 1;
		}
	} else if (!strcmp(schema, "privwatch.inventory/1")) {
		read_inventory(j, t);
	}
	json_decref(j);
}

/* The file as it grows: whole lines only. */
static struct {
	int fd;
	char buf[1 << 20];
	size_t len;
} tail = { .fd = -1 };

static void read_output(void)
{
	uint64_t t = now_ms();
	ssize_t n;
	char *nl, *p;

	if (tail.fd < 0 && (tail.fd = open(s.out, O_RDONLY | O_CLOEXEC)) < 0)
		return;
	while ((n = read(tail.fd, tail.buf + tail.len, sizeof(tail.buf) - tail.len)) > 0) {
		tail.len += n;
		p = tail.buf;
		while ((nl = memchr(p, '\n', tail.buf + tail.len - p))) {
			read_line(p, nl - p, t);
			p = nl + 1;
		}
		tail.len -= p - tail.buf;
		memmove(tail.buf, p, tail.len);
		if (tail.len == sizeof(tail.buf)) { /* a line longer than 1 MiB: none is */
			rd.bad_json++;
			tail.len = 0;
		}
	}
}

/* ---- the agent ---- */

static long rss_kb(pid_t pid)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* In a mount namespace of its own where the hostile container's state
 * directory never answers; its stdout unused, stderr kept. */
static pid_t start_agent(const char *hostile_id, uint16_t port)
{
	char script[16384], *argv[] = {
		"/usr/bin/unshare", "-m", "--propagation", "private", "sh", "-c", script, NULL
	};
	size_t n;
	pid_t pid;
	int fd;

	if (h_hostile_state_dir_script(script, sizeof(script), hostile_id, "pw-soak-hang"))
		return -1;
	n = strlen(script);
	snprintf(script + n, sizeof(script) - n,
		 "exec '%s' run --lock-file none --events --cgroup '%s' --output 'file,max=0:%s' "
		 "--output 'tcp,queue=%d:127.0.0.1:%u' --container-budget %s "
		 "--read-deadline-ms %d --hold-ms 3000 --stats-interval 10 "
		 "--canary-interval 60 --inventory-interval %d",
		 h_privwatch(), s.parent, s.out, TCP_QUEUE, port, BUDGET, READ_DEADLINE_MS,
		 INVENTORY_S);
	pid = fork();
	if (pid == 0) {
		fd = open(s.err, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0 || dup2(fd, 2) < 0)
			_exit(126);
		fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
		if (fd < 0 || dup2(fd, 1) < 0)
			_exit(126);
		execv(argv[0], argv);
		_exit(127);
	}
	return pid;
}

static void spawn_marker(struct marker *v, int *n, const char *cg, const char *tag)
{
	char wl[4200], arg[64];
	char *argv[] = { wl, "noop", arg, NULL };

	if (*n >= MAX_MARKERS)
		return;
	snprintf(wl, sizeof(wl), "%s", h_workload());
	snprintf(arg, sizeof(arg), "%s%d", tag, *n);
	v[*n].spawned_ms = now_ms();
	v[*n].pid = h_spawn(cg, argv);
	(*n)++;
}

static void reap_markers(struct marker *v, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (v[i].pid > 0 && waitpid(v[i].pid, NULL, WNOHANG) == v[i].pid)
			v[i].pid = 0;
}

static uint64_t max_latency(const struct marker *v, int n, int *unseen)
{
	uint64_t max = 0;
	int i;

	*unseen = 0;
	for (i = 0; i < n; i++) {
		if (!v[i].seen)
			(*unseen)++;
		else if (v[i].latency_ms > max)
			max = v[i].latency_ms;
	}
	return max;
}

/* The outage windows: [OUTAGE_FIRST_S + k * OUTAGE_EVERY_S, + OUTAGE_S),
 * each over by 10 s before the end. */
static int outage_at(uint64_t t_s, int seconds)
{
	uint64_t k;

	if (t_s < OUTAGE_FIRST_S)
		return 0;
	k = (t_s - OUTAGE_FIRST_S) / OUTAGE_EVERY_S;
	return t_s - OUTAGE_FIRST_S - k * OUTAGE_EVERY_S < OUTAGE_S &&
	       OUTAGE_FIRST_S + k * OUTAGE_EVERY_S + OUTAGE_S + 10 <= (uint64_t)seconds;
}

/* ---- the verdict ---- */

static uint64_t sum(json_t *o)
{
	const char *k;
	json_t *v;
	uint64_t n = 0;

	json_object_foreach(o, k, v) n += json_integer_value(v);
	return n;
}

static json_t *sink(json_t *final, const char *prefix)
{
	json_t *e;
	size_t i;

	json_array_foreach(json_object_get(final, "sinks"), i,
			   e) if (!strncmp(str(e, "spec"), prefix, strlen(prefix))) return e;
	return json_object();
}

struct run_figures {
	double seconds;
	long rss_start, rss_warm, rss_max, rss_end;
	uint64_t churn_end_ms, exit_ms, hups, outages, flood_opens, flood_failed, churned,
		churn_failed;
	struct rx_counts rx;
	int exit_status, hostile_alive_at_exit;
};

static void verdict(const struct run_figures *f)
{
	json_t *F = rd.final, *drops, *file, *tcp, *hr;
	uint64_t events, sent, canary, ringbuf, budget, produced, sinks_dropped;
	uint64_t flood_ring, flood_budget, given_file, given_tcp, lat, hlat;
	const char *k;
	json_t *v;
	int per_kind_ok = 1, unseen, hunseen, c;

	printf("\n--- checks\n");
	check(F != NULL, "the final privwatch.stats/1 record is in the file");
	if (!F)
		return;
	drops = json_object_get(F, "drops");
	file = sink(F, "file");
	tcp = sink(F, "tcp");
	hr = json_object_get(F, "host_reads");
	events = sum(json_object_get(F, "events"));
	sent = sum(json_object_get(F, "kernel_sent"));
	canary = u64(json_object_get(F, "canary"), "records");
	ringbuf = sum(json_object_get(drops, "ringbuf_full"));
	budget = sum(json_object_get(drops, "container_budget"));
	produced = sent + ringbuf + budget;
	sinks_dropped = u64(file, "dropped") + u64(tcp, "dropped");

	/* Memory. */
	check(f->rss_end <= f->rss_warm + f->rss_warm * RSS_GROWTH_PCT / 100 + RSS_GROWTH_MB * 1024,
	      "RSS at the end %ld kB within %d %% + %d MiB of %ld kB after warm-up", f->rss_end,
	      RSS_GROWTH_PCT, RSS_GROWTH_MB, f->rss_warm);
	check(f->rss_max <= RSS_MAX_MB * 1024, "RSS at most %ld kB (bound %d MiB)", f->rss_max,
	      RSS_MAX_MB);
	/* Stalls. */
	lat = max_latency(rd.markers, rd.nmarkers, &unseen);
	hlat = max_latency(rd.hostile_markers, rd.nhostile, &hunseen);
	check(!unseen && rd.nmarkers > 0, "%d markers, every one seen (%d not)", rd.nmarkers,
	      unseen);
	check(!hunseen && rd.nhostile > 0,
	      "%d markers in the hostile container, every one seen (%d not)", rd.nhostile, hunseen);
	check(lat <= READ_DEADLINE_MS + STALL_SLACK_MS && hlat <= READ_DEADLINE_MS + STALL_SLACK_MS,
	      "marker latency at most %llu ms, %llu ms in the hostile container (deadline %d + %d ms)",
	      (unsigned long long)lat, (unsigned long long)hlat, READ_DEADLINE_MS, STALL_SLACK_MS);
	/* None at all: the canary's watched-set walk runs on the worker too. */
	check(u64(hr, "on_event_thread") == 0, "host reads on the event thread: %llu (%s)",
	      (unsigned long long)u64(hr, "on_event_thread"), str(hr, "last_on_event_thread"));
	/* Exit. */
	check(f->exit_status == 0 && f->exit_ms <= EXIT_MS,
	      "exit status %d, %llu ms after SIGINT (bound %d ms)", f->exit_status,
	      (unsigned long long)f->exit_ms, EXIT_MS);
	check(f->hostile_alive_at_exit && u64(hr, "workers_stuck") >= 1 && rd.pw0010 >= 1,
	      "the hostile container was still stuck then (%llu worker stuck, PW-0010 x%llu)",
	      (unsigned long long)u64(hr, "workers_stuck"), (unsigned long long)rd.pw0010);
	/* Accounting, kernel to reader. */
	json_object_foreach(
		json_object_get(F, "events"), k,
		v) if (json_integer_value(v) !=
		       json_integer_value(json_object_get(json_object_get(F, "kernel_sent"), k)))
	{
		printf("      %s: events %lld, kernel_sent %lld\n", k,
		       (long long)json_integer_value(v),
		       (long long)json_integer_value(
			       json_object_get(json_object_get(F, "kernel_sent"), k)));
		per_kind_ok = 0;
	}
	check(per_kind_ok && u64(drops, "malformed_records") == 0,
	      "every record submitted was read: events = kernel_sent per kind (%llu), malformed 0",
	      (unsigned long long)sent);
	/* Reader to lines. */
	check(rd.event_lines == events - canary,
	      "event lines %llu = events %llu - canary records %llu",
	      (unsigned long long)rd.event_lines, (unsigned long long)events,
	      (unsigned long long)canary);
	check(produced == rd.event_lines + canary + ringbuf + budget,
	      "produced %llu = event lines %llu + canary %llu + ringbuf_full %llu + "
	      "container_budget %llu",
	      (unsigned long long)produced, (unsigned long long)rd.event_lines,
	      (unsigned long long)canary, (unsigned long long)ringbuf, (unsigned long long)budget);
	/* The flood, counted from outside. */
	flood_ring = u64(json_object_get(drops, "ringbuf_full"), "open");
	flood_budget = u64(json_object_get(drops, "container_budget"), "open");
	check(f->flood_failed == 0 && f->flood_opens > 0 &&
		      f->flood_opens == rd.flood_opens_seen + flood_budget + flood_ring,
	      "flood: %llu opens made = %llu seen + %llu container_budget + %llu ringbuf_full "
	      "(%llu rounds failed)",
	      (unsigned long long)f->flood_opens, (unsigned long long)rd.flood_opens_seen,
	      (unsigned long long)flood_budget, (unsigned long long)flood_ring,
	      (unsigned long long)f->flood_failed);
	check(budget > 0 && rd.lost_budget_flooder == budget && rd.lost_budget_others == 0,
	      "budget drops %llu, all the flooder's in privwatch.lost/1 (%llu; others %llu)",
	      (unsigned long long)budget, (unsigned long long)rd.lost_budget_flooder,
	      (unsigned long long)rd.lost_budget_others);
	/* Lines to sinks. */
	check(rd.final_at_line == u64(file, "written") && u64(file, "dropped") == 0 && !rd.bad_json,
	      "file: %llu lines before the final record = written %llu, dropped %llu, bad %llu",
	      (unsigned long long)rd.final_at_line, (unsigned long long)u64(file, "written"),
	      (unsigned long long)u64(file, "dropped"), (unsigned long long)rd.bad_json);
	given_file = u64(file, "written") + u64(file, "filtered") + u64(file, "dropped") +
		     u64(file, "queued");
	given_tcp = u64(tcp, "written") + u64(tcp, "filtered") + u64(tcp, "dropped") +
		    u64(tcp, "queued");
	check(given_tcp == given_file,
	      "tcp: written %llu + dropped %llu + queued %llu = the file's %llu lines",
	      (unsigned long long)u64(tcp, "written"), (unsigned long long)u64(tcp, "dropped"),
	      (unsigned long long)u64(tcp, "queued"), (unsigned long long)given_file);
	check(f->rx.lines >= u64(tcp, "written") &&
		      f->rx.lines <= u64(tcp, "written") + u64(tcp, "queued") + 1 &&
		      !f->rx.fragments,
	      "receiver: %llu lines over %llu connections (tcp written %llu, queued %llu), "
	      "%llu cut",
	      (unsigned long long)f->rx.lines, (unsigned long long)f->rx.connections,
	      (unsigned long long)u64(tcp, "written"), (unsigned long long)u64(tcp, "queued"),
	      (unsigned long long)f->rx.fragments);
	check(f->outages > 0 && u64(tcp, "reconnects") >= f->outages && u64(tcp, "dropped") > 0,
	      "sink outages %llu: reconnects %llu, lines dropped %llu",
	      (unsigned long long)f->outages, (unsigned long long)u64(tcp, "reconnects"),
	      (unsigned long long)u64(tcp, "dropped"));
	/* The lost records add up. */
	check(rd.lost[0] == ringbuf && rd.lost[1] == budget &&
		      rd.lost[2] == u64(drops, "malformed_records") && rd.lost[4] == sinks_dropped,
	      "privwatch.lost/1 records sum to the final counters (ringbuf %llu, budget %llu, "
	      "sinks %llu)",
	      (unsigned long long)rd.lost[0], (unsigned long long)rd.lost[1],
	      (unsigned long long)rd.lost[4]);
	/* Reloads and the table. */
	check(u64(json_object_get(F, "rules"), "reloads") == f->hups &&
		      u64(json_object_get(F, "rules"), "reload_failures") == 0,
	      "%llu SIGHUPs, %llu reloads, %llu failed", (unsigned long long)f->hups,
	      (unsigned long long)u64(json_object_get(F, "rules"), "reloads"),
	      (unsigned long long)u64(json_object_get(F, "rules"), "reload_failures"));
	/* The table is the whole host's (others' containers come and go): the
	 * soak's own ids in the last inventory, made after the churn ended. */
	check(f->churned > 0 && !f->churn_failed && rd.inventory_ms > f->churn_end_ms &&
		      rd.inventory_churn == 0 && rd.inventory_standing == 2,
	      "churn: %llu containers made and removed (%llu failures); the inventory after "
	      "lists %d of them and %d of the 2 standing ones",
	      (unsigned long long)f->churned, (unsigned long long)f->churn_failed,
	      rd.inventory_churn, rd.inventory_standing);

	printf("\n--- figures\n");
	printf("duration        %.0f s\n", f->seconds);
	printf("events/s        %.0f produced by the sensors, %.0f delivered as lines\n",
	       produced / f->seconds, rd.event_lines / f->seconds);
	printf("lines           %llu in the file (%llu alerts, %llu stats records)\n",
	       (unsigned long long)rd.lines, (unsigned long long)rd.alerts,
	       (unsigned long long)rd.stats_records);
	printf("RSS kB          start %ld, after warm-up %ld, max %ld, end %ld\n", f->rss_start,
	       f->rss_warm, f->rss_max, f->rss_end);
	printf("marker latency  max %llu ms, hostile container %llu ms\n", (unsigned long long)lat,
	       (unsigned long long)hlat);
	printf("exit            %llu ms after SIGINT\n", (unsigned long long)f->exit_ms);
	printf("drops by cause ");
	for (c = 0; c < LOST_CAUSES; c++)
		printf(" %s %llu", lost_names[c], (unsigned long long)rd.lost[c]);
	printf("\n                (tcp sink %llu, file sink %llu)\n",
	       (unsigned long long)u64(tcp, "dropped"), (unsigned long long)u64(file, "dropped"));
	printf("churn           %llu containers; flood %llu opens\n",
	       (unsigned long long)f->churned, (unsigned long long)f->flood_opens);
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_interrupt };
	struct run_figures f = { .rss_start = -1 };
	char mnt[4096], id[65], hostile_id[65], ready;
	uint64_t t0, t, last_s = 0, t_int, churn_out[2] = {}, flood_out[2] = {};
	int seconds = argc > 1 ? atoi(argv[1]) : DEFAULT_SECONDS, warm_s, lfd, st;
	int churn_fd = -1, flood_fd = -1, rx_fd[2], ready_fd = -1, down = 0;
	uint16_t port;

	h_init(argv[0]);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (seconds < MIN_SECONDS) {
		fprintf(stderr, "soak: at least %d seconds, not %d\n", MIN_SECONDS, seconds);
		return 2;
	}
	warm_s = seconds / 4 < WARMUP_MAX_S ? seconds / 4 : WARMUP_MAX_S;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	atexit(cleanup);
	if (access("/dev/fuse", R_OK | W_OK) && system("modprobe -q fuse 2>/dev/null") != 0) {
		fprintf(stderr, "soak: no /dev/fuse: the hostile container needs it\n");
		return 1;
	}
	if (pw_cgroup2_mount(mnt, sizeof(mnt))) {
		fprintf(stderr, "soak: no cgroup2 mount\n");
		return 1;
	}
	snprintf(s.workdir, sizeof(s.workdir), "/tmp/pw-soak-XXXXXX");
	if (!mkdtemp(s.workdir)) { /* 0700: the file sink refuses a shared directory */
		perror("soak: mkdtemp");
		return 1;
	}
	snprintf(s.out, sizeof(s.out), "%s/out.json", s.workdir);
	snprintf(s.err, sizeof(s.err), "%s/agent.stderr", s.workdir);
	snprintf(s.stack, sizeof(s.stack), "%s/stack", s.workdir);
	snprintf(s.parent, sizeof(s.parent), "%s/pw-soak-%d", mnt, getpid());
	snprintf(s.docker, sizeof(s.docker), "%s/docker", s.parent);
	if (mkdir(s.parent, 0755) || mkdir(s.docker, 0755) || mkdir(s.stack, 0700)) {
		perror("soak: mkdir");
		s.failed = 1;
		return 1;
	}
	make_id(id, 1);
	snprintf(s.marker, sizeof(s.marker), "%s/%s", s.docker, id);
	make_id(id, 2);
	snprintf(s.flood, sizeof(s.flood), "%s/%s", s.docker, id);
	make_id(hostile_id, 3);
	snprintf(s.hostile, sizeof(s.hostile), "%s/%s", s.docker, hostile_id);

	/* The receiver first: the agent is told its port. */
	lfd = listen_on(0, &port);
	if (lfd < 0 || pipe2(rx_fd, O_CLOEXEC)) {
		perror("soak: receiver");
		return 1;
	}
	s.receiver = fork();
	if (s.receiver == 0) {
		close(rx_fd[0]);
		receiver(lfd, port, rx_fd[1]);
	}
	close(lfd);
	close(rx_fd[1]);

	printf("soak: %d s, warm-up %d s, agent output in %s, receiver on port %u\n", seconds,
	       warm_s, s.workdir, port);
	s.agent = start_agent(hostile_id, port);
	t0 = now_ms();
	while (!rd.lines && now_ms() - t0 < 20000 && !interrupted) {
		read_output();
		usleep(10000);
	}
	if (!rd.lines) {
		check(0, "the agent wrote its start record within 20 s");
		return 1;
	}
	printf("soak: start record after %llu ms\n", (unsigned long long)(now_ms() - t0));

	/* The standing containers, made while the agent watches. */
	if (mkdir(s.marker, 0755) || mkdir(s.flood, 0755) || mkdir(s.hostile, 0755) ||
	    pw_cgroup_id(s.flood, &flood_cgroup_id)) {
		perror("soak: containers");
		s.failed = 1;
		return 1;
	}
	s.hostile_pid = h_hostile_start(s.hostile, s.stack, STACKED_MOUNTS, &ready_fd);
	if (s.hostile_pid < 0 || read(ready_fd, &ready, 1) != 1) {
		check(0, "the hostile container is up (its init exited %d)", h_wait(s.hostile_pid));
		s.hostile_pid = 0;
		return 1;
	}
	close(ready_fd);
	s.churn = fork_child(churn, &churn_fd);
	s.flood_pid = fork_child(flood, &flood_fd);

	t0 = now_ms();
	while (!interrupted) {
		t = now_ms() - t0;
		read_output();
		reap_markers(rd.markers, rd.nmarkers);
		reap_markers(rd.hostile_markers, rd.nhostile);
		if (t >= (uint64_t)(seconds - 3) * 1000)
			break;
		if (t / 1000 != last_s || !f.rss_max) {
			long kb = rss_kb(s.agent);

			last_s = t / 1000;
			if (f.rss_start < 0)
				f.rss_start = kb;
			if (!f.rss_warm && (int)last_s >= warm_s)
				f.rss_warm = kb;
			if (kb > f.rss_max)
				f.rss_max = kb;
			f.rss_end = kb;
			spawn_marker(rd.markers, &rd.nmarkers, s.marker, MARKER_TAG);
			if (last_s % RELOAD_S == 0) {
				spawn_marker(rd.hostile_markers, &rd.nhostile, s.hostile,
					     HOSTILE_TAG);
				if (last_s) {
					kill(s.agent, SIGHUP);
					f.hups++;
				}
			}
			if (outage_at(last_s, seconds) != down) {
				down = !down;
				kill(s.receiver, down ? SIGUSR1 : SIGUSR2);
				f.outages += down;
			}
			if (last_s % 30 == 0)
				printf("soak: %3llu s, RSS %ld kB, %llu lines%s\n",
				       (unsigned long long)last_s, kb, (unsigned long long)rd.lines,
				       down ? ", sink down" : "");
		}
		usleep(10000);
	}
	f.seconds = (now_ms() - t0) / 1000.0;
	if (interrupted) {
		s.failed = 1;
		printf("soak: interrupted\n");
		return 1;
	}

	/* The flood and the churn end; the markers' lines come; then SIGINT,
	 * the hostile container still stuck. */
	if (child_report(&s.flood_pid, flood_fd, flood_out) ||
	    child_report(&s.churn, churn_fd, churn_out))
		check(0, "the flood and churn children report their counts");
	f.flood_opens = flood_out[0];
	f.flood_failed = flood_out[1];
	f.churned = churn_out[0];
	f.churn_failed = churn_out[1];
	/* Markers' lines, and an inventory made after the churn ended (the
	 * churn's last rmdir records read first). */
	f.churn_end_ms = now_ms() + 1000;
	for (t = now_ms(); now_ms() - t < 1500 || (rd.inventory_ms <= f.churn_end_ms &&
						   now_ms() - t < 2000 * INVENTORY_S);) {
		read_output();
		usleep(10000);
	}
	reap_markers(rd.markers, rd.nmarkers);
	reap_markers(rd.hostile_markers, rd.nhostile);
	f.rss_end = rss_kb(s.agent);
	f.hostile_alive_at_exit = kill(s.hostile_pid, 0) == 0;
	t_int = now_ms();
	kill(s.agent, SIGINT);
	f.exit_status = -1;
	while (now_ms() - t_int < 3 * EXIT_MS) {
		if (waitpid(s.agent, &st, WNOHANG) == s.agent) {
			f.exit_ms = now_ms() - t_int;
			f.exit_status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
			s.agent = 0;
			break;
		}
		read_output();
		usleep(5000);
	}
	if (s.agent) {
		f.exit_ms = now_ms() - t_int;
		stop_child(&s.agent);
	}
	read_output();
	kill(s.receiver, SIGTERM);
	if (read(rx_fd[0], &f.rx, sizeof(f.rx)) != sizeof(f.rx))
		check(0, "the receiver reports its counts");
	waitpid(s.receiver, NULL, 0);
	s.receiver = 0;
	verdict(&f);
	printf("\nsoak: %s\n", s.failed ? "FAILED" : "passed");
	return s.failed;
}
