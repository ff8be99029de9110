// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Kernel tier, the live container table of `privwatch run`: a cgroup2
 * directory shaped like a docker container (/docker/<64 hex>, an id no
 * runtime made) created after the agent started is added from its mkdir
 * record; a process placed in it execs, and that exec event carries the
 * container in phase "started"; its rmdir frees the entry, so the final
 * record's containers_tracked equals the start record's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <jansson.h>
#include "host/cgroupfs.h"
#include "harness.h"

static char line[1 << 16];
static pid_t agent_pid; /* killed by teardown if an assertion left it running */

static int teardown(void **state)
{
	if (agent_pid > 0 && kill(agent_pid, SIGKILL) == 0)
		waitpid(agent_pid, NULL, 0);
	return 0;
}

static const char *jstr(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

static void test_mkdir_exec_rmdir(void **state)
{
	char parent[4200], ctr[4300], sub[4400], id[65];
	char *run_argv[] = { (char *)h_privwatch(),
			     "run",
			     "--http",
			     "none",
			     "--lock-file",
			     "none",
			     "--events",
			     "--cgroup",
			     parent,
			     NULL };
	char *true_argv[] = { "/bin/true", NULL };
	json_t *j, *c;
	struct h_proc p;
	uint64_t cgid = 0, subid = 0, base = (uint64_t)-1, final = (uint64_t)-1, added = 0;
	int made_parent = 0, seen_mkdir = 0, seen_sub = 0, exec_started = 0, st;
	pid_t child;

	assert_int_equal(h_docker_parent(parent, sizeof(parent), &made_parent), 0);
	snprintf(id, sizeof(id), "%08x%08x%s", (unsigned int)getpid(), 3u,
		 "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00");
	snprintf(ctr, sizeof(ctr), "%s/%s", parent, id);
	snprintf(sub, sizeof(sub), "%s/init", ctr);

	assert_int_equal(h_proc_start(&p, run_argv), 0);
	agent_pid = p.pid;
	assert_int_equal(h_proc_line(&p, line, sizeof(line), h_start_wait_ms()), 0);
	j = json_loads(line, 0, NULL);
	assert_non_null(j);
	assert_string_equal(jstr(j, "schema"), "privwatch.start/1");
	base = json_integer_value(json_object_get(j, "containers_tracked"));
	json_decref(j);

	/* Created after the start: only the mkdir record can tell the agent. */
	assert_int_equal(mkdir(ctr, 0755), 0);
	assert_int_equal(mkdir(sub, 0755), 0);
	assert_int_equal(pw_cgroup_id(ctr, &cgid), 0);
	assert_int_equal(pw_cgroup_id(sub, &subid), 0);
	child = h_spawn(sub, true_argv);
	assert_true(child > 0);
	assert_int_equal(h_wait(child), 0);
	usleep(100 * 1000);
	assert_int_equal(rmdir(sub), 0);
	assert_int_equal(rmdir(ctr), 0);
	usleep(200 * 1000);
	kill(p.pid, SIGINT);

	while (h_proc_line(&p, line, sizeof(line), 10000) == 0) {
		j = json_loads(line, 0, NULL);
		assert_non_null(j);
		c = json_object_get(j, "container");
		if (!strcmp(jstr(j, "schema"), "privwatch.stats/1")) {
			final = json_integer_value(json_object_get(j, "containers_tracked"));
			added = json_integer_value(
				json_object_get(json_object_get(j, "containers"), "added"));
		} else if (!strcmp(jstr(j, "kind"), "cgroup_mkdir") &&
			   json_integer_value(json_object_get(j, "id")) == (json_int_t)cgid) {
			seen_mkdir = 1;
		} else if (!strcmp(jstr(j, "kind"), "exec") &&
			   json_integer_value(json_object_get(j, "pid")) == child) {
			assert_true(json_integer_value(json_object_get(j, "cgroup_id")) ==
				    (json_int_t)subid);
			assert_true(json_is_object(c));
			assert_string_equal(jstr(c, "id"), id);
			assert_string_equal(jstr(c, "runtime"), "docker");
			/* Nothing ran in it before: the first exec is the entrypoint. */
			assert_string_equal(jstr(c, "phase"), "started");
			seen_sub = 1;
			exec_started = 1;
		}
		json_decref(j);
	}
	assert_int_equal(waitpid(p.pid, &st, 0), p.pid);
	agent_pid = 0;
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	if (made_parent)
		rmdir(parent);

	assert_true(seen_mkdir);
	assert_true(seen_sub);
	assert_true(exec_started);
	assert_true(added >= 1);
	/* The entry is freed: the table is back to its starting size. */
	assert_true(final == base);
}

/* The alert of exec rule S-ALL on pid, or NULL; the array holds every alert. */
static json_t *alert_of(json_t *alerts, const char *rule, pid_t pid)
{
	size_t i;
	json_t *a;

	json_array_foreach(alerts, i, a)
	{
		json_t *pr = json_object_get(a, "process");

		if (!strcmp(jstr(json_object_get(a, "rule"), "id"), rule) &&
		    json_integer_value(json_object_get(pr, "pid")) == pid)
			return a;
	}
	return NULL;
}

/*
 * Exec sessions, through the binary: as a runtime does, this process places
 * a container's entrypoint in its cgroup, later the first process of an exec
 * session (docker exec), each by writing its pid into cgroup.procs
 * (h_spawn_placed). Each alert says which tree the process is in
 * (process.session) and, in an exec session, its first process and start
 * (process.exec_session), for that process's children too; the rule field
 * proc.session matches only them. A process that writes itself in (h_spawn,
 * what a container process can do) is in no tree the agent saw begin.
 */
static void test_exec_session_alerts(void **state)
{
	char parent[4200], ctr[4300], id[65], rules[] = "/tmp/pw-session-rules.XXXXXX";
	char *run_argv[] = { (char *)h_privwatch(),
			     "run",
			     "--http",
			     "none",
			     "--lock-file",
			     "none",
			     "--fold-window",
			     "0",
			     "--cgroup",
			     parent,
			     "--rules",
			     rules,
			     NULL };
	char *entry[] = { (char *)h_workload(), "noop", NULL };
	char *session[] = { "/bin/sh", "-c", "/bin/echo in-session; exit 0", NULL };
	char *self[] = { "/bin/true", NULL };
	json_t *alerts = json_array(), *j, *a, *pr, *es, *anc;
	pid_t entry_pid, session_pid, self_pid, echo_pid = 0;
	int made_parent = 0, fd, st;
	struct h_proc p;
	size_t i;

	fd = mkstemp(rules);
	assert_true(fd >= 0);
	dprintf(fd, "{\"rules\": ["
		    "{\"id\": \"S-ALL\", \"title\": \"exec\", \"description\": \"d\","
		    " \"severity\": \"low\", \"condition\": {\"all\": [{\"kind\": \"exec\"},"
		    " {\"not\": {\"container.mode\": \"host\"}}]}},"
		    "{\"id\": \"S-EXEC\", \"title\": \"exec session\", \"description\": \"d\","
		    " \"severity\": \"low\", \"condition\": {\"all\": [{\"kind\": \"exec\"},"
		    " {\"proc.session\": \"exec\"}]}}]}");
	close(fd);
	assert_int_equal(h_docker_parent(parent, sizeof(parent), &made_parent), 0);
	snprintf(id, sizeof(id), "%08x%08x%s", (unsigned int)getpid(), 5u,
		 "5e55105e55105e55105e55105e55105e55105e55105e5510");
	snprintf(ctr, sizeof(ctr), "%s/%s", parent, id);

	assert_int_equal(h_proc_start(&p, run_argv), 0);
	agent_pid = p.pid;
	assert_int_equal(h_proc_line(&p, line, sizeof(line), h_start_wait_ms()), 0);
	assert_int_equal(mkdir(ctr, 0755), 0);
	entry_pid = h_spawn_placed(ctr, entry);
	assert_true(entry_pid > 0);
	assert_int_equal(h_wait(entry_pid), 0);
	usleep(200 * 1000); /* the container is started before the session */
	session_pid = h_spawn_placed(ctr, session);
	assert_true(session_pid > 0);
	assert_int_equal(h_wait(session_pid), 0);
	self_pid = h_spawn(ctr, self);
	assert_true(self_pid > 0);
	assert_int_equal(h_wait(self_pid), 0);
	usleep(300 * 1000);
	kill(p.pid, SIGINT);
	while (h_proc_line(&p, line, sizeof(line), 10000) == 0) {
		j = json_loads(line, 0, NULL);
		assert_non_null(j);
		if (!strcmp(jstr(j, "schema"), "privwatch.alert/1"))
			json_array_append(alerts, j);
		json_decref(j);
	}
	assert_int_equal(waitpid(p.pid, &st, 0), p.pid);
	agent_pid = 0;
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	rmdir(ctr);
	if (made_parent)
		rmdir(parent);
	unlink(rules);

	/* The entrypoint */
	a = alert_of(alerts, "S-ALL", entry_pid);
	assert_non_null(a);
	pr = json_object_get(a, "process");
	assert_string_equal(jstr(pr, "session"), "entrypoint");
	assert_true(json_is_null(json_object_get(pr, "exec_session")));
	assert_null(alert_of(alerts, "S-EXEC", entry_pid));
	/* The exec session's first process */
	a = alert_of(alerts, "S-ALL", session_pid);
	assert_non_null(a);
	pr = json_object_get(a, "process");
	assert_string_equal(jstr(pr, "session"), "exec");
	es = json_object_get(pr, "exec_session");
	assert_true(json_integer_value(json_object_get(es, "pid")) == session_pid);
	assert_true(strlen(jstr(es, "started")) > 0);
	assert_non_null(alert_of(alerts, "S-EXEC", session_pid));
	/* and its child, the shell's echo: the same session */
	json_array_foreach(alerts, i, a)
	{
		pr = json_object_get(a, "process");
		anc = json_array_get(json_object_get(pr, "ancestry"), 0);
		if (!strcmp(jstr(json_object_get(a, "rule"), "id"), "S-EXEC") &&
		    json_integer_value(json_object_get(anc, "pid")) == session_pid)
			echo_pid = (pid_t)json_integer_value(json_object_get(pr, "pid"));
	}
	assert_true(echo_pid > 0);
	pr = json_object_get(alert_of(alerts, "S-EXEC", echo_pid), "process");
	assert_string_equal(jstr(pr, "exe"), "/bin/echo");
	es = json_object_get(pr, "exec_session");
	assert_true(json_integer_value(json_object_get(es, "pid")) == session_pid);
	/* Self-placed: no tree the agent saw begin, no session to claim. */
	a = alert_of(alerts, "S-ALL", self_pid);
	assert_non_null(a);
	pr = json_object_get(a, "process");
	assert_string_equal(jstr(pr, "session"), "unknown");
	assert_null(alert_of(alerts, "S-EXEC", self_pid));
	json_decref(alerts);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mkdir_exec_rmdir),
		cmocka_unit_test(test_exec_session_alerts),
	};

	h_init(argv[0]);
	setvbuf(stdout, NULL, _IOLBF, 0);
	return cmocka_run_group_tests_name("kernel: run's container table", tests, NULL, teardown);
}
