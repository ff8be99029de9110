// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>
#include "hostile.h"

pid_t h_hostile_start(const char *cgroup, const char *stack_dir, int mounts, int *ready_fd)
{
	char procs[4400], opts[128], pidbuf[16];
	int p[2], fd, fuse, i;
	pid_t pid;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid) {
		close(p[1]);
		*ready_fd = p[0];
		return pid;
	}
	close(p[0]);
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", cgroup);
	fd = open(procs, O_WRONLY | O_CLOEXEC);
	snprintf(pidbuf, sizeof(pidbuf), "%d", getpid());
	if (fd < 0 || write(fd, pidbuf, strlen(pidbuf)) < 0)
		_exit(10);
	close(fd);
	if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		_exit(11);
	for (i = 0; i < mounts; i++)
		if (mount("pw-stack", stack_dir, "tmpfs", 0, "size=4k"))
			_exit(12);
	fuse = open("/dev/fuse", O_RDWR); /* kept open, never read: no answer */
	if (fuse < 0)
		_exit(13);
	snprintf(opts, sizeof(opts), "fd=%d,rootmode=40000,user_id=0,group_id=0", fuse);
	if (mount("pw-hang", "/dev", "fuse.pw-hang", MS_NOSUID, opts))
		_exit(14);
	if (write(p[1], "r", 1) != 1)
		_exit(15);
	for (;;)
		pause();
}

int h_hostile_state_dir_script(char *buf, size_t len, const char *id, const char *fs_name)
{
	int n = snprintf(buf, len,
			 "set -e; mount -t tmpfs pw-hostile /var/lib; "
			 "mkdir -p /var/lib/docker/containers/%s; exec 3<>/dev/fuse; "
			 "mount -i -t fuse -o fd=3,rootmode=40000,user_id=0,group_id=0 %s "
			 "/var/lib/docker/containers/%s; ",
			 id, fs_name, id);

	return n < 0 || (size_t)n >= len ? -1 : 0;
}
