// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Kernel tier, forensic capture end to end with `privwatch run`: a stand-in
 * container (a docker-shaped cgroup, /docker/<64 hex>, below a watched
 * parent) runs a few programs, then a subshell whose parent has exited
 * does what an alert+capture rule matches (opens /dev/zero; it stays alive
 * a while, a token in its environment), then a few more programs run. The alert names the capture; a privwatch.capture/1 record says it
 * was written; the bundle is 0700 with files 0600, its timeline holds the
 * execs before the trigger and those after it in the window, in order, the
 * token's value is redacted in the snapshot, the exited parent is named in
 * the process tree's ancestry, and `privwatch capture
 * verify` passes while `capture show` draws the tree.
 * On demand: `privwatch capture take` asks the agent over its control
 * socket (0600, removed at stop, a second agent refused on it) for a
 * capture of a running stand-in container by a prefix of its id; the bundle
 * holds what the container did before, its trigger is capture-take.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>
#include <cmocka.h>
#include <jansson.h>
#include "host/cgroupfs.h"
#include "harness.h"

static char line[1 << 16];
static pid_t agent_pid;
static char tmp[] = "/tmp/pw-kcapture-XXXXXX";
static char parent[4200], ctr[4400];
static char ctr2[4400];

/* Every process of cgroup dir killed and gone (cgroup.procs empty). */
static void kill_cgroup(const char *dir)
{
	char procs[4500];
	int i, any = 1;

	snprintf(procs, sizeof(procs), "%s/cgroup.procs", dir);
	for (i = 0; i < 100 && any; i++) {
		FILE *f = fopen(procs, "r");
		long pid;

		any = 0;
		while (f && fscanf(f, "%ld", &pid) == 1) {
			kill((pid_t)pid, SIGKILL);
			any = 1;
		}
		if (f)
			fclose(f);
		if (any)
			usleep(50000);
	}
}

static int teardown(void **state)
{
	char cmd[256];

	if (agent_pid > 0 && kill(agent_pid, SIGKILL) == 0)
		waitpid(agent_pid, NULL, 0);
	if (ctr[0]) {
		kill_cgroup(ctr);
		rmdir(ctr);
	}
	if (ctr2[0]) {
		kill_cgroup(ctr2);
		rmdir(ctr2);
	}
	if (parent[0]) {
		char d[4300];

		snprintf(d, sizeof(d), "%s/docker", parent);
		rmdir(d);
		rmdir(parent);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	return system(cmd) ? -1 : 0;
}

static const char *jstr(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
}

/* The bundle being checked: its manifest says why a file is missing. */
static char bundle_dir[4200];

static char *read_all(const char *path, size_t *len)
{
	static char buf[1 << 20];
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0) {
		char m[4400], cmd[4500];

		print_message("%s: %s\n", path, strerror(errno));
		snprintf(m, sizeof(m), "%s/manifest.json", bundle_dir);
		snprintf(cmd, sizeof(cmd), "ls -la '%s'; cat '%s'", bundle_dir, m);
		if (bundle_dir[0] && system(cmd))
			print_message("(no manifest either)\n");
	}
	assert_true(fd >= 0);
	n = read(fd, buf, sizeof(buf) - 1);
	assert_true(n >= 0);
	close(fd);
	buf[n] = 0;
	*len = n;
	return buf;
}

static void test_capture_bundle(void **state)
{
	char mnt[4096], rules[512], caps[512], shcmd[2048], id[65];
	char capture_id[128] = "", capture_file[4200] = "", p[4400];
	char *run_argv[] = { (char *)h_privwatch(), "run", "--http", "none", "--lock-file", "none",
			     "--cgroup", parent, "--rules", rules, "--capture-dir", caps,
			     "--capture-window-s", "3",
			     /* nothing here hangs: no read may give the snapshot
			      * up (in the VM some were, at 2 s and at 15 s: most
			      * likely the worker's clock race, fixed since) */
			     "--read-deadline-ms", "15000", "--stats-interval", "0", NULL };
	char *sh_argv[] = { "/bin/sh", "-c", shcmd, NULL };
	json_t *j, *cap;
	struct h_proc pr;
	struct stat st;
	int seen_alert = 0, seen_done = 0, st_code, i;
	uint64_t cgid;
	pid_t child;
	char *text, *ls, *echo, *trig;
	size_t len;

	assert_non_null(mkdtemp(tmp));
	snprintf(rules, sizeof(rules), "%s/rules.json", tmp);
	snprintf(caps, sizeof(caps), "%s/caps", tmp);
	write_file(rules,
		   "{\"rules\": [{\"id\": \"T-CAP-1\", \"title\": \"capture test\","
		   " \"description\": \"d\", \"severity\": \"high\", \"tags\": [\"T1059\"],"
		   " \"condition\": {\"all\": [{\"kind\": \"open\"}, {\"path\": \"/dev/zero\"}]},"
		   " \"action\": \"alert+capture\", \"capture_window_s\": 3},"
		   " {\"id\": \"T-PRE-1\", \"title\": \"before the trigger\","
		   " \"description\": \"d\", \"severity\": \"low\", \"tags\": [\"T1059\"],"
		   " \"condition\": {\"all\": [{\"kind\": \"exec\"},"
		   " {\"proc.exe\": {\"basename\": \"ls\"}}]}}]}\n",
		   0644);

	assert_int_equal(pw_cgroup2_mount(mnt, sizeof(mnt)), 0);
	snprintf(parent, sizeof(parent), "%s/pw-kcapture-%d", mnt, (int)getpid());
	assert_int_equal(mkdir(parent, 0755), 0);
	snprintf(p, sizeof(p), "%s/docker", parent);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(id, sizeof(id), "%08x%s", (unsigned int)getpid(),
		 "cafe0000cafe0000cafe0000cafe0000cafe0000cafe0000cafe0000");
	snprintf(ctr, sizeof(ctr), "%s/%s", p, id);

	assert_int_equal(h_proc_start(&pr, run_argv), 0);
	agent_pid = pr.pid;
	assert_int_equal(h_proc_line(&pr, line, sizeof(line), h_start_wait_ms()), 0);
	j = json_loads(line, 0, NULL);
	assert_non_null(j);
	assert_string_equal(jstr(j, "schema"), "privwatch.start/1");
	json_decref(j);

	assert_int_equal(mkdir(ctr, 0755), 0);
	assert_int_equal(pw_cgroup_id(ctr, &cgid), 0);
	/* before, the trigger (alive until teardown kills the cgroup: however
	 * late the agent handles it, its snapshot finds it; a token in its
	 * environment), after */
	/* The trigger: a subshell whose parent exited at once opens /dev/zero
	 * (no exec: it is still the fork, linked to its exited parent), then
	 * stays alive for its snapshot. */
	snprintf(shcmd, sizeof(shcmd),
		 "cat /etc/hostname >/dev/null; /bin/ls / >/dev/null; "
		 "( ( sleep 0.3; : </dev/zero; sleep 600 ) & ); sleep 1.2; "
		 "/bin/echo after-trigger >/dev/null; cat /etc/os-release >/dev/null; sleep 1.5");
	setenv("PW_KTEST_TOKEN", "hunter2-kernel-tier", 1);
	child = h_spawn(ctr, sh_argv);
	unsetenv("PW_KTEST_TOKEN");
	assert_true(child > 0);
	assert_int_equal(h_wait(child), 0);

	/* the alert, then the bundle written after the window */
	for (i = 0; i < 200 && !seen_done; i++) {
		if (h_proc_line(&pr, line, sizeof(line), 15000))
			break;
		j = json_loads(line, 0, NULL);
		assert_non_null(j);
		if (!strcmp(jstr(j, "schema"), "privwatch.alert/1") &&
		    !strcmp(jstr(json_object_get(j, "rule"), "id"), "T-CAP-1")) {
			cap = json_object_get(j, "capture");
			assert_true(json_is_object(cap));
			assert_string_equal(jstr(cap, "status"), "started");
			snprintf(capture_id, sizeof(capture_id), "%s", jstr(cap, "id"));
			snprintf(capture_file, sizeof(capture_file), "%s", jstr(cap, "file"));
			seen_alert = 1;
		} else if (!strcmp(jstr(j, "schema"), "privwatch.capture/1")) {
			assert_string_equal(jstr(j, "id"), capture_id);
			assert_string_equal(jstr(j, "path"), capture_file);
			assert_true(json_is_true(json_object_get(j, "written")));
			assert_true(json_integer_value(json_object_get(j, "bytes")) > 0);
			assert_int_equal(strlen(jstr(j, "manifest_sha256")), 64);
			seen_done = 1;
		}
		json_decref(j);
	}
	assert_true(seen_alert);
	assert_true(seen_done);
	kill(pr.pid, SIGINT);
	while (h_proc_line(&pr, line, sizeof(line), 10000) == 0)
		;
	assert_int_equal(waitpid(pr.pid, &st_code, 0), pr.pid);
	agent_pid = 0;
	assert_true(WIFEXITED(st_code) && WEXITSTATUS(st_code) == 0);

	/* the bundle: 0700, files 0600 */
	snprintf(bundle_dir, sizeof(bundle_dir), "%s", capture_file);
	assert_int_equal(lstat(capture_file, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0700);
	snprintf(p, sizeof(p), "%s/manifest.json", capture_file);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	/* the timeline: ls before the trigger, echo after, in order */
	snprintf(p, sizeof(p), "%s/timeline.jsonl", capture_file);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	text = read_all(p, &len);
	/* (the shell's own argv names them all: each program's own exec line) */
	ls = strstr(text, "\"argv\":[\"/bin/ls\",\"/\"]");
	trig = strstr(text, "\"path\":\"/dev/zero\"");
	echo = strstr(text, "\"argv\":[\"/bin/echo\",\"after-trigger\"]");
	assert_non_null(ls);
	assert_non_null(trig);
	assert_non_null(echo);
	assert_true(ls < trig && trig < echo);
	/* the alerts: the one raised before the trigger (from the flight
	 * recorder), then the triggering one */
	snprintf(p, sizeof(p), "%s/alerts.jsonl", capture_file);
	text = read_all(p, &len);
	{
		char *pre = strstr(text, "\"id\":\"T-PRE-1\""),
		     *cap1 = strstr(text, "\"id\":\"T-CAP-1\"");

		if (!pre || !cap1)
			print_message("alerts.jsonl: %s\n", text);
		assert_non_null(pre);
		assert_non_null(cap1);
		assert_true(pre < cap1);
	}
	snprintf(p, sizeof(p), "%s/timeline.jsonl", capture_file);
	text = read_all(p, &len);
	trig = strstr(text, "\"path\":\"/dev/zero\"");
	/* the snapshot of the triggering process: its token redacted */
	{
		char *pid_s, *pstart = trig;
		long tpid;

		/* the trigger's exec record: its pid, from the line's start */
		while (pstart > text && pstart[-1] != '\n')
			pstart--;
		pid_s = strstr(pstart, "\"pid\":");
		assert_non_null(pid_s);
		tpid = strtol(pid_s + 6, NULL, 10); /* read_all's buffer is reused below */
		assert_true(tpid > 0);
		snprintf(p, sizeof(p), "%s/p%ld.environ", capture_file, tpid);
		text = read_all(p, &len);
		assert_non_null(memmem(text, len, "PW_KTEST_TOKEN=[REDACTED]", 25));
		assert_null(memmem(text, len, "hunter2", 7));
		/* its executable copied into the bundle, byte for byte */
		{
			char cmp[9000];
			json_t *pj, *exe;

			snprintf(p, sizeof(p), "%s/p%ld.json", capture_file, tpid);
			text = read_all(p, &len);
			pj = json_loads(text, 0, NULL);
			assert_non_null(pj);
			exe = json_object_get(pj, "exe");
			print_message("exe: %s copy %s\n", jstr(exe, "path"), jstr(exe, "copy"));
			assert_int_equal(strncmp(jstr(exe, "copy"), "exe-", 4), 0);
			assert_int_equal(strncmp(jstr(exe, "copy") + 4, jstr(exe, "sha256"), 16),
					 0);
			snprintf(cmp, sizeof(cmp), "cmp -s '%s/%s' '%s'", capture_file,
				 jstr(exe, "copy"), jstr(exe, "path"));
			assert_int_equal(system(cmp), 0);
			json_decref(pj);
		}
	}
	/* the process tree: the trigger's exited parent, then the shell */
	{
		json_t *pt, *proc, *anc;

		snprintf(p, sizeof(p), "%s/processes.json", capture_file);
		text = read_all(p, &len);
		pt = json_loads(text, 0, NULL);
		assert_non_null(pt);
		proc = json_array_get(json_object_get(pt, "processes"), 0);
		assert_non_null(proc);
		assert_string_equal(jstr(proc, "comm"), "sh");
		anc = json_object_get(proc, "ancestors");
		if (json_array_size(anc) < 2)
			print_message("processes.json: %s\n", text);
		assert_true(json_array_size(anc) >= 2);
		assert_true(json_is_true(json_object_get(json_array_get(anc, 0), "exited")));
		/* start times: the fork's, the shell's after its exited parent's */
		print_message("started %s, parent %s\n", jstr(proc, "started"),
			      jstr(json_array_get(anc, 0), "started"));
		assert_true(strlen(jstr(proc, "started")) > 20);
		assert_true(strcmp(jstr(proc, "started"), jstr(json_array_get(anc, 0), "started")) >
			    0);
		assert_string_equal(jstr(json_array_get(anc, 1), "exe"), "/bin/sh");
		assert_false(json_is_true(json_object_get(json_array_get(anc, 1), "exited")));
		json_decref(pt);
	}
	/* the tools */
	{
		char *verify[] = {
			(char *)h_privwatch(), "capture", "verify", capture_id, "--dir", caps, NULL
		};
		char *show[] = {
			(char *)h_privwatch(), "capture", "show", capture_id, "--dir", caps, NULL
		};
		static char out[1 << 16], err[4096];

		assert_int_equal(h_capture(verify, out, sizeof(out), err, sizeof(err)), 0);
		assert_non_null(strstr(out, "every file matches"));
		assert_int_equal(h_capture(show, out, sizeof(out), err, sizeof(err)), 0);
		assert_non_null(strstr(out, "---- trigger"));
		assert_non_null(strstr(out, "/dev/zero"));
		assert_non_null(strstr(out, "<- trigger"));
	}
	kill_cgroup(ctr); /* the trigger, still alive */
	assert_int_equal(rmdir(ctr), 0);
	ctr[0] = 0;
}

/* privwatch capture take: a capture of a running container, on demand. */
static void test_capture_take(void **state)
{
	char mnt[4096], caps[512], sock[512], shcmd[512], id[65], prefix[13], p[4400];
	char capture_id[128] = "", capture_file[4200] = "";
	char *run_argv[] = { (char *)h_privwatch(),
			     "run",
			     "--http",
			     "none",
			     "--lock-file",
			     "none",
			     "--cgroup",
			     parent,
			     "--no-rules",
			     "--capture-dir",
			     caps,
			     "--capture-window-s",
			     "2",
			     "--control",
			     sock,
			     "--stats-interval",
			     "0",
			     NULL };
	char *take[] = {
		(char *)h_privwatch(), "capture", "take", prefix, "--control", sock, NULL
	};
	char *take_none[] = { (char *)h_privwatch(), "capture", "take", "no-such-container",
			      "--control",	     sock,	NULL };
	char *sh_argv[] = { "/bin/sh", "-c", shcmd, NULL };
	static char out[1 << 16], err[4096];
	struct h_proc pr;
	struct stat st;
	pid_t child;
	json_t *j;
	size_t len;
	char *text;
	int i, seen_done = 0;

	/* the first test's directory and cgroups, made again if it failed early */
	if (strstr(tmp, "XXXXXX"))
		assert_non_null(mkdtemp(tmp));
	snprintf(caps, sizeof(caps), "%s/caps-take", tmp);
	snprintf(sock, sizeof(sock), "%s/control.sock", tmp);
	assert_int_equal(pw_cgroup2_mount(mnt, sizeof(mnt)), 0);
	if (!parent[0]) {
		snprintf(parent, sizeof(parent), "%s/pw-kcapture-%d", mnt, (int)getpid());
		assert_int_equal(mkdir(parent, 0755), 0);
		snprintf(p, sizeof(p), "%s/docker", parent);
		assert_int_equal(mkdir(p, 0755), 0);
	}
	snprintf(id, sizeof(id), "%08x%s", (unsigned int)getpid(),
		 "beef0000beef0000beef0000beef0000beef0000beef0000beef0000");
	snprintf(prefix, sizeof(prefix), "%.12s", id);
	snprintf(ctr2, sizeof(ctr2), "%s/docker/%s", parent, id);

	assert_int_equal(h_proc_start(&pr, run_argv), 0);
	agent_pid = pr.pid;
	assert_int_equal(h_proc_line(&pr, line, sizeof(line), h_start_wait_ms()), 0);
	assert_non_null(strstr(line, "privwatch.start/1"));
	assert_int_equal(lstat(sock, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	/* a second agent on the same socket is refused, the first keeps it */
	{
		char *again[] = { (char *)h_privwatch(), "run",	      "--http",	  "none",
				  "--lock-file",	 "none",      "--cgroup", parent,
				  "--no-rules",		 "--control", sock,	  NULL };

		assert_int_equal(h_capture(again, out, sizeof(out), err, sizeof(err)), 2);
		assert_non_null(strstr(err, "another agent answers there"));
		assert_int_equal(lstat(sock, &st), 0);
	}

	assert_int_equal(mkdir(ctr2, 0755), 0);
	snprintf(shcmd, sizeof(shcmd),
		 "/bin/ls / >/dev/null; /bin/echo before-take >/dev/null; "
		 "exec sleep 6");
	child = h_spawn(ctr2, sh_argv);
	assert_true(child > 0);
	usleep(1500 * 1000); /* its execs recorded */

	assert_int_equal(h_capture(take_none, out, sizeof(out), err, sizeof(err)), 1);
	assert_non_null(strstr(err, "no container the agent knows matches"));
	assert_int_equal(h_capture(take, out, sizeof(out), err, sizeof(err)), 0);
	print_message("take: %s%s", out, err);
	assert_non_null(strstr(out, " started: "));
	assert_int_equal(sscanf(out, "capture %127s started: %4199s", capture_id, capture_file), 2);

	for (i = 0; i < 200 && !seen_done; i++) {
		if (h_proc_line(&pr, line, sizeof(line), 15000))
			break;
		j = json_loads(line, 0, NULL);
		assert_non_null(j);
		if (!strcmp(jstr(j, "schema"), "privwatch.capture/1") &&
		    !strcmp(jstr(j, "id"), capture_id))
			seen_done = json_is_true(json_object_get(j, "written"));
		json_decref(j);
	}
	assert_true(seen_done);
	snprintf(p, sizeof(p), "%s/manifest.json", capture_file);
	text = read_all(p, &len);
	assert_non_null(strstr(text, "\"rule\":\"capture-take\""));
	snprintf(p, sizeof(p), "%s/timeline.jsonl", capture_file);
	text = read_all(p, &len);
	assert_non_null(strstr(text, "\"argv\":[\"/bin/echo\",\"before-take\"]"));

	kill(pr.pid, SIGINT);
	while (h_proc_line(&pr, line, sizeof(line), 10000) == 0)
		;
	assert_int_equal(waitpid(pr.pid, NULL, 0), pr.pid);
	agent_pid = 0;
	assert_int_equal(lstat(sock, &st), -1); /* removed at stop */
	assert_int_equal(h_capture(take, out, sizeof(out), err, sizeof(err)), 1);
	assert_non_null(strstr(err, "no agent answers there"));
	kill(child, SIGKILL);
	h_wait(child);
	assert_int_equal(rmdir(ctr2), 0);
	ctr2[0] = 0;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_capture_bundle),
		cmocka_unit_test(test_capture_take),
	};

	h_init(argv[0]);
	setvbuf(stdout, NULL, _IOLBF, 0);
	return cmocka_run_group_tests_name("kernel: forensic capture", tests, NULL, teardown);
}
