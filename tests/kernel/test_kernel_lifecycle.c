// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Kernel tier, process and container lifecycle: fork and exit of workloads
 * in a fresh watched cgroup, cgroups created and removed below it, every
 * field of each event checked.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <cmocka.h>
#include "host/cgroupfs.h"
#include "harness.h"
#include "kernel/stats.h"
#include "privwatch.skel.h"

/* TASK_COMM_LEN cuts "workload_seccomp" to 15 characters. */
#define WORKLOAD_COMM "workload_seccom"

static struct h_agent agent, agent_all;
static char cg[PATH_MAX], workload[PATH_MAX], mount_point[PATH_MAX], my_comm[16];
static uint64_t cg_id, my_cgroup_id;

/* The runner's own cgroup2 id: the identity of the cgroup events it causes. */
static int runner_cgroup_id(uint64_t *id)
{
	char line[PATH_MAX], path[2 * PATH_MAX];
	FILE *f = fopen("/proc/self/cgroup", "r");
	int rc = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "0::", 3))
			continue;
		line[strcspn(line, "\n")] = '\0';
		snprintf(path, sizeof(path), "%s%s", mount_point, line + 3);
		rc = pw_cgroup_id(path, id);
		break;
	}
	fclose(f);
	return rc;
}

static int setup(void **state)
{
	struct pw_loader_opts o = { .mode = PW_MODE_AUTO, .cgroup_path = cg };
	FILE *f;

	snprintf(workload, sizeof(workload), "%s_seccomp", h_workload());
	if (pw_cgroup2_mount(mount_point, sizeof(mount_point)) ||
	    h_cgroup_create(NULL, "privwatch-lifecycle", cg, sizeof(cg), &cg_id) ||
	    runner_cgroup_id(&my_cgroup_id)) {
		fprintf(stderr, "cannot create a test cgroup\n");
		return -1;
	}
	f = fopen("/proc/self/comm", "r");
	if (!f || !fgets(my_comm, sizeof(my_comm), f))
		return -1;
	fclose(f);
	my_comm[strcspn(my_comm, "\n")] = '\0';
	*state = &agent;
	return h_agent_start(&agent, &o);
}

static int teardown(void **state)
{
	h_agent_stop(&agent);
	h_cgroup_remove(cg);
	return 0;
}

/* Like h_spawn, with the child's stdout on a pipe: the workload prints the
 * ids of the processes and threads it creates. */
static pid_t spawn_piped(const char *cgroup, char *const argv[], int *out)
{
	char procs[PATH_MAX];
	int p[2], fd;
	pid_t pid;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid == 0) {
		if (cgroup) {
			snprintf(procs, sizeof(procs), "%s/cgroup.procs", cgroup);
			fd = open(procs, O_WRONLY);
			if (fd < 0 || write(fd, "0", 1) != 1)
				_exit(126);
			close(fd);
		}
		dup2(p[1], 1);
		close(p[0]);
		close(p[1]);
		execv(argv[0], argv);
		_exit(127);
	}
	close(p[1]);
	*out = p[0];
	return pid;
}

/* Run a workload action that prints one id; wait for it (exit 0) and drain.
 * Returns the workload's pid, the printed id in *printed. */
static pid_t run_printing(const char *cgroup, const char *action, const char *arg, pid_t *printed)
{
	char *argv[] = { workload, (char *)action, (char *)arg, NULL };
	char buf[64] = "";
	ssize_t n;
	int fd;
	pid_t pid = spawn_piped(cgroup, argv, &fd);

	assert_true(pid > 0);
	assert_int_equal(h_wait(pid), 0);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	assert_true(n > 0);
	*printed = atoi(buf);
	assert_true(*printed > 0);
	h_agent_drain(&agent, 100);
	return pid;
}

