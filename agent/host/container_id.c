// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Container identity from a cgroup path. The path is split into components
 * on the stack and read outermost first: the first component that names a
 * container wins, so anything a container does below its own cgroup
 * (systemd inside, /init, docker in docker) stays attributed to it.
 *
 * Two shapes carry no runtime marker and are only believed with evidence on
 * disk, so that ordinary two-level paths (/user.slice/foo, /machine/qemu-1)
 * are never read as containers:
 *  - /<namespace>/<id>, containerd's default for ctr: believed only if
 *    <root>/run/containerd/io.containerd.runtime.v2.task/<namespace>/<id>
 *    is a directory. The shim creates that bundle before runc creates the
 *    cgroup, so it is there whenever the cgroup is; a list of known
 *    namespaces would miss user-chosen ones ("ctr -n mine").
 *  - /<id> (or <id> below the caller's cgroup), runc run by hand: believed
 *    only if <root>/run/runc/<id>/state.json exists.
 * A bare 64-hex directory right under a kubepods pod<uid> (cgroupfs driver)
 * is docker if <root>/var/lib/docker/containers/<id> exists (dockershim,
 * cri-dockerd), else containerd's CRI, the common case; CRI-O marks its own.
 * With the production root "/", each directory in $PRIVWATCH_STATE_ROOTS is
 * tried after it (pw_state_root).
 */
#define _GNU_SOURCE /* memmem */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "host/container_id.h"
#include "host/hostworker.h"

#define MAX_COMPONENTS 64
#define HEX_ID_LEN     64

#define CONTAINERD_TASKS "run/containerd/io.containerd.runtime.v2.task"
#define RUNC_ROOT	 "run/runc"
#define DOCKER_ROOT	 "var/lib/docker/containers"

struct comp {
	const char *s;
	size_t len;
};

static int comp_is(const struct comp *c, const char *word)
{
	return c->len == strlen(word) && !memcmp(c->s, word, c->len);
}

static int has_prefix(const struct comp *c, const char *p)
{
	size_t n = strlen(p);

	return c->len >= n && !memcmp(c->s, p, n);
}

static int has_suffix(const struct comp *c, const char *p)
{
	size_t n = strlen(p);

	return c->len >= n && !memcmp(c->s + c->len - n, p, n);
}

static int is_hex_id(const char *s, size_t len)
{
	size_t i;

	if (len != HEX_ID_LEN)
		return 0;
	for (i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

static int name_ok(const char *s, size_t len, size_t max)
{
	size_t i;

	if (len == 0 || len > max || (len == 1 && s[0] == '.') ||
	    (len == 2 && s[0] == '.' && s[1] == '.'))
		return 0;
	for (i = 0; i < len; i++) {
		char ch = s[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '_' || ch == '.' || ch == '-'))
			return 0;
	}
	return 1;
}

int pw_container_name_ok(const char *s, size_t max)
{
	return s && name_ok(s, strnlen(s, max + 1), max);
}

/* <prefix><64 hex>[.scope]: the hex id in *id, its length known. */
static int match_hex(const struct comp *c, const char *prefix, int scope_required, const char **id)
{
	size_t plen = strlen(prefix), len = c->len;

	if (!has_prefix(c, prefix))
		return 0;
	if (has_suffix(c, ".scope"))
		len -= strlen(".scope");
	else if (scope_required)
		return 0;
	if (len < plen || !is_hex_id(c->s + plen, len - plen))
		return 0;
	*id = c->s + plen;
	return 1;
}

static int is_v1_controller(const struct comp *c)
{
	static const char *const known[] = { "cpu",	"cpuacct", "cpuset",  "memory",
					     "devices", "freezer", "net_cls", "net_prio",
					     "blkio",	"pids",	   "hugetlb", "perf_event",
					     "rdma",	"misc",	   "unified", "systemd" };
	const char *p = c->s, *end = c->s + c->len;

	if (has_prefix(c, "name="))
		return 1;
	/* "cpu,cpuacct": every comma-separated part must be a controller */
	while (p < end) {
		const char *comma = memchr(p, ',', end - p);
		struct comp part = { p, (comma ? comma : end) - p };
		size_t i;
		int found = 0;

		for (i = 0; i < sizeof(known) / sizeof(known[0]) && !found; i++)
			found = comp_is(&part, known[i]);
		if (!found)
			return 0;
		p = comma ? comma + 1 : end;
	}
	return c->len > 0;
}

/* Split path into components, past a /proc/<pid>/cgroup line's "N:ctrl:"
 * and a cgroupfs mount prefix. Keeps the outermost max: the container is
 * named near the top, whatever a container nests below itself. 0 for a
 * path with "." or ".." in it. */
static int split_path(const char *path, struct comp *comps, int max)
{
	const char *p = path, *colon;
	int n = 0;

	if (*p >= '0' && *p <= '9' && (colon = strchr(p, ':')) && (colon = strchr(colon + 1, ':')))
		p = colon + 1;
	while (*p) {
		const char *start;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		start = p;
		while (*p && *p != '/')
			p++;
		if (n == max)
			break;
		if (p - start <= 2 && start[0] == '.' && (p - start == 1 || start[1] == '.'))
			return 0; /* the kernel never names a cgroup so: forged */
		comps[n].s = start;
		comps[n].len = p - start;
		n++;
	}
	/* /sys/fs/cgroup[/<v1 controller or unified>]/... */
	if (n >= 3 && comp_is(&comps[0], "sys") && comp_is(&comps[1], "fs") &&
	    comp_is(&comps[2], "cgroup")) {
		int skip = 3;

		if (n > 3 && is_v1_controller(&comps[3]))
			skip = 4;
		memmove(comps, comps + skip, (n - skip) * sizeof(*comps));
		n -= skip;
	}
	return n;
}

const char *pw_state_root(const char *root, int i, char *buf, size_t len)
{
	const char *p, *end;

	if (!root || !*root)
		root = "/";
	if (i == 0)
		return root;
	if (strcmp(root, "/"))
		return NULL;
	p = getenv(PW_STATE_ROOTS_ENV);
	for (; p && *p; p = *end ? end + 1 : end) {
		end = strchrnul(p, ':');
		if (*p != '/' || --i)
			continue;
		if ((size_t)(end - p) >= len)
			return NULL;
		memcpy(buf, p, end - p);
		buf[end - p] = '\0';
		return buf;
	}
	return NULL;
}

static int exists_at(const char *root, const char *fmt_dir, const struct comp *a,
		     const struct comp *b, const char *leaf, int want_dir)
{
	char path[4096], rbuf[4096];
	const char *r;
	struct stat st;
	int len, i;

	for (i = 0; (r = pw_state_root(root, i, rbuf, sizeof(rbuf))); i++) {
		pw_hw_reading("runtime state under %s", r);
		if (b)
			len = snprintf(path, sizeof(path), "%s/%s/%.*s/%.*s%s", r, fmt_dir,
				       (int)a->len, a->s, (int)b->len, b->s, leaf);
		else
			len = snprintf(path, sizeof(path), "%s/%s/%.*s%s", r, fmt_dir, (int)a->len,
				       a->s, leaf);
		if (len < 0 || (size_t)len >= sizeof(path) || stat(path, &st))
			continue;
		if (want_dir ? S_ISDIR(st.st_mode) : S_ISREG(st.st_mode))
			return 1;
	}
	return 0;
}

/* cgroupfs driver: pod<uid>; systemd: <anything>-pod<uid_with_underscores>.slice */
static int match_pod(const struct comp *c, char *uid, size_t uidsz)
{
	const char *s = c->s, *end = c->s + c->len, *p;
	size_t len, i;

	if (has_suffix(c, ".slice")) {
		end -= strlen(".slice");
		for (p = end - 4; p >= c->s && memcmp(p, "-pod", 4); p--)
			;
		if (p < c->s)
			return 0;
		s = p + 4;
	} else if (has_prefix(c, "pod")) {
		s += 3;
	} else {
		return 0;
	}
	len = end - s;
	if (len < 32 || len > PW_POD_UID_MAX || len >= uidsz)
		return 0;
	for (i = 0; i < len; i++) {
		char ch = s[i];

		if (ch == '_' || ch == '-')
			ch = '-';
		else if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f')))
			return 0;
		uid[i] = ch;
	}
	uid[len] = '\0';
	return 1;
}

/* kubepods, kubepods.slice, kubepods-burstable.slice, kubelet-kubepods.slice (kind) */
static int is_kubepods_level(const struct comp *c)
{
	char uid[PW_POD_UID_MAX + 1];

	if (comp_is(c, "kubepods"))
		return 1;
	return has_suffix(c, ".slice") && memmem(c->s, c->len, "kubepods", 8) &&
	       !match_pod(c, uid, sizeof(uid));
}

static enum pw_k8s_qos qos_of_slice(const struct comp *c)
{
	if (memmem(c->s, c->len, "-besteffort", strlen("-besteffort")))
		return PW_QOS_BESTEFFORT;
	if (memmem(c->s, c->len, "-burstable", strlen("-burstable")))
		return PW_QOS_BURSTABLE;
	return PW_QOS_GUARANTEED;
}

static void set_id(struct pw_container_ref *out, enum pw_runtime rt, const char *id, size_t len)
{
	out->runtime = rt;
	memcpy(out->id, id, len);
	out->id[len] = '\0';
}

/* need: NULL to look for evidence on disk; else nothing is looked at, and
 * *need is set where evidence would decide (the caller asks the host-reading
 * worker). */
static int from_path(const char *root, const char *path, struct pw_container_ref *out, int *need)
{
	struct comp comps[MAX_COMPONENTS];
	enum pw_k8s_qos qos = PW_QOS_NONE;
	int n, i, in_kubepods = 0, pod_at = -1;
	char uid[PW_POD_UID_MAX + 1] = "";
	const char *id;

	memset(out, 0, sizeof(*out));
	if (!path)
		return 0;
	if (!root || !*root)
		root = "/";
	n = split_path(path, comps, MAX_COMPONENTS);
	for (i = 0; i < n; i++) {
		const struct comp *c = &comps[i];

		if (pod_at < 0 && is_kubepods_level(c)) {
			in_kubepods = 1;
			qos = has_suffix(c, ".slice") ? qos_of_slice(c) : PW_QOS_GUARANTEED;
			continue;
		}
		if (in_kubepods && pod_at < 0) {
			if (comp_is(c, "besteffort") || comp_is(c, "burstable")) {
				qos = comp_is(c, "burstable") ? PW_QOS_BURSTABLE
							      : PW_QOS_BESTEFFORT;
				continue;
			}
			if (match_pod(c, uid, sizeof(uid))) {
				if (has_suffix(c, ".slice"))
					qos = qos_of_slice(c);
				pod_at = i;
				continue;
			}
		}

		if (match_hex(c, "docker-", 1, &id)) {
			set_id(out, PW_RUNTIME_DOCKER, id, HEX_ID_LEN);
		} else if (match_hex(c, "cri-containerd-", 1, &id)) {
			set_id(out, PW_RUNTIME_CRI_CONTAINERD, id, HEX_ID_LEN);
		} else if (match_hex(c, "crio-conmon-", 0, &id) ||
			   match_hex(c, "libpod-conmon-", 0, &id)) {
			break; /* the monitor beside a container, not in it */
		} else if (match_hex(c, "crio-", 0, &id)) {
			set_id(out, PW_RUNTIME_CRIO, id, HEX_ID_LEN);
		} else if (match_hex(c, "libpod-", 0, &id)) {
			set_id(out, PW_RUNTIME_PODMAN, id, HEX_ID_LEN);
		} else if (c->len > 11 && has_prefix(c, "runc-") && has_suffix(c, ".scope") &&
			   name_ok(c->s + 5, c->len - 5 - 6, PW_CONTAINER_ID_MAX)) {
			set_id(out, PW_RUNTIME_RUNC, c->s + 5, c->len - 5 - 6);
		} else if (comp_is(c, "docker") && i + 1 < n &&
			   is_hex_id(comps[i + 1].s, comps[i + 1].len)) {
			set_id(out, PW_RUNTIME_DOCKER, comps[i + 1].s, HEX_ID_LEN);
		} else if (pod_at >= 0 && i == pod_at + 1 && is_hex_id(c->s, c->len)) {
			int docker;

			if (need) {
				*need = 1;
				break;
			}
			docker = exists_at(root, DOCKER_ROOT, c, NULL, "", 1);

			set_id(out, docker ? PW_RUNTIME_DOCKER : PW_RUNTIME_CRI_CONTAINERD, c->s,
			       c->len);
		} else if (i == 0 && n >= 2 && name_ok(c->s, c->len, PW_CONTAINER_NS_MAX) &&
			   name_ok(comps[1].s, comps[1].len, PW_CONTAINER_ID_MAX) && need) {
			*need = 1;
			break;
		} else if (i == 0 && n >= 2 && name_ok(c->s, c->len, PW_CONTAINER_NS_MAX) &&
			   name_ok(comps[1].s, comps[1].len, PW_CONTAINER_ID_MAX) &&
			   exists_at(root, CONTAINERD_TASKS, c, &comps[1], "", 1)) {
			set_id(out, PW_RUNTIME_CONTAINERD, comps[1].s, comps[1].len);
			memcpy(out->ns, c->s, c->len);
			out->ns[c->len] = '\0';
		} else if (!need && !in_kubepods && name_ok(c->s, c->len, PW_CONTAINER_ID_MAX) &&
			   exists_at(root, RUNC_ROOT, c, NULL, "/state.json", 0)) {
			set_id(out, PW_RUNTIME_RUNC, c->s, c->len);
		} else {
			continue;
		}
		break;
	}
	if (out->runtime == PW_RUNTIME_NONE) {
		memset(out, 0, sizeof(*out));
		return 0;
	}
	if (out->runtime == PW_RUNTIME_CRI_CONTAINERD)
		strcpy(out->ns, "k8s.io"); /* the CRI plugin's containerd namespace */
	if (pod_at >= 0) {
		strcpy(out->pod_uid, uid);
		out->qos = qos;
	}
	return 1;
}

int pw_container_from_cgroup_path_at(const char *root, const char *path,
				     struct pw_container_ref *out)
{
	return from_path(root, path, out, NULL);
}

int pw_container_from_cgroup_path_nostat(const char *path, struct pw_container_ref *out, int *need)
{
	*need = 0;
	return from_path("/", path, out, need);
}

int pw_container_from_cgroup_path(const char *path, struct pw_container_ref *out)
{
	return pw_container_from_cgroup_path_at("/", path, out);
}

const char *pw_runtime_name(enum pw_runtime rt)
{
	switch (rt) {
	case PW_RUNTIME_DOCKER: return "docker";
	case PW_RUNTIME_CONTAINERD: return "containerd";
	case PW_RUNTIME_CRI_CONTAINERD: return "cri-containerd";
	case PW_RUNTIME_CRIO: return "crio";
	case PW_RUNTIME_PODMAN: return "podman";
	case PW_RUNTIME_RUNC: return "runc";
	case PW_RUNTIME_NONE: break;
	}
	return "";
}

const char *pw_qos_name(enum pw_k8s_qos qos)
{
	switch (qos) {
	case PW_QOS_GUARANTEED: return "guaranteed";
	case PW_QOS_BURSTABLE: return "burstable";
	case PW_QOS_BESTEFFORT: return "besteffort";
	case PW_QOS_NONE: break;
	}
	return "";
}
