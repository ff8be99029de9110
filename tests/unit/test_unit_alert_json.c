// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Alerts as JSON lines: privwatch.alert/1 field by field for each kind of
 * alert, the head/tail split folding relies on, kernel strings with any
 * bytes, the ECS mapping, and the shipped JSON Schema run on what was
 * produced (tests/e2e/validate-alerts.py, the validator the e2e tests use).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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
#include "json_check.h"
#include "host/posture.h"

/* 2026-11-29T08:40:01.123456789Z */
#define T0 1795941601123456789ull

static const struct pw_host_info host = {
	.hostname = "node-7",
	.boot_id = "0f6b5d3c-1a2b-4c5d-8e9f-0123456789ab",
};

static const char *const tags_escape[] = { "T1611", "T1068", "T1055.001" };

static const struct pw_rule_info rule_sysfs = {
	.id = "PW-0003",
	.title = "Write to a kernel filesystem from a container",
	.description = "A container wrote below /sys.",
	.remediation = "Check what was written and drop --privileged.",
	.severity = PW_SEV_HIGH,
	.tags = tags_escape,
	.ntags = 3,
	.action = PW_ACTION_ALERT_CAPTURE,
	.file = "kernelfs.json",
};

static const struct pw_rule_info rule_plain = {
	.id = "PW-0100",
	.title = "Plain rule",
	.severity = PW_SEV_MEDIUM,
	.action = PW_ACTION_ALERT,
};

/* Every native alert the tests produce, for the schema check at the end. */
static FILE *produced;
static int nproduced;

static const struct pw_view_container ctr_priv = {
	.id = "4f1c0e9d2b7a",
	.name = "web",
	.runtime = "docker",
	.image = "nginx:1.27",
	.pod = "",
	.ns = "",
	.phase = PW_VPHASE_STARTED,
	.mode = PW_VMODE_PRIVILEGED,
	.relaxed =
		(1u << PW_DIM_CAPABILITIES) | (1u << PW_DIM_SECCOMP) | (1u << PW_DIM_HOST_DEVICES),
};

static const struct pw_view_container ctr_pod = {
	.id = "aa11bb22cc33",
	.name = "app",
	.runtime = "containerd",
	.image = "",
	.pod = "api-7d9f",
	.ns = "prod",
	.phase = PW_VPHASE_SETUP,
	.mode = PW_VMODE_UNKNOWN,
};

static void view_init(struct pw_view *v, unsigned int kind, const char *kind_name)
{
	memset(v, 0, sizeof(*v));
	v->kind = kind;
	v->kind_name = kind_name;
	v->result = PW_RESULT_ALLOWED;
	v->path = v->basename = "";
	v->cap = -1;
	v->cap_name = v->mount_op_name = v->fstype = v->source = v->seccomp_op = "";
	v->proc = (struct pw_view_process){ .pid = 4242,
					    .tid = 4243,
					    .ppid = 4200,
					    .uid = 0,
					    .gid = 0,
					    .comm = "sh",
					    .exe = "/bin/sh" };
}

static void alert_init(struct pw_alert *a, const struct pw_rule_info *r, const struct pw_view *v)
{
	memset(a, 0, sizeof(*a));
	a->id = "01a22676-0f63-7abc-8def-0123456789ab";
	a->rule = r;
	a->summary = "summary text";
	a->v = v;
	a->time_ns = T0;
	a->count = 1;
}

/* Native line, kept for the schema check, parsed back. */
static json_t *native(const struct pw_alert *a)
{
	struct jsonw w;
	const char *line;
	size_t len;
	json_t *j;

	jw_init(&w);
	pw_alert_to_json(&w, a, &host);
	line = jw_line(&w, &len);
	assert_non_null(line);
	assert_int_equal(fwrite(line, 1, len, produced), len);
	nproduced++;
	/* strip the newline again: h_json_line adds it */
	w.len--;
	w.buf[w.len] = '\0';
	j = h_json_line(&w);
	jw_free(&w);
	return j;
}

static json_t *ecs(const struct pw_alert *a)
{
	struct jsonw w;
	json_t *j;

	jw_init(&w);
	pw_alert_to_ecs(&w, a, &host);
	j = h_json_line(&w);
	jw_free(&w);
	return j;
}

/* o.a.b...: a nested member, or NULL. */
static json_t *at(json_t *o, const char *path)
{
	char buf[256], *save = NULL, *k;

	snprintf(buf, sizeof(buf), "%s", path);
	for (k = strtok_r(buf, ".", &save); k && o; k = strtok_r(NULL, ".", &save))
		o = json_object_get(o, k);
	return o;
}

static const char *s_at(json_t *o, const char *path)
{
	json_t *v = at(o, path);

	if (!json_is_string(v))
		fail_msg("%s: not a string", path);
	return json_string_value(v);
}

static json_int_t i_at(json_t *o, const char *path)
{
	json_t *v = at(o, path);

	if (!json_is_integer(v))
		fail_msg("%s: not an integer", path);
	return json_integer_value(v);
}

static void assert_null_at(json_t *o, const char *path)
{
	if (!json_is_null(at(o, path)))
		fail_msg("%s: not null", path);
}

