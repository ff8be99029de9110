// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Sinks without a network: SPEC parsing with its exact messages, the
 * severity filter, the queue's drop policy with exact counts, the file sink
 * (mode, append, rotation, reopen after an external mv, symlink refusal)
 * and the RFC 5424 frame.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>
#include "sinks/sink_int.h"
#include "sinks/sinks.h"

static char dir[] = "/tmp/pw-sinks-unit.XXXXXX";

static int setup(void **state)
{
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

static void test_good_specs(void **state)
{
	static const char *const good[] = {
		"stdout",
		"stdout,min=high",
		"file:/var/log/privwatch.json",
		"file,min=critical,max=10M,keep=3:/var/log/a:b,c=d.json",
		"file,max=0:rel/path",
		"syslog",
		"syslog,facility=local0,min=medium",
		"syslog:udp:127.0.0.1:514",
		"syslog,queue=5:tcp:[::1]:6514",
		"syslog:unix:/run/systemd/journal/syslog",
		"tcp:siem.example.com:9000",
		"tcp,queue=1:127.0.0.1:1",
		"unix:/run/fluent.sock",
		"tls:siem.example.com:6514",
		"tls,ca=/etc/pw/ca.pem,cert=/etc/pw/c.pem,key=/etc/pw/c.key,name=siem:10.0.0.5:1",
		"syslog:tls:[::1]:6514",
		"syslog,facility=local3,ca=/ca.pem,min=high:tls:siem:6514",
		"file,format=ecs:/var/log/privwatch.ecs.json",
		"tcp,format=native,min=high:10.0.0.7:5170",
		"http:http://127.0.0.1:8080/hook",
		"http,preset=splunk,token=abc-123,index=sec,batch=100:https://splunk:8088/services/collector/event",
		"http,preset=elastic,ca=/ca.pem,format=ecs:https://es:9200/_bulk",
	};
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct pw_sinks *s = pw_sinks_new();
		char err[256] = "";

		if (pw_sinks_add(s, good[i], err, sizeof(err)))
			fail_msg("%s refused: %s", good[i], err);
		assert_int_equal(pw_sinks_count(s), 1);
		pw_sinks_close(s, 0);
	}
}

