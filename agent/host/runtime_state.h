/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What a container runtime recorded about a container, read from its state
 * on disk (no API calls: the daemon may be down, slow, or lying less on
 * disk than on a socket). Sources, under a root prefix:
 *   docker      var/lib/docker/containers/<id>/config.v2.json, hostconfig.json
 *               (bundle and init.pid under containerd's "moby" namespace)
 *   containerd  run/containerd/io.containerd.runtime.v2.task/<ns>/<id>/config.json
 *   and CRI     (OCI config; CRI annotations io.kubernetes.cri.*), init.pid
 *   podman      var/lib/containers/storage/overlay-containers/<id>/userdata/config.json
 *               (io.podman.annotations.*), run/containers/storage/... userdata/pidfile,
 *               name and image from overlay-containers/containers.json
 *   CRI-O       run/containers/storage/overlay-containers/<id>/userdata/config.json
 *   runc        run/runc/<id>/state.json and its bundle's config.json
 *
 * Missing or unreadable state is not an error: the fields stay empty and the
 * container is tracked with what its cgroup path said. Ids come from cgroup
 * paths, which a container can create, so an id or namespace that could
 * leave the state directory ('/', "..") is refused before any path is built.
 */
#ifndef PW_RUNTIME_STATE_H
#define PW_RUNTIME_STATE_H

#include <stdint.h>
#include "host/container_id.h"

/* Larger state files are refused, not read: real ones are a few KiB. The
 * containers/storage index lists every container, about 1 KiB each. */
#define PW_STATE_MAX_BYTES	   (1024 * 1024)
#define PW_STORAGE_INDEX_MAX_BYTES (16 * 1024 * 1024)

#define PW_LABELS_MAX 1024

/* What the runtime itself says about --privileged. */
enum pw_priv_flag {
	PW_PRIV_UNKNOWN = 0, /* not recorded where we can read it */
	PW_PRIV_NO,
	PW_PRIV_YES,
};

/* Which files were read and parsed; for logs and tests. */
enum {
	PW_SRC_DOCKER_CONFIG = 1 << 0,
	PW_SRC_DOCKER_HOSTCONFIG = 1 << 1,
	PW_SRC_OCI_CONFIG = 1 << 2, /* containerd task, podman/CRI-O userdata, runc bundle */
	PW_SRC_RUNC_STATE = 1 << 3,
	PW_SRC_INIT_PID = 1 << 4,
	PW_SRC_STORAGE_INDEX = 1 << 5, /* containers/storage containers.json: podman name, image */
};

struct pw_container_meta {
	char name[256];	    /* runtime's name: docker "/x" as "x"; ctr, runc: the id */
	char image[512];    /* as the user asked for it (nginx:1.27), else a digest */
	char pod_name[254]; /* Kubernetes object names are at most 253 */
	char pod_namespace[64];
	char container_name[64];	  /* the container's name in its pod spec */
	char container_type[16];	  /* CRI: "container" or "sandbox" (the pause container) */
	char pod_uid[PW_POD_UID_MAX + 1]; /* as labelled; pod fields are kept only
					   * when the cgroup path carries this uid */
	char bundle[512];		  /* OCI bundle directory, as the runtime recorded it */
	char image_digest[160];		  /* the image's digest (docker: the repository
					   * digest if pulled, else the image id; CRI-O:
					   * ImageRef); "" unknown */
	/* "key=value" strings, NUL-separated, *_len bytes (what does not fit
	 * is left out). labels: docker's labels, CRI-O's labels, else the OCI
	 * annotations outside io.kubernetes.*; pod_labels: the pod sandbox's
	 * labels outside io.kubernetes.*, kept only with the pod identity. */
	char labels[PW_LABELS_MAX];
	char pod_labels[PW_LABELS_MAX];
	uint32_t labels_len, pod_labels_len;
	char sandbox_id[PW_CONTAINER_ID_MAX + 1]; /* the pod sandbox's id, as labelled */
	enum pw_priv_flag privileged;
	int32_t init_pid;     /* 0 if not recorded or not running */
	unsigned int sources; /* PW_SRC_* */
};

/*
 * Fill *out for ref from the state under root ("/" if NULL). 0 (whatever
 * was found, possibly nothing), -EINVAL if ref's id or namespace is not a
 * safe file name (nothing read, *out empty).
 */
int pw_runtime_state_read(const char *root, const struct pw_container_ref *ref,
			  struct pw_container_meta *out);

const char *pw_priv_flag_name(enum pw_priv_flag p); /* "yes", "no", "unknown" */

#endif
