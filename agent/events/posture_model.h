/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A container's posture as events, rules and alerts carry it: the eight
 * things `--privileged` relaxes (shared/seed), each relaxed, confined or not
 * applicable here, and the mode they add up to. Measuring it from /proc is
 * host/posture.h's job; this is only the model, its names and its JSON.
 */
#ifndef PW_EVENTS_POSTURE_MODEL_H
#define PW_EVENTS_POSTURE_MODEL_H

#include <stdio.h>
#include <sys/types.h>

struct jsonw;

/* Order is the JSON and printing order; names from pw_dim_name(). */
enum pw_dim {
	PW_DIM_CAPABILITIES,
	PW_DIM_MASKED_PATHS,
	PW_DIM_READONLY_KERNEL_FS,
	PW_DIM_APPARMOR,
	PW_DIM_SECCOMP,
	PW_DIM_DEVICE_CGROUP,
	PW_DIM_HOST_DEVICES,
	PW_DIM_SELINUX,
	PW_DIM_COUNT,
};

enum pw_dim_state { PW_DIM_NA = 0, PW_DIM_CONFINED, PW_DIM_RELAXED };

enum pw_posture_mode { PW_POSTURE_DEFAULT = 0, PW_POSTURE_PARTIAL, PW_POSTURE_PRIVILEGED };

#define PW_EVIDENCE_LEN 512
#define PW_REASON_LEN	160

struct pw_dimension {
	enum pw_dim_state state;
	char evidence[PW_EVIDENCE_LEN]; /* what was seen (relaxed or confined) */
	char reason[PW_REASON_LEN];	/* why it does not apply (n/a) */
};

struct pw_posture {
	pid_t pid;
	enum pw_posture_mode mode;
	struct pw_dimension dim[PW_DIM_COUNT];
};

/* all applicable relaxed: privileged; some: partial; none: default. Sets and returns p->mode. */
enum pw_posture_mode pw_posture_derive(struct pw_posture *p);

const char *pw_dim_name(enum pw_dim d);		    /* "capabilities", ... */
const char *pw_dim_state_name(enum pw_dim_state s); /* "relaxed", "confined", "n/a" */
const char *pw_posture_mode_name(enum pw_posture_mode m);

/* {"mode":..., "relaxed":[names], "dimensions":{name:{"state":..., "evidence"|"reason":...}}} */
void pw_posture_to_json(struct jsonw *w, const struct pw_posture *p);

/* A few lines for people (privwatch inspect). */
void pw_posture_print(FILE *f, const struct pw_posture *p);

#endif