static void test_bad_specs_say_what_is_wrong(void **state)
{
	static const char *const bad[][2] = {
		{ "", "output '': no sink kind (stdout, file, syslog, tcp, tls, unix or http)" },
		{ "stdot", "output 'stdot': unknown sink kind 'stdot' (stdout, file, syslog, tcp, "
			   "tls, unix or http)" },
		{ "http", "output 'http': http needs a URL (http:http://HOST:PORT/PATH or "
			  "http:https://...)" },
		{ "http:ftp://x/",
		  "output 'http:ftp://x/': http needs a URL (http:http://HOST:PORT/"
		  "PATH or http:https://...)" },
		{ "http,preset=kafka:http://h/",
		  "output 'http,preset=kafka:http://h/': unknown preset 'kafka' (webhook, splunk, "
		  "elastic)" },
		{ "http,batch=0:http://h/",
		  "output 'http,batch=0:http://h/': batch '0' is not a number from 1 to 100000" },
		{ "http,token=a b:http://h/",
		  "output 'http,token=a b:http://h/': option 'token': no quotes, backslashes, "
		  "spaces or control characters" },
		{ "tcp,preset=splunk:h:1",
		  "output 'tcp,preset=splunk:h:1': option 'preset' applies to http only" },
		{ "stdout:x", "output 'stdout:x': stdout takes no address" },
		{ "file", "output 'file': file needs a path (file:PATH)" },
		{ "file:", "output 'file:': file needs a path (file:PATH)" },
		{ "file,min=urgent:/x", "output 'file,min=urgent:/x': unknown severity 'urgent' "
					"(info, low, medium, high, critical)" },
		{ "file,max=10X:/x", "output 'file,max=10X:/x': max '10X' is not a size (bytes, or "
				     "a number with K, M or G)" },
		{ "file,keep=0:/x",
		  "output 'file,keep=0:/x': keep '0' is not a number from 1 to 1000" },
		{ "file,queue=5:/x", "output 'file,queue=5:/x': option 'queue' applies to network "
				     "and syslog sinks only" },
		{ "file,rotate:/x", "output 'file,rotate:/x': option 'rotate' is not KEY=VALUE" },
		{ "file,color=red:/x",
		  "output 'file,color=red:/x': unknown option 'color' (min, "
		  "format, max, keep, queue, facility, ca, cert, key, name, preset, token, "
		  "index, batch)" },
		{ "file,format=json:/x",
		  "output 'file,format=json:/x': unknown format 'json' (native, ecs)" },
		{ "tcp,max=1M:h:1", "output 'tcp,max=1M:h:1': option 'max' applies to file only" },
		{ "tcp", "output 'tcp': tcp needs an address (tcp:HOST:PORT)" },
		{ "tcp:localhost", "output 'tcp:localhost': expected HOST:PORT, got 'localhost'" },
		{ "tcp::514", "output 'tcp::514': no host before the port" },
		{ "tcp:h:0", "output 'tcp:h:0': port '0' is not a number from 1 to 65535" },
		{ "tcp:h:70000",
		  "output 'tcp:h:70000': port '70000' is not a number from 1 to 65535" },
		{ "tcp:h:syslog",
		  "output 'tcp:h:syslog': port 'syslog' is not a number from 1 to 65535" },
		{ "tcp:[::1]514",
		  "output 'tcp:[::1]514': expected [ADDRESS]:PORT, got '[::1]514'" },
		{ "unix", "output 'unix': unix needs a path (unix:PATH)" },
		{ "syslog:relp:h:1", "output 'syslog:relp:h:1': syslog takes nothing, "
				     "udp:HOST:PORT, tcp:HOST:PORT, tls:HOST:PORT or unix:PATH" },
		{ "tls", "output 'tls': tls needs an address (tls:HOST:PORT)" },
		{ "tls:siem", "output 'tls:siem': expected HOST:PORT, got 'siem'" },
		{ "tcp,ca=/ca.pem:h:1",
		  "output 'tcp,ca=/ca.pem:h:1': option 'ca' applies to tls and syslog:tls only" },
		{ "syslog,name=x:tcp:h:1",
		  "output 'syslog,name=x:tcp:h:1': option 'name' applies to tls and syslog:tls only" },
		{ "file,cert=/c.pem:/x",
		  "output 'file,cert=/c.pem:/x': option 'cert' applies to tls and syslog:tls only" },
		{ "tls,key=/k.pem:h:1", "output 'tls,key=/k.pem:h:1': key= without cert=" },
		{ "tls,ca=:h:1", "output 'tls,ca=:h:1': option 'ca' needs a value" },
		{ "syslog,facility=kern", "output 'syslog,facility=kern': unknown facility 'kern' "
					  "(daemon, user, local0 ... local7)" },
		{ "tcp,facility=user:h:1",
		  "output 'tcp,facility=user:h:1': option 'facility' applies to syslog only" },
		{ "syslog,queue=0:udp:h:1",
		  "output 'syslog,queue=0:udp:h:1': queue '0' is not a number from 1 to 10000000" },
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct pw_sinks *s = pw_sinks_new();
		char err[256] = "";

		if (!pw_sinks_add(s, bad[i][0], err, sizeof(err)))
			fail_msg("'%s' accepted", bad[i][0]);
		assert_string_equal(err, bad[i][1]);
		assert_int_equal(pw_sinks_count(s), 0);
		pw_sinks_close(s, 0);
	}
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, n + 1);
	assert_int_equal(fread(buf, 1, n, f), n);
	fclose(f);
	if (len)
		*len = n;
	return buf;
}

static struct pw_sinks *one_sink(const char *spec)
{
	struct pw_sinks *s = pw_sinks_new();
	char err[256];

	if (pw_sinks_add(s, spec, err, sizeof(err)))
		fail_msg("%s", err);
	return s;
}

static void test_severity_filter(void **state)
{
	char path[256], spec[300], line[64], *got;
	struct pw_sink_stats st;
	struct pw_sinks *s;
	char err[256];
	int sev;

	snprintf(path, sizeof(path), "%s/filter.json", dir);
	snprintf(spec, sizeof(spec), "file,min=high:%s", path);
	s = one_sink(spec);
	assert_int_equal(pw_sinks_start(s, err, sizeof(err)), 0);
	for (sev = PW_SEV_INFO; sev <= PW_SEV_CRITICAL; sev++) {
		snprintf(line, sizeof(line), "{\"alert\":\"%s\"}\n", pw_severity_name(sev));
		pw_sinks_write(s, line, strlen(line), PW_REC_ALERT, sev);
	}
	/* Meta and event lines pass whatever their severity argument. */
	pw_sinks_write(s, "{\"meta\":1}\n", 11, PW_REC_META, PW_SEV_INFO);
	pw_sinks_write(s, "{\"event\":1}\n", 12, PW_REC_EVENT, PW_SEV_INFO);
	pw_sinks_write_alert(s, "{\"alert\":\"x\"}\n", 14, PW_SEV_LOW, NULL);
	pw_sinks_stats(s, 0, &st);
	assert_string_equal(st.spec, spec);
	assert_int_equal(st.written, 4);
	assert_int_equal(st.filtered, 4);
	assert_int_equal(st.dropped, 0);
	pw_sinks_close(s, 0);
	got = slurp(path, NULL);
	assert_string_equal(got, "{\"alert\":\"high\"}\n{\"alert\":\"critical\"}\n{\"meta\":1}\n"
				 "{\"event\":1}\n");
	free(got);
}

