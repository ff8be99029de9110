// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The open event as JSON: the path rebuilt from the kernel's leaf-first
 * names, the caller's path for refused opens, access, device, result. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>
#include "json_check.h"
#include <jansson.h>
#include "events/event_json.h"

static void names(struct pw_open_event *e, const char *leaf_first, size_t len, int depth)
{
	memcpy(e->path, leaf_first, len);
	e->path_len = len;
	e->path_depth = depth;
	e->path_format = PW_OPEN_PATH_COMPONENTS;
}

static void test_resolved_path_is_rebuilt_root_first(void **state)
{
	struct pw_open_event e = { .hdr = { .type = PW_EVENT_OPEN, .size = sizeof(e) } };
	json_t *j;

	names(&e, "core_pattern\0kernel\0sys\0proc", 29, 4);
	e.kind = PW_OBJ_PROC_SYS;
	e.f_mode = 2;
	e.ret = 3;
	e.open_flags = O_WRONLY | O_TRUNC;
	j = h_event_json(&e.hdr);
	assert_string_equal(h_json_str(j, "path"), "/proc/sys/kernel/core_pattern");
	assert_string_equal(h_json_str(j, "path_source"), "resolved");
	assert_string_equal(h_json_str(j, "object"), "proc_sys");
	assert_string_equal(h_json_str(j, "access"), "write");
	assert_string_equal(h_json_str(j, "result"), "allowed");
	assert_string_equal(h_json_str(j, "via"), "open");
	assert_null(json_object_get(j, "device"));
	json_decref(j);
}

/* LSM mode's records of a file used through an fd: via says how, access is
 * the action's; an unknown via from a newer kernel side reads as open. */
static void test_via_write_mmap_received(void **state)
{
	static const char *const want[] = { "open", "write", "mmap", "received", "open" };
	struct pw_open_event e = { .hdr = { .type = PW_EVENT_OPEN, .size = sizeof(e) } };
	struct pw_view v;
	json_t *j;
	unsigned int via;

	names(&e, "zero\0dev", 9, 2);
	e.kind = PW_OBJ_CHARDEV;
	e.f_mode = 3;
	e.hdr.flags = PW_F_PRE_CHECK;
	for (via = 0; via <= PW_OPEN_VIA_MAX; via++) {
		e.via = via;
		j = h_event_json(&e.hdr);
		assert_string_equal(h_json_str(j, "via"), want[via]);
		assert_string_equal(h_json_str(j, "path"), "/dev/zero");
		assert_string_equal(h_json_str(j, "access"), "read_write");
		assert_string_equal(h_json_str(j, "result"), "pre_check");
		json_decref(j);
		pw_view_from_event(&v, &e.hdr);
		assert_string_equal(pw_open_via_name(v.via), want[via]);
	}
}

static void test_root_itself_and_device(void **state)
{
	struct pw_open_event e = { .hdr = { .type = PW_EVENT_OPEN, .size = sizeof(e) } };
	json_t *j;

	names(&e, "", 0, 0);
	e.kind = PW_OBJ_BLOCKDEV;
	e.f_mode = 3;
	e.dev_major = 7;
	e.dev_minor = 2;
	j = h_event_json(&e.hdr);
	assert_string_equal(h_json_str(j, "path"), "/");
	assert_string_equal(h_json_str(j, "object"), "blockdev");
	assert_string_equal(h_json_str(j, "access"), "read_write");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "device"), "major")),
			 7);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "device"), "minor")),
			 2);
	json_decref(j);
}

static void test_refused_open_keeps_callers_path(void **state)
{
	struct pw_open_event e = { .hdr = { .type = PW_EVENT_OPEN, .size = sizeof(e) } };
	json_t *j;

	strcpy(e.path, "../dev/\"mem\"\n");
	e.path_len = strlen(e.path);
	e.path_format = PW_OPEN_PATH_USER;
	e.kind = PW_OBJ_UNKNOWN;
	e.ret = -ENXIO;
	e.open_flags = O_RDWR;
	j = h_event_json(&e.hdr);
	assert_string_equal(h_json_str(j, "path"), "../dev/\"mem\"\n");
	assert_string_equal(h_json_str(j, "path_source"), "caller");
	assert_string_equal(h_json_str(j, "object"), "unknown");
	assert_string_equal(h_json_str(j, "result"), "denied");
	assert_int_equal(json_integer_value(json_object_get(j, "errno")), ENXIO);
	assert_string_equal(h_json_str(j, "access"), "read_write"); /* from the flags: no file */
	assert_null(json_object_get(j, "inode"));
	json_decref(j);
}

static void test_lsm_event_is_pre_check(void **state)
{
	struct pw_open_event e = {
		.hdr = { .type = PW_EVENT_OPEN, .size = sizeof(e), .flags = PW_F_PRE_CHECK }
	};
	json_t *j;

	names(&e, "kmsg\0dev", 9, 2);
	e.kind = PW_OBJ_CHARDEV;
	e.f_mode = 1;
	j = h_event_json(&e.hdr);
	assert_string_equal(h_json_str(j, "result"), "pre_check");
	assert_string_equal(h_json_str(j, "path"), "/dev/kmsg");
	json_decref(j);
}

/* A path the kernel cut short: what is there is still a valid string. */
static void test_truncated_components_stay_valid(void **state)
{
	struct pw_open_event e = {
		.hdr = { .type = PW_EVENT_OPEN, .size = sizeof(e), .flags = PW_F_TRUNCATED }
	};
	json_t *j;

	memset(e.path, 'a', sizeof(e.path)); /* no NUL at all */
	e.path_len = sizeof(e.path);
	e.path_format = PW_OPEN_PATH_COMPONENTS;
	e.kind = PW_OBJ_SYSFS;
	e.f_mode = 1;
	j = h_event_json(&e.hdr);
	assert_int_equal(strlen(h_json_str(j, "path")), sizeof(e.path) + 1);
	assert_true(json_is_true(json_object_get(j, "truncated")));
	json_decref(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resolved_path_is_rebuilt_root_first),
		cmocka_unit_test(test_root_itself_and_device),
		cmocka_unit_test(test_via_write_mmap_received),
		cmocka_unit_test(test_refused_open_keeps_callers_path),
		cmocka_unit_test(test_lsm_event_is_pre_check),
		cmocka_unit_test(test_truncated_components_stay_valid),
	};

	return cmocka_run_group_tests_name("unit: open event JSON", tests, NULL, NULL);
}
