// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Runtime state on disk -> struct pw_container_meta. Every file is opened
 * below its runtime's state directory one component at a time with
 * O_NOFOLLOW: the state directory itself may be a symlink an admin made
 * (/var/lib/docker on another disk), nothing below it may be. Files are
 * parsed by jansson straight from the fd through a reader that stops at
 * PW_STATE_MAX_BYTES, so no buffer of ours is allocated per lookup.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/stat.h>
#include <jansson.h>
#include "host/hostworker.h"
#include "host/runtime_state.h"

#define DOCKER_DIR	 "var/lib/docker/containers"
#define CONTAINERD_TASKS "run/containerd/io.containerd.runtime.v2.task"
#define STORAGE_GRAPH	 "var/lib/containers/storage/overlay-containers"
#define STORAGE_RUN	 "run/containers/storage/overlay-containers"
#define RUNC_DIR	 "run/runc"

/*
 * Open root/dir/rel, dir trusted, rel walked without following symlinks.
 * want_dir: O_DIRECTORY at the end instead of a regular file. fd or -errno.
 * O_NONBLOCK so a FIFO planted in place of a file cannot stall the agent.
 */
static int open_beneath(const char *root, const char *dir, const char *rel, int want_dir)
{
	char path[4096], part[256];
	const char *p = rel;
	int fd, next;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", root, dir) >= sizeof(path))
		return -ENAMETOOLONG;
	pw_hw_reading("%s/%s", path, rel);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (*p) {
		size_t len = strcspn(p, "/");
		int last = p[len] == '\0';
		int flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK;

		if (len == 0 || len >= sizeof(part)) {
			close(fd);
			return -EINVAL;
		}
		memcpy(part, p, len);
		part[len] = '\0';
		if (!last || want_dir)
			flags |= O_DIRECTORY;
		next = openat(fd, part, flags);
		close(fd);
		if (next < 0)
			return -errno;
		fd = next;
		p += len + !last;
	}
	return fd;
}

struct bounded_reader {
	int fd;
	size_t left;
};

/* jansson's input callback: (size_t)-1 past the limit fails the parse. */
static size_t read_bounded(void *buf, size_t len, void *data)
{
	struct bounded_reader *r = data;
	ssize_t n;

	if (len > r->left + 1)
		len = r->left + 1; /* one byte over the limit tells "too big" from EOF */
	do
		n = read(r->fd, buf, len);
	while (n < 0 && errno == EINTR);
	if (n < 0 || (size_t)n > r->left)
		return (size_t)-1;
	r->left -= (size_t)n;
	return (size_t)n;
}

/* Parsed JSON of root/dir/rel, or NULL (missing, not a regular file, more
 * than max bytes, not JSON). */
