// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#define _GNU_SOURCE /* accept4 */
/*
 * privwatch run's lifecycle, from the binary: the stop (SIGINT flushes
 * within its bound even with a stream receiver that never reads; a second SIGINT
 * exits at once, 130, unless it is the first delivered twice), the lock file (a second agent refused, naming the
 * file and the holder's pid) and --keep-sensors (records written while no
 * agent ran are read by the next one and counted in its start record; a
 * stop without it leaves nothing pinned). Each agent has its own lock file
 * and pin directory in the test's directory: agents of other suites run
 * beside these.
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
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <cmocka.h>
#include <jansson.h>
#include "harness.h"

#define PW ((char *)h_privwatch())

static char dir[64], cg[PATH_MAX];
static uint64_t cg_id;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The whole file, NUL-terminated (malloc'd), or NULL. */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (!f)
		return NULL;
	do {
		if (cap - len < 65536) {
			cap = cap ? cap * 2 : 1 << 20;
			buf = realloc(buf, cap + 1);
			assert_non_null(buf);
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
	} while (n);
	fclose(f);
	buf[len] = '\0';
	return buf;
}

/* The last line of the file holding needle, parsed (NULL: none). */
static json_t *last_line_with(const char *path, const char *needle)
{
	char *buf = slurp(path), *at = NULL, *p, *end;
	json_t *j = NULL;

	if (!buf)
		return NULL;
	for (p = buf; (p = strstr(p, needle)); p++)
		at = p;
	if (at) {
		while (at > buf && at[-1] != '\n')
			at--;
		end = strchr(at, '\n');
		if (end)
			*end = '\0';
		j = json_loads(at, 0, NULL);
	}
	free(buf);
	return j;
}

static int file_has(const char *path, const char *needle)
{
	char *buf = slurp(path);
	int has = buf && strstr(buf, needle);

	free(buf);
	return has;
}

