/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The containers whose start was reported, kept across restarts of the
 * agent (--state-file, docs/operations.md): a container still running
 * when the agent starts again is not reported again. A key is a
 * container's start: "<container id>:<init pid>" (a container restarted
 * while the agent was away has a new init: its start is news).
 *
 * The file is JSON ({"schema": "privwatch.started/1", "started": [keys]}),
 * at most PW_STARTED_MAX keys, replaced atomically (a temporary file in the
 * same directory, fsync, rename). A missing file is an empty set; an
 * unreadable or malformed one too, with a warning (nothing is worse than
 * reporting a start twice).
 */
#ifndef PW_STARTED_STATE_H
#define PW_STARTED_STATE_H

#include <stddef.h>

#define PW_STARTED_MAX	   4096
#define PW_STARTED_KEY_MAX 96

struct pw_started;

/* The set saved at path by the last run; NULL only without memory. */
struct pw_started *pw_started_open(const char *path);
void pw_started_free(struct pw_started *s);

/* 1 if the last run reported this start (key in the file read at open). */
int pw_started_known(const struct pw_started *s, const char *key);
/* This run reported it (or found it reported): kept in the next save. */
void pw_started_note(struct pw_started *s, const char *key);
/* The containers running at start are all found: keys of the last run not
 * seen again are for containers gone, and are not saved any more. */
void pw_started_settled(struct pw_started *s);
/* Write the set if it changed (at most once a second unless force).
 * 0, or -errno (the old file stays). */
int pw_started_save(struct pw_started *s, int force);
size_t pw_started_count(const struct pw_started *s); /* keys to be saved */

#endif
