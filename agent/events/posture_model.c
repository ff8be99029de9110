// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The posture model: names, the mode the dimensions add up to, the Pod
 * Security Standards level, sensitive host paths, JSON, text. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "events/capnames.h"
#include "events/posture_model.h"
#include "lib/jsonw.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const char *const dim_names[PW_DIM_COUNT] = {
	"capabilities",	  "masked_paths",    "readonly_kernel_fs",
	"apparmor",	  "seccomp",	     "device_cgroup",
	"host_devices",	  "selinux",	     "host_namespaces",
	"user_namespace", "host_mounts",     "no_new_privs",
	"user",		  "readonly_rootfs",
};

static const char *const hostns_names[PW_HOSTNS_COUNT] = {
	"pid", "net", "ipc", "uts", "cgroup", "time",
};

static const char *const mclass_names[PW_MCLASS_COUNT] = {
	"runtime_socket", "host_root",	    "proc",	     "sys",  "dev",  "etc",
	"boot",		  "kernel_modules", "runtime_state", "home", "logs", "other",
};

static const struct {
	const char *name, *title;
} pss_controls[PW_PSS_CONTROL_COUNT] = {
	[PW_PSS_B_PRIVILEGED] = { "privileged", "privileged container" },
	[PW_PSS_B_HOST_NAMESPACES] = { "host_namespaces", "host namespaces" },
	[PW_PSS_B_CAPABILITIES] = { "capabilities", "capabilities beyond the default set" },
	[PW_PSS_B_HOST_PATH] = { "host_path", "hostPath volumes" },
	[PW_PSS_B_APPARMOR] = { "apparmor", "AppArmor unconfined" },
	[PW_PSS_B_SELINUX] = { "selinux", "SELinux type not allowed" },
	[PW_PSS_B_PROC_MOUNT] = { "proc_mount", "/proc mount type unmasked" },
	[PW_PSS_B_SECCOMP] = { "seccomp", "seccomp unconfined" },
	[PW_PSS_R_PRIVILEGE_ESCALATION] = { "privilege_escalation",
					    "privilege escalation allowed (no_new_privs unset)" },
	[PW_PSS_R_RUN_AS_NON_ROOT] = { "run_as_non_root", "runs as root" },
	[PW_PSS_R_CAPABILITIES] = { "restricted_capabilities",
				    "capabilities not dropped to NET_BIND_SERVICE" },
};

const char *pw_dim_name(enum pw_dim d)
{
	return d < PW_DIM_COUNT ? dim_names[d] : "?";
}

const char *pw_dim_state_name(enum pw_dim_state s)
{
	switch (s) {
	case PW_DIM_RELAXED: return "relaxed";
	case PW_DIM_CONFINED: return "confined";
	default: return "n/a";
	}
}

const char *pw_posture_mode_name(enum pw_posture_mode m)
{
	switch (m) {
	case PW_POSTURE_PRIVILEGED: return "privileged";
	case PW_POSTURE_PARTIAL: return "partial";
	default: return "default";
	}
}

const char *pw_hostns_name(unsigned int ns)
{
	return ns < PW_HOSTNS_COUNT ? hostns_names[ns] : NULL;
}

const char *pw_mount_class_name(unsigned int c)
{
	return c < PW_MCLASS_COUNT ? mclass_names[c] : NULL;
}

const char *pw_pss_level_name(unsigned int l)
{
	switch (l) {
	case PW_PSS_PRIVILEGED: return "privileged";
	case PW_PSS_BASELINE: return "baseline";
	case PW_PSS_RESTRICTED: return "restricted";
	default: return NULL;
	}
}

const char *pw_pss_control_name(unsigned int c)
{
	return c < PW_PSS_CONTROL_COUNT ? pss_controls[c].name : NULL;
}

const char *pw_pss_control_level(unsigned int c)
{
	return c < PW_PSS_FIRST_RESTRICTED ? "baseline" : "restricted";
}

const char *pw_pss_control_title(unsigned int c)
{
	return c < PW_PSS_CONTROL_COUNT ? pss_controls[c].title : NULL;
}

void pw_pss_violation_text(const struct pw_posture *p, unsigned int c, char *buf, size_t len)
{
	if (c >= PW_PSS_CONTROL_COUNT) {
		snprintf(buf, len, "?");
		return;
	}
	snprintf(buf, len, "%s: %s%s%s%s", pw_pss_control_level(c), pss_controls[c].title,
		 p->pss_detail[c][0] ? " (" : "", p->pss_detail[c], p->pss_detail[c][0] ? ")" : "");
}

