// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* privwatch probe: the feature table, without loading anything. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include "cli/cli.h"
#include "kernel/loader.h"
#include "kernel/privs.h"
#include "lib/log.h"
#include "privwatch.skel.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: privwatch probe [--mode auto|lsm|tracepoint] [--no-variant [CONCERN:]KIND] [-v]\n\n"
		"Prints which program type serves each concern on this kernel and why,\n"
		"and the order in which the others would take over.\n"
		"  --mode MODE   show the choice privwatch run --mode MODE would make\n"
		"  --no-variant [CONCERN:]KIND  as privwatch run --no-variant (repeatable)\n"
		"  -v            show libbpf's messages\n"
		"  --help, --version\n");
}

static void feature_line(const char *name, int ok, const char *why)
{
	printf("  %-16s %-4s %s\n", name, ok ? "yes" : "no", why);
}

int pw_cmd_probe(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mode", required_argument, NULL, 'm' },
		{ "no-variant", required_argument, NULL, 'n' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{},
	};
	struct pw_loader_opts o = { .mode = PW_MODE_AUTO };
	const struct pw_kernel_features *f;
	struct pw_loader l;
	struct utsname u;
	char err[512] = "";
	int c, i, v, rc;

	while ((c = getopt_long(argc, argv, "m:vhV", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			if (pw_mode_parse(optarg, &o.mode)) {
				fprintf(stderr,
					"privwatch probe: --mode must be auto, lsm or tracepoint\n");
				return PW_EXIT_USAGE;
			}
			break;
		case 'n':
			if (pw_variant_skip_parse(optarg, o.skip, err, sizeof(err))) {
				fprintf(stderr, "privwatch probe: --no-variant %s\n", err);
				return PW_EXIT_USAGE;
			}
			break;
		case 'v': pw_log_set_level(PW_LOG_TRACE); break;
		case 'h': usage(stdout); return PW_EXIT_OK;
		case 'V': pw_print_version(); return PW_EXIT_OK;
		default: usage(stderr); return PW_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "privwatch probe: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return PW_EXIT_USAGE;
	}

	/* Unprivileged, every probe fails with EPERM and the table would blame
	 * the kernel (boot with "bpf" in lsm=...): say what is missing. */
	if (pw_privs_check_bpf(err, sizeof(err))) {
		fprintf(stderr, "privwatch probe: %s\n", err);
		return PW_EXIT_FAIL;
	}
	rc = pw_loader_plan(&l, &o, err, sizeof(err));
	f = &l.features;
	uname(&u);
	printf("privwatch %s on Linux %s (%s), mode %s\n\n", PW_VERSION, u.release, u.machine,
	       pw_mode_name(o.mode));
	printf("kernel features\n");
	feature_line("BTF", f->btf, f->btf_why);
	feature_line("BPF LSM", f->lsm, f->lsm_why);
	printf("  %-16s %-4s %s\n", "active LSMs", "", f->lsm_list[0] ? f->lsm_list : "unknown");
	feature_line("BTF tracepoints", f->tp_btf, f->tp_btf_why);
	feature_line("tracefs", f->tracefs, f->tracefs_why);
	feature_line("fentry/fexit", f->fentry, f->fentry_why);
	feature_line("kprobes", f->kprobe, f->kprobe_why);
	if (l.skel) {
		printf("\n%-14s %-11s %-40s %s\n", "concern", "mode", "programs", "why");
		for (i = 0; i < pw_concern_count && l.choices[i].concern; i++) {
			const struct pw_choice *ch = &l.choices[i];
			const struct pw_variant_def *def = pw_choice_def(ch);
			int j;

			/* one program per line: the reason stays on the first */
			printf("%-14s %-11s %-40s %s\n", ch->concern->name,
			       pw_variant_name(ch->variant),
			       def ? pw_program_section(l.skel->obj, def->progs[0]) : "-", ch->why);
			for (j = 1; def && j < PW_CONCERN_PROGS && def->progs[j]; j++)
				printf("%-26s %s\n", "",
				       pw_program_section(l.skel->obj, def->progs[j]));
		}
		/* The whole order, so a fallback at run time is no surprise. */
		printf("\nfallback order (a variant whose canary is not seen gives way to the next)\n");
		for (i = 0; i < pw_concern_count && l.choices[i].concern; i++) {
			const struct pw_choice *ch = &l.choices[i];

			for (v = 0; v < PW_CONCERN_VARIANTS && ch->concern->variants[v].kind; v++)
				printf("%-14s %d. %-11s %s\n", v ? "" : ch->concern->name, v + 1,
				       pw_variant_name(ch->concern->variants[v].kind),
				       ch->variant_why[v]);
		}
	}
	if (rc)
		printf("\nprivwatch run would fail: %s\n", err);
	pw_loader_stop(&l);
	return PW_EXIT_OK;
}
