/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef PW_CAPNAMES_H
#define PW_CAPNAMES_H

#define PW_CAP_LAST 40 /* CAP_CHECKPOINT_RESTORE, Linux 5.9 */

/* "CAP_SYS_ADMIN" for 21; NULL for numbers this build does not know. */
const char *pw_cap_name(int cap);
/* The number of a name, with or without the CAP_ prefix, any case; -1 if unknown. */
int pw_cap_from_name(const char *name);

#endif