static void assert_absent(json_t *o, const char *path)
{
	if (at(o, path))
		fail_msg("%s: present", path);
}

static void assert_keys(json_t *o, const char *const *keys, size_t n)
{
	size_t i;

	assert_int_equal(json_object_size(o), n);
	for (i = 0; i < n; i++)
		if (!json_object_get(o, keys[i]))
			fail_msg("missing %s", keys[i]);
}

static const char argv3[] = "cat\0-A\0/sys/kernel/uevent_helper";

static void sysfs_alert(struct pw_view *v, struct pw_alert *a)
{
	view_init(v, PW_EVENT_OPEN, "open");
	v->path = "/sys/kernel/uevent_helper";
	v->basename = "uevent_helper";
	v->object = PW_OBJ_SYSFS;
	v->access = PW_ACCESS_WRITE;
	v->open_flags = O_WRONLY;
	v->container = &ctr_priv;
	v->proc.args = argv3;
	v->proc.args_len = sizeof(argv3); /* the kernel's length includes the last NUL */
	alert_init(a, &rule_sysfs, v);
	a->ancestry[0] = (struct pw_alert_ancestor){ 4200, "bash", "/usr/bin/bash" };
	a->ancestry[1] = (struct pw_alert_ancestor){ 1, "runc:[2:INIT]", NULL };
	a->nancestry = 2;
	a->capture_id = "cap-0001";
	a->capture_file = "/var/lib/privwatch/captures/cap-0001.json";
}

static void test_open_sysfs_every_field(void **state)
{
	static const char *const top[] = { "schema", "id",	"time",	     "host",
					   "rule",   "summary", "container", "process",
					   "event",  "capture", "count" };
	static const char *const ev[] = { "kind",     "result", "errno", "path",
					  "basename", "object", "access" };
	struct pw_view v;
	struct pw_alert a;
	json_t *j, *x;

	sysfs_alert(&v, &a);
	j = native(&a);
	assert_keys(j, top, 11);
	assert_string_equal(s_at(j, "schema"), "privwatch.alert/1");
	assert_string_equal(s_at(j, "id"), "01a22676-0f63-7abc-8def-0123456789ab");
	assert_string_equal(s_at(j, "time"), "2026-11-29T08:40:01.123456789Z");
	assert_string_equal(s_at(j, "host.hostname"), "node-7");
	assert_string_equal(s_at(j, "host.boot_id"), host.boot_id);
	assert_string_equal(s_at(j, "rule.id"), "PW-0003");
	assert_string_equal(s_at(j, "rule.title"), rule_sysfs.title);
	assert_string_equal(s_at(j, "rule.severity"), "high");
	assert_string_equal(s_at(j, "rule.action"), "alert+capture");
	assert_string_equal(s_at(j, "rule.description"), rule_sysfs.description);
	assert_string_equal(s_at(j, "rule.remediation"), rule_sysfs.remediation);
	assert_string_equal(s_at(j, "rule.reference"), "docs/rule-reference.md#pw-0003");
	x = at(j, "rule.tags");
	assert_int_equal(json_array_size(x), 3);
	assert_string_equal(json_string_value(json_array_get(x, 2)), "T1055.001");
	assert_string_equal(s_at(j, "summary"), "summary text");

	assert_string_equal(s_at(j, "container.id"), "4f1c0e9d2b7a");
	assert_string_equal(s_at(j, "container.name"), "web");
	assert_string_equal(s_at(j, "container.runtime"), "docker");
	assert_string_equal(s_at(j, "container.image"), "nginx:1.27");
	assert_null_at(j, "container.pod"); /* "" is null */
	assert_null_at(j, "container.namespace");
	assert_string_equal(s_at(j, "container.mode"), "privileged");
	assert_string_equal(s_at(j, "container.phase"), "started");
	x = at(j, "container.relaxed");
	assert_int_equal(json_array_size(x), 3);
	assert_string_equal(json_string_value(json_array_get(x, 0)), "capabilities");
	assert_string_equal(json_string_value(json_array_get(x, 1)), "seccomp");
	assert_string_equal(json_string_value(json_array_get(x, 2)), "host_devices");

	assert_int_equal(i_at(j, "process.pid"), 4242);
	assert_int_equal(i_at(j, "process.tid"), 4243);
	assert_int_equal(i_at(j, "process.ppid"), 4200);
	assert_int_equal(i_at(j, "process.uid"), 0);
	assert_int_equal(i_at(j, "process.gid"), 0);
	assert_string_equal(s_at(j, "process.comm"), "sh");
	assert_string_equal(s_at(j, "process.exe"), "/bin/sh");
	x = at(j, "process.argv");
	assert_int_equal(json_array_size(x), 3);
	assert_string_equal(json_string_value(json_array_get(x, 0)), "cat");
	assert_string_equal(json_string_value(json_array_get(x, 2)), "/sys/kernel/uevent_helper");
	x = at(j, "process.ancestry");
	assert_int_equal(json_array_size(x), 2);
	assert_int_equal(i_at(json_array_get(x, 0), "pid"), 4200);
	assert_string_equal(s_at(json_array_get(x, 0), "comm"), "bash");
	assert_string_equal(s_at(json_array_get(x, 0), "exe"), "/usr/bin/bash");
	assert_string_equal(s_at(json_array_get(x, 1), "comm"), "runc:[2:INIT]");
	assert_null_at(json_array_get(x, 1), "exe");

	assert_keys(at(j, "event"), ev, 7);
	assert_string_equal(s_at(j, "event.kind"), "open");
	assert_string_equal(s_at(j, "event.result"), "allowed");
	assert_int_equal(i_at(j, "event.errno"), 0);
	assert_string_equal(s_at(j, "event.path"), "/sys/kernel/uevent_helper");
	assert_string_equal(s_at(j, "event.basename"), "uevent_helper");
	assert_string_equal(s_at(j, "event.object"), "sysfs");
	assert_string_equal(s_at(j, "event.access"), "write");

	assert_string_equal(s_at(j, "capture.id"), "cap-0001");
	assert_string_equal(s_at(j, "capture.file"), a.capture_file);
	assert_int_equal(i_at(j, "count"), 1);
	assert_absent(j, "first_time");
	json_decref(j);
}

