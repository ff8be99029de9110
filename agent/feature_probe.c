// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include "feature_probe.h"
#include "log.h"
#include "tracefs.h"

/* The concern table: the single place that says which program serves what. */
const struct pw_concern pw_concerns[] = {
	{
		.name = "process",
		.tp_progs = { "process_exec", "process_fork", "process_exit" },
		.required = 1,
	},
	{
		.name = "capabilities",
		.lsm_progs = { "capability_lsm" },
		.tp_progs = { "capability_tp" },
		.prefer_tp = 1,
		.prefer_tp_why = "the tracepoint reports denied checks too; the LSM hook "
				 "is skipped once the capability LSM denies",
	},
	{
		.name = "files",
		.lsm_progs = { "open_lsm_file_open" },
		.tp_progs = { "open_tp_openat", "open_tp_openat2", "open_tp_open", "open_tp_creat",
			      "open_tp_open_by_handle_at" },
	},
	{
		.name = "seccomp",
		.tp_progs = { "seccomp_tp_seccomp", "seccomp_tp_prctl" },
	},
	{
		.name = "namespaces",
		.tp_progs = { "namespace_tp_unshare", "namespace_tp_setns" },
	},
	{
		.name = "cgroups",
		.tp_progs = { "cgroup_mkdir", "cgroup_rmdir" },
		.required = 1,
	},
	{
		.name = "mounts",
		.lsm_progs = { "mount_lsm_sb_mount", "mount_lsm_move_mount", "mount_lsm_sb_umount",
			       "mount_lsm_sb_pivotroot" },
		.tp_progs = { "mount_tp_mount", "mount_tp_umount", "mount_tp_fsopen",
			      "mount_tp_fsconfig", "mount_tp_fsmount", "mount_tp_move_mount",
			      "mount_tp_open_tree", "mount_tp_mount_setattr", "mount_tp_pivot_root" },
	},
};
const int pw_concern_count = sizeof(pw_concerns) / sizeof(pw_concerns[0]);

const char *pw_mode_name(enum pw_attach_mode mode)
{
	switch (mode) {
	case PW_MODE_LSM: return "lsm";
	case PW_MODE_TRACEPOINT: return "tracepoint";
	default: return "auto";
	}
}

int pw_mode_parse(const char *s, enum pw_attach_mode *mode)
{
	if (!strcmp(s, "auto"))
		*mode = PW_MODE_AUTO;
	else if (!strcmp(s, "lsm"))
		*mode = PW_MODE_LSM;
	else if (!strcmp(s, "tracepoint"))
		*mode = PW_MODE_TRACEPOINT;
	else
		return -1;
	return 0;
}

const char *pw_variant_name(enum pw_variant v)
{
	switch (v) {
	case PW_VARIANT_LSM: return "lsm";
	case PW_VARIANT_TP: return "tracepoint";
	default: return "none";
	}
}

/* Load "r0 = 0; exit" as the given type on a BTF target, then attach and
 * detach it. Returns 0 or -errno, with the step that failed in why. */
static int try_attach(struct btf *btf, enum bpf_prog_type type, enum bpf_attach_type attach,
		      const char *target, int kind, char *why, size_t whylen)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = attach);
	int id, prog, link, err;

	id = btf__find_by_name_kind(btf, target, kind);
	if (id < 0) {
		snprintf(why, whylen, "%s is not in the kernel's BTF", target);
		return -ENOENT;
	}
	opts.attach_btf_id = id;
	prog = bpf_prog_load(type, NULL, "GPL", insns, 2, &opts);
	if (prog < 0) {
		err = -errno;
		snprintf(why, whylen, "loading a program on %s was refused: %s", target,
			 strerror(-err));
		return err;
	}
	link = bpf_raw_tracepoint_open(NULL, prog);
	err = link < 0 ? -errno : 0;
	if (err)
		snprintf(why, whylen, "attaching a program to %s was refused: %s", target,
			 strerror(-err));
	else
		close(link);
	close(prog);
	return err;
}

