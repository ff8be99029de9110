// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Container identity from cgroup paths: one table of the shapes each runtime
 * really creates, cgroup v1 and v2, cgroupfs and systemd drivers, with the
 * paths that must not be read as containers beside them. The unmarked shapes
 * (ctr's /<namespace>/<id>, runc's /<id>) are checked against the fixture
 * tree tests/fixtures/root (the suites run from the top of the tree).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "host/container_id.h"

#define ROOT "tests/fixtures/root"

#define DP   "69ccb0fc6744ef51472761bbe852c05f5ee6e24d514a849944656b472ee5c7c1"
#define DPL  "42f06f8201c96b7a451d0782e13c237bf3a2f9dcaf968e67b4341b17867d3f2d"
#define DK8S "8a89c392e51c7314b191d44791b2c5290497a17a71bdac605805cdb4f4f7e9d0"
#define CRI  "3dd15efbff4406c10bdd4d3a5bdf9a0ef3e28e8598cad6250d8fbb589c059af5"
#define POD  "2f259bab93aaaaa2542ba43ef33eb990d0999ee1b9924b557b7be53c0b7a1bb9"
#define CRIO "c64064614423cb790e88b3e5492ff5ccf673b25ae823089f7a60c65cda24d809"
#define UID  "5f3c2a1b-8d7e-4f60-9a1b-2c3d4e5f6a7b"
#define UIDU "5f3c2a1b_8d7e_4f60_9a1b_2c3d4e5f6a7b" /* systemd driver spelling */
#define SUID "6d0f6a3f5a8b9c1e2d3f4a5b6c7d8e9f"	    /* static pod: md5 of the manifest */

#define KSYS_BURST "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UIDU ".slice"
#define KSYS_BEST  "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UIDU ".slice"

/* rows leave the fields that do not apply out: zero, empty */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

enum { NO, YES };
#define G PW_QOS_GUARANTEED
#define B PW_QOS_BURSTABLE
#define E PW_QOS_BESTEFFORT

