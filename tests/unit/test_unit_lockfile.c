// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The lock file (agent/daemon/lockfile.h): its directory made, the pid
 * written, a second taker refused naming the file and the holder's pid
 * (flock locks belong to the open file description: a second open in the
 * same process conflicts as another process would), free again once
 * released, the file emptied but kept, a symlink never followed, and the
 * fd closed on exec.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>
#include "daemon/lockfile.h"

static char dir[] = "/tmp/pw-unit-lock.XXXXXX";

static void read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	assert_true(fd >= 0);
	n = read(fd, buf, len - 1);
	assert_true(n >= 0);
	buf[n] = '\0';
	close(fd);
}

static void test_take_refuse_release(void **state)
{
	char path[PATH_MAX], err[512], want[64], buf[64];
	struct stat st;
	int fd, fd2;

	snprintf(path, sizeof(path), "%s/run/privwatch.lock", dir);
	fd = pw_lock_take(path, err, sizeof(err));
	assert_true(fd >= 0);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	read_file(path, buf, sizeof(buf));
	snprintf(want, sizeof(want), "%d\n", (int)getpid());
	assert_string_equal(buf, want);

	fd2 = pw_lock_take(path, err, sizeof(err));
	assert_int_equal(fd2, -1);
	assert_non_null(strstr(err, path));
	snprintf(want, sizeof(want), "held by pid %d", (int)getpid());
	assert_non_null(strstr(err, want));
	assert_non_null(strstr(err, "--lock-file none"));

	pw_lock_release(fd);
	assert_int_equal(stat(path, &st), 0); /* kept, emptied */
	assert_int_equal(st.st_size, 0);
	fd2 = pw_lock_take(path, err, sizeof(err));
	assert_true(fd2 >= 0);
	pw_lock_release(fd2);
}

static void test_symlink_refused(void **state)
{
	char path[PATH_MAX], target[PATH_MAX], err[512];
	struct stat st;
	int fd;

	snprintf(target, sizeof(target), "%s/precious", dir);
	snprintf(path, sizeof(path), "%s/link.lock", dir);
	fd = open(target, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "keep", 4), 4);
	close(fd);
	assert_int_equal(symlink(target, path), 0);
	assert_int_equal(pw_lock_take(path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, path));
	assert_int_equal(stat(target, &st), 0);
	assert_int_equal(st.st_size, 4); /* not truncated through the link */
}

static int setup(void **state)
{
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) ? -1 : 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_take_refuse_release),
		cmocka_unit_test(test_symlink_refused),
	};

	return cmocka_run_group_tests_name("unit: lockfile", tests, setup, teardown);
}
