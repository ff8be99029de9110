// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A container's records wait for its facts (agent/pipeline.c with the
 * host-reading worker): records of a container whose runtime state and
 * posture are on their way are held, then go in order once the facts are
 * applied, with the posture; past the bound (512 records) they go at once
 * with what is known, marked "facts":"pending", and nothing is lost. The
 * records are made here (a docker-shaped cgroup, execs by this very
 * process, so its posture is really measured); the event lines are read
 * back from a file sink.
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
#include "events.h"
#include "pipeline.h"

static char dir[] = "/tmp/pw-hold-unit.XXXXXX";
static char out[64];

static int setup(void **state)
{
	if (!mkdtemp(dir))
		return -1;
	snprintf(out, sizeof(out), "%s/out.json", dir);
	return 0;
}

static int teardown(void **state)
{
	unlink(out);
	rmdir(dir);
	return 0;
}

static void mkdir_record(struct pw_pipeline *p, uint64_t id, const char *path)
{
	struct pw_cgroup_event e = {};

	e.hdr.type = PW_EVENT_CGROUP_MKDIR;
	e.hdr.size = sizeof(e);
	e.hdr.cgroup_id = 1;
	e.hdr.pid = 1;
	snprintf(e.hdr.comm, sizeof(e.hdr.comm), "dockerd");
	e.id = id;
	e.parent_id = 1;
	snprintf(e.path, sizeof(e.path), "%s", path);
	pw_pipeline_event(p, pw_event_kind(e.hdr.type), &e.hdr);
}

/* An exec by this process in cgroup id, numbered n in its argv. */
static void exec_record(struct pw_pipeline *p, uint64_t id, int n)
{
	static struct pw_exec_event e;
	int len;

	memset(&e, 0, sizeof(e));
	e.hdr.type = PW_EVENT_EXEC;
	e.hdr.size = sizeof(e);
	e.hdr.cgroup_id = id;
	e.hdr.pid = e.hdr.tid = getpid();
	e.hdr.ts_ns = 1000 + n;
	snprintf(e.hdr.comm, sizeof(e.hdr.comm), "sh");
	e.ppid = getppid();
	len = snprintf(e.filename, sizeof(e.filename), "/bin/sh");
	e.filename_len = len;
	len = snprintf(e.args, sizeof(e.args), "sh%c%d", 0, n) + 1;
	e.args_len = len;
	e.args_count = 2;
	pw_pipeline_event(p, pw_event_kind(e.hdr.type), &e.hdr);
}

static void start(struct pw_pipeline *p, struct pw_sinks **s)
{
	struct pw_pipeline_opts o = { .events = 1, .host_worker = 1, .hold_ns = 60000000000ULL };
	char err[512], spec[128];

	unlink(out);
	*s = pw_sinks_new();
	assert_non_null(*s);
	snprintf(spec, sizeof(spec), "file:%s", out);
	assert_int_equal(pw_sinks_add(*s, spec, err, sizeof(err)), 0);
	assert_int_equal(pw_sinks_start(*s, err, sizeof(err)), 0);
	assert_int_equal(pw_pipeline_init(p, &o, *s, err, sizeof(err)), 0);
}

/* Poll until the container of cgroup id has every fact, at most 5 s. */
static void wait_facts(struct pw_pipeline *p, uint64_t id)
{
	int i;

	for (i = 0; i < 500; i++) {
		struct pw_ct_container *c;

		pw_pipeline_host_poll(p, pw_hw_now_ns());
		c = pw_ctable_lookup(&p->table, id);
		assert_non_null(c);
		if (!c->facts_pending)
			return;
		usleep(10000);
	}
	fail_msg("the facts of cgroup %llu never arrived", (unsigned long long)id);
}

struct line {
	int n; /* argv[1] */
	char mode[16], facts[16];
};

/* The exec lines of cgroup id in the sink, in order. */
static int read_execs(uint64_t id, struct line *v, int max)
{
	char buf[1 << 16];
	FILE *f = fopen(out, "re");
	int n = 0;

	assert_non_null(f);
	while (fgets(buf, sizeof(buf), f)) {
		json_t *j = json_loads(buf, 0, NULL), *c, *args;
		const char *s;

		assert_non_null(j);
		c = json_object_get(j, "container");
		if (strcmp(json_string_value(json_object_get(j, "kind")) ?: "", "exec") ||
		    json_integer_value(json_object_get(j, "cgroup_id")) != (json_int_t)id) {
			json_decref(j);
			continue;
		}
		assert_true(n < max);
		assert_true(json_is_object(c));
		args = json_object_get(j, "argv");
		v[n].n = atoi(json_string_value(json_array_get(args, 1)) ?: "-1");
		snprintf(v[n].mode, sizeof(v[n].mode), "%s",
			 json_string_value(json_object_get(c, "mode")) ?: "");
		s = json_string_value(json_object_get(c, "facts"));
		snprintf(v[n].facts, sizeof(v[n].facts), "%s", s ? s : "");
		n++;
		json_decref(j);
	}
	fclose(f);
	return n;
}

