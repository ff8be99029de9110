// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The Pod Security Standards level from a measured posture
 * (events/posture_model.h), one test per control: a hardened container
 * (restricted) with one fact changed at a time, the level that fact gives
 * and the violation text `privwatch inspect` shows; then the mode the
 * dimensions add up to, and the sensitive host path list.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "events/posture_model.h"

static struct pw_posture p;

/* --user 1000 --cap-drop ALL --security-opt no-new-privileges --read-only,
 * seccomp and AppArmor and SELinux on, nothing of the host's. */
static void hardened(void)
{
	int i;

	memset(&p, 0, sizeof(p));
	for (i = 0; i < PW_DIM_COUNT; i++)
		p.dim[i].state = PW_DIM_CONFINED;
	p.uid = 1000;
}

static void relax(enum pw_dim d)
{
	p.dim[d].state = PW_DIM_RELAXED;
}

/* Exactly control c violated, at the level it belongs to, with this text. */
static void assert_only(enum pw_pss_control c, const char *text)
{
	char buf[256];

	pw_posture_derive(&p);
	if (p.pss_violated != 1u << c)
		fail_msg("violated %#x, want only %s", p.pss_violated, pw_pss_control_name(c));
	assert_int_equal(p.pss, c < PW_PSS_FIRST_RESTRICTED ? PW_PSS_PRIVILEGED : PW_PSS_BASELINE);
	pw_pss_violation_text(&p, c, buf, sizeof(buf));
	assert_string_equal(buf, text);
}

static void test_hardened_is_restricted(void **state)
{
	hardened();
	pw_posture_derive(&p);
	assert_int_equal(p.pss, PW_PSS_RESTRICTED);
	assert_int_equal(p.pss_violated, 0);
	assert_int_equal(p.mode, PW_POSTURE_DEFAULT);
	/* NET_BIND_SERVICE is the one restricted allows back. */
	p.cap_bnd = p.cap_eff = 1ULL << 10;
	pw_posture_derive(&p);
	assert_int_equal(p.pss, PW_PSS_RESTRICTED);
	/* Dimensions no PSS control names: still restricted. */
	relax(PW_DIM_USER_NAMESPACE);
	relax(PW_DIM_READONLY_ROOTFS);
	relax(PW_DIM_DEVICE_CGROUP);
	relax(PW_DIM_HOST_DEVICES);
	relax(PW_DIM_READONLY_KERNEL_FS);
	pw_posture_derive(&p);
	assert_int_equal(p.pss, PW_PSS_RESTRICTED);
	assert_int_equal(p.mode, PW_POSTURE_PARTIAL); /* but host power all the same */
}

static void test_baseline_privileged(void **state)
{
	int i;

	hardened();
	for (i = 0; i < PW_DIM_SEED_COUNT; i++)
		relax(i);
	p.caps_full = 1;
	pw_posture_derive(&p);
	assert_int_equal(p.mode, PW_POSTURE_PRIVILEGED);
	assert_int_equal(p.pss, PW_PSS_PRIVILEGED);
	assert_true(p.pss_violated & 1u << PW_PSS_B_PRIVILEGED);
	/* Without the full capability set it is not --privileged. */
	p.caps_full = 0;
	pw_posture_derive(&p);
	assert_int_equal(p.mode, PW_POSTURE_PARTIAL);
	assert_false(p.pss_violated & 1u << PW_PSS_B_PRIVILEGED);
}

static void test_baseline_host_namespaces(void **state)
{
	hardened();
	p.host_ns = 1u << PW_HOSTNS_PID | 1u << PW_HOSTNS_IPC;
	relax(PW_DIM_HOST_NAMESPACES);
	assert_only(PW_PSS_B_HOST_NAMESPACES, "baseline: host namespaces (pid,ipc)");
	assert_int_equal(p.mode, PW_POSTURE_PARTIAL);
	/* uts, cgroup, time: no PSS field for them. */
	p.host_ns = 1u << PW_HOSTNS_UTS | 1u << PW_HOSTNS_CGROUP | 1u << PW_HOSTNS_TIME;
	pw_posture_derive(&p);
	assert_int_equal(p.pss, PW_PSS_RESTRICTED);
}

static void test_baseline_capabilities(void **state)
{
	hardened();
	p.cap_bnd = p.cap_eff = 1ULL << 21 | 1ULL << 10;
	p.caps_added = p.caps_dangerous = 1ULL << 21;
	relax(PW_DIM_CAPABILITIES);
	assert_only(PW_PSS_B_CAPABILITIES,
		    "baseline: capabilities beyond the default set (sys_admin)");
	assert_int_equal(p.mode, PW_POSTURE_PARTIAL);
}

