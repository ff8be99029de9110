// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The privwatch binary as a user runs it: exit codes, messages, the start
 * record, events and the final stats record on stdout.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>
#include <jansson.h>
#include "harness.h"

#define PW (char *)h_privwatch()

static char out[1 << 16], err[1 << 16];

static int count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void test_version(void **state)
{
	char *argv[] = { PW, "--version", NULL };
	char *argv2[] = { PW, "run", "--version", NULL };

	assert_int_equal(h_capture(argv, out, sizeof(out), err, sizeof(err)), 0);
	assert_non_null(strstr(out, "privwatch 0."));
	assert_int_equal(h_capture(argv2, out, sizeof(out), err, sizeof(err)), 0);
	assert_non_null(strstr(out, "privwatch 0."));
}

static void test_help(void **state)
{
	char *argv[] = { PW, "--help", NULL };
	char *run[] = { PW, "run", "--help", NULL };
	char *probe[] = { PW, "probe", "--help", NULL };

	assert_int_equal(h_capture(argv, out, sizeof(out), err, sizeof(err)), 0);
	assert_non_null(strstr(out, "usage: privwatch"));
	assert_int_equal(h_capture(run, out, sizeof(out), err, sizeof(err)), 0);
	assert_non_null(strstr(out, "--cgroup PATH"));
	assert_int_equal(h_capture(probe, out, sizeof(out), err, sizeof(err)), 0);
	assert_non_null(strstr(out, "--mode"));
}

/* A bad command line: usage on stderr, exit 2, nothing on stdout. */
static void test_bad_command_lines_exit_2(void **state)
{
	char *cases[][5] = {
		{ PW, NULL },
		{ PW, "frobnicate", NULL },
		{ PW, "run", "--mode", "kprobe", NULL },
		{ PW, "run", "--ringbuf-size", "3000", NULL },
		{ PW, "run", "--poll-ms", "0", NULL },
		{ PW, "run", "--no-such-option", NULL },
		{ PW, "run", "extra", NULL },
		{ PW, "run", "--http", "localhost", NULL },
		{ PW, "run", "--ready-max-drop-rate", "2", NULL },
		{ PW, "probe", "--mode", "x", NULL },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = h_capture(cases[i], out, sizeof(out), err, sizeof(err));

		if (rc != 2)
			fail_msg("case %zu (%s %s): exit %d, want 2", i, cases[i][1], cases[i][2],
				 rc);
		assert_string_equal(out, "");
		assert_true(strlen(err) > 0);
	}
}

/* Is concern on variant in probe's table? "\nfiles          lsm         " */
static int probe_shows(const char *out, const char *concern, const char *variant)
{
	char want[64];

	snprintf(want, sizeof(want), "\n%-14s %-11s ", concern, variant);
	return strstr(out, want) != NULL;
}

