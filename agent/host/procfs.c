// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Defensive /proc reads (host/procfs.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "host/hostworker.h"
#include "host/procfs.h"

#define PROC_OPEN_FLAGS (O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY)
#define STATUS_MAX	(64 << 10) /* /proc/<pid>/status is ~1.5 KiB */

int pw_proc_path(char *out, size_t len, const char *root, const char *path)
{
	size_t r = strlen(root);

	while (r > 0 && root[r - 1] == '/')
		r--;
	if ((size_t)snprintf(out, len, "%.*s%s", (int)r, root, path) >= len)
		return -ENAMETOOLONG;
	return 0;
}

/* Announce a read to the host-reading worker's deadline (host/hostworker.h). */
static void note_read(int dirfd, const char *name)
{
	char fdpath[32], dir[PW_HW_WHAT_LEN];
	ssize_t n;

	if (!pw_hw_watching())
		return;
	if (dirfd == AT_FDCWD) {
		pw_hw_reading("%s", name);
		return;
	}
	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", dirfd);
	n = readlink(fdpath, dir, sizeof(dir) - 1);
	dir[n > 0 ? n : 0] = '\0';
	pw_hw_reading("%s/%s", dir, name);
}

int pw_proc_open_pid(const char *proc_root, pid_t pid)
{
	char rel[32], dir[4096];
	int rc, fd;

	if (pid <= 0)
		return -EINVAL;
	snprintf(rel, sizeof(rel), "/proc/%d", (int)pid);
	rc = pw_proc_path(dir, sizeof(dir), proc_root ? proc_root : "/", rel);
	if (rc)
		return rc;
	pw_hw_reading("%s", dir);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

ssize_t pw_proc_read_raw(int dirfd, const char *name, char *buf, size_t size)
{
	size_t got = 0;
	ssize_t n;
	int fd;

	note_read(dirfd, name);
	fd = openat(dirfd, name, PROC_OPEN_FLAGS);
	if (fd < 0)
		return -errno;
	while (got < size) {
		n = read(fd, buf + got, size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	return (ssize_t)got;
}

ssize_t pw_proc_read(int dirfd, const char *name, char *buf, size_t size)
{
	ssize_t n = pw_proc_read_raw(dirfd, name, buf, size - 1);

	buf[n > 0 ? n : 0] = '\0';
	return n;
}

int pw_proc_read_alloc(int dirfd, const char *name, size_t max, char **out)
{
	size_t len = 0, cap = max < 4096 ? max : 4096; /* never read past max */
	char *buf = malloc(cap + 1), *nb;
	ssize_t n;
	int fd, err = 0;

	if (!buf)
		return -ENOMEM;
	note_read(dirfd, name);
	fd = openat(dirfd, name, PROC_OPEN_FLAGS);
	if (fd < 0) {
		err = -errno;
		free(buf);
		return err;
	}
	while (len < max) {
		if (len == cap) {
			cap = cap * 2 > max ? max : cap * 2;
			nb = realloc(buf, cap + 1);
			if (!nb) {
				err = -ENOMEM;
				break;
			}
			buf = nb;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			break;
		}
		if (n == 0)
			break;
		len += n;
	}
	close(fd);
	if (err) {
		free(buf);
		return err;
	}
	buf[len] = '\0';
	*out = buf;
	return 0;
}

const char *pw_proc_status_field(const char *status, const char *key)
{
	size_t klen = strlen(key);
	const char *p = status;

	while (p && *p) {
		if (!strncmp(p, key, klen) && p[klen] == ':')
			return p + klen + 1 + strspn(p + klen + 1, " \t");
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return NULL;
}

int pw_proc_status_num(const char *status, const char *key, int base, uint64_t *v)
{
	const char *s = pw_proc_status_field(status, key);
	char *end;

	if (!s)
		return -ENOENT;
	if (*s == '-')
		return -EINVAL;
	errno = 0;
	*v = strtoull(s, &end, base);
	return errno || end == s ? -EINVAL : 0;
}

int pw_proc_dead(int piddir)
{
	char *st = NULL;
	const char *state;
	int rc = pw_proc_read_alloc(piddir, "status", STATUS_MAX, &st), d;

	if (rc)
		return rc == -ESRCH || rc == -ENOENT;
	state = pw_proc_status_field(st, "State");
	d = !state || *state == 'Z' || *state == 'X';
	free(st);
	return d;
}
