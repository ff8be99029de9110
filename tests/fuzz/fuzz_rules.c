// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* libFuzzer: a rule file (agent/rules/), loaded and, if it loads, matched
 * against an event view; an error must name where it is. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "events/event_view.h"
#include "rules/rules.h"

static char file[64];

static void cleanup(void)
{
	unlink(file);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	atexit(cleanup);
	snprintf(file, sizeof(file), "/dev/shm/pw-fuzz-rules-%d.json", (int)getpid());
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pw_rules_opts o = {};
	struct pw_rules_error e;
	struct pw_ruleset *rs = NULL;
	int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0)
		abort();
	if (size && write(fd, data, size) != (ssize_t)size)
		abort();
	close(fd);
	if (pw_rules_load(file, &o, &rs, &e) == 0) {
		const struct pw_rule *hits[32];
		struct pw_view v;

		pw_view_agent_health(&v, 1, "files");
		pw_rules_match(rs, &v, hits, 32);
		pw_ruleset_free(rs);
	} else if (!e.message[0]) {
		abort(); /* an error says what */
	}
	return 0;
}
