// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "reader.h"

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

static int on_record(void *ctx, void *data, size_t len)
{
	return pw_reader_dispatch(ctx, data, len);
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

int pw_reader_poll(struct pw_reader *r, int timeout_ms)
{
	int n = ring_buffer__poll(r->rb, timeout_ms), m;

	if (n < 0)
		return n;
	/* poll only drains rings that woke it: collect the unannounced ones. */
	m = ring_buffer__consume(r->rb);
	return m < 0 ? m : n + m;
}

void pw_reader_close(struct pw_reader *r)
{
	ring_buffer__free(r->rb);
	r->rb = NULL;
}
