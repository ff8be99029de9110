// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The http sink against a real receiver (tests/lib/http-recv.py, Python's
 * http.server): the body and headers of each preset (webhook, Splunk HEC,
 * Elasticsearch _bulk), batching, retry with backoff after 503s, a batch
 * refused (400) and _bulk's refused records counted dropped, a dead
 * receiver costing the stop deadline only, and privwatch run's records
 * through it.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <jansson.h>
#include "harness.h"
#include "sinks/sinks.h"

static char dir[PATH_MAX], outf[PATH_MAX + 16];
static pid_t recv_pid;
static int recv_port;

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/pw-cli-http-sink.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(outf, sizeof(outf), "%s/requests.json", dir);
	return 0;
}

static int teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

static void receiver_stop(void)
{
	if (recv_pid > 0) {
		kill(recv_pid, SIGTERM);
		waitpid(recv_pid, NULL, 0);
	}
	recv_pid = 0;
}

/* Start the receiver in mode, failing the first fail requests with 503;
 * its port is in a file once it listens. */
static void receiver_start(const char *mode, int fail)
{
	char fail_s[16], portf[PATH_MAX + 16], port_s[16] = "";
	int i, fd;
	ssize_t n = 0;

	unlink(outf);
	snprintf(portf, sizeof(portf), "%s/port", dir);
	unlink(portf);
	snprintf(fail_s, sizeof(fail_s), "%d", fail);
	recv_pid = fork();
	assert_true(recv_pid >= 0);
	if (!recv_pid) {
		execl("/usr/bin/python3", "python3", "tests/lib/http-recv.py", outf, mode, fail_s,
		      portf, (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 1000 && n <= 0; i++) { /* 10 s, a hang bound only */
		fd = open(portf, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			n = read(fd, port_s, sizeof(port_s) - 1);
			close(fd);
		}
		if (n <= 0)
			usleep(10000);
	}
	assert_true(n > 0);
	port_s[n] = '\0';
	recv_port = atoi(port_s);
	assert_true(recv_port > 0);
}

static struct pw_sinks *sink(const char *opts, const char *path)
{
	struct pw_sinks *s = pw_sinks_new();
	char spec[512], err[512];

	snprintf(spec, sizeof(spec), "http%s:http://127.0.0.1:%d%s", opts, recv_port, path);
	if (pw_sinks_add(s, spec, err, sizeof(err)) || pw_sinks_start(s, err, sizeof(err)))
		fail_msg("%s: %s", spec, err);
	return s;
}

static void write_records(struct pw_sinks *s, int n)
{
	char line[128];
	int i;

	for (i = 0; i < n; i++) {
		snprintf(
			line, sizeof(line),
			"{\"schema\":\"privwatch.alert/1\",\"rule\":{\"id\":\"PW-0105\"},\"n\":%d}\n",
			i);
		pw_sinks_write(s, line, strlen(line), PW_REC_ALERT, PW_SEV_HIGH);
	}
}

/* The requests the receiver saw, as an array of objects. */
static json_t *requests(void)
{
	json_t *all = json_array(), *j;
	char *line = NULL;
	size_t cap = 0;
	FILE *f = fopen(outf, "r");

	if (!f)
		return all;
	while (getline(&line, &cap, f) > 0) {
		j = json_loads(line, 0, NULL);
		assert_non_null(j);
		json_array_append_new(all, j);
	}
	free(line);
	fclose(f);
	return all;
}

static const char *req_str(json_t *r, const char *key)
{
	return json_string_value(json_object_get(r, key));
}

/* The records of one body, by preset, appended to recs; checks the framing. */
static void body_records(const char *preset, const char *body, json_t *recs)
{
	json_error_t e;
	json_t *j;
	size_t i, off = 0, len = strlen(body);

	if (!strcmp(preset, "webhook")) {
		j = json_loads(body, 0, &e);
		if (!json_is_array(j))
			fail_msg("webhook body not a JSON array: %s", body);
		json_array_extend(recs, j);
		json_decref(j);
	} else if (!strcmp(preset, "splunk")) {
		/* HEC: event objects one after another */
		while (off < len) {
			while (off < len && (body[off] == '\n' || body[off] == ' '))
				off++;
			if (off == len)
				break;
			j = json_loadb(body + off, len - off, JSON_DISABLE_EOF_CHECK, &e);
			if (!j)
				fail_msg("HEC body: %s at %zu: %s", e.text, off, body);
			off += e.position;
			assert_string_equal(json_string_value(json_object_get(j, "sourcetype")),
					    "privwatch");
			assert_string_equal(json_string_value(json_object_get(j, "index")), "sec");
			json_array_append(recs, json_object_get(j, "event"));
			json_decref(j);
		}
	} else {
		/* _bulk: an action line, then the record, each line JSON */
		char *copy = strdup(body), *save = NULL, *ln;

		assert_true(len > 0 && body[len - 1] == '\n');
		for (i = 0, ln = strtok_r(copy, "\n", &save); ln;
		     ln = strtok_r(NULL, "\n", &save), i++) {
			j = json_loads(ln, 0, &e);
			assert_non_null(j);
			if (i % 2 == 0) {
				assert_string_equal(
					json_string_value(json_object_get(
						json_object_get(j, "create"), "_index")),
					"privwatch-alerts");
				json_decref(j);
			} else {
				json_array_append_new(recs, j);
			}
		}
		free(copy);
	}
}

/* Every record once, in order, n of them. */
static void assert_records(json_t *recs, int n)
{
	size_t i;

	assert_int_equal(json_array_size(recs), n);
	for (i = 0; i < (size_t)n; i++)
		assert_int_equal(json_integer_value(json_object_get(json_array_get(recs, i), "n")),
				 i);
}

static void check_preset(const char *preset, const char *opts, const char *path, const char *ctype,
			 const char *auth, int batch)
{
	struct pw_sink_stats st;
	struct pw_sinks *s;
	json_t *reqs, *recs = json_array(), *r;
	size_t i;

	receiver_start(!strcmp(preset, "elastic") ? "elastic" : "ok", 0);
	s = sink(opts, path);
	write_records(s, 7);
	pw_sinks_stop(s, 5000);
	pw_sinks_stats(s, 0, &st);
	assert_string_equal(st.kind, "http");
	assert_int_equal(st.written, 7);
	assert_int_equal(st.dropped, 0);
	assert_true(st.bytes > 0);
	pw_sinks_close(s, 0);
	receiver_stop();
	reqs = requests();
	assert_true(json_array_size(reqs) >= (size_t)(7 + batch - 1) / batch);
	json_array_foreach(reqs, i, r)
	{
		assert_string_equal(req_str(r, "path"), path);
		assert_string_equal(req_str(r, "content_type"), ctype);
		assert_string_equal(req_str(r, "authorization"), auth);
		body_records(preset, req_str(r, "body"), recs);
	}
	assert_records(recs, 7);
	json_decref(recs);
	json_decref(reqs);
}

static void test_webhook(void **state)
{
	(void)state;
	check_preset("webhook", ",token=s3cret", "/hook", "application/json", "Bearer s3cret", 500);
}

static void test_splunk_hec_batches(void **state)
{
	(void)state;
	/* batch=2: 7 records are 4 POSTs at least */
	check_preset("splunk", ",preset=splunk,token=0000-hec,index=sec,batch=2",
		     "/services/collector/event", "application/json", "Splunk 0000-hec", 2);
}

static void test_elastic_bulk(void **state)
{
	(void)state;
	check_preset("elastic", ",preset=elastic,token=a2V5,index=privwatch-alerts", "/_bulk",
		     "application/x-ndjson", "ApiKey a2V5", 500);
}

/* 503s: the same batch again after the backoff, nothing lost or doubled. */
static void test_retry_with_backoff(void **state)
{
	struct pw_sink_stats st;
	struct pw_sinks *s;
	json_t *reqs, *recs = json_array();
	size_t i;

	(void)state;
	receiver_start("ok", 2);
	s = sink(",batch=100", "/hook");
	write_records(s, 3);
	pw_sinks_stop(s, 5000);
	pw_sinks_stats(s, 0, &st);
	assert_int_equal(st.written, 3);
	assert_int_equal(st.dropped, 0);
	assert_true(st.connect_failures >= 2);
	pw_sinks_close(s, 0);
	receiver_stop();
	reqs = requests();
	/* the two refused POSTs and the first delivered one: the same batch;
	 * the delivered ones (from the third on) every record once, in order */
	assert_true(json_array_size(reqs) >= 3);
	for (i = 0; i < 2; i++)
		assert_string_equal(req_str(json_array_get(reqs, i), "body"),
				    req_str(json_array_get(reqs, i + 1), "body"));
	for (i = 2; i < json_array_size(reqs); i++)
		body_records("webhook", req_str(json_array_get(reqs, i), "body"), recs);
	assert_records(recs, 3);
	json_decref(recs);
	json_decref(reqs);
}

/* A 400 refuses the batch for good; _bulk's refused records are lost too. */
static void test_refusals_are_counted(void **state)
{
	struct pw_sink_stats st;
	struct pw_sinks *s;

	(void)state;
	receiver_start("refuse", 0);
	s = sink(",batch=100", "/hook");
	write_records(s, 4);
	pw_sinks_stop(s, 5000);
	pw_sinks_stats(s, 0, &st);
	assert_int_equal(st.written, 0);
	assert_int_equal(st.dropped, 4);
	pw_sinks_close(s, 0);
	receiver_stop();

	receiver_start("elastic-partial", 0);
	s = sink(",preset=elastic,index=privwatch-alerts", "/_bulk");
	write_records(s, 1);
	usleep(300000);
	write_records(s, 1);
	pw_sinks_stop(s, 5000);
	pw_sinks_stats(s, 0, &st);
	/* each batch's first record refused: written + dropped is everything */
	assert_int_equal(st.written + st.dropped, 2);
	assert_true(st.dropped >= 1);
	pw_sinks_close(s, 0);
	receiver_stop();
}

/* Nobody listening: the stop deadline bounds it, every line counted lost;
 * a full queue drops (counted) and never blocks the writer. */
static void test_dead_receiver_and_full_queue(void **state)
{
	struct pw_sink_stats st;
	struct pw_sinks *s;
	double t0;
	struct timespec ts;

	(void)state;
	receiver_start("ok", 0);
	receiver_stop(); /* its port, nobody on it */
	s = sink(",queue=5", "/hook");
	write_records(s, 20);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	t0 = ts.tv_sec + ts.tv_nsec / 1e9;
	pw_sinks_stop(s, 300);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	assert_true(ts.tv_sec + ts.tv_nsec / 1e9 - t0 < 5);
	pw_sinks_stats(s, 0, &st);
	assert_int_equal(st.written, 0);
	assert_int_equal(st.dropped, 20);
	assert_int_equal(st.queued, 0);
	pw_sinks_close(s, 0);
}

/* privwatch run itself: its start and final stats records, in ECS. */
static void test_run_through_http(void **state)
{
	char spec[256], t[] = "4";
	json_t *reqs, *recs = json_array(), *r, *j;
	size_t i;
	int start = 0, stats = 0;

	(void)state;
	receiver_start("ok", 0);
	snprintf(spec, sizeof(spec), "http,format=ecs,token=t:http://127.0.0.1:%d/privwatch",
		 recv_port);
	char *argv[] = { "/usr/bin/timeout",
			 "--preserve-status",
			 "--signal=INT",
			 t,
			 (char *)h_privwatch(),
			 "run",
			 "--http",
			 "none",
			 "--lock-file",
			 "none",
			 "--no-rules",
			 "--stats-interval",
			 "0",
			 "--output",
			 spec,
			 NULL };
	static char out[1 << 16], err[1 << 16];

	assert_int_equal(h_capture(argv, out, sizeof(out), err, sizeof(err)), 0);
	receiver_stop();
	reqs = requests();
	json_array_foreach(reqs, i, r) body_records("webhook", req_str(r, "body"), recs);
	json_array_foreach(recs, i, j)
	{
		const char *ds =
			json_string_value(json_object_get(json_object_get(j, "event"), "dataset"));

		start += ds && !strcmp(ds, "privwatch.start");
		stats += ds && !strcmp(ds, "privwatch.stats");
	}
	assert_int_equal(start, 1);
	assert_int_equal(stats, 1); /* the final one */
	assert_non_null(strstr(err, "lines delivered"));
	json_decref(recs);
	json_decref(reqs);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_webhook),
		cmocka_unit_test(test_splunk_hec_batches),
		cmocka_unit_test(test_elastic_bulk),
		cmocka_unit_test(test_retry_with_backoff),
		cmocka_unit_test(test_refusals_are_counted),
		cmocka_unit_test(test_dead_receiver_and_full_queue),
		cmocka_unit_test(test_run_through_http),
	};

	h_init(argv[0]);
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests_name("cli: http sink", tests, setup, teardown);
}
