// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Actions for the kernel and CLI tests, one per invocation, so each test
 * knows exactly which syscalls the process under watch made.
 *   workload noop [ARGS...]        exit 0
 *   workload klogctl N             N x klogctl(0): one CAP_SYSLOG check each
 *   workload klogctl-rate N R      N x klogctl(0) paced at R per second
 *   workload userns-sethostname    in a new user+UTS namespace, sethostname: a
 *                                  CAP_SYS_ADMIN check against a nested user ns
 *   workload klogctl-denied        drop CAP_SYSLOG (and CAP_SYS_ADMIN, its
 *                                  fallback) from the effective set, klogctl once
 *   workload nice-raise            lower its own nice value by one: one CAP_SYS_NICE use
 *   workload chown-other FILE      chown FILE to uid 12345: one CAP_CHOWN use
 *   workload nice-denied           nice-raise without CAP_SYS_NICE: one refused check
 *   workload klogctl-exec          klogctl once, then exec itself to klogctl once more
 *   workload move-self DIR         write itself into DIR/cgroup.procs, then klogctl once
 *   workload clone-into DIR        clone3(CLONE_INTO_CGROUP) a child born in DIR that
 *                                  klogctls once; wait for it
 *   workload bpf-map-by-id ID      bpf(BPF_MAP_GET_FD_BY_ID, ID), the fd closed
 *   workload signal PID SIG        kill(PID, SIG)
 *   workload ptrace-seize PID      PTRACE_SEIZE PID (released when it exits)
 *   workload ptrace-child          fork a child, PTRACE_SEIZE it, end it
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <linux/bpf.h>
#include <linux/capability.h>
#include <linux/sched.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

