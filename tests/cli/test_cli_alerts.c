// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * CLI tier, privwatch run with rules as a user runs it: alerts (not events)
 * by default, identical alerts folded into one with a count, SIGHUP
 * reloads, a bad set on reload keeps the running one, and bad rule paths,
 * rule ids and outputs are refused with an error that names them.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <jansson.h>
#include "harness.h"

#define PW h_privwatch()

static char dir[PATH_MAX], rules[PATH_MAX], link_path[PATH_MAX];

/* One rule: an exec on the host whose basename is workload or wl. */
static void write_rules(const char *id, const char *text)
{
	FILE *f = fopen(rules, "w");

	assert_non_null(f);
	if (text)
		fputs(text, f);
	else
		fprintf(f,
			"{\"rules\": [{\"id\": \"%s\", \"title\": \"test exec\", \"description\": \"d\","
			" \"remediation\": \"check the workload\", \"severity\": \"high\", \"tags\": [\"T1059\"],"
			" \"condition\": {\"all\": [{\"kind\": \"exec\"}, {\"basename\": [\"workload\", \"wl\"]},"
			" {\"container.mode\": \"host\"}]},"
			" \"output\": \"{proc.comm} ran {path}\"}]}\n",
			id);
	assert_int_equal(fclose(f), 0);
}

static int setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/pw-cli-alerts.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(rules, sizeof(rules), "%s/test.json", dir);
	snprintf(link_path, sizeof(link_path), "%s/wl", dir);
	return symlink(h_workload(), link_path);
}

static int teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

static json_t *parse(const char *line)
{
	json_error_t e;
	json_t *j = json_loads(line, 0, &e);

	if (!j)
		fail_msg("not JSON (%s): %s", e.text, line);
	return j;
}

static const char *str_at(json_t *j, const char *a, const char *b)
{
	json_t *o = json_object_get(j, a);

	return json_string_value(b ? json_object_get(o, b) : o);
}

static json_int_t int_at(json_t *j, const char *a, const char *b)
{
	return json_integer_value(json_object_get(json_object_get(j, a), b));
}

/* The next alert line within ms; every line until then must be an alert. */
static json_t *next_alert(struct h_proc *p, int ms)
{
	char line[1 << 16];
	json_t *j;

	while (h_proc_line(p, line, sizeof(line), ms) == 0) {
		j = parse(line);
		if (!strcmp(str_at(j, "schema", NULL), "privwatch.alert/1"))
			return j;
		assert_string_not_equal(str_at(j, "schema", NULL), "privwatch.event/1");
		json_decref(j);
	}
	return NULL;
}

static void run_in(const char *cg, const char *exe)
{
	char *argv[] = { (char *)exe, "noop", NULL };

	assert_int_equal(h_run(cg, argv), 0);
}

