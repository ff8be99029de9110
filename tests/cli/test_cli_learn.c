// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* privwatch learn's command line as a user types it: what it needs, what
 * a duration is, its help; nothing is loaded for a usage error. (What it
 * learns: tests/unit/test_unit_learn.c.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "harness.h"

#define PW (char *)h_privwatch()

static char out[1 << 16], err[1 << 16];

static void test_help(void **state)
{
	char *argv[] = { PW, "learn", "--help", NULL };
	char *top[] = { PW, "--help", NULL };

	assert_int_equal(h_capture(argv, out, sizeof(out), err, sizeof(err)), 0);
	assert_non_null(strstr(out, "usage: privwatch learn --image IMAGE --for DURATION"));
	assert_non_null(strstr(out, "--out FILE"));
	assert_int_equal(h_capture(top, out, sizeof(out), err, sizeof(err)), 0);
	assert_non_null(strstr(out, "  learn "));
}

static void test_usage_errors(void **state)
{
	static const struct {
		char *argv[8];
		const char *says;
	} cases[] = {
		{ { "learn", NULL }, "--image and --for are required" },
		{ { "learn", "--image", "nginx:1.27", NULL }, "--image and --for are required" },
		{ { "learn", "--for", "10m", NULL }, "--image and --for are required" },
		{ { "learn", "--image", NULL }, "--image needs a value" },
		{ { "learn", "--image=", "--for", "1m", NULL }, "--image and --for are required" },
		{ { "learn", "--image", "x", "--for", "5x", NULL }, "--for '5x': a duration is" },
		{ { "learn", "--image", "x", "--for", "0", NULL }, "--for '0'" },
		{ { "learn", "--image", "x", "--for", "m", NULL }, "--for 'm'" },
		{ { "learn", "--image", "x", "--for", "400d", NULL }, "at most a year" },
		{ { "learn", "--image", "x", "--for", "1h", "--out=", NULL },
		  "--out needs a file" },
		/* the rest is run's: its errors */
		{ { "learn", "--image", "x", "--for", "1h", "--no-such-option", NULL },
		  "no-such-option" },
	};
	size_t i, j;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *argv[10] = { PW };
		int rc;

		for (j = 0; cases[i].argv[j]; j++)
			argv[j + 1] = cases[i].argv[j];
		argv[j + 1] = NULL;
		rc = h_capture(argv, out, sizeof(out), err, sizeof(err));
		if (rc != 2)
			fail_msg("case %zu: exit %d, want 2 (stderr: %s)", i, rc, err);
		assert_string_equal(out, "");
		if (!strstr(err, cases[i].says))
			fail_msg("case %zu: stderr '%s' does not say '%s'", i, err, cases[i].says);
	}
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_usage_errors),
	};

	h_init(argv[0]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
