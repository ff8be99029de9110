// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "lib/timefmt.h"

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
	/* gmtime_r and snprintf cost more than the rest of an event's JSON:
	 * the "YYYY-MM-DDTHH:MM:SS." prefix is kept for the last second seen
	 * (one per thread), and the nanoseconds written by hand. */
	static __thread time_t last_sec = -1;
	static __thread char prefix[32];
	time_t sec = real_ns / 1000000000;
	unsigned int ns = real_ns % 1000000000;
	struct tm tm;
	int i;

	if (sec != last_sec) {
		gmtime_r(&sec, &tm);
		snprintf(prefix, sizeof(prefix), "%04d-%02d-%02dT%02d:%02d:%02d.",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
			 tm.tm_sec);
		last_sec = sec;
	}
	memcpy(out, prefix, 20);
	for (i = 28; i >= 20; i--, ns /= 10)
		out[i] = '0' + ns % 10;
	out[29] = 'Z';
	out[30] = '\0';
}
