// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Kernel tier, seccomp sensor: filters installed, refused and probed for by
 * a workload in a fresh watched cgroup, every field of each event checked.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <linux/seccomp.h>
#include "harness.h"
#include "kernel/stats.h"
#include "privwatch.skel.h"

/* TASK_COMM_LEN cuts "workload_seccomp" to 15 characters. */
#define WORKLOAD_COMM "workload_seccom"

static struct h_agent agent;
static char cg[PATH_MAX], workload[PATH_MAX];
static uint64_t cg_id;

static int setup(void **state)
{
	snprintf(workload, sizeof(workload), "%s_seccomp", h_workload());
	*state = &agent;
	return h_watch_new_cgroup(&agent, "privwatch-seccomp", PW_MODE_AUTO, cg, sizeof(cg),
				  &cg_id);
}

static int teardown(void **state)
{
	return h_unwatch_cgroup(&agent, cg);
}

/* Run the workload action in cgroup (NULL: the runner's), expect exit 0. */
static pid_t run(const char *cgroup, const char *action, const char *arg)
{
	char *argv[] = { workload, (char *)action, (char *)arg, NULL };
	pid_t pid = h_spawn(cgroup, argv);

	assert_true(pid > 0);
	assert_int_equal(h_wait(pid), 0);
	h_agent_drain(&agent, 100);
	return pid;
}

static void assert_seccomp(const struct pw_seccomp_event *e, pid_t pid, __s32 ret, __u32 via,
			   __u32 op, __u32 flags, __u32 mode_after)
{
	assert_non_null(e);
	assert_int_equal(e->hdr.type, PW_EVENT_SECCOMP);
	assert_int_equal(e->hdr.size, sizeof(*e));
	assert_int_equal(e->hdr.flags, 0);
	assert_true(e->hdr.ts_ns > 0);
	assert_int_equal(e->hdr.cgroup_id, cg_id);
	assert_int_equal(e->hdr.pid, pid);
	assert_int_equal(e->hdr.tid, pid);
	assert_int_equal(e->hdr.uid, getuid());
	assert_int_equal(e->hdr.gid, getgid());
	assert_string_equal(e->hdr.comm, WORKLOAD_COMM);
	assert_int_equal(e->ret, ret);
	assert_int_equal(e->via, via);
	assert_int_equal(e->operation, op);
	assert_int_equal(e->flags, flags);
	assert_int_equal(e->mode_after, mode_after);
	assert_int_equal(e->_pad, 0);
}

/* seccomp(SET_MODE_FILTER); the prctl(PR_SET_NO_NEW_PRIVS) before it is
 * another option and must not be reported. */
static void test_filter_via_seccomp(void **state)
{
	pid_t pid = run(cg, "filter-syscall", NULL);

	assert_int_equal(h_count(&agent, PW_EVENT_SECCOMP, pid), 1);
	assert_seccomp(h_find(&agent, PW_EVENT_SECCOMP, pid, 0), pid, 0, PW_SECCOMP_VIA_SYSCALL,
		       SECCOMP_SET_MODE_FILTER, 0, SECCOMP_MODE_FILTER);
}

static void test_filter_via_prctl(void **state)
{
	pid_t pid = run(cg, "filter-prctl", NULL);

	assert_int_equal(h_count(&agent, PW_EVENT_SECCOMP, pid), 1);
	assert_seccomp(h_find(&agent, PW_EVENT_SECCOMP, pid, 0), pid, 0, PW_SECCOMP_VIA_PRCTL,
		       SECCOMP_MODE_FILTER, 0, SECCOMP_MODE_FILTER);
}

static void test_strict_via_prctl(void **state)
{
	pid_t pid = run(cg, "strict-prctl", NULL);

	assert_int_equal(h_count(&agent, PW_EVENT_SECCOMP, pid), 1);
	assert_seccomp(h_find(&agent, PW_EVENT_SECCOMP, pid, 0), pid, 0, PW_SECCOMP_VIA_PRCTL,
		       SECCOMP_MODE_STRICT, 0, SECCOMP_MODE_STRICT);
}

static void test_failed_install_efault(void **state)
{
	pid_t pid = run(cg, "filter-fail", NULL);

	assert_int_equal(h_count(&agent, PW_EVENT_SECCOMP, pid), 1);
	assert_seccomp(h_find(&agent, PW_EVENT_SECCOMP, pid, 0), pid, -EFAULT,
		       PW_SECCOMP_VIA_SYSCALL, SECCOMP_SET_MODE_FILTER, 0, SECCOMP_MODE_DISABLED);
}

