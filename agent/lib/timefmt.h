/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Kernel timestamps (CLOCK_MONOTONIC, from bpf_ktime_get_ns) to wall time. */
#ifndef PW_TIMEFMT_H
#define PW_TIMEFMT_H

#include <stdint.h>

#define PW_TIME_LEN 64

/* Measure the offset between the two clocks; call at start. */
void pw_clock_init(void);
/* Wall-clock ns since the epoch of a monotonic ns value. */
uint64_t pw_mono_to_real_ns(uint64_t mono_ns);
/* RFC 3339, UTC, nanoseconds: 2026-11-29T08:40:01.123456789Z */
void pw_format_time(uint64_t real_ns, char out[PW_TIME_LEN]);

#endif