/*
 * The kernel's BTF, parsed once for the probe and the choice that follows
 * (each parse is ~20 ms here and over half a second under emulation), then
 * released by pw_features_choose: kept, it would be megabytes of RSS.
 */
static struct btf *vmlinux_btf;

static struct btf *vmlinux_btf_get(void)
{
	if (!vmlinux_btf)
		vmlinux_btf = btf__load_vmlinux_btf();
	return vmlinux_btf;
}

static void vmlinux_btf_release(void)
{
	btf__free(vmlinux_btf);
	vmlinux_btf = NULL;
}

void pw_features_probe(struct pw_kernel_features *f)
{
	struct btf *btf;
	int err;

	memset(f, 0, sizeof(*f));
	pw_log_libbpf_quiet(1);
	btf = vmlinux_btf_get();
	if (!btf) {
		snprintf(f->btf_why, sizeof(f->btf_why),
			 "kernel BTF not found (/sys/kernel/btf/vmlinux: needs CONFIG_DEBUG_INFO_BTF=y)");
		snprintf(f->lsm_why, sizeof(f->lsm_why), "needs kernel BTF");
		snprintf(f->tp_btf_why, sizeof(f->tp_btf_why), "needs kernel BTF");
		goto out;
	}
	f->btf = 1;
	snprintf(f->btf_why, sizeof(f->btf_why), "/sys/kernel/btf/vmlinux");

	err = try_attach(btf, BPF_PROG_TYPE_LSM, BPF_LSM_MAC, "bpf_lsm_file_open", BTF_KIND_FUNC,
			 f->lsm_why, sizeof(f->lsm_why));
	f->lsm = !err;
	if (err == -ENOENT)
		snprintf(f->lsm_why, sizeof(f->lsm_why), "kernel built without CONFIG_BPF_LSM");
	else if (err)
		strncat(f->lsm_why, " (the BPF LSM is not active: boot with \"bpf\" in lsm=)",
			sizeof(f->lsm_why) - strlen(f->lsm_why) - 1);
	else
		snprintf(f->lsm_why, sizeof(f->lsm_why), "LSM programs load and attach");

	err = try_attach(btf, BPF_PROG_TYPE_TRACING, BPF_TRACE_RAW_TP,
			 "btf_trace_sched_process_exec", BTF_KIND_TYPEDEF, f->tp_btf_why,
			 sizeof(f->tp_btf_why));
	f->tp_btf = !err;
	if (!err)
		snprintf(f->tp_btf_why, sizeof(f->tp_btf_why), "BTF tracepoint programs load and attach");
out:
	f->tracefs = pw_tracefs_ensure(f->tracefs_why, sizeof(f->tracefs_why)) == 0;
	pw_log_libbpf_quiet(0);
}

const char *pw_program_section(struct bpf_object *obj, const char *prog_name)
{
	struct bpf_program *p = bpf_object__find_program_by_name(obj, prog_name);

	return p ? bpf_program__section_name(p) : NULL;
}

/* Can this program attach here? Its attach target is the part of the
 * section name after the first '/': an LSM hook or BTF tracepoint checked in
 * kernel BTF, a classic tracepoint ("tp/syscalls/sys_exit_mount") in tracefs. */
