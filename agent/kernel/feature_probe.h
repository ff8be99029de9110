/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Which program serves which concern on this kernel, decided at start.
 *
 * Every concern lists its variants in order of preference (an LSM hook, a
 * tracepoint, fentry/fexit, a kprobe), each with its programs. The kernel is
 * probed quietly (a two-instruction program loaded and attached, libbpf's log
 * silenced; the active LSM list read, because an LSM program attaches on a
 * kernel whose BPF LSM is built but not active and is then never called).
 * Every variant that can run here is loaded; the first is attached. A variant
 * whose canary is not seen (agent/kernel/canary.c) gives way to the next one.
 * `privwatch probe` prints the order and the reasons.
 */
#ifndef PW_FEATURE_PROBE_H
#define PW_FEATURE_PROBE_H

#include <bpf/libbpf.h>

enum pw_attach_mode { PW_MODE_AUTO = 0, PW_MODE_LSM, PW_MODE_TRACEPOINT };
enum pw_variant {
	PW_VARIANT_NONE = 0,
	PW_VARIANT_LSM,
	PW_VARIANT_TP,	   /* tp_btf/ or tp/ */
	PW_VARIANT_FENTRY, /* fentry/ or fexit/ */
	PW_VARIANT_KPROBE, /* kprobe/ and kretprobe/ */
	PW_VARIANT_KINDS,
};

#define PW_MAX_CONCERNS	    12
#define PW_CONCERN_PROGS    16
#define PW_CONCERN_VARIANTS 4
#define PW_WHY_LEN	    200

struct pw_variant_def {
	enum pw_variant kind;		     /* NONE ends the list */
	const char *progs[PW_CONCERN_PROGS]; /* skeleton program names */
	const char *rank_why;		     /* why it stands where it does in the order */
};

struct pw_concern {
	const char *name;
	struct pw_variant_def variants[PW_CONCERN_VARIANTS]; /* preferred first */
	int required;					     /* the agent cannot run without it */
};

struct pw_kernel_features {
	int btf;	    /* /sys/kernel/btf/vmlinux loads */
	int lsm;	    /* the BPF LSM is active and a program attaches */
	int tp_btf;	    /* a BTF tracepoint program loads and attaches */
	int tracefs;	    /* classic tracepoints (tp/...) can be found */
	int fentry;	    /* an fexit program loads and attaches */
	int kprobe;	    /* a kprobe can be made (perf kprobe PMU) */
	char lsm_list[256]; /* the active LSMs, as the kernel lists them ("" unknown) */
	char btf_why[PW_WHY_LEN], lsm_why[PW_WHY_LEN], tp_btf_why[PW_WHY_LEN];
	char tracefs_why[PW_WHY_LEN], fentry_why[PW_WHY_LEN], kprobe_why[PW_WHY_LEN];
};

/* What the canary (agent/kernel/canary.c) found for a concern's attached variant. */
enum pw_proof {
	PW_PROOF_UNCHECKED = 0,
	PW_PROOF_SEEN,	     /* the canary's action was recorded */
	PW_PROOF_BLIND,	     /* the action happened and nothing recorded it */
	PW_PROOF_UNVERIFIED, /* the canary could not do the action here */
};
const char *pw_proof_name(enum pw_proof p);

struct pw_choice {
	const struct pw_concern *concern;
	enum pw_variant variant; /* attached; NONE: no variant can run here */
	int index;		 /* of the attached variant in concern->variants, -1 none */
	unsigned int usable;	 /* bit i: variants[i] can run here (and is loaded) */
	unsigned int failed;	 /* bit i: variants[i] attached but its canary was not seen */
	enum pw_proof proof;
	char why[2 * PW_WHY_LEN + 64];			   /* why this variant */
	char variant_why[PW_CONCERN_VARIANTS][PW_WHY_LEN]; /* per variant: usable or why not */
};

/* What the caller may change of the choice. */
struct pw_choice_opts {
	enum pw_attach_mode mode;
	/* per concern (pw_concerns order), bit (1 << enum pw_variant): never use these */
	unsigned int skip[PW_MAX_CONCERNS];
	int trust_lsm_attach; /* testing: an LSM program that attaches is taken as called */
};

extern const struct pw_concern pw_concerns[];
extern const int pw_concern_count;

const char *pw_mode_name(enum pw_attach_mode mode);
int pw_mode_parse(const char *s, enum pw_attach_mode *mode);
const char *pw_variant_name(enum pw_variant v);
/* "lsm", "tracepoint", "fentry", "kprobe" -> the kind; 0 or -1. */
int pw_variant_parse(const char *s, enum pw_variant *v);
/* --no-variant: "KIND" (every concern) or "CONCERN:KIND"; adds to skip[].
 * 0, or -1 with the reason in err. */
int pw_variant_skip_parse(const char *s, unsigned int *skip, char *err, size_t errlen);
/* The variant a choice attached, or NULL. */
const struct pw_variant_def *pw_choice_def(const struct pw_choice *ch);

/* Probe the running kernel; never fails, records why a feature is missing. */
void pw_features_probe(struct pw_kernel_features *f, int trust_lsm_attach);

/*
 * Choose a variant for every concern of the opened (not loaded) object.
 * Returns 0, or -1 with a one-line reason in err when a required concern or
 * a forced mode cannot be served.
 */
int pw_features_choose(struct bpf_object *obj, const struct pw_kernel_features *f,
		       const struct pw_choice_opts *o, struct pw_choice *out, char *err,
		       size_t errlen);

/* The first program of the object that no concern lists, or NULL. */
const char *pw_features_unlisted_program(struct bpf_object *obj);

/* Autoload every usable variant's programs (so a fallback needs no reload),
 * nothing else; fails if a program is unlisted. */
int pw_features_apply(struct bpf_object *obj, const struct pw_choice *choices);

/* The next usable variant after the attached one that has not failed, or -1. */
int pw_choice_next(const struct pw_choice *ch);

/* "tp_btf/cap_capable" for a program name, or NULL. */
const char *pw_program_section(struct bpf_object *obj, const char *prog_name);

#endif
