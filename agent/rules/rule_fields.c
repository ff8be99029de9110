// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The fields rules and output templates name: their values and how each is
 * read from a view. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "events/capnames.h"
#include "events/nsnames.h"
#include "events/posture_model.h"
#include "rules/rule_compiled.h"

/* clang-format off */
static const struct pw_field fields[PW_FLD_COUNT] = {
	[PW_FLD_KIND] = { "kind", PW_FT_ENUM, "event kind", "{\"kind\": [\"open\", \"mount\"]}" },
	[PW_FLD_RESULT] = { "result", PW_FT_ENUM, "result", "{\"result\": \"allowed\"}" },
	[PW_FLD_OBJECT] = { "object", PW_FT_ENUM, "object kind", "{\"object\": \"sysfs\"}" },
	[PW_FLD_ACCESS] = { "access", PW_FT_ENUM, "access", "{\"access\": \"write\"}" },
	[PW_FLD_DEVICE_TYPE] = { "device.type", PW_FT_ENUM, "device type",
				 "{\"device.type\": \"block\"}" },
	[PW_FLD_MOUNT_OP] = { "mount.op", PW_FT_ENUM, "mount operation",
			      "{\"mount.op\": [\"mount\", \"fsmount\"]}" },
	[PW_FLD_SECCOMP_OP] = { "seccomp.op", PW_FT_ENUM, "seccomp operation",
				"{\"seccomp.op\": \"set_mode_strict\"}" },
	[PW_FLD_CONTAINER_MODE] = { "container.mode", PW_FT_ENUM, "container mode",
				    "{\"not\": {\"container.mode\": \"host\"}}" },
	[PW_FLD_CONTAINER_PHASE] = { "container.phase", PW_FT_ENUM, "container phase",
				     "{\"container.phase\": \"started\"}" },
	[PW_FLD_CONTAINER_RELAXED] = { "container.relaxed", PW_FT_ENUM, "posture dimension",
				       "{\"container.relaxed\": \"seccomp\"}" },
	[PW_FLD_CAPABILITY] = { "capability", PW_FT_ENUM, "capability",
				"{\"capability\": \"CAP_SYS_ADMIN\"}" },
	[PW_FLD_MOUNT_KIND] = { "mount.kind", PW_FT_ENUM, "mount kind",
				"{\"mount.kind\": \"bind\"}" },
	[PW_FLD_NS_OP] = { "namespace.op", PW_FT_ENUM, "namespace operation",
			   "{\"namespace.op\": \"setns\"}" },
	[PW_FLD_NS_TYPES] = { "namespace.types", PW_FT_ENUM, "namespace type",
			      "{\"namespace.types\": \"mnt\"}" },
	[PW_FLD_PROC_SESSION] = { "proc.session", PW_FT_ENUM,
				  "the container's process tree the process is in: its "
				  "entrypoint's, an exec session's (docker, kubectl or podman "
				  "exec: the runtime placed it in the running container), or "
				  "unknown (not seen begin: older than the agent)",
				  "{\"proc.session\": \"exec\"}" },
	[PW_FLD_PATH] = { "path", PW_FT_STR, "path", "{\"path\": {\"prefix\": \"/sys/kernel/\"}}" },
	[PW_FLD_BASENAME] = { "basename", PW_FT_STR, "basename", "{\"basename\": \"release_agent\"}" },
	[PW_FLD_FS_PATH] = { "fs_path", PW_FT_STR,
			     "a kernel filesystem file's path on a standard host, from its "
			     "filesystem's root (mount point and chroot do not change it)",
			     "{\"fs_path\": \"/proc/sys/kernel/core_pattern\"}" },
	[PW_FLD_MOUNT_SOURCE] = { "mount.source", PW_FT_STR, "mount source",
				  "{\"mount.source\": {\"prefix\": \"/dev/\"}}" },
	[PW_FLD_MOUNT_FSTYPE] = { "mount.fstype", PW_FT_STR, "filesystem type",
				  "{\"mount.fstype\": [\"proc\", \"sysfs\"]}" },
	[PW_FLD_PROC_EXE] = { "proc.exe", PW_FT_STR, "executable",
			      "{\"proc.exe\": {\"basename\": \"nsenter\"}}" },
	[PW_FLD_PROC_COMM] = { "proc.comm", PW_FT_STR, "command name", "{\"proc.comm\": \"runc:[2:INIT]\"}" },
	[PW_FLD_CONTAINER_NAME] = { "container.name", PW_FT_STR, "container name",
				    "{\"container.name\": \"node-exporter\"}" },
	[PW_FLD_CONTAINER_IMAGE] = { "container.image", PW_FT_STR, "container image",
				     "{\"container.image\": {\"glob\": \"quay.io/prometheus/*\"}}" },
	[PW_FLD_CONTAINER_RUNTIME] = { "container.runtime", PW_FT_STR, "container runtime",
				       "{\"container.runtime\": \"cri-containerd\"}" },
	[PW_FLD_CONTAINER_ID] = { "container.id", PW_FT_STR, "container id",
				  "{\"container.id\": {\"prefix\": \"4f1c\"}}" },
	[PW_FLD_CONTAINER_NAMESPACE] = { "container.namespace", PW_FT_STR,
					 "Kubernetes namespace (pod's), else the runtime's "
					 "(containerd namespace)",
					 "{\"container.namespace\": [\"kube-system\", \"monitoring\"]}" },
	[PW_FLD_CONTAINER_POD] = { "container.pod", PW_FT_STR, "Kubernetes pod name",
				   "{\"container.pod\": {\"prefix\": \"calico-node-\"}}" },
	[PW_FLD_CONTAINER_IMAGE_DIGEST] = { "container.image_digest", PW_FT_STR,
					    "the image's id or digest as the runtime recorded it",
					    "{\"container.image_digest\": \"sha256:9c7a...\"}" },
	[PW_FLD_PROC_ARGS] = { "proc.args", PW_FT_STR,
			       "argv joined by spaces (as recorded: at most 512 bytes)",
			       "{\"proc.args\": {\"contains\": \" --privileged\"}}" },
	[PW_FLD_PROC_PARENT_EXE] = { "proc.parent.exe", PW_FT_STR, "the parent's executable",
				     "{\"proc.parent.exe\": {\"basename\": \"containerd-shim-runc-v2\"}}" },
	[PW_FLD_PROC_PARENT_COMM] = { "proc.parent.comm", PW_FT_STR, "the parent's command name",
				      "{\"proc.parent.comm\": \"sh\"}" },
	[PW_FLD_PROC_ANCESTOR_EXE] = { "proc.ancestor.exe", PW_FT_STR,
				       "any ancestor's executable (parent first, up to 8): "
				       "matches if one matches",
				       "{\"proc.ancestor.exe\": {\"basename\": \"sshd\"}}" },
	[PW_FLD_PROC_ANCESTOR_COMM] = { "proc.ancestor.comm", PW_FT_STR,
					"any ancestor's command name (parent first, up to 8)",
					"{\"proc.ancestor.comm\": \"runc\"}" },
	[PW_FLD_CONTAINER_LABEL] = { "container.label.KEY", PW_FT_STR,
				     "a container label's value (\"\" when it has none)",
				     "{\"container.label.io.cilium.k8s.policy.name\": \"allow-all\"}" },
	[PW_FLD_POD_LABEL] = { "pod.label.KEY", PW_FT_STR,
			       "a pod label's value, where the runtime records the pod's "
			       "labels (\"\" when unknown)",
			       "{\"pod.label.app.kubernetes.io/name\": \"node-exporter\"}" },
	[PW_FLD_UID] = { "uid", PW_FT_NUM, "uid", "{\"uid\": 0}" },
	[PW_FLD_GID] = { "gid", PW_FT_NUM, "gid", "{\"gid\": {\"min\": 1000}}" },
	[PW_FLD_DEVICE_MAJOR] = { "device.major", PW_FT_NUM, "device major", "{\"device.major\": [1, 8]}" },
	[PW_FLD_DEVICE_MINOR] = { "device.minor", PW_FT_NUM, "device minor", "{\"device.minor\": 1}" },
	[PW_FLD_ERRNO] = { "errno", PW_FT_NUM, "errno", "{\"errno\": \"EPERM\"}" },
	[PW_FLD_SECCOMP_MODE_AFTER] = { "seccomp.mode_after", PW_FT_NUM, "seccomp mode",
					"{\"seccomp.mode_after\": 0}" },
	[PW_FLD_CAP] = { "cap", PW_FT_NUM, "capability number", "{\"cap\": 21}" },
	[PW_FLD_PROC_PID] = { "proc.pid", PW_FT_NUM, "pid", "{\"proc.pid\": 1}" },
	[PW_FLD_PROC_PPID] = { "proc.ppid", PW_FT_NUM, "parent pid", "{\"proc.ppid\": 0}" },
	[PW_FLD_PROC_UID] = { "proc.uid", PW_FT_NUM, "uid", "{\"proc.uid\": 0}" },
	[PW_FLD_PROC_GID] = { "proc.gid", PW_FT_NUM, "gid", "{\"proc.gid\": 0}" },
	[PW_FLD_USERNS_LEVEL] = { "userns_level", PW_FT_NUM, "user namespace level",
				  "{\"userns_level\": 0}" },
	[PW_FLD_OTHER_PROCESS] = { "file.other_process", PW_FT_NUM,
				   "1: a /proc/<pid> file of a process outside the opener's "
				   "container (kernel fact), else 0",
				   "{\"file.other_process\": 1}" },
	[PW_FLD_PROC_RUNTIME_INIT] = { "proc.runtime_init", PW_FT_NUM,
				       "1: the runtime's own init (kernel fact), else 0",
				       "{\"proc.runtime_init\": 0}" },
	[PW_FLD_CONTAINER_PSS] = { "container.pss", PW_FT_ENUM, "Pod Security Standards level",
				   "{\"container.pss\": \"privileged\"}" },
	[PW_FLD_CONTAINER_PSS_VIOLATIONS] = { "container.pss_violations", PW_FT_ENUM,
					      "Pod Security Standards control",
					      "{\"container.pss_violations\": \"host_namespaces\"}" },
	[PW_FLD_CONTAINER_HOST_NS] = { "container.host_namespaces", PW_FT_ENUM, "namespace type",
				       "{\"container.host_namespaces\": \"pid\"}" },
	[PW_FLD_CONTAINER_CAPS_ADDED] = { "container.capabilities_added", PW_FT_ENUM,
					  "capability",
					  "{\"container.capabilities_added\": \"CAP_NET_ADMIN\"}" },
	[PW_FLD_CONTAINER_CAPS_DANGEROUS] = { "container.capabilities_dangerous", PW_FT_ENUM,
					      "capability",
					      "{\"container.capabilities_dangerous\": \"CAP_SYS_ADMIN\"}" },
	[PW_FLD_CONTAINER_HOST_MOUNTS] = { "container.host_mounts", PW_FT_ENUM,
					   "host mount class",
					   "{\"container.host_mounts\": \"runtime_socket\"}" },
	[PW_FLD_CONTAINER_HOST_MOUNTS_RW] = { "container.host_mounts_rw", PW_FT_ENUM,
					      "host mount class",
					      "{\"container.host_mounts_rw\": \"host_root\"}" },
	[PW_FLD_FILE_VIA] = { "file.via", PW_FT_ENUM,
			      "how a file was reached: open, or (LSM mode) write, mmap, received "
			      "through an fd",
			      "{\"file.via\": [\"write\", \"received\"]}" },
	[PW_FLD_CONTAINER_UID] = { "container.uid", PW_FT_NUM, "container init uid",
				   "{\"container.uid\": 0}" },
};
/* clang-format on */

