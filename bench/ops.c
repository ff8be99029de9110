// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The benchmark's workloads and generators (bench/run.sh drives them).
 *
 *   ops OP SECONDS [PATH]    run OP in a loop for SECONDS, print "OP <ns> ns/op <n> ops"
 *       klogctl       klogctl(SYSLOG_ACTION_CLOSE = 0): one CAP_SYSLOG check
 *       getppid       an unrelated cheap syscall
 *       open-file     open+close of a regular file (PATH, default /etc/hostname)
 *       open-devnull  open+close of /dev/null
 *       write-file    pwrite of one byte to a regular file opened once (PATH)
 *       sysfs-write   open, write back the value read at start, close (PATH,
 *                     default /sys/block/loop0/queue/read_ahead_kb)
 *       mount-tmpfs   mount+umount of a tmpfs, in a private mount namespace
 *       fork-exec     fork, exec /bin/true, wait
 *   rate N RATE [PROCS]      N opens of a sysfs file paced at RATE/s (0: as fast as
 *                            possible), shared by PROCS processes (default 1);
 *                            prints "sent N in S s by P process(es): R/s"
 *   latency N GAP_MS FILE MATCH PATH TIMEOUT_MS
 *                            N times: note CLOCK_REALTIME, open PATH for writing
 *                            (a sysfs file), close, then wait (inotify) until a
 *                            line holding MATCH and the basename of PATH is
 *                            appended to FILE; prints p50/p99/max. Exit 3 if
 *                            the first such line never comes.
 *   churn PARENT N           N container start/stop cycles: mkdir
 *                            PARENT/docker-<64 hex>.scope, a child joins it and
 *                            execs /bin/true, wait, rmdir
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/klog.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int die(const char *what)
{
	perror(what);
	return 1;
}

static void fork_exec_true(void)
{
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		execl("/bin/true", "true", (char *)NULL);
		_exit(127);
	}
	if (pid > 0)
		waitpid(pid, &st, 0);
}

static int cmd_ops(const char *op, double secs, const char *path)
{
	char mnt[] = "/tmp/pwbench-mnt-XXXXXX", val[64] = "";
	long n = 0, i, batch = 1000;
	ssize_t vlen = 0;
	double t0, t;
	int fd = -1;

	if (!strcmp(op, "open-file") && !path)
		path = "/etc/hostname";
	if (!strcmp(op, "write-file")) {
		if (!path)
			return die("write-file needs a PATH");
		fd = open(path, O_WRONLY);
		if (fd < 0)
			return die(path);
	}
	if (!strcmp(op, "sysfs-write")) {
		if (!path)
			path = "/sys/block/loop0/queue/read_ahead_kb";
		fd = open(path, O_RDONLY);
		if (fd < 0 || (vlen = read(fd, val, sizeof(val) - 1)) <= 0)
			return die(path);
		close(fd);
		batch = 100;
	}
	if (!strcmp(op, "mount-tmpfs")) {
		if (unshare(CLONE_NEWNS))
			return die("unshare(CLONE_NEWNS)");
		if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
			return die("mount --make-rprivate /");
		if (!mkdtemp(mnt))
			return die("mkdtemp");
		batch = 1;
	}
	if (!strcmp(op, "fork-exec"))
		batch = 1;

	t0 = now(CLOCK_MONOTONIC);
	do {
		for (i = 0; i < batch; i++) {
			if (!strcmp(op, "klogctl")) {
				klogctl(0, NULL, 0);
			} else if (!strcmp(op, "getppid")) {
				syscall(SYS_getppid);
			} else if (!strcmp(op, "open-file")) {
				close(open(path, O_RDONLY));
			} else if (!strcmp(op, "open-devnull")) {
				close(open("/dev/null", O_RDONLY));
			} else if (!strcmp(op, "write-file")) {
				if (pwrite(fd, "x", 1, 0) != 1)
					return die(path);
			} else if (!strcmp(op, "sysfs-write")) {
				fd = open(path, O_WRONLY);
				if (fd < 0 || write(fd, val, vlen) != vlen)
					return die(path);
				close(fd);
			} else if (!strcmp(op, "mount-tmpfs")) {
				if (mount("pwbench", mnt, "tmpfs", 0, "size=64k"))
					return die("mount tmpfs");
				if (umount(mnt))
					return die("umount tmpfs");
			} else if (!strcmp(op, "fork-exec")) {
				fork_exec_true();
			} else {
				fprintf(stderr, "ops: unknown op %s\n", op);
				return 2;
			}
		}
		n += batch;
		t = now(CLOCK_MONOTONIC);
	} while (t - t0 < secs);
	if (!strcmp(op, "mount-tmpfs"))
		rmdir(mnt);
	printf("%s %.1f ns/op %ld ops\n", op, (t - t0) * 1e9 / n, n);
	return 0;
}

