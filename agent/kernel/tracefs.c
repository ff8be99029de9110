// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include "kernel/tracefs.h"

#define TRACEFS		"/sys/kernel/tracing"
#define DEBUGFS_TRACING "/sys/kernel/debug/tracing"

/* libbpf uses the debugfs path when it exists, else tracefs: check the same. */
static const char *events_root(void)
{
	if (access(DEBUGFS_TRACING "/events", F_OK) == 0)
		return DEBUGFS_TRACING;
	if (access(TRACEFS "/events", F_OK) == 0)
		return TRACEFS;
	return NULL;
}

int pw_tracefs_ensure(char *why, size_t len)
{
	if (events_root()) {
		snprintf(why, len, "%s", events_root());
		return 0;
	}
	if (mount("tracefs", TRACEFS, "tracefs", 0, NULL)) {
		int err = errno;

		snprintf(why, len,
			 "tracefs is not mounted and mounting it at " TRACEFS " failed: %s",
			 strerror(err));
		return -err;
	}
	snprintf(why, len, TRACEFS " (mounted by privwatch)");
	return 0;
}

int pw_tracefs_has_event(const char *category_slash_name)
{
	const char *root = events_root();
	char path[512];

	if (!root)
		return 0;
	snprintf(path, sizeof(path), "%s/events/%s/id", root, category_slash_name);
	return access(path, F_OK) == 0;
}