static void test_open_chardev_denied_has_device(void **state)
{
	struct pw_view v;
	struct pw_alert a;
	json_t *j;

	view_init(&v, PW_EVENT_OPEN, "open");
	v.path = "/dev/sda";
	v.basename = "sda";
	v.object = PW_OBJ_BLOCKDEV;
	v.access = PW_ACCESS_READ | PW_ACCESS_WRITE;
	v.dev_major = 8;
	v.dev_minor = 0;
	v.result = PW_RESULT_DENIED;
	v.err = EPERM;
	v.container = &ctr_pod;
	alert_init(&a, &rule_plain, &v);
	j = native(&a);
	assert_string_equal(s_at(j, "event.result"), "denied");
	assert_int_equal(i_at(j, "event.errno"), EPERM);
	assert_string_equal(s_at(j, "event.access"), "read_write");
	assert_string_equal(s_at(j, "event.device.type"), "block");
	assert_int_equal(i_at(j, "event.device.major"), 8);
	assert_int_equal(i_at(j, "event.device.minor"), 0);
	assert_string_equal(s_at(j, "container.pod"), "api-7d9f");
	assert_string_equal(s_at(j, "container.namespace"), "prod");
	assert_null_at(j, "container.image");
	assert_string_equal(s_at(j, "container.mode"), "unknown");
	assert_string_equal(s_at(j, "container.phase"), "setup");
	assert_int_equal(json_array_size(at(j, "container.relaxed")), 0);
	assert_null_at(j, "capture");
	assert_int_equal(json_array_size(at(j, "process.argv")), 0); /* args NULL */
	assert_int_equal(json_array_size(at(j, "process.ancestry")), 0);
	assert_string_equal(s_at(j, "rule.action"), "alert");
	assert_int_equal(json_array_size(at(j, "rule.tags")), 0);
	assert_null_at(j, "rule.description"); /* a rule built by hand without them */
	assert_null_at(j, "rule.remediation");
	assert_string_equal(s_at(j, "rule.reference"), "docs/rule-reference.md#pw-0100");
	json_decref(j);
}

static void cap_alert(struct pw_view *v, struct pw_alert *a)
{
	view_init(v, PW_EVENT_CAPABILITY, "capability");
	v->cap = 21;
	v->cap_name = "CAP_SYS_ADMIN";
	v->result = PW_RESULT_DENIED;
	v->err = EPERM;
	v->proc.uid = 1000;
	v->proc.gid = 1000;
	alert_init(a, &rule_sysfs, v);
}

/* A host alert: container null, the rest as in a container. */
static void test_capability_on_host(void **state)
{
	struct pw_view v;
	struct pw_alert a;
	json_t *j;

	cap_alert(&v, &a);
	j = native(&a);
	assert_true(json_is_null(json_object_get(j, "container")));
	assert_string_equal(s_at(j, "event.kind"), "capability");
	assert_string_equal(s_at(j, "event.capability"), "CAP_SYS_ADMIN");
	assert_string_equal(s_at(j, "event.result"), "denied");
	assert_int_equal(i_at(j, "event.errno"), EPERM);
	assert_null_at(j, "event.path");
	assert_null_at(j, "event.basename");
	assert_absent(j, "event.object");
	assert_absent(j, "event.access");
	assert_absent(j, "event.device");
	assert_absent(j, "event.mount");
	assert_int_equal(i_at(j, "process.uid"), 1000);
	/* the host has no container trees */
	assert_null_at(j, "process.session");
	assert_null_at(j, "process.exec_session");
	json_decref(j);

	/* A number this build has no name for is still reported. */
	v.cap = 63;
	v.cap_name = "";
	j = native(&a);
	assert_string_equal(s_at(j, "event.capability"), "63");
	json_decref(j);
}

/* A process of an exec session (docker exec): which, and since when, in
 * both formats; the entrypoint's tree has no exec session. */