static void test_baseline_host_path(void **state)
{
	hardened();
	p.nhost_mounts = 2;
	snprintf(p.host_mounts[0].source, sizeof(p.host_mounts[0].source), "/run/docker.sock");
	snprintf(p.host_mounts[1].source, sizeof(p.host_mounts[1].source), "/etc");
	relax(PW_DIM_HOST_MOUNTS);
	assert_only(PW_PSS_B_HOST_PATH, "baseline: hostPath volumes (/run/docker.sock,/etc)");
	assert_int_equal(p.mode, PW_POSTURE_PARTIAL);
	/* Any host directory is a hostPath volume, sensitive or not; it is
	 * not host power by itself (mode default). */
	hardened();
	p.nhost_paths = 1;
	snprintf(p.host_paths, sizeof(p.host_paths), "/srv/data");
	assert_only(PW_PSS_B_HOST_PATH, "baseline: hostPath volumes (/srv/data)");
	assert_int_equal(p.mode, PW_POSTURE_DEFAULT);
}

static void test_baseline_apparmor(void **state)
{
	hardened();
	relax(PW_DIM_APPARMOR);
	assert_only(PW_PSS_B_APPARMOR, "baseline: AppArmor unconfined");
	/* Not applicable (no AppArmor on the host): nothing to violate. */
	p.dim[PW_DIM_APPARMOR].state = PW_DIM_NA;
	pw_posture_derive(&p);
	assert_int_equal(p.pss, PW_PSS_RESTRICTED);
}

static void test_baseline_selinux(void **state)
{
	hardened();
	relax(PW_DIM_SELINUX);
	assert_only(PW_PSS_B_SELINUX, "baseline: SELinux type not allowed");
}

static void test_baseline_proc_mount(void **state)
{
	hardened();
	relax(PW_DIM_MASKED_PATHS);
	assert_only(PW_PSS_B_PROC_MOUNT, "baseline: /proc mount type unmasked");
}

static void test_baseline_seccomp(void **state)
{
	hardened();
	relax(PW_DIM_SECCOMP);
	assert_only(PW_PSS_B_SECCOMP, "baseline: seccomp unconfined");
}

static void test_restricted_privilege_escalation(void **state)
{
	hardened();
	relax(PW_DIM_NO_NEW_PRIVS);
	assert_only(PW_PSS_R_PRIVILEGE_ESCALATION,
		    "restricted: privilege escalation allowed (no_new_privs unset)");
	assert_int_equal(p.mode, PW_POSTURE_DEFAULT);
}

static void test_restricted_run_as_non_root(void **state)
{
	hardened();
	p.uid = 0;
	relax(PW_DIM_USER);
	assert_only(PW_PSS_R_RUN_AS_NON_ROOT, "restricted: runs as root (uid 0)");
}

static void test_restricted_capabilities(void **state)
{
	hardened();
	/* A default set, kept: net_raw among them. */
	p.cap_bnd = PW_CAPS_RUNTIME_DEFAULT;
	assert_only(PW_PSS_R_CAPABILITIES,
		    "restricted: capabilities not dropped to NET_BIND_SERVICE "
		    "(chown,dac_override,fowner,fsetid,kill,setgid,setuid,setpcap,net_raw,"
		    "sys_chroot,mknod,audit_write,setfcap)");
	/* Capabilities not measured: nothing said about them. */
	p.dim[PW_DIM_CAPABILITIES].state = PW_DIM_NA;
	pw_posture_derive(&p);
	assert_int_equal(p.pss, PW_PSS_RESTRICTED);
}

/* A default docker container: baseline, what restricted forbids listed. */
static void test_default_docker_is_baseline(void **state)
{
	hardened();
	p.cap_bnd = p.cap_eff = PW_CAPS_RUNTIME_DEFAULT;
	p.uid = 0;
	relax(PW_DIM_USER);
	relax(PW_DIM_NO_NEW_PRIVS);
	relax(PW_DIM_USER_NAMESPACE);
	relax(PW_DIM_READONLY_ROOTFS);
	pw_posture_derive(&p);
	assert_int_equal(p.mode, PW_POSTURE_DEFAULT);
	assert_int_equal(p.pss, PW_PSS_BASELINE);
	assert_int_equal(p.pss_violated, 1u << PW_PSS_R_PRIVILEGE_ESCALATION |
						 1u << PW_PSS_R_RUN_AS_NON_ROOT |
						 1u << PW_PSS_R_CAPABILITIES);
	assert_int_equal(pw_posture_mode_dims(&p), 0);
}

static void test_names(void **state)
{
	unsigned int c;

	for (c = 0; c < PW_PSS_CONTROL_COUNT; c++) {
		assert_non_null(pw_pss_control_name(c));
		assert_non_null(pw_pss_control_title(c));
	}
	assert_null(pw_pss_control_name(PW_PSS_CONTROL_COUNT));
	assert_string_equal(pw_pss_control_level(PW_PSS_B_SECCOMP), "baseline");
	assert_string_equal(pw_pss_control_level(PW_PSS_R_CAPABILITIES), "restricted");
	assert_string_equal(pw_pss_level_name(PW_PSS_BASELINE), "baseline");
	assert_null(pw_pss_level_name(7));
	assert_string_equal(pw_dim_name(PW_DIM_HOST_MOUNTS), "host_mounts");
	assert_string_equal(pw_dim_name(PW_DIM_READONLY_ROOTFS), "readonly_rootfs");
	assert_string_equal(pw_hostns_name(PW_HOSTNS_TIME), "time");
	assert_null(pw_hostns_name(PW_HOSTNS_COUNT));
	assert_string_equal(pw_mount_class_name(PW_MCLASS_RUNTIME_SOCKET), "runtime_socket");
	assert_null(pw_mount_class_name(PW_MCLASS_COUNT));
}

