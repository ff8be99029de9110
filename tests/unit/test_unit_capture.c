// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Forensic capture: the flight recorder's bounds and order, environ
 * redaction, the bundle writer (modes, hashes, verify), its refusals (a
 * symlinked or group-writable capture directory, a planted symlink or FIFO
 * in a bundle), captures end to end on a real host-reading worker (rate
 * limits, quota, the snapshot of a live process with a redacted token) and
 * the manifest against docs/capture.schema.json.
 */
#define _GNU_SOURCE /* memmem */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "capture/capture.h"
#include "capture/capture_jobs.h"
#include "lib/timefmt.h"

static char tmp[] = "/tmp/pw-capture-XXXXXX";

struct rec {
	struct pw_event_header h;
	unsigned char pad[512];
};

static void mk(struct rec *r, uint64_t ts, uint32_t size)
{
	memset(r, 0, sizeof(*r));
	r->h.type = PW_EVENT_EXIT;
	r->h.size = size;
	r->h.ts_ns = ts;
}

struct walked {
	uint64_t ts[4096];
	size_t n;
};

static void walk_fn(void *ctx, const struct pw_event_header *h)
{
	struct walked *w = ctx;

	if (w->n < 4096)
		w->ts[w->n++] = h->ts_ns;
}

static void test_recorder_count_and_age(void **state)
{
	struct pw_rec_opts o = { .max_records = 5, .max_age_ns = 3000 };
	struct pw_recorder r;
	struct walked w = {};
	struct rec e;
	uint64_t i;

	assert_int_equal(pw_rec_init(&r, &o), 0);
	for (i = 1; i <= 10; i++) {
		mk(&e, i * 100, 64);
		pw_rec_push(&r, 42, &e.h);
	}
	assert_int_equal(pw_rec_walk(&r, 42, 0, walk_fn, &w), 5);
	for (i = 0; i < 5; i++)
		assert_int_equal(w.ts[i], (6 + i) * 100);
	/* the age bound: records older than 3000 ns before the newest go */
	mk(&e, 4000, 64);
	pw_rec_push(&r, 42, &e.h);
	w.n = 0;
	assert_int_equal(pw_rec_walk(&r, 42, 0, walk_fn, &w), 2); /* 1000 and 4000 */
	assert_int_equal(w.ts[0], 1000);
	assert_int_equal(w.ts[1], 4000);
	/* since: only the newer ones */
	w.n = 0;
	assert_int_equal(pw_rec_walk(&r, 42, 2000, walk_fn, &w), 1);
	assert_int_equal(pw_rec_walk(&r, 7, 0, walk_fn, &w), 0);
	pw_rec_free(&r);
}

/* Records of many sizes through a small ring: always in order, the newest
 * kept, never more bytes than the bound. */
static void test_recorder_wraps_in_order(void **state)
{
	struct pw_rec_opts o = { .max_records = 100000,
				 .max_age_ns = UINT64_MAX / 2,
				 .per_ctr_bytes = 4096,
				 .total_bytes = 6000 };
	struct pw_recorder r;
	struct walked w;
	struct rec e;
	uint64_t i;
	size_t k, n;

	assert_int_equal(pw_rec_init(&r, &o), 0);
	for (i = 1; i <= 3000; i++) {
		mk(&e, i, 32 + 8 * ((i * 7919) % 60));
		pw_rec_push(&r, 1, &e.h);
		if (i % 97 == 0) {
			w.n = 0;
			n = pw_rec_walk(&r, 1, 0, walk_fn, &w);
			assert_true(n > 0);
			assert_int_equal(w.ts[n - 1], i);
			for (k = 1; k < n; k++)
				assert_int_equal(w.ts[k], w.ts[k - 1] + 1);
		}
	}
	assert_int_equal(r.st.bytes, 4096);
	assert_true(r.st.evicted > 0);
	/* a second container's first ring does not fit the total: not kept, counted */
	mk(&e, 1, 64);
	pw_rec_push(&r, 2, &e.h);
	assert_int_equal(r.st.not_kept, 1);
	assert_int_equal(r.st.rings, 1);
	/* the container ends: its ring is freed, room for another */
	pw_rec_forget(&r, 1);
	assert_int_equal(r.st.rings, 0);
	assert_int_equal(r.st.bytes, 0);
	pw_rec_push(&r, 2, &e.h);
	assert_int_equal(r.st.rings, 1);
	pw_rec_free(&r);
}