#define CTR_A "/docker/aaaa00000000000000000000000000000000000000000000000000000000aaaa"
#define CTR_B "/docker/bbbb00000000000000000000000000000000000000000000000000000000bbbb"

static void test_records_wait_for_the_posture(void **state)
{
	static struct line v[64];
	struct pw_pipeline p;
	struct pw_sinks *s;
	int i, n;

	start(&p, &s);
	mkdir_record(&p, 5000, CTR_A);
	/* the entrypoint, then ten more: none may go before the posture */
	for (i = 0; i <= 10; i++)
		exec_record(&p, 5000, i);
	pw_sinks_flush(s);
	assert_int_equal(read_execs(5000, v, 64), 0);
	assert_int_equal(p.holds.held, 11);
	wait_facts(&p, 5000);
	pw_sinks_flush(s);
	n = read_execs(5000, v, 64);
	assert_int_equal(n, 11);
	for (i = 0; i < n; i++) {
		assert_int_equal(v[i].n, i); /* in order */
		assert_string_not_equal(v[i].mode, "unknown");
		assert_string_equal(v[i].facts, "");
	}
	assert_int_equal(p.holds.with_facts, 11);
	assert_int_equal(p.held_bytes, 0);
	pw_pipeline_free(&p);
	pw_sinks_close(s, 0);
}

static void test_past_the_bound_they_go_marked(void **state)
{
	static struct line v[700];
	struct pw_pipeline p;
	struct pw_sinks *s;
	int i, n, total = PW_HOLD_RECORDS + 88;

	start(&p, &s);
	mkdir_record(&p, 6000, CTR_B);
	for (i = 0; i < total; i++)
		exec_record(&p, 6000, i);
	/* the bound reached: the held ones went, the rest straight on */
	assert_int_equal(p.holds.held, PW_HOLD_RECORDS);
	assert_int_equal(p.holds.past_count, PW_HOLD_RECORDS);
	wait_facts(&p, 6000);
	exec_record(&p, 6000, total); /* after the facts: measured, not marked */
	pw_sinks_flush(s);
	n = read_execs(6000, v, 700);
	assert_int_equal(n, total + 1); /* nothing lost */
	for (i = 0; i < total; i++) {
		assert_int_equal(v[i].n, i);
		assert_string_equal(v[i].mode, "unknown");
		assert_string_equal(v[i].facts, "pending");
	}
	assert_int_equal(v[total].n, total);
	assert_string_not_equal(v[total].mode, "unknown");
	assert_string_equal(v[total].facts, "");
	pw_pipeline_free(&p);
	pw_sinks_close(s, 0);
}

/* The time bound: held records go when it passes, marked. */
static void test_time_bound(void **state)
{
	struct pw_pipeline_opts o = { .events = 1, .host_worker = 1, .hold_ns = 1 };
	static struct line v[8];
	struct pw_pipeline p;
	struct pw_sinks *s;
	char err[512], spec[128];

	unlink(out);
	s = pw_sinks_new();
	snprintf(spec, sizeof(spec), "file:%s", out);
	assert_int_equal(pw_sinks_add(s, spec, err, sizeof(err)), 0);
	assert_int_equal(pw_sinks_start(s, err, sizeof(err)), 0);
	assert_int_equal(pw_pipeline_init(&p, &o, s, err, sizeof(err)), 0);
	mkdir_record(&p, 7000, CTR_A);
	exec_record(&p, 7000, 0);
	assert_int_equal(p.holds.held, 1);
	usleep(1000);
	/* past the bound at this poll, whether or not the answer is in yet */
	pw_pipeline_host_poll(&p, pw_hw_now_ns());
	assert_int_equal(p.holds.past_time + p.holds.with_facts, 1);
	pw_sinks_flush(s);
	assert_int_equal(read_execs(7000, v, 8), 1);
	pw_pipeline_free(&p);
	pw_sinks_close(s, 0);
}

/* Shapes only runtime state can tell (containerd's /<namespace>/<id>) are
 * not looked up on the event thread: the cgroup waits pending, its records
 * with it, until the worker says. Then a container (its first exec starts
 * it, posture measured) or the host's. */
