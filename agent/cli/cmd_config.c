// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* privwatch config check: the configuration file as privwatch run reads it. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include "cli/cli.h"
#include "daemon/config.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: privwatch config check [--json] [PATH]\n\n"
		"Reads the configuration file (default %s, which may be absent)\n"
		"and its drop-ins (%s/*.json beside it, in name order) as privwatch run\n"
		"does, and prints the effective configuration: every key, its value and\n"
		"where it came from (--json: as a JSON object, itself a valid file).\n"
		"An unknown key, a wrong type or a bad value is an error naming the file\n"
		"and the key: exit 2. docs/config.md documents every key.\n\n"
		"  --json               the effective configuration as a JSON object\n"
		"  --help, --version\n",
		PW_CONFIG_DEFAULT, PW_CONFIG_DROPIN);
}

int pw_cmd_config(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{},
	};
	static struct pw_config c;
	char err[1024];
	int opt, json = 0, rc = PW_EXIT_USAGE;

	if (argc < 2 || strcmp(argv[1], "check")) {
		if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
			usage(stdout);
			return PW_EXIT_OK;
		}
		usage(stderr);
		return PW_EXIT_USAGE;
	}
	argc--;
	argv++;
	optind = 0;
	while ((opt = getopt_long(argc, argv, "+jhV", opts, NULL)) != -1) {
		switch (opt) {
		case 'j': json = 1; break;
		case 'h': usage(stdout); return PW_EXIT_OK;
		case 'V': pw_print_version(); return PW_EXIT_OK;
		default: usage(stderr); return PW_EXIT_USAGE;
		}
	}
	if (argc - optind > 1) {
		usage(stderr);
		return PW_EXIT_USAGE;
	}
	pw_config_init(&c);
	if (pw_config_load(&c, optind < argc ? argv[optind] : NULL, err, sizeof(err))) {
		fprintf(stderr, "privwatch config check: %s\n", err);
		goto out;
	}
	if (pw_cfg_int(&c, PW_O_NO_RULES) &&
	    (pw_cfg_str(&c, PW_O_RULES) || pw_cfg_list(&c, PW_O_DISABLE_RULE)->n)) {
		fprintf(stderr, "privwatch config check: no_rules with rules or disable_rule\n");
		goto out;
	}
	pw_config_print(&c, stdout, json);
	rc = PW_EXIT_OK;
out:
	pw_config_free(&c);
	return rc;
}
