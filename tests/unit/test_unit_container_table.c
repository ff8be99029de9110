// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The live container table without a kernel: cgroup mkdir/rmdir records by
 * hand, sub-cgroups, the setup/started phase, churn leaving nothing behind,
 * deletion from the open-addressing index, and the event's container object.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>
#include "host/container_table.h"
#include "events/event_json.h"
#include "events/event_types.h"
#include "lib/jsonw.h"

/* No runtime state there: entries carry what the cgroup path says. */
#define ROOT "/nonexistent-privwatch-root"

static void docker_path(char *buf, size_t len, unsigned int n, const char *sub)
{
	snprintf(buf, len, "/docker/%08x%056d%s", n, 0, sub);
}

/* Bounded: container-shaped names past the count, cgroups past theirs,
 * are not tracked, and counted. */
static void test_bounded(void **state)
{
	struct pw_ctable t;
	char p[256], sub[256];
	int i;

	assert_int_equal(pw_ctable_init(&t, ROOT, 0), 0);
	t.max_containers = 3;
	t.max_cgroups = 5;
	for (i = 0; i < 3; i++) {
		docker_path(p, sizeof(p), 10 + i, "");
		assert_int_equal(pw_ctable_mkdir(&t, 200 + i, 1, p), 1);
	}
	docker_path(p, sizeof(p), 99, "");
	assert_int_equal(pw_ctable_mkdir(&t, 299, 1, p), -ENOSPC);
	assert_null(pw_ctable_lookup(&t, 299));
	assert_int_equal(t.containers, 3);
	assert_int_equal(t.overflow, 1);
	/* cgroups: two more fit, the third does not */
	for (i = 0; i < 3; i++) {
		docker_path(sub, sizeof(sub), 10, i == 0 ? "/a" : i == 1 ? "/b" : "/c");
		assert_int_equal(pw_ctable_mkdir(&t, 300 + i, 200, sub), i < 2 ? 1 : -ENOSPC);
	}
	assert_int_equal(t.index.n, 5);
	assert_int_equal(t.overflow, 2);
	/* room again once one goes */
	pw_ctable_rmdir(&t, 202);
	assert_int_equal(pw_ctable_mkdir(&t, 299, 1, p), 1);
	pw_ctable_free(&t);
}

static void test_mkdir_sub_rmdir(void **state)
{
	struct pw_ctable t;
	struct pw_ct_container *c;
	char p[256], s[256];

	assert_int_equal(pw_ctable_init(&t, ROOT, 0), 0);
	docker_path(p, sizeof(p), 1, "");
	docker_path(s, sizeof(s), 1, "/sub");
	assert_int_equal(pw_ctable_mkdir(&t, 100, 1, p), 1);
	assert_int_equal(pw_ctable_mkdir(&t, 101, 100, s), 1);
	assert_int_equal(pw_ctable_mkdir(&t, 102, 1, "/user.slice"), 0);
	assert_int_equal(pw_ctable_mkdir(&t, 103, 1, "/docker"), 0);
	assert_int_equal(t.containers, 1);
	assert_int_equal(t.index.n, 2);
	c = pw_ctable_lookup(&t, 100);
	assert_non_null(c);
	assert_ptr_equal(pw_ctable_lookup(&t, 101), c);
	assert_null(pw_ctable_lookup(&t, 102));
	assert_int_equal(c->ref.runtime, PW_RUNTIME_DOCKER);
	assert_string_equal(c->ref.id, p + strlen("/docker/"));
	assert_int_equal(c->phase, PW_PHASE_SETUP);
	/* A repeated record (seen by the walk too) changes nothing. */
	assert_int_equal(pw_ctable_mkdir(&t, 100, 1, p), 1);
	assert_int_equal(t.index.n, 2);

	pw_ctable_rmdir(&t, 101);
	assert_ptr_equal(pw_ctable_lookup(&t, 100), c);
	pw_ctable_rmdir(&t, 100);
	pw_ctable_rmdir(&t, 100);
	assert_null(pw_ctable_lookup(&t, 100));
	assert_int_equal(t.containers, 0);
	assert_int_equal(t.index.n, 0);
	assert_int_equal(t.added, 1);
	assert_int_equal(t.removed, 1);
	/* Gone, but still named for records that come after (losses). */
	assert_non_null(pw_ctable_gone(&t, 100));
	assert_string_equal(pw_ctable_gone(&t, 100)->id, p + strlen("/docker/"));
	assert_null(pw_ctable_gone(&t, 101));
	assert_null(pw_ctable_gone(&t, 0));
	pw_ctable_free(&t);
}

