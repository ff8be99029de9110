// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Kernel tier: what a task is does not depend on what it calls itself or
 * where it moves. The container a task came from (task storage, inherited
 * at fork) stays its identity after it writes itself into another cgroup or
 * is born in one with clone3(CLONE_INTO_CGROUP); leaving is a record of its
 * own; and the capability dedup is per task, reset at exec, so a new
 * program's first use is reported whatever ran before under the same pid.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <sys/klog.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <cmocka.h>
#include <linux/capability.h>
#include "harness.h"
#include "privwatch.skel.h"
#include "host/cgroupfs.h"

static struct h_agent agent;
static char cg[PATH_MAX], mnt[PATH_MAX];
static uint64_t cg_id, root_id;

static int setup(void **state)
{
	if (pw_cgroup2_mount(mnt, sizeof(mnt)) || pw_cgroup_id(mnt, &root_id))
		return -1;
	if (h_watch_new_cgroup(&agent, "privwatch-ident", PW_MODE_AUTO, cg, sizeof(cg), &cg_id))
		return -1;
	/* What the agent does when its table takes the cgroup for a container's. */
	return pw_loader_mark_container(&agent.loader, cg_id);
}

static int teardown(void **state)
{
	return h_unwatch_cgroup(&agent, cg);
}

static int forget(void **state)
{
	h_agent_drain(&agent, 20);
	h_agent_clear(&agent);
	return 0;
}

static pid_t run(char *const argv[])
{
	pid_t pid = h_spawn(cg, argv);

	assert_true(pid > 0);
	assert_int_equal(h_wait(pid), 0);
	h_agent_drain(&agent, 100);
	return pid;
}

static int syslog_checks(pid_t pid, const struct pw_capability_event **last)
{
	const struct pw_capability_event *e;
	int i, n = 0;

	for (i = 0; (e = h_find(&agent, PW_EVENT_CAPABILITY, pid, i)); i++)
		if (e->cap == CAP_SYSLOG) {
			n++;
			*last = e;
		}
	return n;
}

/* One pid, two programs: each one's first CAP_SYSLOG use is an event. */
static void test_dedup_resets_at_exec(void **state)
{
	char *argv[] = { (char *)h_workload(), "klogctl-exec", NULL };
	char *storm[] = { (char *)h_workload(), "klogctl", "1000", NULL };
	const struct pw_capability_event *e = NULL;
	pid_t pid;

	pid = run(argv);
	assert_int_equal(syslog_checks(pid, &e), 2);
	assert_int_equal(e->hdr.origin_cgroup_id, cg_id);
	/* and one program's repeats stay one event */
	pid = run(storm);
	assert_int_equal(syslog_checks(pid, &e), 1);
}

static const struct pw_cgroup_move_event *move_of(pid_t task)
{
	const struct pw_cgroup_move_event *m;
	int i;

	for (i = 0; i < agent.n_events; i++) {
		m = agent.events[i];
		if (m->hdr.type == PW_EVENT_CGROUP_MOVE && m->task_pid == (uint32_t)task)
			return m;
	}
	return NULL;
}

/* A container process that writes itself into the root cgroup: the move is
 * a record, and what it does afterwards is still its container's (in
 * subtree mode the root cgroup is not even watched). */
static void test_leaving_the_container_is_reported_and_changes_nothing(void **state)
{
	char *argv[] = { (char *)h_workload(), "move-self", mnt, NULL };
	const struct pw_capability_event *e = NULL;
	const struct pw_cgroup_move_event *m;
	pid_t pid;

	pid = run(argv);
	m = move_of(pid);
	assert_non_null(m);
	assert_int_equal(m->hdr.pid, pid); /* it moved itself */
	assert_int_equal(m->via, PW_MOVE_ATTACH);
	assert_int_equal(m->task_origin, cg_id);
	assert_int_equal(m->dst_id, root_id);
	assert_int_equal(syslog_checks(pid, &e), 1);
	assert_int_equal(e->hdr.cgroup_id, root_id);
	assert_int_equal(e->hdr.origin_cgroup_id, cg_id);
}

