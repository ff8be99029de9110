// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The capture's jobs on the host-reading worker. Every read of a process
 * goes through its pinned /proc/<pid> directory fd, each file opened
 * O_NOFOLLOW|O_NONBLOCK and refused unless regular, size-capped, each
 * announced with pw_hw_reading so a read past the deadline abandons the
 * job (the bundle is then marked incomplete by the event thread).
 */
#define _GNU_SOURCE /* FNM_CASEFOLD */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "capture/capture_jobs.h"
#include "host/procfs.h"
#include "lib/jsonw.h"

#define SMALL_MAX     (256u << 10)
#define MOUNTINFO_MAX (8u << 20)
#define MAPS_MAX      (8u << 20)
#define FDS_MAX	      4096
#define MAPS_PATHS    4096

static void note(char *reason, const char *fmt, const char *a, unsigned pid)
{
	size_t n = strlen(reason);

	if (n + 4 >= PW_CAP_REASON_LEN)
		return;
	snprintf(reason + n, PW_CAP_REASON_LEN - n, "%s", n ? "; " : "");
	n = strlen(reason);
	snprintf(reason + n, PW_CAP_REASON_LEN - n, fmt, pid, a);
}

size_t pw_cap_redact_environ(const char *in, size_t len, char *out,
			     const char (*pats)[PW_CAP_PATTERN_LEN], size_t npats)
{
	size_t off = 0, o = 0;

	while (off < len) {
		size_t n = strnlen(in + off, len - off);
		const char *eq = memchr(in + off, '=', n);
		char key[256];
		size_t k, klen = eq ? (size_t)(eq - (in + off)) : n;
		int hit = 0;

		snprintf(key, sizeof(key), "%.*s", (int)(klen < 255 ? klen : 255), in + off);
		for (k = 0; eq && k < npats && !hit; k++)
			hit = !fnmatch(pats[k], key, FNM_CASEFOLD);
		if (hit) {
			memcpy(out + o, in + off, klen + 1);
			o += klen + 1;
			memcpy(out + o, "[REDACTED]", 10);
			o += 10;
		} else {
			memcpy(out + o, in + off, n);
			o += n;
		}
		if (off + n < len)
			out[o++] = 0;
		off += n + 1;
	}
	return o;
}

static void add_file(struct pw_cap_snap_job *j, int bfd, const char *name, const char *buf,
		     size_t len, unsigned pid)
{
	if (j->nfiles >= PW_CAP_FILES_MAX) {
		note(j->reason, "pid %u: %s not written (too many files)", name, pid);
		return;
	}
	if (__atomic_load_n(&j->base.given_up, __ATOMIC_ACQUIRE))
		return; /* woke after its deadline: the bundle is written without it */
	pw_hw_reading("writing %s of capture %s", name, j->id);
	if (pw_bundle_write_unless(bfd, name, buf, len, &j->files[j->nfiles], &j->base.given_up))
		note(j->reason, "pid %u: %s could not be written", name, pid);
	else
		j->nfiles++;
}

static void copy_file(struct pw_cap_snap_job *j, int bfd, int pfd, unsigned pid, const char *what,
		      size_t max, int redact)
{
	char name[PW_BFILE_NAME_MAX], *buf = NULL;
	size_t len;
	int cut, rc;

	pw_hw_reading("/proc/%u/%s", pid, what);
	rc = pw_bundle_read_file(pfd, what, max, &buf, &len, &cut);
	if (rc) {
		note(j->reason, "pid %u: %s not read", what, pid);
		return;
	}
	if (cut)
		note(j->reason, "pid %u: %s cut at its size cap", what, pid);
	snprintf(name, sizeof(name), "p%u.%s", pid, what);
	if (redact) {
		char *r = malloc(len + 11 * (len / 2 + 1) + 1);

		if (!r) {
			free(buf);
			note(j->reason, "pid %u: %s not redacted (out of memory): left out", what,
			     pid);
			return;
		}
		len = pw_cap_redact_environ(
			buf, len, r, (const char(*)[PW_CAP_PATTERN_LEN])j->redact, j->nredact);
		free(buf);
		buf = r;
	}
	add_file(j, bfd, name, buf, len, pid);
	free(buf);
}

