// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Kernel tier, the default rule set on real events: the rules of rules/ as
 * shipped, the real BPF programs, and real actions by workloads in a fresh
 * watched cgroup. Each event of the action becomes a view with a synthetic
 * container attached (a host cgroup is not a container: this one stands in
 * for it, privileged or default as the case needs), and the exact set of
 * rules that fired over all the action's events is checked: the rule under
 * test fires, and a close but innocent action fires nothing (or only what
 * is named).
 *
 * The rules the e2e suite fires with real Docker (tests/e2e/rules.sh) are
 * not repeated here; this suite covers the others, and the phase, mode and
 * runtime-init exclusions every rule shares.
 *
 * Where this kernel has no file for a rule (no /proc/sysrq-trigger, no
 * uevent_helper, no /dev/mem driver on the 6.18 host) the firing case is a
 * synthetic record, named so, and the real open is used where the file
 * exists (Debian's 6.1 in the VM).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "events/event_view.h"
#include "harness.h"
#include "host/posture.h"
#include "privwatch.skel.h"
#include "rules/rules.h"

static struct h_agent agent;
static struct pw_ruleset *rs;
static char cg[PATH_MAX], tmpdir[PATH_MAX];
static uint64_t cg_id;

/* The stand-in container, reset before each test. */
static struct pw_view_container ctr;

static void container(enum pw_view_mode mode, enum pw_view_phase phase)
{
	ctr = (struct pw_view_container){
		.id = "ctr-test",
		.name = "rules-test",
		.runtime = "docker",
		.image = "",
		.pod = "",
		.ns = "",
		.phase = phase,
		.mode = mode,
		/* --privileged relaxes every dimension; a default container none */
		.relaxed = mode == PW_VMODE_PRIVILEGED ? (1u << PW_DIM_COUNT) - 1 : 0,
	};
}

static int setup(void **state)
{
	struct pw_rules_error err;
	char tree[PATH_MAX], rules[PATH_MAX + 8];

	/* The rules of the tree the tests were built in: .output/privwatch ->
	 * <tree>/rules, never an installed /etc/privwatch/rules.d. */
	if (!realpath(h_privwatch(), tree))
		return -1;
	snprintf(rules, sizeof(rules), "%s/rules", dirname(dirname(tree)));
	if (pw_rules_load(rules, NULL, &rs, &err)) {
		fprintf(stderr, "cannot load %s: %s\n", rules, err.text);
		return -1;
	}
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/privwatch-rules-%d", getpid());
	if (mkdir(tmpdir, 0755))
		return -1;
	*state = &agent;
	return h_watch_new_cgroup(&agent, "privwatch-rules", PW_MODE_AUTO, cg, sizeof(cg), &cg_id);
}

static int teardown(void **state)
{
	char cmd[PATH_MAX + 16];
	int rc = h_unwatch_cgroup(&agent, cg);

	pw_ruleset_free(rs);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	return system(cmd) == 0 ? rc : -1;
}

/* Per test: forget earlier events, a started privileged container. */
static int per_test(void **state)
{
	container(PW_VMODE_PRIVILEGED, PW_VPHASE_STARTED);
	return h_forget_events(state);
}

/* Run argv in the watched cgroup, expect its exit status, collect its events. */
static pid_t run(int status, const char *prog, const char *a1, const char *a2, const char *a3)
{
	char *argv[] = { (char *)prog, (char *)a1, (char *)a2, (char *)a3, NULL };
	pid_t pid = h_spawn(cg, argv);

	assert_true(pid > 0);
	assert_int_equal(h_wait(pid), status);
	h_agent_drain(&agent, 100);
	return pid;
}

static const char *wl(const char *suffix)
{
	static char path[4][PATH_MAX];
	static int next;
	char *p = path[next++ % 4];

	snprintf(p, PATH_MAX, "%s%s", h_workload(), suffix);
	return p;
}

/* How views are built: the container (NULL: the host) and, for the
 * runtime-init cases, comm and exe set by hand. */
struct eval {
	const struct pw_view_container *c;
	const char *comm, *exe; /* NULL: from the record / the last exec seen */
	uint32_t flags;		/* header flags added (PW_F_RUNTIME_INIT: the kernel's verdict) */
};

#define MAX_IDS 32
struct idset {
	const char *id[MAX_IDS];
	int n;
};

static void idset_add(struct idset *s, const char *id)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->id[i], id))
			return;
	assert_true(s->n < MAX_IDS);
	s->id[s->n++] = id;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* "PW-0103 PW-0401", sorted; "" for none. */
static const char *idset_str(struct idset *s, char *buf, size_t len)
{
	size_t off = 0;
	int i;

	qsort(s->id, s->n, sizeof(s->id[0]), cmp_str);
	buf[0] = '\0';
	for (i = 0; i < s->n; i++)
		off += snprintf(buf + off, len - off, "%s%s", i ? " " : "", s->id[i]);
	return buf;
}

/* Evaluate one record as the pipeline would; what fired goes into s, and
 * each hit is printed when print is set (to explain a failure). */