static void test_probe_reports_choices_with_reasons(void **state)
{
	char *argv[] = { PW, "probe", NULL };
	char *forced[] = { PW, "probe", "--mode", "tracepoint", NULL };
	const char *cap = h_expected_variant("capabilities");
	int i;

	assert_int_equal(h_capture(argv, out, sizeof(out), err, sizeof(err)), 0);
	for (i = 0; i < pw_concern_count; i++)
		if (!probe_shows(out, pw_concerns[i].name, h_expected_variant(pw_concerns[i].name)))
			fail_msg("probe does not show %s on %s:\n%s", pw_concerns[i].name,
				 h_expected_variant(pw_concerns[i].name), out);
	assert_non_null(strstr(out, "\nprocess        tracepoint  tp_btf/sched_process_exec"));
	assert_null(strstr(out, "would fail"));
	assert_string_equal(err, ""); /* a refused LSM probe makes no noise */
	/* the whole order, each variant with its state */
	assert_non_null(strstr(out, "\nfallback order"));
	assert_non_null(strstr(out, "\ncapabilities   1. tracepoint  "));
	assert_non_null(strstr(out, "\n               2. fentry      "));
	assert_non_null(strstr(out, "\n               4. kprobe      "));
	if (!strcmp(h_expected_variant("files"), "lsm")) {
		assert_non_null(strstr(out, "BPF LSM          yes  active (lsm: "));
		assert_non_null(strstr(out, "\nfiles          lsm         lsm/file_open "));
		assert_non_null(strstr(out, "\nmounts         lsm         lsm/sb_mount "));
	} else {
		assert_non_null(strstr(out, "BPF LSM          no   "));
		assert_non_null(
			strstr(out, "\nmounts         tracepoint  tp/syscalls/sys_exit_mount "));
		/* one program per line, none cut off */
		assert_non_null(strstr(
			out, "\n                           tp/syscalls/sys_exit_pivot_root\n"));
	}
	if (!strcmp(cap, "fentry"))
		assert_non_null(strstr(out, "\ncapabilities   fentry      fexit/cap_capable "));
	/* forced: files and mounts on tracepoints; capabilities keep the best
	 * variant after the tracepoint when this kernel has none */
	assert_int_equal(h_capture(forced, out, sizeof(out), err, sizeof(err)), 0);
	assert_true(probe_shows(out, "files", "tracepoint"));
	assert_true(probe_shows(out, "mounts", "tracepoint"));
	assert_non_null(strstr(out, "forced by --mode tracepoint"));
	assert_true(probe_shows(out, "capabilities", cap));
}

/* A missing feature or bad target: one clear line, exit 1, no libbpf dump. */
static void test_errors_are_one_line(void **state)
{
	char *lsm[] = { PW, "run", "--http", "none", "--lock-file", "none", "--mode", "lsm", NULL };
	char *nocg[] = { PW,	 "run",	     "--http",		"none", "--lock-file",
			 "none", "--cgroup", "/nonexistent/cg", NULL };
	char *notcg[] = { PW,	  "run",      "--http", "none", "--lock-file",
			  "none", "--cgroup", "/tmp",	NULL };

	if (strcmp(h_expected_variant("files"), "lsm")) {
		assert_int_equal(h_capture(lsm, out, sizeof(out), err, sizeof(err)), 1);
		assert_int_equal(count_lines(err), 1);
		assert_non_null(strstr(err, "--mode lsm: no concern can use it here: "));
		assert_non_null(strstr(err, "BPF LSM"));
	}
	assert_int_equal(h_capture(nocg, out, sizeof(out), err, sizeof(err)), 1);
	assert_int_equal(count_lines(err), 1);
	assert_non_null(strstr(err, "--cgroup /nonexistent/cg: No such file or directory"));
	assert_int_equal(h_capture(notcg, out, sizeof(out), err, sizeof(err)), 1);
	assert_int_equal(count_lines(err), 1);
	assert_non_null(strstr(err, "not a directory of the cgroup2 hierarchy"));
}

static json_t *parse(const char *line)
{
	json_error_t e;
	json_t *j = json_loads(line, 0, &e);

	if (!j)
		fail_msg("not JSON (%s): %s", e.text, line);
	return j;
}

static const char *get_str(json_t *j, const char *path)
{
	char key[128], *dot;
	json_t *v = j;
	const char *p = path;

	while (v && *p) {
		snprintf(key, sizeof(key), "%s", p);
		dot = strchr(key, '.');
		if (dot)
			*dot = '\0';
		v = json_object_get(v, key);
		p += strlen(key) + (dot ? 1 : 0);
	}
	return json_string_value(v);
}

/* run: a start record within 2 s (natively), events as they happen, a
 * final stats record on SIGINT, exit 0. */