uint32_t pw_posture_mode_dims(const struct pw_posture *p)
{
	uint32_t m = 0;
	int i;

	for (i = 0; i < PW_DIM_SEED_COUNT; i++)
		if (p->dim[i].state == PW_DIM_RELAXED)
			m |= 1u << i;
	if (p->dim[PW_DIM_HOST_NAMESPACES].state == PW_DIM_RELAXED)
		m |= 1u << PW_DIM_HOST_NAMESPACES;
	if (p->dim[PW_DIM_HOST_MOUNTS].state == PW_DIM_RELAXED)
		m |= 1u << PW_DIM_HOST_MOUNTS;
	return m;
}

enum pw_posture_mode pw_posture_derive(struct pw_posture *p)
{
	int applicable = 0, relaxed = 0, i;

	for (i = 0; i < PW_DIM_SEED_COUNT; i++) {
		applicable += p->dim[i].state != PW_DIM_NA;
		relaxed += p->dim[i].state == PW_DIM_RELAXED;
	}
	/* Capabilities relaxed is anything beyond the default set; what
	 * --privileged means is the full set. */
	if (relaxed && relaxed == applicable &&
	    (p->caps_full || p->dim[PW_DIM_CAPABILITIES].state == PW_DIM_NA))
		p->mode = PW_POSTURE_PRIVILEGED;
	else if (pw_posture_mode_dims(p))
		p->mode = PW_POSTURE_PARTIAL;
	else
		p->mode = PW_POSTURE_DEFAULT;
	pw_pss_derive(p);
	return p->mode;
}

/* " sys_admin net_raw" into buf: the seed's (amicontained's) spelling. */
static void cap_list(uint64_t caps, char *buf, size_t len)
{
	size_t n = 0;
	int cap;

	buf[0] = '\0';
	for (cap = 0; cap < 64 && n < len; cap++) {
		const char *name;
		char low[32];
		size_t i;

		if (!(caps & (1ULL << cap)))
			continue;
		name = pw_cap_name(cap);
		if (name && !strncmp(name, "CAP_", 4)) {
			for (i = 0; name[i + 4] && i < sizeof(low) - 1; i++)
				low[i] = name[i + 4] >= 'A' && name[i + 4] <= 'Z' ? name[i + 4] + 32
										  : name[i + 4];
			low[i] = '\0';
		} else {
			snprintf(low, sizeof(low), "cap_%d", cap);
		}
		/* Cut between names, and say so. */
		if (n + strlen(low) + 1 + 4 >= len) {
			snprintf(buf + n, len - n, "%s...", n ? "," : "");
			return;
		}
		n += snprintf(buf + n, len - n, "%s%s", n ? "," : "", low);
	}
}

static void violate(struct pw_posture *p, enum pw_pss_control c, const char *detail)
{
	p->pss_violated |= 1u << c;
	snprintf(p->pss_detail[c], sizeof(p->pss_detail[c]), "%s", detail ? detail : "");
}

static int relaxed(const struct pw_posture *p, enum pw_dim d)
{
	return p->dim[d].state == PW_DIM_RELAXED;
}

enum pw_pss_level pw_pss_derive(struct pw_posture *p)
{
	char buf[PW_PSS_DETAIL_LEN];
	uint64_t caps = p->cap_bnd | p->cap_eff;
	size_t n = 0;
	int i;

	p->pss_violated = 0;
	memset(p->pss_detail, 0, sizeof(p->pss_detail));

