// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * CLI tier, `privwatch capture`: a bundle written by the capture's own
 * finalize job (as the worker would) is listed, shown (text and --json) and
 * verified; a changed file makes verify exit 1 naming it; a symlinked or
 * group-writable capture directory is refused; bad command lines exit 2.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <jansson.h>
#include "capture/capture_jobs.h"
#include "harness.h"

static char tmp[] = "/tmp/pw-cli-capture-XXXXXX";
static char caps[512];
static char out[1 << 17], err[8192];
static const char *bundle = "20261201T101010Z-abcdefabcdef-1-0001";

static int run(const char *a1, const char *a2, const char *a3, const char *a4, const char *a5)
{
	char *argv[] = { (char *)h_privwatch(),
			 "capture",
			 (char *)a1,
			 (char *)a2,
			 (char *)a3,
			 (char *)a4,
			 (char *)a5,
			 NULL };

	return h_capture(argv, out, sizeof(out), err, sizeof(err));
}

/* A bundle as the worker writes it: the finalize job, run here. */
static void make_bundle(int capfd)
{
	struct pw_cap_fin_job *j = pw_cap_fin_job_new(capfd);
	const char *head =
		"{\"schema\":\"privwatch.capture/1\",\"record\":\"manifest\","
		"\"id\":\"20261201T101010Z-abcdefabcdef-1-0001\",\"version\":\"t\","
		"\"written\":\"2026-12-01T10:10:12.000000000Z\","
		"\"container\":{\"container\":{\"id\":\"abcdefabcdef\",\"name\":\"web\","
		"\"runtime\":\"docker\",\"mode\":\"privileged\",\"relaxed\":[\"seccomp\"]},"
		"\"cgroup_id\":7},"
		"\"window\":{\"trigger\":\"2026-12-01T10:10:10.500000000Z\","
		"\"from\":\"2026-12-01T10:09:40.500000000Z\",\"pre_s\":30,\"post_s\":10,"
		"\"ended_by\":\"window\"},"
		"\"triggers\":[{\"time\":\"2026-12-01T10:10:10.500000000Z\",\"rule\":\"PW-0101\","
		"\"title\":\"t\",\"pid\":42,\"kind\":\"open\",\"path\":\"/sys/x\"}],"
		"\"counts\":{\"triggers\":1,\"records_pre\":1,\"records_post\":1,"
		"\"records_cut\":0,\"alerts\":1,\"processes\":1},\"redacted_keys\":[]";
	const char *tl = "{\"schema\":\"privwatch.event/1\",\"kind\":\"exec\","
			 "\"time\":\"2026-12-01T10:10:10.000000000Z\",\"pid\":41,\"comm\":\"sh\","
			 "\"exe\":\"/bin/sh\"}\n"
			 "{\"schema\":\"privwatch.event/1\",\"kind\":\"open\","
			 "\"time\":\"2026-12-01T10:10:10.600000000Z\",\"pid\":42,\"comm\":\"cat\","
			 "\"path\":\"/sys/kernel/x\"}\n";
	const char *procs =
		"{\"processes\":[{\"pid\":42,\"ppid\":41,\"comm\":\"cat\","
		"\"exe\":\"/bin/cat\",\"argv\":[\"cat\",\"/sys/kernel/x\"],"
		"\"ancestors\":[{\"pid\":41,\"ppid\":1,\"comm\":\"sh\",\"exe\":\"/bin/sh\","
		"\"argv\":[\"sh\"],\"exited\":true}]}]}\n";

	assert_non_null(j);
	snprintf(j->id, sizeof(j->id), "%s", bundle);
	j->head = strdup(head);
	j->timeline = strdup(tl);
	j->timeline_len = strlen(tl);
	j->alerts = strdup("{\"schema\":\"privwatch.alert/1\"}\n");
	j->alerts_len = strlen(j->alerts);
	j->container = strdup("{\"container\":{}}");
	j->container_len = strlen(j->container);
	j->procs = strdup(procs);
	j->procs_len = strlen(procs);
	j->incomplete = strdup("[]");
	j->base.run(&j->base);
	assert_int_equal(j->rc, 0);
	j->base.free(&j->base);
}

