// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Unit tier, alert folding: repeats within the window become one alert with
 * a count; any difference in rule, container, executable or target alerts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "alerts/alert_fold.h"

#define SEC 1000000000ull

struct emitted {
	int n;
	uint64_t count[16];
	char head[16][64];
	struct pw_fold_proc procs[16][PW_FOLD_PROCS];
	size_t nprocs[16];
	uint64_t others[16];
};

static void on_emit(void *ctx, const char *head, size_t len, enum pw_severity sev, uint64_t count,
		    const struct pw_fold_procs *pr)
{
	struct emitted *em = ctx;

	assert_true(em->n < 16);
	snprintf(em->head[em->n], sizeof(em->head[0]), "%.*s", (int)len, head);
	assert_non_null(pr);
	assert_true(pr->n <= PW_FOLD_PROCS);
	if (pr->n)
		memcpy(em->procs[em->n], pr->v, pr->n * sizeof(*pr->v));
	em->nprocs[em->n] = pr->n;
	em->others[em->n] = pr->others;
	em->count[em->n++] = count;
}

static int check(struct pw_fold *f, const char *rule, const char *ct, const char *exe,
		 const char *target, uint64_t now, const char *head)
{
	struct pw_fold_entry *e;
	int need_head, r = pw_fold_check(f, rule, ct, exe, target, now, &e, &need_head);

	if (!r && need_head)
		assert_int_equal(pw_fold_keep_head(e, head, strlen(head), PW_SEV_HIGH), 0);
	return r;
}

static void test_repeats_fold_into_one_summary(void **state)
{
	struct pw_fold *f = pw_fold_new(10 * SEC, 0);
	struct emitted em = {};
	struct pw_fold_stats st;
	int i;

	assert_int_equal(check(f, "PW-1", "c1", "/bin/sh", "/sys/x", 0, "first"), 1);
	for (i = 1; i <= 99; i++)
		assert_int_equal(check(f, "PW-1", "c1", "/bin/sh", "/sys/x", i * 1000,
				       i == 1 ? "rep1" : "repN"),
				 0);
	pw_fold_flush(f, 5 * SEC, 0, on_emit, &em);
	assert_int_equal(em.n, 0); /* window still open */
	pw_fold_flush(f, 10 * SEC, 0, on_emit, &em);
	assert_int_equal(em.n, 1);
	assert_int_equal(em.count[0], 99);
	assert_string_equal(em.head[0], "rep1"); /* the first folded occurrence */
	/* The storm goes on: one summary per window. */
	for (i = 0; i < 5; i++)
		assert_int_equal(check(f, "PW-1", "c1", "/bin/sh", "/sys/x", 11 * SEC + i, "again"),
				 0);
	pw_fold_flush(f, 20 * SEC, 0, on_emit, &em);
	assert_int_equal(em.n, 2);
	assert_int_equal(em.count[1], 5);
	/* A quiet window: forgotten, the next one alerts at once. */
	pw_fold_flush(f, 30 * SEC, 0, on_emit, &em);
	assert_int_equal(em.n, 2);
	pw_fold_stats(f, &st);
	assert_int_equal(st.keys, 0);
	assert_int_equal(st.folded, 104);
	assert_int_equal(st.summaries, 2);
	assert_int_equal(check(f, "PW-1", "c1", "/bin/sh", "/sys/x", 31 * SEC, "x"), 1);
	pw_fold_free(f);
}

/* The repeats keep their evidence: which processes (pid, exe, argv) made
 * them, distinct, bounded, with a count of the rest. */
