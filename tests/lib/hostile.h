/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A hostile stand-in container, shared by the kernel tier and the soak:
 * what a container can do to make reading it from the host hang.
 */
#ifndef PW_TEST_HOSTILE_H
#define PW_TEST_HOSTILE_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Fork the container's init: it joins cgroup, takes a mount namespace of
 * its own, stacks `mounts` tmpfs on stack_dir (an empty directory) and
 * mounts a FUSE filesystem over its /dev whose fd it holds and never
 * reads (every access to that /dev hangs). It then writes one byte to
 * *ready_fd's pipe and waits to be killed. Returns its pid, or -1; a
 * failed step makes it exit 10-15 instead of writing the byte.
 */
pid_t h_hostile_start(const char *cgroup, const char *stack_dir, int mounts, int *ready_fd);

/*
 * The shell prefix that makes a container's runtime state directory
 * (/var/lib/docker/containers/<id>) a FUSE mount nobody answers, in a
 * private /var/lib of the agent's own mount namespace: run it under
 * `unshare -m --propagation private sh -c`, then `exec` the agent, which
 * holds the FUSE fd (3) and never reads it. fs_name tells the mount
 * apart (fusectl, mountinfo). 0, or -1 if it did not fit.
 */
int h_hostile_state_dir_script(char *buf, size_t len, const char *id, const char *fs_name);

#endif
