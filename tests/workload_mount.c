// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Mount-family syscalls for the kernel tests, one scenario per invocation.
 * Each runs in a private mount namespace whose mounts do not propagate, so
 * the host's mount table is never touched (a directory may be left in /tmp).
 * Raw syscall() throughout: the new mount API has no wrapper that can be
 * used with <linux/mount.h>, whose constants clash with <sys/mount.h>.
 *
 *   workload_mount tmpfs DIR        mount tmpfs "pwsrc" on DIR, umount2(DIR, 0)
 *   workload_mount denied DIR       drop CAP_SYS_ADMIN, mount -> EPERM
 *   workload_mount seccomp DIR      a seccomp filter refuses mount: EPERM
 *   workload_mount long DIR         mount on DIR/<150 x 'a'>/<150 x 'a'> -> ENOENT
 *   workload_mount newapi DIR       fsopen, fsconfig x2, fsmount, move_mount to
 *                                   DIR, umount2(DIR, MNT_DETACH)
 *   workload_mount fsconfig-long DIR  fsopen, fsconfig "source" = 200 x 'b'
 *   workload_mount pivot NEWROOT    tmpfs on NEWROOT, pivot_root(NEWROOT, NEWROOT/old)
 *   workload_mount open-tree DIR    open_tree(AT_FDCWD, DIR, CLONE|CLOEXEC)
 *   workload_mount setattr DIR      tmpfs on DIR, mount_setattr(RDONLY|NODEV, AT_RECURSIVE)
 *   workload_mount umount-masked DIR  tmpfs on an existing DIR (a path runtimes mask,
 *                                   e.g. /proc/acpi), then umount2(DIR, 0)
 * Every scenario first makes "/" private with mount("none", "/", NULL,
 * MS_REC|MS_PRIVATE, NULL). Exit 0 when every call returned what was expected.
 */
#define _GNU_SOURCE /* unshare, CLONE_NEWNS */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/mount.h>
#include <linux/seccomp.h>

#if defined(__x86_64__)
#define PW_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define PW_AUDIT_ARCH AUDIT_ARCH_AARCH64
#endif

#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000 /* <linux/fcntl.h>; glibc 2.36 lacks it */
#endif
#ifndef MNT_DETACH
#define MNT_DETACH 2 /* from <sys/mount.h> */
#endif

static int fail(const char *what)
{
	fprintf(stderr, "workload_mount: %s: %s\n", what, strerror(errno));
	return 1;
}

/* Expect rc == -1 with errno want; prints what happened otherwise. */
static int expect_errno(long rc, int want, const char *what)
{
	if (rc == -1 && errno == want)
		return 0;
	fprintf(stderr, "workload_mount: %s: got %ld (%s), want %s\n", what, rc,
		rc == -1 ? strerror(errno) : "success", strerror(want));
	return 1;
}

static long sys_mount(const char *src, const char *dir, const char *type, unsigned long flags,
		      const void *data)
{
	return syscall(SYS_mount, src, dir, type, flags, data);
}

/* A mount namespace of our own where nothing propagates to the host. */
static int private_ns(const char *dir)
{
	if (unshare(CLONE_NEWNS))
		return fail("unshare(CLONE_NEWNS)");
	if (sys_mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return fail("make / private");
	if (dir && mkdir(dir, 0755) && errno != EEXIST)
		return fail("mkdir");
	return 0;
}

static int drop_sys_admin(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return -1;
	d[CAP_SYS_ADMIN / 32].effective &= ~(1u << (CAP_SYS_ADMIN % 32));
	return syscall(SYS_capset, &h, d);
}

/* mount(2) fails with EPERM, as a container runtime's profile makes it. */
static int refuse_mount_with_seccomp(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PW_AUDIT_ARCH, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_mount, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -1;
	return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
}

static int tmpfs_on(const char *dir, const char *src)
{
	if (sys_mount(src, dir, "tmpfs", MS_NOSUID, "size=1m"))
		return fail("mount tmpfs");
	return 0;
}

static int newapi(const char *dir)
{
	long fs, mnt;

	fs = syscall(SYS_fsopen, "tmpfs", FSOPEN_CLOEXEC);
	if (fs < 0)
		return fail("fsopen");
	if (syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "source", "pwnew", 0))
		return fail("fsconfig source");
	if (syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0))
		return fail("fsconfig create");
	mnt = syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NODEV);
	if (mnt < 0)
		return fail("fsmount");
	if (syscall(SYS_move_mount, mnt, "", AT_FDCWD, dir, MOVE_MOUNT_F_EMPTY_PATH))
		return fail("move_mount");
	if (syscall(SYS_umount2, dir, MNT_DETACH))
		return fail("umount2");
	return 0;
}

