// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Runtime state on disk: every field from each runtime's files in the
 * fixture tree tests/fixtures/root (the suites run from the top of the tree),
 * then what an attacker or a broken runtime can leave there (corrupt, huge,
 * FIFO, symlinked, wrongly typed files, hostile ids), built in a temporary
 * directory. Nothing of that may be read, block, or fail the lookup.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>
#include "host/container_id.h"
#include "host/runtime_state.h"

#define ROOT "tests/fixtures/root"

#define DP    "69ccb0fc6744ef51472761bbe852c05f5ee6e24d514a849944656b472ee5c7c1"
#define DPL   "42f06f8201c96b7a451d0782e13c237bf3a2f9dcaf968e67b4341b17867d3f2d"
#define DK8S  "8a89c392e51c7314b191d44791b2c5290497a17a71bdac605805cdb4f4f7e9d0"
#define DBAD  "82a2c680b65b437dc6c25305286ba5ef91bb3cdeff90202881da82d8c65bbc36"
#define CRI   "3dd15efbff4406c10bdd4d3a5bdf9a0ef3e28e8598cad6250d8fbb589c059af5"
#define SB    "e08f27c78966e257ff7318edddf12f9d4480cb94e7c6e2714341ddd165e937fd"
#define POD   "2f259bab93aaaaa2542ba43ef33eb990d0999ee1b9924b557b7be53c0b7a1bb9"
#define CRIO  "c64064614423cb790e88b3e5492ff5ccf673b25ae823089f7a60c65cda24d809"
#define OTHER "d9298a10d1b0735837dc4bd85dac641b0f3cef27a47e5d53a54f2f3f5b2fcffa"
#define UIDU  "5f3c2a1b_8d7e_4f60_9a1b_2c3d4e5f6a7b"
#define TASKS "/run/containerd/io.containerd.runtime.v2.task"

/* What a lookup must yield, field by field; NULL strings mean "". */
struct want {
	const char *name, *image, *pod_name, *pod_namespace, *container_name, *container_type,
		*bundle;
	enum pw_priv_flag privileged;
	int32_t init_pid;
	unsigned int sources;
};

