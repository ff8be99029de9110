// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <string.h>
#include "lib/severity.h"

static const char *const names[PW_SEV_COUNT] = {
	[PW_SEV_INFO] = "info", [PW_SEV_LOW] = "low",		[PW_SEV_MEDIUM] = "medium",
	[PW_SEV_HIGH] = "high", [PW_SEV_CRITICAL] = "critical",
};

const char *pw_severity_name(enum pw_severity s)
{
	return (unsigned int)s < PW_SEV_COUNT ? names[s] : "unknown";
}

int pw_severity_parse(const char *name, enum pw_severity *out)
{
	int i;

	for (i = 0; i < PW_SEV_COUNT; i++) {
		if (!strcmp(name, names[i])) {
			*out = i;
			return 0;
		}
	}
	return -1;
}

int pw_severity_syslog(enum pw_severity s)
{
	static const int map[PW_SEV_COUNT] = { 6, 5, 4, 3, 2 };

	return (unsigned int)s < PW_SEV_COUNT ? map[s] : 6;
}
