/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Subcommands of the privwatch binary. Each returns the process exit code:
 * 0 success, 1 failure at run time, 2 bad command line. */
#ifndef PW_CLI_H
#define PW_CLI_H

#include <stdio.h>

#define PW_EXIT_OK    0
#define PW_EXIT_FAIL  1
#define PW_EXIT_USAGE 2

int pw_cmd_run(int argc, char **argv);
/* privwatch learn: run, learning one image's behaviour (agent/rules/learn.h). */
int pw_cmd_learn(int argc, char **argv);
int pw_cmd_probe(int argc, char **argv);
int pw_cmd_ps(int argc, char **argv);
int pw_cmd_inspect(int argc, char **argv);
int pw_cmd_rules(int argc, char **argv);
int pw_cmd_config(int argc, char **argv);
int pw_cmd_capture(int argc, char **argv);

/* Prints "privwatch VERSION (libbpf X.Y)". */
void pw_print_version(void);

/* Shared by ps and inspect (cmd_ps.c). */
struct jsonw;
struct pw_container;
struct pw_containers;
/* --json, --help, --version: -1 to go on, else the exit code. */
int pw_cli_parse_json_opt(int argc, char **argv, int *json, void (*usage)(FILE *));
/* Discovery, with the error printed as "privwatch <cmd>: ...". 0 or -errno. */
int pw_cli_discover(const char *cmd, struct pw_containers *cs);
/* "docker/ns" style for containerd namespaces and k8s pods; "" otherwise. */
const char *pw_cli_ns_of(const struct pw_container *c);
/* One container as ps --json and inspect --json write it. */
void pw_cli_container_json(struct jsonw *w, const struct pw_container *c);
/* The writer's line to stdout: PW_EXIT_OK, or PW_EXIT_FAIL out of memory. */
int pw_cli_print_json(struct jsonw *w);

#endif