static int drop_effective(const int *caps, int n)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	int i;

	if (syscall(SYS_capget, &h, d))
		return -1;
	for (i = 0; i < n; i++)
		d[caps[i] / 32].effective &= ~(1u << (caps[i] % 32));
	return syscall(SYS_capset, &h, d);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: workload ACTION [ARGS]\n");
		return 2;
	}
	if (!strcmp(argv[1], "noop"))
		return 0;
	if (!strcmp(argv[1], "klogctl") && argc == 3) {
		long i, n = atol(argv[2]);

		for (i = 0; i < n; i++)
			klogctl(0, NULL, 0);
		return 0;
	}
	if (!strcmp(argv[1], "klogctl-rate") && argc == 4) {
		long i, n = atol(argv[2]);
		double rate = atof(argv[3]);
		struct timespec t0, t;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (i = 0; i < n; i++) {
			klogctl(0, NULL, 0);
			/* busy-pace: sleeping would batch the events */
			do
				clock_gettime(CLOCK_MONOTONIC, &t);
			while ((t.tv_sec - t0.tv_sec) + (t.tv_nsec - t0.tv_nsec) / 1e9 <
			       (i + 1) / rate);
		}
		return 0;
	}
	if (!strcmp(argv[1], "userns-sethostname")) {
		if (unshare(CLONE_NEWUSER | CLONE_NEWUTS)) {
			perror("unshare");
			return 1;
		}
		return sethostname("pw-nested", 9) ? 1 : 0;
	}
	/* Private writable memory: the overcommit heuristic asks for
	 * CAP_SYS_ADMIN (noaudit) on each mapping; then one real use. */
	if (!strcmp(argv[1], "mmap-then-unshare")) {
		int i;

		for (i = 0; i < 16; i++)
			if (mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
				 -1, 0) == MAP_FAILED)
				return 1;
		return unshare(CLONE_NEWNS) ? 1 : 0;
	}
	if (!strcmp(argv[1], "unshare") && argc == 3)
		return unshare(strtol(argv[2], NULL, 0)) ? 1 : 0;
	if (!strcmp(argv[1], "unshare-denied")) {
		static const int caps[] = { CAP_SYS_ADMIN };

		if (drop_effective(caps, 1)) {
			perror("capset");
			return 1;
		}
		return unshare(CLONE_NEWNS) == -1 && errno == EPERM ? 0 : 1;
	}
	if (!strcmp(argv[1], "setns-own-uts")) {
		int fd = open("/proc/self/ns/uts", O_RDONLY);

		return fd >= 0 && setns(fd, CLONE_NEWUTS) == 0 ? 0 : 1;
	}
	if (!strcmp(argv[1], "klogctl-denied")) {
		static const int caps[] = { CAP_SYSLOG, CAP_SYS_ADMIN };

		if (drop_effective(caps, 2)) {
			perror("capset");
			return 1;
		}
		return klogctl(0, NULL, 0) == -1 && errno == EPERM ? 0 : 1;
	}
	if (!strcmp(argv[1], "klogctl-exec")) {
		char *again[] = { argv[0], "klogctl", "1", NULL };

		klogctl(0, NULL, 0);
		execv("/proc/self/exe", again);
		return 1;
	}
	if (!strcmp(argv[1], "move-self") && argc == 3) {
		char procs[4096];
		int fd;

		snprintf(procs, sizeof(procs), "%s/cgroup.procs", argv[2]);
		fd = open(procs, O_WRONLY);
		if (fd < 0 || write(fd, "0", 1) != 1)
			return 1;
		close(fd);
		return klogctl(0, NULL, 0) < 0;
	}
	if (!strcmp(argv[1], "clone-into") && argc == 3) {
		struct clone_args ca = { .flags = CLONE_INTO_CGROUP, .exit_signal = SIGCHLD };
		int dir = open(argv[2], O_RDONLY | O_DIRECTORY), st;
		long pid;

		if (dir < 0)
			return 1;
		ca.cgroup = dir;
		pid = syscall(SYS_clone3, &ca, sizeof(ca));
		if (pid < 0)
			return 1;
		if (pid == 0)
			_exit(klogctl(0, NULL, 0) < 0);
		if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
			return 1;
		printf("%ld\n", pid);
		return WEXITSTATUS(st);
	}
	if (!strcmp(argv[1], "bpf-map-by-id") && argc == 3) {
		union bpf_attr attr = { .map_id = strtoul(argv[2], NULL, 10) };
		int fd = syscall(SYS_bpf, BPF_MAP_GET_FD_BY_ID, &attr, sizeof(attr));

		if (fd < 0)
			return 1;
		close(fd);
		return 0;
	}
	if (!strcmp(argv[1], "ptrace-seize") && argc == 3) {
		long pid = atol(argv[2]);

		/* a running tracee cannot be detached: the tracer's exit does it */
		return ptrace(PTRACE_SEIZE, pid, 0, 0) != 0;
	}
	if (!strcmp(argv[1], "ptrace-child")) {
		pid_t c = fork();
		int st;

		if (c == 0) {
			pause();
			_exit(0);
		}
		if (ptrace(PTRACE_SEIZE, c, 0, 0))
			return 1;
		kill(c, SIGKILL);
		return waitpid(c, &st, 0) != c;
	}
	if (!strcmp(argv[1], "signal") && argc == 4)
		return kill(atoi(argv[2]), atoi(argv[3])) != 0;
	if (!strcmp(argv[1], "nice-denied")) {
		/* The same without CAP_SYS_NICE: refused (EACCES), and no other
		 * capability is asked for (klogctl falls back to CAP_SYS_ADMIN on
		 * older kernels). */
		static const int caps[] = { CAP_SYS_NICE };
		int prio;

		if (drop_effective(caps, 1)) {
			perror("capset");
			return 1;
		}
		errno = 0;
		prio = getpriority(PRIO_PROCESS, 0);
		if (errno)
			return 1;
		return setpriority(PRIO_PROCESS, 0, prio - 1) == -1 && errno == EACCES ? 0 : 1;
	}
	if (!strcmp(argv[1], "nice-raise")) {
		/* Below RLIMIT_NICE (0 by default) only CAP_SYS_NICE may
		 * lower the nice value; errno tells -1 from a failure. */
		int prio;

		errno = 0;
		prio = getpriority(PRIO_PROCESS, 0);
		if (errno)
			return 1;
		return setpriority(PRIO_PROCESS, 0, prio - 1) ? 1 : 0;
	}
	if (!strcmp(argv[1], "chown-other") && argc == 3)
		return chown(argv[2], 12345, -1) ? 1 : 0;
	fprintf(stderr, "workload: unknown action %s\n", argv[1]);
	return 2;
}