static void assert_header(const struct pw_event_header *h, __u16 type, size_t size, pid_t pid,
			  pid_t tid, uint64_t cgid, const char *comm)
{
	assert_non_null(h);
	assert_int_equal(h->type, type);
	assert_int_equal(h->size, size);
	assert_int_equal(h->flags, 0);
	assert_true(h->ts_ns > 0);
	assert_int_equal(h->cgroup_id, cgid);
	assert_int_equal(h->pid, pid);
	assert_int_equal(h->tid, tid);
	assert_int_equal(h->uid, getuid());
	assert_int_equal(h->gid, getgid());
	assert_string_equal(h->comm, comm);
}

static void assert_exit(const struct pw_exit_event *e, pid_t pid, int exit_code)
{
	assert_header(&e->hdr, PW_EVENT_EXIT, sizeof(*e), pid, pid, cg_id, WORKLOAD_COMM);
	assert_int_equal(e->exit_code, exit_code);
	assert_int_equal(e->_pad, 0);
}

static void test_fork_and_exit_with_code(void **state)
{
	const struct pw_fork_event *f;
	const struct pw_exit_event *child_exit, *parent_exit;
	pid_t child, pid = run_printing(cg, "fork-exit", "42", &child);

	assert_int_equal(h_count(&agent, PW_EVENT_FORK, pid), 1);
	f = h_find(&agent, PW_EVENT_FORK, pid, 0);
	assert_header(&f->hdr, PW_EVENT_FORK, sizeof(*f), pid, pid, cg_id, WORKLOAD_COMM);
	assert_int_equal(f->child_pid, child);
	assert_int_equal(f->child_tid, child);

	/* The forked child does not fork: its only record is its exit. */
	assert_int_equal(h_count(&agent, PW_EVENT_FORK, child), 0);
	assert_int_equal(h_count(&agent, PW_EVENT_EXIT, child), 1);
	child_exit = h_find(&agent, PW_EVENT_EXIT, child, 0);
	assert_exit(child_exit, child, 42 << 8);

	assert_int_equal(h_count(&agent, PW_EVENT_EXIT, pid), 1);
	parent_exit = h_find(&agent, PW_EVENT_EXIT, pid, 0);
	assert_exit(parent_exit, pid, 0);

	assert_true(f->hdr.ts_ns < child_exit->hdr.ts_ns);
	assert_true(child_exit->hdr.ts_ns < parent_exit->hdr.ts_ns);
}

static void test_exit_by_signal(void **state)
{
	const struct pw_fork_event *f;
	pid_t child, pid = run_printing(cg, "fork-signal", "9", &child);

	f = h_find(&agent, PW_EVENT_FORK, pid, 0);
	assert_non_null(f);
	assert_int_equal(f->child_pid, child);
	assert_int_equal(h_count(&agent, PW_EVENT_EXIT, child), 1);
	assert_exit(h_find(&agent, PW_EVENT_EXIT, child, 0), child, SIGKILL);
}

/* A thread is a fork with child_pid == the process; its exit is not a
 * process exit. */
static void test_thread_exit_is_not_a_process_exit(void **state)
{
	const struct pw_fork_event *f;
	const struct pw_event_header *h;
	pid_t tid, pid = run_printing(cg, "thread-exit", NULL, &tid);
	int i;

	assert_true(tid != pid);
	assert_int_equal(h_count(&agent, PW_EVENT_FORK, pid), 1);
	f = h_find(&agent, PW_EVENT_FORK, pid, 0);
	assert_header(&f->hdr, PW_EVENT_FORK, sizeof(*f), pid, pid, cg_id, WORKLOAD_COMM);
	assert_int_equal(f->child_pid, pid);
	assert_int_equal(f->child_tid, tid);

	assert_int_equal(h_count(&agent, PW_EVENT_EXIT, pid), 1);
	assert_exit(h_find(&agent, PW_EVENT_EXIT, pid, 0), pid, 0);
	for (i = 0; (h = h_find(&agent, PW_EVENT_EXIT, 0, i)); i++)
		assert_int_not_equal(h->tid, tid);
}