static void test_redact(void **state)
{
	static const char in[] = "A=1\0MY_TOKEN=hunter2\0aws_secret_access_key=y\0PATH=/bin\0"
				 "NOEQ\0DB_PASSWORD=\0AWS_REGION=eu";
	static const char want[] = "A=1\0MY_TOKEN=[REDACTED]\0aws_secret_access_key=[REDACTED]\0"
				   "PATH=/bin\0NOEQ\0DB_PASSWORD=[REDACTED]\0AWS_REGION=[REDACTED]";
	char pats[5][PW_CAP_PATTERN_LEN] = { "*TOKEN*", "*PASSWORD*", "*SECRET*", "*KEY*",
					     "AWS_*" };
	char out[512];
	size_t n;

	n = pw_cap_redact_environ(in, sizeof(in) - 1, out, (const char(*)[PW_CAP_PATTERN_LEN])pats,
				  5);
	assert_int_equal(n, sizeof(want) - 1);
	assert_memory_equal(out, want, n);
	assert_null(memmem(out, n, "hunter2", 7));
}

static void path(char *out, size_t len, const char *name)
{
	snprintf(out, len, "%s/%s", tmp, name);
}

static void test_dir_refusals(void **state)
{
	char p[512], q[512], err[512];
	struct stat st;
	int fd;

	/* made 0700, parents too */
	path(p, sizeof(p), "a/b/caps");
	fd = pw_bundle_dir_open(p, 1, err, sizeof(err));
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	/* a symlink to it: refused */
	path(q, sizeof(q), "link");
	assert_int_equal(symlink(p, q), 0);
	assert_int_equal(pw_bundle_dir_open(q, 1, err, sizeof(err)), -ELOOP);
	assert_non_null(strstr(err, "symlink"));
	/* group- or world-writable: refused */
	assert_int_equal(chmod(p, 0770), 0);
	assert_int_equal(pw_bundle_dir_open(p, 0, err, sizeof(err)), -EPERM);
	assert_int_equal(chmod(p, 0703), 0);
	assert_int_equal(pw_bundle_dir_open(p, 0, err, sizeof(err)), -EPERM);
	assert_int_equal(chmod(p, 0700), 0);
	/* relative: refused; ids with '/' or '..': refused */
	assert_int_equal(pw_bundle_dir_open("caps", 1, err, sizeof(err)), -EINVAL);
	assert_false(pw_bundle_id_ok("../etc"));
	assert_false(pw_bundle_id_ok("a/b"));
	assert_false(pw_bundle_id_ok(".hidden"));
	assert_true(pw_bundle_id_ok("20261201T190521Z-aaaa-1-0001"));
}

