// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "daemon/health.h"
#include "kernel/loader.h"
#include "lib/log.h"
#include "pipeline.h"
#include "privwatch.skel.h"
#include "kernel/stats.h"
#include "lib/timefmt.h"

#define START_ROUNDS_MAX 12	       /* fallbacks and retries at start, at most */
#define INCONCLUSIVE_MAX 3	       /* rounds spoiled by drops before judging anyway */
#define RETRY_NS	 1000000000ull /* a round to check a repair, a second later */

static const char *const blind_tags[] = { "T1562.001" }; /* Impair Defenses: Disable Tools */
const struct pw_rule_info pw_rule_blind = {
	.id = "PW-0001",
	.title = "privwatch stopped seeing a concern",
	.description = "The canary's action for this concern was not recorded: its programs "
		       "were detached, disabled or bypassed. Until it is seen again, actions of "
		       "this kind are not reported.",
	.remediation = "Check privwatch's stderr and `privwatch probe` for the concern named "
		       "in the alert; `bpftool prog list` shows whether its programs are still "
		       "attached. If nobody on the host detached them, restart privwatch; if "
		       "somebody did, treat the host as compromised.",
	.severity = PW_SEV_CRITICAL,
	.tags = blind_tags,
	.ntags = 1,
	.action = PW_ACTION_ALERT,
	.file = "built-in",
};

static uint64_t kernel_drops(struct pw_loader *l)
{
	struct pw_kstats ks;

	return pw_kstats_read(l, &ks) ? 0 : pw_kstats_dropped(&ks);
}

const struct pw_rule_info pw_rule_rewatch = {
	.id = "PW-0002",
	.title = "privwatch's watched set was changed",
	.description = "Cgroups below the watched path were missing from the kernel's watched "
		       "set: someone with access to privwatch's BPF maps removed them, so their "
		       "processes went unseen. They are watched again.",
	.remediation = "Find who can reach privwatch's BPF maps (root on the host, a container "
		       "with CAP_BPF or CAP_SYS_ADMIN, PW-0701 alerts) and treat the host as "
		       "compromised; the events of those cgroups since the last stats record "
		       "were not seen.",
	.severity = PW_SEV_CRITICAL,
	.tags = blind_tags,
	.ntags = 1,
	.action = PW_ACTION_ALERT,
	.file = "built-in",
};

const struct pw_rule_info pw_rule_watch_full = {
	.id = "PW-0003",
	.title = "privwatch cannot watch every cgroup",
	.description = "The kernel's set of watched cgroups is full: cgroups made since are not "
		       "watched and their processes are not seen. Raise the limit or watch a "
		       "smaller subtree.",
	.remediation = "Count the cgroups below the watched path (find /sys/fs/cgroup -type d | "
		       "wc -l) and remove leftover ones, or watch a smaller subtree with "
		       "--cgroup; the bound is fixed at build (PW_WATCHED_CGROUPS_MAX).",
	.severity = PW_SEV_HIGH,
	.tags = blind_tags,
	.ntags = 1,
	.action = PW_ACTION_ALERT,
	.file = "built-in",
};

void pw_health_watch_full(struct pw_health *h, uint64_t full)
{
	char summary[256];

	if (full <= h->watch_full)
		return;
	snprintf(summary, sizeof(summary),
		 "%llu cgroups could not be added to the watched set (full at %d): they are not "
		 "watched",
		 (unsigned long long)(full - h->watch_full), PW_WATCHED_CGROUPS_MAX);
	pw_pipeline_agent_alert(h->p, &pw_rule_watch_full, summary, "cgroups");
	pw_err("%s\n", summary);
	h->watch_full = full;
	h->alerts++;
}

/* On the host-reading worker: the walk of the watched subtree, whose size
 * a container can grow (cgroups are cheap to make). */
static int rewatch_work(void *ctx)
{
	struct pw_health *h = ctx;

	return pw_loader_rewatch(h->l, h->canary.cgroup_id);
}

