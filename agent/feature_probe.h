/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Which program serves which concern on this kernel, decided once at start.
 *
 * Every concern lists its programs per variant (LSM, tracepoint). The kernel
 * is probed quietly (a two-instruction program loaded and attached, libbpf's
 * log silenced), one variant is chosen per concern and the programs of the
 * other are set not to autoload. `privwatch probe` prints the result.
 */
#ifndef PW_FEATURE_PROBE_H
#define PW_FEATURE_PROBE_H

#include <bpf/libbpf.h>

enum pw_attach_mode { PW_MODE_AUTO = 0, PW_MODE_LSM, PW_MODE_TRACEPOINT };
enum pw_variant { PW_VARIANT_NONE = 0, PW_VARIANT_LSM, PW_VARIANT_TP };

#define PW_CONCERN_PROGS 12
#define PW_WHY_LEN 200

struct pw_concern {
	const char *name;
	const char *lsm_progs[PW_CONCERN_PROGS]; /* skeleton program names */
	const char *tp_progs[PW_CONCERN_PROGS];
	int prefer_tp;	/* the tracepoint sees more than the LSM hook */
	const char *prefer_tp_why;
	int required;	/* the agent cannot run without it */
};

struct pw_kernel_features {
	int btf;		/* /sys/kernel/btf/vmlinux loads */
	int lsm;		/* a BPF LSM program loads and attaches */
	int tp_btf;		/* a BTF tracepoint program loads and attaches */
	int tracefs;		/* classic tracepoints (tp/...) can be found */
	char btf_why[PW_WHY_LEN], lsm_why[PW_WHY_LEN], tp_btf_why[PW_WHY_LEN];
	char tracefs_why[PW_WHY_LEN];
};

struct pw_choice {
	const struct pw_concern *concern;
	enum pw_variant variant; /* NONE: no variant can run here */
	char why[2 * PW_WHY_LEN + 64]; /* may quote both variants' reasons */
};

extern const struct pw_concern pw_concerns[];
extern const int pw_concern_count;

const char *pw_mode_name(enum pw_attach_mode mode);
int pw_mode_parse(const char *s, enum pw_attach_mode *mode);
const char *pw_variant_name(enum pw_variant v);

/* Probe the running kernel; never fails, records why a feature is missing. */
void pw_features_probe(struct pw_kernel_features *f);

/*
 * Choose a variant for every concern of the opened (not loaded) object.
 * Returns 0, or -1 with a one-line reason in err when a required concern or
 * a forced mode cannot be served.
 */
int pw_features_choose(struct bpf_object *obj, const struct pw_kernel_features *f,
		       enum pw_attach_mode mode, struct pw_choice *out, char *err, size_t errlen);

/* The first program of the object that no concern lists, or NULL. */
const char *pw_features_unlisted_program(struct bpf_object *obj);

/* Set autoload on the chosen programs only; fails if a program is unlisted. */
int pw_features_apply(struct bpf_object *obj, const struct pw_choice *choices);

/* "tp_btf/cap_capable" for a program name, or NULL. */
const char *pw_program_section(struct bpf_object *obj, const char *prog_name);

#endif
