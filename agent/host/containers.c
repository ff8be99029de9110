// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "host/cgroupfs.h"
#include "host/containers.h"
#include "host/hostworker.h"

#define WALK_DEPTH_MAX 32 /* below a container: runtimes nest one or two levels */

struct walk {
	struct pw_containers *cs;
	size_t mlen;
	int err;
};

static int add(struct pw_containers *cs, uint64_t id, const char *rel,
	       const struct pw_container_ref *ref)
{
	struct pw_container *c;

	if (cs->n == cs->cap) {
		size_t cap = cs->cap ? cs->cap * 2 : 16;
		void *v = realloc(cs->v, cap * sizeof(*cs->v));

		if (!v)
			return -ENOMEM;
		cs->v = v;
		cs->cap = cap;
	}
	c = &cs->v[cs->n];
	memset(c, 0, sizeof(*c));
	c->cgroup = strdup(rel);
	if (!c->cgroup)
		return -ENOMEM;
	c->cgroup_id = id;
	c->ref = *ref;
	c->posture_rc = -ESRCH;
	cs->n++;
	return 0;
}

static int push_id(uint64_t **v, size_t *n, size_t *cap, uint64_t id)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 64;
		uint64_t *nv = realloc(*v, c * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		*v = nv;
		*cap = c;
	}
	(*v)[(*n)++] = id;
	return 0;
}

static int under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return !strncmp(path, dir, n) && (path[n] == '\0' || path[n] == '/');
}

static int visit(uint64_t id, const char *path, void *ctx)
{
	struct walk *w = ctx;
	struct pw_containers *cs = w->cs;
	struct pw_container_ref ref;
	const char *rel = path + w->mlen;

	if (cs->want_ids && (w->err = push_id(&cs->ids, &cs->nids, &cs->ids_cap, id)))
		return w->err;
	if (!*rel)
		return 0; /* the root: the host */
	/* Preorder: a container's sub-cgroups come right after it. */
	if (cs->n && under(rel, cs->v[cs->n - 1].cgroup)) {
		struct pw_container *c = &cs->v[cs->n - 1];

		if (cs->want_ids)
			w->err = push_id(&c->subs, &c->nsubs, &c->subs_cap, id);
		return w->err;
	}
	if (!pw_container_from_cgroup_path(rel, &ref))
		return 0;
	w->err = add(cs, id, rel, &ref);
	return w->err;
}