static void rewatch_done(void *ctx, int n, int timed_out)
{
	struct pw_health *h = ctx;
	char summary[256];

	h->rewatching = 0;
	if (timed_out)
		pw_warn("canary: the walk of %s for cgroups removed from the watched set was "
			"given up\n",
			h->l->watch_path);
	if (n <= 0)
		return;
	snprintf(summary, sizeof(summary),
		 "%d cgroups had been removed from privwatch's watched set below %s: watched again",
		 n, h->l->watch_path);
	pw_pipeline_agent_alert(h->p, &pw_rule_rewatch, summary, "cgroups");
	pw_err("%s\n", summary);
	h->alerts++;
}

/* Subtree mode: the watched set is what the attacker would edit first. */
static void check_watched_set(struct pw_health *h)
{
	if (h->rewatching || h->l->watch_mode != PW_WATCH_MAP)
		return;
	if (pw_pipeline_call(h->p, rewatch_work, rewatch_done, h) == 0)
		h->rewatching = 1;
}

static void start_round(struct pw_health *h, uint64_t now)
{
	int rc;

	if (!h->starting)
		check_watched_set(h);
	h->drops_before = kernel_drops(h->l);
	rc = pw_canary_start(&h->canary, now, h->o.timeout_ns);
	if (rc) {
		pw_warn("canary: cannot start a round: %s\n", strerror(-rc));
		h->next_ns = now + (h->o.interval_ns ? h->o.interval_ns : RETRY_NS);
		h->starting = 0;
		return;
	}
	h->round = 1;
	h->judge = 0;
}

int pw_health_init(struct pw_health *h, struct pw_loader *l, struct pw_pipeline *p,
		   const struct pw_health_opts *o, char *err, size_t errlen)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	__u8 one = 1;
	struct timespec ts;

	memset(h, 0, sizeof(*h));
	h->l = l;
	h->p = p;
	h->o = *o;
	if (o->off) {
		h->o.interval_ns = 0;
		h->canary.status_fd = -1;
		return 0;
	}
	if (pw_canary_init(&h->canary, l->cgroup_mount, err, errlen))
		return -1;
	if (bpf_obj_get_info_by_fd(bpf_map__fd(l->skel->maps.type_stats), &info, &len) == 0)
		h->canary.map_id = info.id;
	/* In subtree mode the canary's cgroup is outside what is watched: add it. */
	if (l->watch_mode == PW_WATCH_MAP &&
	    bpf_map__update_elem(l->skel->maps.watched_cgroups, &h->canary.cgroup_id,
				 sizeof(h->canary.cgroup_id), &one, sizeof(one), BPF_ANY)) {
		snprintf(err, errlen, "cannot watch the canary cgroup %s", h->canary.cgroup);
		return -1;
	}
	pw_loader_watch_changed(l);
	h->starting = 1;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	start_round(h, (uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec);
	return 0;
}

void pw_health_free(struct pw_health *h)
{
	pw_canary_free(&h->canary);
}

unsigned int pw_health_blind(const struct pw_health *h)
{
	unsigned int blind = 0;
	int c;

	for (c = 0; c < pw_concern_count; c++)
		if (h->l->choices[c].variant == PW_VARIANT_NONE ||
		    h->l->choices[c].proof == PW_PROOF_BLIND)
			blind |= 1u << c;
	return blind;
}

static void concerns_json(const struct pw_health *h, struct jsonw *w)
{
	int c;

	jw_key(w, "concerns");
	jw_obj_begin(w);
	for (c = 0; c < pw_concern_count; c++) {
		const struct pw_choice *ch = &h->l->choices[c];

		jw_key(w, ch->concern->name);
		jw_obj_begin(w);
		jw_kv_str(w, "mode", pw_variant_name(ch->variant));
		jw_kv_str(w, "proof",
			  ch->variant == PW_VARIANT_NONE ? "blind" : pw_proof_name(ch->proof));
		jw_kv_str(w, "why", ch->why);
		jw_obj_end(w);
	}
	jw_obj_end(w);
}

