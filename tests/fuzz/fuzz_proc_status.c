// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* libFuzzer: /proc/<pid>/status as a process may shape it (its Name: line
 * is its own comm), through the fields posture and the process table read. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "host/procfs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const keys[] = { "CapBnd",	       "PPid", "Tgid", "Seccomp",
					    "Seccomp_filters", "Name", "State" };
	char *st = malloc(size + 1);
	uint64_t v;
	size_t i;

	if (!st)
		return 0;
	memcpy(st, data, size);
	st[size] = '\0';
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		pw_proc_status_field(st, keys[i]);
		pw_proc_status_num(st, keys[i], i == 0 ? 16 : 10, &v);
	}
	free(st);
	return 0;
}
