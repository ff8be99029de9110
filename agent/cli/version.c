// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdio.h>
#include <bpf/libbpf.h>
#include "cli/cli.h"

void pw_print_version(void)
{
	printf("privwatch %s (libbpf %u.%u)\n", PW_VERSION, libbpf_major_version(),
	       libbpf_minor_version());
}
