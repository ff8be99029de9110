// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Micro-workloads for overhead checks: each runs one operation in a loop for
 * a fixed time and prints the mean ns per operation.
 *   workload_bench klogctl|getppid|open-file|open-devnull SECONDS [FILE]
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	const char *op = argc > 1 ? argv[1] : "";
	double secs = argc > 2 ? atof(argv[2]) : 1.0, t0, t;
	const char *file = argc > 3 ? argv[3] : "/etc/hostname";
	long n = 0, i;

	t0 = now();
	do {
		for (i = 0; i < 1000; i++) {
			if (!strcmp(op, "klogctl")) {
				klogctl(0, NULL, 0);
			} else if (!strcmp(op, "getppid")) {
				syscall(SYS_getppid);
			} else if (!strcmp(op, "open-file")) {
				close(open(file, O_RDONLY));
			} else if (!strcmp(op, "open-devnull")) {
				close(open("/dev/null", O_RDONLY));
			} else {
				fprintf(stderr, "workload_bench: unknown op %s\n", op);
				return 2;
			}
		}
		n += 1000;
		t = now();
	} while (t - t0 < secs);
	printf("%s %.1f ns/op\n", op, (t - t0) * 1e9 / n);
	return 0;
}
