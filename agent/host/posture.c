// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Posture of a container from its init process. Everything is read through
 * a directory fd on /proc/<pid> (host/procfs.h), so a pid reused after the process exits is
 * never mistaken for it: its files then fail with ESRCH/ENOENT. Files of the
 * container itself (its /dev) are opened relative to /proc/<pid>/root without
 * following symlinks, so a hostile container cannot point us at host files.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <poll.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "events/capnames.h"
#include "host/posture.h"
#include "host/hostworker.h"
#include "host/mountinfo.h"
#include "host/procfs.h"

#define STATUS_MAX	(64 << 10)
#define MOUNTINFO_MAX	(4 << 20) /* thousands of mounts on busy hosts */
#define DEVLIST_MAX	(64 << 10)
#define DEV_ENTRIES_MAX 16384 /* looked at in /dev and its subdirectories together */
#define DEV_NAMES_MAX	1024  /* of which kept, to pick the evidence from */

/* Runtimes built before CAP_PERFMON (38) grant 0..37 (CAP_AUDIT_READ) as "all". */
#define CAPS_UPTO_AUDIT_READ ((1ULL << 38) - 1)

/*
 * What is the same for every container: where the host mounts its cgroup
 * hierarchies (from the agent's own mount table), PID 1's bounding set, the
 * LSM switches. In production (roots "/") read once and kept: the mount
 * table again only when the kernel says it changed (POLLPRI on an open
 * /proc/self/mountinfo), the rest when older than HOST_FACTS_TTL_NS (PID 1
 * may drop capabilities, an admin may setenforce). Fixture roots (unit
 * tests) are read every time. Measurements take a copy (and a reference to
 * the host's mount table, indexed, shared read-only): a worker stuck in a
 * read never holds the lock.
 */
#define HOST_FACTS_TTL_NS (30ULL * 1000000000)

struct cg_mount {
	int found;
	char point[1024], root[1024];
};

/* The agent's (the host's) mount table, parsed and indexed once per change. */
struct host_mounts {
	int refs; /* atomic */
	struct pw_mounts m;
};

struct host_facts {
	int mounts_rc;		    /* reading the host's mount table: 0 or -errno */
	struct host_mounts *mounts; /* a reference (NULL if unreadable): host->mounts->m */
	struct cg_mount devices_v1; /* the v1 hierarchy with the devices controller */
	struct cg_mount v2;	    /* the cgroup2 mount */
	int pid1_known;
	uint64_t pid1_bnd;
	int apparmor_on, selinux_on; /* the switch file exists */
	char apparmor[64], selinux[64];
};

struct ctx {
	int piddir;
	pid_t pid;
	const char *proc_root, *host_root;
	char *status;
	struct pw_mounts mi; /* the container's mount table */
	struct host_facts host;
};

