/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * One event's fields as rules see them and alerts report them: the raw
 * kernel record decoded once (paths assembled, names looked up), plus the
 * process and container it happened in. Built on the caller's stack per
 * event; the strings point into the record, the view's own buffers, or the
 * container and process tables, and are valid until the next event.
 *
 * Every string field is NUL-terminated and never NULL ("" when unknown).
 */
#ifndef PW_EVENT_VIEW_H
#define PW_EVENT_VIEW_H

#include <stdint.h>
#include "events.h"

struct pw_posture;

/* Kinds beyond the kernel's event types: made by the agent. */
enum {
	/* A container's entrypoint started: its posture is known. Rules on
	 * posture (e.g. "runs without seccomp") match this kind. */
	PW_VIEW_CONTAINER_START = PW_EVENT_TYPE_MAX,
	/* The agent itself lost sight of a concern (agent/daemon/health.c): path names
	 * the concern. Never made from a record. */
	PW_VIEW_AGENT_HEALTH,
	PW_VIEW_KIND_MAX,
};

enum pw_view_result {
	PW_RESULT_ALLOWED = 0,
	PW_RESULT_DENIED,    /* the kernel refused it: ret < 0 */
	PW_RESULT_PRE_CHECK, /* seen by an LSM hook before the kernel decided */
	PW_RESULT_NONE,	     /* kinds without a result (exec, fork, container_start) */
};

/* Access bits (open). */
#define PW_ACCESS_READ	(1u << 0)
#define PW_ACCESS_WRITE (1u << 1)

/* Container mode for rules: a posture mode, or not in a container at all. */
enum pw_view_mode {
	PW_VMODE_DEFAULT = 0,
	PW_VMODE_PARTIAL,
	PW_VMODE_PRIVILEGED,
	PW_VMODE_HOST,	  /* not in a container */
	PW_VMODE_UNKNOWN, /* a container whose posture is not measured (yet) */
	PW_VMODE_COUNT,
};

enum pw_view_phase { PW_VPHASE_NONE = 0, PW_VPHASE_SETUP, PW_VPHASE_STARTED };

#define PW_VIEW_PATH_MAX  1024
#define PW_VIEW_ANCESTORS 8 /* ancestors rules can test (proc.ancestor.*) */

/* What a mount(2) call does; its flags say (MS_* in <sys/mount.h>). */
enum pw_mount_kind {
	PW_MOUNT_KIND_NONE = 0,	   /* not a mount(2) call */
	PW_MOUNT_KIND_NEW,	   /* a filesystem mounted */
	PW_MOUNT_KIND_BIND,	   /* MS_BIND: a tree made visible elsewhere */
	PW_MOUNT_KIND_MOVE,	   /* MS_MOVE */
	PW_MOUNT_KIND_REMOUNT,	   /* MS_REMOUNT: options of a mount changed (rw...) */
	PW_MOUNT_KIND_PROPAGATION, /* MS_SHARED/PRIVATE/SLAVE/UNBINDABLE only: mounts nothing */
	PW_MOUNT_KIND_COUNT,
};
const char *pw_mount_kind_name(unsigned int k); /* "new", "bind"...; NULL for NONE */

struct pw_view_container {
	const char *id, *name, *runtime, *image, *pod, *ns; /* "" when unknown */
	const char *image_digest; /* the image's id or digest as recorded; NULL/"" unknown */
	/* Labels as "key=value" strings, NUL-separated, *_len bytes; NULL: none
	 * known. Container labels: the runtime's (docker labels, OCI annotations,
	 * CRI-O's labels); pod labels: the pod sandbox's, where recorded. */
	const char *labels, *pod_labels;
	uint32_t labels_len, pod_labels_len;
	enum pw_view_phase phase;
	enum pw_view_mode mode;
	uint32_t relaxed;		  /* bit (1 << enum pw_dim) per relaxed posture dimension */
	const struct pw_posture *posture; /* NULL: not measured */
	const char *mode_reason;	  /* mode unknown: why ("timed out reading ..."), or NULL */
	const char *facts; /* NULL: complete; "pending": matched before they arrived */
};

/* The tree of its container a process belongs to, as the process table
 * keeps it (host/process_table.h): its entrypoint's, an exec session's, or
 * not seen begin. */
enum pw_view_session { PW_VSESSION_UNKNOWN = 0, PW_VSESSION_ENTRYPOINT, PW_VSESSION_EXEC };

struct pw_view_process {
	uint32_t pid, tid, ppid, uid, gid;
	enum pw_view_session session;
	/* PW_VSESSION_EXEC: the session's first process, and when it began
	 * (CLOCK_MONOTONIC, its exec) */
	uint32_t session_pid;
	uint64_t session_ns;
	const char *comm; /* at event time, from the record */
	const char *exe;  /* from the last exec seen, else /proc; "" if unknown */
	const char *args; /* argv, NUL-separated, args_len bytes; may be NULL */
	uint32_t args_len;
	/* The parent as the process table knows it; NULL or "" when unknown. */
	const char *parent_exe, *parent_comm;
	/* Parent, grandparent... (ancestor_*[0] is the parent), nancestors known. */
	const char *ancestor_exe[PW_VIEW_ANCESTORS], *ancestor_comm[PW_VIEW_ANCESTORS];
	uint32_t nancestors;
};

