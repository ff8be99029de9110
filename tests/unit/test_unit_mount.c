// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Mount records: their layout (shared by clang -target bpf and the host
 * compiler) and their JSON, parsed back with jansson.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>
#include "json_check.h"
#include <jansson.h>
#include "events/event_json.h"
#include "lib/jsonw.h"
#include "lib/timefmt.h"

/* Sizes and offsets: include/events_layout.h, checked by both compilers. */

/* bpf/mount.bpf.c bounds the fsconfig '=' offset with PW_MOUNT_STR - 1 as a mask. */
_Static_assert((PW_MOUNT_STR & (PW_MOUNT_STR - 1)) == 0, "PW_MOUNT_STR is a power of two");
/* Values on the wire: never renumbered. */
_Static_assert(PW_EVENT_MOUNT == 3, "event number");
_Static_assert(PW_MOUNT_MOUNT == 1 && PW_MOUNT_UMOUNT == 2 && PW_MOUNT_FSOPEN == 3 &&
		       PW_MOUNT_FSCONFIG == 4 && PW_MOUNT_FSMOUNT == 5 &&
		       PW_MOUNT_MOVE_MOUNT == 6 && PW_MOUNT_OPEN_TREE == 7 &&
		       PW_MOUNT_SETATTR == 8 && PW_MOUNT_PIVOT_ROOT == 9,
	       "mount op numbers");

static void init_event(struct pw_mount_event *e, __u16 op, __s32 ret)
{
	memset(e, 0, sizeof(*e));
	e->hdr.type = PW_EVENT_MOUNT;
	e->hdr.size = sizeof(*e);
	e->hdr.ts_ns = 1;
	e->hdr.cgroup_id = 77;
	e->hdr.pid = 10;
	e->hdr.tid = 11;
	strcpy(e->hdr.comm, "workload_mount");
	e->op = op;
	e->ret = ret;
	e->fd = -1;
}

static void test_mount_allowed(void **state)
{
	struct pw_mount_event e;
	json_t *j;

	init_event(&e, PW_MOUNT_MOUNT, 0);
	e.flags = 0xC0ED0000ull | 4096; /* MS_MGC_VAL | MS_BIND: kept as passed */
	strcpy(e.fstype, "tmpfs");
	strcpy(e.source, "pwsrc");
	strcpy(e.target, "/tmp/x");
	j = h_event_json(&(&e)->hdr);
	assert_string_equal(h_json_str(j, "kind"), "mount");
	assert_string_equal(h_json_str(j, "comm"), "workload_mount");
	assert_int_equal(h_json_int(j, "pid"), 10);
	assert_int_equal(h_json_int(j, "tid"), 11);
	assert_int_equal(h_json_int(j, "cgroup_id"), 77);
	assert_string_equal(h_json_str(j, "op"), "mount");
	assert_string_equal(h_json_str(j, "result"), "allowed");
	assert_int_equal(h_json_int(j, "ret"), 0);
	assert_int_equal(h_json_int(j, "errno"), 0);
	assert_int_equal(h_json_int(j, "flags"), 0xC0ED0000ull | 4096);
	assert_int_equal(h_json_int(j, "fd"), -1);
	assert_int_equal(h_json_int(j, "aux"), 0);
	assert_string_equal(h_json_str(j, "fstype"), "tmpfs");
	assert_string_equal(h_json_str(j, "source"), "pwsrc");
	assert_string_equal(h_json_str(j, "target"), "/tmp/x");
	assert_null(json_object_get(j, "truncated"));
	json_decref(j);
}

/* A new fd is a non-negative ret: allowed, errno 0. */
static void test_fsmount_returns_fd(void **state)
{
	struct pw_mount_event e;
	json_t *j;

	init_event(&e, PW_MOUNT_FSMOUNT, 4);
	e.fd = 3;
	e.flags = 1;
	e.aux = 0x4;
	j = h_event_json(&(&e)->hdr);
	assert_string_equal(h_json_str(j, "op"), "fsmount");
	assert_string_equal(h_json_str(j, "result"), "allowed");
	assert_int_equal(h_json_int(j, "ret"), 4);
	assert_int_equal(h_json_int(j, "errno"), 0);
	assert_int_equal(h_json_int(j, "fd"), 3);
	assert_int_equal(h_json_int(j, "aux"), 4);
	assert_int_equal(h_json_int(j, "flags"), 1);
	/* empty strings are present, not missing */
	assert_string_equal(h_json_str(j, "fstype"), "");
	assert_string_equal(h_json_str(j, "source"), "");
	assert_string_equal(h_json_str(j, "target"), "");
	json_decref(j);
}

