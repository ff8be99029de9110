/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Counters from both sides, summed: what was sent, received and lost, by
 * event type and by cause. Reported as a privwatch.stats/1 record. */
#ifndef PW_STATS_H
#define PW_STATS_H

#include <stdint.h>
#include "events.h"
#include "lib/jsonw.h"
#include "kernel/reader.h"

#define PW_STATS_SCHEMA "privwatch.stats/1"

struct pw_loader;

struct pw_kstats {
	uint64_t emitted[PW_EVENT_TYPE_MAX];
	uint64_t suppressed[PW_EVENT_TYPE_MAX];
	uint64_t dropped[PW_EVENT_TYPE_MAX][PW_DROP_CAUSE_MAX];
	uint64_t watched_cgroups_full;
};

int pw_kstats_read(struct pw_loader *l, struct pw_kstats *out);
/* Records the kernel could not send, every type and cause. */
uint64_t pw_kstats_dropped(const struct pw_kstats *k);
uint64_t pw_stats_dropped_total(const struct pw_kstats *k, const struct pw_reader_stats *r);
/* The live container table's counters (privwatch run). */
struct pw_table_stats {
	uint64_t tracked; /* containers in the table now */
	uint64_t cgroups; /* cgroup ids mapped to them, pending ones included */
	uint64_t pending; /* runtime-made cgroups not known to be containers yet */
	uint64_t added, removed;
	uint64_t reconciles; /* rebuilt from the hierarchy after lost cgroup records */
};

/* Members a caller adds to the record (alerts, sinks...), written last. */
typedef void (*pw_stats_more)(void *ctx, struct jsonw *w);

/* ct: NULL leaves the "containers" object out; more: NULL for none. */
void pw_stats_to_json(struct jsonw *w, const struct pw_kstats *k, const struct pw_reader_stats *r,
		      const struct pw_table_stats *ct, int final, pw_stats_more more, void *ctx);

#endif
