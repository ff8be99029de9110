// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Kernel tier: nothing a container does stalls `privwatch run`. Three
 * stand-in containers (cgroup2 directories shaped like docker's) below a
 * watched parent:
 *  A  present at start, its own mount namespace with 4,000 mounts stacked
 *     on one point and a FUSE filesystem whose server never answers over
 *     its /dev: measured without touching that /dev (its mount table says
 *     fuse), so discovery and the start record are not delayed;
 *  B  made after start, its runtime state directory a FUSE mount that
 *     never answers (in the agent's own mount namespace, private to the
 *     test): the host-reading worker's read is given up at the deadline,
 *     the worker replaced (once: B is not read again), PW-0010 raised, privwatch.lost/1 says
 *     host_reads_timed_out, B's events still come, with mode unknown and
 *     the reason;
 *  C  an ordinary container made meanwhile: its exec is reported within
 *     seconds.
 * Then SIGINT: the agent exits within 5 s, with a worker still stuck in
 * the kernel, and its final record counts no host read on the event thread.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <jansson.h>
#include "host/cgroupfs.h"
#include "harness.h"
#include "hostile.h"

#define STACKED_MOUNTS 4000

static char line[1 << 16];
static pid_t agent_pid, hostile_pid;
static char stack_dir[64];
static char parent[4200], a[4300], b[4300], c[4300];
static int made_parent, mounted_fusectl;

static int teardown(void **state)
{
	if (agent_pid > 0 && kill(agent_pid, SIGKILL) == 0)
		waitpid(agent_pid, NULL, 0);
	if (hostile_pid > 0 && kill(hostile_pid, SIGKILL) == 0)
		waitpid(hostile_pid, NULL, 0);
	agent_pid = hostile_pid = 0;
	if (stack_dir[0])
		rmdir(stack_dir);
	stack_dir[0] = '\0';
	if (a[0])
		rmdir(a);
	if (b[0])
		rmdir(b);
	if (c[0])
		rmdir(c);
	if (made_parent)
		rmdir(parent);
	a[0] = b[0] = c[0] = '\0';
	made_parent = 0;
	return 0;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *jstr(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

static void make_id(char *id, unsigned int n)
{
	snprintf(id, 65, "%08x%08x%s", (unsigned int)getpid(), n,
		 "baddeed0baddeed0baddeed0baddeed0baddeed0baddeed0");
}

static void test_hostile_containers_do_not_stall_the_agent(void **state)
{
	char ida[65], idb[65], idc[65], script[2048], ready;
	char *true_argv[] = { "/bin/true", NULL };
	char *run_argv[] = {
		"/usr/bin/unshare", "-m", "--propagation", "private", "sh", "-c", script, NULL
	};
	struct h_proc p;
	json_t *j, *ct;
	int ready_fd = -1, st, saw_a = 0, saw_b = 0, saw_c = 0, alerted = 0;
	int lost = 0, final = 0;
	/* the VM runner says it is one (PW_VM_KERNEL): an environment fact */
	int deadline_ms = getenv("PW_VM_KERNEL") ? 4000 : 500;
	int hold_ms = deadline_ms + 2500; /* B's records wait out its deadline */
	uint64_t t_start, t_c = 0, c_latency = 0, t_int, exit_ms;
	pid_t in_a, in_b, in_c;

	/* fuse as a module: its device node appears once it is loaded */
	if (access("/dev/fuse", F_OK) && system("modprobe -q fuse 2>/dev/null") != 0)
		print_message("[   INFO   ] modprobe fuse failed\n");
	if (access("/dev/fuse", R_OK | W_OK)) {
		print_message("[   SKIP   ] no /dev/fuse\n");
		skip();
	}
	assert_int_equal(h_docker_parent(parent, sizeof(parent), &made_parent), 0);
	make_id(ida, 0xa);
	make_id(idb, 0xb);
	make_id(idc, 0xc);
	snprintf(a, sizeof(a), "%s/%s", parent, ida);
	snprintf(b, sizeof(b), "%s/%s", parent, idb);
	snprintf(c, sizeof(c), "%s/%s", parent, idc);
	snprintf(stack_dir, sizeof(stack_dir), "/tmp/pw-hostile-XXXXXX");
	assert_non_null(mkdtemp(stack_dir));

	/* A, present before the agent. */
	assert_int_equal(mkdir(a, 0755), 0);
	hostile_pid = h_hostile_start(a, stack_dir, STACKED_MOUNTS, &ready_fd);
	assert_true(hostile_pid > 0);
	assert_int_equal(read(ready_fd, &ready, 1), 1);
	close(ready_fd);

	/* The agent, in a mount namespace of its own where B's state
	 * directory is a FUSE mount nobody answers (fd 3, held by the agent
	 * itself and never read). */
	/* Under the VM's emulation an honest read of /proc can take longer than
	 * 500 ms: the deadline there is the hang guard's, not a speed claim. */
	assert_int_equal(h_hostile_state_dir_script(script, sizeof(script), idb, "pw-hang"), 0);
	snprintf(script + strlen(script), sizeof(script) - strlen(script),
		 "exec '%s' run --http none --lock-file none --events --cgroup '%s' "
		 "--read-deadline-ms %d --hold-ms %d "
		 "--stats-interval 0",
		 h_privwatch(), parent, deadline_ms, hold_ms);
	t_start = now_ms();
	assert_int_equal(h_proc_start(&p, run_argv), 0);
	agent_pid = p.pid;
	assert_int_equal(h_proc_line(&p, line, sizeof(line), h_start_wait_ms()), 0);
	j = json_loads(line, 0, NULL);
	assert_non_null(j);
	assert_string_equal(jstr(j, "schema"), "privwatch.start/1");
	json_decref(j);
	print_message("[   INFO   ] start record %llu ms after start, A present\n",
		      (unsigned long long)(now_ms() - t_start));

	/* B: its state read never returns. */
	assert_int_equal(mkdir(b, 0755), 0);
	in_b = h_spawn(b, true_argv);
	assert_true(in_b > 0);
	assert_int_equal(h_wait(in_b), 0);
	/* A: measured already, its exec now. C: an ordinary one, meanwhile. */
	in_a = h_spawn(a, true_argv);
	assert_true(in_a > 0);
	assert_int_equal(h_wait(in_a), 0);
	assert_int_equal(mkdir(c, 0755), 0);
	t_c = now_ms();
	in_c = h_spawn(c, true_argv);
	assert_true(in_c > 0);
	assert_int_equal(h_wait(in_c), 0);

	while ((!saw_a || !saw_b || !saw_c || !alerted) &&
	       h_proc_line(&p, line, sizeof(line), 8000) == 0) {
		j = json_loads(line, 0, NULL);
		assert_non_null(j);
		ct = json_object_get(j, "container");
		if (!strcmp(jstr(j, "kind"), "exec") && json_is_object(ct)) {
			pid_t pid = json_integer_value(json_object_get(j, "pid"));

			if (pid == in_a) {
				assert_string_equal(jstr(ct, "id"), ida);
				/* measured: its FUSE /dev did not stop the rest */
				assert_string_not_equal(jstr(ct, "mode"), "unknown");
				saw_a = 1;
			} else if (pid == in_b) {
				assert_string_equal(jstr(ct, "id"), idb);
				assert_string_equal(jstr(ct, "mode"), "unknown");
				assert_non_null(
					strstr(jstr(ct, "mode_reason"), "timed out reading"));
				saw_b = 1;
			} else if (pid == in_c) {
				assert_string_equal(jstr(ct, "id"), idc);
				c_latency = now_ms() - t_c;
				saw_c = 1;
			}
		} else if (!strcmp(jstr(j, "schema"), "privwatch.alert/1") &&
			   !strcmp(jstr(json_object_get(j, "rule"), "id"), "PW-0010")) {
			/* B's only: a read of A's given up was the worker's
			 * clock race (CI's VM: "came back after 318 ms" at a
			 * 2 s deadline), fixed */
			assert_non_null(strstr(jstr(j, "summary"), idb));
			assert_non_null(strstr(jstr(j, "summary"), "timed out reading"));
			alerted = 1;
		} else if (!strcmp(jstr(j, "schema"), "privwatch.lost/1") &&
			   json_integer_value(json_object_get(json_object_get(j, "dropped"),
							      "host_reads_timed_out")) >= 1) {
			lost = 1; /* may come before the stop, with a slower deadline */
		}
		json_decref(j);
	}
	assert_true(saw_a);
	assert_true(saw_b);
	assert_true(saw_c);
	assert_true(alerted);
	print_message("[   INFO   ] C's exec reported %llu ms after it ran, B stalled\n",
		      (unsigned long long)c_latency);
	assert_true(c_latency < 2500 + (uint64_t)deadline_ms);

	/* Stop with B's worker still stuck in the kernel. */
	usleep(1200 * 1000); /* a privwatch.lost/1 comes once a second */
	t_int = now_ms();
	kill(p.pid, SIGINT);
	while (h_proc_line(&p, line, sizeof(line), 10000) == 0) {
		j = json_loads(line, 0, NULL);
		assert_non_null(j);
		if (!strcmp(jstr(j, "schema"), "privwatch.lost/1") &&
		    json_integer_value(json_object_get(json_object_get(j, "dropped"),
						       "host_reads_timed_out")) >= 1)
			lost = 1;
		if (!strcmp(jstr(j, "schema"), "privwatch.stats/1")) {
			json_t *hr = json_object_get(j, "host_reads");

			assert_true(json_is_object(hr));
			print_message("[   INFO   ] host_reads %s\n", json_dumps(hr, JSON_COMPACT));
			assert_int_equal(json_integer_value(json_object_get(hr, "on_event_thread")),
					 0);
			/* One stuck for good per stalling container: its other reads
			 * are not made. Honest reads slower than the deadline (the
			 * emulated VM under load) are given up too, but come back:
			 * abandoned, not stuck. */
			assert_int_equal(json_integer_value(json_object_get(hr, "workers_stuck")),
					 1);
			assert_true(json_integer_value(json_object_get(hr, "workers_abandoned")) >=
				    1);
			final = 1;
		}
		json_decref(j);
	}
	assert_int_equal(waitpid(p.pid, &st, 0), p.pid);
	exit_ms = now_ms() - t_int;
	agent_pid = 0;
	print_message("[   INFO   ] exited %llu ms after SIGINT\n", (unsigned long long)exit_ms);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_true(exit_ms < 5000);
	assert_true(lost);
	assert_true(final);
}

/* The fuse connection of the mount at path in pid's mount table: its
 * minor device number (fusectl names connections so), or -1. */
static int fuse_conn_of(pid_t pid, const char *path)
{
	char mi[64], buf[8192];
	unsigned int maj, min;
	FILE *f;
	int conn = -1;

	snprintf(mi, sizeof(mi), "/proc/%d/mountinfo", pid);
	f = fopen(mi, "re");
	if (!f)
		return -1;
	while (fgets(buf, sizeof(buf), f)) {
		char mp[4096];

		if (sscanf(buf, "%*u %*u %u:%u %*s %4095s", &maj, &min, mp) == 3 &&
		    !strcmp(mp, path) && strstr(buf, " - fuse"))
			conn = (int)min;
	}
	fclose(f);
	return conn;
}

/*
 * A read slow, not stuck: B's state directory is a FUSE mount that answers
 * nothing until the test aborts the connection (fusectl), as an honest read
 * on a loaded host returns after the deadline. The read is given up
 * (PW-0010, mode unknown: no start rule can match), then comes back: B is
 * measured again, once, and its start rules fire then (a host process
 * stands in for it: privileged, PW-0501), facts "late"; no worker is left
 * stuck.
 */
static void test_a_slow_read_that_returns_is_measured_again(void **state)
{
	char idb[65], script[2048], abort_path[128], path[512];
	char *sleep_argv[] = { "/bin/sleep", "30", NULL };
	char *run_argv[] = {
		"/usr/bin/unshare", "-m", "--propagation", "private", "sh", "-c", script, NULL
	};
	struct h_proc p;
	json_t *j, *ct;
	int alerted = 0, late_start = 0, final = 0, conn = -1, fd, i;
	/* the VM: the measurement done again after the late answer was
	 * given up at 2 s there once (a read of the container's /proc/kcore;
	 * most likely the worker's clock race, fixed since); the hold stays
	 * longer than the deadline */
	int deadline_ms = getenv("PW_VM_KERNEL") ? 5000 : 500;
	int hold_ms = deadline_ms + 2500;
	pid_t in_b;

	if (access("/dev/fuse", F_OK) && system("modprobe -q fuse 2>/dev/null") != 0)
		print_message("[   INFO   ] modprobe fuse failed\n");
	if (access("/dev/fuse", R_OK | W_OK)) {
		print_message("[   SKIP   ] no /dev/fuse\n");
		skip();
	}
	/* fusectl: where a connection is aborted (unmounted after if we mounted it) */
	if (mount("fusectl", "/sys/fs/fuse/connections", "fusectl", 0, NULL) == 0)
		mounted_fusectl = 1;
	else if (errno != EBUSY) {
		print_message("[   SKIP   ] cannot mount fusectl: %s\n", strerror(errno));
		skip();
	}
	assert_int_equal(h_docker_parent(parent, sizeof(parent), &made_parent), 0);
	make_id(idb, 0xd);
	snprintf(b, sizeof(b), "%s/%s", parent, idb);
	assert_int_equal(h_hostile_state_dir_script(script, sizeof(script), idb, "pw-slow"), 0);
	snprintf(script + strlen(script), sizeof(script) - strlen(script),
		 "exec '%s' run --http none --lock-file none --events --cgroup '%s' "
		 "--read-deadline-ms %d --hold-ms %d "
		 "--stats-interval 0",
		 h_privwatch(), parent, deadline_ms, hold_ms);
	assert_int_equal(h_proc_start(&p, run_argv), 0);
	agent_pid = p.pid;
	assert_int_equal(h_proc_line(&p, line, sizeof(line), h_start_wait_ms()), 0);

	/* B's entrypoint stays: measured from it once its read came back. */
	assert_int_equal(mkdir(b, 0755), 0);
	in_b = h_spawn(b, sleep_argv);
	assert_true(in_b > 0);
	hostile_pid = in_b;
	snprintf(path, sizeof(path), "/var/lib/docker/containers/%s", idb);
	while (!late_start && h_proc_line(&p, line, sizeof(line), 10000) == 0) {
		j = json_loads(line, 0, NULL);
		assert_non_null(j);
		ct = json_object_get(j, "container");
		if (!strcmp(jstr(j, "schema"), "privwatch.alert/1") &&
		    !strcmp(jstr(json_object_get(j, "rule"), "id"), "PW-0010") && !alerted) {
			assert_non_null(strstr(jstr(j, "summary"), idb));
			alerted = 1;
			/* Given up on: now let the read return (ENOTCONN). */
			for (i = 0; i < 100 && conn < 0; i++, usleep(10000))
				conn = fuse_conn_of(agent_pid, path);
			assert_true(conn >= 0);
			snprintf(abort_path, sizeof(abort_path),
				 "/sys/fs/fuse/connections/%d/abort", conn);
			fd = open(abort_path, O_WRONLY | O_CLOEXEC);
			assert_true(fd >= 0);
			assert_int_equal(write(fd, "1", 1), 1);
			close(fd);
		} else if (!strcmp(jstr(j, "schema"), "privwatch.alert/1") &&
			   !strcmp(jstr(json_object_get(j, "event"), "kind"), "container_start") &&
			   json_is_object(ct) && !strcmp(jstr(ct, "id"), idb)) {
			/* Its start rules (a host process: privileged, no seccomp)
			 * fire once its posture is known: after the read came back. */
			assert_true(alerted);
			assert_string_equal(jstr(ct, "facts"), "late");
			assert_string_not_equal(jstr(ct, "mode"), "unknown");
			late_start = 1;
		}
		json_decref(j);
	}
	assert_true(alerted);
	assert_true(late_start);
	kill(p.pid, SIGINT);
	while (h_proc_line(&p, line, sizeof(line), 10000) == 0) {
		j = json_loads(line, 0, NULL);
		assert_non_null(j);
		if (!strcmp(jstr(j, "schema"), "privwatch.stats/1")) {
			json_t *hr = json_object_get(j, "host_reads");

			print_message("[   INFO   ] host_reads %s\n", json_dumps(hr, JSON_COMPACT));
			assert_int_equal(json_integer_value(json_object_get(hr, "workers_stuck")),
					 0);
			assert_true(json_integer_value(json_object_get(hr, "late_answers")) >= 1);
			assert_int_equal(json_integer_value(json_object_get(hr, "remeasured")), 1);
			final = 1;
		}
		json_decref(j);
	}
	assert_int_equal(waitpid(p.pid, NULL, 0), p.pid);
	agent_pid = 0;
	assert_true(final);
}

static int teardown_slow(void **state)
{
	teardown(state);
	if (mounted_fusectl && umount("/sys/fs/fuse/connections"))
		print_message("[   INFO   ] cannot unmount fusectl: %s\n", strerror(errno));
	mounted_fusectl = 0;
	return 0;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_hostile_containers_do_not_stall_the_agent, teardown),
		cmocka_unit_test_teardown(test_a_slow_read_that_returns_is_measured_again,
					  teardown_slow),
	};

	h_init(argv[0]);
	setvbuf(stdout, NULL, _IOLBF, 0);
	return cmocka_run_group_tests_name("kernel: hostile containers", tests, NULL, NULL);
}
