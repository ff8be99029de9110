// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#define _GNU_SOURCE /* pipe2, unshare */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/perf_event.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include "kernel/feature_probe.h"
#include "lib/log.h"
#include "kernel/tracefs.h"

/* The concern table: the single place that says which program serves what,
 * each concern's variants in order of preference. */
const struct pw_concern pw_concerns[] = {
	{
		.name = "process",
		.variants = { { PW_VARIANT_TP, { "process_exec", "process_fork", "process_exit" },
				"no other hook serves this concern" } },
		.required = 1,
	},
	{
		.name = "capabilities",
		.variants = {
			{ PW_VARIANT_TP, { "capability_tp" },
			  "the cap_capable tracepoint (6.14+) sees every check with its result" },
			{ PW_VARIANT_FENTRY, { "capability_fexit" },
			  "fexit on cap_capable sees every check with its result and options" },
			{ PW_VARIANT_LSM, { "capability_lsm" },
			  "the capable LSM hook sees allowed checks only: the chain stops at the "
			  "capability LSM's denial" },
			{ PW_VARIANT_KPROBE, { "capability_kprobe", "capability_kretprobe" },
			  "kprobe and kretprobe on cap_capable: every check and its result, at a "
			  "kprobe's cost" },
		},
	},
	{
		.name = "files",
		.variants = {
			{ PW_VARIANT_LSM, { "open_lsm_file_open", "open_lsm_file_permission",
					    "open_lsm_mmap_file", "open_lsm_file_receive", "open_pair_openat",
					    "open_pair_openat2", "open_pair_open", "open_pair_creat",
					    "open_pair_open_by_handle_at" },
			  "file_open sees every open (io_uring, 32-bit), the open syscalls' "
			  "exits add the outcome of native ones; file_permission, mmap_file, "
			  "file_receive: sensitive files written, mapped, received via any fd" },
			{ PW_VARIANT_TP, { "open_tp_openat", "open_tp_openat2", "open_tp_open",
					   "open_tp_creat", "open_tp_open_by_handle_at",
					   "open_tp_pidfd_getfd" },
			  "the open syscalls' exits see the result of every native open, "
			  "pidfd_getfd's the fds taken from another process; not seen: io_uring "
			  "and 32-bit opens, fds received over SCM_RIGHTS, writes and mappings "
			  "through an fd no watched open returned" },
		},
	},
	{
		.name = "seccomp",
		.variants = { { PW_VARIANT_TP, { "seccomp_tp_seccomp", "seccomp_tp_prctl" },
				"no other hook serves this concern" } },
	},
	{
		.name = "namespaces",
		.variants = { { PW_VARIANT_TP, { "namespace_tp_unshare", "namespace_tp_setns" },
				"no other hook serves this concern" } },
	},
	{
		.name = "cgroups",
		.variants = { { PW_VARIANT_TP, { "cgroup_mkdir", "cgroup_rmdir", "cgroup_attach" },
				"no other hook serves this concern" } },
		.required = 1,
	},
	{
		.name = "tamper",
		.variants = { { PW_VARIANT_TP, { "tamper_tp_bpf", "tamper_signal", "tamper_tp_ptrace" },
				"no other hook sees the BPF object ids and the signals" } },
	},
	{
		.name = "mounts",
		.variants = {
			{ PW_VARIANT_LSM, { "mount_lsm_sb_mount", "mount_lsm_move_mount",
					    "mount_lsm_sb_umount", "mount_lsm_sb_pivotroot",
					    "mount_pair_mount", "mount_pair_umount", "mount_pair_move_mount",
					    "mount_pair_pivot_root", "mount_pair_fsopen", "mount_pair_fsconfig",
					    "mount_pair_fsmount", "mount_pair_open_tree",
					    "mount_pair_mount_setattr" },
			  "the mount LSM hooks also see 32-bit calls and resolve the target; the "
			  "syscall exits add the result, and the new mount API" },
			{ PW_VARIANT_TP, { "mount_tp_mount", "mount_tp_umount", "mount_tp_fsopen",
					   "mount_tp_fsconfig", "mount_tp_fsmount", "mount_tp_move_mount",
					   "mount_tp_open_tree", "mount_tp_mount_setattr",
					   "mount_tp_pivot_root" },
			  "the mount syscalls' exits see every native call with its result" },
		},
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
	case PW_VARIANT_FENTRY: return "fentry";
	case PW_VARIANT_KPROBE: return "kprobe";
	default: return "none";
	}
}

