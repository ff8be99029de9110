/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A container's posture as events, rules and alerts carry it: the eight
 * things `--privileged` relaxes (shared/seed) and the other ways a container
 * is given host power (host namespaces, sensitive host mounts, its user...),
 * each relaxed, confined or not applicable here; the mode they add up to and
 * the Pod Security Standards level they meet. Measuring it from /proc is
 * host/posture.h's job; this is only the model, its names and its JSON.
 */
#ifndef PW_EVENTS_POSTURE_MODEL_H
#define PW_EVENTS_POSTURE_MODEL_H

#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

struct jsonw;

/* Order is the JSON and printing order; names from pw_dim_name(). The first
 * PW_DIM_SEED_COUNT are the seed's eight. */
enum pw_dim {
	PW_DIM_CAPABILITIES,
	PW_DIM_MASKED_PATHS,
	PW_DIM_READONLY_KERNEL_FS,
	PW_DIM_APPARMOR,
	PW_DIM_SECCOMP,
	PW_DIM_DEVICE_CGROUP,
	PW_DIM_HOST_DEVICES,
	PW_DIM_SELINUX,
	PW_DIM_SEED_COUNT,
	PW_DIM_HOST_NAMESPACES = PW_DIM_SEED_COUNT, /* pid, net, ipc or uts of the host */
	PW_DIM_USER_NAMESPACE,			    /* the host's: container root is host root */
	PW_DIM_HOST_MOUNTS,			    /* a sensitive host path mounted */
	PW_DIM_NO_NEW_PRIVS,			    /* not set: setuid binaries raise privilege */
	PW_DIM_USER,				    /* runs as host uid 0 */
	PW_DIM_READONLY_ROOTFS,			    /* the root filesystem is writable */
	PW_DIM_COUNT,
};

enum pw_dim_state { PW_DIM_NA = 0, PW_DIM_CONFINED, PW_DIM_RELAXED };

enum pw_posture_mode { PW_POSTURE_DEFAULT = 0, PW_POSTURE_PARTIAL, PW_POSTURE_PRIVILEGED };

/* Namespaces compared with the host's, bit (1 << enum) in host_ns. */
enum pw_hostns {
	PW_HOSTNS_PID,
	PW_HOSTNS_NET,
	PW_HOSTNS_IPC,
	PW_HOSTNS_UTS,
	PW_HOSTNS_CGROUP,
	PW_HOSTNS_TIME,
	PW_HOSTNS_COUNT,
};
/* Shared ones that relax host_namespaces: cgroup and time are shared by
 * default (runc makes no time namespace; docker keeps the host's cgroup
 * namespace on cgroup v1), so they are reported, not counted. */
#define PW_HOSTNS_COUNTED                                                                          \
	((1u << PW_HOSTNS_PID) | (1u << PW_HOSTNS_NET) | (1u << PW_HOSTNS_IPC) |                   \
	 (1u << PW_HOSTNS_UTS))

/* What a sensitive host path is, for rules (container.host_mounts). */
enum pw_mount_class {
	PW_MCLASS_RUNTIME_SOCKET, /* docker, containerd, CRI-O, podman sockets */
	PW_MCLASS_HOST_ROOT,	  /* / */
	PW_MCLASS_PROC,		  /* /proc */
	PW_MCLASS_SYS,		  /* /sys */
	PW_MCLASS_DEV,		  /* /dev */
	PW_MCLASS_ETC,		  /* /etc */
	PW_MCLASS_BOOT,		  /* /boot */
	PW_MCLASS_KERNEL_MODULES, /* /lib/modules */
	PW_MCLASS_RUNTIME_STATE,  /* /var/lib/docker, /var/lib/kubelet, ... */
	PW_MCLASS_HOME,		  /* /root, /home */
	PW_MCLASS_LOGS,		  /* /var/log */
	PW_MCLASS_OTHER,	  /* added by configuration */
	PW_MCLASS_COUNT,
};

/*
 * Pod Security Standards controls (kubernetes.io/docs/concepts/security/
 * pod-security-standards), those a running container's kernel facts can
 * answer. Host ports, host probes, sysctls and HostProcess are about the pod
 * spec and the kubelet, not the process: not evaluated.
 */
