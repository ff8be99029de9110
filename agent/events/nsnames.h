/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Namespace types by their CLONE_NEW* flag: "mnt", "uts", "net"... */
#ifndef PW_NSNAMES_H
#define PW_NSNAMES_H

#include <stddef.h>
#include <stdint.h>

#define PW_NS_TYPES 8

/* The names of the namespace flags set in flags, in a fixed order; how many. */
size_t pw_ns_names(uint64_t flags, const char **out, size_t max);
/* The i-th type in a fixed order (0 .. PW_NS_TYPES - 1): its name and flag. */
const char *pw_ns_type_name(unsigned int i);
uint64_t pw_ns_type_flag(unsigned int i);
const char *pw_ns_op_name(unsigned int op); /* "unshare", "setns" */

#endif
