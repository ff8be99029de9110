// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Kernel tier, mounts sensor in tracepoint mode: tests/workload_mount.c makes
 * each mount-family syscall from a fresh watched cgroup, inside a private
 * mount namespace, and every field of the resulting events is checked.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <linux/mount.h>
#include "events/event_view.h"
#include "harness.h"
#include "kernel/stats.h"
#include "privwatch.skel.h"

#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif
#define MNT_DETACH 2 /* <sys/mount.h> clashes with <linux/mount.h> */

static struct h_agent agent;
static char cg[PATH_MAX], workload[PATH_MAX];
static uint64_t cg_id;

static const char *const tp_progs[] = {
	"mount_tp_mount",     "mount_tp_umount",	"mount_tp_fsopen",
	"mount_tp_fsconfig",  "mount_tp_fsmount",	"mount_tp_move_mount",
	"mount_tp_open_tree", "mount_tp_mount_setattr", "mount_tp_pivot_root",
};
static const char *const lsm_progs[] = {
	"mount_lsm_sb_mount",
	"mount_lsm_move_mount",
	"mount_lsm_sb_umount",
	"mount_lsm_sb_pivotroot",
};

static int setup(void **state)
{
	snprintf(workload, sizeof(workload), "%s_mount", h_workload());
	*state = &agent;
	return h_watch_new_cgroup(&agent, "privwatch-mount", PW_MODE_TRACEPOINT, cg, sizeof(cg),
				  &cg_id);
}

static int teardown(void **state)
{
	return h_unwatch_cgroup(&agent, cg);
}

/* Run `workload_mount action dir` in cgroup (NULL: ours), expect exit 0,
 * collect its events. dir is a fresh name under /tmp. */
static pid_t run_action(const char *cgroup, const char *action, char *dir, size_t len)
{
	char *argv[] = { workload, (char *)action, dir, NULL };
	pid_t pid;

	snprintf(dir, len, "/tmp/privwatch-mnt-%s-%d", action, getpid());
	pid = h_spawn(cgroup, argv);
	assert_int_equal(h_wait(pid), 0);
	h_agent_drain(&agent, 100);
	/* Mounts lived in the workload's namespace, gone with it: only the
	 * directory is left on the host. */
	rmdir(dir);
	return pid;
}

/* The nth event of op from pid. */
static const struct pw_mount_event *find_op(pid_t pid, unsigned int op, int nth)
{
	const struct pw_mount_event *e;
	int i;

	for (i = 0; (e = h_find(&agent, PW_EVENT_MOUNT, pid, i)); i++)
		if (e->op == op && nth-- == 0)
			return e;
	return NULL;
}

static int count_op(pid_t pid, unsigned int op)
{
	int n = 0;

	while (find_op(pid, op, n))
		n++;
	return n;
}

struct want {
	unsigned int op;
	int ret;
	unsigned long long flags;
	int fd;
	unsigned int aux;
	const char *fstype, *source, *target;
};

/* Every field of a tracepoint-mode mount event. */
static void assert_mount(const struct pw_mount_event *e, pid_t pid, const struct want *w)
{
	assert_non_null(e);
	assert_int_equal(e->hdr.type, PW_EVENT_MOUNT);
	assert_int_equal(e->hdr.size, sizeof(*e));
	assert_int_equal(e->hdr.flags, 0); /* not truncated, not an LSM pre-check */
	assert_true(e->hdr.ts_ns > 0);
	assert_int_equal(e->hdr.cgroup_id, cg_id);
	assert_int_equal(e->hdr.pid, pid);
	assert_int_equal(e->hdr.tid, pid);
	assert_int_equal(e->hdr.uid, getuid());
	assert_int_equal(e->hdr.gid, getgid());
	assert_string_equal(e->hdr.comm, "workload_mount");
	assert_int_equal(e->op, w->op);
	assert_int_equal(e->_pad0, 0);
	assert_int_equal(e->ret, w->ret);
	assert_int_equal(e->flags, w->flags);
	assert_int_equal(e->fd, w->fd);
	assert_int_equal(e->aux, w->aux);
	assert_string_equal(e->fstype, w->fstype);
	assert_string_equal(e->source, w->source);
	assert_string_equal(e->target, w->target);
}

