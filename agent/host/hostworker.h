/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The host-reading worker: a thread that does every read a container can
 * stall (its /proc files, its /dev, its mount table, the runtimes' state
 * files, the cgroup walk of discovery), so the event thread never waits on
 * the outside world.
 *
 * Jobs go in with pw_hw_submit and come back, finished, through
 * pw_hw_collect, which the event thread calls in its loop and which never
 * blocks on a read. Each read the worker makes is announced first
 * (pw_hw_reading: what, and since when); pw_hw_collect compares the time
 * with the deadline. A read past its deadline cannot be interrupted (a
 * thread in D state on a FUSE read cannot even be killed), so the worker
 * is abandoned: left where it is, counted, and a new one takes the next
 * job; the late job comes back at once as a copy whose on_timeout filled
 * its result ("timed out reading ..."). An abandoned worker that returns
 * some day hands its job back too, marked late (the real answer of a read
 * that was slow, not stuck), and exits. Past PW_HW_STUCK_MAX abandoned workers
 * still stuck, jobs are not run any more: they come back as timed out
 * ("... workers stuck"), so a hostile host cannot make the agent spawn
 * threads without bound.
 *
 * The same hook counts reads made on the event thread itself
 * (pw_hw_mark_event_thread): the stats report it, and tests assert 0.
 */
#ifndef PW_HOST_HOSTWORKER_H
#define PW_HOST_HOSTWORKER_H

#include <stddef.h>
#include <stdint.h>

#define PW_HW_WHAT_LEN	160
#define PW_HW_STUCK_MAX 8

/* Who submitted a job (pw_hw_job.tag): pipeline.c's job_done dispatches
 * on it. One list, so no two kinds share a number. */
enum pw_job_tag {
	PW_JOB_FACTS = 1,    /* a container's facts (host/host_jobs.h) */
	PW_JOB_DISCOVER,     /* the walk of the cgroup hierarchy */
	PW_JOB_PROCS,	     /* processes older than the agent */
	PW_JOB_CALL,	     /* another subsystem's read (pw_pipeline_call) */
	PW_JOB_CAP_SNAPSHOT, /* a capture's /proc snapshot (capture/) */
	PW_JOB_CAP_FINALIZE, /* a capture's bundle written */
};

struct pw_hw_job {
	void (*run)(struct pw_hw_job *j); /* on the worker */
	/* On the collecting thread, on a copy of the job (inputs as
	 * submitted; outputs to be reset, the stuck worker owns the
	 * original's): fill the result of a read that did not return. */
	void (*on_timeout)(struct pw_hw_job *copy, const char *what);
	void (*free)(struct pw_hw_job *j);
	size_t size;	  /* of the whole job object, for the copy */
	size_t copy_size; /* what is copied (the inputs); the rest of the copy is zero */
	int tag;	  /* the submitter's: which kind of job */
	uint64_t key;	  /* the submitter's: what it is about (pw_hw_cancel) */
	/* set by the pool */
	int timed_out;
	int late; /* the original of a timed-out job, returned after all */
	/* Set (atomically) on the original when it is given up: a job that
	 * writes may check it to write nothing more once it wakes. */
	int given_up;
	uint64_t submitted_ns, finished_ns;
	struct pw_hw_job *next;
};

struct pw_hw_stats {
	uint64_t submitted, completed, timed_out;
	uint64_t workers_abandoned; /* over the pool's life */
	uint64_t workers_stuck;	    /* abandoned and not returned yet */
	uint64_t refused_stuck;	    /* jobs not run: too many stuck workers */
	uint64_t cancelled;	    /* jobs not run: pw_hw_cancel */
	uint64_t late_answers;	    /* abandoned jobs that returned after all */
	uint64_t spawn_failed;
	uint64_t queued;
	uint64_t max_job_ns; /* the longest job that returned */
};

struct pw_hw;

/* read_deadline_ns: one read; job_deadline_ns: a whole job (0: 10 reads). NULL on error. */
struct pw_hw *pw_hw_new(uint64_t read_deadline_ns, uint64_t job_deadline_ns);

/* Stop: the live worker finishes its job if it can within the read
 * deadline; stuck workers are left (the pool is then freed by the last). */
void pw_hw_free(struct pw_hw *hw);

/* Queue j (owned by the pool until pw_hw_collect hands it back). */
void pw_hw_submit(struct pw_hw *hw, struct pw_hw_job *j);

/*
 * Abandon a worker past its deadline, then hand every finished job to
 * done (which owns it until it returns; then j->free is called). Never
 * waits for a read. now_ns: CLOCK_MONOTONIC. The number handed back.
 */
size_t pw_hw_collect(struct pw_hw *hw, uint64_t now_ns,
		     void (*done)(void *ctx, struct pw_hw_job *j), void *ctx);

/* Queued jobs with this key come back unrun, as timed out with why. The
 * number cancelled. */
size_t pw_hw_cancel(struct pw_hw *hw, uint64_t key, const char *why);

void pw_hw_stats(struct pw_hw *hw, struct pw_hw_stats *s);

/* On the worker: the read that starts now (its deadline starts now). Elsewhere:
 * counted as a host read on the event thread if it is marked so. */
void pw_hw_reading(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Does this thread announce its reads (a worker, or the marked event thread)? */
int pw_hw_watching(void);

/* This thread is the event thread: host reads here are counted. */
void pw_hw_mark_event_thread(int on);

/* Host reads made on the event thread since start, and the last one's what. */
uint64_t pw_hw_event_thread_reads(char *last, size_t len);

uint64_t pw_hw_now_ns(void);

#endif