/* Its own nested cgroups (systemd in a container) are still the container. */
static void test_nested_cgroup_is_not_leaving(void **state)
{
	char nested[PATH_MAX + 16];
	char *argv[] = { (char *)h_workload(), "move-self", nested, NULL };
	const struct pw_capability_event *e = NULL;
	uint64_t nested_id;
	pid_t pid;

	snprintf(nested, sizeof(nested), "%s/nested", cg);
	assert_int_equal(mkdir(nested, 0755), 0);
	assert_int_equal(pw_cgroup_id(nested, &nested_id), 0);
	pid = run(argv);
	assert_null(move_of(pid));
	assert_int_equal(syslog_checks(pid, &e), 1);
	assert_int_equal(e->hdr.cgroup_id, nested_id);
	assert_int_equal(e->hdr.origin_cgroup_id, cg_id);
	assert_int_equal(rmdir(nested), 0);
}

/* clone3(CLONE_INTO_CGROUP): the child is born outside without a move. */
static void test_born_outside_is_leaving(void **state)
{
	char *argv[] = { (char *)h_workload(), "clone-into", mnt, NULL };
	const struct pw_cgroup_move_event *m = NULL;
	const struct pw_capability_event *e = NULL;
	pid_t pid;
	int i;

	pid = run(argv);
	for (i = 0; i < agent.n_events && !m; i++) {
		const struct pw_cgroup_move_event *x = agent.events[i];

		if (x->hdr.type == PW_EVENT_CGROUP_MOVE && x->hdr.pid == (uint32_t)pid)
			m = x;
	}
	assert_non_null(m);
	assert_int_equal(m->via, PW_MOVE_CLONE_INTO);
	assert_int_equal(m->task_origin, cg_id);
	assert_int_equal(m->dst_id, root_id);
	assert_true(m->task_pid != (uint32_t)pid);
	/* the child's own check, in the root cgroup, is its container's */
	assert_int_equal(syslog_checks(m->task_pid, &e), 1);
	assert_int_equal(e->hdr.cgroup_id, root_id);
	assert_int_equal(e->hdr.origin_cgroup_id, cg_id);
}

/* Reaching for privwatch: one of its maps by id, a signal to the agent
 * (here the test process stands for the agent: the harness's loader runs in
 * it). Both are tamper records with what was asked. A map of someone else
 * gives a record too; the agent leaves it out of the rules (pipeline.c). */
static void test_reaching_for_privwatch(void **state)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	char id[16], self[16];
	char *by_id[] = { (char *)h_workload(), "bpf-map-by-id", id, NULL };
	char *sig[] = { (char *)h_workload(), "signal", self, "23", NULL }; /* SIGURG: ignored */
	const struct pw_tamper_event *e;
	pid_t pid;

	assert_int_equal(bpf_obj_get_info_by_fd(bpf_map__fd(agent.loader.skel->maps.type_stats),
						&info, &len),
			 0);
	snprintf(id, sizeof(id), "%u", info.id);
	snprintf(self, sizeof(self), "%d", (int)getpid());
	pid = run(by_id);
	e = h_find(&agent, PW_EVENT_TAMPER, pid, 0);
	assert_non_null(e);
	assert_int_equal(e->op, PW_TAMPER_BPF_GET_FD);
	assert_int_equal(e->arg, 14); /* BPF_MAP_GET_FD_BY_ID */
	assert_int_equal(e->id, info.id);
	assert_true(e->ret >= 0);
	assert_int_equal(e->hdr.origin_cgroup_id, cg_id);
	pid = run(sig);
	e = h_find(&agent, PW_EVENT_TAMPER, pid, 0);
	assert_non_null(e);
	assert_int_equal(e->op, PW_TAMPER_SIGNAL);
	assert_int_equal(e->arg, 23);
	assert_int_equal(e->id, getpid());
}

