// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Kernel tier, learned baselines (privwatch learn, docs/rules.md "Learned
 * baselines") with a stand-in container: a cgroup2 directory shaped like
 * the fixture docker container of image nginx:1.27 (tests/fixtures/root,
 * found through PRIVWATCH_STATE_ROOTS) in which a shell writes a sysctl
 * back as a CNI plugin does (/proc/sys/net/ipv4/ip_forward, its own value:
 * the host does not change). privwatch learn, stopped by SIGINT, writes a
 * file with that write's exception; privwatch run with the file layered on
 * the shipped rules is then silent on the same write, and alerts on
 * another sysctl written back by the same image and on the same write by
 * a container of another image (the fixture alpine:3.20).
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

#define NGINX  "42f06f8201c96b7a451d0782e13c237bf3a2f9dcaf968e67b4341b17867d3f2d"
#define ALPINE "69ccb0fc6744ef51472761bbe852c05f5ee6e24d514a849944656b472ee5c7c1"

static char line[1 << 16];
static pid_t agent_pid; /* killed by teardown if an assertion left it running */
static char dir[] = "/tmp/pw-learn-kernel.XXXXXX";
static char parent[4200];
static int made_parent;

static int setup(void **state)
{
	char roots[4200], cwd[4096];

	if (!mkdtemp(dir) || !getcwd(cwd, sizeof(cwd)) ||
	    h_docker_parent(parent, sizeof(parent), &made_parent))
		return -1;
	snprintf(roots, sizeof(roots), "%s/tests/fixtures/root", cwd);
	return setenv("PRIVWATCH_STATE_ROOTS", roots, 1);
}

static int teardown(void **state)
{
	char cmd[128];

	if (agent_pid > 0 && kill(agent_pid, SIGKILL) == 0)
		waitpid(agent_pid, NULL, 0);
	if (made_parent)
		rmdir(parent);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

static const char *jstr(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

/* Start the agent (argv), wait for its start record. */
static void agent_start(struct h_proc *p, char *const argv[])
{
	json_t *j;

	assert_int_equal(h_proc_start(p, argv), 0);
	agent_pid = p->pid;
	for (;;) {
		assert_int_equal(h_proc_line(p, line, sizeof(line), h_start_wait_ms()), 0);
		j = json_loads(line, 0, NULL);
		assert_non_null(j);
		if (!strcmp(jstr(j, "schema"), "privwatch.start/1")) {
			json_decref(j);
			return;
		}
		json_decref(j);
	}
}

/* In a new cgroup of the container id, write each sysctl back (its own value). */
static void behave(const char *id, const char *const *sysctls, size_t n)
{
	char ctr[4400], script[1024];
	char *argv[] = { "/bin/sh", "-c", script, NULL };
	size_t i, off = 0;
	pid_t child;

	for (i = 0; i < n; i++)
		off += snprintf(script + off, sizeof(script) - off,
				"v=$(cat /proc/sys/%s) && echo \"$v\" > /proc/sys/%s || exit 1; ",
				sysctls[i], sysctls[i]);
	snprintf(ctr, sizeof(ctr), "%s/%s", parent, id);
	assert_int_equal(mkdir(ctr, 0755), 0);
	child = h_spawn(ctr, argv);
	assert_true(child > 0);
	assert_int_equal(h_wait(child), 0);
	usleep(300 * 1000);
	assert_int_equal(rmdir(ctr), 0);
}

/* Stop the agent; the PW-0106 alerts of container id, by path,
 * appended to seen. Exit status 0 asserted. */
static int agent_stop(struct h_proc *p, const char *id, char *seen, size_t len)
{
	int st, n = 0;
	json_t *j;

	usleep(300 * 1000);
	kill(p->pid, SIGINT);
	while (h_proc_line(p, line, sizeof(line), 20000) == 0) {
		j = json_loads(line, 0, NULL);
		assert_non_null(j);
		if (!strcmp(jstr(j, "schema"), "privwatch.alert/1") &&
		    !strcmp(jstr(json_object_get(j, "rule"), "id"), "PW-0106") &&
		    !strcmp(jstr(json_object_get(j, "container"), "id"), id)) {
			const char *fs = jstr(json_object_get(j, "event"), "path");

			n++;
			if (seen)
				snprintf(seen + strlen(seen), len - strlen(seen), "%s ", fs);
		}
		json_decref(j);
	}
	assert_int_equal(waitpid(p->pid, &st, 0), p->pid);
	agent_pid = 0;
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	return n;
}

static void test_cni_like_container(void **state)
{
	char out[128], text[1 << 16] = "", seen[4096] = "";
	char *learn_argv[] = { (char *)h_privwatch(),
			       "learn",
			       "--image",
			       "nginx:1.27",
			       "--for",
			       "10m",
			       "--out",
			       out,
			       "--http",
			       "none",
			       "--lock-file",
			       "none",
			       "--cgroup",
			       parent,
			       NULL };
	char *run_argv[] = { (char *)h_privwatch(),
			     "run",
			     "--http",
			     "none",
			     "--lock-file",
			     "none",
			     "--fold-window",
			     "0",
			     "--rules",
			     "rules",
			     "--rules",
			     out,
			     "--cgroup",
			     parent,
			     NULL };
	static const char *const cni[] = { "net/ipv4/ip_forward" };
	static const char *const other[] = { "net/ipv4/ip_default_ttl" };
	struct h_proc p;
	FILE *f;
	size_t n;

	snprintf(out, sizeof(out), "%s/91-learned.json", dir);

	/* learning: the write is recorded, not alerted */
	agent_start(&p, learn_argv);
	behave(NGINX, cni, 1);
	assert_int_equal(agent_stop(&p, NGINX, NULL, 0), 0);
	f = fopen(out, "r");
	assert_non_null(f);
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	assert_non_null(strstr(text, "\"id\": \"PW-0106\""));
	assert_non_null(strstr(text, "{\"container.image\": \"nginx:1.27\"}, {\"kind\": \"open\"}, "
				     "{\"fs_path\": \"/proc/sys/net/ipv4/ip_forward\"}"));

	/* layered: silent on the same write of the image, not on a new one */
	agent_start(&p, run_argv);
	behave(NGINX, cni, 1);
	behave(NGINX, other, 1);
	assert_int_equal(agent_stop(&p, NGINX, seen, sizeof(seen)), 1);
	assert_string_equal(seen, "/proc/sys/net/ipv4/ip_default_ttl ");

	/* ... nor on the same write by another image */
	seen[0] = '\0';
	agent_start(&p, run_argv);
	behave(ALPINE, cni, 1);
	assert_int_equal(agent_stop(&p, ALPINE, seen, sizeof(seen)), 1);
	assert_string_equal(seen, "/proc/sys/net/ipv4/ip_forward ");
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cni_like_container),
	};

	h_init(argv[0]);
	return cmocka_run_group_tests(tests, setup, teardown);
}