static void test_phase(void **state)
{
	static const char runc_init[] = "runc\0init";
	static const char self_init[] = "/proc/self/exe\0init";
	static const char sh[] = "sh\0-c\0init";
	struct pw_ctable t;
	struct pw_ct_container *c;
	char p[256];

	assert_int_equal(pw_ctable_init(&t, ROOT, 0), 0);
	docker_path(p, sizeof(p), 2, "");
	assert_int_equal(pw_ctable_mkdir(&t, 200, 1, p), 1);
	c = pw_ctable_lookup(&t, 200);
	/* runc re-executing itself is still setup. */
	assert_int_equal(pw_ctable_exec(&t, c, 42, "/usr/sbin/runc", runc_init, sizeof(runc_init)),
			 0);
	assert_int_equal(pw_ctable_exec(&t, c, 42, "/proc/self/exe", self_init, sizeof(self_init)),
			 0);
	assert_int_equal(c->phase, PW_PHASE_SETUP);
	assert_int_equal(pw_ctable_exec(&t, c, 42, "/bin/sh", sh, sizeof(sh)), 1);
	assert_int_equal(c->phase, PW_PHASE_STARTED);
	assert_int_equal(c->start_pid, 42);
	/* Not measured (measure off): no posture, mode "unknown" in events. */
	assert_int_equal(c->posture_rc, -EAGAIN);
	assert_int_equal(pw_ctable_exec(&t, c, 43, "/bin/true", "true", 5), 0);
	assert_int_equal(c->start_pid, 42);
	pw_ctable_free(&t);

	assert_false(pw_ct_is_runtime_exec("/bin/sh", sh, sizeof(sh)));
	assert_false(pw_ct_is_runtime_exec("/bin/sh", "sh", 3));
	assert_false(pw_ct_is_runtime_exec("/bin/sh", "", 0));
	assert_true(pw_ct_is_runtime_exec("/memfd:runc_cloned:/proc/self/exe (deleted)", runc_init,
					  sizeof(runc_init)));
}

/* Plain runc: /<name> is a container only once runc wrote its state.json,
 * after the mkdir; the cgroup is pending until its first exec. */
static void test_runc_pending(void **state)
{
	char root[] = "/tmp/pw-ctable-XXXXXX", dir[256], file[300];
	struct pw_ctable t;
	struct pw_ct_container *c;
	FILE *f;

	assert_non_null(mkdtemp(root));
	assert_int_equal(pw_ctable_init(&t, root, 0), 0);
	assert_int_equal(pw_ctable_mkdir_by(&t, 300, 1, "/pw-runc-x", "runc"), 0);
	assert_int_equal(pw_ctable_mkdir_by(&t, 301, 1, "/pw-other", "runc"), 0);
	assert_int_equal(pw_ctable_mkdir_by(&t, 302, 1, "/user.slice", "systemd"), 0);
	assert_int_equal(t.pending, 2);
	assert_int_equal(t.containers, 0);
	assert_null(pw_ctable_lookup(&t, 300));
	/* runc's own re-exec may land in the cgroup before state.json exists:
	 * it must not spend the cgroup's one try. */
	assert_null(pw_ctable_exec_unknown(&t, 300, 8, "/proc/self/exe", "runc\0init", 10));
	assert_int_equal(t.pending, 2);

	snprintf(dir, sizeof(dir), "%s/run/runc/pw-runc-x", root);
	snprintf(file, sizeof(file), "mkdir -p %s", dir);
	assert_int_equal(system(file), 0);
	snprintf(file, sizeof(file), "%s/state.json", dir);
	f = fopen(file, "w");
	assert_non_null(f);
	fputs("{}", f);
	fclose(f);

	c = pw_ctable_exec_unknown(&t, 300, 9, "/bin/sleep",
				   "sleep\0"
				   "300",
				   10);
	assert_non_null(c);
	assert_ptr_equal(pw_ctable_lookup(&t, 300), c);
	assert_int_equal(c->ref.runtime, PW_RUNTIME_RUNC);
	assert_string_equal(c->ref.id, "pw-runc-x");
	assert_int_equal(c->phase, PW_PHASE_STARTED);
	assert_int_equal(t.containers, 1);
	/* No state for the other: dropped at its first exec, never retried. */
	assert_null(pw_ctable_exec_unknown(&t, 301, 10, "/bin/sh", "sh", 3));
	assert_int_equal(t.pending, 0);
	assert_int_equal(t.index.n, 1);
	pw_ctable_rmdir(&t, 300);
	pw_ctable_rmdir(&t, 301);
	assert_int_equal(t.containers, 0);
	assert_int_equal(t.index.n, 0);
	pw_ctable_free(&t);
	snprintf(file, sizeof(file), "rm -rf %s", root);
	assert_int_equal(system(file), 0);
}

