/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A container's posture, measured from its init process as the host sees it
 * (the model, its names and JSON: events/posture_model.h).
 */
#ifndef PW_HOST_POSTURE_H
#define PW_HOST_POSTURE_H

#include <stdint.h>
#include <sys/types.h>
#include "events/posture_model.h"

/*
 * Measure pid (the container's init, a host pid). proc_root and host_root
 * prefix every path read ("/" in production; fixture trees in unit tests):
 * <proc_root>/proc/<pid>/..., <proc_root>/proc/1/status (the host's bounding
 * set), <proc_root>/proc/self/mountinfo (where the host mounts cgroups), and
 * <host_root>/sys/... (LSM switches, cgroup files, sysfs paths).
 * Returns 0, -ESRCH if the process is gone or exits while being measured,
 * or another -errno; on error *out holds no result.
 */
int pw_posture_measure(pid_t pid, const char *proc_root, const char *host_root,
		       struct pw_posture *out);

/* How many times the host-wide facts (cgroup mounts, PID 1's bounding set,
 * LSM switches) were read for the production roots: once, then only when
 * they may have changed. */
uint64_t pw_posture_host_facts_reads(void);

#endif
