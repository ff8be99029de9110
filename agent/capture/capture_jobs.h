/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The capture's jobs for the host-reading worker (host/hostworker.h).
 * Inputs first, up to copy_size; what a job owns (fds, buffers) after it,
 * so the copy a timeout hands back owns nothing the stuck original still uses.
 */
#ifndef PW_CAPTURE_CAPTURE_JOBS_H
#define PW_CAPTURE_CAPTURE_JOBS_H

#include <stdint.h>
#include "capture/capture.h"

#define PW_CAP_REASON_LEN 256

/* A /proc snapshot of processes, written into the bundle (made if absent). */
struct pw_cap_snap_job {
	struct pw_hw_job base;
	/* in */
	uint64_t serial; /* the capture's */
	char id[PW_BUNDLE_ID_MAX + 1];
	uint32_t pids[PW_CAP_PIDS];
	size_t npids;
	char redact[PW_CAP_REDACT_MAX][PW_CAP_PATTERN_LEN];
	size_t nredact;
	uint64_t exe_max; /* executables up to this size copied (0: none) */
	/* owned */
	int capfd; /* a dup of the capture directory's, or -1 */
	/* out */
	struct pw_bfile files[PW_CAP_FILES_MAX];
	size_t nfiles;
	char reason[PW_CAP_REASON_LEN]; /* "" or what is missing */
};

/* The bundle's other files and its manifest; then old bundles removed. */
struct pw_cap_fin_job {
	struct pw_hw_job base;
	/* in */
	uint64_t serial;
	char id[PW_BUNDLE_ID_MAX + 1];
	uint64_t est; /* bytes reserved against the quota while it is written */
	int discard;  /* refused by the quota: only its directory removed (prune) */
	/* owned */
	int capfd;
	char *head; /* the manifest's members so far: "{...", open */
	char *timeline, *alerts, *container, *procs;
	size_t timeline_len, alerts_len, container_len, procs_len;
	struct pw_bfile files[PW_CAP_FILES_MAX]; /* the snapshot's, written already */
	size_t nfiles;
	char *incomplete; /* JSON array of strings: why the bundle is not whole */
	char (*prune)[PW_BUNDLE_ID_MAX + 1];
	size_t nprune;
	/* out */
	int rc;
	uint64_t bytes;
	char manifest_sha256[PW_SHA256_HEX];
	size_t removed;
	char reason[PW_CAP_REASON_LEN];
};

struct pw_cap_snap_job *pw_cap_snap_job_new(int capfd);
struct pw_cap_fin_job *pw_cap_fin_job_new(int capfd);

#endif