const struct pw_field *pw_field_get(int id)
{
	return id >= 0 && id < PW_FLD_COUNT ? &fields[id] : NULL;
}

int pw_field_lookup(const char *name)
{
	int i;

	for (i = 0; i < PW_FLD_COUNT; i++)
		if (!pw_field_is_keyed(i) && !strcmp(fields[i].name, name))
			return i;
	return -1;
}

int pw_field_lookup_keyed(const char *name, const char **key)
{
	int i;

	for (i = 0; i < PW_FLD_COUNT; i++) {
		/* "container.label.KEY": the prefix is the name up to KEY */
		size_t n = pw_field_is_keyed(i) ? strlen(fields[i].name) - 3 : 0;

		if (n && !strncmp(fields[i].name, name, n) && name[n]) {
			*key = name + n;
			return i;
		}
	}
	return -1;
}

void pw_field_names(char *buf, size_t size)
{
	size_t off = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < PW_FLD_COUNT && off < size; i++)
		off += snprintf(buf + off, size - off, "%s%s", off ? ", " : "", fields[i].name);
}

static const char *const results[] = { "allowed", "denied", "pre_check", "none" };
static const char *const accesses[] = { "read", "write" }; /* bits PW_ACCESS_* */
static const char *const device_types[] = { "char", "block" };
static const char *const phases[] = { "setup", "started" };		   /* PW_VPHASE_* - 1 */
static const char *const ns_ops[] = { "unshare", "setns" };		   /* enum pw_ns_op - 1 */
static const char *const sessions[] = { "unknown", "entrypoint", "exec" }; /* pw_view_session */

