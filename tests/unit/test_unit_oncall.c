// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * What on-call reads in an alert: every shipped and built-in rule has a
 * remediation and a section in docs/rule-reference.md (the alert's
 * rule.reference) that says the same; the rule key "remediation" parses;
 * alert ids are UUIDv7s, unique and in time order.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <jansson.h>
#include "alerts/alert.h"
#include "daemon/health.h"
#include "kernel/privs.h"
#include "pipeline.h"
#include "rules/rules.h"

static char *doc;

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0;

	if (!f)
		return NULL;
	if (getdelim(&buf, &len, '\0', f) < 0) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

/* The rule's section: from its "### ID" heading to the next heading. */
static void check_documented(const struct pw_rule_info *r)
{
	char head[80], ref[128], *s, *end, *anchor;
	size_t n;

	assert_non_null(r->remediation);
	if (strlen(r->remediation) < 20)
		fail_msg("%s: remediation too short to act on: '%s'", r->id, r->remediation);
	pw_alert_rule_reference(r->id, ref, sizeof(ref));
	anchor = strchr(ref, '#');
	assert_non_null(anchor);
	assert_int_equal(strncmp(ref, PW_RULE_DOC "#", strlen(PW_RULE_DOC) + 1), 0);
	snprintf(head, sizeof(head), "\n### %s\n", r->id);
	s = strstr(doc, head);
	if (!s)
		fail_msg("%s: no section '### %s' in %s", r->id, r->id, PW_RULE_DOC);
	/* GitHub's anchor of "### PW-0102" is "pw-0102": the reference's. */
	for (n = 0; r->id[n]; n++)
		assert_int_equal(anchor[1 + n], r->id[n] >= 'A' && r->id[n] <= 'Z'
							? r->id[n] - 'A' + 'a'
							: r->id[n]);
	s += strlen(head);
	end = strstr(s, "\n#");
	if (end)
		*end = '\0';
	if (!strstr(s, r->remediation))
		fail_msg("%s: the section in %s does not have the rule's remediation", r->id,
			 PW_RULE_DOC);
	if (r->description && !strstr(s, r->description))
		fail_msg("%s: the section in %s does not have the rule's description", r->id,
			 PW_RULE_DOC);
	if (end)
		*end = '\n';
}

static void test_shipped_rules_documented(void **state)
{
	struct pw_rules_error e;
	struct pw_ruleset *rs;
	size_t i;

	(void)state;
	if (pw_rules_load("rules", NULL, &rs, &e))
		fail_msg("%s", e.text);
	assert_true(pw_ruleset_count(rs) > 30);
	for (i = 0; pw_ruleset_rule(rs, i); i++)
		check_documented(pw_rule_info(pw_ruleset_rule(rs, i)));
	pw_ruleset_free(rs);
}

static void test_builtin_rules_documented(void **state)
{
	const struct pw_rule_info *builtin[] = { &pw_rule_blind, &pw_rule_rewatch,
						 &pw_rule_watch_full, &pw_rule_read_timeout,
						 &pw_rule_table_full };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(builtin) / sizeof(builtin[0]); i++)
		check_documented(builtin[i]);
}

static int load_text(const char *text, struct pw_ruleset **rs, struct pw_rules_error *e)
{
	char path[] = "/tmp/pw-test-rem-XXXXXX.json";
	int fd = mkstemps(path, 5), rc;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	rc = pw_rules_load(path, NULL, rs, e);
	unlink(path);
	return rc;
}

static void test_remediation_key(void **state)
{
	struct pw_rules_error e;
	struct pw_ruleset *rs;

	(void)state;
	assert_int_equal(load_text("{\"rules\":[{\"id\":\"L-1\",\"title\":\"t\",\"description\":"
				   "\"d\",\"remediation\":\"restart it\",\"severity\":\"low\","
				   "\"condition\":{\"kind\":\"open\"}}]}",
				   &rs, &e),
			 0);
	assert_string_equal(pw_rule_info(pw_ruleset_rule(rs, 0))->remediation, "restart it");
	pw_ruleset_free(rs);
	/* optional for local rules */
	assert_int_equal(
		load_text("{\"rules\":[{\"id\":\"L-1\",\"title\":\"t\",\"description\":"
			  "\"d\",\"severity\":\"low\",\"condition\":{\"kind\":\"open\"}}]}",
			  &rs, &e),
		0);
	assert_null(pw_rule_info(pw_ruleset_rule(rs, 0))->remediation);
	pw_ruleset_free(rs);
	assert_int_equal(load_text("{\"rules\":[{\"id\":\"L-1\",\"title\":\"t\",\"description\":"
				   "\"d\",\"remediation\":5,\"severity\":\"low\","
				   "\"condition\":{\"kind\":\"open\"}}]}",
				   &rs, &e),
			 -1);
	assert_string_equal(e.rule_id, "L-1");
	assert_non_null(strstr(e.json_path, "remediation"));
}