/* What comes while the agent starts waits for its start record: held in
 * order, the start record goes first, then the held lines; an alert held
 * still meets its sink's severity filter. Held and never replayed (an early
 * exit), the lines are written at close, not lost. */
static void test_hold_until_the_start_record(void **state)
{
	char path[256], spec[300], err[256], *got;
	struct pw_sinks *s;

	snprintf(path, sizeof(path), "%s/hold.json", dir);
	snprintf(spec, sizeof(spec), "file,min=medium:%s", path);
	s = one_sink(spec);
	assert_int_equal(pw_sinks_start(s, err, sizeof(err)), 0);
	pw_sinks_hold(s, 1);
	pw_sinks_write_alert(s, "{\"alert\":1}\n", 12, PW_SEV_HIGH, NULL);
	pw_sinks_write(s, "{\"event\":1}\n", 12, PW_REC_EVENT, PW_SEV_INFO);
	pw_sinks_write_alert(s, "{\"alert\":\"low\"}\n", 16, PW_SEV_LOW, NULL);
	got = slurp(path, NULL);
	assert_string_equal(got, "");
	free(got);
	pw_sinks_hold(s, 0);
	pw_sinks_write(s, "{\"start\":1}\n", 12, PW_REC_META, PW_SEV_INFO);
	pw_sinks_replay(s);
	pw_sinks_write(s, "{\"event\":2}\n", 12, PW_REC_EVENT, PW_SEV_INFO);
	pw_sinks_close(s, 0);
	got = slurp(path, NULL);
	assert_string_equal(got, "{\"start\":1}\n{\"alert\":1}\n{\"event\":1}\n{\"event\":2}\n");
	free(got);

	snprintf(path, sizeof(path), "%s/hold-exit.json", dir);
	snprintf(spec, sizeof(spec), "file:%s", path);
	s = one_sink(spec);
	assert_int_equal(pw_sinks_start(s, err, sizeof(err)), 0);
	pw_sinks_hold(s, 1);
	pw_sinks_write(s, "{\"event\":1}\n", 12, PW_REC_EVENT, PW_SEV_INFO);
	pw_sinks_close(s, 0);
	got = slurp(path, NULL);
	assert_string_equal(got, "{\"event\":1}\n");
	free(got);
}

/* One destination, one sink: --output stdout --output stdout is refused. */
static void test_same_destination_twice(void **state)
{
	static const char *const pairs[][2] = {
		{ "stdout", "stdout,min=high" },
		{ "file:/var/log/a.json", "file,format=ecs:/var/log/a.json" },
		{ "tcp:h:5170", "tls,ca=/ca.pem:h:5170" },
		{ "syslog", "syslog:unix:/dev/log" },
		{ "http:http://h/x", "http,preset=splunk:http://h/x" },
	};
	static const char *const fine[][2] = {
		{ "file:/var/log/a.json", "file:/var/log/b.json" },
		{ "tcp:h:5170", "tcp:h:5171" },
		{ "syslog:udp:h:514", "syslog:tcp:h:514" },
	};
	char err[256], want[300];
	struct pw_sinks *s;
	size_t i;

	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		s = pw_sinks_new();
		assert_int_equal(pw_sinks_add(s, pairs[i][0], err, sizeof(err)), 0);
		assert_int_equal(pw_sinks_add(s, pairs[i][1], err, sizeof(err)), -1);
		snprintf(want, sizeof(want),
			 "output '%s': the same destination as output '%s': every line would go "
			 "there twice",
			 pairs[i][1], pairs[i][0]);
		assert_string_equal(err, want);
		assert_int_equal(pw_sinks_count(s), 1);
		pw_sinks_close(s, 0);
	}
	for (i = 0; i < sizeof(fine) / sizeof(fine[0]); i++) {
		s = pw_sinks_new();
		assert_int_equal(pw_sinks_add(s, fine[i][0], err, sizeof(err)), 0);
		assert_int_equal(pw_sinks_add(s, fine[i][1], err, sizeof(err)), 0);
		pw_sinks_close(s, 0);
	}
}

