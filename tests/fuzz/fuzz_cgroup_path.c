// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* libFuzzer: a cgroup path, which a container can choose, to a container
 * reference (host/container_id.c), under a root with no runtime state. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "host/container_id.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pw_container_ref ref;
	char *path = malloc(size + 1);

	if (!path)
		return 0;
	memcpy(path, data, size);
	path[size] = '\0';
	if (pw_container_from_cgroup_path_at("/nonexistent-privwatch-fuzz", path, &ref)) {
		/* what it found must be a safe file name to build state paths from */
		if (!pw_container_name_ok(ref.id, PW_CONTAINER_ID_MAX))
			abort();
	}
	free(path);
	return 0;
}
