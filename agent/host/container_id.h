/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Which container a cgroup belongs to, from the cgroup's path alone (plus,
 * for the two shapes that carry no runtime marker, one stat of the runtime's
 * state on disk). The kernel hands us cgroup ids and paths; the runtime's
 * naming of its cgroups is the only link back to a container.
 *
 * Shapes recognised, v1 and v2, at any depth (the outermost match wins, so
 * /docker/<id>/init and systemd inside a container map to the container):
 *   docker          /docker/<id>, docker-<id>.scope
 *   cri-containerd  cri-containerd-<id>.scope, kubepods/.../pod<uid>/<id>
 *   crio            crio-<id>.scope, crio-<id>      (crio-conmon-<id>: not one)
 *   podman          libpod-<id>.scope, libpod-<id>  (libpod-conmon-<id>: not one)
 *   runc            runc-<id>.scope, /<id> if <root>/run/runc/<id>/state.json exists
 *   containerd      /<namespace>/<id> if containerd has that task on disk
 * kubepods slices and directories around a container give the pod uid and QoS.
 */
#ifndef PW_CONTAINER_ID_H
#define PW_CONTAINER_ID_H

#include <stddef.h>

enum pw_runtime {
	PW_RUNTIME_NONE = 0,
	PW_RUNTIME_DOCKER,
	PW_RUNTIME_CONTAINERD,	   /* ctr, nerdctl: containerd without the CRI */
	PW_RUNTIME_CRI_CONTAINERD, /* Kubernetes through containerd's CRI plugin */
	PW_RUNTIME_CRIO,
	PW_RUNTIME_PODMAN,
	PW_RUNTIME_RUNC, /* runc run by hand or by a tool that keeps runc's default root */
};

enum pw_k8s_qos {
	PW_QOS_NONE = 0, /* not a Kubernetes pod */
	PW_QOS_GUARANTEED,
	PW_QOS_BURSTABLE,
	PW_QOS_BESTEFFORT,
};

/* containerd allows 76 characters in ids and namespaces; runc any name, we
 * keep 128 and refuse longer ones rather than truncate into another id. */
#define PW_CONTAINER_ID_MAX 128
#define PW_CONTAINER_NS_MAX 76
#define PW_POD_UID_MAX	    36 /* 8-4-4-4-12; static pods: 32 hex */

struct pw_container_ref {
	enum pw_runtime runtime;
	enum pw_k8s_qos qos;
	char id[PW_CONTAINER_ID_MAX + 1];
	char ns[PW_CONTAINER_NS_MAX + 1]; /* containerd namespace; "k8s.io" for CRI */
	char pod_uid[PW_POD_UID_MAX + 1]; /* with dashes, whatever the cgroup driver */
};

/*
 * 1 and *out filled if path is a container's cgroup or below one, 0 if not
 * (out zeroed). path may be a cgroupfs path (/sys/fs/cgroup[/<v1 controller>]/...),
 * a path relative to the hierarchy root (/docker/<id>) or a line of
 * /proc/<pid>/cgroup ("0::/system.slice/..."). root ("/" if NULL) prefixes
 * the runtime state consulted for the unmarked shapes, so tests use fixtures.
 */
int pw_container_from_cgroup_path_at(const char *root, const char *path,
				     struct pw_container_ref *out);
int pw_container_from_cgroup_path(const char *path, struct pw_container_ref *out);
/* The same without looking at anything on disk (the event thread): 0 with
 * *need set where only runtime state could tell (a bare id under a pod,
 * containerd's /<namespace>/<id>); the plain-runc /<id> shape is not
 * recognised at all. */
int pw_container_from_cgroup_path_nostat(const char *path, struct pw_container_ref *out, int *need);

/* Can s name a container or namespace in a path we build? Non-empty, at most
 * max bytes, only [A-Za-z0-9_.-], not "." nor "..": never escapes a directory. */
int pw_container_name_ok(const char *s, size_t max);

/*
 * Runtime state is looked for below root and, only when root is "/" (not a
 * test fixture), below each absolute directory listed, colon-separated, in
 * $PRIVWATCH_STATE_ROOTS, laid out as below "/" (run/runc, var/lib/docker,
 * run/containerd, ...): runtimes started with their own state and data
 * roots, such as the end-to-end tests' isolated dockerd and runc. The i-th
 * prefix (0: root itself), or NULL past the last; buf holds the copy.
 */
#define PW_STATE_ROOTS_ENV "PRIVWATCH_STATE_ROOTS"
const char *pw_state_root(const char *root, int i, char *buf, size_t len);

const char *pw_runtime_name(enum pw_runtime rt); /* "docker", ..., "" for none */
const char *pw_qos_name(enum pw_k8s_qos qos);	 /* "burstable", ..., "" for none */

#endif
