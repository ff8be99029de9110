/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The containers running now, found by walking the cgroup hierarchy that
 * names them (cgroup2; a v1 one on hosts without cgroup2), each with what its
 * runtime recorded and the posture of its init process. A snapshot for
 * `privwatch ps` and `inspect`; the daemon keeps its own table from events.
 */
#ifndef PW_CONTAINERS_H
#define PW_CONTAINERS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "host/container_id.h"
#include "host/posture.h"
#include "host/runtime_state.h"

struct pw_container {
	uint64_t cgroup_id;
	char *cgroup; /* relative to the hierarchy's mount: "/docker/<id>" */
	struct pw_container_ref ref;
	struct pw_container_meta meta;
	pid_t init_pid; /* 0: no process in it (yet) */
	int posture_rc; /* 0: posture measured; -ESRCH: no process; or -errno */
	struct pw_posture posture;
	uint64_t *subs; /* pw_containers_list: the ids of the cgroups below it */
	size_t nsubs, subs_cap;
};

struct pw_containers {
	char mount[4096];    /* the hierarchy walked */
	char controller[32]; /* "" for cgroup2, else the v1 controller */
	struct pw_container *v;
	size_t n, cap;
	int want_ids;
	uint64_t *ids; /* pw_containers_list: every cgroup id of the hierarchy, walk order */
	size_t nids, ids_cap;
};

/*
 * Fill *cs with the containers below mount (NULL: the cgroup2 mount, else the
 * first v1 hierarchy of pw_cgroup_v1_find). Sub-cgroups of a container are
 * part of it, not containers of their own. Sorted by runtime, name, id. 0 or -errno (*cs then
 * empty); pw_containers_free in both cases.
 */
int pw_containers_discover(struct pw_containers *cs, const char *mount);
void pw_containers_free(struct pw_containers *cs);

/*
 * Only the walk of discovery: the containers (cgroup, id, reference, the
 * ids of their sub-cgroups) and every cgroup id of the hierarchy, without
 * reading runtime state or measuring anything (the daemon does that per
 * container, on its host-reading worker). 0 or -errno.
 */
int pw_containers_list(struct pw_containers *cs, const char *mount);

/* The container's init: the runtime's recorded pid if it is still in the
 * container's cgroup, else the lowest pid in it or below. 0: none. */
pid_t pw_container_init_pid(const struct pw_containers *cs, const struct pw_container *c);

/*
 * The container key names: exact id, exact name, then (all digits) the
 * container holding that pid, then a unique id prefix. 0 and *idx, -ENOENT,
 * or -EEXIST when a prefix matches more than one.
 */
int pw_containers_lookup(const struct pw_containers *cs, const char *key, size_t *idx);

/* Does the runtime's privileged flag disagree with the measured mode? */
int pw_container_priv_mismatch(const struct pw_container *c);

/* The id as shown in tables: the first 12 characters of a 64-hex id, other
 * ids (runc, ctr: chosen by the user) whole. */
const char *pw_container_short_id(const struct pw_container *c, char buf[13]);

#endif
