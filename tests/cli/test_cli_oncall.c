// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * What an operator sees when things are not as they should be: commands
 * run without root say that root (and which capabilities) is missing, not
 * that the kernel cannot run them; at stop, stderr accounts for every sink,
 * a sink dead from the start included (the final stats record went to it);
 * each sink gets its own format, every record kind in ECS too, the same
 * alert (same id) in both.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <jansson.h>
#include "harness.h"

static char dir[PATH_MAX], copy[PATH_MAX], out[1 << 16], err[1 << 16];

/* A copy of the binary anyone may run: the tree may sit below a directory
 * nobody cannot enter. */
static int setup(void **state)
{
	char cmd[3 * PATH_MAX];

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/pw-cli-oncall.XXXXXX");
	if (!mkdtemp(dir) || chmod(dir, 0755))
		return -1;
	snprintf(copy, sizeof(copy), "%s/privwatch", dir);
	snprintf(cmd, sizeof(cmd), "install -m 0755 %s %s", h_privwatch(), copy);
	return system(cmd);
}

static int teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

/* argv run as nobody (uid and gid 65534, no groups, no capabilities). */
static int as_nobody(const char *const *args)
{
	char *argv[16] = { "/usr/bin/setpriv", "--reuid=65534",	  "--regid=65534",
			   "--clear-groups",   "--inh-caps=-all", copy };
	int i, n = 6;

	for (i = 0; args[i] && n < 15; i++)
		argv[n++] = (char *)args[i];
	argv[n] = NULL;
	return h_capture(argv, out, sizeof(out), err, sizeof(err));
}

static void assert_says_root(const char *cmd, const char *caps)
{
	char prefix[64];

	snprintf(prefix, sizeof(prefix), "privwatch %s: needs root: it runs as uid 65534", cmd);
	if (strncmp(err, prefix, strlen(prefix)))
		fail_msg("%s as nobody: expected '%s...', got '%s'", cmd, prefix, err);
	if (!strstr(err, caps))
		fail_msg("%s as nobody: '%s' not named in '%s'", cmd, caps, err);
	/* one line, and no blame on the kernel */
	assert_ptr_equal(strchr(err, '\n'), err + strlen(err) - 1);
	assert_null(strstr(err, "this kernel"));
	assert_null(strstr(err, "lsm="));
	assert_string_equal(out, "");
}

static void test_unprivileged_commands_say_root(void **state)
{
	static const char *const run[] = { "run",  "--http",	 "none", "--lock-file",
					   "none", "--no-rules", NULL };
	static const char *const probe[] = { "probe", NULL };
	static const char *const ps[] = { "ps", NULL };
	static const char *const ps_json[] = { "ps", "--json", NULL };
	static const char *const inspect[] = { "inspect", "abc", NULL };

	(void)state;
	assert_int_equal(as_nobody(run), 1);
	assert_says_root("run", "CAP_SYS_ADMIN");
	assert_int_equal(as_nobody(probe), 1);
	assert_says_root("probe", "CAP_SYS_ADMIN");
	assert_non_null(strstr(err, "CAP_BPF"));
	assert_int_equal(as_nobody(ps), 1);
	assert_says_root("ps", "CAP_SYS_PTRACE");
	assert_int_equal(as_nobody(ps_json), 1);
	assert_says_root("ps", "CAP_SYS_PTRACE");
	assert_int_equal(as_nobody(inspect), 1);
	assert_says_root("inspect", "CAP_SYS_PTRACE");
}

/* Root that lacks a capability (a bounding set): named too. */
static void test_root_without_sys_admin(void **state)
{
	char *argv[] = { "/usr/bin/setpriv",
			 "--inh-caps=-all",
			 "--bounding-set=-sys_admin",
			 copy,
			 "probe",
			 NULL };

	(void)state;
	assert_int_equal(h_capture(argv, out, sizeof(out), err, sizeof(err)), 1);
	assert_non_null(strstr(err, "privwatch probe: needs root's capabilities: it runs as "
				    "root but without CAP_SYS_ADMIN"));
}

static int closed_port(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), port;

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &sl), 0);
	port = ntohs(sin.sin_port);
	close(fd); /* nobody listens there now */
	return port;
}

/* The line of stderr about one output: "privwatch run: at stop, output SPEC: ...". */
static const char *summary_of(const char *spec)
{
	char key[PATH_MAX + 64];
	const char *s;

	snprintf(key, sizeof(key), "privwatch run: at stop, output %s: ", spec);
	s = strstr(err, key);
	if (!s)
		fail_msg("no summary for %s in stderr: %s", spec, err);
	return s + strlen(key);
}