static int program_ok(struct bpf_object *obj, struct btf *btf, const struct pw_kernel_features *f,
		      const char *prog, char *why, size_t whylen)
{
	const char *sec = pw_program_section(obj, prog);
	const char *target = sec ? strchr(sec, '/') : NULL;
	char name[128];

	if (!target) {
		snprintf(why, whylen, "program %s missing from the BPF object", prog);
		return 0;
	}
	target++;
	if (!strncmp(sec, "lsm/", 4)) {
		if (!f->lsm) {
			snprintf(why, whylen, "%s", f->lsm_why);
			return 0;
		}
		snprintf(name, sizeof(name), "bpf_lsm_%s", target);
		if (btf__find_by_name_kind(btf, name, BTF_KIND_FUNC) < 0) {
			snprintf(why, whylen, "LSM hook %s does not exist on this kernel", target);
			return 0;
		}
	} else if (!strncmp(sec, "tp_btf/", 7)) {
		if (!f->tp_btf) {
			snprintf(why, whylen, "%s", f->tp_btf_why);
			return 0;
		}
		snprintf(name, sizeof(name), "btf_trace_%s", target);
		if (btf__find_by_name_kind(btf, name, BTF_KIND_TYPEDEF) < 0) {
			snprintf(why, whylen, "tracepoint %s does not exist on this kernel", target);
			return 0;
		}
	} else if (!strncmp(sec, "tp/", 3)) {
		if (!f->tracefs) {
			snprintf(why, whylen, "%s", f->tracefs_why);
			return 0;
		}
		if (!pw_tracefs_has_event(target)) {
			snprintf(why, whylen, "tracepoint %s does not exist on this kernel", target);
			return 0;
		}
	} else {
		snprintf(why, whylen, "program %s: unknown section %s", prog, sec);
		return 0;
	}
	return 1;
}

static int variant_ok(struct bpf_object *obj, struct btf *btf, const struct pw_kernel_features *f,
		      const char *const *progs, char *why, size_t whylen)
{
	int i;

	if (!progs[0]) {
		snprintf(why, whylen, "no program of this kind");
		return 0;
	}
	for (i = 0; i < PW_CONCERN_PROGS && progs[i]; i++)
		if (!program_ok(obj, btf, f, progs[i], why, whylen))
			return 0;
	return 1;
}

int pw_features_choose(struct bpf_object *obj, const struct pw_kernel_features *f,
		       enum pw_attach_mode mode, struct pw_choice *out, char *err, size_t errlen)
{
	char lsm_why[PW_WHY_LEN], tp_why[PW_WHY_LEN];
	struct btf *btf = NULL;
	int i, rc = 0;

