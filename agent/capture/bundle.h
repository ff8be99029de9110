/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A capture bundle on disk (docs/capture.md): one directory per incident,
 * <capture-dir>/<id>/, mode 0700, its files 0600, flat (no subdirectory),
 * manifest.json listing every other file with its size and SHA-256.
 *
 * Everything goes through directory fds: the capture directory is opened
 * once and checked (a directory, not a symlink, owned by us, not group- or
 * world-writable); a bundle is opened beneath it with O_NOFOLLOW; files are
 * created with O_CREAT|O_EXCL|O_NOFOLLOW and read back with
 * O_NOFOLLOW|O_NONBLOCK, refused unless regular (a FIFO or symlink planted
 * there is never followed, never blocks).
 */
#ifndef PW_CAPTURE_BUNDLE_H
#define PW_CAPTURE_BUNDLE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "lib/sha256.h"

#define PW_CAPTURE_SCHEMA "privwatch.capture/1"
#define PW_CAPTURE_DIR	  "/var/lib/privwatch/captures"
#define PW_BUNDLE_ID_MAX  80
#define PW_BFILE_NAME_MAX 48

struct pw_bfile {
	char name[PW_BFILE_NAME_MAX];
	uint64_t size;
	char sha256[PW_SHA256_HEX];
};

/* The capture directory as an fd: created (0700, parents 0755) if create
 * and absent; refused if a symlink, not a directory, not owned by our
 * euid, or group- or world-writable. fd, or -errno with err. */
int pw_bundle_dir_open(const char *path, int create, char *err, size_t errlen);

/* A valid bundle id: 1 to PW_BUNDLE_ID_MAX of [A-Za-z0-9_.-], not starting with '.'. */
int pw_bundle_id_ok(const char *id);

/* The bundle directory id under capfd, made (0700) if absent, opened
 * without following a symlink and checked like the capture directory. fd or -errno. */
int pw_bundle_create(int capfd, const char *id);
/* The same, never made. */
int pw_bundle_open(int capfd, const char *id);

/* A new file of the bundle (never one already there), 0600, with its size
 * and hash in f. 0 or -errno. */
int pw_bundle_write(int bfd, const char *name, const void *buf, size_t len, struct pw_bfile *f);
/* The same, not added (-ETIMEDOUT) if *abandoned became true while it was
 * written: a job given up by the host-reading worker adds nothing after. */
int pw_bundle_write_unless(int bfd, const char *name, const void *buf, size_t len,
			   struct pw_bfile *f, const int *abandoned);

/* A regular file of dirfd, opened O_NOFOLLOW|O_NONBLOCK (a FIFO, a device
 * or a symlink is refused with -EINVAL, -ELOOP), up to max bytes into a
 * malloc'd buffer (NUL-terminated; *len its length, *cut if it went on).
 * 0 or -errno. */
int pw_bundle_read_file(int dirfd, const char *name, size_t max, char **out, size_t *len, int *cut);

/* Remove bundle id: its files (never following anything), then itself. 0 or -errno. */
int pw_bundle_remove(int capfd, const char *id);

struct pw_bundle_ent {
	char id[PW_BUNDLE_ID_MAX + 1];
	uint64_t bytes; /* of its regular files */
	int64_t mtime;
};

/* The bundles under capfd, oldest first (ids start with their UTC time).
 * *out malloc'd. 0 or -errno. */
int pw_bundle_list(int capfd, struct pw_bundle_ent **out, size_t *n);

/* Check every file the manifest lists against its size and hash, and that
 * nothing else is there. Problems to out (one line each, may be NULL).
 * The number of problems, or -errno if the manifest cannot be read. */
int pw_bundle_verify(int capfd, const char *id, FILE *out);

#endif