static void test_run_start_events_stats(void **state)
{
	char cg[PATH_MAX], line[1 << 16];
	uint64_t cg_id;
	struct h_proc p;
	struct timespec t0, t1;
	json_t *j, *last = NULL;
	char *workload[] = { (char *)h_workload(), "klogctl", "1", NULL };
	int saw_exec = 0, saw_syslog = 0, rc;
	pid_t wpid;
	double secs;

	assert_int_equal(h_cgroup_create(NULL, "privwatch-cli", cg, sizeof(cg), &cg_id), 0);
	char *argv[] = { PW,	 "run",	     "--http",	 "none", "--lock-file",
			 "none", "--events", "--cgroup", cg,	 NULL };

	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(h_proc_start(&p, argv), 0);
	assert_int_equal(h_proc_line(&p, line, sizeof(line), h_start_wait_ms()), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	print_message("start record after %.3f s\n", secs);
	/* The README's promise, "within a second or two", natively (~0.1 s
	 * here). Under the VM's emulation the LSM programs' verification
	 * alone takes 11-16 s: there only the hang bound above applies. */
	if (!getenv("PW_VM_KERNEL"))
		assert_true(secs < 2.0);

	j = parse(line);
	assert_string_equal(get_str(j, "schema"), "privwatch.start/1");
	assert_string_equal(get_str(j, "version"), PW_VERSION);
	assert_non_null(get_str(j, "kernel"));
	assert_string_equal(get_str(j, "concerns.process.mode"), "tracepoint");
	assert_string_equal(get_str(j, "concerns.capabilities.mode"),
			    h_expected_variant("capabilities"));
	assert_string_equal(get_str(j, "watch.mode"), "subtree");
	assert_string_equal(get_str(j, "watch.path"), cg);
	json_decref(j);

	/* Then the fleet inventory: every container the agent knows (others
	 * may run on this host: only the record's shape is ours to check). */
	assert_int_equal(h_proc_line(&p, line, sizeof(line), 5000), 0);
	j = parse(line);
	assert_string_equal(get_str(j, "schema"), "privwatch.inventory/1");
	assert_string_equal(get_str(j, "reason"), "start");
	assert_non_null(get_str(j, "time"));
	assert_true(json_is_array(json_object_get(j, "containers")));
	assert_int_equal(json_integer_value(json_object_get(j, "count")),
			 json_array_size(json_object_get(j, "containers")));
	json_decref(j);

	wpid = h_spawn(cg, workload);
	assert_int_equal(h_wait(wpid), 0);
	while (!(saw_exec && saw_syslog) && h_proc_line(&p, line, sizeof(line), 2000) == 0) {
		j = parse(line);
		assert_string_equal(get_str(j, "schema"), "privwatch.event/1");
		if (json_integer_value(json_object_get(j, "pid")) == wpid) {
			const char *kind = get_str(j, "kind");

			saw_exec |=
				!strcmp(kind, "exec") && !strcmp(get_str(j, "comm"), "workload");
			saw_syslog |= !strcmp(kind, "capability") &&
				      !strcmp(get_str(j, "cap_name"), "CAP_SYSLOG") &&
				      !strcmp(get_str(j, "result"), "allowed");
		}
		json_decref(j);
	}
	assert_true(saw_exec);
	assert_true(saw_syslog);

	rc = h_proc_stop(&p, SIGINT);
	assert_int_equal(rc, 0);
	while (h_proc_line(&p, line, sizeof(line), 1000) == 0) {
		json_decref(last);
		last = parse(line);
	}
	assert_non_null(last);
	assert_string_equal(get_str(last, "schema"), "privwatch.stats/1");
	assert_true(json_is_true(json_object_get(last, "final")));
	assert_int_equal(json_integer_value(json_object_get(last, "dropped_total")), 0);
	/* detached before the final drain: everything sent was read */
	assert_true(
		json_equal(json_object_get(last, "events"), json_object_get(last, "kernel_sent")));
	assert_true(json_integer_value(json_object_get(json_object_get(last, "events"), "exec")) >=
		    1);
	json_decref(last);
	assert_int_equal(h_cgroup_remove(cg), 0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_bad_command_lines_exit_2),
		cmocka_unit_test(test_probe_reports_choices_with_reasons),
		cmocka_unit_test(test_errors_are_one_line),
		cmocka_unit_test(test_run_start_events_stats),
	};

	h_init(argv[0]);
	return cmocka_run_group_tests_name("cli: privwatch run and probe", tests, NULL, NULL);
}
