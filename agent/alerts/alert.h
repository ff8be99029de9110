/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * An alert: a rule that matched an event, with everything a SOC needs to
 * act on it without going back to the host. Written as one JSON line,
 * schema privwatch.alert/1 (docs/alert-schema.md), or mapped onto Elastic
 * Common Schema field names (--format ecs).
 */
#ifndef PW_ALERT_H
#define PW_ALERT_H

#include <stdint.h>
#include "events/event_view.h"
#include "lib/jsonw.h"
#include "rules/rules.h"

#define PW_ALERT_SCHEMA	      "privwatch.alert/1"
#define PW_ALERT_ANCESTRY_MAX 8
#define PW_ALERT_ID_LEN	      37 /* a UUID, 36 characters and the NUL */
/* Where each rule id has its section (its anchor: the id in lower case). */
#define PW_RULE_DOC "docs/rule-reference.md"

struct pw_host_info {
	char hostname[256];
	char boot_id[40]; /* /proc/sys/kernel/random/boot_id */
};

struct pw_alert_ancestor {
	uint32_t pid;
	const char *comm, *exe;
};

struct pw_alert {
	const char *id; /* pw_alert_new_id; NULL: the writer makes one */
	const struct pw_rule_info *rule;
	const char *summary;	 /* the rule's output, filled in */
	const struct pw_view *v; /* the event, its process and container */
	uint64_t time_ns;	 /* CLOCK_REALTIME of the event */
	uint64_t count;		 /* 1, or the occurrences folded into this alert */
	uint64_t first_time_ns;	 /* folded alerts: the first occurrence (else 0) */
	struct pw_alert_ancestor ancestry[PW_ALERT_ANCESTRY_MAX]; /* parent first */
	unsigned int nancestry;
	const char *capture_id, *capture_file; /* NULL: no capture taken */
	/* "started", "extended" (a capture under way for the container took
	 * this trigger too) or "skipped" (capture_reason says why; no id). */
	const char *capture_status, *capture_reason;
};

enum pw_alert_format { PW_FORMAT_NATIVE = 0, PW_FORMAT_ECS };

void pw_host_info_read(struct pw_host_info *h);

/*
 * A new alert id: a UUIDv7 (RFC 9562) whose first 48 bits are time_ns's
 * milliseconds, so ids sort by time; the rest is random per process plus a
 * counter, so no two alerts of one agent share an id and two agents almost
 * surely never do. Thread-safe, no system call after the first.
 */
void pw_alert_new_id(char id[PW_ALERT_ID_LEN], uint64_t time_ns);
/* "docs/rule-reference.md#pw-0102": the rule's section in the docs. */
void pw_alert_rule_reference(const char *rule_id, char *buf, size_t size);

/* Appends the alert object (no newline) to w. */
void pw_alert_to_json(struct jsonw *w, const struct pw_alert *a, const struct pw_host_info *h);
/* The same alert with Elastic Common Schema field names (docs/alert-schema.md). */
void pw_alert_to_ecs(struct jsonw *w, const struct pw_alert *a, const struct pw_host_info *h);

/*
 * Folding: the count is the last member, so an alert can be written once
 * and its count of repeats appended later. A head writes everything but the
 * count and leaves the object open (at least one member written); the tail
 * is then exactly `,"count":N}` (native) or `,"count":N}}` (ECS, where the
 * count is privwatch.count), which pw_alert_tail writes into the same w, or
 * a caller holding the head's bytes may append itself.
 * pw_alert_to_json(w, a, h) == head + pw_alert_tail(w, PW_FORMAT_NATIVE, a->count).
 * A count of 0 is written as 1: the alert itself is one occurrence.
 */
void pw_alert_to_json_head(struct jsonw *w, const struct pw_alert *a, const struct pw_host_info *h);
void pw_alert_to_ecs_head(struct jsonw *w, const struct pw_alert *a, const struct pw_host_info *h);
void pw_alert_tail(struct jsonw *w, enum pw_alert_format f, uint64_t count);

/*
 * Any other record (privwatch.start/1, stats, lost, inventory, health,
 * reload, event) on ECS, from its native line (line, len; a newline at the
 * end is left out): what ECS has fields for, @timestamp (the record's
 * "time"), event.kind (event, metric or state), event.module, .dataset
 * ("privwatch.stats"), .category, .type and host, and the native record
 * whole under "privwatch": its counters and inventories have no ECS field.
 */
void pw_record_to_ecs(struct jsonw *w, const char *line, size_t len, const struct pw_host_info *h);

#endif
