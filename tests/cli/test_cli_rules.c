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

/* One shipped file alone uses lists of another: checked on top of the
 * defaults it passes; alone (--no-defaults) it fails naming the list. */
static void test_check_one_file_in_context(void **state)
{
	char *argv[] = { PW, "rules", "check", "rules/30-mounts.json", NULL };
	char *alone[] = { PW, "rules", "check", "--no-defaults", "rules/30-mounts.json", NULL };

	assert_int_equal(h_capture(argv, out, sizeof(out), err, sizeof(err)), 0);
	assert_non_null(strstr(out, " + rules/30-mounts.json: "));
	assert_non_null(strstr(out, " rules OK (9 files, 0 disabled)\n"));
	assert_int_equal(h_capture(alone, out, sizeof(out), err, sizeof(err)), 1);
	assert_non_null(strstr(err, "rules/30-mounts.json: rule PW-0301: "));
	assert_non_null(strstr(err, "unknown list"));
}

/* An edited copy of a shipped file is checked in its place, not as a
 * second definition of its rules. */
static void test_check_edited_copy(void **state)
{
	char d[] = "/tmp/pw-rules-copy-XXXXXX", f[128], cmd[512];
	char *argv[] = { PW, "rules", "list", f, NULL };

	assert_non_null(mkdtemp(d));
	snprintf(f, sizeof(f), "%s/30-mounts.json", d);
	snprintf(cmd, sizeof(cmd),
		 "sed 's/\"title\": \"[^\"]*\"/\"title\": \"EDITED\"/' rules/30-mounts.json > %s",
		 f);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(h_capture(argv, out, sizeof(out), err, sizeof(err)), 0);
	assert_non_null(strstr(out, "PW-0301      "));
	assert_non_null(strstr(out, "EDITED  [/tmp/pw-rules-copy-"));
	assert_null(strstr(out, "rules/30-mounts.json]"));
	unlink(f);
	rmdir(d);
}

/* No coverage is never "OK": an empty directory, one of other files, a set
 * with every rule disabled. */
static void test_check_no_coverage(void **state)
{
	char d[] = "/tmp/pw-rules-empty-XXXXXX", f[128];
	char *argv[] = { PW, "rules", "check", d, NULL };
	FILE *fp;

	assert_non_null(mkdtemp(d));
	assert_int_equal(h_capture(argv, out, sizeof(out), err, sizeof(err)), 1);
	assert_string_equal(out, "");
	assert_non_null(strstr(err, ": no rule files (*.json) in this directory"));
	snprintf(f, sizeof(f), "%s/falco_rules.yaml", d);
	fp = fopen(f, "w");
	fputs("- rule: shell in container\n", fp);
	fclose(fp);
	assert_int_equal(h_capture(argv, out, sizeof(out), err, sizeof(err)), 1);
	assert_non_null(strstr(err, "no rule files"));
	unlink(f);
	snprintf(f, sizeof(f), "%s/all-off.json", d);
	fp = fopen(f, "w");
	fputs("{\"rules\": [{\"id\": \"X-1\", \"title\": \"t\", \"description\": \"d\","
	      " \"severity\": \"high\", \"enabled\": false, \"condition\": {\"kind\": \"exec\"}}]}",
	      fp);
	fclose(fp);
	{
		char *argv2[] = { PW, "rules", "check", "--no-defaults", f, NULL };

		assert_int_equal(h_capture(argv2, out, sizeof(out), err, sizeof(err)), 1);
		assert_non_null(strstr(err, "no rule enabled (1 defined, 1 disabled)"));
	}
	unlink(f);
	rmdir(d);
}

/* A local file on the shipped rules: list shows origins and exceptions. */
static void test_list_layers(void **state)
{
	char f[] = "/tmp/pw-rules-local-XXXXXX";
	char *argv[] = { PW, "rules", "list", f, NULL };
	char *all[] = { PW, "rules", "list", "--all", f, NULL };
	int fd = mkstemp(f);
	const char *text =
		"{\"overrides\": [{\"id\": \"PW-0105\", \"exceptions\": [{\"container.image\": "
		"\"quay.io/x:1\"}]}, {\"id\": \"PW-0402\", \"enabled\": false}]}";

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (int)strlen(text));
	close(fd);
	assert_int_equal(h_capture(argv, out, sizeof(out), err, sizeof(err)), 0);
	assert_non_null(strstr(out, "rules/10-kernel-files.json; overridden in pw-rules-local-"));
	assert_non_null(strstr(out, "   except {\"container.image\":\"quay.io/x:1\"}  [/tmp/"));
	assert_null(strstr(out, "PW-0402"));
	assert_int_equal(h_capture(all, out, sizeof(out), err, sizeof(err)), 0);
	assert_non_null(strstr(out, "PW-0402"));
	assert_non_null(strstr(out, "(disabled)"));
	unlink(f);
}

/* rules fields: every field with its type and an example, the new ones too. */
static void test_fields(void **state)
{
	char *argv[] = { PW, "rules", "fields", NULL };
	char *extra[] = { PW, "rules", "fields", "x", NULL };

	assert_int_equal(h_capture(argv, out, sizeof(out), err, sizeof(err)), 0);
	assert_non_null(strstr(out, "\ncontainer.namespace                string  "));
	assert_non_null(strstr(out, "\npod.label.KEY                      string  "));
	assert_non_null(strstr(out, "\nproc.parent.exe                    string  "));
	assert_non_null(strstr(out, "\nproc.args                          string  "));
	assert_non_null(strstr(out, "\ncapability                         enum    "));
	assert_non_null(strstr(out, "e.g. {\"container.namespace\": "));
	assert_int_equal(h_capture(extra, out, sizeof(out), err, sizeof(err)), 2);
}

static void test_bad_command_lines(void **state)
{
	char *cases[][6] = {
		{ PW, "rules", NULL },
		{ PW, "rules", "frob", NULL },
		{ PW, "rules", "check", "--no-defaults=1", NULL },
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
		cmocka_unit_test(test_check_one_file_in_context),
		cmocka_unit_test(test_check_edited_copy),
		cmocka_unit_test(test_check_no_coverage),
		cmocka_unit_test(test_list_layers),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_bad_command_lines),
	};

	h_init(argv[0]);
	return cmocka_run_group_tests_name("cli: privwatch rules", tests, NULL, NULL);
}