static void test_failed_install_einval(void **state)
{
	pid_t pid = run(cg, "filter-fail", "einval");

	assert_int_equal(h_count(&agent, PW_EVENT_SECCOMP, pid), 1);
	assert_seccomp(h_find(&agent, PW_EVENT_SECCOMP, pid, 0), pid, -EINVAL,
		       PW_SECCOMP_VIA_SYSCALL, SECCOMP_SET_MODE_FILTER, 1u << 31,
		       SECCOMP_MODE_DISABLED);
}

/* A call the filter refuses never reaches sys_enter; sys_exit still sees it,
 * with the filter's errno. */
static void test_install_refused_by_a_filter(void **state)
{
	pid_t pid = run(cg, "filter-refused", NULL);

	assert_int_equal(h_count(&agent, PW_EVENT_SECCOMP, pid), 2);
	assert_seccomp(h_find(&agent, PW_EVENT_SECCOMP, pid, 0), pid, 0, PW_SECCOMP_VIA_SYSCALL,
		       SECCOMP_SET_MODE_FILTER, 0, SECCOMP_MODE_FILTER);
	assert_seccomp(h_find(&agent, PW_EVENT_SECCOMP, pid, 1), pid, -EPERM,
		       PW_SECCOMP_VIA_SYSCALL, SECCOMP_SET_MODE_FILTER, 0, SECCOMP_MODE_FILTER);
}

/* runc's init probes support before installing its filter: every call is
 * reported, in order, and op, flags and ret tell them apart. */
static void test_probe_like_runc(void **state)
{
	static const struct {
		__u32 op, flags;
		__s32 ret;
	} want[] = {
		{ SECCOMP_SET_MODE_STRICT, 1, -EINVAL },
		{ SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, -EFAULT },
		{ SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_LOG, -EFAULT },
		{ SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_SPEC_ALLOW, -EFAULT },
		{ SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, -EFAULT },
		{ SECCOMP_GET_ACTION_AVAIL, 0, 0 },
		{ SECCOMP_GET_NOTIF_SIZES, 0, 0 },
	};
	pid_t pid = run(cg, "probe-like-runc", NULL);
	size_t i;

	assert_int_equal(h_count(&agent, PW_EVENT_SECCOMP, pid), sizeof(want) / sizeof(want[0]));
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		assert_seccomp(h_find(&agent, PW_EVENT_SECCOMP, pid, i), pid, want[i].ret,
			       PW_SECCOMP_VIA_SYSCALL, want[i].op, want[i].flags,
			       SECCOMP_MODE_DISABLED);
}

static void test_outside_watched_cgroup_is_silent(void **state)
{
	pid_t a = run(NULL, "filter-syscall", NULL);
	pid_t b = run(NULL, "filter-prctl", NULL);
	pid_t c = run(NULL, "filter-fail", NULL);

	assert_int_equal(h_count(&agent, PW_EVENT_SECCOMP, a), 0);
	assert_int_equal(h_count(&agent, PW_EVENT_SECCOMP, b), 0);
	assert_int_equal(h_count(&agent, PW_EVENT_SECCOMP, c), 0);
}

static void test_no_drops(void **state)
{
	h_assert_no_drops(&agent, PW_EVENT_SECCOMP, NULL);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_filter_via_seccomp, h_forget_events),
		cmocka_unit_test_setup(test_filter_via_prctl, h_forget_events),
		cmocka_unit_test_setup(test_strict_via_prctl, h_forget_events),
		cmocka_unit_test_setup(test_failed_install_efault, h_forget_events),
		cmocka_unit_test_setup(test_failed_install_einval, h_forget_events),
		cmocka_unit_test_setup(test_install_refused_by_a_filter, h_forget_events),
		cmocka_unit_test_setup(test_probe_like_runc, h_forget_events),
		cmocka_unit_test_setup(test_outside_watched_cgroup_is_silent, h_forget_events),
		cmocka_unit_test(test_no_drops),
	};

	h_init(argv[0]);
	return cmocka_run_group_tests_name("kernel: seccomp sensor", tests, setup, teardown);
}
