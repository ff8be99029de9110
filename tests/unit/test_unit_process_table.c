// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The process table without a kernel: exec/fork/exit records by hand,
 * ancestry across generations and after parents exit, threads, pid reuse,
 * cycles, LRU eviction, the /proc fallback on a fixture tree
 * (tests/fixtures/proc-ptable, the suites run from the top of the tree) and
 * on the real /proc, and a churn that must leave the table bounded.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>
#include "host/process_table.h"

#define FIXTURE "tests/fixtures/proc-ptable"
/* No /proc there: every fallback read misses. */
#define NOPROC "/nonexistent-privwatch-root"

static void exec_rec(struct pw_ptable *t, uint32_t pid, uint32_t ppid, const char *exe,
		     const char *args, size_t args_len)
{
	struct pw_exec_event e;
	const char *base = strrchr(exe, '/');

	memset(&e, 0, sizeof(e));
	e.hdr.type = PW_EVENT_EXEC;
	e.hdr.size = sizeof(e);
	e.hdr.pid = e.hdr.tid = pid;
	e.hdr.cgroup_id = 1000 + pid;
	/* the kernel sets comm to the basename, cut at 15 bytes */
	strncpy(e.hdr.comm, base ? base + 1 : exe, sizeof(e.hdr.comm) - 1);
	e.ppid = ppid;
	e.old_pid = pid;
	e.filename_len = (uint16_t)strlen(exe);
	memcpy(e.filename, exe, strlen(exe));
	e.args_len = (uint16_t)args_len;
	memcpy(e.args, args, args_len < sizeof(e.args) ? args_len : sizeof(e.args));
	pw_ptable_exec(t, &e);
}

static void fork_rec(struct pw_ptable *t, uint32_t parent, const char *comm, uint32_t child_pid,
		     uint32_t child_tid)
{
	struct pw_fork_event e;

	memset(&e, 0, sizeof(e));
	e.hdr.type = PW_EVENT_FORK;
	e.hdr.size = sizeof(e);
	e.hdr.pid = e.hdr.tid = parent;
	e.hdr.cgroup_id = 1000 + parent;
	strncpy(e.hdr.comm, comm, sizeof(e.hdr.comm));
	e.hdr.ts_ns = 777;
	e.child_pid = child_pid;
	e.child_tid = child_tid;
	pw_ptable_fork(t, &e);
}

/* fork then exec: how a shell starts a command. */
static void spawn(struct pw_ptable *t, uint32_t parent, uint32_t pid, const char *exe)
{
	fork_rec(t, parent, "parent", pid, pid);
	exec_rec(t, pid, parent, exe, exe, strlen(exe) + 1);
}

static struct pw_ptable_stats stats(const struct pw_ptable *t)
{
	struct pw_ptable_stats s;

	pw_ptable_stats(t, &s);
	return s;
}

/* init (1) -> bash (10) -> sh (11) -> curl (12) */
static void three_generations(struct pw_ptable *t)
{
	exec_rec(t, 1, 0, "/sbin/init", "/sbin/init", 11);
	spawn(t, 1, 10, "/bin/bash");
	spawn(t, 10, 11, "/bin/sh");
	spawn(t, 11, 12, "/usr/bin/curl");
}

static void test_exec_fields(void **state)
{
	static const char args[] = "curl\0-s\0http://x/";
	struct pw_ptable *t = pw_ptable_new(NOPROC, 0);
	struct pw_exec_event *e = calloc(1, sizeof(*e));
	const struct pw_proc *p;

	assert_non_null(t);
	assert_non_null(e);
	exec_rec(t, 42, 7, "/usr/bin/curl", args, sizeof(args));
	p = pw_ptable_get(t, 42);
	assert_non_null(p);
	assert_int_equal(p->pid, 42);
	assert_int_equal(p->ppid, 7);
	assert_int_equal(p->cgroup_id, 1042);
	assert_string_equal(p->comm, "curl");
	assert_string_equal(p->exe, "/usr/bin/curl");
	assert_int_equal(p->args_len, sizeof(args));
	assert_memory_equal(p->args, args, sizeof(args));
	assert_int_equal(p->from_proc, 0);
	assert_null(pw_ptable_get(t, 0));

	/* Lengths from the kernel are clamped to the buffers; a comm that
	 * fills its 16 bytes without a NUL still ends in one. */
	e->hdr.pid = 43;
	memset(e->hdr.comm, 'c', sizeof(e->hdr.comm));
	memset(e->filename, 'f', sizeof(e->filename));
	e->filename_len = 60000;
	memset(e->args, 'a', sizeof(e->args));
	e->args_len = 60000;
	pw_ptable_exec(t, e);
	p = pw_ptable_get(t, 43);
	assert_non_null(p);
	assert_int_equal(strlen(p->comm), PW_COMM_LEN);
	assert_int_equal(strlen(p->exe), PW_PATH_MAX);
	assert_int_equal(p->args_len, PW_ARGS_MAX);

	/* Records for pid 0 (the idle task) are not kept. */
	e->hdr.pid = 0;
	pw_ptable_exec(t, e);
	pw_ptable_exit(t, 0);
	assert_int_equal(stats(t).entries, 2);
	free(e);
	pw_ptable_free(t);
}

