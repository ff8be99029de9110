// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "host/cgroupfs.h"
#include "host/container_table.h"
#include "host/containers.h"

#define CT_MIN_CAP 64

/* splitmix64's finaliser: cgroup ids are sequential, spread them. */
static size_t slot_of(const struct pw_ctable *t, uint64_t id)
{
	id ^= id >> 30;
	id *= 0xbf58476d1ce4e5b9ULL;
	id ^= id >> 27;
	id *= 0x94d049bb133111ebULL;
	id ^= id >> 31;
	return id & (t->cap - 1);
}

int pw_ctable_init(struct pw_ctable *t, const char *root, int measure)
{
	memset(t, 0, sizeof(*t));
	snprintf(t->root, sizeof(t->root), "%s", root ? root : "/");
	t->measure = measure;
	t->cap = CT_MIN_CAP;
	t->slots = calloc(t->cap, sizeof(*t->slots));
	return t->slots ? 0 : -ENOMEM;
}

static void put(struct pw_ctable *t, struct pw_ct_container *c)
{
	if (--c->refs)
		return;
	if (c->pending) {
		t->pending--;
	} else {
		t->containers--;
		t->removed++;
	}
	free(c);
}

void pw_ctable_free(struct pw_ctable *t)
{
	size_t i;

	for (i = 0; i < t->cap; i++)
		if (t->slots[i].id)
			put(t, t->slots[i].c);
	free(t->slots);
	t->slots = NULL;
	t->cap = t->cgroups = 0;
}

static struct pw_ct_slot *find(const struct pw_ctable *t, uint64_t id)
{
	size_t i;

	if (!id || !t->cap)
		return NULL;
	for (i = slot_of(t, id); t->slots[i].id; i = (i + 1) & (t->cap - 1))
		if (t->slots[i].id == id)
			return &t->slots[i];
	return NULL;
}

struct pw_ct_container *pw_ctable_lookup(const struct pw_ctable *t, uint64_t cgroup_id)
{
	struct pw_ct_slot *s = find(t, cgroup_id);

	return s && !s->c->pending ? s->c : NULL;
}

static void place(struct pw_ctable *t, uint64_t id, struct pw_ct_container *c)
{
	size_t i = slot_of(t, id);

	while (t->slots[i].id)
		i = (i + 1) & (t->cap - 1);
	t->slots[i].id = id;
	t->slots[i].c = c;
}

/* Kept at most half full: short probe runs. Grows to the peak, never shrinks. */
static int grow(struct pw_ctable *t)
{
	struct pw_ct_slot *old = t->slots;
	size_t i, n = t->cap;

	t->slots = calloc(n * 2, sizeof(*t->slots));
	if (!t->slots) {
		t->slots = old;
		return -ENOMEM;
	}
	t->cap = n * 2;
	for (i = 0; i < n; i++)
		if (old[i].id)
			place(t, old[i].id, old[i].c);
	free(old);
	return 0;
}

static int insert(struct pw_ctable *t, uint64_t id, struct pw_ct_container *c)
{
	if (!id)
		return -EINVAL;
	if (find(t, id))
		return 0;
	if ((t->cgroups + 1) * 2 > t->cap && grow(t))
		return -ENOMEM;
	place(t, id, c);
	t->cgroups++;
	c->refs++;
	return 0;
}

/* Linear probing without tombstones: shift later members of the run back. */
static void erase(struct pw_ctable *t, struct pw_ct_slot *s)
{
	size_t mask = t->cap - 1, hole = s - t->slots, i = hole, home;

	s->id = 0;
	s->c = NULL;
	for (;;) {
		i = (i + 1) & mask;
		if (!t->slots[i].id)
			break;
		home = slot_of(t, t->slots[i].id);
		/* Movable if its home is not in (hole, i], cyclically. */
		if ((i > hole && (home <= hole || home > i)) ||
		    (i < hole && home <= hole && home > i)) {
			t->slots[hole] = t->slots[i];
			t->slots[i].id = 0;
			t->slots[i].c = NULL;
			hole = i;
		}
	}
	t->cgroups--;
}

static struct pw_ct_container *new_container(struct pw_ctable *t, uint64_t id,
					     const struct pw_container_ref *ref)
{
	struct pw_ct_container *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->cgroup_id = id;
	c->ref = *ref;
	c->posture_rc = -EAGAIN;
	t->containers++;
	t->added++;
	return c;
}

struct load_walk {
	struct pw_ctable *t;
	struct pw_ct_container *c;
	int err;
};

static int add_sub(uint64_t id, const char *path, void *ctx)
{
	struct load_walk *w = ctx;

	w->err = insert(w->t, id, w->c);
	return w->err;
}

int pw_ctable_load(struct pw_ctable *t, const struct pw_containers *cs)
{
	char dir[PATH_MAX];
	size_t i;
	int rc;

	for (i = 0; i < cs->n; i++) {
		const struct pw_container *d = &cs->v[i];
		struct load_walk w = {.t = t};

		if (pw_ctable_lookup(t, d->cgroup_id))
			continue;
		w.c = new_container(t, d->cgroup_id, &d->ref);
		if (!w.c)
			return -ENOMEM;
		w.c->meta = d->meta;
		w.c->phase = PW_PHASE_STARTED;
		w.c->start_pid = d->init_pid;
		w.c->posture_rc = d->posture_rc;
		w.c->posture = d->posture;
		rc = insert(t, d->cgroup_id, w.c);
		if (rc) {
			free(w.c);
			return rc;
		}
		/* Its sub-cgroups too: their tasks' events carry their own ids.
		 * A container gone since discovery is no error. */
		if ((size_t)snprintf(dir, sizeof(dir), "%s%s", cs->mount, d->cgroup) < sizeof(dir))
			pw_cgroup_walk(dir, add_sub, &w);
		if (w.err == -ENOMEM)
			return w.err;
	}
	return 0;
}