#define N(a) (sizeof(a) / sizeof((a)[0]))

const char *pw_field_value_name(int id, unsigned int i)
{
	switch (id) {
	case PW_FLD_KIND:
		return i < PW_VIEW_KIND_MAX && strcmp(pw_view_kind_name(i), "unknown")
			       ? pw_view_kind_name(i)
			       : NULL;
	case PW_FLD_RESULT: return i < N(results) ? results[i] : NULL;
	case PW_FLD_OBJECT: return i < PW_OBJ_KIND_MAX ? pw_object_kind_name(i) : NULL;
	case PW_FLD_ACCESS: return i < N(accesses) ? accesses[i] : NULL;
	case PW_FLD_DEVICE_TYPE: return i < N(device_types) ? device_types[i] : NULL;
	case PW_FLD_MOUNT_OP: return pw_mount_op_name(i);
	case PW_FLD_SECCOMP_OP: return pw_seccomp_op_id_name(i);
	case PW_FLD_CONTAINER_MODE: return i < PW_VMODE_COUNT ? pw_view_mode_name(i) : NULL;
	case PW_FLD_CONTAINER_PHASE: return i < N(phases) ? phases[i] : NULL;
	case PW_FLD_CONTAINER_RELAXED: return i < PW_DIM_COUNT ? pw_dim_name(i) : NULL;
	case PW_FLD_CAPABILITY: return pw_cap_name(i);
	case PW_FLD_MOUNT_KIND: return pw_mount_kind_name(i);
	case PW_FLD_NS_OP: return i < N(ns_ops) ? ns_ops[i] : NULL;
	case PW_FLD_NS_TYPES: return pw_ns_type_name(i);
	case PW_FLD_CONTAINER_PSS: return pw_pss_level_name(i);
	case PW_FLD_CONTAINER_PSS_VIOLATIONS: return pw_pss_control_name(i);
	case PW_FLD_CONTAINER_HOST_NS: return pw_hostns_name(i);
	case PW_FLD_CONTAINER_CAPS_ADDED:
	case PW_FLD_CONTAINER_CAPS_DANGEROUS: return pw_cap_name(i);
	case PW_FLD_CONTAINER_HOST_MOUNTS:
	case PW_FLD_CONTAINER_HOST_MOUNTS_RW: return pw_mount_class_name(i);
	case PW_FLD_FILE_VIA: return pw_open_via_name(i);
	case PW_FLD_PROC_SESSION: return i < N(sessions) ? sessions[i] : NULL;
	default: return NULL;
	}
}

