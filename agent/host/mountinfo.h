/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A mount table (/proc/<pid>/mountinfo) split in place and indexed once:
 * by mount id, and by (parent id, mount point), so that resolving a path to
 * the mount that covers it costs one lookup per path component, whatever
 * the number of mounts (a privileged container can make 60,000 of them).
 */
#ifndef PW_HOST_MOUNTINFO_H
#define PW_HOST_MOUNTINFO_H

#include <stddef.h>

/* A mountinfo line, split in place. */
struct pw_mnt {
	long id, parent;
	char *dev; /* major:minor of the filesystem */
	char *root, *point, *opts, *fstype, *super;
};

struct pw_mounts {
	char *buf; /* owned: the text the fields point into */
	struct pw_mnt *v;
	int n;
	/* the index: open addressing, slots hold a mount's index + 1 */
	int *by_id, *by_point;
	int *next_point; /* the next mount (file order) with the same (parent, point) */
	size_t slots;
	const struct pw_mnt *root; /* "/" on a parent outside the table */
};

/*
 * Split buf (malloc'd, NUL-terminated; owned by m from here, also on error)
 * and index it. Lines that do not parse are skipped. 0 or -ENOMEM.
 */
int pw_mounts_parse(char *buf, struct pw_mounts *m);
void pw_mounts_free(struct pw_mounts *m);

/* The mount with this id, or NULL. */
const struct pw_mnt *pw_mounts_by_id(const struct pw_mounts *m, long id);

/*
 * The mount that path (absolute) resolves to: from the root mount,
 * component by component, each time the top of the stack of mounts at that
 * prefix on the current one. Following parent ids rather than the longest
 * mount point means masks hidden under a later mount (a fresh proc over
 * /proc) do not count. NULL without a root mount.
 */
const struct pw_mnt *pw_mounts_covering(const struct pw_mounts *m, const char *path);

/* The mount covering path if it is mounted exactly there, else NULL. */
const struct pw_mnt *pw_mounts_at(const struct pw_mounts *m, const char *path);

#endif
