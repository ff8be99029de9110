// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The agent's hash table (agent/lib/hashtab.h): put, replace, find, delete
 * with backward shifting (probe runs that wrap around the end of the
 * slots), growth, a table sized up front that never grows, the walk, and a
 * long random churn checked against a plain array.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "lib/hashtab.h"

static void test_put_find_replace_del(void **state)
{
	struct pw_htab h;
	struct pw_hslot *s;

	assert_int_equal(pw_htab_init(&h, 0), 0);
	assert_int_equal(h.cap, 16);
	assert_null(pw_htab_find(&h, 7));
	assert_int_equal(pw_htab_put(&h, 7, 70), 1);
	assert_int_equal(pw_htab_put(&h, 8, 80), 1);
	assert_int_equal(h.n, 2);
	s = pw_htab_find(&h, 7);
	assert_non_null(s);
	assert_int_equal(s->key, 7);
	assert_int_equal(s->val, 70);
	/* replace: same key, new value, no new entry */
	assert_int_equal(pw_htab_put(&h, 7, 71), 0);
	assert_int_equal(h.n, 2);
	assert_int_equal(pw_htab_find(&h, 7)->val, 71);
	assert_int_equal(pw_htab_del(&h, 7), 1);
	assert_int_equal(pw_htab_del(&h, 7), 0);
	assert_null(pw_htab_find(&h, 7));
	assert_int_equal(pw_htab_find(&h, 8)->val, 80);
	assert_int_equal(h.n, 1);
	pw_htab_free(&h);
	assert_null(h.slots);
	assert_int_equal(h.cap, 0);
}

static void test_zero_key(void **state)
{
	struct pw_htab h;

	assert_int_equal(pw_htab_init(&h, 0), 0);
	assert_int_equal(pw_htab_put(&h, 0, 1), -EINVAL);
	assert_null(pw_htab_find(&h, 0));
	assert_int_equal(pw_htab_del(&h, 0), 0);
	assert_int_equal(h.n, 0);
	pw_htab_free(&h);
}

/* A zeroed table (never initialised) works: the first put allocates. */
static void test_zeroed_table(void **state)
{
	struct pw_htab h = { 0 };
	size_t i = 0;

	assert_null(pw_htab_find(&h, 1));
	assert_null(pw_htab_next(&h, &i));
	assert_int_equal(pw_htab_del(&h, 1), 0);
	assert_int_equal(pw_htab_put(&h, 1, 2), 1);
	assert_int_equal(pw_htab_find(&h, 1)->val, 2);
	pw_htab_free(&h);
}

static void test_grows_at_half(void **state)
{
	struct pw_htab h;
	uint64_t k;

	assert_int_equal(pw_htab_init(&h, 0), 0);
	for (k = 1; k <= 8; k++)
		assert_int_equal(pw_htab_put(&h, k, k * 10), 1);
	assert_int_equal(h.cap, 16); /* 8 of 16: still half full */
	assert_int_equal(pw_htab_put(&h, 9, 90), 1);
	assert_int_equal(h.cap, 32);
	for (k = 1; k <= 1000; k++)
		pw_htab_put(&h, k, k * 10);
	assert_int_equal(h.n, 1000);
	assert_true(h.cap >= 2000);
	assert_int_equal(pw_htab_bytes(&h), h.cap * sizeof(struct pw_hslot));
	for (k = 1; k <= 1000; k++)
		assert_int_equal(pw_htab_find(&h, k)->val, k * 10);
	assert_null(pw_htab_find(&h, 1001));
	pw_htab_free(&h);
}

/* Sized for max keys up front: filling it to max never reallocates. */
static void test_sized_never_grows(void **state)
{
	struct pw_htab h;
	struct pw_hslot *slots;
	uint64_t k, round;

	assert_int_equal(pw_htab_init(&h, 100), 0);
	assert_int_equal(h.cap, 256);
	slots = h.slots;
	for (round = 0; round < 50; round++) {
		for (k = 1; k <= 100; k++)
			assert_int_equal(pw_htab_put(&h, round * 1000 + k, k), 1);
		for (k = 1; k <= 100; k++)
			assert_int_equal(pw_htab_del(&h, round * 1000 + k), 1);
	}
	assert_ptr_equal(h.slots, slots);
	assert_int_equal(h.cap, 256);
	assert_int_equal(h.n, 0);
	pw_htab_free(&h);
}