static void test_repeats_keep_their_processes(void **state)
{
	struct pw_fold *f = pw_fold_new(10 * SEC, 0);
	struct emitted em = {};
	struct pw_fold_entry *e;
	char args[64], longargs[400];
	int need_head, i, len;

	assert_int_equal(check(f, "PW-1", "c1", "/bin/sh", "/sys/x", 0, "first"), 1);
	/* 3 from pid 100 with one argv, 2 from pid 101, then 20 distinct pids */
	for (i = 0; i < 25; i++) {
		uint32_t pid = i < 3 ? 100 : i < 5 ? 101 : 200 + i;

		len = snprintf(args, sizeof(args), "sh%c-c%cecho %u", 0, 0, pid) + 1;
		assert_int_equal(
			pw_fold_check(f, "PW-1", "c1", "/bin/sh", "/sys/x", 1 + i, &e, &need_head),
			0);
		if (need_head)
			assert_int_equal(pw_fold_keep_head(e, "h", 1, PW_SEV_HIGH), 0);
		pw_fold_note_process(e, pid, "/bin/sh", args, len);
	}
	/* An argv longer than kept: cut at the last whole argument. */
	memset(longargs, 'a', sizeof(longargs));
	longargs[100] = '\0';
	longargs[sizeof(longargs) - 1] = '\0';
	assert_int_equal(pw_fold_check(f, "PW-1", "c1", "/bin/sh", "/sys/x", 30, &e, &need_head),
			 0);
	pw_fold_note_process(e, 999, "/bin/sh", longargs, sizeof(longargs));
	pw_fold_flush(f, 10 * SEC, 0, on_emit, &em);
	assert_int_equal(em.n, 1);
	assert_int_equal(em.count[0], 26);
	assert_int_equal(em.nprocs[0], PW_FOLD_PROCS);
	assert_int_equal(em.procs[0][0].pid, 100);
	assert_int_equal(em.procs[0][0].count, 3);
	assert_string_equal(em.procs[0][0].exe, "/bin/sh");
	assert_int_equal(em.procs[0][0].args_len, strlen("sh-cecho 100") + 3);
	assert_memory_equal(em.procs[0][0].args, "sh\0-c\0echo 100", 15);
	assert_int_equal(em.procs[0][1].pid, 101);
	assert_int_equal(em.procs[0][1].count, 2);
	assert_int_equal(em.procs[0][2].pid, 205);
	/* 26 repeats: 3 + 2 + 6 kept distinct, the other 15 counted */
	assert_int_equal(em.others[0], 26 - 3 - 2 - (PW_FOLD_PROCS - 2));
	/* The next window starts without them. */
	assert_int_equal(
		pw_fold_check(f, "PW-1", "c1", "/bin/sh", "/sys/x", 11 * SEC, &e, &need_head), 0);
	if (need_head)
		assert_int_equal(pw_fold_keep_head(e, "h", 1, PW_SEV_HIGH), 0);
	pw_fold_note_process(e, 999, "/bin/sh", longargs, sizeof(longargs));
	pw_fold_flush(f, 21 * SEC, 0, on_emit, &em);
	assert_int_equal(em.n, 2);
	assert_int_equal(em.nprocs[1], 1);
	assert_int_equal(em.others[1], 0);
	assert_int_equal(em.procs[1][0].pid, 999);
	assert_int_equal(em.procs[1][0].args_len, 101); /* the first argument, whole */
	pw_fold_free(f);
}

/* No per-container throttle: every difference alerts on its own. */
static void test_differences_always_alert(void **state)
{
	struct pw_fold *f = pw_fold_new(10 * SEC, 0);

	assert_int_equal(check(f, "PW-1", "c1", "/bin/sh", "/sys/x", 0, "h"), 1);
	assert_int_equal(check(f, "PW-2", "c1", "/bin/sh", "/sys/x", 1, "h"), 1);
	assert_int_equal(check(f, "PW-1", "c2", "/bin/sh", "/sys/x", 2, "h"), 1);
	assert_int_equal(check(f, "PW-1", "c1", "/bin/ls", "/sys/x", 3, "h"), 1);
	assert_int_equal(check(f, "PW-1", "c1", "/bin/sh", "/sys/y", 4, "h"), 1);
	/* parts are delimited: "ab"+"c" is not "a"+"bc" */
	assert_int_equal(check(f, "PW-1", "ab", "c", "/sys/x", 5, "h"), 1);
	assert_int_equal(check(f, "PW-1", "a", "bc", "/sys/x", 6, "h"), 1);
	assert_int_equal(check(f, "PW-1", "c1", "/bin/sh", "/sys/x", 7, "h"), 0);
	pw_fold_free(f);
}

static void test_full_table_alerts_unfolded(void **state)
{
	struct pw_fold *f = pw_fold_new(10 * SEC, 2);
	struct pw_fold_stats st;

	assert_int_equal(check(f, "PW-1", "c1", "", "a", 0, "h"), 1);
	assert_int_equal(check(f, "PW-1", "c1", "", "b", 0, "h"), 1);
	assert_int_equal(check(f, "PW-1", "c1", "", "c", 0, "h"), 1);
	assert_int_equal(check(f, "PW-1", "c1", "", "c", 0, "h"), 1); /* still not folded */
	pw_fold_stats(f, &st);
	assert_int_equal(st.table_full, 2);
	pw_fold_free(f);
}

static void test_window_zero_disables(void **state)
{
	struct pw_fold *f = pw_fold_new(0, 0);

	assert_int_equal(check(f, "PW-1", "c1", "", "a", 0, "h"), 1);
	assert_int_equal(check(f, "PW-1", "c1", "", "a", 0, "h"), 1);
	pw_fold_free(f);
}

/* At exit every open window with repeats is written. */
static void test_flush_all(void **state)
{
	struct pw_fold *f = pw_fold_new(10 * SEC, 0);
	struct emitted em = {};

	check(f, "PW-1", "c1", "", "a", 0, "h");
	check(f, "PW-1", "c1", "", "a", 1, "rep");
	check(f, "PW-1", "c1", "", "b", 2, "h");
	pw_fold_flush(f, 3, 1, on_emit, &em);
	assert_int_equal(em.n, 1);
	assert_int_equal(em.count[0], 1);
	pw_fold_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_repeats_keep_their_processes),
		cmocka_unit_test(test_repeats_fold_into_one_summary),
		cmocka_unit_test(test_differences_always_alert),
		cmocka_unit_test(test_full_table_alerts_unfolded),
		cmocka_unit_test(test_window_zero_disables),
		cmocka_unit_test(test_flush_all),
	};

	return cmocka_run_group_tests_name("unit: alert folding", tests, NULL, NULL);
}
