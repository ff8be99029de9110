// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include "daemon/lockfile.h"

/* The pid written by the holder, as text ("unknown" if unreadable). */
static void holder_pid(int fd, char *pid, size_t len)
{
	ssize_t n = pread(fd, pid, len - 1, 0);
	size_t i;

	if (n <= 0) {
		snprintf(pid, len, "unknown");
		return;
	}
	pid[n] = '\0';
	for (i = 0; pid[i] >= '0' && pid[i] <= '9'; i++)
		;
	pid[i] = '\0';
	if (!i)
		snprintf(pid, len, "unknown");
}

int pw_lock_take(const char *path, char *err, size_t errlen)
{
	char dir[PATH_MAX], pid[32], *slash;
	int fd, n;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) && errno != EEXIST) {
			snprintf(err, errlen, "lock file %s: cannot make %s: %s", path, dir,
				 strerror(errno));
			return -1;
		}
	}
	/* O_NOFOLLOW: a symlink planted there must not make root truncate
	 * whatever it points at. */
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		snprintf(err, errlen, "lock file %s: %s", path, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		if (errno == EWOULDBLOCK) {
			holder_pid(fd, pid, sizeof(pid));
			snprintf(err, errlen,
				 "another privwatch agent runs on this host: lock file %s is held "
				 "by pid %s (one agent per host; --lock-file none to run one "
				 "beside it anyway)",
				 path, pid);
		} else {
			snprintf(err, errlen, "lock file %s: flock: %s", path, strerror(errno));
		}
		close(fd);
		return -1;
	}
	n = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	if (ftruncate(fd, 0) || pwrite(fd, pid, n, 0) != n) {
		snprintf(err, errlen, "lock file %s: writing the pid: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

void pw_lock_release(int fd)
{
	if (fd < 0)
		return;
	if (ftruncate(fd, 0)) {
		/* the lock goes with the fd all the same */
	}
	close(fd);
}