static void test_alerts_fold_and_reload(void **state)
{
	char cg[PATH_MAX], line[1 << 16], first_id[64];
	struct h_proc p;
	uint64_t cg_id;
	json_t *j, *summary = NULL, *final = NULL;

	write_rules("PW-T001", NULL);
	assert_int_equal(h_cgroup_create(NULL, "privwatch-alerts", cg, sizeof(cg), &cg_id), 0);
	char *argv[] = { (char *)PW,	     "run", "--http",	"none", "--lock-file",	 "none",
			 "--rules",	     dir,   "--cgroup", cg,	"--fold-window", "60",
			 "--stats-interval", "0",   NULL };
	assert_int_equal(h_proc_start(&p, argv), 0);
	assert_int_equal(h_proc_line(&p, line, sizeof(line), h_start_wait_ms()), 0);
	j = parse(line);
	assert_string_equal(str_at(j, "schema", NULL), "privwatch.start/1");
	assert_int_equal(int_at(j, "rules", "loaded"), 1);
	json_decref(j);

	/* Three identical execs: one alert now, the two repeats folded. */
	run_in(cg, h_workload());
	run_in(cg, h_workload());
	run_in(cg, h_workload());
	j = next_alert(&p, 2000);
	assert_non_null(j);
	assert_string_equal(str_at(j, "rule", "id"), "PW-T001");
	assert_string_equal(str_at(j, "rule", "severity"), "high");
	assert_string_equal(str_at(j, "event", "kind"), "exec");
	assert_string_equal(str_at(j, "process", "exe"), h_workload());
	assert_true(json_is_null(json_object_get(j, "container")));
	assert_int_equal(json_integer_value(json_object_get(j, "count")), 1);
	snprintf(line, sizeof(line), "workload ran %s", h_workload());
	assert_string_equal(str_at(j, "summary", NULL), line);
	/* What on-call needs: an id, the rule's text and where it is documented. */
	assert_int_equal(strlen(str_at(j, "id", NULL)), 36);
	snprintf(first_id, sizeof(first_id), "%s", str_at(j, "id", NULL));
	assert_string_equal(str_at(j, "rule", "description"), "d");
	assert_string_equal(str_at(j, "rule", "remediation"), "check the workload");
	assert_string_equal(str_at(j, "rule", "reference"), "docs/rule-reference.md#pw-t001");
	json_decref(j);
	assert_null(next_alert(&p, 500));

	/* A broken file on reload: reported, the running set stays. */
	write_rules(NULL, "{ \"rules\": [ broken");
	assert_int_equal(kill(p.pid, SIGHUP), 0);
	usleep(1000000);       /* the reload, even in the emulated VM */
	run_in(cg, link_path); /* another target: not a repeat */
	j = next_alert(&p, 2000);
	assert_non_null(j);
	assert_string_equal(str_at(j, "rule", "id"), "PW-T001");
	assert_string_equal(str_at(j, "event", "basename"), "wl");
	json_decref(j);

	/* A good file on reload: the new set runs. */
	write_rules("PW-T002", NULL);
	assert_int_equal(kill(p.pid, SIGHUP), 0);
	usleep(1000000); /* the reload, even in the emulated VM */
	run_in(cg, link_path);
	j = next_alert(&p, 2000);
	assert_non_null(j);
	assert_string_equal(str_at(j, "rule", "id"), "PW-T002");
	json_decref(j);

	/* At exit, the open window's repeats are written with their count. */
	assert_int_equal(h_proc_stop(&p, SIGINT), 0);
	while (h_proc_line(&p, line, sizeof(line), 1000) == 0) {
		j = parse(line);
		if (!strcmp(str_at(j, "schema", NULL), "privwatch.alert/1")) {
			assert_null(summary);
			summary = j;
		} else if (!strcmp(str_at(j, "schema", NULL), "privwatch.stats/1")) {
			final = j;
		} else {
			json_decref(j);
		}
	}
	assert_non_null(summary);
	assert_string_equal(str_at(summary, "rule", "id"), "PW-T001");
	assert_int_equal(json_integer_value(json_object_get(summary, "count")), 2);
	/* the summary is an alert of its own: its own id */
	assert_int_equal(strlen(str_at(summary, "id", NULL)), 36);
	assert_string_not_equal(str_at(summary, "id", NULL), first_id);
	/* The repeats' evidence: the two processes behind them, each once. */
	{
		json_t *by = json_object_get(summary, "repeated_by");
		size_t i;

		assert_true(json_is_array(by));
		assert_int_equal(json_array_size(by), 2);
		for (i = 0; i < 2; i++) {
			json_t *e = json_array_get(by, i);

			assert_true(json_integer_value(json_object_get(e, "pid")) > 0);
			assert_string_equal(json_string_value(json_object_get(e, "exe")),
					    h_workload());
			assert_true(json_is_array(json_object_get(e, "argv")));
			assert_int_equal(json_integer_value(json_object_get(e, "count")), 1);
		}
		assert_true(json_integer_value(json_object_get(json_array_get(by, 0), "pid")) !=
			    json_integer_value(json_object_get(json_array_get(by, 1), "pid")));
		assert_int_equal(json_integer_value(json_object_get(summary, "repeated_by_others")),
				 0);
	}
	assert_non_null(final);
	assert_int_equal(int_at(final, "rules", "reloads"), 1);
	assert_int_equal(int_at(final, "rules", "reload_failures"), 1);
	assert_int_equal(int_at(final, "alerts", "matched"), 5);
	assert_int_equal(int_at(final, "alerts", "written"), 4);
	assert_int_equal(int_at(final, "alerts", "folded"), 2);
	assert_int_equal(json_integer_value(json_object_get(final, "dropped_total")), 0);
	json_decref(summary);
	json_decref(final);
	assert_int_equal(h_cgroup_remove(cg), 0);
}

