// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Jobs of the host-reading worker (host/host_jobs.h). */
#include <dirent.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "host/host_jobs.h"
#include "host/posture.h"

static void job_free(struct pw_hw_job *j)
{
	free(j);
}

static void fact_run(struct pw_hw_job *b)
{
	struct pw_fact_job *j = (struct pw_fact_job *)b;
	pid_t pid = j->pid;

	if (j->want == PW_CT_WANT_IDENTIFY) {
		j->identified = pw_container_from_cgroup_path_at(j->root, j->cgroup, &j->found);
		if (j->identified)
			j->meta_ok = pw_runtime_state_read(j->root, &j->found, &j->meta) == 0;
		return;
	}
	j->meta_ok = pw_runtime_state_read(j->root, &j->ref, &j->meta) == 0;
	if (!j->measure)
		return;
	if (!pid && j->mount[0] && j->cgroup[0] == '/') {
		struct pw_containers cs = {};
		struct pw_container c = {};

		snprintf(cs.mount, sizeof(cs.mount), "%s", j->mount);
		snprintf(cs.controller, sizeof(cs.controller), "%s", j->controller);
		c.cgroup = j->cgroup;
		c.meta = j->meta;
		pid = pw_container_init_pid(&cs, &c);
	}
	j->measured = 1;
	j->measured_pid = pid;
	/* The process exec'd in-kernel before we read this: a short-lived
	 * entrypoint may be gone already (-ESRCH: posture unknown). */
	j->posture_rc = pid ? pw_posture_measure(pid, j->root, j->root, &j->posture) : -ESRCH;
	if (j->posture_rc)
		snprintf(j->reason, sizeof(j->reason), "%s",
			 j->posture_rc == -ESRCH ? "no process to measure"
						 : strerror(-j->posture_rc));
}

static void fact_timeout(struct pw_hw_job *b, const char *what)
{
	struct pw_fact_job *j = (struct pw_fact_job *)b;

	j->meta_ok = 0;
	j->measured = j->measure;
	j->measured_pid = j->pid;
	j->posture_rc = -ETIMEDOUT;
	snprintf(j->reason, sizeof(j->reason), "timed out reading %s", what);
}

struct pw_fact_job *pw_fact_job_new(const struct pw_ctable *t, const struct pw_ct_container *c,
				    enum pw_ct_want want, const char *mount, const char *controller,
				    const char *cgroup)
{
	struct pw_fact_job *j = calloc(1, sizeof(*j));

	if (!j)
		return NULL;
	j->base.run = fact_run;
	j->base.on_timeout = fact_timeout;
	j->base.free = job_free;
	j->base.size = sizeof(*j);
	j->base.copy_size = offsetof(struct pw_fact_job, identified);
	j->cgroup_id = c->cgroup_id;
	j->gen = c->gen;
	j->want = want;
	j->ref = c->ref;
	j->pid = want == PW_CT_WANT_START ? c->start_pid : 0;
	j->measure = want != PW_CT_WANT_STATE && want != PW_CT_WANT_IDENTIFY && t->measure;
	snprintf(j->root, sizeof(j->root), "%s", t->root);
	if (want == PW_CT_WANT_IDENTIFY)
		snprintf(j->cgroup, sizeof(j->cgroup), "%s", c->path);
	if (want == PW_CT_WANT_DISCOVERED && mount && cgroup) {
		snprintf(j->mount, sizeof(j->mount), "%s", mount);
		snprintf(j->controller, sizeof(j->controller), "%s", controller ? controller : "");
		snprintf(j->cgroup, sizeof(j->cgroup), "%s", cgroup);
	}
	return j;
}

static void discover_run(struct pw_hw_job *b)
{
	struct pw_discover_job *j = (struct pw_discover_job *)b;

	j->rc = pw_containers_list(&j->cs, j->mount);
	if (j->rc)
		snprintf(j->reason, sizeof(j->reason), "%s", strerror(-j->rc));
}

static void discover_timeout(struct pw_hw_job *b, const char *what)
{
	struct pw_discover_job *j = (struct pw_discover_job *)b;

	j->rc = -ETIMEDOUT;
	snprintf(j->reason, sizeof(j->reason), "timed out reading %s", what);
}

static void discover_free(struct pw_hw_job *b)
{
	struct pw_discover_job *j = (struct pw_discover_job *)b;

	pw_containers_free(&j->cs);
	free(j);
}

struct pw_discover_job *pw_discover_job_new(const char *mount, int announce)
{
	struct pw_discover_job *j = calloc(1, sizeof(*j));

	if (!j)
		return NULL;
	j->base.run = discover_run;
	j->base.on_timeout = discover_timeout;
	j->base.free = discover_free;
	j->base.size = sizeof(*j);
	j->base.copy_size = offsetof(struct pw_discover_job, rc);
	snprintf(j->mount, sizeof(j->mount), "%s", mount ? mount : "");
	j->announce = announce;
	return j;
}

static void procs_run(struct pw_hw_job *b)
{
	struct pw_procs_job *j = (struct pw_procs_job *)b;
	size_t i, cap = 0;

	if (j->list) {
		struct dirent *de;
		DIR *d;

		pw_hw_reading("the list of /proc");
		d = opendir("/proc");
		if (!d)
			return;
		while ((de = readdir(d))) {
			char *end;
			unsigned long pid = strtoul(de->d_name, &end, 10);

			if (*end || !pid || pid > UINT32_MAX)
				continue;
			if (j->nfound == cap) {
				uint32_t *v =
					realloc(j->found, (cap ? cap * 2 : 1024) * sizeof(*v));

				if (!v)
					break;
				j->found = v;
				cap = cap ? cap * 2 : 1024;
			}
			j->found[j->nfound++] = (uint32_t)pid;
		}
		closedir(d);
		return;
	}
	j->procs = calloc(j->npids ? j->npids : 1, sizeof(*j->procs));
	if (!j->procs)
		return;
	for (i = 0; i < j->npids; i++)
		if (!pw_ptable_read_proc("/", j->pids[i], &j->procs[j->nprocs]))
			j->nprocs++;
}

static void procs_timeout(struct pw_hw_job *b, const char *what)
{
}

static void procs_free(struct pw_hw_job *b)
{
	struct pw_procs_job *j = (struct pw_procs_job *)b;

	free(j->found);
	free(j->procs);
	free(j);
}

struct pw_procs_job *pw_procs_job_new(int list)
{
	struct pw_procs_job *j = calloc(1, sizeof(*j));

	if (!j)
		return NULL;
	j->base.run = procs_run;
	j->base.on_timeout = procs_timeout;
	j->base.free = procs_free;
	j->base.size = sizeof(*j);
	j->base.copy_size = offsetof(struct pw_procs_job, found);
	j->list = list;
	return j;
}

static void call_run(struct pw_hw_job *b)
{
	struct pw_call_job *j = (struct pw_call_job *)b;

	j->result = j->work(j->ctx);
}

static void call_timeout(struct pw_hw_job *b, const char *what)
{
}

static void call_free(struct pw_hw_job *b)
{
	free(b);
}

struct pw_call_job *pw_call_job_new(int (*work)(void *ctx),
				    void (*done)(void *ctx, int result, int timed_out), void *ctx)
{
	struct pw_call_job *j = calloc(1, sizeof(*j));

	if (!j)
		return NULL;
	j->base.run = call_run;
	j->base.on_timeout = call_timeout;
	j->base.free = call_free;
	j->base.size = sizeof(*j);
	j->base.copy_size = offsetof(struct pw_call_job, result);
	j->work = work;
	j->done = done;
	j->ctx = ctx;
	return j;
}
