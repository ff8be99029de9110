// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#define _GNU_SOURCE /* renameat2 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "capture/bundle.h"
#include "lib/fdio.h"

#define READ_FLAGS (O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY)

static int check_dir(int fd, char *err, size_t errlen, const char *what)
{
	struct stat st;

	if (fstat(fd, &st))
		return -errno;
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: not a directory", what);
		return -ENOTDIR;
	}
	if (st.st_uid != geteuid()) {
		snprintf(err, errlen, "%s: owned by uid %u, not by privwatch's (%u)", what,
			 (unsigned)st.st_uid, (unsigned)geteuid());
		return -EPERM;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		snprintf(err, errlen, "%s: group- or world-writable (mode %04o)", what,
			 (unsigned)(st.st_mode & 07777));
		return -EPERM;
	}
	return 0;
}

static int mkdir_parents(const char *path)
{
	char buf[4096];
	size_t i;

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (i = 1; buf[i]; i++) {
		if (buf[i] != '/')
			continue;
		buf[i] = 0;
		if (mkdir(buf, 0755) && errno != EEXIST)
			return -errno;
		buf[i] = '/';
	}
	return 0;
}

int pw_bundle_dir_open(const char *path, int create, char *err, size_t errlen)
{
	struct stat st;
	int fd, rc;

	err[0] = 0;
	if (!path || path[0] != '/') {
		snprintf(err, errlen, "%s: need an absolute path", path ? path : "(none)");
		return -EINVAL;
	}
	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
		snprintf(err, errlen, "%s: a symlink, refused", path);
		return -ELOOP;
	}
	if (create) {
		rc = mkdir_parents(path);
		if (!rc && mkdir(path, 0700) && errno != EEXIST)
			rc = -errno;
		if (rc) {
			snprintf(err, errlen, "%s: cannot create: %s", path, strerror(-rc));
			return rc;
		}
	}
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path,
			 rc == -ELOOP ? "a symlink, refused" : strerror(-rc));
		return rc;
	}
	rc = check_dir(fd, err, errlen, path);
	if (rc) {
		if (!err[0])
			snprintf(err, errlen, "%s: %s", path, strerror(-rc));
		close(fd);
		return rc;
	}
	return fd;
}

int pw_bundle_id_ok(const char *id)
{
	size_t i;

	if (!id || !id[0] || id[0] == '.' || strlen(id) > PW_BUNDLE_ID_MAX)
		return 0;
	for (i = 0; id[i]; i++)
		if (!((id[i] >= 'a' && id[i] <= 'z') || (id[i] >= 'A' && id[i] <= 'Z') ||
		      (id[i] >= '0' && id[i] <= '9') || id[i] == '_' || id[i] == '.' ||
		      id[i] == '-'))
			return 0;
	return 1;
}

