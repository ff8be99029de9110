// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Posture from fixture trees (tests/fixtures/posture): a default and a
 * privileged docker container, and partial ones, as /proc and /sys would show
 * them. Each test copies a tree to a temporary directory and makes the
 * container's /dev there; device nodes need root, so without it those tests
 * are skipped.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <jansson.h>
#include "lib/jsonw.h"
#include "host/posture.h"
#include "posture_check.h"

#define PID 4242

static char fixtures[PATH_MAX];
static char tree[PATH_MAX];
static struct pw_posture p;

static void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void sh(const char *fmt, ...)
{
	char cmd[3 * PATH_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (system(cmd) != 0)
		fail_msg("failed: %s", cmd);
}

/* dev.list lines: "c 1 3 null", "b 254 0 vda", "d pts", "l fd /proc/self/fd". */
static int make_dev(const char *list, const char *dev)
{
	char line[512], type, name[256], target[256], path[PATH_MAX];
	unsigned int maj, min;
	FILE *f = fopen(list, "re");
	int rc = 0;

	assert_non_null(f);
	assert_int_equal(mkdir(dev, 0755), 0);
	while (!rc && fgets(line, sizeof(line), f)) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (sscanf(line, "%c %u %u %255s", &type, &maj, &min, name) == 4 &&
		    (type == 'c' || type == 'b')) {
			snprintf(path, sizeof(path), "%s/%s", dev, name);
			if (mknod(path, (type == 'c' ? S_IFCHR : S_IFBLK) | 0600,
				  makedev(maj, min)))
				rc = errno == EPERM ? 1 : -errno;
		} else if (sscanf(line, "d %255s", name) == 1) {
			snprintf(path, sizeof(path), "%s/%s", dev, name);
			assert_int_equal(mkdir(path, 0755), 0);
		} else if (sscanf(line, "l %255s %255s", name, target) == 2) {
			snprintf(path, sizeof(path), "%s/%s", dev, name);
			assert_int_equal(symlink(target, path), 0);
		} else {
			fail_msg("bad dev.list line: %s", line);
		}
	}
	fclose(f);
	return rc;
}

/* The default tree with variant's files over it (NULL: default only). */
static void build(const char *variant)
{
	char path[PATH_MAX], dev[PATH_MAX];

	snprintf(tree, sizeof(tree), "/tmp/pw-posture-XXXXXX");
	assert_non_null(mkdtemp(tree));
	/* The container's /dev is listed only on tmpfs or devtmpfs: the tree is
	 * a tmpfs of its own (root needed, as for the device nodes). */
	if (mount("tmpfs", tree, "tmpfs", 0, "mode=0755")) {
		rmdir(tree);
		tree[0] = '\0';
		print_message("[   SKIP   ] the fixture tree needs root (tmpfs)\n");
		skip();
	}
	sh("cp -a '%s/default/.' '%s/'", fixtures, tree);
	if (variant)
		sh("cp -a '%s/%s/.' '%s/'", fixtures, variant, tree);
	snprintf(path, sizeof(path), "%s/proc/%d/root", tree, PID);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(dev, sizeof(dev), "%s/dev", path);
	snprintf(path, sizeof(path), "%s/dev.list", tree);
	if (make_dev(path, dev) == 1) {
		umount2(tree, MNT_DETACH);
		sh("rm -rf '%s'", tree);
		tree[0] = '\0';
		print_message("[   SKIP   ] device nodes need root (mknod)\n");
		skip();
	}
}

static int cleanup(void **state)
{
	if (tree[0]) {
		umount2(tree, MNT_DETACH);
		sh("rm -rf '%s'", tree);
	}
	tree[0] = '\0';
	return 0;
}

static void measure(void)
{
	assert_int_equal(pw_posture_measure(PID, tree, tree, &p), 0);
}

/* Overwrite a file of the tree. */
static void put(const char *rel, const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tree, rel);
	f = fopen(path, "we");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void set_capbnd(const char *rel, const char *hex)
{
	sh("sed -i 's/^CapBnd:.*/CapBnd:\t%s/' '%s/%s'", hex, tree, rel);
}

/* The posture under test is p. */
#define assert_dim(d, s, has) h_assert_dim(&p, d, s, has)

/* Relaxed in a default docker container, as in the fixture: its own user is
 * root, no user namespace, no no_new_privs, a writable root filesystem. */
#define DEFAULT_RELAXED                                                                            \
	(1u << PW_DIM_USER_NAMESPACE | 1u << PW_DIM_NO_NEW_PRIVS | 1u << PW_DIM_USER |             \
	 1u << PW_DIM_READONLY_ROOTFS)

/* Exactly the dimensions in relaxed (a bit mask of enum pw_dim) relaxed. */
static void assert_relaxed_only(unsigned int relaxed)
{
	int i;

	for (i = 0; i < PW_DIM_COUNT; i++)
		if ((p.dim[i].state == PW_DIM_RELAXED) != !!(relaxed & (1u << i)))
			fail_msg("%s is %s: %s", pw_dim_name(i), pw_dim_state_name(p.dim[i].state),
				 p.dim[i].evidence);
}

static json_t *to_json(void)
{
	struct jsonw w;
	json_error_t err;
	const char *line;
	size_t len;
	json_t *j;

	jw_init(&w);
	pw_posture_to_json(&w, &p);
	line = jw_line(&w, &len);
	assert_non_null(line);
	j = json_loads(line, 0, &err);
	if (!j)
		fail_msg("bad JSON (%s): %s", err.text, line);
	jw_free(&w);
	return j;
}

