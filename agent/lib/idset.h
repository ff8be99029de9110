/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Sorted arrays of 64-bit ids (cgroup ids, BPF object ids): sort, look up. */
#ifndef PW_LIB_IDSET_H
#define PW_LIB_IDSET_H

#include <stddef.h>
#include <stdint.h>

void pw_ids_sort(uint64_t *v, size_t n);
/* Is id in v (n ids, sorted)? */
int pw_ids_has(const uint64_t *v, size_t n, uint64_t id);

#endif
