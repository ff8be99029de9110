/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Forensic capture (docs/capture.md): the flight recorder of each
 * container (capture/recorder.h), and the captures an alert+capture rule
 * starts: the container's records before the trigger and over a window
 * after it, its process tree, a /proc snapshot of each triggering process
 * (read by the host-reading worker, under its deadlines), written as a
 * bundle (capture/bundle.h) by the worker, then announced on the stream
 * as a privwatch.capture/1 record.
 *
 * The event thread only copies records, encodes the window's records and
 * decides; every read and write of files is a job of the worker.
 */
#ifndef PW_CAPTURE_CAPTURE_H
#define PW_CAPTURE_CAPTURE_H

#include <stddef.h>
#include <stdint.h>
#include "alerts/alert.h"
#include "capture/bundle.h"
#include "capture/recorder.h"
#include "events/event_types.h"
#include "events/event_view.h"
#include "host/hostworker.h"
#include "host/process_table.h"
#include "lib/hashtab.h"
#include "lib/jsonw.h"

#define PW_CAP_REDACT_MAX   32
#define PW_CAP_PATTERN_LEN  64
#define PW_CAP_PIDS	    8  /* processes snapshot per capture */
#define PW_CAP_ACTIVE_MAX   16 /* captures under way at once */
#define PW_CAP_FILES_MAX    (8 * PW_CAP_PIDS + 8)
#define PW_CAP_TRIGGERS_MAX 64
#define PW_CAP_RULES_MAX    256
#define PW_CAP_JOB_SNAPSHOT PW_JOB_CAP_SNAPSHOT /* job tags (host/hostworker.h) */
#define PW_CAP_JOB_FINALIZE PW_JOB_CAP_FINALIZE
/* A capture's jobs' key (pw_hw_cancel): apart from the container gens the
 * pipeline's fact jobs use, so cancelling those never takes a capture's. */
#define PW_CAP_JOB_KEY(serial) ((serial) | (1ULL << 63))
#define PW_CAP_WINDOW_S	       10
#define PW_CAP_INTERVAL_S      60
#define PW_CAP_MAX_BUNDLES     100
#define PW_CAP_MAX_MIB	       1024
#define PW_CAP_EXE_MAX	       (512ULL << 20) /* bytes of an executable hashed */
#define PW_CAP_BUNDLE_MEM      (16ULL << 20)  /* timeline (and alerts) of one capture in memory */
#define PW_CAP_MEM_TOTAL       (64ULL << 20)  /* ... of all captures under way */

extern const char *const pw_cap_redact_default[];

struct pw_cap_opts {
	const char *dir;	   /* NULL or "none": no captures (each one skipped, counted) */
	uint32_t window_s;	   /* post-trigger window (0: PW_CAP_WINDOW_S) */
	uint32_t interval_s;	   /* a new capture per container and per rule at most this often */
	uint32_t max_bundles;	   /* kept on disk (0: PW_CAP_MAX_BUNDLES) */
	uint64_t max_bytes;	   /* (0: PW_CAP_MAX_MIB MiB) */
	const char *const *redact; /* environ keys whose values are redacted (NULL: default) */
	size_t nredact;
	uint64_t exe_max; /* executables up to this size copied into the bundle (0: none) */
	struct pw_rec_opts recorder;
};

struct pw_cap_counts {
	uint64_t started, extended, completed, incomplete, failed;
	uint64_t off, skipped_disabled, skipped_rate_container, skipped_rate_rule, skipped_busy,
		skipped_no_container, skipped_memory, skipped_quota;
	uint64_t records_cut;	/* window records past a bundle's bound */
	uint64_t removed_quota; /* old bundles removed by the quota */
	uint64_t bytes_written;
};

struct pw_capture;

struct pw_capmgr {
	struct pw_cap_opts o;
	char dir[4096];
	char dir_err[512]; /* why captures are off, "" when on */
	int capfd;	   /* -1: off */
	int off;	   /* off by configuration (none, or no worker): not a loss */
	uint64_t mem;	   /* bytes of timelines and alerts held by captures under way */
	struct pw_hw *hw;
	struct pw_ptable *procs;
	const struct pw_host_info *host; /* named in manifests (may be NULL) */
	struct pw_recorder rec;
	struct pw_capture *active[PW_CAP_ACTIVE_MAX];
	size_t nactive;
	struct pw_htab last_by_ctr; /* container key -> monotonic ns of its last capture */
	struct {
		char id[48];
		uint64_t last_ns;
	} last_by_rule[PW_CAP_RULES_MAX];
	size_t nrules;
	struct pw_bundle_ent *bundles; /* on disk, oldest first */
	size_t nbundles, bundles_cap;
	uint64_t disk_bytes;
	size_t nwriting;	/* bundles being written: they count against the quota */
	uint64_t writing_bytes; /* ... their estimated size */
	unsigned int seq;
	char redact[PW_CAP_REDACT_MAX][PW_CAP_PATTERN_LEN];
	size_t nredact;
	struct pw_cap_counts n;
	struct jsonw scratch;
};

/* What a trigger did, for the alert's capture member (strings live until
 * the next trigger). */
struct pw_cap_result {
	const char *id, *file, *status, *reason;
};

/* Opens (creates) the capture directory; a refused one leaves captures
 * off (each counted as skipped) and says why in dir_err: -errno returned. */
int pw_cap_init(struct pw_capmgr *m, const struct pw_cap_opts *o, struct pw_hw *hw,
		struct pw_ptable *procs);
void pw_cap_free(struct pw_capmgr *m);

/* Every record of a container (key: its own cgroup id): into its flight
 * recorder, and into the timeline of its capture under way, if any
 * (nothing while captures are off). */
void pw_cap_record(struct pw_capmgr *m, uint64_t key, const struct pw_event_kind *kind,
		   const struct pw_event_header *h);

/* An alert+capture rule matched v in container key (vc its view). */
void pw_cap_trigger(struct pw_capmgr *m, uint64_t key, const struct pw_rule_info *rule,
		    const struct pw_view *v, uint64_t now_ns, struct pw_cap_result *res);

/* An alert line about container key: kept in its capture under way, if any. */
void pw_cap_alert(struct pw_capmgr *m, uint64_t key, const char *line, size_t len);

/* The container ended: its recorder freed, its capture finished now. */
void pw_cap_container_gone(struct pw_capmgr *m, uint64_t key, uint64_t now_ns);

/* Captures whose window ended are written (all: every one, the agent stops). */
void pw_cap_tick(struct pw_capmgr *m, uint64_t now_ns, int all);

/* Captures under way or being written. */
size_t pw_cap_busy(const struct pw_capmgr *m);

/* A capture job back from the worker; a finished bundle's
 * privwatch.capture/1 record is written into w (returns 1 then). */
int pw_cap_job_done(struct pw_capmgr *m, struct pw_hw_job *j, const struct pw_host_info *host,
		    struct jsonw *w);

/* Counts as members of an open object (stats): "capture": {...}. */
void pw_cap_counts_json(const struct pw_capmgr *m, struct jsonw *w);

/* Captures skipped or cut short (privwatch.lost/1's "captures"). */
uint64_t pw_cap_lost(const struct pw_capmgr *m);

/* Redaction of one environ buffer (NUL-separated KEY=VALUE) in place
 * into out (same layout): values of keys matching a pattern (fnmatch,
 * case-insensitive) become "[REDACTED]". The length of out; out must hold
 * len + 11 * (number of entries) bytes. */
size_t pw_cap_redact_environ(const char *in, size_t len, char *out,
			     const char (*pats)[PW_CAP_PATTERN_LEN], size_t npats);

#endif