	/* baseline */
	if (p->mode == PW_POSTURE_PRIVILEGED)
		violate(p, PW_PSS_B_PRIVILEGED, "all of --privileged's eight relaxed");
	if (p->host_ns & ((1u << PW_HOSTNS_PID) | (1u << PW_HOSTNS_NET) | (1u << PW_HOSTNS_IPC))) {
		buf[0] = '\0';
		for (i = PW_HOSTNS_PID, n = 0; i <= PW_HOSTNS_IPC; i++)
			if (p->host_ns & (1u << i))
				n += snprintf(buf + n, sizeof(buf) - n, "%s%s", n ? "," : "",
					      hostns_names[i]);
		violate(p, PW_PSS_B_HOST_NAMESPACES, buf);
	}
	if (p->dim[PW_DIM_CAPABILITIES].state != PW_DIM_NA && (caps & ~PW_CAPS_RUNTIME_DEFAULT)) {
		cap_list(caps & ~PW_CAPS_RUNTIME_DEFAULT, buf, sizeof(buf));
		violate(p, PW_PSS_B_CAPABILITIES, buf);
	}
	if (p->nhost_mounts || p->nhost_paths) {
		buf[0] = '\0';
		for (i = 0, n = 0; i < p->nhost_mounts && n < sizeof(buf); i++)
			n += snprintf(buf + n, sizeof(buf) - n, "%s%s", n ? "," : "",
				      p->host_mounts[i].source);
		if (p->nhost_paths && n < sizeof(buf))
			snprintf(buf + n, sizeof(buf) - n, "%s%s", n ? "," : "", p->host_paths);
		violate(p, PW_PSS_B_HOST_PATH, buf);
	}
	if (relaxed(p, PW_DIM_APPARMOR))
		violate(p, PW_PSS_B_APPARMOR, NULL);
	if (relaxed(p, PW_DIM_SELINUX))
		violate(p, PW_PSS_B_SELINUX, NULL);
	if (relaxed(p, PW_DIM_MASKED_PATHS))
		violate(p, PW_PSS_B_PROC_MOUNT, NULL);
	if (relaxed(p, PW_DIM_SECCOMP))
		violate(p, PW_PSS_B_SECCOMP, NULL);

	/* restricted */
	if (relaxed(p, PW_DIM_NO_NEW_PRIVS))
		violate(p, PW_PSS_R_PRIVILEGE_ESCALATION, NULL);
	if (relaxed(p, PW_DIM_USER))
		violate(p, PW_PSS_R_RUN_AS_NON_ROOT, "uid 0");
	if (p->dim[PW_DIM_CAPABILITIES].state != PW_DIM_NA &&
	    (caps & ~PW_CAPS_PSS_RESTRICTED & PW_CAPS_RUNTIME_DEFAULT)) {
		/* Beyond the default set is baseline's already; here what the
		 * default set keeps that "drop ALL" would have removed. */
		cap_list(caps & ~PW_CAPS_PSS_RESTRICTED & PW_CAPS_RUNTIME_DEFAULT, buf,
			 sizeof(buf));
		violate(p, PW_PSS_R_CAPABILITIES, buf);
	}

	if (p->pss_violated & ((1u << PW_PSS_FIRST_RESTRICTED) - 1))
		p->pss = PW_PSS_PRIVILEGED;
	else if (p->pss_violated)
		p->pss = PW_PSS_BASELINE;
	else
		p->pss = PW_PSS_RESTRICTED;
	return p->pss;
}

/* Sensitive host paths. */
struct sensitive {
	char path[PW_MOUNT_PATH_LEN];
	int below; /* written with a trailing "/" "**": what is below matches too */
	int mclass;
};

static const struct {
	const char *path;
	int mclass;
} builtin[] = {
	{ "/", PW_MCLASS_HOST_ROOT },
	{ "/proc", PW_MCLASS_PROC },
	{ "/sys", PW_MCLASS_SYS },
	{ "/dev", PW_MCLASS_DEV },
	{ "/etc/**", PW_MCLASS_ETC },
	{ "/boot/**", PW_MCLASS_BOOT },
	{ "/lib/modules/**", PW_MCLASS_KERNEL_MODULES },
	{ "/usr/lib/modules/**", PW_MCLASS_KERNEL_MODULES },
	{ "/var/lib/docker", PW_MCLASS_RUNTIME_STATE },
	{ "/var/lib/kubelet", PW_MCLASS_RUNTIME_STATE },
	{ "/var/lib/containerd", PW_MCLASS_RUNTIME_STATE },
	{ "/var/lib/containers", PW_MCLASS_RUNTIME_STATE },
	{ "/run/containerd", PW_MCLASS_RUNTIME_STATE },
	{ "/var/log", PW_MCLASS_LOGS },
	{ "/run/docker.sock", PW_MCLASS_RUNTIME_SOCKET },
	{ "/run/containerd/containerd.sock", PW_MCLASS_RUNTIME_SOCKET },
	{ "/run/crio/crio.sock", PW_MCLASS_RUNTIME_SOCKET },
	{ "/run/podman/podman.sock", PW_MCLASS_RUNTIME_SOCKET },
	{ "/run/dockershim.sock", PW_MCLASS_RUNTIME_SOCKET },
	{ "/run/k3s/containerd/containerd.sock", PW_MCLASS_RUNTIME_SOCKET },
	{ "/root/**", PW_MCLASS_HOME },
	{ "/home/**", PW_MCLASS_HOME },
};

