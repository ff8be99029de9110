// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Alert ids and documentation references: what on-call quotes in a ticket
 * and follows to the rule's remediation.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>
#include "alerts/alert.h"

static pthread_once_t seed_once = PTHREAD_ONCE_INIT;
static uint64_t seed_a, seed_b, counter;

static uint64_t mix64(uint64_t x) /* splitmix64's finaliser */
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static void seed_init(void)
{
	uint64_t r[2];
	struct timespec ts;

	/* Never block at start for entropy: a weaker seed still gives ids
	 * unique within this agent (the counter), and distinct across agents
	 * through time, pid and boot. */
	if (getrandom(r, sizeof(r), GRND_NONBLOCK) != sizeof(r)) {
		clock_gettime(CLOCK_REALTIME, &ts);
		r[0] = mix64((uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec);
		clock_gettime(CLOCK_MONOTONIC, &ts);
		r[1] = mix64(r[0] ^ ((uint64_t)getpid() << 32) ^ (uint64_t)ts.tv_nsec);
	}
	seed_a = r[0];
	seed_b = r[1];
}

void pw_alert_new_id(char id[PW_ALERT_ID_LEN], uint64_t time_ns)
{
	uint64_t ms, rand_a, rand_b;

	pthread_once(&seed_once, seed_init);
	ms = (time_ns / 1000000) & 0xffffffffffffull;
	rand_a = seed_a & 0xfff;
	/* RFC 9562 6.2 method 2: a counter in the random bits, started at a
	 * random value, keeps one agent's ids distinct and in order. */
	rand_b = (seed_b + __atomic_fetch_add(&counter, 1, __ATOMIC_RELAXED)) &
		 0x3fffffffffffffffull;
	snprintf(id, PW_ALERT_ID_LEN, "%08llx-%04llx-%04llx-%04llx-%012llx",
		 (unsigned long long)(ms >> 16), (unsigned long long)(ms & 0xffff),
		 (unsigned long long)(0x7000 | rand_a),
		 (unsigned long long)(0x8000 | (rand_b >> 48)),
		 (unsigned long long)(rand_b & 0xffffffffffffull));
}

void pw_alert_rule_reference(const char *rule_id, char *buf, size_t size)
{
	size_t n;
	int len;

	len = snprintf(buf, size, "%s#", PW_RULE_DOC);
	if (len < 0 || (size_t)len >= size)
		return;
	/* The anchor a Markdown heading "### PW-0102" gets: lower case. */
	for (n = len; *rule_id && n + 1 < size; rule_id++)
		buf[n++] = (char)tolower((unsigned char)*rule_id);
	buf[n] = '\0';
}
