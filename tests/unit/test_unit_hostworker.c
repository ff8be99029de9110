// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The host-reading worker (agent/host/hostworker.h): jobs come back; a job
 * whose read does not return (a blocking read of an empty pipe, as a FUSE
 * server that never answers would make it) comes back timed out after the
 * deadline with the read named, its worker is abandoned and the next job
 * runs on a new one; stuck workers are bounded; reads on the event thread
 * are counted.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include "host/hostworker.h"
#include "host/procfs.h"

#define MS 1000000ULL

struct tjob {
	struct pw_hw_job base;
	int fd; /* read from; -1: nothing */
	int id;
	/* out */
	int ran;
	char what[PW_HW_WHAT_LEN];
};

static void tjob_run(struct pw_hw_job *b)
{
	struct tjob *j = (struct tjob *)b;
	char c;

	if (j->fd >= 0) {
		pw_hw_reading("the pipe of job %d", j->id);
		if (read(j->fd, &c, 1) < 0)
			return;
	}
	j->ran = 1;
}

static void tjob_timeout(struct pw_hw_job *b, const char *what)
{
	struct tjob *j = (struct tjob *)b;

	snprintf(j->what, sizeof(j->what), "%s", what);
}

static int freed;

static void tjob_free(struct pw_hw_job *b)
{
	freed++;
	free(b);
}

static struct tjob *tjob(int id, int fd)
{
	struct tjob *j = calloc(1, sizeof(*j));

	assert_non_null(j);
	j->base.run = tjob_run;
	j->base.on_timeout = tjob_timeout;
	j->base.free = tjob_free;
	j->base.size = sizeof(*j);
	j->base.copy_size = offsetof(struct tjob, ran);
	j->id = id;
	j->fd = fd;
	return j;
}

struct got {
	int n, ids[64], timed_out[64], ran[64], late[64];
	char what[64][PW_HW_WHAT_LEN];
};

static void on_done(void *ctx, struct pw_hw_job *b)
{
	struct got *g = ctx;
	struct tjob *j = (struct tjob *)b;

	assert_true(g->n < 64);
	g->ids[g->n] = j->id;
	g->timed_out[g->n] = j->base.timed_out;
	g->ran[g->n] = j->ran;
	g->late[g->n] = j->base.late;
	snprintf(g->what[g->n], PW_HW_WHAT_LEN, "%s", j->what);
	g->n++;
}

/* Collect until n answers or ms passed; the collect itself never blocks. */
static uint64_t collect_until(struct pw_hw *hw, struct got *g, int n, int ms)
{
	uint64_t t0 = pw_hw_now_ns(), worst = 0;

	while (g->n < n && pw_hw_now_ns() - t0 < (uint64_t)ms * MS) {
		uint64_t a = pw_hw_now_ns();

		pw_hw_collect(hw, a, on_done, g);
		if (pw_hw_now_ns() - a > worst)
			worst = pw_hw_now_ns() - a;
		usleep(2000);
	}
	return worst;
}

static void test_jobs_come_back_in_order(void **state)
{
	struct pw_hw *hw = pw_hw_new(200 * MS, 0);
	struct pw_hw_stats st;
	struct got g = {};
	int i;

	assert_non_null(hw);
	for (i = 0; i < 10; i++)
		pw_hw_submit(hw, &tjob(i, -1)->base);
	collect_until(hw, &g, 10, 2000);
	assert_int_equal(g.n, 10);
	for (i = 0; i < 10; i++) {
		assert_int_equal(g.ids[i], i);
		assert_int_equal(g.ran[i], 1);
		assert_int_equal(g.timed_out[i], 0);
	}
	pw_hw_stats(hw, &st);
	assert_int_equal(st.completed, 10);
	assert_int_equal(st.workers_abandoned, 0);
	pw_hw_free(hw);
}

