// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* privwatch: subcommand dispatch. */
#include <stdio.h>
#include <string.h>
#include "kernel/canary.h"
#include "cli/cli.h"
#include "lib/log.h"

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
} commands[] = {
	{ "run", pw_cmd_run, "watch containers, print events as JSON lines until SIGINT/SIGTERM" },
	{ "learn", pw_cmd_learn,
	  "run for a while, write an exceptions file for what one image's containers do" },
	{ "probe", pw_cmd_probe, "show which kernel hook serves each concern here, and why" },
	{ "ps", pw_cmd_ps, "list the running containers and their measured posture" },
	{ "inspect", pw_cmd_inspect, "one container: identity, metadata, every posture dimension" },
	{ "rules", pw_cmd_rules, "check, list or benchmark rule files (docs/rules.md)" },
	{ "config", pw_cmd_config, "check the configuration file, print the effective settings" },
	{ "capture", pw_cmd_capture, "list, show or verify forensic capture bundles" },
};

static void usage(FILE *out)
{
	size_t i;

	fprintf(out, "usage: privwatch <command> [options]\n\ncommands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-7s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\n  privwatch <command> --help   options of a command\n"
		     "  privwatch --version\n");
}

int main(int argc, char **argv)
{
	size_t i;

	pw_log_install_libbpf();
	if (argc < 2) {
		usage(stderr);
		return PW_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return PW_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		pw_print_version();
		return PW_EXIT_OK;
	}
	/* Not a command for people: the agent's own canary (agent/kernel/canary.h). */
	if (!strcmp(argv[1], PW_CANARY_CMD))
		return pw_canary_main(argc - 1, argv + 1);
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "privwatch: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return PW_EXIT_USAGE;
}
