// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Open addressing, linear probing, backward-shift deletion (lib/hashtab.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "lib/hashtab.h"

#define HT_MIN_CAP 16

/* splitmix64's finaliser: keys are often sequential (cgroup ids, pids);
 * spread them over the whole table. */
static size_t home_of(const struct pw_htab *h, uint64_t key)
{
	key ^= key >> 30;
	key *= 0xbf58476d1ce4e5b9ULL;
	key ^= key >> 27;
	key *= 0x94d049bb133111ebULL;
	key ^= key >> 31;
	return (size_t)key & (h->cap - 1);
}

int pw_htab_init(struct pw_htab *h, size_t max_keys)
{
	memset(h, 0, sizeof(*h));
	for (h->cap = HT_MIN_CAP; h->cap < 2 * max_keys; h->cap *= 2)
		;
	h->slots = calloc(h->cap, sizeof(*h->slots));
	if (!h->slots) {
		h->cap = 0;
		return -ENOMEM;
	}
	return 0;
}

void pw_htab_free(struct pw_htab *h)
{
	free(h->slots);
	memset(h, 0, sizeof(*h));
}

struct pw_hslot *pw_htab_find(const struct pw_htab *h, uint64_t key)
{
	size_t i;

	if (!key || !h->cap)
		return NULL;
	for (i = home_of(h, key); h->slots[i].key; i = (i + 1) & (h->cap - 1))
		if (h->slots[i].key == key)
			return &h->slots[i];
	return NULL;
}

/* key is known to be absent and there is room. */
static void place(struct pw_htab *h, uint64_t key, uint64_t val)
{
	size_t i = home_of(h, key);

	while (h->slots[i].key)
		i = (i + 1) & (h->cap - 1);
	h->slots[i].key = key;
	h->slots[i].val = val;
}

static int grow(struct pw_htab *h)
{
	struct pw_hslot *old = h->slots;
	size_t i, n = h->cap;

	h->slots = calloc(n * 2, sizeof(*h->slots));
	if (!h->slots) {
		h->slots = old;
		return -ENOMEM;
	}
	h->cap = n * 2;
	for (i = 0; i < n; i++)
		if (old[i].key)
			place(h, old[i].key, old[i].val);
	free(old);
	return 0;
}

int pw_htab_put(struct pw_htab *h, uint64_t key, uint64_t val)
{
	struct pw_hslot *s;

	if (!key)
		return -EINVAL;
	s = pw_htab_find(h, key);
	if (s) {
		s->val = val;
		return 0;
	}
	if (!h->cap && pw_htab_init(h, 0))
		return -ENOMEM;
	if ((h->n + 1) * 2 > h->cap && grow(h))
		return -ENOMEM;
	place(h, key, val);
	h->n++;
	return 1;
}

int pw_htab_del(struct pw_htab *h, uint64_t key)
{
	struct pw_hslot *s = pw_htab_find(h, key);
	size_t mask, hole, i, home;

	if (!s)
		return 0;
	mask = h->cap - 1;
	hole = i = (size_t)(s - h->slots);
	s->key = 0;
	s->val = 0;
	for (;;) {
		i = (i + 1) & mask;
		if (!h->slots[i].key)
			break;
		home = home_of(h, h->slots[i].key);
		/* Movable if its home is not in (hole, i], cyclically. */
		if ((i > hole && (home <= hole || home > i)) ||
		    (i < hole && home <= hole && home > i)) {
			h->slots[hole] = h->slots[i];
			h->slots[i].key = 0;
			h->slots[i].val = 0;
			hole = i;
		}
	}
	h->n--;
	return 1;
}

struct pw_hslot *pw_htab_next(const struct pw_htab *h, size_t *i)
{
	for (; *i < h->cap; (*i)++)
		if (h->slots[*i].key)
			return &h->slots[(*i)++];
	return NULL;
}