static void test_default_container(void **state)
{
	build(NULL);
	measure();
	assert_int_equal(p.pid, PID);
	assert_dim(PW_DIM_CAPABILITIES, PW_DIM_CONFINED, "CapBnd 00000000a80425fb");
	assert_dim(PW_DIM_CAPABILITIES, PW_DIM_CONFINED, "nothing beyond the runtime default set");
	assert_dim(PW_DIM_MASKED_PATHS, PW_DIM_CONFINED, "7 masked: /proc/kcore /proc/keys");
	assert_dim(PW_DIM_MASKED_PATHS, PW_DIM_CONFINED, "/sys/firmware");
	assert_dim(PW_DIM_READONLY_KERNEL_FS, PW_DIM_CONFINED,
		   "rw: none; ro: /sys /proc/sys /proc/sysrq-trigger /proc/bus /proc/fs /proc/irq");
	assert_dim(PW_DIM_READONLY_KERNEL_FS, PW_DIM_CONFINED, "cgroupfs 0 rw 12 ro");
	assert_dim(PW_DIM_APPARMOR, PW_DIM_CONFINED, "profile docker-default (enforce)");
	assert_dim(PW_DIM_SECCOMP, PW_DIM_CONFINED, "filter, 1 filters");
	assert_dim(PW_DIM_DEVICE_CGROUP, PW_DIM_CONFINED, "12 rules");
	assert_dim(PW_DIM_HOST_DEVICES, PW_DIM_CONFINED, "no device nodes beyond");
	assert_dim(PW_DIM_SELINUX, PW_DIM_CONFINED, "container_t");
	/* cgroup and time are shared by default: reported, not counted. */
	assert_dim(PW_DIM_HOST_NAMESPACES, PW_DIM_CONFINED,
		   "the host's: cgroup time; own: pid net ipc uts (cgroup, time: the runtime "
		   "default, not counted); compared with kthreadd (pid 2)");
	assert_int_equal(p.host_ns, 1u << PW_HOSTNS_CGROUP | 1u << PW_HOSTNS_TIME);
	assert_dim(
		PW_DIM_USER_NAMESPACE, PW_DIM_RELAXED,
		"user:[4026531837] is the host's (kthreadd (pid 2)): container root is host root");
	/* docker's own binds (/etc/hosts... from /var/lib/docker/containers) are not. */
	assert_dim(PW_DIM_HOST_MOUNTS, PW_DIM_CONFINED, "no sensitive host path among");
	assert_int_equal(p.nhost_mounts, 0);
	assert_dim(PW_DIM_NO_NEW_PRIVS, PW_DIM_RELAXED, "NoNewPrivs 0");
	assert_dim(PW_DIM_USER, PW_DIM_RELAXED, "uid 0 euid 0: host root");
	assert_int_equal(p.uid, 0);
	assert_dim(PW_DIM_READONLY_ROOTFS, PW_DIM_RELAXED, "/ overlay rw");
	assert_relaxed_only(DEFAULT_RELAXED);
	assert_int_equal(p.mode, PW_POSTURE_DEFAULT);
	/* Baseline: what restricted forbids is root, setuid, the default set. */
	assert_int_equal(p.pss, PW_PSS_BASELINE);
	assert_int_equal(p.pss_violated, 1u << PW_PSS_R_PRIVILEGE_ESCALATION |
						 1u << PW_PSS_R_RUN_AS_NON_ROOT |
						 1u << PW_PSS_R_CAPABILITIES);
	assert_string_equal(p.pss_detail[PW_PSS_R_CAPABILITIES],
			    "chown,dac_override,fowner,fsetid,kill,setgid,setuid,setpcap,net_raw,"
			    "sys_chroot,mknod,audit_write,setfcap");
}

static void test_privileged_container(void **state)
{
	build("privileged");
	measure();
	/* Docker 20.10 grants up to CAP_AUDIT_READ: still "all" on a newer host. */
	assert_dim(PW_DIM_CAPABILITIES, PW_DIM_RELAXED, "CapBnd 0000003fffffffff");
	assert_dim(PW_DIM_CAPABILITIES, PW_DIM_RELAXED, "sys_admin");
	assert_false(strstr(p.dim[PW_DIM_CAPABILITIES].evidence, "perfmon"));
	assert_false(strstr(p.dim[PW_DIM_CAPABILITIES].evidence, " chown"));
	assert_dim(PW_DIM_MASKED_PATHS, PW_DIM_RELAXED, "none masked: /proc/kcore");
	assert_dim(PW_DIM_READONLY_KERNEL_FS, PW_DIM_RELAXED, "rw: /sys /proc/sys");
	assert_dim(PW_DIM_READONLY_KERNEL_FS, PW_DIM_RELAXED, "ro: none; cgroupfs 12 rw 0 ro");
	assert_dim(PW_DIM_APPARMOR, PW_DIM_RELAXED, "profile unconfined");
	assert_dim(PW_DIM_SECCOMP, PW_DIM_RELAXED, "disabled");
	assert_dim(PW_DIM_DEVICE_CGROUP, PW_DIM_RELAXED, "a *:* rwm");
	/* Block devices first, then the telling character devices. */
	assert_dim(PW_DIM_HOST_DEVICES, PW_DIM_RELAXED,
		   "21 extra device nodes: vda vda1 kmsg mem port ttyS0 ttyS1 autofs ...");
	assert_dim(PW_DIM_SELINUX, PW_DIM_RELAXED, "spc_t");
	assert_true(p.caps_full);
	assert_int_equal(p.mode, PW_POSTURE_PRIVILEGED);
	assert_int_equal(p.pss, PW_PSS_PRIVILEGED);
	assert_true(p.pss_violated & 1u << PW_PSS_B_PRIVILEGED);
	assert_true(p.pss_violated & 1u << PW_PSS_B_SECCOMP);
	assert_true(p.pss_violated & 1u << PW_PSS_B_PROC_MOUNT);
	assert_true(p.pss_violated & 1u << PW_PSS_B_APPARMOR);
	assert_true(p.pss_violated & 1u << PW_PSS_B_SELINUX);
	assert_true(p.caps_dangerous & 1ULL << 21);
}

