// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The TLS sinks against real receivers on loopback: Debian's rsyslogd with
 * rsyslog-gnutls (imtcp over gtls, RFC 5425) for syslog:tls, and openssl
 * s_server for JSON lines over tls. Certificates are made for the run by
 * tests/lib/tls-certs.sh in a temporary directory: a CA, a server and a
 * client certificate, an expired server certificate and a CA that signed
 * none of them. Every receiver has its own config, pid file and ports there
 * and is killed by the pid this suite started; the system's rsyslog is not
 * touched. And privwatch run itself with a sink it must refuse (root: it
 * loads its BPF programs). Runs on the host and in the test VM alike.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <cmocka.h>
#include <jansson.h>
#include "harness.h"
#include "sinks/sinks.h"

static char dir[] = "/tmp/pw-sinks-tls.XXXXXX";
static pid_t rsyslog_pid, recv_pid;
/* rsyslog's TLS inputs: the good server certificate (client certificate
 * required), the expired one; and its plain UDP input for the probe. */
static int port_ok, port_expired, port_udp;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The test VM boots with lo down. */
static void loopback_up(void)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	strcpy(ifr.ifr_name, "lo");
	if (!ioctl(fd, SIOCGIFFLAGS, &ifr) && !(ifr.ifr_flags & IFF_UP)) {
		ifr.ifr_flags |= IFF_UP;
		ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	close(fd);
}

static int free_port(int type)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sin);
	int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0), port;

	bind(fd, (struct sockaddr *)&sin, sizeof(sin));
	getsockname(fd, (struct sockaddr *)&sin, &sl);
	port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

static char *slurp(const char *path)
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
	if (fread(buf, 1, n, f) != (size_t)n)
		buf[0] = 0;
	fclose(f);
	return buf;
}

static int count_lines(const char *s)
{
	int n = 0;

	for (; s && *s; s++)
		n += *s == '\n';
	return n;
}

static char *wait_lines(const char *path, int want, int ms)
{
	double end = now_s() + ms / 1000.0;
	char *got = NULL;

	do {
		free(got);
		got = slurp(path);
		if (count_lines(got) >= want)
			break;
		usleep(20000);
	} while (now_s() < end);
	return got;
}

static void in_dir(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
}

/* Fork and exec argv, stdout to outf, stderr to errf; dies with the suite. */
static pid_t spawn(char *const argv[], const char *outf, const char *errf)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (!pid) {
		int fd = open(outf, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int efd = open(errf, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		dup2(fd, 1);
		dup2(efd, 2);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() == 1)
			_exit(127);
		execv(argv[0], argv);
		_exit(127);
	}
	return pid;
}

static void kill_wait(pid_t *pid)
{
	if (*pid > 0) {
		kill(*pid, SIGTERM);
		waitpid(*pid, NULL, 0);
		*pid = 0;
	}
}

/*
 * rsyslogd with gtls on two inputs, each with its own certificate and
 * ruleset writing what it parsed to its own file (ok.log, expired.log).
 */