	if (f->btf) {
		pw_log_libbpf_quiet(1);
		btf = vmlinux_btf_get();
		pw_log_libbpf_quiet(0);
	}
	if (!btf) {
		snprintf(err, errlen, "%s", f->btf_why[0] ? f->btf_why : "kernel BTF not found");
		return -1;
	}
	for (i = 0; i < pw_concern_count; i++) {
		const struct pw_concern *c = &pw_concerns[i];
		struct pw_choice *ch = &out[i];
		int lsm_ok, tp_ok;

		ch->concern = c;
		lsm_ok = variant_ok(obj, btf, f, c->lsm_progs, lsm_why, sizeof(lsm_why));
		tp_ok = variant_ok(obj, btf, f, c->tp_progs, tp_why, sizeof(tp_why));
		if (mode == PW_MODE_TRACEPOINT && c->tp_progs[0] && tp_ok) {
			ch->variant = PW_VARIANT_TP;
			snprintf(ch->why, sizeof(ch->why), "forced by --mode tracepoint");
		} else if (mode == PW_MODE_LSM && c->lsm_progs[0] && lsm_ok) {
			ch->variant = PW_VARIANT_LSM;
			snprintf(ch->why, sizeof(ch->why), "forced by --mode lsm");
		} else if (mode == PW_MODE_TRACEPOINT && c->tp_progs[0] && lsm_ok) {
			/* a forced mode is a preference: a concern whose forced
			 * variant cannot run here keeps the other one */
			ch->variant = PW_VARIANT_LSM;
			snprintf(ch->why, sizeof(ch->why), "--mode tracepoint, but %s", tp_why);
		} else if (mode == PW_MODE_LSM && c->lsm_progs[0] && tp_ok) {
			ch->variant = PW_VARIANT_TP;
			snprintf(ch->why, sizeof(ch->why), "--mode lsm, but %s", lsm_why);
		} else if (!c->lsm_progs[0]) {
			ch->variant = tp_ok ? PW_VARIANT_TP : PW_VARIANT_NONE;
			snprintf(ch->why, sizeof(ch->why), "%s",
				 tp_ok ? "no LSM hook serves this concern; same program in every mode"
				       : tp_why);
		} else if (lsm_ok && tp_ok) {
			ch->variant = c->prefer_tp ? PW_VARIANT_TP : PW_VARIANT_LSM;
			snprintf(ch->why, sizeof(ch->why), "%s",
				 c->prefer_tp ? c->prefer_tp_why : "the BPF LSM is active");
		} else if (lsm_ok) {
			ch->variant = PW_VARIANT_LSM;
			snprintf(ch->why, sizeof(ch->why), "the BPF LSM is active; tracepoint: %s",
				 tp_why);
		} else if (tp_ok) {
			ch->variant = PW_VARIANT_TP;
			snprintf(ch->why, sizeof(ch->why), "LSM unavailable: %s", lsm_why);
		} else {
			ch->variant = PW_VARIANT_NONE;
			snprintf(ch->why, sizeof(ch->why), "LSM: %s; tracepoint: %s", lsm_why, tp_why);
		}
		if (ch->variant == PW_VARIANT_NONE && c->required && rc == 0) {
			snprintf(err, errlen, "concern %s cannot run on this kernel: %s", c->name,
				 ch->why);
			rc = -1;
		}
	}
	/* A forced mode that no concern can use is a mistake worth stopping for. */
	if (rc == 0 && mode != PW_MODE_AUTO) {
		enum pw_variant want = mode == PW_MODE_LSM ? PW_VARIANT_LSM : PW_VARIANT_TP;
		int used = 0;

		for (i = 0; i < pw_concern_count; i++)
			used |= out[i].variant == want;
		if (!used) {
			snprintf(err, errlen, "--mode %s: no concern can use it here: %s",
				 pw_mode_name(mode),
				 mode == PW_MODE_LSM ? f->lsm_why : f->tp_btf_why);
			rc = -1;
		}
	}
	vmlinux_btf_release();
	return rc;
}

static int set_autoload(struct bpf_object *obj, const char *const *progs, int on)
{
	int i;

	for (i = 0; i < PW_CONCERN_PROGS && progs[i]; i++) {
		struct bpf_program *p = bpf_object__find_program_by_name(obj, progs[i]);

		if (!p || bpf_program__set_autoload(p, on))
			return -1;
	}
	return 0;
}

static int listed(const char *const *progs, const char *name)
{
	int i;

	for (i = 0; i < PW_CONCERN_PROGS && progs[i]; i++)
		if (!strcmp(progs[i], name))
			return 1;
	return 0;
}

const char *pw_features_unlisted_program(struct bpf_object *obj)
{
	struct bpf_program *prog;
	int i, found;

	bpf_object__for_each_program(prog, obj) {
		for (found = 0, i = 0; i < pw_concern_count && !found; i++)
			found = listed(pw_concerns[i].lsm_progs, bpf_program__name(prog)) ||
				listed(pw_concerns[i].tp_progs, bpf_program__name(prog));
		if (!found)
			return bpf_program__name(prog);
	}
	return NULL;
}

int pw_features_apply(struct bpf_object *obj, const struct pw_choice *choices)
{
	int i;

	/* A program no concern lists would autoload behind the table's back. */
	if (pw_features_unlisted_program(obj))
		return -1;
	for (i = 0; i < pw_concern_count; i++) {
		const struct pw_concern *c = choices[i].concern;
		enum pw_variant v = choices[i].variant;

		if (set_autoload(obj, c->lsm_progs, v == PW_VARIANT_LSM) ||
		    set_autoload(obj, c->tp_progs, v == PW_VARIANT_TP))
			return -1;
	}
	return 0;
}
