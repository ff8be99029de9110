/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Subcommands of the privwatch binary. Each returns the process exit code:
 * 0 success, 1 failure at run time, 2 bad command line. */
#ifndef PW_CLI_H
#define PW_CLI_H

#define PW_EXIT_OK 0
#define PW_EXIT_FAIL 1
#define PW_EXIT_USAGE 2

int pw_cmd_run(int argc, char **argv);
int pw_cmd_probe(int argc, char **argv);
int pw_cmd_ps(int argc, char **argv);
int pw_cmd_inspect(int argc, char **argv);
int pw_cmd_rules(int argc, char **argv);

/* Prints "privwatch VERSION (libbpf X.Y)". */
void pw_print_version(void);

#endif