static void eval_one(const struct pw_event_header *h, const struct eval *o, const char *exe,
		     struct idset *s, int print)
{
	const struct pw_rule *hits[16];
	struct pw_view v;
	size_t n, i;

	pw_view_from_event(&v, h);
	v.container = o->c;
	v.proc.exe = o->exe ? o->exe : exe ? exe : "";
	if (o->comm)
		v.proc.comm = o->comm;
	v.flags |= o->flags;
	n = pw_rules_match(rs, &v, hits, 16);
	assert_true(n <= 16);
	for (i = 0; i < n; i++) {
		idset_add(s, pw_rule_info(hits[i])->id);
		if (print)
			print_message("  %s on %s pid %u comm %s result %s err %d path '%s' cap %s "
				      "mount.op %s fstype '%s' source '%s'\n",
				      pw_rule_info(hits[i])->id, v.kind_name, v.proc.pid,
				      v.proc.comm, pw_view_result_name(v.result), v.err, v.path,
				      v.cap_name, v.mount_op_name, v.fstype, v.source);
	}
}

/*
 * The rules fired by every collected event of pid (0: every event, so the
 * children of a shell count too), as a sorted list. proc.exe is what the
 * pipeline gives it: the file of the process's last exec.
 */
static const char *fired(pid_t pid, const struct eval *o, int print)
{
	static char buf[512];
	struct pid_exe {
		uint32_t pid;
		const char *exe;
	} exes[64];
	struct idset s = { .n = 0 };
	int i, j, nexe = 0;

	for (i = 0; i < agent.n_events; i++) {
		const struct pw_event_header *h = agent.events[i];
		const char *exe = NULL;

		if (h->type == PW_EVENT_EXEC) {
			const struct pw_exec_event *x = (const void *)h;

			for (j = 0; j < nexe && exes[j].pid != h->pid; j++)
				;
			if (j == nexe && nexe < 64)
				nexe++;
			if (j < 64) {
				exes[j].pid = h->pid;
				exes[j].exe = x->filename;
			}
		}
		if (pid && h->pid != (uint32_t)pid)
			continue;
		for (j = 0; j < nexe; j++)
			if (exes[j].pid == h->pid)
				exe = exes[j].exe;
		eval_one(h, o, exe, &s, print);
	}
	return idset_str(&s, buf, sizeof(buf));
}

/* Exactly these rules fired over pid's events; on a mismatch every hit is
 * printed before the failure. */
#define assert_fired(pid, o, want)                                                                 \
	do {                                                                                       \
		const char *got_ = fired(pid, o, 0);                                               \
		if (strcmp(got_, want)) {                                                          \
			print_message("rules fired for pid %d: '%s', want '%s'\n", (int)(pid),     \
				      got_, want);                                                 \
			fired(pid, o, 1);                                                          \
		}                                                                                  \
		assert_string_equal(got_, want);                                                   \
	} while (0)

static const struct eval *in_ctr(void)
{
	static struct eval e;

	e = (struct eval){ .c = &ctr };
	return &e;
}

/* ---- synthetic records, for files this kernel does not have ---- */

/* An allowed open as the tracepoint reports it: the path's names leaf first. */
static const struct pw_event_header *synthetic_open(struct pw_open_event *e, uint16_t kind,
						    uint32_t maj, uint32_t min, uint32_t f_mode,
						    const char *path)
{
	char copy[PATH_MAX], *p;
	size_t off = 0;

	memset(e, 0, sizeof(*e));
	e->hdr.type = PW_EVENT_OPEN;
	e->hdr.size = sizeof(*e);
	e->hdr.cgroup_id = cg_id;
	e->hdr.pid = e->hdr.tid = 4242;
	snprintf(e->hdr.comm, sizeof(e->hdr.comm), "synthetic");
	e->ret = 3;
	e->open_flags = f_mode == 2 ? O_WRONLY : f_mode == 3 ? O_RDWR : O_RDONLY;
	e->f_mode = f_mode;
	e->kind = kind;
	e->path_format = PW_OPEN_PATH_COMPONENTS;
	e->dev_major = maj;
	e->dev_minor = min;
	e->syscall_nr = 257;
	snprintf(copy, sizeof(copy), "%s", path);
	while ((p = strrchr(copy, '/'))) {
		size_t n = strlen(p + 1) + 1;

		memcpy(e->path + off, p + 1, n);
		off += n;
		e->path_depth++;
		*p = '\0';
	}
	e->path_len = off;
	return &e->hdr;
}

/* Exactly want fired for one synthetic open in the stand-in container. */
static void assert_synthetic(uint16_t kind, uint32_t maj, uint32_t min, uint32_t f_mode,
			     const char *path, const char *want)
{
	struct pw_open_event e;
	struct idset s = { .n = 0 };
	char buf[512];

	eval_one(synthetic_open(&e, kind, maj, min, f_mode, path), in_ctr(), "/usr/bin/synthetic",
		 &s, 0);
	assert_string_equal(idset_str(&s, buf, sizeof(buf)), want);
}