static void test_process_outside_watched_cgroup_is_silent(void **state)
{
	pid_t child, pid = run_printing(NULL, "fork-exit", "3", &child);

	assert_int_equal(h_count(&agent, PW_EVENT_FORK, pid), 0);
	assert_int_equal(h_count(&agent, PW_EVENT_EXIT, pid), 0);
	assert_int_equal(h_count(&agent, PW_EVENT_EXIT, child), 0);
}

/* The n-th cgroup event of a type about cgroup id, and how many there are. */
static const struct pw_cgroup_event *cgroup_event(struct h_agent *a, __u16 type, uint64_t id,
						  int *count)
{
	const struct pw_cgroup_event *e, *first = NULL;
	int i;

	*count = 0;
	for (i = 0; (e = h_find(a, type, 0, i)); i++) {
		if (e->id != id)
			continue;
		if (!(*count)++)
			first = e;
	}
	return first;
}

/* Depth of a cgroup below the hierarchy's root: cgroup->level. */
static int level_of(const char *path)
{
	const char *p = path + strlen(mount_point);
	int n = 0;

	for (; *p; p++)
		n += *p == '/';
	return n;
}

static void assert_cgroup_event(const struct pw_cgroup_event *e, __u16 type, const char *path,
				uint64_t id, uint64_t parent_id)
{
	assert_header(&e->hdr, type, sizeof(*e), getpid(), syscall(SYS_gettid), my_cgroup_id,
		      my_comm);
	assert_int_equal(e->id, id);
	assert_int_equal(e->parent_id, parent_id);
	assert_int_equal(e->level, level_of(path));
	assert_int_equal(e->hierarchy_id, 0); /* cgroup2 */
	/* Relative to the hierarchy's root, as the tracepoint gives it. */
	assert_string_equal(e->path, path + strlen(mount_point));
}

static void test_cgroup_mkdir_and_rmdir_below_watched(void **state)
{
	const struct pw_cgroup_event *e;
	char child[PATH_MAX];
	uint64_t child_id;
	int n;

	assert_int_equal(h_cgroup_create(cg, "box", child, sizeof(child), &child_id), 0);
	h_agent_drain(&agent, 100);
	e = cgroup_event(&agent, PW_EVENT_CGROUP_MKDIR, child_id, &n);
	assert_int_equal(n, 1);
	assert_cgroup_event(e, PW_EVENT_CGROUP_MKDIR, child, child_id, cg_id);
	assert_int_equal(level_of(child), level_of(cg) + 1);

	assert_int_equal(h_cgroup_remove(child), 0);
	h_agent_drain(&agent, 100);
	e = cgroup_event(&agent, PW_EVENT_CGROUP_RMDIR, child_id, &n);
	assert_int_equal(n, 1);
	assert_cgroup_event(e, PW_EVENT_CGROUP_RMDIR, child, child_id, cg_id);
}

/* A cgroup created inside a new one is reported too: the new one became
 * watched when it was created. */
static void test_nested_cgroups(void **state)
{
	const struct pw_cgroup_event *e;
	char a[PATH_MAX], b[PATH_MAX];
	uint64_t a_id, b_id;
	int n;

	assert_int_equal(h_cgroup_create(cg, "pod", a, sizeof(a), &a_id), 0);
	assert_int_equal(h_cgroup_create(a, "ctr", b, sizeof(b), &b_id), 0);
	assert_int_equal(h_cgroup_remove(b), 0);
	assert_int_equal(h_cgroup_remove(a), 0);
	h_agent_drain(&agent, 100);

	e = cgroup_event(&agent, PW_EVENT_CGROUP_MKDIR, a_id, &n);
	assert_int_equal(n, 1);
	assert_cgroup_event(e, PW_EVENT_CGROUP_MKDIR, a, a_id, cg_id);
	e = cgroup_event(&agent, PW_EVENT_CGROUP_MKDIR, b_id, &n);
	assert_int_equal(n, 1);
	assert_cgroup_event(e, PW_EVENT_CGROUP_MKDIR, b, b_id, a_id);
	assert_int_equal(e->level, level_of(cg) + 2);
	e = cgroup_event(&agent, PW_EVENT_CGROUP_RMDIR, b_id, &n);
	assert_int_equal(n, 1);
	assert_cgroup_event(e, PW_EVENT_CGROUP_RMDIR, b, b_id, a_id);
	e = cgroup_event(&agent, PW_EVENT_CGROUP_RMDIR, a_id, &n);
	assert_int_equal(n, 1);
	assert_cgroup_event(e, PW_EVENT_CGROUP_RMDIR, a, a_id, cg_id);
}