static void rsyslog_start(void)
{
	char conf[256], pidf[256], errf[256], out[256], probe[64], *got = NULL;
	char *argv[] = { "/usr/sbin/rsyslogd", "-n", "-f", conf, "-i", pidf, NULL };
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	double end;
	FILE *f;
	int fd;

	if (access("/usr/sbin/rsyslogd", X_OK))
		fail_msg("rsyslogd not installed: make deps installs Debian's rsyslog");
	if (access("/usr/lib/x86_64-linux-gnu/rsyslog/lmnsd_gtls.so", R_OK) &&
	    access("/usr/lib/rsyslog/lmnsd_gtls.so", R_OK))
		fail_msg("rsyslog's gtls driver not installed: make deps installs rsyslog-gnutls");
	port_ok = free_port(SOCK_STREAM);
	port_expired = free_port(SOCK_STREAM);
	port_udp = free_port(SOCK_DGRAM);
	in_dir(conf, sizeof(conf), "rsyslog.conf");
	in_dir(pidf, sizeof(pidf), "rsyslogd.pid");
	in_dir(errf, sizeof(errf), "rsyslogd.err");
	in_dir(out, sizeof(out), "probe.log");
	f = fopen(conf, "w");
	assert_non_null(f);
	fprintf(f,
		"global(workDirectory=\"%1$s\" maxMessageSize=\"64k\"\n"
		"       defaultNetstreamDriverCAFile=\"%1$s/ca.pem\")\n"
		"module(load=\"imudp\")\n"
		"module(load=\"imtcp\" streamDriver.name=\"gtls\" streamDriver.mode=\"1\")\n"
		"template(name=\"fields\" type=\"string\" string=\"%%syslogfacility%%|"
		"%%syslogseverity%%|%%app-name%%|%%procid%%|%%msgid%%|%%structured-data%%|"
		"%%msg%%\\n\")\n"
		"input(type=\"imudp\" address=\"127.0.0.1\" port=\"%2$d\" ruleset=\"probe\")\n"
		"input(type=\"imtcp\" address=\"127.0.0.1\" port=\"%3$d\" ruleset=\"ok\"\n"
		"      streamDriver.authMode=\"x509/certvalid\"\n"
		"      streamDriver.certFile=\"%1$s/server.pem\" "
		"streamDriver.keyFile=\"%1$s/server.key\")\n"
		"input(type=\"imtcp\" address=\"127.0.0.1\" port=\"%4$d\" ruleset=\"expired\"\n"
		"      streamDriver.authMode=\"anon\"\n"
		"      streamDriver.certFile=\"%1$s/expired.pem\" "
		"streamDriver.keyFile=\"%1$s/expired.key\")\n"
		"ruleset(name=\"probe\") { action(type=\"omfile\" file=\"%1$s/probe.log\") }\n"
		"ruleset(name=\"ok\") { action(type=\"omfile\" file=\"%1$s/ok.log\" "
		"template=\"fields\") }\n"
		"ruleset(name=\"expired\") { action(type=\"omfile\" file=\"%1$s/expired.log\" "
		"template=\"fields\") }\n",
		dir, port_udp, port_ok, port_expired);
	fclose(f);
	rsyslog_pid = spawn(argv, errf, errf);
	/* Ready when a UDP probe comes out the other end (inputs start together). */
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	sin.sin_port = htons(port_udp);
	snprintf(probe, sizeof(probe), "<13>1 - - probe - - - ready");
	end = now_s() + 15;
	while (now_s() < end) {
		int status;

		if (waitpid(rsyslog_pid, &status, WNOHANG) == rsyslog_pid) {
			char *e = slurp(errf);

			rsyslog_pid = 0;
			close(fd);
			fail_msg("rsyslogd exited (status %#x) before it was ready:\n%s", status,
				 e ? e : "");
		}
		sendto(fd, probe, strlen(probe), 0, (struct sockaddr *)&sin, sizeof(sin));
		free(got);
		got = slurp(out);
		if (got && strstr(got, "ready"))
			break;
		usleep(100000);
	}
	close(fd);
	if (!got || !strstr(got, "ready")) {
		char *e = slurp(errf);

		fail_msg("rsyslogd did not pass a probe within 15 s; its output:\n%s", e ? e : "");
	}
	free(got);
}

/* ---- stderr of the sinks' threads, captured to a file ---- */

static int saved_stderr = -1;

static void stderr_capture(const char *name)
{
	char path[256];
	int fd;

	in_dir(path, sizeof(path), name);
	fflush(stderr);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	saved_stderr = dup(2);
	dup2(fd, 2);
	close(fd);
}

static char *stderr_release(const char *name)
{
	char path[256];

	fflush(stderr);
	if (saved_stderr >= 0) {
		dup2(saved_stderr, 2);
		close(saved_stderr);
		saved_stderr = -1;
	}
	in_dir(path, sizeof(path), name);
	return slurp(path);
}

static struct pw_sinks *sinks_or_fail(const char *const *specs, int n)
{
	struct pw_sinks *s = pw_sinks_new();
	char err[1024];
	int i;

