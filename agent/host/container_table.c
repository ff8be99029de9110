// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "host/cgroupfs.h"
#include "host/container_table.h"
#include "lib/idset.h"
#include "host/containers.h"
#include "lib/hashtab.h"

#define CT_MIN_CGROUPS 32 /* index room before the first growth */

int pw_ctable_init(struct pw_ctable *t, const char *root, int measure)
{
	memset(t, 0, sizeof(*t));
	snprintf(t->root, sizeof(t->root), "%s", root ? root : "/");
	t->measure = measure;
	t->max_containers = PW_CT_MAX_CONTAINERS;
	t->max_cgroups = PW_CT_MAX_CGROUPS;
	return pw_htab_init(&t->index, CT_MIN_CGROUPS);
}

static void put(struct pw_ctable *t, struct pw_ct_container *c)
{
	if (--c->refs)
		return;
	if (c->names_setup_ns)
		t->names_setup--;
	if (c->pending) {
		t->pending--;
	} else {
		struct pw_ct_gone *g = &t->gone[t->gone_next++ % PW_CT_GONE];

		t->containers--;
		t->removed++;
		g->cgroup_id = c->cgroup_id;
		snprintf(g->id, sizeof(g->id), "%s", c->ref.id);
		snprintf(g->name, sizeof(g->name), "%s", c->meta.name);
	}
	t->hold_dropped += c->hold.count;
	free(c->hold.buf);
	free(c);
}

static struct pw_ct_container *ct_of(const struct pw_hslot *s)
{
	return (struct pw_ct_container *)(uintptr_t)s->val;
}

void pw_ctable_free(struct pw_ctable *t)
{
	struct pw_hslot *s;
	size_t i = 0;

	while ((s = pw_htab_next(&t->index, &i)))
		put(t, ct_of(s));
	pw_htab_free(&t->index);
}

/* The entry of cgroup id, pending ones included, or NULL. */
static struct pw_ct_container *find(const struct pw_ctable *t, uint64_t id)
{
	struct pw_hslot *s = pw_htab_find(&t->index, id);

	return s ? ct_of(s) : NULL;
}

struct pw_ct_container *pw_ctable_find(const struct pw_ctable *t, uint64_t cgroup_id)
{
	return find(t, cgroup_id);
}

const struct pw_ct_gone *pw_ctable_gone(const struct pw_ctable *t, uint64_t cgroup_id)
{
	unsigned int i;

	for (i = 0; i < PW_CT_GONE; i++)
		if (t->gone[i].cgroup_id == cgroup_id && cgroup_id)
			return &t->gone[i];
	return NULL;
}

struct pw_ct_container *pw_ctable_lookup(const struct pw_ctable *t, uint64_t cgroup_id)
{
	struct pw_ct_container *c = find(t, cgroup_id);

	return c && !c->pending ? c : NULL;
}

struct pw_ct_container *pw_ctable_next(const struct pw_ctable *t, size_t *i, uint64_t *cgroup_id)
{
	struct pw_hslot *s = pw_htab_next(&t->index, i);

	if (!s)
		return NULL;
	*cgroup_id = s->key;
	return ct_of(s);
}

static int insert(struct pw_ctable *t, uint64_t id, struct pw_ct_container *c)
{
	int rc;

	if (!id)
		return -EINVAL;
	if (find(t, id))
		return 0;
	if (t->index.n >= t->max_cgroups) {
		t->overflow++;
		return -ENOSPC;
	}
	rc = pw_htab_put(&t->index, id, (uint64_t)(uintptr_t)c);
	if (rc < 0)
		return rc;
	c->refs++;
	return 0;
}

/* Drop cgroup id's mapping and its reference on c. */
static void erase(struct pw_ctable *t, uint64_t id, struct pw_ct_container *c)
{
	pw_htab_del(&t->index, id);
	put(t, c);
}

static struct pw_ct_container *new_container(struct pw_ctable *t, uint64_t id,
					     const struct pw_container_ref *ref)
{
	struct pw_ct_container *c;

	if (t->containers + t->pending >= t->max_containers) {
		t->overflow++;
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->cgroup_id = id;
	c->ref = *ref;
	c->gen = ++t->next_gen;
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
		struct load_walk w = { .t = t };

		if (pw_ctable_lookup(t, d->cgroup_id))
			continue;
		w.c = new_container(t, d->cgroup_id, &d->ref);
		if (!w.c)
			return t->containers + t->pending >= t->max_containers ? -ENOSPC : -ENOMEM;
		w.c->meta = d->meta;
		/* where its init is looked for (a path too long: no init found) */
		if (strlen(d->cgroup) < sizeof(w.c->path))
			strcpy(w.c->path, d->cgroup);
		w.c->phase = PW_PHASE_STARTED;
		w.c->start_pid = d->init_pid;
		w.c->posture_rc = d->posture_rc;
		w.c->posture = d->posture;
		rc = insert(t, d->cgroup_id, w.c);
		if (rc) {
			free(w.c);
			t->containers--;
			return rc;
		}
		/* Its sub-cgroups too: their tasks' events carry their own ids.
		 * A container gone since discovery is no error. Listed by the
		 * walk (pw_containers_list) or walked here. */
		if (cs->want_ids) {
			size_t k;

			for (k = 0; k < d->nsubs && !w.err; k++)
				w.err = insert(t, d->subs[k], w.c);
		} else if ((size_t)snprintf(dir, sizeof(dir), "%s%s", cs->mount, d->cgroup) <
			   sizeof(dir)) {
			pw_cgroup_walk(dir, add_sub, &w);
		}
		if (t->want) {
			w.c->posture_rc = -EAGAIN; /* listed only: measured by the worker */
			w.c->facts_pending++;
			t->want(t->want_ctx, w.c, PW_CT_WANT_DISCOVERED);
		}
		if (w.err == -ENOMEM)
			return w.err;
	}
	return 0;
}

