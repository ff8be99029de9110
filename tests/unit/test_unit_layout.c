// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The event layout is a contract between two compilers (clang -target bpf
 * and the host's): its sizes and offsets are pinned in
 * include/events_layout.h, which both compile with events.h. Here: the
 * reader refuses records whose size does not match their type.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>
#include "events.h"
#include "kernel/reader.h"

static int handled;

static void count(void *ctx, const struct pw_event_kind *k, const struct pw_event_header *h)
{
	handled++;
}

static void test_reader_accepts_exact_records(void **state)
{
	struct pw_reader r = { .fallback = count };
	struct pw_capability_event e = { .hdr = { .type = PW_EVENT_CAPABILITY,
						  .size = sizeof(e) } };

	handled = 0;
	pw_reader_dispatch(&r, &e, sizeof(e));
	assert_int_equal(handled, 1);
	assert_int_equal(r.stats.received[PW_EVENT_CAPABILITY], 1);
	assert_int_equal(r.stats.malformed, 0);
}

static void test_reader_refuses_bad_records(void **state)
{
	struct pw_reader r = { .fallback = count };
	struct pw_capability_event e = { .hdr = { .type = PW_EVENT_CAPABILITY,
						  .size = sizeof(e) } };

	handled = 0;
	pw_reader_dispatch(&r, &e, 8);		   /* shorter than a header */
	pw_reader_dispatch(&r, &e, sizeof(e) - 8); /* record shorter than its size */
	e.hdr.size = sizeof(e) - 8;
	pw_reader_dispatch(&r, &e, sizeof(e) - 8); /* consistent but too short for the type */
	e.hdr.size = sizeof(e);
	e.hdr.type = 15; /* a type this agent does not know */
	pw_reader_dispatch(&r, &e, sizeof(e));
	e.hdr.type = 60000;
	pw_reader_dispatch(&r, &e, sizeof(e));
	assert_int_equal(handled, 0);
	assert_int_equal(r.stats.malformed, 5);
}

static void test_reader_dispatches_by_type(void **state)
{
	struct pw_reader r = {};
	struct pw_exec_event x = { .hdr = { .type = PW_EVENT_EXEC, .size = sizeof(x) } };
	struct pw_capability_event c = { .hdr = { .type = PW_EVENT_CAPABILITY,
						  .size = sizeof(c) } };

	handled = 0;
	pw_reader_on(&r, PW_EVENT_EXEC, count);
	pw_reader_dispatch(&r, &x, sizeof(x));
	pw_reader_dispatch(&r, &c, sizeof(c)); /* no handler, no fallback: counted only */
	assert_int_equal(handled, 1);
	assert_int_equal(r.stats.received[PW_EVENT_CAPABILITY], 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reader_accepts_exact_records),
		cmocka_unit_test(test_reader_refuses_bad_records),
		cmocka_unit_test(test_reader_dispatches_by_type),
	};

	return cmocka_run_group_tests_name("unit: event layout and reader", tests, NULL, NULL);
}