/* A runc-made cgroup not (yet) recognisable: remembered until its first exec. */
static int add_pending(struct pw_ctable *t, uint64_t id, const char *path)
{
	struct pw_ct_container *c;

	if (strlen(path) >= sizeof(c->path))
		return 0;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->pending = 1;
	c->cgroup_id = id;
	strcpy(c->path, path);
	t->pending++;
	if (insert(t, id, c)) {
		t->pending--;
		free(c);
		return -ENOMEM;
	}
	return 0;
}

int pw_ctable_mkdir(struct pw_ctable *t, uint64_t id, uint64_t parent_id, const char *path)
{
	return pw_ctable_mkdir_by(t, id, parent_id, path, NULL);
}

int pw_ctable_mkdir_by(struct pw_ctable *t, uint64_t id, uint64_t parent_id, const char *path,
		       const char *maker_comm)
{
	struct pw_ct_container *c;
	struct pw_container_ref ref;
	int rc;

	if (find(t, id))
		return pw_ctable_lookup(t, id) ? 1 : 0; /* found at start already */
	c = pw_ctable_lookup(t, parent_id);
	if (c)
		return insert(t, id, c) ? -ENOMEM : 1;
	if (!pw_container_from_cgroup_path_at(t->root, path, &ref))
		return maker_comm && !strcmp(maker_comm, "runc") ? add_pending(t, id, path) : 0;
	c = new_container(t, id, &ref);
	if (!c)
		return -ENOMEM;
	/* The runtime wrote its state before making the cgroup (docker's
	 * config.v2.json at create); read again when the entrypoint runs. */
	pw_runtime_state_read(t->root, &c->ref, &c->meta);
	rc = insert(t, id, c);
	if (rc) {
		free(c);
		t->containers--;
		return rc;
	}
	return 1;
}

void pw_ctable_rmdir(struct pw_ctable *t, uint64_t id)
{
	struct pw_ct_slot *s = find(t, id);
	struct pw_ct_container *c;

	if (!s)
		return;
	c = s->c;
	erase(t, s);
	put(t, c);
}

static int has_id(const uint64_t *v, size_t n, uint64_t id)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid] == id)
			return 1;
		if (v[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

size_t pw_ctable_prune(struct pw_ctable *t, const uint64_t *live, size_t n)
{
	uint64_t *dead;
	size_t i, gone = 0;

	/* Collect first: erasing moves entries between slots. */
	dead = calloc(t->cgroups ? t->cgroups : 1, sizeof(*dead));
	if (!dead)
		return 0;
	for (i = 0; i < t->cap; i++)
		if (t->slots[i].id && !has_id(live, n, t->slots[i].id))
			dead[gone++] = t->slots[i].id;
	for (i = 0; i < gone; i++)
		pw_ctable_rmdir(t, dead[i]);
	free(dead);
	return gone;
}

static const char *base(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

struct pw_ct_container *pw_ctable_exec_unknown(struct pw_ctable *t, uint64_t cgroup_id, pid_t pid,
					       const char *filename, const char *args,
					       size_t args_len)
{
	struct pw_ct_slot *s = find(t, cgroup_id);
	struct pw_ct_container *c;
	struct pw_container_ref ref;

	if (!s || !s->c->pending)
		return NULL;
	c = s->c;
	/* runc re-executing itself as "runc init" may land in the cgroup
	 * before its state.json exists (the parent moves the child while it
	 * execs): not the entrypoint, and not the one try. */
	if (pw_ct_is_runtime_exec(filename, args, args_len))
		return NULL;
	/* One try: a cgroup that is no container at its first exec stays none. */
	if (!pw_container_from_cgroup_path_at(t->root, c->path, &ref)) {
		erase(t, s);
		put(t, c);
		return NULL;
	}
	c->pending = 0;
	c->ref = ref;
	c->posture_rc = -EAGAIN;
	t->pending--;
	t->containers++;
	t->added++;
	pw_ctable_exec(t, c, pid, filename, args, args_len);
	return c;
}

int pw_ct_is_runtime_exec(const char *filename, const char *args, size_t args_len)
{
	size_t n0 = strnlen(args, args_len), n1;
	const char *argv1 = args + n0 + 1;

	/* runc re-executes itself as "runc init", from /proc/self/exe or a
	 * sealed memfd copy; on this host that happens before it joins the
	 * container's cgroup, elsewhere it may not. */
	if (n0 + 1 >= args_len)
		return 0;
	n1 = strnlen(argv1, args_len - n0 - 1);
	if (n1 != 4 || memcmp(argv1, "init", 4))
		return 0;
	return !strncmp(base(filename), "runc", 4) || !strncmp(base(args), "runc", 4) ||
	       !strcmp(filename, "/proc/self/exe") || strstr(filename, "memfd:") != NULL ||
	       !strncmp(filename, "/proc/self/fd/", 14);
}

int pw_ctable_exec(struct pw_ctable *t, struct pw_ct_container *c, pid_t pid, const char *filename,
		   const char *args, size_t args_len)
{
	if (c->phase != PW_PHASE_SETUP || pw_ct_is_runtime_exec(filename, args, args_len))
		return 0;
	c->phase = PW_PHASE_STARTED;
	c->start_pid = pid;
	pw_runtime_state_read(t->root, &c->ref, &c->meta);
	/* The process exec'd in-kernel before we read this: a short-lived
	 * entrypoint may be gone already (-ESRCH: posture unknown). */
	if (t->measure)
		c->posture_rc = pw_posture_measure(pid, t->root, t->root, &c->posture);
	return 1;
}