static void check_meta(const char *what, const struct pw_container_meta *m, const struct want *w)
{
#define STR_IS(f)                                                                                  \
	do {                                                                                       \
		if (strcmp(m->f, w->f ? w->f : ""))                                                \
			fail_msg("%s: " #f " '%s', want '%s'", what, m->f, w->f ? w->f : "");      \
	} while (0)
	STR_IS(name);
	STR_IS(image);
	STR_IS(pod_name);
	STR_IS(pod_namespace);
	STR_IS(container_name);
	STR_IS(container_type);
	STR_IS(bundle);
#undef STR_IS
	if (m->privileged != w->privileged)
		fail_msg("%s: privileged %s, want %s", what, pw_priv_flag_name(m->privileged),
			 pw_priv_flag_name(w->privileged));
	if (m->init_pid != w->init_pid)
		fail_msg("%s: init_pid %d, want %d", what, m->init_pid, w->init_pid);
	if (m->sources != w->sources)
		fail_msg("%s: sources %#x, want %#x", what, m->sources, w->sources);
}

/* The ref as the cgroup path parser gives it, then the state under root. */
static void lookup(const char *root, const char *cgroup, struct pw_container_meta *m)
{
	struct pw_container_ref ref;

	if (pw_container_from_cgroup_path_at(root, cgroup, &ref) != 1)
		fail_msg("%s: not a container", cgroup);
	assert_int_equal(pw_runtime_state_read(root, &ref, m), 0);
}

static void test_docker_privileged(void **state)
{
	struct pw_container_meta m;

	lookup(ROOT, "/system.slice/docker-" DP ".scope", &m);
	check_meta("docker privileged", &m,
		   &(struct want){ .name = "priv-shell",
				   .image = "alpine:3.20",
				   .bundle = TASKS "/moby/" DP,
				   .privileged = PW_PRIV_YES,
				   .init_pid = 4242,
				   .sources = PW_SRC_DOCKER_CONFIG | PW_SRC_DOCKER_HOSTCONFIG });
	/* pulled: its repository digest (repositories.json), not the image id */
	assert_string_equal(m.image_digest, "sha256:beb918f4ed9c1ca8fda6ee3e0b6f41e6c5c3cd3e9f51d2"
					    "8bf5e8a0a1e6a6d2a1");
}

static void test_docker_default_not_running(void **state)
{
	struct pw_container_meta m;

	lookup(ROOT, "/docker/" DPL, &m);
	check_meta("docker default", &m,
		   &(struct want){ .name = "web",
				   .image = "nginx:1.27",
				   .privileged = PW_PRIV_NO,
				   .sources = PW_SRC_DOCKER_CONFIG | PW_SRC_DOCKER_HOSTCONFIG });
}

static void test_docker_under_kubelet(void **state)
{
	struct pw_container_meta m;

	/* the pod its labels name: io.kubernetes.pod.uid */
	lookup(ROOT, "/kubepods/besteffort/pod0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b/" DK8S, &m);
	check_meta(
		"dockershim", &m,
		&(struct want){
			.name = "k8s_kube-proxy_kube-proxy-x7k2p_kube-system_"
				"0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b_0",
			.image = "registry.k8s.io/kube-proxy@sha256:"
				 "0fd6a0b2c4a5b8c1d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2",
			.pod_name = "kube-proxy-x7k2p",
			.pod_namespace = "kube-system",
			.container_name = "kube-proxy",
			.container_type = "container",
			.privileged = PW_PRIV_YES,
			.init_pid = 777,
			.sources = PW_SRC_DOCKER_CONFIG | PW_SRC_DOCKER_HOSTCONFIG });
}

/* The same labels where that pod is not: a container outside kubepods
 * (docker run --label io.kubernetes.pod.name=...), or in another pod's
 * cgroup, claims no pod. */
static void test_pod_labels_only_in_their_pod(void **state)
{
	static const char *const paths[] = {
		"/docker/" DK8S,
		"/system.slice/docker-" DK8S ".scope",
		"/kubepods/besteffort/pod5f3c2a1b-8d7e-4f60-9a1b-2c3d4e5f6a7b/" DK8S,
	};
	struct pw_container_meta m;
	size_t i;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		lookup(ROOT, paths[i], &m);
		check_meta(
			paths[i], &m,
			&(struct want){
				.name = "k8s_kube-proxy_kube-proxy-x7k2p_kube-system_"
					"0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b_0",
				.image =
					"registry.k8s.io/kube-proxy@sha256:"
					"0fd6a0b2c4a5b8c1d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4"
					"b3c2",
				.privileged = PW_PRIV_YES,
				.init_pid = 777,
				.sources = PW_SRC_DOCKER_CONFIG | PW_SRC_DOCKER_HOSTCONFIG });
	}
	/* The CRI's annotations in the systemd driver's spelling of its pod. */
	lookup(ROOT,
	       "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod"
	       "0a1b2c3d_4e5f_6071_8293_a4b5c6d7e8f9.slice/cri-containerd-" CRI ".scope",
	       &m);
	assert_string_equal(m.pod_name, "");
	assert_string_equal(m.pod_namespace, "");
}

static void test_docker_corrupt_and_missing(void **state)
{
	struct pw_container_meta m;

	/* truncated config.v2.json; "Privileged": "yes" is not a boolean */
	lookup(ROOT, "/docker/" DBAD, &m);
	check_meta("docker corrupt", &m,
		   &(struct want){ .privileged = PW_PRIV_UNKNOWN,
				   .sources = PW_SRC_DOCKER_HOSTCONFIG });
	/* no state at all: still a container, nothing known */
	lookup(ROOT, "/docker/" OTHER, &m);
	check_meta("docker missing", &m, &(struct want){ 0 });
	lookup("/nonexistent-root", "/docker/" DP, &m);
	check_meta("no root", &m, &(struct want){ 0 });
}

