/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Test harness for the kernel tier: the real loader and reader, a fresh
 * cgroup2 directory per test run, and children placed in it before they
 * exec a workload.
 */
#ifndef PW_TEST_HARNESS_H
#define PW_TEST_HARNESS_H

#include <limits.h>
#include <stdint.h>
#include <sys/types.h>
#include "kernel/loader.h"
#include "kernel/reader.h"

#define H_MAX_EVENTS 65536

struct h_agent {
	struct pw_loader loader;
	struct pw_reader reader;
	void *events[H_MAX_EVENTS]; /* copies of the records, in arrival order */
	int n_events;
};

/* Path of the test binaries' directory (.output/tests), from argv[0]. */
void h_init(const char *argv0);
const char *h_workload(void);  /* .output/tests/workload */
const char *h_privwatch(void); /* .output/privwatch */

/* Run argv to completion; its stdout and stderr (NUL-terminated, cut to fit)
 * and exit status (-1 if killed). */
int h_capture(char *const argv[], char *out, size_t outlen, char *err, size_t errlen);

/* A running child whose stdout is read line by line. */
struct h_proc {
	pid_t pid;
	int out_fd;
	char buf[1 << 16];
	size_t len;
};
int h_proc_start(struct h_proc *p, char *const argv[]);
/* Next stdout line (without '\n') within ms, into line; 0, or -1 on timeout/EOF. */
/* How long a test waits for an agent's start record: the BPF LSM programs'
 * verification takes 11-13 s under the test VM's emulation (PW_VM_KERNEL),
 * well under one natively. An environment fact, not a speed claim. */
int h_start_wait_ms(void);

int h_proc_line(struct h_proc *p, char *line, size_t len, int ms);
/* Signal it and wait; returns the exit status, -1 if killed by a signal. */
int h_proc_stop(struct h_proc *p, int sig);

/* mkdir a uniquely named cgroup below parent (NULL: the cgroup2 root). */
int h_cgroup_create(const char *parent, const char *name, char *path, size_t len, uint64_t *id);
int h_cgroup_remove(const char *path);
/* <cgroup2 mount>/docker, where dockerd puts its containers' cgroups, made
 * if absent: dockerd may own it, so remove it only if *made. 0 or -errno. */
int h_docker_parent(char *path, size_t len, int *made);

/* fork, move the child into cgroup (NULL: stay), exec argv. Returns the pid. */
pid_t h_spawn(const char *cgroup, char *const argv[]);
/* The same, placed as a runtime places its init (or an exec session's
 * first process): this process writes the child's pid into the cgroup, and
 * only then does the child exec. If the placement fails the child exits 126. */
pid_t h_spawn_placed(const char *cgroup, char *const argv[]);
/* waitpid; returns the exit status, or -1 if it did not exit normally. */
int h_wait(pid_t pid);
/* spawn + wait */
int h_run(const char *cgroup, char *const argv[]);

/* Start the real loader and reader. A mode of PW_MODE_AUTO is replaced by
 * $PRIVWATCH_TEST_MODE when set, so one run of the suites can be forced to
 * tracepoint mode on a kernel where auto picks LSM (make test-vm). */
int h_agent_start(struct h_agent *a, const struct pw_loader_opts *o);
enum pw_attach_mode h_test_mode(void);
/* Does the running kernel have this BTF tracepoint ("cap_capable")? */
int h_kernel_has_btf_tracepoint(const char *name);
/* The variant this environment must choose for a concern ("tracepoint",
 * "lsm", "fentry", "kprobe"): written per environment, never taken from the
 * probe under test ($PRIVWATCH_EXPECT_CHOICE, else this host kind's). */
const char *h_expected_variant(const char *concern);
/* The variant the loader chose for a concern ("files", "capabilities"...). */
enum pw_variant h_variant(const struct h_agent *a, const char *concern);
/* The variant written for this environment (h_expected_variant), once the
 * test has asserted that the agent (started in auto mode) chose it: what a
 * test branches or skips on, so a wrong choice fails instead of steering
 * the test. */
enum pw_variant h_expect_variant(const struct h_agent *a, const char *concern);
/* Environment facts, read from /proc/self/mountinfo and never through the
 * agent's own cgroupfs code: the mount point of the cgroup v1 hierarchy of
 * controller (its name among the super options), or of cgroup2 (controller
 * NULL). 0, or -ENOENT when this environment has none mounted. */
int h_env_cgroup_mount(const char *controller, char *mount, size_t len);
/* Skip the current test, saying why on the output (cmocka counts it). */
#define h_skip_because(...)                                                                        \
	do {                                                                                       \
		print_message("[   SKIP   ] " __VA_ARGS__);                                        \
		print_message("\n");                                                               \
		skip();                                                                            \
	} while (0)
void h_agent_stop(struct h_agent *a);
/*
 * The kernel tier's usual fixture: a fresh cgroup below the cgroup2 root
 * (its path and id returned), watched by an agent started in mode.
 * Returns 0, or -1 with the reason on stderr.
 */
int h_watch_new_cgroup(struct h_agent *a, const char *name, enum pw_attach_mode mode, char *cg,
		       size_t len, uint64_t *id);
/* Stop the agent, remove the cgroup. */
int h_unwatch_cgroup(struct h_agent *a, const char *cg);
/* cmocka per-test setup: drain late events, forget the collected ones.
 * *state is the struct h_agent (a group setup sets *state = agent). */
int h_forget_events(void **state);

/* The kernel counted no drop of any kind, and sent at least one record of
 * type. The counters are returned in out (may be NULL). */
struct pw_kstats;
void h_assert_no_drops(struct h_agent *a, unsigned int type, struct pw_kstats *out);
/* A cgroup made below parent after the agent started is watched from its
 * first process on (the kernel adds it at mkdir): an exec in it arrives with
 * its id. The cgroup is removed again. */
void h_assert_late_child_cgroup_watched(struct h_agent *a, const char *parent);

/* Poll for up to ms milliseconds (at least one poll). */
void h_agent_drain(struct h_agent *a, int ms);
void h_agent_clear(struct h_agent *a);

/* The i-th collected event of a type from a pid (pid 0: any), or NULL. */
const void *h_find(struct h_agent *a, unsigned int type, pid_t pid, int nth);
int h_count(struct h_agent *a, unsigned int type, pid_t pid);

#endif
