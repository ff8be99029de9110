// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Kernel tier, the live container table of `privwatch run`: a cgroup2
 * directory shaped like a docker container (/docker/<64 hex>, an id no
 * runtime made) created after the agent started is added from its mkdir
 * record; a process placed in it execs, and that exec event carries the
 * container in phase "started"; its rmdir frees the entry, so the final
 * record's containers_tracked equals the start record's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <jansson.h>
#include "host/cgroupfs.h"
#include "harness.h"

static char line[1 << 16];
static pid_t agent_pid; /* killed by teardown if an assertion left it running */

static int teardown(void **state)
{
	if (agent_pid > 0 && kill(agent_pid, SIGKILL) == 0)
		waitpid(agent_pid, NULL, 0);
	return 0;
}

static const char *jstr(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

static void test_mkdir_exec_rmdir(void **state)
{
	char mnt[4096], parent[4200], ctr[4300], sub[4400], id[65];
	char *run_argv[] = { (char *)h_privwatch(),
			     "run",
			     "--http",
			     "none",
			     "--lock-file",
			     "none",
			     "--events",
			     "--cgroup",
			     parent,
			     NULL };
	char *true_argv[] = { "/bin/true", NULL };
	json_t *j, *c;
	struct h_proc p;
	uint64_t cgid = 0, subid = 0, base = (uint64_t)-1, final = (uint64_t)-1, added = 0;
	int made_parent = 0, seen_mkdir = 0, seen_sub = 0, exec_started = 0, st;
	pid_t child;

	assert_int_equal(pw_cgroup2_mount(mnt, sizeof(mnt)), 0);
	snprintf(parent, sizeof(parent), "%s/docker", mnt);
	/* dockerd may own this parent: create it only if absent, remove only then. */
	if (!mkdir(parent, 0755))
		made_parent = 1;
	else
		assert_int_equal(errno, EEXIST);
	snprintf(id, sizeof(id), "%08x%08x%s", (unsigned int)getpid(), 3u,
		 "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00");
	snprintf(ctr, sizeof(ctr), "%s/%s", parent, id);
	snprintf(sub, sizeof(sub), "%s/init", ctr);

	assert_int_equal(h_proc_start(&p, run_argv), 0);
	agent_pid = p.pid;
	assert_int_equal(h_proc_line(&p, line, sizeof(line), h_start_wait_ms()), 0);
	j = json_loads(line, 0, NULL);
	assert_non_null(j);
	assert_string_equal(jstr(j, "schema"), "privwatch.start/1");
	base = json_integer_value(json_object_get(j, "containers_tracked"));
	json_decref(j);

	/* Created after the start: only the mkdir record can tell the agent. */
	assert_int_equal(mkdir(ctr, 0755), 0);
	assert_int_equal(mkdir(sub, 0755), 0);
	assert_int_equal(pw_cgroup_id(ctr, &cgid), 0);
	assert_int_equal(pw_cgroup_id(sub, &subid), 0);
	child = h_spawn(sub, true_argv);
	assert_true(child > 0);
	assert_int_equal(h_wait(child), 0);
	usleep(100 * 1000);
	assert_int_equal(rmdir(sub), 0);
	assert_int_equal(rmdir(ctr), 0);
	usleep(200 * 1000);
	kill(p.pid, SIGINT);

	while (h_proc_line(&p, line, sizeof(line), 10000) == 0) {
		j = json_loads(line, 0, NULL);
		assert_non_null(j);
		c = json_object_get(j, "container");
		if (!strcmp(jstr(j, "schema"), "privwatch.stats/1")) {
			final = json_integer_value(json_object_get(j, "containers_tracked"));
			added = json_integer_value(
				json_object_get(json_object_get(j, "containers"), "added"));
		} else if (!strcmp(jstr(j, "kind"), "cgroup_mkdir") &&
			   json_integer_value(json_object_get(j, "id")) == (json_int_t)cgid) {
			seen_mkdir = 1;
		} else if (!strcmp(jstr(j, "kind"), "exec") &&
			   json_integer_value(json_object_get(j, "pid")) == child) {
			assert_true(json_integer_value(json_object_get(j, "cgroup_id")) ==
				    (json_int_t)subid);
			assert_true(json_is_object(c));
			assert_string_equal(jstr(c, "id"), id);
			assert_string_equal(jstr(c, "runtime"), "docker");
			/* Nothing ran in it before: the first exec is the entrypoint. */
			assert_string_equal(jstr(c, "phase"), "started");
			seen_sub = 1;
			exec_started = 1;
		}
		json_decref(j);
	}
	assert_int_equal(waitpid(p.pid, &st, 0), p.pid);
	agent_pid = 0;
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	if (made_parent)
		rmdir(parent);

	assert_true(seen_mkdir);
	assert_true(seen_sub);
	assert_true(exec_started);
	assert_true(added >= 1);
	/* The entry is freed: the table is back to its starting size. */
	assert_true(final == base);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mkdir_exec_rmdir),
	};

	h_init(argv[0]);
	setvbuf(stdout, NULL, _IOLBF, 0);
	return cmocka_run_group_tests_name("kernel: run's container table", tests, NULL, teardown);
}