static void test_cri_containerd_container(void **state)
{
	struct pw_container_meta m;

	lookup(ROOT,
	       "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UIDU
	       ".slice/cri-containerd-" CRI ".scope",
	       &m);
	check_meta("cri container", &m,
		   &(struct want){ .name = "nginx",
				   .image = "docker.io/library/nginx:1.27",
				   .pod_name = "web-7d9c5b8f4-abcde",
				   .pod_namespace = "shop",
				   .container_name = "nginx",
				   .container_type = "container",
				   .bundle = TASKS "/k8s.io/" CRI,
				   .privileged = PW_PRIV_UNKNOWN, /* not in the OCI config */
				   .init_pid = 6001,
				   .sources = PW_SRC_OCI_CONFIG | PW_SRC_INIT_PID });
}

static void test_cri_containerd_sandbox(void **state)
{
	struct pw_container_meta m;

	lookup(ROOT, "/kubepods/burstable/pod5f3c2a1b-8d7e-4f60-9a1b-2c3d4e5f6a7b/" SB, &m);
	check_meta("cri sandbox", &m,
		   &(struct want){ .pod_name = "web-7d9c5b8f4-abcde",
				   .pod_namespace = "shop",
				   .container_type = "sandbox",
				   .bundle = TASKS "/k8s.io/" SB,
				   .sources = PW_SRC_OCI_CONFIG });
}

static void test_ctr(void **state)
{
	struct pw_container_meta m;

	lookup(ROOT, "/default/web1", &m);
	check_meta("ctr", &m,
		   &(struct want){ .name = "web1",
				   .bundle = TASKS "/default/web1",
				   .init_pid = 7001,
				   .sources = PW_SRC_OCI_CONFIG | PW_SRC_INIT_PID });
}

static void test_podman(void **state)
{
	struct pw_container_meta m;

	lookup(ROOT, "/machine.slice/libpod-" POD ".scope", &m);
	check_meta("podman", &m,
		   &(struct want){ .name = "priv-podman",
				   .image = "docker.io/library/alpine:3.20",
				   .bundle = "/var/lib/containers/storage/overlay-containers/" POD
					     "/userdata",
				   .privileged = PW_PRIV_YES,
				   .init_pid = 8001,
				   .sources = PW_SRC_OCI_CONFIG | PW_SRC_INIT_PID |
					      PW_SRC_STORAGE_INDEX });
}

static void test_crio(void **state)
{
	struct pw_container_meta m;

	lookup(ROOT,
	       "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod"
	       "0a1b2c3d_4e5f_6071_8293_a4b5c6d7e8f9.slice/crio-" CRIO ".scope",
	       &m);
	check_meta("crio", &m,
		   &(struct want){ .name = "redis",
				   .image = "quay.io/crio/redis:alpine",
				   .pod_name = "cache-0",
				   .pod_namespace = "data",
				   .container_name = "redis",
				   .container_type = "container",
				   .bundle = "/run/containers/storage/overlay-containers/" CRIO
					     "/userdata",
				   .sources = PW_SRC_OCI_CONFIG });
	/* For rules: the image reference, the CRI labels, and the pod's labels
	 * from its sandbox (io.kubernetes.* left out). */
	assert_string_equal(m.image_digest, "quay.io/crio/redis@sha256:1f1b0b5a5e2d3c4b5a697887"
					    "96a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7");
	assert_memory_equal(m.labels, "io.kubernetes.container.name=redis\0", 35);
	assert_int_equal(m.pod_labels_len,
			 sizeof("app=cache\0app.kubernetes.io/name=redis\0tier=db"));
	assert_memory_equal(m.pod_labels, "app=cache\0app.kubernetes.io/name=redis\0tier=db",
			    m.pod_labels_len);
}