static int open_bundle(int capfd, const char *id, int create)
{
	char err[256];
	int fd, rc;

	if (!pw_bundle_id_ok(id))
		return -EINVAL;
	if (create && mkdirat(capfd, id, 0700) && errno != EEXIST)
		return -errno;
	fd = openat(capfd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	rc = check_dir(fd, err, sizeof(err), id);
	if (rc) {
		close(fd);
		return rc;
	}
	return fd;
}

int pw_bundle_create(int capfd, const char *id)
{
	return open_bundle(capfd, id, 1);
}

int pw_bundle_open(int capfd, const char *id)
{
	return open_bundle(capfd, id, 0);
}

int pw_bundle_write(int bfd, const char *name, const void *buf, size_t len, struct pw_bfile *f)
{
	return pw_bundle_write_unless(bfd, name, buf, len, f, NULL);
}

int pw_bundle_write_unless(int bfd, const char *name, const void *buf, size_t len,
			   struct pw_bfile *f, const int *abandoned)
{
	char tmp[PW_BFILE_NAME_MAX + 8];
	int fd, rc = 0;

	if (strlen(name) >= PW_BFILE_NAME_MAX || strchr(name, '/') || name[0] == '.')
		return -EINVAL;
	/* Written under a dot-name, then renamed: a file of the bundle's is
	 * only ever whole (one being written is no one's to list). */
	snprintf(tmp, sizeof(tmp), ".part-%s", name);
	fd = openat(bfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (fchmod(fd, 0600))
		rc = -errno;
	if (!rc)
		rc = pw_write_all(fd, buf, len);
	if (close(fd) && !rc)
		rc = -errno;
	if (!rc && abandoned && __atomic_load_n(abandoned, __ATOMIC_ACQUIRE))
		rc = -ETIMEDOUT; /* its writer was given up meanwhile: not added */
	/* never over a file already there (O_EXCL's promise, kept) */
	if (!rc && renameat2(bfd, tmp, bfd, name, RENAME_NOREPLACE))
		rc = -errno;
	if (rc) {
		unlinkat(bfd, tmp, 0);
		return rc;
	}
	snprintf(f->name, sizeof(f->name), "%s", name);
	f->size = len;
	return pw_sha256_hex(buf, len, f->sha256);
}

int pw_bundle_read_file(int dirfd, const char *name, size_t max, char **out, size_t *len, int *cut)
{
	size_t cap = 4096, n = 0;
	struct stat st;
	char *buf = NULL, *nb;
	int fd, rc = 0;

	*out = NULL;
	*len = 0;
	*cut = 0;
	fd = openat(dirfd, name, READ_FLAGS);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		rc = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = -EINVAL;
		goto out;
	}
	buf = malloc(cap + 1);
	if (!buf) {
		rc = -ENOMEM;
		goto out;
	}
	for (;;) {
		ssize_t r;

		if (n == cap) {
			if (cap >= max) {
				char b;

				*cut = read(fd, &b, 1) == 1;
				break;
			}
			cap = cap * 2 > max ? max : cap * 2;
			nb = realloc(buf, cap + 1);
			if (!nb) {
				rc = -ENOMEM;
				goto out;
			}
			buf = nb;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = -errno;
			goto out;
		}
		if (!r)
			break;
		n += r;
	}
	buf[n] = 0;
	*out = buf;
	*len = n;
	buf = NULL;
out:
	free(buf);
	close(fd);
	return rc;
}

int pw_bundle_remove(int capfd, const char *id)
{
	struct dirent *de;
	DIR *d;
	int fd, rc = 0;

	fd = pw_bundle_open(capfd, id);
	if (fd < 0)
		return fd;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			if (unlinkat(fd, de->d_name, 0) && !rc)
				rc = -errno;
	closedir(d);
	if (unlinkat(capfd, id, AT_REMOVEDIR) && !rc)
		rc = -errno;
	return rc;
}

static int ent_cmp(const void *a, const void *b)
{
	return strcmp(((const struct pw_bundle_ent *)a)->id, ((const struct pw_bundle_ent *)b)->id);
}

int pw_bundle_list(int capfd, struct pw_bundle_ent **out, size_t *n)
{
	struct pw_bundle_ent *v = NULL, *nv;
	size_t cap = 0, k = 0;
	struct dirent *de;
	int dfd = dup(capfd);
	DIR *d;

	*out = NULL;
	*n = 0;
	if (dfd < 0)
		return -errno;
	d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return -errno;
	}
	rewinddir(d);
	while ((de = readdir(d))) {
		struct pw_bundle_ent e = {};
		struct dirent *fe;
		struct stat st;
		DIR *bd;
		int bfd;

		if (!pw_bundle_id_ok(de->d_name))
			continue;
		bfd = pw_bundle_open(capfd, de->d_name);
		if (bfd < 0)
			continue;
		snprintf(e.id, sizeof(e.id), "%s", de->d_name);
		if (!fstat(bfd, &st))
			e.mtime = st.st_mtime;
		bd = fdopendir(bfd);
		if (!bd) {
			close(bfd);
			continue;
		}
		while ((fe = readdir(bd)))
			if (!fstatat(bfd, fe->d_name, &st, AT_SYMLINK_NOFOLLOW) &&
			    S_ISREG(st.st_mode))
				e.bytes += st.st_size;
		closedir(bd);
		if (k == cap) {
			cap = cap ? cap * 2 : 16;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				free(v);
				closedir(d);
				return -ENOMEM;
			}
			v = nv;
		}
		v[k++] = e;
	}
	closedir(d);
	if (k)
		qsort(v, k, sizeof(*v), ent_cmp);
	*out = v;
	*n = k;
	return 0;
}

