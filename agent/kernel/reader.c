// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <bpf/libbpf.h>
#include "kernel/reader.h"

int pw_reader_dispatch(struct pw_reader *r, const void *data, size_t len)
{
	const struct pw_event_header *h = data;
	const struct pw_event_kind *kind;
	pw_event_handler fn;

	if (len < sizeof(*h) || h->size != len || !(kind = pw_event_kind(h->type)) ||
	    kind->size != len) {
		r->stats.malformed++;
		return 0;
	}
	r->stats.received[h->type]++;
	fn = r->handlers[h->type] ? r->handlers[h->type] : r->fallback;
	if (fn)
		fn(r->ctx, kind, h);
	return 0;
}

/* Returned by the callback to stop a drain: libbpf has consumed the
 * record already, so nothing is read twice or lost. */
#define BUDGET_SPENT (-ECANCELED)

static int on_record(void *ctx, void *data, size_t len)
{
	struct pw_reader *r = ctx;

	pw_reader_dispatch(r, data, len);
	return --r->budget > 0 ? 0 : BUDGET_SPENT;
}

int pw_reader_open(struct pw_reader *r, int ringbuf_fd, void *ctx)
{
	memset(r, 0, sizeof(*r));
	r->ctx = ctx;
	r->rb = ring_buffer__new(ringbuf_fd, on_record, r, NULL);
	return r->rb ? 0 : -errno;
}

void pw_reader_on(struct pw_reader *r, unsigned int type, pw_event_handler fn)
{
	if (type < PW_EVENT_TYPE_MAX)
		r->handlers[type] = fn;
}

/*
 * A producer faster than the reader keeps the ring from ever being empty,
 * and libbpf drains until it is: the run loop (stats, repeat summaries,
 * reloads, stop requests) would starve. Each call handles at most
 * PW_READER_BUDGET records; the rest wait for the next call.
 */
static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int pw_reader_poll(struct pw_reader *r, int timeout_ms)
{
	int n, m;

	r->budget = PW_READER_BUDGET;
	n = ring_buffer__poll(r->rb, timeout_ms);
	if (n == BUDGET_SPENT)
		return PW_READER_BUDGET;
	if (n < 0)
		return n;
	/* poll only drains rings that woke it: collect the unannounced ones. */
	m = ring_buffer__consume(r->rb);
	if (m == BUDGET_SPENT)
		return PW_READER_BUDGET;
	if (m >= 0)
		r->drained_ns = mono_ns();
	return m < 0 ? m : n + m;
}

/* The consumer page (offset 0) and the producer page after it, as libbpf
 * maps them; read-only here: libbpf's own mapping advances the consumer. */
void pw_reader_map_positions(struct pw_reader *r, int ringbuf_fd, uint64_t ring_bytes)
{
	long pg = sysconf(_SC_PAGESIZE);
	void *c, *p;

	c = mmap(NULL, pg, PROT_READ, MAP_SHARED, ringbuf_fd, 0);
	if (c == MAP_FAILED)
		return;
	p = mmap(NULL, pg, PROT_READ, MAP_SHARED, ringbuf_fd, pg);
	if (p == MAP_FAILED) {
		munmap(c, pg);
		return;
	}
	r->cons_pos = c;
	r->prod_pos = p;
	r->ring_bytes = ring_bytes;
}

uint64_t pw_reader_pending(const struct pw_reader *r)
{
	unsigned long c, p;

	if (!r->cons_pos)
		return 0;
	c = __atomic_load_n(r->cons_pos, __ATOMIC_ACQUIRE);
	p = __atomic_load_n(r->prod_pos, __ATOMIC_ACQUIRE);
	return p > c ? p - c : 0;
}

void pw_reader_close(struct pw_reader *r)
{
	long pg = sysconf(_SC_PAGESIZE);

	ring_buffer__free(r->rb);
	r->rb = NULL;
	if (r->cons_pos) {
		munmap((void *)r->cons_pos, pg);
		munmap((void *)r->prod_pos, pg);
		r->cons_pos = r->prod_pos = NULL;
	}
}
