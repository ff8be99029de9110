// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Kernel tier, container discovery on the running host: a cgroup2 directory
 * shaped like a docker container (/docker/<64 hex>, an id no real container
 * has) with a sleeping child in it, found by pw_containers_discover and by
 * `privwatch ps` / `inspect`; a cgroup that is not a container is not.
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
#include <unistd.h>
#include <cmocka.h>
#include "host/cgroupfs.h"
#include "host/containers.h"
#include "harness.h"

static char mnt[4096], parent[4200], ctr[4300], sub[4400], empty_ctr[4300], plain[4300];
static char id[65], empty_id[65];
static int made_parent;
static pid_t child, plain_child;

/* A hex id no runtime made: our pid, then a fixed filler. */
static void make_id(char *out, unsigned int salt)
{
	snprintf(out, 65,
		 "%08x%08x"
		 "feedc0defeedc0defeedc0defeedc0defeedc0defeedc0de",
		 (unsigned int)getpid(), salt);
}

static int setup(void **state)
{
	char *sleep_argv[] = { "/bin/sleep", "300", NULL };

	if (pw_cgroup2_mount(mnt, sizeof(mnt)) ||
	    h_docker_parent(parent, sizeof(parent), &made_parent)) {
		fprintf(stderr, "no cgroup2 mount on this host, or no /docker in it\n");
		return -1;
	}
	make_id(id, 1);
	make_id(empty_id, 2);
	snprintf(ctr, sizeof(ctr), "%s/%s", parent, id);
	snprintf(sub, sizeof(sub), "%s/sub", ctr);
	snprintf(empty_ctr, sizeof(empty_ctr), "%s/%s", parent, empty_id);
	snprintf(plain, sizeof(plain), "%s/privwatch-test-plain-%d", mnt, (int)getpid());
	if (mkdir(ctr, 0755) || mkdir(sub, 0755) || mkdir(empty_ctr, 0755) || mkdir(plain, 0755)) {
		perror("mkdir test cgroups");
		return -1;
	}
	/* The child sits in a sub-cgroup: the container's init is found below it. */
	child = h_spawn(sub, sleep_argv);
	plain_child = h_spawn(plain, sleep_argv);
	if (child <= 0 || plain_child <= 0)
		return -1;
	usleep(100 * 1000); /* let both children join their cgroups and exec */
	return 0;
}

static int teardown(void **state)
{
	if (child > 0) {
		kill(child, SIGKILL);
		h_wait(child);
	}
	if (plain_child > 0) {
		kill(plain_child, SIGKILL);
		h_wait(plain_child);
	}
	rmdir(sub);
	rmdir(ctr);
	rmdir(empty_ctr);
	rmdir(plain);
	if (made_parent)
		rmdir(parent);
	return 0;
}

static const struct pw_container *find(const struct pw_containers *cs, const char *cid)
{
	size_t i;

	for (i = 0; i < cs->n; i++)
		if (!strcmp(cs->v[i].ref.id, cid))
			return &cs->v[i];
	return NULL;
}

static void test_discover(void **state)
{
	struct pw_containers cs;
	const struct pw_container *c;
	char rel[128];
	uint64_t cgid;
	size_t i;

	assert_int_equal(pw_containers_discover(&cs, NULL), 0);
	assert_string_equal(cs.mount, mnt);
	c = find(&cs, id);
	assert_non_null(c);
	assert_int_equal(c->ref.runtime, PW_RUNTIME_DOCKER);
	snprintf(rel, sizeof(rel), "/docker/%s", id);
	assert_string_equal(c->cgroup, rel);
	assert_int_equal(pw_cgroup_id(ctr, &cgid), 0);
	assert_true(c->cgroup_id == cgid);
	assert_int_equal(c->init_pid, child);
	assert_int_equal(c->posture_rc, 0);
	assert_int_equal(c->posture.pid, child);
	/* A host process: its capabilities are the host's. */
	assert_int_equal(c->posture.dim[PW_DIM_CAPABILITIES].state, PW_DIM_RELAXED);

	/* No process yet: listed, posture unknown. */
	c = find(&cs, empty_id);
	assert_non_null(c);
	assert_int_equal(c->init_pid, 0);
	assert_int_equal(c->posture_rc, -ESRCH);

	/* Neither the sub-cgroup nor the plain cgroup is a container. */
	for (i = 0; i < cs.n; i++) {
		assert_null(strstr(cs.v[i].cgroup, "/sub"));
		assert_null(strstr(cs.v[i].cgroup, "privwatch-test-plain"));
	}
	pw_containers_free(&cs);
}

