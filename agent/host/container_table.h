/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The daemon's live container table: which container each cgroup id belongs
 * to, kept current from the kernel's cgroup mkdir/rmdir records. Filled at
 * start from discovery; a container's sub-cgroups map to the same entry.
 *
 * Phase: runc's init (runc:[2:INIT]) mounts /proc, /sys, /dev and probes
 * seccomp inside the container's cgroup before it execs the entrypoint.
 * Those events are "setup"; the first exec in the container that is not the
 * runtime re-executing itself is the entrypoint: from it on, "started", and
 * the posture is measured then, when the runtime has finished confining it.
 *
 * Memory: one allocation per container (freed when its last cgroup goes),
 * an open-addressing index that only grows to the peak number of cgroups.
 * Looking up an event's container allocates nothing.
 */
#ifndef PW_CONTAINER_TABLE_H
#define PW_CONTAINER_TABLE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "host/container_id.h"
#include "host/posture.h"
#include "host/runtime_state.h"
#include "lib/hashtab.h"

struct pw_containers;

enum pw_ct_phase { PW_PHASE_SETUP = 0, PW_PHASE_STARTED };

/* What the table asks of its reader (pw_ctable.want): the facts it used to
 * read itself, now read by the host-reading worker. */
enum pw_ct_want {
	PW_CT_WANT_STATE,      /* a new container: its runtime state */
	PW_CT_WANT_START,      /* its entrypoint started: state again, and posture */
	PW_CT_WANT_DISCOVERED, /* found running: state, init pid, posture */
	PW_CT_WANT_IDENTIFY,   /* a pending cgroup: is it a container (runtime state says)? */
};

/* A container's records waiting for its facts (kept by pipeline.c). */
struct pw_ct_hold {
	unsigned char *buf;
	size_t len, cap;
	uint32_t count;
	uint64_t since_ns; /* when the first of them arrived */
};

#define PW_CT_REASON_LEN 200

/* A container removed from the table, remembered a while: records about it
 * can come after its cgroup went (the once-a-second loss report). */
struct pw_ct_gone {
	uint64_t cgroup_id;
	char id[PW_CONTAINER_ID_MAX + 1];
	char name[256];
};
#define PW_CT_GONE 64

struct pw_ct_container {
	uint64_t cgroup_id; /* the container's own cgroup (not a sub-cgroup) */
	struct pw_container_ref ref;
	struct pw_container_meta meta;
	enum pw_ct_phase phase;
	pid_t start_pid; /* the entrypoint's pid, or the init found at start */
	int posture_rc;	 /* 0: measured; -EAGAIN: not yet (setup); or -errno */
	struct pw_posture posture;
	unsigned int refs;	    /* cgroup ids in the index pointing here */
	uint64_t gen;		    /* this entry, to match the worker's answers to it */
	unsigned int facts_pending; /* answers awaited from the host-reading worker */
	int announce;		    /* a container_start is due when its facts arrive */
	uint64_t start_ts_ns;	    /* ... at this time (the entrypoint's exec) */
	int hold_over;		    /* its records waited past the bound: not held again */
	int identifying;	    /* pending, PW_CT_WANT_IDENTIFY asked */
	int quarantined;	    /* a read of it timed out: not read again */
	int remeasured;		    /* ... unless that read came back late: read again once */
	int announce_late;	    /* then its container_start again, facts "late" */
	int start_on_identify;	    /* ... at the first exec in it (start_pid): start it then */
	/* An exec in setup taken for the runtime's own by names alone (the
	 * kernel did not know its init): when, and its pid. Past
	 * PW_CT_SETUP_BOUND_NS without another, it is taken for the entrypoint
	 * (an image can name its entrypoint like runc's init). */
	uint64_t names_setup_ns;
	pid_t names_setup_pid;
	struct pw_ct_hold hold;
	char posture_reason[PW_CT_REASON_LEN]; /* why the posture is unknown, or "" */
	/* Not known to be a container yet: a cgroup a runtime made whose path
	 * has no runtime marker (plain runc: /<name>, identified by a
	 * state.json runc writes after the mkdir). path is resolved again at
	 * the first exec in it, then the entry is promoted or dropped. */
	int pending;
	char path[256];
};

struct pw_ctable {
	struct pw_htab index;	 /* cgroup id -> struct pw_ct_container *; .n: cgroups mapped */
	size_t containers;	 /* live entries */
	size_t pending;		 /* unresolved runtime-made cgroups (not in containers) */
	char root[256];		 /* prefix of runtime state and /proc ("/" in production) */
	int measure;		 /* measure posture at start (off in unit tests) */
	uint64_t added, removed; /* over the table's life */
	/* With want set, the table reads nothing itself: it asks (the
	 * pipeline, which queues a job on the host-reading worker and hands
	 * the answer back with pw_ctable_facts). Without: reads inline. */
	void (*want)(void *ctx, struct pw_ct_container *c, enum pw_ct_want w);
	void *want_ctx;
	uint64_t next_gen;
	/* Bounds: containers (pending ones included) and cgroup ids mapped;
	 * past them a cgroup is not tracked, and counted. */
	size_t max_containers, max_cgroups;
	uint64_t overflow;	     /* cgroups not tracked because the table was full */
	uint64_t hold_dropped;	     /* held records freed with their container (never expected) */
	size_t names_setup;	     /* containers in setup on a names-only runtime exec */
	uint64_t setup_bound_starts; /* ... started at the bound */
	struct pw_ct_gone gone[PW_CT_GONE]; /* the last containers removed, a ring */
	unsigned int gone_next;
};