static void test_partial_caps_only(void **state)
{
	build("partial-caps");
	measure();
	assert_relaxed_only(DEFAULT_RELAXED | 1u << PW_DIM_CAPABILITIES);
	assert_dim(PW_DIM_CAPABILITIES, PW_DIM_RELAXED, "checkpoint_restore");
	assert_dim(PW_DIM_CAPABILITIES, PW_DIM_RELAXED, "sys_admin(!)");
	assert_true(p.caps_full);
	assert_int_equal(p.mode, PW_POSTURE_PARTIAL);
}

static void test_partial_seccomp_only(void **state)
{
	build("partial-seccomp");
	measure();
	assert_relaxed_only(DEFAULT_RELAXED | 1u << PW_DIM_SECCOMP);
	assert_int_equal(p.mode, PW_POSTURE_PARTIAL);
}

static void test_partial_devices_only(void **state)
{
	build("partial-devices");
	measure();
	assert_relaxed_only(DEFAULT_RELAXED | 1u << PW_DIM_DEVICE_CGROUP |
			    1u << PW_DIM_HOST_DEVICES);
	assert_dim(PW_DIM_HOST_DEVICES, PW_DIM_RELAXED, "21 extra device nodes");
	assert_int_equal(p.mode, PW_POSTURE_PARTIAL);
}

/* This host's case: no AppArmor, SELinux compiled in but not active. */
static void test_lsms_off_are_not_applicable(void **state)
{
	build("privileged");
	sh("rm -rf '%s/sys/module/apparmor' '%s/sys/fs/selinux'", tree, tree);
	measure();
	assert_dim(PW_DIM_APPARMOR, PW_DIM_NA, "AppArmor not enabled on this host");
	assert_dim(PW_DIM_SELINUX, PW_DIM_NA, "SELinux not active on this host");
	/* Every applicable one relaxed is still privileged. */
	assert_int_equal(p.mode, PW_POSTURE_PRIVILEGED);
	cleanup(state);

	build(NULL);
	put("sys/module/apparmor/parameters/enabled", "N\n");
	measure();
	assert_dim(PW_DIM_APPARMOR, PW_DIM_NA, "AppArmor not enabled on this host");
	assert_int_equal(p.mode, PW_POSTURE_DEFAULT);
}

/* Relaxed is "everything the host has", not the full set. */
static void test_capabilities_compared_with_the_host(void **state)
{
	build(NULL);
	/* A host without CAP_SYS_RESOURCE (24) anywhere. */
	set_capbnd("proc/1/status", "000001fffeffffff");
	set_capbnd("proc/4242/status", "000001fffeffffff");
	measure();
	assert_dim(PW_DIM_CAPABILITIES, PW_DIM_RELAXED, NULL);
	/* The same minus everything above CAP_AUDIT_READ: an older runtime's "all". */
	set_capbnd("proc/4242/status", "0000003ffeffffff");
	measure();
	assert_dim(PW_DIM_CAPABILITIES, PW_DIM_RELAXED, NULL);
	assert_true(p.caps_full);
	/* One more missing (CAP_SYS_ADMIN): still beyond the default set, so
	 * relaxed, the rest named; but not the full set --privileged means. */
	set_capbnd("proc/4242/status", "0000003ffedfffff");
	measure();
	assert_dim(PW_DIM_CAPABILITIES, PW_DIM_RELAXED, "sys_module(!) sys_rawio(!)");
	assert_false(strstr(p.dim[PW_DIM_CAPABILITIES].evidence, "sys_admin"));
	assert_false(strstr(p.dim[PW_DIM_CAPABILITIES].evidence, "the full set"));
	assert_false(p.caps_full);
	/* Some of the newer ones but not CAP_PERFMON: not the older runtime's "all". */
	set_capbnd("proc/4242/status", "000000bffeffffff");
	measure();
	assert_dim(PW_DIM_CAPABILITIES, PW_DIM_RELAXED, "audit_read bpf(!)");
	assert_false(p.caps_full);
}

/* Graded: one capability beyond the default set relaxes the dimension and
 * makes the container partial; the default set itself does not. */
