// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <dirent.h>
#include <stdint.h>
#include <time.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/mount.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "kernel/loader.h"
#include "lib/idset.h"
#include "kernel/noaudit.h"
#include "lib/log.h"
#include "privwatch.skel.h"

int pw_ringbuf_size_parse(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	long page = sysconf(_SC_PAGESIZE);

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -1;
	switch (*end) {
	case 'k':
	case 'K':
		v <<= 10;
		end++;
		break;
	case 'm':
	case 'M':
		v <<= 20;
		end++;
		break;
	case 'g':
	case 'G':
		v <<= 30;
		end++;
		break;
	}
	if (*end || v < (unsigned long long)page || (v & (v - 1)) || v > (1ull << 30))
		return -1;
	*out = v;
	return 0;
}

static int open_and_choose(struct pw_loader *l, const struct pw_loader_opts *o, char *err,
			   size_t errlen)
{
	struct pw_choice_opts co = { .mode = o->mode, .trust_lsm_attach = o->trust_lsm_attach };
	int rc;

	memcpy(co.skip, o->skip, sizeof(co.skip));
	pw_features_probe(&l->features, o->trust_lsm_attach);
	l->skel = privwatch_bpf__open();
	if (!l->skel) {
		snprintf(err, errlen, "failed to open the BPF object: %s", strerror(errno));
		return -1;
	}
	if (pw_concern_count > PW_MAX_CONCERNS) {
		snprintf(err, errlen, "internal: %d concerns, room for %d", pw_concern_count,
			 PW_MAX_CONCERNS);
		return -1;
	}
	rc = pw_features_choose(l->skel->obj, &l->features, &co, l->choices, err, errlen);
	if (rc)
		return rc;
	if (pw_features_apply(l->skel->obj, l->choices)) {
		const char *unlisted = pw_features_unlisted_program(l->skel->obj);

		if (unlisted)
			snprintf(err, errlen, "internal: program %s is in no concern of the table",
				 unlisted);
		else
			snprintf(err, errlen,
				 "internal: a program of the concern table is not in "
				 "the BPF object");
		return -1;
	}
	return 0;
}

int pw_loader_plan(struct pw_loader *l, const struct pw_loader_opts *o, char *err, size_t errlen)
{
	memset(l, 0, sizeof(*l));
	return open_and_choose(l, o, err, errlen);
}

/* Which hierarchy identifies containers: cgroup2 where it is mounted, else
 * (or when asked) one v1 controller's hierarchy. */
static int resolve_hierarchy(struct pw_loader *l, const struct pw_loader_opts *o, char *err,
			     size_t errlen)
{
	struct pw_cgroup_v1 v1;
	int rc;

	l->cgroup_v1_ssid = -1;
	if (!o->cgroup_v1 && pw_cgroup2_mount(l->cgroup_mount, sizeof(l->cgroup_mount)) == 0)
		return 0;
	rc = pw_cgroup_v1_find(o->cgroup_v1, &v1);
	if (rc) {
		if (o->cgroup_v1)
			snprintf(err, errlen,
				 "--cgroup-v1 %s: no cgroup v1 hierarchy of that controller "
				 "is mounted",
				 o->cgroup_v1);
		else
			snprintf(err, errlen,
				 "no cgroup2 hierarchy and no cgroup v1 controller mounted: "
				 "privwatch identifies containers by their cgroup");
		return -1;
	}
	snprintf(l->cgroup_mount, sizeof(l->cgroup_mount), "%s", v1.mount);
	snprintf(l->cgroup_v1_controller, sizeof(l->cgroup_v1_controller), "%s", v1.controller);
	l->cgroup_v1_ssid = v1.ssid;
	l->hierarchy_id = v1.hierarchy_id;
	return 0;
}