	for (i = 0; i < n; i++)
		if (pw_sinks_add(s, specs[i], err, sizeof(err)))
			fail_msg("%s", err);
	if (pw_sinks_start(s, err, sizeof(err)))
		fail_msg("%s", err);
	return s;
}

static int alert_line(char *buf, size_t len, int n)
{
	return snprintf(buf, len,
			"{\"schema\":\"privwatch.alert/1\",\"n\":%d,\"rule\":{\"id\":\"PW-0001\","
			"\"title\":\"a | b\"},\"path\":\"/sys/\\u00e9\\\"q\\\"\"}\n",
			n);
}

/* A field of a line rsyslog parsed (split at '|'; the last is the rest). */
static const char *field(const char *line, int i, char *buf, size_t len)
{
	const char *end;

	while (i-- > 0) {
		line = strchr(line, '|');
		if (!line)
			return "";
		line++;
	}
	end = strchr(line, '|') ? strchr(line, '|') : line + strlen(line);
	snprintf(buf, len, "%.*s", (int)(end - line), line);
	return buf;
}

/* Records over syslog:tls arrive once each, in order, byte for byte. */
static void test_syslog_tls_delivers_intact(void **state)
{
	enum { N = 300 };
	struct pw_alert_attrs a = { .rule_id = "PW-0001", .container_id = "c0ffee" };
	char spec[1024], out[256], line[512], b[512], *got, *l, *save = NULL;
	const char *specs[1] = { spec };
	struct pw_sink_stats st;
	struct pw_sinks *s;
	int i, len, n = 0;

	snprintf(spec, sizeof(spec),
		 "syslog,facility=local0,ca=%1$s/ca.pem,cert=%1$s/client.pem,key=%1$s/"
		 "client.key:tls:localhost:%2$d",
		 dir, port_ok);
	s = sinks_or_fail(specs, 1);
	for (i = 0; i < N; i++) {
		len = alert_line(line, sizeof(line), i);
		pw_sinks_write_alert(s, line, len, PW_SEV_HIGH, &a);
	}
	pw_sinks_stop(s, 10000);
	pw_sinks_stats(s, 0, &st);
	assert_int_equal(st.written, N);
	assert_int_equal(st.dropped, 0);
	assert_int_equal(st.connect_failures, 0);
	pw_sinks_close(s, 0);

	in_dir(out, sizeof(out), "ok.log");
	got = wait_lines(out, N, 10000);
	assert_int_equal(count_lines(got), N);
	for (l = strtok_r(got, "\n", &save); l; l = strtok_r(NULL, "\n", &save), n++) {
		const char *msg = l;

		assert_int_equal(atoi(field(l, 0, b, sizeof(b))), 16);
		assert_int_equal(atoi(field(l, 1, b, sizeof(b))), 3);
		assert_string_equal(field(l, 2, b, sizeof(b)), "privwatch");
		assert_string_equal(field(l, 4, b, sizeof(b)), "alert");
		assert_string_equal(field(l, 5, b, sizeof(b)),
				    "[privwatch@32473 rule=\"PW-0001\" container=\"c0ffee\"]");
		for (i = 0; i < 6; i++)
			msg = strchr(msg, '|') + 1;
		len = alert_line(line, sizeof(line), n);
		assert_int_equal(strlen(msg), len - 1);
		assert_memory_equal(msg, line, len - 1);
	}
	assert_int_equal(n, N);
	free(got);
	truncate(out, 0);
}

/*
 * A receiver the sink must refuse: nothing is delivered, the attempt is
 * counted and reported in one clear line, the lines wait in the queue and
 * are counted dropped at stop; the process and a file sink beside it go on.
 */