static void write_ns(struct jsonw *w, int pfd, unsigned pid)
{
	static const char *const ns[] = { "cgroup", "ipc",  "mnt",  "net",
					  "pid",    "time", "user", "uts" };
	char path[32], target[128];
	size_t i;

	jw_key(w, "ns");
	jw_obj_begin(w);
	for (i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
		ssize_t n;

		snprintf(path, sizeof(path), "ns/%s", ns[i]);
		pw_hw_reading("/proc/%u/%s", pid, path);
		n = readlinkat(pfd, path, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		jw_kv_strn(w, ns[i], target, n);
	}
	jw_obj_end(w);
}

static void write_fds(struct jsonw *w, int pfd, unsigned pid, int *cut)
{
	struct dirent *de;
	char target[4096];
	size_t n = 0;
	int fd;
	DIR *d;

	jw_key(w, "fds");
	jw_arr_begin(w);
	pw_hw_reading("/proc/%u/fd", pid);
	fd = openat(pfd, "fd", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d && fd >= 0)
		close(fd);
	while (d && (de = readdir(d))) {
		ssize_t len;

		if (de->d_name[0] == '.')
			continue;
		if (n++ == FDS_MAX) {
			*cut = 1;
			break;
		}
		len = readlinkat(dirfd(d), de->d_name, target, sizeof(target) - 1);
		jw_obj_begin(w);
		jw_kv_u64(w, "fd", strtoul(de->d_name, NULL, 10));
		if (len >= 0)
			jw_kv_strn(w, "target", target, len);
		else
			jw_kv_str(w, "target", "?");
		jw_obj_end(w);
	}
	if (d)
		closedir(d);
	jw_arr_end(w);
}

/* Unique paths of the mappings (column 6), in order of first use. */
static void write_maps(struct jsonw *w, int pfd, unsigned pid, int *cut)
{
	char *buf = NULL, *line, *save = NULL, *last = NULL;
	size_t len, n = 0;
	int c;

	jw_key(w, "maps");
	jw_arr_begin(w);
	pw_hw_reading("/proc/%u/maps", pid);
	if (!pw_bundle_read_file(pfd, "maps", MAPS_MAX, &buf, &len, &c)) {
		*cut |= c;
		for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			char *p = line;
			int f;

			for (f = 0; f < 5 && p; f++) {
				p = strchr(p, ' ');
				while (p && *p == ' ')
					p++;
			}
			if (!p || !*p || (last && !strcmp(last, p)))
				continue;
			if (n++ == MAPS_PATHS) {
				*cut = 1;
				break;
			}
			jw_str(w, p);
			last = p;
		}
	}
	free(buf);
	jw_arr_end(w);
}

/* The executable's bytes into the bundle, named by their hash (one copy
 * per bundle however many processes run it): read from the fd already
 * hashed, checked against that hash (a file changed meanwhile is said). */
