// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The configuration file (agent/daemon/config.h): each key wrong in turn
 * (type, bounds, unknown key, unknown value) is an error naming the file
 * and the key; drop-ins merge in name order and a bad one refuses the
 * whole; the command line wins over the file; every option has a key that
 * docs/config.md, docs/config.schema.json and the shipped example carry;
 * the example and config check's JSON validate against the schema.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>
#include <jansson.h>
#include "daemon/config.h"

static char dir[64];

static int setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/pw-unit-config.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

/* Loading text fails with an error that contains each of says. */
static void refused(const char *text, const char *say1, const char *say2)
{
	struct pw_config c;
	char err[1024];

	pw_config_init(&c);
	if (!pw_config_load_string(&c, text, "/etc/x/10-x.json", err, sizeof(err)))
		fail_msg("accepted: %s", text);
	if (!strstr(err, "/etc/x/10-x.json") || !strstr(err, say1) || (say2 && !strstr(err, say2)))
		fail_msg("%s: error does not say '%s' '%s' and the file: %s", text, say1,
			 say2 ? say2 : "", err);
	pw_config_free(&c);
}

/* Each key wrong in turn: a type it cannot be, then a value out of bounds
 * or not among the allowed ones where the type has them. */
static void test_each_key_wrong(void **state)
{
	char text[512], key[80];
	int i;

	for (i = 0; i < PW_O_COUNT; i++) {
		const struct pw_opt_def *d = &pw_config_opts[i];
		int is_bool = d->type == PW_OPT_BOOL;

		/* wrong type */
		snprintf(text, sizeof(text), "{\"%s\": %s}", d->key, is_bool ? "1" : "{}");
		snprintf(key, sizeof(key), "%s: need", d->key);
		refused(text, key, NULL);
		switch (d->type) {
		case PW_OPT_INT:
		case PW_OPT_COUNT:
			snprintf(text, sizeof(text), "{\"%s\": %ld}", d->key, d->max + 1);
			refused(text, d->key, "out of bounds");
			snprintf(text, sizeof(text), "{\"%s\": %ld}", d->key, d->min - 1);
			refused(text, d->key, "out of bounds");
			snprintf(text, sizeof(text), "{\"%s\": \"5\"}", d->key);
			refused(text, d->key, "need an integer");
			break;
		case PW_OPT_ENUM:
			snprintf(text, sizeof(text), "{\"%s\": \"xml\"}", d->key);
			refused(text, d->key, "unknown value \"xml\" (one of: ");
			break;
		case PW_OPT_STR:
			snprintf(text, sizeof(text), "{\"%s\": \"\"}", d->key);
			refused(text, d->key, NULL);
			break;
		case PW_OPT_LIST:
		case PW_OPT_SINKS:
			/* a good first entry: the error is the second's */
			snprintf(text, sizeof(text), "{\"%s\": [\"%s\", 3]}", d->key,
				 d->type == PW_OPT_SINKS ? "stdout"
				 : i == PW_O_NO_VARIANT	 ? "lsm"
							 : "/ok");
			snprintf(key, sizeof(key), "%s[1]: need a string", d->key);
			refused(text, key, NULL);
			if (d->one_str_ok)
				break; /* one string is one entry (rules) */
			snprintf(text, sizeof(text), "{\"%s\": \"x\"}", d->key);
			refused(text, d->key, "need an array");
			break;
		case PW_OPT_BOOL: break;
		}
	}
}

static void test_bad_values(void **state)
{
	refused("{\"bogus\": 1}", "bogus: unknown key", NULL);
	refused("{\"fold-window\": 1}", "fold-window: unknown key", NULL);
	refused("[]", "need a JSON object", NULL);
	refused("{\"fold_window\": 1, \"fold_window\": 2}", "duplicate", NULL);
	refused("{\"ringbuf_size\": \"3M\"}", "ringbuf_size: need a power of two", NULL);
	refused("{\"container_budget\": \"1/0\"}", "container_budget: need RATE", NULL);
	refused("{\"no_variant\": [\"lsm\", \"bogus\"]}", "no_variant[1]", NULL);
	refused("{\"sensitive_mount\": [\"rel/path\"]}", "sensitive_mount[0]: need an absolute",
		NULL);
	refused("{\"output\": [\"stdout\", \"xml:x\"]}", "output[1]", "xml");
	refused("{\"output\": [\"stdout\", {\"kind\": \"xml\"}]}", "output[1]", "xml");
	refused("{\"output\": [{\"kind\": \"file\", \"format\": \"xml\", \"to\": \"/x\"}]}",
		"output[0]", "unknown format 'xml'");
	refused("{\"output\": [{\"kind\": \"file\", \"colour\": \"red\"}]}",
		"output[0].colour: unknown key", NULL);
	refused("{\"output\": [{\"kind\": \"file\", \"keep\": \"3\"}]}", "output[0].keep", NULL);
	refused("{\"output\": [{\"to\": \"/x\"}]}", "output[0]: \"kind\" missing", NULL);
	refused("{\"output\": [{\"kind\": \"file\", \"min\": \"severe\", \"to\": \"/x\"}]}",
		"output[0]", "severe");
	refused("{\"fold_window\": ", "10-x.json:1", NULL);
}

