/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * One event as one JSON object (schema privwatch.event/1), written with the
 * streaming writer. The common header's fields first, then the type's own,
 * through a table of encoders indexed by event type.
 */
#ifndef PW_EVENT_JSON_H
#define PW_EVENT_JSON_H

#include "events/event_types.h"
#include "events/event_view.h" /* pw_object_kind_name(), shared with the rules */
#include "lib/jsonw.h"

#define PW_EVENT_SCHEMA "privwatch.event/1"

struct pw_view_container;

/* Appends the object (no newline) to w. The record must have been checked
 * by the reader (type known, size exact). */
void pw_event_to_json(struct jsonw *w, const struct pw_event_kind *kind,
		      const struct pw_event_header *hdr);
/* The same with a "container" object (the view rules see, event_view.h;
 * empty strings written as null), or "container":null when c is NULL. */
void pw_event_to_json_ctx(struct jsonw *w, const struct pw_event_kind *kind,
			  const struct pw_event_header *hdr, const struct pw_view_container *c);

#endif