static void copy_exe(struct pw_cap_snap_job *j, int bfd, struct jsonw *w, int fd, uint64_t size,
		     const char *sha, unsigned pid)
{
	char name[PW_BFILE_NAME_MAX];
	size_t got = 0;
	char *buf;
	int rc;

	if (size > j->exe_max) {
		jw_key(w, "copy");
		jw_null(w);
		jw_kv_str(w, "copy_skipped", "larger than capture_exe_max_mib");
		return;
	}
	snprintf(name, sizeof(name), "exe-%.16s", sha);
	buf = malloc(size ? size : 1);
	if (!buf) {
		note(j->reason, "pid %u: %s not copied (out of memory)", "its executable", pid);
		return;
	}
	pw_hw_reading("/proc/%u/exe (its copy)", pid);
	while (got < size) {
		ssize_t n = pread(fd, buf + got, size - got, (off_t)got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (got != size) {
		note(j->reason, "pid %u: %s changed while it was read: not copied",
		     "its executable", pid);
		free(buf);
		return;
	}
	pw_hw_reading("writing the copy of /proc/%u/exe in capture %s", pid, j->id);
	if (__atomic_load_n(&j->base.given_up, __ATOMIC_ACQUIRE))
		rc = -ETIMEDOUT; /* woke after its deadline: nothing more written */
	else if (j->nfiles < PW_CAP_FILES_MAX)
		rc = pw_bundle_write_unless(bfd, name, buf, size, &j->files[j->nfiles],
					    &j->base.given_up);
	else
		rc = -ENOSPC;
	free(buf);
	if (!rc && strcmp(j->files[j->nfiles].sha256, sha)) {
		/* the bytes written are not the ones hashed: kept, and said */
		note(j->reason, "pid %u: %s changed while it was read", "its executable", pid);
		jw_kv_bool(w, "copy_differs", 1);
	}
	if (!rc)
		j->nfiles++;
	if (rc && rc != -EEXIST) { /* EEXIST: another process's snapshot copied it */
		note(j->reason, "pid %u: %s could not be written", "the copy of its executable",
		     pid);
		return;
	}
	jw_kv_str(w, "copy", name);
}

static void write_exe(struct pw_cap_snap_job *j, int bfd, struct jsonw *w, int pfd, unsigned pid,
		      int *cut)
{
	char target[4096], sha[PW_SHA256_HEX];
	struct stat st;
	uint64_t size;
	ssize_t len;
	int fd, c;

	jw_key(w, "exe");
	jw_obj_begin(w);
	pw_hw_reading("/proc/%u/exe", pid);
	len = readlinkat(pfd, "exe", target, sizeof(target) - 1);
	if (len >= 0)
		jw_kv_strn(w, "path", target, len);
	/* The magic link names the file the process runs, wherever it is:
	 * no path is resolved in the container's root. Regular files only. */
	fd = openat(pfd, "exe", O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		jw_kv_str(w, "error", fd < 0 ? strerror(errno) : "not a regular file");
		goto out;
	}
	jw_kv_u64(w, "size", st.st_size);
	jw_kv_i64(w, "mtime", st.st_mtime);
	if (pw_sha256_fd(fd, PW_CAP_EXE_MAX, sha, &size, &c)) {
		jw_kv_str(w, "error", "cannot be read");
		goto out;
	}
	jw_kv_str(w, "sha256", sha);
	if (c) {
		jw_kv_bool(w, "hash_cut", 1);
		*cut = 1;
	} else if (j->exe_max) {
		copy_exe(j, bfd, w, fd, size, sha, pid);
	}
out:
	if (fd >= 0)
		close(fd);
	jw_obj_end(w);
}

static void snap_one(struct pw_cap_snap_job *j, int bfd, unsigned pid)
{
	char name[PW_BFILE_NAME_MAX];
	struct jsonw w;
	const char *line;
	size_t len;
	int pfd, cut = 0;

	pw_hw_reading("/proc/%u", pid);
	pfd = pw_proc_open_pid("/", pid);
	if (pfd < 0) {
		note(j->reason, "pid %u: %s", "gone before its snapshot", pid);
		return;
	}
	copy_file(j, bfd, pfd, pid, "status", SMALL_MAX, 0);
	copy_file(j, bfd, pfd, pid, "cmdline", SMALL_MAX, 0);
	copy_file(j, bfd, pfd, pid, "environ", SMALL_MAX, 1);
	copy_file(j, bfd, pfd, pid, "cgroup", SMALL_MAX, 0);
	copy_file(j, bfd, pfd, pid, "mountinfo", MOUNTINFO_MAX, 0);
	jw_init(&w);
	jw_obj_begin(&w);
	jw_kv_u64(&w, "pid", pid);
	write_ns(&w, pfd, pid);
	write_fds(&w, pfd, pid, &cut);
	write_maps(&w, pfd, pid, &cut);
	write_exe(j, bfd, &w, pfd, pid, &cut);
	jw_obj_end(&w);
	if (cut)
		note(j->reason, "pid %u: %s cut at their caps", "fds, maps or the exe hash", pid);
	line = jw_line(&w, &len);
	snprintf(name, sizeof(name), "p%u.json", pid);
	if (line)
		add_file(j, bfd, name, line, len, pid);
	jw_free(&w);
	close(pfd);
}

static void snap_run(struct pw_hw_job *b)
{
	struct pw_cap_snap_job *j = (struct pw_cap_snap_job *)b;
	size_t i;
	int bfd;

	pw_hw_reading("capture %s: its directory", j->id);
	bfd = pw_bundle_create(j->capfd, j->id);
	if (bfd < 0) {
		snprintf(j->reason, sizeof(j->reason), "bundle directory: %s", strerror(-bfd));
		return;
	}
	for (i = 0; i < j->npids; i++)
		snap_one(j, bfd, j->pids[i]);
	close(bfd);
}

static void snap_timeout(struct pw_hw_job *b, const char *what)
{
	struct pw_cap_snap_job *j = (struct pw_cap_snap_job *)b;

	j->capfd = -1;
	snprintf(j->reason, sizeof(j->reason), "timed out reading %s", what);
}

static void snap_free(struct pw_hw_job *b)
{
	struct pw_cap_snap_job *j = (struct pw_cap_snap_job *)b;

	if (j->capfd >= 0)
		close(j->capfd);
	free(j);
}

struct pw_cap_snap_job *pw_cap_snap_job_new(int capfd)
{
	struct pw_cap_snap_job *j = calloc(1, sizeof(*j));

	if (!j)
		return NULL;
	j->base.run = snap_run;
	j->base.on_timeout = snap_timeout;
	j->base.free = snap_free;
	j->base.size = sizeof(*j);
	j->base.copy_size = offsetof(struct pw_cap_snap_job, capfd);
	j->capfd = fcntl(capfd, F_DUPFD_CLOEXEC, 3);
	if (j->capfd < 0) {
		free(j);
		return NULL;
	}
	return j;
}

static int fin_file(struct pw_cap_fin_job *j, int bfd, const char *name, const char *buf,
		    size_t len, struct jsonw *w)
{
	struct pw_bfile f;
	int rc;

	pw_hw_reading("writing %s of capture %s", name, j->id);
	rc = pw_bundle_write(bfd, name, buf ? buf : "", buf ? len : 0, &f);
	if (rc)
		return rc;
	jw_obj_begin(w);
	jw_kv_str(w, "name", f.name);
	jw_kv_u64(w, "size", f.size);
	jw_kv_str(w, "sha256", f.sha256);
	jw_obj_end(w);
	j->bytes += f.size;
	return 0;
}

/* Files a snapshot wrote before one of its reads hung (it was given up, so
 * its list never came back): whole files (each written and closed before
 * the read that hung), listed with their hashes so the bundle verifies.
 * Given up, it writes nothing more when it wakes. */
static void adopt_orphans(struct pw_cap_fin_job *j, int bfd, struct jsonw *w)
{
	static const char *const own[] = { "manifest.json", "timeline.jsonl", "alerts.jsonl",
					   "container.json", "processes.json" };
	struct dirent *de;
	size_t i;
	DIR *d;
	int fd;

	fd = fcntl(bfd, F_DUPFD_CLOEXEC, 3);
	d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(d))) {
		int listed = de->d_name[0] == '.';
		char sha[PW_SHA256_HEX];
		struct stat st;
		uint64_t size;
		int ffd, cut;

		for (i = 0; !listed && i < sizeof(own) / sizeof(own[0]); i++)
			listed = !strcmp(de->d_name, own[i]);
		for (i = 0; !listed && i < j->nfiles; i++)
			listed = !strcmp(de->d_name, j->files[i].name);
		if (listed)
			continue;
		pw_hw_reading("hashing %s of capture %s", de->d_name, j->id);
		ffd = openat(bfd, de->d_name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		if (ffd < 0)
			continue;
		if (!fstat(ffd, &st) && S_ISREG(st.st_mode) &&
		    !pw_sha256_fd(ffd, PW_CAP_EXE_MAX, sha, &size, &cut) && !cut) {
			jw_obj_begin(w);
			jw_kv_str(w, "name", de->d_name);
			jw_kv_u64(w, "size", size);
			jw_kv_str(w, "sha256", sha);
			jw_obj_end(w);
			j->bytes += size;
		}
		close(ffd);
	}
	closedir(d);
}

static void fin_run(struct pw_hw_job *b)
{
	struct pw_cap_fin_job *j = (struct pw_cap_fin_job *)b;
	const char *tail;
	struct pw_bfile mf;
	struct jsonw w;
	size_t i, tlen;
	char *man = NULL;
	int bfd, rc = 0;

	if (j->discard)
		goto prune; /* the snapshot's files go with its directory */
	pw_hw_reading("capture %s: its directory", j->id);
	bfd = pw_bundle_create(j->capfd, j->id);
	if (bfd < 0) {
		j->rc = bfd;
		snprintf(j->reason, sizeof(j->reason), "bundle directory: %s", strerror(-bfd));
		goto prune;
	}
	jw_init(&w);
	jw_obj_begin(&w);
	jw_key(&w, "files");
	jw_arr_begin(&w);
	rc = fin_file(j, bfd, "timeline.jsonl", j->timeline, j->timeline_len, &w);
	if (!rc)
		rc = fin_file(j, bfd, "alerts.jsonl", j->alerts, j->alerts_len, &w);
	if (!rc)
		rc = fin_file(j, bfd, "container.json", j->container, j->container_len, &w);
	if (!rc)
		rc = fin_file(j, bfd, "processes.json", j->procs, j->procs_len, &w);
	for (i = 0; !rc && i < j->nfiles; i++) {
		jw_obj_begin(&w);
		jw_kv_str(&w, "name", j->files[i].name);
		jw_kv_u64(&w, "size", j->files[i].size);
		jw_kv_str(&w, "sha256", j->files[i].sha256);
		jw_obj_end(&w);
		j->bytes += j->files[i].size;
	}
	if (!rc)
		adopt_orphans(j, bfd, &w);
	jw_arr_end(&w);
	jw_kv_u64(&w, "bytes", j->bytes);
	jw_key(&w, "incomplete");
	jw_raw(&w, j->incomplete ? j->incomplete : "[]");
	jw_kv_bool(&w, "complete", !j->incomplete || !strcmp(j->incomplete, "[]"));
	jw_obj_end(&w);
	tail = jw_line(&w, &tlen);
	if (!rc && !tail)
		rc = -ENOMEM;
	if (!rc) {
		/* head "{...members" + "," + tail without its "{" */
		size_t hl = strlen(j->head);

		man = malloc(hl + tlen + 2);
		if (!man) {
			rc = -ENOMEM;
		} else {
			memcpy(man, j->head, hl);
			man[hl] = ',';
			memcpy(man + hl + 1, tail + 1, tlen - 1);
			pw_hw_reading("writing manifest.json of capture %s", j->id);
			rc = pw_bundle_write(bfd, "manifest.json", man, hl + tlen, &mf);
			if (!rc) {
				j->bytes += mf.size;
				snprintf(j->manifest_sha256, sizeof(j->manifest_sha256), "%s",
					 mf.sha256);
			}
		}
	}
	if (rc) {
		j->rc = rc;
		snprintf(j->reason, sizeof(j->reason), "writing the bundle: %s", strerror(-rc));
	}
	free(man);
	jw_free(&w);
	fsync(bfd);
	close(bfd);
prune:
	for (i = 0; i < j->nprune; i++) {
		pw_hw_reading("removing capture %s (quota)", j->prune[i]);
		if (!pw_bundle_remove(j->capfd, j->prune[i]))
			j->removed++;
	}
}

static void fin_timeout(struct pw_hw_job *b, const char *what)
{
	struct pw_cap_fin_job *j = (struct pw_cap_fin_job *)b;

	j->capfd = -1;
	j->rc = -ETIMEDOUT;
	snprintf(j->reason, sizeof(j->reason), "timed out %s", what);
}

static void fin_free(struct pw_hw_job *b)
{
	struct pw_cap_fin_job *j = (struct pw_cap_fin_job *)b;

	if (j->capfd >= 0)
		close(j->capfd);
	free(j->head);
	free(j->timeline);
	free(j->alerts);
	free(j->container);
	free(j->procs);
	free(j->incomplete);
	free(j->prune);
	free(j);
}

struct pw_cap_fin_job *pw_cap_fin_job_new(int capfd)
{
	struct pw_cap_fin_job *j = calloc(1, sizeof(*j));

	if (!j)
		return NULL;
	j->base.run = fin_run;
	j->base.on_timeout = fin_timeout;
	j->base.free = fin_free;
	j->base.size = sizeof(*j);
	j->base.copy_size = offsetof(struct pw_cap_fin_job, capfd);
	j->capfd = fcntl(capfd, F_DUPFD_CLOEXEC, 3);
	if (j->capfd < 0) {
		free(j);
		return NULL;
	}
	return j;
}
