// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Kernel tier, foundation sensors: the real BPF object on the running kernel,
 * a fresh cgroup2 directory watched with --cgroup semantics, workloads run
 * in it, every field of the resulting events checked.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <linux/capability.h>
#include "harness.h"
#include "kernel/stats.h"
#include "privwatch.skel.h"

static struct h_agent agent;
static char cg[PATH_MAX];
static uint64_t cg_id;

static int setup(void **state)
{
	*state = &agent;
	return h_watch_new_cgroup(&agent, "privwatch-test", PW_MODE_AUTO, cg, sizeof(cg), &cg_id);
}

static int teardown(void **state)
{
	return h_unwatch_cgroup(&agent, cg);
}

static void assert_header(const struct pw_event_header *h, pid_t pid, uint64_t cgid,
			  const char *comm)
{
	assert_int_equal(h->pid, pid);
	assert_int_equal(h->tid, pid);
	assert_int_equal(h->cgroup_id, cgid);
	assert_int_equal(h->uid, getuid());
	assert_int_equal(h->gid, getgid());
	assert_string_equal(h->comm, comm);
	assert_true(h->ts_ns > 0);
}

/* The choice per concern is the one written for this environment
 * (h_expected_variant), not one computed from what the probe says. */
static void test_probe_choice_matches_the_kernel(void **state)
{
	int i;

	for (i = 0; i < pw_concern_count; i++) {
		const struct pw_choice *ch = &agent.loader.choices[i];
		const char *want = h_expected_variant(ch->concern->name);

		if (strcmp(pw_variant_name(ch->variant), want))
			fail_msg("concern %s: %s chosen, want %s (%s)", ch->concern->name,
				 pw_variant_name(ch->variant), want, ch->why);
	}
}

/* Every program of the object is served through the table: none autoloads
 * behind the probe's back. */
static void test_every_program_is_in_the_concern_table(void **state)
{
	assert_null(pw_features_unlisted_program(agent.loader.skel->obj));
}

static void test_exec_event(void **state)
{
	char *argv[] = { (char *)h_workload(), "noop", "a \"quoted\" arg", "", "last", NULL };
	const struct pw_exec_event *e;
	const char *p;
	pid_t pid;

	pid = h_spawn(cg, argv);
	assert_int_equal(h_wait(pid), 0);
	h_agent_drain(&agent, 100);

	assert_int_equal(h_count(&agent, PW_EVENT_EXEC, pid), 1);
	e = h_find(&agent, PW_EVENT_EXEC, pid, 0);
	assert_header(&e->hdr, pid, cg_id, "workload");
	assert_int_equal(e->hdr.size, sizeof(*e));
	assert_int_equal(e->ppid, getpid());
	assert_int_equal(e->old_pid, pid);
	assert_string_equal(e->filename, h_workload());
	assert_int_equal(e->filename_len, strlen(h_workload()));
	assert_int_equal(e->args_count, 5);
	/* argv arrives NUL-separated, empty strings kept */
	p = e->args;
	assert_string_equal(p, h_workload());
	p += strlen(p) + 1;
	assert_string_equal(p, "noop");
	p += strlen(p) + 1;
	assert_string_equal(p, "a \"quoted\" arg");
	p += strlen(p) + 1;
	assert_string_equal(p, "");
	p += strlen(p) + 1;
	assert_string_equal(p, "last");
	p += strlen(p) + 1;
	assert_int_equal(p - e->args, e->args_len);
	assert_false(e->hdr.flags & PW_F_TRUNCATED);
}

static void test_exec_long_argv_is_truncated_and_marked(void **state)
{
	static char big[2048];
	char *argv[] = { (char *)h_workload(), "noop", big, NULL };
	const struct pw_exec_event *e;
	pid_t pid;

	memset(big, 'x', sizeof(big) - 1);
	pid = h_spawn(cg, argv);
	assert_int_equal(h_wait(pid), 0);
	h_agent_drain(&agent, 100);
	e = h_find(&agent, PW_EVENT_EXEC, pid, 0);
	assert_non_null(e);
	assert_true(e->hdr.flags & PW_F_TRUNCATED);
	assert_int_equal(e->args_len, PW_ARGS_MAX);
	assert_int_equal(e->args_count, 3);
}

