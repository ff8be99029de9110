// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* libFuzzer: a runtime's state file (host/runtime_state.c) as each runtime's
 * reader finds it: the input is docker's config.v2.json and hostconfig.json,
 * containerd's config.json and init.pid, runc's state.json, in a scratch
 * root on /dev/shm. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "host/runtime_state.h"

#define ID "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00"

static char root[64];

static void put(const char *rel, const uint8_t *data, size_t size)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		abort();
	if (size && write(fd, data, size) != (ssize_t)size)
		abort();
	close(fd);
}

static void mkdirs(const char *rel)
{
	char path[512], *p;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (p = path + strlen(root) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		mkdir(path, 0700);
		*p = '/';
	}
	mkdir(path, 0700);
}

static void cleanup(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd))
		return;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	atexit(cleanup);
	snprintf(root, sizeof(root), "/dev/shm/pw-fuzz-state-%d", (int)getpid());
	mkdir(root, 0700);
	mkdirs("var/lib/docker/containers/" ID);
	mkdirs("run/containerd/io.containerd.runtime.v2.task/k8s.io/" ID);
	mkdirs("run/runc/" ID);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum pw_runtime rts[] = { PW_RUNTIME_DOCKER, PW_RUNTIME_CRI_CONTAINERD,
					       PW_RUNTIME_RUNC };
	struct pw_container_meta m;
	struct pw_container_ref ref;
	size_t i;

	put("var/lib/docker/containers/" ID "/config.v2.json", data, size);
	put("var/lib/docker/containers/" ID "/hostconfig.json", data, size);
	put("run/containerd/io.containerd.runtime.v2.task/k8s.io/" ID "/config.json", data, size);
	put("run/containerd/io.containerd.runtime.v2.task/k8s.io/" ID "/init.pid", data, size);
	put("run/runc/" ID "/state.json", data, size);
	for (i = 0; i < sizeof(rts) / sizeof(rts[0]); i++) {
		memset(&ref, 0, sizeof(ref));
		ref.runtime = rts[i];
		strcpy(ref.id, ID);
		strcpy(ref.pod_uid, "5f3c2a1b-8d7e-4f60-9a1b-2c3d4e5f6a7b");
		pw_runtime_state_read(root, &ref, &m);
	}
	return 0;
}