/* format=: each rendering reaches only the sinks of its format; sinks
 * without format= follow the default (the run's --format). */
static void test_per_sink_format(void **state)
{
	char native[256], ecs[256], spec_n[300], spec_e[300], err[256], *got;
	const char *specs[2] = { spec_n, spec_e };
	struct pw_sink_stats st;
	struct pw_sinks *s = pw_sinks_new();
	size_t i;

	snprintf(native, sizeof(native), "%s/fmt-native.json", dir);
	snprintf(ecs, sizeof(ecs), "%s/fmt-ecs.json", dir);
	snprintf(spec_n, sizeof(spec_n), "file:%s", native);
	snprintf(spec_e, sizeof(spec_e), "file,format=ecs:%s", ecs);
	for (i = 0; i < 2; i++)
		assert_int_equal(pw_sinks_add(s, specs[i], err, sizeof(err)), 0);
	assert_int_equal(pw_sinks_start(s, err, sizeof(err)), 0);
	assert_int_equal(pw_sinks_formats(s),
			 PW_SINK_FMT_BIT(PW_SINK_FMT_NATIVE) | PW_SINK_FMT_BIT(PW_SINK_FMT_ECS));
	pw_sinks_write_fmt(s, PW_SINK_FMT_NATIVE, "{\"n\":1}\n", 8, PW_REC_META, PW_SEV_INFO);
	pw_sinks_write_fmt(s, PW_SINK_FMT_ECS, "{\"e\":1}\n", 8, PW_REC_META, PW_SEV_INFO);
	pw_sinks_write_alert_fmt(s, PW_SINK_FMT_ECS, "{\"e\":2}\n", 8, PW_SEV_HIGH, NULL);
	pw_sinks_stats(s, 0, &st);
	assert_string_equal(st.format, "native");
	assert_int_equal(st.written, 1);
	assert_int_equal(st.filtered, 0); /* another format's line is not a filtered one */
	pw_sinks_stats(s, 1, &st);
	assert_string_equal(st.format, "ecs");
	assert_int_equal(st.written, 2);
	/* The default turned to ECS: both sinks want ECS only. */
	pw_sinks_set_default_format(s, PW_SINK_FMT_ECS);
	assert_int_equal(pw_sinks_formats(s), PW_SINK_FMT_BIT(PW_SINK_FMT_ECS));
	pw_sinks_write_fmt(s, PW_SINK_FMT_ECS, "{\"e\":3}\n", 8, PW_REC_META, PW_SEV_INFO);
	pw_sinks_close(s, 0);
	got = slurp(native, NULL);
	assert_string_equal(got, "{\"n\":1}\n{\"e\":3}\n");
	free(got);
	got = slurp(ecs, NULL);
	assert_string_equal(got, "{\"e\":1}\n{\"e\":2}\n{\"e\":3}\n");
	free(got);
}

static struct pw_qent *qe(int n, int crit)
{
	struct pw_qent *e = malloc(sizeof(*e) + 16);

	e->len = snprintf(e->data, 16, "%c%d", crit ? 'C' : 'n', n);
	e->crit = crit;
	return e;
}

static void expect_pops(struct pw_queue *q, const char *want)
{
	char got[256] = "";
	struct pw_qent *e;

	while ((e = pw_queue_pop(q))) {
		strncat(got, e->data, e->len);
		strcat(got, " ");
		free(e);
	}
	assert_string_equal(got, want);
}