static const struct shape {
	const char *path;
	int want;
	enum pw_runtime rt;
	const char *id, *ns, *pod_uid;
	enum pw_k8s_qos qos;
} shapes[] = {
	/* docker, cgroupfs driver: v1 controller trees, relative, /proc/<pid>/cgroup */
	{ "/docker/" DP, YES, PW_RUNTIME_DOCKER, DP },
	{ "/sys/fs/cgroup/memory/docker/" DP, YES, PW_RUNTIME_DOCKER, DP },
	{ "/sys/fs/cgroup/cpu,cpuacct/docker/" DP, YES, PW_RUNTIME_DOCKER, DP },
	{ "/sys/fs/cgroup/name=systemd/docker/" DP, YES, PW_RUNTIME_DOCKER, DP },
	{ "12:memory:/docker/" DP, YES, PW_RUNTIME_DOCKER, DP },
	{ "docker/" DP, YES, PW_RUNTIME_DOCKER, DP },
	{ "/docker/" DP "/init", YES, PW_RUNTIME_DOCKER, DP },
	{ "/docker/" DP "/docker/" DPL, YES, PW_RUNTIME_DOCKER, DP }, /* docker in docker */
	/* docker, systemd driver, v2 and hybrid */
	{ "/system.slice/docker-" DP ".scope", YES, PW_RUNTIME_DOCKER, DP },
	{ "/sys/fs/cgroup/system.slice/docker-" DP ".scope", YES, PW_RUNTIME_DOCKER, DP },
	{ "/sys/fs/cgroup/unified/system.slice/docker-" DP ".scope", YES, PW_RUNTIME_DOCKER, DP },
	{ "0::/system.slice/docker-" DP ".scope", YES, PW_RUNTIME_DOCKER, DP },
	{ "/system.slice/docker-" DP ".scope/init.scope", YES, PW_RUNTIME_DOCKER, DP },
	{ "/system.slice/docker-" DP ".scope/system.slice/cron.service", YES, PW_RUNTIME_DOCKER,
	  DP },
	{ "/user.slice/user-1000.slice/user@1000.service/app.slice/docker-" DP ".scope", YES,
	  PW_RUNTIME_DOCKER, DP }, /* rootless */
	/* Kubernetes + containerd, systemd driver: every QoS class, static pod, kind */
	{ KSYS_BURST "/cri-containerd-" CRI ".scope", YES, PW_RUNTIME_CRI_CONTAINERD, CRI, "k8s.io",
	  UID, B },
	{ "/sys/fs/cgroup" KSYS_BEST "/cri-containerd-" CRI ".scope", YES,
	  PW_RUNTIME_CRI_CONTAINERD, CRI, "k8s.io", UID, E },
	{ "/kubepods.slice/kubepods-pod" UIDU ".slice/cri-containerd-" CRI ".scope", YES,
	  PW_RUNTIME_CRI_CONTAINERD, CRI, "k8s.io", UID, G },
	{ "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" SUID
	  ".slice/cri-containerd-" CRI ".scope",
	  YES, PW_RUNTIME_CRI_CONTAINERD, CRI, "k8s.io", SUID, B },
	{ "/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice/"
	  "kubelet-kubepods-besteffort-pod" UIDU ".slice/cri-containerd-" CRI ".scope",
	  YES, PW_RUNTIME_CRI_CONTAINERD, CRI, "k8s.io", UID, E },
	/* Kubernetes, cgroupfs driver: bare id under pod<uid> */
	{ "/kubepods/burstable/pod" UID "/" CRI, YES, PW_RUNTIME_CRI_CONTAINERD, CRI, "k8s.io", UID,
	  B },
	{ "/sys/fs/cgroup/memory/kubepods/pod" UID "/" CRI, YES, PW_RUNTIME_CRI_CONTAINERD, CRI,
	  "k8s.io", UID, G },
	{ "/kubepods/besteffort/pod" UID "/" CRI "/sub", YES, PW_RUNTIME_CRI_CONTAINERD, CRI,
	  "k8s.io", UID, E },
	{ "/kubepods/besteffort/pod" UID "/" DK8S, YES, PW_RUNTIME_DOCKER, DK8S, "", UID,
	  E }, /* dockershim: the id is docker's on disk */
	{ KSYS_BEST "/docker-" DK8S ".scope", YES, PW_RUNTIME_DOCKER, DK8S, "", UID, E },
	/* CRI-O, both drivers; its conmon is not the container */
	{ KSYS_BURST "/crio-" CRIO ".scope", YES, PW_RUNTIME_CRIO, CRIO, "", UID, B },
	{ KSYS_BURST "/crio-" CRIO ".scope/container", YES, PW_RUNTIME_CRIO, CRIO, "", UID, B },
	{ "/kubepods/burstable/pod" UID "/crio-" CRIO, YES, PW_RUNTIME_CRIO, CRIO, "", UID, B },
	{ KSYS_BURST "/crio-conmon-" CRIO ".scope", NO },
	{ "/kubepods/burstable/pod" UID "/crio-conmon-" CRIO, NO },
	/* podman: systemd (root, rootless, in a pod), cgroupfs; conmon is not it */
	{ "/machine.slice/libpod-" POD ".scope", YES, PW_RUNTIME_PODMAN, POD },
	{ "/machine.slice/libpod-" POD ".scope/container", YES, PW_RUNTIME_PODMAN, POD },
	{ "/machine.slice/machine-libpod_pod_" DPL ".slice/libpod-" POD ".scope", YES,
	  PW_RUNTIME_PODMAN, POD },
	{ "/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" POD ".scope", YES,
	  PW_RUNTIME_PODMAN, POD },
	{ "/libpod_parent/libpod-" POD, YES, PW_RUNTIME_PODMAN, POD },
	{ "/sys/fs/cgroup/pids/libpod_parent/libpod-" POD, YES, PW_RUNTIME_PODMAN, POD },
	{ "/machine.slice/libpod-conmon-" POD ".scope", NO },
	{ "/libpod_parent/libpod-conmon-" POD, NO },
	/* containerd without CRI (ctr): only with its task on disk */
	{ "/default/web1", YES, PW_RUNTIME_CONTAINERD, "web1", "default" },
	{ "/sys/fs/cgroup/memory/default/web1", YES, PW_RUNTIME_CONTAINERD, "web1", "default" },
	{ "/default/web1/child", YES, PW_RUNTIME_CONTAINERD, "web1", "default" },
	{ "/default/web2", NO },
	{ "/default", NO },
	/* plain runc: state file, or its systemd scope */
	{ "/mybox", YES, PW_RUNTIME_RUNC, "mybox" },
	{ "/user.slice/user-0.slice/session-3.scope/mybox", YES, PW_RUNTIME_RUNC, "mybox" },
	{ "/system.slice/runc-mybox.scope", YES, PW_RUNTIME_RUNC, "mybox" },
	{ "/notabox", NO },
	/* the host's own cgroups */
	{ "/", NO },
	{ "", NO },
	{ "/init.scope", NO },
	{ "/system.slice/ssh.service", NO },
	{ "/sys/fs/cgroup/system.slice/docker.service", NO },
	{ "/system.slice/containerd.service", NO },
	{ "/user.slice/user-1000.slice/session-2.scope", NO },
	{ "/user.slice/user-1000.slice", NO },
	{ "/machine.slice/machine-qemu\\x2d1\\x2dvm.scope", NO },
	{ "/sys/fs/cgroup", NO },
	{ "/sys/fs/cgroup/memory", NO },
	{ "0::/", NO },
	{ "/kubepods/burstable/pod" UID, NO },
	{ KSYS_BURST, NO },
	{ "/kubepods.slice/kubepods-burstable.slice", NO },
	/* junk and near misses */
	{ "/docker/" DP "0", NO },
	{ "/docker/"
	  "69CCB0FC6744EF51472761BBE852C05F5EE6E24D514A849944656B472EE5C7C1",
	  NO },
	{ "/docker/69ccb0fc67", NO },
	{ "/system.slice/docker-" DP ".scopex", NO },
	{ "/system.slice/docker-.scope", NO },
	{ "/system.slice/runc-.scope", NO },
	{ "/system.slice/runc-../../etc.scope", NO },
	{ "/..", NO },
	/* the kernel never names a cgroup "." or "..": such a path is forged */
	{ "/../../../run/runc/mybox", NO },
	{ "/default/..", NO },
	{ "/docker/" DP "/./x", NO },
	{ "/kubepods/burstable/pod" UID "/" CRI "/../x", NO },
	{ "::::", NO },
	{ "12:memory:", NO },
	{ "/kubepods/burstable/podZZZ/" CRI, NO },
	{ "//docker//" DP "//", YES, PW_RUNTIME_DOCKER, DP },
};