static int bound_started_n;
static struct pw_ct_container *bound_started_c;

static void bound_started(void *ctx, struct pw_ct_container *c)
{
	bound_started_n++;
	bound_started_c = c;
}

/* An image can name its entrypoint like runc's init ("runc" with argv
 * "init") and work without another exec. Where the kernel did not know the
 * runtime's init, names alone kept such a container in setup for good: no
 * rule that needs "started", no posture. Past the setup bound it is started
 * at that exec's pid; an honest runtime's real entrypoint comes first. */
static void test_setup_bound(void **state)
{
	static const char runc_init[] = "runc\0init";
	char root[] = "/tmp/pw-ctable-XXXXXX", p[256], cmd[320];
	struct pw_ct_container *c;
	struct pw_ctable t;
	uint64_t t0;

	assert_int_equal(pw_ctable_init(&t, ROOT, 0), 0);
	docker_path(p, sizeof(p), 7, "");
	assert_int_equal(pw_ctable_mkdir(&t, 700, 1, p), 1);
	c = pw_ctable_lookup(&t, 700);
	assert_int_equal(pw_ctable_exec(&t, c, 77, "/runc", runc_init, sizeof(runc_init)), 0);
	t0 = c->names_setup_ns;
	assert_true(t0 > 0);
	bound_started_n = 0;
	pw_ctable_setup_bound(&t, t0 + PW_CT_SETUP_BOUND_NS - 1, bound_started, NULL);
	assert_int_equal(bound_started_n, 0);
	assert_int_equal(c->phase, PW_PHASE_SETUP);
	pw_ctable_setup_bound(&t, t0 + PW_CT_SETUP_BOUND_NS, bound_started, NULL);
	assert_int_equal(bound_started_n, 1);
	assert_ptr_equal(bound_started_c, c);
	assert_int_equal(c->phase, PW_PHASE_STARTED);
	assert_int_equal(c->start_pid, 77);
	assert_int_equal(t.names_setup, 0);
	assert_int_equal(t.setup_bound_starts, 1);
	/* Once: nothing more at the next tick. */
	pw_ctable_setup_bound(&t, t0 + 2 * PW_CT_SETUP_BOUND_NS, bound_started, NULL);
	assert_int_equal(bound_started_n, 1);

	/* The honest runtime: its re-exec, then the entrypoint, well within it. */
	docker_path(p, sizeof(p), 8, "");
	assert_int_equal(pw_ctable_mkdir(&t, 800, 1, p), 1);
	c = pw_ctable_lookup(&t, 800);
	assert_int_equal(pw_ctable_exec(&t, c, 88, "/proc/self/exe", runc_init, sizeof(runc_init)),
			 0);
	assert_int_equal(t.names_setup, 1);
	assert_int_equal(pw_ctable_exec(&t, c, 88, "/bin/sh", "sh", 3), 1);
	assert_int_equal(t.names_setup, 0);
	pw_ctable_setup_bound(&t, c->names_setup_ns + 3 * PW_CT_SETUP_BOUND_NS, bound_started,
			      NULL);
	assert_int_equal(bound_started_n, 1);
	/* A container removed in setup leaves no count behind. */
	docker_path(p, sizeof(p), 9, "");
	assert_int_equal(pw_ctable_mkdir(&t, 900, 1, p), 1);
	c = pw_ctable_lookup(&t, 900);
	assert_int_equal(pw_ctable_exec(&t, c, 99, "/runc", runc_init, sizeof(runc_init)), 0);
	pw_ctable_rmdir(&t, 900);
	assert_int_equal(t.names_setup, 0);
	pw_ctable_free(&t);

	/* Plain runc: the cgroup is pending; the disguised entrypoint does not
	 * keep it from being identified (and started) at the bound. */
	assert_non_null(mkdtemp(root));
	assert_int_equal(pw_ctable_init(&t, root, 0), 0);
	snprintf(cmd, sizeof(cmd),
		 "mkdir -p %s/run/runc/pw-runc-y && echo {} > %s/run/runc/pw-runc-y/state.json",
		 root, root);
	assert_int_equal(pw_ctable_mkdir_by(&t, 310, 1, "/pw-runc-y", "runc"), 0);
	assert_null(pw_ctable_exec_unknown(&t, 310, 31, "/runc", runc_init, sizeof(runc_init)));
	assert_int_equal(system(cmd), 0); /* runc writes its state after the mkdir */
	c = pw_ctable_find(&t, 310);
	assert_non_null(c);
	assert_true(c->pending);
	bound_started_n = 0;
	pw_ctable_setup_bound(&t, c->names_setup_ns + PW_CT_SETUP_BOUND_NS, bound_started, NULL);
	assert_int_equal(bound_started_n, 1);
	c = pw_ctable_lookup(&t, 310);
	assert_non_null(c);
	assert_string_equal(c->ref.id, "pw-runc-y");
	assert_int_equal(c->phase, PW_PHASE_STARTED);
	assert_int_equal(c->start_pid, 31);
	pw_ctable_free(&t);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	assert_int_equal(system(cmd), 0);
}