int pw_field_is_capability(int id)
{
	return id == PW_FLD_CAPABILITY || id == PW_FLD_CONTAINER_CAPS_ADDED ||
	       id == PW_FLD_CONTAINER_CAPS_DANGEROUS;
}

unsigned int pw_field_nvalues(int id)
{
	switch (id) {
	case PW_FLD_KIND: return PW_VIEW_KIND_MAX;
	case PW_FLD_RESULT: return N(results);
	case PW_FLD_OBJECT: return PW_OBJ_KIND_MAX;
	case PW_FLD_ACCESS: return N(accesses);
	case PW_FLD_DEVICE_TYPE: return N(device_types);
	case PW_FLD_MOUNT_OP: return PW_MOUNT_PIVOT_ROOT + 1;
	case PW_FLD_SECCOMP_OP: return PW_SECCOMP_OP_COUNT;
	case PW_FLD_CONTAINER_MODE: return PW_VMODE_COUNT;
	case PW_FLD_CONTAINER_PHASE: return N(phases);
	case PW_FLD_CONTAINER_RELAXED: return PW_DIM_COUNT;
	case PW_FLD_CAPABILITY: return PW_CAP_LAST + 1;
	case PW_FLD_MOUNT_KIND: return PW_MOUNT_KIND_COUNT;
	case PW_FLD_NS_OP: return N(ns_ops);
	case PW_FLD_NS_TYPES: return PW_NS_TYPES;
	case PW_FLD_CONTAINER_PSS: return PW_PSS_RESTRICTED + 1;
	case PW_FLD_CONTAINER_PSS_VIOLATIONS: return PW_PSS_CONTROL_COUNT;
	case PW_FLD_CONTAINER_HOST_NS: return PW_HOSTNS_COUNT;
	case PW_FLD_CONTAINER_CAPS_ADDED:
	case PW_FLD_CONTAINER_CAPS_DANGEROUS: return PW_CAP_LAST + 1;
	case PW_FLD_CONTAINER_HOST_MOUNTS:
	case PW_FLD_CONTAINER_HOST_MOUNTS_RW: return PW_MCLASS_COUNT;
	case PW_FLD_FILE_VIA: return PW_OPEN_VIA_MAX;
	case PW_FLD_PROC_SESSION: return N(sessions);
	default: return 0;
	}
}