/* Oldest non-critical first; a critical only when nothing else is queued. */
static void test_queue_drops_oldest_non_critical_first(void **state)
{
	struct pw_queue q;

	pw_queue_init(&q, 4, 1 << 20);
	assert_int_equal(pw_queue_push(&q, qe(1, 0)), 0);
	assert_int_equal(pw_queue_push(&q, qe(2, 1)), 0);
	assert_int_equal(pw_queue_push(&q, qe(3, 0)), 0);
	assert_int_equal(pw_queue_push(&q, qe(4, 1)), 0);
	assert_int_equal(pw_queue_push(&q, qe(5, 0)), 1); /* n1 goes */
	assert_int_equal(pw_queue_push(&q, qe(6, 1)), 1); /* n3 goes */
	assert_int_equal(q.count, 4);
	expect_pops(&q, "C2 C4 n5 C6 ");

	/* All critical: a new non-critical line is the one dropped ... */
	pw_queue_push(&q, qe(1, 1));
	pw_queue_push(&q, qe(2, 1));
	assert_int_equal(pw_queue_push(&q, qe(3, 0)), 0);
	assert_int_equal(pw_queue_push(&q, qe(4, 1)), 0);
	assert_int_equal(pw_queue_push(&q, qe(5, 0)), 1); /* n3 */
	assert_int_equal(pw_queue_push(&q, qe(6, 0)), 1); /* n5 */
	expect_pops(&q, "C1 C2 C4 n6 ");
	pw_queue_push(&q, qe(1, 1));
	pw_queue_push(&q, qe(2, 1));
	pw_queue_push(&q, qe(3, 1));
	pw_queue_push(&q, qe(4, 1));
	assert_int_equal(pw_queue_push(&q, qe(5, 0)), 1); /* ... itself */
	/* ... and a new critical one pushes out the oldest critical. */
	assert_int_equal(pw_queue_push(&q, qe(6, 1)), 1);
	expect_pops(&q, "C2 C3 C4 C6 ");

	/* The byte bound: 3 lines of 2 bytes fit in 6, the 4th drops one. */
	pw_queue_init(&q, 100, 6);
	pw_queue_push(&q, qe(1, 0));
	pw_queue_push(&q, qe(2, 0));
	pw_queue_push(&q, qe(3, 0));
	assert_int_equal(q.bytes, 6);
	assert_int_equal(pw_queue_push(&q, qe(4, 0)), 1);
	expect_pops(&q, "n2 n3 n4 ");
	assert_int_equal(q.bytes, 0);
}

/* Through the public API: a sink not started keeps its queue; close counts
 * what is left as dropped, exactly. */
static void test_queue_counts_through_the_api(void **state)
{
	struct pw_sinks *s = one_sink("tcp,queue=3:127.0.0.1:9");
	struct pw_sink_stats st;
	int i;

	for (i = 0; i < 5; i++)
		pw_sinks_write(s, "{}\n", 3, PW_REC_ALERT, PW_SEV_LOW);
	pw_sinks_write(s, "{}\n", 3, PW_REC_ALERT, PW_SEV_CRITICAL);
	pw_sinks_stats(s, 0, &st);
	assert_int_equal(st.queued, 3);
	assert_int_equal(st.dropped, 3);
	assert_int_equal(st.written, 0);
	assert_int_equal(pw_sinks_dropped(s), 3);
	pw_sinks_close(s, 0);
}

static void test_file_mode_0600_and_append(void **state)
{
	char path[256], spec[300], err[256], *got;
	struct pw_sinks *s;
	struct stat st;
	mode_t old = umask(0);
	FILE *f;

	snprintf(path, sizeof(path), "%s/mode.json", dir);
	snprintf(spec, sizeof(spec), "file:%s", path);
	s = one_sink(spec);
	assert_int_equal(pw_sinks_start(s, err, sizeof(err)), 0);
	umask(old);
	pw_sinks_write(s, "a\n", 2, PW_REC_EVENT, 0);
	pw_sinks_close(s, 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);

	/* Another process appends meanwhile: nothing is overwritten. */
	s = one_sink(spec);
	assert_int_equal(pw_sinks_start(s, err, sizeof(err)), 0);
	f = fopen(path, "a");
	fputs("other\n", f);
	fclose(f);
	pw_sinks_write(s, "b\n", 2, PW_REC_EVENT, 0);
	pw_sinks_close(s, 0);
	got = slurp(path, NULL);
	assert_string_equal(got, "a\nother\nb\n");
	free(got);
}

/* 1000 lines of 100 bytes, max 1K, keep 3: files of 10 lines (1000 bytes,
 * the 11th would pass 1024), PATH and PATH.1..3, nothing beyond. */
/* 1,000 numbered 100-byte lines through max=1K,keep=3: PATH and PATH.1-3
 * hold the last 40, 10 each, newest last; nothing beyond PATH.3. */
static void assert_rotated_burst(const char *path)
{
	char name[300], line[101], *got;
	size_t len;
	int i;

	for (i = 0; i <= 3; i++) {
		if (i)
			snprintf(name, sizeof(name), "%s.%d", path, i);
		else
			snprintf(name, sizeof(name), "%s", path);
		got = slurp(name, &len);
		assert_non_null(got);
		assert_int_equal(len, 1000);
		/* newest last: PATH ends with line 999, PATH.1 with 989 ... */
		snprintf(line, sizeof(line), "%-98d\n", 999 - 10 * i);
		assert_memory_equal(got + 900, line, 100);
		free(got);
	}
	snprintf(name, sizeof(name), "%s.4", path);
	assert_int_equal(access(name, F_OK), -1);
}