static void test_ancestry_three_generations(void **state)
{
	struct pw_ptable *t = pw_ptable_new(NOPROC, 0);
	const struct pw_proc *a[8];
	size_t n;

	three_generations(t);
	n = pw_ptable_ancestry(t, 12, a, 8);
	assert_int_equal(n, 3);
	assert_int_equal(a[0]->pid, 11);
	assert_string_equal(a[0]->exe, "/bin/sh");
	assert_int_equal(a[1]->pid, 10);
	assert_string_equal(a[1]->exe, "/bin/bash");
	assert_int_equal(a[2]->pid, 1); /* the last: init, known */
	/* Bounded by max. */
	assert_int_equal(pw_ptable_ancestry(t, 12, a, 2), 2);
	assert_int_equal(a[1]->pid, 10);
	assert_int_equal(pw_ptable_ancestry(t, 12, a, 0), 0);
	/* init has none; an unknown pid has none. */
	assert_int_equal(pw_ptable_ancestry(t, 1, a, 8), 0);
	assert_int_equal(pw_ptable_ancestry(t, 999, a, 8), 0);
	assert_int_equal(pw_ptable_ancestry(t, 0, a, 8), 0);
	/* curl execs again after sh died and it was reparented to init; then
	 * under a parent never seen. */
	exec_rec(t, 12, 1, "/usr/bin/wget", "wget", 5);
	assert_int_equal(pw_ptable_ancestry(t, 12, a, 8), 1);
	assert_int_equal(a[0]->pid, 1);
	exec_rec(t, 12, 777, "/usr/bin/wget", "wget", 5);
	assert_int_equal(pw_ptable_ancestry(t, 12, a, 8), 0);
	/* Stops at an unknown pid: parent 500 was never seen. */
	exec_rec(t, 20, 500, "/bin/orphan", "x", 2);
	assert_int_equal(pw_ptable_ancestry(t, 20, a, 8), 0);
	pw_ptable_free(t);
}

static void test_parent_exits_first(void **state)
{
	struct pw_ptable *t = pw_ptable_new(NOPROC, 0);
	const struct pw_proc *a[8];
	struct pw_ptable_stats s;

	three_generations(t);
	spawn(t, 10, 13, "/bin/true"); /* a leaf that exits: freed at once */
	pw_ptable_exit(t, 13);
	assert_int_equal(stats(t).entries, 4);
	/* sh and bash exit before curl's alert is written. */
	pw_ptable_exit(t, 11);
	pw_ptable_exit(t, 10);
	s = stats(t);
	assert_int_equal(s.entries, 4);
	assert_int_equal(s.exited, 2);
	assert_non_null(pw_ptable_get(t, 12));
	assert_int_equal(pw_ptable_ancestry(t, 12, a, 8), 3);
	assert_int_equal(a[0]->pid, 11);
	assert_string_equal(a[0]->exe, "/bin/sh");
	assert_int_equal(a[1]->pid, 10);
	assert_string_equal(a[1]->exe, "/bin/bash");
	assert_int_equal(a[2]->pid, 1);
	/* The child goes: the exited chain above it goes with it. */
	pw_ptable_exit(t, 12);
	s = stats(t);
	assert_int_equal(s.entries, 1);
	assert_int_equal(s.exited, 0);
	/* Dead pids are not looked for in /proc. */
	assert_null(pw_ptable_get(t, 11));
	assert_null(pw_ptable_get(t, 12));
	assert_null(pw_ptable_get(t, 13));
	assert_int_equal(stats(t).proc_reads, 0);
	pw_ptable_free(t);
}