static void test_capabilities_graded(void **state)
{
	build(NULL);
	/* docker run --cap-add SYS_ADMIN */
	set_capbnd("proc/4242/status", "00000000a82425fb");
	measure();
	assert_dim(PW_DIM_CAPABILITIES, PW_DIM_RELAXED,
		   "beyond the runtime default set: sys_admin(!)");
	assert_int_equal(p.caps_added, 1ULL << 21);
	assert_int_equal(p.caps_dangerous, 1ULL << 21);
	assert_false(p.caps_full);
	assert_int_equal(p.mode, PW_POSTURE_PARTIAL);
	assert_int_equal(p.pss, PW_PSS_PRIVILEGED);
	assert_string_equal(p.pss_detail[PW_PSS_B_CAPABILITIES], "sys_admin");
	/* --cap-add SYS_NICE: beyond the default, not dangerous: still partial. */
	set_capbnd("proc/4242/status", "00000000a88425fb");
	measure();
	assert_dim(PW_DIM_CAPABILITIES, PW_DIM_RELAXED, "sys_nice");
	assert_false(strstr(p.dim[PW_DIM_CAPABILITIES].evidence, "(!)"));
	assert_int_equal(p.caps_dangerous, 0);
	assert_int_equal(p.mode, PW_POSTURE_PARTIAL);
	/* Added only to the effective set (ambient, file capabilities...). */
	set_capbnd("proc/4242/status", "00000000a80425fb");
	sh("sed -i 's/^CapEff:.*/CapEff:\t00000000a80c25fb/' '%s/proc/4242/status'", tree);
	measure();
	assert_dim(PW_DIM_CAPABILITIES, PW_DIM_RELAXED, "sys_ptrace(!)");
	/* --cap-drop ALL: nothing at all. */
	set_capbnd("proc/4242/status", "0000000000000000");
	sh("sed -i 's/^CapEff:.*/CapEff:\t0000000000000000/' '%s/proc/4242/status'", tree);
	measure();
	assert_dim(PW_DIM_CAPABILITIES, PW_DIM_CONFINED, "nothing beyond");
	assert_false(p.pss_violated & 1u << PW_PSS_R_CAPABILITIES);
}

static void ns_link(const char *type, const char *target)
{
	sh("ln -sfn '%s' '%s/proc/%d/ns/%s'", target, tree, PID, type);
}

/* docker run --pid=host --net=host: the init's namespaces are kthreadd's. */
static void test_host_namespaces(void **state)
{
	build(NULL);
	ns_link("pid", "pid:[4026531836]");
	ns_link("net", "net:[4026531833]");
	measure();
	assert_dim(PW_DIM_HOST_NAMESPACES, PW_DIM_RELAXED,
		   "the host's: pid net cgroup time; own: ipc uts");
	assert_int_equal(p.host_ns, 1u << PW_HOSTNS_PID | 1u << PW_HOSTNS_NET |
					    1u << PW_HOSTNS_CGROUP | 1u << PW_HOSTNS_TIME);
	assert_int_equal(p.mode, PW_POSTURE_PARTIAL);
	assert_int_equal(p.pss, PW_PSS_PRIVILEGED);
	assert_string_equal(p.pss_detail[PW_PSS_B_HOST_NAMESPACES], "pid,net");
	cleanup(state);

	/* --uts=host: host power (partial) but no PSS control names it. */
	build(NULL);
	ns_link("uts", "uts:[4026531838]");
	measure();
	assert_dim(PW_DIM_HOST_NAMESPACES, PW_DIM_RELAXED, "the host's: uts cgroup time");
	assert_int_equal(p.mode, PW_POSTURE_PARTIAL);
	assert_int_equal(p.pss, PW_PSS_BASELINE);
	cleanup(state);

	/* --ipc=host */
	build(NULL);
	ns_link("ipc", "ipc:[4026531839]");
	measure();
	assert_string_equal(p.pss_detail[PW_PSS_B_HOST_NAMESPACES], "ipc");
}

/* Which host process the namespaces are compared with, and when none. */
static void test_host_namespace_reference(void **state)
{
	build(NULL);
	/* pid 2 that is not kthreadd (a pid namespace of its own): not used. */
	sh("sed -i 's/^Name:.*/Name:\tsh/' '%s/proc/2/status'", tree);
	measure();
	assert_dim(PW_DIM_HOST_NAMESPACES, PW_DIM_NA, "no host process");
	assert_dim(PW_DIM_USER_NAMESPACE, PW_DIM_NA, "no host user namespace");
	/* PID 1's, when readable. */
	sh("cp -a '%s/proc/2/ns' '%s/proc/1/ns'", tree, tree);
	measure();
	assert_dim(PW_DIM_HOST_NAMESPACES, PW_DIM_CONFINED, "compared with pid 1");
	/* Else the agent's own. */
	sh("mv '%s/proc/1/ns' '%s/proc/self/ns'", tree, tree);
	measure();
	assert_dim(PW_DIM_HOST_NAMESPACES, PW_DIM_CONFINED, "compared with the agent (/proc/self)");
	/* A container whose links cannot be read: said, not guessed. */
	sh("rm '%s/proc/%d/ns/ipc'", tree, PID);
	measure();
	assert_dim(PW_DIM_HOST_NAMESPACES, PW_DIM_CONFINED, "unreadable: ipc");
}

/* userns-remap: root in the container is uid 100000 on the host. */
static void test_user_namespace_mapped(void **state)
{
	build(NULL);
	ns_link("user", "user:[4026532410]");
	put("proc/4242/uid_map", "         0     100000      65536\n");
	sh("sed -i 's/^Uid:.*/Uid:\t100000\t100000\t100000\t100000/' '%s/proc/%d/status'", tree,
	   PID);
	measure();
	assert_dim(PW_DIM_USER_NAMESPACE, PW_DIM_CONFINED,
		   "user:[4026532410], not the host's user:[4026531837]; uid_map 0 100000 65536");
	assert_dim(PW_DIM_USER, PW_DIM_CONFINED, "uid 100000 euid 100000 on the host");
	assert_int_equal(p.uid, 100000);
	assert_false(p.pss_violated & 1u << PW_PSS_R_RUN_AS_NON_ROOT);
}