static void test_exec_session(void **state)
{
	struct pw_view v;
	struct pw_alert a;
	json_t *j;

	sysfs_alert(&v, &a);
	assert_null_at(j = native(&a), "process.exec_session");
	assert_string_equal(s_at(j, "process.session"), "unknown");
	json_decref(j);
	v.proc.session = PW_VSESSION_ENTRYPOINT;
	j = native(&a);
	assert_string_equal(s_at(j, "process.session"), "entrypoint");
	assert_null_at(j, "process.exec_session");
	json_decref(j);
	j = ecs(&a);
	assert_string_equal(s_at(j, "privwatch.session"), "entrypoint");
	assert_absent(j, "process.entry_leader");
	json_decref(j);

	v.proc.session = PW_VSESSION_EXEC;
	v.proc.session_pid = 4200;
	v.proc.session_ns = 1000000000ull;
	j = native(&a);
	assert_string_equal(s_at(j, "process.session"), "exec");
	assert_int_equal(i_at(j, "process.exec_session.pid"), 4200);
	assert_int_equal(strlen(s_at(j, "process.exec_session.started")), 30);
	json_decref(j);
	j = ecs(&a);
	assert_string_equal(s_at(j, "privwatch.session"), "exec");
	assert_int_equal(i_at(j, "privwatch.exec_session.pid"), 4200);
	assert_int_equal(i_at(j, "process.entry_leader.pid"), 4200);
	assert_int_equal(strlen(s_at(j, "process.entry_leader.start")), 30);
	json_decref(j);
}

static void test_mount(void **state)
{
	struct pw_view v;
	struct pw_alert a;
	json_t *j;

	view_init(&v, PW_EVENT_MOUNT, "mount");
	v.mount_op = PW_MOUNT_MOUNT;
	v.mount_op_name = "mount";
	v.source = "/dev/sda1";
	v.fstype = "ext4";
	v.path = "/mnt/host";
	v.basename = "host";
	v.mount_flags = 1; /* MS_RDONLY */
	v.result = PW_RESULT_PRE_CHECK;
	v.container = &ctr_priv;
	alert_init(&a, &rule_plain, &v);
	j = native(&a);
	assert_string_equal(s_at(j, "event.kind"), "mount");
	assert_string_equal(s_at(j, "event.result"), "pre_check");
	assert_string_equal(s_at(j, "event.mount.op"), "mount");
	assert_string_equal(s_at(j, "event.mount.source"), "/dev/sda1");
	assert_string_equal(s_at(j, "event.mount.target"), "/mnt/host");
	assert_string_equal(s_at(j, "event.mount.fstype"), "ext4");
	assert_int_equal(i_at(j, "event.mount.flags"), 1);
	assert_string_equal(s_at(j, "event.path"), "/mnt/host");
	assert_absent(j, "event.capability");
	assert_absent(j, "event.seccomp");
	json_decref(j);

	j = ecs(&a);
	assert_string_equal(json_string_value(json_array_get(at(j, "event.category"), 0)),
			    "configuration");
	assert_string_equal(s_at(j, "event.outcome"), "unknown"); /* pre_check */
	assert_string_equal(s_at(j, "privwatch.mount.op"), "mount");
	assert_string_equal(s_at(j, "privwatch.mount.source"), "/dev/sda1");
	assert_string_equal(s_at(j, "privwatch.mount.target"), "/mnt/host");
	assert_string_equal(s_at(j, "privwatch.mount.fstype"), "ext4");
	assert_int_equal(i_at(j, "privwatch.mount.flags"), 1);
	assert_absent(j, "file"); /* the mount point is not a file opened */
	json_decref(j);

	/* umount: no source, no fstype */
	v.mount_op_name = "umount";
	v.source = v.fstype = "";
	j = native(&a);
	assert_null_at(j, "event.mount.source");
	assert_null_at(j, "event.mount.fstype");
	json_decref(j);
}

static void test_seccomp_truncated(void **state)
{
	struct pw_view v;
	struct pw_alert a;
	json_t *j;

	view_init(&v, PW_EVENT_SECCOMP, "seccomp");
	v.seccomp_op = "set_mode_filter";
	v.seccomp_mode_after = 2;
	v.flags = PW_F_TRUNCATED;
	v.container = &ctr_priv;
	alert_init(&a, &rule_plain, &v);
	j = native(&a);
	assert_string_equal(s_at(j, "event.seccomp.op"), "set_mode_filter");
	assert_string_equal(s_at(j, "event.seccomp.mode_after"), "filter");
	assert_true(json_is_true(at(j, "event.truncated")));
	json_decref(j);

	j = ecs(&a);
	assert_string_equal(s_at(j, "privwatch.seccomp.op"), "set_mode_filter");
	assert_string_equal(s_at(j, "privwatch.seccomp.mode_after"), "filter");
	assert_true(json_is_true(at(j, "privwatch.truncated")));
	json_decref(j);

	v.seccomp_mode_after = 0;
	v.flags = 0;
	j = native(&a);
	assert_string_equal(s_at(j, "event.seccomp.mode_after"), "disabled");
	assert_absent(j, "event.truncated");
	json_decref(j);
}

