// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The RFC 5424 message for one line:
 *   <PRI>1 TIMESTAMP HOST privwatch PROCID MSGID [privwatch@32473 rule=".." container=".."] JSON
 * MSGID is alert, event or meta; the structured data lets a collector route
 * on the rule and container without parsing the JSON; the JSON line (its
 * newline cut) is the message, unchanged. 32473 is the private enterprise
 * number RFC 5612 sets aside for examples: privwatch has none of its own.
 * Over TCP the message is octet-counted (RFC 6587 3.4.1: "LEN SP MSG"), so
 * a newline inside it could never split it.
 */
#define _GNU_SOURCE /* POLLRDHUP, memmem */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "sinks/sink_int.h"

#define SD_ID "privwatch@32473"

/* PARAM-VALUE escapes (RFC 5424 6.3.3): '"', '\' and ']'. At most 2*n. */
static size_t sd_escape(char *out, const char *s, size_t max)
{
	size_t o = 0;

	for (; *s && max; s++, max--) {
		if (*s == '"' || *s == '\\' || *s == ']')
			out[o++] = '\\';
		out[o++] = *s;
	}
	return o;
}

static char host[256];
static pthread_once_t host_once = PTHREAD_ONCE_INIT;

static void host_init(void)
{
	char *p;

	/* HOSTNAME is PRINTUSASCII without spaces, 255 at most. */
	if (gethostname(host, sizeof(host) - 1) || !host[0])
		strcpy(host, "-");
	for (p = host; *p; p++)
		if (*p <= 32 || *p >= 127)
			*p = '_';
}

static const char *host_name(void)
{
	pthread_once(&host_once, host_init);
	return host;
}

struct pw_qent *pw_syslog_frame(const struct pw_sink *k, const char *line, size_t len,
				enum pw_record_class cls, enum pw_severity sev,
				const struct pw_alert_attrs *attrs)
{
	static const char *const msgid[] = {
		[PW_REC_ALERT] = "alert", [PW_REC_META] = "meta", [PW_REC_EVENT] = "event"
	};
	char hdr[512 + 2 * 256 + 2 * 128], ts[40];
	struct timespec now;
	struct tm tm;
	size_t h, total;
	struct pw_qent *e;
	char *p;
	int pri, n;

	if (len && line[len - 1] == '\n')
		len--;
	pri = k->syslog_facility * 8 + (cls == PW_REC_ALERT ? pw_severity_syslog(sev) : 6);
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	n = strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(ts + n, sizeof(ts) - n, ".%06ldZ", now.tv_nsec / 1000);

	h = snprintf(hdr, 512, "<%d>1 %s %s privwatch %d %s ", pri, ts, host_name(), (int)getpid(),
		     msgid[cls]);
	if (h >= 512)
		h = 511;
	if (cls == PW_REC_ALERT && attrs && (attrs->rule_id || attrs->container_id)) {
		/* Ids are short; longer ones are cut rather than let them grow the header. */
		h += sprintf(hdr + h, "[" SD_ID);
		if (attrs->rule_id) {
			h += sprintf(hdr + h, " rule=\"");
			h += sd_escape(hdr + h, attrs->rule_id, 128);
			hdr[h++] = '"';
		}
		if (attrs->container_id) {
			h += sprintf(hdr + h, " container=\"");
			h += sd_escape(hdr + h, attrs->container_id, 128);
			hdr[h++] = '"';
		}
		hdr[h++] = ']';
		hdr[h++] = ' ';
	} else {
		h += sprintf(hdr + h, "- ");
	}

	total = h + len;
	e = malloc(sizeof(*e) + total + 24);
	if (!e)
		return NULL;
	p = e->data;
	if (k->kind == PW_SINK_SYSLOG_TCP)
		p += sprintf(p, "%zu ", total);
	memcpy(p, hdr, h);
	memcpy(p + h, line, len);
	e->len = p + total - e->data;
	e->crit = cls == PW_REC_META || (cls == PW_REC_ALERT && sev == PW_SEV_CRITICAL);
	return e;
}

/* The string value after key in line, up to its closing quote, copied into
 * buf; JSON escapes are left as they are (ids are plain ASCII). */
static const char *find_str(const char *line, size_t len, const char *key, char *buf, size_t buflen)
{
	const char *p = memmem(line, len, key, strlen(key)), *end = line + len, *q;
	size_t n;

	if (!p)
		return NULL;
	p += strlen(key);
	for (q = p; q < end && *q != '"'; q++)
		if (*q == '\\' && q + 1 < end)
			q++;
	if (q >= end)
		return NULL;
	n = q - p;
	if (n >= buflen)
		n = buflen - 1;
	memcpy(buf, p, n);
	buf[n] = 0;
	return buf;
}

void pw_alert_attrs_from_json(const char *line, size_t len, struct pw_alert_attrs *a, char *buf,
			      size_t buflen)
{
	size_t half = buflen / 2;

	a->rule_id = find_str(line, len, "\"rule\":{\"id\":\"", buf, half);
	a->container_id = find_str(line, len, "\"container\":{\"id\":\"", buf + half, half);
}
