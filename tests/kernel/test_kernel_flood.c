// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Kernel tier: one container's flood costs its own events. Each container
 * (cgroup of origin) has an event budget in the kernel; a flooder past it
 * loses its own records, counted exactly against it, while a neighbour's
 * one record still arrives.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <cmocka.h>
#include <jansson.h>
#include <signal.h>
#include "harness.h"
#include "kernel/stats.h"
#include "privwatch.skel.h"

#define FLOOD	   5000
#define SYSFS_FILE "/sys/kernel/mm/transparent_hugepage/enabled"

static char parent[PATH_MAX], flooder[PATH_MAX + 16], victim[PATH_MAX + 16];
static uint64_t parent_id, flooder_id, victim_id;

static int setup(void **state)
{
	if (h_cgroup_create(NULL, "privwatch-flood", parent, sizeof(parent), &parent_id) ||
	    h_cgroup_create(parent, "flooder", flooder, sizeof(flooder), &flooder_id) ||
	    h_cgroup_create(parent, "victim", victim, sizeof(victim), &victim_id))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	h_cgroup_remove(flooder);
	h_cgroup_remove(victim);
	return h_cgroup_remove(parent);
}

static void test_a_flood_costs_the_flooder_only(void **state)
{
	static struct h_agent a;
	/* 100 events a second, 200 at once: the flooder's 5,000 opens in a
	 * fraction of a second get about 200 through */
	struct pw_loader_opts o = { .cgroup_path = parent,
				    .budget_rate = 100,
				    .budget_burst = 200 };
	char n[16], wl[PATH_MAX];
	char *flood[] = { wl, "open-n", SYSFS_FILE, n, NULL };
	char *one[] = { wl, "open", SYSFS_FILE, "r", NULL };
	struct pw_budget b = {};
	struct pw_kstats ks;
	uint64_t lost = 0;
	pid_t fp, vp;
	int got, t;

	snprintf(wl, sizeof(wl), "%s_open", h_workload());
	snprintf(n, sizeof(n), "%d", FLOOD);
	assert_int_equal(h_agent_start(&a, &o), 0);
	fp = h_spawn(flooder, flood);
	assert_int_equal(h_wait(fp), 0);
	vp = h_spawn(victim, one);
	assert_int_equal(h_wait(vp), 0);
	h_agent_drain(&a, 200);

	got = h_count(&a, PW_EVENT_OPEN, fp);
	print_message("flooder: %d of %d opens reported\n", got, FLOOD);
	assert_true(got >= 200 && got < FLOOD / 2);
	assert_int_equal(h_count(&a, PW_EVENT_OPEN, vp), 1);
	/* every one the flooder lost is counted, against it (its opens are the
	 * flood's and the few its start-up makes: reported + lost covers them) */
	assert_int_equal(pw_kstats_read(&a.loader, &ks), 0);
	assert_int_equal(ks.dropped[PW_EVENT_OPEN][PW_DROP_RINGBUF_FULL], 0);
	assert_int_equal(bpf_map__lookup_elem(a.loader.skel->maps.budgets, &flooder_id,
					      sizeof(flooder_id), &b, sizeof(b), 0),
			 0);
	for (t = 0; t < PW_EVENT_TYPE_MAX; t++)
		lost += ks.dropped[t][PW_DROP_BUDGET];
	assert_int_equal(b.dropped, lost);
	lost = ks.dropped[PW_EVENT_OPEN][PW_DROP_BUDGET];
	assert_true(got + lost >= FLOOD && got + lost <= FLOOD + 8);
	assert_int_equal(bpf_map__lookup_elem(a.loader.skel->maps.budgets, &victim_id,
					      sizeof(victim_id), &b, sizeof(b), 0),
			 0);
	assert_int_equal(b.dropped, 0);
	h_agent_stop(&a);
}

/* The noise every program makes is one record per program: 1,000 opens of
 * /dev/null, 1,000 identical refused writes (and one other refusal). */
