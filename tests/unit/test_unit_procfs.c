// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The /proc reader (agent/host/procfs.h) on a scratch tree: status fields,
 * bounded reads, a planted symlink not followed, a FIFO that does not
 * block, and a pid directory under a prefix.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "host/procfs.h"

static const char status[] = "Name:\tsh\n"
			     "State:\tS (sleeping)\n"
			     "Tgid:\t4242\n"
			     "PPid:\t1\n"
			     "CapBnd:\t000001ffffffffff\n"
			     "Seccomp:\t2\n"
			     "Bogus:\t-3\n";

static char dir[64];

static void put(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup(void **state)
{
	char path[256];

	snprintf(dir, sizeof(dir), "/tmp/pw-procfs-unit.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/proc", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/proc/4242", dir);
	mkdir(path, 0755);
	put("proc/4242/status", status);
	put("secret", "host file\n");
	snprintf(path, sizeof(path), "%s/link", dir);
	if (symlink("secret", path))
		return -1;
	snprintf(path, sizeof(path), "%s/fifo", dir);
	return mkfifo(path, 0600);
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

static void test_status_fields(void **state)
{
	uint64_t v;

	assert_memory_equal(pw_proc_status_field(status, "Name"), "sh\n", 3); /* tab skipped */
	assert_int_equal(*pw_proc_status_field(status, "State"), 'S');
	assert_null(pw_proc_status_field(status, "Stat")); /* whole keys only */
	assert_null(pw_proc_status_field(status, "Missing"));
	assert_int_equal(pw_proc_status_num(status, "PPid", 10, &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(pw_proc_status_num(status, "CapBnd", 16, &v), 0);
	assert_int_equal(v, 0x1ffffffffffULL);
	assert_int_equal(pw_proc_status_num(status, "Name", 10, &v), -EINVAL);
	assert_int_equal(pw_proc_status_num(status, "Bogus", 10, &v), -EINVAL);
	assert_int_equal(pw_proc_status_num(status, "Missing", 10, &v), -ENOENT);
}

static void test_path(void **state)
{
	char out[32];

	assert_int_equal(pw_proc_path(out, sizeof(out), "/", "/proc/1"), 0);
	assert_string_equal(out, "/proc/1");
	assert_int_equal(pw_proc_path(out, sizeof(out), "/x//", "/proc/1"), 0);
	assert_string_equal(out, "/x/proc/1");
	assert_int_equal(pw_proc_path(out, 8, "/x", "/proc/1"), -ENAMETOOLONG);
}

static void test_pid_dir_and_reads(void **state)
{
	char buf[8], *all = NULL;
	int fd = pw_proc_open_pid(dir, 4242);

	assert_true(fd >= 0);
	/* bounded: 7 bytes and a NUL */
	assert_int_equal(pw_proc_read(fd, "status", buf, sizeof(buf)), 7);
	assert_string_equal(buf, "Name:\ts");
	assert_int_equal(pw_proc_read_raw(fd, "status", buf, sizeof(buf)), 8);
	assert_int_equal(pw_proc_read_alloc(fd, "status", 1 << 20, &all), 0);
	assert_string_equal(all, status);
	free(all);
	assert_int_equal(pw_proc_read_alloc(fd, "status", 5, &all), 0);
	assert_string_equal(all, "Name:");
	free(all);
	assert_false(pw_proc_dead(fd)); /* State: S */
	close(fd);
	assert_int_equal(pw_proc_open_pid(dir, 4243), -ENOENT);
	assert_int_equal(pw_proc_open_pid(dir, 0), -EINVAL);
}

static void test_hostile_files(void **state)
{
	char path[256], buf[64], *all = NULL;

	snprintf(path, sizeof(path), "%s/link", dir);
	assert_int_equal(pw_proc_read(AT_FDCWD, path, buf, sizeof(buf)), -ELOOP);
	assert_int_equal(pw_proc_read_alloc(AT_FDCWD, path, 64, &all), -ELOOP);
	/* a FIFO with no writer: opened and read without blocking, empty */
	snprintf(path, sizeof(path), "%s/fifo", dir);
	assert_int_equal(pw_proc_read(AT_FDCWD, path, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	/* a pid directory whose status is gone reads as exited */
	snprintf(path, sizeof(path), "%s/proc/4242/status", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/proc/4242", dir);
	{
		int fd = open(path, O_RDONLY | O_DIRECTORY);

		assert_true(pw_proc_dead(fd));
		close(fd);
	}
	put("proc/4242/status", status);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_fields),
		cmocka_unit_test(test_path),
		cmocka_unit_test(test_pid_dir_and_reads),
		cmocka_unit_test(test_hostile_files),
	};

	return cmocka_run_group_tests_name("unit: procfs", tests, setup, teardown);
}