/* Many containers at once, removed in another order: every survivor still
 * found after each deletion (backward-shift deletion keeps probe runs whole). */
static void test_many_and_deletion(void **state)
{
	struct pw_ctable t;
	char p[256];
	unsigned int i, j, n = 3000;

	assert_int_equal(pw_ctable_init(&t, ROOT, 0), 0);
	for (i = 0; i < n; i++) {
		docker_path(p, sizeof(p), i, "");
		assert_int_equal(pw_ctable_mkdir(&t, 1000 + i, 1, p), 1);
	}
	assert_int_equal(t.containers, n);
	for (i = 0; i < n; i++) {
		unsigned int k = (i * 7919) % n; /* 7919 is prime: a permutation */

		pw_ctable_rmdir(&t, 1000 + k);
		assert_null(pw_ctable_lookup(&t, 1000 + k));
		if (i % 100 == 0)
			for (j = 0; j < n; j++)
				if (pw_ctable_lookup(&t, 1000 + j))
					assert_int_equal(pw_ctable_lookup(&t, 1000 + j)->cgroup_id,
							 1000 + j);
	}
	assert_int_equal(t.containers, 0);
	assert_int_equal(t.index.n, 0);
	pw_ctable_free(&t);
}

/* After lost rmdir records: ids no longer in the hierarchy are forgotten,
 * a container with its last cgroup; the live ones stay as they were. */
static void test_prune_after_lost_records(void **state)
{
	static const uint64_t live[] = { 1, 2000, 2001, 2004 }; /* sorted */
	struct pw_ctable t;
	struct pw_ct_container *kept;
	char p[256], s[256];
	unsigned int i;

	assert_int_equal(pw_ctable_init(&t, ROOT, 0), 0);
	for (i = 0; i < 3; i++) { /* containers 2000, 2002, 2004, each with a sub-cgroup */
		docker_path(p, sizeof(p), i, "");
		docker_path(s, sizeof(s), i, "/sub");
		assert_int_equal(pw_ctable_mkdir(&t, 2000 + 2 * i, 1, p), 1);
		assert_int_equal(pw_ctable_mkdir(&t, 2001 + 2 * i, 2000 + 2 * i, s), 1);
	}
	kept = pw_ctable_lookup(&t, 2000);
	assert_int_equal(pw_ctable_prune(&t, live, 4), 3); /* 2002, 2003, 2005 */
	assert_ptr_equal(pw_ctable_lookup(&t, 2000), kept);
	assert_ptr_equal(pw_ctable_lookup(&t, 2001), kept);
	assert_null(pw_ctable_lookup(&t, 2002));
	assert_null(pw_ctable_lookup(&t, 2003));
	assert_non_null(pw_ctable_lookup(&t, 2004)); /* its sub-cgroup went, it stays */
	assert_null(pw_ctable_lookup(&t, 2005));
	assert_int_equal(t.containers, 2);
	assert_int_equal(t.index.n, 3);
	assert_int_equal(pw_ctable_prune(&t, live, 4), 0);
	assert_int_equal(pw_ctable_prune(&t, NULL, 0), 3);
	assert_int_equal(t.containers, 0);
	assert_int_equal(t.removed, 3);
	pw_ctable_free(&t);
}