enum pw_pss_control {
	/* baseline */
	PW_PSS_B_PRIVILEGED,	  /* Privileged Containers */
	PW_PSS_B_HOST_NAMESPACES, /* Host Namespaces: hostPID, hostNetwork, hostIPC */
	PW_PSS_B_CAPABILITIES,	  /* Capabilities: nothing beyond the default set */
	PW_PSS_B_HOST_PATH,	  /* HostPath Volumes */
	PW_PSS_B_APPARMOR,	  /* AppArmor: not unconfined */
	PW_PSS_B_SELINUX,	  /* SELinux: no spc_t/unconfined type */
	PW_PSS_B_PROC_MOUNT,	  /* /proc Mount Type: Default (masked) */
	PW_PSS_B_SECCOMP,	  /* Seccomp: not Unconfined */
	/* restricted */
	PW_PSS_R_PRIVILEGE_ESCALATION, /* allowPrivilegeEscalation: false (no_new_privs) */
	PW_PSS_R_RUN_AS_NON_ROOT,      /* runAsNonRoot / runAsUser != 0 */
	PW_PSS_R_CAPABILITIES,	       /* drop ALL, add at most NET_BIND_SERVICE */
	PW_PSS_CONTROL_COUNT,
};
#define PW_PSS_FIRST_RESTRICTED PW_PSS_R_PRIVILEGE_ESCALATION

enum pw_pss_level { PW_PSS_PRIVILEGED = 0, PW_PSS_BASELINE, PW_PSS_RESTRICTED };

#define PW_EVIDENCE_LEN	   512
#define PW_REASON_LEN	   160
#define PW_HOST_MOUNTS_MAX 16
#define PW_MOUNT_PATH_LEN  160
#define PW_PSS_DETAIL_LEN  160
#define PW_HOST_PATHS_LEN  1024 /* every host path a container mounts, as far as it goes */
#define PW_SENSITIVE_MAX   64

struct pw_dimension {
	enum pw_dim_state state;
	char evidence[PW_EVIDENCE_LEN]; /* what was seen (relaxed or confined) */
	char reason[PW_REASON_LEN];	/* why it does not apply (n/a) */
};

/* A sensitive host path mounted in the container. */
struct pw_host_mount {
	char source[PW_MOUNT_PATH_LEN]; /* the host path, as the host's mount table resolves it */
	char target[PW_MOUNT_PATH_LEN]; /* where, in the container */
	uint8_t mclass;			/* enum pw_mount_class */
	uint8_t rw;
};

struct pw_posture {
	pid_t pid;
	enum pw_posture_mode mode;
	struct pw_dimension dim[PW_DIM_COUNT];

	/* Facts behind the dimensions, for rules, alerts and the PSS level. */
	uint64_t cap_bnd, cap_eff;
	uint64_t caps_added;	 /* in CapBnd or CapEff, beyond the runtime default set */
	uint64_t caps_dangerous; /* of which PW_CAPS_DANGEROUS */
	int caps_full;		 /* CapBnd is the host's full set: what --privileged gives */
	uint32_t host_ns;	 /* bit (1 << enum pw_hostns): shared with the host */
	uint32_t host_mount_classes, host_mount_classes_rw; /* bit (1 << enum pw_mount_class) */
	int nhost_mounts;
	struct pw_host_mount host_mounts[PW_HOST_MOUNTS_MAX];
	/* Other host paths mounted (not on the sensitive list, not the
	 * runtime's own files): a hostPath volume all the same for the PSS. */
	int nhost_paths;
	char host_paths[PW_HOST_PATHS_LEN]; /* "/srv/data,/opt/x", cut short */
	int64_t uid;			    /* euid of the init as the host sees it; -1 unknown */

	enum pw_pss_level pss;
	uint32_t pss_violated; /* bit (1 << enum pw_pss_control) */
	char pss_detail[PW_PSS_CONTROL_COUNT][PW_PSS_DETAIL_LEN]; /* what violates each */
};

/* Docker's (moby oci/caps/defaults.go) and containerd's default set, which is
 * also what the Pod Security Standards' baseline allows: chown dac_override
 * fowner fsetid kill setgid setuid setpcap net_bind_service net_raw sys_chroot
 * mknod audit_write setfcap. Podman's and runc spec's defaults are subsets. */