/* Is pid in the cgroup rel (or below it) of the hierarchy walked? */
static int pid_in(const struct pw_containers *cs, pid_t pid, const char *rel)
{
	char file[64], line[4096];
	int found = 0;
	FILE *f;

	snprintf(file, sizeof(file), "/proc/%d/cgroup", (int)pid);
	pw_hw_reading("%s", file);
	f = fopen(file, "re");
	if (!f)
		return 0;
	/* "0::/docker/<id>" or "4:memory:/docker/<id>" */
	while (!found && fgets(line, sizeof(line), f)) {
		char *ctl = strchr(line, ':'), *path;

		if (!ctl || !(path = strchr(ctl + 1, ':')))
			continue;
		*ctl++ = '\0';
		*path++ = '\0';
		path[strcspn(path, "\n")] = '\0';
		if (cs->controller[0]) {
			char *tok, *save = NULL;
			int match = 0;

			for (tok = strtok_r(ctl, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
				match |= !strcmp(tok, cs->controller);
			if (!match)
				continue;
		} else if (strcmp(line, "0") || *ctl) {
			continue;
		}
		found = under(path, rel);
	}
	fclose(f);
	return found;
}

/* The lowest pid in dir's cgroup.procs and those of its sub-cgroups; 0 if none. */
static pid_t lowest_pid(int dirfd, int depth)
{
	pid_t best = 0;
	struct dirent *e;
	DIR *d;
	int fd;

	pw_hw_reading("cgroup.procs of a container");
	fd = openat(dirfd, "cgroup.procs", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		FILE *f = fdopen(fd, "re");
		long p;

		if (f) {
			while (fscanf(f, "%ld", &p) == 1)
				if (p > 0 && (!best || p < best))
					best = (pid_t)p;
			fclose(f);
		} else {
			close(fd);
		}
	}
	if (depth >= WALK_DEPTH_MAX)
		return best;
	fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return best;
	}
	while ((e = readdir(d))) {
		pid_t p;
		int sub;

		if (e->d_type != DT_DIR || !strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		sub = openat(dirfd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0)
			continue; /* removed meanwhile */
		p = lowest_pid(sub, depth + 1);
		close(sub);
		if (p && (!best || p < best))
			best = p;
	}
	closedir(d);
	return best;
}

pid_t pw_container_init_pid(const struct pw_containers *cs, const struct pw_container *c)
{
	char dir[PATH_MAX];
	pid_t pid = 0;
	int fd;

	/* The runtime's word, if its process is still there and still ours:
	 * a recorded pid outlives its container and can be reused. */
	if (c->meta.init_pid > 0 && pid_in(cs, c->meta.init_pid, c->cgroup))
		return c->meta.init_pid;
	if ((size_t)snprintf(dir, sizeof(dir), "%s%s", cs->mount, c->cgroup) < sizeof(dir)) {
		pw_hw_reading("%s", dir);
		fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0) {
			pid = lowest_pid(fd, 0);
			close(fd);
		}
	}
	return pid;
}

static void fill(struct pw_containers *cs, struct pw_container *c)
{
	char dir[PATH_MAX];
	int fd;

	pw_runtime_state_read("/", &c->ref, &c->meta);
	/* The runtime's word, if its process is still there and still ours:
	 * a recorded pid outlives its container and can be reused. */
	if (c->meta.init_pid > 0 && pid_in(cs, c->meta.init_pid, c->cgroup)) {
		c->init_pid = c->meta.init_pid;
	} else if ((size_t)snprintf(dir, sizeof(dir), "%s%s", cs->mount, c->cgroup) < sizeof(dir)) {
		fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0) {
			c->init_pid = lowest_pid(fd, 0);
			close(fd);
		}
	}
	c->posture_rc =
		c->init_pid ? pw_posture_measure(c->init_pid, "/", "/", &c->posture) : -ESRCH;
}

static int by_runtime_name(const void *a, const void *b)
{
	const struct pw_container *x = a, *y = b;
	int d = strcmp(pw_runtime_name(x->ref.runtime), pw_runtime_name(y->ref.runtime));

	if (!d)
		d = strcmp(x->meta.name, y->meta.name);
	return d ? d : strcmp(x->ref.id, y->ref.id);
}

static int walk_containers(struct pw_containers *cs, const char *mount, int want_ids)
{
	struct walk w = { .cs = cs };
	struct pw_cgroup_v1 v1;
	size_t i;
	int rc;

	memset(cs, 0, sizeof(*cs));
	cs->want_ids = want_ids;
	if (mount) {
		if (snprintf(cs->mount, sizeof(cs->mount), "%s", mount) >= (int)sizeof(cs->mount))
			return -ENAMETOOLONG;
		rc = pw_is_cgroup2(mount);
		if (rc < 0)
			return rc;
		if (!rc) {
			/* A v1 hierarchy: which controller names it in /proc/<pid>/cgroup. */
			static const char *const ctl[] = {
				"memory",  "pids",  "cpu",     "cpuacct",
				"devices", "blkio", "freezer", "cpuset"
			};

			for (i = 0; i < sizeof(ctl) / sizeof(ctl[0]); i++)
				if (!pw_cgroup_v1_find(ctl[i], &v1) && !strcmp(v1.mount, mount))
					break;
			if (i == sizeof(ctl) / sizeof(ctl[0]))
				return -EINVAL;
			snprintf(cs->controller, sizeof(cs->controller), "%s", ctl[i]);
		}
	} else if (pw_cgroup2_mount(cs->mount, sizeof(cs->mount))) {
		rc = pw_cgroup_v1_find(NULL, &v1);
		if (rc)
			return rc;
		snprintf(cs->mount, sizeof(cs->mount), "%s", v1.mount);
		snprintf(cs->controller, sizeof(cs->controller), "%s", v1.controller);
	}
	/* nftw hands "/sys/fs/cgroup/x" for a mount given as "/sys/fs/cgroup/". */
	w.mlen = strlen(cs->mount);
	while (w.mlen > 1 && cs->mount[w.mlen - 1] == '/')
		cs->mount[--w.mlen] = '\0';
	pw_hw_reading("the cgroup hierarchy at %s", cs->mount);
	rc = pw_cgroup_walk(cs->mount, visit, &w);
	if (rc || w.err) {
		pw_containers_free(cs);
		return rc ? rc : w.err;
	}
	return 0;
}