/* Started, its start record in out (a file sink) within 30 s. */
static void start(struct h_proc *p, char *const argv[], const char *out)
{
	double end = now_s() + 30;

	assert_int_equal(h_proc_start(p, argv), 0);
	while (!file_has(out, "privwatch.start/1") && now_s() < end)
		usleep(20000);
	assert_true(file_has(out, "privwatch.start/1"));
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

/* A receiver on a unix stream socket that accepts and never reads. A TCP
 * one over loopback is not a stall to rely on: its sender's buffer grows
 * and the receiver's window reopens now and then (a queue that seemed
 * stuck went out in 0.3 s at the stop, one run in four); a unix stream's
 * sender buffer is wmem_default, fixed. The listening fd. */
static int stalled_receiver(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(lfd >= 0);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	unlink(path);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(listen(lfd, 4), 0);
	return lfd;
}

/* The stream sink of the last stats record in file, its counter name. */
static long long sink_counter(const char *file, const char *name)
{
	json_t *j = last_line_with(file, "\"privwatch.stats/1\""), *s;
	long long v = -1;
	size_t i;

	if (!j)
		return -1;
	json_array_foreach(json_object_get(j, "sinks"), i,
			   s) if (!strncmp(json_string_value(json_object_get(s, "spec")), "unix",
					   4)) v = json_integer_value(json_object_get(s, name));
	json_decref(j);
	return v;
}

/*
 * An agent whose unix stream sink's receiver accepted and reads nothing, with its
 * queue half full at least: the stop would wait on it. out gets every line.
 */
static void start_stalled(struct h_proc *p, char *out, size_t outlen, int *lfd, int *cfd)
{
	static char stream[PATH_MAX + 16], fspec[PATH_MAX + 16], lock[PATH_MAX], sock[PATH_MAX];
	char *argv[] = {
		PW,	    "run", "--http",   "none", "--lock-file", lock,   "--events",
		"--cgroup", cg,	   "--output", fspec,  "--output",    stream, "--stats-interval",
		"1",	    NULL
	};
	struct pollfd pfd;
	double end;

	snprintf(sock, sizeof(sock), "%s/stall.sock", dir);
	*lfd = stalled_receiver(sock);
	snprintf(lock, sizeof(lock), "%s/stall.lock", dir);
	snprintf(out, outlen, "%s/stall.json", dir);
	unlink(out);
	snprintf(fspec, sizeof(fspec), "file,max=0:%s", out);
	snprintf(stream, sizeof(stream), "unix,queue=50:%s", sock);
	start(p, argv, out);
	pfd = (struct pollfd){ .fd = *lfd, .events = POLLIN };
	assert_int_equal(poll(&pfd, 1, 10000), 1);
	*cfd = accept4(*lfd, NULL, NULL, SOCK_CLOEXEC);
	assert_true(*cfd >= 0);
	for (end = now_s() + 60; now_s() < end;) {
		long long w0;

		execs(300);	 /* the socket buffer holds a few hundred lines first */
		usleep(1200000); /* the next stats record */
		w0 = sink_counter(out, "written");
		usleep(1200000); /* and the one after: nothing went out between them */
		if (w0 >= 0 && sink_counter(out, "queued") >= 25 &&
		    sink_counter(out, "written") == w0)
			return;
	}
	fail_msg("the stream sink never filled its queue");
}

/* A clean stop with a stalled sink: exit 0, after the flush waited for the
 * receiver, and the final stats record written. */
static void assert_clean_stop(const char *out, int rc, double dt)
{
	json_t *j;

	assert_int_equal(rc, 0);
	assert_true(dt >= 1.5); /* the flush waited for the receiver */
	j = last_line_with(out, "\"privwatch.stats/1\"");
	assert_non_null(j);
	assert_true(json_is_true(json_object_get(j, "final")));
	json_decref(j);
}

/* SIGINT: the stalled sink gets its 2 s, then the final stats record and
 * exit 0. */
static void test_stop_flushes_within_its_bound(void **state)
{
	char out[PATH_MAX];
	struct h_proc p;
	int lfd, cfd, rc;
	double t0, dt;

	start_stalled(&p, out, sizeof(out), &lfd, &cfd);
	t0 = now_s();
	rc = h_proc_stop(&p, SIGINT);
	dt = now_s() - t0;
	print_message(
		"exit %d after %.2f s; unix sink: written %lld, dropped %lld, reconnects %lld\n",
		rc, dt, sink_counter(out, "written"), sink_counter(out, "dropped"),
		sink_counter(out, "reconnects"));
	assert_clean_stop(out, rc, dt);
	assert_true(dt < 8.0); /* and no longer than its bound */
	close(cfd);
	close(lfd);
}

/* A second SIGINT while the stop waits (0.8 s after the first: past the
 * half second within which it would be the same one twice): out at once,
 * 130. */
static void test_second_signal_exits_at_once(void **state)
{
	char out[PATH_MAX];
	struct h_proc p;
	int lfd, cfd, rc;
	double t0, dt;

	start_stalled(&p, out, sizeof(out), &lfd, &cfd);
	kill(p.pid, SIGINT);
	usleep(800000); /* past the detach, inside the 2 s the stalled sink is given */
	t0 = now_s();
	rc = h_proc_stop(&p, SIGINT);
	dt = now_s() - t0;
	print_message("exit %d %.3f s after the second SIGINT\n", rc, dt);
	assert_int_equal(rc, 130);
	assert_true(dt < 1.0);
	close(cfd);
	close(lfd);
}

/* The same SIGINT delivered twice within milliseconds (timeout(1) signals
 * its child, then the child's process group): one request, a clean stop
 * that still gives the stalled sink its time, the final record, exit 0. */
static void test_signal_delivered_twice_is_one_stop(void **state)
{
	char out[PATH_MAX];
	struct h_proc p;
	int lfd, cfd, rc;
	double t0, dt;

	start_stalled(&p, out, sizeof(out), &lfd, &cfd);
	t0 = now_s();
	kill(p.pid, SIGINT);
	usleep(20000); /* the first one handled: the second is not merged with it */
	rc = h_proc_stop(&p, SIGINT);
	dt = now_s() - t0;
	print_message("exit %d after %.2f s\n", rc, dt);
	assert_clean_stop(out, rc, dt);
	close(cfd);
	close(lfd);
}

/* The lock: a second agent on the same lock file is refused, naming the
 * file and the pid holding it; once the first stops, it starts. */
static void test_lock_refuses_a_second_agent(void **state)
{
	char lock[PATH_MAX], out1[PATH_MAX], out2[PATH_MAX], f1[PATH_MAX + 8], f2[PATH_MAX + 8];
	char sout[4096], serr[4096], want[64], *held;
	char *a1[] = { PW,   "run",	   "--http",   "none", "--lock-file",
		       lock, "--no-rules", "--cgroup", cg,     "--stats-interval",
		       "0",  "--output",   f1,	       NULL };
	char *a2[] = { PW,   "run",	   "--http",   "none", "--lock-file",
		       lock, "--no-rules", "--cgroup", cg,     "--stats-interval",
		       "0",  "--output",   f2,	       NULL };
	struct h_proc p1, p2;
	int rc;

	snprintf(lock, sizeof(lock), "%s/run/privwatch.lock", dir); /* its directory made */
	snprintf(out1, sizeof(out1), "%s/lock1.json", dir);
	snprintf(out2, sizeof(out2), "%s/lock2.json", dir);
	snprintf(f1, sizeof(f1), "file:%s", out1);
	snprintf(f2, sizeof(f2), "file:%s", out2);
	start(&p1, a1, out1);
	held = slurp(lock);
	assert_non_null(held);
	snprintf(want, sizeof(want), "%d\n", (int)p1.pid);
	assert_string_equal(held, want);
	free(held);

	rc = h_capture(a2, sout, sizeof(sout), serr, sizeof(serr));
	print_message("second agent: exit %d: %s", rc, serr);
	assert_int_equal(rc, 1);
	assert_non_null(strstr(serr, lock));
	snprintf(want, sizeof(want), "pid %d", (int)p1.pid);
	assert_non_null(strstr(serr, want));
	assert_false(file_has(out2, "privwatch.start/1"));
	/* nothing of the first disturbed: it stops cleanly */
	assert_int_equal(h_proc_stop(&p1, SIGINT), 0);
	assert_true(file_has(out1, "\"final\":true"));

	/* the file stays (never unlinked), the lock went with the process */
	start(&p2, a2, out2);
	assert_int_equal(h_proc_stop(&p2, SIGTERM), 0);
	/* --lock-file none: no lock at all */
	{
		char *bad[] = { PW, "run", "--lock-file", "relative.lock", NULL };

		assert_int_equal(h_capture(bad, sout, sizeof(sout), serr, sizeof(serr)), 2);
		assert_non_null(strstr(serr, "--lock-file"));
	}
}

/* The events of pid in file, by kind: exec, capability, exit seen. */
static int events_of(const char *file, pid_t pid, int *exec, int *cap, int *exit_)
{
	char *buf = slurp(file), *line, *save = NULL;
	int n = 0;

	*exec = *cap = *exit_ = 0;
	assert_non_null(buf);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		json_t *j = json_loads(line, 0, NULL);
		const char *kind;

		if (!j)
			continue;
		kind = json_string_value(json_object_get(j, "kind"));
		if (!strcmp(json_string_value(json_object_get(j, "schema")), "privwatch.event/1") &&
		    json_integer_value(json_object_get(j, "pid")) == pid && kind) {
			n++;
			*exec += !strcmp(kind, "exec");
			*cap += !strcmp(kind, "capability");
			*exit_ += !strcmp(kind, "exit");
		}
		json_decref(j);
	}
	free(buf);
	return n;
}