static void test_stop_summary_per_sink(void **state)
{
	char tcp[64], file[PATH_MAX + 8], timeout_s[] = "6";
	unsigned long long delivered, bytes, lost;
	const char *s;

	(void)state;
	snprintf(tcp, sizeof(tcp), "tcp:127.0.0.1:%d", closed_port());
	snprintf(file, sizeof(file), "file:%s/out.json", dir);
	char *argv[] = { "/usr/bin/timeout",
			 "--preserve-status",
			 "--signal=INT",
			 timeout_s,
			 (char *)h_privwatch(),
			 "run",
			 "--http",
			 "none",
			 "--lock-file",
			 "none",
			 "--no-rules",
			 "--stats-interval",
			 "0",
			 "--output",
			 tcp,
			 "--output",
			 file,
			 NULL };

	/* SIGINT from timeout: a clean stop, exit 0 */
	assert_int_equal(h_capture(argv, out, sizeof(out), err, sizeof(err)), 0);
	/* the dead receiver: everything lost, and said so */
	s = summary_of(tcp);
	assert_int_equal(sscanf(s, "%llu lines delivered (%llu bytes), %llu lost", &delivered,
				&bytes, &lost),
			 3);
	assert_int_equal(delivered, 0);
	assert_int_equal(bytes, 0);
	assert_true(lost >= 2); /* the start and the final stats records at least */
	assert_non_null(strstr(s, "failed connects: nothing reached it"));
	/* the file got the same lines, none lost */
	s = summary_of(file);
	assert_int_equal(sscanf(s, "%llu lines delivered (%llu bytes), %llu lost", &delivered,
				&bytes, &lost),
			 3);
	assert_true(delivered >= 2);
	assert_true(bytes > 100);
	assert_int_equal(lost, 0);
}

/* Rough edges of outputs: one destination given twice is a usage error; a
 * syslog socket that is not there is named. */
static void test_output_rough_edges(void **state)
{
	char t[] = "3";
	/* a bound: 124 if it ran instead of refusing */
	char *twice[] = {
		"/usr/bin/timeout", "10",   (char *)h_privwatch(), "run",      "--http", "none",
		"--lock-file",	    "none", "--no-rules",	   "--output", "stdout", "--output",
		"stdout,min=high",  NULL
	};
	char *nolog[] = { "/usr/bin/timeout",
			  "--preserve-status",
			  "--signal=INT",
			  t,
			  (char *)h_privwatch(),
			  "run",
			  "--http",
			  "none",
			  "--lock-file",
			  "none",
			  "--no-rules",
			  "--output",
			  "syslog:unix:/nonexistent/log",
			  NULL };

	(void)state;
	assert_int_equal(h_capture(twice, out, sizeof(out), err, sizeof(err)), 2);
	assert_non_null(strstr(err, "output 'stdout,min=high': the same destination as output "
				    "'stdout': every line would go there twice"));
	assert_string_equal(out, "");
	assert_int_equal(h_capture(nolog, out, sizeof(out), err, sizeof(err)), 0);
	assert_non_null(strstr(err, "output 'syslog:unix:/nonexistent/log': syslog socket "
				    "/nonexistent/log: No such file or directory"));
	assert_non_null(strstr(err, "privwatch run: at stop, output syslog:unix:/nonexistent/log: "
				    "0 lines delivered"));
}

static json_t *read_lines(const char *path)
{
	json_t *all = json_array(), *j;
	json_error_t e;
	char *line = NULL;
	size_t cap = 0;
	FILE *f = fopen(path, "r");

	assert_non_null(f);
	while (getline(&line, &cap, f) > 0) {
		j = json_loads(line, 0, &e);
		if (!j)
			fail_msg("%s: not JSON (%s): %s", path, e.text, line);
		json_array_append_new(all, j);
	}
	free(line);
	fclose(f);
	return all;
}

static const char *str_path(json_t *j, const char *a, const char *b)
{
	json_t *o = json_object_get(j, a);

	return json_string_value(b ? json_object_get(o, b) : o);
}

/* The alert lines of rule PW-T900, in order. */
static size_t alerts_of(json_t *lines, int ecs, json_t **out, size_t max)
{
	size_t i, n = 0;
	json_t *j;

	json_array_foreach(lines, i, j)
	{
		const char *id = ecs ? str_path(j, "rule", "id") : str_path(j, "rule", "id");
		const char *schema = ecs ? str_path(json_object_get(j, "privwatch"), "schema", NULL)
					 : str_path(j, "schema", NULL);

		if (schema && !strcmp(schema, "privwatch.alert/1") && id &&
		    !strcmp(id, "PW-T900") && n < max)
			out[n++] = j;
	}
	return n;
}