static void test_shapes(void **state)
{
	struct pw_container_ref ref;
	size_t i;

	for (i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		const struct shape *s = &shapes[i];
		int got = pw_container_from_cgroup_path_at(ROOT, s->path, &ref);

		if (got != s->want || ref.runtime != s->rt || ref.qos != s->qos ||
		    strcmp(ref.id, s->id ? s->id : "") || strcmp(ref.ns, s->ns ? s->ns : "") ||
		    strcmp(ref.pod_uid, s->pod_uid ? s->pod_uid : ""))
			fail_msg("%s: got %d %s id '%s' ns '%s' pod '%s' %s", s->path, got,
				 pw_runtime_name(ref.runtime), ref.id, ref.ns, ref.pod_uid,
				 pw_qos_name(ref.qos));
	}
	/* the brief asks for at least 30 shapes */
	assert_true(sizeof(shapes) / sizeof(shapes[0]) >= 30);
}

static void test_fixture_tree_is_reachable(void **state)
{
	FILE *f = fopen(ROOT "/run/runc/mybox/state.json", "r");

	if (!f)
		fail_msg("run the suite from the top of the tree: %s not found", ROOT);
	fclose(f);
}

static void test_default_root_and_null(void **state)
{
	struct pw_container_ref ref;

	assert_int_equal(pw_container_from_cgroup_path("/docker/" DP, &ref), 1);
	assert_string_equal(ref.id, DP);
	assert_int_equal(pw_container_from_cgroup_path(NULL, &ref), 0);
	assert_int_equal(ref.runtime, PW_RUNTIME_NONE);
	assert_int_equal(pw_container_from_cgroup_path_at(NULL, "/libpod_parent/libpod-" POD, &ref),
			 1);
	assert_int_equal(ref.runtime, PW_RUNTIME_PODMAN);
}