/* Short-lived containers one after another: the index does not grow. */
static void test_churn_bounded(void **state)
{
	struct pw_ctable t;
	char p[256], s[256];
	uint64_t id = 10;
	unsigned int i;
	size_t cap;

	assert_int_equal(pw_ctable_init(&t, ROOT, 0), 0);
	cap = t.index.cap;
	for (i = 0; i < 20000; i++, id += 2) {
		docker_path(p, sizeof(p), i, "");
		docker_path(s, sizeof(s), i, "/init");
		assert_int_equal(pw_ctable_mkdir(&t, id, 1, p), 1);
		assert_int_equal(pw_ctable_mkdir(&t, id + 1, id, s), 1);
		pw_ctable_exec(&t, pw_ctable_lookup(&t, id + 1), 5, "/bin/true", "true", 5);
		pw_ctable_rmdir(&t, id + 1);
		pw_ctable_rmdir(&t, id);
	}
	assert_int_equal(t.containers, 0);
	assert_int_equal(t.index.n, 0);
	assert_int_equal(t.added, 20000);
	assert_int_equal(t.removed, 20000);
	assert_int_equal(t.index.cap, cap);
	pw_ctable_free(&t);
}

static void test_event_container_json(void **state)
{
	struct pw_exit_event e = { .hdr = { .type = PW_EVENT_EXIT, .size = sizeof(e), .pid = 7 } };
	struct pw_view_container v = { .id = "abc",
				       .name = "web",
				       .runtime = "docker",
				       .image = "",
				       .phase = PW_VPHASE_STARTED,
				       .mode = PW_VMODE_PARTIAL,
				       .relaxed = 1u << PW_DIM_SECCOMP };
	struct jsonw w;
	json_t *j, *c;
	size_t len;

	jw_init(&w);
	pw_event_to_json_ctx(&w, pw_event_kind(PW_EVENT_EXIT), &e.hdr, &v);
	j = json_loads(jw_line(&w, &len), 0, NULL);
	assert_non_null(j);
	c = json_object_get(j, "container");
	assert_true(json_is_object(c));
	assert_string_equal(json_string_value(json_object_get(c, "id")), "abc");
	assert_string_equal(json_string_value(json_object_get(c, "name")), "web");
	assert_string_equal(json_string_value(json_object_get(c, "runtime")), "docker");
	assert_true(json_is_null(json_object_get(c, "image")));
	assert_true(json_is_null(json_object_get(c, "pod")));
	assert_string_equal(json_string_value(json_object_get(c, "phase")), "started");
	assert_string_equal(json_string_value(json_object_get(c, "mode")), "partial");
	assert_int_equal(json_array_size(json_object_get(c, "relaxed")), 1);
	assert_string_equal(json_string_value(json_array_get(json_object_get(c, "relaxed"), 0)),
			    "seccomp");
	json_decref(j);

	jw_reset(&w);
	v.mode = PW_VMODE_UNKNOWN; /* posture not measured: nothing relaxed known */
	v.relaxed = 0;
	pw_event_to_json_ctx(&w, pw_event_kind(PW_EVENT_EXIT), &e.hdr, &v);
	j = json_loads(jw_line(&w, &len), 0, NULL);
	c = json_object_get(j, "container");
	assert_string_equal(json_string_value(json_object_get(c, "mode")), "unknown");
	assert_int_equal(json_array_size(json_object_get(c, "relaxed")), 0);
	json_decref(j);

	jw_reset(&w);
	pw_event_to_json_ctx(&w, pw_event_kind(PW_EVENT_EXIT), &e.hdr, NULL);
	j = json_loads(jw_line(&w, &len), 0, NULL);
	assert_true(json_is_null(json_object_get(j, "container")));
	json_decref(j);
	jw_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mkdir_sub_rmdir),
		cmocka_unit_test(test_bounded),
		cmocka_unit_test(test_phase),
		cmocka_unit_test(test_setup_bound),
		cmocka_unit_test(test_runc_pending),
		cmocka_unit_test(test_many_and_deletion),
		cmocka_unit_test(test_prune_after_lost_records),
		cmocka_unit_test(test_churn_bounded),
		cmocka_unit_test(test_event_container_json),
	};

	return cmocka_run_group_tests_name("unit: container table", tests, NULL, NULL);
}
