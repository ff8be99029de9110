/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * One agent per host: privwatch run holds flock(LOCK_EX) on a lock file
 * (--lock-file, default /run/privwatch/privwatch.lock) for its lifetime,
 * with its pid written inside. The lock, not the file, is the truth: it
 * goes with the last fd (the process's death included), so a file left by
 * a killed agent never refuses the next one, and the file is never
 * unlinked (unlinking would let two agents lock two different inodes).
 */
#ifndef PW_LOCKFILE_H
#define PW_LOCKFILE_H

#include <stddef.h>

/* Take the lock on path (its directory made if missing, mode 0755). The fd
 * (O_CLOEXEC), or -1 with err: "PATH is held by pid N: ..." when another
 * agent holds it, else what failed. */
int pw_lock_take(const char *path, char *err, size_t errlen);
/* Empty the file (no stale pid) and release the lock. fd < 0: nothing. */
void pw_lock_release(int fd);

#endif
