// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "kernel/loader.h"
#include "privwatch.skel.h"
#include "kernel/stats.h"
#include "lib/timefmt.h"

int pw_kstats_read(struct pw_loader *l, struct pw_kstats *out)
{
	int ncpu = libbpf_num_possible_cpus(), fd, cpu, d;
	struct pw_type_stats *v;
	__u32 type;

	memset(out, 0, sizeof(*out));
	if (ncpu <= 0)
		return -EINVAL;
	v = calloc(ncpu, sizeof(*v)); /* per-CPU values are 8-byte aligned: ours is */
	if (!v)
		return -ENOMEM;
	fd = bpf_map__fd(l->skel->maps.type_stats);
	for (type = 0; type < PW_EVENT_TYPE_MAX; type++) {
		if (bpf_map_lookup_elem(fd, &type, v))
			continue;
		for (cpu = 0; cpu < ncpu; cpu++) {
			out->emitted[type] += v[cpu].emitted;
			out->suppressed[type] += v[cpu].suppressed;
			for (d = 0; d < PW_DROP_CAUSE_MAX; d++)
				out->dropped[type][d] += v[cpu].dropped[d];
		}
	}
	free(v);
	out->watched_cgroups_full = l->skel->bss->watched_cgroups_full;
	return 0;
}

uint64_t pw_kstats_dropped(const struct pw_kstats *k)
{
	uint64_t sum = 0;
	int t, d;

	for (t = 0; t < PW_EVENT_TYPE_MAX; t++)
		for (d = 0; d < PW_DROP_CAUSE_MAX; d++)
			sum += k->dropped[t][d];
	return sum;
}

uint64_t pw_stats_dropped_total(const struct pw_kstats *k, const struct pw_reader_stats *r)
{
	return r->malformed + k->watched_cgroups_full + pw_kstats_dropped(k);
}

static const char *type_name(int t)
{
	const struct pw_event_kind *k = pw_event_kind(t);

	return k ? k->name : NULL;
}

void pw_stats_to_json(struct jsonw *w, const struct pw_kstats *k, const struct pw_reader_stats *r,
		      const struct pw_table_stats *ct, int final, pw_stats_more more, void *ctx)
{
	char when[PW_TIME_LEN];
	struct timespec ts;
	int t, d;

	clock_gettime(CLOCK_REALTIME, &ts);
	pw_format_time((uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec, when);
	jw_obj_begin(w);
	jw_kv_str(w, "schema", PW_STATS_SCHEMA);
	jw_kv_str(w, "time", when);
	jw_kv_bool(w, "final", final);
	/* Events read by the agent, by kind. */
	jw_key(w, "events");
	jw_obj_begin(w);
	for (t = 0; t < PW_EVENT_TYPE_MAX; t++) {
		if (!type_name(t))
			continue;
		jw_key(w, type_name(t));
		jw_u64(w, r->received[t]);
	}
	jw_obj_end(w);
	/* Submitted by the kernel, by kind: more than "events" means records
	 * still in the ring when the counters were read, or lost between. */
	jw_key(w, "kernel_sent");
	jw_obj_begin(w);
	for (t = 0; t < PW_EVENT_TYPE_MAX; t++) {
		if (!type_name(t))
			continue;
		jw_key(w, type_name(t));
		jw_u64(w, k->emitted[t]);
	}
	jw_obj_end(w);
	/* Folded by the in-kernel dedup: not lost, counted per task (bpf/capability.bpf.c). */
	jw_key(w, "suppressed");
	jw_obj_begin(w);
	for (t = 0; t < PW_EVENT_TYPE_MAX; t++) {
		if (!type_name(t) || !k->suppressed[t])
			continue;
		jw_key(w, type_name(t));
		jw_u64(w, k->suppressed[t]);
	}
	jw_obj_end(w);
	/* Drops by cause, each by kind where the kernel counts them so. */
	jw_key(w, "drops");
	jw_obj_begin(w);
	for (d = 0; d < PW_DROP_CAUSE_MAX; d++) {
		if (!pw_drop_cause_name(d))
			continue;
		jw_key(w, pw_drop_cause_name(d));
		jw_obj_begin(w);
		for (t = 0; t < PW_EVENT_TYPE_MAX; t++) {
			if (!type_name(t))
				continue;
			jw_key(w, type_name(t));
			jw_u64(w, k->dropped[t][d]);
		}
		jw_obj_end(w);
	}
	jw_kv_u64(w, "malformed_records", r->malformed);
	jw_kv_u64(w, "watched_cgroups_full", k->watched_cgroups_full);
	jw_obj_end(w);
	jw_kv_u64(w, "dropped_total", pw_stats_dropped_total(k, r));
	if (ct) {
		/* Back to its starting size after churn, or state leaks. */
		jw_kv_u64(w, "containers_tracked", ct->tracked);
		jw_key(w, "containers");
		jw_obj_begin(w);
		jw_kv_u64(w, "tracked", ct->tracked);
		jw_kv_u64(w, "cgroups", ct->cgroups);
		jw_kv_u64(w, "pending", ct->pending);
		jw_kv_u64(w, "added", ct->added);
		jw_kv_u64(w, "removed", ct->removed);
		jw_kv_u64(w, "reconciles", ct->reconciles);
		jw_obj_end(w);
	}
	if (more)
		more(ctx, w);
	jw_obj_end(w);
}