static void refused(const char *spec, const char *log, const char *want_err)
{
	char side[256], outf[256], line[512], *err, *got;
	const char *specs[2] = { spec, side };
	struct pw_sink_stats st;
	struct pw_sinks *s;
	double end;
	int i, len;

	struct pw_sink_stats tried, side_st;
	/* this call's lines carry its own mark, so a line that reaches the
	 * receiver is known to be this sink's or not */
	static int round;
	char mark[32];

	snprintf(mark, sizeof(mark), "\"refused\":%d,", ++round);
	snprintf(side, sizeof(side), "file:%s/side.json", dir);
	stderr_capture("refused.err");
	s = sinks_or_fail(specs, 2);
	for (i = 0; i < 5; i++) {
		len = snprintf(line, sizeof(line), "{%s\"n\":%d}\n", mark, i);
		pw_sinks_write(s, line, len, PW_REC_ALERT, PW_SEV_HIGH);
	}
	pw_sinks_flush(s);
	end = now_s() + 10;
	do {
		usleep(20000);
		pw_sinks_stats(s, 0, &tried);
	} while (tried.connect_failures < 2 && now_s() < end);
	pw_sinks_stop(s, 200);
	pw_sinks_stats(s, 0, &st);
	pw_sinks_stats(s, 1, &side_st);
	pw_sinks_close(s, 0);
	/* Judged once stderr is ours again: a failure's message is not lost
	 * in the capture file (nor cmocka's summary after it). */
	err = stderr_release("refused.err");
	print_message("%s", err);
	assert_true(tried.connect_failures >= 2); /* and it tried again */
	assert_int_equal(tried.written, 0);
	assert_int_equal(tried.queued, 5);
	assert_int_equal(st.written, 0);
	assert_int_equal(st.dropped, 5);
	assert_int_equal(side_st.written, 5);
	if (!strstr(err, want_err))
		fail_msg("expected on stderr: %s\ngot: %s", want_err, err);
	free(err);

	/* Nothing of it reached the receiver; whatever did is shown (with
	 * the receiver's own messages) before it is judged. */
	in_dir(outf, sizeof(outf), log);
	usleep(200000);
	got = slurp(outf);
	if (count_lines(got) > 0) {
		char errf[256], *rerr;

		in_dir(errf, sizeof(errf), "rsyslogd.err");
		rerr = slurp(errf);
		print_message("[   INFO   ] the receiver's %s holds:\n%s[   INFO   ] rsyslogd's "
			      "messages:\n%s\n",
			      log, got, rerr ? rerr : "");
		free(rerr);
	}
	assert_null(got ? strstr(got, mark) : NULL);
	free(got);
	truncate(outf, 0);
	in_dir(outf, sizeof(outf), "side.json");
	unlink(outf);
}

static void test_syslog_tls_wrong_ca_refused(void **state)
{
	char spec[1024], want[1400];

	snprintf(spec, sizeof(spec),
		 "syslog,ca=%1$s/other-ca.pem,cert=%1$s/client.pem,key=%1$s/client.key:tls:"
		 "localhost:%2$d",
		 dir, port_ok);
	snprintf(want, sizeof(want),
		 "output '%s': certificate verify failed: unable to get local issuer certificate "
		 "(CA file %s/other-ca.pem); retrying with backoff",
		 spec, dir);
	refused(spec, "ok.log", want);
}

/* Without ca= the system store decides: it has never heard of the test CA. */
static void test_syslog_tls_system_store_refuses_unknown_ca(void **state)
{
	char spec[1024], want[1400];

	snprintf(spec, sizeof(spec),
		 "syslog,cert=%1$s/client.pem,key=%1$s/client.key:tls:localhost:%2$d", dir,
		 port_ok);
	snprintf(want, sizeof(want),
		 "output '%s': certificate verify failed: unable to get local issuer certificate "
		 "(system CA store)",
		 spec);
	refused(spec, "ok.log", want);
}

static void test_syslog_tls_expired_certificate_refused(void **state)
{
	char spec[1024], want[1400];

	snprintf(spec, sizeof(spec), "syslog,ca=%s/ca.pem:tls:localhost:%d", dir, port_expired);
	snprintf(want, sizeof(want),
		 "output '%s': certificate verify failed: certificate has expired (CA file "
		 "%s/ca.pem)",
		 spec, dir);
	refused(spec, "expired.log", want);
}

