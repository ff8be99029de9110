/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Names and small writers shared by the two alert encoders (alert_json.c,
 * alert_ecs.c), so the native and ECS lines never disagree on a value.
 * Own tables rather than event_view.c's: the encoders must not depend on
 * the view decoder to print what a view already holds.
 */
#ifndef PW_ALERT_FIELDS_H
#define PW_ALERT_FIELDS_H

#include <stdint.h>
#include "alerts/alert.h"

const char *pw_alert_mode_name(enum pw_view_mode m); /* "default" ... "unknown" */
/* "entrypoint", "exec", "unknown": the container's process tree (pw_view_session) */
const char *pw_alert_session_name(enum pw_view_session s);
/* {pid, started}: the exec session's first process and when it began */
void pw_alert_write_exec_session(struct jsonw *w, const struct pw_view_process *p);
const char *pw_alert_phase_name(enum pw_view_phase p);	 /* "setup", "started", NULL */
const char *pw_alert_result_name(enum pw_view_result r); /* NULL for PW_RESULT_NONE */
const char *pw_alert_access_name(uint32_t access);	 /* "read", "write", "read_write", NULL */
/* "disabled", "strict", "filter", "unknown" */
const char *pw_alert_seccomp_mode_name(uint32_t mode);
const char *pw_alert_kind_name(const struct pw_view *v); /* v->kind_name, "unknown" if empty */
/* key: the string, or null when NULL or "". */
/* The kind's own members: device, capability, namespace, mount, seccomp.
 * omit_empty: empty strings left out (ECS) instead of null (native). */
void pw_alert_write_details(struct jsonw *w, const struct pw_view *v, int omit_empty);
/* "namespace": {"op", "types": [...]} of a namespace event. */
void pw_alert_write_namespace(struct jsonw *w, const struct pw_view *v);
void pw_alert_str_or_null(struct jsonw *w, const char *key, const char *s);
/* The view's argv (NUL-separated, the last possibly cut short) as array members. */
void pw_alert_write_argv(struct jsonw *w, const struct pw_view_process *p);
/* Relaxed posture dimension names, one array member each. */
void pw_alert_write_relaxed(struct jsonw *w, uint32_t relaxed);
/* The measured posture's members beyond mode and relaxed: pss, host_namespaces,
 * capabilities_added, capabilities_dangerous, host_mounts, uid. Not measured:
 * null and empty arrays (native), nothing at all (omit_empty, ECS). */
void pw_alert_write_posture(struct jsonw *w, const struct pw_view_container *c, int omit_empty);
/* "container": {...} as alerts write it (null when c is NULL). */
void pw_alert_write_container(struct jsonw *w, const struct pw_view_container *c);
/* "CAP_SYS_ADMIN", or the number as a string when this build has no name. */
void pw_alert_write_cap(struct jsonw *w, const struct pw_view *v);

#endif
