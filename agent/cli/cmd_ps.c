// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* privwatch ps: the running containers and their measured posture; the
 * helpers it shares with privwatch inspect (cmd_inspect.c). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include "alerts/alert_fields.h"
#include "cli/cli.h"
#include "host/containers.h"
#include "kernel/privs.h"
#include "lib/jsonw.h"

static const char *mode_name(const struct pw_container *c)
{
	return c->posture_rc ? "?" : pw_posture_mode_name(c->posture.mode);
}

static const char *pss_name(const struct pw_container *c)
{
	return c->posture_rc ? "?" : pw_pss_level_name(c->posture.pss);
}

/* The relaxed dimensions; mode_only: those the mode counts. */
static void relaxed_list(const struct pw_container *c, int mode_only, char *buf, size_t len)
{
	uint32_t md = c->posture_rc ? 0 : pw_posture_mode_dims(&c->posture);
	size_t n = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; !c->posture_rc && i < PW_DIM_COUNT; i++)
		if (c->posture.dim[i].state == PW_DIM_RELAXED && (!mode_only || md & (1u << i)) &&
		    n < len)
			n += snprintf(buf + n, len - n, "%s%s", n ? "," : "", pw_dim_name(i));
}

const char *pw_cli_ns_of(const struct pw_container *c)
{
	return c->meta.pod_namespace[0] ? c->meta.pod_namespace : c->ref.ns;
}

void pw_cli_container_json(struct jsonw *w, const struct pw_container *c)
{
	char relaxed[512];

	jw_obj_begin(w);
	/* Unknown is null, as in alerts (never ""). */
	pw_alert_str_or_null(w, "id", c->ref.id);
	pw_alert_str_or_null(w, "name", c->meta.name);
	jw_kv_str(w, "runtime", pw_runtime_name(c->ref.runtime));
	pw_alert_str_or_null(w, "image", c->meta.image);
	pw_alert_str_or_null(w, "pod", c->meta.pod_name);
	pw_alert_str_or_null(w, "pod_uid", c->ref.pod_uid);
	pw_alert_str_or_null(w, "namespace", pw_cli_ns_of(c));
	jw_kv_u64(w, "cgroup_id", c->cgroup_id);
	jw_kv_str(w, "cgroup", c->cgroup);
	jw_key(w, "init_pid");
	if (c->init_pid)
		jw_i64(w, c->init_pid);
	else
		jw_null(w);
	jw_kv_str(w, "mode", c->posture_rc ? "unknown" : pw_posture_mode_name(c->posture.mode));
	jw_key(w, "relaxed");
	jw_arr_begin(w);
	relaxed_list(c, 0, relaxed, sizeof(relaxed));
	for (char *t = strtok(relaxed, ","); t; t = strtok(NULL, ","))
		jw_str(w, t);
	jw_arr_end(w);
	jw_key(w, "pss");
	if (c->posture_rc)
		jw_null(w);
	else
		pw_pss_to_json(w, &c->posture);
	/* What the runtime recorded; null when it records nothing we can read. */
	jw_key(w, "runtime_privileged");
	if (c->meta.privileged == PW_PRIV_UNKNOWN)
		jw_null(w);
	else
		jw_bool(w, c->meta.privileged == PW_PRIV_YES);
	jw_kv_bool(w, "privileged_mismatch", pw_container_priv_mismatch(c));
	jw_key(w, "posture");
	if (c->posture_rc) {
		jw_null(w);
		jw_kv_str(w, "posture_error",
			  c->init_pid ? strerror(-c->posture_rc) : "no process in the container");
	} else {
		pw_posture_to_json(w, &c->posture);
	}
	jw_obj_end(w);
}

int pw_cli_print_json(struct jsonw *w)
{
	size_t len;
	const char *line = jw_line(w, &len);

	if (!line) {
		fprintf(stderr, "privwatch: out of memory writing JSON\n");
		return PW_EXIT_FAIL;
	}
	fwrite(line, 1, len, stdout);
	return PW_EXIT_OK;
}

static void note(const struct pw_container *c, char *buf, size_t len)
{
	buf[0] = '\0';
	if (pw_container_priv_mismatch(c))
		snprintf(buf, len, "runtime says %sprivileged",
			 c->meta.privileged == PW_PRIV_YES ? "" : "not ");
	else if (c->posture_rc && c->init_pid)
		snprintf(buf, len, "pid %d: %s", (int)c->init_pid, strerror(-c->posture_rc));
	else if (!c->init_pid)
		snprintf(buf, len, "no process yet");
}

