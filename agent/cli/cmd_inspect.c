// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* privwatch inspect: one container, every posture dimension with its evidence. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include "cli/cli.h"
#include "host/containers.h"
#include "lib/jsonw.h"

static void inspect_usage(FILE *out)
{
	fprintf(out, "usage: privwatch inspect [--json] <id prefix | name | pid>\n\n"
		     "Identity, runtime metadata and every posture dimension with its evidence\n"
		     "of one container. The key is tried as a full id, a name, a pid of a\n"
		     "process in a container (all digits), then a unique id prefix.\n"
		     "  --json        the container as one JSON object (the fields of ps --json)\n"
		     "  --help, --version\n");
}

static void print_inspect(const struct pw_containers *cs, const struct pw_container *c)
{
	const struct pw_container_meta *m = &c->meta;

	printf("id:        %s\n", c->ref.id);
	printf("name:      %s\n", m->name[0] ? m->name : "-");
	printf("runtime:   %s\n", pw_runtime_name(c->ref.runtime));
	printf("image:     %s\n", m->image[0] ? m->image : "-");
	if (pw_cli_ns_of(c)[0])
		printf("namespace: %s\n", pw_cli_ns_of(c));
	if (m->pod_name[0] || c->ref.pod_uid[0])
		printf("pod:       %s (uid %s, qos %s)\n", m->pod_name[0] ? m->pod_name : "-",
		       c->ref.pod_uid[0] ? c->ref.pod_uid : "-", pw_qos_name(c->ref.qos));
	printf("cgroup:    %s (id %llu, in %s)\n", c->cgroup, (unsigned long long)c->cgroup_id,
	       cs->mount);
	if (m->bundle[0])
		printf("bundle:    %s\n", m->bundle);
	printf("init pid:  %d%s\n", (int)c->init_pid,
	       !c->init_pid		    ? " (no process yet)"
	       : m->init_pid == c->init_pid ? " (recorded by the runtime)"
					    : " (lowest pid in the cgroup)");
	printf("runtime privileged flag: %s%s\n", pw_priv_flag_name(m->privileged),
	       pw_container_priv_mismatch(c) ? " (! disagrees with the measured mode)" : "");
	if (c->posture_rc) {
		printf("posture:   unknown (%s)\n",
		       c->init_pid ? strerror(-c->posture_rc) : "no process in the container");
		return;
	}
	printf("posture:   ");
	pw_posture_print(stdout, &c->posture);
}

/* The containers whose id starts with an ambiguous key, so the user can
 * pick one without running ps. */
static void print_ambiguous(const struct pw_containers *cs, const char *key)
{
	size_t i, len = strlen(key);

	for (i = 0; i < cs->n; i++)
		if (!strncmp(cs->v[i].ref.id, key, len))
			fprintf(stderr, "  %.12s  %s\n", cs->v[i].ref.id,
				cs->v[i].meta.name[0] ? cs->v[i].meta.name : "-");
}

int pw_cmd_inspect(int argc, char **argv)
{
	struct pw_containers cs;
	int json = 0, rc;
	size_t i;

	rc = pw_cli_parse_json_opt(argc, argv, &json, inspect_usage);
	if (rc >= 0)
		return rc;
	if (argc - optind != 1) {
		fprintf(stderr, "privwatch inspect: %s\n",
			optind < argc ? "one container at a time" : "which container?");
		inspect_usage(stderr);
		return PW_EXIT_USAGE;
	}
	if (pw_cli_discover("inspect", &cs))
		return PW_EXIT_FAIL;
	rc = pw_containers_lookup(&cs, argv[optind], &i);
	if (rc) {
		fprintf(stderr, "privwatch inspect: %s '%s'%s\n",
			rc == -EEXIST ? "more than one container matches"
				      : "no running container matches",
			argv[optind], rc == -EEXIST ? ": give more of the id, or a name" : "");
		if (rc == -EEXIST)
			print_ambiguous(&cs, argv[optind]);
		pw_containers_free(&cs);
		return PW_EXIT_FAIL;
	}
	if (json) {
		struct jsonw w;

		jw_init(&w);
		pw_cli_container_json(&w, &cs.v[i]);
		rc = pw_cli_print_json(&w);
		jw_free(&w);
	} else {
		print_inspect(&cs, &cs.v[i]);
		rc = PW_EXIT_OK;
	}
	pw_containers_free(&cs);
	return rc;
}
