// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include <bpf/btf.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include "host/cgroupfs.h"
#include "harness.h"
#include "lib/log.h"
#include "privwatch.skel.h"
#include "kernel/stats.h"

static char test_dir[PATH_MAX];
static char workload_path[PATH_MAX];
static char privwatch_path[PATH_MAX];

void h_init(const char *argv0)
{
	char tmp[PATH_MAX];

	snprintf(tmp, sizeof(tmp), "%s", argv0);
	if (!realpath(dirname(tmp), test_dir))
		snprintf(test_dir, sizeof(test_dir), ".");
	snprintf(workload_path, sizeof(workload_path), "%s/workload", test_dir);
	snprintf(privwatch_path, sizeof(privwatch_path), "%s/../privwatch", test_dir);
	pw_log_install_libbpf();
}

const char *h_workload(void)
{
	return workload_path;
}

const char *h_privwatch(void)
{
	return privwatch_path;
}

static void read_all(int fd, char *buf, size_t len)
{
	size_t off = 0;
	ssize_t n;
	char sink[4096];

	while ((n = read(fd, off + 1 < len ? buf + off : sink,
			 off + 1 < len ? len - off - 1 : sizeof(sink))) > 0)
		if (off + 1 < len)
			off += n;
	buf[off] = '\0';
}

int h_capture(char *const argv[], char *out, size_t outlen, char *err, size_t errlen)
{
	int o[2], e[2];
	pid_t pid;

	if (pipe(o) || pipe(e))
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(o[1], 1);
		dup2(e[1], 2);
		close(o[0]);
		close(e[0]);
		execv(argv[0], argv);
		_exit(127);
	}
	close(o[1]);
	close(e[1]);
	/* Outputs here are small: reading one pipe to its end then the other
	 * cannot deadlock below the pipe buffer size. */
	read_all(o[0], out, outlen);
	read_all(e[0], err, errlen);
	close(o[0]);
	close(e[0]);
	return h_wait(pid);
}

/* Children a failed assertion did not stop: killed when the suite exits,
 * so a failing test cannot leave an agent running (or a pipe held open). */
static pid_t started[64];
static int nstarted;

static void kill_started(void)
{
	int i;

	for (i = 0; i < nstarted; i++)
		if (started[i] > 0) {
			kill(started[i], SIGKILL);
			waitpid(started[i], NULL, 0);
		}
}

int h_proc_start(struct h_proc *p, char *const argv[])
{
	int o[2];

	memset(p, 0, sizeof(*p));
	if (pipe(o))
		return -1;
	p->pid = fork();
	if (p->pid == 0) {
		dup2(o[1], 1);
		close(o[0]);
		execv(argv[0], argv);
		_exit(127);
	}
	close(o[1]);
	p->out_fd = o[0];
	if (p->pid > 0 && nstarted < (int)(sizeof(started) / sizeof(started[0]))) {
		if (!nstarted)
			atexit(kill_started);
		started[nstarted++] = p->pid;
	}
	return p->pid < 0 ? -1 : 0;
}

int h_proc_line(struct h_proc *p, char *line, size_t len, int ms)
{
	struct timespec start, now;
	struct pollfd pfd = { .fd = p->out_fd, .events = POLLIN };
	char *nl;
	ssize_t n;
	int left = ms;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		nl = memchr(p->buf, '\n', p->len);
		if (nl) {
			size_t l = nl - p->buf;

			snprintf(line, len, "%.*s", (int)l, p->buf);
			memmove(p->buf, nl + 1, p->len - l - 1);
			p->len -= l + 1;
			return 0;
		}
		if (left <= 0 || poll(&pfd, 1, left) <= 0)
			return -1;
		n = read(p->out_fd, p->buf + p->len, sizeof(p->buf) - p->len);
		if (n <= 0)
			return -1;
		p->len += n;
		clock_gettime(CLOCK_MONOTONIC, &now);
		left = ms - ((now.tv_sec - start.tv_sec) * 1000 +
			     (now.tv_nsec - start.tv_nsec) / 1000000);
	}
}