/* ---- files: kernel settings ---- */

/* PW-0103. Opening sysrq-trigger for writing does nothing until a write,
 * and nothing is ever written. This 6.18 kernel has no
 * /proc/sysrq-trigger (no CONFIG_MAGIC_SYSRQ): a synthetic record stands in. */
static void test_0103_sysrq_trigger(void **state)
{
	pid_t pid;

	if (access("/proc/sysrq-trigger", F_OK)) {
		print_message("no /proc/sysrq-trigger here: firing on a synthetic record\n");
		assert_synthetic(PW_OBJ_PROCFS, 0, 0, 2, "/proc/sysrq-trigger", "PW-0103");
		/* innocent: the same file opened for reading */
		assert_synthetic(PW_OBJ_PROCFS, 0, 0, 1, "/proc/sysrq-trigger", "");
	} else {
		pid = run(0, wl("_open"), "open", "/proc/sysrq-trigger", "w");
		assert_fired(pid, in_ctr(), "PW-0103");
	}
	/* innocent and real: a procfs file read */
	pid = run(0, wl("_open"), "open", "/proc/version", "r");
	assert_fired(pid, in_ctr(), "");
}

/* PW-0104: the same for /sys/kernel/uevent_helper (CONFIG_UEVENT_HELPER,
 * absent on this 6.18 kernel). Only 0104 fires: 0105 leaves it out. */
static void test_0104_uevent_helper(void **state)
{
	pid_t pid;

	if (access("/sys/kernel/uevent_helper", F_OK)) {
		print_message("no /sys/kernel/uevent_helper here: firing on a synthetic record\n");
		assert_synthetic(PW_OBJ_SYSFS, 0, 0, 2, "/sys/kernel/uevent_helper", "PW-0104");
		assert_synthetic(PW_OBJ_SYSFS, 0, 0, 1, "/sys/kernel/uevent_helper", "");
		return;
	}
	pid = run(0, wl("_open"), "open", "/sys/kernel/uevent_helper", "w");
	assert_fired(pid, in_ctr(), "PW-0104");
	pid = run(0, wl("_open"), "open", "/sys/kernel/uevent_helper", "r");
	assert_fired(pid, in_ctr(), "");
}

/* PW-0106: kernel.hostname written back in a private UTS namespace (the
 * host's name is untouched). The unshare is a namespace change (0305) and a
 * CAP_SYS_ADMIN use (0401) too. */
static void test_0106_proc_sys_write(void **state)
{
	pid_t pid;

	pid = run(0, wl("_open"), "procsys-write", NULL, NULL);
	assert_fired(pid, in_ctr(), "PW-0106 PW-0305 PW-0401");
	/* innocent: reading it */
	pid = run(0, wl("_open"), "open", "/proc/sys/kernel/hostname", "r");
	assert_fired(pid, in_ctr(), "");
	/* a critical sysctl is 0102's alone, not reported twice: core_pattern
	 * opened for writing and closed, nothing written */
	pid = run(0, wl("_open"), "open", "/proc/sys/kernel/core_pattern", "w");
	assert_fired(pid, in_ctr(), "PW-0102");
}

/* PW-0106 on a write made through an fd the process opened before it was
 * watched (it moves itself into the container's cgroup, then writes in a
 * UTS namespace it made outside): LSM mode's file_permission reports the
 * write (via write, pre_check) and the rule fires; tracepoint mode sees no
 * open, so nothing (test_kernel_fduse asserts that gap). */
static void test_0106_write_through_fd_opened_before(void **state)
{
	char *argv[] = { (char *)wl("_open"), "write-later", cg, "100", NULL };
	pid_t pid = h_spawn(NULL, argv);

	assert_true(pid > 0);
	assert_int_equal(h_wait(pid), 0);
	h_agent_drain(&agent, 100);
	assert_fired(pid, in_ctr(),
		     h_expect_variant(&agent, "files") == PW_VARIANT_LSM ? "PW-0106" : "");
}

/* PW-0110: another process's /proc files. The test process lives outside the
 * watched cgroup: its environ, read from inside, is a process outside the
 * container (the kernel's proc inode says whose, not the pid in the path).
 * Innocent: its own environ, through /proc/self. */
static void test_0110_other_process_proc_files(void **state)
{
	char other[64];
	pid_t pid;

	snprintf(other, sizeof(other), "/proc/%d/environ", (int)getpid());
	pid = run(0, wl("_open"), "open", other, "r");
	assert_fired(pid, in_ctr(), "PW-0110");
	pid = run(0, wl("_open"), "open", "/proc/self/environ", "r");
	assert_fired(pid, in_ctr(), "");
}

/* Critical files by identity: core_pattern reached through a chroot into
 * /proc/sys/kernel ("/core_pattern" to the task) and through a bind mount
 * elsewhere is still core_pattern (PW-0102, critical), not a lower rule or
 * none. Opened for writing and closed: nothing written. */
