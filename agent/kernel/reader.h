/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The ring buffer reader. The kernel side submits without waking us
 * (BPF_RB_NO_WAKEUP) unless much is pending, so the reader polls on a short
 * timer and drains whatever is there. Every record's type and size are
 * checked before a handler sees it; bad ones are counted, never passed on.
 */
#ifndef PW_READER_H
#define PW_READER_H

#include <stdint.h>
#include "events/event_types.h"

typedef void (*pw_event_handler)(void *ctx, const struct pw_event_kind *kind,
				 const struct pw_event_header *hdr);

struct pw_reader_stats {
	uint64_t received[PW_EVENT_TYPE_MAX];
	uint64_t malformed; /* unknown type or wrong size: dropped in userspace */
};

struct pw_reader {
	struct ring_buffer *rb;
	pw_event_handler handlers[PW_EVENT_TYPE_MAX]; /* dispatch by type */
	pw_event_handler fallback;		      /* types without a handler */
	void *ctx;
	struct pw_reader_stats stats;
	int budget;	     /* records left in this pw_reader_poll */
	uint64_t drained_ns; /* CLOCK_MONOTONIC when a poll last left the ring empty */
	/* The ring's positions, mapped read-only: how full it is (metrics). */
	const unsigned long *cons_pos, *prod_pos;
	uint64_t ring_bytes;
};

/* Records one pw_reader_poll handles at most, so the caller's loop keeps turning. */
#define PW_READER_BUDGET 16384

int pw_reader_open(struct pw_reader *r, int ringbuf_fd, void *ctx);
/* Map the ring's positions for pw_reader_pending (best effort: 0 if not). */
void pw_reader_map_positions(struct pw_reader *r, int ringbuf_fd, uint64_t ring_bytes);
void pw_reader_on(struct pw_reader *r, unsigned int type, pw_event_handler fn);
/* Wait up to timeout_ms, then drain. Returns records handled or -errno;
 * -EINTR means a signal arrived, which callers treat as a clean wakeup. */
int pw_reader_poll(struct pw_reader *r, int timeout_ms);
void pw_reader_close(struct pw_reader *r);
/* Bytes the kernel wrote that the reader has not consumed yet; 0 if unknown. */
uint64_t pw_reader_pending(const struct pw_reader *r);

/* Exposed for tests: validate and dispatch one raw record. */
int pw_reader_dispatch(struct pw_reader *r, const void *data, size_t len);

#endif
