// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The posture model: names, the mode the dimensions add up to, JSON, text. */
#include <stdio.h>
#include "events/posture_model.h"
#include "lib/jsonw.h"

static const char *const dim_names[PW_DIM_COUNT] = {
	"capabilities", "masked_paths",	 "readonly_kernel_fs", "apparmor",
	"seccomp",	"device_cgroup", "host_devices",       "selinux",
};

const char *pw_dim_name(enum pw_dim d)
{
	return d < PW_DIM_COUNT ? dim_names[d] : "?";
}

const char *pw_dim_state_name(enum pw_dim_state s)
{
	switch (s) {
	case PW_DIM_RELAXED: return "relaxed";
	case PW_DIM_CONFINED: return "confined";
	default: return "n/a";
	}
}

const char *pw_posture_mode_name(enum pw_posture_mode m)
{
	switch (m) {
	case PW_POSTURE_PRIVILEGED: return "privileged";
	case PW_POSTURE_PARTIAL: return "partial";
	default: return "default";
	}
}

enum pw_posture_mode pw_posture_derive(struct pw_posture *p)
{
	int applicable = 0, relaxed = 0, i;

	for (i = 0; i < PW_DIM_COUNT; i++) {
		applicable += p->dim[i].state != PW_DIM_NA;
		relaxed += p->dim[i].state == PW_DIM_RELAXED;
	}
	if (relaxed && relaxed == applicable)
		p->mode = PW_POSTURE_PRIVILEGED;
	else if (relaxed)
		p->mode = PW_POSTURE_PARTIAL;
	else
		p->mode = PW_POSTURE_DEFAULT;
	return p->mode;
}

void pw_posture_to_json(struct jsonw *w, const struct pw_posture *p)
{
	int i;

	jw_obj_begin(w);
	jw_kv_str(w, "mode", pw_posture_mode_name(p->mode));
	jw_key(w, "relaxed");
	jw_arr_begin(w);
	for (i = 0; i < PW_DIM_COUNT; i++)
		if (p->dim[i].state == PW_DIM_RELAXED)
			jw_str(w, dim_names[i]);
	jw_arr_end(w);
	jw_key(w, "dimensions");
	jw_obj_begin(w);
	for (i = 0; i < PW_DIM_COUNT; i++) {
		const struct pw_dimension *d = &p->dim[i];

		jw_key(w, dim_names[i]);
		jw_obj_begin(w);
		jw_kv_str(w, "state", pw_dim_state_name(d->state));
		jw_key(w, d->state == PW_DIM_NA ? "reason" : "evidence");
		jw_str(w, d->state == PW_DIM_NA ? d->reason : d->evidence);
		jw_obj_end(w);
	}
	jw_obj_end(w);
	jw_obj_end(w);
}

void pw_posture_print(FILE *f, const struct pw_posture *p)
{
	int i, n = 0;

	fprintf(f, "pid %d: %s", (int)p->pid, pw_posture_mode_name(p->mode));
	for (i = 0; i < PW_DIM_COUNT; i++)
		if (p->dim[i].state == PW_DIM_RELAXED)
			fprintf(f, "%s%s", n++ ? ", " : " (relaxed: ", dim_names[i]);
	fprintf(f, "%s\n", n ? ")" : "");
	for (i = 0; i < PW_DIM_COUNT; i++) {
		const struct pw_dimension *d = &p->dim[i];

		fprintf(f, "  %-18s %-8s %s\n", dim_names[i], pw_dim_state_name(d->state),
			d->state == PW_DIM_NA ? d->reason : d->evidence);
	}
}