/* Docker's labels; a sandbox named by labels is not read without the pod
 * identity (its cgroup), so no pod labels outside kubepods. */
static void test_docker_labels_and_image_id(void **state)
{
	struct pw_container_meta m;

	lookup(ROOT, "/kubepods/besteffort/pod0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b/" DK8S, &m);
	assert_string_equal(m.image_digest, "sha256:aaaa");
	assert_non_null(
		memmem(m.labels, m.labels_len, "io.kubernetes.pod.name=kube-proxy-x7k2p", 40));
	assert_int_equal(m.pod_labels_len, 0);
	lookup(ROOT,
	       "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod"
	       "5f3c2a1b_8d7e_4f60_9a1b_2c3d4e5f6a7b.slice/crio-" CRIO ".scope",
	       &m);
	assert_int_equal(m.pod_labels_len, 0); /* not its pod: nothing of the pod */
}

static void test_runc(void **state)
{
	struct pw_container_meta m;

	lookup(ROOT, "/mybox", &m);
	check_meta("runc", &m,
		   &(struct want){ .name = "mybox",
				   .image = "busybox:1.36",
				   .bundle = "/srv/bundles/mybox",
				   .init_pid = 5151,
				   .sources = PW_SRC_RUNC_STATE | PW_SRC_OCI_CONFIG });
}

/* PRIVWATCH_STATE_ROOTS: with the production root "/", runtimes kept under
 * another prefix (the e2e tests' own roots) are found there; relative
 * entries are ignored; a fixture root never looks at the variable. */
static void test_extra_state_roots(void **state)
{
	struct pw_container_ref ref;
	struct pw_container_meta m;
	char abs[4096], env[8300];
	char buf[16];

	assert_non_null(realpath(ROOT, abs));
	unsetenv(PW_STATE_ROOTS_ENV);
	assert_int_equal(pw_container_from_cgroup_path_at("/", "/mybox", &ref), 0);
	snprintf(env, sizeof(env), "relative/x::%s/nonexistent:%s", abs, abs);
	setenv(PW_STATE_ROOTS_ENV, env, 1);
	lookup("/", "/mybox", &m);
	check_meta("runc under an extra root", &m,
		   &(struct want){ .name = "mybox",
				   .image = "busybox:1.36",
				   .bundle = "/srv/bundles/mybox",
				   .init_pid = 5151,
				   .sources = PW_SRC_RUNC_STATE | PW_SRC_OCI_CONFIG });
	lookup("/", "/docker/" DPL, &m);
	check_meta("docker under an extra root", &m,
		   &(struct want){ .name = "web",
				   .image = "nginx:1.27",
				   .privileged = PW_PRIV_NO,
				   .sources = PW_SRC_DOCKER_CONFIG | PW_SRC_DOCKER_HOSTCONFIG });
	assert_string_equal(pw_state_root("/", 0, buf, sizeof(buf)), "/");
	assert_null(pw_state_root("/", 1, buf, sizeof(buf))); /* longer than buf */
	assert_null(pw_state_root(ROOT, 1, abs, sizeof(abs)));
	setenv(PW_STATE_ROOTS_ENV, "/nonexistent", 1);
	assert_int_equal(pw_container_from_cgroup_path_at("/", "/mybox", &ref), 0);
	unsetenv(PW_STATE_ROOTS_ENV);
}