/* Each refused at start with an error naming what is wrong. */
static void test_bad_rules_and_options(void **state)
{
	char out[4096], err[4096], bad[PATH_MAX], empty[PATH_MAX], off[PATH_MAX], bad_ov[PATH_MAX];
	struct {
		const char *args[4];
		int status;
		const char *says;
	} cases[] = {
		{ { "--rules", "/nonexistent/rules" },
		  1,
		  "--rules (key \"rules\") /nonexistent/rules: " },
		{ { "--rules", bad }, 1, "$.rules[0].condition.kind" },
		{ { "--rules", bad }, 1, "PW-BAD1" },
		{ { "--rules", "rules", "--disable-rule", "PW-NOPE" }, 1, "PW-NOPE" },
		{ { "--no-rules", "--rules", "rules" }, 2, "--no-rules" },
		/* never silently without coverage */
		{ { "--rules", empty }, 1, "no rule files (*.json) in this directory" },
		{ { "--rules", "rules", "--rules", off }, 1, "no rule enabled" },
		/* a local layer's mistake names its file and rule */
		{ { "--rules", "rules", "--rules", bad_ov }, 1, "no rule 'PW-0999' to override" },
		{ { "--format", "xml" }, 2, "xml" },
		{ { "--output", "bogus:x" }, 2, "bogus" },
		{ { "--fold-window", "-1" }, 2, "--fold-window" },
	};
	size_t i;
	FILE *f;

	snprintf(bad, sizeof(bad), "%s/bad.json", dir);
	f = fopen(bad, "w");
	assert_non_null(f);
	fputs("{\"rules\": [{\"id\": \"PW-BAD1\", \"title\": \"t\", \"description\": \"d\","
	      " \"severity\": \"low\", \"condition\": {\"kind\": \"opne\"}}]}\n",
	      f);
	fclose(f);
	snprintf(empty, sizeof(empty), "%s/empty", dir);
	assert_int_equal(mkdir(empty, 0700), 0);
	/* A local file that disables every shipped rule. */
	snprintf(off, sizeof(off), "%s/off.json", dir);
	{
		static char list[1 << 16];
		char *lv[] = { (char *)PW, "rules", "list", "rules", NULL }, *line, *save;
		int n = 0;

		assert_int_equal(h_capture(lv, list, sizeof(list), err, sizeof(err)), 0);
		f = fopen(off, "w");
		assert_non_null(f);
		fputs("{\"overrides\": [", f);
		for (line = strtok_r(list, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			if (line[0] == ' ')
				continue;
			fprintf(f, "%s{\"id\": \"%.*s\", \"enabled\": false}", n++ ? ", " : "",
				(int)strcspn(line, " "), line);
		}
		fputs("]}\n", f);
		fclose(f);
		assert_true(n > 20);
	}
	snprintf(bad_ov, sizeof(bad_ov), "%s/90-local.json", dir);
	f = fopen(bad_ov, "w");
	assert_non_null(f);
	fputs("{\"overrides\": [{\"id\": \"PW-0999\", \"enabled\": false}]}\n", f);
	fclose(f);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *argv[12] = { (char *)PW, "run", "--http", "none", "--lock-file", "none" };
		int k;

		for (k = 0; k < 4 && cases[i].args[k]; k++)
			argv[6 + k] = (char *)cases[i].args[k];
		assert_int_equal(h_capture(argv, out, sizeof(out), err, sizeof(err)),
				 cases[i].status);
		if (!strstr(err, cases[i].says))
			fail_msg("case %zu: stderr does not name '%s': %s", i, cases[i].says, err);
		if (cases[i].status == 1 && strstr(cases[i].args[1], "bad") &&
		    !strstr(err, "bad.json"))
			fail_msg("case %zu: stderr does not name the file: %s", i, err);
		if (cases[i].args[3] == bad_ov && !strstr(err, "90-local.json: rule PW-0999: "))
			fail_msg("case %zu: stderr does not name file and rule: %s", i, err);
		assert_null(strstr(out, "privwatch.start/1")); /* refused before starting */
	}
	unlink(bad);
	unlink(off);
	unlink(bad_ov);
	rmdir(empty);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alerts_fold_and_reload),
		cmocka_unit_test(test_bad_rules_and_options),
	};

	h_init(argv[0]);
	return cmocka_run_group_tests_name("cli: privwatch run with rules", tests, setup, teardown);
}
