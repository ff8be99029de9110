// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* privwatch capture: list, show and verify forensic capture bundles (docs/capture.md). */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "capture/bundle.h"
#include "cli/cli.h"
#include "daemon/control.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: privwatch capture list [--dir PATH] [--json]\n"
		"       privwatch capture show ID [--dir PATH] [--json]\n"
		"       privwatch capture verify ID [--dir PATH]\n"
		"       privwatch capture take CONTAINER [--control PATH] [--json]\n\n"
		"The forensic capture bundles privwatch run wrote (docs/capture.md): list\n"
		"them; show one (its triggers, the container's posture, the process tree,\n"
		"the timeline); verify every file of one against its manifest's SHA-256\n"
		"(exit 1 if anything differs or is missing); take one now of a running\n"
		"container (its id, name or a prefix of its id), as an alert+capture\n"
		"rule would, through the running agent's control socket.\n\n"
		"  --dir PATH       the capture directory (default %s)\n"
		"  --control PATH   the agent's control socket (default %s)\n"
		"  --json           the manifest and the rest, or take's answer, as JSON\n"
		"  --help, --version\n",
		PW_CAPTURE_DIR, PW_CONTROL_DEFAULT);
}

static json_t *load_json(int bfd, const char *name)
{
	json_t *j = NULL;
	size_t len;
	char *text;
	int cut;

	if (pw_bundle_read_file(bfd, name, 64 << 20, &text, &len, &cut))
		return NULL;
	j = json_loadb(text, len, 0, NULL);
	free(text);
	return j;
}

static const char *jstr(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "-";
}

static int cmd_list(int capfd, int json)
{
	struct pw_bundle_ent *v;
	json_t *arr = json_array();
	size_t n, i;
	int rc = pw_bundle_list(capfd, &v, &n);

	if (rc) {
		fprintf(stderr, "privwatch capture: listing: %s\n", strerror(-rc));
		json_decref(arr);
		return PW_EXIT_FAIL;
	}
	if (!json)
		printf("%-44s %-14s %-20s %-8s %10s %s\n", "ID", "CONTAINER", "NAME", "TRIGGERS",
		       "BYTES", "COMPLETE");
	for (i = 0; i < n; i++) {
		int bfd = pw_bundle_open(capfd, v[i].id);
		json_t *m = bfd >= 0 ? load_json(bfd, "manifest.json") : NULL;
		json_t *c = json_object_get(json_object_get(m, "container"), "container");
		json_t *counts = json_object_get(m, "counts");

		if (bfd >= 0)
			close(bfd);
		if (json) {
			json_t *e = json_pack("{s:s, s:I}", "id", v[i].id, "bytes",
					      (json_int_t)v[i].bytes);

			json_object_set(e, "container", json_object_get(c, "id"));
			json_object_set(e, "name", json_object_get(c, "name"));
			json_object_set(e, "complete", json_object_get(m, "complete"));
			json_object_set(e, "triggers", json_object_get(m, "triggers"));
			json_array_append_new(arr, e);
		} else {
			printf("%-44s %-14.12s %-20.20s %-8lld %10llu %s\n", v[i].id, jstr(c, "id"),
			       jstr(c, "name"),
			       (long long)json_integer_value(json_object_get(counts, "triggers")),
			       (unsigned long long)v[i].bytes,
			       !m					      ? "unreadable"
			       : json_is_true(json_object_get(m, "complete")) ? "yes"
									      : "no");
		}
		json_decref(m);
	}
	if (json) {
		char *s = json_dumps(arr, JSON_COMPACT);

		if (s)
			printf("%s\n", s);
		free(s);
	}
	json_decref(arr);
	free(v);
	return PW_EXIT_OK;
}

static void print_proc(const json_t *p, int depth, int mark)
{
	const json_t *a;
	size_t i;

	printf("  %*s%s%lld %s %s", depth * 3, "", depth ? "└─ " : "",
	       (long long)json_integer_value(json_object_get(p, "pid")), jstr(p, "comm"),
	       jstr(p, "exe"));
	json_array_foreach(json_object_get(p, "argv"), i, a) if (i)
		printf(" %s", json_string_value(a) ? json_string_value(a) : "");
	if (strchr(jstr(p, "started"), 'T')) /* the time of day is enough in a tree */
		printf("  (started %.8s)", strchr(jstr(p, "started"), 'T') + 1);
	printf("%s\n", mark ? "   <- trigger" : "");
}

static void print_tree(const json_t *procs)
{
	const json_t *p, *anc;
	size_t i;

	json_array_foreach(json_object_get(procs, "processes"), i, p)
	{
		size_t n, k, d = 0;

		anc = json_object_get(p, "ancestors");
		n = json_array_size(anc);
		/* ancestors are parent first: drawn from the oldest down */
		for (k = n; k-- > 0;)
			print_proc(json_array_get(anc, k), d++, 0);
		print_proc(p, d, 1);
	}
}