static int resolve_watch(struct pw_loader *l, const struct pw_loader_opts *o, char *err,
			 size_t errlen)
{
	int rc;

	if (resolve_hierarchy(l, o, err, errlen))
		return -1;
	rc = pw_cgroup_id(l->cgroup_mount, &l->root_cgroup_id);
	if (rc) {
		snprintf(err, errlen, "cannot read the id of %s: %s", l->cgroup_mount,
			 strerror(-rc));
		return -1;
	}
	if (!o->cgroup_path) {
		l->watch_mode = PW_WATCH_ALL_BUT_ROOT;
		return 0;
	}
	l->watch_mode = PW_WATCH_MAP;
	if (!realpath(o->cgroup_path, l->watch_path)) {
		snprintf(err, errlen, "--cgroup %s: %s", o->cgroup_path, strerror(errno));
		return -1;
	}
	rc = l->cgroup_v1_ssid < 0 ? pw_is_cgroup2(l->watch_path) : pw_is_cgroup1(l->watch_path);
	if (rc <= 0 || strncmp(l->watch_path, l->cgroup_mount, strlen(l->cgroup_mount))) {
		snprintf(err, errlen,
			 "--cgroup %s: not a directory of the %s hierarchy mounted at %s",
			 o->cgroup_path,
			 l->cgroup_v1_ssid < 0 ? "cgroup2" : l->cgroup_v1_controller,
			 l->cgroup_mount);
		return -1;
	}
	rc = pw_cgroup_id(l->watch_path, &l->watch_cgroup_id);
	if (rc) {
		snprintf(err, errlen, "--cgroup %s: %s", o->cgroup_path, strerror(-rc));
		return -1;
	}
	return 0;
}

/*
 * Tell the capability tracepoint where noaudit checks come from
 * (agent/kernel/noaudit.h). The other variants have the opts argument and
 * need none of it, and kallsyms is slow to read (0.3 s under emulation):
 * only when the tracepoint is loaded for capabilities.
 */
static void configure_noaudit(struct pw_loader *l)
{
	struct privwatch_bpf *s = l->skel;
	struct pw_text_range r[PW_NOAUDIT_RANGES];
	int i, n, c, v;

	for (c = 0; c < pw_concern_count; c++) {
		const struct pw_choice *ch = &l->choices[c];

		if (strcmp(ch->concern->name, "capabilities"))
			continue;
		for (v = 0; v < PW_CONCERN_VARIANTS; v++)
			if (ch->concern->variants[v].kind == PW_VARIANT_TP &&
			    (ch->usable & (1u << v)))
				break;
		if (v == PW_CONCERN_VARIANTS)
			return;
	}
	n = pw_noaudit_ranges("/proc/kallsyms", r, PW_NOAUDIT_RANGES);

	if (n <= 0) {
		pw_warn("kallsyms unreadable: capability checks that only ask (noaudit, e.g. "
			"the mmap overcommit check) are reported as uses\n");
		return;
	}
	for (i = 0; i < n; i++) {
		s->rodata->noaudit_lo[i] = r[i].lo;
		s->rodata->noaudit_hi[i] = r[i].hi;
	}
	s->rodata->noaudit_ranges = n;
	s->rodata->noaudit_caps = pw_noaudit_caps();
}

static int configure(struct pw_loader *l, const struct pw_loader_opts *o, char *err, size_t errlen)
{
	struct privwatch_bpf *s = l->skel;

	l->ringbuf_bytes = o->ringbuf_bytes ? o->ringbuf_bytes : PW_RINGBUF_DEFAULT;
	if (bpf_map__set_max_entries(s->maps.events, l->ringbuf_bytes)) {
		snprintf(err, errlen, "cannot size the ring buffer to %llu bytes",
			 (unsigned long long)l->ringbuf_bytes);
		return -1;
	}
	s->rodata->watch_mode = l->watch_mode;
	s->rodata->root_cgroup_id = l->root_cgroup_id;
	s->rodata->cgroup_v1_ssid = l->cgroup_v1_ssid;
	s->rodata->watch_hierarchy_id = l->hierarchy_id;
	/* Wake the reader when 1/16 of the ring is pending; below that its poll
	 * timer collects the data (see pw_submit in bpf/common.bpf.h). */
	s->rodata->wakeup_bytes = l->ringbuf_bytes / 16;
	s->rodata->agent_tgid = getpid();
	s->rodata->budget_rate = o->budget_rate;
	s->rodata->budget_burst = o->budget_burst;
	s->rodata->pw_floor = o->floor ? 1 : 0;
	configure_noaudit(l);
	return 0;
}

/* --keep-sensors: a link pinned at DIR/links/<program>, so that it stays
 * attached when the agent is gone. A pin that fails costs only the
 * restart's continuity for that program: said, not fatal. */