static int exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/*
 * --keep-sensors: an agent killed with SIGKILL leaves its programs attached
 * and its ring buffer pinned; what a workload does meanwhile is read by the
 * next agent started with it, counted in its start record
 * (kept.records_waiting), and its links retired. A stop with the option
 * leaves the pins; the host's agent (it holds the lock) started without it
 * takes them over and removes them.
 */
static void test_keep_sensors_restart(void **state)
{
	char pin[PATH_MAX], events[PATH_MAX], lock[PATH_MAX], out[3][PATH_MAX];
	char spec[3][PATH_MAX + 8], wl[PATH_MAX];
	char *argv[3][18];
	char *klog[] = { wl, "klogctl", "3", NULL };
	struct h_proc p;
	pid_t w;
	json_t *j, *kept;
	int i, n, exec, cap, exit_;

	snprintf(pin, sizeof(pin), "/sys/fs/bpf/pw_test_lifecycle_%d", (int)getpid());
	snprintf(events, sizeof(events), "%s/events", pin);
	snprintf(lock, sizeof(lock), "%s/keep.lock", dir);
	snprintf(wl, sizeof(wl), "%s", h_workload());
	for (i = 0; i < 3; i++) {
		char **a = argv[i];
		int k = 0;

		snprintf(out[i], sizeof(out[i]), "%s/keep%d.json", dir, i);
		snprintf(spec[i], sizeof(spec[i]), "file,max=0:%s", out[i]);
		a[k++] = PW;
		a[k++] = "run";
		a[k++] = "--http";
		a[k++] = "none";
		a[k++] = "--lock-file";
		a[k++] = i < 2 ? "none" : lock; /* the third is the host's agent */
		if (i < 2)
			a[k++] = "--keep-sensors";
		a[k++] = "--pin-dir";
		a[k++] = pin;
		a[k++] = "--no-rules";
		a[k++] = "--events";
		a[k++] = "--cgroup";
		a[k++] = cg;
		a[k++] = "--stats-interval";
		a[k++] = "0";
		a[k++] = "--output";
		a[k++] = spec[i];
		a[k] = NULL;
	}

	/* 1: pinned, then killed: nothing of it runs but its sensors */
	start(&p, argv[0], out[0]);
	assert_true(exists(events));
	assert_int_equal(h_proc_stop(&p, SIGKILL), -1);
	assert_true(exists(events));

	/* meanwhile: an exec, a capability use (repeats of the same check by
	 * the same task are folded in the kernel), an exit */
	w = h_spawn(cg, klog);
	assert_int_equal(h_wait(w), 0);

	/* 2: takes them over, reads what was written */
	start(&p, argv[1], out[1]);
	j = last_line_with(out[1], "\"privwatch.start/1\"");
	assert_non_null(j);
	kept = json_object_get(j, "kept");
	{
		char *d = json_dumps(kept, JSON_COMPACT);

		print_message("kept: %s\n", d);
		free(d);
	}
	assert_true(json_is_true(json_object_get(kept, "taken_over")));
	assert_true(json_integer_value(json_object_get(kept, "links_retired")) > 0);
	n = events_of(out[1], w, &exec, &cap, &exit_);
	print_message("the workload's events read by the second agent: %d (exec %d, capability "
		      "%d, exit %d)\n",
		      n, exec, cap, exit_);
	assert_int_equal(exec, 1);
	assert_true(cap >= 1);
	assert_int_equal(exit_, 1);
	assert_true(json_integer_value(json_object_get(kept, "records_waiting")) >= n);
	json_decref(j);
	/* a stop with the option: the sensors stay */
	assert_int_equal(h_proc_stop(&p, SIGINT), 0);
	assert_true(exists(events));

	/* 3: without the option, holding the lock: taken over, then removed */
	w = h_spawn(cg, klog);
	assert_int_equal(h_wait(w), 0);
	start(&p, argv[2], out[2]);
	j = last_line_with(out[2], "\"privwatch.start/1\"");
	assert_non_null(j);
	kept = json_object_get(j, "kept");
	assert_true(json_is_true(json_object_get(kept, "taken_over")));
	assert_false(json_is_true(json_object_get(kept, "keep_sensors")));
	json_decref(j);
	assert_false(exists(events));
	assert_int_equal(events_of(out[2], w, &exec, &cap, &exit_) >= 3, 1);
	assert_int_equal(h_proc_stop(&p, SIGINT), 0);
	assert_false(exists(pin));
}

static int setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/pw-cli-lifecycle.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	return h_cgroup_create(NULL, "privwatch-lifecycle", cg, sizeof(cg), &cg_id);
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
		cmocka_unit_test(test_lock_refuses_a_second_agent),
		cmocka_unit_test(test_stop_flushes_within_its_bound),
		cmocka_unit_test(test_second_signal_exits_at_once),
		cmocka_unit_test(test_signal_delivered_twice_is_one_stop),
		cmocka_unit_test(test_keep_sensors_restart),
	};

	h_init(argv[0]);
	return cmocka_run_group_tests(tests, setup, teardown);
}