static void problem(FILE *out, int *bad, const char *id, const char *fmt, const char *name,
		    const char *why)
{
	(*bad)++;
	if (out) {
		fprintf(out, "%s: %s: ", id, name);
		fprintf(out, fmt, why);
		fputc('\n', out);
	}
}

int pw_bundle_verify(int capfd, const char *id, FILE *out)
{
	json_t *m = NULL, *files, *f;
	struct dirent *de;
	char *text = NULL;
	size_t len, i;
	int bfd, cut, rc, bad = 0;
	DIR *d;

	bfd = pw_bundle_open(capfd, id);
	if (bfd < 0)
		return bfd;
	rc = pw_bundle_read_file(bfd, "manifest.json", 16 << 20, &text, &len, &cut);
	if (rc)
		goto out;
	m = json_loadb(text, len, 0, NULL);
	files = m ? json_object_get(m, "files") : NULL;
	if (!m || !json_is_array(files) || !json_is_string(json_object_get(m, "schema")) ||
	    strcmp(json_string_value(json_object_get(m, "schema")), PW_CAPTURE_SCHEMA)) {
		rc = -EBADMSG;
		goto out;
	}
	json_array_foreach(files, i, f)
	{
		const char *name = json_string_value(json_object_get(f, "name"));
		const char *sha = json_string_value(json_object_get(f, "sha256"));
		json_t *size = json_object_get(f, "size");
		char got[PW_SHA256_HEX];
		uint64_t n;
		struct stat st;
		int fd, c;

		if (!name || !sha || !json_is_integer(size) || strchr(name, '/') ||
		    !strcmp(name, "manifest.json")) {
			problem(out, &bad, id, "%s", name ? name : "?",
				"bad entry in the manifest");
			continue;
		}
		fd = openat(bfd, name, READ_FLAGS);
		if (fd < 0) {
			problem(out, &bad, id, "%s", name, strerror(errno));
			continue;
		}
		if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
			problem(out, &bad, id, "%s", name, "not a regular file");
			close(fd);
			continue;
		}
		if (pw_sha256_fd(fd, UINT64_MAX, got, &n, &c)) {
			problem(out, &bad, id, "%s", name, "cannot be read");
		} else if (n != (uint64_t)json_integer_value(size)) {
			problem(out, &bad, id, "%s", name, "size differs from the manifest's");
		} else if (strcmp(got, sha)) {
			problem(out, &bad, id, "%s", name, "SHA-256 differs from the manifest's");
		}
		close(fd);
	}
	/* nothing unlisted either */
	d = fdopendir(dup(bfd));
	while (d && (de = readdir(d))) {
		/* .part-*: a file a writer given up has not finished (never
		 * part of the bundle; removed when that writer wakes) */
		int listed = !strcmp(de->d_name, "manifest.json") || !strcmp(de->d_name, ".") ||
			     !strcmp(de->d_name, "..") || !strncmp(de->d_name, ".part-", 6);

		json_array_foreach(files, i, f)
		{
			const char *name = json_string_value(json_object_get(f, "name"));

			if (name && !strcmp(name, de->d_name))
				listed = 1;
		}
		if (!listed)
			problem(out, &bad, id, "%s", de->d_name, "not listed in the manifest");
	}
	if (d)
		closedir(d);
	rc = bad;
out:
	json_decref(m);
	free(text);
	close(bfd);
	return rc;
}