/* Bounded append to a fixed string; marks truncation with "...". */
static void addf(char *dst, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void addf(char *dst, size_t len, const char *fmt, ...)
{
	size_t used = strnlen(dst, len);
	va_list ap;
	int n;

	if (used + 1 >= len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(dst + used, len - used, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n >= len - used && len > 4)
		memcpy(dst + len - 4, "...", 4);
}

static void set(struct pw_dimension *d, enum pw_dim_state s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void set(struct pw_dimension *d, enum pw_dim_state s, const char *fmt, ...)
{
	char *dst = s == PW_DIM_NA ? d->reason : d->evidence;
	size_t len = s == PW_DIM_NA ? sizeof(d->reason) : sizeof(d->evidence);
	va_list ap;

	d->state = s;
	va_start(ap, fmt);
	vsnprintf(dst, len, fmt, ap);
	va_end(ap);
}

static int read_path(const char *root, const char *path, size_t max, char **out)
{
	char full[4096];
	int rc = pw_proc_path(full, sizeof(full), root, path);

	return rc ? rc : pw_proc_read_alloc(AT_FDCWD, full, max, out);
}

static int path_exists(const char *root, const char *path)
{
	char full[4096];
	struct stat st;

	if (pw_proc_path(full, sizeof(full), root, path))
		return 0;
	pw_hw_reading("%s", full);
	return lstat(full, &st) == 0;
}

static int has_token(const char *list, const char *tok)
{
	size_t tlen = strlen(tok);
	const char *p = list;

	while (p && *p) {
		if (!strncmp(p, tok, tlen) && (p[tlen] == ',' || p[tlen] == '\0'))
			return 1;
		p = strchr(p, ',');
		if (p)
			p++;
	}
	return 0;
}

static void strip_nl(char *s)
{
	s[strcspn(s, "\n")] = '\0';
}

static void find_cg_mount(const struct pw_mounts *host, const char *controller,
			  struct cg_mount *out)
{
	int i;

	for (i = 0; i < host->n; i++) {
		const struct pw_mnt *e = &host->v[i];

		if (controller ? strcmp(e->fstype, "cgroup") || !has_token(e->super, controller)
			       : strcmp(e->fstype, "cgroup2"))
			continue;
		out->found = snprintf(out->point, sizeof(out->point), "%s", e->point) <
				     (int)sizeof(out->point) &&
			     snprintf(out->root, sizeof(out->root), "%s", e->root) <
				     (int)sizeof(out->root);
		return;
	}
}

static void read_switch(const char *host_root, const char *path, int *on, char *out, size_t len)
{
	char *v = NULL;

	*on = !read_path(host_root, path, 64, &v);
	if (*on) {
		strip_nl(v);
		snprintf(out, len, "%s", v);
	}
	free(v);
}

static void host_mounts_get(struct host_mounts *hm)
{
	if (hm)
		__atomic_add_fetch(&hm->refs, 1, __ATOMIC_RELAXED);
}

static void host_mounts_put(struct host_mounts *hm)
{
	if (hm && !__atomic_sub_fetch(&hm->refs, 1, __ATOMIC_ACQ_REL)) {
		pw_mounts_free(&hm->m);
		free(hm);
	}
}

/* f's mount table reference is the caller's. */
static void host_facts_read(const char *proc_root, const char *host_root, struct host_facts *f)
{
	struct host_mounts *hm = calloc(1, sizeof(*hm));
	char *buf = NULL;

	memset(f, 0, sizeof(*f));
	f->mounts_rc =
		hm ? read_path(proc_root, "/proc/self/mountinfo", MOUNTINFO_MAX, &buf) : -ENOMEM;
	if (!f->mounts_rc) {
		f->mounts_rc = pw_mounts_parse(buf, &hm->m); /* hm owns buf from here */
		if (!f->mounts_rc) {
			find_cg_mount(&hm->m, "devices", &f->devices_v1);
			find_cg_mount(&hm->m, NULL, &f->v2);
			hm->refs = 1;
			f->mounts = hm;
			hm = NULL;
		}
	}
	if (hm) {
		pw_mounts_free(&hm->m);
		free(hm);
	}
	buf = NULL;
	f->pid1_known = !read_path(proc_root, "/proc/1/status", STATUS_MAX, &buf) &&
			!pw_proc_status_num(buf, "CapBnd", 16, &f->pid1_bnd);
	free(buf);
	read_switch(host_root, "/sys/module/apparmor/parameters/enabled", &f->apparmor_on,
		    f->apparmor, sizeof(f->apparmor));
	read_switch(host_root, "/sys/fs/selinux/enforce", &f->selinux_on, f->selinux,
		    sizeof(f->selinux));
}

static struct {
	pthread_mutex_t mu;
	int valid, mi_fd;
	uint64_t read_ns;
	struct host_facts f;
	uint64_t reads; /* refreshes, for the tests */
} facts = { .mu = PTHREAD_MUTEX_INITIALIZER, .mi_fd = -1 };

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Has the agent's mount table changed since the fd last saw it? */
static int mounts_changed(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLPRI };

	return poll(&pfd, 1, 0) != 0;
}

static void host_facts(const char *proc_root, const char *host_root, struct host_facts *out)
{
	uint64_t now = mono_ns();
	int fresh, fd = -1;

	if (strcmp(proc_root, "/") || strcmp(host_root, "/")) {
		host_facts_read(proc_root, host_root, out);
		return;
	}
	pthread_mutex_lock(&facts.mu);
	fresh = facts.valid && now - facts.read_ns < HOST_FACTS_TTL_NS &&
		!mounts_changed(facts.mi_fd);
	if (fresh) {
		*out = facts.f;
		host_mounts_get(out->mounts);
	}
	pthread_mutex_unlock(&facts.mu);
	if (fresh)
		return;
	/* Opened before the read: a change during it shows at the next poll. */
	fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
	if (fd >= 0)
		mounts_changed(fd); /* the first poll reports the table as new */
	host_facts_read(proc_root, host_root, out);
	pthread_mutex_lock(&facts.mu);
	if (facts.mi_fd >= 0)
		close(facts.mi_fd);
	facts.mi_fd = fd;
	host_mounts_put(facts.f.mounts);
	facts.f = *out;
	host_mounts_get(facts.f.mounts); /* the cache's reference */
	facts.valid = fd >= 0;
	facts.read_ns = now;
	facts.reads++;
	pthread_mutex_unlock(&facts.mu);
}

uint64_t pw_posture_host_facts_reads(void)
{
	uint64_t n;

	pthread_mutex_lock(&facts.mu);
	n = facts.reads;
	pthread_mutex_unlock(&facts.mu);
	return n;
}

static const struct pw_mnt *covering(const struct pw_mounts *m, const char *path)
{
	return pw_mounts_covering(m, path);
}

static const struct pw_mnt *mounted_at(const struct pw_mounts *m, const char *path)
{
	return pw_mounts_at(m, path);
}

static int mnt_ro(const struct pw_mnt *e)
{
	return has_token(e->opts, "ro") || has_token(e->super, "ro");
}

/* "sys_admin" for 21: the seed's (amicontained's) spelling, shorter in evidence. */
static void add_cap_name(char *dst, size_t len, int cap)
{
	const char *n = pw_cap_name(cap);
	char low[32];
	size_t i;

	if (!n) {
		addf(dst, len, " cap_%d", cap);
		return;
	}
	for (i = 0; n[i + 4] && i < sizeof(low) - 1; i++)
		low[i] = n[i + 4] >= 'A' && n[i + 4] <= 'Z' ? n[i + 4] - 'A' + 'a' : n[i + 4];
	low[i] = '\0';
	addf(dst, len, " %s%s", low, (PW_CAPS_DANGEROUS >> cap) & 1 ? "(!)" : "");
}

/*
 * Graded: relaxed when CapBnd or CapEff holds anything beyond the runtime
 * default set, each added one named and the dangerous ones marked "(!)";
 * caps_full says whether CapBnd is everything the host has, which is what
 * --privileged gives.
 */
static void measure_caps(struct ctx *c, struct pw_posture *p, struct pw_dimension *d)
{
	uint64_t bnd, eff = 0, host = c->host.pid1_bnd, extra;
	int cap, host_known = c->host.pid1_known;

	if (pw_proc_status_num(c->status, "CapBnd", 16, &bnd)) {
		set(d, PW_DIM_NA, "no CapBnd in /proc/%d/status", c->pid);
		return;
	}
	pw_proc_status_num(c->status, "CapEff", 16, &eff);
	/* The host's own bounding set, not the full set: a host may lack some
	 * (this one has no CAP_SYS_RESOURCE anywhere). */
	if (!host_known)
		host = PW_CAP_LAST >= 63 ? ~0ULL : (1ULL << (PW_CAP_LAST + 1)) - 1;
	p->cap_bnd = bnd;
	p->cap_eff = eff;
	p->caps_full = (bnd & host) == host || bnd == (host & CAPS_UPTO_AUDIT_READ);
	extra = (bnd | eff) & ~PW_CAPS_RUNTIME_DEFAULT;
	p->caps_added = extra;
	p->caps_dangerous = extra & PW_CAPS_DANGEROUS;
	d->state = extra ? PW_DIM_RELAXED : PW_DIM_CONFINED;
	snprintf(d->evidence, sizeof(d->evidence),
		 "CapBnd %016" PRIx64 " CapEff %016" PRIx64 " (host %016" PRIx64 "%s)%s;", bnd, eff,
		 host, host_known ? "" : ", guessed", p->caps_full ? ", the full set" : "");
	if (!extra) {
		addf(d->evidence, sizeof(d->evidence), " nothing beyond the runtime default set");
		return;
	}
	addf(d->evidence, sizeof(d->evidence), " beyond the runtime default set:");
	for (cap = 0; cap < 64; cap++)
		if (extra & (1ULL << cap))
			add_cap_name(d->evidence, sizeof(d->evidence), cap);
}

static const char *const masked_paths[] = {
	"/proc/kcore", "/proc/keys",	"/proc/timer_list",    "/proc/sched_debug", "/proc/acpi",
	"/proc/scsi",  "/sys/firmware", "/proc/latency_stats", "/proc/timer_stats",
};

static void measure_masked(struct ctx *c, struct pw_dimension *d)
{
	char masked[PW_EVIDENCE_LEN] = "", open[PW_EVIDENCE_LEN] = "";
	int n_masked = 0, n_open = 0;
	size_t i;

	for (i = 0; i < sizeof(masked_paths) / sizeof(masked_paths[0]); i++) {
		const char *p = masked_paths[i];
		const struct pw_mnt *e = mounted_at(&c->mi, p);
		const char *root = !strncmp(p, "/proc/", 6) ? c->proc_root : c->host_root;

		/* Something other than the kernel's own file mounted there: a
		 * tmpfs, or a bind of /dev/null (shown as the fs of /dev). */
		if (e && strcmp(e->fstype, "proc") && strcmp(e->fstype, "sysfs")) {
			n_masked++;
			addf(masked, sizeof(masked), " %s", p);
		} else if (path_exists(root, p)) {
			n_open++;
			addf(open, sizeof(open), " %s", p);
		}
	}
	if (!n_masked && !n_open) {
		set(d, PW_DIM_NA, "none of the masked paths exists on this host");
		return;
	}
	if (n_masked)
		set(d, PW_DIM_CONFINED, "%d masked:%s", n_masked, masked);
	else
		set(d, PW_DIM_RELAXED, "none masked:%s", open);
	if (n_masked && n_open)
		addf(d->evidence, sizeof(d->evidence), "; not masked:%s", open);
}

static const char *const kernel_fs_paths[] = {
	"/sys", "/proc/sys", "/proc/sysrq-trigger", "/proc/bus", "/proc/fs", "/proc/irq",
};

static void measure_readonly(struct ctx *c, struct pw_dimension *d)
{
	char ro[256] = "", rw[256] = "";
	int sys_rw = 0, procsys_rw = 0, cg_ro = 0, cg_rw = 0, i;
	size_t k;

	for (k = 0; k < sizeof(kernel_fs_paths) / sizeof(kernel_fs_paths[0]); k++) {
		const struct pw_mnt *e = covering(&c->mi, kernel_fs_paths[k]);
		int w;

		if (!e)
			continue;
		w = !mnt_ro(e);
		addf(w ? rw : ro, sizeof(rw), " %s", kernel_fs_paths[k]);
		if (k == 0)
			sys_rw = w;
		else if (k == 1)
			procsys_rw = w;
	}
	for (i = 0; i < c->mi.n; i++) {
		const struct pw_mnt *e = &c->mi.v[i];

		if (strncmp(e->point, "/sys/fs/cgroup/", 15) ||
		    (strcmp(e->fstype, "cgroup") && strcmp(e->fstype, "cgroup2")) ||
		    covering(&c->mi, e->point) != e) /* hidden under another mount */
			continue;
		if (mnt_ro(e))
			cg_ro++;
		else
			cg_rw++;
	}
	if (c->mi.n == 0) {
		set(d, PW_DIM_NA, "empty mount table");
		return;
	}
	/* What matters is writing kernel knobs: /sys and /proc/sys. */
	d->state = sys_rw && procsys_rw ? PW_DIM_RELAXED : PW_DIM_CONFINED;
	d->evidence[0] = '\0';
	addf(d->evidence, sizeof(d->evidence), "rw:%s; ro:%s; cgroupfs %d rw %d ro",
	     *rw ? rw : " none", *ro ? ro : " none", cg_rw, cg_ro);
}

static int read_attr(struct ctx *c, const char *name, char **out)
{
	int rc = pw_proc_read_alloc(c->piddir, name, 4096, out);

	if (!rc)
		strip_nl(*out);
	return rc;
}

static void measure_apparmor(struct ctx *c, struct pw_dimension *d)
{
	char *label = NULL;
	int rc;

	if (!c->host.apparmor_on || c->host.apparmor[0] == 'N') {
		set(d, PW_DIM_NA, "AppArmor not enabled on this host");
		return;
	}
	/* attr/apparmor/ since 5.8 (LSM stacking); attr/current before. */
	rc = read_attr(c, "attr/apparmor/current", &label);
	if (rc)
		rc = read_attr(c, "attr/current", &label);
	if (rc) {
		set(d, PW_DIM_NA, "cannot read the AppArmor label: %s", strerror(-rc));
		return;
	}
	/* A complain-mode profile only logs: nothing is denied. */
	if (!strcmp(label, "unconfined") || strstr(label, " (unconfined)") ||
	    strstr(label, " (complain)"))
		set(d, PW_DIM_RELAXED, "profile %s", label);
	else
		set(d, PW_DIM_CONFINED, "profile %s", label);
	free(label);
}

static void measure_seccomp(struct ctx *c, struct pw_dimension *d)
{
	const char *s = pw_proc_status_field(c->status, "Seccomp");
	const char *nf = pw_proc_status_field(c->status, "Seccomp_filters");

	if (!s) {
		set(d, PW_DIM_NA, "no Seccomp in /proc/%d/status: kernel without seccomp", c->pid);
		return;
	}
	switch (atoi(s)) {
	case 0: set(d, PW_DIM_RELAXED, "disabled"); break;
	case 1: set(d, PW_DIM_CONFINED, "strict"); break;
	default: set(d, PW_DIM_CONFINED, "filter, %d filters", nf ? atoi(nf) : -1); break;
	}
}

/* The pid's cgroup path in the hierarchy whose /proc/<pid>/cgroup controller
 * list holds controller ("" for the cgroup2 line "0::/path"). */
static int pid_cgroup(const char *cgroups, const char *controller, char *out, size_t len)
{
	char *copy = strdup(cgroups), *line, *save = NULL;
	int rc = -ENOENT;

	if (!copy)
		return -ENOMEM;
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *ctrl = strchr(line, ':'), *path;

		if (!ctrl || !(path = strchr(ctrl + 1, ':')))
			continue;
		*path++ = '\0';
		ctrl++;
		if (*controller ? !has_token(ctrl, controller) : *ctrl != '\0')
			continue;
		/* The kernel writes canonical paths; refuse anything that could climb. */
		if (path[0] != '/' || strstr(path, "/..") ||
		    (size_t)snprintf(out, len, "%s", path) >= len)
			rc = -EINVAL;
		else
			rc = 0;
		break;
	}
	free(copy);
	return rc;
}

/* host_root + mount point + the cgroup path below the mount's root. */
static int cgroup_dir(const char *host_root, const char *point, const char *mroot,
		      const char *cgpath, char *out, size_t len)
{
	char rel[4096];
	size_t rl = strlen(mroot);

	if (!strcmp(mroot, "/"))
		rl = 0;
	else if (strncmp(cgpath, mroot, rl) || (cgpath[rl] != '/' && cgpath[rl] != '\0'))
		return -ENOENT; /* outside what the host has mounted */
	if ((size_t)snprintf(rel, sizeof(rel), "%s%s", point, cgpath + rl) >= sizeof(rel))
		return -ENAMETOOLONG;
	return pw_proc_path(out, len, host_root, rel);
}

/* Effective BPF device programs on a cgroup2 directory: count, or -errno. */
static int v2_device_progs(const char *dir)
{
	__u32 cnt = 0, flags = 0;
	int fd, rc;

	pw_hw_reading("%s", dir);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* Effective: a program on an ancestor restricts this cgroup too. */
	rc = bpf_prog_query(fd, BPF_CGROUP_DEVICE, BPF_F_QUERY_EFFECTIVE, &flags, NULL, &cnt);
	close(fd);
	return rc ? (rc < 0 ? rc : -EINVAL) : (int)cnt;
}

static void measure_devcgroup(struct ctx *c, struct pw_dimension *d)
{
	char *cgroups = NULL, *list = NULL;
	char cgpath[4096], dir[4096], file[4096 + 16];
	const struct host_facts *host = &c->host;
	int rc, v1 = 0, allow_all = 0, rules = 0, progs = -ENOENT;

	rc = pw_proc_read_alloc(c->piddir, "cgroup", 64 << 10, &cgroups);
	if (rc) {
		set(d, PW_DIM_NA, "cannot read /proc/%d/cgroup: %s", c->pid, strerror(-rc));
		return;
	}
	if (host->mounts_rc) {
		set(d, PW_DIM_NA, "cannot read the host's mount table: %s",
		    strerror(-host->mounts_rc));
		goto out;
	}
	/* v1 first: on hybrid hosts the devices controller lives there. */
	if (!pid_cgroup(cgroups, "devices", cgpath, sizeof(cgpath)) && host->devices_v1.found &&
	    !cgroup_dir(c->host_root, host->devices_v1.point, host->devices_v1.root, cgpath, dir,
			sizeof(dir))) {
		snprintf(file, sizeof(file), "%s/devices.list", dir);
		if (!pw_proc_read_alloc(AT_FDCWD, file, DEVLIST_MAX, &list)) {
			char *line, *save = NULL;

			v1 = 1;
			for (line = strtok_r(list, "\n", &save); line;
			     line = strtok_r(NULL, "\n", &save)) {
				rules++;
				if (!strncmp(line, "a *:* rwm", 9))
					allow_all = 1;
			}
			free(list);
		}
	}
	/* Device programs on cgroup2 apply on hybrid hosts as well. */
	if (!pid_cgroup(cgroups, "", cgpath, sizeof(cgpath)) && host->v2.found &&
	    !cgroup_dir(c->host_root, host->v2.point, host->v2.root, cgpath, dir, sizeof(dir)))
		progs = v2_device_progs(dir);

	if (v1 && !allow_all)
		set(d, PW_DIM_CONFINED, "v1 devices.list: %d rules, not a *:* rwm", rules);
	else if (v1 && progs > 0)
		set(d, PW_DIM_CONFINED, "v1 allows all, but %d BPF device programs on cgroup2",
		    progs);
	else if (v1)
		set(d, PW_DIM_RELAXED, "v1 devices.list: a *:* rwm");
	else if (progs > 0)
		set(d, PW_DIM_CONFINED, "cgroup2: %d BPF device programs (effective)", progs);
	else if (progs == 0)
		set(d, PW_DIM_RELAXED, "cgroup2: no BPF device program: allows all");
	else
		set(d, PW_DIM_NA, "no devices cgroup found (cgroup2 query: %s)", strerror(-progs));
out:
	free(cgroups);
}

/* /dev of a default container (runc's default devices and mounts). */
static int default_dev(const char *name)
{
	static const char *const names[] = {
		"null", "zero", "full",	 "random", "urandom", "tty", "console", "ptmx",	  "fuse",
		"core", "fd",	"stdin", "stdout", "stderr",  "pts", "shm",	"mqueue",
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(name, names[i]))
			return 1;
	return 0;
}

struct devname {
	char name[128];
	int rank; /* telling ones first in the evidence */
};

static int devname_cmp(const void *a, const void *b)
{
	const struct devname *x = a, *y = b;

	return x->rank != y->rank ? x->rank - y->rank : strcmp(x->name, y->name);
}

static int dev_rank(const char *name, mode_t mode)
{
	const char *base = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;

	if (S_ISBLK(mode))
		return 0;
	if (!strcmp(base, "kmsg") || !strcmp(base, "mem") || !strcmp(base, "kmem") ||
	    !strcmp(base, "port"))
		return 1;
	if (!strncmp(base, "ttyS", 4))
		return 2;
	return 3;
}

/* Device nodes in dirfd not in the default set, one level of subdirectories
 * deep (dri/, input/, mapper/); nothing is followed. */
static int scan_dev(int dirfd, const char *prefix, struct devname *v, int *n, int *seen, int *total)
{
	DIR *dir = fdopendir(dirfd);
	struct dirent *de;

	if (!dir) {
		close(dirfd);
		return -errno;
	}
	/* Bounded: a container can fill its /dev with anything. */
	while ((*seen)++ < DEV_ENTRIES_MAX && (de = readdir(dir))) {
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW))
			continue;
		if (S_ISDIR(st.st_mode) && !*prefix && !default_dev(de->d_name)) {
			int sub = openat(dirfd, de->d_name,
					 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

			if (sub >= 0)
				scan_dev(sub, de->d_name, v, n, seen, total);
			continue;
		}
		if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
			continue;
		if (!*prefix && default_dev(de->d_name))
			continue;
		if (*n < DEV_NAMES_MAX) {
			snprintf(v[*n].name, sizeof(v[*n].name), "%s%s%s", prefix,
				 *prefix ? "/" : "", de->d_name);
			v[*n].rank = dev_rank(de->d_name, st.st_mode);
			(*n)++;
		}
		(*total)++;
	}
	closedir(dir);
	return 0;
}