static void test_sensitive_paths(void **state)
{
	assert_int_equal(pw_sensitive_match("/"), PW_MCLASS_HOST_ROOT);
	assert_int_equal(pw_sensitive_match("/proc"), PW_MCLASS_PROC);
	assert_int_equal(pw_sensitive_match("/sys"), PW_MCLASS_SYS);
	assert_int_equal(pw_sensitive_match("/var/run/docker.sock"), PW_MCLASS_RUNTIME_SOCKET);
	assert_int_equal(pw_sensitive_match("/run/docker.sock"), PW_MCLASS_RUNTIME_SOCKET);
	assert_int_equal(pw_sensitive_match("/run/containerd/containerd.sock"),
			 PW_MCLASS_RUNTIME_SOCKET);
	assert_int_equal(pw_sensitive_match("/var/run/crio/crio.sock"), PW_MCLASS_RUNTIME_SOCKET);
	assert_int_equal(pw_sensitive_match("/etc"), PW_MCLASS_ETC);
	assert_int_equal(pw_sensitive_match("/etc/kubernetes/pki"), PW_MCLASS_ETC);
	assert_int_equal(pw_sensitive_match("/lib/modules/6.1.0"), PW_MCLASS_KERNEL_MODULES);
	assert_int_equal(pw_sensitive_match("/home/alice"), PW_MCLASS_HOME);
	assert_int_equal(pw_sensitive_match("/var/lib/kubelet"), PW_MCLASS_RUNTIME_STATE);
	/* A daemon told to listen elsewhere: its socket by name. */
	assert_int_equal(pw_sensitive_match("/run/privwatch-e2e/docker.sock"),
			 PW_MCLASS_RUNTIME_SOCKET);
	assert_int_equal(pw_sensitive_match("/srv/k8s/containerd.sock"), PW_MCLASS_RUNTIME_SOCKET);
	assert_int_equal(pw_sensitive_match("/srv/docker.socket"), -1);
	assert_int_equal(pw_sensitive_match("/srv/docker.sock.d/x"), -1);
	/* A parent exposes what is below it. */
	assert_int_equal(pw_sensitive_match("/var/lib"), PW_MCLASS_RUNTIME_STATE);
	assert_int_equal(pw_sensitive_match("/run"), PW_MCLASS_RUNTIME_SOCKET);
	/* Below an entry that is not a subtree: the runtime's own files. */
	assert_int_equal(pw_sensitive_match("/var/lib/docker/containers/abc/hosts"), -1);
	assert_int_equal(pw_sensitive_match("/var/lib/kubelet/pods/uid/volumes/x"), -1);
	assert_int_equal(pw_sensitive_match("/proc/sys/fs/binfmt_misc"), -1);
	assert_int_equal(pw_sensitive_match("/dev/shm"), -1);
	assert_int_equal(pw_sensitive_match("/srv/data"), -1);
	assert_int_equal(pw_sensitive_match("/etcetera"), -1);
	assert_int_equal(pw_sensitive_match("relative"), -1);
	/* Configured ones. */
	assert_int_equal(pw_sensitive_add("/srv/secrets/**"), 0);
	assert_int_equal(pw_sensitive_add("/opt/agent.sock/"), 0);
	assert_int_equal(pw_sensitive_add("nope"), -EINVAL);
	assert_int_equal(pw_sensitive_match("/srv/secrets/db"), PW_MCLASS_OTHER);
	assert_int_equal(pw_sensitive_match("/opt/agent.sock"), PW_MCLASS_OTHER);
	assert_int_equal(pw_sensitive_match("/srv/data"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hardened_is_restricted),
		cmocka_unit_test(test_baseline_privileged),
		cmocka_unit_test(test_baseline_host_namespaces),
		cmocka_unit_test(test_baseline_capabilities),
		cmocka_unit_test(test_baseline_host_path),
		cmocka_unit_test(test_baseline_apparmor),
		cmocka_unit_test(test_baseline_selinux),
		cmocka_unit_test(test_baseline_proc_mount),
		cmocka_unit_test(test_baseline_seccomp),
		cmocka_unit_test(test_restricted_privilege_escalation),
		cmocka_unit_test(test_restricted_run_as_non_root),
		cmocka_unit_test(test_restricted_capabilities),
		cmocka_unit_test(test_default_docker_is_baseline),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_sensitive_paths),
	};

	return cmocka_run_group_tests_name("unit: pss", tests, NULL, NULL);
}