static struct sensitive sens[PW_SENSITIVE_MAX];
static int nsens = -1; /* -1: the built-in list not loaded yet */

/* "/var/run/x" -> "/run/x" (a symlink on every current distribution);
 * trailing slashes off. */
static int normalize(const char *in, char *out, size_t len)
{
	size_t n;

	if (in[0] != '/')
		return -EINVAL;
	if (!strncmp(in, "/var/run/", 9) || !strcmp(in, "/var/run"))
		in += 4;
	if ((size_t)snprintf(out, len, "%s", in) >= len)
		return -EINVAL;
	n = strlen(out);
	while (n > 1 && out[n - 1] == '/')
		out[--n] = '\0';
	return 0;
}

static int add(const char *path, int mclass)
{
	struct sensitive *s;
	char tmp[PW_MOUNT_PATH_LEN];
	size_t n;

	if (nsens >= PW_SENSITIVE_MAX)
		return -ENOSPC;
	if (normalize(path, tmp, sizeof(tmp)))
		return -EINVAL;
	s = &sens[nsens];
	n = strlen(tmp);
	s->below = n >= 3 && !strcmp(tmp + n - 3, "/**");
	if (s->below)
		tmp[n - 3] = '\0';
	if (!tmp[0])
		snprintf(tmp, sizeof(tmp), "/");
	snprintf(s->path, sizeof(s->path), "%s", tmp);
	s->mclass = mclass;
	nsens++;
	return 0;
}

static void load_builtin(void)
{
	size_t i;

	if (nsens >= 0)
		return;
	nsens = 0;
	for (i = 0; i < N(builtin); i++)
		add(builtin[i].path, builtin[i].mclass);
}

int pw_sensitive_add(const char *path)
{
	load_builtin();
	return add(path, PW_MCLASS_OTHER);
}

/* a is b, or an ancestor of it. */
static int exposes(const char *a, const char *b)
{
	size_t n = strlen(a);

	if (!strcmp(a, "/"))
		return 1;
	return !strncmp(a, b, n) && (b[n] == '\0' || b[n] == '/');
}

/* The API sockets of container runtimes, by the name they are given
 * wherever a daemon is told to listen (dockerd -H unix:///srv/x/docker.sock). */
static int runtime_socket_name(const char *p)
{
	static const char *const names[] = {
		"docker.sock", "containerd.sock", "crio.sock",
		"podman.sock", "dockershim.sock", "cri-dockerd.sock",
	};
	const char *b = strrchr(p, '/');
	size_t i;

	for (i = 0; b && i < N(names); i++)
		if (!strcmp(b + 1, names[i]))
			return 1;
	return 0;
}

int pw_sensitive_match(const char *host_path)
{
	char p[PW_MOUNT_PATH_LEN];
	int i;

	load_builtin();
	if (normalize(host_path, p, sizeof(p)))
		return -1;
	if (runtime_socket_name(p))
		return PW_MCLASS_RUNTIME_SOCKET;
	/* Most specific first: an exact match or a path below an entry, then
	 * an ancestor (the mount exposes an entry). */
	for (i = 0; i < nsens; i++)
		if (!strcmp(sens[i].path, p) || (sens[i].below && exposes(sens[i].path, p)))
			return sens[i].mclass;
	if (!strcmp(p, "/"))
		return PW_MCLASS_HOST_ROOT;
	/* A parent of several: a runtime socket says the most. */
	for (i = 0; i < nsens; i++)
		if (exposes(p, sens[i].path) && sens[i].mclass == PW_MCLASS_RUNTIME_SOCKET)
			return sens[i].mclass;
	for (i = 0; i < nsens; i++)
		if (exposes(p, sens[i].path))
			return sens[i].mclass;
	return -1;
}

void pw_pss_to_json(struct jsonw *w, const struct pw_posture *p)
{
	char text[PW_PSS_DETAIL_LEN + 96];
	unsigned int c;

	jw_obj_begin(w);
	jw_kv_str(w, "level", pw_pss_level_name(p->pss));
	jw_key(w, "violations");
	jw_arr_begin(w);
	for (c = 0; c < PW_PSS_CONTROL_COUNT; c++)
		if (p->pss_violated & (1u << c)) {
			pw_pss_violation_text(p, c, text, sizeof(text));
			jw_str(w, text);
		}
	jw_arr_end(w);
	jw_key(w, "controls");
	jw_arr_begin(w);
	for (c = 0; c < PW_PSS_CONTROL_COUNT; c++)
		if (p->pss_violated & (1u << c))
			jw_str(w, pss_controls[c].name);
	jw_arr_end(w);
	jw_obj_end(w);
}