static void test_good_file_and_objects(void **state)
{
	struct pw_config c;
	char err[1024];

	pw_config_init(&c);
	assert_int_equal(pw_config_load_string(&c,
					       "{\"_comment\": \"notes are fine\", "
					       "\"fold_window\": 0, \"mode\": \"tracepoint\", "
					       "\"events\": true, \"output\": [\"stdout\", "
					       "{\"kind\": \"file\", \"min\": \"high\", \"max\": "
					       "\"10M\", \"keep\": 3, \"to\": \"/var/log/p.json\", "
					       "\"format\": \"ecs\"}]}",
					       "f.json", err, sizeof(err)),
			 0);
	assert_int_equal(pw_cfg_int(&c, PW_O_FOLD_WINDOW), 0);
	assert_string_equal(pw_cfg_str(&c, PW_O_MODE), "tracepoint");
	assert_int_equal(pw_cfg_int(&c, PW_O_EVENTS), 1);
	assert_int_equal(pw_cfg_list(&c, PW_O_OUTPUT)->n, 2);
	assert_string_equal(pw_cfg_list(&c, PW_O_OUTPUT)->v[1],
			    "file,min=high,format=ecs,max=10M,keep=3:/var/log/p.json");
	/* Untouched keys keep their defaults. */
	assert_int_equal(pw_cfg_int(&c, PW_O_POLL_MS), 10);
	assert_string_equal(pw_cfg_str(&c, PW_O_RINGBUF_SIZE), "8M");
	/* null: back to the default. */
	assert_int_equal(pw_config_load_string(&c, "{\"mode\": null, \"output\": null}", "g.json",
					       err, sizeof(err)),
			 0);
	assert_string_equal(pw_cfg_str(&c, PW_O_MODE), "auto");
	assert_int_equal(pw_cfg_list(&c, PW_O_OUTPUT)->n, 0);
	pw_config_free(&c);
}

static void test_dropins_in_name_order(void **state)
{
	char path[256], d[256], err[1024];
	struct pw_config c;

	snprintf(path, sizeof(path), "%s/main.json", dir);
	snprintf(d, sizeof(d), "%s/privwatch.d", dir);
	mkdir(d, 0755);
	write_file(path, "{\"fold_window\": 1, \"stats_interval\": 7, \"disable_rule\": [\"A\"]}");
	snprintf(d, sizeof(d), "%s/privwatch.d/20-b.json", dir);
	write_file(d, "{\"fold_window\": 3, \"disable_rule\": [\"B\", \"C\"]}");
	snprintf(d, sizeof(d), "%s/privwatch.d/10-a.json", dir);
	write_file(d, "{\"fold_window\": 2, \"poll_ms\": 20}");
	snprintf(d, sizeof(d), "%s/privwatch.d/30-c.txt", dir); /* not .json: ignored */
	write_file(d, "not json");
	pw_config_init(&c);
	assert_int_equal(pw_config_load(&c, path, err, sizeof(err)), 0);
	assert_int_equal(pw_cfg_int(&c, PW_O_FOLD_WINDOW), 3);	    /* 20-b last */
	assert_int_equal(pw_cfg_int(&c, PW_O_POLL_MS), 20);	    /* 10-a */
	assert_int_equal(pw_cfg_int(&c, PW_O_STATS_INTERVAL), 7);   /* main */
	assert_int_equal(pw_cfg_list(&c, PW_O_DISABLE_RULE)->n, 2); /* replaced, not appended */
	assert_int_equal(c.files.n, 3);
	assert_string_equal(c.files.v[0], path);
	assert_non_null(strstr(c.files.v[1], "10-a.json"));
	assert_non_null(strstr(c.files.v[2], "20-b.json"));
	pw_config_free(&c);

	/* A bad drop-in refuses the whole, naming itself and the key. */
	snprintf(d, sizeof(d), "%s/privwatch.d/15-bad.json", dir);
	write_file(d, "{\"output\": [\"stdout\", {\"kind\": \"stdout\", \"min\": \"loud\"}]}");
	pw_config_init(&c);
	assert_int_equal(pw_config_load(&c, path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "privwatch.d/15-bad.json: output[1]"));
	assert_non_null(strstr(err, "loud"));
	pw_config_free(&c);
	unlink(d);
}

