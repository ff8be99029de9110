// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Open actions for the kernel tests of the files sensor. Exit status 0 when
 * the action went as the test expects, else the errno (or 100+).
 *   workload_open open PATH r|w|rw      open and close
 *   workload_open write-back PATH       read the value, write it back unchanged
 *   workload_open procsys-write         in a new UTS namespace, write the hostname back
 *   workload_open open-node DIR         mknod DIR/mem (char 1:1, /dev/mem) and open it:
 *                                       0 if it opened (CONFIG_DEVMEM), else the errno
 *                                       (ENXIO where the kernel has no /dev/mem driver)
 *   workload_open erofs DIR             private mount ns, sysfs mounted ro on DIR,
 *                                       open a file of it for writing: EROFS
 *   workload_open relative DIR REL      chdir(DIR), open(REL) read-only
 *   workload_open open-many PATH N      N x open+close PATH read-only
 *   workload_open recv-write SOCK N     in a new UTS namespace, receive an fd over the unix
 *                                       socket fd SOCK (SCM_RIGHTS), write "pw-recv" to it
 *                                       N times (the test sends /proc/sys/kernel/hostname)
 *   workload_open getfd-write PID FD N  in a new UTS namespace, take fd FD of process PID
 *                                       with pidfd_getfd(2), write "pw-getfd" to it N times
 *   workload_open write-later CG N      open /proc/sys/kernel/hostname for writing, then
 *                                       in a new UTS namespace move itself into the
 *                                       cgroup directory CG and write "pw-later" N times
 *   workload_open write-when FLAG N     open /proc/sys/kernel/hostname for writing, enter a
 *                                       new UTS namespace, make FLAG.ready, wait (60 s at
 *                                       most) until FLAG exists, then write "pw-before" N
 *                                       times: an fd opened before the agent started
 *   workload_open mmap PATH             open PATH read-write, map it shared and writable
 *                                       twice, touch both mappings
 *   workload_open write-n PATH N        open PATH for writing (created), N one-byte writes
 *   workload_open nobody-open PATH      as uid/gid 65534, open PATH for writing: the errno
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static int open_mode(const char *m)
{
	return !strcmp(m, "w") ? O_WRONLY : !strcmp(m, "rw") ? O_RDWR : O_RDONLY;
}

static int open_close(const char *path, int flags)
{
	int fd = open(path, flags);

	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

static int write_back(const char *path)
{
	char buf[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return errno;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n <= 0)
		return 101;
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return errno;
	if (write(fd, buf, n) != n) {
		close(fd);
		return errno ? errno : 102;
	}
	close(fd);
	return 0;
}

static int write_n(int fd, const char *what, long n)
{
	long i;

	for (i = 0; i < n; i++)
		if (pwrite(fd, what, strlen(what), 0) != (ssize_t)strlen(what))
			return errno ? errno : 102;
	return 0;
}

/* One fd from the unix socket sock (SCM_RIGHTS), or -1. */
static int recv_fd(int sock)
{
	char byte, cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov,
			      .msg_iovlen = 1,
			      .msg_control = cbuf,
			      .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c;
	int fd;

	if (recvmsg(sock, &msg, 0) != 1)
		return -1;
	c = CMSG_FIRSTHDR(&msg);
	if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(c), sizeof(fd));
	return fd;
}