static void caps_json(struct jsonw *w, const char *key, uint64_t caps)
{
	int cap;

	jw_key(w, key);
	jw_arr_begin(w);
	for (cap = 0; cap < 64; cap++)
		if (caps & (1ULL << cap)) {
			const char *n = pw_cap_name(cap);
			char num[16];

			snprintf(num, sizeof(num), "%d", cap);
			jw_str(w, n ? n : num);
		}
	jw_arr_end(w);
}

void pw_posture_to_json(struct jsonw *w, const struct pw_posture *p)
{
	uint32_t md = pw_posture_mode_dims(p);
	int i;

	jw_obj_begin(w);
	jw_kv_str(w, "mode", pw_posture_mode_name(p->mode));
	jw_key(w, "mode_relaxed");
	jw_arr_begin(w);
	for (i = 0; i < PW_DIM_COUNT; i++)
		if (md & (1u << i))
			jw_str(w, dim_names[i]);
	jw_arr_end(w);
	jw_key(w, "relaxed");
	jw_arr_begin(w);
	for (i = 0; i < PW_DIM_COUNT; i++)
		if (p->dim[i].state == PW_DIM_RELAXED)
			jw_str(w, dim_names[i]);
	jw_arr_end(w);
	jw_key(w, "pss");
	pw_pss_to_json(w, p);
	caps_json(w, "capabilities_added", p->caps_added);
	caps_json(w, "capabilities_dangerous", p->caps_dangerous);
	jw_key(w, "host_namespaces");
	jw_arr_begin(w);
	for (i = 0; i < PW_HOSTNS_COUNT; i++)
		if (p->host_ns & (1u << i))
			jw_str(w, hostns_names[i]);
	jw_arr_end(w);
	jw_key(w, "host_mounts");
	jw_arr_begin(w);
	for (i = 0; i < p->nhost_mounts; i++) {
		const struct pw_host_mount *m = &p->host_mounts[i];

		jw_obj_begin(w);
		jw_kv_str(w, "source", m->source);
		jw_kv_str(w, "target", m->target);
		jw_kv_str(w, "class", pw_mount_class_name(m->mclass));
		jw_kv_bool(w, "rw", m->rw);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_key(w, "uid");
	if (p->uid >= 0)
		jw_i64(w, p->uid);
	else
		jw_null(w);
	jw_key(w, "dimensions");
	jw_obj_begin(w);
	for (i = 0; i < PW_DIM_COUNT; i++) {
		const struct pw_dimension *d = &p->dim[i];

		jw_key(w, dim_names[i]);
		jw_obj_begin(w);
		jw_kv_str(w, "state", pw_dim_state_name(d->state));
		jw_key(w, d->state == PW_DIM_NA ? "reason" : "evidence");
		jw_str(w, d->state == PW_DIM_NA ? d->reason : d->evidence);
		jw_obj_end(w);
	}
	jw_obj_end(w);
	jw_obj_end(w);
}

void pw_posture_print(FILE *f, const struct pw_posture *p)
{
	char text[PW_PSS_DETAIL_LEN + 96];
	uint32_t md = pw_posture_mode_dims(p);
	unsigned int c;
	int i, n = 0;

	fprintf(f, "pid %d: %s", (int)p->pid, pw_posture_mode_name(p->mode));
	for (i = 0; i < PW_DIM_COUNT; i++)
		if (md & (1u << i))
			fprintf(f, "%s%s", n++ ? ", " : " (relaxed: ", dim_names[i]);
	fprintf(f, "%s\n", n ? ")" : "");
	fprintf(f, "pss:       %s\n", pw_pss_level_name(p->pss));
	for (c = 0; c < PW_PSS_CONTROL_COUNT; c++)
		if (p->pss_violated & (1u << c)) {
			pw_pss_violation_text(p, c, text, sizeof(text));
			fprintf(f, "  violates %s\n", text);
		}
	for (i = 0; i < PW_DIM_COUNT; i++) {
		const struct pw_dimension *d = &p->dim[i];

		fprintf(f, "  %-18s %-8s %s\n", dim_names[i], pw_dim_state_name(d->state),
			d->state == PW_DIM_NA ? d->reason : d->evidence);
	}
}
