// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdarg.h>
#include <stdio.h>
#include <bpf/libbpf.h>
#include "lib/log.h"

static enum pw_log_level max_level = PW_LOG_WARN;
static int libbpf_quiet;

void pw_log_set_level(enum pw_log_level level)
{
	max_level = level;
}

static void vlog(enum pw_log_level level, const char *fmt, va_list ap)
{
	static const char *const names[] = { "error", "warning", "info", "debug", "trace" };

	if (level > max_level)
		return;
	fprintf(stderr, "privwatch: %s: ", names[level]);
	vfprintf(stderr, fmt, ap);
}

void pw_log(enum pw_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(level, fmt, ap);
	va_end(ap);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (libbpf_quiet)
		return 0;
	/* libbpf's warnings come with verifier dumps; keep them for -v. */
	vlog(level == LIBBPF_DEBUG ? PW_LOG_TRACE : PW_LOG_DEBUG, fmt, ap);
	return 0;
}

void pw_log_install_libbpf(void)
{
	libbpf_set_print(libbpf_print);
}

void pw_log_libbpf_quiet(int quiet)
{
	libbpf_quiet = quiet;
}
