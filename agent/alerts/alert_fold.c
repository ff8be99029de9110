// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "alerts/alert_fold.h"

struct pw_fold_entry {
	struct pw_fold_entry *next; /* hash chain */
	uint64_t hash;
	uint64_t window_start;
	uint64_t repeats;
	char *key; /* rule \0 container \0 exe \0 target \0 */
	size_t key_len;
	char *head;
	size_t head_len;
	enum pw_severity sev;
	struct pw_fold_proc *procs; /* PW_FOLD_PROCS, allocated at the first note */
	size_t nprocs;
	uint64_t others;
};

struct pw_fold {
	struct pw_fold_entry **buckets;
	size_t nbuckets; /* a power of two */
	size_t max_keys;
	uint64_t window_ns;
	struct pw_fold_stats st;
};

struct pw_fold *pw_fold_new(uint64_t window_ns, size_t max_keys)
{
	struct pw_fold *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->window_ns = window_ns;
	f->max_keys = max_keys ? max_keys : 4096;
	for (f->nbuckets = 64; f->nbuckets < f->max_keys; f->nbuckets *= 2)
		;
	f->buckets = calloc(f->nbuckets, sizeof(*f->buckets));
	if (!f->buckets) {
		free(f);
		return NULL;
	}
	return f;
}

static void entry_free(struct pw_fold_entry *e)
{
	free(e->key);
	free(e->head);
	free(e->procs);
	free(e);
}

void pw_fold_set_window(struct pw_fold *f, uint64_t window_ns)
{
	f->window_ns = window_ns;
}

void pw_fold_free(struct pw_fold *f)
{
	size_t i;

	if (!f)
		return;
	for (i = 0; i < f->nbuckets; i++) {
		struct pw_fold_entry *e = f->buckets[i], *next;

		for (; e; e = next) {
			next = e->next;
			entry_free(e);
		}
	}
	free(f->buckets);
	free(f);
}

/* FNV-1a over the parts, each with its terminating NUL. */
static uint64_t key_build(const char *const parts[4], char *buf, size_t size, size_t *len)
{
	uint64_t h = 0xcbf29ce484222325ull;
	size_t off = 0;
	int i;

	for (i = 0; i < 4; i++) {
		const char *p = parts[i] ? parts[i] : "";

		do {
			if (off < size)
				buf[off] = *p;
			off++;
			h = (h ^ (unsigned char)*p) * 0x100000001b3ull;
		} while (*p++);
	}
	*len = off;
	return h;
}

int pw_fold_check(struct pw_fold *f, const char *rule_id, const char *container, const char *exe,
		  const char *target, uint64_t now_ns, struct pw_fold_entry **out, int *need_head)
{
	const char *parts[4] = { rule_id, container, exe, target };
	char key[2048];
	size_t len;
	uint64_t h;
	struct pw_fold_entry *e, **b;

	*out = NULL;
	*need_head = 0;
	if (!f->window_ns)
		return 1;
	h = key_build(parts, key, sizeof(key), &len);
	if (len > sizeof(key))
		len = sizeof(key); /* a key that long is compared on its first 2 KiB */
	b = &f->buckets[h & (f->nbuckets - 1)];
	for (e = *b; e; e = e->next) {
		if (e->hash == h && e->key_len == len && !memcmp(e->key, key, len)) {
			if (now_ns - e->window_start >= f->window_ns && !e->repeats) {
				e->window_start = now_ns; /* quiet window over: a new one */
				return 1;
			}
			e->repeats++;
			f->st.folded++;
			*out = e;
			*need_head = !e->head;
			return 0;
		}
	}
	if (f->st.keys >= f->max_keys) {
		f->st.table_full++;
		return 1;
	}
	e = calloc(1, sizeof(*e));
	if (e)
		e->key = malloc(len);
	if (!e || !e->key) {
		free(e);
		f->st.table_full++;
		return 1;
	}
	memcpy(e->key, key, len);
	e->key_len = len;
	e->hash = h;
	e->window_start = now_ns;
	e->next = *b;
	*b = e;
	f->st.keys++;
	return 1;
}

int pw_fold_keep_head(struct pw_fold_entry *e, const char *head, size_t len, enum pw_severity sev)
{
	e->head = malloc(len);
	if (!e->head)
		return -ENOMEM;
	memcpy(e->head, head, len);
	e->head_len = len;
	e->sev = sev;
	return 0;
}

void pw_fold_note_process(struct pw_fold_entry *e, uint32_t pid, const char *exe, const char *args,
			  size_t args_len)
{
	size_t i, alen = args_len < PW_FOLD_ARGS_MAX ? args_len : PW_FOLD_ARGS_MAX;
	struct pw_fold_proc *p;

	if (!args)
		alen = 0;
	for (i = 0; i < e->nprocs; i++) {
		p = &e->procs[i];
		if (p->pid == pid && p->args_len == alen && !memcmp(p->args, args, alen)) {
			p->count++;
			return;
		}
	}
	if (e->nprocs == PW_FOLD_PROCS) {
		e->others++;
		return;
	}
	if (!e->procs && !(e->procs = calloc(PW_FOLD_PROCS, sizeof(*e->procs)))) {
		e->others++;
		return;
	}
	p = &e->procs[e->nprocs++];
	p->pid = pid;
	p->count = 1;
	p->args_len = alen;
	if (alen)
		memcpy(p->args, args, alen);
	/* cut mid-way: at the last whole argument kept */
	while (alen < args_len && p->args_len && p->args[p->args_len - 1])
		p->args_len--;
	snprintf(p->exe, sizeof(p->exe), "%s", exe ? exe : "");
}

void pw_fold_flush(struct pw_fold *f, uint64_t now_ns, int all, pw_fold_emit emit, void *ctx)
{
	size_t i;

	for (i = 0; i < f->nbuckets; i++) {
		struct pw_fold_entry **p = &f->buckets[i], *e;

		while ((e = *p)) {
			if (!all && now_ns - e->window_start < f->window_ns) {
				p = &e->next;
				continue;
			}
			if (e->repeats) {
				struct pw_fold_procs pr = { e->procs, e->nprocs, e->others };

				emit(ctx, e->head, e->head ? e->head_len : 0, e->sev, e->repeats,
				     &pr);
				f->st.summaries++;
			}
			if (e->repeats && !all) {
				/* A storm goes on: one summary per window, not one line per occurrence. */
				e->repeats = 0;
				e->window_start = now_ns;
				free(e->head);
				e->head = NULL;
				e->nprocs = 0;
				e->others = 0;
				p = &e->next;
				continue;
			}
			*p = e->next;
			entry_free(e);
			f->st.keys--;
		}
	}
}

void pw_fold_stats(const struct pw_fold *f, struct pw_fold_stats *s)
{
	*s = f->st;
}