static void print_posture(const json_t *c)
{
	static const char *const keys[] = { "pss",
					    "host_namespaces",
					    "capabilities_added",
					    "capabilities_dangerous",
					    "host_mounts",
					    "uid" };
	const json_t *v;
	size_t i, k;

	printf("container %s  name %s  runtime %s  image %s\n", jstr(c, "id"), jstr(c, "name"),
	       jstr(c, "runtime"), jstr(c, "image"));
	printf("  mode %s", jstr(c, "mode"));
	json_array_foreach(json_object_get(c, "relaxed"), i, v)
		printf("%s%s", i ? ", " : "  relaxed: ", json_string_value(v));
	printf("\n");
	for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		char *s;

		v = json_object_get(c, keys[k]);
		if (!v || json_is_null(v) || (json_is_array(v) && !json_array_size(v)))
			continue;
		s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		printf("  %s: %s\n", keys[k], s ? s : "?");
		free(s);
	}
}

static const char *detail(const json_t *e, char *buf, size_t len)
{
	static const char *const keys[] = { "exe", "path", "target", "source", "capability", "op" };
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (json_is_string(json_object_get(e, keys[i])))
			return json_string_value(json_object_get(e, keys[i]));
	if (json_is_integer(json_object_get(e, "child_pid"))) {
		snprintf(buf, len, "child %lld",
			 (long long)json_integer_value(json_object_get(e, "child_pid")));
		return buf;
	}
	if (json_is_integer(json_object_get(e, "exit_code"))) {
		snprintf(buf, len, "code %lld",
			 (long long)json_integer_value(json_object_get(e, "exit_code")));
		return buf;
	}
	return "";
}

static int cmd_show(int capfd, const char *id, int json)
{
	json_t *m, *procs, *timeline, *trig, *e;
	const char *trigger_time;
	char line[1 << 16];
	int bfd, cut, marked = 0;
	size_t i, len;
	char *text;
	FILE *f;

	bfd = pw_bundle_open(capfd, id);
	if (bfd < 0) {
		fprintf(stderr, "privwatch capture: %s: %s\n", id, strerror(-bfd));
		return PW_EXIT_FAIL;
	}
	m = load_json(bfd, "manifest.json");
	if (!m) {
		fprintf(stderr, "privwatch capture: %s: no readable manifest.json\n", id);
		close(bfd);
		return PW_EXIT_FAIL;
	}
	procs = load_json(bfd, "processes.json");
	timeline = json_array();
	if (!pw_bundle_read_file(bfd, "timeline.jsonl", 256 << 20, &text, &len, &cut)) {
		f = fmemopen(text, len, "r");
		while (f && fgets(line, sizeof(line), f)) {
			json_t *ev = json_loads(line, 0, NULL);

			if (ev)
				json_array_append_new(timeline, ev);
		}
		if (f)
			fclose(f);
		free(text);
	}
	close(bfd);
	if (json) {
		json_t *all = json_pack("{s:O, s:O, s:O}", "manifest", m, "processes",
					procs ? procs : json_null(), "timeline", timeline);
		char *s = all ? json_dumps(all, JSON_COMPACT) : NULL;

		if (s)
			printf("%s\n", s);
		free(s);
		json_decref(all);
		goto out;
	}
	printf("capture %s  (%s)\n", id,
	       json_is_true(json_object_get(m, "complete")) ? "complete" : "incomplete");
	json_array_foreach(json_object_get(m, "incomplete"), i, e)
		printf("  incomplete: %s\n", json_string_value(e));
	print_posture(json_object_get(json_object_get(m, "container"), "container"));
	printf("\ntriggers:\n");
	json_array_foreach(json_object_get(m, "triggers"), i, trig) printf(
		"  %s  %s  %s  pid %lld  %s %s\n", jstr(trig, "time"), jstr(trig, "rule"),
		jstr(trig, "title"), (long long)json_integer_value(json_object_get(trig, "pid")),
		jstr(trig, "kind"), jstr(trig, "path"));
	printf("\nprocess tree:\n");
	if (procs)
		print_tree(procs);
	trigger_time = jstr(json_object_get(m, "window"), "trigger");
	printf("\ntimeline (%lld records before the trigger, %lld after):\n",
	       (long long)json_integer_value(
		       json_object_get(json_object_get(m, "counts"), "records_pre")),
	       (long long)json_integer_value(
		       json_object_get(json_object_get(m, "counts"), "records_post")));
	json_array_foreach(timeline, i, e)
	{
		const char *t = jstr(e, "time");
		char buf[64];

		if (!marked && strcmp(t, trigger_time) > 0) {
			printf("  ---- trigger %s ----\n", trigger_time);
			marked = 1;
		}
		printf("  %s  %-10s %s(%lld)  %s\n", t, jstr(e, "kind"), jstr(e, "comm"),
		       (long long)json_integer_value(json_object_get(e, "pid")),
		       detail(e, buf, sizeof(buf)));
	}
	printf("\nfiles: %zu, %lld bytes (privwatch capture verify %s)\n",
	       json_array_size(json_object_get(m, "files")) + 1,
	       (long long)json_integer_value(json_object_get(m, "bytes")), id);
out:
	json_decref(m);
	json_decref(procs);
	json_decref(timeline);
	return PW_EXIT_OK;
}