const char *pw_proof_name(enum pw_proof p)
{
	switch (p) {
	case PW_PROOF_SEEN: return "seen";
	case PW_PROOF_BLIND: return "blind";
	case PW_PROOF_UNVERIFIED: return "unverified";
	default: return "unchecked";
	}
}

int pw_variant_parse(const char *s, enum pw_variant *v)
{
	enum pw_variant k;

	for (k = PW_VARIANT_LSM; k < PW_VARIANT_KINDS; k++)
		if (!strcmp(s, pw_variant_name(k))) {
			*v = k;
			return 0;
		}
	return -1;
}

int pw_variant_skip_parse(const char *s, unsigned int *skip, char *err, size_t errlen)
{
	const char *colon = strchr(s, ':');
	enum pw_variant kind;
	int i, found = 0;

	if (pw_variant_parse(colon ? colon + 1 : s, &kind)) {
		snprintf(err, errlen, "'%s': the kind must be lsm, tracepoint, fentry or kprobe",
			 s);
		return -1;
	}
	for (i = 0; i < pw_concern_count; i++) {
		if (colon &&
		    (strncmp(pw_concerns[i].name, s, colon - s) || pw_concerns[i].name[colon - s]))
			continue;
		skip[i] |= 1u << kind;
		found = 1;
	}
	if (!found) {
		snprintf(err, errlen, "'%s': no concern '%.*s' (privwatch probe lists them)", s,
			 (int)(colon - s), s);
		return -1;
	}
	return 0;
}

const struct pw_variant_def *pw_choice_def(const struct pw_choice *ch)
{
	return ch->index < 0 ? NULL : &ch->concern->variants[ch->index];
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

#define SECURITYFS "/sys/kernel/security"

static int read_small(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/*
 * The active LSMs (/sys/kernel/security/lsm). Where securityfs is not
 * mounted, a child mounts it in a mount namespace of its own and reads it
 * there: the host's mount table is left as it was.
 */
static int read_lsm_list(char *buf, size_t len)
{
	int p[2], status, rc;
	ssize_t n;
	pid_t pid;

	rc = read_small(SECURITYFS "/lsm", buf, len);
	if (rc != -ENOENT)
		return rc;
	if (pipe2(p, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		rc = -errno;
		close(p[0]);
		close(p[1]);
		return rc;
	}
	if (pid == 0) {
		char b[256];

		if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
		    mount("securityfs", SECURITYFS, "securityfs", 0, NULL) ||
		    read_small(SECURITYFS "/lsm", b, sizeof(b)))
			_exit(1);
		_exit(write(p[1], b, strlen(b)) < 0);
	}
	close(p[1]);
	n = read(p[0], buf, len - 1);
	close(p[0]);
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) || n <= 0)
		return -ENOENT;
	buf[n] = '\0';
	return 0;
}