static void test_threads_ignored(void **state)
{
	struct pw_ptable *t = pw_ptable_new(NOPROC, 0);
	const struct pw_proc *p;

	three_generations(t);
	fork_rec(t, 12, "curl", 12, 77); /* a new thread of curl */
	fork_rec(t, 12, "curl", 78, 79); /* inconsistent: not a process either */
	assert_int_equal(stats(t).entries, 4);
	assert_null(pw_ptable_get(t, 77));
	p = pw_ptable_get(t, 12);
	assert_string_equal(p->exe, "/usr/bin/curl");
	assert_int_equal(p->ppid, 11);
	pw_ptable_free(t);
}

static void test_fork_inherits(void **state)
{
	static const char args[] = "bash\0-c\0x";
	struct pw_ptable *t = pw_ptable_new(NOPROC, 0);
	const struct pw_proc *p;

	exec_rec(t, 10, 1, "/bin/bash", args, sizeof(args));
	fork_rec(t, 10, "bash", 11, 11);
	p = pw_ptable_get(t, 11);
	assert_non_null(p);
	assert_int_equal(p->ppid, 10);
	assert_int_equal(p->start_ns, 777); /* the fork record's time */
	assert_int_equal(p->exec_ns, 0);    /* no exec of its own yet */
	assert_string_equal(p->exe, "/bin/bash");
	assert_string_equal(p->comm, "bash");
	assert_int_equal(p->args_len, sizeof(args));
	assert_memory_equal(p->args, args, sizeof(args));
	/* A parent never seen: the header's comm, no exe, no /proc read. */
	fork_rec(t, 300, "sshd", 301, 301);
	p = pw_ptable_get(t, 301);
	assert_non_null(p);
	assert_int_equal(p->ppid, 300);
	assert_string_equal(p->comm, "sshd");
	assert_string_equal(p->exe, "");
	assert_int_equal(p->args_len, 0);
	assert_int_equal(stats(t).proc_reads, 0);
	pw_ptable_free(t);
}

/* The runtime's init ends in a container's entrypoint (20), later in an
 * exec session's shell (30): each tree is inherited by its descendants
 * (fork), kept across their execs, and never crosses to the other. */
static void test_sessions(void **state)
{
	struct pw_ptable *t = pw_ptable_new(NOPROC, 0);
	const struct pw_proc *p;

	exec_rec(t, 20, 5, "/app/server", "server", 7);
	pw_ptable_session(t, 20, PW_VSESSION_ENTRYPOINT, 100);
	spawn(t, 20, 21, "/app/worker");
	exec_rec(t, 30, 6, "/bin/sh", "sh", 3);
	pw_ptable_session(t, 30, PW_VSESSION_EXEC, 5000);
	spawn(t, 30, 31, "/bin/busybox");
	fork_rec(t, 31, "busybox", 32, 32);
	exec_rec(t, 32, 31, "/bin/cat", "cat", 4);

	p = pw_ptable_get(t, 21);
	assert_int_equal(p->session, PW_VSESSION_ENTRYPOINT);
	assert_int_equal(p->session_pid, 0);
	assert_int_equal(pw_ptable_get(t, 20)->session, PW_VSESSION_ENTRYPOINT);
	p = pw_ptable_get(t, 32);
	assert_int_equal(p->session, PW_VSESSION_EXEC);
	assert_int_equal(p->session_pid, 30);
	assert_int_equal(p->session_ns, 5000);
	assert_string_equal(p->exe, "/bin/cat");
	/* The leader's own later exec keeps its session. */
	exec_rec(t, 30, 6, "/bin/bash", "bash", 5);
	p = pw_ptable_get(t, 30);
	assert_int_equal(p->session, PW_VSESSION_EXEC);
	assert_int_equal(p->session_pid, 30);
	/* Nothing seen begin: unknown, and so are its children. */
	exec_rec(t, 40, 1, "/bin/old", "old", 4);
	spawn(t, 40, 41, "/bin/child");
	assert_int_equal(pw_ptable_get(t, 41)->session, PW_VSESSION_UNKNOWN);
	pw_ptable_free(t);
}