/* Every scenario starts by making "/" private in its new namespace. */
static void assert_make_private(pid_t pid)
{
	struct want w = { PW_MOUNT_MOUNT, 0, MS_REC | MS_PRIVATE, -1, 0, "", "none", "/" };

	assert_mount(find_op(pid, PW_MOUNT_MOUNT, 0), pid, &w);
}

static void test_tracepoint_variant_chosen(void **state)
{
	const struct pw_choice *ch = NULL;
	struct bpf_program *p;
	size_t i;
	int c;

	for (c = 0; c < pw_concern_count && !ch; c++)
		if (!strcmp(agent.loader.choices[c].concern->name, "mounts"))
			ch = &agent.loader.choices[c];
	assert_non_null(ch);
	assert_int_equal(ch->concern->variants[0].kind, PW_VARIANT_LSM);
	assert_int_equal(ch->variant, PW_VARIANT_TP);
	for (i = 0; i < sizeof(tp_progs) / sizeof(tp_progs[0]); i++) {
		p = bpf_object__find_program_by_name(agent.loader.skel->obj, tp_progs[i]);
		assert_non_null(p);
		assert_true(bpf_program__autoload(p));
		assert_non_null(strstr(bpf_program__section_name(p), "tp/syscalls/sys_exit_"));
		assert_non_null(agent.loader.links[c - 1][i]); /* attached, one link each */
	}
	assert_null(agent.loader.links[c - 1][i]); /* and nothing else for mounts */
	/* The LSM programs are loaded only where they could take over, never attached. */
	for (i = 0; i < sizeof(lsm_progs) / sizeof(lsm_progs[0]); i++) {
		p = bpf_object__find_program_by_name(agent.loader.skel->obj, lsm_progs[i]);
		assert_non_null(p);
		assert_int_equal(bpf_program__autoload(p), !!(ch->usable & 1u));
	}
}

static void test_tmpfs_mount_and_umount(void **state)
{
	char dir[PATH_MAX];
	pid_t pid = run_action(cg, "tmpfs", dir, sizeof(dir));
	struct want m = { PW_MOUNT_MOUNT, 0, MS_NOSUID, -1, 0, "tmpfs", "pwsrc", dir };
	struct want u = { PW_MOUNT_UMOUNT, 0, 0, -1, 0, "", "", dir };

	assert_int_equal(h_count(&agent, PW_EVENT_MOUNT, pid), 3);
	assert_make_private(pid);
	assert_mount(find_op(pid, PW_MOUNT_MOUNT, 1), pid, &m);
	assert_mount(find_op(pid, PW_MOUNT_UMOUNT, 0), pid, &u);
}

/* The mount record of op whose view path (the absolute target) is want. */
static const struct pw_mount_event *find_lsm(struct h_agent *a, pid_t pid, uint16_t op,
					     const char *want)
{
	const struct pw_mount_event *e;
	struct pw_view v;
	int i;

	for (i = 0; (e = h_find(a, PW_EVENT_MOUNT, pid, i)); i++) {
		if (e->op != op)
			continue;
		pw_view_from_event(&v, &e->hdr);
		if (!strcmp(v.path, want))
			return e;
	}
	return NULL;
}

/* Where the BPF LSM is active (make test-vm), auto mode serves mounts with
 * the LSM hooks and the syscall exits together: one record per call, with
 * the result (not a pre-check), the caller's strings and, from the hook's
 * struct path, the absolute target. The new mount API, which has no hook,
 * is reported from its exits. */