/* ptrace from the container: to a process outside it (a sleeper in the
 * test's own cgroup) is a record naming the tracee; to its own child is
 * nothing. */
static void test_ptrace_outside_the_container(void **state)
{
	char tracee_s[16];
	char *outside[] = { (char *)h_workload(), "ptrace-seize", tracee_s, NULL };
	char *own[] = { (char *)h_workload(), "ptrace-child", NULL };
	char *sleeper[] = { "/bin/sleep", "30", NULL };
	const struct pw_tamper_event *e;
	pid_t tracee, pid;

	tracee = h_spawn(NULL, sleeper);
	assert_true(tracee > 0);
	snprintf(tracee_s, sizeof(tracee_s), "%d", (int)tracee);
	pid = run(outside);
	kill(tracee, SIGKILL);
	h_wait(tracee);
	e = h_find(&agent, PW_EVENT_TAMPER, pid, 0);
	assert_non_null(e);
	assert_int_equal(e->op, PW_TAMPER_PTRACE);
	assert_int_equal(e->arg, 0x4206); /* PTRACE_SEIZE */
	assert_int_equal(e->id, tracee);
	pid = run(own);
	assert_null(h_find(&agent, PW_EVENT_TAMPER, pid, 0));
}

/*
 * The runtime's init, as the kernel knows it: a task placed in the container
 * by another process (here the test, standing for runc) is flagged until it
 * runs a program other than its own binary; that exec is flagged as its end
 * (the entrypoint). A task that moves itself in is not the runtime's, and
 * nothing a container process calls itself changes either.
 */
static void test_runtime_init_is_a_kernel_fact(void **state)
{
	char procs[PATH_MAX + 16], pid_s[16];
	char *noop[] = { (char *)h_workload(), "noop", NULL };
	const struct pw_capability_event *c = NULL;
	const struct pw_exec_event *x;
	int go[2], fd;
	pid_t pid;
	char b;

	assert_int_equal(pipe(go), 0);
	pid = fork();
	if (pid == 0) {
		close(go[1]);
		if (read(go[0], &b, 1) != 1)
			_exit(1);
		klogctl(0, NULL, 0); /* the runtime's own setup */
		execv(noop[0], noop);
		_exit(127);
	}
	close(go[0]);
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", cg);
	snprintf(pid_s, sizeof(pid_s), "%d", (int)pid);
	fd = open(procs, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, pid_s, strlen(pid_s)), (ssize_t)strlen(pid_s));
	close(fd);
	assert_int_equal(write(go[1], "g", 1), 1);
	close(go[1]);
	assert_int_equal(h_wait(pid), 0);
	h_agent_drain(&agent, 100);
	assert_int_equal(syslog_checks(pid, &c), 1);
	assert_true(c->hdr.flags & PW_F_RUNTIME_INIT);
	assert_int_equal(c->hdr.origin_cgroup_id, cg_id);
	x = h_find(&agent, PW_EVENT_EXEC, pid, 0);
	assert_non_null(x);
	assert_true(x->hdr.flags & PW_F_RUNTIME_INIT_EXEC);
	assert_false(x->hdr.flags & PW_F_RUNTIME_INIT);
	/* self-placed (h_spawn's child writes itself in): not the runtime's */
	pid = run(noop);
	x = h_find(&agent, PW_EVENT_EXEC, pid, 0);
	assert_non_null(x);
	assert_false(x->hdr.flags & (PW_F_RUNTIME_INIT | PW_F_RUNTIME_INIT_EXEC));
}

/*
 * The runtime outran the agent: it placed its init in the container's
 * cgroup before the agent had read the mkdir record and marked the cgroup.
 * The placement is remembered all the same (PW_F_PLACED); at the first exec
 * there, once marked, the same file identity decides (the runtime's own
 * binary again: still its init; another program: the entrypoint). Names are
 * never asked.
 */
