/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Dedup without blindness: identical alerts (same rule, container, process
 * executable and target) within a window are folded into one. The first is
 * written at once; repeats are counted, and when the window ends one more
 * alert carries their count. Anything that differs in rule, target or
 * container alerts on its own: there is no per-container throttle.
 *
 * The repeat summary is the first folded occurrence, rendered when it
 * happened (the caller hands over the alert without its "count" and closing
 * brace), completed with the count at flush: nothing is re-derived from
 * tables that may have changed since. The repeats keep their evidence:
 * the distinct processes behind them (pid, executable, argv), up to
 * PW_FOLD_PROCS per window, with a count of the repeats by others.
 */
#ifndef PW_ALERT_FOLD_H
#define PW_ALERT_FOLD_H

#include <stddef.h>
#include <stdint.h>
#include "lib/severity.h"

struct pw_fold;
struct pw_fold_entry;

#define PW_FOLD_PROCS	 8   /* distinct processes kept per folded alert */
#define PW_FOLD_EXE_MAX	 128 /* bytes of each one's executable path kept */
#define PW_FOLD_ARGS_MAX 160 /* bytes of each one's argv kept */

struct pw_fold_proc {
	uint32_t pid;
	uint32_t args_len; /* argv, NUL-separated, cut to PW_FOLD_ARGS_MAX */
	uint64_t count;	   /* repeats by this process */
	char exe[PW_FOLD_EXE_MAX];
	char args[PW_FOLD_ARGS_MAX];
};

struct pw_fold_procs {
	const struct pw_fold_proc *v;
	size_t n;
	uint64_t others; /* repeats by processes past the first PW_FOLD_PROCS */
};

struct pw_fold_stats {
	uint64_t keys;	     /* entries now */
	uint64_t folded;     /* occurrences counted instead of written */
	uint64_t summaries;  /* repeat alerts written at window ends */
	uint64_t table_full; /* alerts written unfolded because the table was full */
};

/* window_ns: 0 disables folding (every alert is written). */
struct pw_fold *pw_fold_new(uint64_t window_ns, size_t max_keys);
void pw_fold_free(struct pw_fold *f);
/* A reload's new window: open windows end by the new length (0: no more
 * folding; what is pending goes out at the next flush). */
void pw_fold_set_window(struct pw_fold *f, uint64_t window_ns);

/*
 * An alert happened at now_ns (monotonic). 1: write it now. 0: folded;
 * then, if *need_head, the caller must call pw_fold_keep_head with this
 * occurrence rendered (it is the first repeat in the window).
 */
int pw_fold_check(struct pw_fold *f, const char *rule_id, const char *container, const char *exe,
		  const char *target, uint64_t now_ns, struct pw_fold_entry **e, int *need_head);
/* head: the alert JSON without "count" and the closing brace. 0 or -ENOMEM
 * (then the summary is written without details: the count still is). */
int pw_fold_keep_head(struct pw_fold_entry *e, const char *head, size_t len, enum pw_severity sev);

/* A repeat (pw_fold_check returned 0 with e) was by this process: kept as
 * evidence (distinct by pid and argv), bounded. */
void pw_fold_note_process(struct pw_fold_entry *e, uint32_t pid, const char *exe, const char *args,
			  size_t args_len);

typedef void (*pw_fold_emit)(void *ctx, const char *head, size_t len, enum pw_severity sev,
			     uint64_t count, const struct pw_fold_procs *procs);
/* Close windows that ended by now_ns: a summary through emit for each with
 * repeats, entries without repeats forgotten. all: close every window (exit). */
void pw_fold_flush(struct pw_fold *f, uint64_t now_ns, int all, pw_fold_emit emit, void *ctx);

void pw_fold_stats(const struct pw_fold *f, struct pw_fold_stats *s);

#endif
