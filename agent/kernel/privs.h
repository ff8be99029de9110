/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What this process is allowed to do, checked before anything is tried, so
 * that a missing privilege is named as such rather than surfacing as EPERM
 * from the first program load ("cannot run on this kernel").
 */
#ifndef PW_PRIVS_H
#define PW_PRIVS_H

#include <stddef.h>

/*
 * Loading and attaching the sensors (run, probe): CAP_SYS_ADMIN, and
 * CAP_BPF and CAP_PERFMON where the kernel has them apart from it, and a
 * kernel not locked down for confidentiality (/sys/kernel/security/lockdown:
 * it refuses BPF reads of kernel memory, kprobes and tracefs).
 * 0, or -1 with one line in why (no newline): what is missing, what to do.
 */
int pw_privs_check_bpf(char *why, size_t len);

/*
 * Reading every process's /proc files and namespaces (ps, inspect, run's
 * posture): CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH. 0, or -1 with why.
 */
int pw_privs_check_proc(char *why, size_t len);

/* The content of /sys/kernel/security/lockdown ("none [integrity]
 * confidentiality": the bracketed one is in force): 1 if that mode refuses
 * what the sensors need (confidentiality), else 0. */
int pw_privs_lockdown_blocks(const char *content);

#endif