static void test_missing_files(void **state)
{
	struct pw_config c;
	char err[1024];

	/* Named and missing: an error. */
	pw_config_init(&c);
	assert_int_equal(pw_config_load(&c, "/nonexistent/privwatch.json", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent/privwatch.json"));
	pw_config_free(&c);
	/* The default, absent on a test machine, is fine: no files, defaults. */
	if (access(PW_CONFIG_DEFAULT, F_OK) == 0)
		skip();
	pw_config_init(&c);
	assert_int_equal(pw_config_load(&c, NULL, err, sizeof(err)), 0);
	assert_int_equal(pw_cfg_int(&c, PW_O_FOLD_WINDOW), 10);
	pw_config_free(&c);
}

/* The command line wins over the file, key by key; a repeatable option's
 * command-line list replaces the file's. */
static void test_command_line_wins(void **state)
{
	struct pw_config file, cli;
	const char *cfg;
	char err[1024];
	int action;
	char *argv[] = { "run", "--fold-window", "4",	       "-v", "-v",  "--disable-rule",
			 "X",	"--config",	 "/some/file", "-m", "lsm", NULL };

	pw_config_init(&file);
	pw_config_init(&cli);
	assert_int_equal(pw_config_load_string(&file,
					       "{\"fold_window\": 30, \"poll_ms\": 50, \"mode\": "
					       "\"tracepoint\", \"disable_rule\": [\"A\", \"B\"], "
					       "\"verbose\": 1}",
					       "f.json", err, sizeof(err)),
			 0);
	assert_int_equal(pw_config_parse_args(&cli, 11, argv, &cfg, &action, err, sizeof(err)), 0);
	assert_string_equal(cfg, "/some/file");
	assert_int_equal(action, 0);
	assert_int_equal(pw_config_overlay(&file, &cli), 0);
	assert_int_equal(pw_cfg_int(&file, PW_O_FOLD_WINDOW), 4); /* command line */
	assert_int_equal(pw_cfg_int(&file, PW_O_POLL_MS), 50);	  /* file */
	assert_string_equal(pw_cfg_str(&file, PW_O_MODE), "lsm"); /* command line */
	assert_int_equal(pw_cfg_int(&file, PW_O_VERBOSE), 2);	  /* -v -v */
	assert_int_equal(pw_cfg_list(&file, PW_O_DISABLE_RULE)->n, 1);
	assert_string_equal(pw_cfg_list(&file, PW_O_DISABLE_RULE)->v[0], "X");
	assert_string_equal(pw_cfg_str(&file, PW_O_RINGBUF_SIZE), "8M"); /* default */
	pw_config_free(&file);
	pw_config_free(&cli);

	/* Bad command-line values name the option. */
	{
		char *bad[] = { "run", "--poll-ms", "0", NULL };

		pw_config_init(&cli);
		assert_int_equal(
			pw_config_parse_args(&cli, 3, bad, &cfg, &action, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "--poll-ms '0'"));
		pw_config_free(&cli);
	}
}

/* rules: layered paths. In a file a string (one path, as before) or an
 * array; on the command line --rules repeated, in order (once, only the
 * last was kept). */
static void test_rules_paths(void **state)
{
	struct pw_config c, cli;
	const char *cfg = NULL;
	char err[1024];
	int action;
	char *argv[] = { "run", "--rules", "/a", "--rules", "/b/90-local.json", NULL };

	pw_config_init(&c);
	assert_int_equal(
		pw_config_load_string(&c, "{\"rules\": \"/etc/x\"}", "f.json", err, sizeof(err)),
		0);
	assert_int_equal(pw_cfg_list(&c, PW_O_RULES)->n, 1);
	assert_string_equal(pw_cfg_list(&c, PW_O_RULES)->v[0], "/etc/x");
	assert_int_equal(pw_config_load_string(&c, "{\"rules\": [\"/etc/x\", \"/srv/l.json\"]}",
					       "g.json", err, sizeof(err)),
			 0);
	assert_int_equal(pw_cfg_list(&c, PW_O_RULES)->n, 2);
	assert_string_equal(pw_cfg_list(&c, PW_O_RULES)->v[1], "/srv/l.json");
	assert_int_equal(pw_config_load_string(&c, "{\"rules\": \"\"}", "h.json", err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "h.json: rules: must not be empty"));
	assert_int_equal(pw_config_load_string(&c, "{\"rules\": 3}", "i.json", err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "rules: need a string or an array"));
	pw_config_init(&cli);
	assert_int_equal(pw_config_parse_args(&cli, 5, argv, &cfg, &action, err, sizeof(err)), 0);
	assert_int_equal(pw_config_overlay(&c, &cli), 0);
	assert_int_equal(pw_cfg_list(&c, PW_O_RULES)->n, 2);
	assert_string_equal(pw_cfg_list(&c, PW_O_RULES)->v[0], "/a");
	assert_string_equal(pw_cfg_list(&c, PW_O_RULES)->v[1], "/b/90-local.json");
	pw_config_free(&c);
	pw_config_free(&cli);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc(n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, n, f), n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* A new option cannot come without its documentation: every key is in
 * docs/config.md's table, the schema and the example; the example loads. */
static void test_every_key_documented(void **state)
{
	char *md = slurp("docs/config.md"), needle[96], err[1024];
	json_t *schema = json_load_file("docs/config.schema.json", 0, NULL);
	json_t *example = json_load_file("docs/privwatch.example.json", 0, NULL);
	json_t *props = json_object_get(schema, "properties");
	struct pw_config c;
	int i;

	assert_non_null(schema);
	assert_non_null(example);
	for (i = 0; i < PW_O_COUNT; i++) {
		const char *k = pw_config_opts[i].key;

		snprintf(needle, sizeof(needle), "| `%s` |", k);
		if (!strstr(md, needle))
			fail_msg("docs/config.md has no row for %s", k);
		if (!json_object_get(props, k))
			fail_msg("docs/config.schema.json has no %s", k);
		if (!json_object_get(example, k))
			fail_msg("docs/privwatch.example.json has no %s", k);
		assert_int_equal(json_object_size(props), PW_O_COUNT);
	}
	/* Every key of a sink object: a row of the sink object table and in
	 * the schema's object. */
	{
		json_t *items = json_object_get(json_object_get(props, "output"), "items");
		json_t *obj = json_array_get(json_object_get(items, "oneOf"), 1);
		const char *table = strstr(md, "### Sink objects");

		assert_non_null(table);
		for (i = 0; pw_config_sink_keys[i]; i++) {
			snprintf(needle, sizeof(needle), "`%s`", pw_config_sink_keys[i]);
			if (!strstr(table, needle))
				fail_msg("docs/config.md's sink objects have no %s",
					 pw_config_sink_keys[i]);
			if (!json_object_get(json_object_get(obj, "properties"),
					     pw_config_sink_keys[i]))
				fail_msg("docs/config.schema.json's sink object has no %s",
					 pw_config_sink_keys[i]);
		}
	}
	pw_config_init(&c);
	if (pw_config_load(&c, "docs/privwatch.example.json", err, sizeof(err)))
		fail_msg("the example does not load: %s", err);
	pw_config_free(&c);
	json_decref(schema);
	json_decref(example);
	free(md);
}

/* The schema accepts the example and config check's output, and refuses a
 * wrong one (python3-jsonschema, a build dependency). */
static void test_schema_validates(void **state)
{
	char path[256], cmd[1024];
	struct pw_config c;
	FILE *f;
	char err[1024];

	if (system("python3 -c 'import jsonschema' 2>/dev/null"))
		fail_msg("python3-jsonschema is missing (make deps)");
	snprintf(path, sizeof(path), "%s/effective.json", dir);
	pw_config_init(&c);
	assert_int_equal(pw_config_load(&c, "docs/privwatch.example.json", err, sizeof(err)), 0);
	f = fopen(path, "w");
	assert_non_null(f);
	pw_config_print(&c, f, 1);
	fclose(f);
	pw_config_free(&c);
#define VALIDATE                                                                                   \
	"python3 -c 'import json,sys,jsonschema; s=json.load(open(\"docs/config.schema.json\")); " \
	"[jsonschema.validate(json.load(open(p)), s) for p in sys.argv[1:]]' "
	snprintf(cmd, sizeof(cmd), VALIDATE "docs/privwatch.example.json %s", path);
	assert_int_equal(system(cmd), 0);
	/* config check --json's output loads back. */
	pw_config_init(&c);
	assert_int_equal(pw_config_load(&c, path, err, sizeof(err)), 0);
	pw_config_free(&c);
	write_file(path, "{\"fold_window\": -1}");
	snprintf(cmd, sizeof(cmd), VALIDATE "%s 2>/dev/null", path);
	assert_int_not_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_key_wrong),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_good_file_and_objects),
		cmocka_unit_test(test_dropins_in_name_order),
		cmocka_unit_test(test_missing_files),
		cmocka_unit_test(test_command_line_wins),
		cmocka_unit_test(test_rules_paths),
		cmocka_unit_test(test_every_key_documented),
		cmocka_unit_test(test_schema_validates),
	};

	return cmocka_run_group_tests_name("unit: config", tests, setup, teardown);
}