static void test_0102_critical_file_by_identity(void **state)
{
	const struct pw_open_event *e;
	pid_t pid;

	pid = run(0, wl("_open"), "chroot-open", "/proc/sys/kernel", "core_pattern");
	e = h_find(&agent, PW_EVENT_OPEN, pid, 0);
	assert_non_null(e);
	assert_int_equal(e->path_len, strlen("core_pattern") + 1); /* "/core_pattern" to the task */
	assert_fired(pid, in_ctr(), "PW-0102");
	pid = run(0, wl("_open"), "bind-open", "/proc/sys/kernel", "core_pattern");
	assert_fired(pid, in_ctr(), "PW-0102 PW-0302 PW-0305 PW-0401");
}

/* PW-0108: binfmt_misc mounted in a private mount namespace (a kernel
 * filesystem mount: PW-0301 and, as every mount, PW-0302; its unshare and
 * CAP_SYS_ADMIN), then its
 * status file opened for writing and closed: nothing registered. PW-0109: a
 * kernel control file (tracefs' trace_marker) opened for writing, nothing
 * written; innocent: tracefs read. */
static void test_0108_0109_kernel_control_filesystems(void **state)
{
	char dir[PATH_MAX];
	pid_t pid;

	snprintf(dir, sizeof(dir), "%s/binfmt", tmpdir);
	pid = run(0, wl("_open"), "binfmt-open", dir, NULL);
	assert_fired(pid, in_ctr(), "PW-0108 PW-0301 PW-0302 PW-0305 PW-0401");
	pid = run(0, wl("_open"), "open", "/sys/kernel/tracing/trace_marker", "w");
	assert_fired(pid, in_ctr(), "PW-0109");
	pid = run(0, wl("_open"), "open", "/sys/kernel/tracing/available_events", "r");
	assert_fired(pid, in_ctr(), "");
	/* the same kinds, no host name involved: synthetic efivarfs and pstore writes */
	assert_synthetic(PW_OBJ_EFIVARFS, 0, 0, 2, "/sys/firmware/efi/efivars/Boot0000-8be4df61",
			 "PW-0109");
	assert_synthetic(PW_OBJ_PSTORE, 0, 0, 2, "/sys/fs/pstore/dmesg-ramoops-0", "PW-0109");
}

/* Shared by every rule: a sysfs write (PW-0105) fires only in a started
 * container. Opened for writing and closed, nothing written. */
static void test_phase_and_host_exclusions(void **state)
{
	const char *attr = "/sys/kernel/mm/transparent_hugepage/enabled";
	struct eval host = { .c = NULL };
	pid_t pid;

	pid = run(0, wl("_open"), "open", attr, "w");
	assert_fired(pid, in_ctr(), "PW-0105");
	assert_fired(pid, &host, "");
	container(PW_VMODE_HOST, PW_VPHASE_NONE);
	assert_fired(pid, in_ctr(), "");
	container(PW_VMODE_PRIVILEGED, PW_VPHASE_SETUP);
	assert_fired(pid, in_ctr(), "");
	/* the rules exclude only the host by mode: an allowed write from a
	 * default container (whose sysfs is read-only, so it cannot happen
	 * there: that attempt is 0112's) would still be reported */
	container(PW_VMODE_DEFAULT, PW_VPHASE_STARTED);
	assert_fired(pid, in_ctr(), "PW-0105");
}

/* ---- devices ---- */

/* PW-0201. A char 1:1 node made in a temp dir: without a /dev/mem driver
 * (this 6.18 host) the open fails with ENXIO, which is no refusal of ours
 * (0211 wants EPERM/EACCES/EROFS) and, failed, carries no device (kind
 * unknown, the caller's path): in tracepoint mode nothing fires, and a synthetic record of an allowed open of /dev/mem
 * shows 0201 fire. Where it opens (CONFIG_DEVMEM, Debian's 6.1) it fires
 * for real, with CAP_SYS_RAWIO (0401) from the driver's open. */
static void test_0201_dev_mem(void **state)
{
	pid_t pid;
	const char *got;
	int status;

	pid = h_spawn(cg, (char *[]){ (char *)wl("_open"), "open-node", tmpdir, NULL });
	assert_true(pid > 0);
	status = h_wait(pid);
	h_agent_drain(&agent, 100);
	/* Where the driver refuses (ENXIO), both modes report the open as
	 * refused (LSM mode: file_open's record completed by the openat exit):
	 * no 0201 on it, a synthetic allowed record stands in. */
	if (status == 0) {
		got = fired(pid, in_ctr(), 1);
		assert_non_null(strstr(got, "PW-0201"));
		assert_null(strstr(got, "PW-0204"));
		assert_null(strstr(got, "PW-0211"));
	} else {
		assert_int_equal(status, ENXIO);
		if (h_expect_variant(&agent, "files") != PW_VARIANT_LSM)
			assert_fired(pid, in_ctr(), "");
		print_message("char 1:1 opens with ENXIO here: firing on a synthetic record\n");
		assert_synthetic(PW_OBJ_CHARDEV, 1, 1, 1, "/dev/mem", "PW-0201");
		/* 0201 is for the host's memory whatever the node is called */
		assert_synthetic(PW_OBJ_CHARDEV, 1, 4, 1, "/tmp/x/port", "PW-0201");
	}
	/* innocent: 1:3 and 1:5 */
	pid = run(0, wl("_open"), "open", "/dev/null", "rw");
	assert_fired(pid, in_ctr(), "");
	pid = run(0, wl("_open"), "open", "/dev/zero", "r");
	assert_fired(pid, in_ctr(), "");
}

