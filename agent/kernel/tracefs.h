/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* tracefs: where libbpf finds the ids of classic tracepoints (tp/...), such
 * as the per-syscall ones. Mounted by the agent when the host has not. */
#ifndef PW_TRACEFS_H
#define PW_TRACEFS_H

#include <stddef.h>

/* Make sure tracefs is reachable (mount it at /sys/kernel/tracing if need
 * be). 0, or -errno with the reason in why. */
int pw_tracefs_ensure(char *why, size_t len);
/* Does tracepoint "category/name" exist? */
int pw_tracefs_has_event(const char *category_slash_name);

#endif
