// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Learned baselines (privwatch learn, agent/rules/learn.c): a privileged
 * container of one image behaving like a CNI plugin (writes a few
 * /proc/sys/net sysctls back, mounts a bpffs, uses CAP_NET_ADMIN) goes
 * through the shipped rules as the pipeline's evaluate() does in learn
 * mode; the learned file layered on the shipped rules is then silent on
 * the same behaviour and still alerts on a new sysctl write, a new mount,
 * and the same behaviour from another image. And the pipeline's learn
 * mode: records of two docker containers (tests/fixtures/root), the one of
 * the image learned is recorded, not alerted, the other alerts.
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
#include "pipeline.h"
#include "rules/learn.h"

#define SHIPPED "rules" /* the suites run from the top of the tree */
#define CNI	"ghcr.io/example/cni-plugin:v1.4.0"

static char dir[64];

static int setup(void **state)
{
	strcpy(dir, "/tmp/pw-learn-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return getenv("KEEP") ? 0 : system(cmd);
}

static const struct pw_view_container cni = {
	.id = "c0ffee01",
	.name = "kube-cni",
	.runtime = "containerd",
	.image = CNI,
	.phase = PW_VPHASE_STARTED,
	.mode = PW_VMODE_PRIVILEGED,
};
/* the same behaviour from another image: not learned, still alerts */
static const struct pw_view_container other = {
	.id = "deadbeef",
	.name = "app",
	.runtime = "containerd",
	.image = "ghcr.io/example/cni-plugin:v1.5.0",
	.phase = PW_VPHASE_STARTED,
	.mode = PW_VMODE_PRIVILEGED,
};

static struct pw_open_event open_rec;
static struct pw_mount_event mount_rec;
static struct pw_capability_event cap_rec;

static void hdr(struct pw_event_header *h, unsigned int type, size_t size)
{
	memset(h, 0, size);
	h->type = type;
	h->size = size;
	h->pid = h->tid = 4242;
	strcpy(h->comm, "cni");
}

/* "/a/b/c" as leaf-first components "c\0b\0a\0" in out; the length. */
static size_t components(const char *path, char *out)
{
	const char *end = path + strlen(path), *p;
	size_t off = 0;

	while (end > path) {
		p = end;
		while (p > path && p[-1] != '/')
			p--;
		if (end > p) {
			memcpy(out + off, p, end - p);
			off += end - p;
			out[off++] = '\0';
		}
		end = p > path ? p - 1 : p;
	}
	return off;
}

/* A write of a sysctl: path as the container named it, fs_path from procfs' root. */
static void view_sysctl(struct pw_view *v, const char *sysctl, const struct pw_view_container *c)
{
	char path[256];

	hdr(&open_rec.hdr, PW_EVENT_OPEN, sizeof(open_rec));
	snprintf(path, sizeof(path), "/proc/sys/%s", sysctl);
	open_rec.path_len = components(path, open_rec.path);
	open_rec.path_format = PW_OPEN_PATH_COMPONENTS;
	open_rec.fs_path_len = components(path + strlen("/proc"), open_rec.fs_path);
	open_rec.kind = PW_OBJ_PROC_SYS;
	open_rec.f_mode = 2;
	open_rec.ret = 3;
	pw_view_from_event(v, &open_rec.hdr);
	v->container = c;
}

static void view_mount(struct pw_view *v, const char *fstype, const char *target,
		       const struct pw_view_container *c)
{
	hdr(&mount_rec.hdr, PW_EVENT_MOUNT, sizeof(mount_rec));
	mount_rec.op = PW_MOUNT_MOUNT;
	mount_rec.fd = -1;
	snprintf(mount_rec.fstype, sizeof(mount_rec.fstype), "%s", fstype);
	snprintf(mount_rec.source, sizeof(mount_rec.source), "%s", fstype);
	snprintf(mount_rec.target, sizeof(mount_rec.target), "%s", target);
	pw_view_from_event(v, &mount_rec.hdr);
	v->container = c;
}

static void view_cap(struct pw_view *v, int cap, const struct pw_view_container *c)
{
	hdr(&cap_rec.hdr, PW_EVENT_CAPABILITY, sizeof(cap_rec));
	cap_rec.cap = cap;
	pw_view_from_event(v, &cap_rec.hdr);
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

static struct pw_ruleset *load(const char *a, const char *b)
{
	const char *paths[] = { a, b };
	struct pw_rules_error e;
	struct pw_ruleset *rs = NULL;

	if (pw_rules_load_paths(paths, b ? 2 : 1, NULL, &rs, &e))
		fail_msg("load failed: %s", e.text);
	return rs;
}

/* What the pipeline's evaluate() does in learn mode; the hits. */
static size_t learn(struct pw_learn *l, const struct pw_ruleset *rs, const struct pw_view *v)
{
	const struct pw_rule *h[32];
	size_t i, n = pw_rules_match(rs, v, h, 32);

	if (!pw_learn_matches(l, v))
		return 0;
	for (i = 0; i < n && i < 32; i++)
		assert_int_equal(pw_learn_note(l, h[i], v), 0);
	return n;
}

static const char *const sysctls[] = {
	"net/ipv4/ip_forward",
	"net/ipv4/conf/all/rp_filter",
	"net/ipv6/conf/all/forwarding",
};

/* The CNI plugin's behaviour on c, each view checked by check(). */
static void behave(const struct pw_view_container *c,
		   void (*check)(const struct pw_view *v, void *ctx), void *ctx)
{
	struct pw_view v;
	size_t i;

	for (i = 0; i < sizeof(sysctls) / sizeof(sysctls[0]); i++) {
		view_sysctl(&v, sysctls[i], c);
		check(&v, ctx);
	}
	view_mount(&v, "bpf", "/sys/fs/bpf", c);
	check(&v, ctx);
	view_cap(&v, 12 /* CAP_NET_ADMIN */, c);
	check(&v, ctx);
	view_cap(&v, 21 /* CAP_SYS_ADMIN */, c);
	check(&v, ctx);
}

struct ctx {
	struct pw_learn *l;
	const struct pw_ruleset *shipped, *layered;
	size_t alerting; /* views the shipped rules alert on */
};

static void check_learn(const struct pw_view *v, void *p)
{
	struct ctx *c = p;

	if (learn(c->l, c->shipped, v))
		c->alerting++;
}

static void check_silent(const struct pw_view *v, void *p)
{
	struct ctx *c = p;

	assert_string_equal(fired(c->layered, v), "");
}

static void check_same(const struct pw_view *v, void *p)
{
	struct ctx *c = p;

	assert_string_equal(fired(c->layered, v), fired(c->shipped, v));
}

static void test_cni_plugin(void **state)
{
	struct pw_ruleset *shipped = load(SHIPPED, NULL), *layered;
	struct ctx c = { .shipped = shipped };
	struct pw_learn l;
	char out[128], want[512];
	struct pw_view v;
	json_t *root, *ov, *ex;
	size_t i, n = 0;

	assert_int_equal(pw_learn_init(&l, CNI), 0);
	c.l = &l;
	/* the sysctl writes and the bpffs mount alert with the shipped rules */
	view_sysctl(&v, sysctls[0], &cni);
	assert_string_not_equal(fired(shipped, &v), "");
	view_mount(&v, "bpf", "/sys/fs/bpf", &cni);
	assert_string_not_equal(fired(shipped, &v), "");

	/* learning: twice (repeats deduplicated), and another image's not kept */
	behave(&cni, check_learn, &c);
	assert_true(c.alerting >= 4);
	n = l.n;
	assert_true(n >= 4);
	behave(&cni, check_learn, &c);
	assert_int_equal(l.n, n);
	behave(&other, check_learn, &c);
	assert_int_equal(l.n, n);
	assert_int_equal(l.dropped, 0);

	snprintf(out, sizeof(out), "%s/90-learned.json", dir);
	assert_int_equal(pw_learn_write_file(&l, out), 0);

	/* the file: overrides sorted by id, each exception scoped to the image */
	root = json_load_file(out, 0, NULL);
	assert_non_null(root);
	assert_int_equal(json_object_size(root), 1);
	ov = json_object_get(root, "overrides");
	assert_true(json_is_array(ov));
	assert_int_equal(json_array_size(ov), pw_learn_rules(&l));
	for (i = 0, n = 0; i < json_array_size(ov); i++) {
		const char *id = json_string_value(json_object_get(json_array_get(ov, i), "id"));
		size_t j;

		assert_non_null(id);
		if (i)
			assert_true(strcmp(json_string_value(json_object_get(
						   json_array_get(ov, i - 1), "id")),
					   id) < 0);
		ex = json_object_get(json_array_get(ov, i), "exceptions");
		for (j = 0; j < json_array_size(ex); j++, n++) {
			json_t *all = json_object_get(json_array_get(ex, j), "all");

			assert_string_equal(json_string_value(json_object_get(
						    json_array_get(all, 0), "container.image")),
					    CNI);
		}
	}
	assert_int_equal(n, l.n);
	json_decref(root);
	/* the sysctls by where they are on the host, the mount by fstype and target */
	{
		FILE *f = fopen(out, "r");
		char text[65536];
		size_t len;

		assert_non_null(f);
		len = fread(text, 1, sizeof(text) - 1, f);
		fclose(f);
		text[len] = '\0';
		for (i = 0; i < sizeof(sysctls) / sizeof(sysctls[0]); i++) {
			snprintf(want, sizeof(want), "\"fs_path\": \"/proc/sys/%s\"", sysctls[i]);
			assert_non_null(strstr(text, want));
		}
		assert_non_null(strstr(text, "\"mount.fstype\": \"bpf\""));
		assert_non_null(strstr(text, "\"path\": \"/sys/fs/bpf\""));
	}

	/* layered: silent on the same behaviour of the image */
	layered = load(SHIPPED, out);
	c.layered = layered;
	behave(&cni, check_silent, &c);
	/* ... the same from another image alerts as before */
	behave(&other, check_same, &c);
	/* ... and anything new still alerts: another sysctl, another mount */
	view_sysctl(&v, "net/ipv4/tcp_syncookies", &cni);
	assert_string_not_equal(fired(layered, &v), "");
	assert_string_equal(fired(layered, &v), fired(shipped, &v));
	view_sysctl(&v, "kernel/core_pattern", &cni);
	assert_string_not_equal(fired(layered, &v), "");
	assert_string_equal(fired(layered, &v), fired(shipped, &v));
	view_mount(&v, "bpf", "/host/sys/fs/bpf", &cni);
	assert_string_equal(fired(layered, &v), fired(shipped, &v));
	view_mount(&v, "proc", "/host/proc", &cni);
	assert_string_not_equal(fired(layered, &v), "");
	assert_string_equal(fired(layered, &v), fired(shipped, &v));

	pw_ruleset_free(layered);
	pw_ruleset_free(shipped);
	pw_learn_free(&l);
}

/* Nothing learned: a file that loads and changes nothing. */
static void test_empty(void **state)
{
	struct pw_ruleset *shipped = load(SHIPPED, NULL), *layered;
	struct pw_learn l;
	char out[128];

	assert_int_equal(pw_learn_init(&l, CNI), 0);
	snprintf(out, sizeof(out), "%s/91-empty.json", dir);
	assert_int_equal(pw_learn_write_file(&l, out), 0);
	layered = load(SHIPPED, out);
	assert_int_equal(pw_ruleset_count(layered), pw_ruleset_count(shipped));
	pw_ruleset_free(layered);
	pw_ruleset_free(shipped);
	pw_learn_free(&l);
}

/* Bounded: distinct behaviours past PW_LEARN_MAX are counted, not kept. */
static void test_bounded(void **state)
{
	struct pw_ruleset *shipped = load(SHIPPED, NULL);
	const struct pw_rule *h[32];
	struct pw_learn l;
	struct pw_view v;
	char name[64];
	size_t i, n;

	assert_int_equal(pw_learn_init(&l, CNI), 0);
	view_sysctl(&v, "net/ipv4/ip_forward", &cni);
	n = pw_rules_match(shipped, &v, h, 32);
	assert_true(n >= 1);
	for (i = 0; i < PW_LEARN_MAX + 10; i++) {
		snprintf(name, sizeof(name), "net/ipv4/conf/veth%zu/rp_filter", i);
		view_sysctl(&v, name, &cni);
		pw_learn_note(&l, h[0], &v);
	}
	assert_int_equal(l.n, PW_LEARN_MAX);
	assert_int_equal(l.dropped, 10);
	assert_int_equal(pw_learn_rules(&l), 1);
	pw_ruleset_free(shipped);
	pw_learn_free(&l);
}

/* Through the pipeline, read inline: a docker-shaped cgroup per fixture
 * container, an exec by this process in it (its start), then a sysctl
 * written. */
#define NGINX  "42f06f8201c96b7a451d0782e13c237bf3a2f9dcaf968e67b4341b17867d3f2d"
#define ALPINE "69ccb0fc6744ef51472761bbe852c05f5ee6e24d514a849944656b472ee5c7c1"

static void mkdir_record(struct pw_pipeline *p, uint64_t id, const char *path)
{
	struct pw_cgroup_event e = {};

	e.hdr.type = PW_EVENT_CGROUP_MKDIR;
	e.hdr.size = sizeof(e);
	e.hdr.cgroup_id = 1;
	e.hdr.pid = 1;
	snprintf(e.hdr.comm, sizeof(e.hdr.comm), "dockerd");
	e.id = id;
	e.parent_id = 1;
	snprintf(e.path, sizeof(e.path), "%s", path);
	pw_pipeline_event(p, pw_event_kind(e.hdr.type), &e.hdr);
}

static void exec_record(struct pw_pipeline *p, uint64_t id)
{
	static struct pw_exec_event e;

	memset(&e, 0, sizeof(e));
	e.hdr.type = PW_EVENT_EXEC;
	e.hdr.size = sizeof(e);
	e.hdr.cgroup_id = id;
	e.hdr.pid = e.hdr.tid = getpid();
	snprintf(e.hdr.comm, sizeof(e.hdr.comm), "sh");
	e.ppid = getppid();
	e.filename_len = snprintf(e.filename, sizeof(e.filename), "/bin/sh");
	pw_pipeline_event(p, pw_event_kind(e.hdr.type), &e.hdr);
}

static void sysctl_record(struct pw_pipeline *p, uint64_t id, const char *sysctl)
{
	struct pw_view v;

	view_sysctl(&v, sysctl, &cni); /* fills open_rec */
	open_rec.hdr.cgroup_id = id;
	open_rec.hdr.pid = open_rec.hdr.tid = getpid();
	pw_pipeline_event(p, pw_event_kind(PW_EVENT_OPEN), &open_rec.hdr);
}

static void test_pipeline(void **state)
{
	const char *paths[] = { SHIPPED };
	struct pw_pipeline_opts o = { .rules_paths = paths, .nrules_paths = 1 };
	char roots[4200], cwd[4096], err[512], spec[128];
	struct pw_sinks *s;
	struct pw_pipeline p;
	struct pw_learn l;
	uint64_t before;
	size_t started;

	assert_non_null(getcwd(cwd, sizeof(cwd)));
	snprintf(roots, sizeof(roots), "%s/tests/fixtures/root", cwd);
	setenv("PRIVWATCH_STATE_ROOTS", roots, 1);
	assert_int_equal(pw_learn_init(&l, "nginx:1.27"), 0);
	o.learn = &l;
	s = pw_sinks_new();
	assert_non_null(s);
	snprintf(spec, sizeof(spec), "file:%s/alerts.json", dir);
	assert_int_equal(pw_sinks_add(s, spec, err, sizeof(err)), 0);
	assert_int_equal(pw_sinks_start(s, err, sizeof(err)), 0);
	if (pw_pipeline_init(&p, &o, s, err, sizeof(err)))
		fail_msg("%s", err);
	mkdir_record(&p, 9000, "/system.slice/docker-" NGINX ".scope");
	mkdir_record(&p, 9001, "/system.slice/docker-" ALPINE ".scope");
	exec_record(&p, 9000);
	exec_record(&p, 9001);
	assert_non_null(pw_ctable_lookup(&p.table, 9000));
	assert_string_equal(pw_ctable_lookup(&p.table, 9000)->meta.image, "nginx:1.27");

	/* the starts (this process's posture) may fire posture rules: the
	 * nginx one's learned as its kind alone */
	started = l.n;

	/* the learned image: recorded, no alert */
	before = p.alerts.matched;
	sysctl_record(&p, 9000, "net/ipv4/ip_forward");
	sysctl_record(&p, 9000, "net/ipv4/ip_forward");
	assert_int_equal(p.alerts.matched, before);
	assert_int_equal(l.n, started + 1);
	/* another image: alerts */
	sysctl_record(&p, 9001, "net/ipv4/ip_forward");
	assert_true(p.alerts.matched > before);
	assert_int_equal(l.n, started + 1);

	pw_pipeline_free(&p);
	pw_sinks_close(s, 0);
	pw_learn_free(&l);
	unsetenv("PRIVWATCH_STATE_ROOTS");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cni_plugin),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_bounded),
		cmocka_unit_test(test_pipeline),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
