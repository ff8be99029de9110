// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Seccomp and process lifecycle actions for the kernel tests, one per
 * invocation. Each checks that the kernel answered as expected and exits 1
 * (with a message) if not, so a test failure says which side was wrong.
 *   workload_seccomp filter-syscall     no_new_privs, then seccomp(SET_MODE_FILTER)
 *                                       with an allow-all filter
 *   workload_seccomp filter-prctl       the same with prctl(PR_SET_SECCOMP, 2)
 *   workload_seccomp strict-prctl       prctl(PR_SET_SECCOMP, 1), then exit(2)
 *                                       (the only way out in strict mode)
 *   workload_seccomp filter-refused     install a filter that refuses seccomp() with
 *                                       EPERM, then try to install another: EPERM
 *   workload_seccomp filter-fail [einval]
 *                                       seccomp(SET_MODE_FILTER, 0, NULL): EFAULT;
 *                                       einval: an unknown flag instead: EINVAL
 *   workload_seccomp probe-like-runc    what libseccomp does under runc init to
 *                                       probe support (probe_like_runc())
 *   workload_seccomp fork-exit CODE     fork a child that exits with CODE; print
 *                                       its pid; wait; exit 0
 *   workload_seccomp fork-signal SIG    the same with a child killed by SIG
 *   workload_seccomp thread-exit        start a thread, print its tid, join it, exit 0
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

static struct sock_filter allow_all[] = {
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
};
static struct sock_fprog prog = { .len = 1, .filter = allow_all };

/* seccomp() fails with EPERM, everything else is allowed. A test filter
 * for x86_64 only: the arch is not checked. */
static struct sock_filter refuse_seccomp[] = {
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_seccomp, 0, 1),
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
};
static struct sock_fprog refuse_prog = { .len = 4, .filter = refuse_seccomp };

static long sys_seccomp(unsigned int op, unsigned int flags, void *args)
{
	return syscall(SYS_seccomp, op, flags, args);
}

/* 0 if the call returned want_ret with errno want_errno (when it failed). */
static int expect(const char *what, long ret, long want_ret, int want_errno)
{
	int err = errno;

	if (ret == want_ret && (ret != -1 || err == want_errno))
		return 0;
	fprintf(stderr, "workload_seccomp: %s returned %ld (%s), want %ld (%s)\n", what, ret,
		ret == -1 ? strerror(err) : "ok", want_ret,
		want_errno ? strerror(want_errno) : "ok");
	return 1;
}

static int no_new_privs(void)
{
	return expect("prctl(PR_SET_NO_NEW_PRIVS)", prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), 0, 0);
}

/*
 * libseccomp's support checks, as runc's init makes them in the container's
 * cgroup before installing the real filter: seccomp() with an operation that
 * must fail (strict mode with a flag), SET_MODE_FILTER with each flag and no
 * filter (EFAULT once the flag is accepted), then the two queries.
 */
static int probe_like_runc(void)
{
	static const unsigned int flags[] = { SECCOMP_FILTER_FLAG_TSYNC, SECCOMP_FILTER_FLAG_LOG,
					      SECCOMP_FILTER_FLAG_SPEC_ALLOW,
					      SECCOMP_FILTER_FLAG_NEW_LISTENER };
	struct seccomp_notif_sizes sizes;
	__u32 action = SECCOMP_RET_LOG;
	int bad = 0;
	size_t i;

	bad |= expect("seccomp(SET_MODE_STRICT, 1, NULL)",
		      sys_seccomp(SECCOMP_SET_MODE_STRICT, 1, NULL), -1, EINVAL);
	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		bad |= expect("seccomp(SET_MODE_FILTER, flag, NULL)",
			      sys_seccomp(SECCOMP_SET_MODE_FILTER, flags[i], NULL), -1, EFAULT);
	bad |= expect("seccomp(GET_ACTION_AVAIL)",
		      sys_seccomp(SECCOMP_GET_ACTION_AVAIL, 0, &action), 0, 0);
	bad |= expect("seccomp(GET_NOTIF_SIZES)", sys_seccomp(SECCOMP_GET_NOTIF_SIZES, 0, &sizes),
		      0, 0);
	return bad;
}