/* A runc-made cgroup not (yet) recognisable: remembered until its first exec. */
static int add_pending(struct pw_ctable *t, uint64_t id, const char *path)
{
	struct pw_ct_container *c;
	int rc;

	if (strlen(path) >= sizeof(c->path))
		return 0;
	if (t->containers + t->pending >= t->max_containers) {
		t->overflow++;
		return -ENOSPC;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->pending = 1;
	c->cgroup_id = id;
	c->gen = ++t->next_gen;
	strcpy(c->path, path);
	t->pending++;
	if ((rc = insert(t, id, c))) {
		t->pending--;
		free(c);
		return rc;
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
		return (rc = insert(t, id, c)) ? rc : 1;
	if (t->want) {
		int need;

		/* Nothing read here: where only runtime state can tell, the
		 * cgroup waits pending for the worker's answer. */
		if (!pw_container_from_cgroup_path_nostat(path, &ref, &need)) {
			if (!need)
				return maker_comm && !strcmp(maker_comm, "runc")
					       ? add_pending(t, id, path)
					       : 0;
			rc = add_pending(t, id, path);
			c = find(t, id);
			if (!rc && c) {
				c->identifying = 1;
				t->want(t->want_ctx, c, PW_CT_WANT_IDENTIFY);
			}
			return rc;
		}
	} else if (!pw_container_from_cgroup_path_at(t->root, path, &ref)) {
		return maker_comm && !strcmp(maker_comm, "runc") ? add_pending(t, id, path) : 0;
	}
	c = new_container(t, id, &ref);
	if (!c)
		return t->containers + t->pending >= t->max_containers ? -ENOSPC : -ENOMEM;
	rc = insert(t, id, c);
	if (rc) {
		free(c);
		t->containers--;
		return rc;
	}
	/* The runtime wrote its state before making the cgroup (docker's
	 * config.v2.json at create); read again when the entrypoint runs. */
	if (t->want) {
		c->facts_pending++;
		t->want(t->want_ctx, c, PW_CT_WANT_STATE);
	} else {
		pw_runtime_state_read(t->root, &c->ref, &c->meta);
	}
	return 1;
}

void pw_ctable_rmdir(struct pw_ctable *t, uint64_t id)
{
	struct pw_ct_container *c = find(t, id);

	if (c)
		erase(t, id, c);
}

size_t pw_ctable_prune(struct pw_ctable *t, const uint64_t *live, size_t n)
{
	struct pw_hslot *s;
	uint64_t *dead;
	size_t i, gone = 0;

	/* Collect first: erasing moves entries between slots. */
	dead = calloc(t->index.n ? t->index.n : 1, sizeof(*dead));
	if (!dead)
		return 0;
	for (i = 0; (s = pw_htab_next(&t->index, &i));)
		if (!pw_ids_has(live, n, s->key))
			dead[gone++] = s->key;
	for (i = 0; i < gone; i++)
		pw_ctable_rmdir(t, dead[i]);
	free(dead);
	return gone;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static struct pw_ct_container *identify_at_exec(struct pw_ctable *t, struct pw_ct_container *c,
						uint64_t cgroup_id, pid_t pid, const char *filename,
						const char *args, size_t args_len);

static const char *base(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

struct pw_ct_container *pw_ctable_exec_unknown(struct pw_ctable *t, uint64_t cgroup_id, pid_t pid,
					       const char *filename, const char *args,
					       size_t args_len)
{
	struct pw_ct_container *c = find(t, cgroup_id);

	if (!c || !c->pending)
		return NULL;
	/* runc re-executing itself as "runc init" may land in the cgroup
	 * before its state.json exists (the parent moves the child while it
	 * execs): not the entrypoint, and not the one try (until the setup
	 * bound: names alone decided). */
	if (pw_ct_is_runtime_exec(filename, args, args_len)) {
		if (!c->names_setup_ns)
			t->names_setup++;
		c->names_setup_ns = mono_ns();
		c->names_setup_pid = pid;
		return NULL;
	}
	return identify_at_exec(t, c, cgroup_id, pid, filename, args, args_len);
}

/* Pending c's first exec that is not the runtime's: is it a container? */
static struct pw_ct_container *identify_at_exec(struct pw_ctable *t, struct pw_ct_container *c,
						uint64_t cgroup_id, pid_t pid, const char *filename,
						const char *args, size_t args_len)
{
	struct pw_container_ref ref;

	if (c->names_setup_ns) {
		t->names_setup--;
		c->names_setup_ns = 0;
	}
	if (t->want) {
		/* The worker looks (runc's state.json is there by now); this
		 * exec starts the container if it is one. */
		if (!c->start_on_identify) {
			c->start_on_identify = 1;
			c->start_pid = pid;
		}
		if (!c->identifying) {
			c->identifying = 1;
			t->want(t->want_ctx, c, PW_CT_WANT_IDENTIFY);
		}
		return NULL;
	}
	/* One try: a cgroup that is no container at its first exec stays none. */
	if (!pw_container_from_cgroup_path_at(t->root, c->path, &ref)) {
		erase(t, cgroup_id, c);
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
	if (c->phase != PW_PHASE_SETUP)
		return 0;
	if (pw_ct_is_runtime_exec(filename, args, args_len)) {
		/* Names only: the clock starts at the latest such exec. */
		if (!c->names_setup_ns)
			t->names_setup++;
		c->names_setup_ns = mono_ns();
		c->names_setup_pid = pid;
		return 0;
	}
	return pw_ctable_start(t, c, pid);
}

void pw_ctable_setup_bound(struct pw_ctable *t, uint64_t now_ns,
			   void (*started)(void *ctx, struct pw_ct_container *c), void *ctx)
{
	struct pw_ct_container *c;
	uint64_t id;
	size_t i = 0;

	while (t->names_setup && (c = pw_ctable_next(t, &i, &id))) {
		if (id != c->cgroup_id || !c->names_setup_ns ||
		    now_ns - c->names_setup_ns < PW_CT_SETUP_BOUND_NS)
			continue;
		t->setup_bound_starts++;
		if (c->pending) {
			/* Plain runc's cgroup: identified now, started if a
			 * container. Inline, one that is none is erased: the walk
			 * may then miss an entry, which the next tick sees. */
			c = identify_at_exec(t, c, id, c->names_setup_pid, "", "", 0);
			if (c && c->phase == PW_PHASE_STARTED)
				started(ctx, c);
		} else if (pw_ctable_start(t, c, c->names_setup_pid) == 1) {
			started(ctx, c);
		}
	}
}

int pw_ctable_start(struct pw_ctable *t, struct pw_ct_container *c, pid_t pid)
{
	if (c->phase != PW_PHASE_SETUP)
		return 0;
	if (c->names_setup_ns) {
		t->names_setup--;
		c->names_setup_ns = 0;
	}
	c->phase = PW_PHASE_STARTED;
	c->start_pid = pid;
	if (t->want) {
		c->facts_pending++;
		t->want(t->want_ctx, c, PW_CT_WANT_START);
		return 1;
	}
	pw_runtime_state_read(t->root, &c->ref, &c->meta);
	/* The process exec'd in-kernel before we read this: a short-lived
	 * entrypoint may be gone already (-ESRCH: posture unknown). */
	if (t->measure)
		c->posture_rc = pw_posture_measure(pid, t->root, t->root, &c->posture);
	return 1;
}

void pw_ctable_facts(struct pw_ctable *t, struct pw_ct_container *c,
		     const struct pw_container_meta *meta, int measured, pid_t pid, int posture_rc,
		     const struct pw_posture *posture, const char *reason)
{
	if (meta)
		c->meta = *meta;
	if (measured) {
		if (pid)
			c->start_pid = pid;
		c->posture_rc = posture_rc;
		if (posture_rc)
			memset(&c->posture, 0, sizeof(c->posture));
		else
			c->posture = *posture;
		snprintf(c->posture_reason, sizeof(c->posture_reason), "%s", reason ? reason : "");
	}
	if (c->facts_pending)
		c->facts_pending--;
}

int pw_ctable_identified(struct pw_ctable *t, struct pw_ct_container *c, int ok,
			 const struct pw_container_ref *ref, const struct pw_container_meta *meta)
{
	if (!c->pending)
		return 0;
	if (!ok) {
		erase(t, c->cgroup_id, c); /* its only cgroup: pending entries map one */
		return 0;
	}
	c->pending = 0;
	c->identifying = 0;
	c->ref = *ref;
	c->meta = *meta;
	c->posture_rc = -EAGAIN;
	t->pending--;
	t->containers++;
	t->added++;
	return c->start_on_identify ? pw_ctable_start(t, c, c->start_pid) : 0;
}