/* Asks the running agent for a capture of container key. */
static int cmd_take(const char *control, const char *key, int json)
{
	char req[PW_CONTROL_REQ_MAX], reply[PW_CONTROL_REPLY_MAX + 2]; /* + newline, NUL */
	json_t *j;
	int rc;

	if (strlen(key) > 256 || strpbrk(key, " \t\n")) {
		fprintf(stderr, "privwatch capture take: '%s': not a container id or name\n", key);
		return PW_EXIT_USAGE;
	}
	snprintf(req, sizeof(req), "capture %s", key);
	rc = pw_control_ask(control, req, reply, sizeof(reply), PW_CONTROL_ANSWER_MS + 2000);
	if (rc) {
		fprintf(stderr, "privwatch capture take: %s: %s\n", control,
			rc == -ENOENT	? "no agent answers there (is privwatch run running, "
					  "with --control?)"
			: rc == -EACCES ? "permission denied (root only)"
					: strerror(-rc));
		return PW_EXIT_FAIL;
	}
	j = json_loads(reply, 0, NULL);
	if (!j) {
		fprintf(stderr, "privwatch capture take: the agent's answer is not JSON: %s\n",
			reply);
		return PW_EXIT_FAIL;
	}
	rc = json_is_true(json_object_get(j, "ok")) ? PW_EXIT_OK : PW_EXIT_FAIL;
	if (json)
		printf("%s\n", reply);
	else if (json_is_string(json_object_get(j, "error")))
		fprintf(stderr, "privwatch capture take: %s: %s\n", key, jstr(j, "error"));
	else if (rc)
		fprintf(stderr, "privwatch capture take: %s: %s: %s\n", key, jstr(j, "status"),
			jstr(j, "reason"));
	else
		printf("capture %s %s: %s\n", jstr(j, "id"), jstr(j, "status"), jstr(j, "file"));
	json_decref(j);
	return rc;
}

int pw_cmd_capture(int argc, char **argv)
{
	const char *dir = PW_CAPTURE_DIR, *control = PW_CONTROL_DEFAULT, *pos[3] = {};
	char err[512];
	int i, npos = 0, json = 0, capfd, rc;
	const char *verb, *id;

	/* Options anywhere: before the verb, between it and its id, after. */
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return PW_EXIT_OK;
		} else if (!strcmp(a, "--version") || !strcmp(a, "-V")) {
			pw_print_version();
			return PW_EXIT_OK;
		} else if (!strcmp(a, "--json")) {
			json = 1;
		} else if (!strcmp(a, "--dir") && i + 1 < argc) {
			dir = argv[++i];
		} else if (!strncmp(a, "--dir=", 6)) {
			dir = a + 6;
		} else if (!strcmp(a, "--control") && i + 1 < argc) {
			control = argv[++i];
		} else if (!strncmp(a, "--control=", 10)) {
			control = a + 10;
		} else if (a[0] == '-' || npos == 2) {
			usage(stderr);
			return PW_EXIT_USAGE;
		} else {
			pos[npos++] = a;
		}
	}
	verb = pos[0];
	id = pos[1];
	if (!verb || (strcmp(verb, "list") && !id) || (!strcmp(verb, "list") && id)) {
		usage(stderr);
		return PW_EXIT_USAGE;
	}
	if (!strcmp(verb, "take"))
		return cmd_take(control, id, json);
	if (id && !pw_bundle_id_ok(id)) {
		fprintf(stderr, "privwatch capture: '%s': not a bundle id\n", id);
		return PW_EXIT_USAGE;
	}
	if (strcmp(verb, "list") && strcmp(verb, "show") && strcmp(verb, "verify")) {
		fprintf(stderr, "privwatch capture: unknown verb '%s' (list, show, verify, take)\n",
			verb);
		return PW_EXIT_USAGE;
	}
	capfd = pw_bundle_dir_open(dir, 0, err, sizeof(err));
	if (capfd < 0) {
		fprintf(stderr, "privwatch capture: %s\n", err);
		return PW_EXIT_FAIL;
	}
	if (!strcmp(verb, "list")) {
		rc = cmd_list(capfd, json);
	} else if (!strcmp(verb, "show")) {
		rc = cmd_show(capfd, id, json);
	} else {
		int bad = pw_bundle_verify(capfd, id, stdout);

		if (bad < 0)
			fprintf(stderr, "privwatch capture verify: %s: %s\n", id,
				bad == -EBADMSG
					? "manifest.json is not a privwatch.capture/1 manifest"
					: strerror(-bad));
		else if (!bad)
			printf("%s: every file matches its manifest\n", id);
		rc = bad ? PW_EXIT_FAIL : PW_EXIT_OK;
	}
	close(capfd);
	return rc;
}
