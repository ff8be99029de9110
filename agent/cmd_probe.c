// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* privwatch probe: the feature table, without loading anything. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include "cli.h"
#include "loader.h"
#include "log.h"
#include "privwatch.skel.h"

static void usage(FILE *out)
{
	fprintf(out, "usage: privwatch probe [--mode auto|lsm|tracepoint] [-v]\n\n"
		     "Prints which program type serves each concern on this kernel and why.\n"
		     "  --mode MODE   show the choice privwatch run --mode MODE would make\n"
		     "  -v            show libbpf's messages\n"
		     "  --help, --version\n");
}

/* "tp_btf/cgroup_mkdir,tp_btf/cgroup_rmdir" */
static const char *programs_str(struct bpf_object *obj, const char *const *progs, char *buf,
				size_t len)
{
	size_t off = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < PW_CONCERN_PROGS && progs[i] && off < len; i++)
		off += snprintf(buf + off, len - off, "%s%s", i ? "," : "",
				pw_program_section(obj, progs[i]));
	return buf[0] ? buf : "-";
}

int pw_cmd_probe(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mode", required_argument, NULL, 'm' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{},
	};
	enum pw_attach_mode mode = PW_MODE_AUTO;
	struct pw_loader l;
	struct utsname u;
	char err[512] = "";
	int c, i, rc;

	while ((c = getopt_long(argc, argv, "m:vhV", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			if (pw_mode_parse(optarg, &mode)) {
				fprintf(stderr, "privwatch probe: --mode must be auto, lsm or tracepoint\n");
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

	rc = pw_loader_plan(&l, mode, err, sizeof(err));
	uname(&u);
	printf("privwatch %s on Linux %s (%s), mode %s\n\n", PW_VERSION, u.release, u.machine,
	       pw_mode_name(mode));
	printf("kernel features\n");
	printf("  %-16s %-4s %s\n", "BTF", l.features.btf ? "yes" : "no", l.features.btf_why);
	printf("  %-16s %-4s %s\n", "BPF LSM", l.features.lsm ? "yes" : "no", l.features.lsm_why);
	printf("  %-16s %-4s %s\n", "BTF tracepoints", l.features.tp_btf ? "yes" : "no",
	       l.features.tp_btf_why);
	printf("  %-16s %-4s %s\n", "tracefs", l.features.tracefs ? "yes" : "no",
	       l.features.tracefs_why);
	if (l.skel) {
		printf("\n%-14s %-11s %-40s %s\n", "concern", "mode", "programs", "why");
		for (i = 0; i < pw_concern_count && l.choices[i].concern; i++) {
			const struct pw_choice *ch = &l.choices[i];
			const char *const *progs = ch->variant == PW_VARIANT_LSM ? ch->concern->lsm_progs
										: ch->concern->tp_progs;
			char buf[512]; /* mounts lists nine syscall tracepoints */

			printf("%-14s %-11s %-40s %s\n", ch->concern->name,
			       pw_variant_name(ch->variant),
			       ch->variant == PW_VARIANT_NONE
				       ? "-"
				       : programs_str(l.skel->obj, progs, buf, sizeof(buf)),
			       ch->why);
		}
	}
	if (rc)
		printf("\nprivwatch run would fail: %s\n", err);
	pw_loader_stop(&l);
	return PW_EXIT_OK;
}