struct pw_view {
	const struct pw_event_header *hdr; /* NULL for agent-made kinds */
	unsigned int kind;		   /* enum pw_event_type or PW_VIEW_* */
	const char *kind_name;		   /* "open", "container_start", ... */
	uint64_t ts_ns;			   /* CLOCK_MONOTONIC, as the kernel stamped it */
	uint64_t cgroup_id;
	uint32_t flags; /* PW_F_* */

	enum pw_view_result result;
	int32_t err; /* errno when denied, else 0 */

	/* The object acted on. open: the file; mount: the target (mount point,
	 * new root for pivot_root); exec: the executable; else "". */
	const char *path;
	const char *basename; /* last component of path */
	/* Kernel filesystems: where the file is on a standard host, from its
	 * own filesystem's root (e.g. "/proc/sys/kernel/core_pattern" however
	 * it was mounted or chrooted to); else "". What critical rules match. */
	const char *fs_path;
	unsigned int object;	       /* enum pw_object_kind (open), else PW_OBJ_UNKNOWN */
	uint32_t dev_major, dev_minor; /* char/block devices */
	uint32_t access;	       /* PW_ACCESS_* (open) */
	uint32_t open_flags;
	unsigned int via; /* PW_OPEN_VIA_* (open): opened, written, mapped, received */

	int32_t cap; /* CAP_* number (capability), else -1 */
	const char *cap_name;

	unsigned int mount_op; /* enum pw_mount_op, else 0 */
	const char *mount_op_name, *fstype, *source;
	uint64_t mount_flags;
	unsigned int mount_kind; /* enum pw_mount_kind: what a mount(2) does, from its flags */

	uint32_t userns_level; /* capability: the user namespace checked against (0: initial) */

	unsigned int ns_op;	/* enum pw_ns_op (namespace), else 0 */
	const char *ns_op_name; /* "unshare", "setns", else "" */
	uint64_t ns_flags;	/* CLONE_NEW* asked for (setns: 0 is any type) */

	const char *seccomp_op; /* set_mode_strict, set_mode_filter, get_action_avail... */
	int seccomp_op_id;	/* enum pw_seccomp_op_id, -1 when unknown or not seccomp */
	uint32_t seccomp_mode_after;

	struct pw_view_process proc;
	const struct pw_view_container *container; /* NULL: on the host */

	char path_buf[PW_VIEW_PATH_MAX]; /* path when it had to be assembled */
	char fs_path_buf[PW_VIEW_PATH_MAX];
	/* Record strings are bounded, not always terminated: copies that are. */
	char comm_buf[PW_COMM_LEN + 1];
	char fstype_buf[PW_FSTYPE_LEN + 1];
	char source_buf[PW_MOUNT_STR + 1];
};

/* seccomp operation names: seccomp(2) ops, then prctl(PR_SET_SECCOMP) modes. */
enum pw_seccomp_op_id {
	PW_SECCOMP_OP_SET_MODE_STRICT = 0,
	PW_SECCOMP_OP_SET_MODE_FILTER,
	PW_SECCOMP_OP_GET_ACTION_AVAIL,
	PW_SECCOMP_OP_GET_NOTIF_SIZES,
	PW_SECCOMP_OP_PRCTL_STRICT,
	PW_SECCOMP_OP_PRCTL_FILTER,
	PW_SECCOMP_OP_COUNT,
};

const char *pw_view_kind_name(unsigned int kind);
/* Kind by name, or -1. */
int pw_view_kind_parse(const char *name);
const char *pw_view_mode_name(enum pw_view_mode m); /* "default", ..., "host", "unknown" */
const char *
pw_view_result_name(enum pw_view_result r); /* "allowed", "denied", "pre_check", "none" */

/* Tables shared with event_json.c, so both say the same names. */
const char *pw_object_kind_name(unsigned int kind); /* "sysfs", ...; "unknown" */
const char *pw_open_via_name(unsigned int via);	    /* "open", "write", "mmap", "received"; NULL */
const char *pw_mount_op_name(unsigned int op);	    /* "mount", ...; NULL if unknown */
/* enum pw_seccomp_op_id of a record's (via, operation), or -1. */
int pw_seccomp_op_id(uint32_t via, uint32_t op);
const char *pw_seccomp_op_id_name(int id); /* "set_mode_filter", "strict", ...; NULL */
/*
 * Leaf-first NUL-separated names (PW_OPEN_PATH_COMPONENTS) as an absolute
 * path in out (NUL-terminated, components that do not fit are left out).
 * Returns the length.
 */
size_t pw_path_from_components(const char *buf, size_t len, char *out, size_t size);

/*
 * Decode a record the reader checked (type known, size exact) into v.
 * proc and container are filled by the caller (process and container
 * tables); here proc gets the header's ids and comm, container NULL.
 */
void pw_view_from_event(struct pw_view *v, const struct pw_event_header *h);

/* An agent_health view: the agent's own process, the concern in path. */
void pw_view_agent_health(struct pw_view *v, uint32_t pid, const char *concern);
/* A container_start view for c (no record). */
void pw_view_container_start(struct pw_view *v, const struct pw_view_container *c,
			     uint64_t cgroup_id, uint32_t pid);

#endif
