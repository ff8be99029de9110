// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * JSON of the seccomp, fork, exit and cgroup records: every field a rule
 * may test, parsed back with jansson.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>
#include "json_check.h"
#include <errno.h>
#include <signal.h>
#include <jansson.h>
#include "events/event_json.h"
#include "lib/jsonw.h"
#include "lib/timefmt.h"

/* Sizes and offsets: include/events_layout.h, checked by both compilers. */

_Static_assert(PW_EVENT_SECCOMP == 5 && PW_EVENT_FORK == 6 && PW_EVENT_EXIT == 7 &&
		       PW_EVENT_CGROUP_MKDIR == 8 && PW_EVENT_CGROUP_RMDIR == 9,
	       "event numbers are stable");
_Static_assert(PW_SECCOMP_VIA_SYSCALL == 1 && PW_SECCOMP_VIA_PRCTL == 2, "via numbers are stable");

static void assert_header(json_t *j, const char *kind)
{
	assert_string_equal(h_json_str(j, "schema"), PW_EVENT_SCHEMA);
	assert_string_equal(h_json_str(j, "kind"), kind);
	assert_int_equal(h_json_int(j, "cgroup_id"), 4242);
	assert_int_equal(h_json_int(j, "pid"), 300);
	assert_int_equal(h_json_int(j, "tid"), 301);
	assert_int_equal(h_json_int(j, "uid"), 1000);
	assert_int_equal(h_json_int(j, "gid"), 1001);
	assert_string_equal(h_json_str(j, "comm"), "runc:[2:INIT]");
}

#define HDR(t, e)                                                                                  \
	{                                                                                          \
		.type = (t), .size = sizeof(e), .ts_ns = 1, .cgroup_id = 4242, .pid = 300,         \
		.tid = 301, .uid = 1000, .gid = 1001, .comm = "runc:[2:INIT]"                      \
	}

static void test_seccomp_filter_install_via_syscall(void **state)
{
	struct pw_seccomp_event e = {
		.hdr = HDR(PW_EVENT_SECCOMP, e),
		.ret = 0,
		.via = PW_SECCOMP_VIA_SYSCALL,
		.operation = 1,
		.flags = 8, /* SECCOMP_FILTER_FLAG_NEW_LISTENER */
		.mode_after = 2,
	};
	json_t *j = h_event_json(&e.hdr);

	assert_header(j, "seccomp");
	assert_string_equal(h_json_str(j, "via"), "seccomp");
	assert_int_equal(h_json_int(j, "operation"), 1);
	assert_string_equal(h_json_str(j, "operation_name"), "set_mode_filter");
	assert_int_equal(h_json_int(j, "flags"), 8);
	assert_string_equal(h_json_str(j, "result"), "allowed");
	assert_int_equal(h_json_int(j, "ret"), 0);
	assert_int_equal(h_json_int(j, "errno"), 0);
	assert_int_equal(h_json_int(j, "mode_after"), 2);
	assert_string_equal(h_json_str(j, "mode_after_name"), "filter");
	assert_null(json_object_get(j, "truncated"));
	json_decref(j);
}

static void test_seccomp_via_prctl(void **state)
{
	struct pw_seccomp_event e = {
		.hdr = HDR(PW_EVENT_SECCOMP, e),
		.ret = 0,
		.via = PW_SECCOMP_VIA_PRCTL,
		.operation = 1,
		.mode_after = 1,
	};
	json_t *j = h_event_json(&e.hdr);

	assert_header(j, "seccomp");
	assert_string_equal(h_json_str(j, "via"), "prctl");
	assert_int_equal(h_json_int(j, "operation"), 1);
	assert_string_equal(h_json_str(j, "operation_name"), "strict");
	assert_int_equal(h_json_int(j, "flags"), 0);
	assert_string_equal(h_json_str(j, "result"), "allowed");
	assert_int_equal(h_json_int(j, "mode_after"), 1);
	assert_string_equal(h_json_str(j, "mode_after_name"), "strict");
	json_decref(j);

	e.operation = 2;
	e.mode_after = 2;
	j = h_event_json(&e.hdr);
	assert_string_equal(h_json_str(j, "operation_name"), "filter");
	assert_string_equal(h_json_str(j, "mode_after_name"), "filter");
	json_decref(j);
}