static void test_a_read_that_never_returns_is_abandoned(void **state)
{
	struct pw_hw *hw = pw_hw_new(100 * MS, 0);
	struct pw_hw_stats st;
	struct got g = {};
	uint64_t t0, waited, worst;
	int p[2], i;

	assert_non_null(hw);
	assert_int_equal(pipe(p), 0);
	freed = 0;
	t0 = pw_hw_now_ns();
	pw_hw_submit(hw, &tjob(1, p[0])->base); /* blocks: nothing is ever written */
	pw_hw_submit(hw, &tjob(2, -1)->base);	/* waits behind it, then runs on a new worker */
	worst = collect_until(hw, &g, 2, 3000);
	waited = pw_hw_now_ns() - t0;
	assert_int_equal(g.n, 2);
	assert_int_equal(g.ids[0], 1);
	assert_int_equal(g.timed_out[0], 1);
	assert_int_equal(g.ran[0], 0);
	assert_string_equal(g.what[0], "the pipe of job 1");
	assert_int_equal(g.ids[1], 2);
	assert_int_equal(g.timed_out[1], 0);
	assert_int_equal(g.ran[1], 1);
	/* Given up after the deadline, not much later; the collector never waited. */
	assert_true(waited >= 100 * MS && waited < 1000 * MS);
	assert_true(worst < 20 * MS);
	pw_hw_stats(hw, &st);
	assert_int_equal(st.timed_out, 1);
	assert_int_equal(st.workers_abandoned, 1);
	assert_int_equal(st.workers_stuck, 1);

	/* The stuck worker's read returns some day: it hands the real answer
	 * back, marked late, and leaves. */
	assert_int_equal(write(p[1], "x", 1), 1);
	for (i = 0; i < 200; i++) {
		pw_hw_stats(hw, &st);
		if (!st.workers_stuck)
			break;
		usleep(5000);
	}
	assert_int_equal(st.workers_stuck, 0);
	assert_int_equal(st.late_answers, 1);
	collect_until(hw, &g, 3, 1000);
	assert_int_equal(g.n, 3);
	assert_int_equal(g.ids[2], 1);
	assert_int_equal(g.late[2], 1);
	assert_int_equal(g.timed_out[2], 0);
	assert_int_equal(g.ran[2], 1);
	assert_int_equal(g.late[0] + g.late[1], 0);
	assert_int_equal(freed, 3); /* the copy, job 2 and the late original */
	close(p[0]);
	close(p[1]);
	pw_hw_free(hw);
}

static void test_stuck_workers_are_bounded(void **state)
{
	struct pw_hw *hw = pw_hw_new(30 * MS, 0);
	struct pw_hw_stats st;
	struct got g = {};
	int p[2], i;

	assert_non_null(hw);
	assert_int_equal(pipe(p), 0);
	for (i = 0; i < PW_HW_STUCK_MAX + 3; i++)
		pw_hw_submit(hw, &tjob(i, p[0])->base);
	collect_until(hw, &g, PW_HW_STUCK_MAX + 3, 5000);
	assert_int_equal(g.n, PW_HW_STUCK_MAX + 3);
	pw_hw_stats(hw, &st);
	assert_int_equal(st.workers_abandoned, PW_HW_STUCK_MAX);
	assert_int_equal(st.workers_stuck, PW_HW_STUCK_MAX);
	assert_int_equal(st.refused_stuck, 3);
	for (i = 0; i < g.n; i++)
		assert_int_equal(g.timed_out[i], 1);
	assert_non_null(strstr(g.what[g.n - 1], "workers are stuck"));
	/* A new job now is answered at once, unread. */
	pw_hw_submit(hw, &tjob(99, -1)->base);
	g.n = 0;
	collect_until(hw, &g, 1, 1000);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.timed_out[0], 1);
	/* Let them go, so the pool is freed before the process ends. */
	for (i = 0; i < PW_HW_STUCK_MAX; i++)
		assert_int_equal(write(p[1], "x", 1), 1);
	for (i = 0; i < 400; i++) {
		pw_hw_stats(hw, &st);
		if (!st.workers_stuck)
			break;
		usleep(5000);
	}
	assert_int_equal(st.workers_stuck, 0);
	close(p[0]);
	close(p[1]);
	pw_hw_free(hw);
}

/* Queued jobs about one key come back unrun; the others run. */
static void test_cancel_by_key(void **state)
{
	struct pw_hw *hw = pw_hw_new(2000 * MS, 0);
	struct pw_hw_stats st;
	struct got g = {};
	struct tjob *j;
	int p[2], i, ran = 0, cancelled = 0;

	assert_non_null(hw);
	assert_int_equal(pipe(p), 0);
	pw_hw_submit(hw, &tjob(0, p[0])->base); /* holds the worker */
	for (i = 1; i <= 3; i++) {
		j = tjob(i, -1);
		j->base.key = i == 2 ? 8 : 7;
		pw_hw_submit(hw, &j->base);
	}
	usleep(20000);
	assert_int_equal(pw_hw_cancel(hw, 7, "cancelled: key 7"), 2);
	assert_int_equal(write(p[1], "x", 1), 1);
	collect_until(hw, &g, 4, 2000);
	assert_int_equal(g.n, 4);
	for (i = 0; i < g.n; i++) {
		if (g.ids[i] == 1 || g.ids[i] == 3) {
			assert_int_equal(g.timed_out[i], 1);
			assert_string_equal(g.what[i], "cancelled: key 7");
			cancelled++;
		} else {
			assert_int_equal(g.ran[i], 1);
			ran++;
		}
	}
	assert_int_equal(cancelled, 2);
	assert_int_equal(ran, 2);
	pw_hw_stats(hw, &st);
	assert_int_equal(st.cancelled, 2);
	assert_int_equal(st.queued, 0);
	close(p[0]);
	close(p[1]);
	pw_hw_free(hw);
}

