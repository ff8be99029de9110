// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <string.h>
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
	return m < 0 ? m : n + m;
}

void pw_reader_close(struct pw_reader *r)
{
	ring_buffer__free(r->rb);
	r->rb = NULL;
}