static void append_mounts(const char *lines)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/proc/%d/mountinfo", tree, PID);
	f = fopen(path, "ae");
	assert_non_null(f);
	fputs(lines, f);
	fclose(f);
}

/* -v /var/run/docker.sock:/var/run/docker.sock: the source is found in the
 * host's mount table by device (tmpfs on /run), whatever the container calls it. */
static void test_host_mounts_docker_socket(void **state)
{
	build(NULL);
	append_mounts("2100 1031 0:27 /docker.sock /var/run/docker.sock rw,nosuid,nodev,noexec,"
		      "relatime - tmpfs tmpfs rw,size=803036k,mode=755\n");
	measure();
	assert_dim(PW_DIM_HOST_MOUNTS, PW_DIM_RELAXED,
		   "/run/docker.sock on /var/run/docker.sock rw (runtime_socket)");
	assert_int_equal(p.nhost_mounts, 1);
	assert_string_equal(p.host_mounts[0].source, "/run/docker.sock");
	assert_string_equal(p.host_mounts[0].target, "/var/run/docker.sock");
	assert_int_equal(p.host_mounts[0].mclass, PW_MCLASS_RUNTIME_SOCKET);
	assert_true(p.host_mounts[0].rw);
	assert_int_equal(p.host_mount_classes, 1u << PW_MCLASS_RUNTIME_SOCKET);
	assert_int_equal(p.host_mount_classes_rw, 1u << PW_MCLASS_RUNTIME_SOCKET);
	assert_int_equal(p.mode, PW_POSTURE_PARTIAL);
	assert_int_equal(p.pss, PW_PSS_PRIVILEGED);
	assert_string_equal(p.pss_detail[PW_PSS_B_HOST_PATH], "/run/docker.sock");
}

/* -v /:/host:ro with docker 20.10's non-recursive ro: / ro, its /proc rw. */
static void test_host_mounts_root_ro_proc_rw(void **state)
{
	build(NULL);
	append_mounts(
		"2101 1031 254:1 / /host ro,relatime - ext4 /dev/vda1 rw\n"
		"2102 2101 0:21 / /host/proc rw,nosuid,nodev,noexec,relatime - proc proc rw\n"
		"2103 2101 0:22 / /host/sys rw,nosuid,nodev,noexec,relatime - sysfs sysfs rw\n");
	measure();
	assert_dim(PW_DIM_HOST_MOUNTS, PW_DIM_RELAXED,
		   "/ on /host ro (host_root); /proc on /host/proc rw (proc); /sys on /host/sys rw "
		   "(sys)");
	assert_int_equal(p.host_mount_classes,
			 1u << PW_MCLASS_HOST_ROOT | 1u << PW_MCLASS_PROC | 1u << PW_MCLASS_SYS);
	assert_int_equal(p.host_mount_classes_rw, 1u << PW_MCLASS_PROC | 1u << PW_MCLASS_SYS);
}

/* Innocent neighbours: a data directory, docker's own files, a named volume. */
static void test_host_mounts_innocent(void **state)
{
	build(NULL);
	append_mounts("2104 1031 254:1 /srv/data /data rw,relatime - ext4 /dev/vda1 rw\n"
		      "2105 1031 254:1 /var/lib/docker/volumes/v/_data /v rw,relatime - ext4 "
		      "/dev/vda1 rw\n"
		      "2106 1031 0:27 /myapp /run/myapp rw,relatime - tmpfs tmpfs rw\n"
		      "2107 1031 0:999 / /scratch rw,relatime - tmpfs tmpfs rw\n");
	measure();
	assert_dim(PW_DIM_HOST_MOUNTS, PW_DIM_CONFINED,
		   "no sensitive host path among 40 mounts; other host paths: /srv/data on /data "
		   "rw /run/myapp on /run/myapp rw");
	assert_int_equal(p.mode, PW_POSTURE_DEFAULT);
	/* Not host power, but hostPath volumes all the same for the PSS; the
	 * named volume (/var/lib/docker/volumes) is not one. */
	assert_int_equal(p.nhost_paths, 2);
	assert_int_equal(p.pss, PW_PSS_PRIVILEGED);
	assert_string_equal(p.pss_detail[PW_PSS_B_HOST_PATH], "/srv/data,/run/myapp");
	cleanup(state);

	/* A runtime with its state elsewhere (dockerd --data-root): its own
	 * /etc/hosts, hostname and resolv.conf are still not hostPath volumes. */
	build(NULL);
	append_mounts(
		"2111 1031 254:1 /srv/docker/containers/abc/hosts /etc/hosts rw - ext4 "
		"/dev/vda1 rw\n"
		"2112 1031 254:1 /srv/docker/containers/abc/resolv.conf /etc/resolv.conf rw - "
		"ext4 /dev/vda1 rw\n"
		"2113 1031 254:1 /srv/notes.txt /etc/hostname rw - ext4 /dev/vda1 rw\n"
		/* podman's /dev/shm: a tmpfs it mounts in its userdata */
		"2114 1033 0:27 /podman/abc/userdata/shm /dev/shm rw - tmpfs shm rw\n");
	measure();
	assert_int_equal(p.nhost_paths, 1);
	assert_string_equal(p.host_paths, "/srv/notes.txt");
	cleanup(state);

	/* --ipc=host: the host's /dev/shm comes with the ipc namespace. */
	build(NULL);
	append_mounts("2110 1033 0:28 / /dev/shm rw,nosuid,nodev - tmpfs tmpfs rw\n");
	sh("echo '41 25 0:28 / /dev/shm rw,nosuid,nodev shared:4 - tmpfs tmpfs rw' >> "
	   "'%s/proc/self/mountinfo'",
	   tree);
	measure();
	assert_int_equal(p.nhost_paths, 0);
	assert_int_equal(p.nhost_mounts, 0);
	cleanup(state);

	/* A file below /etc, /var/run written as such, a parent of /var/lib/docker. */
	build(NULL);
	append_mounts("2108 1031 254:1 /etc/shadow /x/shadow ro,relatime - ext4 /dev/vda1 rw\n"
		      "2109 1031 254:1 /var/lib /x/lib ro,relatime - ext4 /dev/vda1 rw\n");
	measure();
	assert_dim(PW_DIM_HOST_MOUNTS, PW_DIM_RELAXED,
		   "/etc/shadow on /x/shadow ro (etc); /var/lib on /x/lib ro (runtime_state)");
	assert_int_equal(p.host_mount_classes_rw, 0);
}