/* A key=value longer than the record's source field. */
static int fsconfig_long(void)
{
	char value[201];
	long fs;

	memset(value, 'b', 200);
	value[200] = '\0';
	fs = syscall(SYS_fsopen, "tmpfs", FSOPEN_CLOEXEC);
	if (fs < 0)
		return fail("fsopen");
	if (syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "source", value, 0))
		return fail("fsconfig source");
	return 0;
}

static int pivot(const char *newroot)
{
	char old[4096];

	if (tmpfs_on(newroot, "pwroot"))
		return 1;
	snprintf(old, sizeof(old), "%s/old", newroot);
	if (mkdir(old, 0755))
		return fail("mkdir put_old");
	if (syscall(SYS_pivot_root, newroot, old))
		return fail("pivot_root");
	return 0;
}

static int setattr(const char *dir)
{
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NODEV };

	if (tmpfs_on(dir, "pwattr"))
		return 1;
	if (syscall(SYS_mount_setattr, AT_FDCWD, dir, AT_RECURSIVE, &attr, sizeof(attr)))
		return fail("mount_setattr");
	return 0;
}

int main(int argc, char **argv)
{
	const char *act, *dir;

	if (argc != 3) {
		fprintf(stderr, "usage: workload_mount ACTION DIR\n");
		return 2;
	}
	act = argv[1];
	dir = argv[2];
	if (!strcmp(act, "tmpfs")) {
		if (private_ns(dir) || tmpfs_on(dir, "pwsrc"))
			return 1;
		return syscall(SYS_umount2, dir, 0) ? fail("umount2") : 0;
	}
	if (!strcmp(act, "denied")) {
		if (private_ns(dir))
			return 1;
		if (drop_sys_admin())
			return fail("capset");
		return expect_errno(sys_mount("pwsrc", dir, "tmpfs", MS_NOSUID, "size=1m"), EPERM,
				    "mount without CAP_SYS_ADMIN");
	}
	if (!strcmp(act, "seccomp")) {
		if (private_ns(dir))
			return 1;
		if (refuse_mount_with_seccomp())
			return fail("seccomp");
		return expect_errno(sys_mount("pwsrc", dir, "tmpfs", MS_NOSUID, "size=1m"), EPERM,
				    "mount under seccomp");
	}
	if (!strcmp(act, "long")) {
		char target[4096];
		int n;

		if (private_ns(dir))
			return 1;
		/* two 150-byte names: past the 256-byte field, under NAME_MAX */
		n = snprintf(target, sizeof(target), "%s/", dir);
		memset(target + n, 'a', 301);
		target[n + 150] = '/';
		target[n + 301] = '\0';
		return expect_errno(sys_mount("pwsrc", target, "tmpfs", 0, NULL), ENOENT,
				    "mount on a missing directory");
	}
	if (!strcmp(act, "newapi"))
		return private_ns(dir) || newapi(dir);
	if (!strcmp(act, "fsconfig-long"))
		return private_ns(dir) || fsconfig_long();
	if (!strcmp(act, "pivot"))
		return private_ns(dir) || pivot(dir);
	if (!strcmp(act, "open-tree")) {
		if (private_ns(dir))
			return 1;
		if (syscall(SYS_open_tree, AT_FDCWD, dir, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC) < 0)
			return fail("open_tree");
		return 0;
	}
	if (!strcmp(act, "setattr"))
		return private_ns(dir) || setattr(dir);
	if (!strcmp(act, "umount-relative")) {
		/* DIR covered, then unmounted by a relative, roundabout name from
		 * its parent: the kernel resolves it from the cwd. */
		char parent[4096], rel[4200];
		const char *slash = strrchr(dir, '/');

		if (!slash || private_ns(NULL) || tmpfs_on(dir, "pwrel"))
			return 1;
		snprintf(parent, sizeof(parent), "%.*s", (int)(slash - dir), dir);
		snprintf(rel, sizeof(rel), "./%s/../%s", slash + 1, slash + 1);
		if (chdir(parent[0] ? parent : "/"))
			return fail("chdir");
		return syscall(SYS_umount2, rel, 0) ? fail("umount2") : 0;
	}
	if (!strcmp(act, "umount-masked")) {
		/* DIR is not made: it is a kernel directory such as /proc/acpi,
		 * covered the way runc masks it, in our own namespace only. */
		if (private_ns(NULL) || tmpfs_on(dir, "pwmask"))
			return 1;
		return syscall(SYS_umount2, dir, 0) ? fail("umount2") : 0;
	}
	fprintf(stderr, "workload_mount: unknown action %s\n", act);
	return 2;
}