static void test_container_start(void **state)
{
	struct pw_view v;
	struct pw_alert a;
	json_t *j;

	view_init(&v, PW_VIEW_CONTAINER_START, "container_start");
	v.result = PW_RESULT_NONE;
	v.container = &ctr_priv;
	v.proc.comm = "nginx";
	v.proc.exe = "/usr/sbin/nginx";
	alert_init(&a, &rule_sysfs, &v);
	a.summary = "web started privileged";
	j = native(&a);
	assert_string_equal(s_at(j, "event.kind"), "container_start");
	assert_null_at(j, "event.result"); /* no outcome for this kind */
	assert_int_equal(i_at(j, "event.errno"), 0);
	assert_null_at(j, "event.path");
	assert_string_equal(s_at(j, "container.mode"), "privileged");
	assert_string_equal(s_at(j, "process.exe"), "/usr/sbin/nginx");
	assert_string_equal(s_at(j, "summary"), "web started privileged");
	json_decref(j);

	j = ecs(&a);
	assert_string_equal(json_string_value(json_array_get(at(j, "event.type"), 0)), "start");
	assert_string_equal(s_at(j, "event.outcome"), "success");
	assert_string_equal(s_at(j, "event.action"), "container_start");
	assert_absent(j, "privwatch.result");
	json_decref(j);
}

/* A measured posture: the PSS level, host namespaces, capabilities and host
 * mounts in the native alert (and its schema) and under privwatch.container
 * in ECS; not measured: null and empty (native), absent (ECS). */
static void test_container_start_posture(void **state)
{
	struct pw_view_container c = ctr_priv;
	struct pw_posture p;
	struct pw_view v;
	struct pw_alert a;
	json_t *j;

	memset(&p, 0, sizeof(p));
	p.mode = PW_POSTURE_PARTIAL;
	p.host_ns = 1u << PW_HOSTNS_PID | 1u << PW_HOSTNS_CGROUP;
	p.caps_added = 1ULL << 19 | 1ULL << 23; /* SYS_PTRACE, SYS_NICE */
	p.caps_dangerous = 1ULL << 19;
	p.nhost_mounts = 1;
	snprintf(p.host_mounts[0].source, sizeof(p.host_mounts[0].source), "/run/docker.sock");
	snprintf(p.host_mounts[0].target, sizeof(p.host_mounts[0].target), "/var/run/docker.sock");
	p.host_mounts[0].mclass = PW_MCLASS_RUNTIME_SOCKET;
	p.host_mounts[0].rw = 1;
	p.dim[PW_DIM_HOST_NAMESPACES].state = PW_DIM_RELAXED;
	p.dim[PW_DIM_HOST_MOUNTS].state = PW_DIM_RELAXED;
	p.dim[PW_DIM_USER].state = PW_DIM_RELAXED;
	p.uid = 0;
	pw_pss_derive(&p);
	c.posture = &p;
	c.mode = PW_VMODE_PARTIAL;
	view_init(&v, PW_VIEW_CONTAINER_START, "container_start");
	v.result = PW_RESULT_NONE;
	v.container = &c;
	alert_init(&a, &rule_sysfs, &v);
	j = native(&a);
	assert_string_equal(s_at(j, "container.pss.level"), "privileged");
	assert_string_equal(json_string_value(json_array_get(at(j, "container.pss.violations"), 0)),
			    "baseline: host namespaces (pid)");
	assert_string_equal(json_string_value(json_array_get(at(j, "container.pss.controls"), 1)),
			    "host_path");
	assert_string_equal(
		json_string_value(json_array_get(at(j, "container.host_namespaces"), 1)), "cgroup");
	assert_int_equal(json_array_size(at(j, "container.capabilities_added")), 2);
	assert_string_equal(
		json_string_value(json_array_get(at(j, "container.capabilities_dangerous"), 0)),
		"CAP_SYS_PTRACE");
	assert_string_equal(json_string_value(json_object_get(
				    json_array_get(at(j, "container.host_mounts"), 0), "class")),
			    "runtime_socket");
	assert_true(json_is_true(
		json_object_get(json_array_get(at(j, "container.host_mounts"), 0), "rw")));
	assert_int_equal(i_at(j, "container.uid"), 0);
	json_decref(j);
	j = ecs(&a);
	assert_string_equal(s_at(j, "privwatch.container.pss.level"), "privileged");
	assert_string_equal(
		json_string_value(json_array_get(at(j, "privwatch.container.host_namespaces"), 0)),
		"pid");
	assert_int_equal(i_at(j, "privwatch.container.uid"), 0);
	json_decref(j);

	c.posture = NULL;
	j = native(&a);
	assert_null_at(j, "container.pss");
	assert_null_at(j, "container.uid");
	assert_int_equal(json_array_size(at(j, "container.host_mounts")), 0);
	json_decref(j);
	j = ecs(&a);
	assert_absent(j, "privwatch.container.pss");
	assert_absent(j, "privwatch.container.uid");
	json_decref(j);
}

