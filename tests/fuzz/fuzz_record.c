// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* libFuzzer: a record from the ring buffer as a buggy kernel program could
 * send it, through the reader's checks (agent/kernel/reader.c), then the
 * view and the event JSON, as privwatch run decodes it. A malformed record
 * must be counted and dropped, never read. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "events/event_json.h"
#include "events/event_view.h"
#include "kernel/reader.h"
#include "lib/jsonw.h"

static void decode(void *ctx, const struct pw_event_kind *kind, const struct pw_event_header *h)
{
	struct jsonw *w = ctx;
	struct pw_view v;
	size_t len;

	pw_view_from_event(&v, h);
	pw_event_to_json(w, kind, h);
	if (!jw_line(w, &len))
		abort();
	jw_reset(w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pw_reader r = {};
	struct jsonw w;
	/* aligned, as the ring buffer hands records out */
	uint64_t *buf = malloc(size + 8);

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	jw_init(&w);
	r.fallback = decode;
	r.ctx = &w;
	pw_reader_dispatch(&r, buf, size);
	jw_free(&w);
	free(buf);
	return 0;
}