static void test_lsm_sb_mount(void **state)
{
	static struct h_agent lsm_agent;
	struct pw_loader_opts o = { .mode = PW_MODE_AUTO, .cgroup_path = cg };
	char dir[PATH_MAX];
	char *argv[] = { workload, "tmpfs", dir, NULL };
	char *newapi[] = { workload, "newapi", dir, NULL };
	const struct pw_mount_event *e;
	uint16_t op;
	pid_t pid;

	if (strcmp(h_expected_variant("mounts"), "lsm"))
		h_skip_because("this environment serves mounts with %s, not the LSM hooks",
			       h_expected_variant("mounts"));
	assert_int_equal(h_agent_start(&lsm_agent, &o), 0);
	assert_int_equal(h_variant(&lsm_agent, "mounts"), PW_VARIANT_LSM);
	snprintf(dir, sizeof(dir), "/tmp/privwatch-mnt-lsm-%d", getpid());
	pid = h_spawn(cg, argv);
	assert_int_equal(h_wait(pid), 0);
	h_agent_drain(&lsm_agent, 100);
	/* make-private, the mount, the unmount: each once */
	assert_int_equal(h_count(&lsm_agent, PW_EVENT_MOUNT, pid), 3);
	e = find_lsm(&lsm_agent, pid, PW_MOUNT_MOUNT, dir);
	assert_non_null(e);
	assert_false(e->hdr.flags & PW_F_PRE_CHECK);
	assert_int_equal(e->ret, 0);
	assert_int_equal(e->hdr.cgroup_id, cg_id);
	assert_string_equal(e->hdr.comm, "workload_mount");
	assert_string_equal(e->fstype, "tmpfs");
	assert_string_equal(e->source, "pwsrc");
	assert_true(e->flags & MS_NOSUID);
	assert_string_equal(e->target, dir);
	assert_int_equal(e->resolved_kind, PW_MOUNT_RESOLVED_TARGET);
	e = find_lsm(&lsm_agent, pid, PW_MOUNT_UMOUNT, dir);
	assert_non_null(e);
	assert_false(e->hdr.flags & PW_F_PRE_CHECK);
	assert_int_equal(e->ret, 0);
	assert_int_equal(e->resolved_kind, PW_MOUNT_RESOLVED_TARGET);

	pid = h_spawn(cg, newapi);
	assert_int_equal(h_wait(pid), 0);
	h_agent_drain(&lsm_agent, 100);
	rmdir(dir);
	for (op = PW_MOUNT_FSOPEN; op <= PW_MOUNT_FSMOUNT; op++) {
		int i;

		for (i = 0; (e = h_find(&lsm_agent, PW_EVENT_MOUNT, pid, i)); i++)
			if (e->op == op)
				break;
		assert_non_null(e);
		assert_false(e->hdr.flags & PW_F_PRE_CHECK);
		assert_true(e->ret >= 0);
	}
	e = find_lsm(&lsm_agent, pid, PW_MOUNT_MOVE_MOUNT, dir);
	assert_non_null(e);
	assert_false(e->hdr.flags & PW_F_PRE_CHECK);
	assert_int_equal(e->ret, 0);
	assert_non_null(find_lsm(&lsm_agent, pid, PW_MOUNT_UMOUNT, dir));
	h_agent_stop(&lsm_agent);
}

/* Refused by the capability check inside mount(2). */
static void test_mount_without_cap_sys_admin_is_denied(void **state)
{
	char dir[PATH_MAX];
	pid_t pid = run_action(cg, "denied", dir, sizeof(dir));
	struct want m = { PW_MOUNT_MOUNT, -EPERM, MS_NOSUID, -1, 0, "tmpfs", "pwsrc", dir };

	assert_int_equal(h_count(&agent, PW_EVENT_MOUNT, pid), 2);
	assert_make_private(pid);
	assert_mount(find_op(pid, PW_MOUNT_MOUNT, 1), pid, &m);
}

/* Refused by seccomp before sys_enter: sys_exit still sees it, arguments
 * included. This is why the sensor attaches at exit only. */
static void test_mount_refused_by_seccomp_is_seen(void **state)
{
	char dir[PATH_MAX];
	pid_t pid = run_action(cg, "seccomp", dir, sizeof(dir));
	struct want m = { PW_MOUNT_MOUNT, -EPERM, MS_NOSUID, -1, 0, "tmpfs", "pwsrc", dir };

	assert_int_equal(h_count(&agent, PW_EVENT_MOUNT, pid), 2);
	assert_make_private(pid);
	assert_mount(find_op(pid, PW_MOUNT_MOUNT, 1), pid, &m);
}

