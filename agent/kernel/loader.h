/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The BPF object's lifecycle: open, configure (rodata, map sizes, which
 * variant of each concern loads), load, attach; one stop path undoes it.
 */
#ifndef PW_LOADER_H
#define PW_LOADER_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include "kernel/feature_probe.h"
#include "host/cgroupfs.h"
#include "settings.h"

#define PW_RINGBUF_DEFAULT (8u << 20)

struct pw_loader_opts {
	enum pw_attach_mode mode;
	unsigned int
		skip[PW_MAX_CONCERNS]; /* per concern: variant kinds never used (--no-variant) */
	int trust_lsm_attach;	       /* testing: take an attached LSM program as called */
	const char *cgroup_path;       /* NULL: every cgroup but the root */
	uint64_t ringbuf_bytes;	       /* 0: PW_RINGBUF_DEFAULT */
	/* Per container: events per second and burst (0: no budget). */
	uint64_t budget_rate, budget_burst;
	/* Identify containers by their cgroup in this v1 controller's hierarchy
	 * instead of cgroup2. Chosen automatically when cgroup2 is not mounted. */
	const char *cgroup_v1;
	/* Benchmark only (--bench-floor): every program returns at once. */
	int floor;
	/*
	 * Sensors kept across restarts (--keep-sensors, --pin-dir), in a bpffs
	 * directory: DIR/events (the ring buffer) and DIR/links_<pid>/<prog> (bpffs refuses dots in names) (the
	 * links, so the programs run on while no agent does). pin_dir NULL:
	 * the directory is never touched. adopt: what a previous agent left
	 * there is taken over (its ring buffer reused, so the records written
	 * meanwhile are read; its links retired once ours are attached).
	 * keep: ours are pinned there and left at exit; without it, the
	 * directory is emptied and removed once adopted.
	 */
	const char *pin_dir;
	int pin_adopt, pin_keep;
};

struct pw_loader {
	struct privwatch_bpf *skel;
	/* The attached variant's links, per concern (in pw_concerns order). */
	struct bpf_link *links[PW_MAX_CONCERNS][PW_CONCERN_PROGS];
	struct pw_kernel_features features;
	struct pw_choice choices[PW_MAX_CONCERNS];
	char cgroup_mount[PATH_MAX]; /* root of the hierarchy that identifies containers */
	int cgroup_v1_ssid;	     /* -1: cgroup2 */
	unsigned int hierarchy_id;   /* 0 for cgroup2 */
	char cgroup_v1_controller[32];
	uint64_t root_cgroup_id;
	enum pw_watch_mode watch_mode;
	char watch_path[PATH_MAX]; /* PW_WATCH_MAP: the subtree's top */
	uint64_t watch_cgroup_id;
	unsigned int watched_at_start; /* cgroups put in the map at start */
	uint64_t ringbuf_bytes;
	/* --keep-sensors: what was taken over at start. */
	const char *pin_dir; /* NULL: not used */
	int pin_keep;
	int adopted;	      /* a previous agent's ring buffer is ours */
	unsigned int retired; /* its links, detached once ours were attached */
	uint64_t attach_ns;   /* CLOCK_MONOTONIC before ours attached: records
				 * stamped earlier are the previous agent's */
};

/* Returns 0, or -1 with one line saying what is missing or failed in err. */
int pw_loader_start(struct pw_loader *l, const struct pw_loader_opts *o, char *err, size_t errlen);
/* Detach every program, keep the maps (counters, ring) readable. With
 * pin_keep, the pinned links stay attached (only our fds are closed). */
void pw_loader_detach(struct pw_loader *l);
void pw_loader_stop(struct pw_loader *l);

/* Only the open and choose steps: what `privwatch probe` reports. */
int pw_loader_plan(struct pw_loader *l, const struct pw_loader_opts *o, char *err, size_t errlen);

/*
 * Concern c's attached variant was not proven to work: detach it, mark it
 * failed and attach the next usable variant. Returns 0 with the new variant
 * attached, 1 when no variant is left (the concern is blind), or -1 with
 * err when attaching failed.
 */
int pw_loader_fall_back(struct pw_loader *l, int c, char *err, size_t errlen);
/*
 * Subtree mode: put back into the watched set every cgroup below the watched
 * path (and extra, when not 0) that is missing from it. Outside of a full
 * map, a missing one means someone removed it. Returns how many were put
 * back, or -errno.
 */
int pw_loader_rewatch(struct pw_loader *l, uint64_t extra);
/* Attach concern c's variant again with fresh links (after tampering). 0 or -1. */
int pw_loader_reattach(struct pw_loader *l, int c, char *err, size_t errlen);

/* "8M", "65536", "1G": a power of two, at least one page. 0 or -1. */
int pw_ringbuf_size_parse(const char *s, uint64_t *out);

/* After adding to the watched set: the tasks' cached verdicts
 * (bpf/common.bpf.h, pw_task_is_watched) are computed again. */
void pw_loader_watch_changed(struct pw_loader *l);

/* Tell the kernel that a cgroup is a container's (container_cgroups map):
 * tasks placed there take it as their origin. 0 or -errno. */
int pw_loader_mark_container(struct pw_loader *l, uint64_t cgroup_id);

/*
 * The ids of the agent's own BPF objects, as a tamper record names them:
 * (BPF_*_GET_FD_BY_ID command << 32) | id, sorted. Links change when a
 * concern is attached again: ask again then. Returns how many (<= max).
 */
#define PW_OWN_IDS_MAX 128
size_t pw_loader_own_ids(struct pw_loader *l, uint64_t *out, size_t max);

/* The file descriptor of a named map of the loaded object, or -1. */
int pw_loader_map_fd(struct pw_loader *l, const char *name);

#endif