static void test_hostile_ids_are_refused(void **state)
{
	static const char *const bad[] = {
		"..", ".", "", "../../etc", "a/b", "/etc", "a\nb", "x y"
	};
	struct pw_container_ref ref;
	struct pw_container_meta m;
	char longid[PW_CONTAINER_ID_MAX + 1];
	size_t i;
	int rt;

	for (rt = PW_RUNTIME_DOCKER; rt <= PW_RUNTIME_RUNC; rt++) {
		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			memset(&ref, 0, sizeof(ref));
			ref.runtime = rt;
			snprintf(ref.id, sizeof(ref.id), "%s", bad[i]);
			memset(&m, 0xa5, sizeof(m));
			assert_int_equal(pw_runtime_state_read(ROOT, &ref, &m), -EINVAL);
			check_meta(bad[i], &m, &(struct want){ 0 });
		}
	}
	/* a good id in a hostile containerd namespace */
	memset(&ref, 0, sizeof(ref));
	ref.runtime = PW_RUNTIME_CONTAINERD;
	strcpy(ref.id, "web1");
	strcpy(ref.ns, "../containerd/io.containerd.runtime.v2.task/default");
	assert_int_equal(pw_runtime_state_read(ROOT, &ref, &m), -EINVAL);
	/* an id filling the array without a NUL is not read past */
	memset(longid, 'a', sizeof(longid));
	memcpy(ref.id, longid, sizeof(ref.id));
	strcpy(ref.ns, "default");
	assert_int_equal(pw_runtime_state_read(ROOT, &ref, &m), -EINVAL);
	/* not a container */
	memset(&ref, 0, sizeof(ref));
	strcpy(ref.id, "web1");
	assert_int_equal(pw_runtime_state_read(ROOT, &ref, &m), -EINVAL);
}

/* A scratch root for the files nobody should commit. */
static char tmp_root[64];

static void put(const char *rel, const char *content)
{
	char path[512], *slash;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmp_root, rel);
	for (slash = strchr(path + strlen(tmp_root) + 1, '/'); slash;
	     slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(path, 0755);
		*slash = '/';
	}
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(content, f);
	fclose(f);
}

static void put_big_docker_config(const char *id, size_t size)
{
	char rel[256];
	char *buf = malloc(size + 1);
	const char *head = "{\"Name\":\"/big\",\"pad\":\"";

	assert_non_null(buf);
	memset(buf, 'a', size);
	memcpy(buf, head, strlen(head));
	memcpy(buf + size - 2, "\"}", 2);
	buf[size] = '\0';
	snprintf(rel, sizeof(rel), "var/lib/docker/containers/%s/config.v2.json", id);
	put(rel, buf);
	free(buf);
}

static int make_tmp_root(void **state)
{
	snprintf(tmp_root, sizeof(tmp_root), "/tmp/pw-state-XXXXXX");
	return mkdtemp(tmp_root) ? 0 : -1;
}

static int remove_tmp_root(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp_root);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_size_limit(void **state)
{
	struct pw_container_meta m;

	put_big_docker_config(DP, PW_STATE_MAX_BYTES);
	lookup(tmp_root, "/docker/" DP, &m);
	check_meta("at the limit", &m,
		   &(struct want){ .name = "big", .sources = PW_SRC_DOCKER_CONFIG });
	put_big_docker_config(DPL, PW_STATE_MAX_BYTES + 1);
	lookup(tmp_root, "/docker/" DPL, &m);
	check_meta("over the limit", &m, &(struct want){ 0 });
}

static void test_fifo_symlink_and_wrong_types(void **state)
{
	struct pw_container_meta m;
	char path[512], target[512];

	/* a FIFO where hostconfig.json should be: opened non-blocking, skipped */
	put("var/lib/docker/containers/" DK8S "/config.v2.json",
	    "{\"Name\":5,\"Config\":{\"Image\":[\"x\"]},\"State\":{\"Pid\":\"12\"}}");
	snprintf(path, sizeof(path), "%s/var/lib/docker/containers/" DK8S "/hostconfig.json",
		 tmp_root);
	assert_int_equal(mkfifo(path, 0600), 0);
	lookup(tmp_root, "/docker/" DK8S, &m);
	check_meta("fifo, wrong types", &m, &(struct want){ .sources = PW_SRC_DOCKER_CONFIG });

	/* symlinked file and symlinked id directory: not followed */
	snprintf(target, sizeof(target), "%s/tests/fixtures/root/var/lib/docker/containers/" DP,
		 getcwd(path, sizeof(path)));
	snprintf(path, sizeof(path), "%s/var/lib/docker/containers/" OTHER, tmp_root);
	assert_int_equal(symlink(target, path), 0);
	lookup(tmp_root, "/docker/" OTHER, &m);
	check_meta("symlinked id dir", &m, &(struct want){ 0 });

	put("var/lib/docker/containers/" DBAD "/hostconfig.json", "[true]"); /* not an object */
	snprintf(path, sizeof(path), "%s/var/lib/docker/containers/" DBAD "/config.v2.json",
		 tmp_root);
	strcat(target, "/config.v2.json");
	assert_int_equal(symlink(target, path), 0);
	lookup(tmp_root, "/docker/" DBAD, &m);
	check_meta("symlinked file", &m, &(struct want){ 0 });
}