/* --user 1000 --cap-drop ALL --security-opt no-new-privileges --read-only */
static void test_hardened_is_restricted(void **state)
{
	build(NULL);
	set_capbnd("proc/4242/status", "0000000000000000");
	sh("sed -i -e 's/^CapEff:.*/CapEff:\t0000000000000000/' -e 's/^CapPrm:.*/CapPrm:\t0000000000000000/' "
	   "-e 's/^NoNewPrivs:.*/NoNewPrivs:\t1/' -e 's/^Uid:.*/Uid:\t1000\t1000\t1000\t1000/' "
	   "'%s/proc/%d/status'",
	   tree, PID);
	sh("sed -i 's|^1031 880 0:119 / / rw,|1031 880 0:119 / / ro,|' '%s/proc/%d/mountinfo'",
	   tree, PID);
	measure();
	assert_dim(PW_DIM_NO_NEW_PRIVS, PW_DIM_CONFINED, "NoNewPrivs 1");
	assert_dim(PW_DIM_USER, PW_DIM_CONFINED, "uid 1000 euid 1000");
	assert_dim(PW_DIM_READONLY_ROOTFS, PW_DIM_CONFINED, "/ overlay ro");
	assert_relaxed_only(1u << PW_DIM_USER_NAMESPACE);
	assert_int_equal(p.mode, PW_POSTURE_DEFAULT);
	assert_int_equal(p.pss, PW_PSS_RESTRICTED);
	assert_int_equal(p.pss_violated, 0);
}

/* A container whose /dev is a symlink to the host's /dev must not be
 * followed there; symlinks inside /dev are not device nodes either. */
static void test_dev_symlinks_not_followed(void **state)
{
	char dev[PATH_MAX], link[PATH_MAX];

	build(NULL);
	snprintf(dev, sizeof(dev), "%s/proc/%d/root/dev", tree, PID);
	snprintf(link, sizeof(link), "%s/kmsg", dev);
	assert_int_equal(symlink("/dev/kmsg", link), 0);
	measure();
	assert_dim(PW_DIM_HOST_DEVICES, PW_DIM_CONFINED, NULL);

	sh("rm -rf '%s'", dev);
	assert_int_equal(symlink("/dev", dev), 0);
	measure();
	assert_dim(PW_DIM_HOST_DEVICES, PW_DIM_NA, "not followed");
}

/* A /dev that is neither tmpfs nor devtmpfs (a FUSE server that never
 * answers, here a bind of a disk directory) is not listed at all. */
static void test_dev_on_other_fs_not_listed(void **state)
{
	char dev[PATH_MAX], disk[] = "/var/tmp/pw-posture-dev-XXXXXX";

	build("privileged");
	assert_non_null(mkdtemp(disk));
	snprintf(dev, sizeof(dev), "%s/proc/%d/root/dev", tree, PID);
	assert_int_equal(mount(disk, dev, NULL, MS_BIND, NULL), 0);
	measure();
	umount2(dev, MNT_DETACH);
	rmdir(disk);
	assert_dim(PW_DIM_HOST_DEVICES, PW_DIM_NA, "not devtmpfs or tmpfs");
	cleanup(state);

	/* FUSE over /dev in the container's own mount table: not even opened
	 * (opening the root of a FUSE mount waits for its server). */
	build("privileged");
	sh("sed -i 's| /dev rw,nosuid - tmpfs tmpfs | /dev rw,nosuid - fuse.hang hang |' "
	   "'%s/proc/%d/mountinfo'",
	   tree, PID);
	measure();
	assert_dim(PW_DIM_HOST_DEVICES, PW_DIM_NA, "is fuse.hang, not devtmpfs or tmpfs");
}

/*
 * A privileged container can make 60,000 mounts (they fit in the 4 MiB a
 * mount table is read up to): deep stacks, many cgroup mounts, many
 * siblings. Measured once per container, the table is indexed once, so
 * this takes milliseconds; before, 8,000 mounts took 12.7 s.
 */