static void test_identified_by_the_worker(void **state)
{
	static struct line v[8];
	char roots[4200], cwd[4096];
	struct pw_pipeline p;
	struct pw_sinks *s;
	int i;

	assert_non_null(getcwd(cwd, sizeof(cwd)));
	snprintf(roots, sizeof(roots), "%s/tests/fixtures/root", cwd);
	setenv("PRIVWATCH_STATE_ROOTS", roots, 1); /* its run/containerd has default/web1 */
	start(&p, &s);
	mkdir_record(&p, 8000, "/default/web1");
	mkdir_record(&p, 8001, "/pw-not-a-namespace/nothing");
	assert_null(pw_ctable_lookup(&p.table, 8000)); /* not known yet */
	assert_non_null(pw_ctable_find(&p.table, 8000));
	exec_record(&p, 8000, 0);
	exec_record(&p, 8001, 0);
	assert_int_equal(p.holds.held, 2);
	for (i = 0;
	     i < 500 && (p.holds.held > p.holds.with_facts || !pw_ctable_lookup(&p.table, 8000) ||
			 pw_ctable_lookup(&p.table, 8000)->facts_pending);
	     i++) {
		pw_pipeline_host_poll(&p, pw_hw_now_ns());
		usleep(10000);
	}
	pw_sinks_flush(s);
	assert_non_null(pw_ctable_lookup(&p.table, 8000));
	assert_string_equal(pw_ctable_lookup(&p.table, 8000)->ref.id, "web1");
	assert_int_equal(pw_ctable_lookup(&p.table, 8000)->phase, PW_PHASE_STARTED);
	assert_null(pw_ctable_find(&p.table, 8001)); /* none: forgotten */
	assert_int_equal(read_execs(8000, v, 8), 1);
	assert_string_not_equal(v[0].mode, "unknown");
	assert_string_equal(v[0].facts, "");
	/* the other went as the host's: container null, not lost */
	{
		char buf[1 << 16];
		FILE *f = fopen(out, "re");
		int host = 0;

		assert_non_null(f);
		while (fgets(buf, sizeof(buf), f))
			host += strstr(buf, "\"cgroup_id\":8001") &&
				strstr(buf, "\"container\":null");
		fclose(f);
		assert_int_equal(host, 1);
	}
	unsetenv("PRIVWATCH_STATE_ROOTS");
	pw_pipeline_free(&p);
	pw_sinks_close(s, 0);
}

/* An identification given up on (a read past the deadline: here any read,
 * the deadline being 1 ns) that comes back late still decides: the cgroup
 * is a container from then on, not forgotten as the host's for good. */
static void test_identified_late(void **state)
{
	struct pw_pipeline_opts o = {
		.events = 1, .host_worker = 1, .hold_ns = 60000000000ULL, .read_deadline_ns = 1
	};
	char roots[4200], cwd[4096], err[512], spec[128];
	struct pw_pipeline p;
	struct pw_sinks *s;
	uint64_t id = 8100;
	int i, late = 0;

	assert_non_null(getcwd(cwd, sizeof(cwd)));
	snprintf(roots, sizeof(roots), "%s/tests/fixtures/root", cwd);
	setenv("PRIVWATCH_STATE_ROOTS", roots, 1); /* its run/containerd has default/web1 */
	unlink(out);
	s = pw_sinks_new();
	snprintf(spec, sizeof(spec), "file:%s", out);
	assert_int_equal(pw_sinks_add(s, spec, err, sizeof(err)), 0);
	assert_int_equal(pw_sinks_start(s, err, sizeof(err)), 0);
	assert_int_equal(pw_pipeline_init(&p, &o, s, err, sizeof(err)), 0);
	/* A worker quicker than the poll is not given up: try again, until
	 * the identification (not a later posture read) is the one timed out. */
	for (; id < 8600 && !late; id++) {
		uint64_t before = p.holds.read_timeouts;
		struct pw_ct_container *c;

		mkdir_record(&p, id, "/default/web1");
		exec_record(&p, id, 0);
		for (i = 0; i < 100000 && (c = pw_ctable_find(&p.table, id)) && c->pending; i++) {
			pw_pipeline_host_poll(&p, pw_hw_now_ns() + 1000000000);
			if (p.holds.read_timeouts > before && (c = pw_ctable_find(&p.table, id)) &&
			    c->pending) {
				late = 1;
				break;
			}
		}
	}
	assert_true(late);
	id--;
	for (i = 0; i < 500 && !pw_ctable_lookup(&p.table, id); i++) {
		pw_pipeline_host_poll(&p, pw_hw_now_ns());
		usleep(10000);
	}
	assert_non_null(pw_ctable_lookup(&p.table, id));
	assert_string_equal(pw_ctable_lookup(&p.table, id)->ref.id, "web1");
	unsetenv("PRIVWATCH_STATE_ROOTS");
	pw_pipeline_free(&p);
	pw_sinks_close(s, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_records_wait_for_the_posture),
		cmocka_unit_test(test_past_the_bound_they_go_marked),
		cmocka_unit_test(test_time_bound),
		cmocka_unit_test(test_identified_by_the_worker),
		cmocka_unit_test(test_identified_late),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