static int list_has(const char *list, const char *word)
{
	size_t n = strlen(word);
	const char *p = list;

	while ((p = strstr(p, word))) {
		if ((p == list || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
			return 1;
		p += n;
	}
	return 0;
}

static void probe_lsm(struct pw_kernel_features *f, struct btf *btf, int trust_attach)
{
	int rc, err;

	rc = read_lsm_list(f->lsm_list, sizeof(f->lsm_list));
	if (rc)
		f->lsm_list[0] = '\0';
	if (!trust_attach && !rc && !list_has(f->lsm_list, "bpf")) {
		snprintf(f->lsm_why, sizeof(f->lsm_why),
			 "the BPF LSM is not active (lsm: %s): LSM programs would attach and never "
			 "be called; boot with \"bpf\" in lsm= to use them",
			 f->lsm_list);
		return;
	}
	err = try_attach(btf, BPF_PROG_TYPE_LSM, BPF_LSM_MAC, "bpf_lsm_file_open", BTF_KIND_FUNC,
			 f->lsm_why, sizeof(f->lsm_why));
	f->lsm = !err;
	if (err == -ENOENT)
		snprintf(f->lsm_why, sizeof(f->lsm_why), "kernel built without CONFIG_BPF_LSM");
	else if (err)
		strncat(f->lsm_why, " (the BPF LSM is not usable: boot with \"bpf\" in lsm=)",
			sizeof(f->lsm_why) - strlen(f->lsm_why) - 1);
	else if (trust_attach)
		snprintf(f->lsm_why, sizeof(f->lsm_why),
			 "LSM programs load and attach (active list not checked: testing)");
	else if (rc)
		snprintf(
			f->lsm_why, sizeof(f->lsm_why),
			"LSM programs load and attach (active list unreadable: the canary decides)");
	else
		snprintf(f->lsm_why, sizeof(f->lsm_why), "active (lsm: %s)", f->lsm_list);
}

/* A kprobe on cap_capable through the perf kprobe PMU, made and closed. */
static void probe_kprobe(struct pw_kernel_features *f)
{
	struct perf_event_attr attr = { .size = sizeof(attr) };
	char type[32];
	int fd;

	if (read_small("/sys/bus/event_source/devices/kprobe/type", type, sizeof(type))) {
		snprintf(f->kprobe_why, sizeof(f->kprobe_why),
			 "no kprobe PMU (kernel built without CONFIG_KPROBES?)");
		return;
	}
	attr.type = strtoul(type, NULL, 10);
	attr.config1 = (uint64_t)(uintptr_t) "cap_capable";
	fd = syscall(SYS_perf_event_open, &attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0) {
		snprintf(f->kprobe_why, sizeof(f->kprobe_why),
			 "a kprobe on cap_capable was refused: %s", strerror(errno));
		return;
	}
	close(fd);
	f->kprobe = 1;
	snprintf(f->kprobe_why, sizeof(f->kprobe_why), "kprobes can be made");
}

void pw_features_probe(struct pw_kernel_features *f, int trust_lsm_attach)
{
	struct btf *btf;
	int err;

	memset(f, 0, sizeof(*f));
	pw_log_libbpf_quiet(1);
	btf = vmlinux_btf_get();
	if (!btf) {
		snprintf(
			f->btf_why, sizeof(f->btf_why),
			"kernel BTF not found (/sys/kernel/btf/vmlinux: needs CONFIG_DEBUG_INFO_BTF=y)");
		snprintf(f->lsm_why, sizeof(f->lsm_why), "needs kernel BTF");
		snprintf(f->tp_btf_why, sizeof(f->tp_btf_why), "needs kernel BTF");
		snprintf(f->fentry_why, sizeof(f->fentry_why), "needs kernel BTF");
		goto out;
	}
	f->btf = 1;
	snprintf(f->btf_why, sizeof(f->btf_why), "/sys/kernel/btf/vmlinux");

	probe_lsm(f, btf, trust_lsm_attach);

	err = try_attach(btf, BPF_PROG_TYPE_TRACING, BPF_TRACE_RAW_TP,
			 "btf_trace_sched_process_exec", BTF_KIND_TYPEDEF, f->tp_btf_why,
			 sizeof(f->tp_btf_why));
	f->tp_btf = !err;
	if (!err)
		snprintf(f->tp_btf_why, sizeof(f->tp_btf_why),
			 "BTF tracepoint programs load and attach");

	err = try_attach(btf, BPF_PROG_TYPE_TRACING, BPF_TRACE_FEXIT, "cap_capable", BTF_KIND_FUNC,
			 f->fentry_why, sizeof(f->fentry_why));
	f->fentry = !err;
	if (!err)
		snprintf(f->fentry_why, sizeof(f->fentry_why), "fexit programs load and attach");
out:
	probe_kprobe(f);
	f->tracefs = pw_tracefs_ensure(f->tracefs_why, sizeof(f->tracefs_why)) == 0;
	pw_log_libbpf_quiet(0);
}

const char *pw_program_section(struct bpf_object *obj, const char *prog_name)
{
	struct bpf_program *p = bpf_object__find_program_by_name(obj, prog_name);

	return p ? bpf_program__section_name(p) : NULL;
}

static int prefix(const char *s, const char *p)
{
	return !strncmp(s, p, strlen(p));
}

/* Can this program attach here? Its attach target is the part of the
 * section name after the first '/': an LSM hook, BTF tracepoint or kernel
 * function checked in kernel BTF, a classic tracepoint
 * ("tp/syscalls/sys_exit_mount") in tracefs. */
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
	if (prefix(sec, "lsm/")) {
		if (!f->lsm) {
			snprintf(why, whylen, "%s", f->lsm_why);
			return 0;
		}
		snprintf(name, sizeof(name), "bpf_lsm_%s", target);
		if (btf__find_by_name_kind(btf, name, BTF_KIND_FUNC) < 0) {
			snprintf(why, whylen, "LSM hook %s does not exist on this kernel", target);
			return 0;
		}
	} else if (prefix(sec, "tp_btf/")) {
		if (!f->tp_btf) {
			snprintf(why, whylen, "%s", f->tp_btf_why);
			return 0;
		}
		snprintf(name, sizeof(name), "btf_trace_%s", target);
		if (btf__find_by_name_kind(btf, name, BTF_KIND_TYPEDEF) < 0) {
			snprintf(why, whylen, "tracepoint %s does not exist on this kernel",
				 target);
			return 0;
		}
	} else if (prefix(sec, "tp/")) {
		if (!f->tracefs) {
			snprintf(why, whylen, "%s", f->tracefs_why);
			return 0;
		}
		if (!pw_tracefs_has_event(target)) {
			snprintf(why, whylen, "tracepoint %s does not exist on this kernel",
				 target);
			return 0;
		}
	} else if (prefix(sec, "fentry/") || prefix(sec, "fexit/") || prefix(sec, "kprobe/") ||
		   prefix(sec, "kretprobe/")) {
		int fentry = sec[0] == 'f';

		if (fentry ? !f->fentry : !f->kprobe) {
			snprintf(why, whylen, "%s", fentry ? f->fentry_why : f->kprobe_why);
			return 0;
		}
		if (btf__find_by_name_kind(btf, target, BTF_KIND_FUNC) < 0) {
			snprintf(why, whylen, "function %s does not exist on this kernel", target);
			return 0;
		}
	} else {
		snprintf(why, whylen, "program %s: unknown section %s", prog, sec);
		return 0;
	}
	return 1;
}

static int variant_ok(struct bpf_object *obj, struct btf *btf, const struct pw_kernel_features *f,
		      const struct pw_variant_def *v, char *why, size_t whylen)
{
	int i;

	for (i = 0; i < PW_CONCERN_PROGS && v->progs[i]; i++)
		if (!program_ok(obj, btf, f, v->progs[i], why, whylen))
			return 0;
	snprintf(why, whylen, "usable");
	return 1;
}

static int n_variants(const struct pw_concern *c)
{
	int n = 0;

	while (n < PW_CONCERN_VARIANTS && c->variants[n].kind != PW_VARIANT_NONE)
		n++;
	return n;
}

/* The order in which a concern's variants are tried: a forced mode moves its
 * kind to the front, the rest keep the table's order. */
static int variant_order(const struct pw_concern *c, enum pw_attach_mode mode, int *order)
{
	enum pw_variant first = mode == PW_MODE_LSM	     ? PW_VARIANT_LSM
				: mode == PW_MODE_TRACEPOINT ? PW_VARIANT_TP
							     : PW_VARIANT_NONE;
	int i, n = 0, nv = n_variants(c);

	for (i = 0; i < nv; i++)
		if (c->variants[i].kind == first)
			order[n++] = i;
	for (i = 0; i < nv; i++)
		if (c->variants[i].kind != first)
			order[n++] = i;
	return n;
}

static void choose_one(struct pw_choice *ch, enum pw_attach_mode mode)
{
	const struct pw_concern *c = ch->concern;
	int order[PW_CONCERN_VARIANTS], n, i, k, len = 0;

	n = variant_order(c, mode, order);
	ch->index = -1;
	ch->variant = PW_VARIANT_NONE;
	ch->why[0] = '\0';
	for (k = 0; k < n; k++) {
		i = order[k];
		if (ch->usable & (1u << i)) {
			ch->index = i;
			ch->variant = c->variants[i].kind;
			break;
		}
	}
	/* Why not the better ones, then why this one. */
	for (k = 0; k < n && order[k] != ch->index; k++) {
		i = order[k];
		len += snprintf(ch->why + len, sizeof(ch->why) - len, "%s: %s; ",
				pw_variant_name(c->variants[i].kind), ch->variant_why[i]);
		if (len >= (int)sizeof(ch->why))
			return;
	}
	if (ch->index < 0) {
		if (len >= 2)
			ch->why[len - 2] = '\0';
		return;
	}
	if (mode != PW_MODE_AUTO && order[0] == ch->index)
		snprintf(ch->why + len, sizeof(ch->why) - len, "forced by --mode %s",
			 pw_mode_name(mode));
	else
		snprintf(ch->why + len, sizeof(ch->why) - len, "%s",
			 c->variants[ch->index].rank_why);
}

int pw_features_choose(struct bpf_object *obj, const struct pw_kernel_features *f,
		       const struct pw_choice_opts *o, struct pw_choice *out, char *err,
		       size_t errlen)
{
	struct btf *btf = NULL;
	int i, v, rc = 0;

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

		memset(ch, 0, sizeof(*ch));
		ch->concern = c;
		for (v = 0; v < n_variants(c); v++) {
			if (o->skip[i] & (1u << c->variants[v].kind))
				snprintf(ch->variant_why[v], PW_WHY_LEN,
					 "left out by --no-variant");
			else if (variant_ok(obj, btf, f, &c->variants[v], ch->variant_why[v],
					    PW_WHY_LEN))
				ch->usable |= 1u << v;
		}
		choose_one(ch, o->mode);
		if (ch->variant == PW_VARIANT_NONE && c->required && rc == 0) {
			snprintf(err, errlen, "concern %s cannot run on this kernel: %s", c->name,
				 ch->why);
			rc = -1;
		}
	}
	/* A forced mode that no concern can use is a mistake worth stopping for. */
	if (rc == 0 && o->mode != PW_MODE_AUTO) {
		enum pw_variant want = o->mode == PW_MODE_LSM ? PW_VARIANT_LSM : PW_VARIANT_TP;
		int used = 0;

		for (i = 0; i < pw_concern_count; i++)
			used |= out[i].variant == want;
		if (!used) {
			snprintf(err, errlen, "--mode %s: no concern can use it here: %s",
				 pw_mode_name(o->mode),
				 o->mode == PW_MODE_LSM ? f->lsm_why : f->tp_btf_why);
			rc = -1;
		}
	}
	vmlinux_btf_release();
	return rc;
}