static void test_syslog_tls_name_mismatch_refused(void **state)
{
	char spec[1024], want[1400];

	/* The certificate is for localhost and 127.0.0.1. */
	snprintf(spec, sizeof(spec),
		 "syslog,ca=%1$s/ca.pem,cert=%1$s/client.pem,key=%1$s/client.key,name=siem."
		 "example.com:tls:127.0.0.1:%2$d",
		 dir, port_ok);
	snprintf(want, sizeof(want),
		 "output '%s': certificate verify failed: hostname mismatch (expected "
		 "siem.example.com)",
		 spec);
	refused(spec, "ok.log", want);
}

/* The receiver requires a client certificate (x509/certvalid) and gets
 * none: in TLS 1.3 its refusal comes after our handshake ended, and must
 * still be a failed attempt, not lines counted written and lost. */
static void test_syslog_tls_client_certificate_required(void **state)
{
	char spec[1024], want[1400];

	/* the VM runner says it is one (PW_VM_KERNEL): an environment fact */
	if (getenv("PW_VM_KERNEL")) {
		print_message("[   SKIP   ] under emulation rsyslog refuses a client without a "
			      "certificate after the sink's wait for its verdict (seen past 3 s): "
			      "the host part checks this\n");
		skip();
	}

	snprintf(spec, sizeof(spec), "syslog,ca=%s/ca.pem:tls:localhost:%d", dir, port_ok);
	snprintf(want, sizeof(want),
		 "output '%s': refused by the receiver after the handshake: TLS: ", spec);
	refused(spec, "ok.log", want);
}

/* JSON lines over tls to a python3 ssl receiver (tests/lib/tls-recv.py,
 * client certificate required), checked by IP address against the
 * certificate's IP entry. */
static void test_json_lines_over_tls(void **state)
{
	enum { N = 500 };
	char spec[1024], port_s[16], outf[256], errf[256], ca[256], cert[256], key[256];
	char line[512];
	char *argv[] = {
		"/usr/bin/python3", "tests/lib/tls-recv.py", port_s, cert, key, ca, outf, NULL
	};
	const char *specs[1] = { spec };
	struct pw_sink_stats st;
	struct pw_sinks *s;
	size_t want_len = 0;
	char *want = malloc(N * 512), *got = NULL;
	double end;
	int i, len, port = free_port(SOCK_STREAM);

	snprintf(port_s, sizeof(port_s), "%d", port);
	in_dir(cert, sizeof(cert), "server.pem");
	in_dir(key, sizeof(key), "server.key");
	in_dir(ca, sizeof(ca), "ca.pem");
	in_dir(outf, sizeof(outf), "tls-recv.out");
	in_dir(errf, sizeof(errf), "tls-recv.err");
	recv_pid = spawn(argv, errf, errf);
	snprintf(spec, sizeof(spec),
		 "tls,ca=%1$s/ca.pem,cert=%1$s/client.pem,key=%1$s/client.key:127.0.0.1:%2$d", dir,
		 port);
	/* The sink retries until s_server listens: no wait needed here. */
	s = sinks_or_fail(specs, 1);
	for (i = 0; i < N; i++) {
		len = alert_line(line, sizeof(line), i);
		memcpy(want + want_len, line, len);
		want_len += len;
		pw_sinks_write(s, line, len, PW_REC_ALERT, PW_SEV_LOW);
	}
	pw_sinks_stop(s, 15000);
	pw_sinks_stats(s, 0, &st);
	assert_int_equal(st.written, N);
	assert_int_equal(st.dropped, 0);
	pw_sinks_close(s, 0);
	end = now_s() + 10;
	do {
		free(got);
		got = slurp(outf);
		if (got && strlen(got) >= want_len)
			break;
		usleep(20000);
	} while (now_s() < end);
	assert_non_null(got);
	if (strlen(got) != want_len) {
		char *e = slurp(errf);

		fail_msg("received %zu bytes of %zu; the receiver said:\n%s", strlen(got), want_len,
			 e ? e : "");
	}
	assert_memory_equal(got, want, want_len);
	free(got);
	free(want);
	/* By address: no SNI (RFC 6066 3). By name: the name is sent. */
	got = slurp(errf);
	assert_non_null(strstr(got, "sni None\n"));
	assert_null(strstr(got, "sni localhost\n"));
	free(got);
	snprintf(spec, sizeof(spec),
		 "tls,ca=%1$s/ca.pem,cert=%1$s/client.pem,key=%1$s/client.key:localhost:%2$d", dir,
		 port);
	s = sinks_or_fail(specs, 1);
	pw_sinks_write(s, "{\"by\":\"name\"}\n", 14, PW_REC_META, PW_SEV_INFO);
	pw_sinks_stop(s, 5000);
	pw_sinks_stats(s, 0, &st);
	assert_int_equal(st.written, 1);
	pw_sinks_close(s, 0);
	end = now_s() + 5;
	do {
		got = slurp(errf);
		if (got && strstr(got, "sni localhost\n"))
			break;
		free(got);
		got = NULL;
		usleep(20000);
	} while (now_s() < end);
	assert_non_null(got);
	free(got);
	kill_wait(&recv_pid);
}

