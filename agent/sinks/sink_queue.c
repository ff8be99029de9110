// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The bounded queue in front of a network sink. Bounded in lines and in
 * bytes: a dead receiver must cost a known amount of memory. When full, the
 * oldest non-critical line goes first, so that a burst of low alerts cannot
 * push out the critical ones behind a stalled SIEM; a critical line is only
 * dropped when nothing else is left to drop.
 */
#include <stdlib.h>
#include "sinks/sink_int.h"

void pw_queue_init(struct pw_queue *q, size_t max_count, size_t max_bytes)
{
	*q = (struct pw_queue){ .max_count = max_count, .max_bytes = max_bytes };
}

static void unlink_head(struct pw_queue *q, int c)
{
	struct pw_qent *e = q->head[c];

	q->head[c] = e->next;
	if (!q->head[c])
		q->tail[c] = NULL;
	q->count--;
	q->bytes -= e->len;
}

uint64_t pw_queue_push(struct pw_queue *q, struct pw_qent *e)
{
	uint64_t dropped = 0;
	int c = !!e->crit;

	while (q->count && (q->count + 1 > q->max_count || q->bytes + e->len > q->max_bytes)) {
		struct pw_qent *d;

		if (q->head[0]) {
			d = q->head[0];
			unlink_head(q, 0);
		} else if (!c) {
			/* Only critical lines queued: the new one is the oldest non-critical. */
			free(e);
			return dropped + 1;
		} else {
			d = q->head[1];
			unlink_head(q, 1);
		}
		free(d);
		dropped++;
	}
	if (e->len > q->max_bytes) { /* alone too big for the queue */
		free(e);
		return dropped + 1;
	}
	e->seq = q->next_seq++;
	e->next = NULL;
	if (q->tail[c])
		q->tail[c]->next = e;
	else
		q->head[c] = e;
	q->tail[c] = e;
	q->count++;
	q->bytes += e->len;
	return dropped;
}

struct pw_qent *pw_queue_pop(struct pw_queue *q)
{
	int c;

	if (!q->head[0] && !q->head[1])
		return NULL;
	if (!q->head[0])
		c = 1;
	else if (!q->head[1])
		c = 0;
	else
		c = q->head[1]->seq < q->head[0]->seq;
	{
		struct pw_qent *e = q->head[c];

		unlink_head(q, c);
		e->next = NULL;
		return e;
	}
}

uint64_t pw_queue_clear(struct pw_queue *q)
{
	uint64_t n = 0;
	struct pw_qent *e;

	while ((e = pw_queue_pop(q))) {
		free(e);
		n++;
	}
	return n;
}
