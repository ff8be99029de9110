/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Alert severities, ordered: a sink's filter keeps alerts at or above its minimum. */
#ifndef PW_SEVERITY_H
#define PW_SEVERITY_H

enum pw_severity {
	PW_SEV_INFO = 0,
	PW_SEV_LOW,
	PW_SEV_MEDIUM,
	PW_SEV_HIGH,
	PW_SEV_CRITICAL,
	PW_SEV_COUNT,
};

const char *pw_severity_name(enum pw_severity s); /* "info" ... "critical" */
/* 0 and *out set, or -1 if name is not one of the five names. */
int pw_severity_parse(const char *name, enum pw_severity *out);
/* RFC 5424 severity for syslog: critical 2, high 3, medium 4, low 5, info 6. */
int pw_severity_syslog(enum pw_severity s);

#endif