/* runc's init re-executes itself and execs the entrypoint within
 * milliseconds of its setup (or waits for `runc start`, its setup done). */
#define PW_CT_SETUP_BOUND_NS (10ULL * 1000000000)

#define PW_CT_MAX_CONTAINERS 4096 /* x ~10 KiB each: 40 MiB at most */
#define PW_CT_MAX_CGROUPS    (256 * 1024)

/* The worker's answer for c: state (meta_ok), posture (measured: rc and
 * reason). Clears one pending want. */
void pw_ctable_facts(struct pw_ctable *t, struct pw_ct_container *c,
		     const struct pw_container_meta *meta, int measured, pid_t pid, int posture_rc,
		     const struct pw_posture *posture, const char *reason);

/*
 * The worker's answer to PW_CT_WANT_IDENTIFY for pending c: a container
 * (ref, meta) or not (ok 0: its entry is erased, c is gone). A container
 * whose first exec asked is started (1 returned; its posture is wanted).
 */
int pw_ctable_identified(struct pw_ctable *t, struct pw_ct_container *c, int ok,
			 const struct pw_container_ref *ref, const struct pw_container_meta *meta);

/*
 * Containers still in setup PW_CT_SETUP_BOUND_NS after an exec taken for the
 * runtime's by its names alone are started at that exec's pid (posture
 * wanted), each handed to started(ctx, c). now_ns: CLOCK_MONOTONIC.
 */
void pw_ctable_setup_bound(struct pw_ctable *t, uint64_t now_ns,
			   void (*started)(void *ctx, struct pw_ct_container *c), void *ctx);

/* A container removed lately whose own cgroup was cgroup_id, or NULL. */
const struct pw_ct_gone *pw_ctable_gone(const struct pw_ctable *t, uint64_t cgroup_id);

/* The container of a cgroup id, pending ones included, or NULL. */
struct pw_ct_container *pw_ctable_find(const struct pw_ctable *t, uint64_t cgroup_id);

/* root: NULL for "/". measure: pw_posture_measure the entrypoint on start. */
int pw_ctable_init(struct pw_ctable *t, const char *root, int measure);
void pw_ctable_free(struct pw_ctable *t);

/*
 * Add the discovered containers, phase "started" (they run already), with
 * their posture, and the ids of the cgroups below each (walked under
 * cs->mount). 0 or -errno.
 */
int pw_ctable_load(struct pw_ctable *t, const struct pw_containers *cs);

/*
 * A cgroup was created (path relative to the hierarchy's root). Below a
 * tracked cgroup: mapped to that container. Else, if the path names a
 * container: a new entry in "setup", runtime state read now. 1 if the id is
 * now tracked, 0 if not a container's, -ENOMEM.
 */
int pw_ctable_mkdir(struct pw_ctable *t, uint64_t id, uint64_t parent_id, const char *path);
/* The same, knowing the comm of the task that made it: a cgroup made by runc
 * whose path names no container yet is kept pending (returns 0). */
int pw_ctable_mkdir_by(struct pw_ctable *t, uint64_t id, uint64_t parent_id, const char *path,
		       const char *maker_comm);

/* A cgroup was removed: its id forgotten, its container freed with its last cgroup. */
void pw_ctable_rmdir(struct pw_ctable *t, uint64_t id);

/*
 * Forget every tracked cgroup id not in live (sorted ascending, n ids): the
 * repair after cgroup rmdir records were lost. Returns how many were
 * forgotten.
 */
size_t pw_ctable_prune(struct pw_ctable *t, const uint64_t *live, size_t n);

/* The container of a cgroup id, or NULL. */
struct pw_ct_container *pw_ctable_lookup(const struct pw_ctable *t, uint64_t cgroup_id);

/* Walk every mapped cgroup (pending ones included); *i starts at 0. A
 * container appears once per cgroup of it: at its own, *cgroup_id equals
 * its cgroup_id. Do not change the table while walking. */
struct pw_ct_container *pw_ctable_next(const struct pw_ctable *t, size_t *i, uint64_t *cgroup_id);

/*
 * An exec in c by pid, of filename with argv (NUL-separated, args_len bytes).
 * The first that is not the runtime re-executing its own init marks c
 * started (posture measured on pid). Returns 1 if this exec started it.
 */
int pw_ctable_exec(struct pw_ctable *t, struct pw_ct_container *c, pid_t pid, const char *filename,
		   const char *args, size_t args_len);
/* The kernel says pid's exec ended the runtime's init (PW_F_RUNTIME_INIT_EXEC):
 * c starts there, whatever the names. 1 if it started c. */
int pw_ctable_start(struct pw_ctable *t, struct pw_ct_container *c, pid_t pid);

/*
 * An exec in a cgroup lookup does not know: if it is pending, its path is
 * resolved again; a container now (runc's state.json written) is promoted,
 * and this exec starts it as pw_ctable_exec would. Else the pending entry is
 * dropped. The container, or NULL.
 */
struct pw_ct_container *pw_ctable_exec_unknown(struct pw_ctable *t, uint64_t cgroup_id, pid_t pid,
					       const char *filename, const char *args,
					       size_t args_len);

/* Is this exec the runtime's own (runc init, its memfd or /proc/self/exe re-exec)? */
int pw_ct_is_runtime_exec(const char *filename, const char *args, size_t args_len);

#endif