static void test_60000_mounts_measured_fast(void **state)
{
	struct timespec t0, t1;
	char path[PATH_MAX];
	double secs;
	FILE *f;
	int i;

	build(NULL);
	snprintf(path, sizeof(path), "%s/proc/%d/mountinfo", tree, PID);
	f = fopen(path, "ae");
	assert_non_null(f);
	/* 20,000 tmpfs stacked on /proc/kcore, each on the one before */
	for (i = 0; i < 20000; i++)
		fprintf(f, "%d %d 0:200 / /proc/kcore rw,relatime - tmpfs tmpfs rw\n", 100000 + i,
			i ? 100000 + i - 1 : 1032);
	/* 20,000 cgroup mounts below /sys/fs/cgroup, read-only */
	for (i = 0; i < 20000; i++)
		fprintf(f,
			"%d 1039 0:41 / /sys/fs/cgroup/x%d ro,nosuid - cgroup cgroup rw,name=x%d\n",
			200000 + i, i, i);
	/* 20,000 siblings on / */
	for (i = 0; i < 20000; i++)
		fprintf(f, "%d 1031 0:201 / /mnt/m%d rw - tmpfs tmpfs rw\n", 300000 + i, i);
	fclose(f);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	measure();
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	print_message("[   INFO   ] 60,000 extra mounts measured in %.3f s\n", secs);
	assert_true(secs < 0.25);
	assert_dim(PW_DIM_MASKED_PATHS, PW_DIM_CONFINED, "/proc/kcore");
	assert_dim(PW_DIM_READONLY_KERNEL_FS, PW_DIM_CONFINED, "cgroupfs 0 rw 20012 ro");
}

/* A mount stacked on another is the one that counts. */
static void test_the_top_mount_counts(void **state)
{
	char path[PATH_MAX];
	FILE *f;

	build(NULL);
	snprintf(path, sizeof(path), "%s/proc/%d/mountinfo", tree, PID);
	f = fopen(path, "ae");
	assert_non_null(f);
	fputs("2000 1035 0:22 / /sys rw,nosuid,nodev,noexec,relatime - sysfs sysfs rw\n"
	      "2001 884 0:122 /sys /proc/sys rw,nosuid,nodev,noexec,relatime - proc proc rw\n",
	      f);
	fclose(f);
	measure();
	assert_dim(PW_DIM_READONLY_KERNEL_FS, PW_DIM_RELAXED, "rw: /sys /proc/sys; ro:");
	/* The fresh sysfs over /sys hides the tmpfs on /sys/firmware. */
	assert_dim(PW_DIM_MASKED_PATHS, PW_DIM_CONFINED, "; not masked: /sys/firmware");

	/* A fresh proc over /proc (on the old one, 1032) hides every mask and
	 * read-only bind below it, whatever the order of the lines. */
	snprintf(path, sizeof(path),
		 "sed -i '1i 2002 1032 0:300 / /proc rw,nosuid - proc proc rw' "
		 "'%s/proc/%d/mountinfo'",
		 tree, PID);
	sh("%s", path);
	measure();
	assert_dim(PW_DIM_MASKED_PATHS, PW_DIM_RELAXED, "none masked");
	assert_dim(PW_DIM_READONLY_KERNEL_FS, PW_DIM_RELAXED,
		   "rw: /sys /proc/sys /proc/sysrq-trigger /proc/bus /proc/fs /proc/irq; ro: none");
}

static void test_cgroup_v2_only_without_devices_controller(void **state)
{
	build(NULL);
	/* No v1 devices line: the cgroup2 directory of the fixture is a plain
	 * directory, which BPF cannot query, so nothing can be said. */
	sh("sed -i '/devices/d' '%s/proc/%d/cgroup'", tree, PID);
	measure();
	assert_dim(PW_DIM_DEVICE_CGROUP, PW_DIM_NA, "no devices cgroup found");
}

static void test_json_and_print(void **state)
{
	json_t *j, *dims, *relaxed;
	char *text = NULL;
	size_t len;
	FILE *f;

	build("partial-seccomp");
	sh("rm -rf '%s/sys/fs/selinux'", tree);
	measure();
	j = to_json();
	assert_string_equal(json_string_value(json_object_get(j, "mode")), "partial");
	relaxed = json_object_get(j, "mode_relaxed");
	assert_int_equal(json_array_size(relaxed), 1);
	assert_string_equal(json_string_value(json_array_get(relaxed, 0)), "seccomp");
	relaxed = json_object_get(j, "relaxed");
	assert_int_equal(json_array_size(relaxed), 5);
	assert_string_equal(json_string_value(json_array_get(relaxed, 0)), "seccomp");
	assert_string_equal(json_string_value(json_array_get(relaxed, 1)), "user_namespace");
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "pss"), "level")),
			    "privileged");
	assert_string_equal(json_string_value(json_array_get(
				    json_object_get(json_object_get(j, "pss"), "violations"), 0)),
			    "baseline: seccomp unconfined");
	assert_int_equal(json_integer_value(json_object_get(j, "uid")), 0);
	assert_int_equal(json_array_size(json_object_get(j, "host_mounts")), 0);
	dims = json_object_get(j, "dimensions");
	assert_int_equal(json_object_size(dims), PW_DIM_COUNT);
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(dims, "seccomp"), "state")),
		"relaxed");
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(dims, "seccomp"), "evidence")),
		"disabled");
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(dims, "selinux"), "state")),
		"n/a");
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(dims, "selinux"), "reason")),
		"SELinux not active on this host");
	assert_null(json_object_get(json_object_get(dims, "selinux"), "evidence"));
	assert_non_null(json_object_get(dims, "readonly_kernel_fs"));
	json_decref(j);

	f = open_memstream(&text, &len);
	pw_posture_print(f, &p);
	fclose(f);
	assert_true(!strncmp(text, "pid 4242: partial (relaxed: seccomp)\n", 37));
	assert_non_null(strstr(text, "\n  selinux            n/a      SELinux not active"));
	assert_non_null(
		strstr(text, "\npss:       privileged\n  violates baseline: seccomp unconfined\n"));
	assert_non_null(strstr(text, "\n  violates restricted: runs as root (uid 0)\n"));
	free(text);
}