static void test_file_rotation_under_a_burst(void **state)
{
	char path[256], spec[300], err[256], line[101];
	struct pw_sink_stats st;
	struct pw_sinks *s;
	int i;

	snprintf(path, sizeof(path), "%s/rot.json", dir);
	snprintf(spec, sizeof(spec), "file,max=1K,keep=3:%s", path);
	s = one_sink(spec);
	assert_int_equal(pw_sinks_start(s, err, sizeof(err)), 0);
	for (i = 0; i < 1000; i++) {
		snprintf(line, sizeof(line), "%-98d\n", i);
		pw_sinks_write(s, line, 100, PW_REC_EVENT, 0);
	}
	pw_sinks_stats(s, 0, &st);
	assert_int_equal(st.written, 1000);
	assert_int_equal(st.dropped, 0);
	pw_sinks_close(s, 0);
	assert_rotated_burst(path);
}

/* Batching (privwatch run): lines reach the file at the flush, counted
 * then; rotation still puts every line whole in the file it belongs to. */
static void test_file_batching(void **state)
{
	char path[256], spec[300], err[256], line[101], *got;
	struct pw_sink_stats st;
	struct pw_sinks *s;
	size_t len;
	int i;

	snprintf(path, sizeof(path), "%s/batch.json", dir);
	snprintf(spec, sizeof(spec), "file,max=1K,keep=3:%s", path);
	s = one_sink(spec);
	assert_int_equal(pw_sinks_batch(s, 4096), 0);
	assert_int_equal(pw_sinks_start(s, err, sizeof(err)), 0);
	for (i = 0; i < 5; i++) {
		snprintf(line, sizeof(line), "%-98d\n", i);
		pw_sinks_write(s, line, 100, PW_REC_EVENT, 0);
	}
	got = slurp(path, &len);
	assert_int_equal(len, 0); /* gathered, not written yet */
	free(got);
	pw_sinks_stats(s, 0, &st);
	assert_int_equal(st.written, 0);
	pw_sinks_flush(s);
	got = slurp(path, &len);
	assert_int_equal(len, 500);
	free(got);
	pw_sinks_stats(s, 0, &st);
	assert_int_equal(st.written, 5);
	/* The same burst as the rotation test: same files. */
	for (i = 5; i < 1000; i++) {
		snprintf(line, sizeof(line), "%-98d\n", i);
		pw_sinks_write(s, line, 100, PW_REC_EVENT, 0);
	}
	pw_sinks_close(s, 0); /* flushes */
	assert_rotated_burst(path);
}

/* logrotate style: mv the file away, SIGHUP (pw_sinks_reopen): new lines
 * go to a fresh file at the path, the moved one keeps what it had. */
static void test_file_reopen_after_mv(void **state)
{
	char path[256], moved[300], spec[300], err[256], *got;
	struct pw_sinks *s;
	struct stat st;

	snprintf(path, sizeof(path), "%s/reopen.json", dir);
	snprintf(moved, sizeof(moved), "%s.old", path);
	snprintf(spec, sizeof(spec), "file:%s", path);
	s = one_sink(spec);
	assert_int_equal(pw_sinks_start(s, err, sizeof(err)), 0);
	pw_sinks_write(s, "1\n", 2, PW_REC_EVENT, 0);
	assert_int_equal(rename(path, moved), 0);
	pw_sinks_write(s, "2\n", 2, PW_REC_EVENT, 0); /* still the open file */
	pw_sinks_reopen(s);
	pw_sinks_write(s, "3\n", 2, PW_REC_EVENT, 0);
	pw_sinks_close(s, 0);
	got = slurp(moved, NULL);
	assert_string_equal(got, "1\n2\n");
	free(got);
	got = slurp(path, NULL);
	assert_string_equal(got, "3\n");
	free(got);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
}

/* A symlink planted at the path between a mv and the SIGHUP is not
 * followed: lines are counted dropped until the path is clean again. */
