/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Where the kernel makes CAP_OPT_NOAUDIT capability checks: questions such
 * as "may this mmap overcommit?" that are not uses of the capability. The
 * cap_capable tracepoint does not say; bpf/capability.bpf.c compares its
 * kernel stack with these text ranges instead.
 */
#ifndef PW_NOAUDIT_H
#define PW_NOAUDIT_H

#include <stddef.h>
#include <stdint.h>

#define PW_NOAUDIT_RANGES 8 /* as in bpf/maps.bpf.h */

struct pw_text_range {
	uint64_t lo, hi; /* [lo, hi) */
};

/* Capabilities those callers ask for: only these pay the stack walk. */
uint64_t pw_noaudit_caps(void);

/*
 * Ranges of the noaudit callers found in kallsyms (a /proc/kallsyms path).
 * Returns how many (at most max), 0 if none could be read (then noaudit
 * checks cannot be told apart on the tracepoint), or -errno.
 */
int pw_noaudit_ranges(const char *kallsyms, struct pw_text_range *out, size_t max);

#endif