static void test_pid_reuse(void **state)
{
	struct pw_ptable *t = pw_ptable_new(NOPROC, 0);
	const struct pw_proc *p, *a[8];

	exec_rec(t, 1, 0, "/sbin/init", "init", 5);
	spawn(t, 1, 5, "/bin/five");
	/* 30 exits; a new 30 forked by 5 is 5's copy, nothing of the old. */
	spawn(t, 1, 30, "/bin/old");
	pw_ptable_exit(t, 30);
	fork_rec(t, 5, "five", 30, 30);
	p = pw_ptable_get(t, 30);
	assert_string_equal(p->exe, "/bin/five");
	assert_int_equal(p->ppid, 5);
	/* Its exit record lost: the fork still replaces it. */
	spawn(t, 1, 31, "/bin/old");
	fork_rec(t, 5, "five", 31, 31);
	p = pw_ptable_get(t, 31);
	assert_string_equal(p->exe, "/bin/five");
	assert_int_equal(p->ppid, 5);
	/* Exec replaces by pid too. */
	exec_rec(t, 31, 5, "/bin/new", "new", 4);
	assert_string_equal(pw_ptable_get(t, 31)->exe, "/bin/new");

	/* 20 has a child 21 and exits; a new process reuses 20. Ancestry of
	 * 21 still names the old 20, and get(20) the new one. */
	spawn(t, 1, 20, "/bin/oldparent");
	spawn(t, 20, 21, "/bin/child");
	pw_ptable_exit(t, 20);
	spawn(t, 1, 20, "/bin/newcomer");
	assert_string_equal(pw_ptable_get(t, 20)->exe, "/bin/newcomer");
	assert_int_equal(pw_ptable_ancestry(t, 21, a, 8), 2);
	assert_string_equal(a[0]->exe, "/bin/oldparent");
	assert_int_equal(a[1]->pid, 1);
	assert_int_equal(stats(t).exited, 1);
	pw_ptable_exit(t, 21);
	assert_int_equal(stats(t).exited, 0);
	assert_string_equal(pw_ptable_get(t, 20)->exe, "/bin/newcomer");
	pw_ptable_free(t);
}

static void test_cycles(void **state)
{
	struct pw_ptable *t = pw_ptable_new(NOPROC, 0);
	const struct pw_proc *a[16];
	size_t n;

	/* Lost records and reuse can leave 50 and 51 each other's parent. */
	exec_rec(t, 50, 51, "/bin/a", "a", 2);
	exec_rec(t, 51, 50, "/bin/b", "b", 2);
	exec_rec(t, 52, 50, "/bin/c", "c", 2);
	n = pw_ptable_ancestry(t, 50, a, 16);
	assert_int_equal(n, 1);
	assert_int_equal(a[0]->pid, 51);
	n = pw_ptable_ancestry(t, 51, a, 16);
	assert_int_equal(n, 1);
	assert_int_equal(a[0]->pid, 50);
	n = pw_ptable_ancestry(t, 52, a, 16);
	assert_int_equal(n, 2);
	assert_int_equal(a[0]->pid, 50);
	assert_int_equal(a[1]->pid, 51);
	/* A process naming itself as its parent. */
	exec_rec(t, 60, 60, "/bin/self", "s", 2);
	assert_int_equal(pw_ptable_ancestry(t, 60, a, 16), 0);
	/* Exiting all of them leaves nothing held by a cycle. */
	pw_ptable_exit(t, 50);
	pw_ptable_exit(t, 51);
	pw_ptable_exit(t, 52);
	pw_ptable_exit(t, 60);
	assert_int_equal(stats(t).entries, 0);
	pw_ptable_free(t);
}

static void test_lru_eviction(void **state)
{
	struct pw_ptable *t = pw_ptable_new(NOPROC, 4);
	struct pw_ptable_stats s;
	uint32_t pid;

	for (pid = 101; pid <= 104; pid++)
		exec_rec(t, pid, 1, "/bin/x", "x", 2);
	assert_non_null(pw_ptable_get(t, 101)); /* 102 is now the oldest use */
	exec_rec(t, 105, 1, "/bin/y", "y", 2);
	s = stats(t);
	assert_int_equal(s.entries, 4);
	assert_int_equal(s.evicted, 1);
	assert_non_null(pw_ptable_get(t, 101));
	assert_non_null(pw_ptable_get(t, 105));
	assert_null(pw_ptable_get(t, 102)); /* forgotten: /proc tried, in vain */
	s = stats(t);
	assert_int_equal(s.proc_reads, 1);
	assert_int_equal(s.proc_misses, 1);
	/* An exited parent held for its child can be evicted too: the
	 * child's ancestry then stops there, nothing dangles. */
	spawn(t, 103, 106, "/bin/child");
	pw_ptable_exit(t, 103);
	exec_rec(t, 107, 1, "/bin/z", "z", 2);
	exec_rec(t, 108, 1, "/bin/z", "z", 2);
	exec_rec(t, 109, 1, "/bin/z", "z", 2);
	s = stats(t);
	assert_int_equal(s.entries, 4);
	assert_int_equal(s.exited, 0);
	pw_ptable_free(t);
}

