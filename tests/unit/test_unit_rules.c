// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The rule engine: every field type and operator against views built from
 * synthetic kernel records, lists, not/any/all, the kind prefilter, output
 * templates, and the exact place of every kind of mistake in a rule file. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "host/posture.h"
#include "rules/rule_compiled.h" /* pw_glob_match */
#include "rules/rules.h"

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
	strcpy(dir, "/tmp/pw-rules-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

/* A file of one rule "R1" with the given condition (JSON text). */
static struct pw_ruleset *one_rule(const char *lists, const char *cond, const char *extra)
{
	char text[4096];
	struct pw_rules_error err;
	struct pw_ruleset *rs = NULL;

	snprintf(text, sizeof(text),
		 "{ %s%s%s \"rules\": [ { \"id\": \"R1\", \"title\": \"t\", \"description\": \"d\","
		 " \"severity\": \"high\", %s \"condition\": %s } ] }",
		 lists ? "\"lists\": " : "", lists ? lists : "", lists ? "," : "",
		 extra ? extra : "", cond);
	if (pw_rules_load(write_file("one.json", text), NULL, &rs, &err))
		fail_msg("load failed: %s", err.text);
	return rs;
}

/* The error loading a file of one rule with this condition. */
static struct pw_rules_error one_rule_error(const char *lists, const char *cond, const char *extra)
{
	char text[4096];
	struct pw_rules_error err;
	struct pw_ruleset *rs = NULL;

	snprintf(text, sizeof(text),
		 "{ %s%s%s \"rules\": [ { \"id\": \"R1\", \"title\": \"t\", \"description\": \"d\","
		 " \"severity\": \"high\", %s \"condition\": %s } ] }",
		 lists ? "\"lists\": " : "", lists ? lists : "", lists ? "," : "",
		 extra ? extra : "", cond);
	assert_int_equal(pw_rules_load(write_file("one.json", text), NULL, &rs, &err), -1);
	assert_null(rs);
	return err;
}

static int hits(const struct pw_ruleset *rs, const struct pw_view *v)
{
	const struct pw_rule *h[8];

	return (int)pw_rules_match(rs, v, h, 8);
}

/* Does condition cond match v? */
static int cond_matches(const char *cond, const struct pw_view *v)
{
	struct pw_ruleset *rs = one_rule(NULL, cond, NULL);
	int n = hits(rs, v);

	pw_ruleset_free(rs);
	return n;
}

/* Records as the kernel fills them; each view keeps its record alive. */
static struct pw_open_event open_rec;
static struct pw_capability_event cap_rec;
static struct pw_mount_event mount_rec;
static struct pw_exec_event exec_rec;
static struct pw_seccomp_event seccomp_rec;
static struct pw_fork_event fork_rec;

static const struct pw_view_container web = {
	.id = "0123abcd",
	.name = "web",
	.runtime = "docker",
	.image = "nginx:1.25",
	.pod = "",
	.ns = "",
	.phase = PW_VPHASE_STARTED,
	.mode = PW_VMODE_PRIVILEGED,
	.relaxed = (1u << PW_DIM_SECCOMP) | (1u << PW_DIM_CAPABILITIES),
};
static const struct pw_view_container setup_ctr = {
	.id = "ffff",
	.name = "new",
	.runtime = "runc",
	.image = "",
	.pod = "",
	.ns = "",
	.phase = PW_VPHASE_SETUP,
	.mode = PW_VMODE_UNKNOWN,
};

static void hdr(struct pw_event_header *h, unsigned int type, size_t size)
{
	memset(h, 0, size);
	h->type = type;
	h->size = size;
	h->pid = h->tid = 4242;
	h->uid = 0;
	h->gid = 0;
	strcpy(h->comm, "sh");
}

/* open of a resolved path (leaf-first names built from a normal path). */
static void view_open(struct pw_view *v, const char *path, unsigned int kind, uint32_t f_mode,
		      int32_t ret)
{
	char names[PW_OPEN_PATH_BUF];
	const char *end = path + strlen(path), *p;
	size_t off = 0;

	hdr(&open_rec.hdr, PW_EVENT_OPEN, sizeof(open_rec));
	/* "/sys/kernel/x" -> "x\0kernel\0sys\0" */
	while (end > path) {
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
	open_rec.f_mode = f_mode;
	open_rec.ret = ret;
	if (kind == PW_OBJ_CHARDEV || kind == PW_OBJ_BLOCKDEV) {
		open_rec.dev_major = kind == PW_OBJ_CHARDEV ? 1 : 8;
		open_rec.dev_minor = kind == PW_OBJ_CHARDEV ? 3 : 0;
	}
	pw_view_from_event(v, &open_rec.hdr);
}

static void view_cap(struct pw_view *v, int cap, int ret)
{
	hdr(&cap_rec.hdr, PW_EVENT_CAPABILITY, sizeof(cap_rec));
	cap_rec.cap = cap;
	cap_rec.ret = ret;
	pw_view_from_event(v, &cap_rec.hdr);
}

static void view_mount(struct pw_view *v, unsigned int op, const char *fstype, const char *src,
		       const char *target, int ret)
{
	hdr(&mount_rec.hdr, PW_EVENT_MOUNT, sizeof(mount_rec));
	mount_rec.op = op;
	strcpy(mount_rec.fstype, fstype);
	strcpy(mount_rec.source, src);
	strcpy(mount_rec.target, target);
	mount_rec.ret = ret;
	pw_view_from_event(v, &mount_rec.hdr);
}

static void view_exec(struct pw_view *v, const char *file)
{
	hdr(&exec_rec.hdr, PW_EVENT_EXEC, sizeof(exec_rec));
	strcpy(exec_rec.filename, file);
	exec_rec.ppid = 1;
	pw_view_from_event(v, &exec_rec.hdr);
}

static void view_seccomp(struct pw_view *v, uint32_t via, uint32_t op, uint32_t mode_after)
{
	hdr(&seccomp_rec.hdr, PW_EVENT_SECCOMP, sizeof(seccomp_rec));
	seccomp_rec.via = via;
	seccomp_rec.operation = op;
	seccomp_rec.mode_after = mode_after;
	pw_view_from_event(v, &seccomp_rec.hdr);
}

static void view_fork(struct pw_view *v)
{
	hdr(&fork_rec.hdr, PW_EVENT_FORK, sizeof(fork_rec));
	pw_view_from_event(v, &fork_rec.hdr);
}

static void test_enum_fields(void **state)
{
	struct pw_view v;

	view_open(&v, "/sys/kernel/uevent_helper", PW_OBJ_SYSFS, 3, 3);
	v.container = &web;
	assert_true(cond_matches("{\"kind\": \"open\"}", &v));
	assert_true(cond_matches("{\"kind\": [\"exec\", \"open\"]}", &v));
	assert_false(cond_matches("{\"kind\": \"exec\"}", &v));
	assert_true(cond_matches("{\"result\": \"allowed\"}", &v));
	assert_false(cond_matches("{\"result\": [\"denied\", \"pre_check\"]}", &v));
	assert_true(cond_matches("{\"object\": \"sysfs\"}", &v));
	assert_false(cond_matches("{\"object\": \"procfs\"}", &v));
	/* read_write matches both "read" and "write" */
	assert_true(cond_matches("{\"access\": \"write\"}", &v));
	assert_true(cond_matches("{\"access\": \"read\"}", &v));
	assert_true(cond_matches("{\"container.mode\": \"privileged\"}", &v));
	assert_true(cond_matches("{\"container.phase\": \"started\"}", &v));
	assert_true(cond_matches("{\"container.relaxed\": [\"apparmor\", \"seccomp\"]}", &v));
	assert_false(cond_matches("{\"container.relaxed\": \"apparmor\"}", &v));
	assert_false(cond_matches("{\"device.type\": [\"char\", \"block\"]}", &v));

	view_open(&v, "/proc/sys/kernel/core_pattern", PW_OBJ_PROC_SYS, 1, 3);
	assert_false(cond_matches("{\"access\": \"write\"}", &v));
	/* On the host: mode host, no phase, nothing relaxed. */
	assert_true(cond_matches("{\"container.mode\": \"host\"}", &v));
	assert_false(cond_matches("{\"container.phase\": [\"setup\", \"started\"]}", &v));
	assert_false(cond_matches("{\"container.relaxed\": \"seccomp\"}", &v));
	v.container = &setup_ctr;
	assert_true(cond_matches("{\"container.phase\": \"setup\"}", &v));
	assert_true(cond_matches("{\"container.mode\": \"unknown\"}", &v));

	view_open(&v, "/dev/sda", PW_OBJ_BLOCKDEV, 1, 3);
	assert_true(cond_matches("{\"device.type\": \"block\"}", &v));
	assert_false(cond_matches("{\"device.type\": \"char\"}", &v));
	view_open(&v, "/dev/null", PW_OBJ_CHARDEV, 1, 3);
	assert_true(cond_matches("{\"device.type\": \"char\"}", &v));
	assert_true(cond_matches("{\"file.via\": \"open\"}", &v));
	/* LSM mode: a file mapped through an fd */
	open_rec.via = PW_OPEN_VIA_MMAP;
	pw_view_from_event(&v, &open_rec.hdr);
	assert_true(cond_matches("{\"file.via\": [\"write\", \"mmap\"]}", &v));
	assert_false(cond_matches("{\"file.via\": \"open\"}", &v));
	open_rec.via = PW_OPEN_VIA_OPEN;
	view_cap(&v, 21, 0);
	assert_false(cond_matches("{\"file.via\": \"open\"}", &v));

	view_mount(&v, PW_MOUNT_PIVOT_ROOT, "", "", "/newroot", 0);
	assert_true(cond_matches("{\"mount.op\": [\"mount\", \"pivot_root\"]}", &v));
	assert_false(cond_matches("{\"mount.op\": \"umount\"}", &v));

	view_seccomp(&v, PW_SECCOMP_VIA_PRCTL, 2, 2);
	assert_true(cond_matches("{\"seccomp.op\": \"filter\"}", &v));
	assert_false(cond_matches("{\"seccomp.op\": \"set_mode_filter\"}", &v));
	view_seccomp(&v, PW_SECCOMP_VIA_SYSCALL, 2, 0);
	assert_true(cond_matches("{\"seccomp.op\": \"get_action_avail\"}", &v));
}

static void test_capability_and_errno(void **state)
{
	struct pw_view v;

	view_cap(&v, 21, 0);
	assert_true(cond_matches("{\"capability\": \"CAP_SYS_ADMIN\"}", &v));
	assert_true(cond_matches("{\"capability\": \"sys_admin\"}", &v));
	assert_true(cond_matches("{\"capability\": [\"SYS_MODULE\", \"SYS_ADMIN\"]}", &v));
	assert_false(cond_matches("{\"capability\": \"CAP_NET_RAW\"}", &v));
	assert_true(cond_matches("{\"cap\": 21}", &v));
	assert_true(cond_matches("{\"cap\": {\"min\": 20, \"max\": 22}}", &v));
	assert_true(cond_matches("{\"errno\": 0}", &v));

	view_cap(&v, 13, -EPERM);
	assert_true(cond_matches("{\"errno\": \"EPERM\"}", &v));
	assert_true(cond_matches("{\"errno\": [\"EACCES\", 1]}", &v));
	assert_false(cond_matches("{\"errno\": \"EACCES\"}", &v));
	assert_true(cond_matches("{\"result\": \"denied\"}", &v));

	/* Not a capability event: no capability, no cap number. */
	view_exec(&v, "/bin/sh");
	assert_false(cond_matches("{\"cap\": {\"min\": -5}}", &v));
	assert_true(cond_matches("{\"not\": {\"capability\": \"CAP_CHOWN\"}}", &v));
}

static void test_string_operators(void **state)
{
	struct pw_view v;

	view_open(&v, "/sys/fs/cgroup/memory/release_agent", PW_OBJ_CGROUPFS, 2, 3);
	v.container = &web;
	assert_true(cond_matches("{\"path\": \"/sys/fs/cgroup/memory/release_agent\"}", &v));
	assert_true(
		cond_matches("{\"path\": [\"/x\", \"/sys/fs/cgroup/memory/release_agent\"]}", &v));
	assert_false(cond_matches("{\"path\": \"/sys/fs/cgroup\"}", &v));
	assert_true(cond_matches("{\"path\": {\"prefix\": \"/sys/fs/\"}}", &v));
	assert_false(cond_matches("{\"path\": {\"prefix\": [\"/proc/\", \"/dev/\"]}}", &v));
	assert_true(cond_matches("{\"path\": {\"glob\": \"/sys/*/release_agent\"}}", &v));
	assert_true(cond_matches("{\"path\": {\"glob\": \"/sys/fs/cgroup/?emory/*\"}}", &v));
	assert_false(cond_matches("{\"path\": {\"glob\": \"/sys/*/notify_on_release\"}}", &v));
	assert_true(cond_matches("{\"path\": {\"basename\": [\"release_agent\"]}}", &v));
	assert_true(cond_matches("{\"basename\": \"release_agent\"}", &v));
	assert_true(cond_matches("{\"path\": {\"contains\": \"cgroup/mem\"}}", &v));
	assert_false(cond_matches("{\"path\": {\"contains\": \"cpu\"}}", &v));
	assert_true(cond_matches("{\"proc.comm\": \"sh\"}", &v));
	assert_true(cond_matches("{\"container.name\": \"web\"}", &v));
	assert_true(cond_matches("{\"container.image\": {\"prefix\": \"nginx:\"}}", &v));
	assert_true(cond_matches("{\"container.runtime\": \"docker\"}", &v));
	assert_true(cond_matches("{\"container.id\": {\"glob\": \"0123*\"}}", &v));

	/* Host event: container strings are "", only patterns matching "" match. */
	v.container = NULL;
	assert_false(cond_matches("{\"container.name\": {\"prefix\": \"w\"}}", &v));
	assert_false(cond_matches("{\"container.name\": {\"contains\": \"e\"}}", &v));
	assert_false(cond_matches("{\"container.name\": {\"glob\": \"?*\"}}", &v));
	assert_true(cond_matches("{\"container.name\": {\"glob\": \"*\"}}", &v));

	view_exec(&v, "/usr/bin/bash");
	assert_true(cond_matches("{\"proc.exe\": {\"glob\": [\"*/sh\", \"*/bash\"]}}", &v));
	assert_true(cond_matches("{\"path\": {\"basename\": \"bash\"}}", &v));

	view_mount(&v, PW_MOUNT_MOUNT, "cgroup", "cgroup", "/tmp/cg", 0);
	assert_true(cond_matches("{\"mount.fstype\": [\"cgroup\", \"cgroup2\"]}", &v));
	assert_true(cond_matches("{\"mount.source\": \"cgroup\"}", &v));
	assert_true(cond_matches("{\"path\": {\"prefix\": \"/tmp/\"}}", &v));
}

static void test_numbers(void **state)
{
	struct pw_view v;

	view_open(&v, "/dev/sda", PW_OBJ_BLOCKDEV, 1, 3);
	open_rec.hdr.uid = 1000;
	open_rec.hdr.gid = 100;
	pw_view_from_event(&v, &open_rec.hdr);
	assert_true(cond_matches("{\"uid\": 1000}", &v));
	assert_true(cond_matches("{\"uid\": [0, 1000]}", &v));
	assert_false(cond_matches("{\"uid\": 0}", &v));
	assert_true(cond_matches("{\"uid\": {\"min\": 1000}}", &v));
	assert_false(cond_matches("{\"uid\": {\"max\": 999}}", &v));
	assert_true(cond_matches("{\"gid\": {\"min\": 100, \"max\": 100}}", &v));
	assert_true(cond_matches("{\"device.major\": 8}", &v));
	assert_true(cond_matches("{\"device.minor\": {\"max\": 15}}", &v));
	view_seccomp(&v, PW_SECCOMP_VIA_SYSCALL, 1, 2);
	assert_true(cond_matches("{\"seccomp.mode_after\": 2}", &v));
	assert_false(cond_matches("{\"device.major\": {\"min\": 0}}", &v)); /* not a device */
}

static void test_lists_and_logic(void **state)
{
	const char *lists = "{\"escape\": [\"release_agent\", \"core_pattern\"],"
			    " \"caps\": [\"CAP_SYS_ADMIN\", \"sys_module\"],"
			    " \"modes\": [\"privileged\", \"partial\"]}";
	struct pw_ruleset *rs;
	struct pw_view v;

	rs = one_rule(lists,
		      "{\"all\": [{\"kind\": \"open\"}, {\"basename\": \"@escape\"},"
		      " {\"any\": [{\"container.mode\": \"@modes\"}, {\"uid\": 0}]},"
		      " {\"not\": {\"result\": \"denied\"}}]}",
		      NULL);
	view_open(&v, "/proc/sys/kernel/core_pattern", PW_OBJ_PROC_SYS, 2, 3);
	open_rec.hdr.uid = 1000;
	pw_view_from_event(&v, &open_rec.hdr);
	assert_int_equal(hits(rs, &v), 0); /* host, uid 1000 */
	v.container = &web;
	assert_int_equal(hits(rs, &v), 1); /* privileged */
	v.container = NULL;
	open_rec.hdr.uid = 0;
	pw_view_from_event(&v, &open_rec.hdr);
	assert_int_equal(hits(rs, &v), 1); /* uid 0 */
	open_rec.ret = -EPERM;
	pw_view_from_event(&v, &open_rec.hdr);
	assert_int_equal(hits(rs, &v), 0); /* denied */
	view_open(&v, "/proc/sys/kernel/hostname", PW_OBJ_PROC_SYS, 2, 3);
	assert_int_equal(hits(rs, &v), 0);
	pw_ruleset_free(rs);

	rs = one_rule(lists, "{\"capability\": [\"@caps\", \"CAP_BPF\"]}", NULL);
	view_cap(&v, 16, 0); /* CAP_SYS_MODULE */
	assert_int_equal(hits(rs, &v), 1);
	view_cap(&v, 39, 0); /* CAP_BPF */
	assert_int_equal(hits(rs, &v), 1);
	view_cap(&v, 0, 0);
	assert_int_equal(hits(rs, &v), 0);
	pw_ruleset_free(rs);
}

static void test_kind_prefilter(void **state)
{
	struct pw_ruleset *rs;
	const struct pw_rule *r;
	struct pw_view v;

	/* No kind constraint: every kind, agent-made ones too. */
	rs = one_rule(NULL, "{\"uid\": 0}", NULL);
	r = pw_ruleset_rule(rs, 0);
	assert_int_equal(pw_rule_kinds(r), (1ull << PW_VIEW_KIND_MAX) - 1);
	view_fork(&v);
	assert_int_equal(hits(rs, &v), 1);
	view_exec(&v, "/bin/true");
	assert_int_equal(hits(rs, &v), 1);
	pw_view_container_start(&v, &web, 1, 2);
	assert_int_equal(hits(rs, &v), 1);
	pw_ruleset_free(rs);

	rs = one_rule(NULL, "{\"all\": [{\"kind\": [\"open\", \"exec\"]}, {\"uid\": 0}]}", NULL);
	assert_int_equal(pw_rule_kinds(pw_ruleset_rule(rs, 0)),
			 (1ull << PW_EVENT_OPEN) | (1ull << PW_EVENT_EXEC));
	view_fork(&v);
	assert_int_equal(hits(rs, &v), 0);
	pw_ruleset_free(rs);

	/* not kind: every kind but that one. */
	rs = one_rule(NULL, "{\"not\": {\"kind\": \"open\"}}", NULL);
	assert_int_equal(pw_rule_kinds(pw_ruleset_rule(rs, 0)),
			 ((1ull << PW_VIEW_KIND_MAX) - 1) & ~(1ull << PW_EVENT_OPEN));
	view_exec(&v, "/bin/true");
	assert_int_equal(hits(rs, &v), 1);
	view_open(&v, "/dev/null", PW_OBJ_CHARDEV, 1, 3);
	assert_int_equal(hits(rs, &v), 0);
	pw_ruleset_free(rs);

	/* not of a mixed condition narrows nothing: it may be true anywhere. */
	rs = one_rule(NULL, "{\"not\": {\"all\": [{\"kind\": \"open\"}, {\"uid\": 0}]}}", NULL);
	assert_int_equal(pw_rule_kinds(pw_ruleset_rule(rs, 0)), (1ull << PW_VIEW_KIND_MAX) - 1);
	view_open(&v, "/dev/null", PW_OBJ_CHARDEV, 1, 3);
	open_rec.hdr.uid = 5;
	pw_view_from_event(&v, &open_rec.hdr);
	assert_int_equal(hits(rs, &v), 1);
	pw_ruleset_free(rs);

	/* any of kinds: the union. */
	rs = one_rule(NULL,
		      "{\"any\": [{\"all\": [{\"kind\": \"mount\"}, {\"uid\": 0}]},"
		      " {\"kind\": \"container_start\"}]}",
		      NULL);
	assert_int_equal(pw_rule_kinds(pw_ruleset_rule(rs, 0)),
			 (1ull << PW_EVENT_MOUNT) | (1ull << PW_VIEW_CONTAINER_START));
	pw_ruleset_free(rs);
}

static void test_glob_edges(void **state)
{
#define G(p, s) pw_glob_match(p, strlen(p), s)
	assert_true(G("*", ""));
	assert_true(G("*", "/a/b"));
	assert_true(G("", ""));
	assert_false(G("", "a"));
	assert_false(G("?", ""));
	assert_true(G("?", "a"));
	assert_false(G("?", "ab"));
	assert_true(G("a*", "a/b/c"));
	assert_true(G("*c", "abc"));
	assert_false(G("*c", "abcd"));
	assert_true(G("a*b*c", "axxbyyc"));
	assert_true(G("a*b*c", "abbbc"));
	assert_false(G("a*b*c", "acb"));
	assert_true(G("**", "x"));
	assert_true(G("*/release_agent", "/sys/fs/cgroup/x/release_agent"));
	assert_true(G("/dev/sd?", "/dev/sda"));
	assert_false(G("/dev/sd?", "/dev/sda1"));
	assert_true(G("*.json*", "a.json"));
	assert_false(G("abc", "ab"));
#undef G
}

static void test_disabled(void **state)
{
	const char *text =
		"{\"rules\": ["
		"{\"id\": \"A\", \"title\": \"a\", \"description\": \"d\", \"severity\": \"low\","
		" \"condition\": {\"kind\": \"exec\"}},"
		"{\"id\": \"B\", \"title\": \"b\", \"description\": \"d\", \"severity\": \"low\","
		" \"enabled\": false, \"condition\": {\"kind\": \"exec\"}},"
		"{\"id\": \"C\", \"title\": \"c\", \"description\": \"d\", \"severity\": \"low\","
		" \"condition\": {\"kind\": \"exec\"}}]}";
	const char *const off[] = { "C" }, *const bad[] = { "Z" };
	struct pw_rules_opts o = { .disabled = off, .ndisabled = 1 };
	struct pw_rules_error err;
	struct pw_ruleset *rs;
	const struct pw_rule *h[4];
	struct pw_view v;
	const char *path = write_file("dis.json", text);

	assert_int_equal(pw_rules_load(path, &o, &rs, &err), 0);
	assert_int_equal(pw_ruleset_count(rs), 1);
	assert_int_equal(pw_ruleset_disabled(rs), 2);
	view_exec(&v, "/bin/ls");
	assert_int_equal(pw_rules_match(rs, &v, h, 4), 1);
	assert_string_equal(pw_rule_info(h[0])->id, "A");
	assert_null(pw_ruleset_rule(rs, 1));
	pw_ruleset_free(rs);

	o.disabled = bad;
	assert_int_equal(pw_rules_load(path, &o, &rs, &err), -1);
	assert_string_equal(err.message, "unknown rule id Z in --disable-rule");
}

static void test_match_order_and_max(void **state)
{
	const char *text =
		"{\"rules\": ["
		"{\"id\": \"A\", \"title\": \"a\", \"description\": \"d\", \"severity\": \"low\","
		" \"condition\": {\"uid\": 0}},"
		"{\"id\": \"B\", \"title\": \"b\", \"description\": \"d\", \"severity\": \"critical\","
		" \"tags\": [\"T1611\", \"T1068\"], \"action\": \"alert+capture\","
		" \"capture_window_s\": 30, \"condition\": {\"kind\": \"exec\"}},"
		"{\"id\": \"C\", \"title\": \"c\", \"description\": \"d\", \"severity\": \"low\","
		" \"condition\": {\"proc.comm\": \"sh\"}}]}";
	struct pw_rules_error err;
	struct pw_ruleset *rs;
	const struct pw_rule *h[2];
	const struct pw_rule_info *info;
	struct pw_view v;

	assert_int_equal(pw_rules_load(write_file("order.json", text), NULL, &rs, &err), 0);
	view_exec(&v, "/bin/ls");
	assert_int_equal(pw_rules_match(rs, &v, h, 2), 3); /* all counted, two stored */
	assert_string_equal(pw_rule_info(h[0])->id, "A");
	info = pw_rule_info(h[1]);
	assert_string_equal(info->id, "B");
	assert_int_equal(info->severity, PW_SEV_CRITICAL);
	assert_int_equal(info->action, PW_ACTION_ALERT_CAPTURE);
	assert_int_equal(info->capture_window_s, 30);
	assert_int_equal(pw_rule_info(h[0])->capture_window_s, 0);
	assert_int_equal(info->ntags, 2);
	assert_string_equal(info->tags[1], "T1068");
	assert_string_equal(info->file, "order.json");
	pw_ruleset_free(rs);
}

/* The measured posture's facts as rule fields (container_start rules). */
static void test_posture_fields(void **state)
{
	struct pw_posture p;
	struct pw_view_container c = web;
	struct pw_ruleset *rs;
	struct pw_view v;
	char buf[256];

	memset(&p, 0, sizeof(p));
	p.caps_added = 1ULL << 21 | 1ULL << 23;
	p.caps_dangerous = 1ULL << 21;
	p.host_ns = 1u << PW_HOSTNS_PID | 1u << PW_HOSTNS_TIME;
	p.host_mount_classes = 1u << PW_MCLASS_RUNTIME_SOCKET | 1u << PW_MCLASS_HOST_ROOT;
	p.host_mount_classes_rw = 1u << PW_MCLASS_RUNTIME_SOCKET;
	p.pss = PW_PSS_PRIVILEGED;
	p.pss_violated = 1u << PW_PSS_B_HOST_NAMESPACES | 1u << PW_PSS_R_RUN_AS_NON_ROOT;
	p.uid = 0;
	c.posture = &p;
	c.mode = PW_VMODE_PARTIAL;
	pw_view_container_start(&v, &c, 1, 2);
	assert_true(cond_matches("{\"container.pss\": \"privileged\"}", &v));
	assert_false(cond_matches("{\"container.pss\": [\"baseline\", \"restricted\"]}", &v));
	assert_true(cond_matches("{\"container.pss_violations\": \"host_namespaces\"}", &v));
	assert_true(cond_matches("{\"container.pss_violations\": \"run_as_non_root\"}", &v));
	assert_false(cond_matches("{\"container.pss_violations\": \"seccomp\"}", &v));
	assert_true(cond_matches("{\"container.host_namespaces\": \"pid\"}", &v));
	assert_false(cond_matches("{\"container.host_namespaces\": [\"net\", \"ipc\"]}", &v));
	assert_true(cond_matches("{\"container.capabilities_added\": \"SYS_NICE\"}", &v));
	assert_false(cond_matches("{\"container.capabilities_dangerous\": \"sys_nice\"}", &v));
	assert_true(cond_matches("{\"container.capabilities_dangerous\": \"CAP_SYS_ADMIN\"}", &v));
	assert_true(cond_matches("{\"container.host_mounts\": \"host_root\"}", &v));
	assert_false(cond_matches("{\"container.host_mounts_rw\": \"host_root\"}", &v));
	assert_true(cond_matches("{\"container.host_mounts_rw\": \"runtime_socket\"}", &v));
	assert_true(cond_matches("{\"container.uid\": 0}", &v));
	assert_false(cond_matches("{\"container.uid\": {\"min\": 1}}", &v));
	/* Not measured (or on the host): none of them matches. */
	c.posture = NULL;
	assert_false(cond_matches(
		"{\"container.pss\": [\"privileged\", \"baseline\", \"restricted\"]}", &v));
	assert_false(cond_matches("{\"container.uid\": {\"min\": 0}}", &v));
	assert_false(cond_matches("{\"container.host_mounts\": \"runtime_socket\"}", &v));
	c.posture = &p;

	rs = one_rule(NULL, "{\"kind\": \"container_start\"}",
		      "\"output\": \"{container.pss} {container.host_namespaces} "
		      "{container.capabilities_dangerous} {container.host_mounts_rw} "
		      "{container.pss_violations} {container.uid}\",");
	pw_rule_format_output(pw_ruleset_rule(rs, 0), &v, buf, sizeof(buf));
	assert_string_equal(buf, "privileged pid,time CAP_SYS_ADMIN runtime_socket "
				 "host_namespaces,run_as_non_root 0");
	pw_ruleset_free(rs);
}

static void test_output_template(void **state)
{
	struct pw_ruleset *rs;
	struct pw_view v;
	char buf[256];
	size_t n;

	rs = one_rule(NULL, "{\"kind\": \"open\"}",
		      "\"output\": \"{proc.exe} wrote {path} in {container.name} "
		      "({container.mode}, {container.phase}) {{literal} {access} {object} "
		      "{errno} {result} {kind} pid={proc.pid} {capability}\",");
	view_open(&v, "/sys/kernel/uevent_helper", PW_OBJ_SYSFS, 3, 3);
	v.container = &web;
	v.proc.exe = "/bin/busybox";
	n = pw_rule_format_output(pw_ruleset_rule(rs, 0), &v, buf, sizeof(buf));
	assert_string_equal(buf, "/bin/busybox wrote /sys/kernel/uevent_helper in web "
				 "(privileged, started) {literal} read_write sysfs ? allowed open "
				 "pid=4242 ?");
	assert_int_equal(n, strlen(buf));
	/* Host: no container name or phase; mode host. */
	v.container = NULL;
	v.proc.exe = "";
	pw_rule_format_output(pw_ruleset_rule(rs, 0), &v, buf, sizeof(buf));
	assert_string_equal(buf, "? wrote /sys/kernel/uevent_helper in ? (host, ?) {literal} "
				 "read_write sysfs ? allowed open pid=4242 ?");
	/* Truncated to the buffer, terminated. */
	n = pw_rule_format_output(pw_ruleset_rule(rs, 0), &v, buf, 8);
	assert_int_equal(n, 7);
	assert_string_equal(buf, "? wrote");
	pw_ruleset_free(rs);

	rs = one_rule(NULL, "{\"kind\": \"capability\"}",
		      "\"output\": \"{capability} {errno} {cap} {mount.op}\",");
	view_cap(&v, 21, -EPERM);
	pw_rule_format_output(pw_ruleset_rule(rs, 0), &v, buf, sizeof(buf));
	assert_string_equal(buf, "CAP_SYS_ADMIN EPERM 21 ?");
	pw_ruleset_free(rs);

	/* Without a template: the title. */
	rs = one_rule(NULL, "{\"kind\": \"capability\"}", NULL);
	pw_rule_format_output(pw_ruleset_rule(rs, 0), &v, buf, sizeof(buf));
	assert_string_equal(buf, "t");
	pw_ruleset_free(rs);
}

static void expect_error(struct pw_rules_error e, const char *rule_id, const char *path,
			 const char *message_start)
{
	assert_string_equal(e.rule_id, rule_id);
	assert_string_equal(e.json_path, path);
	if (strncmp(e.message, message_start, strlen(message_start)))
		fail_msg("message '%s' does not start with '%s'", e.message, message_start);
	assert_non_null(strstr(e.text, e.message));
	assert_non_null(strstr(e.text, e.file));
}

static void test_errors_in_conditions(void **state)
{
	struct pw_rules_error e;

	e = one_rule_error(NULL, "{\"all\": [{\"kind\": \"open\"}, {\"pth\": \"/x\"}]}", NULL);
	expect_error(e, "R1", "$.rules[0].condition.all[1].pth", "unknown field 'pth'");
	assert_non_null(strstr(e.text, "one.json: rule R1: $.rules[0].condition.all[1].pth: "
				       "unknown field 'pth'"));

	e = one_rule_error(NULL, "{\"any\": [{\"mount.op\": \"mnt\"}]}", NULL);
	expect_error(e, "R1", "$.rules[0].condition.any[0].mount.op",
		     "unknown mount operation 'mnt' (expected mount, umount, fsopen");

	e = one_rule_error(NULL, "{\"kind\": [\"open\", \"opne\"]}", NULL);
	expect_error(e, "R1", "$.rules[0].condition.kind[1]", "unknown event kind 'opne'");

	e = one_rule_error(NULL, "{\"container.pss\": \"baselin\"}", NULL);
	expect_error(e, "R1", "$.rules[0].condition.container.pss",
		     "unknown Pod Security Standards level 'baselin' (expected privileged, "
		     "baseline, restricted)");
	e = one_rule_error(NULL, "{\"container.host_mounts\": \"docker_sock\"}", NULL);
	expect_error(e, "R1", "$.rules[0].condition.container.host_mounts",
		     "unknown host mount class 'docker_sock'");
	e = one_rule_error(NULL, "{\"capability\": \"CAP_SYS_ADMN\"}", NULL);
	expect_error(e, "R1", "$.rules[0].condition.capability",
		     "unknown capability 'CAP_SYS_ADMN'");

	e = one_rule_error("{\"caps\": [\"CAP_BPF\", \"CAP_NOPE\"]}", "{\"capability\": \"@caps\"}",
			   NULL);
	expect_error(e, "R1", "$.rules[0].condition.capability", "unknown capability 'CAP_NOPE'");
	assert_non_null(strstr(e.message, "from list 'caps'"));

	e = one_rule_error(NULL, "{\"path\": {\"glob\": [\"/a\", \"@nolist\"]}}", NULL);
	expect_error(e, "R1", "$.rules[0].condition.path.glob[1]", "unknown list 'nolist'");

	e = one_rule_error(NULL, "{\"all\": []}", NULL);
	expect_error(e, "R1", "$.rules[0].condition.all", "'all' needs at least one condition");

	e = one_rule_error(NULL, "{\"path\": {\"regex\": \"x\"}}", NULL);
	expect_error(e, "R1", "$.rules[0].condition.path.regex", "unknown string operator 'regex'");

	e = one_rule_error(NULL, "{\"kind\": \"open\", \"uid\": 0}", NULL);
	expect_error(e, "R1", "$.rules[0].condition", "a condition has exactly one key");

	e = one_rule_error(NULL, "{\"uid\": \"root\"}", NULL);
	expect_error(e, "R1", "$.rules[0].condition.uid", "expected an integer");

	e = one_rule_error(NULL, "{\"errno\": [\"EPERM\", \"EWHAT\"]}", NULL);
	expect_error(e, "R1", "$.rules[0].condition.errno[1]", "expected an integer or an errno");

	e = one_rule_error(NULL, "{\"uid\": {\"min\": 5, \"max\": 1}}", NULL);
	expect_error(e, "R1", "$.rules[0].condition.uid", "min 5 is above max 1");

	e = one_rule_error(NULL, "{\"container.relaxed\": \"seccom\"}", NULL);
	expect_error(e, "R1", "$.rules[0].condition.container.relaxed",
		     "unknown posture dimension 'seccom'");

	e = one_rule_error(NULL, "{\"kind\": \"open\"}", "\"output\": \"{path} {nope}\",");
	expect_error(e, "R1", "$.rules[0].output", "unknown field '{nope}' in output");

	e = one_rule_error(NULL, "{\"kind\": \"open\"}", "\"output\": \"{path\",");
	expect_error(e, "R1", "$.rules[0].output", "unclosed '{'");
}

static void test_errors_in_rules_and_files(void **state)
{
	struct pw_rules_error e;
	struct pw_ruleset *rs = NULL;
	const char *path;

	e = one_rule_error(NULL, "{\"kind\": \"open\"}", "\"sevrity\": \"low\",");
	expect_error(e, "R1", "$.rules[0].sevrity", "unknown key 'sevrity' in a rule");

	e = one_rule_error(NULL, "{\"kind\": \"open\"}", "\"enabled\": \"no\",");
	expect_error(e, "R1", "$.rules[0].enabled", "expected true or false");

	e = one_rule_error(NULL, "{\"kind\": \"open\"}", "\"action\": \"page\",");
	expect_error(e, "R1", "$.rules[0].action", "unknown action 'page'");

	/* a capture window: alert+capture only, 1 to 600 s */
	e = one_rule_error(NULL, "{\"kind\": \"open\"}", "\"capture_window_s\": 5,");
	expect_error(e, "R1", "$.rules[0].capture_window_s", "only with \"action\"");
	e = one_rule_error(NULL, "{\"kind\": \"open\"}",
			   "\"action\": \"alert+capture\", \"capture_window_s\": 0,");
	expect_error(e, "R1", "$.rules[0].capture_window_s", "expected an integer of seconds");
	e = one_rule_error(NULL, "{\"kind\": \"open\"}",
			   "\"action\": \"alert+capture\", \"capture_window_s\": \"10\",");
	expect_error(e, "R1", "$.rules[0].capture_window_s", "expected an integer of seconds");

	path = write_file("sev.json", "{\"rules\": [{\"id\": \"PW-9\", \"title\": \"t\", "
				      "\"description\": \"d\", \"severity\": \"urgent\", "
				      "\"condition\": {\"kind\": \"open\"}}]}");
	assert_int_equal(pw_rules_load(path, NULL, &rs, &e), -1);
	expect_error(e, "PW-9", "$.rules[0].severity", "unknown severity 'urgent'");

	path = write_file("noid.json",
			  "{\"rules\": [{\"title\": \"t\", \"description\": \"d\", "
			  "\"severity\": \"low\", \"condition\": {\"kind\": \"open\"}}]}");
	assert_int_equal(pw_rules_load(path, NULL, &rs, &e), -1);
	expect_error(e, "", "$.rules[0]", "missing 'id'");

	path = write_file("badid.json", "{\"rules\": [{\"id\": \"has space\", \"title\": \"t\", "
					"\"description\": \"d\", \"severity\": \"low\", "
					"\"condition\": {\"kind\": \"open\"}}]}");
	assert_int_equal(pw_rules_load(path, NULL, &rs, &e), -1);
	expect_error(e, "has space", "$.rules[0].id", "invalid id 'has space'");

	path = write_file("top.json", "{\"rules\": [], \"macros\": {}}");
	assert_int_equal(pw_rules_load(path, NULL, &rs, &e), -1);
	expect_error(e, "", "$.macros", "unknown key 'macros' in a rule file");

	/* Syntax: file and line from jansson. */
	path = write_file("syntax.json", "{\n  \"rules\": [\n    { \"id\": \"X\",, }\n  ]\n}\n");
	assert_int_equal(pw_rules_load(path, NULL, &rs, &e), -1);
	assert_string_equal(e.file, path);
	assert_int_equal(e.line, 3);
	assert_string_equal(e.json_path, "");
	assert_non_null(strstr(e.text, "syntax.json:3: "));

	/* Duplicate keys are syntax errors too (JSON_REJECT_DUPLICATES). */
	path = write_file("dupkey.json", "{\"rules\": [],\n\"rules\": []}");
	assert_int_equal(pw_rules_load(path, NULL, &rs, &e), -1);
	assert_int_equal(e.line, 2);
	assert_null(rs);
}

/* Two files in a directory: lists from either usable in both, ids unique
 * across them, files in name order. */
static void test_directory(void **state)
{
	char sub[128], a[160], b[160];
	struct pw_rules_error e;
	struct pw_ruleset *rs = NULL, *keep = NULL;
	struct pw_view v;
	FILE *f;

	snprintf(sub, sizeof(sub), "%s/d", dir);
	mkdir(sub, 0700);
	snprintf(a, sizeof(a), "%s/10-a.json", sub);
	snprintf(b, sizeof(b), "%s/20-b.json", sub);
	f = fopen(a, "w");
	/* uses a list the later file defines */
	fputs("{\"rules\": [{\"id\": \"A-1\", \"title\": \"a\", \"description\": \"d\","
	      " \"severity\": \"low\", \"condition\": {\"basename\": \"@names\"}}]}",
	      f);
	fclose(f);
	f = fopen(b, "w");
	fputs("{\"lists\": {\"names\": [\"mem\"]}, \"rules\": [{\"id\": \"B-1\", \"title\": \"b\","
	      " \"description\": \"d\", \"severity\": \"low\", \"condition\": {\"kind\": \"open\"}}]}",
	      f);
	fclose(f);
	write_file("d/notes.txt", "not a rule file");
	assert_int_equal(pw_rules_load(sub, NULL, &keep, &e), 0);
	assert_int_equal(pw_ruleset_count(keep), 2);
	assert_int_equal(pw_ruleset_files(keep), 2);
	assert_string_equal(pw_rule_info(pw_ruleset_rule(keep, 0))->id, "A-1");
	assert_string_equal(pw_rule_info(pw_ruleset_rule(keep, 0))->file, "10-a.json");
	view_open(&v, "/dev/mem", PW_OBJ_CHARDEV, 1, 3);
	assert_int_equal(hits(keep, &v), 2);

	/* The same id in a third file: refused, naming both. */
	write_file("d/30-c.json", "{\"rules\": [{\"id\": \"A-1\", \"title\": \"c\","
				  " \"description\": \"d\", \"severity\": \"low\","
				  " \"condition\": {\"kind\": \"exec\"}}]}");
	assert_int_equal(pw_rules_load(sub, NULL, &rs, &e), -1);
	assert_null(rs);
	expect_error(e, "A-1", "$.rules[0].id", "duplicate rule id 'A-1' (also in 10-a.json;");
	assert_non_null(strstr(e.file, "30-c.json"));

	/* A list defined twice across files. */
	write_file("d/30-c.json", "{\"lists\": {\"names\": [\"x\"]}}");
	assert_int_equal(pw_rules_load(sub, NULL, &rs, &e), -1);
	expect_error(e, "", "$.lists.names", "list 'names' is defined twice");

	/* The first set is untouched by the failed loads. */
	assert_int_equal(hits(keep, &v), 2);
	view_exec(&v, "/bin/ls");
	assert_int_equal(hits(keep, &v), 0);
	pw_ruleset_free(keep);
}

static void test_sample_set_loads(void **state)
{
	struct pw_rules_error e;
	struct pw_ruleset *rs;
	struct pw_view v;

	if (pw_rules_load("tests/fixtures/rules/sample", NULL, &rs, &e))
		fail_msg("%s", e.text);
	assert_int_equal(pw_ruleset_count(rs), 10);
	assert_int_equal(pw_ruleset_disabled(rs), 1);
	view_open(&v, "/sys/kernel/uevent_helper", PW_OBJ_SYSFS, 2, 3);
	v.container = &web;
	assert_int_equal(hits(rs, &v), 2); /* sysfs write, escape file */
	pw_view_container_start(&v, &web, 1, 1);
	assert_int_equal(hits(rs, &v), 1); /* seccomp relaxed */
	pw_ruleset_free(rs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_enum_fields),
		cmocka_unit_test(test_capability_and_errno),
		cmocka_unit_test(test_string_operators),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_lists_and_logic),
		cmocka_unit_test(test_kind_prefilter),
		cmocka_unit_test(test_glob_edges),
		cmocka_unit_test(test_disabled),
		cmocka_unit_test(test_match_order_and_max),
		cmocka_unit_test(test_posture_fields),
		cmocka_unit_test(test_output_template),
		cmocka_unit_test(test_errors_in_conditions),
		cmocka_unit_test(test_errors_in_rules_and_files),
		cmocka_unit_test(test_directory),
		cmocka_unit_test(test_sample_set_loads),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