int pw_containers_list(struct pw_containers *cs, const char *mount)
{
	return walk_containers(cs, mount, 1);
}

int pw_containers_discover(struct pw_containers *cs, const char *mount)
{
	size_t i;
	int rc = walk_containers(cs, mount, 0);

	if (rc)
		return rc;
	for (i = 0; i < cs->n; i++)
		fill(cs, &cs->v[i]);
	/* Stable output: directory order is whatever the kernel's is. No
	 * container: cs->v is NULL, which qsort must not be given (UBSan). */
	if (cs->n)
		qsort(cs->v, cs->n, sizeof(*cs->v), by_runtime_name);
	return 0;
}

void pw_containers_free(struct pw_containers *cs)
{
	size_t i;

	for (i = 0; i < cs->n; i++) {
		free(cs->v[i].cgroup);
		free(cs->v[i].subs);
	}
	free(cs->v);
	free(cs->ids);
	cs->v = NULL;
	cs->ids = NULL;
	cs->n = cs->cap = cs->nids = cs->ids_cap = 0;
}

static int all_digits(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

int pw_containers_lookup(const struct pw_containers *cs, const char *key, size_t *idx)
{
	size_t i, n = 0, len = strlen(key);

	if (!len)
		return -ENOENT;
	for (i = 0; i < cs->n; i++)
		if (!strcmp(cs->v[i].ref.id, key))
			goto found;
	for (i = 0; i < cs->n; i++)
		if (cs->v[i].meta.name[0] && !strcmp(cs->v[i].meta.name, key))
			goto found;
	if (all_digits(key)) {
		long pid = strtol(key, NULL, 10);

		for (i = 0; pid > 0 && pid <= INT_MAX && i < cs->n; i++)
			if (cs->v[i].init_pid == pid || pid_in(cs, (pid_t)pid, cs->v[i].cgroup))
				goto found;
	}
	for (i = 0; i < cs->n; i++)
		if (!strncmp(cs->v[i].ref.id, key, len)) {
			*idx = i;
			n++;
		}
	return n == 1 ? 0 : n ? -EEXIST : -ENOENT;
found:
	*idx = i;
	return 0;
}

int pw_container_priv_mismatch(const struct pw_container *c)
{
	int priv;

	if (c->posture_rc || c->meta.privileged == PW_PRIV_UNKNOWN)
		return 0;
	priv = c->posture.mode == PW_POSTURE_PRIVILEGED;
	return priv != (c->meta.privileged == PW_PRIV_YES);
}

const char *pw_container_short_id(const struct pw_container *c, char buf[13])
{
	size_t n = strlen(c->ref.id);

	/* Cut only generated ids: a runc or ctr id is a name the user chose. */
	if (n != 64 || strspn(c->ref.id, "0123456789abcdef") != 64)
		return c->ref.id;
	snprintf(buf, 13, "%s", c->ref.id);
	return buf;
}
