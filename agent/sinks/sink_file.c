// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * File and stdout sinks, written in the caller's thread: a local write is
 * as fast as the queue would be, and a full disk is better reported by a
 * failing write than hidden behind a queue.
 *
 * Files are opened append-only, created 0600 (alerts name hosts, paths and
 * command lines), never through a symlink: privwatch runs as root, and a
 * symlink planted at the path would make it append to any file. For the
 * same reason the file must be a regular file with one link, owned by
 * privwatch's user (root in production), in a directory nobody else may
 * write to (a hard link planted there is another file, a FIFO would block
 * the open for good: it is opened O_NONBLOCK and refused). Rotation is
 * by size, done by privwatch itself (PATH -> PATH.1 -> ... -> PATH.N); an
 * external logrotate works too: move the file and send SIGHUP.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "lib/fdio.h"
#include "lib/log.h"
#include "sinks/sink_int.h"

static const char *kind_of(mode_t m)
{
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISSOCK(m))
		return "a socket";
	if (S_ISCHR(m) || S_ISBLK(m))
		return "a device";
	if (S_ISDIR(m))
		return "a directory";
	return "not a regular file";
}

/* The file as found: a regular file with one link, ours. 0, or -1 and err. */
static int check_file(const struct pw_sink *k, const struct stat *st, char *err, size_t errlen)
{
	if (!S_ISREG(st->st_mode))
		snprintf(err, errlen, "output '%s': %s is %s, not a regular file", k->spec, k->path,
			 kind_of(st->st_mode));
	else if (st->st_nlink != 1)
		snprintf(err, errlen,
			 "output '%s': %s has %lu hard links: refusing to append to another file",
			 k->spec, k->path, (unsigned long)st->st_nlink);
	else if (st->st_uid != geteuid())
		snprintf(err, errlen, "output '%s': %s is owned by uid %u, not %u: refusing it",
			 k->spec, k->path, (unsigned int)st->st_uid, (unsigned int)geteuid());
	else
		return 0;
	return -1;
}

/* The directory of the file, opened; -1 and err unless nobody else may write there. */
static int open_dir(const struct pw_sink *k, const char **base, char *err, size_t errlen)
{
	char dir[4096];
	const char *slash = strrchr(k->path, '/');
	struct stat st;
	int fd;

	if (!slash) {
		snprintf(dir, sizeof(dir), ".");
		*base = k->path;
	} else {
		snprintf(dir, sizeof(dir), "%.*s", slash == k->path ? 1 : (int)(slash - k->path),
			 k->path);
		*base = slash + 1;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "output '%s': cannot open the directory %s: %s", k->spec, dir,
			 strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) || (st.st_mode & (S_IWGRP | S_IWOTH)) ||
	    (st.st_uid != 0 && st.st_uid != geteuid())) {
		snprintf(err, errlen,
			 "output '%s': the directory %s of %s may be written by others "
			 "(mode %04o, uid %u): refusing it",
			 k->spec, dir, k->path, (unsigned int)(st.st_mode & 07777),
			 (unsigned int)st.st_uid);
		close(fd);
		return -1;
	}
	return fd;
}

