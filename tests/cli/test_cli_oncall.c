// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * What an operator sees when things are not as they should be: commands
 * run without root say that root (and which capabilities) is missing, not
 * that the kernel cannot run them; at stop, stderr accounts for every sink,
 * a sink dead from the start included (the final stats record went to it).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "harness.h"

static char dir[PATH_MAX], copy[PATH_MAX], out[1 << 16], err[1 << 16];

/* A copy of the binary anyone may run: the tree may sit below a directory
 * nobody cannot enter. */
static int setup(void **state)
{
	char cmd[3 * PATH_MAX];

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/pw-cli-oncall.XXXXXX");
	if (!mkdtemp(dir) || chmod(dir, 0755))
		return -1;
	snprintf(copy, sizeof(copy), "%s/privwatch", dir);
	snprintf(cmd, sizeof(cmd), "install -m 0755 %s %s", h_privwatch(), copy);
	return system(cmd);
}

static int teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

/* argv run as nobody (uid and gid 65534, no groups, no capabilities). */
static int as_nobody(const char *const *args)
{
	char *argv[16] = { "/usr/bin/setpriv", "--reuid=65534",	  "--regid=65534",
			   "--clear-groups",   "--inh-caps=-all", copy };
	int i, n = 6;

	for (i = 0; args[i] && n < 15; i++)
		argv[n++] = (char *)args[i];
	argv[n] = NULL;
	return h_capture(argv, out, sizeof(out), err, sizeof(err));
}

static void assert_says_root(const char *cmd, const char *caps)
{
	char prefix[64];

	snprintf(prefix, sizeof(prefix), "privwatch %s: needs root: it runs as uid 65534", cmd);
	if (strncmp(err, prefix, strlen(prefix)))
		fail_msg("%s as nobody: expected '%s...', got '%s'", cmd, prefix, err);
	if (!strstr(err, caps))
		fail_msg("%s as nobody: '%s' not named in '%s'", cmd, caps, err);
	/* one line, and no blame on the kernel */
	assert_ptr_equal(strchr(err, '\n'), err + strlen(err) - 1);
	assert_null(strstr(err, "this kernel"));
	assert_null(strstr(err, "lsm="));
	assert_string_equal(out, "");
}

static void test_unprivileged_commands_say_root(void **state)
{
	static const char *const run[] = { "run", "--http", "none", "--no-rules", NULL };
	static const char *const probe[] = { "probe", NULL };
	static const char *const ps[] = { "ps", NULL };
	static const char *const ps_json[] = { "ps", "--json", NULL };
	static const char *const inspect[] = { "inspect", "abc", NULL };

	(void)state;
	assert_int_equal(as_nobody(run), 1);
	assert_says_root("run", "CAP_SYS_ADMIN");
	assert_int_equal(as_nobody(probe), 1);
	assert_says_root("probe", "CAP_SYS_ADMIN");
	assert_non_null(strstr(err, "CAP_BPF"));
	assert_int_equal(as_nobody(ps), 1);
	assert_says_root("ps", "CAP_SYS_PTRACE");
	assert_int_equal(as_nobody(ps_json), 1);
	assert_says_root("ps", "CAP_SYS_PTRACE");
	assert_int_equal(as_nobody(inspect), 1);
	assert_says_root("inspect", "CAP_SYS_PTRACE");
}

/* Root that lacks a capability (a bounding set): named too. */
static void test_root_without_sys_admin(void **state)
{
	char *argv[] = { "/usr/bin/setpriv",
			 "--inh-caps=-all",
			 "--bounding-set=-sys_admin",
			 copy,
			 "probe",
			 NULL };

	(void)state;
	assert_int_equal(h_capture(argv, out, sizeof(out), err, sizeof(err)), 1);
	assert_non_null(strstr(err, "privwatch probe: needs root's capabilities: it runs as "
				    "root but without CAP_SYS_ADMIN"));
}

static int closed_port(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), port;

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &sl), 0);
	port = ntohs(sin.sin_port);
	close(fd); /* nobody listens there now */
	return port;
}

/* The line of stderr about one output: "privwatch run: at stop, output SPEC: ...". */
static const char *summary_of(const char *spec)
{
	char key[PATH_MAX + 64];
	const char *s;

	snprintf(key, sizeof(key), "privwatch run: at stop, output %s: ", spec);
	s = strstr(err, key);
	if (!s)
		fail_msg("no summary for %s in stderr: %s", spec, err);
	return s + strlen(key);
}

static void test_stop_summary_per_sink(void **state)
{
	char tcp[64], file[PATH_MAX + 8], timeout_s[] = "6";
	unsigned long long delivered, bytes, lost;
	const char *s;

	(void)state;
	snprintf(tcp, sizeof(tcp), "tcp:127.0.0.1:%d", closed_port());
	snprintf(file, sizeof(file), "file:%s/out.json", dir);
	char *argv[] = { "/usr/bin/timeout",
			 "--preserve-status",
			 "--signal=INT",
			 timeout_s,
			 (char *)h_privwatch(),
			 "run",
			 "--http",
			 "none",
			 "--no-rules",
			 "--stats-interval",
			 "0",
			 "--output",
			 tcp,
			 "--output",
			 file,
			 NULL };

	/* SIGINT from timeout: a clean stop, exit 0 */
	assert_int_equal(h_capture(argv, out, sizeof(out), err, sizeof(err)), 0);
	/* the dead receiver: everything lost, and said so */
	s = summary_of(tcp);
	assert_int_equal(sscanf(s, "%llu lines delivered (%llu bytes), %llu lost", &delivered,
				&bytes, &lost),
			 3);
	assert_int_equal(delivered, 0);
	assert_int_equal(bytes, 0);
	assert_true(lost >= 2); /* the start and the final stats records at least */
	assert_non_null(strstr(s, "failed connects: nothing reached it"));
	/* the file got the same lines, none lost */
	s = summary_of(file);
	assert_int_equal(sscanf(s, "%llu lines delivered (%llu bytes), %llu lost", &delivered,
				&bytes, &lost),
			 3);
	assert_true(delivered >= 2);
	assert_true(bytes > 100);
	assert_int_equal(lost, 0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unprivileged_commands_say_root),
		cmocka_unit_test(test_root_without_sys_admin),
		cmocka_unit_test(test_stop_summary_per_sink),
	};

	h_init(argv[0]);
	return cmocka_run_group_tests_name("cli: on-call (privileges, stop summary)", tests, setup,
					   teardown);
}