static void test_mount_denied(void **state)
{
	struct pw_mount_event e;
	json_t *j;

	init_event(&e, PW_MOUNT_MOUNT, -1);
	j = h_event_json(&(&e)->hdr);
	assert_string_equal(h_json_str(j, "result"), "denied");
	assert_int_equal(h_json_int(j, "ret"), -1);
	assert_int_equal(h_json_int(j, "errno"), 1);
	json_decref(j);
}

/* LSM hooks run before the action: never "allowed", whatever ret says. */
static void test_lsm_pre_check(void **state)
{
	struct pw_mount_event e;
	json_t *j;

	init_event(&e, PW_MOUNT_PIVOT_ROOT, 0);
	e.hdr.flags = PW_F_PRE_CHECK;
	j = h_event_json(&(&e)->hdr);
	assert_string_equal(h_json_str(j, "op"), "pivot_root");
	assert_string_equal(h_json_str(j, "result"), "pre_check");
	assert_int_equal(h_json_int(j, "errno"), 0);
	json_decref(j);

	e.ret = -13; /* an LSM before ours denied: still a pre-check */
	j = h_event_json(&(&e)->hdr);
	assert_string_equal(h_json_str(j, "result"), "pre_check");
	assert_int_equal(h_json_int(j, "errno"), 13);
	json_decref(j);
}

static void test_op_names(void **state)
{
	/* indexed by op; one past the last op is unknown too */
	static const char *const want[] = {
		"unknown",    "mount",	   "umount",	    "fsopen",	  "fsconfig", "fsmount",
		"move_mount", "open_tree", "mount_setattr", "pivot_root", "unknown",
	};
	struct pw_mount_event e;
	unsigned int op;
	json_t *j;

	for (op = 0; op < sizeof(want) / sizeof(want[0]); op++) {
		init_event(&e, op, 0);
		j = h_event_json(&(&e)->hdr);
		assert_string_equal(h_json_str(j, "op"), want[op]);
		json_decref(j);
	}
	init_event(&e, 0xffff, 0);
	j = h_event_json(&(&e)->hdr);
	assert_string_equal(h_json_str(j, "op"), "unknown");
	json_decref(j);
}

/* Strings that fill their field have no NUL; hostile bytes stay valid JSON. */
static void test_full_fields_and_hostile_bytes(void **state)
{
	struct pw_mount_event e;
	char want[PW_PATH_MAX + 1];
	json_t *j;

	init_event(&e, PW_MOUNT_MOUNT, -2);
	e.hdr.flags = PW_F_TRUNCATED;
	memset(e.target, 'a', sizeof(e.target));
	memset(e.fstype, 'f', sizeof(e.fstype));
	strcpy(e.source, "key=\"v\"\n\\\xff");
	j = h_event_json(&(&e)->hdr);
	memset(want, 'a', PW_PATH_MAX);
	want[PW_PATH_MAX] = '\0';
	assert_string_equal(h_json_str(j, "target"), want);
	assert_int_equal(strlen(h_json_str(j, "fstype")), PW_FSTYPE_LEN);
	assert_string_equal(h_json_str(j, "source"), "key=\"v\"\n\\\xef\xbf\xbd");
	assert_true(json_is_true(json_object_get(j, "truncated")));
	assert_string_equal(h_json_str(j, "result"), "denied");
	assert_int_equal(h_json_int(j, "errno"), 2);
	json_decref(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mount_allowed),
		cmocka_unit_test(test_fsmount_returns_fd),
		cmocka_unit_test(test_mount_denied),
		cmocka_unit_test(test_lsm_pre_check),
		cmocka_unit_test(test_op_names),
		cmocka_unit_test(test_full_fields_and_hostile_bytes),
	};

	pw_clock_init();
	return cmocka_run_group_tests_name("unit: mount records", tests, NULL, NULL);
}