int pw_field_value_parse(int id, const char *name)
{
	unsigned int i, n = pw_field_nvalues(id);

	if (pw_field_is_capability(id))
		return pw_cap_from_name(name);
	for (i = 0; i < n; i++) {
		const char *s = pw_field_value_name(id, i);

		if (s && !strcmp(s, name))
			return i;
	}
	return -1;
}

/* clang-format off */
#define E(x) { #x, x }
/* clang-format on */
static const struct {
	const char *name;
	int e;
} errnos[] = {
	E(EPERM),     E(ENOENT),  E(ESRCH),	 E(EINTR),	  E(EIO),	   E(ENXIO),
	E(E2BIG),     E(ENOEXEC), E(EBADF),	 E(ECHILD),	  E(EAGAIN),	   E(ENOMEM),
	E(EACCES),    E(EFAULT),  E(ENOTBLK),	 E(EBUSY),	  E(EEXIST),	   E(EXDEV),
	E(ENODEV),    E(ENOTDIR), E(EISDIR),	 E(EINVAL),	  E(ENFILE),	   E(EMFILE),
	E(ENOTTY),    E(ETXTBSY), E(EFBIG),	 E(ENOSPC),	  E(ESPIPE),	   E(EROFS),
	E(EMLINK),    E(EPIPE),	  E(ERANGE),	 E(EDEADLK),	  E(ENAMETOOLONG), E(ENOSYS),
	E(ENOTEMPTY), E(ELOOP),	  E(EOPNOTSUPP), E(ENOTSUP),	  E(EOVERFLOW),	   E(EUSERS),
	E(ESTALE),    E(EDQUOT),  E(ENOMEDIUM),	 E(EKEYREJECTED), E(ENOKEY),
};
#undef E

int pw_errno_parse(const char *name)
{
	size_t i;

	for (i = 0; i < N(errnos); i++)
		if (!strcmp(errnos[i].name, name))
			return errnos[i].e;
	return -1;
}

const char *pw_errno_name(int e)
{
	size_t i;

	for (i = 0; i < N(errnos); i++)
		if (errnos[i].e == e)
			return errnos[i].name;
	return NULL;
}