/* A job of many quick reads, each announced, for about ms milliseconds. */
struct busy_job {
	struct pw_hw_job base;
	int ms;
	int ran; /* out */
};

static void busy_run(struct pw_hw_job *b)
{
	struct busy_job *j = (struct busy_job *)b;
	uint64_t end = pw_hw_now_ns() + (uint64_t)j->ms * MS;

	while (pw_hw_now_ns() < end)
		pw_hw_reading("a quick read");
	j->ran = 1;
}

static void busy_timeout(struct pw_hw_job *b, const char *what)
{
}

static void busy_done(void *ctx, struct pw_hw_job *b)
{
	struct busy_job *j = (struct busy_job *)b;
	int *out = ctx;

	out[0] = j->ran;
	out[1] = b->timed_out;
}

/*
 * The event thread takes the time, then checks the deadlines: a worker
 * that announces a read in between (or holds the lock the check waits
 * for) started it after that time. Such a read is young, not past its
 * deadline (it was given up at once: the difference wrapped around). The
 * event thread is made to pause between the two, as a loaded host or an
 * emulated VM makes it.
 */
static void test_a_read_announced_after_the_event_threads_clock_is_young(void **state)
{
	struct pw_hw *hw = pw_hw_new(1000 * MS, 0);
	struct busy_job *j = calloc(1, sizeof(*j));
	struct pw_hw_stats st;
	int out[2] = { -1, -1 };
	uint64_t t0 = pw_hw_now_ns();

	assert_non_null(hw);
	assert_non_null(j);
	j->base.run = busy_run;
	j->base.on_timeout = busy_timeout;
	j->base.free = (void (*)(struct pw_hw_job *))free;
	j->base.size = sizeof(*j);
	j->base.copy_size = offsetof(struct busy_job, ran);
	j->ms = 300;
	pw_hw_submit(hw, &j->base);
	while (out[0] < 0 && pw_hw_now_ns() - t0 < 5000 * MS) {
		uint64_t now = pw_hw_now_ns();

		usleep(100); /* descheduled between the clock and the check */
		pw_hw_collect(hw, now, busy_done, out);
	}
	pw_hw_stats(hw, &st);
	assert_int_equal(out[1], 0); /* not timed out */
	assert_int_equal(out[0], 1);
	assert_int_equal(st.timed_out, 0);
	assert_int_equal(st.workers_abandoned, 0);
	pw_hw_free(hw);
}

static void test_event_thread_reads_are_counted(void **state)
{
	char *buf = NULL, last[PW_HW_WHAT_LEN];
	uint64_t before = pw_hw_event_thread_reads(NULL, 0);

	/* Not marked: not counted. */
	assert_int_equal(pw_proc_read_alloc(AT_FDCWD, "/proc/self/status", 65536, &buf), 0);
	free(buf);
	assert_int_equal(pw_hw_event_thread_reads(NULL, 0), before);
	pw_hw_mark_event_thread(1);
	assert_int_equal(pw_proc_read_alloc(AT_FDCWD, "/proc/self/status", 65536, &buf), 0);
	pw_hw_mark_event_thread(0);
	free(buf);
	assert_int_equal(pw_hw_event_thread_reads(last, sizeof(last)), before + 1);
	assert_string_equal(last, "/proc/self/status");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jobs_come_back_in_order),
		cmocka_unit_test(test_a_read_that_never_returns_is_abandoned),
		cmocka_unit_test(test_stuck_workers_are_bounded),
		cmocka_unit_test(test_cancel_by_key),
		cmocka_unit_test(test_a_read_announced_after_the_event_threads_clock_is_young),
		cmocka_unit_test(test_event_thread_reads_are_counted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