/* Busy-paced: sleeping would batch the events. */
/* n opens of a sysfs file (each one an event: opens of /dev/null count once
 * per program in the kernel), paced at rate per second (0: flat out). */
static int rate_loop(long n, double rate, double t0)
{
	const char *path = "/sys/kernel/mm/transparent_hugepage/enabled";
	double t;
	long i;

	for (i = 0; i < n; i++) {
		int fd = open(path, O_RDONLY);

		if (fd < 0)
			return die(path);
		close(fd);
		if (rate > 0)
			do
				t = now(CLOCK_MONOTONIC);
			while (t - t0 < (i + 1) / rate);
	}
	return 0;
}

/* procs processes share n and rate (the last takes the remainder): one
 * process is its own ceiling long before an agent is. */
static int cmd_rate(long n, double rate, int procs)
{
	double t0 = now(CLOCK_MONOTONIC), t;
	int i, st, bad = 0;

	if (procs < 1)
		procs = 1;
	for (i = 0; i < procs; i++) {
		long share = n / procs + (i == procs - 1 ? n % procs : 0);
		pid_t pid = fork();

		if (pid < 0)
			return die("fork");
		if (pid == 0)
			_exit(rate_loop(share, rate / procs, t0));
	}
	while (wait(&st) > 0)
		bad |= !WIFEXITED(st) || WEXITSTATUS(st);
	t = now(CLOCK_MONOTONIC);
	printf("sent %ld in %.3f s by %d process%s: %.0f/s\n", n, t - t0, procs,
	       procs > 1 ? "es" : "", n / (t - t0));
	return bad;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Scan what was appended to fd since *off for a line with both strings. */
static int scan(int fd, off_t *off, const char *m1, const char *m2)
{
	static char buf[1 << 16];
	static size_t have;
	ssize_t r;

	while ((r = pread(fd, buf + have, sizeof(buf) - 1 - have, *off)) > 0) {
		char *line = buf, *nl;

		*off += r;
		have += r;
		buf[have] = '\0';
		while ((nl = memchr(line, '\n', buf + have - line))) {
			*nl = '\0';
			if (strstr(line, m1) && strstr(line, m2)) {
				have = 0;
				return 1;
			}
			line = nl + 1;
		}
		have = buf + have - line;
		memmove(buf, line, have);
		if (have >= sizeof(buf) - 1) /* a line longer than the buffer: skip it */
			have = 0;
	}
	return 0;
}

static int cmd_latency(int n, int gap_ms, const char *file, const char *match, const char *path,
		       int timeout_ms)
{
	double *lat = calloc(n, sizeof(*lat)), t0, t1;
	char pathcopy[4096];
	const char *base;
	int ifd, fd, i, got = 0;
	off_t off;

	snprintf(pathcopy, sizeof(pathcopy), "%s", path);
	base = basename(pathcopy);
	fd = open(file, O_RDONLY);
	if (!lat || fd < 0)
		return die(file);
	off = lseek(fd, 0, SEEK_END);
	ifd = inotify_init1(IN_NONBLOCK);
	if (ifd < 0 || inotify_add_watch(ifd, file, IN_MODIFY) < 0)
		return die("inotify");
	for (i = 0; i < n; i++) {
		struct pollfd p = { .fd = ifd, .events = POLLIN };
		char ev[4096];
		int found = 0, wfd;

		while (read(ifd, ev, sizeof(ev)) > 0) /* forget earlier writes */
			;
		scan(fd, &off, "\x01", "\x01"); /* skip lines appended meanwhile */
		t0 = now(CLOCK_REALTIME);
		wfd = open(path, O_WRONLY);
		if (wfd < 0)
			return die(path);
		close(wfd);
		do {
			found = scan(fd, &off, match, base);
			if (found)
				break;
			t1 = now(CLOCK_REALTIME);
			if ((t1 - t0) * 1000 > timeout_ms)
				break;
			if (poll(&p, 1, 10) > 0)
				while (read(ifd, ev, sizeof(ev)) > 0)
					;
		} while (1);
		t1 = now(CLOCK_REALTIME);
		if (!found) {
			if (i == 0) {
				fprintf(stderr, "latency: no line with '%s' and '%s' in %s within %d ms\n",
					match, base, file, timeout_ms);
				return 3;
			}
			continue; /* counted as missing */
		}
		lat[got++] = (t1 - t0) * 1000;
		if (gap_ms)
			usleep(gap_ms * 1000);
	}
	qsort(lat, got, sizeof(*lat), cmp_double);
	printf("latency n=%d missing=%d p50_ms=%.3f p99_ms=%.3f max_ms=%.3f\n", got, n - got,
	       got ? lat[got / 2] : 0, got ? lat[(int)(got * 0.99) < got ? (int)(got * 0.99) : got - 1] : 0,
	       got ? lat[got - 1] : 0);
	return 0;
}

static int cmd_churn(const char *parent, long n)
{
	double t0 = now(CLOCK_MONOTONIC);
	char cg[4096], procs[4200];
	long i;
	int tries;

	for (i = 0; i < n; i++) {
		pid_t pid;
		int st;

		snprintf(cg, sizeof(cg), "%s/docker-%056x%08lx.scope", parent, 0xc0ffee, i);
		if (mkdir(cg, 0755))
			return die(cg);
		snprintf(procs, sizeof(procs), "%s/cgroup.procs", cg);
		pid = fork();
		if (pid == 0) {
			int fd = open(procs, O_WRONLY);

			if (fd < 0 || write(fd, "0", 1) != 1)
				_exit(126);
			close(fd);
			execl("/bin/true", "true", (char *)NULL);
			_exit(127);
		}
		if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st))
			return die("churn child");
		/* the cgroup empties just after the reap, not always before rmdir */
		for (tries = 0; rmdir(cg) && errno == EBUSY && tries < 1000; tries++)
			usleep(100);
		if (tries == 1000)
			return die(cg);
	}
	printf("churn %ld cycles in %.3f s\n", n, now(CLOCK_MONOTONIC) - t0);
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(cmd, "ops") && argc >= 4)
		return cmd_ops(argv[2], atof(argv[3]), argc > 4 ? argv[4] : NULL);
	if (!strcmp(cmd, "rate") && (argc == 4 || argc == 5))
		return cmd_rate(atol(argv[2]), atof(argv[3]), argc == 5 ? atoi(argv[4]) : 1);
	if (!strcmp(cmd, "latency") && argc == 8)
		return cmd_latency(atoi(argv[2]), atoi(argv[3]), argv[4], argv[5], argv[6],
				   atoi(argv[7]));
	if (!strcmp(cmd, "churn") && argc == 4)
		return cmd_churn(argv[2], atol(argv[3]));
	fprintf(stderr, "usage: ops ops OP SECONDS [PATH] | rate N RATE [PROCS] | "
			"latency N GAP_MS FILE MATCH PATH TIMEOUT_MS | churn PARENT N\n");
	return 2;
}