static json_t *sink_of(json_t *stats, size_t i)
{
	return json_array_get(json_object_get(stats, "sinks"), i);
}

static long long u(json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

/*
 * privwatch run with a TLS sink it must refuse: it runs on, says why on
 * stderr, counts the attempts in its stats records and, at SIGINT, the
 * lines never sent as dropped; stdout beside it is untouched; exit 0.
 */
static void test_agent_runs_on_with_a_refused_tls_sink(void **state)
{
	char cg[PATH_MAX], spec[1024], want[1400], errf[256], line[1 << 16], *err;
	uint64_t cg_id;
	struct h_proc p;
	json_t *j, *last = NULL;
	double end;
	int rc, seen = 0;

	assert_int_equal(h_cgroup_create(NULL, "privwatch-tls", cg, sizeof(cg), &cg_id), 0);
	snprintf(spec, sizeof(spec), "syslog,ca=%s/other-ca.pem:tls:localhost:%d", dir, port_ok);
	snprintf(want, sizeof(want),
		 "output '%s': certificate verify failed: unable to get local issuer certificate "
		 "(CA file %s/other-ca.pem)",
		 spec, dir);
	char *argv[] = { (char *)h_privwatch(),
			 "run",
			 "--lock-file",
			 "none",
			 "--no-rules",
			 "--cgroup",
			 cg,
			 "--stats-interval",
			 "1",
			 "--output",
			 "stdout",
			 "--output",
			 spec,
			 NULL };

	stderr_capture("agent.err");
	rc = h_proc_start(&p, argv);
	free(stderr_release("agent.err")); /* the agent keeps the file */
	assert_int_equal(rc, 0);
	/* its start first (11-13 s in the emulated VM: the LSM programs) */
	assert_int_equal(h_proc_line(&p, line, sizeof(line), h_start_wait_ms()), 0);
	assert_non_null(strstr(line, "privwatch.start/1"));
	end = now_s() + 30;
	while (!seen && now_s() < end && !h_proc_line(&p, line, sizeof(line), 5000)) {
		j = json_loads(line, 0, NULL);
		assert_non_null(j);
		if (!strcmp(json_string_value(json_object_get(j, "schema")), "privwatch.stats/1") &&
		    u(sink_of(j, 1), "connect_failures") >= 2) {
			assert_int_equal(u(sink_of(j, 1), "written"), 0);
			assert_true(u(sink_of(j, 1), "queued") >= 1);
			assert_true(u(sink_of(j, 0), "written") >= 1);
			seen = 1;
		}
		json_decref(j);
	}
	assert_true(seen);
	assert_int_equal(kill(p.pid, 0), 0); /* still running */
	assert_int_equal(h_proc_stop(&p, SIGINT), 0);
	while (h_proc_line(&p, line, sizeof(line), 1000) == 0) {
		json_decref(last);
		last = json_loads(line, 0, NULL);
	}
	assert_non_null(last);
	assert_true(json_is_true(json_object_get(last, "final")));
	/* Written before the sinks' last 2 s: what they did not send is said
	 * on stderr after it. */
	assert_int_equal(u(sink_of(last, 1), "written"), 0);
	assert_true(u(sink_of(last, 1), "queued") >= 1);
	json_decref(last);
	in_dir(errf, sizeof(errf), "agent.err");
	err = slurp(errf);
	if (!err || !strstr(err, want))
		fail_msg("expected on the agent's stderr: %s\ngot: %s", want, err ? err : "");
	snprintf(want, sizeof(want), "output '%s': ", spec);
	assert_non_null(strstr(err, want));
	assert_non_null(strstr(err, " lines not delivered by the stop deadline: dropped\n"));
	print_message("%s", err);
	free(err);
	h_cgroup_remove(cg);
}

/* A file named in the spec that is missing or wrong stops the start. */
static void test_bad_files_refused_at_start(void **state)
{
	char spec[3][512], want[3][700], err[1024];
	int i;

	snprintf(spec[0], sizeof(spec[0]), "tls,ca=%s/nope.pem:localhost:1", dir);
	snprintf(want[0], sizeof(want[0]),
		 "output '%s': CA file %s/nope.pem: No such file or directory", spec[0], dir);
	snprintf(spec[1], sizeof(spec[1]), "tls,ca=%1$s/ca.pem,cert=%1$s/client.pem:localhost:1",
		 dir);
	snprintf(want[1], sizeof(want[1]),
		 "output '%s': cannot load the key %s/client.pem:", spec[1], dir);
	snprintf(spec[2], sizeof(spec[2]),
		 "tls,cert=%1$s/client.pem,key=%1$s/server.key:localhost:1", dir);
	snprintf(want[2], sizeof(want[2]),
		 "output '%1$s': the key %2$s/server.key does not match the certificate "
		 "%2$s/client.pem",
		 spec[2], dir);
	for (i = 0; i < 3; i++) {
		struct pw_sinks *s = pw_sinks_new();

		assert_int_equal(pw_sinks_add(s, spec[i], err, sizeof(err)), 0);
		assert_int_equal(pw_sinks_start(s, err, sizeof(err)), -1);
		if (strncmp(err, want[i], strlen(want[i])))
			fail_msg("expected: %s\ngot:      %s", want[i], err);
		pw_sinks_close(s, 0);
	}
}

static int setup(void **state)
{
	char cmd[512];

	signal(SIGPIPE, SIG_IGN);
	loopback_up();
	if (!mkdtemp(dir))
		return -1;
	snprintf(cmd, sizeof(cmd), "tests/lib/tls-certs.sh '%s'", dir);
	if (system(cmd)) {
		fprintf(stderr, "cannot make the test certificates (openssl CLI: make deps)\n");
		return -1;
	}
	return 0;
}

static int rsyslog_setup(void **state)
{
	if (!rsyslog_pid)
		rsyslog_start();
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	kill_wait(&rsyslog_pid);
	kill_wait(&recv_pid);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_syslog_tls_delivers_intact, rsyslog_setup),
		cmocka_unit_test_setup(test_syslog_tls_wrong_ca_refused, rsyslog_setup),
		cmocka_unit_test_setup(test_syslog_tls_system_store_refuses_unknown_ca,
				       rsyslog_setup),
		cmocka_unit_test_setup(test_syslog_tls_expired_certificate_refused, rsyslog_setup),
		cmocka_unit_test_setup(test_syslog_tls_name_mismatch_refused, rsyslog_setup),
		cmocka_unit_test_setup(test_syslog_tls_client_certificate_required, rsyslog_setup),
		cmocka_unit_test(test_json_lines_over_tls),
		cmocka_unit_test_setup(test_agent_runs_on_with_a_refused_tls_sink, rsyslog_setup),
		cmocka_unit_test(test_bad_files_refused_at_start),
	};

	h_init(argv[0]);
	return cmocka_run_group_tests_name("cli: TLS sinks against rsyslog and openssl", tests,
					   setup, teardown);
}