static void test_per_sink_format(void **state)
{
	char rules[PATH_MAX + 16], native[PATH_MAX + 16], ecs[PATH_MAX + 16], wl[PATH_MAX + 16];
	char o_native[PATH_MAX + 32], o_ecs[PATH_MAX + 32], cg[PATH_MAX], line[1 << 16];
	json_t *nl, *el, *na[4], *ea[4], *j;
	const char *kinds_seen[8];
	size_t i, k, nkinds = 0;
	struct h_proc p;
	uint64_t cg_id;
	FILE *f;

	(void)state;
	snprintf(rules, sizeof(rules), "%s/rules.json", dir);
	snprintf(native, sizeof(native), "%s/native.json", dir);
	snprintf(ecs, sizeof(ecs), "%s/ecs.json", dir);
	snprintf(wl, sizeof(wl), "%s/pw-oncall-wl", dir);
	snprintf(o_native, sizeof(o_native), "file:%s", native);
	snprintf(o_ecs, sizeof(o_ecs), "file,format=ecs:%s", ecs);
	assert_int_equal(symlink(h_workload(), wl), 0);
	f = fopen(rules, "w");
	assert_non_null(f);
	fputs("{\"rules\": [{\"id\": \"PW-T900\", \"title\": \"oncall exec\", "
	      "\"description\": \"d\", \"remediation\": \"look at it\", \"severity\": \"high\", "
	      "\"condition\": {\"all\": [{\"kind\": \"exec\"}, {\"basename\": \"pw-oncall-wl\"}, "
	      "{\"container.mode\": \"host\"}]}}]}\n",
	      f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(h_cgroup_create(NULL, "privwatch-oncall", cg, sizeof(cg), &cg_id), 0);
	char *argv[] = { (char *)h_privwatch(),
			 "run",
			 "--http",
			 "none",
			 "--lock-file",
			 "none",
			 "--rules",
			 rules,
			 "--cgroup",
			 cg,
			 "--fold-window",
			 "60",
			 "--stats-interval",
			 "0",
			 "--output",
			 o_native,
			 "--output",
			 o_ecs,
			 "--output",
			 "stdout",
			 NULL };
	char *run_wl[] = { wl, "noop", NULL };

	assert_int_equal(h_proc_start(&p, argv), 0);
	assert_int_equal(h_proc_line(&p, line, sizeof(line), h_start_wait_ms()),
			 0); /* the start record */
	assert_non_null(strstr(line, "\"schema\":\"privwatch.start/1\""));
	for (i = 0; i < 3; i++) /* one alert, two repeats folded into a summary at stop */
		assert_int_equal(h_run(cg, run_wl), 0);
	usleep(500000);
	assert_int_equal(h_proc_stop(&p, SIGINT), 0);
	h_cgroup_remove(cg);

	nl = read_lines(native);
	el = read_lines(ecs);
	assert_int_equal(json_array_size(nl), json_array_size(el));
	/* native: as ever */
	assert_string_equal(str_path(json_array_get(nl, 0), "schema", NULL), "privwatch.start/1");
	assert_int_equal(alerts_of(nl, 0, na, 4), 2);
	assert_int_equal(alerts_of(el, 1, ea, 4), 2);
	for (i = 0; i < 2; i++) {
		/* the same alert in both formats: the same id */
		assert_string_equal(str_path(na[i], "id", NULL), str_path(ea[i], "event", "id"));
		assert_string_equal(str_path(ea[i], "event", "kind"), "alert");
		assert_string_equal(
			str_path(json_object_get(ea[i], "privwatch"), "remediation", NULL),
			"look at it");
	}
	assert_int_equal(json_integer_value(json_object_get(na[1], "count")), 2);
	assert_int_equal(
		json_integer_value(json_object_get(json_object_get(ea[1], "privwatch"), "count")),
		2);
	assert_string_not_equal(str_path(na[0], "id", NULL), str_path(na[1], "id", NULL));
	/* ECS: every line, whatever its kind, with its dataset and the record whole */
	json_array_foreach(el, i, j)
	{
		const char *schema = str_path(json_object_get(j, "privwatch"), "schema", NULL);
		const char *ds = str_path(j, "event", "dataset");

		assert_non_null(str_path(j, "@timestamp", NULL));
		assert_string_equal(str_path(j, "ecs", "version"), "8.11.0");
		assert_non_null(schema);
		assert_non_null(ds);
		/* privwatch.stats/1 -> privwatch.stats */
		assert_int_equal(strncmp(schema, ds, strlen(ds)), 0);
		assert_int_equal(schema[strlen(ds)], '/');
		for (k = 0; k < nkinds && strcmp(kinds_seen[k], ds); k++)
			;
		if (k == nkinds && nkinds < 8)
			kinds_seen[nkinds++] = ds;
		if (!strcmp(ds, "privwatch.stats"))
			assert_string_equal(str_path(j, "event", "kind"), "metric");
		if (!strcmp(ds, "privwatch.start")) {
			assert_string_equal(str_path(j, "event", "kind"), "event");
			/* the record's own time */
			assert_string_equal(str_path(j, "@timestamp", NULL),
					    str_path(json_array_get(nl, i), "time", NULL));
		}
	}
	for (k = 0; k < nkinds; k++)
		print_message("ecs dataset: %s\n", kinds_seen[k]);
	assert_true(nkinds >= 4); /* start, inventory, alert, stats */
	json_decref(nl);
	json_decref(el);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unprivileged_commands_say_root),
		cmocka_unit_test(test_root_without_sys_admin),
		cmocka_unit_test(test_stop_summary_per_sink),
		cmocka_unit_test(test_per_sink_format),
		cmocka_unit_test(test_output_rough_edges),
	};

	h_init(argv[0]);
	return cmocka_run_group_tests_name("cli: on-call (privileges, stop summary)", tests, setup,
					   teardown);
}
