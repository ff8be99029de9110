/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The agent's one hash table: open addressing with linear probing, 64-bit
 * keys (0 is the empty slot, so 0 is never a key: cgroup ids and pids are
 * never 0), one 64-bit value per key (a pointer or an index). Deletion
 * shifts the later members of a probe run back instead of leaving
 * tombstones, so lookups stay short however much the table churns.
 *
 * Kept at most half full: it doubles when an insert would pass that, and
 * never shrinks. A table initialised with room for its maximum never
 * allocates again (the process table relies on it).
 *
 * Used by host/container_table.c (cgroup id -> container) and
 * host/process_table.c (pid -> node).
 */
#ifndef PW_LIB_HASHTAB_H
#define PW_LIB_HASHTAB_H

#include <stddef.h>
#include <stdint.h>

struct pw_hslot {
	uint64_t key; /* 0: empty */
	uint64_t val;
};

struct pw_htab {
	struct pw_hslot *slots;
	size_t cap; /* a power of two */
	size_t n;   /* keys held */
};

/* Room for at least max_keys without growing (0: a small default).
 * 0 or -ENOMEM. */
int pw_htab_init(struct pw_htab *h, size_t max_keys);
void pw_htab_free(struct pw_htab *h);

/* The slot holding key, or NULL. The pointer is valid until the next put or del. */
struct pw_hslot *pw_htab_find(const struct pw_htab *h, uint64_t key);

/* Set key's value, adding key if absent. 1 if added, 0 if replaced,
 * -EINVAL for key 0, -ENOMEM if the table had to grow and could not. */
int pw_htab_put(struct pw_htab *h, uint64_t key, uint64_t val);

/* Remove key. 1 if it was there, 0 if not. Moves other keys between slots:
 * do not delete while walking the slots. */
int pw_htab_del(struct pw_htab *h, uint64_t key);

/* Walk: for (i = 0; (s = pw_htab_next(h, &i)); ) ...; i starts at 0. */
struct pw_hslot *pw_htab_next(const struct pw_htab *h, size_t *i);

/* Bytes of slots allocated. */
static inline size_t pw_htab_bytes(const struct pw_htab *h)
{
	return h->cap * sizeof(*h->slots);
}

#endif