/* CLONE_NEW* flags to bits by type index (nsnames.c's order). */
static uint64_t ns_type_bits(uint64_t flags)
{
	uint64_t b = 0;
	unsigned int i;

	for (i = 0; i < PW_NS_TYPES; i++)
		if (flags & pw_ns_type_flag(i))
			b |= 1ull << i;
	return b;
}

static inline uint64_t bit(unsigned int i)
{
	return i < 64 ? 1ull << i : 0;
}

uint64_t pw_field_bits(int id, const struct pw_view *v)
{
	const struct pw_view_container *c = v->container;
	const struct pw_posture *pc = c ? c->posture : NULL; /* NULL: not measured */

	switch (id) {
	case PW_FLD_KIND: return bit(v->kind);
	case PW_FLD_RESULT: return bit(v->result);
	case PW_FLD_OBJECT: return v->kind == PW_EVENT_OPEN ? bit(v->object) : 0;
	case PW_FLD_ACCESS: return v->access; /* "write" also matches read_write */
	case PW_FLD_DEVICE_TYPE:
		return v->kind != PW_EVENT_OPEN	      ? 0
		       : v->object == PW_OBJ_CHARDEV  ? 1
		       : v->object == PW_OBJ_BLOCKDEV ? 2
						      : 0;
	case PW_FLD_MOUNT_OP: return v->mount_op ? bit(v->mount_op) : 0;
	case PW_FLD_SECCOMP_OP: return v->seccomp_op_id >= 0 ? bit(v->seccomp_op_id) : 0;
	case PW_FLD_CONTAINER_MODE: return bit(c ? c->mode : PW_VMODE_HOST);
	case PW_FLD_CONTAINER_PHASE: return c && c->phase != PW_VPHASE_NONE ? bit(c->phase - 1) : 0;
	case PW_FLD_CONTAINER_RELAXED: return c ? c->relaxed : 0;
	case PW_FLD_CAPABILITY: return v->cap >= 0 ? bit(v->cap) : 0;
	case PW_FLD_MOUNT_KIND: return v->mount_kind ? bit(v->mount_kind) : 0;
	case PW_FLD_NS_OP: return v->ns_op ? bit(v->ns_op - 1) : 0;
	case PW_FLD_NS_TYPES: return v->kind == PW_EVENT_NAMESPACE ? ns_type_bits(v->ns_flags) : 0;
	case PW_FLD_CONTAINER_PSS: return pc ? bit(pc->pss) : 0;
	case PW_FLD_CONTAINER_PSS_VIOLATIONS: return pc ? pc->pss_violated : 0;
	case PW_FLD_CONTAINER_HOST_NS: return pc ? pc->host_ns : 0;
	case PW_FLD_CONTAINER_CAPS_ADDED: return pc ? pc->caps_added : 0;
	case PW_FLD_CONTAINER_CAPS_DANGEROUS: return pc ? pc->caps_dangerous : 0;
	case PW_FLD_CONTAINER_HOST_MOUNTS: return pc ? pc->host_mount_classes : 0;
	case PW_FLD_CONTAINER_HOST_MOUNTS_RW: return pc ? pc->host_mount_classes_rw : 0;
	case PW_FLD_FILE_VIA: return v->kind == PW_EVENT_OPEN ? bit(v->via) : 0;
	/* a container's processes only: the host has no such trees */
	case PW_FLD_PROC_SESSION: return c ? bit(v->proc.session) : 0;
	default: return 0;
	}
}

static inline const char *nz(const char *s)
{
	return s ? s : "";
}