/* A target longer than the field: cut to 255 bytes and flagged. */
static void test_long_target_is_truncated_and_marked(void **state)
{
	char dir[PATH_MAX], want[PATH_MAX];
	const struct pw_mount_event *e;
	pid_t pid = run_action(cg, "long", dir, sizeof(dir));
	int n;

	n = snprintf(want, sizeof(want), "%s/", dir);
	memset(want + n, 'a', 301);
	want[n + 150] = '/';
	want[PW_PATH_MAX - 1] = '\0';

	assert_make_private(pid);
	e = find_op(pid, PW_MOUNT_MOUNT, 1);
	assert_non_null(e);
	assert_int_equal(e->hdr.flags, PW_F_TRUNCATED);
	assert_int_equal(e->ret, -ENOENT);
	assert_int_equal(e->flags, 0);
	assert_int_equal(e->fd, -1);
	assert_string_equal(e->fstype, "tmpfs");
	assert_string_equal(e->source, "pwsrc");
	assert_string_equal(e->target, want);
}

/* fsopen -> fsconfig x2 -> fsmount -> move_mount -> umount2: each call's
 * fd is the one the previous call returned. */
static void test_new_mount_api_sequence(void **state)
{
	char dir[PATH_MAX];
	const struct pw_mount_event *open, *mnt;
	pid_t pid = run_action(cg, "newapi", dir, sizeof(dir));
	struct want w;

	assert_int_equal(h_count(&agent, PW_EVENT_MOUNT, pid), 7);
	assert_make_private(pid);
	assert_int_equal(count_op(pid, PW_MOUNT_MOUNT), 1);

	open = find_op(pid, PW_MOUNT_FSOPEN, 0);
	assert_non_null(open);
	assert_true(open->ret >= 3);
	w = (struct want){ PW_MOUNT_FSOPEN, open->ret, FSOPEN_CLOEXEC, -1, 0, "tmpfs", "", "" };
	assert_mount(open, pid, &w);

	w = (struct want){ PW_MOUNT_FSCONFIG, 0, 0, open->ret, FSCONFIG_SET_STRING, "",
			   "source=pwnew",    "" };
	assert_mount(find_op(pid, PW_MOUNT_FSCONFIG, 0), pid, &w);
	w = (struct want){ PW_MOUNT_FSCONFIG, 0, 0, open->ret, FSCONFIG_CMD_CREATE, "", "", "" };
	assert_mount(find_op(pid, PW_MOUNT_FSCONFIG, 1), pid, &w);

	mnt = find_op(pid, PW_MOUNT_FSMOUNT, 0);
	assert_non_null(mnt);
	assert_true(mnt->ret >= 3 && mnt->ret != open->ret);
	w = (struct want){
		PW_MOUNT_FSMOUNT, mnt->ret, FSMOUNT_CLOEXEC, open->ret, MOUNT_ATTR_NODEV, "", "", ""
	};
	assert_mount(mnt, pid, &w);

	w = (struct want){
		PW_MOUNT_MOVE_MOUNT, 0, MOVE_MOUNT_F_EMPTY_PATH, mnt->ret, 0, "", "", dir
	};
	assert_mount(find_op(pid, PW_MOUNT_MOVE_MOUNT, 0), pid, &w);

	w = (struct want){ PW_MOUNT_UMOUNT, 0, MNT_DETACH, -1, 0, "", "", dir };
	assert_mount(find_op(pid, PW_MOUNT_UMOUNT, 0), pid, &w);
}

/* fsconfig's "key=value" is built in the kernel: a value too long for the
 * field is cut, flagged, and the record stays NUL-terminated. */
static void test_fsconfig_long_value_is_truncated_and_marked(void **state)
{
	char dir[PATH_MAX], want[PW_MOUNT_STR];
	const struct pw_mount_event *open, *e;
	pid_t pid = run_action(cg, "fsconfig-long", dir, sizeof(dir));

	memset(want, 'b', sizeof(want));
	memcpy(want, "source=", 7);
	want[PW_MOUNT_STR - 1] = '\0';

	assert_int_equal(h_count(&agent, PW_EVENT_MOUNT, pid), 3);
	open = find_op(pid, PW_MOUNT_FSOPEN, 0);
	assert_non_null(open);
	e = find_op(pid, PW_MOUNT_FSCONFIG, 0);
	assert_non_null(e);
	assert_int_equal(e->hdr.flags, PW_F_TRUNCATED);
	assert_int_equal(e->ret, 0);
	assert_int_equal(e->fd, open->ret);
	assert_int_equal(e->aux, FSCONFIG_SET_STRING);
	assert_int_equal(e->flags, 0);
	assert_string_equal(e->fstype, "");
	assert_string_equal(e->source, want);
	assert_string_equal(e->target, "");
}

