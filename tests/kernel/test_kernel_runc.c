// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Kernel tier, a real container runtime through the binary: runc (a
 * busybox bundle made here, runc's state in a root of the test's own, given
 * to the agent with PRIVWATCH_STATE_ROOTS) starts a privileged and a
 * default container, and each does what the default rules look for: write
 * /proc/sys/kernel/hostname back (its own UTS namespace) and mount a tmpfs.
 * In every attach mode (host: tracepoints; the VM matrix: LSM hooks
 * completed by the syscall exits, and tracepoints), the alerts a user reads
 * name the runc container and carry the outcome: allowed in the privileged
 * one (PW-0106, PW-0302 with the absolute target), refused with the errno in
 * the default one (PW-0112 EROFS, PW-0311 EPERM); a default container given
 * CAP_SYS_ADMIN (docker's --cap-add SYS_ADMIN) that unmounts /proc/kcore or
 * /proc/keys, which runc masked, raises PW-0304 with that absolute target.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <jansson.h>
#include "events/capnames.h"
#include "kernel/feature_probe.h"
#include "harness.h"

#define RUNC	"/usr/sbin/runc"
#define BUSYBOX "/usr/bin/busybox"

static char line[1 << 16];
static pid_t agent_pid;
static char tmp[] = "/tmp/pw-krunc-XXXXXX";
#define NCTR 3 /* privileged, default, default + CAP_SYS_ADMIN */
static const char *const kinds[NCTR] = { "privileged", "default", "sysadmin" };
static char runc_root[4200], bundles[4200], ids[NCTR][64];
static int started[NCTR];

static int run_cmd(const char *fmt, ...)
{
	char cmd[16384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

static int teardown(void **state)
{
	int i;

	for (i = 0; i < NCTR; i++)
		if (started[i])
			run_cmd(RUNC " --root '%s' delete -f '%s' >/dev/null 2>&1", runc_root,
				ids[i]);
	if (agent_pid > 0 && kill(agent_pid, SIGKILL) == 0)
		waitpid(agent_pid, NULL, 0);
	return run_cmd("rm -rf '%s'", tmp) ? -1 : 0;
}

static const char *jstr(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

static void write_json(const char *path, json_t *j)
{
	assert_int_equal(json_dump_file(j, path, JSON_INDENT(1)), 0);
}

/* The host's bounding set as capability names: all a privileged container
 * can have here (this host lacks CAP_SYS_RESOURCE, for one). */
static json_t *host_caps(void)
{
	char l[256];
	unsigned long long bnd = 0;
	json_t *a = json_array();
	FILE *f = fopen("/proc/self/status", "r");
	int i;

	assert_non_null(f);
	while (fgets(l, sizeof(l), f))
		if (sscanf(l, "CapBnd: %llx", &bnd) == 1)
			break;
	fclose(f);
	for (i = 0; i < 64; i++)
		if (bnd >> i & 1 && pw_cap_name(i))
			json_array_append_new(a, json_string(pw_cap_name(i)));
	return a;
}

/* One bundle: runc's own spec, the busybox rootfs, our flag directory at
 * /pw, the script as its process; kind: privileged by hand (every host
 * capability, nothing masked or read-only), runc's default, or the default
 * with CAP_SYS_ADMIN added (docker's --cap-add SYS_ADMIN). */
static void make_bundle(const char *name, const char *script)
{
	int privileged = !strcmp(name, "privileged"), sysadmin = !strcmp(name, "sysadmin");
	char dir[4400], cfg[4500], flags[4500];
	json_t *spec, *proc, *lin, *mounts, *args;

	snprintf(dir, sizeof(dir), "%s/%s", bundles, name);
	snprintf(flags, sizeof(flags), "%s/flags", bundles);
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(run_cmd(RUNC " spec --bundle '%s'", dir), 0);
	snprintf(cfg, sizeof(cfg), "%s/config.json", dir);
	spec = json_load_file(cfg, 0, NULL);
	assert_non_null(spec);
	proc = json_object_get(spec, "process");
	lin = json_object_get(spec, "linux");
	mounts = json_object_get(spec, "mounts");
	json_object_set_new(proc, "terminal", json_false());
	args = json_pack("[sss]", "/bin/sh", "-c", script);
	json_object_set_new(proc, "args", args);
	json_object_set_new(json_object_get(spec, "root"), "path",
			    json_sprintf("%s/rootfs", bundles));
	json_array_append_new(mounts,
			      json_pack("{s:s, s:s, s:s, s:[ss]}", "destination", "/pw", "type",
					"bind", "source", flags, "options", "rbind", "rw"));
	if (privileged) {
		json_t *caps = host_caps();

		json_object_set_new(proc, "capabilities",
				    json_pack("{s:O, s:O, s:O, s:O, s:O}", "bounding", caps,
					      "effective", caps, "permitted", caps, "inheritable",
					      caps, "ambient", caps));
		json_decref(caps);
		json_object_set_new(lin, "maskedPaths", json_array());
		json_object_set_new(lin, "readonlyPaths", json_array());
	}
	if (sysadmin) {
		const char *set;
		void *it;
		json_t *caps = json_object_get(proc, "capabilities"), *v;

		json_object_foreach_safe(caps, it, set, v)
		{
			(void)set;
			json_array_append_new(v, json_string("CAP_SYS_ADMIN"));
		}
	}
	write_json(cfg, spec);
	json_decref(spec);
}

/* The busybox rootfs both bundles share (read-only, as runc's spec has it). */
static void make_rootfs(void)
{
	static const char *const dirs[] = { "bin", "proc", "sys", "dev", "tmp", "mnt", "pw" };
	static const char *const tools[] = { "sh",     "cat",	"echo", "mount",
					     "umount", "sleep", "touch" };
	char p[4500];
	size_t i;

	snprintf(p, sizeof(p), "%s/rootfs", bundles);
	assert_int_equal(mkdir(p, 0755), 0);
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(p, sizeof(p), "%s/rootfs/%s", bundles, dirs[i]);
		assert_int_equal(mkdir(p, 0755), 0);
	}
	assert_int_equal(run_cmd("cp " BUSYBOX " '%s/rootfs/bin/busybox'", bundles), 0);
	for (i = 0; i < sizeof(tools) / sizeof(tools[0]); i++) {
		snprintf(p, sizeof(p), "%s/rootfs/bin/%s", bundles, tools[i]);
		assert_int_equal(symlink("busybox", p), 0);
	}
	snprintf(p, sizeof(p), "%s/flags", bundles);
	assert_int_equal(mkdir(p, 0755), 0);
}

struct want {
	const char *rule, *ctr, *result, *path, *target;
	int err;
	int seen;
};

static void check_alert(json_t *a, struct want *w, size_t n)
{
	json_t *rule = json_object_get(a, "rule"), *c = json_object_get(a, "container"),
	       *ev = json_object_get(a, "event");
	size_t i;

	for (i = 0; i < n; i++) {
		if (strcmp(jstr(rule, "id"), w[i].rule) || strcmp(jstr(c, "id"), w[i].ctr))
			continue;
		w[i].seen++;
		if (!strcmp(w[i].result, "-")) /* one that must not come */
			continue;
		assert_string_equal(jstr(c, "runtime"), "runc");
		assert_string_equal(jstr(ev, "result"), w[i].result);
		assert_int_equal(json_integer_value(json_object_get(ev, "errno")), w[i].err);
		if (w[i].path)
			assert_string_equal(jstr(ev, "path"), w[i].path);
		if (w[i].target)
			assert_string_equal(jstr(json_object_get(ev, "mount"), "target"),
					    w[i].target);
	}
}

static void test_runc_containers(void **state)
{
	/* Each container waits for /pw/go (the agent has seen it start), acts,
	 * says so in /pw/done-<n>, then sleeps until deleted. The privileged
	 * and the default one write the hostname back and mount a tmpfs; the
	 * one with CAP_SYS_ADMIN uncovers a path runc masked. */
	static const char wait_go[] = "while [ ! -e /pw/go ]; do sleep 0.1; done; ";
	static const char act[] =
		"h=$(cat /proc/sys/kernel/hostname); echo \"$h\" > /proc/sys/kernel/hostname; "
		"mount -t tmpfs pw /mnt && umount /mnt; ";
	/* a masked path this kernel has (runc masks only those that exist) */
	const char *masked = !access("/proc/kcore", F_OK) ? "/proc/kcore" : "/proc/keys";
	char scr[NCTR][1024], roots[4200], p[4500], started_seen[NCTR] = { 0 }, unmask[64];
	char *run_argv[] = { (char *)h_privwatch(),
			     "run",
			     "--http",
			     "none",
			     "--lock-file",
			     "none",
			     "--stats-interval",
			     "0",
			     "--mode",
			     (char *)pw_mode_name(h_test_mode()),
			     NULL };
	struct want want[] = {
		{ "PW-0106", ids[0], "allowed", "/proc/sys/kernel/hostname", NULL, 0, 0 },
		{ "PW-0302", ids[0], "allowed", NULL, "/mnt", 0, 0 },
		{ "PW-0112", ids[1], "denied", "/proc/sys/kernel/hostname", NULL, EROFS, 0 },
		{ "PW-0311", ids[1], "denied", NULL, "/mnt", EPERM, 0 },
		{ "PW-0304", ids[2], "allowed", NULL, masked, 0, 0 },
		/* never: the privileged one's actions refused, the default one's allowed */
		{ "PW-0112", ids[0], "-", NULL, NULL, 0, 0 },
		{ "PW-0106", ids[1], "-", NULL, NULL, 0, 0 },
		{ "PW-0302", ids[1], "-", NULL, NULL, 0, 0 },
	};
	const size_t nwant = sizeof(want) / sizeof(want[0]), nyes = 5;
	struct h_proc pr;
	json_t *j;
	int i, done = 0, st;
	size_t k;

	if (access(RUNC, X_OK) || access(BUSYBOX, X_OK))
		fail_msg("%s and %s are needed (make deps installs runc and busybox-static)", RUNC,
			 BUSYBOX);
	assert_non_null(mkdtemp(tmp));
	snprintf(roots, sizeof(roots), "%s/root", tmp);
	snprintf(runc_root, sizeof(runc_root), "%s/root/run/runc", tmp);
	snprintf(bundles, sizeof(bundles), "%s/bundles", tmp);
	assert_int_equal(run_cmd("mkdir -p '%s' '%s'", runc_root, bundles), 0);
	make_rootfs();
	snprintf(unmask, sizeof(unmask), "umount %s; ", masked);
	for (i = 0; i < NCTR; i++) {
		snprintf(ids[i], sizeof(ids[i]), "pw-krunc-%d-%s", (int)getpid(), kinds[i]);
		snprintf(scr[i], sizeof(scr[i]), "%s%stouch /pw/done-%d; sleep 600", wait_go,
			 i == 2 ? unmask : act, i);
		make_bundle(kinds[i], scr[i]);
	}

	/* The agent reads runc's state where the test keeps it. */
	setenv("PRIVWATCH_STATE_ROOTS", roots, 1);
	assert_int_equal(h_proc_start(&pr, run_argv), 0);
	unsetenv("PRIVWATCH_STATE_ROOTS");
	agent_pid = pr.pid;
	assert_int_equal(h_proc_line(&pr, line, sizeof(line), h_start_wait_ms()), 0);
	j = json_loads(line, 0, NULL);
	assert_non_null(j);
	assert_string_equal(jstr(j, "schema"), "privwatch.start/1");
	/* the hooks this part of make test expects (LSM in the VM's LSM parts) */
	for (i = 0; i < 2; i++) {
		const char *concern = i ? "mounts" : "files";
		json_t *c = json_object_get(json_object_get(j, "concerns"), concern);

		print_message("%s: %s (%s)\n", concern, jstr(c, "mode"), jstr(c, "proof"));
		assert_string_equal(jstr(c, "mode"), h_expected_variant(concern));
	}
	json_decref(j);

	for (i = 0; i < NCTR; i++) {
		int rc = run_cmd(RUNC " --root '%s' run -d -b '%s/%s' '%s' </dev/null "
				      ">'%s/run-%d.log' 2>&1",
				 runc_root, bundles, kinds[i], ids[i], tmp, i);

		if (rc)
			run_cmd("cat '%s/run-%d.log' >&2", tmp, i);
		assert_int_equal(rc, 0);
		started[i] = 1;
	}
	/* Each seen started (PW-0501: runc's spec has no seccomp), then go. */
	for (k = 0; k < 400 && !(started_seen[0] && started_seen[1] && started_seen[2]); k++) {
		if (h_proc_line(&pr, line, sizeof(line), 30000))
			break;
		j = json_loads(line, 0, NULL);
		assert_non_null(j);
		if (!strcmp(jstr(json_object_get(j, "rule"), "id"), "PW-0501"))
			for (i = 0; i < NCTR; i++)
				if (!strcmp(jstr(json_object_get(j, "container"), "id"), ids[i])) {
					assert_string_equal(
						jstr(json_object_get(j, "container"), "runtime"),
						"runc");
					started_seen[i] = 1;
				}
		check_alert(j, want, nwant);
		json_decref(j);
	}
	assert_true(started_seen[0] && started_seen[1] && started_seen[2]);
	snprintf(p, sizeof(p), "%s/flags/go", bundles);
	close(open(p, O_WRONLY | O_CREAT, 0644));
	for (k = 0; k < 600; k++) {
		int all = 1;

		for (i = 0; i < NCTR; i++) {
			snprintf(p, sizeof(p), "%s/flags/done-%d", bundles, i);
			all &= !access(p, F_OK);
		}
		if (all)
			break;
		usleep(100000);
	}
	/* the agent's lines until every expected alert is in, 30 s at most
	 * per line, then a second more for any that should not come */
	for (k = 0; k < 2000; k++) {
		size_t n;

		for (n = 0, done = 1; n < nyes; n++)
			done &= want[n].seen > 0;
		if (h_proc_line(&pr, line, sizeof(line), done ? 1000 : 30000))
			break;
		j = json_loads(line, 0, NULL);
		assert_non_null(j);
		check_alert(j, want, nwant);
		json_decref(j);
	}
	kill(pr.pid, SIGINT);
	while (h_proc_line(&pr, line, sizeof(line), 10000) == 0) {
		j = json_loads(line, 0, NULL);
		if (j)
			check_alert(j, want, nwant);
		json_decref(j);
	}
	assert_int_equal(waitpid(pr.pid, &st, 0), pr.pid);
	agent_pid = 0;
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	for (k = 0; k < nwant; k++) {
		if (k < nyes && want[k].seen != 1)
			print_message("%s from %s: seen %d times, once expected\n", want[k].rule,
				      want[k].ctr, want[k].seen);
		if (k >= nyes && want[k].seen)
			print_message("%s from %s: seen, never expected\n", want[k].rule,
				      want[k].ctr);
	}
	for (k = 0; k < nwant; k++)
		assert_int_equal(want[k].seen, k < nyes ? 1 : 0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_runc_containers, teardown),
	};

	h_init(argv[0]);
	return cmocka_run_group_tests_name("kernel: runc containers through the binary", tests,
					   NULL, NULL);
}