static void test_file_reopen_refuses_a_planted_symlink(void **state)
{
	char path[256], moved[300], target[300], spec[300], err[256], *got;
	struct pw_sink_stats st;
	struct pw_sinks *s;

	snprintf(path, sizeof(path), "%s/planted.json", dir);
	snprintf(moved, sizeof(moved), "%s.old", path);
	snprintf(target, sizeof(target), "%s/victim", dir);
	snprintf(spec, sizeof(spec), "file:%s", path);
	s = one_sink(spec);
	assert_int_equal(pw_sinks_start(s, err, sizeof(err)), 0);
	pw_sinks_write(s, "1\n", 2, PW_REC_EVENT, 0);
	assert_int_equal(rename(path, moved), 0);
	assert_int_equal(symlink(target, path), 0);
	pw_sinks_reopen(s);
	pw_sinks_write(s, "2\n", 2, PW_REC_EVENT, 0);
	assert_int_equal(access(target, F_OK), -1);
	assert_int_equal(unlink(path), 0);
	pw_sinks_write(s, "3\n", 2, PW_REC_EVENT, 0);
	pw_sinks_stats(s, 0, &st);
	assert_int_equal(st.written, 2);
	assert_int_equal(st.dropped, 1);
	pw_sinks_close(s, 0);
	got = slurp(path, NULL);
	assert_string_equal(got, "3\n");
	free(got);
}

static void test_file_refuses_a_symlink(void **state)
{
	char path[256], target[300], spec[300], err[512], want[1024];
	struct pw_sinks *s;

	snprintf(path, sizeof(path), "%s/link.json", dir);
	snprintf(target, sizeof(target), "%s/target", dir);
	assert_int_equal(symlink(target, path), 0);
	snprintf(spec, sizeof(spec), "file:%s", path);
	s = one_sink(spec);
	assert_int_equal(pw_sinks_start(s, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "output '%s': %s is a symbolic link: refusing to follow it",
		 spec, path);
	assert_string_equal(err, want);
	pw_sinks_close(s, 0);
	assert_int_equal(access(target, F_OK), -1); /* nothing created through it */
}

/* Start a file sink at path: the error it gives (NULL: it started). */
static const char *start_file(const char *path)
{
	static char err[1024];
	char spec[300];
	struct pw_sinks *s;
	int rc;

	snprintf(spec, sizeof(spec), "file:%s", path);
	s = one_sink(spec);
	rc = pw_sinks_start(s, err, sizeof(err));
	pw_sinks_close(s, 0);
	return rc ? err : NULL;
}

/* A FIFO at the path would block open(2) for good: refused, at once. */
static void test_file_refuses_a_fifo(void **state)
{
	char path[256];
	const char *err;

	snprintf(path, sizeof(path), "%s/fifo.json", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	alarm(5); /* a blocking open fails the test instead of hanging it */
	err = start_file(path);
	alarm(0);
	assert_non_null(err);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "is a FIFO, not a regular file"));
	unlink(path);
}

/* A hard link planted at the path is another file: not appended to. */
static void test_file_refuses_a_hard_link(void **state)
{
	char path[256], other[256], *got;
	const char *err;
	size_t len;
	FILE *f;

	snprintf(other, sizeof(other), "%s/other", dir);
	snprintf(path, sizeof(path), "%s/linked.json", dir);
	f = fopen(other, "we");
	assert_non_null(f);
	fputs("precious\n", f);
	fclose(f);
	assert_int_equal(link(other, path), 0);
	err = start_file(path);
	assert_non_null(err);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "has 2 hard links"));
	got = slurp(other, &len);
	assert_string_equal(got, "precious\n");
	free(got);
	unlink(path);
	unlink(other);
}