static void test_pivot_root(void **state)
{
	char dir[PATH_MAX], old[PATH_MAX + 8];
	pid_t pid = run_action(cg, "pivot", dir, sizeof(dir));
	struct want m = { PW_MOUNT_MOUNT, 0, MS_NOSUID, -1, 0, "tmpfs", "pwroot", dir };
	struct want p = { PW_MOUNT_PIVOT_ROOT, 0, 0, -1, 0, "", old, dir };

	snprintf(old, sizeof(old), "%s/old", dir);
	assert_int_equal(h_count(&agent, PW_EVENT_MOUNT, pid), 3);
	assert_make_private(pid);
	assert_mount(find_op(pid, PW_MOUNT_MOUNT, 1), pid, &m);
	assert_mount(find_op(pid, PW_MOUNT_PIVOT_ROOT, 0), pid, &p);
}

static void test_open_tree(void **state)
{
	char dir[PATH_MAX];
	const struct pw_mount_event *e;
	pid_t pid = run_action(cg, "open-tree", dir, sizeof(dir));
	struct want w = {
		PW_MOUNT_OPEN_TREE, 0, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC, AT_FDCWD, 0, "", dir, ""
	};

	assert_int_equal(h_count(&agent, PW_EVENT_MOUNT, pid), 2);
	assert_make_private(pid);
	e = find_op(pid, PW_MOUNT_OPEN_TREE, 0);
	assert_non_null(e);
	assert_true(e->ret >= 3); /* the new mount's fd */
	w.ret = e->ret;
	assert_mount(e, pid, &w);
}

static void test_mount_setattr(void **state)
{
	char dir[PATH_MAX];
	pid_t pid = run_action(cg, "setattr", dir, sizeof(dir));
	struct want m = { PW_MOUNT_MOUNT, 0, MS_NOSUID, -1, 0, "tmpfs", "pwattr", dir };
	struct want s = { PW_MOUNT_SETATTR,
			  0,
			  AT_RECURSIVE,
			  AT_FDCWD,
			  MOUNT_ATTR_RDONLY | MOUNT_ATTR_NODEV,
			  "",
			  "",
			  dir };

	assert_int_equal(h_count(&agent, PW_EVENT_MOUNT, pid), 3);
	assert_make_private(pid);
	assert_mount(find_op(pid, PW_MOUNT_MOUNT, 1), pid, &m);
	assert_mount(find_op(pid, PW_MOUNT_SETATTR, 0), pid, &s);
}

static void test_mount_outside_watched_cgroup_is_silent(void **state)
{
	char dir[PATH_MAX];
	pid_t pid = run_action(NULL, "tmpfs", dir, sizeof(dir)); /* the runner's cgroup */

	assert_int_equal(h_count(&agent, PW_EVENT_MOUNT, pid), 0);
	assert_int_equal(h_count(&agent, PW_EVENT_EXEC, pid), 0);
}

static void test_no_drops(void **state)
{
	h_assert_no_drops(&agent, PW_EVENT_MOUNT, NULL);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tracepoint_variant_chosen),
		cmocka_unit_test_setup(test_tmpfs_mount_and_umount, h_forget_events),
		cmocka_unit_test_setup(test_lsm_sb_mount, h_forget_events),
		cmocka_unit_test_setup(test_mount_without_cap_sys_admin_is_denied, h_forget_events),
		cmocka_unit_test_setup(test_mount_refused_by_seccomp_is_seen, h_forget_events),
		cmocka_unit_test_setup(test_long_target_is_truncated_and_marked, h_forget_events),
		cmocka_unit_test_setup(test_new_mount_api_sequence, h_forget_events),
		cmocka_unit_test_setup(test_fsconfig_long_value_is_truncated_and_marked,
				       h_forget_events),
		cmocka_unit_test_setup(test_pivot_root, h_forget_events),
		cmocka_unit_test_setup(test_open_tree, h_forget_events),
		cmocka_unit_test_setup(test_mount_setattr, h_forget_events),
		cmocka_unit_test_setup(test_mount_outside_watched_cgroup_is_silent,
				       h_forget_events),
		cmocka_unit_test(test_no_drops),
	};

	h_init(argv[0]);
	return cmocka_run_group_tests_name("kernel: mounts sensor", tests, setup, teardown);
}