/* runc's support probes: failures and queries, each named. */
static void test_seccomp_probes_and_failures(void **state)
{
	static const struct {
		__u32 op, flags;
		__s32 ret;
		const char *name, *result;
		int err;
	} cases[] = {
		{ 0, 1, -EINVAL, "set_mode_strict", "denied", EINVAL },
		{ 1, 2, -EFAULT, "set_mode_filter", "denied", EFAULT },
		{ 2, 0, 0, "get_action_avail", "allowed", 0 },
		{ 3, 0, 0, "get_notif_sizes", "allowed", 0 },
		{ 1, 8, 5, "set_mode_filter", "allowed", 0 }, /* NEW_LISTENER: an fd */
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pw_seccomp_event e = {
			.hdr = HDR(PW_EVENT_SECCOMP, e),
			.ret = cases[i].ret,
			.via = PW_SECCOMP_VIA_SYSCALL,
			.operation = cases[i].op,
			.flags = cases[i].flags,
			.mode_after = 0,
		};
		json_t *j = h_event_json(&e.hdr);

		assert_int_equal(h_json_int(j, "operation"), cases[i].op);
		assert_string_equal(h_json_str(j, "operation_name"), cases[i].name);
		assert_int_equal(h_json_int(j, "flags"), cases[i].flags);
		assert_string_equal(h_json_str(j, "result"), cases[i].result);
		assert_int_equal(h_json_int(j, "ret"), cases[i].ret);
		assert_int_equal(h_json_int(j, "errno"), cases[i].err);
		assert_int_equal(h_json_int(j, "mode_after"), 0);
		assert_string_equal(h_json_str(j, "mode_after_name"), "disabled");
		json_decref(j);
	}
}

/* Numbers without a name keep the number and leave the name out. */
static void test_seccomp_unknown_numbers(void **state)
{
	struct pw_seccomp_event e = {
		.hdr = HDR(PW_EVENT_SECCOMP, e),
		.ret = -EINVAL,
		.via = PW_SECCOMP_VIA_SYSCALL,
		.operation = 99,
		.mode_after = 7,
	};
	json_t *j = h_event_json(&e.hdr);

	assert_int_equal(h_json_int(j, "operation"), 99);
	assert_null(json_object_get(j, "operation_name"));
	assert_int_equal(h_json_int(j, "mode_after"), 7);
	assert_null(json_object_get(j, "mode_after_name"));
	json_decref(j);

	e.via = PW_SECCOMP_VIA_PRCTL;
	e.operation = 0;
	j = h_event_json(&e.hdr);
	assert_string_equal(h_json_str(j, "via"), "prctl");
	assert_null(json_object_get(j, "operation_name"));
	json_decref(j);

	e.via = 9;
	e.operation = 1;
	j = h_event_json(&e.hdr);
	assert_int_equal(h_json_int(j, "via"), 9);
	assert_null(json_object_get(j, "operation_name"));
	json_decref(j);
}

static void test_fork(void **state)
{
	struct pw_fork_event e = {
		.hdr = HDR(PW_EVENT_FORK, e),
		.child_pid = 302,
		.child_tid = 303,
	};
	json_t *j = h_event_json(&e.hdr);

	assert_header(j, "fork");
	assert_int_equal(h_json_int(j, "child_pid"), 302);
	assert_int_equal(h_json_int(j, "child_tid"), 303);
	json_decref(j);
}

static void test_exit_with_status(void **state)
{
	struct pw_exit_event e = {
		.hdr = HDR(PW_EVENT_EXIT, e),
		.exit_code = 42 << 8,
	};
	json_t *j = h_event_json(&e.hdr);

	assert_header(j, "exit");
	assert_int_equal(h_json_int(j, "exit_code"), 42 << 8);
	assert_int_equal(h_json_int(j, "exit_status"), 42);
	assert_true(json_is_null(json_object_get(j, "signal")));
	assert_null(json_object_get(j, "core_dumped"));
	json_decref(j);

	e.exit_code = 0;
	j = h_event_json(&e.hdr);
	assert_int_equal(h_json_int(j, "exit_status"), 0);
	assert_true(json_is_null(json_object_get(j, "signal")));
	json_decref(j);
}