static void pin_link(struct pw_loader *l, struct bpf_link *link, const char *prog)
{
	char path[PATH_MAX];
	int rc;

	if (!l->pin_keep)
		return;
	snprintf(path, sizeof(path), "%s/links_%d/%s", l->pin_dir, (int)getpid(), prog);
	rc = bpf_link__pin(link, path);
	if (rc)
		pw_warn("--keep-sensors: cannot pin %s at %s: %s (a restart loses its events "
			"until attached again)\n",
			prog, path, strerror(-rc));
}

/* Attach the chosen variant of concern c, one program at a time so a
 * failure names the program. */
static int attach_concern(struct pw_loader *l, int c, char *err, size_t errlen)
{
	const struct pw_variant_def *v = pw_choice_def(&l->choices[c]);
	int i;

	for (i = 0; v && i < PW_CONCERN_PROGS && v->progs[i]; i++) {
		struct bpf_program *prog =
			bpf_object__find_program_by_name(l->skel->obj, v->progs[i]);
		struct bpf_link *link = prog ? bpf_program__attach(prog) : NULL;

		if (!link) {
			snprintf(err, errlen, "cannot attach %s (%s): %s", v->progs[i],
				 prog ? bpf_program__section_name(prog) : "not in the object",
				 strerror(errno));
			return -1;
		}
		l->links[c][i] = link;
		pin_link(l, link, v->progs[i]);
	}
	return 0;
}

static void detach_concern(struct pw_loader *l, int c)
{
	int i;

	for (i = 0; i < PW_CONCERN_PROGS; i++) {
		/* a pinned link would stay attached through its pin */
		if (l->links[c][i] && bpf_link__pin_path(l->links[c][i]))
			bpf_link__unpin(l->links[c][i]);
		bpf_link__destroy(l->links[c][i]);
		l->links[c][i] = NULL;
	}
}

static int attach_chosen(struct pw_loader *l, char *err, size_t errlen)
{
	int c;

	for (c = 0; c < pw_concern_count; c++)
		if (attach_concern(l, c, err, errlen))
			return -1;
	return 0;
}

int pw_loader_reattach(struct pw_loader *l, int c, char *err, size_t errlen)
{
	detach_concern(l, c);
	return attach_concern(l, c, err, errlen);
}

int pw_loader_fall_back(struct pw_loader *l, int c, char *err, size_t errlen)
{
	struct pw_choice *ch = &l->choices[c];
	char was[PW_WHY_LEN];
	int next;

	detach_concern(l, c);
	if (ch->index >= 0)
		ch->failed |= 1u << ch->index;
	snprintf(was, sizeof(was), "%s", pw_variant_name(ch->variant));
	next = pw_choice_next(ch);
	ch->index = next;
	ch->variant = next < 0 ? PW_VARIANT_NONE : ch->concern->variants[next].kind;
	ch->proof = next < 0 ? PW_PROOF_BLIND : PW_PROOF_UNCHECKED;
	if (next < 0) {
		snprintf(ch->why, sizeof(ch->why),
			 "BLIND: %s attached but its canary was never seen, and no other variant "
			 "can run here",
			 was);
		return 1;
	}
	snprintf(ch->why, sizeof(ch->why), "%s attached but its canary was never seen; %s", was,
		 ch->concern->variants[next].rank_why);
	return attach_concern(l, c, err, errlen) ? -1 : 0;
}

static int add_watched(uint64_t id, const char *path, void *ctx)
{
	struct pw_loader *l = ctx;
	__u8 one = 1;

	if (bpf_map__update_elem(l->skel->maps.watched_cgroups, &id, sizeof(id), &one, sizeof(one),
				 BPF_ANY)) {
		/* Counted like the kernel's own refusals (privwatch.lost/1 and an
		 * alert say so); the agent starts all the same. */
		if (!l->skel->bss->watched_cgroups_full++)
			pw_err("cannot watch %s: %s (at most %d cgroups): the cgroups left over "
			       "are not watched\n",
			       path, strerror(errno), PW_WATCHED_CGROUPS_MAX);
		return 0;
	}
	l->watched_at_start++;
	return 0;
}

void pw_loader_watch_changed(struct pw_loader *l)
{
	__atomic_fetch_add(&l->skel->data->watch_gen, 1, __ATOMIC_SEQ_CST);
}

struct rewatch {
	struct pw_loader *l;
	int restored;
};

