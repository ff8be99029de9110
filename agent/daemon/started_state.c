// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The reported container starts, across restarts (started_state.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <jansson.h>
#include "daemon/started_state.h"
#include "lib/log.h"

#define SCHEMA "privwatch.started/1"

struct keyset {
	char (*k)[PW_STARTED_KEY_MAX];
	size_t n;
};

struct pw_started {
	char path[4096];
	struct keyset prev, cur; /* read at open; noted this run */
	int settled, dirty;
	uint64_t saved_ns;
};

static int has(const struct keyset *ks, const char *key)
{
	size_t i;

	for (i = 0; i < ks->n; i++)
		if (!strcmp(ks->k[i], key))
			return 1;
	return 0;
}

/* Added unless there or full (the oldest stays: a bound, not a cache). */
static int add(struct keyset *ks, const char *key)
{
	if (strlen(key) >= PW_STARTED_KEY_MAX || ks->n >= PW_STARTED_MAX || has(ks, key))
		return 0;
	snprintf(ks->k[ks->n++], PW_STARTED_KEY_MAX, "%s", key);
	return 1;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

struct pw_started *pw_started_open(const char *path)
{
	struct pw_started *s = calloc(1, sizeof(*s));
	json_error_t jerr;
	json_t *j, *e;
	size_t i;

	if (!s)
		return NULL;
	s->prev.k = calloc(PW_STARTED_MAX, PW_STARTED_KEY_MAX);
	s->cur.k = calloc(PW_STARTED_MAX, PW_STARTED_KEY_MAX);
	if (!s->prev.k || !s->cur.k) {
		pw_started_free(s);
		return NULL;
	}
	snprintf(s->path, sizeof(s->path), "%s", path);
	j = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (!j) {
		if (access(path, F_OK) == 0 || errno != ENOENT)
			pw_warn("state file %s: %s: container starts may be reported again\n", path,
				jerr.text);
		return s;
	}
	if (!json_is_object(j) || !json_is_string(json_object_get(j, "schema")) ||
	    strcmp(json_string_value(json_object_get(j, "schema")), SCHEMA) ||
	    !json_is_array(json_object_get(j, "started"))) {
		pw_warn("state file %s: not a %s record: container starts may be reported "
			"again\n",
			path, SCHEMA);
	} else {
		json_array_foreach(json_object_get(j, "started"), i, e) if (json_is_string(e))
			add(&s->prev, json_string_value(e));
	}
	json_decref(j);
	return s;
}

void pw_started_free(struct pw_started *s)
{
	if (!s)
		return;
	free(s->prev.k);
	free(s->cur.k);
	free(s);
}

int pw_started_known(const struct pw_started *s, const char *key)
{
	return has(&s->prev, key);
}

void pw_started_note(struct pw_started *s, const char *key)
{
	if (add(&s->cur, key))
		s->dirty = 1;
}

void pw_started_settled(struct pw_started *s)
{
	size_t i;

	if (s->settled)
		return;
	s->settled = 1;
	for (i = 0; i < s->prev.n; i++)
		if (!has(&s->cur, s->prev.k[i]))
			s->dirty = 1; /* gone: the file shrinks */
}

size_t pw_started_count(const struct pw_started *s)
{
	size_t i, n = s->cur.n;

	for (i = 0; !s->settled && i < s->prev.n; i++)
		n += !has(&s->cur, s->prev.k[i]);
	return n;
}

int pw_started_save(struct pw_started *s, int force)
{
	char tmp[4200];
	json_t *j, *a;
	size_t i;
	int fd, rc = 0;
	FILE *f;

	if (!s->dirty || (!force && now_ns() - s->saved_ns < 1000000000ull))
		return 0;
	j = json_object();
	a = json_array();
	if (!j || !a) {
		json_decref(j);
		json_decref(a);
		return -ENOMEM;
	}
	for (i = 0; i < s->cur.n; i++)
		json_array_append_new(a, json_string(s->cur.k[i]));
	/* Until the running ones are all found, the last run's stay. */
	for (i = 0; !s->settled && i < s->prev.n && json_array_size(a) < PW_STARTED_MAX; i++)
		if (!has(&s->cur, s->prev.k[i]))
			json_array_append_new(a, json_string(s->prev.k[i]));
	json_object_set_new(j, "schema", json_string(SCHEMA));
	json_object_set_new(j, "started", a);
	snprintf(tmp, sizeof(tmp), "%s.tmp", s->path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		rc = -errno;
		if (fd >= 0)
			close(fd);
		goto out;
	}
	if (json_dumpf(j, f, JSON_COMPACT) || fputc('\n', f) == EOF || fflush(f) ||
	    fsync(fileno(f))) {
		rc = errno ? -errno : -EIO;
		fclose(f);
		unlink(tmp);
		goto out;
	}
	if (fclose(f) || rename(tmp, s->path)) {
		rc = -errno;
		unlink(tmp);
		goto out;
	}
	s->dirty = 0;
	s->saved_ns = now_ns();
out:
	if (rc)
		pw_warn("state file %s: %s (kept as it was)\n", s->path, strerror(-rc));
	json_decref(j);
	return rc;
}