const char *pw_field_str(int id, const struct pw_view *v)
{
	const struct pw_view_container *c = v->container;

	switch (id) {
	case PW_FLD_PATH: return nz(v->path);
	case PW_FLD_BASENAME: return nz(v->basename);
	case PW_FLD_FS_PATH: return nz(v->fs_path);
	case PW_FLD_MOUNT_SOURCE: return nz(v->source);
	case PW_FLD_MOUNT_FSTYPE: return nz(v->fstype);
	case PW_FLD_PROC_EXE: return nz(v->proc.exe);
	case PW_FLD_PROC_COMM: return nz(v->proc.comm);
	case PW_FLD_CONTAINER_NAME: return c ? nz(c->name) : "";
	case PW_FLD_CONTAINER_IMAGE: return c ? nz(c->image) : "";
	case PW_FLD_CONTAINER_RUNTIME: return c ? nz(c->runtime) : "";
	case PW_FLD_CONTAINER_ID: return c ? nz(c->id) : "";
	case PW_FLD_CONTAINER_NAMESPACE: return c ? nz(c->ns) : "";
	case PW_FLD_CONTAINER_POD: return c ? nz(c->pod) : "";
	case PW_FLD_CONTAINER_IMAGE_DIGEST: return c ? nz(c->image_digest) : "";
	case PW_FLD_PROC_PARENT_EXE: return nz(v->proc.parent_exe);
	case PW_FLD_PROC_PARENT_COMM: return nz(v->proc.parent_comm);
	default: return "";
	}
}

/* The value of key among "k=v" strings, NUL-separated; NULL: no such key. */
static const char *label_value(const char *labels, uint32_t len, const char *key)
{
	const char *s = labels, *end = labels ? labels + len : NULL;
	size_t klen = strlen(key);

	while (s && s < end) {
		size_t n = strnlen(s, end - s);

		if (n > klen && s[klen] == '=' && !memcmp(s, key, klen))
			return s + klen + 1;
		s += n + 1;
	}
	return NULL;
}

const char *pw_field_str_tmp(int id, const char *key, const struct pw_view *v, char *tmp,
			     size_t size)
{
	const struct pw_view_container *c = v->container;
	const char *val = NULL;
	size_t i, n;

	switch (id) {
	case PW_FLD_PROC_ARGS:
		if (!v->proc.args || !size)
			return "";
		n = v->proc.args_len < size ? v->proc.args_len : size - 1;
		memcpy(tmp, v->proc.args, n);
		while (n && !tmp[n - 1]) /* the last argument's NUL */
			n--;
		for (i = 0; i < n; i++)
			if (!tmp[i])
				tmp[i] = ' ';
		tmp[n] = '\0';
		return tmp;
	case PW_FLD_CONTAINER_LABEL:
		if (c && key)
			val = label_value(c->labels, c->labels_len, key);
		break;
	case PW_FLD_POD_LABEL:
		if (c && key)
			val = label_value(c->pod_labels, c->pod_labels_len, key);
		break;
	case PW_FLD_PROC_ANCESTOR_EXE:
	case PW_FLD_PROC_ANCESTOR_COMM: /* for output: "sh,containerd-shim" */
		if (!size)
			return "";
		tmp[0] = '\0';
		for (i = 0, n = 0; i < v->proc.nancestors && i < PW_VIEW_ANCESTORS && n < size; i++)
			n += snprintf(tmp + n, size - n, "%s%s", i ? "," : "",
				      nz(id == PW_FLD_PROC_ANCESTOR_EXE
						 ? v->proc.ancestor_exe[i]
						 : v->proc.ancestor_comm[i]));
		return tmp;
	default: return pw_field_str(id, v);
	}
	/* A label's value runs to its NUL, inside the labels' bytes. */
	return val ? val : "";
}

static int is_device(const struct pw_view *v)
{
	return v->kind == PW_EVENT_OPEN &&
	       (v->object == PW_OBJ_CHARDEV || v->object == PW_OBJ_BLOCKDEV);
}