static void test_proc_fixture(void **state)
{
	static const char py_args[] = "python3\0-m\0http.server";
	struct pw_ptable *t = pw_ptable_new(FIXTURE, 0);
	const struct pw_proc *p, *a[8];
	struct pw_ptable_stats s;

	assert_non_null(t);
	p = pw_ptable_get(t, 4002);
	assert_non_null(p);
	assert_int_equal(p->pid, 4002);
	assert_int_equal(p->ppid, 4000);
	assert_string_equal(p->comm, "python3");
	assert_string_equal(p->exe, "/usr/bin/python3.11");
	assert_int_equal(p->args_len, sizeof(py_args));
	assert_memory_equal(p->args, py_args, sizeof(py_args));
	assert_int_equal(p->from_proc, 1);
	assert_int_equal(stats(t).proc_reads, 1);
	/* Read once: then a table hit. */
	assert_ptr_equal(pw_ptable_get(t, 4002), p);
	assert_int_equal(stats(t).proc_reads, 1);

	assert_int_equal(pw_ptable_ancestry(t, 4002, a, 8), 2);
	assert_string_equal(a[0]->comm, "bash");
	assert_string_equal(a[0]->exe, "/usr/bin/bash");
	assert_int_equal(a[0]->args_len, 6);
	assert_string_equal(a[0]->args, "-bash");
	assert_int_equal(a[1]->pid, 1);
	assert_string_equal(a[1]->exe, "/usr/lib/systemd/systemd");
	assert_int_equal(stats(t).proc_reads, 3);

	/* A thread's id (Tgid is another pid) and an absent pid are misses,
	 * read once each however often asked. */
	assert_null(pw_ptable_get(t, 4001));
	assert_null(pw_ptable_get(t, 4001));
	assert_null(pw_ptable_get(t, 9999));
	assert_null(pw_ptable_get(t, 9999));
	s = stats(t);
	assert_int_equal(s.proc_reads, 5);
	assert_int_equal(s.proc_misses, 2);

	/* A fork by the shell read from /proc inherits what /proc said, and
	 * its ancestry survives the shell's exit (linked on first lookup). */
	fork_rec(t, 4000, "bash", 4003, 4003);
	p = pw_ptable_get(t, 4003);
	assert_string_equal(p->exe, "/usr/bin/bash");
	assert_int_equal(p->ppid, 4000);
	pw_ptable_exit(t, 4000);
	assert_int_equal(pw_ptable_ancestry(t, 4002, a, 8), 2);
	assert_string_equal(a[0]->exe, "/usr/bin/bash");
	assert_int_equal(pw_ptable_ancestry(t, 4003, a, 8), 2);
	assert_int_equal(a[0]->pid, 4000);
	/* A pid that exited is not read from /proc again. */
	pw_ptable_exit(t, 4002);
	pw_ptable_exit(t, 4003);
	assert_null(pw_ptable_get(t, 4000));
	assert_int_equal(stats(t).proc_reads, 5);
	pw_ptable_free(t);
}

/*
 * A chain from /proc longer than the table: reading the next parent would
 * evict what the walk already holds, so it stops short with every pointer
 * still naming the process it was returned for.
 */
static void test_ancestry_longer_than_table(void **state)
{
	char root[] = "/tmp/pw-ptable-XXXXXX", path[PATH_MAX];
	const struct pw_proc *a[8];
	struct pw_ptable *t;
	uint32_t pid;
	size_t n;
	FILE *f;

	assert_non_null(mkdtemp(root));
	snprintf(path, sizeof(path), "%s/proc", root);
	assert_int_equal(mkdir(path, 0755), 0);
	for (pid = 2; pid <= 7; pid++) {
		snprintf(path, sizeof(path), "%s/proc/%u", root, pid);
		assert_int_equal(mkdir(path, 0755), 0);
		snprintf(path, sizeof(path), "%s/proc/%u/status", root, pid);
		f = fopen(path, "w");
		assert_non_null(f);
		fprintf(f, "Name:\tp%u\nTgid:\t%u\nPPid:\t%u\n", pid, pid, pid - 1);
		fclose(f);
	}
	t = pw_ptable_new(root, 4);
	n = pw_ptable_ancestry(t, 7, a, 8);
	assert_int_equal(n, 3);
	assert_int_equal(a[0]->pid, 6);
	assert_int_equal(a[1]->pid, 5);
	assert_int_equal(a[2]->pid, 4);
	assert_int_equal(a[2]->ppid, 3);
	assert_int_equal(stats(t).evicted, 0);
	pw_ptable_free(t);
	snprintf(path, sizeof(path), "rm -rf '%s'", root);
	assert_int_equal(system(path), 0);
}

