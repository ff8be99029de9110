/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Posture test helper: one dimension's state, and a word its evidence (or
 * n/a reason) must hold, failing with what was measured instead. */
#ifndef PW_TEST_POSTURE_CHECK_H
#define PW_TEST_POSTURE_CHECK_H

#include "host/posture.h"

void h_assert_dim(const struct pw_posture *p, enum pw_dim d, enum pw_dim_state s, const char *has);

#endif