static void test_runc_hostile_bundle_and_pid_files(void **state)
{
	struct pw_container_meta m;

	put("srv/b/config.json", "{\"annotations\":{\"org.opencontainers.image.ref.name\":\"x\"}}");
	put("run/runc/evil/state.json",
	    "{\"id\":\"evil\",\"init_process_pid\":-3,"
	    "\"config\":{\"labels\":[\"bundle=/srv/../srv/b\",\"other=1\"]}}");
	lookup(tmp_root, "/evil", &m);
	check_meta("runc .. bundle", &m,
		   &(struct want){ .name = "evil", .sources = PW_SRC_RUNC_STATE });
	put("run/runc/rel/state.json", "{\"config\":{\"labels\":[\"bundle=srv/b\"]}}");
	lookup(tmp_root, "/rel", &m);
	check_meta("runc relative bundle", &m,
		   &(struct want){ .name = "rel", .sources = PW_SRC_RUNC_STATE });
	put("run/runc/ok/state.json", "{\"config\":{\"labels\":[7,\"bundle=/srv/b\"]}}");
	lookup(tmp_root, "/ok", &m);
	check_meta("runc good bundle", &m,
		   &(struct want){ .name = "ok",
				   .image = "x",
				   .bundle = "/srv/b",
				   .sources = PW_SRC_RUNC_STATE | PW_SRC_OCI_CONFIG });

	/* pid files: junk, negative, huge are no pid; a plain one is */
	put("run/containerd/io.containerd.runtime.v2.task/default/a/init.pid", "12abc\n");
	put("run/containerd/io.containerd.runtime.v2.task/default/b/init.pid", "-5\n");
	put("run/containerd/io.containerd.runtime.v2.task/default/c/init.pid", "99999999999\n");
	put("run/containerd/io.containerd.runtime.v2.task/default/d/init.pid", "4321");
	lookup(tmp_root, "/default/a", &m);
	check_meta("pid junk", &m, &(struct want){ .name = "a", .bundle = TASKS "/default/a" });
	lookup(tmp_root, "/default/b", &m);
	check_meta("pid negative", &m, &(struct want){ .name = "b", .bundle = TASKS "/default/b" });
	lookup(tmp_root, "/default/c", &m);
	check_meta("pid huge", &m, &(struct want){ .name = "c", .bundle = TASKS "/default/c" });
	lookup(tmp_root, "/default/d", &m);
	check_meta("pid plain", &m,
		   &(struct want){ .name = "d",
				   .bundle = TASKS "/default/d",
				   .init_pid = 4321,
				   .sources = PW_SRC_INIT_PID });
}