static void measure_devices(struct ctx *c, struct pw_dimension *d)
{
	const struct pw_mnt *m;
	struct devname *v;
	struct statfs sfs;
	int root, dev, n = 0, seen = 0, total = 0, i, rc;

	/* Follows the magic link to the container's root, which is the point;
	 * "dev" below it must be a real directory, not a symlink. */
	/* Only devtmpfs and tmpfs are listed: first by the container's own
	 * mount table, without touching the filesystem (opening the root of
	 * a FUSE mount whose server never answers blocks for good), then by
	 * statfs of what was opened (a mount made since). */
	m = covering(&c->mi, "/dev");
	if (m && strcmp(m->fstype, "tmpfs") && strcmp(m->fstype, "devtmpfs")) {
		set(d, PW_DIM_NA, "the container's /dev is %s, not devtmpfs or tmpfs: not listed",
		    m->fstype);
		return;
	}
	pw_hw_reading("/proc/%d/root/dev", c->pid);
	root = openat(c->piddir, "root", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0) {
		set(d, PW_DIM_NA, "cannot open /proc/%d/root: %s", c->pid, strerror(errno));
		return;
	}
	dev = openat(root, "dev", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	rc = errno;
	close(root);
	if (dev < 0) {
		set(d, PW_DIM_NA, "cannot open the container's /dev: %s%s", strerror(rc),
		    rc == ELOOP || rc == ENOTDIR ? " (a symlink: not followed)" : "");
		return;
	}
	/* devtmpfs shows tmpfs's magic (ramfs's without shmem). */
	if (fstatfs(dev, &sfs)) {
		rc = errno;
		close(dev);
		set(d, PW_DIM_NA, "cannot statfs the container's /dev: %s", strerror(rc));
		return;
	}
	if (sfs.f_type != TMPFS_MAGIC && sfs.f_type != RAMFS_MAGIC) {
		close(dev);
		set(d, PW_DIM_NA,
		    "the container's /dev is not devtmpfs or tmpfs (filesystem 0x%lx): not listed",
		    (unsigned long)sfs.f_type);
		return;
	}
	v = calloc(DEV_NAMES_MAX, sizeof(*v));
	if (!v) {
		close(dev);
		set(d, PW_DIM_NA, "out of memory");
		return;
	}
	rc = scan_dev(dev, "", v, &n, &seen, &total);
	if (rc) {
		set(d, PW_DIM_NA, "cannot list the container's /dev: %s", strerror(-rc));
		free(v);
		return;
	}
	if (!total) {
		set(d, PW_DIM_CONFINED, "no device nodes beyond the default set");
		free(v);
		return;
	}
	qsort(v, n, sizeof(*v), devname_cmp);
	set(d, PW_DIM_RELAXED, "%d extra device nodes:", total);
	for (i = 0; i < n && i < 8; i++)
		addf(d->evidence, sizeof(d->evidence), " %s", v[i].name);
	if (total > 8)
		addf(d->evidence, sizeof(d->evidence), " ...");
	if (seen > DEV_ENTRIES_MAX)
		addf(d->evidence, sizeof(d->evidence), " (listing cut at %d entries)",
		     DEV_ENTRIES_MAX);
	free(v);
}

static void measure_selinux(struct ctx *c, struct pw_dimension *d)
{
	char *label = NULL, *type = NULL, *p;
	int rc, permissive;

	if (!c->host.selinux_on) {
		set(d, PW_DIM_NA, "SELinux not active on this host");
		return;
	}
	permissive = c->host.selinux[0] == '0';
	rc = read_attr(c, "attr/current", &label);
	if (rc) {
		set(d, PW_DIM_NA, "cannot read the SELinux label: %s", strerror(-rc));
		return;
	}
	/* user:role:type:level; spc_t is what label=disabled and --privileged get. */
	p = strchr(label, ':');
	if (p && (p = strchr(p + 1, ':')))
		type = strndup(p + 1, strcspn(p + 1, ":"));
	if (permissive)
		set(d, PW_DIM_RELAXED, "host permissive; label %s", label);
	else if (type && (!strcmp(type, "spc_t") || !strcmp(type, "unconfined_t") ||
			  !strcmp(type, "kernel_t")))
		set(d, PW_DIM_RELAXED, "label %s", label);
	else
		set(d, PW_DIM_CONFINED, "label %s", label);
	free(type);
	free(label);
}

/*
 * The namespace link of a process ("pid:[4026531836]"), read from its
 * /proc directory: the kernel writes it, the container cannot choose it.
 */
static int ns_link(int dirfd, const char *type, char *out, size_t len)
{
	char rel[32];
	ssize_t n;

	snprintf(rel, sizeof(rel), "ns/%s", type);
	n = readlinkat(dirfd, rel, out, len - 1);
	if (n < 0)
		return -errno;
	out[n] = '\0';
	return 0;
}

/*
 * The host's namespaces to compare with. /proc/1/ns/ is refused even to
 * root on some hosts (here: PID 1 is a sandbox's own process), so the first
 * choice is kthreadd (pid 2, Name kthreadd, PPid 0): a kernel thread lives in
 * the initial namespaces by construction. Then PID 1, then the agent itself,
 * which must run in the host's namespaces to watch every container.
 */
static int host_ns_ref(struct ctx *c, char *who, size_t wlen)
{
	static const struct {
		pid_t pid;
		const char *name;
	} refs[] = { { 2, "kthreadd (pid 2)" }, { 1, "pid 1" }, { 0, "the agent (/proc/self)" } };
	char link[64];
	size_t i;

	for (i = 0; i < sizeof(refs) / sizeof(refs[0]); i++) {
		int fd;

		if (refs[i].pid) {
			fd = pw_proc_open_pid(c->proc_root, refs[i].pid);
		} else {
			char full[4096];

			fd = pw_proc_path(full, sizeof(full), c->proc_root, "/proc/self")
				     ? -ENAMETOOLONG
				     : open(full, O_PATH | O_DIRECTORY | O_CLOEXEC);
			if (fd < 0)
				fd = -errno;
		}
		if (fd < 0)
			continue;
		if (refs[i].pid == 2) {
			char *st = NULL;
			const char *name;
			uint64_t ppid = 1;
			int ok = !pw_proc_read_alloc(fd, "status", STATUS_MAX, &st) &&
				 (name = pw_proc_status_field(st, "Name")) &&
				 !strncmp(name, "kthreadd", 8) && (name[8] == '\n' || !name[8]) &&
				 !pw_proc_status_num(st, "PPid", 10, &ppid) && ppid == 0;

			free(st);
			if (!ok) {
				close(fd);
				continue;
			}
		}
		if (ns_link(fd, "pid", link, sizeof(link))) {
			close(fd);
			continue;
		}
		snprintf(who, wlen, "%s", refs[i].name);
		return fd;
	}
	return -ENOENT;
}

static void measure_host_ns(struct ctx *c, struct pw_posture *p, int ref, const char *who)
{
	struct pw_dimension *d = &p->dim[PW_DIM_HOST_NAMESPACES];
	char shared[128] = "", own[128] = "", unknown[128] = "";
	int t;

	if (ref < 0) {
		set(d, PW_DIM_NA, "no host process to compare namespaces with");
		return;
	}
	for (t = 0; t < PW_HOSTNS_COUNT; t++) {
		const char *name = pw_hostns_name(t);
		char a[64], b[64];

		if (ns_link(c->piddir, name, a, sizeof(a)) || ns_link(ref, name, b, sizeof(b))) {
			addf(unknown, sizeof(unknown), " %s", name);
			continue;
		}
		if (!strcmp(a, b)) {
			p->host_ns |= 1u << t;
			addf(shared, sizeof(shared), " %s", name);
		} else {
			addf(own, sizeof(own), " %s", name);
		}
	}
	if (!*shared && !*own) {
		set(d, PW_DIM_NA, "cannot read /proc/%d/ns", c->pid);
		return;
	}
	d->state = p->host_ns & PW_HOSTNS_COUNTED ? PW_DIM_RELAXED : PW_DIM_CONFINED;
	d->evidence[0] = '\0';
	addf(d->evidence, sizeof(d->evidence), "the host's:%s; own:%s", *shared ? shared : " none",
	     *own ? own : " none");
	if (*unknown)
		addf(d->evidence, sizeof(d->evidence), "; unreadable:%s", unknown);
	if (p->host_ns & ~PW_HOSTNS_COUNTED)
		addf(d->evidence, sizeof(d->evidence),
		     " (cgroup, time: the runtime default, not counted)");
	addf(d->evidence, sizeof(d->evidence), "; compared with %s", who);
}

static void measure_userns(struct ctx *c, struct pw_dimension *d, int ref, const char *who)
{
	char a[64], b[64], *map = NULL;

	if (ref < 0 || ns_link(ref, "user", b, sizeof(b))) {
		set(d, PW_DIM_NA, "no host user namespace to compare with");
		return;
	}
	if (ns_link(c->piddir, "user", a, sizeof(a))) {
		set(d, PW_DIM_NA, "cannot read /proc/%d/ns/user: %s", c->pid, strerror(errno));
		return;
	}
	if (!strcmp(a, b)) {
		set(d, PW_DIM_RELAXED, "%s is the host's (%s): container root is host root", a,
		    who);
		return;
	}
	set(d, PW_DIM_CONFINED, "%s, not the host's %s", a, b);
	if (!pw_proc_read_alloc(c->piddir, "uid_map", 4096, &map)) {
		char *nl = strchr(map, '\n');

		char *r, *w;

		if (nl && nl[1])
			*nl = ',';
		strip_nl(map);
		/* "         0     100000      65536" -> " 0 100000 65536" */
		for (r = w = map; *r; r++)
			if (*r != ' ' || (w > map && w[-1] != ' ') || w == map)
				*w++ = *r;
		*w = '\0';
		addf(d->evidence, sizeof(d->evidence), "; uid_map%s%s", map[0] == ' ' ? "" : " ",
		     map);
		free(map);
	}
}

/* The host path a container mount shows: the host mount of the same
 * device whose root is the longest prefix of the mount's root, and what is
 * below it. 0, or -ENOENT when the device is not mounted on the host. */
static int host_path_of(const struct pw_mounts *host, const struct pw_mnt *e, char *out, size_t len)
{
	const struct pw_mnt *best = NULL;
	size_t blen = 0;
	int i;

	for (i = 0; i < host->n; i++) {
		const struct pw_mnt *h = &host->v[i];
		size_t rl = strlen(h->root);

		if (strcmp(h->dev, e->dev))
			continue;
		if (!strcmp(h->root, "/"))
			rl = 0;
		else if (strncmp(e->root, h->root, rl) || (e->root[rl] != '/' && e->root[rl]))
			continue;
		if (!best || rl > blen) {
			best = h;
			blen = rl;
		}
	}
	if (!best)
		return -ENOENT;
	{
		const char *rest = e->root + blen;

		if (!strcmp(rest, "/"))
			rest = "";
		if (!strcmp(best->point, "/"))
			snprintf(out, len, "%s", *rest ? rest : "/");
		else
			snprintf(out, len, "%s%s", best->point, rest);
	}
	/* " (deleted)" or octal escapes: the path as the kernel printed it. */
	return 0;
}

/* Files the runtime itself mounts from the host into every container (its
 * /etc/hosts, resolv.conf, hostname, .containerenv, podman's /dev/shm; kubelet's emptyDir,
 * secret and configMap volumes; named volumes): not hostPath volumes. */
static int runtime_own(const char *src, const char *target)
{
	/* Wherever the runtime keeps its state: the files it writes for every
	 * container, by the name it gives them. */
	static const char *const files[] = {
		"/etc/hosts",	      "/etc/hostname",	      "/etc/resolv.conf",
		"/run/.containerenv", "/dev/termination-log", "/dev/shm",
	};
	const char *sb = strrchr(src, '/'), *tb = strrchr(target, '/');
	static const char *const own[] = {
		"/var/lib/docker/containers/",
		"/var/lib/docker/volumes/",
		"/var/lib/kubelet/pods/",
		"/var/lib/containers/storage/",
		"/run/containers/storage/",
		"/var/run/containers/storage/",
		"/run/containerd/",
		"/var/run/containerd/",
		"/run/libpod/",
		"/var/lib/containerd/",
		"/var/lib/rancher/k3s/agent/",
	};
	size_t i;

	for (i = 0; i < sizeof(own) / sizeof(own[0]); i++)
		if (!strncmp(src, own[i], strlen(own[i])))
			return 1;
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (!strcmp(target, files[i]) && sb && tb &&
		    (!strcmp(sb, tb) || !strncmp(sb + 1, "termination-log", 15) ||
		     !strcmp(sb, "/containerenv")))
			return 1;
	return 0;
}

/*
 * Sensitive host paths mounted into the container: each mount of its table
 * whose device the host has mounted is a host path (mountinfo's root within
 * the device, placed under the host's mount point); the ones on the list
 * (events/posture_model.h) are reported with rw/ro. Not host paths: the
 * container's root, cgroup and kernel-made filesystems the runtime mounts
 * itself (sysfs on /sys is the host's sysfs with a host network namespace,
 * still the runtime's own mount).
 */
static void measure_host_mounts(struct ctx *c, struct pw_posture *p)
{
	struct pw_dimension *d = &p->dim[PW_DIM_HOST_MOUNTS];
	const struct pw_mnt *root = covering(&c->mi, "/");
	/* the host's table, read and indexed once per change (host facts) */
	const struct pw_mounts *host = c->host.mounts ? &c->host.mounts->m : NULL;
	char other[256] = "";
	int i, total = 0;

	if (!host) {
		set(d, PW_DIM_NA, "cannot read the host's mount table: %s",
		    strerror(-(c->host.mounts_rc ? c->host.mounts_rc : -ENOENT)));
		return;
	}
	d->evidence[0] = '\0';
	for (i = 0; i < c->mi.n; i++) {
		const struct pw_mnt *e = &c->mi.v[i];
		char src[PW_MOUNT_PATH_LEN];
		int cls;

		if (e == root || !strcmp(e->fstype, "cgroup") || !strcmp(e->fstype, "cgroup2") ||
		    !strcmp(e->fstype, "mqueue") || !strcmp(e->fstype, "devpts") ||
		    (!strcmp(e->fstype, "sysfs") && !strcmp(e->point, "/sys")) ||
		    (!strcmp(e->fstype, "proc") && !strcmp(e->point, "/proc")))
			continue;
		if (host_path_of(host, e, src, sizeof(src)))
			continue;
		cls = pw_sensitive_match(src);
		if (cls < 0) {
			/* --ipc=host hands over the host's /dev/shm with its ipc
			 * namespace: host_namespaces says so. */
			if (runtime_own(src, e->point) ||
			    (!strcmp(src, "/dev/shm") && !strcmp(e->point, "/dev/shm")))
				continue;
			p->nhost_paths++;
			addf(p->host_paths, sizeof(p->host_paths), "%s%s",
			     p->nhost_paths > 1 ? "," : "", src);
			addf(other, sizeof(other), " %s on %s %s", src, e->point,
			     mnt_ro(e) ? "ro" : "rw");
			continue;
		}
		total++;
		p->host_mount_classes |= 1u << cls;
		if (!mnt_ro(e))
			p->host_mount_classes_rw |= 1u << cls;
		if (p->nhost_mounts < PW_HOST_MOUNTS_MAX) {
			struct pw_host_mount *m = &p->host_mounts[p->nhost_mounts++];

			snprintf(m->source, sizeof(m->source), "%s", src);
			snprintf(m->target, sizeof(m->target), "%s", e->point);
			m->mclass = cls;
			m->rw = !mnt_ro(e);
		}
		addf(d->evidence, sizeof(d->evidence), "%s%s on %s %s (%s)", total > 1 ? "; " : "",
		     src, e->point, mnt_ro(e) ? "ro" : "rw", pw_mount_class_name(cls));
	}
	d->state = total ? PW_DIM_RELAXED : PW_DIM_CONFINED;
	if (!total)
		snprintf(d->evidence, sizeof(d->evidence), "no sensitive host path among %d mounts",
			 c->mi.n);
	if (*other)
		addf(d->evidence, sizeof(d->evidence), "; other host paths:%s", other);
}

static void measure_nnp(struct ctx *c, struct pw_dimension *d)
{
	uint64_t v;

	if (pw_proc_status_num(c->status, "NoNewPrivs", 10, &v))
		set(d, PW_DIM_NA, "no NoNewPrivs in /proc/%d/status", c->pid);
	else if (v)
		set(d, PW_DIM_CONFINED, "NoNewPrivs 1");
	else
		set(d, PW_DIM_RELAXED,
		    "NoNewPrivs 0: setuid and file capabilities raise privilege");
}

/* "Uid: real effective saved fs", as the host sees them. */
static void measure_user(struct ctx *c, struct pw_posture *p, struct pw_dimension *d)
{
	const char *u = pw_proc_status_field(c->status, "Uid");
	long real, eff;
	char *end;

	p->uid = -1;
	if (!u) {
		set(d, PW_DIM_NA, "no Uid in /proc/%d/status", c->pid);
		return;
	}
	real = strtol(u, &end, 10);
	eff = strtol(end, &end, 10);
	if (end == u || real < 0 || eff < 0) {
		set(d, PW_DIM_NA, "unreadable Uid in /proc/%d/status", c->pid);
		return;
	}
	p->uid = eff;
	if (eff == 0 || real == 0)
		set(d, PW_DIM_RELAXED, "uid %ld euid %ld: host root", real, eff);
	else
		set(d, PW_DIM_CONFINED, "uid %ld euid %ld on the host", real, eff);
}

static void measure_rootfs(struct ctx *c, struct pw_dimension *d)
{
	const struct pw_mnt *root = covering(&c->mi, "/");

	if (!root)
		set(d, PW_DIM_NA, "no root mount in /proc/%d/mountinfo", c->pid);
	else if (mnt_ro(root))
		set(d, PW_DIM_CONFINED, "/ %s ro", root->fstype);
	else
		set(d, PW_DIM_RELAXED, "/ %s rw", root->fstype);
}

int pw_posture_measure(pid_t pid, const char *proc_root, const char *host_root,
		       struct pw_posture *out)
{
	struct ctx c = { .pid = pid, .proc_root = proc_root, .host_root = host_root };
	char *mi = NULL, who[64] = "";
	int rc, have_facts = 0, ref;

	memset(out, 0, sizeof(*out));
	if (pid <= 0)
		return -EINVAL;
	c.piddir = pw_proc_open_pid(proc_root, pid);
	if (c.piddir < 0)
		return c.piddir == -ENOENT ? -ESRCH : c.piddir;
	rc = pw_proc_read_alloc(c.piddir, "status", STATUS_MAX, &c.status);
	if (!rc && pw_proc_dead(c.piddir))
		rc = -ESRCH;
	if (!rc) {
		rc = pw_proc_read_alloc(c.piddir, "mountinfo", MOUNTINFO_MAX, &mi);
		if (!rc)
			rc = pw_mounts_parse(mi, &c.mi); /* c.mi owns mi from here */
	}
	if (rc)
		goto out;
	out->pid = pid;
	host_facts(proc_root, host_root, &c.host);
	have_facts = 1;
	measure_caps(&c, out, &out->dim[PW_DIM_CAPABILITIES]);
	measure_masked(&c, &out->dim[PW_DIM_MASKED_PATHS]);
	measure_readonly(&c, &out->dim[PW_DIM_READONLY_KERNEL_FS]);
	measure_apparmor(&c, &out->dim[PW_DIM_APPARMOR]);
	measure_seccomp(&c, &out->dim[PW_DIM_SECCOMP]);
	measure_devcgroup(&c, &out->dim[PW_DIM_DEVICE_CGROUP]);
	measure_devices(&c, &out->dim[PW_DIM_HOST_DEVICES]);
	measure_selinux(&c, &out->dim[PW_DIM_SELINUX]);
	ref = host_ns_ref(&c, who, sizeof(who));
	measure_host_ns(&c, out, ref, who);
	measure_userns(&c, &out->dim[PW_DIM_USER_NAMESPACE], ref, who);
	if (ref >= 0)
		close(ref);
	measure_host_mounts(&c, out);
	measure_nnp(&c, &out->dim[PW_DIM_NO_NEW_PRIVS]);
	measure_user(&c, out, &out->dim[PW_DIM_USER]);
	measure_rootfs(&c, &out->dim[PW_DIM_READONLY_ROOTFS]);
	/* Still alive? Otherwise some reads may have seen it half gone. The
	 * dir fd pins this process: a new one reusing the pid is not it. */
	rc = pw_proc_dead(c.piddir) ? -ESRCH : 0;
	if (!rc)
		pw_posture_derive(out);
out:
	if (rc && pw_proc_dead(c.piddir))
		rc = -ESRCH;
	if (rc)
		memset(out, 0, sizeof(*out));
	if (have_facts)
		host_mounts_put(c.host.mounts);
	free(c.status);
	pw_mounts_free(&c.mi);
	close(c.piddir);
	return rc;
}