void pw_health_json(const struct pw_health *h, struct jsonw *w)
{
	jw_key(w, "canary");
	jw_obj_begin(w);
	jw_kv_str(w, "cgroup", h->canary.cgroup);
	jw_kv_u64(w, "interval_s", h->o.interval_ns / 1000000000);
	jw_kv_u64(w, "rounds", h->canary.rounds);
	jw_kv_u64(w, "records", h->canary.records);
	jw_kv_bool(w, "blind", pw_health_blind(h) != 0);
	jw_obj_end(w);
}

/* privwatch.health/1 on every sink: critical while anything is blind. */
void pw_health_record(struct pw_health *h, const char *reason)
{
	struct jsonw *w = &h->p->w;
	char when[PW_TIME_LEN];
	struct timespec ts;
	unsigned int blind = pw_health_blind(h);

	clock_gettime(CLOCK_REALTIME, &ts);
	pw_format_time((uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec, when);
	jw_obj_begin(w);
	jw_kv_str(w, "schema", PW_HEALTH_SCHEMA);
	jw_kv_str(w, "time", when);
	jw_kv_str(w, "reason", reason);
	jw_kv_bool(w, "healthy", blind == 0);
	concerns_json(h, w);
	jw_key(w, "canary");
	jw_obj_begin(w);
	jw_kv_u64(w, "rounds", h->canary.rounds);
	jw_kv_u64(w, "records", h->canary.records);
	jw_kv_u64(w, "foreign_records", h->canary.foreign);
	jw_obj_end(w);
	jw_obj_end(w);
	pw_pipeline_emit(h->p, PW_REC_META, blind ? PW_SEV_CRITICAL : PW_SEV_INFO);
	h->records++;
}

static void blind_alert(struct pw_health *h, int c, const char *what)
{
	const struct pw_choice *ch = &h->l->choices[c];
	char summary[512];

	snprintf(summary, sizeof(summary),
		 "privwatch stopped seeing %s: the canary's action was not recorded by %s (%s); %s",
		 ch->concern->name, pw_variant_name(ch->variant),
		 ch->index >= 0 ? ch->concern->variants[ch->index].progs[0] : "-", what);
	pw_pipeline_agent_alert(h->p, &pw_rule_blind, summary, ch->concern->name);
	pw_err("%s\n", summary);
	h->alerts++;
}

/* At start: a concern not seen gives way to its next variant. 1 if a new
 * variant is attached and needs a round. */
static int fall_back(struct pw_health *h, int c)
{
	struct pw_choice *ch = &h->l->choices[c];
	char err[512];
	int rc;

	do {
		pw_warn("%s: %s attached but the canary's action was not recorded: trying the next "
			"variant\n",
			ch->concern->name, pw_variant_name(ch->variant));
		rc = pw_loader_fall_back(h->l, c, err, sizeof(err));
		if (rc < 0)
			pw_warn("%s: %s\n", ch->concern->name, err);
	} while (rc < 0);
	if (rc == 1)
		pw_err("%s: BLIND: no variant of this concern is called on this kernel; actions of "
		       "this kind are not reported\n",
		       ch->concern->name);
	return rc == 0;
}

/* While running: alert once, attach the same variant again (fresh links);
 * only if that fails, the next variant. */
static void repair(struct pw_health *h, int c, int alert)
{
	struct pw_choice *ch = &h->l->choices[c];
	char err[512];

	if (alert && ch->proof != PW_PROOF_BLIND)
		blind_alert(h, c, "attaching it again");
	ch->proof = PW_PROOF_BLIND;
	if (pw_loader_reattach(h->l, c, err, sizeof(err)) == 0)
		return;
	pw_warn("%s: attaching again failed: %s\n", ch->concern->name, err);
	if (pw_loader_fall_back(h->l, c, err, sizeof(err)) < 0)
		pw_warn("%s: %s\n", ch->concern->name, err);
	if (ch->variant != PW_VARIANT_NONE)
		ch->proof = PW_PROOF_BLIND; /* until its round says otherwise */
}

/* The seen concerns are proven; the others are judged unless a full ring
 * may have taken the canary's records. 1 when the round counts. */
static int round_counts(struct pw_health *h, uint64_t now)
{
	const struct pw_canary *cn = &h->canary;
	int c;

	if (kernel_drops(h->l) == h->drops_before || cn->seen == (1u << pw_concern_count) - 1) {
		h->inconclusive = 0;
		return 1;
	}
	for (c = 0; c < pw_concern_count; c++)
		if ((cn->seen & (1u << c)) && h->l->choices[c].variant != PW_VARIANT_NONE)
			h->l->choices[c].proof = PW_PROOF_SEEN;
	if (++h->inconclusive <= INCONCLUSIVE_MAX) {
		h->next_ns = now + RETRY_NS / 10;
		if (h->starting)
			start_round(h, now);
		return 0;
	}
	/* Records keep being lost (privwatch.lost/1 says so): no verdict now. */
	h->inconclusive = 0;
	h->starting = 0;
	h->next_ns = now + h->o.interval_ns;
	return 0;
}

/* Nothing at all arrived: the ring buffer or its reader, not one program. */
static void nothing_seen_alert(struct pw_health *h)
{
	char summary[256];

	snprintf(summary, sizeof(summary),
		 "privwatch stopped seeing everything: none of the canary's %d actions reached "
		 "the agent (its ring buffer or reader was tampered with, or every program "
		 "detached); attaching them again",
		 pw_concern_count);
	pw_pipeline_agent_alert(h->p, &pw_rule_blind, summary, "all");
	pw_err("%s\n", summary);
	h->alerts++;
}

static void judge(struct pw_health *h, uint64_t now)
{
	const struct pw_canary *cn = &h->canary;
	unsigned int again = 0, attached = 0, was_blind = pw_health_blind(h);
	int c, changed = 0, all_gone;

	h->round = 0;
	if (!round_counts(h, now))
		return;
	for (c = 0; c < pw_concern_count; c++)
		if (h->l->choices[c].variant != PW_VARIANT_NONE)
			attached |= 1u << c;
	all_gone = !h->starting && cn->status == 0 && !(cn->seen & attached);
	if (all_gone && !(was_blind & attached))
		nothing_seen_alert(h);
	for (c = 0; c < pw_concern_count; c++) {
		struct pw_choice *ch = &h->l->choices[c];
		enum pw_proof was = ch->proof;

		if (ch->variant == PW_VARIANT_NONE)
			continue;
		if (cn->seen & (1u << c)) {
			ch->proof = PW_PROOF_SEEN;
		} else if (cn->status < 0 || (cn->status & (1u << c))) {
			ch->proof = PW_PROOF_UNVERIFIED;
		} else if (h->starting) {
			if (fall_back(h, c))
				again |= 1u << c;
		} else {
			repair(h, c, !all_gone);
			again |= 1u << c;
		}
		changed |= ch->proof != was;
	}
	if (h->starting) {
		if (again && cn->rounds < START_ROUNDS_MAX) {
			start_round(h, now);
			return;
		}
		h->starting = 0;
		h->next_ns = now + h->o.interval_ns;
		return;
	}
	if (changed)
		pw_health_record(h, pw_health_blind(h) ? "blind" : "recovered");
	h->next_ns = now + (again ? RETRY_NS : h->o.interval_ns);
}

void pw_health_tick(struct pw_health *h, uint64_t now)
{
	if (h->round) {
		/* The round ends when its process is reaped and the ring drained
		 * once more after that: every record it made is then read. */
		if (h->judge)
			judge(h, now);
		else if (pw_canary_reap(&h->canary, now))
			h->judge = 1;
		return;
	}
	if (!h->starting && h->o.interval_ns && now >= h->next_ns)
		start_round(h, now);
}
