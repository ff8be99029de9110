/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Whole writes to a file descriptor (a short write is carried on). */
#ifndef PW_FDIO_H
#define PW_FDIO_H

#include <stddef.h>

/* Writes all len bytes of buf to fd, again after EINTR and short writes.
 * 0, or -errno of the write that failed (-EIO if one wrote nothing). */
int pw_write_all(int fd, const void *buf, size_t len);

#endif