static void test_planted_symlink_and_fifo(void **state)
{
	char p[512], target[512], err[512], *buf;
	struct pw_bfile f;
	size_t len;
	int capfd, bfd, cut;
	struct stat st;

	path(p, sizeof(p), "caps2");
	capfd = pw_bundle_dir_open(p, 1, err, sizeof(err));
	assert_true(capfd >= 0);
	bfd = pw_bundle_create(capfd, "b1");
	assert_true(bfd >= 0);
	/* a symlink planted where a file goes: never written through */
	path(target, sizeof(target), "host-file");
	close(open(target, O_WRONLY | O_CREAT, 0644));
	assert_int_equal(symlinkat(target, bfd, "timeline.jsonl"), 0);
	assert_int_equal(pw_bundle_write(bfd, "timeline.jsonl", "x", 1, &f), -EEXIST);
	assert_int_equal(stat(target, &st), 0);
	assert_int_equal(st.st_size, 0);
	/* ... nor read through */
	assert_int_equal(pw_bundle_read_file(bfd, "timeline.jsonl", 100, &buf, &len, &cut), -ELOOP);
	/* a FIFO: refused at once, never blocks */
	assert_int_equal(mkfifoat(bfd, "fifo", 0600), 0);
	assert_int_equal(pw_bundle_read_file(bfd, "fifo", 100, &buf, &len, &cut), -EINVAL);
	/* a bundle that is a symlink: refused */
	assert_int_equal(symlinkat(p, capfd, "b2"), 0);
	assert_true(pw_bundle_open(capfd, "b2") < 0);
	/* a new file: 0600, hashed */
	assert_int_equal(pw_bundle_write(bfd, "ok.txt", "abc", 3, &f), 0);
	assert_string_equal(f.sha256,
			    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_int_equal(fstatat(bfd, "ok.txt", &st, 0), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	close(bfd);
	close(capfd);
}

/* Captures on a real worker. */
static struct pw_capmgr m;
static struct jsonw rec_w;
static int records_written;
static char records[1 << 16];

static void done(void *ctx, struct pw_hw_job *j)
{
	const char *line;

	if (pw_cap_job_done(&m, j, NULL, &rec_w)) {
		records_written++;
		line = jw_line(&rec_w, NULL);
		assert_non_null(line);
		snprintf(records + strlen(records), sizeof(records) - strlen(records), "%s", line);
		jw_reset(&rec_w);
	}
}

static void settle(struct pw_hw *hw)
{
	int i;

	for (i = 0; i < 500 && pw_cap_busy(&m); i++) {
		usleep(10000);
		pw_hw_collect(hw, pw_hw_now_ns(), done, NULL);
		pw_cap_tick(&m, pw_hw_now_ns(), 1);
	}
	assert_int_equal(pw_cap_busy(&m), 0);
}

static void view(struct pw_view *v, struct pw_view_container *vc, const char *id, uint32_t pid)
{
	memset(v, 0, sizeof(*v));
	memset(vc, 0, sizeof(*vc));
	vc->id = id;
	vc->name = "web";
	vc->runtime = "docker";
	vc->mode = PW_VMODE_PRIVILEGED;
	v->container = vc;
	v->kind = PW_EVENT_EXEC;
	v->kind_name = "exec";
	v->ts_ns = pw_hw_now_ns();
	v->path = "/bin/sh";
	v->proc.pid = pid;
	v->proc.comm = "sh";
	v->proc.exe = "/bin/sh";
}

static int validate(const char *schema, const char *file)
{
	char cmd[2048];
	int rc;

	snprintf(cmd, sizeof(cmd), "python3 tests/lib/validate-json.py '%s' '%s'", schema, file);
	rc = system(cmd);
	return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static void test_captures_on_the_worker(void **state)
{
	static const struct pw_rule_info r1 = {
		.id = "R1", .title = "one", .description = "d", .action = PW_ACTION_ALERT_CAPTURE
	};
	static const struct pw_rule_info r2 = { .id = "R2",
						.title = "two",
						.description = "d",
						.action = PW_ACTION_ALERT_CAPTURE,
						.capture_window_s = 1 };
	struct pw_cap_opts o = { .window_s = 1, .interval_s = 60, .max_bundles = 2 };
	struct pw_view_container vc;
	struct pw_cap_result res;
	struct pw_bundle_ent *list;
	struct pw_ptable *procs = pw_ptable_new(NULL, 0);
	struct pw_hw *hw = pw_hw_new(2000000000ULL, 4000000000ULL);
	struct pw_view v;
	struct rec e;
	char dir[512], file[1024], *buf;
	size_t n, len;
	int bfd, cut, i;
	pid_t child;
	FILE *out;

	assert_non_null(hw);
	pw_clock_init();
	jw_init(&rec_w);
	/* the triggering process: alive, with a token in its environment */
	{
		char *const argv[] = { "sleep", "30", NULL };
		char *const envp[] = { "PW_TEST_TOKEN=hunter2-secret-value", "PLAIN=visible",
				       NULL };

		child = fork();
		assert_true(child >= 0);
		if (!child) {
			execve("/bin/sleep", argv, envp);
			_exit(127);
		}
		usleep(100000); /* exec'd */
	}
	path(dir, sizeof(dir), "caps3");
	o.dir = dir;
	assert_int_equal(pw_cap_init(&m, &o, hw, procs), 0);
	assert_true(m.capfd >= 0);

	/* history, then the trigger (a live process: this one) */
	for (i = 0; i < 5; i++) {
		mk(&e, pw_hw_now_ns(), 64);
		e.h.pid = 1000 + i;
		pw_cap_record(&m, 11, NULL, &e.h);
	}
	view(&v, &vc, "aaaaaaaaaaaaaaaa", child);
	pw_cap_trigger(&m, 11, &r1, &v, pw_hw_now_ns(), &res);
	assert_string_equal(res.status, "started");
	assert_non_null(res.id);
	/* another trigger in the window: the same capture, extended */
	pw_cap_trigger(&m, 11, &r2, &v, pw_hw_now_ns(), &res);
	assert_string_equal(res.status, "extended");
	/* window records */
	for (i = 0; i < 3; i++) {
		mk(&e, pw_hw_now_ns(), 64);
		pw_cap_record(&m, 11, NULL, &e.h);
	}
	pw_cap_alert(&m, 11, "{\"schema\":\"privwatch.alert/1\"}\n", 31);
	/* another container, the same rule: the rule's rate limit */
	view(&v, &vc, "bbbbbbbbbbbbbbbb", child);
	pw_cap_trigger(&m, 12, &r1, &v, pw_hw_now_ns(), &res);
	assert_string_equal(res.status, "skipped");
	assert_non_null(strstr(res.reason, "rate limit"));
	assert_null(res.id);
	assert_int_equal(m.n.skipped_rate_rule, 1);
	settle(hw);
	assert_int_equal(records_written, 1);
	assert_int_equal(m.n.completed, 1);

	/* the bundle: every file 0600, verified, the token redacted, the manifest valid */
	assert_int_equal(pw_bundle_list(m.capfd, &list, &n), 0);
	assert_int_equal(n, 1);
	out = tmpfile();
	assert_int_equal(pw_bundle_verify(m.capfd, list[0].id, out), 0);
	fclose(out);
	bfd = pw_bundle_open(m.capfd, list[0].id);
	assert_true(bfd >= 0);
	snprintf(file, sizeof(file), "p%d.environ", (int)child);
	assert_int_equal(pw_bundle_read_file(bfd, file, 1 << 20, &buf, &len, &cut), 0);
	assert_non_null(memmem(buf, len, "PW_TEST_TOKEN=[REDACTED]", 24));
	assert_null(memmem(buf, len, "hunter2", 7));
	free(buf);
	assert_int_equal(pw_bundle_read_file(bfd, "timeline.jsonl", 1 << 20, &buf, &len, &cut), 0);
	for (i = 0, n = 0; (size_t)i < len; i++)
		n += buf[i] == '\n';
	assert_int_equal(n, 8); /* 5 before, 3 after */
	free(buf);
	snprintf(file, sizeof(file), "%s/%s/manifest.json", dir, list[0].id);
	assert_int_equal(validate("docs/capture.schema.json", file), 0);
	{
		struct stat st;

		assert_int_equal(fstatat(bfd, "manifest.json", &st, 0), 0);
		assert_int_equal(st.st_mode & 07777, 0600);
		assert_int_equal(fstat(bfd, &st), 0);
		assert_int_equal(st.st_mode & 07777, 0700);
	}
	/* changed afterwards: verify says so */
	{
		int fd = openat(bfd, "alerts.jsonl", O_WRONLY | O_APPEND);

		assert_true(fd >= 0);
		assert_int_equal(write(fd, "x", 1), 1);
		close(fd);
		close(openat(bfd, "extra", O_WRONLY | O_CREAT, 0600));
		out = tmpfile();
		assert_int_equal(pw_bundle_verify(m.capfd, list[0].id, out), 2);
		fclose(out);
	}
	close(bfd);
	free(list);

	/* the container's own rate limit; then, without limits, the quota */
	view(&v, &vc, "aaaaaaaaaaaaaaaa", child);
	pw_cap_trigger(&m, 11, &r2, &v, pw_hw_now_ns(), &res);
	assert_string_equal(res.status, "skipped");
	assert_int_equal(m.n.skipped_rate_container, 1);
	m.o.interval_s = 0;
	for (i = 0; i < 3; i++) {
		view(&v, &vc, "cccccccccccccccc", child);
		pw_cap_trigger(&m, 20 + i, &r2, &v, pw_hw_now_ns(), &res);
		assert_string_equal(res.status, "started");
		/* the container ends: written now, not at the window's end */
		pw_cap_container_gone(&m, 20 + i, pw_hw_now_ns());
		settle(hw);
	}
	assert_int_equal(pw_bundle_list(m.capfd, &list, &n), 0);
	assert_int_equal(n, 2);
	free(list);
	assert_int_equal(m.n.removed_quota, 2);
	assert_int_equal(m.nbundles, 2);
	assert_true(pw_cap_lost(&m) >= 2);

	/* the stream record validates too */
	snprintf(file, sizeof(file), "%s/records.jsonl", tmp);
	out = fopen(file, "w");
	fputs(records, out);
	fclose(out);
	assert_int_equal(validate("docs/capture.schema.json", file), 0);

	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	pw_cap_free(&m);
	pw_hw_free(hw);
	pw_ptable_free(procs);
	jw_free(&rec_w);
}

/* A bundle past its bound: the timeline cut, counted, the bundle incomplete. */
static void test_capture_cut_at_its_bound(void **state)
{
	static const struct pw_rule_info r = {
		.id = "R9", .title = "t", .description = "d", .action = PW_ACTION_ALERT_CAPTURE
	};
	struct pw_cap_opts o = { .window_s = 1, .max_bytes = 8192 };
	struct pw_ptable *procs = pw_ptable_new(NULL, 0);
	struct pw_hw *hw = pw_hw_new(2000000000ULL, 4000000000ULL);
	struct pw_view_container vc;
	struct pw_cap_result res;
	struct pw_view v;
	struct rec e;
	char dir[512], *buf;
	size_t len;
	int i, bfd, cut;

	path(dir, sizeof(dir), "caps4");
	o.dir = dir;
	records[0] = 0;
	jw_init(&rec_w);
	assert_int_equal(pw_cap_init(&m, &o, hw, procs), 0);
	for (i = 0; i < 100; i++) {
		mk(&e, pw_hw_now_ns(), 64);
		pw_cap_record(&m, 5, NULL, &e.h);
	}
	view(&v, &vc, "dddddddddddddddd", 0);
	pw_cap_trigger(&m, 5, &r, &v, pw_hw_now_ns(), &res);
	assert_string_equal(res.status, "started");
	assert_true(m.n.records_cut > 0);
	assert_true(m.mem <= 2048);
	pw_cap_container_gone(&m, 5, pw_hw_now_ns());
	settle(hw);
	assert_int_equal(m.mem, 0);
	assert_int_equal(m.n.incomplete, 1);
	assert_non_null(strstr(records, "\"complete\":false"));
	bfd = pw_bundle_open(m.capfd, res.id ? m.bundles[0].id : "");
	assert_true(bfd >= 0);
	assert_int_equal(pw_bundle_read_file(bfd, "manifest.json", 1 << 20, &buf, &len, &cut), 0);
	assert_non_null(strstr(buf, "timeline cut at the bundle's size bound"));
	assert_non_null(strstr(buf, "\"ended_by\":\"container_end\""));
	free(buf);
	close(bfd);
	pw_cap_free(&m);
	pw_hw_free(hw);
	pw_ptable_free(procs);
	jw_free(&rec_w);
}

static void slow_run(struct pw_hw_job *j)
{
	pw_hw_reading("a slow read (test)");
	usleep(300000);
}

static void slow_timeout(struct pw_hw_job *j, const char *what)
{
}

static void slow_free(struct pw_hw_job *j)
{
	free(j);
}

/* A snapshot that does not come back (here: cancelled while the worker is
 * busy, as a timed-out read comes back): the bundle is still written,
 * marked incomplete with what was being read, and counted. */
static void test_snapshot_given_up_marks_incomplete(void **state)
{
	static const struct pw_rule_info r = {
		.id = "R8", .title = "t", .description = "d", .action = PW_ACTION_ALERT_CAPTURE
	};
	struct pw_cap_opts o = { .window_s = 1 };
	struct pw_ptable *procs = pw_ptable_new(NULL, 0);
	struct pw_hw *hw = pw_hw_new(2000000000ULL, 4000000000ULL);
	struct pw_hw_job *slow = calloc(1, sizeof(*slow));
	struct pw_view_container vc;
	struct pw_cap_result res;
	struct pw_view v;
	char dir[512], *buf;
	size_t len;
	int bfd, cut;

	assert_non_null(slow);
	slow->run = slow_run;
	slow->on_timeout = slow_timeout;
	slow->free = slow_free;
	slow->size = sizeof(*slow);
	path(dir, sizeof(dir), "caps5");
	o.dir = dir;
	records[0] = 0;
	jw_init(&rec_w);
	assert_int_equal(pw_cap_init(&m, &o, hw, procs), 0);
	pw_hw_submit(hw, slow); /* the worker is busy... */
	view(&v, &vc, "eeeeeeeeeeeeeeee", getpid());
	pw_cap_trigger(&m, 9, &r, &v, pw_hw_now_ns(), &res);
	assert_string_equal(res.status, "started");
	/* ... the snapshot waits behind it, and is given up */
	assert_int_equal(pw_hw_cancel(hw, PW_CAP_JOB_KEY(1), "/proc/1/environ (test)"), 1);
	/* a fact job's key (a container gen) never takes a capture's */
	assert_int_equal(pw_hw_cancel(hw, 1, "no"), 0);
	/* what a given-up snapshot wrote before its read hung: listed too */
	{
		struct pw_bfile f;
		int b = pw_bundle_create(m.capfd, res.id);

		assert_true(b >= 0);
		assert_int_equal(pw_bundle_write(b, "p1.status", "Name:\tx\n", 8, &f), 0);
		close(b);
	}
	pw_cap_container_gone(&m, 9, pw_hw_now_ns());
	settle(hw);
	assert_int_equal(m.n.completed, 1);
	assert_int_equal(m.n.incomplete, 1);
	assert_true(pw_cap_lost(&m) >= 1);
	bfd = pw_bundle_open(m.capfd, m.bundles[0].id);
	assert_true(bfd >= 0);
	assert_int_equal(pw_bundle_read_file(bfd, "manifest.json", 1 << 20, &buf, &len, &cut), 0);
	assert_non_null(strstr(buf, "\"complete\":false"));
	assert_non_null(strstr(buf, "/proc/1/environ (test)"));
	assert_non_null(strstr(buf, "{\"name\":\"p1.status\",\"size\":8,"));
	free(buf);
	close(bfd);
	assert_int_equal(pw_bundle_verify(m.capfd, m.bundles[0].id, NULL), 0);
	pw_cap_free(&m);
	pw_hw_free(hw);
	pw_ptable_free(procs);
	jw_free(&rec_w);
}

static int group_setup(void **state)
{
	return mkdtemp(tmp) ? 0 : -1;
}

static int group_teardown(void **state)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	return system(cmd) ? -1 : 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_recorder_count_and_age),
		cmocka_unit_test(test_recorder_wraps_in_order),
		cmocka_unit_test(test_redact),
		cmocka_unit_test(test_dir_refusals),
		cmocka_unit_test(test_planted_symlink_and_fifo),
		cmocka_unit_test(test_captures_on_the_worker),
		cmocka_unit_test(test_capture_cut_at_its_bound),
		cmocka_unit_test(test_snapshot_given_up_marks_incomplete),
	};

	return cmocka_run_group_tests_name("unit: capture", tests, group_setup, group_teardown);
}
