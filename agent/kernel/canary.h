/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The canary: proof that each concern's programs are called, not only
 * attached. A child of the agent joins a cgroup of its own
 * (privwatch-canary.<agent pid> at the top of the hierarchy), execs the agent's
 * binary as `privwatch __canary`, and does one harmless action per concern:
 * a capability check that changes nothing, a read-only open of a sysfs
 * file, a cgroup made and removed below its own, an unshare of a mount and
 * UTS namespace, a private tmpfs mount there, an allow-everything seccomp
 * filter, its exit. Its records are claimed here (its cgroup and its pid,
 * both: a process that moves into the canary cgroup is not the canary) and
 * never reach the rules.
 */
#ifndef PW_CANARY_H
#define PW_CANARY_H

#include <limits.h>
#include <stdint.h>
#include <sys/types.h>
#include "events.h"

#define PW_CANARY_CMD	 "__canary"
#define PW_CANARY_CGROUP "privwatch-canary"

struct pw_canary {
	char cgroup[PATH_MAX]; /* the canary's cgroup directory */
	uint64_t cgroup_id;
	pid_t pid;	      /* the current or last round's process: its records are claimed */
	int running;	      /* started and not reaped */
	int status;	      /* the last round: bit per concern whose action failed;
			       * -1: it did not run to the end */
	int status_fd;	      /* where the round's process writes that */
	uint32_t map_id;      /* one of the agent's maps: the tamper concern's action */
	uint64_t deadline_ns; /* CLOCK_MONOTONIC */
	unsigned int seen;    /* bit per concern index (pw_concerns) seen this round */
	uint64_t rounds, records;
	uint64_t by_type[PW_EVENT_TYPE_MAX]; /* records by event type */
	uint64_t foreign;		     /* records of other processes in the canary cgroup */
};

/* Create (or reuse) the canary cgroup below mount. 0, or -1 with err. */
int pw_canary_init(struct pw_canary *c, const char *cgroup_mount, char *err, size_t errlen);
/* Remove the cgroup; kills a canary still running. */
void pw_canary_free(struct pw_canary *c);

/* Start a round: fork, join the cgroup, exec. 0 or -errno. */
int pw_canary_start(struct pw_canary *c, uint64_t now_ns, uint64_t timeout_ns);
/* Reap the round's process (killing it past its deadline). 1 once it has
 * ended: the caller then drains the ring buffer and reads c->seen. */
int pw_canary_reap(struct pw_canary *c, uint64_t now_ns);

/* Is this record the canary's? If so its concern is marked seen. */
int pw_canary_claim(struct pw_canary *c, const struct pw_event_header *h);

/* The concern (index in pw_concerns) an event type proves, or -1. */
int pw_canary_concern_of(unsigned int type);
/* Index of a concern by name, or -1. */
int pw_concern_index(const char *name);

/* `privwatch __canary CGROUP`: the actions, run in the canary process. */
int pw_canary_main(int argc, char **argv);

#endif