static void test_folded_count_and_head_tail(void **state)
{
	struct pw_view v;
	struct pw_alert a;
	struct jsonw full, part;
	char text[8192];
	json_t *j;
	int f;

	sysfs_alert(&v, &a);
	a.count = 5;
	a.first_time_ns = T0 - 2000000000ull;
	j = native(&a);
	assert_int_equal(i_at(j, "count"), 5);
	assert_string_equal(s_at(j, "first_time"), "2026-11-29T08:39:59.123456789Z");
	json_decref(j);

	/* first_time only with repeats */
	a.count = 1;
	j = native(&a);
	assert_absent(j, "first_time");
	json_decref(j);

	/* head + tail == the whole, for both formats, in the same writer
	 * and as text appended to the head's bytes */
	a.count = 5;
	for (f = PW_FORMAT_NATIVE; f <= PW_FORMAT_ECS; f++) {
		jw_init(&full);
		jw_init(&part);
		if (f == PW_FORMAT_NATIVE) {
			pw_alert_to_json(&full, &a, &host);
			pw_alert_to_json_head(&part, &a, &host);
		} else {
			pw_alert_to_ecs(&full, &a, &host);
			pw_alert_to_ecs_head(&part, &a, &host);
		}
		snprintf(text, sizeof(text), "%s,\"count\":5}%s", part.buf,
			 f == PW_FORMAT_ECS ? "}" : "");
		pw_alert_tail(&part, f, 5);
		if (f == PW_FORMAT_ECS) {
			/* event.created is the writing time: compare the rest */
			char *c1 = strstr(full.buf, "\"created\":"),
			     *c2 = strstr(part.buf, "\"created\":"),
			     *c3 = strstr(text, "\"created\":");

			assert_non_null(c1);
			memcpy(c2 + 10, c1 + 10, 32);
			memcpy(c3 + 10, c1 + 10, 32);
		}
		assert_string_equal(full.buf, part.buf);
		assert_string_equal(full.buf, text);
		/* and "count" is the last member */
		assert_non_null(
			strstr(full.buf, f == PW_FORMAT_ECS ? ",\"count\":5}}" : ",\"count\":5}"));
		assert_int_equal(full.buf[full.len - 1], '}');
		jw_free(&full);
		jw_free(&part);
	}

	/* a count of 0 is the alert itself */
	a.count = 0;
	j = native(&a);
	assert_int_equal(i_at(j, "count"), 1);
	json_decref(j);
}

/* Kernel strings hold any bytes: quotes, backslashes, control characters,
 * newlines, invalid UTF-8. The line stays one valid JSON line and the
 * decoded strings are the bytes, with U+FFFD for each invalid one. */
static void test_nasty_bytes(void **state)
{
	static const char args[] = "sh\0-c\0echo \"a\nb\"\\\x01\0\xff\xfe\0\xc3\x28ok";
	struct pw_view v;
	struct pw_alert a;
	json_t *j, *x;

	view_init(&v, PW_EVENT_OPEN, "open");
	v.path = "/sys/\"q\"\\\n\t\x7f\x1f\xff/x";
	v.basename = "x";
	v.object = PW_OBJ_SYSFS;
	v.access = PW_ACCESS_READ;
	v.proc.comm = "a\"b\nc\xe2\x82";
	v.proc.exe = "/tmp/\xe2\x82\xac\xf0\x9f\x98\x80"; /* valid: euro sign, emoji */
	v.proc.args = args;
	v.proc.args_len = sizeof(args) - 1; /* the last one cut short: no NUL */
	v.container = &ctr_priv;
	alert_init(&a, &rule_plain, &v);
	a.summary = "wrote \"/sys\"\n\xff";
	a.ancestry[0] = (struct pw_alert_ancestor){ 1, "\x80\x81", "/\x01" };
	a.nancestry = 1;
	j = native(&a);
	assert_string_equal(s_at(j, "event.path"), "/sys/\"q\"\\\n\t\x7f\x1f\xef\xbf\xbd/x");
	assert_string_equal(s_at(j, "process.comm"), "a\"b\nc\xef\xbf\xbd\xef\xbf\xbd");
	assert_string_equal(s_at(j, "process.exe"), "/tmp/\xe2\x82\xac\xf0\x9f\x98\x80");
	assert_string_equal(s_at(j, "summary"), "wrote \"/sys\"\n\xef\xbf\xbd");
	x = at(j, "process.argv");
	assert_int_equal(json_array_size(x), 5);
	assert_string_equal(json_string_value(json_array_get(x, 2)), "echo \"a\nb\"\\\x01");
	assert_string_equal(json_string_value(json_array_get(x, 3)), "\xef\xbf\xbd\xef\xbf\xbd");
	assert_string_equal(json_string_value(json_array_get(x, 4)), "\xef\xbf\xbd(ok");
	x = json_array_get(at(j, "process.ancestry"), 0);
	assert_string_equal(s_at(x, "comm"), "\xef\xbf\xbd\xef\xbf\xbd");
	assert_string_equal(s_at(x, "exe"), "/\x01");
	json_decref(j);

	/* and the same through ECS */
	j = ecs(&a);
	assert_string_equal(s_at(j, "file.path"), "/sys/\"q\"\\\n\t\x7f\x1f\xef\xbf\xbd/x");
	assert_string_equal(json_string_value(json_array_get(at(j, "process.args"), 4)),
			    "\xef\xbf\xbd(ok");
	assert_string_equal(s_at(j, "message"), "wrote \"/sys\"\n\xef\xbf\xbd");
	json_decref(j);
}