/* PW-0203: /dev/kmsg opened for writing and closed, nothing written. 0204
 * leaves major 1 to the rules above. */
static void test_0203_kmsg_write(void **state)
{
	char restrict_[8] = "";
	FILE *f;
	pid_t pid;

	pid = run(0, wl("_open"), "open", "/dev/kmsg", "w");
	assert_fired(pid, in_ctr(), "PW-0203");
	/* innocent: reading it. With kernel.dmesg_restrict = 1 reading the log
	 * needs CAP_SYSLOG, which a default container lacks: 0401 is right. */
	f = fopen("/proc/sys/kernel/dmesg_restrict", "r");
	if (f) {
		if (!fgets(restrict_, sizeof(restrict_), f))
			restrict_[0] = '\0';
		fclose(f);
	}
	pid = run(0, wl("_open"), "open", "/dev/kmsg", "r");
	assert_fired(pid, in_ctr(), restrict_[0] == '1' ? "PW-0401" : "");
}

/* PW-0204: /dev/loop-control (10:237) is a host device no container gets. */
static void test_0204_host_device(void **state)
{
	static const char *const innocent[] = { "/dev/null",	"/dev/zero",   "/dev/full",
						"/dev/urandom", "/dev/random", "/dev/ptmx" };
	size_t i;
	pid_t pid;

	if (access("/dev/loop-control", F_OK))
		h_skip_because("no /dev/loop-control on this kernel");
	pid = run(0, wl("_open"), "open", "/dev/loop-control", "r");
	assert_fired(pid, in_ctr(), "PW-0204");
	for (i = 0; i < sizeof(innocent) / sizeof(innocent[0]); i++) {
		pid = run(0, wl("_open"), "open", innocent[i], "r");
		assert_fired(pid, in_ctr(), "");
	}
}

/* ---- mounts ---- */

/* A directory of our own under the temp dir. */
static const char *subdir(const char *name)
{
	static char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	return path;
}

/* PW-0303. workload_mount works in a private mount namespace: unshare
 * (0305, CAP_SYS_ADMIN 0401), "/" made private and a tmpfs mounted (0302),
 * then pivot_root (0303). */
static void test_0303_pivot_root(void **state)
{
	pid_t pid;

	pid = run(0, wl("_mount"), "pivot", subdir("newroot"), NULL);
	assert_fired(pid, in_ctr(), "PW-0302 PW-0303 PW-0305 PW-0401");
	/* innocent: a runtime pivots into the rootfs during setup */
	container(PW_VMODE_PRIVILEGED, PW_VPHASE_SETUP);
	assert_fired(pid, in_ctr(), "");
	/* innocent: the same mounts without a pivot_root */
	container(PW_VMODE_PRIVILEGED, PW_VPHASE_STARTED);
	pid = run(0, wl("_mount"), "tmpfs", subdir("plain"), NULL);
	assert_fired(pid, in_ctr(), "PW-0302 PW-0305 PW-0401");
}

/* PW-0304. A masked path covered as runc masks it (a tmpfs over a /proc
 * directory, in our own mount namespace) and uncovered again. /proc/kcore
 * is absent here; /proc/acpi (or /proc/irq) stands in. The tmpfs mount of
 * a temp dir and its umount must not fire 0304 (the mount itself is 0302). */
static void test_0304_umount_masked_path(void **state)
{
	const char *masked = access("/proc/acpi", F_OK) == 0 ? "/proc/acpi" : "/proc/irq";
	pid_t pid;

	pid = run(0, wl("_mount"), "umount-masked", masked, NULL);
	assert_fired(pid, in_ctr(), "PW-0302 PW-0304 PW-0305 PW-0401");
	pid = run(0, wl("_mount"), "tmpfs", subdir("xyz"), NULL);
	assert_fired(pid, in_ctr(), "PW-0302 PW-0305 PW-0401");
	/* the same masked path unmounted by a relative, roundabout name from
	 * its parent (chdir /proc; umount2("./acpi/../acpi")): the kernel's cwd
	 * makes it absolute, and 0304 still fires */
	pid = run(0, wl("_mount"), "umount-relative", masked, NULL);
	assert_fired(pid, in_ctr(), "PW-0302 PW-0304 PW-0305 PW-0401");
}

/* ---- capabilities ---- */

/* PW-0402: lowering one's nice value is a CAP_SYS_NICE use (not a default
 * capability, not a dangerous one). Not CAP_SYS_RESOURCE (raising a hard
 * rlimit): this host's bounding set lacks it, so that check is refused. */