#define PW_CAPS_RUNTIME_DEFAULT                                                                    \
	((1ULL << 0) | (1ULL << 1) | (1ULL << 3) | (1ULL << 4) | (1ULL << 5) | (1ULL << 6) |       \
	 (1ULL << 7) | (1ULL << 8) | (1ULL << 10) | (1ULL << 13) | (1ULL << 18) | (1ULL << 27) |   \
	 (1ULL << 29) | (1ULL << 31))
/* The baseline list: the default set without NET_RAW (13), which docker and
 * containerd grant by default and the PSS page lists as not allowed to add. */
#define PW_CAPS_PSS_BASELINE (PW_CAPS_RUNTIME_DEFAULT & ~(1ULL << 13))
/* Restricted: only NET_BIND_SERVICE (10) may be held. */
#define PW_CAPS_PSS_RESTRICTED (1ULL << 10)
/* Capabilities that hand a container power over the host, the rules'
 * @dangerous_caps (rules/00-lists.json): dac_read_search (2), net_admin (12),
 * sys_module (16), sys_rawio (17), sys_ptrace (19), sys_admin (21), sys_boot
 * (22), sys_time (25), mac_override (32), mac_admin (33), syslog (34),
 * perfmon (38), bpf (39). */
#define PW_CAPS_DANGEROUS                                                                          \
	((1ULL << 2) | (1ULL << 12) | (1ULL << 16) | (1ULL << 17) | (1ULL << 19) | (1ULL << 21) |  \
	 (1ULL << 22) | (1ULL << 25) | (1ULL << 32) | (1ULL << 33) | (1ULL << 34) | (1ULL << 38) | \
	 (1ULL << 39))

/*
 * mode: privileged when every applicable one of the seed's eight is relaxed
 * and the capability set is the full one; partial when any of the eight, a
 * host namespace or a sensitive host mount is relaxed; else default.
 * Then the PSS level (pw_pss_derive). Sets and returns p->mode.
 */
enum pw_posture_mode pw_posture_derive(struct pw_posture *p);
/* Relaxed dimensions that count for the mode (bit (1 << enum pw_dim)). */
uint32_t pw_posture_mode_dims(const struct pw_posture *p);
/* The PSS level and the violated controls, from the measured facts. */
enum pw_pss_level pw_pss_derive(struct pw_posture *p);

const char *pw_dim_name(enum pw_dim d);		    /* "capabilities", ... */
const char *pw_dim_state_name(enum pw_dim_state s); /* "relaxed", "confined", "n/a" */
const char *pw_posture_mode_name(enum pw_posture_mode m);
const char *pw_hostns_name(unsigned int ns);	  /* "pid", ...; NULL past the end */
const char *pw_mount_class_name(unsigned int c);  /* "runtime_socket", ...; NULL */
const char *pw_pss_level_name(unsigned int l);	  /* "privileged", "baseline", "restricted" */
const char *pw_pss_control_name(unsigned int c);  /* "host_namespaces", ...; NULL */
const char *pw_pss_control_level(unsigned int c); /* "baseline" or "restricted" */
const char *pw_pss_control_title(unsigned int c); /* "host namespaces", "runs as root"... */
/* "baseline: host namespaces (pid)" */
void pw_pss_violation_text(const struct pw_posture *p, unsigned int c, char *buf, size_t len);

/*
 * Sensitive host paths: a host path mounted into a container is reported
 * when it is one of these or an ancestor of one (it exposes it); a path
 * ending in "/" followed by "**" also matches what is below it; "/var/run/x"
 * is "/run/x". A runtime's API socket (docker.sock, containerd.sock,
 * crio.sock, podman.sock...) is one wherever its daemon listens. The default list is built in; pw_sensitive_add adds one
 * (class other). Not thread-safe: configure before use.
 */
int pw_sensitive_add(const char *path); /* 0, -EINVAL, -ENOSPC */
/* The entry path matches, or -1: the class of the first matching entry. */
int pw_sensitive_match(const char *host_path);

/* {"mode":..., "mode_relaxed":[...], "relaxed":[names], "pss":{...}, "facts":{...},
 *  "dimensions":{name:{"state":..., "evidence"|"reason":...}}} */
void pw_posture_to_json(struct jsonw *w, const struct pw_posture *p);
/* {"level":..., "violations":["baseline: host namespaces (pid)", ...]} */
void pw_pss_to_json(struct jsonw *w, const struct pw_posture *p);

/* A few lines for people (privwatch inspect). */
void pw_posture_print(FILE *f, const struct pw_posture *p);

#endif
