/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Diagnostics on stderr; stdout carries only JSON records. */
#ifndef PW_LOG_H
#define PW_LOG_H

enum pw_log_level { PW_LOG_ERROR = 0, PW_LOG_WARN, PW_LOG_INFO, PW_LOG_DEBUG, PW_LOG_TRACE };

void pw_log_set_level(enum pw_log_level level);
/* Routes libbpf's messages into pw_log: its warnings become debug lines
 * unless -v, since the agent prints one clear line per failure itself. */
void pw_log_install_libbpf(void);
/* While quiet, libbpf says nothing at all (feature probes fail on purpose). */
void pw_log_libbpf_quiet(int quiet);

void pw_log(enum pw_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define pw_err(...)   pw_log(PW_LOG_ERROR, __VA_ARGS__)
#define pw_warn(...)  pw_log(PW_LOG_WARN, __VA_ARGS__)
#define pw_info(...)  pw_log(PW_LOG_INFO, __VA_ARGS__)
#define pw_debug(...) pw_log(PW_LOG_DEBUG, __VA_ARGS__)

#endif
