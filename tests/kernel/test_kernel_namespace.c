// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Kernel tier, namespace sensor: unshare(2) and setns(2) by a workload in a
 * fresh watched cgroup, allowed and refused, every field checked; unshare
 * without namespace flags is not an event.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
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
static char cg[PATH_MAX];
static uint64_t cg_id;

static int setup(void **state)
{
	*state = &agent;
	return h_watch_new_cgroup(&agent, "privwatch-ns", PW_MODE_AUTO, cg, sizeof(cg), &cg_id);
}

static int teardown(void **state)
{
	return h_unwatch_cgroup(&agent, cg);
}

static pid_t run(const char *action, const char *arg)
{
	char *argv[] = { (char *)h_workload(), (char *)action, (char *)arg, NULL };
	pid_t pid = h_spawn(cg, argv);

	assert_true(pid > 0);
	assert_int_equal(h_wait(pid), 0);
	h_agent_drain(&agent, 100);
	return pid;
}

static void assert_ns(const struct pw_namespace_event *e, pid_t pid, int32_t ret, uint32_t op,
		      uint64_t flags, int32_t fd)
{
	assert_non_null(e);
	assert_int_equal(e->hdr.size, sizeof(*e));
	assert_int_equal(e->hdr.cgroup_id, cg_id);
	assert_int_equal(e->hdr.pid, pid);
	assert_int_equal(e->ret, ret);
	assert_int_equal(e->op, op);
	assert_int_equal(e->flags, flags);
	assert_int_equal(e->fd, fd);
	assert_int_equal(e->_pad, 0);
}

static void test_unshare_mount_namespace(void **state)
{
	pid_t pid = run("unshare", "0x20000"); /* CLONE_NEWNS */

	assert_int_equal(h_count(&agent, PW_EVENT_NAMESPACE, pid), 1);
	assert_ns(h_find(&agent, PW_EVENT_NAMESPACE, pid, 0), pid, 0, PW_NS_UNSHARE, CLONE_NEWNS,
		  -1);
}

/* Without CAP_SYS_ADMIN: refused, and still an event (the attempt). */
static void test_unshare_refused(void **state)
{
	pid_t pid = run("unshare-denied", NULL);

	assert_ns(h_find(&agent, PW_EVENT_NAMESPACE, pid, 0), pid, -EPERM, PW_NS_UNSHARE,
		  CLONE_NEWNS, -1);
}

/* CLONE_FILES is not a namespace: not our business. */
static void test_unshare_without_namespaces_is_quiet(void **state)
{
	pid_t pid = run("unshare", "0x400"); /* CLONE_FILES */

	assert_int_equal(h_count(&agent, PW_EVENT_NAMESPACE, pid), 0);
}

static void test_setns(void **state)
{
	pid_t pid = run("setns-own-uts", NULL);
	const struct pw_namespace_event *e = h_find(&agent, PW_EVENT_NAMESPACE, pid, 0);

	assert_non_null(e);
	assert_ns(e, pid, 0, PW_NS_SETNS, CLONE_NEWUTS, e->fd);
	assert_true(e->fd >= 3);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_unshare_mount_namespace, h_forget_events),
		cmocka_unit_test_setup(test_unshare_refused, h_forget_events),
		cmocka_unit_test_setup(test_unshare_without_namespaces_is_quiet, h_forget_events),
		cmocka_unit_test_setup(test_setns, h_forget_events),
	};

	h_init(argv[0]);
	return cmocka_run_group_tests_name("kernel: namespace sensor", tests, setup, teardown);
}
