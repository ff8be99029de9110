/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The flight recorder: the last records of each container, as they
 * reached userspace (raw, as the kernel wrote them), so a capture can
 * write what led up to its trigger.
 *
 * Per container a byte ring (each record copied in behind an 8-byte
 * prefix: one memcpy on the event path), holding at most max_records
 * records no older than max_age_ns, in at most per_ctr_bytes: the oldest go
 * first. Rings start small and double while the total of all rings stays
 * under total_bytes; a ring that cannot grow keeps its newest records in
 * what it has. A container's ring is freed when the container ends.
 */
#ifndef PW_CAPTURE_RECORDER_H
#define PW_CAPTURE_RECORDER_H

#include <stddef.h>
#include <stdint.h>
#include "events.h"
#include "lib/hashtab.h"

/* An alert line about the container, kept in its ring with its records: a
 * header of this type (ts_ns: when it was raised), the line after it. */
#define PW_RECORDER_ALERT 0xfff0

struct pw_rec_opts {
	uint32_t max_records; /* per container (0: PW_REC_RECORDS) */
	uint64_t max_age_ns;  /* (0: PW_REC_AGE_NS) */
	size_t per_ctr_bytes; /* (0: PW_REC_CTR_BYTES) */
	size_t total_bytes;   /* (0: PW_REC_TOTAL_BYTES) */
};

#define PW_REC_RECORDS	   2000
#define PW_REC_AGE_NS	   (30ULL * 1000000000)
#define PW_REC_CTR_BYTES   (1u << 20)
#define PW_REC_TOTAL_BYTES (64u << 20)
#define PW_REC_FIRST_BYTES (16u << 10)

struct pw_rec_stats {
	uint64_t recorded;    /* records copied in */
	uint64_t evicted;     /* pushed out by the bounds (count, age, bytes) */
	uint64_t not_kept;    /* larger than a ring, or no memory for a first ring */
	uint64_t rings;	      /* containers with a ring now */
	uint64_t bytes;	      /* bytes of all rings now */
	uint64_t freed_rings; /* rings freed with their container */
};

struct pw_recorder {
	struct pw_rec_opts o;
	struct pw_htab rings; /* container cgroup id -> struct pw_rec_ring * */
	struct pw_rec_stats st;
};

int pw_rec_init(struct pw_recorder *r, const struct pw_rec_opts *o);
void pw_rec_free(struct pw_recorder *r);

/* Keep a copy of h as container key's (its own cgroup id). */
void pw_rec_push(struct pw_recorder *r, uint64_t key, const struct pw_event_header *h);

/* Each record kept for key, oldest first, no older than since_ns (0: all). The count. */
size_t pw_rec_walk(struct pw_recorder *r, uint64_t key, uint64_t since_ns,
		   void (*fn)(void *ctx, const struct pw_event_header *h), void *ctx);

/* The container ended: its ring freed. */
void pw_rec_forget(struct pw_recorder *r, uint64_t key);

#endif
