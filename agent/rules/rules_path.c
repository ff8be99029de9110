// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Where the rule files are when the command line does not say. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "rules/rules.h"

static int is_dir(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

int pw_rules_default_path(char *buf, size_t size)
{
	char exe[PATH_MAX], dir[PATH_MAX + 16];
	ssize_t n;
	char *slash;

	if (is_dir(PW_RULES_DIR)) {
		snprintf(buf, size, "%s", PW_RULES_DIR);
		return 0;
	}
	/* A build tree: the binary is <tree>/.output/privwatch. */
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return -1;
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (!slash)
		return -1;
	*slash = '\0';
	snprintf(dir, sizeof(dir), "%s/../rules", exe);
	if (!is_dir(dir) || !realpath(dir, exe) || (size_t)snprintf(buf, size, "%s", exe) >= size)
		return -1;
	return 0;
}