int h_proc_stop(struct h_proc *p, int sig)
{
	char sink[4096];
	ssize_t n;
	int st;

	for (st = 0; st < nstarted; st++)
		if (started[st] == p->pid)
			started[st] = 0; /* reaped below: never signalled again */
	kill(p->pid, sig);
	/* Keep reading to EOF so the child never blocks on a full pipe;
	 * what fits stays for h_proc_line. */
	while ((n = read(p->out_fd, p->len < sizeof(p->buf) ? p->buf + p->len : sink,
			 p->len < sizeof(p->buf) ? sizeof(p->buf) - p->len : sizeof(sink))) > 0)
		if (p->len < sizeof(p->buf))
			p->len += n;
	if (waitpid(p->pid, &st, 0) != p->pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int h_cgroup_create(const char *parent, const char *name, char *path, size_t len, uint64_t *id)
{
	char root[PATH_MAX];
	int rc;

	if (!parent) {
		rc = pw_cgroup2_mount(root, sizeof(root));
		if (rc)
			return rc;
		parent = root;
	}
	snprintf(path, len, "%s/%s-%d", parent, name, getpid());
	if (mkdir(path, 0755) && errno != EEXIST)
		return -errno;
	return pw_cgroup_id(path, id);
}

int h_docker_parent(char *path, size_t len, int *made)
{
	char mnt[PATH_MAX];

	*made = 0;
	if (pw_cgroup2_mount(mnt, sizeof(mnt)))
		return -ENOENT;
	if ((size_t)snprintf(path, len, "%s/docker", mnt) >= len)
		return -ENAMETOOLONG;
	if (!mkdir(path, 0755))
		*made = 1;
	else if (errno != EEXIST)
		return -errno;
	return 0;
}

int h_cgroup_remove(const char *path)
{
	/* Children have exited; zombies are reaped by then, so rmdir succeeds. */
	return rmdir(path) ? -errno : 0;
}

static int join_cgroup(const char *cgroup)
{
	char procs[PATH_MAX];
	int fd, ok;

	snprintf(procs, sizeof(procs), "%s/cgroup.procs", cgroup);
	fd = open(procs, O_WRONLY);
	if (fd < 0)
		return -1;
	ok = write(fd, "0", 1) == 1;
	close(fd);
	return ok ? 0 : -1;
}

pid_t h_spawn(const char *cgroup, char *const argv[])
{
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	if (cgroup && join_cgroup(cgroup)) {
		perror("join cgroup");
		_exit(126);
	}
	execv(argv[0], argv);
	perror("execv");
	_exit(127);
}

pid_t h_spawn_placed(const char *cgroup, char *const argv[])
{
	char procs[PATH_MAX + 16], pid_s[16], b;
	int go[2], fd, ok;
	pid_t pid;

	if (pipe(go))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		close(go[1]);
		if (read(go[0], &b, 1) != 1)
			_exit(126); /* not placed */
		execv(argv[0], argv);
		perror("execv");
		_exit(127);
	}
	close(go[0]);
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", cgroup);
	snprintf(pid_s, sizeof(pid_s), "%d", (int)pid);
	fd = open(procs, O_WRONLY);
	ok = fd >= 0 && write(fd, pid_s, strlen(pid_s)) == (ssize_t)strlen(pid_s);
	if (fd >= 0)
		close(fd);
	if (ok && write(go[1], "g", 1) != 1)
		perror("h_spawn_placed");
	close(go[1]); /* not placed: the child exits 126 */
	return pid;
}

int h_wait(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

int h_run(const char *cgroup, char *const argv[])
{
	pid_t pid = h_spawn(cgroup, argv);

	return pid < 0 ? -1 : h_wait(pid);
}

static void collect(void *ctx, const struct pw_event_kind *kind, const struct pw_event_header *h)
{
	struct h_agent *a = ctx;
	void *copy;

	if (a->n_events >= H_MAX_EVENTS)
		return;
	copy = malloc(h->size);
	if (!copy)
		return;
	memcpy(copy, h, h->size);
	a->events[a->n_events++] = copy;
}

enum pw_attach_mode h_test_mode(void)
{
	const char *env = getenv("PRIVWATCH_TEST_MODE");
	enum pw_attach_mode mode = PW_MODE_AUTO;

	if (env && pw_mode_parse(env, &mode))
		fprintf(stderr, "PRIVWATCH_TEST_MODE=%s: not auto, lsm or tracepoint; using auto\n",
			env);
	return mode;
}

/* This machine kind (Linux 6.18, LSM and fentry programs refused, no
 * kprobes): every concern on tracepoints. The VM parts of make test say
 * their own in PRIVWATCH_EXPECT_CHOICE (tests/run-everything.sh). */
#define H_HOST_CHOICE                                                                              \
	"process=tracepoint,capabilities=tracepoint,files=tracepoint,seccomp=tracepoint,"          \
	"namespaces=tracepoint,cgroups=tracepoint,tamper=tracepoint,mounts=tracepoint"

const char *h_expected_variant(const char *concern)
{
	/* Parsed once; the answers point into it and stay valid. */
	static char table[512];
	static int parsed;
	const char *env, *p;
	size_t n = strlen(concern);

	if (!parsed) {
		env = getenv("PRIVWATCH_EXPECT_CHOICE");
		snprintf(table, sizeof(table), ",%s", env && *env ? env : H_HOST_CHOICE);
		for (char *q = table; *q; q++)
			if (*q == ',')
				*q = '\0'; /* ",a=x,b=y" -> "\0a=x\0b=y" */
		parsed = 1;
	}
	for (p = table + 1; *p; p += strlen(p) + 1)
		if (!strncmp(p, concern, n) && p[n] == '=')
			return p + n + 1;
	return "unspecified";
}

int h_agent_start(struct h_agent *a, const struct pw_loader_opts *opts)
{
	struct pw_loader_opts o = *opts;
	char err[512];
	int rc;

	memset(a, 0, sizeof(*a));
	if (o.mode == PW_MODE_AUTO)
		o.mode = h_test_mode();
	if (pw_loader_start(&a->loader, &o, err, sizeof(err))) {
		fprintf(stderr, "agent start: %s\n", err);
		return -1;
	}
	rc = pw_reader_open(&a->reader, bpf_map__fd(a->loader.skel->maps.events), a);
	if (rc) {
		pw_loader_stop(&a->loader);
		return rc;
	}
	a->reader.fallback = collect;
	return 0;
}

int h_watch_new_cgroup(struct h_agent *a, const char *name, enum pw_attach_mode mode, char *cg,
		       size_t len, uint64_t *id)
{
	struct pw_loader_opts o = { .mode = mode, .cgroup_path = cg };

	if (h_cgroup_create(NULL, name, cg, len, id)) {
		fprintf(stderr, "cannot create a test cgroup %s\n", name);
		return -1;
	}
	return h_agent_start(a, &o);
}

int h_unwatch_cgroup(struct h_agent *a, const char *cg)
{
	h_agent_stop(a);
	return h_cgroup_remove(cg);
}

int h_forget_events(void **state)
{
	struct h_agent *a = *state;

	h_agent_drain(a, 20);
	h_agent_clear(a);
	return 0;
}

int h_kernel_has_btf_tracepoint(const char *name)
{
	struct btf *btf = btf__load_vmlinux_btf();
	char full[128];
	int found;

	if (!btf)
		return 0;
	snprintf(full, sizeof(full), "btf_trace_%s", name);
	found = btf__find_by_name_kind(btf, full, BTF_KIND_TYPEDEF) >= 0;
	btf__free(btf);
	return found;
}

enum pw_variant h_variant(const struct h_agent *a, const char *concern)
{
	int i;

	for (i = 0; i < pw_concern_count; i++)
		if (!strcmp(a->loader.choices[i].concern->name, concern))
			return a->loader.choices[i].variant;
	fail_msg("no concern named %s", concern);
	return PW_VARIANT_NONE;
}

enum pw_variant h_expect_variant(const struct h_agent *a, const char *concern)
{
	const char *want = h_expected_variant(concern);
	enum pw_variant v;

	if (pw_variant_parse(want, &v))
		fail_msg(
			"no variant for %s written for this environment (PRIVWATCH_EXPECT_CHOICE): %s",
			concern, want);
	if (h_variant(a, concern) != v)
		fail_msg("concern %s: the agent chose %s, this environment expects %s", concern,
			 pw_variant_name(h_variant(a, concern)), want);
	return v;
}

int h_env_cgroup_mount(const char *controller, char *mount, size_t len)
{
	char line[4096], mnt[PATH_MAX], fstype[64], opts[1024];
	FILE *f = fopen("/proc/self/mountinfo", "r");
	int found = 0;

	if (!f)
		return -errno;
	/* "id parent maj:min root mountpoint options [tags] - fstype source superoptions" */
	while (!found && fgets(line, sizeof(line), f)) {
		const char *sep = strstr(line, " - ");
		char *o, *save = NULL;

		if (!sep || sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1 ||
		    sscanf(sep + 3, "%63s %*s %1023s", fstype, opts) != 2)
			continue;
		if (!controller) {
			found = !strcmp(fstype, "cgroup2");
			continue;
		}
		if (strcmp(fstype, "cgroup"))
			continue;
		for (o = strtok_r(opts, ",", &save); o && !found; o = strtok_r(NULL, ",", &save))
			found = !strcmp(o, controller);
	}
	fclose(f);
	if (!found)
		return -ENOENT;
	snprintf(mount, len, "%s", mnt);
	return 0;
}

void h_agent_clear(struct h_agent *a)
{
	int i;

	for (i = 0; i < a->n_events; i++)
		free(a->events[i]);
	a->n_events = 0;
}

void h_agent_stop(struct h_agent *a)
{
	h_agent_clear(a);
	pw_reader_close(&a->reader);
	pw_loader_stop(&a->loader);
}

void h_agent_drain(struct h_agent *a, int ms)
{
	struct timespec start, now;
	int n;

	clock_gettime(CLOCK_MONOTONIC, &start);
	do {
		n = pw_reader_poll(&a->reader, 10);
		clock_gettime(CLOCK_MONOTONIC, &now);
		/* a full budget means more may be waiting: drain past the deadline */
	} while (n == PW_READER_BUDGET ||
		 (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000 < ms);
}

const void *h_find(struct h_agent *a, unsigned int type, pid_t pid, int nth)
{
	int i;

	for (i = 0; i < a->n_events; i++) {
		const struct pw_event_header *h = a->events[i];

		if (h->type == type && (!pid || h->pid == (__u32)pid) && nth-- == 0)
			return h;
	}
	return NULL;
}

int h_count(struct h_agent *a, unsigned int type, pid_t pid)
{
	int i, n = 0;

	for (i = 0; i < a->n_events; i++) {
		const struct pw_event_header *h = a->events[i];

		n += h->type == type && (!pid || h->pid == (__u32)pid);
	}
	return n;
}

void h_assert_no_drops(struct h_agent *a, unsigned int type, struct pw_kstats *out)
{
	struct pw_kstats ks;

	assert_int_equal(pw_kstats_read(&a->loader, &ks), 0);
	assert_int_equal(pw_stats_dropped_total(&ks, &a->reader.stats), 0);
	assert_true(ks.emitted[type] > 0);
	if (out)
		*out = ks;
}

void h_assert_late_child_cgroup_watched(struct h_agent *a, const char *parent)
{
	char *argv[] = { (char *)h_workload(), "noop", NULL };
	const struct pw_exec_event *e;
	char child[PATH_MAX];
	uint64_t child_id;
	pid_t pid;

	assert_int_equal(h_cgroup_create(parent, "late", child, sizeof(child), &child_id), 0);
	pid = h_spawn(child, argv);
	assert_int_equal(h_wait(pid), 0);
	h_agent_drain(a, 100);
	e = h_find(a, PW_EVENT_EXEC, pid, 0);
	assert_non_null(e);
	assert_int_equal(e->hdr.cgroup_id, child_id);
	assert_int_equal(h_cgroup_remove(child), 0);
}

int h_start_wait_ms(void)
{
	return getenv("PW_VM_KERNEL") ? 90000 : 20000;
}