static int map_twice(const char *path)
{
	int fd = open(path, O_RDWR), i;
	volatile char *m;

	if (fd < 0)
		return errno;
	for (i = 0; i < 2; i++) {
		m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (m == MAP_FAILED)
			return errno;
		m[0] = m[1];
		munmap((void *)m, 4096);
	}
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	char path[4096];

	if (argc == 4 && !strcmp(argv[1], "open"))
		return open_close(argv[2], open_mode(argv[3]));
	if (argc == 3 && !strcmp(argv[1], "write-back"))
		return write_back(argv[2]);
	if (argc == 2 && !strcmp(argv[1], "procsys-write")) {
		if (unshare(CLONE_NEWUTS))
			return errno;
		return write_back("/proc/sys/kernel/hostname");
	}
	if (argc == 4 && !strcmp(argv[1], "open-n")) { /* a flood: PATH opened N times */
		long i, n = atol(argv[3]);

		for (i = 0; i < n; i++)
			if (open_close(argv[2], O_RDONLY))
				return 1;
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "chroot-open")) {
		/* chroot(DIR), then FILE opened for writing and closed: nothing
		 * written */
		if (chroot(argv[2]) || chdir("/"))
			return errno;
		return open_close(argv[3], O_WRONLY);
	}
	if (argc == 4 && !strcmp(argv[1], "bind-open")) {
		/* DIR bind-mounted on MNT in a mount namespace of its own, then
		 * MNT/FILE opened for writing and closed: nothing written */
		if (unshare(CLONE_NEWNS) || mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL))
			return errno;
		snprintf(path, sizeof(path), "/tmp/privwatch-bind-%d", (int)getpid());
		mkdir(path, 0755);
		if (mount(argv[2], path, NULL, MS_BIND, NULL))
			return errno;
		snprintf(path + strlen(path), sizeof(path) - strlen(path), "/%s", argv[3]);
		return open_close(path, O_WRONLY);
	}
	if (argc == 4 && !strcmp(argv[1], "refused-n")) {
		/* In a mount namespace of its own, a read-only tmpfs on DIR: N
		 * writes of DIR/a refused (EROFS), then one of DIR/b. */
		long i, n = atol(argv[3]);

		if (unshare(CLONE_NEWNS) || mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL))
			return errno;
		mkdir(argv[2], 0755);
		if (mount("pwro", argv[2], "tmpfs", MS_RDONLY, NULL))
			return errno;
		snprintf(path, sizeof(path), "%s/a", argv[2]);
		for (i = 0; i < n; i++)
			if (open(path, O_WRONLY | O_CREAT, 0600) >= 0 || errno != EROFS)
				return 1;
		snprintf(path, sizeof(path), "%s/b", argv[2]);
		return open(path, O_WRONLY | O_CREAT, 0600) >= 0 || errno != EROFS;
	}
	if (argc == 3 && !strcmp(argv[1], "binfmt-open")) {
		/* binfmt_misc mounted in a mount namespace of its own, its status
		 * file opened for writing and closed: nothing registered. */
		if (unshare(CLONE_NEWNS) || mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL))
			return errno;
		mkdir(argv[2], 0755);
		if (mount("binfmt_misc", argv[2], "binfmt_misc", 0, NULL))
			return errno;
		snprintf(path, sizeof(path), "%s/status", argv[2]);
		return open_close(path, O_WRONLY);
	}
	if (argc == 3 && !strcmp(argv[1], "open-node")) {
		snprintf(path, sizeof(path), "%s/mem", argv[2]);
		unlink(path);
		if (mknod(path, S_IFCHR | 0600, makedev(1, 1)))
			return 100;
		return open_close(path, O_RDONLY);
	}
	if (argc == 3 && !strcmp(argv[1], "erofs")) {
		if (unshare(CLONE_NEWNS) || mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL))
			return errno;
		mkdir(argv[2], 0755);
		if (mount("sysfs", argv[2], "sysfs", MS_RDONLY, NULL))
			return errno;
		snprintf(path, sizeof(path), "%s/kernel/mm/transparent_hugepage/enabled", argv[2]);
		return open_close(path, O_WRONLY) == EROFS ? 0 : 104;
	}
	if (argc == 4 && !strcmp(argv[1], "relative")) {
		if (chdir(argv[2]))
			return errno;
		return open_close(argv[3], O_RDONLY);
	}
	if (argc == 4 && !strcmp(argv[1], "open-many")) {
		long i, n = atol(argv[3]);

		for (i = 0; i < n; i++)
			if (open_close(argv[2], O_RDONLY))
				return errno;
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "recv-write")) {
		int fd;

		if (unshare(CLONE_NEWUTS))
			return errno;
		fd = recv_fd(atoi(argv[2]));
		if (fd < 0)
			return 103;
		return write_n(fd, "pw-recv", atol(argv[3]));
	}
	if (argc == 5 && !strcmp(argv[1], "getfd-write")) {
		int pidfd, fd;

		if (unshare(CLONE_NEWUTS))
			return errno;
		pidfd = syscall(SYS_pidfd_open, atoi(argv[2]), 0);
		if (pidfd < 0)
			return errno;
		fd = syscall(SYS_pidfd_getfd, pidfd, atoi(argv[3]), 0);
		if (fd < 0)
			return errno;
		return write_n(fd, "pw-getfd", atol(argv[4]));
	}
	if (argc == 4 && !strcmp(argv[1], "write-later")) {
		int fd = open("/proc/sys/kernel/hostname", O_WRONLY), procs;
		char pid[32];

		if (fd < 0 || unshare(CLONE_NEWUTS))
			return errno;
		snprintf(path, sizeof(path), "%s/cgroup.procs", argv[2]);
		snprintf(pid, sizeof(pid), "%d", (int)getpid());
		procs = open(path, O_WRONLY);
		if (procs < 0 || write(procs, pid, strlen(pid)) < 0)
			return errno;
		close(procs);
		return write_n(fd, "pw-later", atol(argv[3]));
	}
	if (argc == 4 && !strcmp(argv[1], "write-when")) {
		int fd = open("/proc/sys/kernel/hostname", O_WRONLY), i;

		if (fd < 0 || unshare(CLONE_NEWUTS))
			return errno;
		snprintf(path, sizeof(path), "%s.ready", argv[2]);
		close(open(path, O_WRONLY | O_CREAT, 0600));
		for (i = 0; i < 6000 && access(argv[2], F_OK); i++)
			usleep(10000);
		if (i == 6000)
			return 101;
		return write_n(fd, "pw-before", atol(argv[3]));
	}
	if (argc == 3 && !strcmp(argv[1], "nobody-open")) {
		if (setgid(65534) || setuid(65534))
			return 100;
		return open_close(argv[2], O_WRONLY);
	}
	if (argc == 3 && !strcmp(argv[1], "mmap"))
		return map_twice(argv[2]);
	if (argc == 4 && !strcmp(argv[1], "write-n")) {
		int fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0600);
		long i, n = atol(argv[3]);

		if (fd < 0)
			return errno;
		for (i = 0; i < n; i++)
			if (write(fd, "x", 1) != 1)
				return errno;
		close(fd);
		return 0;
	}
	fprintf(stderr, "workload_open: bad arguments\n");
	return 2;
}
