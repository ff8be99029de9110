// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* privwatch rules check|list|bench: the rule files without the kernel. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include "cli/cli.h"
#include "rules/rules.h"

#define MAX_DISABLED 64
#define MAX_PATHS    32

static void rules_usage(FILE *out)
{
	fprintf(out,
		"usage: privwatch rules check [PATH...]   load the layered set, report the first "
		"mistake\n"
		"       privwatch rules list [PATH...]    each rule: id, severity, kinds, title,\n"
		"                                         origin file, overrides, exceptions\n"
		"       privwatch rules bench [PATH...]   ns to evaluate the set, per event\n"
		"       privwatch rules fields            every field a condition can name\n\n"
		"PATH is a rule file or a directory of *.json rule files (docs/rules.md);\n"
		"several are layered in the order given. Default: " PW_RULES_DIR " if it\n"
		"exists, else rules/ of the source tree this binary was built in. When every\n"
		"PATH is a file, the default set comes first and the files are layered on it\n"
		"(\"rules check 90-local.json\" checks a local file as it will run; a file\n"
		"named like one of the set takes its place: an edited copy is checked\n"
		"among the others).\n"
		"  --disable-rule ID   leave rule ID out (repeatable); an unknown ID is an error\n"
		"  --no-defaults       the PATHs alone, without the default set under them\n"
		"  --all               list: disabled rules too\n"
		"  --help, --version\n");
}

struct rules_args {
	const char *paths[MAX_PATHS + 1];
	size_t npaths;
	char default_buf[4096];
	char label[1024]; /* the paths, for the verdict line */
	const char *disabled[MAX_DISABLED];
	size_t ndisabled;
	int no_defaults, all;
	int on_defaults; /* files given, layered on the default set */
};