static void test_gone_process(void **state)
{
	build(NULL);
	assert_int_equal(pw_posture_measure(4243, tree, tree, &p), -ESRCH);
	/* A zombie still has a status, but no mount table nor root any more. */
	sh("sed -i 's/^State:.*/State:\tZ (zombie)/' '%s/proc/%d/status'", tree, PID);
	assert_int_equal(pw_posture_measure(PID, tree, tree, &p), -ESRCH);
	sh("rm -f '%s/proc/%d/status'", tree, PID);
	assert_int_equal(pw_posture_measure(PID, tree, tree, &p), -ESRCH);
	assert_int_equal(p.pid, 0);
}

/* The host-wide facts for the real roots: read once, again only when the
 * agent's mount table changes (here: a tmpfs mounted). */
static void test_host_facts_read_once(void **state)
{
	char dir[] = "/tmp/pw-facts-XXXXXX";
	uint64_t n0, n1;

	assert_int_equal(pw_posture_measure(getpid(), "/", "/", &p), 0);
	n0 = pw_posture_host_facts_reads();
	assert_true(n0 >= 1);
	assert_int_equal(pw_posture_measure(getpid(), "/", "/", &p), 0);
	assert_int_equal(pw_posture_measure(getpid(), "/", "/", &p), 0);
	assert_int_equal(pw_posture_host_facts_reads(), n0);
	assert_non_null(mkdtemp(dir));
	if (mount("tmpfs", dir, "tmpfs", 0, NULL)) {
		rmdir(dir);
		print_message("[   SKIP   ] mounting needs root\n");
		skip();
	}
	assert_int_equal(pw_posture_measure(getpid(), "/", "/", &p), 0);
	n1 = pw_posture_host_facts_reads();
	umount2(dir, MNT_DETACH);
	rmdir(dir);
	assert_int_equal(n1, n0 + 1);
}

static void test_derive(void **state)
{
	struct pw_posture x;

	memset(&x, 0, sizeof(x));
	assert_int_equal(pw_posture_derive(&x), PW_POSTURE_DEFAULT); /* nothing applicable */
	x.dim[PW_DIM_SECCOMP].state = PW_DIM_RELAXED;
	assert_int_equal(pw_posture_derive(&x), PW_POSTURE_PRIVILEGED);
	x.dim[PW_DIM_SELINUX].state = PW_DIM_CONFINED;
	assert_int_equal(pw_posture_derive(&x), PW_POSTURE_PARTIAL);
	x.dim[PW_DIM_SECCOMP].state = PW_DIM_CONFINED;
	assert_int_equal(pw_posture_derive(&x), PW_POSTURE_DEFAULT);
	assert_string_equal(pw_posture_mode_name(PW_POSTURE_PARTIAL), "partial");
	assert_string_equal(pw_dim_name(PW_DIM_READONLY_KERNEL_FS), "readonly_kernel_fs");
	assert_string_equal(pw_dim_state_name(PW_DIM_NA), "n/a");
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_default_container, cleanup),
		cmocka_unit_test_teardown(test_privileged_container, cleanup),
		cmocka_unit_test_teardown(test_partial_caps_only, cleanup),
		cmocka_unit_test_teardown(test_partial_seccomp_only, cleanup),
		cmocka_unit_test_teardown(test_partial_devices_only, cleanup),
		cmocka_unit_test_teardown(test_lsms_off_are_not_applicable, cleanup),
		cmocka_unit_test_teardown(test_capabilities_compared_with_the_host, cleanup),
		cmocka_unit_test_teardown(test_capabilities_graded, cleanup),
		cmocka_unit_test_teardown(test_host_namespaces, cleanup),
		cmocka_unit_test_teardown(test_host_namespace_reference, cleanup),
		cmocka_unit_test_teardown(test_user_namespace_mapped, cleanup),
		cmocka_unit_test_teardown(test_host_mounts_docker_socket, cleanup),
		cmocka_unit_test_teardown(test_host_mounts_root_ro_proc_rw, cleanup),
		cmocka_unit_test_teardown(test_host_mounts_innocent, cleanup),
		cmocka_unit_test_teardown(test_hardened_is_restricted, cleanup),
		cmocka_unit_test_teardown(test_dev_symlinks_not_followed, cleanup),
		cmocka_unit_test_teardown(test_dev_on_other_fs_not_listed, cleanup),
		cmocka_unit_test_teardown(test_60000_mounts_measured_fast, cleanup),
		cmocka_unit_test_teardown(test_the_top_mount_counts, cleanup),
		cmocka_unit_test_teardown(test_cgroup_v2_only_without_devices_controller, cleanup),
		cmocka_unit_test_teardown(test_json_and_print, cleanup),
		cmocka_unit_test_teardown(test_gone_process, cleanup),
		cmocka_unit_test(test_derive),
		cmocka_unit_test(test_host_facts_read_once),
	};
	char self[PATH_MAX];

	/* .output/tests/<binary> -> tests/fixtures/posture */
	if (!realpath(argv[0], self))
		return 1;
	snprintf(fixtures, sizeof(fixtures), "%s/../../tests/fixtures/posture", dirname(self));
	return cmocka_run_group_tests_name("unit: posture", tests, NULL, NULL);
}
