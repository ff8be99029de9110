// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kernel/noaudit.h"

/* Kernel functions that ask with CAP_OPT_NOAUDIT (kernel/capability.c,
 * security/commoncap.c). ptrace_may_access's noaudit mode goes through
 * ns_capable_noaudit. cap_vm_enough_memory is a tail call on 6.18: its
 * caller, security_vm_enough_memory_mm, is the frame on the stack. */
static const char *const callers[] = {
	"security_vm_enough_memory_mm", "cap_vm_enough_memory",	  "ns_capable_noaudit",
	"has_ns_capability_noaudit",	"has_capability_noaudit",
};

#define CAP_SYS_ADMIN	 21
#define CAP_SYS_PTRACE	 19
#define CAP_SYS_RESOURCE 24
#define CAP_SYS_NICE	 23
#define CAP_NET_ADMIN	 12
#define CAP_IPC_LOCK	 14

uint64_t pw_noaudit_caps(void)
{
	return 1ull << CAP_SYS_ADMIN | 1ull << CAP_SYS_PTRACE | 1ull << CAP_SYS_RESOURCE |
	       1ull << CAP_SYS_NICE | 1ull << CAP_NET_ADMIN | 1ull << CAP_IPC_LOCK;
}

static int caller_index(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(callers) / sizeof(callers[0]); i++)
		if (!strcmp(name, callers[i]))
			return i;
	return -1;
}

/*
 * kallsyms lists the core kernel's text in address order, so a function
 * ends where the next symbol starts. Addresses read as 0 mean kptr_restrict
 * hides them: nothing usable. The file is 100k+ lines generated as it is
 * read (slow under emulation): parsed by hand, and left as soon as every
 * caller's range is closed.
 */
int pw_noaudit_ranges(const char *kallsyms, struct pw_text_range *out, size_t max)
{
	size_t n = 0, wanted = sizeof(callers) / sizeof(callers[0]);
	static char buf[1 << 16];
	char line[512];
	int open = 0; /* out[n - 1] waits for its end */
	FILE *f = fopen(kallsyms, "re");

	if (!f)
		return -errno;
	setvbuf(f, buf, _IOFBF, sizeof(buf));
	while (fgets(line, sizeof(line), f)) {
		char *p, *name;
		unsigned long long addr = strtoull(line, &p, 16);
		char type;

		if (p == line || p[0] != ' ' || !p[1] || p[2] != ' ')
			continue;
		type = p[1];
		name = p + 3;
		name[strcspn(name, " \t\n")] = '\0';
		if (open) {
			if (addr > out[n - 1].lo)
				out[n - 1].hi = addr;
			else
				n--; /* not in order: give the range up */
			open = 0;
			if (!--wanted)
				break;
		}
		if (n < max && addr && (type == 'T' || type == 't') && caller_index(name) >= 0) {
			out[n].lo = addr;
			out[n].hi = 0;
			n++;
			open = 1;
		}
	}
	if (open)
		n--;
	fclose(f);
	return n;
}