static void placed_before_the_mark(int forks)
{
	char late[PATH_MAX], procs[PATH_MAX + 16], pid_s[16];
	char *noop[] = { (char *)h_workload(), "noop", NULL };
	const struct pw_exec_event *x;
	uint64_t late_id;
	int go[2], back[2], fd;
	pid_t pid, exec_pid;
	char b;

	snprintf(late, sizeof(late), "%s/placed-early", cg);
	assert_int_equal(mkdir(late, 0755), 0);
	assert_int_equal(pw_cgroup_id(late, &late_id), 0);
	/* The kernel marks a marked cgroup's children at their mkdir: unmark
	 * it, as a container's own cgroup is until the agent reads its record. */
	assert_int_equal(bpf_map__delete_elem(agent.loader.skel->maps.container_cgroups, &late_id,
					      sizeof(late_id), 0),
			 0);
	assert_int_equal(pipe(go), 0);
	assert_int_equal(pipe(back), 0);
	pid = fork();
	if (pid == 0) {
		close(go[1]);
		close(back[0]);
		if (read(go[0], &b, 1) != 1)
			_exit(1);
		if (b == 'f') {
			/* runc's way: the placed stage forks the one that execs */
			pid_t g = fork(), w;
			int st;

			if (g == 0) {
				execv(noop[0], noop);
				_exit(127);
			}
			if (write(back[1], &g, sizeof(g)) != sizeof(g))
				_exit(1);
			w = waitpid(g, &st, 0);
			_exit(w == g && WIFEXITED(st) ? WEXITSTATUS(st) : 1);
		}
		execv(noop[0], noop);
		_exit(127);
	}
	close(go[0]);
	close(back[1]);
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", late);
	snprintf(pid_s, sizeof(pid_s), "%d", (int)pid);
	fd = open(procs, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, pid_s, strlen(pid_s)), (ssize_t)strlen(pid_s));
	close(fd);
	exec_pid = pid;
	/* only now does the agent learn the cgroup is a container's */
	assert_int_equal(pw_loader_mark_container(&agent.loader, late_id), 0);
	assert_int_equal(write(go[1], forks ? "f" : "g", 1), 1);
	close(go[1]);
	if (forks)
		assert_int_equal(read(back[0], &exec_pid, sizeof(exec_pid)), sizeof(exec_pid));
	close(back[0]);
	assert_int_equal(h_wait(pid), 0);
	h_agent_drain(&agent, 100);
	x = h_find(&agent, PW_EVENT_EXEC, exec_pid, 0);
	assert_non_null(x);
	assert_true(x->hdr.flags & PW_F_RUNTIME_INIT_EXEC);
	assert_int_equal(x->hdr.origin_cgroup_id, late_id);
	assert_int_equal(rmdir(late), 0);
}

static void test_runtime_init_placed_before_the_mark(void **state)
{
	placed_before_the_mark(0);
}

/* Placed, then forked its last stage (runc's [1:CHILD] to [2:INIT]). */
static void test_runtime_init_placed_then_forked(void **state)
{
	placed_before_the_mark(1);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_dedup_resets_at_exec, forget),
		cmocka_unit_test_teardown(
			test_leaving_the_container_is_reported_and_changes_nothing, forget),
		cmocka_unit_test_teardown(test_nested_cgroup_is_not_leaving, forget),
		cmocka_unit_test_teardown(test_born_outside_is_leaving, forget),
		cmocka_unit_test_teardown(test_reaching_for_privwatch, forget),
		cmocka_unit_test_teardown(test_runtime_init_is_a_kernel_fact, forget),
		cmocka_unit_test_teardown(test_runtime_init_placed_before_the_mark, forget),
		cmocka_unit_test_teardown(test_runtime_init_placed_then_forked, forget),
		cmocka_unit_test_teardown(test_ptrace_outside_the_container, forget),
	};

	h_init(argv[0]);
	return cmocka_run_group_tests_name("kernel: identity that survives a move, dedup per task",
					   tests, setup, teardown);
}