int pw_file_open(struct pw_sink *k, char *err, size_t errlen)
{
	const char *base;
	struct stat st;
	int fd, dirfd;

	dirfd = open_dir(k, &base, err, errlen);
	if (dirfd < 0)
		return -1;
	/* What is there now, before opening it (a FIFO is not even opened). */
	if (!fstatat(dirfd, base, &st, AT_SYMLINK_NOFOLLOW) && !S_ISLNK(st.st_mode) &&
	    check_file(k, &st, err, errlen)) {
		close(dirfd);
		return -1;
	}
	fd = openat(dirfd, base,
		    O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
	close(dirfd);
	if (fd < 0) {
		if (errno == ELOOP)
			snprintf(err, errlen,
				 "output '%s': %s is a symbolic link: refusing to follow it",
				 k->spec, k->path);
		else
			snprintf(err, errlen, "output '%s': cannot open %s: %s", k->spec, k->path,
				 strerror(errno));
		return -1;
	}
	/* And what was opened: it may have changed in between. */
	if (fstat(fd, &st)) {
		snprintf(err, errlen, "output '%s': cannot stat %s: %s", k->spec, k->path,
			 strerror(errno));
		close(fd);
		return -1;
	}
	if (check_file(k, &st, err, errlen)) {
		close(fd);
		return -1;
	}
	k->fd = fd;
	k->size = st.st_size;
	return 0;
}

static void warn_failure(struct pw_sink *k, const char *msg)
{
	uint64_t now = pw_now_mono_ns();

	/* Once a minute at most: a full disk fails every line. */
	if (k->last_warn_ns && now - k->last_warn_ns < 60000000000ULL)
		return;
	k->last_warn_ns = now;
	pw_warn("%s (%llu lines dropped so far)\n", msg,
		(unsigned long long)__atomic_load_n(&k->dropped, __ATOMIC_RELAXED));
}

static void warn_errno(struct pw_sink *k, int e)
{
	char msg[512];

	snprintf(msg, sizeof(msg), "output '%s': write failed: %s", k->spec, strerror(e));
	warn_failure(k, msg);
}

/* 0, or an errno. A short write is continued: a line is never left half. */
/* The gathered lines in one write: counted written or dropped together. */
static void flush_locked(struct pw_sink *k)
{
	int e;

	if (!k->blen)
		return;
	e = k->fd >= 0 ? -pw_write_all(k->fd, k->buf, k->blen) : EBADF;
	if (e) {
		__atomic_add_fetch(&k->dropped, k->blines, __ATOMIC_RELAXED);
		warn_errno(k, e);
	} else {
		pw_sink_delivered(k, k->blines, k->blen);
	}
	k->blen = 0;
	k->blines = 0;
}

/* 1 if the line was gathered into the batch (flushing it first if full). */
static int batch(struct pw_sink *k, const char *line, size_t len)
{
	if (!k->bcap || len > k->bcap)
		return 0;
	if (k->blen + len > k->bcap)
		flush_locked(k);
	memcpy(k->buf + k->blen, line, len);
	k->blen += len;
	k->blines++;
	return 1;
}

void pw_fd_flush(struct pw_sink *k)
{
	if (k->kind == PW_SINK_FILE) {
		pthread_mutex_lock(&k->lock);
		flush_locked(k);
		pthread_mutex_unlock(&k->lock);
	} else {
		flush_locked(k);
	}
}

void pw_fd_write(struct pw_sink *k, const char *line, size_t len)
{
	int e;

	if (batch(k, line, len))
		return;
	flush_locked(k);
	e = -pw_write_all(k->fd, line, len);
	if (e) {
		__atomic_add_fetch(&k->dropped, 1, __ATOMIC_RELAXED);
		warn_errno(k, e);
		return;
	}
	pw_sink_delivered(k, 1, len);
}

static void rotated_name(const struct pw_sink *k, unsigned int i, char *buf, size_t len)
{
	snprintf(buf, len, "%s.%u", k->path, i);
}

/* PATH.N-1 -> PATH.N ... PATH -> PATH.1, then a fresh PATH. */
static void rotate(struct pw_sink *k)
{
	char from[4200], to[4200];
	unsigned int i;
	char err[512];

	flush_locked(k); /* what was gathered belongs to the old file */
	close(k->fd);
	k->fd = -1;
	for (i = k->keep; i > 1; i--) {
		rotated_name(k, i - 1, from, sizeof(from));
		rotated_name(k, i, to, sizeof(to));
		if (rename(from, to) && errno != ENOENT)
			pw_warn("output '%s': rotating %s: %s\n", k->spec, from, strerror(errno));
	}
	rotated_name(k, 1, to, sizeof(to));
	if (rename(k->path, to) && errno != ENOENT)
		pw_warn("output '%s': rotating %s: %s\n", k->spec, k->path, strerror(errno));
	if (pw_file_open(k, err, sizeof(err)))
		pw_warn("%s\n", err);
}

void pw_file_write(struct pw_sink *k, const char *line, size_t len)
{
	int e;

	pthread_mutex_lock(&k->lock);
	/* A line never straddles two files; a file holds at least one line. */
	if (k->fd >= 0 && k->max_size && k->size && k->size + len > k->max_size)
		rotate(k);
	if (k->fd < 0) {
		/* Reopen failed earlier (directory gone, symlink planted): try
		 * again on each line, the next one may succeed. */
		char err[512];

		if (pw_file_open(k, err, sizeof(err))) {
			pthread_mutex_unlock(&k->lock);
			__atomic_add_fetch(&k->dropped, 1, __ATOMIC_RELAXED);
			warn_failure(k, err);
			return;
		}
	}
	if (batch(k, line, len)) {
		k->size += len;
		pthread_mutex_unlock(&k->lock);
		return;
	}
	flush_locked(k);
	e = -pw_write_all(k->fd, line, len);
	if (!e)
		k->size += len;
	pthread_mutex_unlock(&k->lock);
	if (e) {
		__atomic_add_fetch(&k->dropped, 1, __ATOMIC_RELAXED);
		warn_errno(k, e);
		return;
	}
	pw_sink_delivered(k, 1, len);
}

void pw_file_reopen(struct pw_sink *k)
{
	char err[512];

	pthread_mutex_lock(&k->lock);
	flush_locked(k); /* to the file that was open: logrotate moved it, it still counts */
	if (k->fd >= 0)
		close(k->fd);
	k->fd = -1;
	if (pw_file_open(k, err, sizeof(err)))
		warn_failure(k, err);
	pthread_mutex_unlock(&k->lock);
}

void pw_file_close(struct pw_sink *k)
{
	flush_locked(k);
	if (k->fd >= 0)
		close(k->fd);
	k->fd = -1;
}