/* -1 to go on, else an exit code. */
static int parse_args(int argc, char **argv, struct rules_args *a)
{
	static const struct option opts[] = {
		{ "disable-rule", required_argument, NULL, 'd' },
		{ "no-defaults", no_argument, NULL, 'N' },
		{ "all", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{},
	};
	int c, i, all_files = 1;
	size_t off = 0, k;
	struct stat st;

	optind = 1;
	while ((c = getopt_long(argc, argv, "d:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			if (a->ndisabled == MAX_DISABLED) {
				fprintf(stderr, "privwatch rules: at most %d --disable-rule\n",
					MAX_DISABLED);
				return PW_EXIT_USAGE;
			}
			a->disabled[a->ndisabled++] = optarg;
			break;
		case 'N': a->no_defaults = 1; break;
		case 'a': a->all = 1; break;
		case 'h': rules_usage(stdout); return PW_EXIT_OK;
		case 'V': pw_print_version(); return PW_EXIT_OK;
		default: rules_usage(stderr); return PW_EXIT_USAGE;
		}
	}
	if (argc - optind > MAX_PATHS) {
		fprintf(stderr, "privwatch rules: at most %d PATHs\n", MAX_PATHS);
		return PW_EXIT_USAGE;
	}
	for (i = optind; i < argc; i++) {
		if (stat(argv[i], &st)) {
			fprintf(stderr, "privwatch rules: %s: %s\n", argv[i], strerror(errno));
			return PW_EXIT_FAIL;
		}
		if (S_ISDIR(st.st_mode))
			all_files = 0;
	}
	/* The default set under the files given, or alone. */
	if (optind == argc || (all_files && !a->no_defaults)) {
		if (pw_rules_default_path(a->default_buf, sizeof(a->default_buf))) {
			fprintf(stderr,
				"privwatch rules: no rules at %s or in this build tree; give PATH%s\n",
				PW_RULES_DIR,
				optind == argc ? "" : " (or --no-defaults: the files alone)");
			return PW_EXIT_FAIL;
		}
		a->paths[a->npaths++] = a->default_buf;
		a->on_defaults = optind < argc;
	}
	for (i = optind; i < argc; i++)
		a->paths[a->npaths++] = argv[i];
	a->label[0] = '\0';
	for (k = 0; k < a->npaths && off < sizeof(a->label); k++)
		off += snprintf(a->label + off, sizeof(a->label) - off, "%s%s", k ? " + " : "",
				a->paths[k]);
	return -1;
}

static int load(const struct rules_args *a, struct pw_ruleset **rs)
{
	struct pw_rules_opts o = { .disabled = a->disabled,
				   .ndisabled = a->ndisabled,
				   .replace_same_name = a->on_defaults };
	struct pw_rules_error err;

	if (pw_rules_load_paths(a->paths, a->npaths, &o, rs, &err)) {
		fprintf(stderr, "%s\n", err.text);
		return -1;
	}
	return 0;
}

static int do_check(const struct rules_args *a)
{
	struct pw_ruleset *rs;

	if (load(a, &rs))
		return PW_EXIT_FAIL;
	printf("%s: %zu rules OK (%zu files, %zu disabled)\n", a->label, pw_ruleset_count(rs),
	       pw_ruleset_files(rs), pw_ruleset_disabled(rs));
	pw_ruleset_free(rs);
	return PW_EXIT_OK;
}

static void kinds_text(uint64_t kinds, char *buf, size_t size)
{
	const uint64_t all = (1ull << PW_VIEW_KIND_MAX) - 1;
	size_t off = 0;
	unsigned int k;

	buf[0] = '\0';
	if ((kinds & all) == all) {
		snprintf(buf, size, "*");
		return;
	}
	for (k = 0; k < PW_VIEW_KIND_MAX && off < size; k++)
		if ((kinds & (1ull << k)) && strcmp(pw_view_kind_name(k), "unknown"))
			off += snprintf(buf + off, size - off, "%s%s", off ? "," : "",
					pw_view_kind_name(k));
	if (!buf[0])
		snprintf(buf, size, "-"); /* can match nothing */
}

static int do_list(const struct rules_args *a)
{
	const struct pw_rule *r;
	struct pw_ruleset *rs;
	char kinds[256];
	size_t i, x;

	if (load(a, &rs))
		return PW_EXIT_FAIL;
	for (i = 0; (r = a->all ? pw_ruleset_rule_any(rs, i) : pw_ruleset_rule(rs, i)); i++) {
		const struct pw_rule_info *info = pw_rule_info(r);
		const char *by = pw_rule_overridden_by(r), *file;

		kinds_text(pw_rule_kinds(r), kinds, sizeof(kinds));
		printf("%-12s %-8s %-28s %s  [%s%s%s]%s\n", info->id,
		       pw_severity_name(info->severity), kinds, info->title, info->path,
		       by[0] ? "; overridden in " : "", by,
		       pw_rule_enabled(r) ? "" : " (disabled)");
		for (x = 0; x < pw_rule_nexceptions(r); x++) {
			const char *text = pw_rule_exception(r, x, &file);

			printf("%-12s   except %s  [%s]\n", "", text, file);
		}
	}
	pw_ruleset_free(rs);
	return PW_EXIT_OK;
}

/* The synthetic event mix: what a busy container host mostly sends. */
#define BENCH_VIEWS 16

/* The records behind the views (exec's args point into them). */
static union {
	struct pw_open_event open;
	struct pw_exec_event exec;
	struct pw_capability_event cap;
	struct pw_mount_event mount;
} bench_recs[BENCH_VIEWS];
static int bench_nrecs;

static void *bench_rec(void)
{
	return &bench_recs[bench_nrecs++];
}

static void bench_open(struct pw_view *v, const char *leaf_first, size_t len, unsigned int kind,
		       uint32_t f_mode, int32_t ret, uint32_t major, uint32_t minor)
{
	struct pw_open_event *e = bench_rec();

	e->hdr.type = PW_EVENT_OPEN;
	e->hdr.size = sizeof(*e);
	e->hdr.pid = e->hdr.tid = 4242;
	strcpy(e->hdr.comm, "app");
	memcpy(e->path, leaf_first, len);
	e->path_len = len;
	e->path_format = PW_OPEN_PATH_COMPONENTS;
	e->kind = kind;
	e->f_mode = f_mode;
	e->ret = ret;
	e->dev_major = major;
	e->dev_minor = minor;
	pw_view_from_event(v, &e->hdr);
}

static void bench_exec(struct pw_view *v, const char *file)
{
	struct pw_exec_event *e = bench_rec();

	e->hdr.type = PW_EVENT_EXEC;
	e->hdr.size = sizeof(*e);
	e->hdr.pid = e->hdr.tid = 4243;
	strcpy(e->hdr.comm, "sh");
	strcpy(e->filename, file);
	e->ppid = 1;
	pw_view_from_event(v, &e->hdr);
}

static void bench_cap(struct pw_view *v, int cap, int ret)
{
	struct pw_capability_event *e = bench_rec();

	e->hdr.type = PW_EVENT_CAPABILITY;
	e->hdr.size = sizeof(*e);
	e->hdr.pid = e->hdr.tid = 4244;
	strcpy(e->hdr.comm, "app");
	e->cap = cap;
	e->ret = ret;
	pw_view_from_event(v, &e->hdr);
}

static void bench_mount(struct pw_view *v, unsigned int op, const char *fstype, const char *src,
			const char *target)
{
	struct pw_mount_event *e = bench_rec();

	e->hdr.type = PW_EVENT_MOUNT;
	e->hdr.size = sizeof(*e);
	e->hdr.pid = e->hdr.tid = 4245;
	strcpy(e->hdr.comm, "mount");
	e->op = op;
	strcpy(e->fstype, fstype);
	strcpy(e->source, src);
	strcpy(e->target, target);
	pw_view_from_event(v, &e->hdr);
}

static void bench_views(struct pw_view *v, const struct pw_view_container *c)
{
	int i = 0;

	bench_open(&v[i++], "null\0dev", 9, 1, 3, 3, 1, 3);
	bench_open(&v[i++], "null\0dev", 9, 1, 1, 3, 1, 3);
	bench_open(&v[i++], "urandom\0dev", 12, 1, 1, 3, 1, 9);
	bench_open(&v[i++], "stat\0self\0proc", 15, 4, 1, 3, 0, 0);
	bench_open(&v[i++], "uevent_helper\0kernel\0sys", 25, 3, 2, 3, 0, 0);
	bench_open(&v[i++], "sda\0dev", 8, 2, 1, 3, 8, 0);
	bench_exec(&v[i++], "/usr/bin/ls");
	bench_exec(&v[i++], "/bin/sh");
	bench_cap(&v[i++], 0, 0);   /* CAP_CHOWN */
	bench_cap(&v[i++], 21, 0);  /* CAP_SYS_ADMIN */
	bench_cap(&v[i++], 13, -1); /* CAP_NET_RAW, denied */
	bench_cap(&v[i++], 6, 0);   /* CAP_SETGID */
	bench_mount(&v[i++], PW_MOUNT_MOUNT, "proc", "proc", "/proc");
	bench_mount(&v[i++], PW_MOUNT_MOUNT, "ext4", "/dev/sda1", "/mnt");
	bench_mount(&v[i++], PW_MOUNT_UMOUNT, "", "", "/mnt");
	pw_view_container_start(&v[i++], c, 1234, 4242);
	for (i = 0; i < BENCH_VIEWS; i++)
		v[i].container = c;
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int do_bench(const struct rules_args *a)
{
	static const struct pw_view_container c = {
		.id = "4f1c0ffee",
		.name = "bench",
		.runtime = "docker",
		.image = "alpine:3",
		.pod = "",
		.ns = "",
		.phase = PW_VPHASE_STARTED,
		.mode = PW_VMODE_DEFAULT,
	};
	struct pw_view *v = calloc(BENCH_VIEWS, sizeof(*v));
	const struct pw_rule *hits[16];
	unsigned long long events = 0, matched = 0;
	struct pw_ruleset *rs;
	double start, elapsed;
	int i, round;

	if (!v || load(a, &rs))
		return PW_EXIT_FAIL;
	bench_views(v, &c);
	start = now_ns();
	do {
		for (round = 0; round < 1000; round++)
			for (i = 0; i < BENCH_VIEWS; i++)
				matched += pw_rules_match(rs, &v[i], hits, 16);
		events += 1000 * BENCH_VIEWS;
		elapsed = now_ns() - start;
	} while (elapsed < 1e9);
	printf("%s: %zu rules, %llu events in %.2f s: %.1f ns/event (%llu matches)\n", a->label,
	       pw_ruleset_count(rs), events, elapsed / 1e9, elapsed / events, matched);
	pw_ruleset_free(rs);
	free(v);
	return PW_EXIT_OK;
}

/* Every field, its type and values, and an example condition. */
static int do_fields(const struct rules_args *a)
{
	struct pw_rules_field_doc d;
	char values[1024];
	size_t i;

	(void)a;
	for (i = 0; i < pw_rules_nfields(); i++) {
		pw_rules_field_doc(i, &d, values, sizeof(values));
		printf("%-34s %-7s %s%s%s\n", d.name, d.type, d.what, values[0] ? ": " : "",
		       values);
		printf("%-34s e.g. %s\n", "", d.example);
	}
	return PW_EXIT_OK;
}

int pw_cmd_rules(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(const struct rules_args *a);
	} subs[] = { { "check", do_check },
		     { "list", do_list },
		     { "bench", do_bench },
		     { "fields", do_fields } };
	struct rules_args a = { 0 };
	size_t i;
	int rc;

	if (argc < 2) {
		rules_usage(stderr);
		return PW_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		rules_usage(stdout);
		return PW_EXIT_OK;
	}
	for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		if (strcmp(argv[1], subs[i].name))
			continue;
		if (subs[i].fn == do_fields) {
			if (argc > 2 && (!strcmp(argv[2], "--help") || !strcmp(argv[2], "-h"))) {
				rules_usage(stdout);
				return PW_EXIT_OK;
			}
			if (argc > 2) {
				fprintf(stderr, "privwatch rules fields: no arguments\n");
				return PW_EXIT_USAGE;
			}
			return do_fields(&a);
		}
		rc = parse_args(argc - 1, argv + 1, &a);
		return rc >= 0 ? rc : subs[i].fn(&a);
	}
	fprintf(stderr, "privwatch rules: unknown subcommand '%s'\n", argv[1]);
	rules_usage(stderr);
	return PW_EXIT_USAGE;
}
