// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Container starts reported once, not again at every restart of the agent
 * (--state-file, agent/daemon/started_state.c): the set saved and read
 * back, bounded, replaced atomically, a broken file an empty set; then the
 * pipeline twice over the same running container: the second run does not
 * evaluate its start again, a container restarted meanwhile (new init) is.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <jansson.h>
#include "daemon/started_state.h"
#include "events.h"
#include "pipeline.h"

static char dir[] = "/tmp/pw-started-unit.XXXXXX";
static char path[128];

static int setup(void **state)
{
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/started.json", dir);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

static void write_text(const char *p, const char *text)
{
	FILE *f = fopen(p, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_saved_and_read_back(void **state)
{
	struct pw_started *s;
	char tmp[160];
	json_t *j;

	unlink(path);
	s = pw_started_open(path); /* no file: an empty set, no error */
	assert_non_null(s);
	assert_false(pw_started_known(s, "a:1"));
	pw_started_note(s, "a:1");
	pw_started_note(s, "b:2");
	pw_started_note(s, "a:1");
	assert_false(pw_started_known(s, "a:1")); /* known: by the last run only */
	assert_int_equal(pw_started_save(s, 1), 0);
	pw_started_free(s);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	assert_int_equal(access(tmp, F_OK), -1); /* renamed into place */
	j = json_load_file(path, 0, NULL);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "schema")), "privwatch.started/1");
	assert_int_equal(json_array_size(json_object_get(j, "started")), 2);
	json_decref(j);

	/* The next run: both known; until settled the unseen one is kept. */
	s = pw_started_open(path);
	assert_true(pw_started_known(s, "a:1"));
	assert_true(pw_started_known(s, "b:2"));
	assert_false(pw_started_known(s, "a:2"));
	pw_started_note(s, "a:1");
	pw_started_note(s, "c:3");
	assert_int_equal(pw_started_count(s), 3);
	/* Everything running is found: b is gone, and leaves the file. */
	pw_started_settled(s);
	assert_int_equal(pw_started_count(s), 2);
	assert_int_equal(pw_started_save(s, 1), 0);
	pw_started_free(s);
	s = pw_started_open(path);
	assert_true(pw_started_known(s, "a:1"));
	assert_false(pw_started_known(s, "b:2"));
	assert_true(pw_started_known(s, "c:3"));
	pw_started_free(s);
}

static void test_bounded_and_broken(void **state)
{
	struct pw_started *s;
	char key[64];
	int i;

	unlink(path);
	s = pw_started_open(path);
	for (i = 0; i < PW_STARTED_MAX + 100; i++) {
		snprintf(key, sizeof(key), "c%d:%d", i, i);
		pw_started_note(s, key);
	}
	assert_int_equal(pw_started_count(s), PW_STARTED_MAX);
	pw_started_free(s);

	/* Broken files: an empty set (a warning), never a failure. */
	write_text(path, "{\"schema\": \"privwatch.started/1\", \"started\": [");
	s = pw_started_open(path);
	assert_non_null(s);
	assert_int_equal(pw_started_count(s), 0);
	pw_started_free(s);
	write_text(path, "{\"schema\": \"other/1\", \"started\": [\"a:1\"]}");
	s = pw_started_open(path);
	assert_false(pw_started_known(s, "a:1"));
	pw_started_free(s);
	write_text(path, "{\"schema\": \"privwatch.started/1\", \"started\": [\"a:1\", 3, null]}");
	s = pw_started_open(path);
	assert_true(pw_started_known(s, "a:1"));
	pw_started_free(s);

	/* A directory that cannot take the file: -errno, the old one stays. */
	{
		char bad[192];

		snprintf(bad, sizeof(bad), "%s/nodir/started.json", dir);
		s = pw_started_open(bad);
		pw_started_note(s, "a:1");
		assert_int_equal(pw_started_save(s, 1), -ENOENT);
		pw_started_free(s);
	}
}

/* The pipeline, inline (no worker): a docker-shaped cgroup, its entrypoint
 * an exec by pid; the rule fires on container_start. */
static void run_once(const char *rules, uint32_t pid, uint64_t *matched, uint64_t *known)
{
	const char *paths[] = { rules };
	struct pw_pipeline_opts o = {
		.rules_paths = paths, .nrules_paths = 1, .state_file = path, .fold_window_ns = 0
	};
	struct pw_cgroup_event m = {};
	static struct pw_exec_event e;
	struct pw_pipeline p;
	struct pw_sinks *s = pw_sinks_new();
	char err[512], spec[192];

	assert_non_null(s);
	snprintf(spec, sizeof(spec), "file:%s/out.json", dir);
	assert_int_equal(pw_sinks_add(s, spec, err, sizeof(err)), 0);
	assert_int_equal(pw_sinks_start(s, err, sizeof(err)), 0);
	if (pw_pipeline_init(&p, &o, s, err, sizeof(err)))
		fail_msg("%s", err);
	m.hdr.type = PW_EVENT_CGROUP_MKDIR;
	m.hdr.size = sizeof(m);
	m.hdr.cgroup_id = 1;
	m.hdr.pid = 1;
	m.id = 6000;
	m.parent_id = 1;
	snprintf(m.path, sizeof(m.path),
		 "/docker/cccc00000000000000000000000000000000000000000000000000000000cccc");
	pw_pipeline_event(&p, pw_event_kind(m.hdr.type), &m.hdr);
	memset(&e, 0, sizeof(e));
	e.hdr.type = PW_EVENT_EXEC;
	e.hdr.size = sizeof(e);
	e.hdr.cgroup_id = 6000;
	e.hdr.pid = e.hdr.tid = pid;
	snprintf(e.hdr.comm, sizeof(e.hdr.comm), "sh");
	e.ppid = getppid();
	e.filename_len = snprintf(e.filename, sizeof(e.filename), "/bin/sh");
	pw_pipeline_event(&p, pw_event_kind(e.hdr.type), &e.hdr);
	*matched = p.alerts.matched;
	*known = p.starts_known;
	pw_pipeline_free(&p);
	pw_sinks_close(s, 0);
}

static void test_pipeline_reports_a_start_once(void **state)
{
	char rules[160];
	uint64_t matched, known;

	unlink(path);
	snprintf(rules, sizeof(rules), "%s/rules.json", dir);
	write_text(rules, "{\"rules\": [{\"id\": \"S-1\", \"title\": \"started\", \"description\": "
			  "\"d\", \"severity\": \"low\", \"condition\": {\"kind\": "
			  "\"container_start\"}}]}");
	run_once(rules, getpid(), &matched, &known);
	assert_int_equal(matched, 1);
	assert_int_equal(known, 0);
	/* The agent restarts: the same container, the same init. */
	run_once(rules, getpid(), &matched, &known);
	assert_int_equal(matched, 0);
	assert_int_equal(known, 1);
	/* And again: still remembered (it was noted by the second run). */
	run_once(rules, getpid(), &matched, &known);
	assert_int_equal(matched, 0);
	/* Restarted meanwhile: a new init is a new start. */
	run_once(rules, getppid(), &matched, &known);
	assert_int_equal(matched, 1);
	assert_int_equal(known, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_saved_and_read_back),
		cmocka_unit_test(test_bounded_and_broken),
		cmocka_unit_test(test_pipeline_reports_a_start_once),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
