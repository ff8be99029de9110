/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What the agent knows of each live process: its parent, executable and
 * argv, kept from the kernel's exec/fork/exit records, so an alert can name
 * the process and its ancestry even when it (or its parent) has exited by
 * the time the alert is written. Processes older than the agent are read
 * from /proc once, when first asked for.
 *
 * Bounded: at most max entries; past it the least recently used entry is
 * forgotten (and counted). Lookups allocate nothing.
 */
#ifndef PW_PROCESS_TABLE_H
#define PW_PROCESS_TABLE_H

#include <stddef.h>
#include <stdint.h>
#include "events.h"
#include "events/event_view.h"

struct pw_proc {
	uint32_t pid, ppid;
	uint64_t cgroup_id;
	char comm[PW_COMM_LEN + 1];
	char exe[PW_PATH_MAX + 1];
	char args[PW_ARGS_MAX]; /* argv, NUL-separated */
	uint32_t args_len;
	int from_proc; /* filled from /proc, not from an exec record */
	/* CLOCK_MONOTONIC, as the kernel stamps records: its fork (from /proc:
	 * its start time there; 0: unknown) and its last exec (0: none seen,
	 * it runs the image it forked with). */
	uint64_t start_ns, exec_ns;
	/* Which tree of its container it belongs to (pw_ptable_session):
	 * kept across exec, inherited at fork; the exec session's first
	 * process and when it began (its exec), for PW_VSESSION_EXEC. The
	 * kernel says which exec ended the runtime's init
	 * (PW_F_RUNTIME_INIT_EXEC): in a container not yet started, its
	 * entrypoint; in a started one, an exec session's first program
	 * (docker, kubectl, podman exec). Processes the agent did not see
	 * begin (older than it, or below one it never saw) are unknown. */
	enum pw_view_session session;
	uint32_t session_pid;
	uint64_t session_ns;
};

struct pw_ptable; /* opaque */

struct pw_ptable_stats {
	uint64_t entries, evicted, proc_reads, proc_misses;
	uint64_t exited; /* of entries: exited, kept for a live descendant's ancestry */
	uint64_t bytes;	 /* reserved at pw_ptable_new: entries x max, index, miss cache */
};

/* proc_root: prefix of /proc (NULL: "/"); max: entry limit (0: 65536). */
struct pw_ptable *pw_ptable_new(const char *proc_root, size_t max);
void pw_ptable_free(struct pw_ptable *t);

void pw_ptable_exec(struct pw_ptable *t, const struct pw_exec_event *e);
void pw_ptable_fork(struct pw_ptable *t,
		    const struct pw_fork_event *e); /* processes, not threads */
void pw_ptable_exit(struct pw_ptable *t, uint32_t pid);
/* pid (after its exec's pw_ptable_exec) begins a tree: its container's
 * entrypoint, or an exec session begun at ts_ns. Its later children inherit it. */
void pw_ptable_session(struct pw_ptable *t, uint32_t pid, enum pw_view_session s, uint64_t ts_ns);

/*
 * The process, from the table or (once) from /proc; NULL if unknown.
 * A process whose exit was recorded is not found by its pid (the pid may be
 * reused); while a child of it is known it is still in that child's ancestry.
 * Returned pointers stay valid until the next call that changes the table
 * (exec, fork, exit, or a get/ancestry that reads /proc).
 */
const struct pw_proc *pw_ptable_get(struct pw_ptable *t, uint32_t pid);

/* Has this process (from pw_ptable_get or pw_ptable_ancestry) exited,
 * kept for a descendant's ancestry? */
int pw_ptable_exited(const struct pw_proc *p);

/* Parent, grandparent... of pid, up to max (stops at pid 1 or an unknown one). */
size_t pw_ptable_ancestry(struct pw_ptable *t, uint32_t pid, const struct pw_proc **out,
			  size_t max);

void pw_ptable_stats(const struct pw_ptable *t, struct pw_ptable_stats *s);

/* The daemon: never read /proc on a miss (the event thread reads nothing a
 * process controls); processes older than the agent come from a snapshot
 * read by the host-reading worker, through pw_ptable_add. */
void pw_ptable_no_proc(struct pw_ptable *t);

/* A process read elsewhere; ignored if the table knows the pid already. */
void pw_ptable_add(struct pw_ptable *t, const struct pw_proc *p);

/* One process from <proc_root>/proc/<pid>, as the table would read it. 0 or -errno. */
int pw_ptable_read_proc(const char *proc_root, uint32_t pid, struct pw_proc *p);

#endif