static void test_0402_non_default_capability(void **state)
{
	char file[PATH_MAX];
	pid_t pid;
	int fd;

	pid = run(0, wl(""), "nice-raise", NULL, NULL);
	assert_fired(pid, in_ctr(), "PW-0402");
	/* innocent: CAP_CHOWN, in every container's default set */
	snprintf(file, sizeof(file), "%s/chown-me", tmpdir);
	fd = open(file, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	close(fd);
	pid = run(0, wl(""), "chown-other", file, NULL);
	assert_fired(pid, in_ctr(), "");
	/* a dangerous one is 0401's, not 0402's: klogctl is a CAP_SYSLOG use */
	pid = run(0, wl(""), "klogctl", "1", NULL);
	assert_fired(pid, in_ctr(), "PW-0401");
}

/* PW-0411: unshare(CLONE_NEWNS) without CAP_SYS_ADMIN, as in a default
 * container: the refused capability (0411) and the refused namespace
 * change (0312). */
static void test_0411_refused_dangerous_capability(void **state)
{
	pid_t pid;

	if (h_expect_variant(&agent, "capabilities") == PW_VARIANT_LSM)
		h_skip_because("LSM mode (capabilities): lsm/capable sees only allowed checks "
			       "(the capability LSM denies first); PW-0411 needs denied ones");
	container(PW_VMODE_DEFAULT, PW_VPHASE_STARTED);
	pid = run(0, wl(""), "unshare-denied", NULL, NULL);
	assert_fired(pid, in_ctr(), "PW-0312 PW-0411");
	/* innocent: a refused capability that is not in 0411's list
	 * (CAP_SYS_NICE: lowering one's nice value is refused in every default
	 * container). Not klogctl: before 6.x's cleanup it falls back to a
	 * CAP_SYS_ADMIN check, a real refused CAP_SYS_ADMIN where denials are
	 * seen (fexit on 6.1). */
	pid = run(0, wl(""), "nice-denied", NULL, NULL);
	assert_fired(pid, in_ctr(), "");
}

/* ---- seccomp ---- */

/* PW-0503: a filter installed by a started process. Not during setup, not
 * by the runtime's own init (runc installs the container's profile: the
 * kernel flags it, tests/kernel/test_kernel_identity.c), and a runc-like
 * probe of what seccomp supports installs nothing. A process that only
 * calls itself runc's init is not it. */
static void test_0503_seccomp_filter(void **state)
{
	struct eval init = { .c = &ctr, .flags = PW_F_RUNTIME_INIT };
	struct eval impostor = { .c = &ctr, .comm = "runc:[2:INIT]", .exe = "/proc/self/exe" };
	pid_t pid;

	pid = run(0, wl("_seccomp"), "filter-syscall", NULL, NULL);
	assert_fired(pid, in_ctr(), "PW-0503");
	assert_fired(pid, &init, "");
	assert_fired(pid, &impostor, "PW-0503");
	container(PW_VMODE_DEFAULT, PW_VPHASE_SETUP);
	assert_fired(pid, in_ctr(), "");
	container(PW_VMODE_PRIVILEGED, PW_VPHASE_STARTED);
	pid = run(0, wl("_seccomp"), "filter-prctl", NULL, NULL);
	assert_fired(pid, in_ctr(), "PW-0503");
	pid = run(0, wl("_seccomp"), "probe-like-runc", NULL, NULL);
	assert_fired(pid, in_ctr(), "");
}

/* ---- container_start: the posture's exposures (rules/80-posture.json) ---- */

/* A default docker container as measured: the default set, root, no
 * no_new_privs, a writable rootfs, nothing of the host's. */
static struct pw_posture posture_default(void)
{
	struct pw_posture p;
	int i;

	memset(&p, 0, sizeof(p));
	for (i = 0; i < PW_DIM_COUNT; i++)
		p.dim[i].state = PW_DIM_CONFINED;
	p.dim[PW_DIM_USER_NAMESPACE].state = PW_DIM_RELAXED;
	p.dim[PW_DIM_NO_NEW_PRIVS].state = PW_DIM_RELAXED;
	p.dim[PW_DIM_USER].state = PW_DIM_RELAXED;
	p.dim[PW_DIM_READONLY_ROOTFS].state = PW_DIM_RELAXED;
	p.cap_bnd = p.cap_eff = PW_CAPS_RUNTIME_DEFAULT;
	p.host_ns = 1u << PW_HOSTNS_CGROUP | 1u << PW_HOSTNS_TIME;
	p.uid = 0;
	return p;
}

static void add_caps(struct pw_posture *p, uint64_t caps)
{
	p->cap_bnd |= caps;
	p->cap_eff |= caps;
	p->caps_added = (p->cap_bnd | p->cap_eff) & ~PW_CAPS_RUNTIME_DEFAULT;
	p->caps_dangerous = p->caps_added & PW_CAPS_DANGEROUS;
	if (p->caps_added)
		p->dim[PW_DIM_CAPABILITIES].state = PW_DIM_RELAXED;
}

static void add_mount(struct pw_posture *p, const char *src, const char *dst, int cls, int rw)
{
	struct pw_host_mount *m = &p->host_mounts[p->nhost_mounts++];

	snprintf(m->source, sizeof(m->source), "%s", src);
	snprintf(m->target, sizeof(m->target), "%s", dst);
	m->mclass = cls;
	m->rw = rw;
	p->host_mount_classes |= 1u << cls;
	if (rw)
		p->host_mount_classes_rw |= 1u << cls;
	p->dim[PW_DIM_HOST_MOUNTS].state = PW_DIM_RELAXED;
}

static void share_ns(struct pw_posture *p, int ns)
{
	p->host_ns |= 1u << ns;
	if (PW_HOSTNS_COUNTED & (1u << ns))
		p->dim[PW_DIM_HOST_NAMESPACES].state = PW_DIM_RELAXED;
}

/* The rules a container_start view of this posture fires, sorted, as the
 * pipeline builds the view (mode and relaxed bits from the posture). */
static const char *start_fired(struct pw_posture *p)
{
	static char buf[256];
	const struct pw_rule *hits[16];
	struct idset s = { .n = 0 };
	struct pw_view_container c;
	struct pw_view v;
	size_t n, i;
	int d;

	pw_posture_derive(p);
	container(p->mode == PW_POSTURE_PRIVILEGED ? PW_VMODE_PRIVILEGED
		  : p->mode == PW_POSTURE_PARTIAL  ? PW_VMODE_PARTIAL
						   : PW_VMODE_DEFAULT,
		  PW_VPHASE_STARTED);
	c = ctr;
	c.posture = p;
	c.relaxed = 0;
	for (d = 0; d < PW_DIM_COUNT; d++)
		if (p->dim[d].state == PW_DIM_RELAXED)
			c.relaxed |= 1u << d;
	pw_view_container_start(&v, &c, cg_id, 1);
	n = pw_rules_match(rs, &v, hits, 16);
	for (i = 0; i < n && i < 16; i++)
		idset_add(&s, pw_rule_info(hits[i])->id);
	return idset_str(&s, buf, sizeof(buf));
}

static void test_0800_default_container_fires_nothing(void **state)
{
	struct pw_posture p = posture_default();

	assert_string_equal(start_fired(&p), "");
	assert_int_equal(p.mode, PW_POSTURE_DEFAULT);
	assert_int_equal(p.pss, PW_PSS_BASELINE);
}

/* -v /var/run/docker.sock:/var/run/docker.sock; its neighbour: a
 * runtime's state directory mounted read-only (hostPath, but no socket). */
static void test_0801_runtime_socket(void **state)
{
	struct pw_posture p = posture_default();

	add_mount(&p, "/run/docker.sock", "/var/run/docker.sock", PW_MCLASS_RUNTIME_SOCKET, 1);
	assert_string_equal(start_fired(&p), "PW-0801");
	p = posture_default();
	add_mount(&p, "/run/containerd/containerd.sock", "/c.sock", PW_MCLASS_RUNTIME_SOCKET, 0);
	assert_string_equal(start_fired(&p), "PW-0801"); /* ro is no help with a socket */

	p = posture_default();
	add_mount(&p, "/var/lib/docker", "/docker", PW_MCLASS_RUNTIME_STATE, 0);
	assert_string_equal(start_fired(&p), "");
	assert_int_equal(p.pss, PW_PSS_PRIVILEGED); /* hostPath all the same */
}

/* -v /proc:/host/proc, -v /:/host, the /sys of -v /:/host:ro; neighbours:
 * / read-only, /etc writable (hostPath, not a kernel interface). */
static void test_0802_host_root_proc_sys_rw(void **state)
{
	struct pw_posture p = posture_default();

	add_mount(&p, "/proc", "/host/proc", PW_MCLASS_PROC, 1);
	assert_string_equal(start_fired(&p), "PW-0802");
	p = posture_default();
	add_mount(&p, "/", "/host", PW_MCLASS_HOST_ROOT, 1);
	assert_string_equal(start_fired(&p), "PW-0802");
	p = posture_default();
	add_mount(&p, "/", "/host", PW_MCLASS_HOST_ROOT, 0);
	add_mount(&p, "/sys", "/host/sys", PW_MCLASS_SYS, 1);
	assert_string_equal(start_fired(&p), "PW-0802");

	p = posture_default();
	add_mount(&p, "/", "/host", PW_MCLASS_HOST_ROOT, 0);
	add_mount(&p, "/proc", "/host/proc", PW_MCLASS_PROC, 0);
	assert_string_equal(start_fired(&p), "");
	p = posture_default();
	add_mount(&p, "/etc", "/host-etc", PW_MCLASS_ETC, 1);
	assert_string_equal(start_fired(&p), "");
}

/* --pid=host --cap-add SYS_PTRACE; neighbours: either one alone. */
static void test_0803_host_pid_with_ptrace(void **state)
{
	struct pw_posture p = posture_default();

	share_ns(&p, PW_HOSTNS_PID);
	add_caps(&p, 1ULL << 19);
	assert_string_equal(start_fired(&p), "PW-0803 PW-0804");

	p = posture_default();
	share_ns(&p, PW_HOSTNS_PID);
	assert_string_equal(start_fired(&p), "");
	assert_int_equal(p.mode, PW_POSTURE_PARTIAL);
	p = posture_default();
	share_ns(&p, PW_HOSTNS_NET);
	add_caps(&p, 1ULL << 19);
	assert_string_equal(start_fired(&p), "PW-0804");
}

/* --cap-add SYS_ADMIN; neighbours: --cap-add SYS_NICE (beyond the default,
 * not dangerous), --privileged (PW-0502's, not this one's). */
static void test_0804_dangerous_capability(void **state)
{
	struct pw_posture p = posture_default();
	int d;

	add_caps(&p, 1ULL << 21);
	assert_string_equal(start_fired(&p), "PW-0804");
	p = posture_default();
	add_caps(&p, 1ULL << 12 | 1ULL << 39); /* NET_ADMIN, BPF */
	assert_string_equal(start_fired(&p), "PW-0804");

	p = posture_default();
	add_caps(&p, 1ULL << 23);
	assert_string_equal(start_fired(&p), "");
	assert_int_equal(p.mode, PW_POSTURE_PARTIAL);

	p = posture_default();
	add_caps(&p, (1ULL << 38) - 1);
	for (d = 0; d < PW_DIM_SEED_COUNT; d++)
		p.dim[d].state = PW_DIM_RELAXED;
	p.caps_full = 1;
	assert_string_equal(start_fired(&p), "PW-0501 PW-0502");
}

/* ---- no noise ---- */

/* An ordinary workload in a default container: not one rule fires over any
 * event of the shell and its children. */
static void test_ordinary_workload_fires_nothing(void **state)
{
	char script[PATH_MAX + 128], out[PATH_MAX];
	pid_t pid;

	container(PW_VMODE_DEFAULT, PW_VPHASE_STARTED);
	snprintf(out, sizeof(out), "%s/pw-x", tmpdir);
	snprintf(script, sizeof(script),
		 "for i in 1 2 3; do echo $i > %s; cat /proc/self/status >/dev/null; done", out);
	pid = run(0, "/bin/sh", "-c", script, NULL);
	assert_true(h_count(&agent, PW_EVENT_EXEC, 0) >= 4); /* sh and 3 x cat */
	/* not vacuous: each cat opens a procfs file, and the shell /dev/null
	 * (1:3, reported once per program: it opens it three times) */
	print_message("ordinary workload: %d events, %d opens\n", agent.n_events,
		      h_count(&agent, PW_EVENT_OPEN, 0));
	assert_true(h_count(&agent, PW_EVENT_OPEN, 0) >= 4);
	assert_fired(0, in_ctr(), "");
	(void)pid;
	unlink(out);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_0103_sysrq_trigger, per_test),
		cmocka_unit_test_setup(test_0104_uevent_helper, per_test),
		cmocka_unit_test_setup(test_0106_proc_sys_write, per_test),
		cmocka_unit_test_setup(test_0106_write_through_fd_opened_before, per_test),
		cmocka_unit_test_setup(test_0108_0109_kernel_control_filesystems, per_test),
		cmocka_unit_test_setup(test_0102_critical_file_by_identity, per_test),
		cmocka_unit_test_setup(test_0110_other_process_proc_files, per_test),
		cmocka_unit_test_setup(test_phase_and_host_exclusions, per_test),
		cmocka_unit_test_setup(test_0201_dev_mem, per_test),
		cmocka_unit_test_setup(test_0203_kmsg_write, per_test),
		cmocka_unit_test_setup(test_0204_host_device, per_test),
		cmocka_unit_test_setup(test_0303_pivot_root, per_test),
		cmocka_unit_test_setup(test_0304_umount_masked_path, per_test),
		cmocka_unit_test_setup(test_0402_non_default_capability, per_test),
		cmocka_unit_test_setup(test_0411_refused_dangerous_capability, per_test),
		cmocka_unit_test_setup(test_0503_seccomp_filter, per_test),
		cmocka_unit_test_setup(test_0800_default_container_fires_nothing, per_test),
		cmocka_unit_test_setup(test_0801_runtime_socket, per_test),
		cmocka_unit_test_setup(test_0802_host_root_proc_sys_rw, per_test),
		cmocka_unit_test_setup(test_0803_host_pid_with_ptrace, per_test),
		cmocka_unit_test_setup(test_0804_dangerous_capability, per_test),
		cmocka_unit_test_setup(test_ordinary_workload_fires_nothing, per_test),
	};

	h_init(argv[0]);
	return cmocka_run_group_tests_name("kernel: default rules on real events", tests, setup,
					   teardown);
}