static void test_real_proc_self(void **state)
{
	struct pw_ptable *t = pw_ptable_new(NULL, 0);
	char exe[PATH_MAX], comm[32];
	const struct pw_proc *p;
	ssize_t n;
	FILE *f;

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	assert_true(n > 0);
	exe[n] = '\0';
	f = fopen("/proc/self/comm", "r");
	assert_non_null(f);
	assert_non_null(fgets(comm, sizeof(comm), f));
	fclose(f);
	comm[strcspn(comm, "\n")] = '\0';

	p = pw_ptable_get(t, (uint32_t)getpid());
	assert_non_null(p);
	assert_int_equal(p->from_proc, 1);
	assert_string_equal(p->exe, exe);
	assert_string_equal(p->comm, comm);
	assert_int_equal(p->ppid, (uint32_t)getppid());
	assert_true(p->args_len > 0);
	assert_string_equal(p->args, program_invocation_name);
	/* its start time, on the records' clock: before now, within a minute */
	{
		struct timespec ts;
		uint64_t now;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		now = (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
		assert_true(p->start_ns > 0 && p->start_ns <= now);
		assert_true(now - p->start_ns < 60ULL * 1000000000ULL);
	}
	pw_ptable_free(t);
}

/*
 * 1,000,000 fork/exec/exit cycles by a long-lived shell through a table of
 * 1024, pids wrapping (reuse) below 40000. One child in 16 loses its exit
 * record (only eviction frees it), one in 64 forks a grandchild and exits
 * first (held exited until the grandchild goes).
 */
static void test_churn(void **state)
{
	struct pw_ptable *t = pw_ptable_new(NOPROC, 1024);
	struct pw_ptable_stats s;
	const struct pw_proc *a[8];
	uint32_t i, pid = 100, gc = 0;

	exec_rec(t, 1, 0, "/sbin/init", "init", 5);
	spawn(t, 1, 2, "/bin/sh");
	for (i = 0; i < 1000000; i++) {
		pid = pid >= 40000 ? 100 : pid + 1;
		fork_rec(t, 2, "sh", pid, pid);
		exec_rec(t, pid, 2, "/bin/cmd", "cmd\0-x", 7);
		if (i % 64 == 0) {
			if (gc) {
				assert_int_equal(pw_ptable_ancestry(t, gc, a, 8), 3);
				assert_string_equal(a[0]->exe, "/bin/cmd");
				pw_ptable_exit(t, gc);
			}
			gc = pid + 50000;
			spawn(t, pid, gc, "/bin/grandchild");
		}
		if (i % 16 != 5)
			pw_ptable_exit(t, pid);
		if (i % 4096 == 0) {
			s = stats(t);
			assert_true(s.entries <= 1024);
			assert_true(s.exited <= s.entries);
		}
	}
	s = stats(t);
	assert_true(s.entries <= 1024);
	assert_true(s.evicted > 0);
	assert_true(s.exited <= 1);
	assert_int_equal(s.proc_reads, 0);
	/* The shell, used all along, was never the one evicted. */
	assert_string_equal(pw_ptable_get(t, 2)->exe, "/bin/sh");
	/* The index agrees with the nodes: every live entry found by its pid
	 * (exited ones are found only through their children). */
	for (i = 1, pid = 0; i < 100000; i++)
		if (pw_ptable_get(t, i)) {
			assert_int_equal(pw_ptable_get(t, i)->pid, i);
			pid++;
		}
	assert_int_equal(pid, s.entries - s.exited);
	pw_ptable_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exec_fields),
		cmocka_unit_test(test_ancestry_three_generations),
		cmocka_unit_test(test_parent_exits_first),
		cmocka_unit_test(test_threads_ignored),
		cmocka_unit_test(test_fork_inherits),
		cmocka_unit_test(test_pid_reuse),
		cmocka_unit_test(test_cycles),
		cmocka_unit_test(test_lru_eviction),
		cmocka_unit_test(test_proc_fixture),
		cmocka_unit_test(test_ancestry_longer_than_table),
		cmocka_unit_test(test_real_proc_self),
		cmocka_unit_test(test_churn),
		cmocka_unit_test(test_sessions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
