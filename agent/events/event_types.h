/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* What the agent knows of each event type: its name and record size. */
#ifndef PW_EVENT_TYPES_H
#define PW_EVENT_TYPES_H

#include <stddef.h>
#include "events.h"

struct pw_event_kind {
	const char *name; /* "exec", "capability": the JSON "kind" */
	size_t size;	  /* exact record size the kernel sends */
};

/* NULL for a type this agent does not know. */
const struct pw_event_kind *pw_event_kind(unsigned int type);
const char *pw_drop_cause_name(unsigned int cause);

#endif