static void test_exit_by_signal(void **state)
{
	struct pw_exit_event e = {
		.hdr = HDR(PW_EVENT_EXIT, e),
		.exit_code = SIGKILL,
	};
	json_t *j = h_event_json(&e.hdr);

	assert_int_equal(h_json_int(j, "exit_code"), SIGKILL);
	assert_true(json_is_null(json_object_get(j, "exit_status")));
	assert_int_equal(h_json_int(j, "signal"), SIGKILL);
	assert_true(json_is_false(json_object_get(j, "core_dumped")));
	json_decref(j);

	e.exit_code = SIGSEGV | 0x80; /* with a core dump */
	j = h_event_json(&e.hdr);
	assert_true(json_is_null(json_object_get(j, "exit_status")));
	assert_int_equal(h_json_int(j, "signal"), SIGSEGV);
	assert_true(json_is_true(json_object_get(j, "core_dumped")));
	json_decref(j);
}

static void test_cgroup_mkdir_and_rmdir(void **state)
{
	static const char path[] = "/kubepods/pod-\"1\"/\xff";
	struct pw_cgroup_event e = {
		.hdr = HDR(PW_EVENT_CGROUP_MKDIR, e),
		.id = 9001,
		.parent_id = 9000,
		.level = 3,
		.hierarchy_id = 0,
	};
	json_t *j;

	memcpy(e.path, path, sizeof(path));
	j = h_event_json(&e.hdr);
	assert_header(j, "cgroup_mkdir");
	assert_int_equal(h_json_int(j, "id"), 9001);
	assert_int_equal(h_json_int(j, "parent_id"), 9000);
	assert_int_equal(h_json_int(j, "level"), 3);
	assert_int_equal(h_json_int(j, "hierarchy_id"), 0);
	assert_string_equal(h_json_str(j, "path"), "/kubepods/pod-\"1\"/\xef\xbf\xbd");
	assert_null(json_object_get(j, "truncated"));
	json_decref(j);

	e.hdr.type = PW_EVENT_CGROUP_RMDIR;
	e.hierarchy_id = 4;
	j = h_event_json(&e.hdr);
	assert_header(j, "cgroup_rmdir");
	assert_int_equal(h_json_int(j, "id"), 9001);
	assert_int_equal(h_json_int(j, "parent_id"), 9000);
	assert_int_equal(h_json_int(j, "level"), 3);
	assert_int_equal(h_json_int(j, "hierarchy_id"), 4);
	json_decref(j);
}

/* A path that filled its buffer: no NUL in the record, the flag set. */
static void test_cgroup_truncated_path(void **state)
{
	struct pw_cgroup_event e = {
		.hdr = HDR(PW_EVENT_CGROUP_MKDIR, e),
		.id = 2,
		.parent_id = 1,
		.level = 1,
	};
	json_t *j;

	e.hdr.flags = PW_F_TRUNCATED;
	memset(e.path, 'a', sizeof(e.path));
	j = h_event_json(&e.hdr);
	assert_int_equal(strlen(h_json_str(j, "path")), PW_PATH_MAX);
	assert_true(json_is_true(json_object_get(j, "truncated")));
	json_decref(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seccomp_filter_install_via_syscall),
		cmocka_unit_test(test_seccomp_via_prctl),
		cmocka_unit_test(test_seccomp_probes_and_failures),
		cmocka_unit_test(test_seccomp_unknown_numbers),
		cmocka_unit_test(test_fork),
		cmocka_unit_test(test_exit_with_status),
		cmocka_unit_test(test_exit_by_signal),
		cmocka_unit_test(test_cgroup_mkdir_and_rmdir),
		cmocka_unit_test(test_cgroup_truncated_path),
	};

	pw_clock_init();
	return cmocka_run_group_tests_name("unit: lifecycle and seccomp JSON", tests, NULL, NULL);
}