static void test_deep_and_long_paths(void **state)
{
	struct pw_container_ref ref;
	char path[8192];
	size_t len;
	int i;

	/* 200 levels below a container: the container is still found */
	len = (size_t)snprintf(path, sizeof(path), "/docker/%s", DP);
	for (i = 0; i < 200 && len + 3 < sizeof(path); i++)
		len += (size_t)snprintf(path + len, sizeof(path) - len, "/a");
	assert_int_equal(pw_container_from_cgroup_path_at(ROOT, path, &ref), 1);
	assert_string_equal(ref.id, DP);

	/* one huge component: a name too long to be an id, never copied */
	memset(path, 'a', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';
	assert_int_equal(pw_container_from_cgroup_path_at(ROOT, path, &ref), 0);

	/* every byte value in a component */
	for (i = 0; i < 255; i++)
		path[i] = (char)(i + 1);
	path[255] = '\0';
	assert_int_equal(pw_container_from_cgroup_path_at(ROOT, path, &ref), 0);
}

static void test_name_ok(void **state)
{
	assert_true(pw_container_name_ok("web1", 128));
	assert_true(pw_container_name_ok("k8s.io", 76));
	assert_true(pw_container_name_ok(DP, 128));
	assert_false(pw_container_name_ok("", 128));
	assert_false(pw_container_name_ok(".", 128));
	assert_false(pw_container_name_ok("..", 128));
	assert_false(pw_container_name_ok("a/b", 128));
	assert_false(pw_container_name_ok("a b", 128));
	assert_false(pw_container_name_ok("abcd", 3));
	assert_false(pw_container_name_ok(NULL, 128));
	assert_true(pw_container_name_ok("..a", 128)); /* a name, not a parent */
}

static void test_names(void **state)
{
	assert_string_equal(pw_runtime_name(PW_RUNTIME_DOCKER), "docker");
	assert_string_equal(pw_runtime_name(PW_RUNTIME_CONTAINERD), "containerd");
	assert_string_equal(pw_runtime_name(PW_RUNTIME_CRI_CONTAINERD), "cri-containerd");
	assert_string_equal(pw_runtime_name(PW_RUNTIME_CRIO), "crio");
	assert_string_equal(pw_runtime_name(PW_RUNTIME_PODMAN), "podman");
	assert_string_equal(pw_runtime_name(PW_RUNTIME_RUNC), "runc");
	assert_string_equal(pw_runtime_name(PW_RUNTIME_NONE), "");
	assert_string_equal(pw_qos_name(PW_QOS_BURSTABLE), "burstable");
	assert_string_equal(pw_qos_name(PW_QOS_BESTEFFORT), "besteffort");
	assert_string_equal(pw_qos_name(PW_QOS_GUARANTEED), "guaranteed");
	assert_string_equal(pw_qos_name(PW_QOS_NONE), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixture_tree_is_reachable),
		cmocka_unit_test(test_shapes),
		cmocka_unit_test(test_default_root_and_null),
		cmocka_unit_test(test_deep_and_long_paths),
		cmocka_unit_test(test_name_ok),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests_name("unit: container identity from cgroup paths", tests,
					   NULL, NULL);
}