static void test_ecs(void **state)
{
	struct pw_view v;
	struct pw_alert a;
	json_t *j, *x;

	sysfs_alert(&v, &a);
	a.count = 3;
	a.first_time_ns = T0 - 1000000000ull;
	j = ecs(&a);
	assert_string_equal(s_at(j, "@timestamp"), "2026-11-29T08:40:01.123456789Z");
	assert_string_equal(s_at(j, "ecs.version"), "8.11.0");
	assert_string_equal(s_at(j, "message"), "summary text");
	assert_string_equal(s_at(j, "event.kind"), "alert");
	assert_string_equal(json_string_value(json_array_get(at(j, "event.category"), 0)), "file");
	assert_string_equal(json_string_value(json_array_get(at(j, "event.type"), 0)), "change");
	assert_string_equal(s_at(j, "event.action"), "open");
	assert_string_equal(s_at(j, "event.outcome"), "success");
	assert_int_equal(i_at(j, "event.severity"), 73);
	assert_int_equal(strlen(s_at(j, "event.created")), 30);
	assert_string_equal(s_at(j, "event.start"), "2026-11-29T08:40:00.123456789Z");
	assert_string_equal(s_at(j, "event.end"), "2026-11-29T08:40:01.123456789Z");
	assert_string_equal(s_at(j, "rule.id"), "PW-0003");
	assert_string_equal(s_at(j, "rule.name"), rule_sysfs.title);
	assert_string_equal(s_at(j, "rule.description"), rule_sysfs.description);
	assert_string_equal(s_at(j, "rule.reference"), "docs/rule-reference.md#pw-0003");
	assert_string_equal(s_at(j, "privwatch.remediation"), rule_sysfs.remediation);
	assert_string_equal(s_at(j, "event.id"), "01a22676-0f63-7abc-8def-0123456789ab");
	assert_string_equal(s_at(j, "rule.ruleset"), "privwatch");
	assert_string_equal(s_at(j, "threat.framework"), "MITRE ATT&CK");
	x = at(j, "threat.technique.id");
	assert_int_equal(json_array_size(x), 3); /* T1611, T1068, and T1055 for T1055.001 */
	assert_string_equal(json_string_value(json_array_get(x, 2)), "T1055");
	x = at(j, "threat.technique.subtechnique.id");
	assert_int_equal(json_array_size(x), 1);
	assert_string_equal(json_string_value(json_array_get(x, 0)), "T1055.001");
	assert_string_equal(s_at(j, "host.hostname"), "node-7");
	assert_string_equal(s_at(j, "host.boot.id"), host.boot_id);
	assert_string_equal(s_at(j, "container.id"), "4f1c0e9d2b7a");
	assert_string_equal(s_at(j, "container.name"), "web");
	assert_string_equal(s_at(j, "container.runtime"), "docker");
	assert_string_equal(s_at(j, "container.image.name"), "nginx:1.27");
	assert_true(json_is_true(at(j, "container.security_context.privileged")));
	assert_absent(j, "orchestrator");
	assert_int_equal(i_at(j, "process.pid"), 4242);
	assert_int_equal(i_at(j, "process.thread.id"), 4243);
	assert_int_equal(i_at(j, "process.parent.pid"), 4200);
	assert_string_equal(s_at(j, "process.parent.name"), "bash");
	assert_string_equal(s_at(j, "process.parent.executable"), "/usr/bin/bash");
	assert_string_equal(s_at(j, "process.name"), "sh");
	assert_string_equal(s_at(j, "process.executable"), "/bin/sh");
	assert_int_equal(json_array_size(at(j, "process.args")), 3);
	assert_int_equal(i_at(j, "process.args_count"), 3);
	assert_string_equal(s_at(j, "process.user.id"), "0");
	assert_string_equal(s_at(j, "process.group.id"), "0");
	assert_string_equal(s_at(j, "user.id"), "0");
	assert_string_equal(s_at(j, "file.path"), "/sys/kernel/uevent_helper");
	assert_string_equal(s_at(j, "file.name"), "uevent_helper");
	assert_absent(j, "error");
	assert_string_equal(s_at(j, "privwatch.schema"), "privwatch.alert/1");
	assert_string_equal(s_at(j, "privwatch.severity"), "high");
	assert_string_equal(s_at(j, "privwatch.container.mode"), "privileged");
	assert_int_equal(json_array_size(at(j, "privwatch.container.relaxed")), 3);
	assert_string_equal(s_at(j, "privwatch.object"), "sysfs");
	assert_string_equal(s_at(j, "privwatch.access"), "write");
	assert_int_equal(json_array_size(at(j, "privwatch.ancestry")), 2);
	assert_string_equal(s_at(j, "privwatch.capture.id"), "cap-0001");
	assert_int_equal(i_at(j, "privwatch.count"), 3);
	/* that count is the last member is checked on the text in the fold test */
	json_decref(j);

	/* denied capability in a pod: error code, outcome, orchestrator */
	cap_alert(&v, &a);
	v.container = &ctr_pod;
	j = ecs(&a);
	assert_string_equal(s_at(j, "event.outcome"), "failure");
	assert_string_equal(json_string_value(json_array_get(at(j, "event.category"), 0)),
			    "process");
	assert_string_equal(s_at(j, "error.code"), "EPERM");
	assert_string_equal(s_at(j, "orchestrator.type"), "kubernetes");
	assert_string_equal(s_at(j, "orchestrator.namespace"), "prod");
	assert_string_equal(s_at(j, "orchestrator.resource.type"), "pod");
	assert_string_equal(s_at(j, "orchestrator.resource.name"), "api-7d9f");
	assert_absent(j, "container.security_context"); /* posture not measured */
	assert_absent(j, "container.image");
	assert_absent(j, "file");
	assert_absent(j, "event.start");
	assert_string_equal(s_at(j, "privwatch.capability"), "CAP_SYS_ADMIN");
	assert_string_equal(s_at(j, "process.user.id"), "1000");
	assert_int_equal(i_at(j, "process.parent.pid"), 4200);
	assert_absent(j, "process.parent.name"); /* no ancestry known */
	json_decref(j);

	/* on the host: no container object at all */
	v.container = NULL;
	j = ecs(&a);
	assert_absent(j, "container");
	assert_absent(j, "privwatch.container");
	assert_int_equal(i_at(j, "privwatch.count"), 1);
	json_decref(j);
}