/* Keys whose home is the last slot: their probe run wraps to slot 0, and
 * deleting from it must shift the wrapped members back across the end. */
static void test_wrapping_runs(void **state)
{
	struct pw_htab h;
	uint64_t keys[6], k;
	size_t n = 0, i;

	assert_int_equal(pw_htab_init(&h, 0), 0);
	/* Find keys whose home is slot 15 or 0 (cap 16) from what put does. */
	for (k = 1; n < 6 && k < 100000; k++) {
		struct pw_htab one;

		assert_int_equal(pw_htab_init(&one, 0), 0);
		pw_htab_put(&one, k, 0);
		if (one.slots[15].key == k || (n >= 4 && one.slots[0].key == k))
			keys[n++] = k;
		pw_htab_free(&one);
	}
	assert_int_equal(n, 6);
	for (i = 0; i < n; i++)
		assert_int_equal(pw_htab_put(&h, keys[i], i), 1);
	/* delete each in turn: every other key stays findable */
	for (i = 0; i < n; i++) {
		size_t j;

		assert_int_equal(pw_htab_del(&h, keys[i]), 1);
		for (j = i + 1; j < n; j++)
			assert_int_equal(pw_htab_find(&h, keys[j])->val, j);
	}
	assert_int_equal(h.n, 0);
	for (i = 0; i < h.cap; i++)
		assert_int_equal(h.slots[i].key, 0);
	pw_htab_free(&h);
}

static void test_walk(void **state)
{
	struct pw_htab h;
	struct pw_hslot *s;
	uint64_t sum = 0, k;
	size_t i = 0, seen = 0;

	assert_int_equal(pw_htab_init(&h, 0), 0);
	for (k = 1; k <= 100; k++)
		pw_htab_put(&h, k * 7919, k);
	while ((s = pw_htab_next(&h, &i))) {
		seen++;
		sum += s->val;
		assert_int_equal(s->key, s->val * 7919);
	}
	assert_int_equal(seen, 100);
	assert_int_equal(sum, 5050);
	assert_null(pw_htab_next(&h, &i)); /* stays at the end */
	pw_htab_free(&h);
}

/* Random puts and deletes over a small key space (long probe runs, many
 * shifts), checked after each step against a plain array. */
static void test_random_churn(void **state)
{
	enum { KEYS = 512, STEPS = 200000 };
	static uint64_t model[KEYS + 1]; /* value + 1; 0: absent */
	struct pw_htab h;
	uint64_t x = 88172645463325252ULL, k, v;
	size_t n = 0, step, i;
	struct pw_hslot *s;

	assert_int_equal(pw_htab_init(&h, 0), 0);
	for (step = 0; step < STEPS; step++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		k = 1 + x % KEYS;
		v = x >> 32;
		if ((x >> 20) % 3) {
			assert_int_equal(pw_htab_put(&h, k, v), model[k] ? 0 : 1);
			n += !model[k];
			model[k] = v + 1;
		} else {
			assert_int_equal(pw_htab_del(&h, k), model[k] ? 1 : 0);
			n -= !!model[k];
			model[k] = 0;
		}
		assert_int_equal(h.n, n);
		s = pw_htab_find(&h, k);
		if (model[k])
			assert_int_equal(s->val, model[k] - 1);
		else
			assert_null(s);
	}
	for (k = 1; k <= KEYS; k++) {
		s = pw_htab_find(&h, k);
		if (model[k])
			assert_int_equal(s->val, model[k] - 1);
		else
			assert_null(s);
	}
	for (i = 0, n = 0; pw_htab_next(&h, &i);)
		n++;
	assert_int_equal(n, h.n);
	pw_htab_free(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_put_find_replace_del),
		cmocka_unit_test(test_zero_key),
		cmocka_unit_test(test_zeroed_table),
		cmocka_unit_test(test_grows_at_half),
		cmocka_unit_test(test_sized_never_grows),
		cmocka_unit_test(test_wrapping_runs),
		cmocka_unit_test(test_walk),
		cmocka_unit_test(test_random_churn),
	};

	return cmocka_run_group_tests_name("unit: hashtab", tests, NULL, NULL);
}
