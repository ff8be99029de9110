// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * CLI tier, the configuration file as a user runs it: privwatch run takes
 * its settings from --config (the command line wins), config check prints
 * the effective configuration and exits 2 naming the file and key of an
 * error, and SIGHUP reloads the file under a steady flow of events without
 * losing one: every event the workload made arrives, the loss counters are
 * zero, a bad file keeps everything running, a restart-only key is
 * reported as such.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <cmocka.h>
#include <jansson.h>
#include "harness.h"

#define PW	   h_privwatch()
#define N_RELOADS  40
#define PER_BATCH  500 /* opens of a sysfs file: one record each, never folded */
#define N_EVENTS   (N_RELOADS * PER_BATCH)
#define SYSFS_FILE "/sys/kernel/mm/transparent_hugepage/enabled"

static char dir[PATH_MAX], conf[PATH_MAX];

static int setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/pw-cli-config.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(conf, sizeof(conf), "%s/privwatch.json", dir);
	return 0;
}

static int teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

static void write_conf(const char *fmt, ...)
{
	FILE *f = fopen(conf, "w");
	va_list ap;

	assert_non_null(f);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	assert_int_equal(fclose(f), 0);
}

static json_t *parse(const char *line)
{
	json_error_t e;
	json_t *j = json_loads(line, 0, &e);

	if (!j)
		fail_msg("not JSON (%s): %s", e.text, line);
	return j;
}

static const char *schema_of(json_t *j)
{
	const char *s = json_string_value(json_object_get(j, "schema"));

	return s ? s : "";
}

static json_int_t int_at(json_t *j, const char *a, const char *b)
{
	return json_integer_value(json_object_get(json_object_get(j, a), b));
}

static int in_array(json_t *a, const char *s)
{
	size_t i;
	json_t *e;

	json_array_foreach(a, i, e) if (!strcmp(json_string_value(e), s)) return 1;
	return 0;
}

struct flow {
	pid_t pids[N_RELOADS];
	int npids;
	long events; /* the workloads' opens of SYSFS_FILE */
	int reloads_ok, reloads_failed, restart_reported;
	json_t *final;
};

/* One line of the agent's stdout, counted. Returns 1 for a reload record. */
static int take(struct flow *fl, const char *line)
{
	json_t *j = parse(line);
	const char *s = schema_of(j);
	int reload = 0;

	if (!strcmp(s, "privwatch.event/1")) {
		json_int_t pid = json_integer_value(json_object_get(j, "pid"));
		const char *path = json_string_value(json_object_get(j, "path"));
		int i;

		for (i = 0; i < fl->npids; i++)
			if (fl->pids[i] == pid && path && !strcmp(path, SYSFS_FILE))
				fl->events++;
	} else if (!strcmp(s, "privwatch.reload/1")) {
		reload = 1;
		if (json_is_true(json_object_get(j, "ok")))
			fl->reloads_ok++;
		else
			fl->reloads_failed++;
		if (in_array(json_object_get(j, "restart_required"), "ringbuf_size"))
			fl->restart_reported++;
	} else if (!strcmp(s, "privwatch.lost/1")) {
		fail_msg("records lost: %s", line);
	} else if (!strcmp(s, "privwatch.stats/1") && json_is_true(json_object_get(j, "final"))) {
		fl->final = json_incref(j);
	}
	json_decref(j);
	return reload;
}