/* The validator: found next to the sources, from the repository root
 * (where the suites run) or from the binary's place in .output/tests. */
static int validator_path(char *out, size_t size)
{
	char exe[PATH_MAX];
	ssize_t n;
	int i;

	snprintf(out, size, "tests/e2e/validate-alerts.py");
	if (!access(out, R_OK))
		return 0;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return -1;
	exe[n] = '\0';
	for (i = 0; i < 3; i++)
		*strrchr(exe, '/') = '\0';
	snprintf(out, size, "%s/tests/e2e/validate-alerts.py", exe);
	return access(out, R_OK);
}

static int run_validator(const char *script, const char *file, int min)
{
	char cmd[PATH_MAX * 3];
	int rc;

	snprintf(cmd, sizeof(cmd), "python3 '%s' '%s' --min %d", script, file, min);
	rc = system(cmd);
	return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

/* Last: every native alert above against docs/alert.schema.json. */
static void test_schema_validates_produced(void **state)
{
	char script[PATH_MAX], bad[] = "/tmp/pw-alert-bad-XXXXXX";
	struct pw_view v;
	struct pw_alert a;
	struct jsonw w;
	char *sev;
	FILE *f;
	int fd;

	if (validator_path(script, sizeof(script)))
		fail_msg("tests/e2e/validate-alerts.py not found");
	if (system("python3 -c 'import jsonschema' 2>/dev/null")) {
		print_message("python3-jsonschema missing (make deps installs it)\n");
		skip();
	}
	assert_true(nproduced >= 10);
	assert_int_equal(fflush(produced), 0);
	assert_int_equal(run_validator(script, state ? *state : NULL, nproduced), 0);

	/* and it does fail a wrong alert: an unknown severity */
	sysfs_alert(&v, &a);
	jw_init(&w);
	pw_alert_to_json(&w, &a, &host);
	sev = strstr(w.buf, "\"high\"");
	assert_non_null(sev);
	memcpy(sev, "\"huge\"", 6);
	fd = mkstemp(bad);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fprintf(f, "%s\n", w.buf);
	fclose(f);
	jw_free(&w);
	assert_int_equal(run_validator(script, bad, 1), 1);
	unlink(bad);
}

static char produced_path[] = "/tmp/pw-alerts-XXXXXX";

static int group_setup(void **state)
{
	int fd = mkstemp(produced_path);

	if (fd < 0)
		return -1;
	produced = fdopen(fd, "w");
	return produced ? 0 : -1;
}

static int group_teardown(void **state)
{
	fclose(produced);
	unlink(produced_path);
	return 0;
}

static int schema_setup(void **state)
{
	*state = produced_path;
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_sysfs_every_field),
		cmocka_unit_test(test_open_chardev_denied_has_device),
		cmocka_unit_test(test_capability_on_host),
		cmocka_unit_test(test_mount),
		cmocka_unit_test(test_seccomp_truncated),
		cmocka_unit_test(test_container_start),
		cmocka_unit_test(test_container_start_posture),
		cmocka_unit_test(test_folded_count_and_head_tail),
		cmocka_unit_test(test_nasty_bytes),
		cmocka_unit_test(test_ecs),
		cmocka_unit_test(test_exec_session),
		cmocka_unit_test_setup(test_schema_validates_produced, schema_setup),
	};

	return cmocka_run_group_tests_name("unit: alert JSON", tests, group_setup, group_teardown);
}