static void test_podman_privileged_false_and_absent(void **state)
{
	struct pw_container_meta m;

	put("var/lib/containers/storage/overlay-containers/" CRI "/userdata/config.json",
	    "{\"annotations\":{\"io.podman.annotations.privileged\":\"FALSE\"}}");
	lookup(tmp_root, "/libpod_parent/libpod-" CRI, &m);
	check_meta("podman FALSE", &m,
		   &(struct want){ .bundle = "/var/lib/containers/storage/overlay-containers/" CRI
					     "/userdata",
				   .privileged = PW_PRIV_NO,
				   .sources = PW_SRC_OCI_CONFIG });
	put("run/containers/storage/overlay-containers/" SB "/userdata/config.json",
	    "{\"annotations\":{\"io.container.manager\":\"libpod\"}}");
	lookup(tmp_root, "/machine.slice/libpod-" SB ".scope", &m);
	check_meta("podman absent", &m,
		   &(struct want){ .bundle = "/run/containers/storage/overlay-containers/" SB
					     "/userdata",
				   .sources = PW_SRC_OCI_CONFIG });
}

static void test_podman_storage_index(void **state)
{
	struct pw_container_meta m;

	/* no containers.json: the volatile index; no OCI config at all */
	put("var/lib/containers/storage/overlay-containers/volatile-containers.json",
	    "[{\"id\":\"" POD "\",\"names\":[\"tmp-one\"],"
	    "\"metadata\":\"{\\\"image-name\\\":\\\"quay.io/x:1\\\"}\"}]");
	lookup(tmp_root, "/libpod_parent/libpod-" POD, &m);
	check_meta("volatile index", &m,
		   &(struct want){ .name = "tmp-one",
				   .image = "quay.io/x:1",
				   .sources = PW_SRC_STORAGE_INDEX });

	/* wrong shapes: an object, an entry with names not strings, metadata not JSON */
	put("var/lib/containers/storage/overlay-containers/containers.json",
	    "[7,{\"id\":\"" CRI "\",\"names\":[5],\"metadata\":\"{nope\"}]");
	lookup(tmp_root, "/libpod_parent/libpod-" CRI, &m);
	check_meta("index junk", &m, &(struct want){ .sources = PW_SRC_STORAGE_INDEX });
	put("var/lib/containers/storage/overlay-containers/containers.json", "{\"id\":1}");
	lookup(tmp_root, "/libpod_parent/libpod-" CRI, &m);
	check_meta("index not a list", &m, &(struct want){ 0 });
}

static void test_priv_names(void **state)
{
	assert_string_equal(pw_priv_flag_name(PW_PRIV_YES), "yes");
	assert_string_equal(pw_priv_flag_name(PW_PRIV_NO), "no");
	assert_string_equal(pw_priv_flag_name(PW_PRIV_UNKNOWN), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_docker_privileged),
		cmocka_unit_test(test_docker_default_not_running),
		cmocka_unit_test(test_docker_under_kubelet),
		cmocka_unit_test(test_pod_labels_only_in_their_pod),
		cmocka_unit_test(test_docker_corrupt_and_missing),
		cmocka_unit_test(test_cri_containerd_container),
		cmocka_unit_test(test_cri_containerd_sandbox),
		cmocka_unit_test(test_ctr),
		cmocka_unit_test(test_podman),
		cmocka_unit_test(test_crio),
		cmocka_unit_test(test_docker_labels_and_image_id),
		cmocka_unit_test(test_runc),
		cmocka_unit_test(test_extra_state_roots),
		cmocka_unit_test(test_hostile_ids_are_refused),
		cmocka_unit_test_setup_teardown(test_size_limit, make_tmp_root, remove_tmp_root),
		cmocka_unit_test_setup_teardown(test_fifo_symlink_and_wrong_types, make_tmp_root,
						remove_tmp_root),
		cmocka_unit_test_setup_teardown(test_runc_hostile_bundle_and_pid_files,
						make_tmp_root, remove_tmp_root),
		cmocka_unit_test_setup_teardown(test_podman_privileged_false_and_absent,
						make_tmp_root, remove_tmp_root),
		cmocka_unit_test_setup_teardown(test_podman_storage_index, make_tmp_root,
						remove_tmp_root),
		cmocka_unit_test(test_priv_names),
	};

	return cmocka_run_group_tests_name("unit: runtime state on disk", tests, NULL, NULL);
}
