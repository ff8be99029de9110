// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Rules on lineage through the pipeline (agent/pipeline.c, process_view):
 * an exec by this very process, inline (the table reads /proc for what it
 * has not seen), is tested against proc.parent.* and proc.ancestor.* with
 * this process's real parent.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "events.h"
#include "pipeline.h"

static char dir[] = "/tmp/pw-lineage-unit.XXXXXX";

static int setup(void **state)
{
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

/* Matches of one rule with condition cond on an exec by this process. */
static uint64_t exec_matches(const char *cond)
{
	char rules[160], spec[192], err[512];
	const char *paths[] = { rules };
	struct pw_pipeline_opts o = { .rules_paths = paths, .nrules_paths = 1 };
	static struct pw_exec_event e;
	struct pw_pipeline p;
	struct pw_sinks *s = pw_sinks_new();
	uint64_t n;
	FILE *f;

	snprintf(rules, sizeof(rules), "%s/r.json", dir);
	f = fopen(rules, "w");
	assert_non_null(f);
	fprintf(f,
		"{\"rules\": [{\"id\": \"L-1\", \"title\": \"t\", \"description\": \"d\","
		" \"severity\": \"low\", \"condition\": {\"all\": [{\"kind\": \"exec\"}, %s]}}]}",
		cond);
	fclose(f);
	assert_non_null(s);
	snprintf(spec, sizeof(spec), "file:%s/out.json", dir);
	assert_int_equal(pw_sinks_add(s, spec, err, sizeof(err)), 0);
	assert_int_equal(pw_sinks_start(s, err, sizeof(err)), 0);
	if (pw_pipeline_init(&p, &o, s, err, sizeof(err)))
		fail_msg("%s", err);
	memset(&e, 0, sizeof(e));
	e.hdr.type = PW_EVENT_EXEC;
	e.hdr.size = sizeof(e);
	e.hdr.pid = e.hdr.tid = getpid();
	snprintf(e.hdr.comm, sizeof(e.hdr.comm), "sh");
	e.ppid = getppid();
	e.filename_len = snprintf(e.filename, sizeof(e.filename), "/bin/sh");
	pw_pipeline_event(&p, pw_event_kind(e.hdr.type), &e.hdr);
	n = p.alerts.matched;
	pw_pipeline_free(&p);
	pw_sinks_close(s, 0);
	return n;
}

static void test_parent_and_ancestors(void **state)
{
	char path[64], comm[64] = "", exe[4096], cond[8300];
	ssize_t len;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/comm", getppid());
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(comm, sizeof(comm), f));
	fclose(f);
	comm[strcspn(comm, "\n")] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/exe", getppid());
	len = readlink(path, exe, sizeof(exe) - 1);
	assert_true(len > 0);
	exe[len] = '\0';

	snprintf(cond, sizeof(cond), "{\"proc.parent.comm\": \"%s\"}", comm);
	assert_int_equal(exec_matches(cond), 1);
	snprintf(cond, sizeof(cond), "{\"proc.parent.exe\": \"%s\"}", exe);
	assert_int_equal(exec_matches(cond), 1);
	snprintf(cond, sizeof(cond), "{\"proc.ancestor.comm\": \"%s\"}", comm);
	assert_int_equal(exec_matches(cond), 1);
	assert_int_equal(exec_matches("{\"proc.parent.comm\": \"no-such-parent\"}"), 0);
	assert_int_equal(exec_matches("{\"proc.ancestor.exe\": \"/no/such/ancestor\"}"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parent_and_ancestors),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
