// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Layered rule sets (docs/rules.md, "Layering"): the shipped rules untouched
 * and local files on top that append to lists, override, disable and add
 * exceptions to rules, each mistake named by file and rule id; and the
 * operator's case of issue 22 through the engine with crafted events. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "rules/rules.h"

#define SHIPPED "rules" /* the suites run from the top of the tree */

static char dir[64];

static const char *write_file(const char *name, const char *text)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

static int setup(void **state)
{
	strcpy(dir, "/tmp/pw-layers-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

static struct pw_open_event open_rec;
static struct pw_capability_event cap_rec;
static struct pw_exec_event exec_rec;

static const struct pw_view_container web = {
	.id = "0123abcd",
	.name = "web",
	.runtime = "docker",
	.image = "nginx:1.25",
	.pod = "web-7d9f",
	.ns = "shop",
	.phase = PW_VPHASE_STARTED,
	.mode = PW_VMODE_PRIVILEGED,
};
static const struct pw_view_container exporter = {
	.id = "4567ef01",
	.name = "node-exporter",
	.runtime = "containerd",
	.image = "quay.io/prometheus/node-exporter:v1.8.2",
	.pod = "node-exporter-x2v4q",
	.ns = "monitoring",
	.phase = PW_VPHASE_STARTED,
	.mode = PW_VMODE_PRIVILEGED,
};

static void hdr(struct pw_event_header *h, unsigned int type, size_t size)
{
	memset(h, 0, size);
	h->type = type;
	h->size = size;
	h->pid = h->tid = 4242;
	strcpy(h->comm, "sh");
}

/* A write under a kernel filesystem, path given as usual. */
static void view_write(struct pw_view *v, const char *path, unsigned int kind,
		       const struct pw_view_container *c)
{
	char names[PW_OPEN_PATH_BUF];
	const char *end = path + strlen(path), *p;
	size_t off = 0;

	hdr(&open_rec.hdr, PW_EVENT_OPEN, sizeof(open_rec));
	while (end > path) { /* "/sys/a/b" -> "b\0a\0sys\0" */
		p = end;
		while (p > path && p[-1] != '/')
			p--;
		if (end > p) {
			memcpy(names + off, p, end - p);
			off += end - p;
			names[off++] = '\0';
		}
		end = p > path ? p - 1 : p;
	}
	memcpy(open_rec.path, names, off);
	open_rec.path_len = off;
	open_rec.path_format = PW_OPEN_PATH_COMPONENTS;
	open_rec.kind = kind;
	open_rec.f_mode = 2;
	open_rec.ret = 3;
	pw_view_from_event(v, &open_rec.hdr);
	v->container = c;
}

static void view_cap(struct pw_view *v, int cap, const struct pw_view_container *c)
{
	hdr(&cap_rec.hdr, PW_EVENT_CAPABILITY, sizeof(cap_rec));
	cap_rec.cap = cap;
	pw_view_from_event(v, &cap_rec.hdr);
	v->container = c;
}

static void view_exec(struct pw_view *v, const char *file, const struct pw_view_container *c)
{
	hdr(&exec_rec.hdr, PW_EVENT_EXEC, sizeof(exec_rec));
	strcpy(exec_rec.filename, file);
	exec_rec.ppid = 1;
	pw_view_from_event(v, &exec_rec.hdr);
	v->container = c;
}

/* The ids of the rules v fires, in load order, space-separated. */
static const char *fired(const struct pw_ruleset *rs, const struct pw_view *v)
{
	static char buf[4][512];
	static int which;
	const struct pw_rule *h[32];
	size_t i, n = pw_rules_match(rs, v, h, 32), off = 0;
	char *b = buf[which++ % 4];

	b[0] = '\0';
	for (i = 0; i < n && i < 32; i++)
		off += snprintf(b + off, 512 - off, "%s%s", off ? " " : "", pw_rule_info(h[i])->id);
	return b;
}

static struct pw_ruleset *load2(const char *a, const char *b)
{
	const char *paths[] = { a, b };
	struct pw_rules_error e;
	struct pw_ruleset *rs = NULL;

	if (pw_rules_load_paths(paths, b ? 2 : 1, NULL, &rs, &e))
		fail_msg("load failed: %s", e.text);
	return rs;
}

static struct pw_rules_error load2_error(const char *a, const char *b)
{
	const char *paths[] = { a, b };
	struct pw_rules_error e;
	struct pw_ruleset *rs = NULL;

	assert_int_equal(pw_rules_load_paths(paths, b ? 2 : 1, NULL, &rs, &e), -1);
	assert_null(rs);
	return e;
}

/* "Done when" of issue 22: the shipped rules untouched, one local file that
 * exempts a named image from two rules and adds one rule: exactly that. */
static const char *const local_file =
	"{\n"
	" \"overrides\": [\n"
	"  {\"id\": \"PW-0105\", \"exceptions\": [\n"
	"    {\"container.image\": {\"glob\": \"quay.io/prometheus/node-exporter:*\"}}]},\n"
	"  {\"id\": \"PW-0401\", \"exceptions\": [\n"
	"    {\"container.image\": {\"glob\": \"quay.io/prometheus/node-exporter:*\"}}]}\n"
	" ],\n"
	" \"rules\": [\n"
	"  {\"id\": \"LOCAL-0001\", \"title\": \"nsenter in a container\",\n"
	"   \"description\": \"entering the host's namespaces\", \"severity\": \"high\",\n"
	"   \"condition\": {\"all\": [{\"kind\": \"exec\"}, {\"basename\": \"nsenter\"},\n"
	"                           {\"not\": {\"container.mode\": \"host\"}}]}}\n"
	" ]\n"
	"}\n";

static void test_operator_scenario(void **state)
{
	struct pw_ruleset *shipped = load2(SHIPPED, NULL);
	struct pw_ruleset *rs = load2(SHIPPED, write_file("90-local.json", local_file));
	const struct pw_view_container *ctrs[] = { &web, &exporter };
	struct pw_view v;
	char want[512];
	size_t i;

	assert_int_equal(pw_ruleset_count(rs), pw_ruleset_count(shipped) + 1);
	for (i = 0; i < 2; i++) {
		const struct pw_view_container *c = ctrs[i];
		int exempt = c == &exporter;

		/* sysfs write: PW-0105 for web only */
		view_write(&v, "/sys/class/net/eth0/mtu", PW_OBJ_SYSFS, c);
		assert_string_equal(fired(shipped, &v), "PW-0105");
		assert_string_equal(fired(rs, &v), exempt ? "" : "PW-0105");
		/* CAP_SYS_ADMIN: PW-0401 for web only */
		view_cap(&v, 21, c);
		assert_string_equal(fired(shipped, &v), "PW-0401");
		assert_string_equal(fired(rs, &v), exempt ? "" : "PW-0401");
		/* Every other rule still fires for the exempt image too. */
		view_write(&v, "/proc/sys/kernel/core_pattern", PW_OBJ_PROCFS, c);
		assert_string_not_equal(fired(shipped, &v), "");
		assert_string_equal(fired(rs, &v), fired(shipped, &v));
		view_write(&v, "/proc/sysrq-trigger", PW_OBJ_PROCFS, c);
		assert_string_equal(fired(rs, &v), fired(shipped, &v));
		view_cap(&v, 16, c); /* CAP_SYS_MODULE: still PW-0401 unless exempt */
		assert_string_equal(fired(rs, &v), exempt ? "" : fired(shipped, &v));
		/* The added rule, for both. */
		view_exec(&v, "/usr/bin/nsenter", c);
		snprintf(want, sizeof(want), "%s%sLOCAL-0001", fired(shipped, &v),
			 fired(shipped, &v)[0] ? " " : "");
		assert_string_equal(fired(rs, &v), want);
		view_exec(&v, "/bin/ls", c);
		assert_string_equal(fired(rs, &v), fired(shipped, &v));
	}
	pw_ruleset_free(shipped);
	pw_ruleset_free(rs);
}

static const char *base =
	"{\"lists\": {\"names\": [\"mem\"]},\n"
	" \"rules\": [\n"
	"  {\"id\": \"A\", \"title\": \"a\", \"description\": \"d\", \"severity\": \"low\",\n"
	"   \"condition\": {\"all\": [{\"kind\": \"open\"}, {\"basename\": \"@names\"}]}},\n"
	"  {\"id\": \"B\", \"title\": \"b\", \"description\": \"d\", \"severity\": \"low\",\n"
	"   \"condition\": {\"kind\": \"exec\"}}]}";

static void test_append_override_disable(void **state)
{
	struct pw_ruleset *rs;
	struct pw_view v;
	const char *b = strdup(write_file("10-base.json", base)), *file;
	const struct pw_rule *r;

	/* Appended items count for every rule using the list, earlier files too. */
	rs = load2(b, write_file("20-add.json",
				 "{\"lists\": {\"names\": {\"append\": [\"kmem\", \"port\"]}}}"));
	view_write(&v, "/dev/kmem", PW_OBJ_CHARDEV, &web);
	assert_string_equal(fired(rs, &v), "A");
	view_write(&v, "/dev/mem", PW_OBJ_CHARDEV, &web);
	assert_string_equal(fired(rs, &v), "A");
	pw_ruleset_free(rs);

	/* Override: keys given replace, others stay; the origin is kept. */
	rs = load2(b, write_file("20-ov.json",
				 "{\"overrides\": [{\"id\": \"A\", \"severity\": "
				 "\"critical\", \"condition\": {\"all\": "
				 "[{\"kind\": \"open\"}, {\"basename\": \"null\"}]}}]}"));
	view_write(&v, "/dev/mem", PW_OBJ_CHARDEV, &web);
	assert_string_equal(fired(rs, &v), "");
	view_write(&v, "/dev/null", PW_OBJ_CHARDEV, &web);
	assert_string_equal(fired(rs, &v), "A");
	r = pw_ruleset_rule(rs, 0);
	assert_int_equal(pw_rule_info(r)->severity, PW_SEV_CRITICAL);
	assert_string_equal(pw_rule_info(r)->title, "a");
	assert_string_equal(pw_rule_info(r)->file, "10-base.json");
	assert_string_equal(pw_rule_overridden_by(r), "20-ov.json");
	pw_ruleset_free(rs);

	/* Disable by id; enable again in a later layer. */
	rs = load2(b, write_file("20-off.json",
				 "{\"overrides\": [{\"id\": \"B\", \"enabled\": false}]}"));
	assert_int_equal(pw_ruleset_count(rs), 1);
	assert_int_equal(pw_ruleset_disabled(rs), 1);
	view_exec(&v, "/bin/ls", &web);
	assert_string_equal(fired(rs, &v), "");
	assert_int_equal(pw_rule_enabled(pw_ruleset_rule_any(rs, 1)), 0);
	pw_ruleset_free(rs);

	/* Exceptions: in a rule's own definition and added by a later file. */
	rs = load2(b,
		   write_file("20-exc.json",
			      "{\"overrides\": [{\"id\": \"B\", \"exceptions\": ["
			      "{\"container.name\": \"web\"}, {\"all\": [{\"container.image\": "
			      "{\"prefix\": \"quay.io/\"}}, {\"proc.exe\": {\"basename\": "
			      "\"ls\"}}]}]}],"
			      " \"rules\": [{\"id\": \"C\", \"title\": \"c\", \"description\": "
			      "\"d\", \"severity\": \"low\", \"condition\": {\"kind\": \"exec\"},"
			      " \"exceptions\": [{\"proc.exe\": \"/bin/true\"}]}]}"));
	view_exec(&v, "/bin/ls", &web); /* B excepted by name */
	assert_string_equal(fired(rs, &v), "C");
	view_exec(&v, "/bin/ls", &exporter); /* B excepted by image and exe */
	assert_string_equal(fired(rs, &v), "C");
	view_exec(&v, "/bin/cat", &exporter);
	assert_string_equal(fired(rs, &v), "B C");
	view_exec(&v, "/bin/true", &exporter); /* C's own exception */
	assert_string_equal(fired(rs, &v), "B");
	r = pw_ruleset_rule(rs, 1);
	assert_string_equal(pw_rule_info(r)->id, "B");
	assert_int_equal(pw_rule_nexceptions(r), 2);
	assert_string_equal(pw_rule_exception(r, 0, &file), "{\"container.name\":\"web\"}");
	assert_non_null(strstr(file, "20-exc.json"));
	assert_null(pw_rule_exception(r, 2, NULL));
	assert_int_equal(pw_rule_nexceptions(pw_ruleset_rule(rs, 0)), 0);
	pw_ruleset_free(rs);

	/* Layers stack: two files add exceptions to the same rule, in order. */
	write_file(
		"30-more.json",
		"{\"overrides\": [{\"id\": \"B\", \"exceptions\": [{\"proc.exe\": \"/bin/cat\"}]}]}");
	{
		char p2[256], p3[256];
		const char *paths[3] = { b, p2, p3 };
		struct pw_rules_error e;

		snprintf(p2, sizeof(p2), "%s/20-exc.json", dir);
		snprintf(p3, sizeof(p3), "%s/30-more.json", dir);
		assert_int_equal(pw_rules_load_paths(paths, 3, NULL, &rs, &e), 0);
		view_exec(&v, "/bin/cat", &exporter);
		assert_string_equal(fired(rs, &v), "C");
		r = pw_ruleset_rule(rs, 1);
		assert_int_equal(pw_rule_nexceptions(r), 3);
		pw_rule_exception(r, 2, &file);
		assert_non_null(strstr(file, "30-more.json"));
		assert_string_equal(pw_rule_overridden_by(r), "20-exc.json, 30-more.json");
		pw_ruleset_free(rs);
		/* Twice in one file: noted once; a name inside another's is its own. */
		write_file("0-exc.json", "{\"overrides\": [{\"id\": \"B\", \"severity\": "
					 "\"high\"}, {\"id\": \"B\", \"title\": \"b2\"}]}");
		snprintf(p3, sizeof(p3), "%s/0-exc.json", dir);
		assert_int_equal(pw_rules_load_paths(paths, 3, NULL, &rs, &e), 0);
		r = pw_ruleset_rule(rs, 1);
		assert_string_equal(pw_rule_info(r)->title, "b2");
		assert_int_equal(pw_rule_info(r)->severity, PW_SEV_HIGH);
		assert_string_equal(pw_rule_overridden_by(r), "20-exc.json, 0-exc.json");
		pw_ruleset_free(rs);
	}
	free((void *)b);
}

static void expect(struct pw_rules_error e, const char *file_end, const char *rule_id,
		   const char *path, const char *msg)
{
	size_t fl = strlen(e.file), el = strlen(file_end);

	if (fl < el || strcmp(e.file + fl - el, file_end))
		fail_msg("file '%s' does not end with '%s' (%s)", e.file, file_end, e.text);
	assert_string_equal(e.rule_id, rule_id);
	assert_string_equal(e.json_path, path);
	if (!strstr(e.message, msg))
		fail_msg("message '%s' lacks '%s'", e.message, msg);
}

/* Every mistake of a layer: named by its file, rule id and place. */
static void test_layer_errors(void **state)
{
	const char *b = strdup(write_file("10-base.json", base));
	struct pw_rules_error e;
	char empty[128];

	e = load2_error(b, write_file("e1.json", "{\"overrides\": [{\"id\": \"Z\", "
						 "\"enabled\": false}]}"));
	expect(e, "e1.json", "Z", "$.overrides[0].id", "no rule 'Z' to override");
	e = load2_error(b, write_file("e2.json", "{\"overrides\": [{\"id\": \"A\"}]}"));
	expect(e, "e2.json", "A", "$.overrides[0]", "an override changes something");
	e = load2_error(b, write_file("e3.json", "{\"overrides\": [{\"id\": \"A\", "
						 "\"exceptions\": [{\"pth\": \"/x\"}]}]}"));
	expect(e, "e3.json", "A", "$.overrides[0].exceptions[0].pth", "unknown field 'pth'");
	e = load2_error(b, write_file("e4.json", "{\"overrides\": [{\"id\": \"A\", "
						 "\"exceptions\": []}]}"));
	expect(e, "e4.json", "A", "$.overrides[0].exceptions", "empty array");
	e = load2_error(b, write_file("e5.json", "{\"overrides\": [{\"id\": \"A\", "
						 "\"severity\": \"urgent\"}]}"));
	expect(e, "e5.json", "A", "$.overrides[0].severity", "unknown severity 'urgent'");
	e = load2_error(b, write_file("e6.json", "{\"overrides\": [{\"id\": \"A\", "
						 "\"sevrity\": \"low\"}]}"));
	expect(e, "e6.json", "A", "$.overrides[0].sevrity", "unknown key 'sevrity' in an override");
	e = load2_error(b, write_file("e7.json", "{\"lists\": {\"nope\": {\"append\": [\"x\"]}}}"));
	expect(e, "e7.json", "", "$.lists.nope", "append to unknown list 'nope'");
	e = load2_error(b, write_file("e8.json", "{\"lists\": {\"names\": [\"x\"]}}"));
	expect(e, "e8.json", "", "$.lists.names", "defined twice (to add to it");
	e = load2_error(b, write_file("e9.json", "{\"lists\": {\"names\": {\"add\": [\"x\"]}}}"));
	expect(e, "e9.json", "", "$.lists.names.add", "unknown key 'add'");
	e = load2_error(b, write_file("e10.json", "{\"rules\": [{\"id\": \"A\", \"title\": \"t\", "
						  "\"description\": \"d\", \"severity\": "
						  "\"low\", \"condition\": {\"kind\": "
						  "\"open\"}}]}"));
	expect(e, "e10.json", "A", "$.rules[0].id", "use \"overrides\"");
	e = load2_error(b, write_file("e11.json", "{\"overrides\": {\"id\": \"A\"}}"));
	expect(e, "e11.json", "", "$.overrides", "expected an array of overrides");
	/* An override before its rule's file: order matters, and is said. */
	e = load2_error(write_file("e12.json", "{\"overrides\": [{\"id\": \"A\", "
					       "\"enabled\": false}]}"),
			b);
	expect(e, "e12.json", "A", "$.overrides[0].id", "earlier file");
	/* Nothing enabled is no coverage: an error, not a quiet agent. */
	e = load2_error(b, write_file("e13.json", "{\"overrides\": [{\"id\": \"A\", \"enabled\": "
						  "false}, {\"id\": \"B\", \"enabled\": false}]}"));
	assert_non_null(strstr(e.message, "no rule enabled (2 defined, 2 disabled)"));
	assert_non_null(strstr(e.message, "--no-rules"));
	/* A directory without rule files. */
	snprintf(empty, sizeof(empty), "%s/empty", dir);
	mkdir(empty, 0700);
	write_file("empty/rules.yaml", "- rule: falco\n");
	e = load2_error(b, empty);
	expect(e, "empty", "", "", "no rule files (*.json) in this directory");
	free((void *)b);
}

/* One file named twice (alone and through its directory) is read once. */
static void test_same_file_once(void **state)
{
	char d[128], f[160];
	struct pw_ruleset *rs;

	snprintf(d, sizeof(d), "%s/once", dir);
	mkdir(d, 0700);
	snprintf(f, sizeof(f), "%s/once/10-base.json", dir);
	write_file("once/10-base.json", base);
	rs = load2(d, f);
	assert_int_equal(pw_ruleset_count(rs), 2);
	assert_int_equal(pw_ruleset_files(rs), 1);
	pw_ruleset_free(rs);
	/* The shipped files one by one in the context of the rest: each loads
	 * (lists of 00-lists.json used by 30-mounts.json). */
	rs = load2(SHIPPED, SHIPPED "/30-mounts.json");
	assert_true(pw_ruleset_count(rs) > 20);
	pw_ruleset_free(rs);
}

/* A rule set of one rule whose condition is cond; NULL and the error if it
 * does not load. */
static struct pw_ruleset *cond_set(const char *cond, struct pw_rules_error *e)
{
	char text[4096];
	struct pw_ruleset *rs = NULL;
	const char *path;

	snprintf(text, sizeof(text),
		 "{\"rules\": [{\"id\": \"F\", \"title\": \"t\", \"description\": \"d\","
		 " \"severity\": \"low\", \"condition\": %s}]}",
		 cond);
	path = write_file("cond.json", text);
	if (pw_rules_load_paths(&path, 1, NULL, &rs, e))
		return NULL;
	return rs;
}

/* Every field the engine accepts is listed by rules fields with an example
 * that compiles, and documented in docs/rules.md. */
static void test_fields_listed(void **state)
{
	struct pw_rules_field_doc d;
	struct pw_rules_error e;
	struct pw_ruleset *rs;
	char values[1024], want[128], *doc;
	size_t i, n = 0;
	FILE *f = fopen("docs/rules.md", "r");

	assert_non_null(f);
	doc = calloc(1, 1 << 20);
	assert_non_null(doc);
	assert_true(fread(doc, 1, (1 << 20) - 1, f) > 0);
	fclose(f);
	assert_true(pw_rules_nfields() > 50);
	for (i = 0; i < pw_rules_nfields(); i++) {
		pw_rules_field_doc(i, &d, values, sizeof(values));
		assert_non_null(d.name);
		assert_non_null(d.what);
		assert_true(pw_rules_field_known(d.name));
		rs = cond_set(d.example, &e);
		if (!rs)
			fail_msg("field %s: example %s: %s", d.name, d.example, e.text);
		pw_ruleset_free(rs);
		/* The example tests its own field. */
		snprintf(want, sizeof(want), "\"%.*s", (int)strcspn(d.name, "K"), d.name);
		if (!strstr(d.example, want))
			fail_msg("field %s: example %s does not name it", d.name, d.example);
		snprintf(want, sizeof(want), "`%s`", d.name);
		if (!strstr(doc, want))
			fail_msg("field %s is not in docs/rules.md", d.name);
		if (!strcmp(d.type, "enum"))
			assert_true(values[0]);
		n++;
	}
	free(doc);
	/* The engine accepts no field outside the list. */
	assert_false(pw_rules_field_known("container.labels"));
	assert_false(pw_rules_field_known("pod.label."));
	assert_true(pw_rules_field_known("pod.label.team"));
	assert_int_equal(n, pw_rules_nfields());
}

static void test_unknown_field_lists_fields(void **state)
{
	struct pw_rules_error e;

	assert_null(cond_set("{\"container.namespac\": \"x\"}", &e));
	assert_string_equal(e.json_path, "$.rules[0].condition.container.namespac");
	assert_non_null(strstr(e.message, "unknown field 'container.namespac' (fields: kind, "));
	assert_non_null(strstr(e.message, "container.namespace, "));
	assert_non_null(strstr(e.message, "pod.label.KEY, "));
	assert_non_null(strstr(e.message, "container.uid)"));
	assert_non_null(strstr(e.text, "container.uid)"));
}

static int cond_fires(const char *cond, const struct pw_view *v)
{
	struct pw_rules_error e;
	struct pw_ruleset *rs = cond_set(cond, &e);
	const struct pw_rule *h[2];
	int n;

	if (!rs)
		fail_msg("%s: %s", cond, e.text);
	n = (int)pw_rules_match(rs, v, h, 2);
	pw_ruleset_free(rs);
	return n;
}

/* Kubernetes and lineage fields against a crafted view. */
static void test_k8s_and_lineage_fields(void **state)
{
	static const char labels[] = "com.example.team=infra\0empty=\0tier=db";
	static const char pod_labels[] = "app.kubernetes.io/name=node-exporter\0k8s-app=ne";
	struct pw_view_container c = exporter;
	struct pw_view v;

	c.labels = labels;
	c.labels_len = sizeof(labels) - 1; /* the last one ends at len */
	c.pod_labels = pod_labels;
	c.pod_labels_len = sizeof(pod_labels);
	c.image_digest = "sha256:0123";
	view_exec(&v, "/bin/nsenter", &c);
	memcpy(exec_rec.args, "nsenter\0-t\0001\0-m\0", 17);
	exec_rec.args_len = 17;
	pw_view_from_event(&v, &exec_rec.hdr);
	v.container = &c;
	v.proc.parent_exe = "/usr/bin/bash";
	v.proc.parent_comm = "bash";

	assert_int_equal(cond_fires("{\"container.namespace\": \"monitoring\"}", &v), 1);
	assert_int_equal(cond_fires("{\"container.namespace\": \"kube-system\"}", &v), 0);
	assert_int_equal(cond_fires("{\"container.pod\": {\"prefix\": \"node-exporter-\"}}", &v),
			 1);
	assert_int_equal(cond_fires("{\"container.image_digest\": \"sha256:0123\"}", &v), 1);
	assert_int_equal(cond_fires("{\"container.label.com.example.team\": \"infra\"}", &v), 1);
	assert_int_equal(cond_fires("{\"container.label.tier\": \"db\"}", &v), 1);
	assert_int_equal(cond_fires("{\"container.label.empty\": \"\"}", &v), 1);
	assert_int_equal(cond_fires("{\"container.label.team\": \"infra\"}", &v), 0);
	assert_int_equal(cond_fires("{\"container.label.com.example\": \"infra\"}", &v), 0);
	assert_int_equal(
		cond_fires("{\"pod.label.app.kubernetes.io/name\": \"node-exporter\"}", &v), 1);
	assert_int_equal(cond_fires("{\"pod.label.k8s-app\": {\"glob\": \"n?\"}}", &v), 1);
	assert_int_equal(cond_fires("{\"pod.label.app\": {\"glob\": \"*\"}}", &v), 1); /* "" */
	assert_int_equal(cond_fires("{\"proc.args\": \"nsenter -t 1 -m\"}", &v), 1);
	assert_int_equal(cond_fires("{\"proc.args\": {\"contains\": \"-t 1\"}}", &v), 1);
	assert_int_equal(cond_fires("{\"proc.parent.exe\": {\"basename\": \"bash\"}}", &v), 1);
	assert_int_equal(cond_fires("{\"proc.parent.comm\": \"sh\"}", &v), 0);
	v.proc.ancestor_exe[0] = "/usr/bin/bash";
	v.proc.ancestor_comm[0] = "bash";
	v.proc.ancestor_exe[1] = "/usr/bin/containerd-shim-runc-v2";
	v.proc.ancestor_comm[1] = "containerd-shim";
	v.proc.nancestors = 2;
	assert_int_equal(cond_fires("{\"proc.ancestor.exe\": {\"basename\": "
				    "\"containerd-shim-runc-v2\"}}",
				    &v),
			 1);
	assert_int_equal(cond_fires("{\"proc.ancestor.comm\": \"bash\"}", &v), 1);
	assert_int_equal(cond_fires("{\"proc.ancestor.comm\": \"sshd\"}", &v), 0);
	assert_int_equal(cond_fires("{\"not\": {\"proc.ancestor.comm\": \"sshd\"}}", &v), 1);
	{ /* in an output template: argv by spaces, ancestors by commas */
		struct pw_rules_error e2;
		struct pw_ruleset *rs;
		const char *path = write_file(
			"out.json",
			"{\"rules\": [{\"id\": \"O\", \"title\": \"t\", \"description\": "
			"\"d\", \"severity\": \"low\", \"condition\": {\"kind\": \"exec\"}, "
			"\"output\": \"{proc.args} <- {proc.ancestor.comm} in "
			"{container.namespace}/{container.pod}\"}]}");
		char buf[256];

		assert_int_equal(pw_rules_load_paths(&path, 1, NULL, &rs, &e2), 0);
		pw_rule_format_output(pw_ruleset_rule(rs, 0), &v, buf, sizeof(buf));
		assert_string_equal(buf, "nsenter -t 1 -m <- bash,containerd-shim in "
					 "monitoring/node-exporter-x2v4q");
		pw_ruleset_free(rs);
		path = write_file("out2.json",
				  "{\"rules\": [{\"id\": \"O\", \"title\": \"t\", "
				  "\"description\": \"d\", \"severity\": \"low\", \"condition\": "
				  "{\"kind\": \"exec\"}, \"output\": \"{pod.label.app}\"}]}");
		assert_int_equal(pw_rules_load_paths(&path, 1, NULL, &rs, &e2), -1);
		assert_non_null(strstr(e2.message, "unknown field '{pod.label.app}' in output"));
	}
	v.proc.nancestors = 0; /* none known: nothing matches, not even "" */
	assert_int_equal(cond_fires("{\"proc.ancestor.comm\": \"\"}", &v), 0);
	/* On the host, or unknown: "". */
	v.container = NULL;
	v.proc.parent_exe = NULL;
	assert_int_equal(cond_fires("{\"container.namespace\": \"\"}", &v), 1);
	assert_int_equal(cond_fires("{\"pod.label.k8s-app\": \"ne\"}", &v), 0);
	assert_int_equal(cond_fires("{\"proc.parent.exe\": \"\"}", &v), 1);
	/* "ignore kube-system" as an exception on a shipped rule. */
	{
		struct pw_ruleset *rs =
			load2(SHIPPED,
			      write_file("91-ks.json",
					 "{\"overrides\": [{\"id\": \"PW-0401\", \"exceptions\": "
					 "[{\"container.namespace\": \"kube-system\"}]}]}"));
		struct pw_view_container ks = web;

		ks.ns = "kube-system";
		view_cap(&v, 21, &web);
		assert_string_equal(fired(rs, &v), "PW-0401");
		view_cap(&v, 21, &ks);
		assert_string_equal(fired(rs, &v), "");
		pw_ruleset_free(rs);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_operator_scenario),
		cmocka_unit_test(test_append_override_disable),
		cmocka_unit_test(test_layer_errors),
		cmocka_unit_test(test_same_file_once),
		cmocka_unit_test(test_fields_listed),
		cmocka_unit_test(test_unknown_field_lists_fields),
		cmocka_unit_test(test_k8s_and_lineage_fields),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
