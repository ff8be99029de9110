// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>
#include "posture_check.h"

void h_assert_dim(const struct pw_posture *p, enum pw_dim d, enum pw_dim_state s, const char *has)
{
	const struct pw_dimension *x = &p->dim[d];
	const char *text = x->state == PW_DIM_NA ? x->reason : x->evidence;

	if (x->state != s)
		fail_msg("%s: %s (%s), want %s", pw_dim_name(d), pw_dim_state_name(x->state), text,
			 pw_dim_state_name(s));
	if (has && !strstr(text, has))
		fail_msg("%s: \"%s\" lacks \"%s\"", pw_dim_name(d), text, has);
}
