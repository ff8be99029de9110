// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Kernel tier, the pure cgroup v1 code path: containers identified by their
 * cgroup in one v1 controller's hierarchy (read in the kernel from
 * task->cgroups with CO-RE). This host is hybrid, so the path is forced with
 * the loader's cgroup_v1 option on the memory controller.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "harness.h"
#include "privwatch.skel.h"

static struct h_agent agent;
static struct pw_cgroup_v1 v1;
static int no_v1; /* a pure cgroup2 host (the VM): nothing to exercise */
static char cg[PATH_MAX];
static uint64_t cg_id;

static int setup(void **state)
{
	struct pw_loader_opts o = { .cgroup_v1 = "memory", .cgroup_path = cg };
	char env_mount[PATH_MAX];

	/* Whether this host has the hierarchy is the mount table's word; the
	 * agent's cgroupfs code must then find the same one. */
	if (h_env_cgroup_mount("memory", env_mount, sizeof(env_mount))) {
		no_v1 = 1;
		return 0;
	}
	if (pw_cgroup_v1_find("memory", &v1) || strcmp(v1.mount, env_mount)) {
		fprintf(stderr, "cgroup v1 memory is mounted at %s; pw_cgroup_v1_find found %s\n",
			env_mount, v1.mount[0] ? v1.mount : "none");
		return -1;
	}
	if (h_cgroup_create(v1.mount, "privwatch-v1", cg, sizeof(cg), &cg_id))
		return -1;
	return h_agent_start(&agent, &o);
}

static int teardown(void **state)
{
	if (no_v1)
		return 0;
	h_agent_stop(&agent);
	return h_cgroup_remove(cg);
}

#define NEED_V1()                                                                                     \
	do {                                                                                          \
		if (no_v1)                                                                            \
			h_skip_because(                                                               \
				"no cgroup v1 memory hierarchy mounted here (/proc/self/mountinfo)"); \
	} while (0)

static void test_loader_uses_the_v1_hierarchy(void **state)
{
	NEED_V1();
	assert_int_equal(agent.loader.cgroup_v1_ssid, v1.ssid);
	assert_int_equal(agent.loader.hierarchy_id, v1.hierarchy_id);
	assert_string_equal(agent.loader.cgroup_mount, v1.mount);
	assert_int_equal(agent.loader.watch_cgroup_id, cg_id);
}

static void test_events_carry_the_v1_cgroup_id(void **state)
{
	char *argv[] = { (char *)h_workload(), "klogctl", "1", NULL };
	const struct pw_exec_event *e;
	pid_t pid;

	NEED_V1();
	pid = h_spawn(cg, argv);

	assert_int_equal(h_wait(pid), 0);
	h_agent_drain(&agent, 100);
	e = h_find(&agent, PW_EVENT_EXEC, pid, 0);
	assert_non_null(e);
	assert_int_equal(e->hdr.cgroup_id, cg_id);
	assert_true(h_count(&agent, PW_EVENT_CAPABILITY, pid) >= 1);
}

static void test_child_v1_cgroup_created_later_is_watched(void **state)
{
	NEED_V1();
	h_assert_late_child_cgroup_watched(&agent, cg);
}

static void test_outside_is_silent(void **state)
{
	char *argv[] = { (char *)h_workload(), "klogctl", "1", NULL };
	pid_t pid;

	NEED_V1();
	pid = h_spawn(NULL, argv);

	assert_int_equal(h_wait(pid), 0);
	h_agent_drain(&agent, 100);
	assert_int_equal(h_count(&agent, PW_EVENT_EXEC, pid), 0);
	assert_int_equal(h_count(&agent, PW_EVENT_CAPABILITY, pid), 0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loader_uses_the_v1_hierarchy),
		cmocka_unit_test(test_events_carry_the_v1_cgroup_id),
		cmocka_unit_test(test_child_v1_cgroup_created_later_is_watched),
		cmocka_unit_test(test_outside_is_silent),
	};

	h_init(argv[0]);
	return cmocka_run_group_tests_name("kernel: cgroup v1 hierarchy", tests, setup, teardown);
}