static void test_list_show_verify(void **state)
{
	char err2[512], p[1024];
	json_t *j;
	int capfd, fd;

	snprintf(caps, sizeof(caps), "%s/caps", tmp);
	capfd = pw_bundle_dir_open(caps, 1, err2, sizeof(err2));
	assert_true(capfd >= 0);
	make_bundle(capfd);
	close(capfd);

	assert_int_equal(run("list", "--dir", caps, NULL, NULL), 0);
	assert_non_null(strstr(out, bundle));
	assert_non_null(strstr(out, "web"));
	assert_int_equal(run("list", "--json", "--dir", caps, NULL), 0);
	j = json_loads(out, 0, NULL);
	assert_true(json_is_array(j) && json_array_size(j) == 1);
	json_decref(j);

	assert_int_equal(run("show", bundle, "--dir", caps, NULL), 0);
	assert_non_null(strstr(out, "mode privileged"));
	assert_non_null(strstr(out, "---- trigger"));
	assert_non_null(strstr(out, "/sys/kernel/x"));
	/* the tree: the exited shell above the trigger */
	assert_non_null(strstr(out, "41 sh /bin/sh"));
	assert_non_null(strstr(out, "└─ 42 cat /bin/cat"));
	assert_true(strstr(out, "41 sh") < strstr(out, "42 cat"));
	assert_int_equal(run("show", "--json", bundle, "--dir", caps), 0);
	j = json_loads(out, 0, NULL);
	assert_non_null(j);
	assert_int_equal(json_array_size(json_object_get(j, "timeline")), 2);
	json_decref(j);

	assert_int_equal(run("verify", bundle, "--dir", caps, NULL), 0);
	assert_non_null(strstr(out, "every file matches"));
	/* changed afterwards */
	snprintf(p, sizeof(p), "%s/%s/timeline.jsonl", caps, bundle);
	fd = open(p, O_WRONLY | O_APPEND);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "{}\n", 3), 3);
	close(fd);
	assert_int_equal(run("verify", bundle, "--dir", caps, NULL), 1);
	assert_non_null(strstr(out, "timeline.jsonl"));
	/* a manifest that is not one */
	snprintf(p, sizeof(p), "%s/%s/manifest.json", caps, bundle);
	fd = open(p, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "{}", 2), 2);
	close(fd);
	assert_int_equal(run("verify", bundle, "--dir", caps, NULL), 1);
	assert_non_null(strstr(err, "not a privwatch.capture/1 manifest"));
}

static void test_refusals_and_usage(void **state)
{
	char link[600], gw[600];

	snprintf(link, sizeof(link), "%s/link", tmp);
	assert_int_equal(symlink(caps, link), 0);
	assert_int_equal(run("list", "--dir", link, NULL, NULL), 1);
	assert_non_null(strstr(err, "symlink"));
	snprintf(gw, sizeof(gw), "%s/gw", tmp);
	assert_int_equal(mkdir(gw, 0770), 0);
	assert_int_equal(chmod(gw, 0770), 0);
	assert_int_equal(run("list", "--dir", gw, NULL, NULL), 1);
	assert_non_null(strstr(err, "writable"));
	assert_int_equal(run("show", "../etc", "--dir", caps, NULL), 2);
	assert_int_equal(run("show", NULL, NULL, NULL, NULL), 2);
	assert_int_equal(run("list", "x", "--dir", caps, NULL), 2);
	assert_int_equal(run("frob", "x", "--dir", caps, NULL), 2);
	assert_int_equal(run("show", "nosuch", "--dir", caps, NULL), 1);
	assert_int_equal(run("--help", NULL, NULL, NULL, NULL), 0);
	assert_non_null(strstr(out, "privwatch capture verify"));
}

static int group_setup(void **state)
{
	return mkdtemp(tmp) ? 0 : -1;
}

static int group_teardown(void **state)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	return system(cmd) ? -1 : 0;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list_show_verify),
		cmocka_unit_test(test_refusals_and_usage),
	};

	h_init(argv[0]);
	return cmocka_run_group_tests_name("cli: capture", tests, group_setup, group_teardown);
}
