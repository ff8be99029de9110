/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The jobs the daemon gives its host-reading worker (host/hostworker.h):
 * a container's facts (runtime state, init pid, posture) and discovery
 * (the walk of the cgroup hierarchy). Inputs first, outputs after
 * PW_HW_JOB_INPUTS: a job given up is copied up to there only, so its
 * copy never races with the stuck worker still writing the original.
 */
#ifndef PW_HOST_HOST_JOBS_H
#define PW_HOST_HOST_JOBS_H

#include <stdint.h>
#include <sys/types.h>
#include "host/container_table.h"
#include "host/containers.h"
#include "host/hostworker.h"
#include "host/process_table.h"

struct pw_fact_job {
	struct pw_hw_job base;
	/* in */
	uint64_t cgroup_id, gen;
	enum pw_ct_want want;
	struct pw_container_ref ref;
	pid_t pid;   /* the entrypoint; 0: find the container's init */
	int measure; /* posture too */
	char root[256];
	char mount[4096], controller[32], cgroup[1024]; /* to find the init */
	/* out */
	int identified; /* PW_CT_WANT_IDENTIFY: a container, found filled */
	struct pw_container_ref found;
	int meta_ok;
	struct pw_container_meta meta;
	int measured;
	pid_t measured_pid;
	int posture_rc;
	struct pw_posture posture;
	char reason[PW_CT_REASON_LEN];
};

struct pw_discover_job {
	struct pw_hw_job base;
	/* in */
	char mount[4096];
	int announce; /* the containers found are evaluated as starting (agent start) */
	int reconcile;
	uint64_t lost; /* cgroup records lost, for the log */
	/* out */
	int rc;
	struct pw_containers cs; /* listed only: ids and sub-cgroup ids */
	char reason[PW_CT_REASON_LEN];
};

/* The processes older than the agent: the pids in /proc (a listing never
 * waits on a process), then their files in chunks (a process can make a
 * read of its cmdline wait: a chunk given up loses only its own). */
#define PW_PROCS_CHUNK 128

struct pw_procs_job {
	struct pw_hw_job base;
	/* in */
	int list; /* 1: list the pids; 0: read pids[] */
	uint32_t pids[PW_PROCS_CHUNK];
	size_t npids;
	/* out */
	uint32_t *found; /* list: every pid */
	size_t nfound;
	struct pw_proc *procs; /* read: the processes still there */
	size_t nprocs;
};

struct pw_procs_job *pw_procs_job_new(int list);

/* Any other subsystem's read, made on the worker: work(ctx) there, then
 * done(ctx, its result, timed_out) on the collecting thread (given up:
 * result 0). ctx must outlive the job's answer. */
struct pw_call_job {
	struct pw_hw_job base;
	int (*work)(void *ctx);
	void (*done)(void *ctx, int result, int timed_out);
	void *ctx;
	int result; /* out */
};

struct pw_call_job *pw_call_job_new(int (*work)(void *ctx),
				    void (*done)(void *ctx, int result, int timed_out), void *ctx);

/* A fact job for c (NULL: out of memory). */
struct pw_fact_job *pw_fact_job_new(const struct pw_ctable *t, const struct pw_ct_container *c,
				    enum pw_ct_want want, const char *mount, const char *controller,
				    const char *cgroup);

struct pw_discover_job *pw_discover_job_new(const char *mount, int announce);

#endif
