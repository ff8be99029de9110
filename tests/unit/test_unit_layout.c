// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The event layout is a contract between two compilers (clang -target bpf
 * and the host's): pin sizes and offsets here, and check that the reader
 * refuses records whose size does not match their type.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>
#include "events.h"
#include "kernel/reader.h"

_Static_assert(sizeof(struct pw_event_header) == 56, "header size");
_Static_assert(offsetof(struct pw_event_header, type) == 0, "type first");
_Static_assert(offsetof(struct pw_event_header, size) == 2, "size");
_Static_assert(offsetof(struct pw_event_header, flags) == 4, "flags");
_Static_assert(offsetof(struct pw_event_header, ts_ns) == 8, "ts_ns");
_Static_assert(offsetof(struct pw_event_header, cgroup_id) == 16, "cgroup_id");
_Static_assert(offsetof(struct pw_event_header, pid) == 24, "pid");
_Static_assert(offsetof(struct pw_event_header, tid) == 28, "tid");
_Static_assert(offsetof(struct pw_event_header, uid) == 32, "uid");
_Static_assert(offsetof(struct pw_event_header, gid) == 36, "gid");
_Static_assert(offsetof(struct pw_event_header, comm) == 40, "comm");

_Static_assert(offsetof(struct pw_exec_event, ppid) == 56, "exec ppid");
_Static_assert(offsetof(struct pw_exec_event, filename) == 72, "exec filename");
_Static_assert(offsetof(struct pw_exec_event, args) == 72 + PW_PATH_MAX, "exec args");
_Static_assert(sizeof(struct pw_exec_event) == 72 + PW_PATH_MAX + PW_ARGS_MAX, "exec size");

_Static_assert(offsetof(struct pw_capability_event, cap) == 56, "cap");
_Static_assert(offsetof(struct pw_capability_event, ret) == 60, "cap ret");
_Static_assert(sizeof(struct pw_capability_event) == 72, "cap size");
_Static_assert(offsetof(struct pw_namespace_event, ret) == 56, "ns ret");
_Static_assert(offsetof(struct pw_namespace_event, flags) == 64, "ns flags");
_Static_assert(sizeof(struct pw_namespace_event) == 80, "ns size");

/* Every record must fit the header's u16 size field and stay 8-aligned
 * (the ring buffer rounds records to 8 bytes). */
_Static_assert(sizeof(struct pw_exec_event) % 8 == 0 && sizeof(struct pw_exec_event) < 65536, "");
_Static_assert(sizeof(struct pw_capability_event) % 8 == 0, "");

/* Values on the wire: never renumbered. */
_Static_assert(PW_EVENT_EXEC == 1 && PW_EVENT_CAPABILITY == 2, "event numbers are stable");
_Static_assert(PW_DROP_RINGBUF_FULL == 0, "drop cause numbers are stable");

static int handled;

static void count(void *ctx, const struct pw_event_kind *k, const struct pw_event_header *h)
{
	handled++;
}

static void test_reader_accepts_exact_records(void **state)
{
	struct pw_reader r = { .fallback = count };
	struct pw_capability_event e = { .hdr = { .type = PW_EVENT_CAPABILITY, .size = sizeof(e) } };

	handled = 0;
	pw_reader_dispatch(&r, &e, sizeof(e));
	assert_int_equal(handled, 1);
	assert_int_equal(r.stats.received[PW_EVENT_CAPABILITY], 1);
	assert_int_equal(r.stats.malformed, 0);
}

static void test_reader_refuses_bad_records(void **state)
{
	struct pw_reader r = { .fallback = count };
	struct pw_capability_event e = { .hdr = { .type = PW_EVENT_CAPABILITY, .size = sizeof(e) } };

	handled = 0;
	pw_reader_dispatch(&r, &e, 8);			 /* shorter than a header */
	pw_reader_dispatch(&r, &e, sizeof(e) - 8);	 /* record shorter than its size */
	e.hdr.size = sizeof(e) - 8;
	pw_reader_dispatch(&r, &e, sizeof(e) - 8); /* consistent but too short for the type */
	e.hdr.size = sizeof(e);
	e.hdr.type = 15;			   /* a type this agent does not know */
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
	struct pw_capability_event c = { .hdr = { .type = PW_EVENT_CAPABILITY, .size = sizeof(c) } };

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