static void test_lookup(void **state)
{
	struct pw_containers cs;
	char key[32], prefix[9];
	size_t i;

	assert_int_equal(pw_containers_discover(&cs, NULL), 0);
	/* Our two ids share the first 8 characters: ambiguous. */
	snprintf(prefix, sizeof(prefix), "%.8s", id);
	assert_int_equal(pw_containers_lookup(&cs, prefix, &i), -EEXIST);
	snprintf(key, sizeof(key), "%.16s", id);
	assert_int_equal(pw_containers_lookup(&cs, key, &i), 0);
	assert_string_equal(cs.v[i].ref.id, id);
	assert_int_equal(pw_containers_lookup(&cs, id, &i), 0);
	assert_string_equal(cs.v[i].ref.id, id);
	snprintf(key, sizeof(key), "%d", (int)child);
	assert_int_equal(pw_containers_lookup(&cs, key, &i), 0);
	assert_string_equal(cs.v[i].ref.id, id);
	snprintf(key, sizeof(key), "%d", (int)plain_child);
	assert_int_equal(pw_containers_lookup(&cs, key, &i), -ENOENT);
	assert_int_equal(pw_containers_lookup(&cs, "zzzz", &i), -ENOENT);
	pw_containers_free(&cs);
}

static void test_cli(void **state)
{
	static char out[1 << 20], err[4096];
	char key[32], want[128];
	char *ps[] = { (char *)h_privwatch(), "ps", NULL };
	char *ps_json[] = { (char *)h_privwatch(), "ps", "--json", NULL };
	char *insp[] = { (char *)h_privwatch(), "inspect", key, NULL };
	char *insp_none[] = { (char *)h_privwatch(), "inspect", "zzzz", NULL };
	char *insp_usage[] = { (char *)h_privwatch(), "inspect", NULL };

	assert_int_equal(h_capture(ps, out, sizeof(out), err, sizeof(err)), 0);
	snprintf(want, sizeof(want), "%.12s", id);
	assert_non_null(strstr(out, want));
	assert_int_equal(h_capture(ps_json, out, sizeof(out), err, sizeof(err)), 0);
	snprintf(want, sizeof(want), "\"id\":\"%s\"", id);
	assert_non_null(strstr(out, want));
	snprintf(want, sizeof(want), "\"init_pid\":%d", (int)child);
	assert_non_null(strstr(out, want));
	assert_null(strstr(out, "\"\"")); /* unknown is null, never "" */

	snprintf(key, sizeof(key), "%.16s", id);
	assert_int_equal(h_capture(insp, out, sizeof(out), err, sizeof(err)), 0);
	assert_non_null(strstr(out, "runtime:   docker"));
	assert_non_null(strstr(out, "capabilities"));
	assert_non_null(strstr(out, "selinux"));
	snprintf(key, sizeof(key), "%.8s", id);
	assert_int_equal(h_capture(insp, out, sizeof(out), err, sizeof(err)), 1);
	assert_non_null(strstr(err, "more than one container matches"));
	snprintf(want, sizeof(want), "  %.12s", id); /* each match listed */
	assert_non_null(strstr(err, want));
	assert_int_equal(h_capture(insp_none, out, sizeof(out), err, sizeof(err)), 1);
	assert_non_null(strstr(err, "no running container matches"));
	assert_int_equal(h_capture(insp_usage, out, sizeof(out), err, sizeof(err)), 2);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_discover),
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_cli),
	};

	h_init(argv[0]);
	setvbuf(stdout, NULL, _IOLBF, 0);
	return cmocka_run_group_tests_name("kernel: containers", tests, setup, teardown);
}
