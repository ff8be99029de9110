// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The ring (capture/recorder.h): entries [u32 len][u32 0][record, len
 * bytes, padded to 8] from head (oldest) to tail. An entry that does not
 * fit before the end of the buffer goes at its start: a prefix of len 0
 * (or fewer than 8 bytes left) marks where the data wraps.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "capture/recorder.h"

struct pw_rec_ring {
	unsigned char *buf;
	size_t cap, head, tail, used;
	uint32_t count;
};

#define PREFIX 8

static size_t entry_len(size_t len)
{
	return PREFIX + ((len + 7) & ~(size_t)7);
}

int pw_rec_init(struct pw_recorder *r, const struct pw_rec_opts *o)
{
	memset(r, 0, sizeof(*r));
	if (o)
		r->o = *o;
	if (!r->o.max_records)
		r->o.max_records = PW_REC_RECORDS;
	if (!r->o.max_age_ns)
		r->o.max_age_ns = PW_REC_AGE_NS;
	if (!r->o.per_ctr_bytes)
		r->o.per_ctr_bytes = PW_REC_CTR_BYTES;
	if (!r->o.total_bytes)
		r->o.total_bytes = PW_REC_TOTAL_BYTES;
	return pw_htab_init(&r->rings, 0);
}

static void ring_free(struct pw_recorder *r, struct pw_rec_ring *g)
{
	r->st.bytes -= g->cap;
	r->st.rings--;
	free(g->buf);
	free(g);
}

void pw_rec_free(struct pw_recorder *r)
{
	struct pw_hslot *s;
	size_t i = 0;

	while ((s = pw_htab_next(&r->rings, &i)))
		ring_free(r, (struct pw_rec_ring *)(uintptr_t)s->val);
	pw_htab_free(&r->rings);
}

/* head on a wrap mark (or too near the end for a prefix): back to 0 */
static void head_norm(struct pw_rec_ring *g)
{
	if (!g->count) {
		g->head = g->tail = 0;
		return;
	}
	if (g->cap - g->head < PREFIX || !*(uint32_t *)(g->buf + g->head))
		g->head = 0;
}

static const struct pw_event_header *ring_oldest(const struct pw_rec_ring *g)
{
	return (const void *)(g->buf + g->head + PREFIX);
}

static void ring_pop(struct pw_rec_ring *g)
{
	uint32_t len = *(uint32_t *)(g->buf + g->head);

	g->head += entry_len(len);
	g->used -= entry_len(len);
	g->count--;
	head_norm(g);
}

/* Where an entry of need bytes goes, or -1 if there is no room now. */
static long ring_room(const struct pw_rec_ring *g, size_t need)
{
	if (!g->count)
		return need <= g->cap ? 0 : -1;
	if (g->tail > g->head || (g->tail == g->head && !g->count)) {
		if (g->cap - g->tail >= need)
			return (long)g->tail;
		return need <= g->head ? 0 : -1;
	}
	if (g->tail == g->head)
		return -1; /* full */
	return g->head - g->tail >= need ? (long)g->tail : -1;
}

/* Copy the entries, in order, into a buffer of cap bytes. */
static int ring_grow(struct pw_rec_ring *g, size_t cap)
{
	unsigned char *b = malloc(cap);
	size_t off = 0, pos = g->head;
	uint32_t i;

	if (!b)
		return -ENOMEM;
	for (i = 0; i < g->count; i++) {
		uint32_t len;

		if (g->cap - pos < PREFIX || !*(uint32_t *)(g->buf + pos))
			pos = 0;
		len = *(uint32_t *)(g->buf + pos);
		memcpy(b + off, g->buf + pos, entry_len(len));
		off += entry_len(len);
		pos += entry_len(len);
	}
	free(g->buf);
	g->buf = b;
	g->cap = cap;
	g->head = 0;
	g->tail = off;
	return 0;
}

void pw_rec_push(struct pw_recorder *r, uint64_t key, const struct pw_event_header *h)
{
	struct pw_hslot *s = pw_htab_find(&r->rings, key);
	struct pw_rec_ring *g = s ? (struct pw_rec_ring *)(uintptr_t)s->val : NULL;
	size_t need = entry_len(h->size);
	long at;

	if (need > r->o.per_ctr_bytes) {
		r->st.not_kept++;
		return;
	}
	if (!g) {
		size_t cap = PW_REC_FIRST_BYTES;

		while (cap < need)
			cap *= 2;
		if (cap > r->o.per_ctr_bytes)
			cap = r->o.per_ctr_bytes;
		if (r->st.bytes + cap > r->o.total_bytes) {
			r->st.not_kept++;
			return;
		}
		g = calloc(1, sizeof(*g));
		if (g)
			g->buf = malloc(cap);
		if (!g || !g->buf || pw_htab_put(&r->rings, key, (uintptr_t)g) < 0) {
			if (g)
				free(g->buf);
			free(g);
			r->st.not_kept++;
			return;
		}
		g->cap = cap;
		r->st.bytes += cap;
		r->st.rings++;
	}
	/* the bounds of count and age */
	while (g->count && (g->count >= r->o.max_records ||
			    ring_oldest(g)->ts_ns + r->o.max_age_ns < h->ts_ns)) {
		ring_pop(g);
		r->st.evicted++;
	}
	/* room: grow while the bounds allow, else the oldest go */
	while ((at = ring_room(g, need)) < 0) {
		size_t old = g->cap,
		       cap = old * 2 > r->o.per_ctr_bytes ? r->o.per_ctr_bytes : old * 2;

		if (cap > old && r->st.bytes + (cap - old) <= r->o.total_bytes &&
		    !ring_grow(g, cap)) {
			r->st.bytes += cap - old;
			continue;
		}
		if (!g->count) {
			r->st.not_kept++;
			return;
		}
		ring_pop(g);
		r->st.evicted++;
	}
	if ((size_t)at != g->tail && g->cap - g->tail >= PREFIX)
		*(uint32_t *)(g->buf + g->tail) = 0; /* the wrap mark */
	*(uint32_t *)(g->buf + at) = h->size;
	*(uint32_t *)(g->buf + at + 4) = 0;
	memcpy(g->buf + at + PREFIX, h, h->size);
	g->tail = at + need;
	g->used += need;
	g->count++;
	r->st.recorded++;
}

size_t pw_rec_walk(struct pw_recorder *r, uint64_t key, uint64_t since_ns,
		   void (*fn)(void *ctx, const struct pw_event_header *h), void *ctx)
{
	struct pw_hslot *s = pw_htab_find(&r->rings, key);
	struct pw_rec_ring *g = s ? (struct pw_rec_ring *)(uintptr_t)s->val : NULL;
	size_t pos, n = 0;
	uint32_t i;

	if (!g)
		return 0;
	pos = g->head;
	for (i = 0; i < g->count; i++) {
		const struct pw_event_header *h;
		uint32_t len;

		if (g->cap - pos < PREFIX || !*(uint32_t *)(g->buf + pos))
			pos = 0;
		len = *(uint32_t *)(g->buf + pos);
		h = (const void *)(g->buf + pos + PREFIX);
		if (h->ts_ns >= since_ns) {
			fn(ctx, h);
			n++;
		}
		pos += entry_len(len);
	}
	return n;
}

void pw_rec_forget(struct pw_recorder *r, uint64_t key)
{
	struct pw_hslot *s = pw_htab_find(&r->rings, key);

	if (!s)
		return;
	ring_free(r, (struct pw_rec_ring *)(uintptr_t)s->val);
	pw_htab_del(&r->rings, key);
	r->st.freed_rings++;
}
