// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* privwatch rules check, list and bench as a user runs them: exit codes,
 * the one-line verdict, the error text on stderr. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "harness.h"

#define PW     (char *)h_privwatch()
#define SAMPLE (char *)"tests/fixtures/rules/sample"

static char out[1 << 16], err[1 << 16];

static void test_check_ok(void **state)
{
	char *argv[] = { PW, "rules", "check", SAMPLE, NULL };
	char *dis[] = { PW, "rules", "check", "--disable-rule", "PW-0001", SAMPLE, NULL };

	assert_int_equal(h_capture(argv, out, sizeof(out), err, sizeof(err)), 0);
	assert_string_equal(out,
			    "tests/fixtures/rules/sample: 10 rules OK (2 files, 1 disabled)\n");
	assert_int_equal(h_capture(dis, out, sizeof(out), err, sizeof(err)), 0);
	assert_string_equal(out, "tests/fixtures/rules/sample: 9 rules OK (2 files, 2 disabled)\n");
}

static void test_check_bad_file(void **state)
{
	char path[] = "/tmp/pw-rules-cli-XXXXXX";
	char *argv[] = { PW, "rules", "check", path, NULL };
	char *dis[] = { PW, "rules", "check", "--disable-rule", "NOPE", SAMPLE, NULL };
	int fd = mkstemp(path);
	const char *text =
		"{\"rules\": [{\"id\": \"X-1\", \"title\": \"t\", \"description\": \"d\","
		" \"severity\": \"high\", \"condition\": {\"mount.op\": \"mnt\"}}]}";

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (int)strlen(text));
	close(fd);
	assert_int_equal(h_capture(argv, out, sizeof(out), err, sizeof(err)), 1);
	unlink(path);
	assert_string_equal(out, "");
	assert_non_null(strstr(err, ": rule X-1: $.rules[0].condition.mount.op: unknown mount "
				    "operation 'mnt' (expected mount, umount,"));
	assert_non_null(strstr(err, path));
	assert_int_equal(h_capture(dis, out, sizeof(out), err, sizeof(err)), 1);
	assert_string_equal(err, "unknown rule id NOPE in --disable-rule\n");
}

static void test_list(void **state)
{
	char *argv[] = { PW, "rules", "list", SAMPLE, NULL };

	assert_int_equal(h_capture(argv, out, sizeof(out), err, sizeof(err)), 0);
	assert_non_null(strstr(out, "PW-0101      medium   capability"));
	assert_non_null(strstr(out, "PW-0104      medium   container_start"));
	assert_null(strstr(out, "PW-0105")); /* disabled */
}

static void test_bad_command_lines(void **state)
{
	char *cases[][6] = {
		{ PW, "rules", NULL },
		{ PW, "rules", "frob", NULL },
		{ PW, "rules", "check", "a", "b", NULL },
		{ PW, "rules", "list", "--nope", NULL },
	};
	char *help[] = { PW, "rules", "bench", "--help", NULL };
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = h_capture(cases[i], out, sizeof(out), err, sizeof(err));

		if (rc != 2)
			fail_msg("case %zu: exit %d, want 2", i, rc);
		assert_string_equal(out, "");
	}
	assert_int_equal(h_capture(help, out, sizeof(out), err, sizeof(err)), 0);
	assert_non_null(strstr(out, "usage: privwatch rules"));
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_ok),
		cmocka_unit_test(test_check_bad_file),
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_bad_command_lines),
	};

	h_init(argv[0]);
	return cmocka_run_group_tests_name("cli: privwatch rules", tests, NULL, NULL);
}
