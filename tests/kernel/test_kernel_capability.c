// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Kernel tier, in-kernel work that keeps the agent cheap: capability dedup
 * (a storm of identical checks is one event plus a count), the user
 * namespace a check was made against, and exact drop accounting when the
 * ring buffer overflows.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <cmocka.h>
#include <linux/capability.h>
#include "harness.h"
#include "privwatch.skel.h"
#include "kernel/stats.h"

static char cg[PATH_MAX];
static uint64_t cg_id;

static int setup(void **state)
{
	return h_cgroup_create(NULL, "privwatch-cap", cg, sizeof(cg), &cg_id);
}

static int teardown(void **state)
{
	return h_cgroup_remove(cg);
}

static void start(struct h_agent *a, uint64_t ringbuf)
{
	struct pw_loader_opts o = { .cgroup_path = cg, .ringbuf_bytes = ringbuf };

	assert_int_equal(h_agent_start(a, &o), 0);
}

static int cap_events(struct h_agent *a, pid_t pid, int cap,
		      const struct pw_capability_event **first)
{
	const struct pw_capability_event *e;
	int i, n = 0;

	for (i = 0; (e = h_find(a, PW_EVENT_CAPABILITY, pid, i)); i++)
		if (e->cap == cap && !n++)
			*first = e;
	return n;
}

/* The overcommit check asks for CAP_SYS_ADMIN with CAP_OPT_NOAUDIT on every
 * private writable mapping of every process: not a use. Only the process's
 * unshare(CLONE_NEWNS), a real use, is an event. */
static void test_noaudit_checks_are_not_uses(void **state)
{
	static struct h_agent a;
	char *argv[] = { (char *)h_workload(), "mmap-then-unshare", NULL };
	const struct pw_capability_event *e = NULL;
	pid_t pid;

	start(&a, 0);
	pid = h_spawn(cg, argv);
	assert_int_equal(h_wait(pid), 0);
	h_agent_drain(&a, 100);

	assert_int_equal(cap_events(&a, pid, CAP_SYS_ADMIN, &e), 1);
	assert_int_equal(e->ret, 0);
	if (h_expect_variant(&a, "capabilities") == PW_VARIANT_TP)
		assert_int_equal(e->opts, 0); /* the noaudit ones never left the kernel */
	h_agent_stop(&a);
}

/* 100,000 identical CAP_SYSLOG checks: one event, and the 99,999 repeats
 * counted as suppressed. */
static void test_capability_storm_is_one_event_plus_count(void **state)
{
	static struct h_agent a;
	char *argv[] = { (char *)h_workload(), "klogctl", "100000", NULL };
	const struct pw_capability_event *e = NULL;
	struct pw_kstats ks;
	pid_t pid;

	start(&a, 0);
	pid = h_spawn(cg, argv);
	assert_int_equal(h_wait(pid), 0);
	h_agent_drain(&a, 100);

	assert_int_equal(cap_events(&a, pid, CAP_SYSLOG, &e), 1);
	assert_int_equal(e->ret, 0);
	assert_int_equal(pw_kstats_read(&a.loader, &ks), 0);
	assert_true(ks.suppressed[PW_EVENT_CAPABILITY] >= 99999);
	assert_int_equal(pw_stats_dropped_total(&ks, &a.reader.stats), 0);
	h_agent_stop(&a);
}

static void test_nested_user_namespace_level(void **state)
{
	static struct h_agent a;
	char *argv[] = { (char *)h_workload(), "userns-sethostname", NULL };
	char *plain[] = { (char *)h_workload(), "klogctl", "1", NULL };
	const struct pw_capability_event *e = NULL;
	pid_t pid;

	start(&a, 0);
	pid = h_spawn(cg, argv);
	assert_int_equal(h_wait(pid), 0);
	h_agent_drain(&a, 100);
	/* sethostname in a UTS namespace owned by the new user namespace */
	assert_true(cap_events(&a, pid, CAP_SYS_ADMIN, &e) >= 1);
	for (int i = 0; (e = h_find(&a, PW_EVENT_CAPABILITY, pid, i)); i++)
		if (e->cap == CAP_SYS_ADMIN && e->ns_level == 1)
			break;
	assert_non_null(e);
	assert_int_equal(e->ret, 0);

	pid = h_spawn(cg, plain);
	assert_int_equal(h_wait(pid), 0);
	h_agent_drain(&a, 100);
	assert_int_equal(cap_events(&a, pid, CAP_SYSLOG, &e), 1);
	assert_int_equal(e->ns_level, 0); /* syslog checks the initial namespace */
	h_agent_stop(&a);
}

/* A ring buffer too small for a burst the reader does not drain: every
 * record is either read or counted as dropped, exactly. */
