/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Reading /proc (and the host files next to it) when a container controls
 * what is there. One process's files are read through one directory fd on
 * /proc/<pid> (pw_proc_open_pid): a pid reused after the process exits is
 * never mistaken for it, its files then fail with ESRCH or ENOENT. Every
 * open is O_NOFOLLOW|O_NONBLOCK|O_NOCTTY (a planted symlink is not
 * followed, a FIFO does not block the reader, a tty is not acquired) and
 * every read is bounded by the caller.
 *
 * Used by host/posture.c and host/process_table.c. Prefixes: proc_root and
 * root are "/" in production and fixture trees in unit tests.
 */
#ifndef PW_HOST_PROCFS_H
#define PW_HOST_PROCFS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* root + path ("/" + "/proc/1" is "/proc/1", not "//proc/1").
 * 0, or -ENAMETOOLONG if it does not fit in len. */
int pw_proc_path(char *out, size_t len, const char *root, const char *path);

/* <proc_root>/proc/<pid> as a directory fd (close it), or -errno
 * (-ENOENT: no such process, or never one under that prefix). */
int pw_proc_open_pid(const char *proc_root, pid_t pid);

/* Up to size bytes of dirfd/name (AT_FDCWD: name is a path), raw (cmdline).
 * Bytes read, or -errno if it cannot be opened; a failing read ends the
 * data there. */
ssize_t pw_proc_read_raw(int dirfd, const char *name, char *buf, size_t size);

/* The same as a string: up to size - 1 bytes, always NUL-terminated. */
ssize_t pw_proc_read(int dirfd, const char *name, char *buf, size_t size);

/* Up to max bytes of dirfd/name in a malloc'd, NUL-terminated copy (*out,
 * free it). 0, or -errno (a failing read fails the whole read). */
int pw_proc_read_alloc(int dirfd, const char *name, size_t max, char **out);

/* /proc/<pid>/status: the value after "Key:" (blanks skipped), or NULL. */
const char *pw_proc_status_field(const char *status, const char *key);

/* The same parsed as an unsigned number in base (10; 16 for the Cap*
 * masks). 0, -ENOENT (no such line) or -EINVAL (not a number). */
int pw_proc_status_num(const char *status, const char *key, int base, uint64_t *v);

/* Has the process of piddir exited (its /proc files gone, or a zombie
 * whose mount table and root are already torn down)? */
int pw_proc_dead(int piddir);

#endif
