// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Records decoded into views as rules see them: paths rebuilt, bounded
 * strings terminated, results and names as the JSON output says them. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>
#include "events/event_view.h"

#define HDR(e, t) ((e).hdr = (struct pw_event_header){ .type = (t), .size = sizeof(e) })

static void test_names(void **state)
{
	assert_string_equal(pw_view_kind_name(PW_EVENT_OPEN), "open");
	assert_string_equal(pw_view_kind_name(PW_EVENT_CGROUP_RMDIR), "cgroup_rmdir");
	assert_string_equal(pw_view_kind_name(PW_VIEW_CONTAINER_START), "container_start");
	assert_int_equal(pw_view_kind_parse("container_start"), PW_VIEW_CONTAINER_START);
	assert_int_equal(pw_view_kind_parse("exec"), PW_EVENT_EXEC);
	assert_int_equal(pw_view_kind_parse("nope"), -1);
	assert_string_equal(pw_view_mode_name(PW_VMODE_HOST), "host");
	assert_string_equal(pw_view_mode_name(PW_VMODE_UNKNOWN), "unknown");
	assert_string_equal(pw_view_result_name(PW_RESULT_PRE_CHECK), "pre_check");
	assert_string_equal(pw_view_result_name(PW_RESULT_NONE), "none");
}

static void test_open_resolved(void **state)
{
	struct pw_open_event e = { 0 };
	struct pw_view v;

	HDR(e, PW_EVENT_OPEN);
	e.hdr.pid = 10;
	e.hdr.uid = 1000;
	memcpy(e.hdr.comm, "0123456789abcdef", 16); /* full: no NUL in the record */
	memcpy(e.path, "core_pattern\0kernel\0sys\0proc", 29);
	e.path_len = 29;
	e.path_format = PW_OPEN_PATH_COMPONENTS;
	e.kind = PW_OBJ_PROC_SYS;
	e.f_mode = 2;
	e.ret = 3;
	pw_view_from_event(&v, &e.hdr);
	assert_string_equal(v.kind_name, "open");
	assert_string_equal(v.path, "/proc/sys/kernel/core_pattern");
	assert_string_equal(v.basename, "core_pattern");
	assert_int_equal(v.object, PW_OBJ_PROC_SYS);
	assert_int_equal(v.access, PW_ACCESS_WRITE);
	assert_int_equal(v.result, PW_RESULT_ALLOWED);
	assert_int_equal(v.err, 0);
	assert_int_equal(v.cap, -1);
	assert_string_equal(v.proc.comm, "0123456789abcdef");
	assert_int_equal(v.proc.pid, 10);
	assert_int_equal(v.proc.uid, 1000);
	assert_null(v.container);
}

static void test_open_refused_callers_path(void **state)
{
	struct pw_open_event e = { 0 };
	struct pw_view v;

	HDR(e, PW_EVENT_OPEN);
	strcpy(e.path, "../dev/mem");
	e.path_len = strlen(e.path);
	e.path_format = PW_OPEN_PATH_USER;
	e.ret = -EACCES;
	e.open_flags = O_RDWR;
	pw_view_from_event(&v, &e.hdr);
	assert_string_equal(v.path, "../dev/mem");
	assert_string_equal(v.basename, "mem");
	assert_int_equal(v.result, PW_RESULT_DENIED);
	assert_int_equal(v.err, EACCES);
	assert_int_equal(v.access, PW_ACCESS_READ | PW_ACCESS_WRITE); /* from O_ACCMODE */

	e.hdr.flags = PW_F_PRE_CHECK;
	e.ret = 0;
	e.open_flags = O_RDONLY;
	pw_view_from_event(&v, &e.hdr);
	assert_int_equal(v.result, PW_RESULT_PRE_CHECK);
	assert_int_equal(v.access, PW_ACCESS_READ);
}

static void test_open_root_and_device(void **state)
{
	struct pw_open_event e = { 0 };
	struct pw_view v;

	HDR(e, PW_EVENT_OPEN);
	e.path_format = PW_OPEN_PATH_COMPONENTS;
	e.kind = PW_OBJ_BLOCKDEV;
	e.dev_major = 8;
	e.dev_minor = 1;
	e.f_mode = 3;
	pw_view_from_event(&v, &e.hdr);
	assert_string_equal(v.path, "/");
	assert_string_equal(v.basename, "");
	assert_int_equal(v.dev_major, 8);
	assert_int_equal(v.dev_minor, 1);
	assert_int_equal(v.access, PW_ACCESS_READ | PW_ACCESS_WRITE);
}