int pw_choice_next(const struct pw_choice *ch)
{
	int i, nv = n_variants(ch->concern);

	/* After the attached one in table order, then any earlier one not yet failed. */
	for (i = ch->index + 1; i < nv; i++)
		if ((ch->usable & (1u << i)) && !(ch->failed & (1u << i)))
			return i;
	for (i = 0; i < nv && i < ch->index; i++)
		if ((ch->usable & (1u << i)) && !(ch->failed & (1u << i)))
			return i;
	return -1;
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

static int listed(const struct pw_concern *c, const char *name)
{
	int v, i;

	for (v = 0; v < n_variants(c); v++)
		for (i = 0; i < PW_CONCERN_PROGS && c->variants[v].progs[i]; i++)
			if (!strcmp(c->variants[v].progs[i], name))
				return 1;
	return 0;
}

const char *pw_features_unlisted_program(struct bpf_object *obj)
{
	struct bpf_program *prog;
	int i, found;

	bpf_object__for_each_program(prog, obj)
	{
		for (found = 0, i = 0; i < pw_concern_count && !found; i++)
			found = listed(&pw_concerns[i], bpf_program__name(prog));
		if (!found)
			return bpf_program__name(prog);
	}
	return NULL;
}

int pw_features_apply(struct bpf_object *obj, const struct pw_choice *choices)
{
	int i, v;

	/* A program no concern lists would autoload behind the table's back. */
	if (pw_features_unlisted_program(obj))
		return -1;
	for (i = 0; i < pw_concern_count; i++) {
		const struct pw_concern *c = choices[i].concern;

		for (v = 0; v < n_variants(c); v++)
			if (set_autoload(obj, c->variants[v].progs,
					 !!(choices[i].usable & (1u << v))))
				return -1;
	}
	return 0;
}