static int is_uuid7(const char *s)
{
	size_t i;

	if (strlen(s) != 36)
		return 0;
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (!strchr("0123456789abcdef", s[i])) {
			return 0;
		}
	}
	return s[14] == '7' && strchr("89ab", s[19]);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void test_alert_ids(void **state)
{
	enum { N = 20000 };
	char(*ids)[PW_ALERT_ID_LEN] = calloc(N, PW_ALERT_ID_LEN);
	char later[PW_ALERT_ID_LEN];
	/* 2026-11-29T08:40:01.123Z */
	uint64_t t0 = 1795941601123456789ull;
	size_t i;

	(void)state;
	assert_non_null(ids);
	for (i = 0; i < N; i++) {
		pw_alert_new_id(ids[i], t0);
		if (!is_uuid7(ids[i]))
			fail_msg("not a UUIDv7: %s", ids[i]);
	}
	/* the millisecond timestamp leads: 1795941601123 = 0x1a226760f63 */
	assert_int_equal(strncmp(ids[0], "01a22676-0f63-", 14), 0);
	/* one millisecond: still in order and distinct (the counter; its
	 * random 62-bit start wraps within 20000 once in 2^48 runs) */
	for (i = 1; i < N; i++)
		assert_true(strcmp(ids[i - 1], ids[i]) < 0);
	qsort(ids, N, PW_ALERT_ID_LEN, cmp_str);
	for (i = 1; i < N; i++)
		assert_string_not_equal(ids[i - 1], ids[i]);
	pw_alert_new_id(later, t0 + 1000000);
	assert_true(strcmp(later, ids[N - 1]) > 0);
	free(ids);
}

static json_t *record_ecs(const char *native)
{
	static const struct pw_host_info h = { .hostname = "node-7", .boot_id = "b-1" };
	struct jsonw w;
	json_error_t e;
	json_t *j;
	size_t len;
	const char *line;

	jw_init(&w);
	pw_record_to_ecs(&w, native, strlen(native), &h);
	line = jw_line(&w, &len);
	assert_non_null(line);
	j = json_loadb(line, len, 0, &e);
	if (!j)
		fail_msg("not JSON (%s): %s", e.text, line);
	jw_free(&w);
	return j;
}

static const char *s2(json_t *j, const char *a, const char *b)
{
	return json_string_value(json_object_get(json_object_get(j, a), b));
}

/* Every record kind on ECS: the envelope, the record whole under privwatch. */
static void test_records_on_ecs(void **state)
{
	static const struct {
		const char *line, *dataset, *kind, *category, *type;
	} cases[] = {
		{ "{\"schema\":\"privwatch.stats/1\",\"time\":\"2026-11-29T08:40:01.1Z\","
		  "\"final\":true}\n",
		  "privwatch.stats", "metric", "host", "info" },
		{ "{\"schema\":\"privwatch.start/1\",\"time\":\"2026-11-29T08:40:01.1Z\"}",
		  "privwatch.start", "event", "process", "start" },
		{ "{\"schema\":\"privwatch.lost/1\",\"time\":\"2026-11-29T08:40:01.1Z\"}",
		  "privwatch.lost", "metric", "host", "info" },
		{ "{\"schema\":\"privwatch.inventory/1\",\"time\":\"2026-11-29T08:40:01.1Z\"}",
		  "privwatch.inventory", "state", "host", "info" },
		{ "{\"schema\":\"privwatch.event/1\",\"kind\":\"exec\",\"time\":"
		  "\"2026-11-29T08:40:01.1Z\"}",
		  "privwatch.event", "event", "process", "start" },
		{ "{\"schema\":\"privwatch.event/1\",\"kind\":\"mount\",\"time\":"
		  "\"2026-11-29T08:40:01.1Z\"}",
		  "privwatch.event", "event", "configuration", "change" },
	};
	json_t *j, *pw;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		j = record_ecs(cases[i].line);
		assert_string_equal(json_string_value(json_object_get(j, "@timestamp")),
				    "2026-11-29T08:40:01.1Z");
		assert_string_equal(s2(j, "ecs", "version"), "8.11.0");
		assert_string_equal(s2(j, "event", "dataset"), cases[i].dataset);
		assert_string_equal(s2(j, "event", "module"), "privwatch");
		assert_string_equal(s2(j, "event", "kind"), cases[i].kind);
		assert_string_equal(
			json_string_value(json_array_get(
				json_object_get(json_object_get(j, "event"), "category"), 0)),
			cases[i].category);
		assert_string_equal(
			json_string_value(json_array_get(
				json_object_get(json_object_get(j, "event"), "type"), 0)),
			cases[i].type);
		assert_string_equal(s2(j, "host", "name"), "node-7");
		pw = json_object_get(j, "privwatch");
		assert_true(json_is_object(pw));
		assert_int_equal(strncmp(json_string_value(json_object_get(pw, "schema")),
					 cases[i].dataset, strlen(cases[i].dataset)),
				 0);
		json_decref(j);
	}
	/* not a record of ours: still ECS, the time now */
	j = record_ecs("{\"x\":1}");
	assert_string_equal(s2(j, "event", "dataset"), "privwatch.record");
	assert_int_equal(strlen(json_string_value(json_object_get(j, "@timestamp"))), 30);
	json_decref(j);
}

/* Lockdown: only confidentiality stops the sensors. */
static void test_lockdown_modes(void **state)
{
	(void)state;
	assert_int_equal(pw_privs_lockdown_blocks("[none] integrity confidentiality\n"), 0);
	assert_int_equal(pw_privs_lockdown_blocks("none [integrity] confidentiality\n"), 0);
	assert_int_equal(pw_privs_lockdown_blocks("none integrity [confidentiality]\n"), 1);
	assert_int_equal(pw_privs_lockdown_blocks(""), 0);
}

static int setup(void **state)
{
	(void)state;
	doc = slurp(PW_RULE_DOC);
	if (!doc) {
		fprintf(stderr, "cannot read %s (run from the top of the tree)\n", PW_RULE_DOC);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(doc);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shipped_rules_documented),
		cmocka_unit_test(test_builtin_rules_documented),
		cmocka_unit_test(test_remediation_key),
		cmocka_unit_test(test_alert_ids),
		cmocka_unit_test(test_records_on_ecs),
		cmocka_unit_test(test_lockdown_modes),
	};

	return cmocka_run_group_tests_name("unit: on-call (rule docs, alert ids, records on ECS)",
					   tests, setup, teardown);
}