static void ps_usage(FILE *out)
{
	fprintf(out, "usage: privwatch ps [--json]\n\n"
		     "Lists the running containers with their measured posture: MODE is\n"
		     "privileged (the eight things --privileged changes, all relaxed),\n"
		     "partial (some of them, a host namespace or a sensitive host mount) or\n"
		     "default (? when no process could be measured); PSS the Pod Security\n"
		     "Standards level the measured posture meets (privileged, baseline,\n"
		     "restricted; privwatch inspect lists the violated controls); RELAXED the\n"
		     "dimensions the mode counts, then after '+' the other relaxed ones\n"
		     "(user, no_new_privs...). A '!' after MODE: the runtime's own privileged\n"
		     "flag disagrees with the measured mode (see NOTE).\n"
		     "  --json        one JSON array of containers on one line\n"
		     "  --help, --version\n");
}

int pw_cli_parse_json_opt(int argc, char **argv, int *json, void (*usage)(FILE *))
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{},
	};
	int c;

	while ((c = getopt_long(argc, argv, "jhV", opts, NULL)) != -1) {
		switch (c) {
		case 'j': *json = 1; break;
		case 'h': usage(stdout); return PW_EXIT_OK;
		case 'V': pw_print_version(); return PW_EXIT_OK;
		default: usage(stderr); return PW_EXIT_USAGE;
		}
	}
	return -1;
}

int pw_cli_discover(const char *cmd, struct pw_containers *cs)
{
	char why[512];
	int rc;

	/* Unprivileged, half the containers' processes cannot be read and
	 * their postures would be printed wrong: say so instead. */
	if (pw_privs_check_proc(why, sizeof(why))) {
		fprintf(stderr, "privwatch %s: %s\n", cmd, why);
		return -EPERM;
	}
	rc = pw_containers_discover(cs, NULL);
	if (rc)
		fprintf(stderr, "privwatch %s: cannot walk the cgroup hierarchy: %s\n", cmd,
			strerror(-rc));
	return rc;
}

int pw_cmd_ps(int argc, char **argv)
{
	struct pw_containers cs;
	int json = 0, rc;
	size_t i;

	rc = pw_cli_parse_json_opt(argc, argv, &json, ps_usage);
	if (rc >= 0)
		return rc;
	if (optind < argc) {
		fprintf(stderr, "privwatch ps: unexpected argument '%s'\n", argv[optind]);
		ps_usage(stderr);
		return PW_EXIT_USAGE;
	}
	if (pw_cli_discover("ps", &cs))
		return PW_EXIT_FAIL;
	if (json) {
		struct jsonw w;

		jw_init(&w);
		jw_arr_begin(&w);
		for (i = 0; i < cs.n; i++)
			pw_cli_container_json(&w, &cs.v[i]);
		jw_arr_end(&w);
		rc = pw_cli_print_json(&w);
		jw_free(&w);
		pw_containers_free(&cs);
		return rc;
	}
	printf("%-12s  %-24s  %-14s  %-24s  %-11s  %-10s  %-40s  %s\n", "ID", "NAME", "RUNTIME",
	       "IMAGE", "MODE", "PSS", "RELAXED", "NOTE");
	for (i = 0; i < cs.n; i++) {
		const struct pw_container *c = &cs.v[i];
		char id[13], mode[16], counted[512], all[512], relaxed[1100], nt[128];
		size_t k;

		snprintf(mode, sizeof(mode), "%s%s", mode_name(c),
			 pw_container_priv_mismatch(c) ? "!" : "");
		relaxed_list(c, 1, counted, sizeof(counted));
		relaxed_list(c, 0, all, sizeof(all));
		/* The mode's ones first, "+" the others (all is a superset, in order). */
		snprintf(relaxed, sizeof(relaxed), "%s", counted[0] ? counted : "-");
		for (char *t = strtok(all, ","); t; t = strtok(NULL, ",")) {
			k = strlen(t);
			if (strstr(counted, t) &&
			    (strstr(counted, t)[k] == ',' || strstr(counted, t)[k] == '\0'))
				continue;
			snprintf(relaxed + strlen(relaxed), sizeof(relaxed) - strlen(relaxed),
				 "%s%s", strchr(relaxed, '+') ? "," : " +", t);
		}
		note(c, nt, sizeof(nt));
		printf("%-12s  %-24.24s  %-14s  %-24.24s  %-11s  %-10s  ",
		       pw_container_short_id(c, id), c->meta.name[0] ? c->meta.name : "-",
		       pw_runtime_name(c->ref.runtime), c->meta.image[0] ? c->meta.image : "-",
		       mode, pss_name(c));
		/* NOTE is rare: no trailing blanks without it. */
		printf(nt[0] ? "%-40s  %s\n" : "%s\n", relaxed, nt);
	}
	pw_containers_free(&cs);
	return PW_EXIT_OK;
}