/* Someone else's file, or a directory others may write: refused. */
static void test_file_refuses_foreign_owner_and_open_directory(void **state)
{
	char path[256], sub[256];
	const char *err;
	int fd;

	snprintf(path, sizeof(path), "%s/foreign.json", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	close(fd);
	if (geteuid() == 0) {
		assert_int_equal(chown(path, 4242, 4242), 0);
		err = start_file(path);
		assert_non_null(err);
		assert_non_null(strstr(err, "is owned by uid 4242"));
	}
	unlink(path);

	snprintf(sub, sizeof(sub), "%s/shared", dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	assert_int_equal(chmod(sub, 01777), 0);
	snprintf(path, sizeof(path), "%s/alerts.json", sub);
	err = start_file(path);
	assert_non_null(err);
	assert_non_null(strstr(err, "the directory"));
	assert_non_null(strstr(err, "may be written by others"));
	assert_int_equal(access(path, F_OK), -1); /* nothing created there */
	assert_int_equal(chmod(sub, 0770), 0);
	err = start_file(path);
	assert_non_null(err); /* group-writable too */
	assert_int_equal(chmod(sub, 0755), 0);
	assert_null(start_file(path));
	unlink(path);
	rmdir(sub);
}

static struct pw_sink *syslog_sink(const char *spec)
{
	static struct pw_sinks *s;
	char err[256];

	if (s)
		pw_sinks_close(s, 0);
	s = pw_sinks_new();
	if (pw_sinks_add(s, spec, err, sizeof(err)))
		fail_msg("%s", err);
	return pw_sinks_get(s, 0);
}

/* <PRI>1 TIMESTAMP HOST APP PROCID MSGID [SD] MSG, SD values escaped. */
static void test_syslog_frame(void **state)
{
	const char line[] = "{\"rule\":{\"id\":\"PW-1\"}}\n";
	struct pw_alert_attrs a = { .rule_id = "PW-\"1]\\", .container_id = "abc" };
	struct pw_sink *k = syslog_sink("syslog:udp:127.0.0.1:514");
	char host[256], want[1024], *p;
	struct pw_qent *e;

	gethostname(host, sizeof(host));
	e = pw_syslog_frame(k, line, sizeof(line) - 1, PW_REC_ALERT, PW_SEV_HIGH, &a);
	e->data[e->len] = 0;
	/* daemon (3) * 8 + high (3) */
	assert_memory_equal(e->data, "<27>1 20", 8);
	assert_int_equal(e->data[32], 'Z'); /* 2026-11-29T11:15:00.123456Z */
	p = e->data + 34;
	snprintf(want, sizeof(want),
		 "%s privwatch %d alert [privwatch@32473 rule=\"PW-\\\"1\\]\\\\\" "
		 "container=\"abc\"] {\"rule\":{\"id\":\"PW-1\"}}",
		 host, (int)getpid());
	assert_string_equal(p, want);
	assert_false(e->crit);
	free(e);

	/* TCP: octet-counted; meta lines: info, no structured data, critical class. */
	k = syslog_sink("syslog,facility=local0:tcp:127.0.0.1:514");
	e = pw_syslog_frame(k, "{}\n", 3, PW_REC_META, PW_SEV_INFO, NULL);
	e->data[e->len] = 0;
	p = strchr(e->data, ' ');
	assert_int_equal(atoi(e->data), e->len - (p + 1 - e->data));
	assert_memory_equal(p + 1, "<134>1 ", 7);
	assert_non_null(strstr(p, " meta - {}"));
	assert_int_equal(e->data[e->len - 1], '}');
	assert_true(e->crit);
	free(e);
	syslog_sink("stdout");
}

static void test_attrs_from_json(void **state)
{
	const char l1[] =
		"{\"schema\":\"privwatch.alert/1\",\"rule\":{\"id\":\"PW-0007\",\"title\":"
		"\"x\"},\"container\":{\"id\":\"0123abcd\",\"name\":\"web\"}}";
	const char l2[] = "{\"rule\":{\"id\":\"PW-0001\"},\"container\":null}";
	struct pw_alert_attrs a;
	char buf[256];

	pw_alert_attrs_from_json(l1, strlen(l1), &a, buf, sizeof(buf));
	assert_string_equal(a.rule_id, "PW-0007");
	assert_string_equal(a.container_id, "0123abcd");
	pw_alert_attrs_from_json(l2, strlen(l2), &a, buf, sizeof(buf));
	assert_string_equal(a.rule_id, "PW-0001");
	assert_null(a.container_id);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_specs),
		cmocka_unit_test(test_bad_specs_say_what_is_wrong),
		cmocka_unit_test(test_severity_filter),
		cmocka_unit_test(test_hold_until_the_start_record),
		cmocka_unit_test(test_per_sink_format),
		cmocka_unit_test(test_same_destination_twice),
		cmocka_unit_test(test_queue_drops_oldest_non_critical_first),
		cmocka_unit_test(test_queue_counts_through_the_api),
		cmocka_unit_test(test_file_mode_0600_and_append),
		cmocka_unit_test(test_file_rotation_under_a_burst),
		cmocka_unit_test(test_file_batching),
		cmocka_unit_test(test_file_reopen_after_mv),
		cmocka_unit_test(test_file_reopen_refuses_a_planted_symlink),
		cmocka_unit_test(test_file_refuses_a_symlink),
		cmocka_unit_test(test_file_refuses_a_fifo),
		cmocka_unit_test(test_file_refuses_a_hard_link),
		cmocka_unit_test(test_file_refuses_foreign_owner_and_open_directory),
		cmocka_unit_test(test_syslog_frame),
		cmocka_unit_test(test_attrs_from_json),
	};

	return cmocka_run_group_tests_name("unit: sinks", tests, setup, teardown);
}
