/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Learned baselines (privwatch learn, docs/rules.md "Learned baselines"):
 * while learning, what the containers of one image do that a rule would
 * alert on is recorded instead, as the rule's id and the concrete values
 * that make an exact exception (an open's fs_path or path, a capability,
 * a mount's operation, fstype and target...). At the end it is written as
 * a rules file of overrides adding those exceptions, each scoped to
 * container.image == the image: the same behaviour is then silent,
 * anything new still alerts.
 */
#ifndef PW_LEARN_H
#define PW_LEARN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "events/event_view.h"
#include "rules/rules.h"

#define PW_LEARN_MAX 4096 /* distinct (rule, behaviour) pairs kept */

struct pw_learn_entry;

struct pw_learn {
	char *image; /* container.image learned, exactly */
	struct pw_learn_entry *e;
	size_t n, cap;
	uint64_t seen;	  /* alerts turned into behaviour (repeats included) */
	uint64_t dropped; /* distinct pairs past PW_LEARN_MAX */
};

/* 0 or -1 (out of memory). */
int pw_learn_init(struct pw_learn *l, const char *image);
void pw_learn_free(struct pw_learn *l);

/* v is of a container of the learned image (exactly). */
int pw_learn_matches(const struct pw_learn *l, const struct pw_view *v);

/* Rule r would alert on v: record the behaviour (deduplicated). 0, or -1
 * when it was not kept (out of memory, past PW_LEARN_MAX: counted). */
int pw_learn_note(struct pw_learn *l, const struct pw_rule *r, const struct pw_view *v);

/* The rules file: {"overrides": [{"id", "exceptions": [...]}]}, rules by
 * id, exceptions sorted. 0 or -1. */
int pw_learn_write(const struct pw_learn *l, FILE *out);
/* The same to path, atomically (a temporary file renamed). 0 or -errno. */
int pw_learn_write_file(const struct pw_learn *l, const char *path);
/* Rules with at least one exception learned. */
size_t pw_learn_rules(const struct pw_learn *l);

#endif
