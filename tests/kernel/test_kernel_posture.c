// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Kernel tier, posture: real processes of the running host measured through
 * the real /proc. PID 1, then children that confine themselves the way a
 * runtime confines a container: bounding set, seccomp filter, masked paths
 * and a read-only /sys in a private mount namespace (never the host's).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <linux/bpf.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <bpf/bpf.h>
#include "host/cgroupfs.h"
#include "harness.h"
#include "host/posture.h"
#include "posture_check.h"

static struct pw_posture p;

/* A child that runs setup, says so, then waits until its pipe closes. */
struct child {
	pid_t pid;
	int go; /* closing it lets the child exit */
	char why[256];
};

static int start_child(struct child *c, int (*setup)(char *why, size_t len))
{
	int ready[2], go[2];
	char buf[256];
	ssize_t n;

	memset(c, 0, sizeof(*c));
	if (pipe2(ready, O_CLOEXEC) || pipe2(go, O_CLOEXEC))
		return -1;
	c->pid = fork();
	if (c->pid == 0) {
		close(ready[0]);
		close(go[1]);
		buf[0] = '\0';
		if (setup(buf, sizeof(buf)))
			(void)!write(ready[1], buf, strlen(buf) + 1);
		else
			(void)!write(ready[1], "", 1);
		(void)!read(go[0], buf, 1);
		_exit(0);
	}
	close(ready[1]);
	close(go[0]);
	c->go = go[1];
	n = read(ready[0], c->why, sizeof(c->why) - 1);
	close(ready[0]);
	if (n <= 0)
		snprintf(c->why, sizeof(c->why), "child died during setup");
	return c->why[0] ? -1 : 0;
}

static int stop_child(struct child *c)
{
	int st;

	close(c->go);
	if (waitpid(c->pid, &st, 0) != c->pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The posture under test is p. */
#define assert_dim(d, s, has) h_assert_dim(&p, d, s, has)

/* The text of a small host file, or "" if it cannot be read. */
static const char *host_file(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");

	buf[0] = '\0';
	if (f) {
		if (!fgets(buf, len, f))
			buf[0] = '\0';
		fclose(f);
	}
	return buf;
}

static void test_pid1(void **state)
{
	char buf[64];

	assert_int_equal(pw_posture_measure(1, "/", "/", &p), 0);
	pw_posture_print(stdout, &p);
	/* PID 1 holds the host's bounding set by definition, and no filter. */
	assert_dim(PW_DIM_CAPABILITIES, PW_DIM_RELAXED, "sys_admin");
	assert_dim(PW_DIM_SECCOMP, PW_DIM_RELAXED, "disabled");
	host_file("/sys/module/apparmor/parameters/enabled", buf, sizeof(buf));
	if (buf[0] == 'Y')
		assert_dim(PW_DIM_APPARMOR, PW_DIM_RELAXED, "unconfined");
	else
		assert_dim(PW_DIM_APPARMOR, PW_DIM_NA, "AppArmor not enabled on this host");
	if (access("/sys/fs/selinux/enforce", F_OK))
		assert_dim(PW_DIM_SELINUX, PW_DIM_NA, "SELinux not active on this host");
	else
		assert_true(p.dim[PW_DIM_SELINUX].state != PW_DIM_NA);
	/* The host's own mounts are neither masked nor read-only. */
	assert_dim(PW_DIM_MASKED_PATHS, PW_DIM_RELAXED, NULL);
	assert_dim(PW_DIM_READONLY_KERNEL_FS, PW_DIM_RELAXED, "rw: /sys /proc/sys");
	assert_true(p.mode != PW_POSTURE_DEFAULT);
}

/* A filter that allows everything: confinement is the filter's presence. */
static int confine_caps_and_seccomp(char *why, size_t len)
{
	struct sock_filter allow[] = { BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW) };
	struct sock_fprog prog = { .len = 1, .filter = allow };

	if (prctl(PR_CAPBSET_DROP, CAP_SYS_ADMIN, 0, 0, 0) ||
	    prctl(PR_CAPBSET_DROP, CAP_SYS_MODULE, 0, 0, 0)) {
		snprintf(why, len, "PR_CAPBSET_DROP: %s", strerror(errno));
		return -1;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0)) {
		snprintf(why, len, "seccomp: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static void test_child_with_seccomp_and_fewer_caps(void **state)
{
	struct child c;

	if (start_child(&c, confine_caps_and_seccomp))
		fail_msg("child setup: %s", c.why);
	assert_int_equal(pw_posture_measure(c.pid, "/", "/", &p), 0);
	pw_posture_print(stdout, &p);
	assert_int_equal(stop_child(&c), 0);
	assert_dim(PW_DIM_SECCOMP, PW_DIM_CONFINED, "filter, 1 filters");
	/* Graded: still far beyond the runtime default set (its effective set
	 * keeps sys_admin until an exec), but no longer the full set. */
	assert_dim(PW_DIM_CAPABILITIES, PW_DIM_RELAXED, "sys_rawio(!)");
	assert_false(p.caps_full);
	assert_false(p.cap_bnd & (1ULL << CAP_SYS_ADMIN));
	assert_false(p.cap_bnd & (1ULL << CAP_SYS_MODULE));
	assert_null(strstr(p.dim[PW_DIM_CAPABILITIES].evidence, "the full set"));
	assert_dim(PW_DIM_NO_NEW_PRIVS, PW_DIM_CONFINED, "NoNewPrivs 1");
	/* A child of the test shares every namespace with the host, compared
	 * with kthreadd's (PID 1's are refused here). */
	assert_dim(PW_DIM_HOST_NAMESPACES, PW_DIM_RELAXED,
		   "the host's: pid net ipc uts cgroup time; own: none");
	assert_dim(PW_DIM_USER_NAMESPACE, PW_DIM_RELAXED, "container root is host root");
	assert_dim(PW_DIM_USER, PW_DIM_RELAXED, "uid 0 euid 0");
	assert_int_equal(p.pid, c.pid);
	assert_int_equal(p.mode, PW_POSTURE_PARTIAL);
}

static char masked_file[64], masked_dir[64];

static const char *first_existing(const char *const *paths, int dir)
{
	struct stat st;

	for (; *paths; paths++)
		if (!lstat(*paths, &st) && (S_ISDIR(st.st_mode) ? 1 : 0) == dir)
			return *paths;
	return NULL;
}

/* What runc does for a default container, in a mount namespace of our own:
 * /dev/null over files, a read-only tmpfs over directories, /sys read-only. */
static int mask_and_remount(char *why, size_t len)
{
	if (unshare(CLONE_NEWNS)) {
		snprintf(why, len, "unshare: %s", strerror(errno));
		return -1;
	}
	/* First, so nothing below ever propagates back to the host. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL)) {
		snprintf(why, len, "MS_PRIVATE: %s", strerror(errno));
		return -1;
	}
	if (masked_file[0] && mount("/dev/null", masked_file, NULL, MS_BIND, NULL)) {
		snprintf(why, len, "bind /dev/null on %s: %s", masked_file, strerror(errno));
		return -1;
	}
	if (masked_dir[0] && mount("tmpfs", masked_dir, "tmpfs", MS_RDONLY, "size=4k")) {
		snprintf(why, len, "tmpfs on %s: %s", masked_dir, strerror(errno));
		return -1;
	}
	if (mount(NULL, "/sys", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL)) {
		snprintf(why, len, "remount /sys ro: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* Host paths a child binds into its own mount namespace, as -v would. */
static char bind_dir[64];

static int bind_host_paths(char *why, size_t len)
{
	char dst[128], src[128];

	if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL)) {
		snprintf(why, len, "unshare or MS_PRIVATE: %s", strerror(errno));
		return -1;
	}
	/* The host's /proc read-only, a file named like docker's socket, a
	 * plain data directory read-write. */
	snprintf(dst, sizeof(dst), "%s/hostproc", bind_dir);
	if (mount("/proc", dst, NULL, MS_BIND, NULL) ||
	    mount(NULL, dst, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL)) {
		snprintf(why, len, "bind /proc: %s", strerror(errno));
		return -1;
	}
	snprintf(src, sizeof(src), "%s/docker.sock", bind_dir);
	snprintf(dst, sizeof(dst), "%s/sock", bind_dir);
	if (mount(src, dst, NULL, MS_BIND, NULL)) {
		snprintf(why, len, "bind the socket file: %s", strerror(errno));
		return -1;
	}
	snprintf(src, sizeof(src), "%s/data", bind_dir);
	snprintf(dst, sizeof(dst), "%s/mnt", bind_dir);
	if (mount(src, dst, NULL, MS_BIND, NULL)) {
		snprintf(why, len, "bind the data directory: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* The sources are found in the host's mount table by device and root, not
 * taken from the child's mount points. */
static void test_child_with_host_binds(void **state)
{
	char cmd[256], want[256];
	struct child c;
	int i, proc_ro = 0, sock = 0;

	snprintf(bind_dir, sizeof(bind_dir), "/tmp/pw-posture-binds-%d", getpid());
	snprintf(cmd, sizeof(cmd),
		 "mkdir -p %s/hostproc %s/data %s/mnt && : > %s/docker.sock && : > %s/sock",
		 bind_dir, bind_dir, bind_dir, bind_dir, bind_dir);
	assert_int_equal(system(cmd), 0);
	if (start_child(&c, bind_host_paths))
		fail_msg("child setup: %s", c.why);
	assert_int_equal(pw_posture_measure(c.pid, "/", "/", &p), 0);
	pw_posture_print(stdout, &p);
	assert_int_equal(stop_child(&c), 0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", bind_dir);
	assert_int_equal(system(cmd), 0);

	for (i = 0; i < p.nhost_mounts; i++) {
		const struct pw_host_mount *m = &p.host_mounts[i];

		if (!strcmp(m->source, "/proc") &&
		    !strcmp(m->target + strlen(bind_dir), "/hostproc"))
			proc_ro = m->mclass == PW_MCLASS_PROC && !m->rw;
		if (!strcmp(m->target + strlen(bind_dir), "/sock"))
			sock = m->mclass == PW_MCLASS_RUNTIME_SOCKET && m->rw &&
			       !strcmp(m->source + strlen(bind_dir), "/docker.sock");
	}
	assert_true(proc_ro);
	assert_true(sock);
	assert_true(p.host_mount_classes & (1u << PW_MCLASS_PROC));
	assert_false(p.host_mount_classes_rw & (1u << PW_MCLASS_PROC));
	assert_true(p.host_mount_classes_rw & (1u << PW_MCLASS_RUNTIME_SOCKET));
	assert_dim(PW_DIM_HOST_MOUNTS, PW_DIM_RELAXED, NULL);
	/* The data directory: a hostPath volume, not a sensitive one. */
	snprintf(want, sizeof(want), "%s/data", bind_dir);
	assert_non_null(strstr(p.host_paths, want));
	assert_true(p.pss_violated & (1u << PW_PSS_B_HOST_PATH));
}

static void test_child_with_masked_paths_and_readonly_sys(void **state)
{
	static const char *const files[] = { "/proc/kcore", "/proc/keys", "/proc/timer_list",
					     NULL };
	static const char *const dirs[] = { "/proc/acpi", "/sys/firmware", "/proc/scsi", NULL };
	const char *f = first_existing(files, 0), *d = first_existing(dirs, 1);
	struct child c;

	if (!f && !d)
		fail_msg("none of the masked paths exists on this host");
	snprintf(masked_file, sizeof(masked_file), "%s", f ? f : "");
	snprintf(masked_dir, sizeof(masked_dir), "%s", d ? d : "");
	if (start_child(&c, mask_and_remount))
		fail_msg("child setup: %s", c.why);
	assert_int_equal(pw_posture_measure(c.pid, "/", "/", &p), 0);
	pw_posture_print(stdout, &p);
	assert_int_equal(stop_child(&c), 0);
	assert_dim(PW_DIM_MASKED_PATHS, PW_DIM_CONFINED, f ? f : d);
	if (f && d)
		assert_dim(PW_DIM_MASKED_PATHS, PW_DIM_CONFINED, d);
	assert_dim(PW_DIM_READONLY_KERNEL_FS, PW_DIM_CONFINED, "ro: /sys");
	/* /proc/sys was left writable; the rule needs both. */
	assert_dim(PW_DIM_READONLY_KERNEL_FS, PW_DIM_CONFINED, "rw: /proc/sys");
	/* The host itself is untouched. */
	assert_int_equal(pw_posture_measure(getpid(), "/", "/", &p), 0);
	assert_dim(PW_DIM_MASKED_PATHS, PW_DIM_RELAXED, NULL);
	assert_dim(PW_DIM_READONLY_KERNEL_FS, PW_DIM_RELAXED, NULL);
}

/* Our own /dev is the host's devtmpfs: every host device is there. */
static void test_self_sees_host_devices(void **state)
{
	assert_int_equal(pw_posture_measure(getpid(), "/", "/", &p), 0);
	assert_dim(PW_DIM_HOST_DEVICES, PW_DIM_RELAXED, "extra device nodes");
	assert_true(p.dim[PW_DIM_DEVICE_CGROUP].state != PW_DIM_CONFINED);
}

static char join_dir[PATH_MAX];

static int join_cgroup(char *why, size_t len)
{
	char procs[PATH_MAX + 16];
	int fd, ok;

	snprintf(procs, sizeof(procs), "%s/cgroup.procs", join_dir);
	fd = open(procs, O_WRONLY | O_CLOEXEC);
	ok = fd >= 0 && write(fd, "0", 1) == 1;
	if (!ok)
		snprintf(why, len, "join %s: %s", join_dir, strerror(errno));
	if (fd >= 0)
		close(fd);
	return ok ? 0 : -1;
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[PATH_MAX + 64];
	int fd, ok;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	ok = fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text);
	if (fd >= 0)
		close(fd);
	if (!ok)
		fail_msg("write %s to %s: %s", text, path, strerror(errno));
}

/* cgroup v1: a devices cgroup that denies all but /dev/null. */
static void test_v1_devices_cgroup(void **state)
{
	struct pw_cgroup_v1 v1;
	char env_mount[PATH_MAX];
	struct child c;
	int rc;

	/* whether to run: the mount table's word, not the cgroupfs code's */
	if (h_env_cgroup_mount("devices", env_mount, sizeof(env_mount)))
		h_skip_because(
			"no cgroup v1 devices hierarchy mounted here (/proc/self/mountinfo)");
	assert_int_equal(pw_cgroup_v1_find("devices", &v1), 0);
	assert_string_equal(v1.mount, env_mount);
	snprintf(join_dir, sizeof(join_dir), "%s/privwatch-posture-%d", v1.mount, getpid());
	assert_true(mkdir(join_dir, 0755) == 0 || errno == EEXIST);
	write_file(join_dir, "devices.deny", "a");
	write_file(join_dir, "devices.allow", "c 1:3 rwm");
	rc = start_child(&c, join_cgroup);
	if (!rc)
		rc = pw_posture_measure(c.pid, "/", "/", &p);
	if (c.pid > 0)
		stop_child(&c);
	rmdir(join_dir);
	if (c.why[0])
		fail_msg("child setup: %s", c.why);
	assert_int_equal(rc, 0);
	assert_dim(PW_DIM_DEVICE_CGROUP, PW_DIM_CONFINED, "v1 devices.list: 1 rules");
}

/* cgroup2: a BPF_PROG_TYPE_CGROUP_DEVICE program on the container's cgroup
 * confines it, whatever v1 says; none (effective) allows every device. */
static void test_v2_device_program(void **state)
{
	struct bpf_insn allow[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 1 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	enum pw_dim_state before = PW_DIM_NA;
	struct child c;
	uint64_t id;
	int prog, cgfd, rc;

	char env_mount[PATH_MAX];

	if (h_env_cgroup_mount(NULL, env_mount, sizeof(env_mount)))
		h_skip_because("no cgroup2 hierarchy mounted here (/proc/self/mountinfo)");
	assert_int_equal(
		h_cgroup_create(NULL, "privwatch-posture", join_dir, sizeof(join_dir), &id), 0);
	prog = bpf_prog_load(BPF_PROG_TYPE_CGROUP_DEVICE, "pw_dev_allow", "GPL", allow, 2, NULL);
	cgfd = open(join_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(prog >= 0 && cgfd >= 0);
	rc = start_child(&c, join_cgroup);
	if (rc)
		goto out;
	rc = pw_posture_measure(c.pid, "/", "/", &p);
	before = p.dim[PW_DIM_DEVICE_CGROUP].state;
	if (!rc)
		rc = bpf_prog_attach(prog, cgfd, BPF_CGROUP_DEVICE, 0);
	if (!rc)
		rc = pw_posture_measure(c.pid, "/", "/", &p);
	bpf_prog_detach2(prog, cgfd, BPF_CGROUP_DEVICE);
out:
	if (c.pid > 0)
		stop_child(&c);
	close(cgfd);
	close(prog);
	h_cgroup_remove(join_dir);
	if (c.why[0])
		fail_msg("child setup: %s", c.why);
	assert_int_equal(rc, 0);
	assert_int_equal(before, PW_DIM_RELAXED);
	assert_dim(PW_DIM_DEVICE_CGROUP, PW_DIM_CONFINED, "1 BPF device programs");
	print_message("%s\n", p.dim[PW_DIM_DEVICE_CGROUP].evidence);
}

static int nothing(char *why, size_t len)
{
	return 0;
}

static void test_exited_process_is_a_clean_error(void **state)
{
	siginfo_t si;
	struct child c;
	int st;

	assert_int_equal(start_child(&c, nothing), 0);
	kill(c.pid, SIGKILL);
	/* A zombie: /proc/<pid> still there, its mount table not. */
	assert_int_equal(waitid(P_PID, c.pid, &si, WEXITED | WNOWAIT), 0);
	assert_int_equal(pw_posture_measure(c.pid, "/", "/", &p), -ESRCH);
	assert_int_equal(waitpid(c.pid, &st, 0), c.pid);
	close(c.go);
	assert_int_equal(pw_posture_measure(c.pid, "/", "/", &p), -ESRCH);
	assert_int_equal(p.pid, 0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pid1),
		cmocka_unit_test(test_child_with_seccomp_and_fewer_caps),
		cmocka_unit_test(test_child_with_masked_paths_and_readonly_sys),
		cmocka_unit_test(test_child_with_host_binds),
		cmocka_unit_test(test_self_sees_host_devices),
		cmocka_unit_test(test_v1_devices_cgroup),
		cmocka_unit_test(test_v2_device_program),
		cmocka_unit_test(test_exited_process_is_a_clean_error),
	};

	setvbuf(stdout, NULL, _IOLBF, 0);
	return cmocka_run_group_tests_name("kernel: posture", tests, NULL, NULL);
}
