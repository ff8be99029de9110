// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* libFuzzer: a container's mount table (host/mountinfo.c), parsed and
 * indexed, then every path the posture asks about resolved through it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "host/mountinfo.h"

static const char *const paths[] = {
	"/", "/proc/kcore", "/proc/sys", "/sys", "/sys/fs/cgroup/memory", "/dev", "/a/b/c/d",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pw_mounts m;
	char *buf = malloc(size + 1);
	size_t i;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	if (pw_mounts_parse(buf, &m) == 0) {
		for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
			pw_mounts_at(&m, paths[i]);
		for (i = 0; i < (size_t)m.n; i++) {
			pw_mounts_by_id(&m, m.v[i].parent);
			pw_mounts_covering(&m, m.v[i].point[0] == '/' ? m.v[i].point : "/");
		}
	}
	pw_mounts_free(&m);
	return 0;
}