/* Fork a child that ends with exit(code) (sig 0) or by signal sig. */
static int fork_and_wait(int code, int sig)
{
	int st;
	pid_t pid = fork();

	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (pid == 0) {
		if (sig) {
			signal(sig, SIG_DFL);
			raise(sig);
		}
		_exit(code);
	}
	printf("%d\n", pid);
	fflush(stdout);
	if (waitpid(pid, &st, 0) != pid)
		return 1;
	if (sig)
		return !(WIFSIGNALED(st) && WTERMSIG(st) == sig);
	return !(WIFEXITED(st) && WEXITSTATUS(st) == code);
}

static void *thread_main(void *arg)
{
	printf("%ld\n", syscall(SYS_gettid));
	fflush(stdout);
	return NULL;
}

static int thread_and_join(void)
{
	pthread_t t;

	if (pthread_create(&t, NULL, thread_main, NULL))
		return 1;
	return pthread_join(t, NULL) != 0;
}

int main(int argc, char **argv)
{
	const char *a = argc >= 2 ? argv[1] : "";

	if (!strcmp(a, "filter-syscall") && argc == 2)
		return no_new_privs() ||
		       expect("seccomp(SET_MODE_FILTER)",
			      sys_seccomp(SECCOMP_SET_MODE_FILTER, 0, &prog), 0, 0);
	if (!strcmp(a, "filter-prctl") && argc == 2)
		return no_new_privs() ||
		       expect("prctl(PR_SET_SECCOMP, FILTER)",
			      prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0), 0, 0);
	if (!strcmp(a, "strict-prctl") && argc == 2) {
		if (expect("prctl(PR_SET_SECCOMP, STRICT)",
			   prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT, 0, 0, 0), 0, 0))
			return 1;
		/* exit_group, which return from main makes, is killed in strict mode. */
		syscall(SYS_exit, 0);
	}
	if (!strcmp(a, "filter-refused") && argc == 2)
		return no_new_privs() ||
		       expect("seccomp(SET_MODE_FILTER, refuse seccomp)",
			      sys_seccomp(SECCOMP_SET_MODE_FILTER, 0, &refuse_prog), 0, 0) ||
		       expect("seccomp(SET_MODE_FILTER) under that filter",
			      sys_seccomp(SECCOMP_SET_MODE_FILTER, 0, &prog), -1, EPERM);
	if (!strcmp(a, "filter-fail") && argc == 2)
		return expect("seccomp(SET_MODE_FILTER, 0, NULL)",
			      sys_seccomp(SECCOMP_SET_MODE_FILTER, 0, NULL), -1, EFAULT);
	if (!strcmp(a, "filter-fail") && argc == 3 && !strcmp(argv[2], "einval"))
		return expect("seccomp(SET_MODE_FILTER, 1u << 31, &prog)",
			      sys_seccomp(SECCOMP_SET_MODE_FILTER, 1u << 31, &prog), -1, EINVAL);
	if (!strcmp(a, "probe-like-runc") && argc == 2)
		return probe_like_runc();
	if (!strcmp(a, "fork-exit") && argc == 3)
		return fork_and_wait(atoi(argv[2]), 0);
	if (!strcmp(a, "fork-signal") && argc == 3)
		return fork_and_wait(0, atoi(argv[2]));
	if (!strcmp(a, "thread-exit") && argc == 2)
		return thread_and_join();
	fprintf(stderr, "usage: workload_seccomp filter-syscall|filter-prctl|strict-prctl|"
			"filter-refused|filter-fail [einval]|probe-like-runc|"
			"fork-exit CODE|fork-signal SIG|thread-exit\n");
	return 2;
}