static int restore_watched(uint64_t id, const char *path, void *ctx)
{
	struct rewatch *rw = ctx;
	struct bpf_map *m = rw->l->skel->maps.watched_cgroups;
	__u8 one = 1, v;

	if (bpf_map__lookup_elem(m, &id, sizeof(id), &v, sizeof(v), 0) == 0)
		return 0;
	if (access(path, F_OK)) /* removed since the walk listed it */
		return 0;
	if (bpf_map__update_elem(m, &id, sizeof(id), &one, sizeof(one), BPF_ANY) == 0)
		rw->restored++;
	return 0;
}

int pw_loader_rewatch(struct pw_loader *l, uint64_t extra)
{
	struct rewatch rw = { .l = l };
	__u8 one = 1, v;
	int rc;

	if (l->watch_mode != PW_WATCH_MAP)
		return 0;
	rc = pw_cgroup_walk(l->watch_path, restore_watched, &rw);
	if (rc < 0)
		return rc;
	if (extra &&
	    bpf_map__lookup_elem(l->skel->maps.watched_cgroups, &extra, sizeof(extra), &v,
				 sizeof(v), 0) &&
	    bpf_map__update_elem(l->skel->maps.watched_cgroups, &extra, sizeof(extra), &one,
				 sizeof(one), BPF_ANY) == 0)
		rw.restored++;
	if (rw.restored)
		pw_loader_watch_changed(l);
	return rw.restored;
}

static void *close_fd(void *fd)
{
	close((int)(intptr_t)fd);
	return NULL;
}

/* Close each fd in a thread of its own: a link's release waits for a grace
 * period, and so would n of them one after another. */
static void close_all(const int *fds, int n)
{
	pthread_t t[256];
	int started[256] = {}, i;
	sigset_t all, old;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	if (n > 256)
		n = 256; /* the callers never pass more */
	for (i = 0; i < n; i++) {
		started[i] = !pthread_create(&t[i], NULL, close_fd, (void *)(intptr_t)fds[i]);
		if (!started[i])
			close(fds[i]);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	for (i = 0; i < n; i++)
		if (started[i])
			pthread_join(t[i], NULL);
}

/* The links previous agents pinned in pin_dir/links_<their pid>/, every
 * one but ours: unpinned and released (the kernel refuses BPF_LINK_DETACH
 * on tracepoint links, but a link whose last reference goes is detached).
 * How many. */
static unsigned int retire_links(const char *pin_dir)
{
	char mine[32], dir[PATH_MAX], path[PATH_MAX + 256];
	struct dirent *e, *f;
	int fds[256], n = 0, fd;
	DIR *top = opendir(pin_dir), *d;

	if (!top)
		return 0;
	snprintf(mine, sizeof(mine), "links_%d", (int)getpid());
	while ((e = readdir(top))) {
		if (strncmp(e->d_name, "links_", 6) || !strcmp(e->d_name, mine))
			continue;
		snprintf(dir, sizeof(dir), "%s/%s", pin_dir, e->d_name);
		d = opendir(dir);
		if (!d)
			continue;
		while ((f = readdir(d))) {
			if (f->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, f->d_name);
			fd = bpf_obj_get(path);
			unlink(path);
			if (fd < 0)
				continue;
			if (n < 256)
				fds[n++] = fd;
			else
				close(fd);
		}
		closedir(d);
		rmdir(dir);
	}
	closedir(top);
	close_all(fds, n);
	return n;
}

#define PW_BPFFS "/sys/fs/bpf"

/* Before load: the ring buffer a previous agent pinned becomes ours, with
 * the records written since it went. 0 (nothing there is fine), or -1 with
 * err. */
static int adopt_ring(struct pw_loader *l, char *err, size_t errlen)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	char path[PATH_MAX];
	int fd, rc;

	snprintf(path, sizeof(path), "%s/events", l->pin_dir);
	fd = bpf_obj_get(path);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "--pin-dir: %s: %s", path, strerror(errno));
		return -1;
	}
	if (bpf_obj_get_info_by_fd(fd, &info, &len) || info.type != BPF_MAP_TYPE_RINGBUF) {
		snprintf(err, errlen, "--pin-dir: %s is not a ring buffer", path);
		close(fd);
		return -1;
	}
	if (info.max_entries != l->ringbuf_bytes) {
		pw_warn("--keep-sensors: the kept ring buffer %s is %u bytes, not %llu: used at "
			"its size\n",
			path, info.max_entries, (unsigned long long)l->ringbuf_bytes);
		l->ringbuf_bytes = info.max_entries;
		l->skel->rodata->wakeup_bytes = l->ringbuf_bytes / 16;
	}
	rc = bpf_map__reuse_fd(l->skel->maps.events, fd);
	close(fd);
	if (rc) {
		snprintf(err, errlen, "--keep-sensors: cannot reuse %s: %s", path, strerror(-rc));
		return -1;
	}
	l->adopted = 1;
	return 0;
}

