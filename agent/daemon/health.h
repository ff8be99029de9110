/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Detection health: attached is not working. Rounds of the canary
 * (agent/kernel/canary.c) prove each concern's programs are called: at start, a
 * concern whose canary is not seen falls back to its next variant and is
 * tried again until one works or none is left (then it is reported blind);
 * while running, a round every interval, and a concern that stops being
 * seen (programs detached, the ring buffer's consumer position moved by
 * another process, maps tampered with) raises a critical alert (PW-0001)
 * and a privwatch.health/1 record and is attached again; a second record
 * says when it is seen again. In subtree mode every round also puts back
 * watched cgroups someone removed from the kernel's set (PW-0002).
 */
#ifndef PW_HEALTH_H
#define PW_HEALTH_H

#include <stdint.h>
#include "kernel/canary.h"
#include "lib/jsonw.h"
#include "rules/rules.h"

#define PW_HEALTH_SCHEMA "privwatch.health/1"

struct pw_loader;
struct pw_pipeline;

struct pw_health_opts {
	uint64_t interval_ns; /* between rounds while running; 0: only at start */
	uint64_t timeout_ns;  /* a round's process is killed after this */
	int off;	      /* --bench-floor: the programs see nothing, no rounds */
};

struct pw_health {
	struct pw_canary canary;
	struct pw_loader *l;
	struct pw_pipeline *p;
	struct pw_health_opts o;
	int starting;		  /* the start rounds are not over */
	int rewatching;		  /* the watched-set walk is out on the worker */
	int round;		  /* a canary round is under way */
	int judge;		  /* its process ended: judge after the next drain */
	uint64_t next_ns;	  /* when the next round starts (monotonic) */
	uint64_t drops_before;	  /* kernel drops when the round started */
	int inconclusive;	  /* rounds in a row spoiled by ring buffer drops */
	uint64_t alerts, records; /* PW-0001 alerts and health records written */
	uint64_t watch_full;	  /* watched-set refusals already alerted on */
};

/* Make the canary cgroup (watched in subtree mode) and start the first round. */
int pw_health_init(struct pw_health *h, struct pw_loader *l, struct pw_pipeline *p,
		   const struct pw_health_opts *o, char *err, size_t errlen);
void pw_health_free(struct pw_health *h);

/* The reader's first stop for every record: 1 if it was the canary's. */
static inline int pw_health_claim(struct pw_health *h, const struct pw_event_header *hdr)
{
	return hdr->cgroup_id == h->canary.cgroup_id && pw_canary_claim(&h->canary, hdr);
}

/* After every drain of the ring buffer (monotonic now). */
void pw_health_tick(struct pw_health *h, uint64_t now_ns);

/* Concerns that cannot see (blind, or no variant at all): a bit per concern. */
unsigned int pw_health_blind(const struct pw_health *h);

/* The watched set's refusals so far (stats): an alert (PW-0003) when they rose. */
void pw_health_watch_full(struct pw_health *h, uint64_t full);

/* A privwatch.health/1 record on every sink (critical while blind). */
void pw_health_record(struct pw_health *h, const char *reason);

/* The agent's own rules about itself: PW-0001 (a concern unseen), PW-0002
 * (watched set changed), PW-0003 (watched set full). */
extern const struct pw_rule_info pw_rule_blind, pw_rule_rewatch, pw_rule_watch_full;

/* The "canary" member of the start record. */
void pw_health_json(const struct pw_health *h, struct jsonw *w);

#endif
