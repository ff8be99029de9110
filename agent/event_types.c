// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "event_types.h"

static const struct pw_event_kind kinds[PW_EVENT_TYPE_MAX] = {
	[PW_EVENT_EXEC] = { "exec", sizeof(struct pw_exec_event) },
	[PW_EVENT_CAPABILITY] = { "capability", sizeof(struct pw_capability_event) },
};

const struct pw_event_kind *pw_event_kind(unsigned int type)
{
	if (type >= PW_EVENT_TYPE_MAX || !kinds[type].name)
		return NULL;
	return &kinds[type];
}

const char *pw_drop_cause_name(unsigned int cause)
{
	switch (cause) {
	case PW_DROP_RINGBUF_FULL: return "ringbuf_full";
	default: return NULL;
	}
}