static void test_cgroup_outside_watched_subtree_is_silent(void **state)
{
	char other[PATH_MAX];
	uint64_t other_id;
	int n;

	assert_int_equal(h_cgroup_create(NULL, "privwatch-other", other, sizeof(other), &other_id),
			 0);
	assert_int_equal(h_cgroup_remove(other), 0);
	h_agent_drain(&agent, 100);
	assert_null(cgroup_event(&agent, PW_EVENT_CGROUP_MKDIR, other_id, &n));
	assert_int_equal(n, 0);
	assert_null(cgroup_event(&agent, PW_EVENT_CGROUP_RMDIR, other_id, &n));
	assert_int_equal(n, 0);
}

/* Without --cgroup every cgroup but the root is watched: every mkdir and
 * rmdir of the hierarchy is reported, wherever it happens. */
static void test_all_but_root_mode_reports_every_cgroup(void **state)
{
	struct pw_loader_opts o = { .mode = PW_MODE_AUTO };
	const struct pw_cgroup_event *e;
	char other[PATH_MAX];
	uint64_t other_id, root_id;
	int n;

	assert_int_equal(pw_cgroup_id(mount_point, &root_id), 0);
	assert_int_equal(h_agent_start(&agent_all, &o), 0);
	assert_int_equal(h_cgroup_create(NULL, "privwatch-all", other, sizeof(other), &other_id),
			 0);
	assert_int_equal(h_cgroup_remove(other), 0);
	h_agent_drain(&agent_all, 100);
	h_agent_drain(&agent, 20);

	e = cgroup_event(&agent_all, PW_EVENT_CGROUP_MKDIR, other_id, &n);
	assert_int_equal(n, 1);
	assert_cgroup_event(e, PW_EVENT_CGROUP_MKDIR, other, other_id, root_id);
	e = cgroup_event(&agent_all, PW_EVENT_CGROUP_RMDIR, other_id, &n);
	assert_int_equal(n, 1);
	assert_cgroup_event(e, PW_EVENT_CGROUP_RMDIR, other, other_id, root_id);
	/* The --cgroup agent, running at the same time, still does not see it. */
	assert_null(cgroup_event(&agent, PW_EVENT_CGROUP_MKDIR, other_id, &n));
	h_agent_stop(&agent_all);
}

static void test_no_drops(void **state)
{
	struct pw_kstats ks;

	h_assert_no_drops(&agent, PW_EVENT_FORK, &ks);
	assert_int_equal(ks.watched_cgroups_full, 0);
	assert_true(ks.emitted[PW_EVENT_EXIT] > 0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_fork_and_exit_with_code, h_forget_events),
		cmocka_unit_test_setup(test_exit_by_signal, h_forget_events),
		cmocka_unit_test_setup(test_thread_exit_is_not_a_process_exit, h_forget_events),
		cmocka_unit_test_setup(test_process_outside_watched_cgroup_is_silent,
				       h_forget_events),
		cmocka_unit_test_setup(test_cgroup_mkdir_and_rmdir_below_watched, h_forget_events),
		cmocka_unit_test_setup(test_nested_cgroups, h_forget_events),
		cmocka_unit_test_setup(test_cgroup_outside_watched_subtree_is_silent,
				       h_forget_events),
		cmocka_unit_test_setup(test_all_but_root_mode_reports_every_cgroup,
				       h_forget_events),
		cmocka_unit_test(test_no_drops),
	};

	h_init(argv[0]);
	return cmocka_run_group_tests_name("kernel: process and cgroup lifecycle", tests, setup,
					   teardown);
}
