// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* libFuzzer: an --output SPEC (agent/sinks/sinks.c), parsed; never started,
 * so nothing is opened or resolved. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "sinks/sinks.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pw_sinks *s = pw_sinks_new();
	char *spec = malloc(size + 1), err[512];

	if (!s || !spec)
		abort();
	memcpy(spec, data, size);
	spec[size] = '\0';
	err[0] = '\0';
	if (pw_sinks_add(s, spec, err, sizeof(err)) && !err[0])
		abort(); /* a refusal says why */
	pw_sinks_close(s, 0);
	free(spec);
	return 0;
}