/* The capability events of pid for cap: how many, and the first in *first. */
static int cap_events(pid_t pid, int cap, const struct pw_capability_event **first)
{
	const struct pw_capability_event *e;
	int i, n = 0;

	*first = NULL;
	for (i = 0; (e = h_find(&agent, PW_EVENT_CAPABILITY, pid, i)); i++) {
		if (e->cap != cap)
			continue;
		if (!n++)
			*first = e;
	}
	return n;
}

/* klogctl(0) makes exactly one CAP_SYSLOG check. */
static void test_capability_allowed(void **state)
{
	char *argv[] = { (char *)h_workload(), "klogctl", "1", NULL };
	const struct pw_capability_event *e;
	pid_t pid;

	pid = h_spawn(cg, argv);
	assert_int_equal(h_wait(pid), 0);
	h_agent_drain(&agent, 100);

	assert_int_equal(cap_events(pid, CAP_SYSLOG, &e), 1);
	assert_header(&e->hdr, pid, cg_id, "workload");
	assert_int_equal(e->hdr.size, sizeof(*e));
	assert_int_equal(e->ret, 0);
}

static void test_capability_denied(void **state)
{
	char *argv[] = { (char *)h_workload(), "klogctl-denied", NULL };
	const struct pw_capability_event *e;
	pid_t pid;

	pid = h_spawn(cg, argv);
	assert_int_equal(h_wait(pid), 0); /* the workload saw EPERM */
	h_agent_drain(&agent, 100);

	if (h_expect_variant(&agent, "capabilities") == PW_VARIANT_LSM) {
		/* The LSM chain stops at the capability LSM's denial: the BPF
		 * hook never runs. Why the tracepoint is preferred where it exists. */
		assert_int_equal(cap_events(pid, CAP_SYSLOG, &e), 0);
		return;
	}
	assert_int_equal(cap_events(pid, CAP_SYSLOG, &e), 1);
	assert_header(&e->hdr, pid, cg_id, "workload");
	assert_int_equal(e->ret, -1); /* -EPERM */
}

static void test_process_outside_watched_cgroup_is_silent(void **state)
{
	char *exec_argv[] = { (char *)h_workload(), "klogctl", "3", NULL };
	pid_t pid;

	pid = h_spawn(NULL, exec_argv); /* stays in the test runner's cgroup */
	assert_int_equal(h_wait(pid), 0);
	h_agent_drain(&agent, 100);
	assert_int_equal(h_count(&agent, PW_EVENT_EXEC, pid), 0);
	assert_int_equal(h_count(&agent, PW_EVENT_CAPABILITY, pid), 0);
}

/* A cgroup created after the agent started, below the watched one, is
 * watched from its first process on (added by the cgroup_mkdir program). */
static void test_child_cgroup_created_later_is_watched(void **state)
{
	h_assert_late_child_cgroup_watched(&agent, cg);
}

static void test_no_drops(void **state)
{
	h_assert_no_drops(&agent, PW_EVENT_EXEC, NULL);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_probe_choice_matches_the_kernel),
		cmocka_unit_test(test_every_program_is_in_the_concern_table),
		cmocka_unit_test_setup(test_exec_event, h_forget_events),
		cmocka_unit_test_setup(test_exec_long_argv_is_truncated_and_marked,
				       h_forget_events),
		cmocka_unit_test_setup(test_capability_allowed, h_forget_events),
		cmocka_unit_test_setup(test_capability_denied, h_forget_events),
		cmocka_unit_test_setup(test_process_outside_watched_cgroup_is_silent,
				       h_forget_events),
		cmocka_unit_test_setup(test_child_cgroup_created_later_is_watched, h_forget_events),
		cmocka_unit_test(test_no_drops),
	};

	h_init(argv[0]);
	return cmocka_run_group_tests_name("kernel: foundation sensors", tests, setup, teardown);
}
