// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include "host/cgroupfs.h"
#include "host/hostworker.h"

int pw_cgroup2_mount(char *out, size_t len)
{
	char line[4096], mnt[4096], fstype[64];
	FILE *f;
	int rc = -ENOENT;

	pw_hw_reading("/proc/self/mountinfo");
	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return -errno;
	/* "36 25 0:32 / /sys/fs/cgroup/unified rw,... - cgroup2 cgroup2 rw" */
	while (fgets(line, sizeof(line), f)) {
		char *dash = strstr(line, " - ");

		if (!dash || sscanf(dash + 3, "%63s", fstype) != 1 || strcmp(fstype, "cgroup2"))
			continue;
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1)
			continue;
		if ((size_t)snprintf(out, len, "%s", mnt) >= len) {
			rc = -ENAMETOOLONG;
			break;
		}
		rc = 0;
		break;
	}
	fclose(f);
	return rc;
}

/* Mount point of the v1 hierarchy holding controller, from mountinfo:
 * "... /sys/fs/cgroup/memory rw,... - cgroup cgroup rw,memory" */
static int v1_mount(const char *controller, char *out, size_t len)
{
	char line[4096], mnt[4096], fstype[64], opts[1024], *tok, *save;
	FILE *f;
	int rc = -ENOENT;

	pw_hw_reading("/proc/self/mountinfo");
	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return -errno;
	while (rc && fgets(line, sizeof(line), f)) {
		char *dash = strstr(line, " - ");

		if (!dash || sscanf(dash + 3, "%63s %*s %1023s", fstype, opts) != 2 ||
		    strcmp(fstype, "cgroup") || sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1)
			continue;
		for (tok = strtok_r(opts, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
			if (!strcmp(tok, controller) && (size_t)snprintf(out, len, "%s", mnt) < len)
				rc = 0;
	}
	fclose(f);
	return rc;
}

/* ssid and hierarchy id of controller, from /proc/cgroups, whose lines are
 * in cgroup_subsys_id order: "memory	4	53	1". */
static int v1_ids(const char *controller, int *ssid, unsigned int *hierarchy)
{
	char line[256], name[32];
	FILE *f;
	int i = 0, rc = -ENOENT;
	unsigned int h;

	pw_hw_reading("/proc/cgroups");
	f = fopen("/proc/cgroups", "re");
	if (!f)
		return -errno;
	while (rc && fgets(line, sizeof(line), f)) {
		if (line[0] == '#')
			continue;
		if (sscanf(line, "%31s %u", name, &h) == 2 && !strcmp(name, controller)) {
			*ssid = i;
			*hierarchy = h;
			rc = 0;
		}
		i++;
	}
	fclose(f);
	return rc;
}

int pw_cgroup_v1_find(const char *controller, struct pw_cgroup_v1 *out)
{
	static const char *const prefer[] = { "memory",	 "pids",  "cpu",     "cpuacct",
					      "devices", "blkio", "freezer", "cpuset" };
	size_t i;
	int rc;

	if (!controller) {
		for (i = 0; i < sizeof(prefer) / sizeof(prefer[0]); i++)
			if (pw_cgroup_v1_find(prefer[i], out) == 0)
				return 0;
		return -ENOENT;
	}
	memset(out, 0, sizeof(*out));
	snprintf(out->controller, sizeof(out->controller), "%s", controller);
	rc = v1_mount(controller, out->mount, sizeof(out->mount));
	if (rc)
		return rc;
	rc = v1_ids(controller, &out->ssid, &out->hierarchy_id);
	if (!rc && out->hierarchy_id == 0)
		rc = -ENOENT; /* listed but not mounted as v1 */
	return rc;
}

int pw_is_cgroup1(const char *path)
{
	struct statfs st;

	if (statfs(path, &st))
		return -errno;
	return st.f_type == CGROUP_SUPER_MAGIC;
}

int pw_is_cgroup2(const char *path)
{
	struct statfs st;

	if (statfs(path, &st))
		return -errno;
	return st.f_type == CGROUP2_SUPER_MAGIC;
}

int pw_cgroup_id(const char *path, uint64_t *id)
{
	struct {
		struct file_handle fh;
		uint64_t id;
	} h = { .fh.handle_bytes = sizeof(uint64_t) };
	int mount_id;
	struct stat st;

	/* kernfs file handles carry the 64-bit node id, the cgroup id. */
	if (name_to_handle_at(AT_FDCWD, path, &h.fh, &mount_id, 0) == 0 &&
	    h.fh.handle_bytes == sizeof(uint64_t)) {
		*id = h.id;
		return 0;
	}
	if (stat(path, &st))
		return -errno;
	*id = st.st_ino;
	return 0;
}

/* nftw's callback has no context: the walk's own, per thread (a worker
 * given up mid-walk may still be walking when its successor starts one). */
static __thread int (*walk_fn)(uint64_t, const char *, void *);
static __thread void *walk_ctx;
static __thread int walk_rc;

static int visit(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	uint64_t id;

	if (type != FTW_D)
		return 0;
	if (pw_cgroup_id(path, &id))
		return 0; /* removed while we walked: nothing to watch */
	walk_rc = walk_fn(id, path, walk_ctx);
	return walk_rc;
}

int pw_cgroup_walk(const char *path, int (*fn)(uint64_t id, const char *path, void *ctx), void *ctx)
{
	int rc;

	walk_fn = fn;
	walk_ctx = ctx;
	walk_rc = 0;
	pw_hw_reading("the cgroup hierarchy at %s", path);
	rc = nftw(path, visit, 32, FTW_PHYS | FTW_MOUNT);
	if (rc == -1)
		return -errno;
	return walk_rc;
}