int pw_field_num(int id, const struct pw_view *v, int64_t *out)
{
	switch (id) {
	case PW_FLD_UID:
	case PW_FLD_PROC_UID: *out = v->proc.uid; return 1;
	case PW_FLD_GID:
	case PW_FLD_PROC_GID: *out = v->proc.gid; return 1;
	case PW_FLD_PROC_PID: *out = v->proc.pid; return 1;
	case PW_FLD_PROC_PPID: *out = v->proc.ppid; return v->proc.ppid != 0;
	case PW_FLD_DEVICE_MAJOR: *out = v->dev_major; return is_device(v);
	case PW_FLD_DEVICE_MINOR: *out = v->dev_minor; return is_device(v);
	case PW_FLD_ERRNO: *out = v->err; return 1; /* 0: no error */
	case PW_FLD_SECCOMP_MODE_AFTER:
		*out = v->seccomp_mode_after;
		return v->kind == PW_EVENT_SECCOMP;
	case PW_FLD_CAP: *out = v->cap; return v->cap >= 0;
	case PW_FLD_USERNS_LEVEL: *out = v->userns_level; return v->kind == PW_EVENT_CAPABILITY;
	case PW_FLD_PROC_RUNTIME_INIT: *out = !!(v->flags & PW_F_RUNTIME_INIT); return 1;
	case PW_FLD_OTHER_PROCESS: *out = !!(v->flags & PW_F_OTHER_PROCESS); return 1;
	case PW_FLD_CONTAINER_UID:
		if (!v->container || !v->container->posture || v->container->posture->uid < 0)
			return 0;
		*out = v->container->posture->uid;
		return 1;
	default: return 0;
	}
}

static const char *str_or_unknown(const char *s)
{
	return s && *s ? s : "?";
}

/* Every set value's name, comma-separated. */
static const char *names_of_bits(int id, uint64_t bits, char *tmp, size_t size)
{
	size_t off = 0;
	unsigned int i;

	tmp[0] = '\0';
	for (i = 0; i < 64 && off < size; i++) {
		const char *s = (bits & bit(i)) ? pw_field_value_name(id, i) : NULL;

		if (s)
			off += snprintf(tmp + off, size - off, "%s%s", off ? "," : "", s);
	}
	return str_or_unknown(tmp);
}

const char *pw_field_text(int id, const struct pw_view *v, char *tmp, size_t size)
{
	const struct pw_field *f = pw_field_get(id);
	int64_t n;

	if (!f)
		return "?";
	switch (f->type) {
	case PW_FT_STR: return str_or_unknown(pw_field_str_tmp(id, NULL, v, tmp, size));
	case PW_FT_NUM:
		if (!pw_field_num(id, v, &n))
			return "?";
		if (id == PW_FLD_ERRNO) {
			if (!n)
				return "?";
			if (pw_errno_name(n))
				return pw_errno_name(n);
		}
		snprintf(tmp, size, "%" PRId64, n);
		return tmp;
	case PW_FT_ENUM:
		if (id == PW_FLD_ACCESS && v->access == (PW_ACCESS_READ | PW_ACCESS_WRITE))
			return "read_write";
		if (id == PW_FLD_CAPABILITY)
			return str_or_unknown(v->cap_name);
		if (id == PW_FLD_RESULT && v->result == PW_RESULT_NONE)
			return "?";
		return names_of_bits(id, pw_field_bits(id, v), tmp, size);
	default: return "?";
	}
}

size_t pw_rules_nfields(void)
{
	return PW_FLD_COUNT;
}

void pw_rules_field_doc(size_t i, struct pw_rules_field_doc *d, char *values, size_t size)
{
	static const char *const types[] = {
		[PW_FT_ENUM] = "enum", [PW_FT_STR] = "string", [PW_FT_NUM] = "number"
	};
	const struct pw_field *f = &fields[i];
	size_t off = 0;
	unsigned int k;

	d->name = f->name;
	d->type = types[f->type];
	d->what = f->what;
	d->example = f->example;
	if (!size)
		return;
	values[0] = '\0';
	if (f->type != PW_FT_ENUM)
		return;
	if (pw_field_is_capability(i)) {
		snprintf(values, size,
			 "CAP_CHOWN ... CAP_CHECKPOINT_RESTORE, with or without CAP_");
		return;
	}
	for (k = 0; k < pw_field_nvalues(i) && off < size; k++) {
		const char *n = pw_field_value_name(i, k);

		if (n)
			off += snprintf(values + off, size - off, "%s%s", off ? ", " : "", n);
	}
}

int pw_rules_field_known(const char *name)
{
	const char *key;

	return pw_field_lookup(name) >= 0 || pw_field_lookup_keyed(name, &key) >= 0;
}