static void test_reload_loses_nothing(void **state)
{
	char cg[PATH_MAX], line[1 << 16], err[4096];
	struct flow fl = {};
	struct h_proc p;
	uint64_t cg_id;
	int i, status;
	json_t *j;

	assert_int_equal(h_cgroup_create(NULL, "privwatch-config", cg, sizeof(cg), &cg_id), 0);
	write_conf("{\"no_rules\": true, \"events\": true, \"cgroup\": \"%s\", "
		   "\"stats_interval\": 0, \"fold_window\": 10}\n",
		   cg);
	char *argv[] = { (char *)PW, "run", "--lock-file", "none", "--config", conf, NULL };
	assert_int_equal(h_proc_start(&p, argv), 0);
	assert_int_equal(h_proc_line(&p, line, sizeof(line), h_start_wait_ms()), 0);
	j = parse(line);
	assert_string_equal(schema_of(j), "privwatch.start/1");
	json_decref(j);

	char wl[PATH_MAX], n[16];
	char *batch[] = { wl, "open-n", SYSFS_FILE, n, NULL };

	snprintf(wl, sizeof(wl), "%s_open", h_workload());
	snprintf(n, sizeof(n), "%d", PER_BATCH);
	/* A batch of opens running while each SIGHUP is handled, each SIGHUP
	 * answered by its reload record before the next: a live change, a
	 * restart-only change (ringbuf_size), a bad file. */
	for (i = 0; i < N_RELOADS; i++) {
		fl.pids[fl.npids] = h_spawn(cg, batch);
		assert_true(fl.pids[fl.npids] > 0);
		fl.npids++;
		if (i == N_RELOADS / 2)
			write_conf("{\"no_rules\": true, \"events\": true, \"cgroup\": \"%s\", "
				   "\"stats_interval\": 0, \"fold_window\": \"ten\"}\n",
				   cg);
		else
			write_conf("{\"no_rules\": true, \"events\": true, \"cgroup\": \"%s\", "
				   "\"stats_interval\": 0, \"fold_window\": %d%s}\n",
				   cg, 10 + i % 2,
				   i > N_RELOADS / 2 ? ", \"ringbuf_size\": \"16M\"" : "");
		assert_int_equal(kill(p.pid, SIGHUP), 0);
		for (;;) {
			if (h_proc_line(&p, line, sizeof(line), 5000))
				fail_msg("no reload record after SIGHUP %d", i);
			if (take(&fl, line))
				break;
		}
		assert_true(waitpid(fl.pids[i], &status, 0) == fl.pids[i]);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	/* Let the tail of the flow arrive, then stop: the final record. */
	while (fl.events < N_EVENTS && h_proc_line(&p, line, sizeof(line), 3000) == 0)
		take(&fl, line);
	assert_int_equal(h_proc_stop(&p, SIGINT), 0);
	while (h_proc_line(&p, line, sizeof(line), 2000) == 0)
		take(&fl, line);
	print_message("[   INFO   ] %ld events, %d reloads (%d refused), %d restart reports\n",
		      fl.events, fl.reloads_ok, fl.reloads_failed, fl.restart_reported);
	assert_int_equal(fl.events, N_EVENTS);
	assert_int_equal(fl.reloads_ok, N_RELOADS - 1);
	assert_int_equal(fl.reloads_failed, 1);
	assert_int_equal(fl.restart_reported, N_RELOADS / 2 - 1);
	assert_non_null(fl.final);
	assert_int_equal(json_integer_value(json_object_get(fl.final, "dropped_total")), 0);
	assert_int_equal(int_at(fl.final, "config", "reloads"), N_RELOADS - 1);
	assert_int_equal(int_at(fl.final, "config", "reload_failures"), 1);
	json_decref(fl.final);
	(void)err;
	assert_int_equal(h_cgroup_remove(cg), 0);
}

/* config check: the effective configuration, the file's errors named. */
static void test_config_check(void **state)
{
	char out[1 << 16], err[4096], dropdir[PATH_MAX + 16], bad[PATH_MAX + 32];
	char *check[] = { (char *)PW, "config", "check", conf, NULL };
	char *check_json[] = { (char *)PW, "config", "check", "--json", conf, NULL };
	FILE *f;
	json_t *j;

	write_conf(
		"{\"fold_window\": 30, \"output\": [{\"kind\": \"stdout\", \"min\": \"high\"}]}\n");
	snprintf(dropdir, sizeof(dropdir), "%s/privwatch.d", dir);
	mkdir(dropdir, 0755);
	snprintf(bad, sizeof(bad), "%s/50-node.json", dropdir);
	f = fopen(bad, "w");
	assert_non_null(f);
	fputs("{\"poll_ms\": 20}\n", f);
	fclose(f);
	assert_int_equal(h_capture(check, out, sizeof(out), err, sizeof(err)), 0);
	assert_non_null(strstr(out, "fold_window"));
	assert_non_null(strstr(out, "50-node.json"));
	assert_int_equal(h_capture(check_json, out, sizeof(out), err, sizeof(err)), 0);
	j = parse(out);
	assert_int_equal(json_integer_value(json_object_get(j, "fold_window")), 30);
	assert_int_equal(json_integer_value(json_object_get(j, "poll_ms")), 20);
	assert_string_equal(json_string_value(json_array_get(json_object_get(j, "output"), 0)),
			    "stdout,min=high");
	json_decref(j);

	/* A bad drop-in: exit 2, file and key path named. */
	f = fopen(bad, "w");
	assert_non_null(f);
	fputs("{\"output\": [\"stdout\", {\"kind\": \"xml\"}]}\n", f);
	fclose(f);
	assert_int_equal(h_capture(check, out, sizeof(out), err, sizeof(err)), 2);
	if (!strstr(err, "privwatch.d/50-node.json: output[1]") || !strstr(err, "xml"))
		fail_msg("config check does not name file and key: %s", err);
	/* privwatch run refuses it the same way, before starting. */
	{
		char *run[] = { (char *)PW, "run", "--lock-file", "none", "--config", conf, NULL };

		assert_int_equal(h_capture(run, out, sizeof(out), err, sizeof(err)), 2);
		assert_non_null(strstr(err, "50-node.json: output[1]"));
		assert_null(strstr(out, "privwatch.start/1"));
	}
	/* A named file that is missing is an error. */
	{
		char *missing[] = { (char *)PW, "config", "check", "/nonexistent/p.json", NULL };

		assert_int_equal(h_capture(missing, out, sizeof(out), err, sizeof(err)), 2);
		assert_non_null(strstr(err, "/nonexistent/p.json"));
	}
	unlink(bad);
	rmdir(dropdir);
}

/* The command line wins over the file: the start record says so. */
static void test_command_line_over_file(void **state)
{
	char cg[PATH_MAX], line[1 << 16];
	struct h_proc p;
	uint64_t cg_id;
	json_t *j;

	assert_int_equal(h_cgroup_create(NULL, "privwatch-config2", cg, sizeof(cg), &cg_id), 0);
	write_conf("{\"no_rules\": true, \"cgroup\": \"%s\", \"poll_ms\": 50, "
		   "\"stats_interval\": 0, \"ringbuf_size\": \"16M\"}\n",
		   cg);
	char *argv[] = { (char *)PW, "run",	  "--lock-file", "none", "--config",
			 conf,	     "--poll-ms", "7",		 NULL };
	assert_int_equal(h_proc_start(&p, argv), 0);
	assert_int_equal(h_proc_line(&p, line, sizeof(line), h_start_wait_ms()), 0);
	j = parse(line);
	assert_string_equal(schema_of(j), "privwatch.start/1");
	assert_int_equal(json_integer_value(json_object_get(j, "poll_ms")), 7); /* CLI */
	assert_int_equal(json_integer_value(json_object_get(j, "ringbuf_bytes")), 16 << 20);
	json_decref(j);
	assert_int_equal(h_proc_stop(&p, SIGINT), 0);
	assert_int_equal(h_cgroup_remove(cg), 0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_check),
		cmocka_unit_test(test_command_line_over_file),
		cmocka_unit_test(test_reload_loses_nothing),
	};

	h_init(argv[0]);
	return cmocka_run_group_tests_name("cli: configuration file and reload", tests, setup,
					   teardown);
}
