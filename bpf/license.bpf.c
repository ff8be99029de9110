// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The linked object's license, defined once: GPL-only helpers (probe reads,
 * ring buffer) need it. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";