static void test_ringbuf_overflow_is_counted_exactly(void **state)
{
	static struct h_agent a;
	char wl[PATH_MAX];
	struct pw_kstats ks;
	pid_t pid;
	int n = 5000;
	char count[16];

	snprintf(wl, sizeof(wl), "%s_open", h_workload());
	snprintf(count, sizeof(count), "%d", n);
	/* a sysfs file: opens of /dev/null count once per program */
	char *argv[] = { wl, "open-many", "/sys/kernel/mm/transparent_hugepage/enabled", count,
			 NULL };

	start(&a, 16384); /* room for ~25 open records */
	pid = h_spawn(cg, argv);
	assert_int_equal(h_wait(pid), 0); /* not drained while it ran */
	h_agent_drain(&a, 100);
	assert_int_equal(pw_kstats_read(&a.loader, &ks), 0);
	assert_true(ks.dropped[PW_EVENT_OPEN][PW_DROP_RINGBUF_FULL] > 0);
	assert_int_equal(h_count(&a, PW_EVENT_OPEN, pid) +
				 ks.dropped[PW_EVENT_OPEN][PW_DROP_RINGBUF_FULL],
			 n);
	assert_int_equal(ks.emitted[PW_EVENT_OPEN], (uint64_t)h_count(&a, PW_EVENT_OPEN, 0));
	h_agent_stop(&a);
}

/*
 * Every capability variant this environment must run (written per
 * environment in $PRIVWATCH_EXPECT_CAP_VARIANTS, default this host's: the
 * tracepoint only), each alone: an allowed check is reported with its
 * result; a denied one too, except by the LSM hook, which the capability
 * LSM's denial keeps from running.
 */
static void test_each_capability_variant(void **state)
{
	const char *env = getenv("PRIVWATCH_EXPECT_CAP_VARIANTS");
	char list[128], *kind, *save = NULL;
	int cap_idx = -1, i, n = 0;

	for (i = 0; i < pw_concern_count; i++)
		if (!strcmp(pw_concerns[i].name, "capabilities"))
			cap_idx = i;
	assert_true(cap_idx >= 0);
	snprintf(list, sizeof(list), "%s", env && *env ? env : "tracepoint");
	for (kind = strtok_r(list, ",", &save); kind; kind = strtok_r(NULL, ",", &save)) {
		static struct h_agent a;
		struct pw_loader_opts o = { .cgroup_path = cg };
		char *allowed[] = { (char *)h_workload(), "klogctl", "1", NULL };
		char *denied[] = { (char *)h_workload(), "klogctl-denied", NULL };
		const struct pw_capability_event *e = NULL;
		enum pw_variant want, k;
		pid_t pid;

		assert_int_equal(pw_variant_parse(kind, &want), 0);
		for (k = PW_VARIANT_LSM; k < PW_VARIANT_KINDS; k++)
			if (k != want)
				o.skip[cap_idx] |= 1u << k;
		assert_int_equal(h_agent_start(&a, &o), 0);
		if (h_variant(&a, "capabilities") != want)
			fail_msg("capabilities: %s wanted alone, %s chosen (%s)", kind,
				 pw_variant_name(h_variant(&a, "capabilities")),
				 a.loader.choices[cap_idx].why);
		pid = h_spawn(cg, allowed);
		assert_int_equal(h_wait(pid), 0);
		h_agent_drain(&a, 100);
		assert_int_equal(cap_events(&a, pid, CAP_SYSLOG, &e), 1);
		assert_int_equal(e->ret, 0);
		pid = h_spawn(cg, denied);
		assert_int_equal(h_wait(pid), 0);
		h_agent_drain(&a, 100);
		if (want == PW_VARIANT_LSM) {
			assert_int_equal(cap_events(&a, pid, CAP_SYSLOG, &e), 0);
		} else {
			assert_int_equal(cap_events(&a, pid, CAP_SYSLOG, &e), 1);
			assert_true(e->ret < 0);
		}
		print_message("capabilities by %s: allowed and %s checks reported\n", kind,
			      want == PW_VARIANT_LSM ? "no denied" : "denied");
		h_agent_stop(&a);
		n++;
	}
	assert_true(n > 0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_capability_storm_is_one_event_plus_count),
		cmocka_unit_test(test_noaudit_checks_are_not_uses),
		cmocka_unit_test(test_nested_user_namespace_level),
		cmocka_unit_test(test_ringbuf_overflow_is_counted_exactly),
		cmocka_unit_test(test_each_capability_variant),
	};

	h_init(argv[0]);
	return cmocka_run_group_tests_name("kernel: capability dedup, namespaces, drops", tests,
					   setup, teardown);
}