static int pin_dir_ready(struct pw_loader *l, char *err, size_t errlen)
{
	char path[PATH_MAX];
	struct statfs st;

	/* Where systemd has not mounted bpffs at its usual place (a container
	 * host's init may not), it is mounted there, as tracefs is. */
	if (!strncmp(l->pin_dir, PW_BPFFS "/", strlen(PW_BPFFS) + 1) &&
	    statfs(PW_BPFFS, &st) == 0 && st.f_type != BPF_FS_MAGIC) {
		if (mount("bpf", PW_BPFFS, "bpf", 0, "mode=0700"))
			pw_warn("cannot mount bpffs at %s: %s\n", PW_BPFFS, strerror(errno));
		else
			pw_info("mounted bpffs at %s (--keep-sensors)\n", PW_BPFFS);
	}
	errno = 0;
	mkdir(l->pin_dir, 0700);
	if (statfs(l->pin_dir, &st) || st.f_type != BPF_FS_MAGIC) {
		snprintf(err, errlen, "--pin-dir %s: %s", l->pin_dir,
			 errno ? strerror(errno) : "not in a bpffs mount");
		return -1;
	}
	snprintf(path, sizeof(path), "%s/links_%d", l->pin_dir, (int)getpid());
	if (mkdir(path, 0700) && errno != EEXIST) {
		snprintf(err, errlen, "--pin-dir: %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

int pw_loader_start(struct pw_loader *l, const struct pw_loader_opts *o, char *err, size_t errlen)
{
	struct rlimit unlimited = { RLIM_INFINITY, RLIM_INFINITY };
	char path[PATH_MAX];
	struct timespec now;
	int rc;

	memset(l, 0, sizeof(*l));
	/* Kernels since 5.11 charge BPF memory to the cgroup, not to MEMLOCK;
	 * where the limit cannot be raised it does not matter there. */
	if (setrlimit(RLIMIT_MEMLOCK, &unlimited))
		pw_debug("setrlimit(RLIMIT_MEMLOCK): %s (not needed on 5.11+)\n", strerror(errno));

	if (resolve_watch(l, o, err, errlen) || open_and_choose(l, o, err, errlen) ||
	    configure(l, o, err, errlen))
		goto fail;
	if (o->pin_dir && (o->pin_adopt || o->pin_keep)) {
		l->pin_dir = o->pin_dir;
		if (adopt_ring(l, err, errlen)) {
			if (o->pin_keep)
				goto fail;
			/* not asked to keep: what is there is left alone */
			pw_warn("%s\n", err);
			l->pin_dir = NULL;
		}
	}
	rc = privwatch_bpf__load(l->skel);
	if (rc) {
		snprintf(err, errlen,
			 "the kernel refused the BPF programs: %s (run with -v for the "
			 "verifier log)",
			 strerror(-rc));
		goto fail;
	}
	if (l->pin_dir && o->pin_keep) {
		if (pin_dir_ready(l, err, errlen))
			goto fail;
		l->pin_keep = 1;
		/* before the links: no pinned program writes into a ring that is not */
		snprintf(path, sizeof(path), "%s/events", l->pin_dir);
		if (!l->adopted && bpf_obj_pin(bpf_map__fd(l->skel->maps.events), path)) {
			snprintf(err, errlen,
				 "--keep-sensors: cannot pin the ring buffer at %s: %s", path,
				 strerror(errno));
			goto fail;
		}
	}
	/* Attach before seeding: a cgroup created during the walk is either
	 * seen by the walk or added by the cgroup_mkdir program. A previous
	 * agent's links are retired only once ours are attached: for those
	 * milliseconds an event may be reported twice, never missed. */
	clock_gettime(CLOCK_MONOTONIC, &now);
	l->attach_ns = (uint64_t)now.tv_sec * 1000000000 + now.tv_nsec;
	if (attach_chosen(l, err, errlen))
		goto fail;
	if (l->pin_dir) {
		l->retired = retire_links(l->pin_dir);
		snprintf(path, sizeof(path), "%s/events", l->pin_dir);
		if (!l->pin_keep) { /* taken over: nothing is left pinned */
			unlink(path);
			rmdir(l->pin_dir);
		}
		if (l->adopted || l->retired)
			pw_info("took over the sensors kept in %s: %u links retired\n", l->pin_dir,
				l->retired);
	}
	if (l->watch_mode == PW_WATCH_MAP) {
		rc = pw_cgroup_walk(l->watch_path, add_watched, l);
		pw_loader_watch_changed(l);
		if (rc) {
			snprintf(err, errlen, "cannot list the cgroups below %s: %s", l->watch_path,
				 strerror(rc < 0 ? -rc : EIO));
			goto fail;
		}
	}
	return 0;
fail:
	l->pin_keep = 0; /* what a failed start pinned is not left attached */
	pw_loader_stop(l);
	return -1;
}

static void *destroy_link(void *link)
{
	bpf_link__destroy(link);
	return NULL;
}

/* Each tracepoint link's release waits for an RCU grace period (30-50 ms
 * here): one after another, a stop took a second. Destroyed each in a
 * thread of its own, the waits overlap; a link whose thread cannot be made
 * is destroyed here. */
void pw_loader_detach(struct pw_loader *l)
{
	pthread_t t[PW_MAX_CONCERNS * PW_CONCERN_PROGS];
	int started[PW_MAX_CONCERNS * PW_CONCERN_PROGS] = {};
	sigset_t all, old;
	int c, i, n = 0;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old); /* signals stay the event thread's */
	for (c = 0; c < PW_MAX_CONCERNS; c++)
		for (i = 0; i < PW_CONCERN_PROGS; i++, n++) {
			struct bpf_link *link = l->links[c][i];

			l->links[c][i] = NULL;
			if (!link)
				continue;
			if (!l->pin_keep && bpf_link__pin_path(link))
				bpf_link__unpin(link);
			started[n] = !pthread_create(&t[n], NULL, destroy_link, link);
			if (!started[n])
				bpf_link__destroy(link);
		}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	for (i = 0; i < n; i++)
		if (started[i])
			pthread_join(t[i], NULL);
}

void pw_loader_stop(struct pw_loader *l)
{
	pw_loader_detach(l);
	privwatch_bpf__destroy(l->skel);
	l->skel = NULL;
}

int pw_loader_mark_container(struct pw_loader *l, uint64_t cgroup_id)
{
	__u8 one = 1;

	if (bpf_map__update_elem(l->skel->maps.container_cgroups, &cgroup_id, sizeof(cgroup_id),
				 &one, sizeof(one), BPF_ANY))
		return -errno;
	return 0;
}

static void own_id(int fd, uint64_t cmd, uint64_t *out, size_t *n, size_t max)
{
	struct bpf_prog_info info = {}; /* id first in prog, map and link info alike */
	__u32 len = sizeof(info);

	if (fd >= 0 && *n < max && bpf_obj_get_info_by_fd(fd, &info, &len) == 0)
		out[(*n)++] = cmd << 32 | info.id;
}

size_t pw_loader_own_ids(struct pw_loader *l, uint64_t *out, size_t max)
{
	struct bpf_program *prog;
	struct bpf_map *map;
	size_t n = 0;
	int c, i;

	bpf_object__for_each_program(prog, l->skel->obj)
		own_id(bpf_program__fd(prog), 13, out, &n, max);
	bpf_object__for_each_map(map, l->skel->obj) own_id(bpf_map__fd(map), 14, out, &n, max);
	for (c = 0; c < PW_MAX_CONCERNS; c++)
		for (i = 0; i < PW_CONCERN_PROGS; i++)
			if (l->links[c][i])
				own_id(bpf_link__fd(l->links[c][i]), 30, out, &n, max);
	pw_ids_sort(out, n);
	return n;
}

int pw_loader_map_fd(struct pw_loader *l, const char *name)
{
	struct bpf_map *m = bpf_object__find_map_by_name(l->skel->obj, name);

	return m ? bpf_map__fd(m) : -1;
}
