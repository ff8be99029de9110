// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdio.h>
#include <time.h>
#include "timefmt.h"

static int64_t offset_ns;

static int64_t ts_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void pw_clock_init(void)
{
	/* Bracket the realtime read with two monotonic ones; the midpoint
	 * keeps the error under the read latency. */
	int64_t a = ts_ns(CLOCK_MONOTONIC), r = ts_ns(CLOCK_REALTIME), b = ts_ns(CLOCK_MONOTONIC);

	offset_ns = r - (a + (b - a) / 2);
}

uint64_t pw_mono_to_real_ns(uint64_t mono_ns)
{
	return (uint64_t)((int64_t)mono_ns + offset_ns);
}

void pw_format_time(uint64_t real_ns, char out[PW_TIME_LEN])
{
	time_t sec = real_ns / 1000000000;
	struct tm tm;

	gmtime_r(&sec, &tm);
	snprintf(out, PW_TIME_LEN, "%04d-%02d-%02dT%02d:%02d:%02d.%09uZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (unsigned int)(real_ns % 1000000000));
}