static void test_repeats_of_ordinary_opens_are_counted_not_sent(void **state)
{
	static struct h_agent a;
	struct pw_loader_opts o = { .cgroup_path = parent };
	char wl[PATH_MAX], dir[PATH_MAX];
	char *null[] = { wl, "open-n", "/dev/null", "1000", NULL };
	char *refused[] = { wl, "refused-n", dir, "1000", NULL };
	const struct pw_open_event *e;
	struct pw_kstats before, after;
	pid_t pid;
	int i, n;

	snprintf(wl, sizeof(wl), "%s_open", h_workload());
	snprintf(dir, sizeof(dir), "/tmp/privwatch-refused-%d", (int)getpid());
	assert_int_equal(h_agent_start(&a, &o), 0);
	assert_int_equal(pw_kstats_read(&a.loader, &before), 0);
	pid = h_spawn(flooder, null);
	assert_int_equal(h_wait(pid), 0);
	h_agent_drain(&a, 100);
	for (i = 0, n = 0; (e = h_find(&a, PW_EVENT_OPEN, pid, i)); i++)
		n += e->kind == PW_OBJ_CHARDEV && e->dev_major == 1 && e->dev_minor == 3;
	assert_int_equal(n, 1);
	pid = h_spawn(flooder, refused);
	assert_int_equal(h_wait(pid), 0);
	h_agent_drain(&a, 100);
	for (i = 0, n = 0; (e = h_find(&a, PW_EVENT_OPEN, pid, i)); i++)
		n += e->ret == -30; /* EROFS */
	/* refusals are the syscall exits' in either mode (the LSM hook is not
	 * reached for an EROFS; LSM mode attaches the open exits too) */
	assert_int_equal(n, 2);
	assert_int_equal(pw_kstats_read(&a.loader, &after), 0);
	assert_true(after.suppressed[PW_EVENT_OPEN] - before.suppressed[PW_EVENT_OPEN] >=
		    999 + 999);
	h_agent_stop(&a);
	rmdir(dir);
}

/* Through the binary: the loss is a privwatch.lost/1 record that names
 * the flooder's cgroup, and only it. */
static void test_the_lost_record_names_the_flooder(void **state)
{
	char n[16], wl[PATH_MAX], line[1 << 16];
	char *agent[] = { (char *)h_privwatch(),
			  "run",
			  "--http",
			  "none",
			  "--lock-file",
			  "none",
			  "--no-rules",
			  "--container-budget",
			  "100/200",
			  "--cgroup",
			  parent,
			  NULL };
	char *flood[] = { wl, "open-n", SYSFS_FILE, n, NULL };
	struct h_proc p;
	json_t *j, *by = NULL, *x;
	size_t i;

	snprintf(wl, sizeof(wl), "%s_open", h_workload());
	snprintf(n, sizeof(n), "%d", FLOOD);
	assert_int_equal(h_proc_start(&p, agent), 0);
	assert_int_equal(h_proc_line(&p, line, sizeof(line), h_start_wait_ms()),
			 0); /* start record */
	assert_int_equal(h_wait(h_spawn(flooder, flood)), 0);
	while (!by && h_proc_line(&p, line, sizeof(line), 5000) == 0) {
		j = json_loads(line, 0, NULL);
		assert_non_null(j);
		if (!strcmp(json_string_value(json_object_get(j, "schema")), "privwatch.lost/1")) {
			assert_true(
				json_integer_value(json_object_get(json_object_get(j, "dropped"),
								   "container_budget")) > 0);
			by = json_incref(json_object_get(j, "by_container"));
		}
		json_decref(j);
	}
	assert_non_null(by);
	assert_true(json_array_size(by) >= 1);
	json_array_foreach(by, i, x)
		assert_int_equal(json_integer_value(json_object_get(x, "cgroup_id")), flooder_id);
	json_decref(by);
	assert_int_equal(h_proc_stop(&p, SIGINT), 0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_flood_costs_the_flooder_only),
		cmocka_unit_test(test_repeats_of_ordinary_opens_are_counted_not_sent),
		cmocka_unit_test(test_the_lost_record_names_the_flooder),
	};

	h_init(argv[0]);
	return cmocka_run_group_tests_name("kernel: per-container event budget", tests, setup,
					   teardown);
}