static json_t *load_json_max(const char *root, const char *dir, const char *rel, size_t max)
{
	struct bounded_reader r = { .left = max };
	json_error_t err;
	struct stat st;
	json_t *j = NULL;

	r.fd = open_beneath(root, dir, rel, 0);
	if (r.fd < 0)
		return NULL;
	if (fstat(r.fd, &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size <= max)
		j = json_load_callback(read_bounded, &r, 0, &err);
	close(r.fd);
	return j;
}

/* A state file that must hold one JSON object. */
static json_t *load_json(const char *root, const char *dir, const char *rel)
{
	json_t *j = load_json_max(root, dir, rel, PW_STATE_MAX_BYTES);

	if (j && !json_is_object(j)) {
		json_decref(j);
		j = NULL;
	}
	return j;
}

/* A pid file: decimal, a newline at most. 0 if absent or not a pid. */
static int32_t read_pid_file(const char *root, const char *dir, const char *rel)
{
	char buf[32], *end;
	struct stat st;
	ssize_t n = -1;
	long v;
	int fd = open_beneath(root, dir, rel, 0);

	if (fd < 0)
		return 0;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	errno = 0;
	v = strtol(buf, &end, 10);
	if (errno || end == buf || (*end && strcmp(end, "\n")) || v <= 0 || v > INT32_MAX)
		return 0;
	return (int32_t)v;
}

static int dir_exists(const char *root, const char *dir, const char *rel)
{
	int fd = open_beneath(root, dir, rel, 1);

	if (fd < 0)
		return 0;
	close(fd);
	return 1;
}

/* Copy a JSON string into a field not already filled by a better source. */
static void take_str(char *dst, size_t size, json_t *v)
{
	const char *s = json_string_value(v);

	if (s && *s && !*dst)
		snprintf(dst, size, "%s", s);
}
#define TAKE(field, v) take_str((field), sizeof(field), (v))

static void take_pid(struct pw_container_meta *out, json_t *v)
{
	json_int_t pid = json_integer_value(v);

	if (!out->init_pid && pid > 0 && pid <= INT32_MAX)
		out->init_pid = (int32_t)pid;
}

/* "key=value\0" appended if it fits whole. */
static void label_add(char *buf, uint32_t *len, size_t size, const char *k, const char *v)
{
	size_t kl = strlen(k), vl = strlen(v);

	if (!kl || strchr(k, '=') || *len + kl + vl + 2 > size)
		return;
	memcpy(buf + *len, k, kl);
	buf[*len + kl] = '=';
	memcpy(buf + *len + kl + 1, v, vl);
	buf[*len + kl + 1 + vl] = '\0';
	*len += kl + vl + 2;
}

/* A JSON object of string values as labels; io.kubernetes.* left out when
 * skip_k8s (the runtime's and kubelet's own bookkeeping, not the user's). */
static void labels_from(char *buf, uint32_t *len, size_t size, json_t *o, int skip_k8s)
{
	const char *k;
	json_t *v;

	json_object_foreach(o, k, v)
	{
		if (!json_is_string(v) || (skip_k8s && !strncmp(k, "io.kubernetes.", 14)))
			continue;
		label_add(buf, len, size, k, json_string_value(v));
	}
}

/* Fields an OCI runtime config carries in its annotations: containerd's CRI
 * plugin (io.kubernetes.cri.*), CRI-O (kubelet's io.kubernetes.* labels and
 * io.kubernetes.cri-o.*) and podman (io.podman.annotations.*). */
static void read_oci_annotations(json_t *config, struct pw_container_meta *out)
{
	json_t *a = json_object_get(config, "annotations");
	const char *crio;
	const char *priv =
		json_string_value(json_object_get(a, "io.podman.annotations.privileged"));

	TAKE(out->pod_name, json_object_get(a, "io.kubernetes.cri.sandbox-name"));
	TAKE(out->pod_namespace, json_object_get(a, "io.kubernetes.cri.sandbox-namespace"));
	TAKE(out->container_name, json_object_get(a, "io.kubernetes.cri.container-name"));
	TAKE(out->image, json_object_get(a, "io.kubernetes.cri.image-name"));
	TAKE(out->container_type, json_object_get(a, "io.kubernetes.cri.container-type"));
	TAKE(out->pod_uid, json_object_get(a, "io.kubernetes.cri.sandbox-uid"));

	TAKE(out->pod_name, json_object_get(a, "io.kubernetes.pod.name"));
	TAKE(out->pod_namespace, json_object_get(a, "io.kubernetes.pod.namespace"));
	TAKE(out->container_name, json_object_get(a, "io.kubernetes.container.name"));
	TAKE(out->image, json_object_get(a, "io.kubernetes.cri-o.ImageName"));
	TAKE(out->container_type, json_object_get(a, "io.kubernetes.cri-o.ContainerType"));
	TAKE(out->pod_uid, json_object_get(a, "io.kubernetes.pod.uid"));

	TAKE(out->image, json_object_get(a, "org.opencontainers.image.ref.name"));
	TAKE(out->image_digest, json_object_get(a, "io.kubernetes.cri-o.ImageRef"));
	TAKE(out->sandbox_id, json_object_get(a, "io.kubernetes.cri.sandbox-id"));
	TAKE(out->sandbox_id, json_object_get(a, "io.kubernetes.cri-o.SandboxID"));
	/* CRI-O keeps the CRI labels as a JSON string (a sandbox's: the pod's) */
	crio = json_string_value(json_object_get(a, "io.kubernetes.cri-o.Labels"));
	if (crio && strlen(crio) < 65536) {
		json_t *l = json_loads(crio, JSON_REJECT_DUPLICATES, NULL);

		if (json_is_object(l))
			labels_from(out->labels, &out->labels_len, sizeof(out->labels), l, 0);
		json_decref(l);
	} else if (json_is_object(a)) {
		labels_from(out->labels, &out->labels_len, sizeof(out->labels), a, 1);
	}

	/* podman writes "TRUE"/"FALSE" (define.InspectResponseTrue) */
	if (priv && !strcasecmp(priv, "true"))
		out->privileged = PW_PRIV_YES;
	else if (priv && !strcasecmp(priv, "false"))
		out->privileged = PW_PRIV_NO;
	out->sources |= PW_SRC_OCI_CONFIG;
}

/*
 * docker's repository digest of an image id ("sha256:<config hash>"): the
 * digest of the first "name@sha256:..." reference repositories.json maps to
 * that id (an image that was pulled; an imported or built one has none).
 * The file is the host's, written by dockerd (not a container's), and is
 * parsed again only when it changed.
 */
#define DOCKER_IMAGE_DIR "var/lib/docker/image"
#define DOCKER_REPOS_MAX (8u << 20)
static pthread_mutex_t repos_mu = PTHREAD_MUTEX_INITIALIZER;
static struct {
	char root[256];
	dev_t dev;
	ino_t ino;
	struct timespec mtime;
	off_t size;
	int tried;
	json_t *j;
} repos;

static json_t *docker_repos(const char *root)
{
	static const char *const drivers[] = {
		"overlay2", "fuse-overlayfs", "btrfs", "zfs",
		"vfs",	    "overlay",	      "aufs",  "devicemapper"
	};
	char rel[64];
	struct stat st;
	size_t i;
	int fd = -1;

	for (i = 0; fd < 0 && i < sizeof(drivers) / sizeof(drivers[0]); i++) {
		snprintf(rel, sizeof(rel), "%s/repositories.json", drivers[i]);
		fd = open_beneath(root, DOCKER_IMAGE_DIR, rel, 0);
	}
	if (fd < 0 || fstat(fd, &st)) {
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	close(fd);
	if (repos.tried && !strcmp(repos.root, root) && repos.dev == st.st_dev &&
	    repos.ino == st.st_ino && repos.size == st.st_size &&
	    repos.mtime.tv_sec == st.st_mtim.tv_sec && repos.mtime.tv_nsec == st.st_mtim.tv_nsec)
		return repos.j;
	json_decref(repos.j);
	repos.j = load_json_max(root, DOCKER_IMAGE_DIR, rel, DOCKER_REPOS_MAX);
	snprintf(repos.root, sizeof(repos.root), "%s", root);
	repos.dev = st.st_dev;
	repos.ino = st.st_ino;
	repos.size = st.st_size;
	repos.mtime = st.st_mtim;
	repos.tried = 1; /* too big or not JSON: not read again until it changes */
	return repos.j;
}

static void docker_repo_digest(const char *root, const char *image_id, char *out, size_t len)
{
	const char *name, *ref;
	json_t *tags, *id;

	pthread_mutex_lock(&repos_mu);
	json_object_foreach(json_object_get(docker_repos(root), "Repositories"), name, tags)
	{
		json_object_foreach(tags, ref, id)
		{
			const char *at = strchr(ref, '@');

			if (at && json_is_string(id) && !strcmp(json_string_value(id), image_id)) {
				snprintf(out, len, "%s", at + 1);
				goto out;
			}
		}
	}
out:
	pthread_mutex_unlock(&repos_mu);
}

static void read_docker(const char *root, const char *id, struct pw_container_meta *out)
{
	char rel[256];
	json_t *j, *cfg, *labels, *priv;
	const char *name, *type;

	snprintf(rel, sizeof(rel), "%s/config.v2.json", id);
	j = load_json(root, DOCKER_DIR, rel);
	if (j) {
		cfg = json_object_get(j, "Config");
		labels = json_object_get(cfg, "Labels");
		name = json_string_value(json_object_get(j, "Name"));
		if (name && *name == '/')
			name++; /* docker keeps names as "/x" */
		if (name && *name)
			snprintf(out->name, sizeof(out->name), "%s", name);
		TAKE(out->image, json_object_get(cfg, "Image"));
		TAKE(out->image, json_object_get(j, "Image")); /* the image id */
		TAKE(out->image_digest, json_object_get(j, "Image"));
		/* pulled: the repository digest a registry names it by */
		if (out->image_digest[0])
			docker_repo_digest(root, out->image_digest, out->image_digest,
					   sizeof(out->image_digest));
		if (json_is_object(labels))
			labels_from(out->labels, &out->labels_len, sizeof(out->labels), labels, 0);
		/* cri-dockerd: the pod sandbox (its labels are the pod's) */
		TAKE(out->sandbox_id, json_object_get(labels, "io.kubernetes.sandbox.id"));
		take_pid(out, json_object_get(json_object_get(j, "State"), "Pid"));
		/* dockershim and cri-dockerd label what the CRI annotates */
		TAKE(out->pod_name, json_object_get(labels, "io.kubernetes.pod.name"));
		TAKE(out->pod_namespace, json_object_get(labels, "io.kubernetes.pod.namespace"));
		TAKE(out->container_name, json_object_get(labels, "io.kubernetes.container.name"));
		TAKE(out->pod_uid, json_object_get(labels, "io.kubernetes.pod.uid"));
		type = json_string_value(json_object_get(labels, "io.kubernetes.docker.type"));
		if (type)
			snprintf(out->container_type, sizeof(out->container_type), "%s",
				 strcmp(type, "podsandbox") ? type : "sandbox");
		out->sources |= PW_SRC_DOCKER_CONFIG;
		json_decref(j);
	}

	snprintf(rel, sizeof(rel), "%s/hostconfig.json", id);
	j = load_json(root, DOCKER_DIR, rel);
	if (j) {
		priv = json_object_get(j, "Privileged");
		if (json_is_boolean(priv))
			out->privileged = json_is_true(priv) ? PW_PRIV_YES : PW_PRIV_NO;
		out->sources |= PW_SRC_DOCKER_HOSTCONFIG;
		json_decref(j);
	}

	/* docker >= 20.10 runs its containers as containerd tasks in "moby" */
	snprintf(rel, sizeof(rel), "moby/%s", id);
	if (dir_exists(root, CONTAINERD_TASKS, rel))
		snprintf(out->bundle, sizeof(out->bundle), "/%s/%s", CONTAINERD_TASKS, rel);
	if (!out->init_pid) {
		snprintf(rel, sizeof(rel), "moby/%s/init.pid", id);
		out->init_pid = read_pid_file(root, CONTAINERD_TASKS, rel);
		if (out->init_pid)
			out->sources |= PW_SRC_INIT_PID;
	}
}

/* ctr/nerdctl and the CRI plugin: the shim's bundle is the task directory.
 * The CRI's privileged flag is in the CRI request and containerd's bolt
 * database only, not in the OCI config: it stays unknown here. */
static void read_containerd(const char *root, const char *ns, const char *id,
			    struct pw_container_meta *out)
{
	char rel[256];
	json_t *j;

	snprintf(rel, sizeof(rel), "%s/%s", ns, id);
	if (!dir_exists(root, CONTAINERD_TASKS, rel))
		return;
	snprintf(out->bundle, sizeof(out->bundle), "/%s/%s", CONTAINERD_TASKS, rel);
	snprintf(rel, sizeof(rel), "%s/%s/config.json", ns, id);
	j = load_json(root, CONTAINERD_TASKS, rel);
	if (j) {
		read_oci_annotations(j, out);
		json_decref(j);
	}
	snprintf(rel, sizeof(rel), "%s/%s/init.pid", ns, id);
	out->init_pid = read_pid_file(root, CONTAINERD_TASKS, rel);
	if (out->init_pid)
		out->sources |= PW_SRC_INIT_PID;
}

/*
 * containers/storage's index of every container it holds, an array of
 * {"id", "names": [...], "metadata": "<JSON string>"}; podman puts its name
 * and the image it was asked for there, not in the OCI config. Transient
 * containers (--rm, newer storage) are listed in volatile-containers.json.
 */
static void read_storage_index(const char *root, const char *id, struct pw_container_meta *out)
{
	static const char *const index[] = { "containers.json", "volatile-containers.json" };
	json_t *list, *c, *meta;
	size_t i, k;

	for (k = 0; k < sizeof(index) / sizeof(index[0]); k++) {
		list = load_json_max(root, STORAGE_GRAPH, index[k], PW_STORAGE_INDEX_MAX_BYTES);
		json_array_foreach(list, i, c)
		{
			const char *cid = json_string_value(json_object_get(c, "id"));
			const char *md = json_string_value(json_object_get(c, "metadata"));

			if (!cid || strcmp(cid, id))
				continue;
			TAKE(out->name, json_array_get(json_object_get(c, "names"), 0));
			meta = md ? json_loads(md, 0, NULL) : NULL;
			TAKE(out->image, json_object_get(meta, "image-name"));
			json_decref(meta);
			out->sources |= PW_SRC_STORAGE_INDEX;
			break;
		}
		json_decref(list);
		if (out->sources & PW_SRC_STORAGE_INDEX)
			break;
	}
}

/* podman and CRI-O share containers/storage: the OCI config sits in the
 * container's userdata, in the graph root (podman's bundle) or the run root
 * (CRI-O's bundle); conmon writes the container's pid beside it. */
static void read_containers_storage(const char *root, const char *id, int run_first,
				    struct pw_container_meta *out)
{
	const char *dirs[2] = { STORAGE_GRAPH, STORAGE_RUN };
	char rel[256];
	json_t *j = NULL;
	int i;

	if (run_first) {
		dirs[0] = STORAGE_RUN;
		dirs[1] = STORAGE_GRAPH;
	}
	snprintf(rel, sizeof(rel), "%s/userdata/config.json", id);
	for (i = 0; i < 2 && !j; i++) {
		j = load_json(root, dirs[i], rel);
		if (j)
			snprintf(out->bundle, sizeof(out->bundle), "/%s/%s/userdata", dirs[i], id);
	}
	if (j) {
		read_oci_annotations(j, out);
		json_decref(j);
	}
	snprintf(rel, sizeof(rel), "%s/userdata/pidfile", id);
	out->init_pid = read_pid_file(root, STORAGE_RUN, rel);
	if (out->init_pid)
		out->sources |= PW_SRC_INIT_PID;
	if (!run_first) /* CRI-O's annotations already say more */
		read_storage_index(root, id, out);
}

/* A bundle path from runc's state: absolute, no "." or ".." components, so
 * root + bundle stays below root. */
static int bundle_path_ok(const char *b)
{
	const char *p = b;

	if (*b != '/' || strlen(b) >= 512)
		return 0;
	while (*p) {
		size_t len;

		while (*p == '/')
			p++;
		len = strcspn(p, "/");
		if ((len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.'))
			return 0;
		p += len;
	}
	return 1;
}

/* runc's state.json: its id, the init pid, and config.labels ["bundle=..."];
 * then the bundle's OCI config for annotations. runc has no privileged flag. */
static void read_runc(const char *root, const char *id, struct pw_container_meta *out)
{
	char rel[256];
	json_t *j, *labels, *v;
	size_t i;

	snprintf(rel, sizeof(rel), "%s/state.json", id);
	j = load_json(root, RUNC_DIR, rel);
	if (!j)
		return;
	TAKE(out->name, json_object_get(j, "id"));
	take_pid(out, json_object_get(j, "init_process_pid"));
	labels = json_object_get(json_object_get(j, "config"), "labels");
	json_array_foreach(labels, i, v)
	{
		const char *s = json_string_value(v);

		if (s && !strncmp(s, "bundle=", 7) && bundle_path_ok(s + 7)) {
			snprintf(out->bundle, sizeof(out->bundle), "%s", s + 7);
			break;
		}
	}
	out->sources |= PW_SRC_RUNC_STATE;
	json_decref(j);

	if (out->bundle[0]) {
		j = load_json(root, out->bundle + 1, "config.json");
		if (j) {
			read_oci_annotations(j, out);
			json_decref(j);
		}
	}
}

/* Pod uids compare with '_' (systemd's cgroup driver) as '-'. */
static int same_uid(const char *a, const char *b)
{
	if (!*a)
		return 0;
	for (; *a && *b; a++, b++)
		if (*a != *b && !((*a == '_' || *a == '-') && (*b == '_' || *b == '-')))
			return 0;
	return *a == *b;
}

static void read_at(const char *root, const struct pw_container_ref *ref, const char *ns,
		    struct pw_container_meta *out)
{
	switch (ref->runtime) {
	case PW_RUNTIME_DOCKER: read_docker(root, ref->id, out); break;
	case PW_RUNTIME_CONTAINERD:
	case PW_RUNTIME_CRI_CONTAINERD: read_containerd(root, ns, ref->id, out); break;
	case PW_RUNTIME_PODMAN: read_containers_storage(root, ref->id, 0, out); break;
	case PW_RUNTIME_CRIO: read_containers_storage(root, ref->id, 1, out); break;
	case PW_RUNTIME_RUNC: read_runc(root, ref->id, out); break;
	case PW_RUNTIME_NONE: break;
	}
}

/* The sandbox's labels (io.kubernetes.* left out) as out's pod labels,
 * when the sandbox says it is out's pod (same pod uid). */
static void read_pod_labels(const char *root, const struct pw_container_ref *ref, const char *ns,
			    struct pw_container_meta *out)
{
	struct pw_container_ref sref = *ref;
	struct pw_container_meta *sb = calloc(1, sizeof(*sb));
	const char *s, *end;

	if (!sb)
		return;
	snprintf(sref.id, sizeof(sref.id), "%s", out->sandbox_id);
	read_at(root, &sref, ns, sb);
	if (sb->sources && same_uid(sb->pod_uid, out->pod_uid)) {
		for (s = sb->labels, end = sb->labels + sb->labels_len; s < end;
		     s += strlen(s) + 1) {
			const char *eq = strchr(s, '=');
			char k[256];

			if (!eq || !strncmp(s, "io.kubernetes.", 14) ||
			    (size_t)(eq - s) >= sizeof(k))
				continue;
			memcpy(k, s, eq - s);
			k[eq - s] = '\0';
			label_add(out->pod_labels, &out->pod_labels_len, sizeof(out->pod_labels), k,
				  eq + 1);
		}
	}
	free(sb);
}

int pw_runtime_state_read(const char *root, const struct pw_container_ref *ref,
			  struct pw_container_meta *out)
{
	const char *ns = ref->ns, *r;
	char rbuf[4096];
	int i;

	memset(out, 0, sizeof(*out));
	if (!root || !*root)
		root = "/";
	if (ref->runtime == PW_RUNTIME_CRI_CONTAINERD && !*ns)
		ns = "k8s.io";
	if (!pw_container_name_ok(ref->id, PW_CONTAINER_ID_MAX))
		return -EINVAL;
	if ((ref->runtime == PW_RUNTIME_CONTAINERD || ref->runtime == PW_RUNTIME_CRI_CONTAINERD) &&
	    !pw_container_name_ok(ns, PW_CONTAINER_NS_MAX))
		return -EINVAL;

	if (ref->runtime == PW_RUNTIME_NONE)
		return -EINVAL;

	/* The first prefix that holds any of the runtime's state (see
	 * pw_state_root): root, then $PRIVWATCH_STATE_ROOTS; none: root's. */
	read_at(root, ref, ns, out);
	for (i = 1; !out->sources && (r = pw_state_root(root, i, rbuf, sizeof(rbuf))); i++) {
		struct pw_container_meta alt;

		memset(&alt, 0, sizeof(alt));
		read_at(r, ref, ns, &alt);
		if (alt.sources)
			*out = alt;
	}
	/* Kubernetes identity only where the pod exists: labels and
	 * annotations are anyone's to set (docker run --label
	 * io.kubernetes.pod.name=...), the pod's cgroup is the kubelet's. */
	if (!ref->pod_uid[0] || !same_uid(out->pod_uid, ref->pod_uid)) {
		out->pod_name[0] = out->pod_namespace[0] = '\0';
		out->container_name[0] = out->container_type[0] = '\0';
		out->sandbox_id[0] = '\0';
	}
	/* The pod's labels: its sandbox's, if that is of the same pod. */
	if (out->sandbox_id[0] && strcmp(out->sandbox_id, ref->id) &&
	    pw_container_name_ok(out->sandbox_id, PW_CONTAINER_ID_MAX))
		read_pod_labels(root, ref, ns, out);
	/* ctr and runc have no name apart from the id the user chose */
	if (!out->name[0] &&
	    (ref->runtime == PW_RUNTIME_CONTAINERD || ref->runtime == PW_RUNTIME_RUNC))
		snprintf(out->name, sizeof(out->name), "%s", ref->id);
	/* the CRI's own container name is the one people know it by */
	if (!out->name[0] && out->container_name[0])
		snprintf(out->name, sizeof(out->name), "%s", out->container_name);
	return 0;
}

const char *pw_priv_flag_name(enum pw_priv_flag p)
{
	switch (p) {
	case PW_PRIV_YES: return "yes";
	case PW_PRIV_NO: return "no";
	case PW_PRIV_UNKNOWN: break;
	}
	return "unknown";
}
