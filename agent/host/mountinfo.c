// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Mount tables, indexed once (host/mountinfo.h). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "host/mountinfo.h"

static uint64_t mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}

static uint64_t point_hash(long parent, const char *point, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ mix((uint64_t)parent);
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)point[i];
		h *= 0x100000001b3ULL;
	}
	return mix(h);
}

static void index_put(int *tab, size_t slots, uint64_t h, int val)
{
	size_t s = h & (slots - 1);

	while (tab[s])
		s = (s + 1) & (slots - 1);
	tab[s] = val + 1;
}

/* "36 25 0:32 / /sys/fs/cgroup/unified rw,nosuid - cgroup2 cgroup2 rw" */
static int split(char *buf, struct pw_mounts *m)
{
	char *line, *save = NULL;
	size_t lines = 1;

	for (line = buf; (line = strchr(line, '\n')); line++)
		lines++;
	m->v = calloc(lines, sizeof(*m->v));
	if (!m->v)
		return -ENOMEM;
	for (line = strtok_r(buf, "\n", &save); line && (size_t)m->n < lines;
	     line = strtok_r(NULL, "\n", &save)) {
		char *f[6], *tok, *s2 = NULL, *rest;
		struct pw_mnt *e = &m->v[m->n];
		int i;

		rest = strstr(line, " - ");
		if (!rest)
			continue;
		*rest = '\0';
		rest += 3;
		for (i = 0, tok = strtok_r(line, " ", &s2); tok && i < 6;
		     tok = strtok_r(NULL, " ", &s2))
			f[i++] = tok;
		if (i < 6)
			continue;
		e->id = strtol(f[0], NULL, 10);
		e->parent = strtol(f[1], NULL, 10);
		e->dev = f[2];
		e->root = f[3];
		e->point = f[4];
		e->opts = f[5];
		e->fstype = strtok_r(rest, " ", &s2);
		if (!e->fstype || !strtok_r(NULL, " ", &s2)) /* source */
			continue;
		e->super = strtok_r(NULL, " ", &s2);
		if (!e->super)
			e->super = "";
		m->n++;
	}
	return 0;
}

int pw_mounts_parse(char *buf, struct pw_mounts *m)
{
	size_t slots = 16;
	int i, rc;

	memset(m, 0, sizeof(*m));
	m->buf = buf;
	rc = split(buf, m);
	if (rc)
		return rc;
	while (slots < 2 * (size_t)m->n)
		slots *= 2;
	m->slots = slots;
	m->by_id = calloc(slots, sizeof(*m->by_id));
	m->by_point = calloc(slots, sizeof(*m->by_point));
	m->next_point = calloc(m->n ? m->n : 1, sizeof(*m->next_point));
	if (!m->by_id || !m->by_point || !m->next_point)
		return -ENOMEM;
	for (i = 0; i < m->n; i++) {
		const struct pw_mnt *e = &m->v[i];

		if (!pw_mounts_by_id(m, e->id)) /* ids are unique; a repeat is ignored */
			index_put(m->by_id, slots, mix((uint64_t)e->id), i);
	}
	/* (parent, point) chains: one slot per distinct key, its mounts in file order. */
	for (i = m->n - 1; i >= 0; i--) {
		const struct pw_mnt *e = &m->v[i];
		size_t len = strlen(e->point);
		uint64_t h = point_hash(e->parent, e->point, len);
		size_t s = h & (slots - 1);

		m->next_point[i] = 0;
		for (; m->by_point[s]; s = (s + 1) & (slots - 1)) {
			const struct pw_mnt *o = &m->v[m->by_point[s] - 1];

			if (o->parent == e->parent && !strcmp(o->point, e->point))
				break;
		}
		m->next_point[i] = m->by_point[s]; /* 0 or the later one's index + 1 */
		m->by_point[s] = i + 1;
	}
	for (i = 0; i < m->n && !m->root; i++)
		if (!strcmp(m->v[i].point, "/") && !pw_mounts_by_id(m, m->v[i].parent))
			m->root = &m->v[i];
	return 0;
}

void pw_mounts_free(struct pw_mounts *m)
{
	free(m->buf);
	free(m->v);
	free(m->by_id);
	free(m->by_point);
	free(m->next_point);
	memset(m, 0, sizeof(*m));
}

const struct pw_mnt *pw_mounts_by_id(const struct pw_mounts *m, long id)
{
	size_t s;

	if (!m->slots)
		return NULL;
	for (s = mix((uint64_t)id) & (m->slots - 1); m->by_id[s]; s = (s + 1) & (m->slots - 1))
		if (m->v[m->by_id[s] - 1].id == id)
			return &m->v[m->by_id[s] - 1];
	return NULL;
}

/* The first mount (file order) at point[0..len) on parent, other than not, or NULL. */
static const struct pw_mnt *child_at(const struct pw_mounts *m, const struct pw_mnt *parent,
				     const char *point, size_t len, const struct pw_mnt * not )
{
	size_t s = point_hash(parent->id, point, len) & (m->slots - 1);
	int i;

	for (; m->by_point[s]; s = (s + 1) & (m->slots - 1)) {
		const struct pw_mnt *o = &m->v[m->by_point[s] - 1];

		if (o->parent != parent->id || strlen(o->point) != len ||
		    memcmp(o->point, point, len))
			continue;
		for (i = m->by_point[s]; i; i = m->next_point[i - 1])
			if (&m->v[i - 1] != not )
				return &m->v[i - 1];
		return NULL;
	}
	return NULL;
}

/* The top of the stack of mounts at point on parent (parent itself if none). */
static const struct pw_mnt *mounted_on(const struct pw_mounts *m, const struct pw_mnt *parent,
				       const char *point, size_t len)
{
	const struct pw_mnt *cur = parent, *next;
	int guard = 0;

	/* A stack is a chain of parents; the guard stops a cycle of ids. */
	while (guard++ < m->n && (next = child_at(m, cur, point, len, cur)))
		cur = next;
	return cur;
}

const struct pw_mnt *pw_mounts_covering(const struct pw_mounts *m, const char *path)
{
	const struct pw_mnt *cur = m->root;
	size_t i;

	if (!cur)
		return NULL;
	cur = mounted_on(m, cur, "/", 1);
	for (i = 1; path[i - 1]; i++)
		if (path[i] == '/' || path[i] == '\0')
			cur = mounted_on(m, cur, path, i);
	return cur;
}

const struct pw_mnt *pw_mounts_at(const struct pw_mounts *m, const char *path)
{
	const struct pw_mnt *e = pw_mounts_covering(m, path);

	return e && !strcmp(e->point, path) ? e : NULL;
}