static void test_capability(void **state)
{
	struct pw_capability_event e = { 0 };
	struct pw_view v;

	HDR(e, PW_EVENT_CAPABILITY);
	e.cap = 21;
	pw_view_from_event(&v, &e.hdr);
	assert_int_equal(v.cap, 21);
	assert_string_equal(v.cap_name, "CAP_SYS_ADMIN");
	assert_int_equal(v.result, PW_RESULT_ALLOWED);
	e.cap = 99;
	e.ret = -EPERM;
	pw_view_from_event(&v, &e.hdr);
	assert_string_equal(v.cap_name, "");
	assert_int_equal(v.result, PW_RESULT_DENIED);
	assert_int_equal(v.err, EPERM);
}

static void test_mount_bounded_strings(void **state)
{
	struct pw_mount_event e = { 0 };
	struct pw_view v;

	HDR(e, PW_EVENT_MOUNT);
	e.op = PW_MOUNT_MOVE_MOUNT;
	memset(e.fstype, 'f', sizeof(e.fstype)); /* no NUL anywhere */
	memset(e.source, 's', sizeof(e.source));
	strcpy(e.target, "/host/mnt");
	e.ret = -EPERM;
	pw_view_from_event(&v, &e.hdr);
	assert_int_equal(strlen(v.fstype), PW_FSTYPE_LEN);
	assert_int_equal(strlen(v.source), PW_MOUNT_STR);
	assert_string_equal(v.path, "/host/mnt");
	assert_string_equal(v.basename, "mnt");
	assert_string_equal(v.mount_op_name, "move_mount");
	assert_int_equal(v.mount_op, PW_MOUNT_MOVE_MOUNT);
	assert_int_equal(v.result, PW_RESULT_DENIED);

	e.op = 77;
	pw_view_from_event(&v, &e.hdr);
	assert_int_equal(v.mount_op, 0);
	assert_string_equal(v.mount_op_name, "unknown");
}

static void test_seccomp_names(void **state)
{
	struct pw_seccomp_event e = { 0 };
	struct pw_view v;

	HDR(e, PW_EVENT_SECCOMP);
	e.via = PW_SECCOMP_VIA_SYSCALL;
	e.operation = 1;
	e.mode_after = 2;
	pw_view_from_event(&v, &e.hdr);
	assert_string_equal(v.seccomp_op, "set_mode_filter");
	assert_int_equal(v.seccomp_mode_after, 2);
	e.via = PW_SECCOMP_VIA_PRCTL; /* prctl modes: 1 strict, 2 filter */
	e.operation = 2;
	pw_view_from_event(&v, &e.hdr);
	assert_string_equal(v.seccomp_op, "filter");
	e.operation = 0;
	pw_view_from_event(&v, &e.hdr);
	assert_string_equal(v.seccomp_op, "");
	assert_int_equal(v.seccomp_op_id, -1);
}

static void test_exec_and_container_start(void **state)
{
	struct pw_exec_event e = { 0 };
	struct pw_view_container c = { .id = "abc",
				       .name = "web",
				       .runtime = "docker",
				       .image = "nginx",
				       .pod = "",
				       .ns = "",
				       .phase = PW_VPHASE_STARTED,
				       .mode = PW_VMODE_PRIVILEGED };
	struct pw_view v;

	HDR(e, PW_EVENT_EXEC);
	strcpy(e.filename, "/usr/bin/id");
	memcpy(e.args, "id\0-u", 6);
	e.args_len = 6;
	e.ppid = 77;
	pw_view_from_event(&v, &e.hdr);
	assert_string_equal(v.path, "/usr/bin/id");
	assert_string_equal(v.proc.exe, "/usr/bin/id");
	assert_string_equal(v.basename, "id");
	assert_int_equal(v.proc.ppid, 77);
	assert_int_equal(v.proc.args_len, 6);
	assert_memory_equal(v.proc.args, "id\0-u", 6);
	assert_int_equal(v.result, PW_RESULT_NONE);

	pw_view_container_start(&v, &c, 99, 1234);
	assert_int_equal(v.kind, PW_VIEW_CONTAINER_START);
	assert_string_equal(v.kind_name, "container_start");
	assert_null(v.hdr);
	assert_ptr_equal(v.container, &c);
	assert_int_equal(v.cgroup_id, 99);
	assert_int_equal(v.proc.pid, 1234);
	assert_string_equal(v.path, "");
	assert_int_equal(v.result, PW_RESULT_NONE);
}

static void test_components_path(void **state)
{
	char out[8];

	/* Components that do not fit are left out, the result stays terminated. */
	assert_int_equal(pw_path_from_components("b\0a", 3, out, sizeof(out)), 4);
	assert_string_equal(out, "/a/b");
	assert_int_equal(pw_path_from_components("long\0a", 6, out, 6), 2);
	assert_string_equal(out, "/a");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_open_resolved),
		cmocka_unit_test(test_open_refused_callers_path),
		cmocka_unit_test(test_open_root_and_device),
		cmocka_unit_test(test_capability),
		cmocka_unit_test(test_mount_bounded_strings),
		cmocka_unit_test(test_seccomp_names),
		cmocka_unit_test(test_exec_and_container_start),
		cmocka_unit_test(test_components_path),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
